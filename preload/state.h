/*
 * state.h: the shim's state machine and the process's facts that every
 * part of the core reads (state.c).
 *
 * States: UNSTARTED -> STARTING (one thread resolves libc) -> RECORDING
 * (insert and remove) -> STOPPED (at the end: hooks only forward).  When
 * the shim's own memory runs out it goes DEGRADED: blocks already recorded
 * are still removed on free, new ones are not recorded, the run is marked
 * incomplete.  The la_ prefix is the core's: these globals and the entry
 * points of core.h.
 */
#ifndef LA_STATE_H
#define LA_STATE_H

#include <limits.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "core.h"
#include "options.h"

enum { ST_UNSTARTED, ST_STARTING, ST_RECORDING, ST_DEGRADED, ST_STOPPED };

LA_HIDDEN extern int la_state;
LA_HIDDEN extern struct la_options la_opt;
LA_HIDDEN extern uintptr_t la_text_lo, la_text_hi; /* the shim's own image */
LA_HIDDEN extern pid_t la_pid;
LA_HIDDEN extern double la_start_time;
LA_HIDDEN extern uint64_t la_first_seq;  /* a forked child's run starts here */
LA_HIDDEN extern char la_output[PATH_MAX]; /* the database, absolute */
LA_HIDDEN extern char la_spool[PATH_MAX];  /* the wrapper's spool, absolute, or "" */
LA_HIDDEN extern char la_cwd[PATH_MAX];    /* the directory at start */
LA_HIDDEN extern char **la_argv;           /* a copy (init.c) */
LA_HIDDEN extern int la_argc;
LA_HIDDEN extern int la_exit_known, la_exit_code;
LA_HIDDEN extern pid_t la_finished;        /* the thread that writes the run, or
                                              0 (la_end_claim) */
LA_HIDDEN extern char la_unaudited[160];    /* why this process cannot be audited,
                                              or "" (init.c) */
LA_HIDDEN extern int la_dormant;          /* 1: this process is not audited
                                              (or setuid): never recorded */
LA_HIDDEN extern dev_t la_root_dev;        /* "/" at start: a chroot moves it */
LA_HIDDEN extern ino_t la_root_ino;
LA_HIDDEN extern LA_TLS pid_t t_tid;       /* this thread's id, once asked */
/* Where this thread left the program to end the process (core.h). */
LA_HIDDEN extern LA_TLS struct la_context t_end;

static inline int la_load_state(void)
{
    return __atomic_load_n(&la_state, __ATOMIC_ACQUIRE);
}

static inline void la_set_state(int s)
{
    __atomic_store_n(&la_state, s, __ATOMIC_RELEASE);
}

/* This thread's id (gettid), cached. */
static inline pid_t la_tid(void)
{
    if (LA_UNLIKELY(t_tid == 0))
        t_tid = (pid_t)syscall(SYS_gettid);
    return t_tid;
}

/* Unix time in seconds; CLOCK_MONOTONIC_COARSE in nanoseconds. */
LA_HIDDEN double la_now(void);
LA_HIDDEN int64_t la_mono_ns(void);

/*
 * First-time start, by whichever thread calls first (a hook before the
 * constructor, or the constructor).  Returns 1 when recording.  Other
 * threads calling meanwhile see STARTING and only forward.
 */
LA_HIDDEN int la_start(void);

/*
 * The end of the run, claimed once per process.  Returns 1 when the
 * calling thread claims it (it writes the run, then calls la_end_done);
 * -1 when it had claimed it already; 0 when another thread has, once that
 * one is done writing (or after 120 s), so that no thread ends the
 * process under a run half written; while it waits, its stack is a root
 * from WHERE (threads.h).
 */
LA_HIDDEN int la_end_claim(const struct la_context *where);
LA_HIDDEN void la_end_done(void);
/* In a forked child: no end claimed. */
LA_HIDDEN void la_end_after_fork(void);

/* RECORDING -> DEGRADED, with one warning line naming WHAT ran out. */
LA_HIDDEN void la_degrade(const char *what);

#endif
