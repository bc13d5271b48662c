/*
 * db.c: the report's reader.  Opens the database read-only, checks that it
 * is sound and of the schema version this report knows (schema.h, the same
 * file the shim writes with), and loads it table by table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "progress.h"
#include "schema.h"

/* A frame row that never came (a damaged database). */
#define RD_MISSING (-2)

struct rd {
    sqlite3 *db;
    int version; /* the schema's */
    const char *path;
    char *err;
    size_t errlen;
};

/* Sets the one-line reason (newlines in SQLite's messages folded). */
static int rd_fail(struct rd *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->err, r->errlen, fmt, ap);
    va_end(ap);
    for (char *p = r->err; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return -1;
}

/* An error from SQLite, said in the user's terms. */
static int rd_sqlfail(struct rd *r, int rc)
{
    int base = rc & 0xff;

    if (base == SQLITE_NOTADB)
        return rd_fail(r, "%s: not a SQLite database", r->path);
    if (base == SQLITE_CORRUPT)
        return rd_fail(r, "%s: the database is corrupt (%s)", r->path,
                       sqlite3_errmsg(r->db));
    return rd_fail(r, "%s: %s", r->path, sqlite3_errmsg(r->db));
}

static int rd_prepare(struct rd *r, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(r->db, sql, -1, st, NULL);

    return rc == SQLITE_OK ? 0 : rd_sqlfail(r, rc);
}

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return t ? rp_xstrdup((const char *)t) : NULL;
}

/* Sound, and written by leakaudit with our schema version. */
static int rd_check(struct rd *r)
{
    sqlite3_stmt *st;
    int rc, version = -1;

    if (rd_prepare(r, "PRAGMA quick_check(1)", &st) != 0)
        return -1;
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return rd_sqlfail(r, rc);
    }
    if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
        rd_fail(r, "%s: the database is corrupt (%s)", r->path,
                sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);

    rc = sqlite3_prepare_v2(r->db,
                            "SELECT value FROM meta WHERE key = 'schema_version'",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rd_fail(r, "%s: not a leakaudit database (no meta table)",
                       r->path);
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version < 0)
        return rd_fail(r, "%s: not a leakaudit database (no schema version)",
                       r->path);
    if (version < LA_SCHEMA_OLDEST || version > LA_SCHEMA_VERSION)
        return rd_fail(r, "%s: schema version %d, this report reads versions %d to %d",
                       r->path, version, LA_SCHEMA_OLDEST, LA_SCHEMA_VERSION);
    r->version = version;
    return 0;
}

/* Steps ST to the end; calls ROW for each row.  0, or -1 (ERR set). */
static int rd_rows(struct rd *r, sqlite3_stmt *st,
                   void (*row)(sqlite3_stmt *, void *), void *ctx)
{
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        row(st, ctx);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : rd_sqlfail(r, rc);
}

/* Prepares SQL with ?1 bound to RUN, then rd_rows. */
static int rd_query(struct rd *r, const char *sql, int64_t run,
                    void (*row)(sqlite3_stmt *, void *), void *ctx)
{
    sqlite3_stmt *st;

    if (rd_prepare(r, sql, &st) != 0)
        return -1;
    sqlite3_bind_int64(st, 1, run);
    return rd_rows(r, st, row, ctx);
}

struct runs_ctx {
    struct rp_db *db;
    size_t cap;
};

/* Progress while reading blocks (rp_db_progress). */
static struct rp_progress *rd_progress;
static size_t rd_done, rd_total;

void rp_db_progress(struct rp_progress *p)
{
    rd_progress = p;
}

static void row_count(sqlite3_stmt *st, void *p)
{
    *(size_t *)p = (size_t)sqlite3_column_int64(st, 0);
}

static void row_run(sqlite3_stmt *st, void *p)
{
    struct runs_ctx *c = p;
    struct rp_run *r;

    if (c->db->nruns == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->db->runs = rp_xrealloc(c->db->runs, c->cap, sizeof *c->db->runs);
    }
    r = &c->db->runs[c->db->nruns++];
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->pid = sqlite3_column_int64(st, 1);
    r->ppid = sqlite3_column_int64(st, 2);
    r->exe = col_text(st, 3);
    r->cwd = col_text(st, 4);
    r->session = col_text(st, 5);
    r->start_time = sqlite3_column_double(st, 6);
    r->end_time = sqlite3_column_double(st, 7);
    r->end_reason = col_text(st, 8);
    r->has_exit_code = sqlite3_column_type(st, 9) != SQLITE_NULL;
    r->exit_code = sqlite3_column_int(st, 9);
    r->has_signal = sqlite3_column_type(st, 10) != SQLITE_NULL;
    r->signal = sqlite3_column_int(st, 10);
    r->complete = sqlite3_column_int(st, 11);
    r->scanned = sqlite3_column_int(st, 12);
    rd_total += (size_t)sqlite3_column_int64(st, 13);
    r->unaudited = col_text(st, 14);
}

static void row_arg(sqlite3_stmt *st, void *p)
{
    struct rp_run *r = p;

    r->argv = rp_xrealloc(r->argv, r->argc + 1, sizeof *r->argv);
    r->argv[r->argc++] = col_text(st, 0);
}

static void row_module(sqlite3_stmt *st, void *p)
{
    struct rp_run *r = p;
    struct rp_module *m;

    r->modules = rp_xrealloc(r->modules, r->nmodules + 1, sizeof *r->modules);
    m = &r->modules[r->nmodules++];
    m->id = sqlite3_column_int64(st, 0);
    m->path = col_text(st, 1);
    m->base = (uint64_t)sqlite3_column_int64(st, 2);
    m->start = (uint64_t)sqlite3_column_int64(st, 3);
    m->end = (uint64_t)sqlite3_column_int64(st, 4);
    m->build_id = col_text(st, 5);
}

struct grow {
    struct rp_run *run;
    size_t cap;
};

static void row_stack(sqlite3_stmt *st, void *p)
{
    struct grow *g = p;
    struct rp_run *r = g->run;
    struct rp_stack *s;

    if (r->nstacks == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        r->stacks = rp_xrealloc(r->stacks, g->cap, sizeof *r->stacks);
    }
    s = &r->stacks[r->nstacks++];
    memset(s, 0, sizeof *s);
    s->id = sqlite3_column_int64(st, 0);
    s->allocs = (uint64_t)sqlite3_column_int64(st, 2);
    s->bytes = (uint64_t)sqlite3_column_int64(st, 3);
    s->frees = (uint64_t)sqlite3_column_int64(st, 4);
    int64_t depth = sqlite3_column_int64(st, 1);
    if (depth > 0) {
        s->pcs = rp_xcalloc((size_t)depth, sizeof *s->pcs);
        s->modules = rp_xcalloc((size_t)depth, sizeof *s->modules);
        for (int64_t i = 0; i < depth; i++)
            s->modules[i] = RD_MISSING;
        s->depth = (size_t)depth;
    }
}

struct frames_ctx {
    struct rp_run *run;
    struct rp_stack *last;
};

static void row_frame(sqlite3_stmt *st, void *p)
{
    struct frames_ctx *c = p;
    int64_t sid = sqlite3_column_int64(st, 0);
    int64_t level = sqlite3_column_int64(st, 1);

    if (!c->last || c->last->id != sid)
        c->last = rp_run_stack(c->run, sid);
    if (!c->last || level < 0 || (size_t)level >= c->last->depth)
        return; /* a frame beyond the stack's declared depth */
    c->last->pcs[level] = (uint64_t)sqlite3_column_int64(st, 2);
    c->last->modules[level] = sqlite3_column_type(st, 3) == SQLITE_NULL
                                  ? -1 : sqlite3_column_int64(st, 3);
}

/* The next entry of the run's blocks, the array grown as needed. */
static struct rp_block *next_block(struct grow *g)
{
    struct rp_run *r = g->run;

    if (r->nblocks == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 256;
        r->blocks = rp_xrealloc(r->blocks, g->cap, sizeof *r->blocks);
    }
    return &r->blocks[r->nblocks++];
}

static void row_block(sqlite3_stmt *st, void *p)
{
    struct rp_block *b;

    if (rd_progress && (++rd_done & 0xffff) == 0)
        rp_progress_step(rd_progress, "reading blocks", rd_done, rd_total);
    b = next_block(p);
    b->count = 1;
    b->addr = (uint64_t)sqlite3_column_int64(st, 0);
    b->size = (uint64_t)sqlite3_column_int64(st, 1);
    b->stack = sqlite3_column_int64(st, 2);
    b->thread = sqlite3_column_int64(st, 3);
    b->seq = (uint64_t)sqlite3_column_int64(st, 4);
    b->mark = sqlite3_column_type(st, 5) == SQLITE_NULL
                  ? -1 : sqlite3_column_int64(st, 5);
    b->cls = sqlite3_column_int(st, 6);
    /* The owner's address, made an index once all blocks are in. */
    b->owner = sqlite3_column_type(st, 7) == SQLITE_NULL
                   ? -1 : sqlite3_column_int64(st, 7);
}

/* A site's reachable blocks, as one entry (model.h). */
static void row_reachable(sqlite3_stmt *st, void *p)
{
    struct rp_block *b = next_block(p);

    *b = (struct rp_block){
        .addr = 0, .stack = sqlite3_column_int64(st, 0),
        .count = (uint64_t)sqlite3_column_int64(st, 1),
        .size = (uint64_t)sqlite3_column_int64(st, 2),
        .seq = (uint64_t)sqlite3_column_int64(st, 3),
        .thread = -1, .mark = -1, .cls = LA_CLASS_REACHABLE, .owner = -1,
    };
}

static void row_edge(sqlite3_stmt *st, void *p)
{
    struct grow *c = p;
    struct rp_run *r = c->run;
    long src = rp_run_block_at(r, (uint64_t)sqlite3_column_int64(st, 0));
    long dst = rp_run_block_at(r, (uint64_t)sqlite3_column_int64(st, 2));

    if (src < 0 || dst < 0)
        return; /* a damaged row: no such block */
    if (r->nedges == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        r->edges = rp_xrealloc(r->edges, c->cap, sizeof *r->edges);
    }
    r->edges[r->nedges++] = (struct rp_edge){ (size_t)src, (size_t)dst,
                                              (uint64_t)sqlite3_column_int64(st, 1) };
}

static void row_mark(sqlite3_stmt *st, void *p)
{
    struct rp_run *r = p;
    struct rp_mark *m;

    r->marks = rp_xrealloc(r->marks, r->nmarks + 1, sizeof *r->marks);
    m = &r->marks[r->nmarks++];
    m->id = sqlite3_column_int64(st, 0);
    m->block = (uint64_t)sqlite3_column_int64(st, 1);
    m->why = col_text(st, 2);
    m->stack = sqlite3_column_int64(st, 3);
}

static void row_not_audited(sqlite3_stmt *st, void *p)
{
    const char *exe = (const char *)sqlite3_column_text(st, 0);

    rp_db_add_not_audited(p, exe ? exe : "", (uint64_t)sqlite3_column_int64(st, 1));
}

static int rd_run_tables(struct rd *r, struct rp_run *run)
{
    struct grow gs = { .run = run }, gb = { .run = run };
    struct frames_ctx fc = { .run = run };
    struct grow ec = { .run = run };

    if (rd_query(r, "SELECT value FROM args WHERE run = ?1 ORDER BY idx",
                 run->id, row_arg, run) != 0 ||
        rd_query(r, "SELECT id, path, base, start, end, build_id FROM modules"
                    " WHERE run = ?1 ORDER BY id", run->id, row_module, run) != 0 ||
        rd_query(r, "SELECT id, depth, allocs, bytes, frees FROM stacks"
                    " WHERE run = ?1 ORDER BY id", run->id, row_stack, &gs) != 0)
        return -1;
    if (rd_query(r, "SELECT stack, level, pc, module FROM frames"
                    " WHERE run = ?1 ORDER BY stack, level",
                 run->id, row_frame, &fc) != 0 ||
        (r->version >= 4 &&
         rd_query(r, "SELECT stack, blocks, bytes, first_seq FROM reachable"
                     " WHERE run = ?1 ORDER BY stack", run->id, row_reachable, &gb) != 0) ||
        rd_query(r, "SELECT address, size, stack, thread, seq, mark, class, owner"
                    " FROM blocks WHERE run = ?1 ORDER BY address",
                 run->id, row_block, &gb) != 0 ||
        rd_query(r, "SELECT src, offset, dst FROM edges WHERE run = ?1"
                    " ORDER BY src, offset", run->id, row_edge, &ec) != 0 ||
        rd_query(r, "SELECT id, block, why, stack FROM marks WHERE run = ?1"
                    " ORDER BY id", run->id, row_mark, run) != 0)
        return -1;
    for (size_t i = 0; i < run->nblocks; i++) {
        struct rp_block *b = &run->blocks[i];
        if (b->cls < LA_CLASS_INTENTIONAL || b->cls > LA_CLASS_LOST)
            b->cls = LA_CLASS_REACHABLE; /* unknown: in doubt, not lost */
        if (b->owner >= 0)
            b->owner = rp_run_block_at(run, (uint64_t)b->owner);
    }
    /* A stack keeps the frames present from level 0 on. */
    for (size_t i = 0; i < run->nstacks; i++) {
        struct rp_stack *s = &run->stacks[i];
        size_t d = 0;
        while (d < s->depth && s->modules[d] != RD_MISSING)
            d++;
        s->depth = d;
    }
    return 0;
}

int rp_db_read(const char *path, const struct rp_filter *filter,
               struct rp_db *out, char *err, size_t errlen)
{
    struct rd r = { .path = path, .err = err, .errlen = errlen };
    struct runs_ctx rc = { .db = out };
    struct stat sb;
    int ret = -1;

    memset(out, 0, sizeof *out);
    if (stat(path, &sb) != 0)
        return rd_fail(&r, "%s: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return rd_fail(&r, "%s: not a regular file", path);
    if (sqlite3_open_v2(path, &r.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rd_fail(&r, "%s: cannot open: %s", path,
                r.db ? sqlite3_errmsg(r.db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(r.db, 30000);
    if (rd_check(&r) != 0)
        goto out;
    sqlite3_stmt *st;
    if (rd_prepare(&r, "SELECT id, pid, ppid, exe, cwd, session, start_time,"
                       " end_time, end_reason, exit_code, signal, complete,"
                       " scan, blocks, unaudited FROM runs WHERE (?1 < 0 OR id = ?1)"
                       " AND (?2 IS NULL OR session = ?2)"
                       " AND (?1 >= 0 OR (end_reason = 'snapshot') = ?3)"
                       " ORDER BY id", &st) != 0)
        goto out;
    sqlite3_bind_int64(st, 1, filter->run);
    if (filter->session)
        sqlite3_bind_text(st, 2, filter->session, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, filter->snapshots != 0);
    if (rd_rows(&r, st, row_run, &rc) != 0)
        goto out;
    if (filter->run < 0 && !filter->snapshots) {
        if (rd_prepare(&r, "SELECT count(*) FROM runs WHERE end_reason = 'snapshot'"
                           " AND (?1 IS NULL OR session = ?1)", &st) != 0)
            goto out;
        if (filter->session)
            sqlite3_bind_text(st, 1, filter->session, -1, SQLITE_STATIC);
        if (rd_rows(&r, st, row_count, &out->hidden_snapshots) != 0)
            goto out;
    }
    if (filter->run >= 0 && out->nruns == 0) {
        rd_fail(&r, "%s: no run with id %lld", path, (long long)filter->run);
        goto out;
    }
    for (size_t i = 0; i < out->nruns; i++)
        if (rd_run_tables(&r, &out->runs[i]) != 0)
            goto out;
    if (r.version >= 4 && filter->run < 0) {
        if (rd_prepare(&r, "SELECT exe, sum(processes) FROM not_audited"
                           " WHERE ?1 IS NULL OR session = ?1 GROUP BY exe", &st) != 0)
            goto out;
        if (filter->session)
            sqlite3_bind_text(st, 1, filter->session, -1, SQLITE_STATIC);
        if (rd_rows(&r, st, row_not_audited, out) != 0)
            goto out;
        rp_db_sort_not_audited(out);
    }
    out->path = rp_xstrdup(path);
    out->paths = rp_xmalloc(sizeof *out->paths);
    out->paths[0] = rp_xstrdup(path);
    out->npaths = 1;
    ret = 0;
out:
    sqlite3_close(r.db);
    if (ret != 0)
        rp_db_free(out);
    return ret;
}

int rp_db_note_processes(const char *path, const char *session, const char *list,
                         char *err, size_t errlen)
{
    struct rd r = { .path = path, .err = err, .errlen = errlen };
    struct rp_db counts = { 0 };
    char line[4096 + 2];
    sqlite3_stmt *st = NULL;
    FILE *f = fopen(list, "r");
    int ret = -1;

    if (!f)
        return rd_fail(&r, "%s: %s", list, strerror(errno));
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\n");
        line[n] = '\0';
        if ((line[0] == '-' || line[0] == '!') && line[1])
            rp_db_add_not_audited(&counts, line + 1, 1);
    }
    fclose(f);
    /* No database: no process wrote a run, so there is nothing to add to. */
    if (counts.nnot_audited == 0 || access(path, F_OK) != 0) {
        rp_db_free(&counts);
        return 0;
    }
    if (sqlite3_open_v2(path, &r.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        rd_fail(&r, "%s: cannot open: %s", path, r.db ? sqlite3_errmsg(r.db) : "out of memory");
        goto out;
    }
    sqlite3_busy_timeout(r.db, 30000);
    if (rd_check(&r) != 0)
        goto out;
    if (r.version < 4) {
        rd_fail(&r, "%s: schema version %d has no table of processes not audited", path,
                r.version);
        goto out;
    }
    if (sqlite3_exec(r.db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
        rd_prepare(&r, "INSERT INTO not_audited(session, exe, processes) VALUES (?1, ?2, ?3)"
                       " ON CONFLICT(session, exe) DO UPDATE"
                       " SET processes = processes + excluded.processes", &st) != 0) {
        rd_fail(&r, "%s: %s", path, sqlite3_errmsg(r.db));
        goto out;
    }
    for (size_t i = 0; i < counts.nnot_audited; i++) {
        sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, counts.not_audited[i].exe, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)counts.not_audited[i].processes);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rd_fail(&r, "%s: %s", path, sqlite3_errmsg(r.db));
            goto out;
        }
        sqlite3_reset(st);
    }
    if (sqlite3_exec(r.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rd_fail(&r, "%s: %s", path, sqlite3_errmsg(r.db));
        goto out;
    }
    ret = 0;
out:
    sqlite3_finalize(st);
    sqlite3_close(r.db); /* an open transaction is rolled back */
    rp_db_free(&counts);
    return ret;
}
