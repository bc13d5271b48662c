/*
 * growth.c: behind growth.h.  Both snapshots of a process were written by
 * copies of the same process, so a stack has the same id in both: sites
 * are matched by id.
 */
#include <stdlib.h>
#include <string.h>

#include "growth.h"

struct count {
    uint64_t blocks, bytes;
};

/* Live blocks and bytes per stack of RUN, indexed like RUN->stacks. */
static struct count *count_sites(const struct rp_run *run)
{
    struct count *c = rp_xcalloc(run->nstacks + 1, sizeof *c);

    for (size_t i = 0; i < run->nblocks; i++) {
        const struct rp_stack *st = rp_run_stack(run, run->blocks[i].stack);
        if (st) {
            c[st - run->stacks].blocks += rp_block_count(&run->blocks[i]);
            c[st - run->stacks].bytes += run->blocks[i].size;
        }
    }
    return c;
}

static int same_process(const struct rp_run *a, const struct rp_run *b)
{
    return a->pid == b->pid && a->start_time == b->start_time;
}

static void compare(struct rp_run *before, struct rp_run *after, struct rp_growth *out)
{
    struct count *a = count_sites(before), *b = count_sites(after);

    for (size_t i = 0; i < after->nstacks; i++) {
        const struct rp_stack *old = rp_run_stack(before, after->stacks[i].id);
        struct count was = old ? a[old - before->stacks] : (struct count){ 0, 0 };
        if (b[i].blocks <= was.blocks)
            continue;
        if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 16;
            out->v = rp_xrealloc(out->v, out->cap, sizeof *out->v);
        }
        out->v[out->n++] = (struct rp_growth_site){
            .before = before, .after = after, .stack = &after->stacks[i],
            .blocks_before = was.blocks, .blocks_after = b[i].blocks,
            .bytes_before = was.bytes, .bytes_after = b[i].bytes,
        };
    }
    free(a);
    free(b);
}

static int by_growth(const void *x, const void *y)
{
    const struct rp_growth_site *a = x, *b = y;
    uint64_t ga = a->blocks_after - a->blocks_before, gb = b->blocks_after - b->blocks_before;

    if (ga != gb)
        return ga > gb ? -1 : 1;
    if (a->after->id != b->after->id)
        return a->after->id < b->after->id ? -1 : 1;
    return a->stack->id < b->stack->id ? -1 : a->stack->id > b->stack->id;
}

void rp_growth_find(struct rp_db *db, struct rp_growth *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < db->nruns; i++) {
        struct rp_run *first = &db->runs[i], *last = NULL;
        int seen_before = 0;
        for (size_t k = 0; k < i && !seen_before; k++)
            seen_before = same_process(&db->runs[k], first);
        if (seen_before || strcmp(first->end_reason, "snapshot") != 0)
            continue;
        for (size_t k = i + 1; k < db->nruns; k++)
            if (same_process(&db->runs[k], first) &&
                strcmp(db->runs[k].end_reason, "snapshot") == 0)
                last = &db->runs[k];
        if (!last)
            continue;
        out->processes++;
        compare(first, last, out);
    }
    if (out->n > 1) /* (no array at all when empty) */
        qsort(out->v, out->n, sizeof *out->v, by_growth);
}

void rp_growth_free(struct rp_growth *g)
{
    free(g->v);
    memset(g, 0, sizeof *g);
}
