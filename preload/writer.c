/*
 * writer.c: the shim's SQLite writer.  One run per process, in one
 * IMMEDIATE transaction, so that the processes of a run tree (fork, exec,
 * parallel test jobs) take turns on one file; a busy timeout makes them
 * wait instead of failing.  Only bound parameters, never SQL built from
 * data.  Called with the recursion guard held: its allocations are libc's.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libs.h"

#include "config.h"
#include "marks.h"
#include "modules.h"
#include "own.h"
#include "schema.h"
#include "stackdepot.h"
#include "writer.h"

#define WR_BUSY_MS 120000

/*
 * Waiting for another process's write.  SQLite's own busy handler sleeps
 * 1, 2, 5, 10 ... 100 ms: longer than a whole write (well under a
 * millisecond), so that processes ending together (make -j, a test runner)
 * would lose milliseconds each.  This one polls at 50 us, doubling up to
 * 2 ms, for WR_BUSY_MS in all.
 */
static int wr_busy(void *arg, int count)
{
    int64_t *waited = arg;
    long us = count < 6 ? 50L << count : 2000;

    if (*waited >= (int64_t)WR_BUSY_MS * 1000)
        return 0;
    struct timespec t = { 0, us * 1000 };
    nanosleep(&t, NULL);
    *waited += us;
    return 1;
}

struct wr_site {
    uint64_t blocks, bytes, first_seq;
};

struct wr {
    sqlite3 *db;
    const char *path;
    sqlite3_int64 run;
    const struct la_run_record *rec;
    const struct scan_blocks *scanned; /* the classified copy of the table */
    const struct la_modules *mods;
    unsigned char *used;      /* bitmap over stack ids to write */
    uint64_t *live;           /* blocks still allocated, per stack id */
    struct wr_site *reach;    /* reachable blocks per stack id, when they are
                                 not kept one by one */
    uint64_t blocks, bytes;
    struct timespec t0; /* when writing began */
    uint32_t nstacks;
    char err[320];      /* why the write failed */
};

static int wr_fail(struct wr *w, const char *what)
{
    snprintf(w->err, sizeof w->err, "%s: %s", what,
             w->db ? la_sql.errmsg(w->db) : "out of memory");
    return -1;
}

static int wr_exec(struct wr *w, const char *sql, const char *what)
{
    return la_sql.exec(w->db, sql, NULL, NULL, NULL) == SQLITE_OK
               ? 0 : wr_fail(w, what);
}

/* Prepares SQL into *ST.  Returns 0 or -1 (the reason in W->err). */
static int wr_prepare(struct wr *w, const char *sql, sqlite3_stmt **st)
{
    return la_sql.prepare_v2(w->db, sql, -1, st, NULL) == SQLITE_OK
               ? 0 : wr_fail(w, "preparing a statement");
}

/* Steps a fully bound statement once and resets it.  0 or -1 (the reason in W->err). */
static int wr_step(struct wr *w, sqlite3_stmt *st, const char *what)
{
    int rc = la_sql.step(st);

    la_sql.reset(st);
    la_sql.clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : wr_fail(w, what);
}

/*
 * Rows of integers (or NULL) for one table, inserted WR_ROWS at a time by
 * a multi-row INSERT, so that the statement's overhead is paid once per
 * WR_ROWS rows; the last rows go through a one-row statement.
 */
#define WR_ROWS 64
#define WR_MAX_COLS 9

struct wr_rows {
    sqlite3_stmt *many, *one;
    const char *what, *head;
    int ncols, n;
    sqlite3_int64 v[WR_ROWS][WR_MAX_COLS];
    uint16_t null[WR_ROWS]; /* bit C: column C is NULL */
};

/* Prepares "HEAD VALUES (?,...)" with ROWS rows of R's columns into *ST.
 * 0 or -1 (the reason in W->err). */
static int wr_rows_prepare(struct wr *w, const struct wr_rows *r, int rows, sqlite3_stmt **st)
{
    char sql[WR_ROWS * (2 * WR_MAX_COLS + 2) + 256];
    size_t len = strlen(r->head);

    /* Sized for WR_MAX_COLS columns and the heads written here. */
    if (r->ncols > WR_MAX_COLS ||
        len + 8 + (size_t)rows * (2 * (size_t)r->ncols + 2) >= sizeof sql)
        return wr_fail(w, "building a statement");
    memcpy(sql, r->head, len);
    memcpy(sql + len, " VALUES ", 8);
    len += 8;
    for (int k = 0; k < rows; k++) {
        if (k)
            sql[len++] = ',';
        sql[len++] = '(';
        for (int c = 0; c < r->ncols; c++) {
            if (c)
                sql[len++] = ',';
            sql[len++] = '?';
        }
        sql[len++] = ')';
    }
    sql[len] = '\0';
    return wr_prepare(w, sql, st);
}

/* Rows of NCOLS columns for "HEAD VALUES ...": the one-row statement now,
 * the WR_ROWS-row one when that many rows are first held (compiling it
 * costs more than a small run's whole write).  0 or -1. */
static int wr_rows_open(struct wr *w, struct wr_rows *r, const char *head, int ncols,
                        const char *what)
{
    r->ncols = ncols;
    r->n = 0;
    r->what = what;
    r->head = head;
    r->many = r->one = NULL;
    return wr_rows_prepare(w, r, 1, &r->one);
}

/* The next row's values, to fill (all columns, NULLs with wr_row_null). */
static sqlite3_int64 *wr_row(struct wr_rows *r)
{
    r->null[r->n] = 0;
    return r->v[r->n];
}

static void wr_row_null(struct wr_rows *r, int c)
{
    r->null[r->n] |= (uint16_t)(1u << c);
}

/* Inserts the rows held.  0 or -1 (the reason in W->err). */
static int wr_rows_flush(struct wr *w, struct wr_rows *r)
{
    if (r->n == WR_ROWS && !r->many && wr_rows_prepare(w, r, WR_ROWS, &r->many) != 0)
        return -1;
    sqlite3_stmt *st = r->n == WR_ROWS ? r->many : r->one;

    for (int k = 0; k < r->n; k++) {
        int base = st == r->many ? k * r->ncols : 0;
        for (int c = 0; c < r->ncols; c++) {
            if (r->null[k] >> c & 1)
                la_sql.bind_null(st, base + c + 1);
            else
                la_sql.bind_int64(st, base + c + 1, r->v[k][c]);
        }
        if (st == r->one && wr_step(w, st, r->what) != 0)
            return -1;
    }
    if (st == r->many && wr_step(w, st, r->what) != 0)
        return -1;
    r->n = 0;
    return 0;
}

/* Ends the row wr_row gave.  0 or -1 (the reason in W->err). */
static int wr_row_done(struct wr *w, struct wr_rows *r)
{
    return ++r->n == WR_ROWS ? wr_rows_flush(w, r) : 0;
}

/* Inserts what is left (unless RC already failed) and frees the
 * statements.  Returns RC, or -1 if the last rows failed. */
static int wr_rows_close(struct wr *w, struct wr_rows *r, int rc)
{
    if (rc == 0 && r->n != 0)
        rc = wr_rows_flush(w, r);
    la_sql.finalize(r->many);
    la_sql.finalize(r->one);
    return rc;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        la_sql.bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        la_sql.bind_null(st, i);
}

/* The schema, and the version check against a database made earlier. */
/*
 * The schema, created by the first run written into the file: a file that
 * has it already costs one statement (the version), not its DDL.
 */
static int wr_schema(struct wr *w)
{
    sqlite3_stmt *st;
    int rc;

    if (la_sql.prepare_v2(w->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1,
                          &st, NULL) != SQLITE_OK) {
        /* No meta table: a new file (or not ours: the DDL then fails, or
         * finds its tables and the version check below tells). */
        if (wr_exec(w, LA_SCHEMA_SQL, "creating the schema") != 0 ||
            wr_prepare(w, "SELECT value FROM meta WHERE key = 'schema_version'", &st) != 0)
            return -1;
    }
    rc = la_sql.step(st);
    if (rc == SQLITE_ROW) {
        int v = la_sql.column_int(st, 0);
        la_sql.finalize(st);
        if (v != LA_SCHEMA_VERSION) {
            snprintf(w->err, sizeof w->err, "the database has schema version %d, "
                     "this shim writes version %d", v, LA_SCHEMA_VERSION);
            return -1;
        }
        return 0;
    }
    la_sql.finalize(st);
    if (rc != SQLITE_DONE)
        return wr_fail(w, "reading the schema version");
    return wr_exec(w, "INSERT INTO meta(key, value) VALUES"
                      " ('schema_version', '" LA_STR(LA_SCHEMA_VERSION) "'),"
                      " ('creator', '" PACKAGE_STRING "')",
                   "recording the schema version");
}

static int wr_run(struct wr *w)
{
    const struct la_run_record *r = w->rec;
    sqlite3_stmt *st;
    int rc;

    if (wr_prepare(w,
                   "INSERT INTO runs(pid, ppid, exe, cwd, session, start_time,"
                   " end_time, end_reason, exit_code, signal, depth, complete,"
                   " scan, blocks, bytes, shim_version, unaudited)"
                   " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,0,0,?,?)", &st) != 0)
        return -1;
    la_sql.bind_int64(st, 1, r->pid);
    la_sql.bind_int64(st, 2, r->ppid);
    bind_text_or_null(st, 3, r->exe);
    bind_text_or_null(st, 4, r->cwd);
    bind_text_or_null(st, 5, r->session && *r->session ? r->session : NULL);
    la_sql.bind_double(st, 6, r->start_time);
    la_sql.bind_double(st, 7, r->end_time);
    la_sql.bind_text(st, 8, r->end_reason, -1, SQLITE_STATIC);
    if (r->has_exit_code)
        la_sql.bind_int(st, 9, r->exit_code);
    else
        la_sql.bind_null(st, 9);
    if (r->signal)
        la_sql.bind_int(st, 10, r->signal);
    else
        la_sql.bind_null(st, 10);
    la_sql.bind_int64(st, 11, r->depth);
    la_sql.bind_int(st, 12, r->complete && w->scanned && w->scanned->complete);
    la_sql.bind_int(st, 13, w->scanned && w->scanned->scanned);
    la_sql.bind_text(st, 14, PACKAGE_VERSION, -1, SQLITE_STATIC);
    bind_text_or_null(st, 15, r->unaudited);
    rc = wr_step(w, st, "inserting the run");
    la_sql.finalize(st);
    if (rc != 0)
        return -1;
    w->run = la_sql.last_insert_rowid(w->db);

    if (wr_prepare(w, "INSERT INTO args(run, idx, value) VALUES (?,?,?)",
                   &st) != 0)
        return -1;
    for (int i = 0; i < r->argc && rc == 0; i++) {
        la_sql.bind_int64(st, 1, w->run);
        la_sql.bind_int(st, 2, i);
        la_sql.bind_text(st, 3, r->argv[i], -1, SQLITE_STATIC);
        rc = wr_step(w, st, "inserting the arguments");
    }
    la_sql.finalize(st);
    return rc;
}

static int wr_modules(struct wr *w)
{
    sqlite3_stmt *st;
    int rc = 0;

    if (wr_prepare(w, "INSERT INTO modules(run, id, path, base, start, end,"
                      " build_id) VALUES (?,?,?,?,?,?,?)", &st) != 0)
        return -1;
    for (size_t i = 0; i < w->mods->n && rc == 0; i++) {
        const struct la_module *m = &w->mods->v[i];
        la_sql.bind_int64(st, 1, w->run);
        la_sql.bind_int64(st, 2, (sqlite3_int64)i);
        la_sql.bind_text(st, 3, m->path, -1, SQLITE_STATIC);
        la_sql.bind_int64(st, 4, (sqlite3_int64)m->base);
        la_sql.bind_int64(st, 5, (sqlite3_int64)m->start);
        la_sql.bind_int64(st, 6, (sqlite3_int64)m->end);
        la_sql.bind_text(st, 7, m->build_id, -1, SQLITE_STATIC);
        rc = wr_step(w, st, "inserting a module");
    }
    la_sql.finalize(st);
    return rc;
}

static void wr_use_stack(struct wr *w, uint32_t id)
{
    w->used[id / 8] |= (unsigned char)(1u << (id % 8));
}

/* Block I of the scanned blocks into ROWS, unless it was inherited across fork;
 * its mark, if it carries one, with MS. */
static int wr_block(struct wr *w, struct wr_rows *rows, sqlite3_stmt *ms, size_t i)
{
    const struct scan_blocks *sn = w->scanned;
    const struct la_block *b = &sn->v[i];
    const struct la_mark *m = marks_get(b->mark);

    if (b->seq < w->rec->first_seq || sn->cls[i] == LA_GONE)
        return 0;
    wr_use_stack(w, b->stack);
    if (b->stack < w->nstacks)
        w->live[b->stack]++;
    w->blocks++;
    w->bytes += b->size;
    if (sn->cls[i] == LA_CLASS_REACHABLE && w->reach && b->stack < w->nstacks) {
        /* Counted per site: most of a heap at exit is reachable, and its
         * rows would make the file the heap's size. */
        struct wr_site *r = &w->reach[b->stack];
        if (r->blocks++ == 0 || b->seq < r->first_seq)
            r->first_seq = b->seq;
        r->bytes += b->size;
        return 0;
    }
    sqlite3_int64 *v = wr_row(rows);
    v[0] = w->run;
    v[1] = (sqlite3_int64)b->addr;
    v[2] = (sqlite3_int64)b->size;
    v[3] = b->stack;
    v[4] = b->tid;
    v[5] = (sqlite3_int64)b->seq;
    int marked = m && m->block == b->addr;
    if (marked)
        v[6] = m->id;
    else
        wr_row_null(rows, 6);
    v[7] = sn->cls[i];
    if (sn->cls[i] == LA_CLASS_INTENTIONAL && sn->owner[i] != LA_NO_OWNER &&
        sn->cls[sn->owner[i]] != LA_GONE)
        v[8] = (sqlite3_int64)sn->v[sn->owner[i]].addr;
    else
        wr_row_null(rows, 8);
    if (wr_row_done(w, rows) != 0)
        return -1;
    if (marked) {
        /* The block carries its mark: the mark is written with it. */
        la_sql.bind_int64(ms, 1, w->run);
        la_sql.bind_int64(ms, 2, m->id);
        la_sql.bind_int64(ms, 3, (sqlite3_int64)m->block);
        bind_text_or_null(ms, 4, m->why);
        la_sql.bind_int64(ms, 5, m->stack);
        if (wr_step(w, ms, "inserting a mark") != 0)
            return -1;
        wr_use_stack(w, m->stack);
    }
    return 0;
}

/* The reachable blocks' counts, per site. */
static int wr_reachable(struct wr *w)
{
    struct wr_rows rows;
    int rc;

    if (!w->reach)
        return 0;
    rc = wr_rows_open(w, &rows, "INSERT INTO reachable(run, stack, blocks, bytes, first_seq)",
                      5, "inserting reachable blocks");
    for (uint32_t id = 0; id < w->nstacks && rc == 0; id++) {
        const struct wr_site *r = &w->reach[id];
        if (!r->blocks)
            continue;
        sqlite3_int64 *v = wr_row(&rows);
        v[0] = w->run;
        v[1] = id;
        v[2] = (sqlite3_int64)r->blocks;
        v[3] = (sqlite3_int64)r->bytes;
        v[4] = (sqlite3_int64)r->first_seq;
        rc = wr_row_done(w, &rows);
    }
    return wr_rows_close(w, &rows, rc);
}

/* The blocks, then the pointers among lost blocks. */
static int wr_blocks(struct wr *w)
{
    const struct scan_blocks *sn = w->scanned;
    struct wr_rows rows;
    sqlite3_stmt *ms;
    int rc = 0;

    if (!sn)
        return 0;
    if (wr_prepare(w, "INSERT INTO marks(run, id, block, why, stack)"
                      " VALUES (?,?,?,?,?)", &ms) != 0)
        return -1;
    rc = wr_rows_open(w, &rows, "INSERT INTO blocks(run, address, size, stack, thread,"
                                " seq, mark, class, owner)", 9, "inserting a block");
    for (size_t i = 0; i < sn->n && rc == 0; i++)
        rc = wr_block(w, &rows, ms, i);
    rc = wr_rows_close(w, &rows, rc);
    la_sql.finalize(ms);
    if (rc == 0)
        rc = wr_reachable(w);
    if (rc != 0 || sn->nedges == 0)
        return rc;
    rc = wr_rows_open(w, &rows, "INSERT OR IGNORE INTO edges(run, src, offset, dst)", 4,
                      "inserting an edge");
    for (size_t i = 0; i < sn->nedges && rc == 0; i++) {
        const struct la_edge *e = &sn->edges[i];
        sqlite3_int64 *v = wr_row(&rows);
        v[0] = w->run;
        v[1] = (sqlite3_int64)sn->v[e->from].addr;
        v[2] = (sqlite3_int64)e->offset;
        v[3] = (sqlite3_int64)sn->v[e->to].addr;
        rc = wr_row_done(w, &rows);
    }
    return wr_rows_close(w, &rows, rc);
}

/* Every stack that allocated in this run or that a block or mark names. */
static int wr_stacks(struct wr *w, uint32_t nstacks)
{
    struct wr_rows sr, fr;
    int rc;

    if (wr_rows_open(w, &sr, "INSERT INTO stacks(run, id, depth, allocs, bytes, frees)", 6,
                     "inserting a stack") != 0)
        return wr_rows_close(w, &sr, -1);
    if (wr_rows_open(w, &fr, "INSERT INTO frames(run, stack, level, pc, module)", 5,
                     "inserting a frame") != 0) {
        wr_rows_close(w, &fr, -1);
        return wr_rows_close(w, &sr, -1);
    }
    rc = 0;
    for (uint32_t id = 0; id < nstacks && rc == 0; id++) {
        const struct sd_stack *e = sd_get(id);
        if (!e || !(e->allocs != 0 || (w->used[id / 8] >> (id % 8)) & 1))
            continue;
        sqlite3_int64 *v = wr_row(&sr);
        v[0] = w->run;
        v[1] = id;
        v[2] = e->depth;
        v[3] = (sqlite3_int64)e->allocs;
        v[4] = (sqlite3_int64)e->bytes;
        /* Frees: the allocations less the blocks still allocated. */
        v[5] = (sqlite3_int64)(e->allocs >= w->live[id] ? e->allocs - w->live[id] : 0);
        rc = wr_row_done(w, &sr);
        for (uint32_t l = 0; l < e->depth && rc == 0; l++) {
            long mod = modules_find(w->mods, e->pcs[l]);
            v = wr_row(&fr);
            v[0] = w->run;
            v[1] = id;
            v[2] = l;
            v[3] = (sqlite3_int64)e->pcs[l];
            if (mod >= 0)
                v[4] = mod;
            else
                wr_row_null(&fr, 4);
            rc = wr_row_done(w, &fr);
        }
    }
    rc = wr_rows_close(w, &sr, rc);
    return wr_rows_close(w, &fr, rc);
}

static int wr_totals(struct wr *w)
{
    sqlite3_stmt *st;
    int rc;

    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (wr_prepare(w, "UPDATE runs SET blocks = ?, bytes = ?, scan_seconds = ?,"
                      " write_seconds = ?, stack_hits = ?, stack_unwinds = ?,"
                      " stack_mismatches = ? WHERE id = ?", &st) != 0)
        return -1;
    la_sql.bind_int64(st, 1, (sqlite3_int64)w->blocks);
    la_sql.bind_int64(st, 2, (sqlite3_int64)w->bytes);
    la_sql.bind_double(st, 3, w->rec->scan_seconds);
    la_sql.bind_double(st, 4, (double)(t1.tv_sec - w->t0.tv_sec) +
                                   (double)(t1.tv_nsec - w->t0.tv_nsec) / 1e9);
    la_sql.bind_int64(st, 5, (sqlite3_int64)w->rec->stack_hits);
    la_sql.bind_int64(st, 6, (sqlite3_int64)w->rec->stack_unwinds);
    la_sql.bind_int64(st, 7, (sqlite3_int64)w->rec->stack_mismatches);
    la_sql.bind_int64(st, 8, w->run);
    rc = wr_step(w, st, "updating the run's totals");
    la_sql.finalize(st);
    return rc;
}

/* The process's earlier checkpoint, which this run replaces. */
static int wr_drop_checkpoint(struct wr *w)
{
    static const char *const tables[] = {
        "args", "modules", "stacks", "frames", "blocks", "reachable", "edges", "marks",
    };
    char sql[256];
    sqlite3_stmt *st;
    int rc = 0;

    for (size_t i = 0; i <= sizeof tables / sizeof *tables && rc == 0; i++) {
        if (i < sizeof tables / sizeof *tables)
            snprintf(sql, sizeof sql, "DELETE FROM %s WHERE run IN (SELECT id"
                     " FROM runs WHERE pid = ? AND start_time = ? AND"
                     " end_reason = 'checkpoint')", tables[i]);
        else
            snprintf(sql, sizeof sql, "DELETE FROM runs WHERE pid = ? AND"
                     " start_time = ? AND end_reason = 'checkpoint'");
        if (wr_prepare(w, sql, &st) != 0)
            return -1;
        la_sql.bind_int64(st, 1, w->rec->pid);
        la_sql.bind_double(st, 2, w->rec->start_time);
        rc = wr_step(w, st, "replacing the last checkpoint");
        la_sql.finalize(st);
    }
    return rc;
}

static int wr_all(struct wr *w, uint32_t nstacks)
{
    if (wr_schema(w) != 0 || (w->rec->checkpoints && wr_drop_checkpoint(w) != 0))
        return -1;
    if (wr_run(w) != 0)
        return -1;
    if (wr_modules(w) != 0) return -1;
    if (wr_blocks(w) != 0)
        return -1;
    if (wr_stacks(w, nstacks) != 0 || wr_totals(w) != 0)
        return -1;
    return 0;
}

/* One attempt at PATH.  The run's id, or -1 with the reason in ERR. */
static long wr_try(const char *path, const struct la_run_record *run,
                   const struct scan_blocks *blocks, const struct la_modules *mods,
                   char *err, size_t errlen)
{
    struct wr w = { .rec = run, .path = path, .scanned = blocks, .mods = mods };
    uint32_t nstacks = sd_count();
    int64_t waited = 0;
    long rc = -1;

    clock_gettime(CLOCK_MONOTONIC, &w.t0);
    w.nstacks = nstacks;
    w.used = own_calloc(nstacks / 8 + 1, 1);
    w.live = own_calloc(nstacks + 1, sizeof *w.live);
    if (!run->keep_reachable)
        w.reach = own_calloc(nstacks + 1, sizeof *w.reach);
    if (!w.used || !w.live || (!run->keep_reachable && !w.reach)) {
        snprintf(w.err, sizeof w.err, "out of memory");
        goto out;
    }
    if (la_sql.open_v2(path, &w.db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOFOLLOW,
                        NULL) != SQLITE_OK) {
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
            snprintf(w.err, sizeof w.err, "it is a symbolic link, which is not followed");
        else
            wr_fail(&w, "opening it");
        goto out;
    }
    la_sql.busy_handler(w.db, wr_busy, &waited);
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
    la_sql.exec(w.db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
    /* One large transaction: keep its pages in memory (64 MiB). */
    la_sql.exec(w.db, "PRAGMA cache_size = -65536", NULL, NULL, NULL);
    if (wr_exec(&w, "BEGIN IMMEDIATE", "starting the transaction") != 0)
        goto out;
    if (wr_all(&w, nstacks) == 0 && wr_exec(&w, "COMMIT", "committing") == 0)
        rc = w.run;
    else
        la_sql.exec(w.db, "ROLLBACK", NULL, NULL, NULL);
out:
    la_sql.close(w.db);
    own_free(w.used);
    own_free(w.live);
    own_free(w.reach);
    snprintf(err, errlen, "%s", w.err);
    return rc;
}

long writer_write(const char *path, const struct la_run_record *run,
                  const struct scan_blocks *blocks, const struct la_modules *mods)
{
    char err[320], err2[320], fallback[PATH_MAX];
    const char *tmp = getenv("TMPDIR");
    long rc;

    if (!libs_loaded()) {
        la_warn("cannot write the run to %s: SQLite is not loaded", path);
        return -1;
    }
    if ((rc = wr_try(path, run, blocks, mods, err, sizeof err)) >= 0) {
        if (run->modules_error)
            la_warn("the run written to %s has no loaded objects (%s): its "
                    "stacks show addresses only", path, strerror(run->modules_error));
        return rc;
    }
    /* Keep what can be kept: the same run in a file of its own. */
    snprintf(fallback, sizeof fallback, "%s/leakaudit-%ld.db",
             tmp && tmp[0] == '/' ? tmp : "/tmp", (long)run->pid);
    if (strcmp(fallback, path) == 0) {
        la_warn("cannot write the run to %s: %s", path, err);
        return -1;
    }
    /* In a shared directory, a file someone else made there is not ours to
     * write into. */
    struct stat st;
    if (lstat(fallback, &st) == 0 && st.st_uid != geteuid()) {
        la_warn("cannot write the run to %s: %s (nor to %s: it belongs to another user)",
                path, err, fallback);
        return -1;
    }
    if ((rc = wr_try(fallback, run, blocks, mods, err2, sizeof err2)) >= 0)
        la_warn("cannot write the run to %s: %s; written to %s instead", path, err, fallback);
    else
        la_warn("cannot write the run to %s: %s (nor to %s: %s)", path, err, fallback, err2);
    return -1;
}
