/*
 * snapshot.h: checkpoints and snapshots (snapshot.c).  leak_snapshot()
 * itself is declared in core.h.
 */
#ifndef LA_SNAPSHOT_H
#define LA_SNAPSHOT_H

#include "shim.h"

/* The next checkpoint is due LEAKAUDIT_CHECKPOINT seconds from now (at
 * the start, and in a forked child). */
LA_HIDDEN void snapshot_schedule(void);

/*
 * On every recorded allocation while checkpoints are on: every 256th
 * looks at the clock, and the thread that finds one due takes it, unless
 * the last writer child is still writing.  Called with the guard held.
 */
LA_HIDDEN void snapshot_checkpoint_tick(void);

/* The snapshot signal's handler (LEAKAUDIT_SNAPSHOT_SIGNAL): a snapshot,
 * unless another thread is making a writer child (it may be the very
 * thread the signal interrupted).  Keeps errno. */
LA_HIDDEN void snapshot_on_signal(int sig);

#endif
