/*
 * child.c: writer children.  A run that is written while the process goes
 * on (a checkpoint, a snapshot) or while it dies (a crash) is written by a
 * copy of the process made with clone(), which cannot disturb the
 * program's threads nor be disturbed by them.  Their state (the last child
 * made, not yet reaped, and who may make the next) lives here.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "bootstrap.h"
#include "child.h"
#include "livetable.h"
#include "marks.h"
#include "modules.h"
#include "pages.h"
#include "real.h"
#include "run.h"
#include "stackcache.h"
#include "stackdepot.h"
#include "state.h"
#include "threads.h"

static pid_t child_owner;
static pid_t child_last_pid;        /* the last writer child, not yet reaped */
static const char *child_last_what; /* what it writes, for a warning */

/*
 * A crash, a checkpoint and a snapshot write their run from a copy of the
 * process, the writer child: a
 * child made with clone() and no exit signal (the program's wait() never
 * sees it and no SIGCHLD arrives), with one thread.  Locks that other
 * threads held when it was made stay held there: the child resets the
 * shim's own, serves every allocation from the private heap
 * (bootstrap.h) instead of libc's malloc, runs on a stack of its own, and
 * is killed by SIGALRM if it still does not finish (SQLite's mutexes).
 */
#define CHILD_SECONDS 60
#define CHILD_STACK (8ul << 20)

static struct {
    const char *reason;
    int sig, state;
    long ppid;
    struct la_context where;
} child_job;

static void child_main(void)
{
    run_write(child_job.reason, child_job.sig, child_job.state,
              child_job.ppid, &child_job.where, RUN_IN_CHILD);
}

static __attribute__((noreturn)) void child_run(void)
{
    static ucontext_t back, run;

    sig_child_defaults(REAL(sigaction));
    alarm(CHILD_SECONDS);
    lt_reset_locks();
    sd_reset_lock();
    marks_reset_lock();
    threads_reset_lock();
    sc_reset_lock();
    modules_reset_lock();
    pages_reset_lock();
    if (boot_private() != 0) {
        la_warn("no address space left for writing the %s run", child_job.reason);
        syscall(SYS_exit_group, 1);
    }
    /* libc's allocator is forgotten: the hooks fall back to boot_alloc. */
    real_forget_malloc();
    void *stack = pages_alloc(CHILD_STACK);
    if (stack && getcontext(&run) == 0) {
        run.uc_stack.ss_sp = stack;
        run.uc_stack.ss_size = CHILD_STACK;
        run.uc_link = &back;
        makecontext(&run, child_main, 0);
        swapcontext(&back, &run);
    } else {
        child_main();
    }
    syscall(SYS_exit_group, 0);
    __builtin_unreachable();
}

LA_NOINLINE pid_t child_spawn(const char *reason, int sig, int s,
                              const struct la_context *where)
{
    /* Without WHERE: this thread's registers, spilled on its stack above
     * the point from which the child scans it. */
    jmp_buf regs;

    setjmp(regs);
    child_job.reason = reason;
    child_job.sig = sig;
    child_job.state = s;
    child_job.ppid = getppid();
    if (where && where->sp) {
        child_job.where = *where;
    } else {
        child_job.where.sp = (uintptr_t)&regs;
        child_job.where.nregs = 0;
    }
    long pid = syscall(SYS_clone, 0ul, 0ul, 0ul, 0ul, 0ul);
    if (pid == 0)
        child_run();
    return (pid_t)pid;
}

int child_reap(pid_t pid, int flags, const char *what)
{
    int st;
    pid_t r;

    do
        r = waitpid(pid, &st, flags | __WALL);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return 0;
    if (r == pid && WIFSIGNALED(st)) {
        if (WTERMSIG(st) == SIGALRM)
            la_warn("%s was not written: writing it took more than %d s",
                    what, CHILD_SECONDS);
        else
            la_warn("%s was not written: the process writing it died of "
                    "signal %d", what, WTERMSIG(st));
    }
    return 1;
}

/* ---- one writer child at a time ------------------------------------------ */

/*
 * One writer child at a time: the thread that makes one, or reaps the
 * last, holds child_owner (its thread id).  A checkpoint or a snapshot
 * asked for by signal goes without when another thread holds it (it may
 * be the very thread the signal interrupted); the others wait.
 */

int child_lock(int wait)
{
    pid_t me = la_tid();

    for (;;) {
        pid_t owner = 0;
        if (__atomic_compare_exchange_n(&child_owner, &owner, me, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return 1;
        if (owner == me)
            return 0;
        if (!wait)
            return -1;
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
}

void child_unlock(int got)
{
    if (got == 1)
        __atomic_store_n(&child_owner, 0, __ATOMIC_RELEASE);
}

int child_reap_last(int block)
{
    if (child_last_pid > 0 &&
        !child_reap(child_last_pid, block ? 0 : WNOHANG, child_last_what))
        return 0;
    child_last_pid = 0;
    return 1;
}

int child_start(const char *reason, const char *what, const struct la_context *where)
{
    int s = la_load_state();

    /* (Nor in a vfork child, which shares its parent's memory, nor once
     * the final run is being written.) */
    if ((s != ST_RECORDING && s != ST_DEGRADED) || getpid() != la_pid ||
        __atomic_load_n(&la_finished, __ATOMIC_ACQUIRE)) {
        errno = EINVAL;
        return -1;
    }
    pid_t pid = child_spawn(reason, 0, s, where);
    if (pid < 0)
        return -1;
    child_last_pid = pid;
    child_last_what = what;
    return 0;
}

void child_after_fork(void)
{
    child_last_pid = 0; /* the parent's to reap */
    child_owner = 0;
}
