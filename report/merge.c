/*
 * merge.c: findings of the same site across runs.  A site is a kind and
 * the function/file chain of its stacks without addresses (rp_site_key),
 * so the same leak in two processes, two builds or two machines is one
 * site: the baseline compares keys, and the merge adds findings up.
 */
#include <stdlib.h>
#include <string.h>

#include "merge.h"

struct buf {
    char *s;
    size_t n, cap;
};

static void put(struct buf *b, const char *s)
{
    size_t n = strlen(s);

    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = rp_xrealloc(b->s, b->cap, 1);
    }
    memcpy(b->s + b->n, s, n + 1);
    b->n += n;
}

static void put_stack(struct buf *b, const struct rp_stack *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->nframes; i++) {
        const struct rp_frame *f = &st->frames[i];
        const char *m = f->module ? strrchr(f->module, '/') : NULL;
        put(b, f->function ? f->function : "?");
        put(b, "@");
        put(b, f->file ? f->file : (m ? m + 1 : (f->module ? f->module : "?")));
        put(b, ";");
    }
}

char *rp_site_key(const struct rp_finding *f)
{
    struct buf b = { 0 };

    put(&b, rp_kind_name(f->kind));
    put(&b, "|");
    if (f->kind == RP_CYCLE) {
        for (size_t i = 0; i < f->nmembers; i++) {
            put_stack(&b, f->members[i].stack);
            put(&b, "|");
        }
    } else {
        put_stack(&b, f->stack);
        if (f->mark_stack) {
            put(&b, "|marked:");
            put_stack(&b, f->mark_stack);
        }
    }
    return b.s;
}

static int by_site(const void *a, const void *b)
{
    const struct rp_finding *x = a, *y = b;
    int c;

    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if ((c = strcmp(x->key, y->key)) != 0)
        return c;
    if (x->run->database != y->run->database)
        return x->run->database < y->run->database ? -1 : 1;
    return x->run->id < y->run->id ? -1 : x->run->id > y->run->id;
}

void rp_findings_merge(struct rp_findings *f)
{
    size_t k = 0;

    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].key);
        f->v[i].key = rp_site_key(&f->v[i]);
    }
    if (f->n > 1) /* (no array at all when empty) */
        qsort(f->v, f->n, sizeof *f->v, by_site);
    for (size_t i = 0; i < f->n;) {
        struct rp_finding m = f->v[i];
        size_t j = i + 1;
        for (; j < f->n && f->v[j].kind == m.kind && strcmp(f->v[j].key, m.key) == 0; j++) {
            struct rp_finding *x = &f->v[j];
            m.blocks += x->blocks;
            m.bytes += x->bytes;
            m.direct_blocks += x->direct_blocks;
            m.indirect_blocks += x->indirect_blocks;
            m.site_allocations += x->site_allocations;
            m.marks += x->marks;
            m.instances += x->instances;
            m.repeated |= x->repeated;
            if (x->first_seq < m.first_seq)
                m.first_seq = x->first_seq;
        }
        /* As analyze.c says it of one run; a mark site that marks once in
         * each process is still no repeated mark. */
        if (m.kind == RP_LEAK) {
            m.repeated = m.direct_blocks > 1;
            m.per_call = m.repeated && m.site_allocations == m.direct_blocks;
        } else if (m.kind == RP_CYCLE) {
            m.repeated = m.instances > 1;
        } else if (m.kind == RP_REACHABLE) {
            m.repeated = m.blocks > 1;
        }
        m.runs = rp_xcalloc(j - i, sizeof *m.runs);
        for (size_t r = i; r < j; r++) {
            m.runs[m.nruns++] = f->v[r].run;
            if (r > i) {
                free(f->v[r].members);
                free(f->v[r].key);
            }
        }
        f->v[k++] = m;
        i = j;
    }
    f->n = k;
}
