/*
 * livetable.c: sharded open-addressing hash table of live blocks.
 *
 * Tuned for malloc/free churn: an insert and a remove per block, a lookup by
 * interior address only on leak_mark.  Linear probing with backward-shift
 * deletion (no tombstones).  A slot is 24 bytes; load is kept between 1/2
 * and 3/4 (growth by half, not doubling), so a live block costs 32 to 48
 * bytes.  Callers hold the shim's recursion guard.
 *
 * A slot packs the block: its address; the size (47 bits: no larger block
 * can be allocated), a "marked" bit and the stack id's high half; the
 * sequence number (48 bits) and the stack id's low half.  The thread comes
 * from the sequence number (seqbatch.h).  A marked block's mark id sits in
 * a second slot keyed by its address + 1 (block addresses are even), which
 * hashes like the block's, so it is in the same shard, near the block.
 */
#include <string.h>

#include "livetable.h"
#include "lock.h"
#include "pages.h"
#include "seqbatch.h"

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

#define LT_SIZE_BITS 47
#define LT_SIZE_MAX ((1ull << LT_SIZE_BITS) - 1)
#define LT_MARKED (1ull << LT_SIZE_BITS)
#define LT_SEQ_MASK ((1ull << 48) - 1)

struct lt_slot {
    uintptr_t addr; /* 0: empty; odd: the mark of the block at addr - 1 */
    uint64_t w1;    /* size | marked << 47 | stack >> 16 << 48 (a mark: 0) */
    uint64_t w2;    /* seq | (stack & 0xffff) << 48 (a mark: its id) */
};

struct lt_shard {
    la_lock_t lock;
    struct lt_slot *slots;
    size_t cap;   /* 0 before the first insert */
    size_t count; /* slots in use, marks included */
    size_t marks;
} __attribute__((aligned(64)));

static struct lt_shard shards[LT_SHARDS] = {
    [0 ... LT_SHARDS - 1] = { .lock = LA_LOCK_INIT }
};

/* The same for an address and its mark's key (address + 1). */
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

    return &shards[(r >> (64 - LT_REGION_BITS)) << LT_SUB_BITS | (h & ((1u << LT_SUB_BITS) - 1))];
}

/* Where a key of hash H starts probing: H scaled to [0, cap). */
static inline size_t lt_home(const struct lt_shard *s, uint64_t h)
{
    return (size_t)(((unsigned __int128)h * s->cap) >> 64);
}

/* Index of ADDR's slot, or of the empty slot where it would go. */
static size_t lt_probe(const struct lt_shard *s, uintptr_t addr, uint64_t h)
{
    size_t i = lt_home(s, h);

    while (s->slots[i].addr != 0 && s->slots[i].addr != addr)
        if (++i == s->cap)
            i = 0;
    return i;
}

/* Grows S by half (or makes it).  Returns 0, or -1 (S unchanged) without
 * pages. */
static LA_NOINLINE int lt_grow(struct lt_shard *s)
{
    size_t ncap = s->cap ? s->cap + s->cap / 2 : LT_MIN_CAP;
    struct lt_slot *old = s->slots, *nslots;
    size_t ocap = s->cap;

    nslots = pages_alloc(ncap * sizeof *nslots);
    if (!nslots)
        return -1;
    s->slots = nslots;
    s->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].addr != 0)
            s->slots[lt_probe(s, old[i].addr, lt_hash(old[i].addr))] = old[i];
    pages_free(old, ocap * sizeof *old);
    return 0;
}

/* Makes room in S for N more slots.  Returns 0, or -1 without pages. */
static inline int lt_room(struct lt_shard *s, size_t n)
{
    if (LA_UNLIKELY((s->count + n) * 4 > s->cap * 3))
        return lt_grow(s);
    return 0;
}

/* Empties slot I of S, shifting back the entries of its probe run. */
static void lt_delete_slot(struct lt_shard *s, size_t i)
{
    size_t j = i;

    if (s->slots[i].addr & 1)
        s->marks--;
    for (;;) {
        if (++j == s->cap)
            j = 0;
        if (s->slots[j].addr == 0)
            break;
        size_t home = lt_home(s, lt_hash(s->slots[j].addr));
        /* Move J back to I unless its home lies cyclically in (I, J]. */
        if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
            continue;
        s->slots[i] = s->slots[j];
        i = j;
    }
    s->slots[i].addr = 0;
    s->count--;
}

/* The slot of key ADDR in S (its lock held), or -1. */
static long lt_slot_of(const struct lt_shard *s, uintptr_t addr, uint64_t h)
{
    size_t i;

    if (s->count == 0)
        return -1;
    i = lt_probe(s, addr, h);
    return s->slots[i].addr == addr ? (long)i : -1;
}

/* The mark of the block at ADDR (marked: its slot has LT_MARKED). */
static uint32_t lt_mark_of(const struct lt_shard *s, uintptr_t addr, uint64_t h)
{
    long i = lt_slot_of(s, addr + 1, h);

    return i >= 0 ? (uint32_t)s->slots[i].w2 : 0;
}

/* Sets the mark of the block at ADDR to MARK (room made by the caller). */
static void lt_put_mark(struct lt_shard *s, uintptr_t addr, uint64_t h, uint32_t mark)
{
    size_t i = lt_probe(s, addr + 1, h);

    if (s->slots[i].addr == 0) {
        s->count++;
        s->marks++;
    }
    s->slots[i] = (struct lt_slot){ addr + 1, 0, mark };
}

static void lt_drop_mark(struct lt_shard *s, uintptr_t addr, uint64_t h)
{
    long i = lt_slot_of(s, addr + 1, h);

    if (i >= 0)
        lt_delete_slot(s, (size_t)i);
}

static void lt_pack(struct lt_slot *d, const struct la_block *b)
{
    uint64_t size = b->size > LT_SIZE_MAX ? LT_SIZE_MAX : b->size;

    d->addr = b->addr;
    d->w1 = size | (b->mark ? LT_MARKED : 0) | (uint64_t)(b->stack >> 16) << 48;
    d->w2 = (b->seq & LT_SEQ_MASK) | (uint64_t)(b->stack & 0xffff) << 48;
}

static void lt_unpack(const struct lt_shard *s, const struct lt_slot *d, uint64_t h,
                      struct la_block *b)
{
    b->addr = d->addr;
    b->size = d->w1 & LT_SIZE_MAX;
    b->seq = d->w2 & LT_SEQ_MASK;
    b->stack = (uint32_t)(d->w1 >> 48) << 16 | (uint32_t)(d->w2 >> 48);
    b->tid = sb_tid(b->seq);
    b->mark = d->w1 & LT_MARKED ? lt_mark_of(s, d->addr, h) : 0;
    b->pad_ = 0;
}

int lt_insert(const struct la_block *b)
{
    uint64_t h = lt_hash(b->addr);
    struct lt_shard *s = lt_shard_of(b->addr, h);
    int rc = 0;
    size_t i;

    la_lock(&s->lock);
    if (lt_room(s, b->mark ? 2 : 1) != 0) {
        rc = -1;
        goto out;
    }
    i = lt_probe(s, b->addr, h);
    int had_mark = s->slots[i].addr != 0 && (s->slots[i].w1 & LT_MARKED);
    if (s->slots[i].addr == 0)
        s->count++;
    lt_pack(&s->slots[i], b);
    if (b->mark)
        lt_put_mark(s, b->addr, h, b->mark);
    else if (had_mark)
        lt_drop_mark(s, b->addr, h);
out:
    la_unlock(&s->lock);
    return rc;
}

int lt_remove(uintptr_t addr, struct la_block *out)
{
    uint64_t h = lt_hash(addr);
    struct lt_shard *s = lt_shard_of(addr, h);
    long i;

    la_lock(&s->lock);
    if ((i = lt_slot_of(s, addr, h)) >= 0) {
        int marked = (s->slots[i].w1 & LT_MARKED) != 0;
        if (out)
            lt_unpack(s, &s->slots[i], h, out);
        lt_delete_slot(s, (size_t)i);
        if (marked)
            lt_drop_mark(s, addr, h);
    }
    la_unlock(&s->lock);
    return i >= 0;
}

int lt_find(uintptr_t addr, struct la_block *out)
{
    uint64_t h = lt_hash(addr);
    struct lt_shard *s = lt_shard_of(addr, h);
    long i;

    la_lock(&s->lock);
    if ((i = lt_slot_of(s, addr, h)) >= 0)
        lt_unpack(s, &s->slots[i], h, out);
    la_unlock(&s->lock);
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
        if (lt_find(a, out))
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

    la_lock(&s->lock);
    if (lt_room(s, 1) == 0 && (i = lt_slot_of(s, addr, h)) >= 0) {
        if (!(s->slots[i].w1 & LT_MARKED)) {
            lt_put_mark(s, addr, h, mark); /* fills an empty slot: I stays */
            s->slots[i].w1 |= LT_MARKED;
        }
        now = lt_mark_of(s, addr, h);
    }
    la_unlock(&s->lock);
    return now;
}

size_t lt_count(void)
{
    size_t n = 0;

    for (unsigned k = 0; k < LT_SHARDS; k++)
        n += __atomic_load_n(&shards[k].count, __ATOMIC_RELAXED) -
             __atomic_load_n(&shards[k].marks, __ATOMIC_RELAXED);
    return n;
}

int lt_foreach(int (*fn)(const struct la_block *, void *), void *ctx)
{
    for (unsigned k = 0; k < LT_SHARDS; k++) {
        struct lt_shard *s = &shards[k];
        int rc = 0;

        la_lock(&s->lock);
        for (size_t i = 0; i < s->cap && rc == 0; i++) {
            struct la_block b;
            if (s->slots[i].addr == 0 || (s->slots[i].addr & 1))
                continue;
            lt_unpack(s, &s->slots[i], lt_hash(s->slots[i].addr), &b);
            rc = fn(&b, ctx);
        }
        la_unlock(&s->lock);
        if (rc != 0)
            return rc;
    }
    return 0;
}

void lt_lock_all(void)
{
    for (unsigned k = 0; k < LT_SHARDS; k++)
        la_lock(&shards[k].lock);
}

void lt_unlock_all(void)
{
    for (unsigned k = LT_SHARDS; k-- > 0;)
        la_unlock(&shards[k].lock);
}

void lt_reset_locks(void)
{
    for (unsigned k = 0; k < LT_SHARDS; k++)
        la_lock_init(&shards[k].lock);
}

void lt_clear(void)
{
    for (unsigned k = 0; k < LT_SHARDS; k++) {
        struct lt_shard *s = &shards[k];

        la_lock(&s->lock);
        pages_free(s->slots, s->cap * sizeof *s->slots);
        s->slots = NULL;
        s->cap = s->count = s->marks = 0;
        la_unlock(&s->lock);
    }
}
