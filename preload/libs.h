/*
 * libs.h: the libraries the shim needs only in a process it audits,
 * libunwind (the capture, stackcache.c) and SQLite (the write, writer.c).
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
#include <sqlite3.h>

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

struct la_sqlite {
    int (*open_v2)(const char *, sqlite3 **, int, const char *);
    int (*close)(sqlite3 *);
    int (*exec)(sqlite3 *, const char *, int (*)(void *, int, char **, char **), void *,
                char **);
    int (*prepare_v2)(sqlite3 *, const char *, int, sqlite3_stmt **, const char **);
    int (*step)(sqlite3_stmt *);
    int (*reset)(sqlite3_stmt *);
    int (*clear_bindings)(sqlite3_stmt *);
    int (*finalize)(sqlite3_stmt *);
    int (*bind_int)(sqlite3_stmt *, int, int);
    int (*bind_int64)(sqlite3_stmt *, int, sqlite3_int64);
    int (*bind_double)(sqlite3_stmt *, int, double);
    int (*bind_text)(sqlite3_stmt *, int, const char *, int, void (*)(void *));
    int (*bind_null)(sqlite3_stmt *, int);
    int (*column_int)(sqlite3_stmt *, int);
    sqlite3_int64 (*last_insert_rowid)(sqlite3 *);
    const char *(*errmsg)(sqlite3 *);
    int (*busy_handler)(sqlite3 *, int (*)(void *, int), void *);
    int (*db_config)(sqlite3 *, int, ...);
    int (*extended_errcode)(sqlite3 *);
};

LA_HIDDEN extern struct la_unwind la_unw;
LA_HIDDEN extern struct la_sqlite la_sql;

/*
 * Opens both libraries and fills the tables, once (later calls return the
 * first one's result).  Returns 0, or -1 with the reason in ERR (the
 * library or symbol that is missing).  Called with the guard held: the
 * loader's allocations are libc's, not the program's.
 */
LA_HIDDEN int libs_load(char *err, size_t errlen);

/* Whether libs_load succeeded. */
LA_HIDDEN int libs_loaded(void);

#endif
