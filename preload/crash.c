/*
 * crash.c: the process's death by a fatal signal, and abort().  signals.c
 * keeps the program's dispositions and calls crash_record when one means
 * death; the run is then written by a writer child (child.h) while the
 * dying thread waits, and the process dies of the same signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "child.h"
#include "crash.h"
#include "guard.h"
#include "real.h"
#include "side.h"
#include "signals.h"
#include "threads.h"

static pid_t crash_tid;
static struct la_context crash_where; /* where the first dying thread was */

/* WHERE from the ucontext_t UC of a signal: every register, and the stack
 * from the interrupted stack pointer. */
static void crash_context_of(struct la_context *where, const void *uc)
{
    memset(where, 0, sizeof *where);
#if defined(__x86_64__)
    const ucontext_t *u = uc;
    where->nregs = NGREG < LA_CONTEXT_REGS ? NGREG : LA_CONTEXT_REGS;
    for (size_t i = 0; i < where->nregs; i++)
        where->regs[i] = (uintptr_t)u->uc_mcontext.gregs[i];
    where->sp = (uintptr_t)u->uc_mcontext.gregs[REG_RSP];
#else
    (void)uc;
#endif
}

/*
 * The other threads, held while the copy of the process that writes the
 * run is made.  The copy has one thread: without this, another thread's
 * registers are lost in it, and a block it has just allocated, whose
 * address is only in a register yet, would look lost (and its stack would
 * be scanned whole, dead frames included).  Each thread gets a real-time
 * signal the program leaves at its default action; its handler parks the
 * interrupted context (threads.h: its stack a root from there, its
 * registers roots) and waits until the copy is made.  A thread that has
 * the signal blocked does not answer within HOLD_WAIT_MS and goes on as
 * before (its stack scanned whole).  The handler stays installed: a
 * signal that arrives late finds nothing to hold and returns.
 */
#define HOLD_WAIT_MS 100
#define HOLD_MAX 64

static int hold_sig;           /* the signal, once its handler is in */
static int hold_on;            /* 1 while the copy is being made */
static int hold_parked;        /* threads that answered */

static void hold_handler(int sig, siginfo_t *si, void *uc)
{
    struct la_context where;
    int saved = errno;

    (void)sig;
    (void)si;
    if (!__atomic_load_n(&hold_on, __ATOMIC_ACQUIRE)) {
        errno = saved;
        return;
    }
    crash_context_of(&where, uc);
    side_fix_context(&where); /* inside malloc: from the hook's caller */
    int parked = threads_parked_here(), slot = parked ? -1 : threads_park(&where);
    /* Its side stack is no root only when its registers are known. */
    side_hold(parked || slot >= 0);
    __atomic_add_fetch(&hold_parked, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&hold_on, __ATOMIC_ACQUIRE)) {
        struct timespec t = { 0, 200000 };
        nanosleep(&t, NULL);
    }
    side_hold(0);
    threads_unpark(slot);
    errno = saved;
}

/* A real-time signal at its default action, with hold_handler installed
 * on it (from SIGRTMAX down: programs take theirs from SIGRTMIN up); 0
 * if none. */
static int hold_signal(void)
{
    if (hold_sig)
        return hold_sig;
    if (!REAL(sigaction))
        return 0;
    for (int sig = SIGRTMAX; sig >= SIGRTMIN; sig--) {
        struct sigaction now, mine;
        if (la_real.sigaction(sig, NULL, &now) != 0 || now.sa_handler != SIG_DFL)
            continue;
        memset(&mine, 0, sizeof mine);
        mine.sa_sigaction = hold_handler;
        mine.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
        sigfillset(&mine.sa_mask);
        if (la_real.sigaction(sig, &mine, NULL) == 0)
            return hold_sig = sig;
    }
    return 0;
}

/* Signals every other thread of the process (/proc/self/task) and waits
 * for those that answer. */
static void hold_others(pid_t me)
{
    char buf[4096];
    int sent = 0, sig = hold_signal();
    int fd = sig ? open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

    if (fd < 0)
        return;
    __atomic_store_n(&hold_parked, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&hold_on, 1, __ATOMIC_RELEASE);
    for (long n; sent < HOLD_MAX && (n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0;) {
        for (long off = 0; off < n && sent < HOLD_MAX;) {
            const struct { uint64_t ino; int64_t off; unsigned short reclen;
                           unsigned char type; char name[]; } *d = (const void *)(buf + off);
            off += d->reclen;
            pid_t tid = 0;
            const char *c = d->name;
            while (*c >= '0' && *c <= '9')
                tid = tid * 10 + (*c++ - '0');
            if (*c || tid <= 0 || tid == me)
                continue;
            if (syscall(SYS_tgkill, la_pid, tid, sig) == 0)
                sent++;
        }
    }
    close(fd);
    for (int ms = 0; ms < HOLD_WAIT_MS && __atomic_load_n(&hold_parked, __ATOMIC_ACQUIRE) < sent; ms++) {
        struct timespec t = { 0, 1000000 };
        nanosleep(&t, NULL);
    }
}

static void hold_release(void)
{
    __atomic_store_n(&hold_on, 0, __ATOMIC_RELEASE);
}

/*
 * The process is about to die of SIG (signals.h calls this from its
 * handler).  Only the writer child does anything that may take a lock;
 * this thread waits for it, within the child's time limit.  A second
 * thread dying meanwhile waits for the first to end the process.
 */
static void crash_now(int sig, const struct la_context *where)
{
    pid_t me = (pid_t)syscall(SYS_gettid), first = 0;
    char what[64];

    if (getpid() != la_pid)
        return;
    if (!__atomic_compare_exchange_n(&crash_tid, &first, me, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        if (first == me)
            return; /* a fault while recording the first one: die now */
        threads_park(where);
        for (;;) {
            struct timespec ms = { 0, 1000000 };
            nanosleep(&ms, NULL);
        }
    }
    int s = la_load_state();
    if ((s != ST_RECORDING && s != ST_DEGRADED) || la_end_claim(where) != 1)
        return; /* (another thread's run is written by now) */
    t_guard++;
    child_lock(1); /* kept: the process ends here */
    child_reap_last(1);
    snprintf(what, sizeof what, "the run that dies of signal %d", sig);
    /* The other threads are held while the copy is made (what they freed
     * until then is not in it), then go on. */
    hold_others(me);
    pid_t pid = child_spawn("signal", sig, s, &crash_where);
    hold_release();
    la_set_state(ST_STOPPED);
    if (pid < 0)
        la_warn("%s was not written: no process to write it (%s)", what,
                strerror(errno));
    else
        child_reap(pid, 0, what);
    la_end_done();
    t_guard--;
}

/*
 * crash_now on a stack of its own (crash.h).  The dying thread may be deep in a
 * small sigaltstack (Rust's is a few pages, already half used by its
 * handler when it calls abort()): only the first dying thread gets this
 * far (crash_now lets no second one through), so one static stack
 * serves.
 */
#define CRASH_STACK (128u * 1024u)

static int crash_sig;

static void crash_main(void)
{
    crash_now(crash_sig, &crash_where);
}

void crash_record(int sig, const struct la_context *at)
{
    static char stack[CRASH_STACK] __attribute__((aligned(64)));
    static ucontext_t back, run;
    static int busy;
    struct la_context fixed = *at, *where = &fixed;

    /* Inside malloc (a heap found corrupt, a fault in the shim): the
     * program's stack from the hook's caller, not the side stack's. */
    side_fix_context(where);

    /* A vfork child (or a writer child) records nothing, and must leave
     * the state it shares with its parent as it is. */
    if (getpid() != la_pid)
        return;
    if (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQ_REL) || getcontext(&run) != 0) {
        crash_now(sig, where); /* a second thread: it only waits there */
        return;
    }
    crash_sig = sig;
    crash_where = *where;
    run.uc_stack.ss_sp = stack;
    run.uc_stack.ss_size = sizeof stack;
    run.uc_link = &back;
    makecontext(&run, crash_main, 0);
    swapcontext(&back, &run);
}

void crash_on_signal(int sig, void *uc)
{
    struct la_context where;

    crash_context_of(&where, uc);
    crash_record(sig, &where);
}

void la_abort(const struct la_context *where)
{
    if (!REAL(abort))
        la_start();
    /* Dying of SIGABRT with the default action: recorded here, where the
     * stack is the caller's, without the signal frame abort() would add;
     * then the default action for real, so that the signal adds none. */
    if (sig_default(SIGABRT)) {
        crash_record(SIGABRT, where);
        sig_reset(SIGABRT);
    }
    void (*f)(void) = REAL(abort);
    if (f)
        f();
    /* libc's abort not known yet (another thread is starting the shim):
     * SIGABRT, then again with its default action, set by the kernel's
     * call itself (the shim's own signal() is not to be called back). */
    raise(SIGABRT);
    struct { void (*handler)(int); unsigned long flags; void (*restorer)(void);
             uint64_t mask; } dfl = { SIG_DFL, 0, NULL, 0 };
    syscall(SYS_rt_sigaction, SIGABRT, &dfl, NULL, sizeof dfl.mask);
    raise(SIGABRT);
    syscall(SYS_exit_group, 127);
    __builtin_unreachable();
}

/* ---- the program's view of the fatal signals ------------------------------ */

int la_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (!REAL(sigaction))
        la_start();
    return sig_sigaction(la_real.sigaction, sig, act, old);
}

void (*la_signal(int sig, void (*handler)(int), int how))(int)
{
    if (!REAL(signal[how]))
        la_start();
    if (!sig_taken(sig))
        return la_real.signal[how](sig, handler);
    if (how == LA_SIGSET)
        return sig_sigset(la_real.sigaction, sig, handler);
    return sig_signal(la_real.sigaction, sig, handler,
                      how == LA_SYSV_SIGNAL || how == LA___SYSV_SIGNAL);
}
