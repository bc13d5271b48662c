/*
 * guard.h: the per-thread recursion guard.  While it is set (the shim's
 * own work, libunwind, SQLite, libc called back from inside the shim),
 * hooks only forward.  la_enter and la_enter_free are the first thing
 * every recording hook does.
 */
#ifndef LA_GUARD_H
#define LA_GUARD_H

#include <errno.h>

#include "state.h"

LA_HIDDEN extern LA_TLS int t_guard; /* state.c */

/*
 * Enters the shim for an allocation when recording: sets the guard and
 * returns 1.  Returns 0 (forward only) inside the shim's own work, before
 * start completes, and after the end.
 */
static inline int la_enter(void)
{
    if (LA_UNLIKELY(t_guard))
        return 0;
    int s = la_load_state();
    if (LA_UNLIKELY(s != ST_RECORDING)) {
        if (s != ST_UNSTARTED || !la_start())
            return 0;
    }
    t_guard = 1;
    return 1;
}

/* The same for a free: blocks are still removed while DEGRADED. */
static inline int la_enter_free(void)
{
    if (LA_UNLIKELY(t_guard))
        return 0;
    int s = la_load_state();
    if (LA_UNLIKELY(s != ST_RECORDING && s != ST_DEGRADED))
        return 0;
    t_guard = 1;
    return 1;
}

static inline void la_leave(int saved_errno)
{
    t_guard = 0;
    errno = saved_errno;
}
#endif
