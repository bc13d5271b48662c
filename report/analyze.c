/*
 * analyze.c: groups a run's blocks into findings.  Unmarked blocks become
 * leak findings per allocation site, with the site's counters telling
 * whether it leaks repeatedly or on every call; marked blocks become
 * intentional findings per mark site.  O(n log n) in the blocks.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

const char *rp_kind_name(enum rp_kind k)
{
    static const char *const names[RP_KINDS] = {
        [RP_LEAK] = "leak",
        [RP_INTENTIONAL] = "intentional",
    };

    return k < RP_KINDS ? names[k] : "?";
}

/* One block, keyed for grouping. */
struct item {
    enum rp_kind kind;
    int64_t key;   /* allocation site, or mark site */
    uint64_t seq;  /* first block of a group names its allocation site */
    const struct rp_block *b;
    const struct rp_mark *m;
};

static int item_cmp(const void *x, const void *y)
{
    const struct item *a = x, *b = y;

    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static struct rp_finding *push(struct rp_findings *out)
{
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 64;
        out->v = rp_xrealloc(out->v, out->cap, sizeof *out->v);
    }
    struct rp_finding *f = &out->v[out->n++];
    memset(f, 0, sizeof *f);
    return f;
}

void rp_analyze_run(struct rp_run *run, const struct rp_policy *policy,
                    struct rp_findings *out)
{
    struct item *items = rp_xcalloc(run->nblocks, sizeof *items);
    size_t n = 0;

    for (size_t i = 0; i < run->nblocks; i++) {
        const struct rp_block *b = &run->blocks[i];
        const struct rp_mark *m = b->mark >= 0 ? rp_run_mark(run, b->mark) : NULL;
        items[n++] = (struct item){
            .kind = m ? RP_INTENTIONAL : RP_LEAK,
            .key = m ? m->stack : b->stack,
            .seq = b->seq, .b = b, .m = m,
        };
    }
    qsort(items, n, sizeof *items, item_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        struct rp_finding *f = push(out);

        f->kind = items[i].kind;
        f->run = run;
        f->stack = rp_run_stack(run, items[i].b->stack);
        for (; j < n && items[j].kind == f->kind && items[j].key == items[i].key; j++) {
            f->blocks++;
            f->bytes += items[j].b->size;
        }
        if (f->kind == RP_INTENTIONAL) {
            f->mark_stack = rp_run_stack(run, items[i].key);
            f->why = items[i].m->why;
            f->marks = f->blocks;
        }
        f->site_allocations = f->stack ? f->stack->allocs : 0;
        f->repeated = f->kind == RP_LEAK && f->blocks > 1;
        f->per_call = f->repeated && f->site_allocations == f->blocks;
        f->fails = (policy->fail_mask >> f->kind) & 1;
        out->total[f->kind].findings++;
        out->total[f->kind].blocks += f->blocks;
        out->total[f->kind].bytes += f->bytes;
        out->fail |= f->fails;
        i = j;
    }
    free(items);
}

static int finding_cmp(const void *x, const void *y)
{
    const struct rp_finding *a = x, *b = y;

    if (a->fails != b->fails)
        return a->fails ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    if (a->run->id != b->run->id)
        return a->run->id < b->run->id ? -1 : 1;
    int64_t sa = a->stack ? a->stack->id : -1, sb = b->stack ? b->stack->id : -1;
    return sa < sb ? -1 : sa > sb;
}

void rp_findings_sort(struct rp_findings *out)
{
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, finding_cmp);
}

void rp_findings_free(struct rp_findings *out)
{
    free(out->v);
    memset(out, 0, sizeof *out);
}
