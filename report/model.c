/*
 * model.c: lookups over the plain model and its memory management.
 */
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

long rp_run_block_at(const struct rp_run *run, uint64_t addr)
{
    size_t lo = 0, hi = run->nblocks;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (run->blocks[mid].addr < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < run->nblocks && run->blocks[lo].addr == addr ? (long)lo : -1;
}

struct rp_stack *rp_run_stack(const struct rp_run *run, int64_t id)
{
    size_t lo = 0, hi = run->nstacks;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (run->stacks[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < run->nstacks && run->stacks[lo].id == id ? &run->stacks[lo]
                                                         : NULL;
}

const struct rp_mark *rp_run_mark(const struct rp_run *run, int64_t id)
{
    size_t lo = 0, hi = run->nmarks;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (run->marks[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < run->nmarks && run->marks[lo].id == id ? &run->marks[lo]
                                                       : NULL;
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

static void rp_run_free(struct rp_run *r)
{
    free(r->exe);
    free(r->cwd);
    free(r->session);
    free(r->end_reason);
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
    free(db->path);
    memset(db, 0, sizeof *db);
}
