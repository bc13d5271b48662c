/*
 * lifecycle.h: what init.c needs of lifecycle.c: the fork handlers and
 * the end of the run.  The hooks on threads, daemon, dlclose, exit and
 * main are declared in core.h.
 */
#ifndef LA_LIFECYCLE_H
#define LA_LIFECYCLE_H

#include "shim.h"

/* pthread_atfork's three: the shim's locks are held across fork; the
 * child resets them and starts a run of its own. */
LA_HIDDEN void lifecycle_fork_prepare(void);
LA_HIDDEN void lifecycle_fork_parent(void);
LA_HIDDEN void lifecycle_fork_child(void);

/*
 * Writes this process's run once, ended for REASON ("exit", "_exit").
 * Does nothing in a vfork child (it shares the parent's memory and must
 * not touch it) and after the first call.  Recording goes on in other
 * threads while the run is written, and stops for good after.
 */
LA_HIDDEN void lifecycle_finish(const char *reason);

#endif
