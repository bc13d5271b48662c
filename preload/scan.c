/*
 * scan.c: the reachability scan behind scan.h.
 *
 * Conservative, as Valgrind and LeakSanitizer: any aligned word whose value
 * falls inside a block points to it.  Memory is read with process_vm_readv
 * on the process itself, so that a region or block another thread unmaps
 * meanwhile is skipped instead of faulting (a plain copy is the fallback
 * where the call is refused).  Roots are the readable, writable mappings of
 * /proc/self/maps except: the brk heap and glibc's arena heaps (their free
 * chunks hold stale pointers; only live blocks are scanned, once reached),
 * the pages of large blocks, the shim's own pages and image, devices, and
 * the part of the exiting thread's stack below its stack pointer.  Pages
 * never touched (mincore) are skipped: they hold zeros.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "maps.h"
#include "marks.h"
#include "pages.h"
#include "peek.h"
#include "scan.h"
#include "side.h"
#include "stackdepot.h"
#include "threads.h"

#define SCAN_CHUNK (64u * 1024u)
#define ARENA_HEAP_ALIGN (64ul * 1024 * 1024) /* glibc's HEAP_MAX_SIZE */
#define PAGE 4096ul
#define MAX_SELF_RANGES 4096

/* ---- the copy of the table -------------------------------------------------------------- */

static int take_one(const struct la_block *b, void *p)
{
    struct scan_blocks *s = p;

    if (s->n == s->cap)
        return 1; /* the table grew meanwhile: keep what fits */
    s->v[s->n++] = *b;
    return 0;
}

static int by_addr(const void *a, const void *b)
{
    const struct la_block *x = a, *y = b;

    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void scan_free(struct scan_blocks *s)
{
    pages_free(s->v, s->cap * sizeof *s->v);
    pages_free(s->cls, s->cap);
    pages_free(s->owner, s->cap * sizeof *s->owner);
    pages_free(s->edges, s->edges_cap * sizeof *s->edges);
    memset(s, 0, sizeof *s);
}

int scan_take(struct scan_blocks *s)
{
    memset(s, 0, sizeof *s);
    s->complete = 1;
    s->cap = lt_count() + 1024;
    s->v = pages_alloc(s->cap * sizeof *s->v);
    s->cls = pages_alloc(s->cap);
    s->owner = pages_alloc(s->cap * sizeof *s->owner);
    if (!s->v || !s->cls || !s->owner) {
        scan_free(s);
        return -1;
    }
    lt_foreach(take_one, s);
    qsort(s->v, s->n, sizeof *s->v, by_addr);
    /* A writer child's copy of the table may have been made while another
     * thread was moving an entry within a shard: one address twice.  The
     * newer entry stays. */
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (k > 0 && s->v[k - 1].addr == s->v[i].addr) {
            if (s->v[i].seq > s->v[k - 1].seq)
                s->v[k - 1] = s->v[i];
            continue;
        }
        s->v[k++] = s->v[i];
    }
    s->n = k;
    for (size_t i = 0; i < s->n; i++)
        s->owner[i] = LA_NO_OWNER;
    return 0;
}

/* Index of the first block of S that starts at or above P (S->n if none). */
static size_t scan_lower(const struct scan_blocks *s, uintptr_t p)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].addr < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

long scan_find(const struct scan_blocks *s, uintptr_t p)
{
    /* The last block starting at or below P is the only one that can
     * hold it (blocks do not overlap; no block reaches UINTPTR_MAX). */
    size_t above = p == UINTPTR_MAX ? s->n : scan_lower(s, p + 1);

    if (above == 0)
        return -1;
    const struct la_block *b = &s->v[above - 1];
    return (p == b->addr || p - b->addr < b->size) ? (long)(above - 1) : -1;
}

/* ---- reading memory safely --------------------------------------------------- */

struct reader {
    char *buf;      /* SCAN_CHUNK bytes */
    uintptr_t wlo;  /* buf holds [wlo, wlo + wlen) */
    size_t wlen;
};

/* Copies LEN bytes at SRC into R->buf.  Returns how many could be read
 * from the start (0 when SRC is not mapped). */
static size_t rd_read(struct reader *r, uintptr_t src, size_t len)
{
    r->wlen = 0;
    return peek_mem(r->buf, src, len);
}

/* ---- the traversal ---------------------------------------------------------------- */

struct walk {
    struct scan_blocks *s;
    struct reader rd;
    uint32_t *stack; /* worklist */
    size_t top;
    uint8_t cls;     /* what reached blocks become */
    uint32_t owner;
    uintptr_t lo, hi; /* addresses any block covers */
    int edges;       /* lost pass: record edges instead of marking */
    uint32_t from;
    int in_libc;     /* scanning libc's own data (malloc's arena state) */
    const struct la_context *parked[64]; /* threads waiting for the end */
    size_t nparked;
};

/*
 * Whether V is glibc's header of the chunk after block B.  A block whose
 * size leaves 1 to 8 bytes in its last 16 overlaps the next chunk's
 * header, and malloc's state in libc (main_arena's top and bins) points at
 * headers: such a pointer, found in libc's data, is not a reference to B.
 */
static int next_chunk_header(const struct la_block *b, uintptr_t v)
{
    uint64_t chunk = (b->size + 8 + 15) & ~(uint64_t)15;

    if (chunk < 32)
        chunk = 32;
    return v == b->addr - 16 + chunk;
}

static void reach(struct walk *w, size_t j)
{
    if (w->s->cls[j] != LA_UNSEEN)
        return;
    w->s->cls[j] = w->cls;
    w->s->owner[j] = w->owner;
    w->stack[w->top++] = (uint32_t)j;
}

static void add_edge(struct walk *w, uint32_t to, uint64_t offset)
{
    struct scan_blocks *s = w->s;

    if (s->nedges == s->edges_cap) {
        size_t ncap = s->edges_cap ? s->edges_cap * 2 : 4096;
        struct la_edge *e = pages_alloc(ncap * sizeof *e);
        if (!e) {
            s->complete = 0;
            return;
        }
        if (s->edges)
            memcpy(e, s->edges, s->nedges * sizeof *e);
        pages_free(s->edges, s->edges_cap * sizeof *s->edges);
        s->edges = e;
        s->edges_cap = ncap;
    }
    s->edges[s->nedges++] = (struct la_edge){ w->from, to, offset };
}

/*
 * The LEN bytes at ADDR (LEN <= SCAN_CHUNK), read through a window: blocks
 * lie side by side in the heap, so one read serves many.  Returns a view
 * of them and how many could be read in *GOT.
 */
static const char *rd_view(struct reader *r, uintptr_t addr, size_t len, size_t *got)
{
    if (addr >= r->wlo && addr + len <= r->wlo + r->wlen) {
        *got = len;
        return r->buf + (addr - r->wlo);
    }
    size_t n = rd_read(r, addr, SCAN_CHUNK);
    if (n < len) {
        /* The window ran into unmapped memory: the block alone. */
        n = rd_read(r, addr, len);
    }
    r->wlo = addr;
    r->wlen = n;
    *got = n < len ? n : len;
    return r->buf;
}

/* Looks at every aligned word of the N bytes at WORDS, read from BASE. */
static void scan_words(struct walk *w, uintptr_t base, const uintptr_t *words, size_t n)
{
    for (size_t k = 0; k < n / sizeof(uintptr_t); k++) {
        uintptr_t v = words[k];
        if (v < w->lo || v >= w->hi)
            continue;
        long j = scan_find(w->s, v);
        if (j < 0 || (w->in_libc && next_chunk_header(&w->s->v[j], v)))
            continue;
        if (w->edges) {
            if (w->s->cls[j] == LA_CLASS_LOST)
                add_edge(w, (uint32_t)j, base + k * sizeof(uintptr_t) - w->s->v[w->from].addr);
        } else {
            reach(w, (size_t)j);
        }
    }
}

/* Scans [LO, HI) (LO aligned to a word), chunk by chunk. */
static void scan_range(struct walk *w, uintptr_t lo, uintptr_t hi)
{
    while (lo < hi) {
        size_t len = hi - lo < SCAN_CHUNK ? hi - lo : SCAN_CHUNK;
        size_t got = rd_read(&w->rd, lo, len);
        scan_words(w, lo, (const uintptr_t *)w->rd.buf, got);
        if (got < len)
            return; /* the rest went away */
        lo += len;
    }
}

/* Scans block I's contents. */
static void scan_block(struct walk *w, size_t i)
{
    const struct la_block *b = &w->s->v[i];
    uintptr_t lo = b->addr & ~(uintptr_t)7;
    size_t len = b->addr + b->size - lo, got;

    w->from = (uint32_t)i;
    if (len > SCAN_CHUNK) {
        scan_range(w, lo, b->addr + b->size);
        return;
    }
    const char *v = rd_view(&w->rd, lo, len, &got);
    scan_words(w, lo, (const uintptr_t *)v, got);
}

/*
 * Scans the blocks of the worklist until it is empty.  Blocks are reached
 * in no address order, so they are read in batches, up to SCAN_BATCH
 * blocks and SCAN_CHUNK bytes per system call; a block too large for a
 * batch is scanned alone, and the blocks of a batch after one that could
 * not be read (freed and unmapped meanwhile) one at a time.
 */
#define SCAN_BATCH 64

static void drain(struct walk *w)
{
    struct iovec local[SCAN_BATCH], remote[SCAN_BATCH];
    uint32_t idx[SCAN_BATCH];

    while (w->top > 0) {
        size_t n = 0, used = 0;
        while (w->top > 0 && n < SCAN_BATCH) {
            uint32_t i = w->stack[w->top - 1];
            const struct la_block *b = &w->s->v[i];
            uintptr_t lo = b->addr & ~(uintptr_t)7;
            size_t len = b->addr + b->size - lo;
            if (len > SCAN_CHUNK - used)
                break;
            w->top--;
            local[n] = (struct iovec){ w->rd.buf + used, len };
            remote[n] = (struct iovec){ (void *)lo, len };
            idx[n++] = i;
            used += (len + 7) & ~(size_t)7; /* each piece word-aligned */
        }
        if (n == 0) {
            scan_block(w, w->stack[--w->top]); /* larger than a batch */
            continue;
        }
        w->rd.wlen = 0; /* the reader's window is overwritten */
        size_t got = peek_memv(local, remote, n), k = 0;
        for (; k < n && remote[k].iov_len <= got; k++) {
            got -= remote[k].iov_len;
            w->from = idx[k];
            scan_words(w, (uintptr_t)remote[k].iov_base,
                       (const uintptr_t *)local[k].iov_base, local[k].iov_len);
        }
        for (; k < n; k++)
            scan_block(w, idx[k]);
    }
}

/* Scans [LO, HI) of a root region, skipping pages never touched. */
static void scan_root(struct walk *w, uintptr_t lo, uintptr_t hi)
{
    unsigned char vec[SCAN_CHUNK / PAGE];

    lo &= ~(uintptr_t)7;
    while (lo < hi) {
        uintptr_t page = lo & ~(PAGE - 1);
        uintptr_t end = page + SCAN_CHUNK < hi ? page + SCAN_CHUNK : hi;
        if (mincore((void *)page, end - page, vec) == 0) {
            for (uintptr_t a = page; a < end; a += PAGE) {
                uintptr_t from = a < lo ? lo : a, to = a + PAGE < end ? a + PAGE : end;
                if (vec[(a - page) / PAGE] & 1)
                    scan_range(w, from, to);
            }
        } else {
            scan_range(w, lo, end);
        }
        drain(w);
        lo = end;
    }
}

/* ---- the roots ----------------------------------------------------------------------- */

struct excl {
    uintptr_t (*r)[2];
    size_t n;
};

/* Scans [LO, HI) without the excluded ranges (sorted, not overlapping). */
static void scan_root_minus(struct walk *w, uintptr_t lo, uintptr_t hi,
                            const struct excl *x)
{
    for (size_t i = 0; i < x->n && lo < hi; i++) {
        if (x->r[i][1] <= lo || x->r[i][0] >= hi)
            continue;
        if (x->r[i][0] > lo)
            scan_root(w, lo, x->r[i][0]);
        lo = x->r[i][1];
    }
    if (lo < hi)
        scan_root(w, lo, hi);
}

/* Whether a block starts in [LO, HI); its index in *FIRST. */
static int has_block(const struct scan_blocks *s, uintptr_t lo, uintptr_t hi, size_t *first)
{
    *first = scan_lower(s, lo);
    return *first < s->n && s->v[*first].addr < hi;
}

static int range_cmp(const void *a, const void *b)
{
    const uintptr_t *x = a, *y = b;

    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Sorts X's ranges and merges those that touch. */
static void excl_normalize(struct excl *x)
{
    size_t k = 0;

    qsort(x->r, x->n, sizeof *x->r, range_cmp);
    for (size_t i = 0; i < x->n; i++) {
        if (k > 0 && x->r[i][0] <= x->r[k - 1][1]) {
            if (x->r[i][1] > x->r[k - 1][1])
                x->r[k - 1][1] = x->r[i][1];
        } else {
            x->r[k][0] = x->r[i][0];
            x->r[k][1] = x->r[i][1];
            k++;
        }
    }
    x->n = k;
}

/*
 * One mapping of /proc/self/maps, [LO, HI) with PERMS and PATH.  SELF holds
 * the shim's ranges; TMP is room for MAX_SELF_RANGES ranges.
 */
static void scan_mapping(struct walk *w, const struct la_scan_opts *o,
                         uintptr_t lo, uintptr_t hi, const char *perms,
                         const char *path, const struct excl *self,
                         struct excl *tmp)
{
    size_t first;

    if (perms[0] != 'r' || perms[1] != 'w')
        return;
    if (strcmp(path, "[heap]") == 0 || strncmp(path, "[v", 2) == 0)
        return;
    if (strncmp(path, "/dev/", 5) == 0 && strcmp(path, "/dev/zero") != 0 &&
        strncmp(path, "/dev/shm/", 9) != 0)
        return; /* device memory: reading it may have effects */
    if (o->sp >= lo && o->sp < hi)
        lo = o->sp; /* the exiting thread's stack: its live part only */
    for (size_t i = 0; i < w->nparked; i++)
        if (w->parked[i]->sp >= lo && w->parked[i]->sp < hi)
            lo = w->parked[i]->sp; /* a thread waiting for the end: the same */
    if (!has_block(w->s, lo, hi, &first)) {
        const char *base = strrchr(path, '/');
        w->in_libc = base && strncmp(base, "/libc.so", 8) == 0;
        scan_root_minus(w, lo, hi, self);
        w->in_libc = 0;
        return;
    }
    /* glibc's arena heaps are 64 MiB-aligned mappings full of chunks. */
    if ((lo & (ARENA_HEAP_ALIGN - 1)) == 0)
        return;
    /* Large blocks have pages of their own (maybe merged with the
     * program's mappings): leave those pages out, scan the rest. */
    tmp->n = 0;
    for (size_t i = 0; i < self->n && tmp->n < MAX_SELF_RANGES; i++) {
        tmp->r[tmp->n][0] = self->r[i][0];
        tmp->r[tmp->n][1] = self->r[i][1];
        tmp->n++;
    }
    for (size_t i = first; i < w->s->n && w->s->v[i].addr < hi && tmp->n < MAX_SELF_RANGES; i++) {
        const struct la_block *b = &w->s->v[i];
        tmp->r[tmp->n][0] = (b->addr - 16) & ~(PAGE - 1);
        tmp->r[tmp->n][1] = (b->addr + b->size + PAGE - 1) & ~(PAGE - 1);
        tmp->n++;
    }
    excl_normalize(tmp);
    scan_root_minus(w, lo, hi, tmp);
}

static void scan_roots(struct walk *w, const struct la_scan_opts *o)
{
    size_t cap, bytes = MAX_SELF_RANGES * sizeof(uintptr_t[2]);
    char *maps = maps_read(&cap);
    struct excl self, tmp;

    self.r = pages_alloc(bytes);
    tmp.r = pages_alloc(bytes);
    if (!maps || !self.r || !tmp.r) {
        /* Without the map, every unmarked block counts as reachable. */
        w->s->complete = 0;
        for (size_t i = 0; i < w->s->n; i++)
            if (w->s->cls[i] == LA_UNSEEN)
                w->s->cls[i] = LA_CLASS_REACHABLE;
        goto out;
    }
    /* The shim's pages, listed after the last of them was made (tmp), and
     * its image. */
    self.n = pages_list(self.r, MAX_SELF_RANGES - 1);
    if (self.n > MAX_SELF_RANGES - 1)
        self.n = MAX_SELF_RANGES - 1;
    self.r[self.n][0] = o->self_lo;
    self.r[self.n][1] = o->self_hi;
    self.n++;
    /* And the stacks of finished threads. */
    self.n += threads_dead(self.r + self.n, MAX_SELF_RANGES - self.n, o->tgid);
    excl_normalize(&self);

    /* The side stacks that are roots (the shim's pages, left out below;
     * side.h says which).  First: a thread that returns from malloc
     * meanwhile puts the block in its own memory, scanned next. */
    tmp.n = side_roots(tmp.r, MAX_SELF_RANGES);
    for (size_t i = 0; i < tmp.n; i++)
        scan_root(w, tmp.r[i][0], tmp.r[i][1]);
    struct la_map m;
    for (const char *cursor = maps; maps_line(&cursor, &m);)
        scan_mapping(w, o, m.lo, m.hi, m.perms, m.path, &self, &tmp);
out:
    pages_free(maps, cap);
    pages_free(self.r, bytes);
    pages_free(tmp.r, bytes);
}

/* ---- other threads still running ---------------------------------------------- */

/* Whether block I of S is still live: the same block (same sequence
 * number) is in the table. */
static int still_live(const struct scan_blocks *s, size_t i)
{
    struct la_block now;

    return lt_find(s->v[i].addr, &now) && now.seq == s->v[i].seq;
}

/* Blocks allocated since the copy, to scan as roots: up to cap. */
struct late {
    const struct scan_blocks *s;
    uintptr_t (*r)[2];
    size_t n, cap;
    int overflow;
};

static int late_one(const struct la_block *b, void *p)
{
    struct late *l = p;
    long j = scan_find(l->s, b->addr);

    if (j >= 0 && l->s->v[j].addr == b->addr && l->s->v[j].seq == b->seq)
        return 0; /* in the copy */
    if (l->n == l->cap) {
        l->overflow = 1;
        return 1;
    }
    l->r[l->n][0] = b->addr;
    l->r[l->n][1] = b->addr + b->size;
    l->n++;
    return 0;
}

#define MAX_LATE 65536

/* The blocks other threads allocated while the scan ran hold pointers the
 * scan must see (a new list head pointing at an old node).  Returns 0, or
 * -1 when there were too many to list: then what the scan does not reach
 * is in doubt. */
static int scan_late(struct walk *w)
{
    size_t bytes = MAX_LATE * sizeof(uintptr_t[2]);
    struct late l = { .s = w->s, .cap = MAX_LATE };

    if (!(l.r = pages_alloc(bytes)))
        return -1;
    lt_foreach(late_one, &l);
    for (size_t i = 0; i < l.n; i++)
        scan_root(w, l.r[i][0], l.r[i][1]);
    pages_free(l.r, bytes);
    return l.overflow ? -1 : 0;
}

/* Blocks of class CLS (LA_UNSEEN, or every class: 0xff) freed since the
 * copy become LA_GONE; then the edges that name one go. */
static void forget_freed(struct scan_blocks *s, int cls)
{
    for (size_t i = 0; i < s->n; i++)
        if ((cls == 0xff || s->cls[i] == cls) && s->cls[i] != LA_GONE && !still_live(s, i))
            s->cls[i] = LA_GONE;
    size_t k = 0;
    for (size_t i = 0; i < s->nedges; i++)
        if (s->cls[s->edges[i].from] != LA_GONE && s->cls[s->edges[i].to] != LA_GONE)
            s->edges[k++] = s->edges[i];
    s->nedges = k;
}

static int is_marked(const struct la_block *b)
{
    const struct la_mark *m = marks_get(b->mark);

    return m && m->block == b->addr;
}

/* The blocks that are roots themselves: inherited from a parent across
 * fork, or allocated by the dynamic loader (its own state, like LSan). */
static int is_root_block(const struct la_block *b, const struct la_scan_opts *o)
{
    if (b->seq < o->first_seq)
        return 1;
    const struct sd_stack *st = sd_get(b->stack);
    return st && st->depth > 0 && st->pcs[0] >= o->loader_lo && st->pcs[0] < o->loader_hi;
}

void scan_classify(struct scan_blocks *s, const struct la_scan_opts *o)
{
    struct walk w = { .s = s };

    if (s->n == 0) {
        s->scanned = o->scan != 0; /* nothing to scan */
        return;
    }
    w.nparked = threads_parked(w.parked, sizeof w.parked / sizeof *w.parked);
    w.lo = s->v[0].addr;
    w.hi = s->v[s->n - 1].addr + s->v[s->n - 1].size + 1;
    w.stack = pages_alloc(s->n * sizeof *w.stack);
    w.rd.buf = pages_alloc(SCAN_CHUNK);
    if (!o->scan || !w.stack || !w.rd.buf) {
        /* No scan: marked blocks are intentional, the rest lost. */
        for (size_t i = 0; i < s->n; i++) {
            s->cls[i] = is_marked(&s->v[i]) ? LA_CLASS_INTENTIONAL
                        : is_root_block(&s->v[i], o) ? LA_CLASS_REACHABLE : LA_CLASS_LOST;
            s->owner[i] = s->cls[i] == LA_CLASS_INTENTIONAL ? (uint32_t)i : LA_NO_OWNER;
        }
        if (o->scan)
            s->complete = 0;
        goto out;
    }
    s->scanned = 1;

    /* 1. Marked blocks and what they own. */
    w.cls = LA_CLASS_INTENTIONAL;
    for (size_t i = 0; i < s->n; i++) {
        if (is_marked(&s->v[i]) && s->cls[i] == LA_UNSEEN) {
            w.owner = (uint32_t)i;
            reach(&w, i);
            drain(&w);
        }
    }
    /* 2. What the roots reach. */
    w.cls = LA_CLASS_REACHABLE;
    w.owner = LA_NO_OWNER;
    for (size_t i = 0; i < s->n; i++)
        if (is_root_block(&s->v[i], o))
            reach(&w, i);
    drain(&w);
    /* Arguments of threads created and not started yet, taken before the
     * stacks are read: a thread that starts meanwhile has its argument on
     * its stack before it gives its start back. */
    uintptr_t args[1024];
    size_t nargs = threads_start_args(args, sizeof args / sizeof *args);
    scan_words(&w, 0, args, nargs * sizeof *args);
    drain(&w);
    scan_roots(&w, o);
    if (o->nregs)
        scan_words(&w, 0, o->regs, o->nregs * sizeof *o->regs);
    for (size_t i = 0; i < w.nparked; i++)
        scan_words(&w, 0, w.parked[i]->regs, w.parked[i]->nregs * sizeof(uintptr_t));
    drain(&w);
    int in_doubt = o->in_doubt;
    if (o->concurrent) {
        /* Other threads ran meanwhile: what they allocated is a root, and
         * what they freed is no block of this run. */
        if (scan_late(&w) != 0) {
            in_doubt = 1;
            s->complete = 0;
        }
        drain(&w);
        forget_freed(s, LA_UNSEEN);
    }
    /* 3. The rest is lost (or in doubt, reachable); note the pointers
     * among lost blocks. */
    for (size_t i = 0; i < s->n; i++)
        if (s->cls[i] == LA_UNSEEN)
            s->cls[i] = in_doubt ? LA_CLASS_REACHABLE : LA_CLASS_LOST;
    w.edges = 1;
    for (size_t i = 0; i < s->n; i++)
        if (s->cls[i] == LA_CLASS_LOST)
            scan_block(&w, i);
    if (o->concurrent)
        forget_freed(s, 0xff); /* freed while the edges were read */
out:
    pages_free(w.stack, s->n * sizeof *w.stack);
    pages_free(w.rd.buf, SCAN_CHUNK);
}
