/*
 * emit_stats.c: --format stats, what heaptrack_print and `memray stats`
 * users look at first: a histogram of block sizes still allocated at
 * exit (lost and reachable), the bytes by program and by module, and the
 * top sites.
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "schema.h"

#define ST_BUCKETS 24 /* 1..16 B, then powers of two up to 64 MiB and more */
#define ST_TOP 10

struct st_row {
    const char *name;
    uint64_t lost, reachable, other, runs;
};

struct st_rows {
    struct st_row *v;
    size_t n;
};

static struct st_row *row_of(struct st_rows *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].name, name) == 0)
            return &t->v[i];
    t->v = rp_xrealloc(t->v, t->n + 1, sizeof *t->v);
    t->v[t->n] = (struct st_row){ .name = name };
    return &t->v[t->n++];
}

static int by_bytes(const void *a, const void *b)
{
    const struct st_row *x = a, *y = b;
    uint64_t tx = x->lost + x->reachable + x->other, ty = y->lost + y->reachable + y->other;

    if (x->lost != y->lost)
        return x->lost > y->lost ? -1 : 1;
    if (tx != ty)
        return tx > ty ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The bucket of a block of SIZE bytes: 0 for 1..16, then one per power
 * of two. */
static int bucket(uint64_t size)
{
    int b = 0;

    for (uint64_t top = 16; size > top && b < ST_BUCKETS - 1; top <<= 1)
        b++;
    return b;
}

static void bucket_name(int b, char *text, size_t cap)
{
    uint64_t lo = b == 0 ? 1 : (16ull << (b - 1)) + 1, hi = 16ull << b;

    if (b == ST_BUCKETS - 1)
        snprintf(text, cap, "%llu B and more", (unsigned long long)lo);
    else
        snprintf(text, cap, "%llu-%llu B", (unsigned long long)lo, (unsigned long long)hi);
}

static const char *base(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;

    return s ? s + 1 : path ? path : "?";
}

static void print_rows(FILE *out, const char *title, struct st_rows *t, int with_runs)
{
    if (t->n > 1)
        qsort(t->v, t->n, sizeof *t->v, by_bytes);
    fprintf(out, "%s\n  %-32s %14s %14s %14s%s\n", title, "", "lost", "reachable",
            "intentional", with_runs ? "   runs" : "");
    for (size_t i = 0; i < t->n; i++) {
        fprintf(out, "  %-32s %12llu B %12llu B %12llu B", t->v[i].name,
                (unsigned long long)t->v[i].lost, (unsigned long long)t->v[i].reachable,
                (unsigned long long)t->v[i].other);
        if (with_runs)
            fprintf(out, " %6llu", (unsigned long long)t->v[i].runs);
        fputc('\n', out);
    }
    fputc('\n', out);
}

/* Adds BYTES of class CLS to ROW. */
static void add(struct st_row *row, int cls, uint64_t bytes)
{
    if (cls == LA_CLASS_LOST)
        row->lost += bytes;
    else if (cls == LA_CLASS_REACHABLE)
        row->reachable += bytes;
    else
        row->other += bytes;
}

void rp_emit_stats(FILE *out, const struct rp_db *db, const struct rp_findings *f)
{
    uint64_t lost[ST_BUCKETS] = { 0 }, reach[ST_BUCKETS] = { 0 };
    uint64_t lost_bytes[ST_BUCKETS] = { 0 }, reach_bytes[ST_BUCKETS] = { 0 };
    struct st_rows progs = { 0 }, mods = { 0 };
    int per_site = 0;

    fprintf(out, "leakaudit-report: %s: %zu run%s\n\n", db->path, db->nruns,
            db->nruns == 1 ? "" : "s");
    for (size_t i = 0; i < db->nruns; i++) {
        const struct rp_run *r = &db->runs[i];
        struct st_row *p = row_of(&progs, base(r->exe));
        p->runs++;
        for (size_t k = 0; k < r->nblocks; k++) {
            const struct rp_block *b = &r->blocks[k];
            uint64_t n = rp_block_count(b);
            /* A site's count: its blocks in the bucket of their mean size. */
            int bk = bucket(n ? b->size / n : b->size);
            per_site |= b->count > 1;
            add(p, b->cls, b->size);
            if (b->cls == LA_CLASS_LOST) {
                lost[bk] += n;
                lost_bytes[bk] += b->size;
            } else if (b->cls == LA_CLASS_REACHABLE) {
                reach[bk] += n;
                reach_bytes[bk] += b->size;
            }
        }
    }
    fprintf(out, "BLOCK SIZES still allocated at exit\n  %-20s %22s %22s\n", "", "lost",
            "reachable");
    for (int b = 0; b < ST_BUCKETS; b++) {
        char name[64];
        if (!lost[b] && !reach[b])
            continue;
        bucket_name(b, name, sizeof name);
        fprintf(out, "  %-20s %8llu blocks %10llu B %8llu blocks %10llu B\n", name,
                (unsigned long long)lost[b], (unsigned long long)lost_bytes[b],
                (unsigned long long)reach[b], (unsigned long long)reach_bytes[b]);
    }
    if (per_site)
        fputs("  (reachable blocks are counted per site: a site's blocks are in the row of "
              "their mean size;\n  LEAKAUDIT_KEEP_REACHABLE=1 keeps each one's)\n", out);
    fputc('\n', out);
    print_rows(out, "BYTES BY PROGRAM", &progs, 1);

    /* By module: where each finding is in the program's own code. */
    for (size_t i = 0; i < f->n; i++) {
        const struct rp_finding *x = &f->v[i];
        const struct rp_stack *st = rp_finding_stack(x);
        const struct rp_frame *fr = rp_own_frame(st);
        int cls = x->kind == RP_LEAK || x->kind == RP_CYCLE ? LA_CLASS_LOST
                  : x->kind == RP_REACHABLE ? LA_CLASS_REACHABLE : LA_CLASS_INTENTIONAL;
        add(row_of(&mods, fr && fr->module ? base(fr->module) : "(no module of the program's)"),
            cls, x->bytes);
    }
    print_rows(out, "BYTES BY MODULE (of the program's own frame of each site)", &mods, 0);

    /* The top sites: by bytes, lost ones first. */
    const struct rp_finding **top = rp_xmalloc((f->n + 1) * sizeof *top);
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        top[n++] = &f->v[i];
    for (size_t i = 0; i < n && i < ST_TOP; i++) {
        size_t best = i;
        for (size_t k = i + 1; k < n; k++) {
            int lk = top[k]->kind == RP_LEAK || top[k]->kind == RP_CYCLE;
            int lb = top[best]->kind == RP_LEAK || top[best]->kind == RP_CYCLE;
            if (lk > lb || (lk == lb && top[k]->bytes > top[best]->bytes))
                best = k;
        }
        const struct rp_finding *t = top[best];
        top[best] = top[i];
        top[i] = t;
    }
    fprintf(out, "TOP SITES (lost first, then by bytes)\n");
    for (size_t i = 0; i < n && i < ST_TOP; i++) {
        const struct rp_finding *x = top[i];
        const struct rp_stack *st = rp_finding_stack(x);
        const struct rp_frame *fr = rp_own_frame(st);
        char place[1200];
        if (fr)
            rp_frame_place(fr, place, sizeof place);
        else
            snprintf(place, sizeof place, "(no frame of the program's own)");
        fprintf(out, "  %2zu. %-13s %10llu B in %6llu block%s  at %s\n", i + 1,
                rp_kind_name(x->kind), (unsigned long long)x->bytes,
                (unsigned long long)x->blocks, x->blocks == 1 ? " " : "s", place);
    }
    free(top);
    free(progs.v);
    free(mods.v);
}
