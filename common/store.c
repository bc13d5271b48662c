/*
 * store.c: runs into the SQLite database (store.h).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "schema.h"
#include "store.h"

#define ST_BUSY_MS 120000

/*
 * Waiting for another process's write.  SQLite's own busy handler sleeps
 * 1, 2, 5, 10 ... 100 ms: longer than a whole write (well under a
 * millisecond), so that processes ending together (make -j, a test runner)
 * would lose milliseconds each.  This one polls at 50 us, doubling up to
 * 2 ms, for ST_BUSY_MS in all.
 */
static int st_busy(void *arg, int count)
{
    int64_t *waited = arg;
    long us = count < 6 ? 50L << count : 2000;

    if (*waited >= (int64_t)ST_BUSY_MS * 1000)
        return 0;
    struct timespec t = { 0, us * 1000 };
    nanosleep(&t, NULL);
    *waited += us;
    return 1;
}

static int st_fail(struct la_store *s, const char *what)
{
    snprintf(s->err, sizeof s->err, "%s: %s", what,
             s->db ? la_sql.errmsg(s->db) : "out of memory");
    return -1;
}

static int st_exec(struct la_store *s, const char *sql, const char *what)
{
    return la_sql.exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : st_fail(s, what);
}

static int st_prepare(struct la_store *s, const char *sql, sqlite3_stmt **st)
{
    return la_sql.prepare_v2(s->db, sql, -1, st, NULL) == SQLITE_OK
               ? 0 : st_fail(s, "preparing a statement");
}

/* Steps a fully bound statement once and resets it.  0 or -1. */
static int st_step(struct la_store *s, sqlite3_stmt *st, const char *what)
{
    int rc = la_sql.step(st);

    la_sql.reset(st);
    la_sql.clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : st_fail(s, what);
}

static void st_bind(sqlite3_stmt *st, int i, const struct la_val *v)
{
    switch (v->type) {
    case LA_V_INT: la_sql.bind_int64(st, i, v->i); break;
    case LA_V_REAL: la_sql.bind_double(st, i, v->d); break;
    case LA_V_TEXT: la_sql.bind_text(st, i, v->s, -1, SQLITE_STATIC); break;
    default: la_sql.bind_null(st, i); break;
    }
}

/* The columns of TABLE's rows, with the run's id where the table has it. */
static int st_has_run(enum la_table t)
{
    return t != LA_T_RUN && t != LA_T_REPLACES;
}

static int st_ncols(enum la_table t)
{
    return (int)strlen(la_tables[t].types) + st_has_run(t);
}

/* "HEAD VALUES (?,...),..." for ROWS rows of TABLE into *ST.  0 or -1. */
static int st_prepare_rows(struct la_store *s, enum la_table t, int rows, sqlite3_stmt **st)
{
    char sql[LA_STORE_ROWS * (2 * (LA_MAX_COLS + 1) + 2) + 256];
    const char *head = la_tables[t].sql;
    size_t len = strlen(head);
    int ncols = st_ncols(t);

    if (len + 8 + (size_t)rows * (2 * (size_t)ncols + 2) >= sizeof sql) {
        snprintf(s->err, sizeof s->err, "building a statement for %s", la_tables[t].name);
        return -1;
    }
    memcpy(sql, head, len);
    memcpy(sql + len, " VALUES ", 8);
    len += 8;
    for (int k = 0; k < rows; k++) {
        if (k)
            sql[len++] = ',';
        sql[len++] = '(';
        for (int c = 0; c < ncols; c++) {
            if (c)
                sql[len++] = ',';
            sql[len++] = '?';
        }
        sql[len++] = ')';
    }
    sql[len] = '\0';
    return st_prepare(s, sql, st);
}

/* Inserts the rows held for TABLE: LA_STORE_ROWS of them by one
 * statement (compiled when that many are first held: compiling it costs
 * more than a small run's whole write), fewer one by one. */
static int st_flush(struct la_store *s, enum la_table t)
{
    struct la_store_rows *r = &s->rows[t];
    int ncols = st_ncols(t);
    char what[64];

    if (r->n == 0)
        return 0;
    snprintf(what, sizeof what, "inserting into %s", la_tables[t].name);
    if (r->n == LA_STORE_ROWS && !r->many && st_prepare_rows(s, t, LA_STORE_ROWS, &r->many) != 0)
        return -1;
    if (r->n < LA_STORE_ROWS && !r->one && st_prepare_rows(s, t, 1, &r->one) != 0)
        return -1;
    sqlite3_stmt *st = r->n == LA_STORE_ROWS ? r->many : r->one;
    for (int k = 0; k < r->n; k++) {
        int base = st == r->many ? k * ncols : 0;
        for (int c = 0; c < ncols; c++)
            st_bind(st, base + c + 1, &r->v[k][c]);
        if (st == r->one && st_step(s, st, what) != 0)
            return -1;
    }
    if (st == r->many && st_step(s, st, what) != 0)
        return -1;
    r->n = 0;
    return 0;
}

int store_run_end(struct la_store *s)
{
    for (int t = 0; t < LA_NTABLES; t++)
        if (st_flush(s, (enum la_table)t) != 0)
            return -1;
    return 0;
}

/*
 * The schema, created by the first run stored into the file: a file that
 * has it already costs one statement (the version), not its DDL.
 */
static int st_schema(struct la_store *s)
{
    static const char version[] = "SELECT value FROM meta WHERE key = 'schema_version'";
    sqlite3_stmt *st;
    int rc;

    if (la_sql.prepare_v2(s->db, version, -1, &st, NULL) != SQLITE_OK) {
        /* No meta table: a new file (or not ours: the DDL then fails, or
         * finds its tables and the version check below tells). */
        if (st_exec(s, LA_SCHEMA_SQL, "creating the schema") != 0 ||
            st_prepare(s, version, &st) != 0)
            return -1;
    }
    rc = la_sql.step(st);
    if (rc == SQLITE_ROW) {
        int v = la_sql.column_int(st, 0);
        la_sql.finalize(st);
        if (v != LA_SCHEMA_VERSION) {
            snprintf(s->err, sizeof s->err, "the database has schema version %d, "
                     "this version of leakaudit writes version %d", v, LA_SCHEMA_VERSION);
            return -1;
        }
        return 0;
    }
    la_sql.finalize(st);
    if (rc != SQLITE_DONE)
        return st_fail(s, "reading the schema version");
    return st_exec(s, "INSERT INTO meta(key, value) VALUES"
                      " ('schema_version', '" LA_SCHEMA_STR(LA_SCHEMA_VERSION) "'),"
                      " ('creator', '" PACKAGE_STRING "')",
                   "recording the schema version");
}

/* The process's earlier checkpoint (pid V[0], started at V[1]), which the
 * run that follows replaces. */
static int st_replace(struct la_store *s, const struct la_val *v)
{
    static const char *const tables[] = {
        "args", "modules", "stacks", "frames", "blocks", "reachable", "edges", "marks",
    };
    char sql[256];
    sqlite3_stmt *st;
    int rc = store_run_end(s);

    for (size_t i = 0; i <= sizeof tables / sizeof *tables && rc == 0; i++) {
        if (i < sizeof tables / sizeof *tables)
            snprintf(sql, sizeof sql, "DELETE FROM %s WHERE run IN (SELECT id"
                     " FROM runs WHERE pid = ? AND start_time = ? AND"
                     " end_reason = 'checkpoint')", tables[i]);
        else
            snprintf(sql, sizeof sql, "DELETE FROM runs WHERE pid = ? AND"
                     " start_time = ? AND end_reason = 'checkpoint'");
        if (st_prepare(s, sql, &st) != 0)
            return -1;
        st_bind(st, 1, &v[0]);
        st_bind(st, 2, &v[1]);
        rc = st_step(s, st, "replacing the last checkpoint");
        la_sql.finalize(st);
    }
    return rc;
}

/* A table of one row: its statement, kept for the next run. */
static int st_one(struct la_store *s, enum la_table t, const struct la_val *v)
{
    struct la_store_rows *r = &s->rows[t];
    int n = (int)strlen(la_tables[t].types), base = st_has_run(t);
    char what[64];

    if (!r->one && st_prepare(s, la_tables[t].sql, &r->one) != 0)
        return -1;
    if (base)
        la_sql.bind_int64(r->one, 1, s->run);
    for (int c = 0; c < n; c++)
        st_bind(r->one, base + c + 1, &v[c]);
    snprintf(what, sizeof what, "inserting into %s", la_tables[t].name);
    if (st_step(s, r->one, what) != 0)
        return -1;
    if (t == LA_T_RUN)
        s->run = la_sql.last_insert_rowid(s->db);
    return 0;
}

int store_row(void *self, enum la_table t, const struct la_val *v)
{
    struct la_store *s = self;

    if (t == LA_T_REPLACES)
        return st_replace(s, v);
    if (la_tables[t].one_row)
        return st_one(s, t, v);
    struct la_store_rows *r = &s->rows[t];
    struct la_val *row = r->v[r->n];
    row[0] = la_int(s->run);
    memcpy(row + 1, v, strlen(la_tables[t].types) * sizeof *v);
    return ++r->n == LA_STORE_ROWS ? st_flush(s, t) : 0;
}

int store_open(struct la_store *s, const char *path)
{
    if (la_sql.open_v2(path, &s->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW,
                       NULL) != SQLITE_OK) {
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
            snprintf(s->err, sizeof s->err, "it is a symbolic link, which is not followed");
        else
            st_fail(s, "opening it");
        return -1;
    }
    la_sql.busy_handler(s->db, st_busy, &s->waited);
    /*
     * No disk flush per run (synchronous=OFF): two fdatasync calls cost a
     * short process more than the rest of its write.  The rollback journal
     * still keeps the file whole when a process dies in the middle of its
     * write; a crash of the machine can lose the runs of the job that was
     * running, or the file (the README says so).  Not WAL: measured here,
     * each short process, as the first connection of the file, pays for
     * the WAL's shared-memory index and its recovery (0.45 ms against
     * 0.19 for the rollback journal, and more as the log grows when it is
     * not checkpointed at every close, which itself costs a flush).
     */
    la_sql.exec(s->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
    /* One large transaction: keep its pages in memory (64 MiB). */
    la_sql.exec(s->db, "PRAGMA cache_size = -65536", NULL, NULL, NULL);
    if (st_exec(s, "BEGIN IMMEDIATE", "starting the transaction") != 0)
        return -1;
    s->in_tx = 1;
    return st_schema(s);
}

int store_commit(struct la_store *s)
{
    if (store_run_end(s) != 0 || st_exec(s, "COMMIT", "committing") != 0)
        return -1;
    s->in_tx = 0;
    return 0;
}

void store_close(struct la_store *s)
{
    for (int t = 0; t < LA_NTABLES; t++) {
        la_sql.finalize(s->rows[t].many);
        la_sql.finalize(s->rows[t].one);
        s->rows[t].many = s->rows[t].one = NULL;
        s->rows[t].n = 0;
    }
    if (s->db && s->in_tx)
        la_sql.exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = 0;
    la_sql.close(s->db);
    s->db = NULL;
}
