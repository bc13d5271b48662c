/*
 * livetable.c: sharded open-addressing hash table of live blocks.
 *
 * Tuned for malloc/free churn: an insert and a remove per block, a lookup by
 * interior address only on leak_mark.  Linear probing with backward-shift
 * deletion (no tombstones), load kept under 3/4, growth by doubling under
 * the shard's lock.  Callers hold the shim's recursion guard.
 */
#include <pthread.h>
#include <string.h>

#include "livetable.h"

/*
 * Shards: a block's shard comes from the 64 MiB region that holds it
 * (glibc gives each thread's arena its own aligned 64 MiB heaps), split in
 * LT_SUB_BITS by address hash.  Threads that allocate from their own arenas
 * then meet in no lock and no cache line; a thread's blocks still spread
 * over a few shards, so that no single table grows too large at once.
 */
#define LT_REGION_SHIFT 26
#define LT_REGION_BITS 8
#define LT_SUB_BITS 2
#define LT_SHARD_BITS (LT_REGION_BITS + LT_SUB_BITS)
#define LT_SHARDS (1u << LT_SHARD_BITS)
#define LT_MIN_CAP 256u
/* How far lt_find_containing walks down before scanning the whole table. */
#define LT_WALK_BYTES 65536u

struct lt_shard {
    pthread_mutex_t lock;
    struct la_block *slots;
    size_t cap; /* power of two, or 0 before the first insert */
    size_t count;
} __attribute__((aligned(64)));

static struct lt_shard shards[LT_SHARDS] = {
    [0 ... LT_SHARDS - 1] = { .lock = PTHREAD_MUTEX_INITIALIZER }
};

static inline uint64_t lt_hash(uintptr_t addr)
{
    uint64_t h = (uint64_t)addr >> 4;

    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

static inline struct lt_shard *lt_shard_of(uintptr_t addr, uint64_t h)
{
    uint64_t r = ((uint64_t)addr >> LT_REGION_SHIFT) * 0x9e3779b97f4a7c15ull;

    return &shards[(r >> (64 - LT_REGION_BITS)) << LT_SUB_BITS | h >> (64 - LT_SUB_BITS)];
}

/* Index of ADDR's slot, or of the empty slot where it would go. */
static size_t lt_probe(const struct lt_shard *s, uintptr_t addr, uint64_t h)
{
    size_t mask = s->cap - 1, i = (size_t)h & mask;

    while (s->slots[i].addr != 0 && s->slots[i].addr != addr)
        i = (i + 1) & mask;
    return i;
}

/* Doubles S's capacity.  Returns 0, or -1 (S unchanged) without pages. */
static LA_NOINLINE int lt_grow(struct lt_shard *s)
{
    size_t ncap = s->cap ? s->cap * 2 : LT_MIN_CAP;
    struct la_block *old = s->slots, *nslots;
    size_t ocap = s->cap;

    nslots = la_pages(ncap * sizeof *nslots);
    if (!nslots)
        return -1;
    s->slots = nslots;
    s->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].addr != 0)
            s->slots[lt_probe(s, old[i].addr, lt_hash(old[i].addr))] = old[i];
    la_pages_free(old, ocap * sizeof *old);
    return 0;
}

int lt_insert(const struct la_block *b)
{
    uint64_t h = lt_hash(b->addr);
    struct lt_shard *s = lt_shard_of(b->addr, h);
    int rc = 0;
    size_t i;

    pthread_mutex_lock(&s->lock);
    if (LA_UNLIKELY((s->count + 1) * 4 > s->cap * 3) && lt_grow(s) != 0) {
        rc = -1;
        goto out;
    }
    i = lt_probe(s, b->addr, h);
    if (s->slots[i].addr == 0)
        s->count++;
    s->slots[i] = *b;
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Empties slot I of S, shifting back the entries of its probe run. */
static void lt_delete_slot(struct lt_shard *s, size_t i)
{
    size_t mask = s->cap - 1, j = i;

    for (;;) {
        j = (j + 1) & mask;
        if (s->slots[j].addr == 0)
            break;
        size_t home = (size_t)lt_hash(s->slots[j].addr) & mask;
        /* Move J back to I unless its home lies cyclically in (I, J]. */
        if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
            continue;
        s->slots[i] = s->slots[j];
        i = j;
    }
    s->slots[i].addr = 0;
    s->count--;
}

/* The slot of the block starting at ADDR in S (its lock held), or -1. */
static long lt_slot_of(const struct lt_shard *s, uintptr_t addr, uint64_t h)
{
    size_t i;

    if (s->count == 0)
        return -1;
    i = lt_probe(s, addr, h);
    return s->slots[i].addr == addr ? (long)i : -1;
}

int lt_remove(uintptr_t addr, struct la_block *out)
{
    uint64_t h = lt_hash(addr);
    struct lt_shard *s = lt_shard_of(addr, h);
    long i;

    pthread_mutex_lock(&s->lock);
    if ((i = lt_slot_of(s, addr, h)) >= 0) {
        if (out)
            *out = s->slots[i];
        lt_delete_slot(s, (size_t)i);
    }
    pthread_mutex_unlock(&s->lock);
    return i >= 0;
}

/* Copies the block starting exactly at ADDR.  Returns 1 if there is one. */
static int lt_lookup(uintptr_t addr, struct la_block *out)
{
    uint64_t h = lt_hash(addr);
    struct lt_shard *s = lt_shard_of(addr, h);
    long i;

    pthread_mutex_lock(&s->lock);
    if ((i = lt_slot_of(s, addr, h)) >= 0)
        *out = s->slots[i];
    pthread_mutex_unlock(&s->lock);
    return i >= 0;
}

static int lt_holds(const struct la_block *b, uintptr_t p)
{
    return p == b->addr || p - b->addr < b->size;
}

struct lt_below {
    uintptr_t p;
    struct la_block best;
};

static int lt_pick_below(const struct la_block *b, void *ctx)
{
    struct lt_below *c = ctx;

    if (b->addr <= c->p && b->addr > c->best.addr)
        c->best = *b;
    return 0;
}

int lt_find_containing(uintptr_t p, struct la_block *out)
{
    struct lt_below c = { .p = p };

    if (p == 0)
        return 0;
    /* Blocks do not overlap: the first block found below P is the only
     * one that can hold it. */
    for (uintptr_t a = p & ~(uintptr_t)7; a != 0 && p - a < LT_WALK_BYTES;
         a -= 8) {
        if (lt_lookup(a, out))
            return lt_holds(out, p);
    }
    lt_foreach(lt_pick_below, &c);
    if (c.best.addr != 0 && lt_holds(&c.best, p)) {
        *out = c.best;
        return 1;
    }
    return 0;
}

uint32_t lt_set_mark(uintptr_t addr, uint32_t mark)
{
    uint64_t h = lt_hash(addr);
    struct lt_shard *s = lt_shard_of(addr, h);
    uint32_t now = 0;
    long i;

    pthread_mutex_lock(&s->lock);
    if ((i = lt_slot_of(s, addr, h)) >= 0) {
        if (s->slots[i].mark == 0)
            s->slots[i].mark = mark;
        now = s->slots[i].mark;
    }
    pthread_mutex_unlock(&s->lock);
    return now;
}

size_t lt_count(void)
{
    size_t n = 0;

    for (unsigned k = 0; k < LT_SHARDS; k++)
        n += __atomic_load_n(&shards[k].count, __ATOMIC_RELAXED);
    return n;
}

int lt_foreach(int (*fn)(const struct la_block *, void *), void *ctx)
{
    for (unsigned k = 0; k < LT_SHARDS; k++) {
        struct lt_shard *s = &shards[k];
        int rc = 0;

        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->cap && rc == 0; i++)
            if (s->slots[i].addr != 0)
                rc = fn(&s->slots[i], ctx);
        pthread_mutex_unlock(&s->lock);
        if (rc != 0)
            return rc;
    }
    return 0;
}

void lt_lock_all(void)
{
    for (unsigned k = 0; k < LT_SHARDS; k++)
        pthread_mutex_lock(&shards[k].lock);
}

void lt_unlock_all(void)
{
    for (unsigned k = LT_SHARDS; k-- > 0;)
        pthread_mutex_unlock(&shards[k].lock);
}

void lt_reset_locks(void)
{
    for (unsigned k = 0; k < LT_SHARDS; k++)
        pthread_mutex_init(&shards[k].lock, NULL);
}

void lt_clear(void)
{
    for (unsigned k = 0; k < LT_SHARDS; k++) {
        struct lt_shard *s = &shards[k];

        pthread_mutex_lock(&s->lock);
        la_pages_free(s->slots, s->cap * sizeof *s->slots);
        s->slots = NULL;
        s->cap = s->count = 0;
        pthread_mutex_unlock(&s->lock);
    }
}
