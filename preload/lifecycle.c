/*
 * lifecycle.c: the process's life as the shim follows it: threads (each
 * new thread registers its stack), fork (locks held across it, the child
 * starts a run of its own), daemon, dlclose, and the end: exit() and the
 * return from main note the status, _exit() and the destructor write the
 * run (run.h).  A fatal signal's end is crash.c's.
 */
#include <pthread.h>
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
#include "stackcache.h"
#include "stackdepot.h"
#include "threads.h"

static int (*la_main)(int, char **, char **);
static LA_TLS int t_daemon; /* inside daemon(): its parent ends at fork */

/* ---- threads ------------------------------------------------------------ */

struct la_thread_start {
    void *(*fn)(void *);
    void *arg;
};

static void *la_thread_main(void *p)
{
    struct la_thread_start s = *(struct la_thread_start *)p;

    t_guard++;
    own_free(p);
    threads_enter();
    t_guard--;
    return s.fn(s.arg);
}

int la_pthread_create(void *thread, const void *attr, void *(*fn)(void *),
                      void *arg)
{
    struct la_thread_start *s;

    if (!REAL(pthread_create))
        la_start();
    if (la_load_state() == ST_STOPPED || !REAL(malloc))
        return la_real.pthread_create(thread, attr, fn, arg);
    t_guard++;
    s = own_malloc(sizeof *s);
    t_guard--;
    if (!s) /* no room to wrap: the thread's stack is just not tracked */
        return la_real.pthread_create(thread, attr, fn, arg);
    s->fn = fn;
    s->arg = arg;
    int rc = la_real.pthread_create(thread, attr, la_thread_main, s);
    if (rc != 0) {
        t_guard++;
        own_free(s);
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
    la_exit_known = 0;
    t_daemon = 0;
    child_after_fork();
    snapshot_schedule();
    t_guard--;
}

/* ---- the end ----------------------------------------------------------- */

void lifecycle_finish(const char *reason)
{
    if (la_load_state() == ST_UNSTARTED || getpid() != la_pid)
        return;
    if (__atomic_exchange_n(&la_finished, 1, __ATOMIC_ACQ_REL))
        return;
    int s = la_load_state();
    t_guard++;
    la_set_state(ST_STOPPED);
    if (s == ST_RECORDING || s == ST_DEGRADED) {
        /* The final run replaces the last checkpoint: that one first. */
        int got = child_lock(1);
        child_reap_last(1);
        child_unlock(got);
        run_write(reason, 0, s, getppid(), 0);
    }
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
    return la_real.dlclose(handle);
}

void la_exit(int status)
{
    if (!REAL(exit))
        la_start();
    la_exit_code = status;
    la_exit_known = 1;
    la_real.exit(status);
    __builtin_unreachable();
}

void la_exit_now(int status, int which)
{
    if (!REAL(exit_now[which]))
        la_start();
    la_exit_code = status;
    la_exit_known = 1;
    lifecycle_finish("_exit");
    la_real.exit_now[which](status);
    __builtin_unreachable();
}

static int la_main_wrapper(int argc, char **argv, char **envp)
{
    int rc = la_main(argc, argv, envp);

    la_exit_code = rc;
    la_exit_known = 1;
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
