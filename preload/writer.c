/*
 * writer.c: the shim's run, as rows (runrows.h), into the SQLite database
 * (common/store.c) or, under the wrapper, appended to the run log of its
 * spool directory (common/runfile.c), which costs a short process no
 * SQLite at all.  Called with the recursion guard held: its allocations are libc's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libs.h"

#include "config.h"
#include "marks.h"
#include "modules.h"
#include "own.h"
#include "runfile.h"
#include "schema.h"
#include "stackdepot.h"
#include "store.h"
#include "writer.h"

struct wr_site {
    uint64_t blocks, bytes, first_seq;
};

struct wr {
    struct la_sink sink;
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
};

static int wr_put(struct wr *w, enum la_table t, const struct la_val *v)
{
    return w->sink.row(w->sink.self, t, v);
}

static int wr_run(struct wr *w)
{
    const struct la_run_record *r = w->rec;

    if (r->checkpoints) {
        struct la_val v[] = { la_int(r->pid), la_real(r->start_time) };
        if (wr_put(w, LA_T_REPLACES, v) != 0)
            return -1;
    }
    struct la_val v[] = {
        la_int(r->pid), la_int(r->ppid), la_text(r->exe), la_text(r->cwd),
        la_text(r->session && *r->session ? r->session : NULL),
        la_real(r->start_time), la_real(r->end_time), la_text(r->end_reason),
        r->has_exit_code ? la_int(r->exit_code) : la_null(),
        r->signal ? la_int(r->signal) : la_null(),
        la_int(r->depth),
        la_int(r->complete && w->scanned && w->scanned->complete),
        la_int(w->scanned && w->scanned->scanned),
        la_text(PACKAGE_VERSION), la_text(r->unaudited),
    };
    if (wr_put(w, LA_T_RUN, v) != 0)
        return -1;
    for (int i = 0; i < r->argc; i++) {
        struct la_val a[] = { la_int(i), la_text(r->argv[i]) };
        if (wr_put(w, LA_T_ARGS, a) != 0)
            return -1;
    }
    return 0;
}

static int wr_modules(struct wr *w)
{
    for (size_t i = 0; i < w->mods->n; i++) {
        const struct la_module *m = &w->mods->v[i];
        struct la_val v[] = {
            la_int((int64_t)i), la_text(m->path), la_int((int64_t)m->base),
            la_int((int64_t)m->start), la_int((int64_t)m->end), la_text(m->build_id),
        };
        if (wr_put(w, LA_T_MODULES, v) != 0)
            return -1;
    }
    return 0;
}

static void wr_use_stack(struct wr *w, uint32_t id)
{
    w->used[id / 8] |= (unsigned char)(1u << (id % 8));
}

/* Block I of the scanned blocks, unless it was inherited across fork; its
 * mark, if it carries one. */
static int wr_block(struct wr *w, size_t i)
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
    int marked = m && m->block == b->addr;
    int owned = sn->cls[i] == LA_CLASS_INTENTIONAL && sn->owner[i] != LA_NO_OWNER &&
                sn->cls[sn->owner[i]] != LA_GONE;
    struct la_val v[] = {
        la_int((int64_t)b->addr), la_int((int64_t)b->size), la_int(b->stack),
        la_int(b->tid), la_int((int64_t)b->seq),
        marked ? la_int(m->id) : la_null(),
        la_int(sn->cls[i]),
        owned ? la_int((int64_t)sn->v[sn->owner[i]].addr) : la_null(),
    };
    if (wr_put(w, LA_T_BLOCKS, v) != 0)
        return -1;
    if (marked) {
        /* The block carries its mark: the mark is written with it. */
        struct la_val mv[] = {
            la_int(m->id), la_int((int64_t)m->block), la_text(m->why), la_int(m->stack),
        };
        if (wr_put(w, LA_T_MARKS, mv) != 0)
            return -1;
        wr_use_stack(w, m->stack);
    }
    return 0;
}

/* The blocks, the reachable blocks' counts per site, then the pointers
 * among lost blocks. */
static int wr_blocks(struct wr *w)
{
    const struct scan_blocks *sn = w->scanned;

    if (!sn)
        return 0;
    for (size_t i = 0; i < sn->n; i++)
        if (wr_block(w, i) != 0)
            return -1;
    for (uint32_t id = 0; w->reach && id < w->nstacks; id++) {
        const struct wr_site *r = &w->reach[id];
        if (!r->blocks)
            continue;
        struct la_val v[] = {
            la_int(id), la_int((int64_t)r->blocks), la_int((int64_t)r->bytes),
            la_int((int64_t)r->first_seq),
        };
        if (wr_put(w, LA_T_REACHABLE, v) != 0)
            return -1;
    }
    for (size_t i = 0; i < sn->nedges; i++) {
        const struct la_edge *e = &sn->edges[i];
        struct la_val v[] = {
            la_int((int64_t)sn->v[e->from].addr), la_int((int64_t)e->offset),
            la_int((int64_t)sn->v[e->to].addr),
        };
        if (wr_put(w, LA_T_EDGES, v) != 0)
            return -1;
    }
    return 0;
}

/* Every stack that allocated in this run or that a block or mark names. */
static int wr_stacks(struct wr *w)
{
    for (uint32_t id = 0; id < w->nstacks; id++) {
        const struct sd_stack *e = sd_get(id);
        if (!e || !(e->allocs != 0 || (w->used[id / 8] >> (id % 8)) & 1))
            continue;
        /* Frees: the allocations less the blocks still allocated. */
        struct la_val v[] = {
            la_int(id), la_int(e->depth), la_int((int64_t)e->allocs),
            la_int((int64_t)e->bytes),
            la_int((int64_t)(e->allocs >= w->live[id] ? e->allocs - w->live[id] : 0)),
        };
        if (wr_put(w, LA_T_STACKS, v) != 0)
            return -1;
        for (uint32_t l = 0; l < e->depth; l++) {
            long mod = modules_find(w->mods, e->pcs[l]);
            struct la_val f[] = {
                la_int(id), la_int(l), la_int((int64_t)e->pcs[l]),
                mod >= 0 ? la_int(mod) : la_null(),
            };
            if (wr_put(w, LA_T_FRAMES, f) != 0)
                return -1;
        }
    }
    return 0;
}

static int wr_totals(struct wr *w)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct la_val v[] = {
        la_int((int64_t)w->blocks), la_int((int64_t)w->bytes),
        la_real(w->rec->scan_seconds),
        la_real((double)(t1.tv_sec - w->t0.tv_sec) + (double)(t1.tv_nsec - w->t0.tv_nsec) / 1e9),
        la_int((int64_t)w->rec->stack_hits), la_int((int64_t)w->rec->stack_unwinds),
        la_int((int64_t)w->rec->stack_mismatches),
    };
    return wr_put(w, LA_T_TOTALS, v);
}

/* All of the run's rows into SINK.  0, or -1 (the sink says why; ENOMEM
 * when the counts could not be allocated). */
static int wr_rows(struct la_sink sink, const struct la_run_record *run,
                   const struct scan_blocks *blocks, const struct la_modules *mods)
{
    struct wr w = { .sink = sink, .rec = run, .scanned = blocks, .mods = mods };
    int rc = -1;

    clock_gettime(CLOCK_MONOTONIC, &w.t0);
    w.nstacks = sd_count();
    w.used = own_calloc(w.nstacks / 8 + 1, 1);
    w.live = own_calloc(w.nstacks + 1, sizeof *w.live);
    if (!run->keep_reachable)
        w.reach = own_calloc(w.nstacks + 1, sizeof *w.reach);
    if (!w.used || !w.live || (!run->keep_reachable && !w.reach))
        errno = ENOMEM;
    else if (wr_run(&w) == 0 && wr_modules(&w) == 0 && wr_blocks(&w) == 0 &&
             wr_stacks(&w) == 0 && wr_totals(&w) == 0)
        rc = 0;
    own_free(w.used);
    own_free(w.live);
    own_free(w.reach);
    return rc;
}

/* One attempt at the database PATH.  The run's id, or -1 with the reason
 * in ERR. */
static long wr_db(const char *path, const struct la_run_record *run,
                  const struct scan_blocks *blocks, const struct la_modules *mods,
                  char *err, size_t errlen)
{
    struct la_store *s = own_calloc(1, sizeof *s);
    long rc = -1;

    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (store_open(s, path) == 0) {
        errno = 0;
        if (wr_rows((struct la_sink){ store_row, s }, run, blocks, mods) == 0 &&
            store_commit(s) == 0)
            rc = (long)s->run;
        else if (errno == ENOMEM && !s->err[0])
            snprintf(s->err, sizeof s->err, "out of memory");
    }
    store_close(s);
    snprintf(err, errlen, "%s", s->err);
    own_free(s);
    return rc;
}

/*
 * The run appended to the run log at PATH (created if missing), under an
 * exclusive flock(), which the import takes too: a record is whole when
 * the lock is let go, or cut back to nothing.  A log the import has taken
 * (unlinked) is not written into.  0, or -1 with errno set.
 */
static int wr_log(const char *path, const struct la_run_record *run,
                  const struct scan_blocks *blocks, const struct la_modules *mods)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600), rc = -1, e;
    struct stat st;

    if (fd < 0)
        return -1;
    while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
        ;
    if (fstat(fd, &st) != 0 || st.st_nlink == 0) {
        close(fd);
        errno = ENOENT; /* imported already: the spool is going */
        return -1;
    }
    struct la_runfile *f = own_malloc(sizeof *f);
    e = ENOMEM;
    if (f) {
        runfile_begin(f, fd, run->end_time);
        errno = 0;
        if (wr_rows((struct la_sink){ runfile_row, f }, run, blocks, mods) == 0) {
            if (runfile_end(f) == 0)
                rc = 0;
        } else {
            runfile_abandon(f);
        }
        e = f->err ? f->err : errno ? errno : EIO;
        own_free(f);
    }
    close(fd); /* the lock goes with it */
    if (rc != 0)
        errno = e;
    return rc;
}

/*
 * Into the spool directory's log.  When that fails (the wrapper is gone
 * and its spool with it: a process that outlived its job), the run goes
 * to the database itself, as without the wrapper; in a writer child,
 * which must not load SQLite, to a run log of its own in $TMPDIR, which
 * the warning names.  0 written, -1 not, -2 to be written into the
 * database.
 */
static long wr_spool(const char *path, const struct la_run_record *run,
                     const struct scan_blocks *blocks, const struct la_modules *mods)
{
    char name[PATH_MAX], err[320];
    const char *tmp = getenv("TMPDIR");

    snprintf(name, sizeof name, "%s/" LA_SPOOL_LOG, run->spool);
    if (wr_log(name, run, blocks, mods) == 0)
        return 0;
    int e = errno;
    if (run->in_child) {
        snprintf(name, sizeof name, "%s/leakaudit-%ld.runs",
                 tmp && tmp[0] == '/' ? tmp : "/tmp", run->pid);
        if (wr_log(name, run, blocks, mods) == 0)
            la_warn("cannot write the run to %s: %s; written to %s instead "
                    "(leakaudit-report --import %s %s adds it)",
                    run->spool, strerror(e), name, name, path);
        else
            la_warn("cannot write the run to %s: %s (nor to %s: %s)", run->spool,
                    strerror(e), name, strerror(errno));
        return -1;
    }
    if (e != ENOENT)
        la_warn("cannot write the run to %s: %s; writing it to %s", run->spool,
                strerror(e), path);
    if (libs_load(LIBS_SQLITE, err, sizeof err) != 0) {
        la_warn("cannot write the run to %s: %s", path, err);
        return -1;
    }
    return -2;
}

long writer_write(const char *path, const struct la_run_record *run,
                  const struct scan_blocks *blocks, const struct la_modules *mods)
{
    char err[320], err2[320], fallback[PATH_MAX];
    const char *tmp = getenv("TMPDIR");
    long rc;

    if (run->spool && (rc = wr_spool(path, run, blocks, mods)) != -2) {
        if (rc == 0 && run->modules_error)
            la_warn("the run written to %s has no loaded objects (%s): its "
                    "stacks show addresses only", run->spool, strerror(run->modules_error));
        return rc;
    }
    if (!libs_loaded(LIBS_SQLITE)) {
        la_warn("cannot write the run to %s: SQLite is not loaded", path);
        return -1;
    }
    if ((rc = wr_db(path, run, blocks, mods, err, sizeof err)) >= 0) {
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
    if ((rc = wr_db(fallback, run, blocks, mods, err2, sizeof err2)) >= 0)
        la_warn("cannot write the run to %s: %s; written to %s instead", path, err, fallback);
    else
        la_warn("cannot write the run to %s: %s (nor to %s: %s)", path, err, fallback, err2);
    return -1;
}
