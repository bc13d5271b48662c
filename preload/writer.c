/*
 * writer.c: the shim's SQLite writer.  One run per process, in one
 * IMMEDIATE transaction, so that the processes of a run tree (fork, exec,
 * parallel test jobs) take turns on one file; a busy timeout makes them
 * wait instead of failing.  Only bound parameters, never SQL built from
 * data.  Called with the recursion guard held: its allocations are libc's.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "config.h"
#include "marks.h"
#include "modules.h"
#include "schema.h"
#include "stackdepot.h"
#include "writer.h"

#define WR_BUSY_MS 120000

struct wr {
    sqlite3 *db;
    const char *path;
    sqlite3_int64 run;
    const struct la_run_record *rec;
    const struct la_snap *snap;
    struct la_modules mods;
    unsigned char *used;      /* bitmap over stack ids to write */
    uint64_t *live;           /* blocks still allocated, per stack id */
    uint64_t blocks, bytes;
    sqlite3_stmt *ins_block, *ins_mark;
    struct timespec t0; /* when writing began */
    uint32_t nstacks;
};

static int wr_fail(struct wr *w, const char *what)
{
    la_warn("cannot write the run to %s: %s: %s", w->path, what,
            w->db ? sqlite3_errmsg(w->db) : "out of memory");
    return -1;
}

static int wr_exec(struct wr *w, const char *sql, const char *what)
{
    return sqlite3_exec(w->db, sql, NULL, NULL, NULL) == SQLITE_OK
               ? 0 : wr_fail(w, what);
}

/* Prepares SQL into *ST.  Returns 0 or -1 (warned). */
static int wr_prepare(struct wr *w, const char *sql, sqlite3_stmt **st)
{
    return sqlite3_prepare_v2(w->db, sql, -1, st, NULL) == SQLITE_OK
               ? 0 : wr_fail(w, "preparing a statement");
}

/* Steps a fully bound statement once and resets it.  0 or -1 (warned). */
static int wr_step(struct wr *w, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : wr_fail(w, what);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* The schema, and the version check against a database made earlier. */
static int wr_schema(struct wr *w)
{
    sqlite3_stmt *st;
    int rc;

    if (wr_exec(w, la_schema_sql, "creating the schema") != 0)
        return -1;
    if (wr_prepare(w, "SELECT value FROM meta WHERE key = 'schema_version'",
                   &st) != 0)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        if (v != LA_SCHEMA_VERSION) {
            la_warn("cannot write the run to %s: the database has schema "
                    "version %d, this shim writes version %d", w->path, v,
                    LA_SCHEMA_VERSION);
            return -1;
        }
        return 0;
    }
    sqlite3_finalize(st);
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
                   " scan, blocks, bytes, shim_version)"
                   " VALUES (?,?,?,?,?,?,?,?,?,NULL,?,?,?,0,0,?)", &st) != 0)
        return -1;
    sqlite3_bind_int64(st, 1, r->pid);
    sqlite3_bind_int64(st, 2, r->ppid);
    bind_text_or_null(st, 3, r->exe);
    bind_text_or_null(st, 4, r->cwd);
    bind_text_or_null(st, 5, r->session && *r->session ? r->session : NULL);
    sqlite3_bind_double(st, 6, r->start_time);
    sqlite3_bind_double(st, 7, r->end_time);
    sqlite3_bind_text(st, 8, r->end_reason, -1, SQLITE_STATIC);
    if (r->has_exit_code)
        sqlite3_bind_int(st, 9, r->exit_code);
    else
        sqlite3_bind_null(st, 9);
    sqlite3_bind_int64(st, 10, r->depth);
    sqlite3_bind_int(st, 11, r->complete && w->snap && w->snap->complete);
    sqlite3_bind_int(st, 12, w->snap && w->snap->scanned);
    sqlite3_bind_text(st, 13, PACKAGE_VERSION, -1, SQLITE_STATIC);
    rc = wr_step(w, st, "inserting the run");
    sqlite3_finalize(st);
    if (rc != 0)
        return -1;
    w->run = sqlite3_last_insert_rowid(w->db);

    if (wr_prepare(w, "INSERT INTO args(run, idx, value) VALUES (?,?,?)",
                   &st) != 0)
        return -1;
    for (int i = 0; i < r->argc && rc == 0; i++) {
        sqlite3_bind_int64(st, 1, w->run);
        sqlite3_bind_int(st, 2, i);
        sqlite3_bind_text(st, 3, r->argv[i], -1, SQLITE_STATIC);
        rc = wr_step(w, st, "inserting the arguments");
    }
    sqlite3_finalize(st);
    return rc;
}

static int wr_modules(struct wr *w)
{
    sqlite3_stmt *st;
    int rc = 0;

    if (modules_collect(&w->mods) != 0)
        la_warn("out of memory listing the loaded objects; stacks of this "
                "run will show addresses only");
    if (wr_prepare(w, "INSERT INTO modules(run, id, path, base, start, end,"
                      " build_id) VALUES (?,?,?,?,?,?,?)", &st) != 0)
        return -1;
    for (size_t i = 0; i < w->mods.n && rc == 0; i++) {
        const struct la_module *m = &w->mods.v[i];
        sqlite3_bind_int64(st, 1, w->run);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
        sqlite3_bind_text(st, 3, m->path, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)m->base);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)m->start);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)m->end);
        sqlite3_bind_text(st, 7, m->build_id, -1, SQLITE_STATIC);
        rc = wr_step(w, st, "inserting a module");
    }
    sqlite3_finalize(st);
    return rc;
}

static void wr_use_stack(struct wr *w, uint32_t id)
{
    w->used[id / 8] |= (unsigned char)(1u << (id % 8));
}

/* Block I of the snapshot, unless it was inherited across fork. */
static int wr_block(struct wr *w, size_t i)
{
    const struct la_snap *sn = w->snap;
    const struct la_block *b = &sn->v[i];
    sqlite3_stmt *st = w->ins_block;
    const struct la_mark *m = marks_get(b->mark);

    if (b->seq < w->rec->first_seq)
        return 0;
    sqlite3_bind_int64(st, 1, w->run);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)b->addr);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)b->size);
    sqlite3_bind_int64(st, 4, b->stack);
    sqlite3_bind_int64(st, 5, b->tid);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)b->seq);
    int marked = m && m->block == b->addr;
    if (marked)
        sqlite3_bind_int64(st, 7, m->id);
    else
        sqlite3_bind_null(st, 7);
    sqlite3_bind_int(st, 8, sn->cls[i]);
    if (sn->cls[i] == LA_INTENTIONAL && sn->owner[i] != LA_NO_OWNER)
        sqlite3_bind_int64(st, 9, (sqlite3_int64)sn->v[sn->owner[i]].addr);
    else
        sqlite3_bind_null(st, 9);
    if (wr_step(w, st, "inserting a block") != 0)
        return -1;
    if (marked) {
        /* The block carries its mark: the mark is written with it. */
        sqlite3_stmt *ms = w->ins_mark;
        sqlite3_bind_int64(ms, 1, w->run);
        sqlite3_bind_int64(ms, 2, m->id);
        sqlite3_bind_int64(ms, 3, (sqlite3_int64)m->block);
        bind_text_or_null(ms, 4, m->why);
        sqlite3_bind_int64(ms, 5, m->stack);
        if (wr_step(w, ms, "inserting a mark") != 0)
            return -1;
        wr_use_stack(w, m->stack);
    }
    wr_use_stack(w, b->stack);
    if (b->stack < w->nstacks)
        w->live[b->stack]++;
    w->blocks++;
    w->bytes += b->size;
    return 0;
}

/* The blocks, then the pointers among lost blocks. */
static int wr_blocks(struct wr *w)
{
    const struct la_snap *sn = w->snap;
    sqlite3_stmt *st;
    int rc = 0;

    if (!sn)
        return 0;
    if (wr_prepare(w, "INSERT INTO blocks(run, address, size, stack, thread,"
                      " seq, mark, class, owner) VALUES (?,?,?,?,?,?,?,?,?)",
                   &w->ins_block) != 0 ||
        wr_prepare(w, "INSERT INTO marks(run, id, block, why, stack)"
                      " VALUES (?,?,?,?,?)", &w->ins_mark) != 0)
        return -1;
    for (size_t i = 0; i < sn->n && rc == 0; i++)
        rc = wr_block(w, i);
    if (rc != 0 || sn->nedges == 0)
        return rc;
    if (wr_prepare(w, "INSERT OR IGNORE INTO edges(run, src, offset, dst)"
                      " VALUES (?,?,?,?)", &st) != 0)
        return -1;
    for (size_t i = 0; i < sn->nedges && rc == 0; i++) {
        const struct la_edge *e = &sn->edges[i];
        sqlite3_bind_int64(st, 1, w->run);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)sn->v[e->from].addr);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)e->offset);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)sn->v[e->to].addr);
        rc = wr_step(w, st, "inserting an edge");
    }
    sqlite3_finalize(st);
    return rc;
}

/* Every stack that allocated in this run or that a block or mark names. */
static int wr_stacks(struct wr *w, uint32_t nstacks)
{
    sqlite3_stmt *ss, *fs;
    int rc = 0;

    if (wr_prepare(w, "INSERT INTO stacks(run, id, depth, allocs, bytes, frees)"
                      " VALUES (?,?,?,?,?,?)", &ss) != 0)
        return -1;
    if (wr_prepare(w, "INSERT INTO frames(run, stack, level, pc, module)"
                      " VALUES (?,?,?,?,?)", &fs) != 0) {
        sqlite3_finalize(ss);
        return -1;
    }
    for (uint32_t id = 0; id < nstacks && rc == 0; id++) {
        const struct sd_stack *e = sd_get(id);
        if (!e || !(e->allocs != 0 || (w->used[id / 8] >> (id % 8)) & 1))
            continue;
        sqlite3_bind_int64(ss, 1, w->run);
        sqlite3_bind_int64(ss, 2, id);
        sqlite3_bind_int64(ss, 3, e->depth);
        sqlite3_bind_int64(ss, 4, (sqlite3_int64)e->allocs);
        sqlite3_bind_int64(ss, 5, (sqlite3_int64)e->bytes);
        /* Frees: the allocations less the blocks still allocated. */
        sqlite3_bind_int64(ss, 6, (sqlite3_int64)(e->allocs >= w->live[id] ? e->allocs - w->live[id] : 0));
        rc = wr_step(w, ss, "inserting a stack");
        for (uint32_t l = 0; l < e->depth && rc == 0; l++) {
            long mod = modules_find(&w->mods, e->pcs[l]);
            sqlite3_bind_int64(fs, 1, w->run);
            sqlite3_bind_int64(fs, 2, id);
            sqlite3_bind_int64(fs, 3, l);
            sqlite3_bind_int64(fs, 4, (sqlite3_int64)e->pcs[l]);
            if (mod >= 0)
                sqlite3_bind_int64(fs, 5, mod);
            else
                sqlite3_bind_null(fs, 5);
            rc = wr_step(w, fs, "inserting a frame");
        }
    }
    sqlite3_finalize(ss);
    sqlite3_finalize(fs);
    return rc;
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
    sqlite3_bind_int64(st, 1, (sqlite3_int64)w->blocks);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)w->bytes);
    sqlite3_bind_double(st, 3, w->rec->scan_seconds);
    sqlite3_bind_double(st, 4, (double)(t1.tv_sec - w->t0.tv_sec) +
                                   (double)(t1.tv_nsec - w->t0.tv_nsec) / 1e9);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)w->rec->stack_hits);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)w->rec->stack_unwinds);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)w->rec->stack_mismatches);
    sqlite3_bind_int64(st, 8, w->run);
    rc = wr_step(w, st, "updating the run's totals");
    sqlite3_finalize(st);
    return rc;
}

static int wr_all(struct wr *w, uint32_t nstacks)
{
    if (wr_schema(w) != 0 || wr_run(w) != 0 || wr_modules(w) != 0)
        return -1;
    if (wr_blocks(w) != 0)
        return -1;
    if (wr_stacks(w, nstacks) != 0 || wr_totals(w) != 0)
        return -1;
    return 0;
}

long writer_write(const char *path, const struct la_run_record *run,
                  const struct la_snap *snap)
{
    struct wr w = { .rec = run, .path = path, .snap = snap };
    uint32_t nstacks = sd_count();
    long rc = -1;

    clock_gettime(CLOCK_MONOTONIC, &w.t0);
    w.nstacks = nstacks;
    w.used = calloc(nstacks / 8 + 1, 1);
    w.live = calloc(nstacks + 1, sizeof *w.live);
    if (!w.used || !w.live) {
        la_warn("cannot write the run to %s: out of memory", path);
        return -1;
    }
    if (sqlite3_open_v2(path, &w.db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOFOLLOW,
                        NULL) != SQLITE_OK) {
        la_warn("cannot open the database %s: %s", path,
                w.db ? sqlite3_errmsg(w.db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(w.db, WR_BUSY_MS);
    /* One large transaction: keep its pages in memory (64 MiB). */
    sqlite3_exec(w.db, "PRAGMA cache_size = -65536", NULL, NULL, NULL);
    if (wr_exec(&w, "BEGIN IMMEDIATE", "starting the transaction") != 0)
        goto out;
    if (wr_all(&w, nstacks) == 0 && wr_exec(&w, "COMMIT", "committing") == 0)
        rc = w.run;
    else
        sqlite3_exec(w.db, "ROLLBACK", NULL, NULL, NULL);
out:
    sqlite3_finalize(w.ins_block);
    sqlite3_finalize(w.ins_mark);
    sqlite3_close(w.db);
    modules_free(&w.mods);
    free(w.used);
    free(w.live);
    return rc;
}
