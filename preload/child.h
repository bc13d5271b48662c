/*
 * child.h: writer children (child.c).  A writer child is a copy of the
 * process, made with clone() and no exit signal (the program's wait()
 * never sees it and no SIGCHLD arrives), that writes one run (run.h) and
 * ends: the run of a crash, a checkpoint or a snapshot.
 */
#ifndef LA_CHILD_H
#define LA_CHILD_H

#include <sys/types.h>

#include "core.h"

/*
 * Makes the writer child that writes the run ended for REASON (by signal
 * SIG, or 0), recording having been in state S, with the stack a root
 * from WHERE (run.h; NULL: from here).  Returns its pid, or -1 with
 * errno.  The caller reaps it with child_reap.
 */
LA_HIDDEN pid_t child_spawn(const char *reason, int sig, int s,
                            const struct la_context *where);

/* Waits for the writer child PID (with WNOHANG in FLAGS: only looks),
 * which writes WHAT.  Returns 1 once it has ended (with a warning when it
 * was killed), 0 while it runs. */
LA_HIDDEN int child_reap(pid_t pid, int flags, const char *what);

/* The right to make a writer child and to reap the last one.  Returns 1:
 * taken (give it back with child_unlock); 0: this thread has it already;
 * -1: another thread has it and WAIT is 0 (with WAIT, it waits). */
LA_HIDDEN int child_lock(int wait);
/* Gives it back when GOT, child_lock's answer, is 1. */
LA_HIDDEN void child_unlock(int got);

/* Reaps the last writer child made by child_start, waiting for it (BLOCK)
 * or only looking.  Returns 1 when none is left running.  Holding the
 * lock. */
LA_HIDDEN int child_reap_last(int block);

/* Makes the writer child that writes a run ended for REASON (WHAT, in a
 * warning), as the last one.  0, or -1 with errno (EINVAL: recording has
 * stopped or the final run is being written, or this is a vfork child).
 * Holding the lock. */
LA_HIDDEN int child_start(const char *reason, const char *what,
                          const struct la_context *where);

/* In a forked child: the parent's writer child is the parent's. */
LA_HIDDEN void child_after_fork(void);

#endif
