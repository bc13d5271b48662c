/*
 * model.c: lookups over the plain model and its memory management.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static void rp_oom(void)
{
    fputs("leakaudit-report: out of memory\n", stderr);
    exit(2);
}

void *rp_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p)
        rp_oom();
    return p;
}

void *rp_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);

    if (!p)
        rp_oom();
    return p;
}

void *rp_xrealloc(void *p, size_t n, size_t m)
{
    p = reallocarray(p, n ? n : 1, m ? m : 1);
    if (!p)
        rp_oom();
    return p;
}

char *rp_xstrdup(const char *s)
{
    char *d;

    if (!s)
        return NULL;
    d = strdup(s);
    if (!d)
        rp_oom();
    return d;
}

/*
 * The index of the first of the N elements of STRIDE bytes at BASE whose
 * 64-bit key (at byte KEYOFF; sorted ascending, non-negative) is not below
 * KEY, and whether it equals KEY (*FOUND).
 */
static size_t lower_bound(const void *base, size_t n, size_t stride,
                          size_t keyoff, uint64_t key, int *found)
{
    size_t lo = 0, hi = n;
    uint64_t k;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        memcpy(&k, (const char *)base + mid * stride + keyoff, sizeof k);
        if (k < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n)
        memcpy(&k, (const char *)base + lo * stride + keyoff, sizeof k);
    *found = lo < n && k == key;
    return lo;
}

#define RP_FIND(arr, n, field, key, found)                                   \
    lower_bound((arr), (n), sizeof *(arr), offsetof(__typeof__(*(arr)), field), \
                (uint64_t)(key), (found))

long rp_run_block_at(const struct rp_run *run, uint64_t addr)
{
    int found;
    size_t i = RP_FIND(run->blocks, run->nblocks, addr, addr, &found);

    return found ? (long)i : -1;
}

struct rp_stack *rp_run_stack(const struct rp_run *run, int64_t id)
{
    int found;
    size_t i = id < 0 ? 0 : RP_FIND(run->stacks, run->nstacks, id, id, &found);

    return id >= 0 && found ? &run->stacks[i] : NULL;
}

const struct rp_mark *rp_run_mark(const struct rp_run *run, int64_t id)
{
    int found;
    size_t i = id < 0 ? 0 : RP_FIND(run->marks, run->nmarks, id, id, &found);

    return id >= 0 && found ? &run->marks[i] : NULL;
}

const struct rp_module *rp_run_module(const struct rp_run *run, int64_t id)
{
    for (size_t i = 0; i < run->nmodules; i++)
        if (run->modules[i].id == id)
            return &run->modules[i];
    return NULL;
}

static void rp_stack_free(struct rp_stack *s)
{
    for (size_t i = 0; i < s->nframes; i++) {
        free(s->frames[i].function);
        free(s->frames[i].file);
    }
    free(s->frames);
    free(s->pcs);
    free(s->modules);
}

void rp_run_free(struct rp_run *r)
{
    free(r->exe);
    free(r->cwd);
    free(r->session);
    free(r->end_reason);
    free(r->unaudited);
    for (size_t i = 0; i < r->argc; i++)
        free(r->argv[i]);
    free(r->argv);
    for (size_t i = 0; i < r->nmodules; i++) {
        free(r->modules[i].path);
        free(r->modules[i].build_id);
    }
    free(r->modules);
    for (size_t i = 0; i < r->nstacks; i++)
        rp_stack_free(&r->stacks[i]);
    free(r->stacks);
    free(r->blocks);
    free(r->edges);
    for (size_t i = 0; i < r->nmarks; i++)
        free(r->marks[i].why);
    free(r->marks);
}

void rp_db_free(struct rp_db *db)
{
    for (size_t i = 0; i < db->nruns; i++)
        rp_run_free(&db->runs[i]);
    free(db->runs);
    for (size_t i = 0; i < db->npaths; i++)
        free(db->paths[i]);
    free(db->paths);
    free(db->path);
    for (size_t i = 0; i < db->nnot_audited; i++)
        free(db->not_audited[i].exe);
    free(db->not_audited);
    memset(db, 0, sizeof *db);
}

void rp_db_add_not_audited(struct rp_db *db, const char *exe, uint64_t n)
{
    for (size_t i = 0; i < db->nnot_audited; i++)
        if (strcmp(db->not_audited[i].exe, exe) == 0) {
            db->not_audited[i].processes += n;
            return;
        }
    db->not_audited = rp_xrealloc(db->not_audited, db->nnot_audited + 1, sizeof *db->not_audited);
    db->not_audited[db->nnot_audited++] = (struct rp_not_audited){ rp_xstrdup(exe), n };
}

static int most_first(const void *a, const void *b)
{
    const struct rp_not_audited *x = a, *y = b;

    if (x->processes != y->processes)
        return x->processes < y->processes ? 1 : -1;
    return strcmp(x->exe, y->exe);
}

void rp_db_sort_not_audited(struct rp_db *db)
{
    if (db->nnot_audited)
        qsort(db->not_audited, db->nnot_audited, sizeof *db->not_audited, most_first);
}

void rp_db_absorb(struct rp_db *into, struct rp_db *from)
{
    into->runs = rp_xrealloc(into->runs, into->nruns + from->nruns + 1, sizeof *into->runs);
    for (size_t i = 0; i < from->nruns; i++) {
        into->runs[into->nruns] = from->runs[i];
        into->runs[into->nruns++].database = into->npaths + from->runs[i].database;
    }
    into->paths = rp_xrealloc(into->paths, into->npaths + from->npaths + 1, sizeof *into->paths);
    for (size_t i = 0; i < from->npaths; i++)
        into->paths[into->npaths++] = from->paths[i];
    if (!into->path && from->path)
        into->path = rp_xstrdup(from->path);
    into->hidden_snapshots += from->hidden_snapshots;
    for (size_t i = 0; i < from->nnot_audited; i++) {
        rp_db_add_not_audited(into, from->not_audited[i].exe, from->not_audited[i].processes);
        free(from->not_audited[i].exe);
    }
    rp_db_sort_not_audited(into);
    free(from->not_audited);
    free(from->runs);
    free(from->paths);
    free(from->path);
    memset(from, 0, sizeof *from);
}
