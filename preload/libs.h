/*
 * libs.h: the libraries the shim needs only in a process it audits,
 * libunwind (the capture, stackcache.c) and SQLite (the write, writer.c;
 * not even that under the wrapper, whose spool takes a run log).
 * They are not linked: libs_load opens them with dlopen(RTLD_LOCAL) when a
 * process starts to be recorded (state.c), so that a process the shim
 * leaves alone (not audited, setuid) loads neither, and their symbols never
 * interpose on the program's (libunwind defines backtrace and
 * _Unwind_Backtrace).  The sonames are the ones the build linked against
 * (configure, LA_SONAME).
 */
#ifndef LA_LIBS_H
#define LA_LIBS_H

#include <stddef.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include "sqlfns.h"

#include "shim.h"

struct la_unwind {
    int (*getcontext)(unw_context_t *);
    int (*init_local)(unw_cursor_t *, unw_context_t *);
    int (*step)(unw_cursor_t *);
    int (*get_reg)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
    int (*set_caching_policy)(unw_addr_space_t, unw_caching_policy_t);
    int (*backtrace)(void **, int);
    unw_addr_space_t *local_addr_space;
};


LA_HIDDEN extern struct la_unwind la_unw;

/* libs_load's libraries. */
enum { LIBS_UNWIND = 1, LIBS_SQLITE = 2 };

/*
 * Opens the libraries in WHICH and fills their tables, once each (later
 * calls return the first one's result).  Returns 0, or -1 with the reason
 * in ERR (the library or symbol that is missing).  Called with the guard
 * held: the loader's allocations are libc's, not the program's.
 */
LA_HIDDEN int libs_load(int which, char *err, size_t errlen);

/* Whether the libraries in WHICH are loaded. */
LA_HIDDEN int libs_loaded(int which);

#endif
