/*
 * sqlfns.h: the SQLite functions the store (store.c) calls, through one
 * table, la_sql.  The shim fills it with dlsym from a libsqlite3 it opens
 * only when a process writes into a database itself (preload/libs.c); the
 * report, linked against SQLite, with the functions themselves
 * (report/import.c).  One list, LA_SQLITE_FNS, for both.
 */
#ifndef LA_SQLFNS_H
#define LA_SQLFNS_H

#include <sqlite3.h>

#define LA_SQLITE_FNS(X) \
    X(open_v2) X(close) X(exec) X(prepare_v2) X(step) X(reset) X(clear_bindings) \
    X(finalize) X(bind_int64) X(bind_double) X(bind_text) X(bind_null) \
    X(column_int) X(last_insert_rowid) X(errmsg) X(busy_handler) X(extended_errcode)

struct la_sqlite {
#define LA_SQL_FIELD(name) __typeof__(sqlite3_##name) *name;
    LA_SQLITE_FNS(LA_SQL_FIELD)
#undef LA_SQL_FIELD
};

extern struct la_sqlite la_sql __attribute__((visibility("hidden")));

#endif
