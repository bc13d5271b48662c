/*
 * lifecycle.c: the process's life as the shim follows it: threads (each
 * new thread registers its stack), fork (locks held across it, the child
 * starts a run of its own), daemon, dlclose, and the end: exit() and the
 * return from main note the status, _exit() and the destructor write the
 * run (run.h).  A fatal signal's end is crash.c's.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "alloc.h"
#include "child.h"
#include "guard.h"
#include "lifecycle.h"
#include "livetable.h"
#include "marks.h"
#include "modules.h"
#include "own.h"
#include "real.h"
#include "run.h"
#include "seqbatch.h"
#include "snapshot.h"
#include "side.h"
#include "stackcache.h"
#include "stackdepot.h"
#include "threads.h"
#include "unwind.h"

static int (*la_main)(int, char **, char **);
static LA_TLS int t_daemon; /* inside daemon(): its parent ends at fork */
static pid_t exit_owner;    /* the first thread to call exit() */
static int exit_callers;    /* threads that called it */

/* ---- threads ------------------------------------------------------------ */

/* Gives back a start made by la_thread_start_new. */
static void la_thread_start_free(struct th_start *s)
{
    if (threads_start_owns(s))
        threads_start_release(s);
    else
        own_free(s);
}

/* The new thread registers its stack, then gives its start back: from
 * then on its argument is kept in this frame for the thread's whole life,
 * a root, as glibc keeps it in the thread's descriptor without the shim
 * (memory, not a register the scan cannot read). */
static void *la_thread_main(void *p)
{
    volatile struct th_start s = *(struct th_start *)p;

    t_guard++;
    threads_enter();
    la_thread_start_free(p);
    t_guard--;
    void *rc = s.fn(s.arg);
    __asm__ volatile("" ::: "memory"); /* no tail call: this frame stays */
    return rc;
}

/* A start to wrap FN(ARG) in: one the scan sees, or else the shim's own
 * block (the argument is then unseen until the thread runs).  NULL
 * without memory. */
static struct th_start *la_thread_start_new(void *(*fn)(void *), void *arg)
{
    struct th_start *s = threads_start_claim(fn, arg);

    if (!s && (s = own_malloc(sizeof *s))) {
        s->fn = fn;
        s->arg = arg;
    }
    return s;
}

int la_pthread_create(void *thread, const void *attr, void *(*fn)(void *),
                      void *arg)
{
    struct th_start *s;

    if (!REAL(pthread_create))
        la_start();
    if (la_load_state() == ST_STOPPED || !REAL(malloc))
        return la_real.pthread_create(thread, attr, fn, arg);
    t_guard++;
    s = la_thread_start_new(fn, arg);
    t_guard--;
    if (!s) /* no room to wrap: the thread's stack is just not tracked */
        return la_real.pthread_create(thread, attr, fn, arg);
    int rc = la_real.pthread_create(thread, attr, la_thread_main, s);
    if (rc != 0) {
        t_guard++;
        la_thread_start_free(s);
        t_guard--;
    }
    return rc;
}

/* ---- fork ------------------------------------------------------------- */

void lifecycle_fork_prepare(void)
{
    t_guard++;
    marks_lock();
    sd_lock();
    sc_lock();
    lt_lock_all();
}

void lifecycle_fork_parent(void)
{
    lt_unlock_all();
    sc_unlock();
    sd_unlock();
    marks_unlock();
    t_guard--;
    /* daemon()'s parent leaves with libc's own _exit(0), which no hook
     * sees: its run is written now. */
    if (t_daemon) {
        la_exit_code = 0;
        la_exit_known = 1;
        lifecycle_finish("_exit");
    }
}

/* The child records its own run: blocks inherited from the parent stay in
 * the table (they are the child's memory too) but are not its findings. */
void lifecycle_fork_child(void)
{
    lt_reset_locks();
    sd_reset_lock();
    marks_reset_lock();
    threads_reset_lock();
    la_pid = getpid();
    t_tid = 0;
    la_start_time = la_now();
    la_first_seq = sb_next();
    alloc_after_fork();
    sd_reset_counters();
    sc_fork_child();
    side_fork_child();
    la_exit_known = 0;
    t_daemon = 0;
    child_after_fork();
    snapshot_schedule();
    la_end_after_fork();
    exit_owner = 0;
    exit_callers = 0;
    t_guard--;
}

/* ---- the end ----------------------------------------------------------- */

void lifecycle_finish(const char *reason)
{
    if (la_load_state() == ST_UNSTARTED || getpid() != la_pid)
        return;
    if (la_end_claim(t_end.sp ? &t_end : NULL) != 1)
        return; /* written, by another thread */
    int s = la_load_state();
    t_guard++;
    if (s == ST_RECORDING || s == ST_DEGRADED) {
        /* The final run replaces the last checkpoint: that one first. */
        int got = child_lock(1);
        child_reap_last(1);
        child_unlock(got);
        /* Other threads go on recording while the run is written, so that
         * what they free leaves the table and what they allocate is seen
         * (scan.h). */
        /* Threads that called exit() after this one are on their way to
         * wait in it: let them get there (briefly), so that their stacks
         * are roots from where they called it, not whole. */
        for (int ms = 0; ms < 50 && (int)threads_parked(NULL, 0) <
                 __atomic_load_n(&exit_callers, __ATOMIC_ACQUIRE) - 1; ms++) {
            struct timespec t = { 0, 1000000 };
            nanosleep(&t, NULL);
        }
        int others = (pid_t)syscall(SYS_gettid) != getpid() || threads_others_alive();
        const struct la_context *where = t_end.sp ? &t_end : NULL;
        if (run_write(reason, 0, s, getppid(), where, others ? RUN_CONCURRENT : 0) != 0) {
            /* No descriptor left: a copy of the process, whose descriptors
             * are its own, writes the run. */
            pid_t pid = child_spawn(reason, 0, s, where);
            if (pid > 0)
                child_reap(pid, 0, "the run");
            else
                la_warn("the run was not written: no file descriptor left, and no "
                        "process to write it (%s)", strerror(errno));
        }
    }
    la_set_state(ST_STOPPED);
    la_end_done();
    t_guard--;
}


int la_daemon(int nochdir, int noclose)
{
    if (!REAL(daemon))
        la_start();
    t_daemon = 1;
    int rc = la_real.daemon(nochdir, noclose);
    t_daemon = 0;
    return rc;
}

int la_dlclose(void *handle)
{
    if (!REAL(dlclose))
        la_start();
    int s = la_load_state();
    if (s == ST_RECORDING || s == ST_DEGRADED) {
        t_guard++;
        modules_note(); /* what goes away now is still known at the end */
        t_guard--;
    }
    int rc = la_real.dlclose(handle);
    /* The code that went may have had rules; other code may come there. */
    uw_forget();
    return rc;
}

void la_exit(int status, const struct la_context *where)
{
    if (!REAL(exit))
        la_start();
    /* One exit() at a time, as glibc 2.38 and later make it: a second
     * caller waits for the first to end the process, not to end it while
     * the first writes the run.  (Not in a vfork child: it shares this
     * state, this thread's included, with its parent.) */
    if (getpid() == la_pid) {
        pid_t me = la_tid(), first = 0;
        __atomic_add_fetch(&exit_callers, 1, __ATOMIC_ACQ_REL);
        if (!__atomic_compare_exchange_n(&exit_owner, &first, me, 0, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE) && first != me) {
            threads_park(where);
            for (;;)
                pause();
        }
        t_end = *where; /* for the run, written after the exit handlers */
    }
    la_exit_code = status;
    la_exit_known = 1;
    la_real.exit(status);
    __builtin_unreachable();
}

void la_exit_now(int status, int which, const struct la_context *where)
{
    if (!REAL(exit_now[which]))
        la_start();
    la_exit_code = status;
    la_exit_known = 1;
    if (getpid() == la_pid)
        t_end = *where;
    lifecycle_finish("_exit");
    la_real.exit_now[which](status);
    __builtin_unreachable();
}

/* main, called by libc's start: once it returns, its frame is dead, and
 * the stack is a root from libc's frame up, with libc's registers (which
 * main restored: they are those at this call). */
static int la_main_wrapper(int argc, char **argv, char **envp)
{
    struct la_context where;
    LA_CALLER_CONTEXT(where);
    int rc = la_main(argc, argv, envp);

    la_exit_code = rc;
    la_exit_known = 1;
    t_end = where;
    return rc;
}

int la_start_main(int (*main)(int, char **, char **), int argc, char **argv,
                  void (*init)(void), void (*fini)(void),
                  void (*rtld_fini)(void), void *stack_end)
{
    if (!REAL(start_main))
        la_start();
    la_main = main;
    return la_real.start_main(la_main_wrapper, argc, argv, init, fini,
                              rtld_fini, stack_end);
}
