/*
 * store.h: runs into the SQLite database, as rows (runrows.h), in one
 * IMMEDIATE transaction, so that the processes of a run tree (fork, exec,
 * parallel test jobs) take turns on one file; a busy handler makes them
 * wait instead of failing.  Only bound parameters, never SQL built from
 * data.  The shim stores its own run through it (preload/writer.c), the
 * report the runs of a spool directory (report/import.c).
 *
 * The caller provides the struct (it is large: the rows held for each
 * table's multi-row INSERT) zeroed, and calls SQLite's functions through
 * la_sql (sqlfns.h).
 */
#ifndef LA_STORE_H
#define LA_STORE_H

#include "runrows.h"
#include "sqlfns.h"

#define LA_STORE_ROWS 64 /* rows per multi-row INSERT */

struct la_store_rows {
    sqlite3_stmt *many, *one;
    int n;
    struct la_val v[LA_STORE_ROWS][LA_MAX_COLS + 1];
};

struct la_store {
    sqlite3 *db;
    int64_t run;      /* the id of the run being stored */
    int64_t waited;   /* microseconds the busy handler slept */
    int in_tx;
    struct la_store_rows rows[LA_NTABLES];
    char err[320];    /* why the last call failed */
};

/*
 * Opens the database at PATH (created when missing, never through a
 * symbolic link), begins the transaction and checks the schema (creating
 * it in a new file).  0, or -1 with the reason in S->err; store_close
 * then still has to be called.
 */
int store_open(struct la_store *s, const char *path) __attribute__((visibility("hidden")));

/* One row of TABLE (la_sink's row, with S as SELF). */
int store_row(void *s, enum la_table table, const struct la_val *v)
    __attribute__((visibility("hidden")));

/* Inserts the rows still held: called at the end of each run, before the
 * texts its rows point to go. */
int store_run_end(struct la_store *s) __attribute__((visibility("hidden")));

/* Commits what was stored.  0 or -1 (the reason in S->err). */
int store_commit(struct la_store *s) __attribute__((visibility("hidden")));

/* Frees the statements and closes the file; an uncommitted transaction is
 * rolled back. */
void store_close(struct la_store *s) __attribute__((visibility("hidden")));

#endif
