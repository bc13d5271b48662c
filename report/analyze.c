/*
 * analyze.c: a run's blocks become findings.
 *
 * Intentional blocks (marked, or owned by a marked block) group by mark
 * site; a site with more marked blocks than allowed is a repeated-mark.
 * Reachable blocks group by allocation site.  Lost blocks form a graph (the
 * pointers between them); its strongly connected components (scc.c) are
 * condensed: a source component of one block without a self-pointer is a
 * direct leak, any other source component a cycle, and the blocks of
 * non-source components are the indirect blocks of the first source (in
 * allocation order) that reaches them.  Direct leaks group by allocation
 * site; cycles group by the sequence of their members' sites.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "scc.h"

static const char *const kind_names[RP_KINDS] = {
    [RP_LEAK] = "leak",
    [RP_CYCLE] = "cycle",
    [RP_REPEATED_MARK] = "repeated-mark",
    [RP_INTENTIONAL] = "intentional",
    [RP_REACHABLE] = "reachable",
};

const char *rp_kind_name(enum rp_kind k)
{
    return (unsigned)k < RP_KINDS ? kind_names[k] : NULL;
}

int rp_kind_parse(const char *name)
{
    for (int k = 0; k < RP_KINDS; k++)
        if (strcmp(kind_names[k], name) == 0)
            return k;
    return -1;
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

/* ---- grouping by a key -------------------------------------------------------- */

struct item {
    int64_t key;
    size_t block;
};

static int item_cmp(const void *x, const void *y)
{
    const struct item *a = x, *b = y;

    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->block < b->block ? -1 : a->block > b->block;
}

/* ---- intentional and reachable ----------------------------------------------------- */

/* The mark site of an intentional block: its owner's mark's stack. */
static int64_t mark_site(const struct rp_run *run, const struct rp_block *b,
                         const struct rp_mark **mark)
{
    const struct rp_block *o = b->owner >= 0 ? &run->blocks[b->owner] : b;

    *mark = o->mark >= 0 ? rp_run_mark(run, o->mark) : NULL;
    return *mark ? (*mark)->stack : -1;
}

static void group_intentional(struct rp_run *run, const struct rp_analysis_opts *o,
                              struct rp_findings *out)
{
    struct item *items = rp_xcalloc(run->nblocks, sizeof *items);
    size_t n = 0;

    for (size_t i = 0; i < run->nblocks; i++) {
        const struct rp_mark *m;
        if (run->blocks[i].cls == LA_CLASS_INTENTIONAL)
            items[n++] = (struct item){ mark_site(run, &run->blocks[i], &m), i };
    }
    qsort(items, n, sizeof *items, item_cmp);
    for (size_t i = 0; i < n;) {
        struct rp_finding *f = push(out);
        const struct rp_block *first = NULL;
        size_t j;

        f->run = run;
        f->mark_stack = rp_run_stack(run, items[i].key);
        for (j = i; j < n && items[j].key == items[i].key; j++) {
            const struct rp_block *b = &run->blocks[items[j].block];
            const struct rp_mark *m;
            f->blocks++;
            f->bytes += b->size;
            if (b->owner < 0 || (size_t)b->owner == items[j].block) {
                /* a marked block itself */
                f->marks++;
                if (!first || b->seq < first->seq) {
                    first = b;
                    mark_site(run, b, &m);
                    f->why = m ? m->why : NULL;
                }
            }
        }
        if (!first)
            first = &run->blocks[items[i].block];
        f->stack = rp_run_stack(run, first->stack);
        f->first_seq = first->seq;
        f->site_allocations = f->stack ? f->stack->allocs : 0;
        f->direct_blocks = f->marks;
        f->indirect_blocks = f->blocks - f->marks;
        f->kind = f->marks > o->max_marks_per_site ? RP_REPEATED_MARK : RP_INTENTIONAL;
        f->repeated = f->marks > 1;
        i = j;
    }
    free(items);
}

static void group_reachable(struct rp_run *run, struct rp_findings *out)
{
    struct item *items = rp_xcalloc(run->nblocks, sizeof *items);
    size_t n = 0;

    for (size_t i = 0; i < run->nblocks; i++)
        if (run->blocks[i].cls == LA_CLASS_REACHABLE)
            items[n++] = (struct item){ run->blocks[i].stack, i };
    qsort(items, n, sizeof *items, item_cmp);
    for (size_t i = 0; i < n;) {
        struct rp_finding *f = push(out);
        size_t j;

        f->kind = RP_REACHABLE;
        f->run = run;
        f->stack = rp_run_stack(run, items[i].key);
        f->first_seq = UINT64_MAX;
        for (j = i; j < n && items[j].key == items[i].key; j++) {
            const struct rp_block *b = &run->blocks[items[j].block];
            f->blocks += rp_block_count(b);
            f->bytes += b->size;
            if (b->seq < f->first_seq)
                f->first_seq = b->seq;
        }
        f->direct_blocks = f->blocks;
        f->site_allocations = f->stack ? f->stack->allocs : 0;
        f->repeated = f->blocks > 1;
        i = j;
    }
    free(items);
}

/* ---- lost blocks: the graph ----------------------------------------------------------- */

struct lost {
    size_t n;           /* lost blocks */
    size_t *block;      /* lost index -> block index */
    size_t *off;        /* CSR over lost indexes */
    uint32_t *adj;
    uint64_t *adj_off;  /* the offset of each edge */
    uint32_t *comp;
    size_t ncomp;
};

static void lost_graph(const struct rp_run *run, struct lost *g)
{
    size_t *lidx = rp_xmalloc((run->nblocks + 1) * sizeof *lidx);
    size_t ne = 0;

    g->block = rp_xmalloc((run->nblocks + 1) * sizeof *g->block);
    g->n = 0;
    for (size_t i = 0; i < run->nblocks; i++) {
        lidx[i] = SIZE_MAX;
        if (run->blocks[i].cls == LA_CLASS_LOST) {
            lidx[i] = g->n;
            g->block[g->n++] = i;
        }
    }
    g->off = rp_xcalloc(g->n + 1, sizeof *g->off);
    for (size_t e = 0; e < run->nedges; e++) {
        const struct rp_edge *x = &run->edges[e];
        if (lidx[x->src] != SIZE_MAX && lidx[x->dst] != SIZE_MAX) {
            g->off[lidx[x->src] + 1]++;
            ne++;
        }
    }
    for (size_t v = 0; v < g->n; v++)
        g->off[v + 1] += g->off[v];
    g->adj = rp_xmalloc((ne + 1) * sizeof *g->adj);
    g->adj_off = rp_xmalloc((ne + 1) * sizeof *g->adj_off);
    size_t *fill = rp_xmalloc((g->n + 1) * sizeof *fill);
    memcpy(fill, g->off, (g->n + 1) * sizeof *fill);
    /* Edges come sorted by source and offset: each list stays in offset order. */
    for (size_t e = 0; e < run->nedges; e++) {
        const struct rp_edge *x = &run->edges[e];
        size_t s = lidx[x->src], d = lidx[x->dst];
        if (s != SIZE_MAX && d != SIZE_MAX) {
            g->adj[fill[s]] = (uint32_t)d;
            g->adj_off[fill[s]++] = x->offset;
        }
    }
    free(fill);
    free(lidx);
    g->comp = rp_xmalloc((g->n + 1) * sizeof *g->comp);
    g->ncomp = rp_scc(g->n, g->off, g->adj, g->comp);
}

static void lost_free(struct lost *g)
{
    free(g->block);
    free(g->off);
    free(g->adj);
    free(g->adj_off);
    free(g->comp);
}

/* Members of component C in cycle order: from its oldest block, along the
 * first pointer to a member not yet placed; the order closes on the first.
 * Fills MEM (room for the component's size) and returns how many. */
static size_t cycle_order(const struct rp_run *run, const struct lost *g,
                          const size_t *members, size_t n, uint32_t c,
                          unsigned char *placed, size_t *order)
{
    size_t start = members[0], k = 0;

    for (size_t i = 1; i < n; i++)
        if (run->blocks[g->block[members[i]]].seq < run->blocks[g->block[start]].seq)
            start = members[i];
    order[k++] = start;
    placed[start] = 1;
    for (;;) {
        size_t v = order[k - 1], next = SIZE_MAX;
        for (size_t e = g->off[v]; e < g->off[v + 1]; e++) {
            size_t w = g->adj[e];
            if (g->comp[w] == c && !placed[w]) {
                next = w;
                break;
            }
        }
        if (next == SIZE_MAX) {
            /* No unplaced successor: continue from any unplaced member
             * (an SCC that is not a simple cycle). */
            for (size_t i = 0; i < n && next == SIZE_MAX; i++)
                if (!placed[members[i]])
                    next = members[i];
            if (next == SIZE_MAX)
                break;
        }
        order[k++] = next;
        placed[next] = 1;
    }
    for (size_t i = 0; i < k; i++)
        placed[order[i]] = 0;
    return k;
}

/* The offset in V of its first pointer to W; 0 and no pointer -> -1. */
static int edge_offset(const struct lost *g, size_t v, size_t w, uint64_t *offset)
{
    for (size_t e = g->off[v]; e < g->off[v + 1]; e++)
        if (g->adj[e] == w) {
            *offset = g->adj_off[e];
            return 0;
        }
    return -1;
}

/* A cycle's signature: its members' sites, for grouping like instances. */
static int members_same(const struct rp_finding *a, const struct rp_finding *b)
{
    if (a->nmembers != b->nmembers)
        return 0;
    for (size_t i = 0; i < a->nmembers; i++)
        if (a->members[i].stack != b->members[i].stack ||
            a->members[i].has_next != b->members[i].has_next ||
            a->members[i].next_offset != b->members[i].next_offset)
            return 0;
    return 1;
}

static void group_lost(struct rp_run *run, struct rp_findings *out)
{
    struct lost g;

    lost_graph(run, &g);
    if (g.n == 0) {
        lost_free(&g);
        return;
    }
    /* Components: size, self-pointer, incoming pointer from another. */
    size_t *csize = rp_xcalloc(g.ncomp, sizeof *csize);
    unsigned char *self = rp_xcalloc(g.ncomp, 1), *entered = rp_xcalloc(g.ncomp, 1);
    uint64_t *cseq = rp_xmalloc(g.ncomp * sizeof *cseq);
    for (size_t c = 0; c < g.ncomp; c++)
        cseq[c] = UINT64_MAX;
    for (size_t v = 0; v < g.n; v++) {
        uint32_t c = g.comp[v];
        csize[c]++;
        if (run->blocks[g.block[v]].seq < cseq[c])
            cseq[c] = run->blocks[g.block[v]].seq;
        for (size_t e = g.off[v]; e < g.off[v + 1]; e++) {
            if (g.adj[e] == v)
                self[c] = 1;
            else if (g.comp[g.adj[e]] != c)
                entered[g.comp[g.adj[e]]] = 1;
        }
    }
    /* Members of each component, contiguous (counting sort). */
    size_t *cstart = rp_xcalloc(g.ncomp + 1, sizeof *cstart);
    for (size_t c = 0; c < g.ncomp; c++)
        cstart[c + 1] = cstart[c] + csize[c];
    size_t *members = rp_xmalloc((g.n + 1) * sizeof *members);
    size_t *fill = rp_xmalloc((g.ncomp + 1) * sizeof *fill);
    memcpy(fill, cstart, (g.ncomp + 1) * sizeof *fill);
    for (size_t v = 0; v < g.n; v++)
        members[fill[g.comp[v]]++] = v;
    free(fill);

    /* Sources, oldest first; each claims the blocks it reaches first. */
    struct item *src = rp_xmalloc((g.ncomp + 1) * sizeof *src);
    size_t nsrc = 0;
    for (size_t c = 0; c < g.ncomp; c++)
        if (!entered[c])
            src[nsrc++] = (struct item){ (int64_t)cseq[c], c };
    qsort(src, nsrc, sizeof *src, item_cmp);
    size_t *claim = rp_xmalloc((g.n + 1) * sizeof *claim);   /* source of each block */
    size_t *work = rp_xmalloc((g.n + 1) * sizeof *work);
    for (size_t v = 0; v < g.n; v++)
        claim[v] = SIZE_MAX;
    uint64_t *ind_blocks = rp_xcalloc(g.ncomp, sizeof *ind_blocks);
    uint64_t *ind_bytes = rp_xcalloc(g.ncomp, sizeof *ind_bytes);
    for (size_t s = 0; s < nsrc; s++) {
        size_t c = src[s].block, top = 0;
        for (size_t i = cstart[c]; i < cstart[c + 1]; i++) {
            claim[members[i]] = c;
            work[top++] = members[i];
        }
        while (top > 0) {
            size_t v = work[--top];
            for (size_t e = g.off[v]; e < g.off[v + 1]; e++) {
                size_t w = g.adj[e];
                if (claim[w] != SIZE_MAX)
                    continue;
                claim[w] = c;
                work[top++] = w;
                ind_blocks[c]++;
                ind_bytes[c] += run->blocks[g.block[w]].size;
            }
        }
    }

    /* Direct leaks, per allocation site. */
    struct item *direct = rp_xmalloc((nsrc + 1) * sizeof *direct);
    size_t nd = 0;
    for (size_t s = 0; s < nsrc; s++) {
        size_t c = src[s].block;
        if (csize[c] == 1 && !self[c])
            direct[nd++] = (struct item){ run->blocks[g.block[members[cstart[c]]]].stack, c };
    }
    qsort(direct, nd, sizeof *direct, item_cmp);
    for (size_t i = 0; i < nd;) {
        struct rp_finding *f = push(out);
        size_t j;
        f->kind = RP_LEAK;
        f->run = run;
        f->stack = rp_run_stack(run, direct[i].key);
        f->first_seq = UINT64_MAX;
        for (j = i; j < nd && direct[j].key == direct[i].key; j++) {
            size_t c = direct[j].block;
            const struct rp_block *b = &run->blocks[g.block[members[cstart[c]]]];
            f->direct_blocks++;
            f->indirect_blocks += ind_blocks[c];
            f->bytes += b->size + ind_bytes[c];
            if (b->seq < f->first_seq)
                f->first_seq = b->seq;
        }
        f->blocks = f->direct_blocks + f->indirect_blocks;
        f->site_allocations = f->stack ? f->stack->allocs : 0;
        f->repeated = f->direct_blocks > 1;
        f->per_call = f->repeated && f->site_allocations == f->direct_blocks;
        i = j;
    }
    free(direct);

    /* Cycles: one finding per kind of cycle (the same member sites). */
    unsigned char *placed = rp_xcalloc(g.n + 1, 1);
    size_t *order = rp_xmalloc((g.n + 1) * sizeof *order);
    size_t first_cycle = out->n;
    for (size_t s = 0; s < nsrc; s++) {
        size_t c = src[s].block;
        if (csize[c] == 1 && !self[c])
            continue;
        size_t n = cycle_order(run, &g, members + cstart[c], csize[c], (uint32_t)c,
                               placed, order);
        struct rp_finding tmp = { .kind = RP_CYCLE, .run = run, .nmembers = n };
        tmp.members = rp_xcalloc(n, sizeof *tmp.members);
        for (size_t k = 0; k < n; k++) {
            const struct rp_block *b = &run->blocks[g.block[order[k]]];
            struct rp_member *m = &tmp.members[k];
            m->stack = rp_run_stack(run, b->stack);
            m->size = b->size;
            m->has_next = edge_offset(&g, order[k], order[(k + 1) % n], &m->next_offset) == 0;
            tmp.bytes += b->size;
        }
        tmp.direct_blocks = n;
        tmp.indirect_blocks = ind_blocks[c];
        tmp.bytes += ind_bytes[c];
        tmp.blocks = n + ind_blocks[c];
        tmp.first_seq = cseq[c];
        tmp.instances = 1;
        tmp.stack = tmp.members[0].stack;
        tmp.site_allocations = tmp.stack ? tmp.stack->allocs : 0;
        /* Like an earlier cycle of this run: add to it. */
        struct rp_finding *same = NULL;
        for (size_t k = first_cycle; k < out->n && !same; k++)
            if (members_same(&out->v[k], &tmp))
                same = &out->v[k];
        if (same) {
            same->instances++;
            same->blocks += tmp.blocks;
            same->bytes += tmp.bytes;
            same->direct_blocks += tmp.direct_blocks;
            same->indirect_blocks += tmp.indirect_blocks;
            same->repeated = 1;
            free(tmp.members);
        } else {
            *push(out) = tmp;
        }
    }
    free(placed);
    free(order);
    free(src);
    free(claim);
    free(work);
    free(ind_blocks);
    free(ind_bytes);
    free(members);
    free(cstart);
    free(csize);
    free(self);
    free(entered);
    free(cseq);
    lost_free(&g);
}

void rp_analyze_run(struct rp_run *run, const struct rp_analysis_opts *o,
                    struct rp_findings *out)
{
    group_lost(run, out);
    group_intentional(run, o, out);
    group_reachable(run, out);
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
    return a->first_seq < b->first_seq ? -1 : a->first_seq > b->first_seq;
}

void rp_findings_sort(struct rp_findings *out)
{
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, finding_cmp);
}

void rp_findings_free(struct rp_findings *out)
{
    for (size_t i = 0; i < out->n; i++) {
        free(out->v[i].members);
        free(out->v[i].key);
        free(out->v[i].runs);
    }
    free(out->v);
    memset(out, 0, sizeof *out);
}
