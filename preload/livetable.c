/*
 * livetable.c: sharded hash table of live blocks.
 *
 * Tuned for malloc/free churn: an insert and a remove per block, a lookup by
 * interior address only on leak_mark.  Each shard is a table of groups of
 * 16 slots with a control byte per slot (the layout of Abseil's and
 * Rust's SwissTable): the byte is 7 bits of the key's hash, or empty, or
 * deleted.  A lookup compares the 16 bytes of a group at once and reads
 * only the slots whose bytes match; the control bytes of 10,000 blocks
 * take 16 KiB, so a lookup touches the block's own slot and little else.
 * A removed slot becomes empty when its group has an empty slot (no key's
 * probe went past the group), else deleted; inserts reuse deleted slots,
 * and a rehash at the same size drops them (lt_room).  Slots in use, deleted ones included, are kept
 * at most 13/16 of the table (fuller, churn slowed down); it grows by a
 * quarter, so a live block costs 25 / (13/16 .. 13/20) = 31 to 39 bytes
 * (7/8 and by half: 29 to 43, 42 in the bench's million blocks).  Callers
 * hold the shim's recursion guard.  A shard that one thread uses alone is
 * that thread's, and it works there without the lock (owned shards,
 * below).
 *
 * A slot packs the block: its address; the size (47 bits: no larger block
 * can be allocated), a "marked" bit and the stack id's high half; the
 * sequence number (48 bits) and the stack id's low half.  The thread comes
 * from the sequence number (seqbatch.h).  A marked block's mark id sits in
 * a second slot keyed by its address + 1 (block addresses are even), which
 * hashes like the block's, so it is in the same shard, near the block.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
#define LT_GROUP 16
#define LT_MIN_GROUPS 8u
/* How far lt_find_containing walks down before scanning the whole table. */
#define LT_WALK_BYTES 65536u

#define LT_SIZE_BITS 47
#define LT_SIZE_MAX ((1ull << LT_SIZE_BITS) - 1)
#define LT_MARKED (1ull << LT_SIZE_BITS)
#define LT_SEQ_MASK ((1ull << 48) - 1)

/* Control bytes: 0-127 a slot in use (7 bits of its key's hash). */
#define LT_EMPTY 0x80u
#define LT_DELETED 0xfeu
#define LT_MOVING 0xfdu /* during lt_rebuild: a key not yet in its place */

struct lt_slot {
    uintptr_t addr; /* odd: the mark of the block at addr - 1 */
    uint64_t w1;    /* size | marked << 47 | stack >> 16 << 48 (a mark: 0) */
    uint64_t w2;    /* seq | (stack & 0xffff) << 48 (a mark: its id) */
};

/* A shard's owner (below). */
#define LT_VISIT 0x80000000u     /* with a token: a visit is on */
#define LT_UNOWNED 0xfffffffdu
#define LT_REVOKING 0xfffffffeu /* being made shared: wait */
#define LT_SHARED 0xffffffffu
#define LT_TOKENS 0x7ffffffdu   /* tokens are 1 to LT_TOKENS - 1 */

struct lt_shard {
    la_lock_t lock;
    uint32_t owner;  /* LT_UNOWNED, LT_REVOKING, LT_SHARED, or the token
                        of the thread that works in it without the lock
                        (| LT_VISIT: with the lock while a visit lasts) */
    uint32_t inside; /* that thread is in it now (lt_enter) */
    struct lt_slot *slots; /* groups * LT_GROUP slots, then their control bytes */
    uint8_t *ctrl;
    size_t groups; /* 0 before the first insert */
    size_t count;  /* slots in use, marks included */
    size_t deleted; /* slots deleted in a group with none empty since the
                       last rehash, reused or not (such groups stay full,
                       and probes go past them) */
    size_t marks;
} __attribute__((aligned(64)));

static struct lt_shard shards[LT_SHARDS] = {
    [0 ... LT_SHARDS - 1] = { .lock = LA_LOCK_INIT, .owner = LT_UNOWNED }
};

/*
 * Owned shards.  A shard's blocks nearly always come from one thread's
 * arena and go back from that thread, so the first thread to use a shard
 * owns it and works in it without the lock: it says it is inside with a
 * plain store, then checks that the shard is still its own, with no
 * barrier between the store and the load.  Another thread that needs the
 * shard (a free of a block another thread made, lt_foreach, fork) changes
 * the owner word, then makes the owner's store visible with membarrier(2),
 * which runs a barrier on every thread of the process that is running (a
 * thread not running has passed one): the two sides of Dekker's protocol,
 * with the owner's barrier paid by the rare side (liburcu's and Folly's
 * asymmetric fences).  Then it waits until the owner is out.  A point
 * operation by another thread makes the shard shared for good (locked
 * from then on, a membarrier once per shard); a visit of every shard (the
 * gate up) flags every owned shard as visited while it lasts (its owner
 * takes the lock meanwhile), one membarrier for all of them.  Without
 * membarrier (an old kernel, a seccomp filter) no shard is owned, and
 * every one is locked.
 */

static int lt_bias;          /* 1: shards may be owned; -1: never; 0: not known yet */
static unsigned lt_gate;     /* threads visiting every shard (under lt_gate_lock) */
static la_lock_t lt_gate_lock = LA_LOCK_INIT; /* the gate, the visit flags and claims */
static uint32_t lt_tokens;   /* tokens handed out */
static LA_TLS uint32_t t_token;  /* this thread's (0: none yet) */
static LA_TLS unsigned t_gating; /* this thread holds the gate up */

/* Whether shards may be owned: membarrier's private expedited command,
 * registered (at the first claim, while the process has a single thread,
 * where registering costs nothing). */
static int lt_bias_on(void)
{
    int b = __atomic_load_n(&lt_bias, __ATOMIC_ACQUIRE);

    if (LA_UNLIKELY(b == 0)) {
        long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
        b = q > 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
                    syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0
                ? 1
                : -1;
        __atomic_store_n(&lt_bias, b, __ATOMIC_RELEASE);
    }
    return b > 0;
}

/* (Before any shard is claimed: one owned already stays owned.) */
void lt_set_owning(int on)
{
    __atomic_store_n(&lt_bias, on ? 0 : -1, __ATOMIC_RELEASE);
}

/* A barrier on every running thread of the process: an owner's store
 * that it is inside is visible after it (or its check comes after, and
 * sees what was stored before this).  A seccomp filter installed after the
 * start may refuse membarrier: no new shard is owned then, and for those
 * owned already a pause stands in for the barrier (a store buffer drains
 * in far less than 10 ms, but that is not a proof: the line says so). */
static void lt_fence_others(void)
{
    static int warned;

    if (LA_LIKELY(syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0) ||
        syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0)
        return;
    __atomic_store_n(&lt_bias, -1, __ATOMIC_RELEASE);
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
        la_warn("membarrier(2) refused after the start (%s): the live table's threads are "
                "ordered by a pause instead", strerror(errno));
    struct timespec t = { 0, 10000000 };
    nanosleep(&t, NULL);
}

/* Waits while WORD is VALUE (lock.h's way). */
static LA_NOINLINE void lt_wait_while(const uint32_t *word, uint32_t value)
{
    for (unsigned n = 0; __atomic_load_n(word, __ATOMIC_ACQUIRE) == value; n++)
        la_wait_step(n, word, value);
}

/* This thread's token: 0 when they ran out (it then owns nothing). */
static uint32_t lt_token(void)
{
    if (t_token == 0) {
        uint32_t t = __atomic_add_fetch(&lt_tokens, 1, __ATOMIC_RELAXED);
        t_token = t < LT_TOKENS ? t : 0;
    }
    return t_token;
}

/* S is owned by TOKEN: in without the lock if it still is, with no visit
 * on (1), else 0. */
static inline int lt_try_owned(struct lt_shard *s, uint32_t token)
{
    __atomic_store_n(&s->inside, 1, __ATOMIC_RELAXED);
    /* The store before the load, for the compiler; the hardware may still
     * order it after it, which lt_fence_others answers. */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (LA_LIKELY(__atomic_load_n(&s->owner, __ATOMIC_ACQUIRE) == token))
        return 1;
    __atomic_store_n(&s->inside, 0, __ATOMIC_RELEASE);
    return 0;
}

/* lt_enter's other ways in: claims S, makes it shared, or waits for its
 * owner to be out; then takes the lock, or not (claimed: 1). */
static LA_NOINLINE int lt_enter_slow(struct lt_shard *s)
{
    uint32_t me = lt_token();

    for (;;) {
        uint32_t o = __atomic_load_n(&s->owner, __ATOMIC_ACQUIRE);
        if (o == LT_SHARED)
            break;
        if (o == LT_REVOKING) {
            lt_wait_while(&s->owner, LT_REVOKING);
            continue;
        }
        if (o == LT_UNOWNED) {
            /* (A visitor claims nothing: it would own every shard.) */
            if (me == 0 || t_gating || !lt_bias_on())
                break;
            /* Claimed under the gate's lock: while a visit is on, flagged. */
            la_lock(&lt_gate_lock);
            o = LT_UNOWNED;
            __atomic_compare_exchange_n(&s->owner, &o, lt_gate ? me | LT_VISIT : me, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
            la_unlock(&lt_gate_lock);
            continue;
        }
        if (o == me) {
            if (lt_try_owned(s, me))
                return 1;
            continue; /* flagged meanwhile */
        }
        if (o == (me | LT_VISIT))
            break; /* a visit is on: the lock, as the visitor takes it */
        /* Another thread's: a visitor (which flagged it) waits for its owner
         * to be out; anyone else makes it shared. */
        if (t_gating) {
            lt_wait_while(&s->inside, 1);
            break;
        }
        if (!__atomic_compare_exchange_n(&s->owner, &o, LT_REVOKING, 0, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE))
            continue;
        lt_fence_others();
        lt_wait_while(&s->inside, 1);
        __atomic_store_n(&s->owner, LT_SHARED, __ATOMIC_RELEASE);
        break;
    }
    la_lock(&s->lock);
    return 0;
}

/* Into S: 1 as its owner (no lock), 0 with its lock held.  lt_leave with
 * what it returned. */
static inline __attribute__((always_inline)) int lt_enter(struct lt_shard *s)
{
    uint32_t me = t_token;

    /* (No shard's owner is 0, the token of a thread without one.) */
    if (LA_LIKELY(__atomic_load_n(&s->owner, __ATOMIC_RELAXED) == me) &&
        LA_LIKELY(lt_try_owned(s, me)))
        return 1;
    return lt_enter_slow(s);
}

static inline __attribute__((always_inline)) void lt_leave(struct lt_shard *s, int owned)
{
    if (owned)
        __atomic_store_n(&s->inside, 0, __ATOMIC_RELEASE);
    else
        la_unlock(&s->lock);
}

/* Sets (SET) or clears the visit flag of every owned shard; returns how
 * many shards are owned. */
static unsigned lt_flag_visits(int set)
{
    unsigned owned = 0;

    for (unsigned k = 0; k < LT_SHARDS; k++) {
        uint32_t o = __atomic_load_n(&shards[k].owner, __ATOMIC_RELAXED);
        while (o < LT_UNOWNED && ((o & LT_VISIT) != 0) != set &&
               !__atomic_compare_exchange_n(&shards[k].owner, &o, o ^ LT_VISIT, 0,
                                            __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
            ;
        owned += o < LT_UNOWNED;
    }
    return owned;
}

/* The gate, up while this thread visits every shard: the first one up
 * flags the owned shards, and their owners take the lock until the last
 * one is down.  With no shard owned when they were flagged, no owner can
 * be inside without the lock (a shard claimed later is flagged), and no
 * barrier is needed (a writer child, a process without owners). */
static void lt_gate_up(void)
{
    unsigned owned = 1;

    if (t_gating++ != 0)
        return;
    la_lock(&lt_gate_lock);
    if (lt_gate++ == 0)
        owned = lt_flag_visits(1);
    la_unlock(&lt_gate_lock);
    if (owned)
        lt_fence_others();
}

static void lt_gate_down(void)
{
    if (--t_gating != 0)
        return;
    la_lock(&lt_gate_lock);
    if (--lt_gate == 0)
        lt_flag_visits(0);
    la_unlock(&lt_gate_lock);
}

void lt_thread_exit(void)
{
    uint32_t me = t_token;

    if (me == 0)
        return;
    for (unsigned k = 0; k < LT_SHARDS; k++) {
        uint32_t o = __atomic_load_n(&shards[k].owner, __ATOMIC_RELAXED);
        if ((o & ~LT_VISIT) == me)
            __atomic_compare_exchange_n(&shards[k].owner, &o, LT_UNOWNED, 0, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED);
    }
}

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

/* A key's control byte: hash bits the group index and shard do not use. */
static inline uint8_t lt_tag(uint64_t h)
{
    return (uint8_t)(h >> 2 & 0x7f);
}

/* The group where a key of hash H starts: H scaled to [0, groups). */
static inline size_t lt_home(const struct lt_shard *s, uint64_t h)
{
    return (size_t)(((unsigned __int128)h * s->groups) >> 64);
}

/* Bit I set for each control byte I of group G equal to B. */
static inline uint32_t lt_match(const struct lt_shard *s, size_t g, uint8_t b)
{
    const uint8_t *c = s->ctrl + g * LT_GROUP;
#if defined(__SSE2__)
    __m128i v = _mm_loadu_si128((const __m128i *)c);
    return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)b)));
#else
    uint32_t m = 0;
    for (int i = 0; i < LT_GROUP; i++)
        m |= (uint32_t)(c[i] == b) << i;
    return m;
#endif
}

/* Bit I set for each control byte I of group G that is empty or deleted
 * (the high bit set). */
static inline uint32_t lt_free_in(const struct lt_shard *s, size_t g)
{
    const uint8_t *c = s->ctrl + g * LT_GROUP;
#if defined(__SSE2__)
    return (uint32_t)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)c));
#else
    uint32_t m = 0;
    for (int i = 0; i < LT_GROUP; i++)
        m |= (uint32_t)(c[i] >> 7) << i;
    return m;
#endif
}

static inline size_t lt_next_group(const struct lt_shard *s, size_t g)
{
    return ++g == s->groups ? 0 : g;
}

/* The slot of key ADDR in S, or -1, searched from group G on (after the
 * key's home group: a probe that went on). */
static LA_NOINLINE long lt_slot_from(const struct lt_shard *s, uintptr_t addr, uint8_t tag,
                                     size_t g)
{
    for (size_t n = 1; n < s->groups; n++, g = lt_next_group(s, g)) {
        for (uint32_t m = lt_match(s, g, tag); m; m &= m - 1) {
            size_t i = g * LT_GROUP + (size_t)__builtin_ctz(m);
            if (s->slots[i].addr == addr)
                return (long)i;
        }
        if (lt_match(s, g, LT_EMPTY))
            return -1;
    }
    return -1;
}

/* The slot where a new key of hash H goes: the first free one on its
 * probe (the table has one: its load is kept below 13/16). */
static size_t lt_free_slot(const struct lt_shard *s, uint64_t h)
{
    size_t g = lt_home(s, h);
    uint32_t m;

    while ((m = lt_free_in(s, g)) == 0)
        g = lt_next_group(s, g);
    return g * LT_GROUP + (size_t)__builtin_ctz(m);
}

/* The slot of key ADDR in S, or -1, with *SPOT (SPOT not NULL) the slot
 * where it goes then (lt_free_slot's): one probe for both, as an insert
 * needs them.  The home group, where a key nearly always is, inline. */
static inline __attribute__((always_inline)) long lt_locate(const struct lt_shard *s,
                                                            uintptr_t addr, uint64_t h,
                                                            size_t *spot)
{
    uint8_t tag = lt_tag(h);
    size_t g = lt_home(s, h);

    for (uint32_t m = lt_match(s, g, tag); m; m &= m - 1) {
        size_t i = g * LT_GROUP + (size_t)__builtin_ctz(m);
        if (s->slots[i].addr == addr)
            return (long)i;
    }
    uint32_t room = lt_free_in(s, g);
    if (LA_LIKELY(lt_match(s, g, LT_EMPTY))) {
        if (spot)
            *spot = g * LT_GROUP + (size_t)__builtin_ctz(room);
        return -1;
    }
    long i = lt_slot_from(s, addr, tag, lt_next_group(s, g));
    if (i < 0 && spot)
        *spot = room ? g * LT_GROUP + (size_t)__builtin_ctz(room) : lt_free_slot(s, h);
    return i;
}

/* The slot of key ADDR in S, or -1. */
static inline __attribute__((always_inline)) long lt_slot_of(const struct lt_shard *s,
                                                             uintptr_t addr, uint64_t h)
{
    if (LA_UNLIKELY(s->count == 0))
        return -1;
    return lt_locate(s, addr, h, NULL);
}

/*
 * Tags slot I, filled, with the tag of hash H: the key is in the table
 * from here.  A writer child's copy of the process (child.h) is made while
 * other threads go on, at any instruction: a slot tagged before it was
 * filled would show there the stale block of an earlier key, which no
 * pointer reaches (a false leak).  The store is ordered after the fill.
 */
static inline void lt_publish(struct lt_shard *s, size_t i, uint64_t h)
{
    __atomic_store_n(&s->ctrl[i], lt_tag(h), __ATOMIC_RELEASE);
}

/* Makes S anew with GROUPS groups (every key rehashed, no deleted slot),
 * filled before S points to it.  (Its slots, control bytes and size are
 * then set by three stores: a copy of the process made between them is
 * torn, docs/verdict.md.)  Returns 0, or -1 (S unchanged) without pages. */
static LA_NOINLINE int lt_rehash(struct lt_shard *s, size_t groups)
{
    size_t ocap = s->groups * LT_GROUP, ncap = groups * LT_GROUP;
    struct lt_shard n = { .groups = groups, .marks = s->marks };

    n.slots = pages_alloc(ncap * (sizeof *n.slots + 1));
    if (!n.slots)
        return -1;
    n.ctrl = (uint8_t *)(n.slots + ncap);
    memset(n.ctrl, LT_EMPTY, ncap);
    for (size_t i = 0; i < ocap; i++)
        if (!(s->ctrl[i] & 0x80)) {
            uint64_t h = lt_hash(s->slots[i].addr);
            size_t j = lt_free_slot(&n, h);
            n.count++;
            n.slots[j] = s->slots[i];
            lt_publish(&n, j, h);
        }
    struct lt_slot *old = s->slots;
    __atomic_store_n(&s->slots, n.slots, __ATOMIC_RELEASE);
    s->ctrl = n.ctrl;
    s->groups = n.groups;
    s->count = n.count;
    s->deleted = 0;
    if (old)
        pages_free(old, ocap * (sizeof *old + 1));
    return 0;
}

/*
 * Rebuilds S where it is (no pages: under churn a rebuild comes often, and
 * mapping and unmapping pages for it, with the other threads' TLB
 * shootdowns, cost more than the rebuild): every deleted slot becomes
 * empty, every key goes to the first group of its probe with room.  Each
 * key is first marked moving (SwissTable's drop-deletes-without-resize): a
 * key goes to an empty slot, or swaps with a moving key that then takes
 * its turn, or stays when its own group is the first with room.  A group
 * a placed key's probe went past held no empty or moving slot then, and
 * keeps none, so every key stays found.
 */
static LA_NOINLINE void lt_rebuild(struct lt_shard *s)
{
    size_t cap = s->groups * LT_GROUP;

    for (size_t i = 0; i < cap; i++)
        s->ctrl[i] = (s->ctrl[i] & 0x80) ? LT_EMPTY : LT_MOVING;
    for (size_t i = 0; i < cap; i++) {
        while (s->ctrl[i] == LT_MOVING) {
            uint64_t h = lt_hash(s->slots[i].addr);
            size_t g = lt_home(s, h);
            uint32_t m;
            while (!(m = lt_match(s, g, LT_EMPTY) | lt_match(s, g, LT_MOVING)))
                g = lt_next_group(s, g);
            if (g == i / LT_GROUP) {
                s->ctrl[i] = lt_tag(h);
                break;
            }
            size_t t = g * LT_GROUP + (size_t)__builtin_ctz(m);
            struct lt_slot moved = s->slots[t];
            int empty = s->ctrl[t] == LT_EMPTY;
            s->slots[t] = s->slots[i];
            s->ctrl[t] = lt_tag(h);
            if (empty)
                s->ctrl[i] = LT_EMPTY;
            else
                s->slots[i] = moved; /* its turn next */
        }
    }
    s->deleted = 0;
}

/* Makes room in S for N more slots.  When the live slots and the deleted
 * ones reach 13/16, S grows by a quarter if the live ones alone are more
 * than 13/20 (what growing leaves), else it is rebuilt at its size, which
 * gives every group its empty slots back: under churn, groups that were
 * once full keep none, and a lookup of a key not there goes on past them.
 * Returns 0, or -1 without pages. */
static inline int lt_room(struct lt_shard *s, size_t n)
{
    size_t cap = s->groups * LT_GROUP;

    if (LA_LIKELY((s->count + s->deleted + n) * 16 <= cap * 13))
        return 0;
    if (cap == 0)
        return lt_rehash(s, LT_MIN_GROUPS);
    if ((s->count + n) * 20 > cap * 13)
        return lt_rehash(s, s->groups + s->groups / 4);
    lt_rebuild(s);
    return 0;
}

/* Empties slot I of S. */
static void lt_delete_slot(struct lt_shard *s, size_t i)
{
    size_t g = i / LT_GROUP;

    if (s->slots[i].addr & 1)
        s->marks--;
    /* A group with an empty slot ended every probe that reached it. */
    if (lt_match(s, g, LT_EMPTY)) {
        s->ctrl[i] = LT_EMPTY;
    } else {
        s->ctrl[i] = LT_DELETED;
        s->deleted++;
    }
    s->count--;
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
    size_t j = 0;
    long i = lt_locate(s, addr + 1, h, &j);
    struct lt_slot d = { addr + 1, 0, mark };

    if (i >= 0) {
        s->slots[i] = d;
        return;
    }
    s->count++;
    s->slots[j] = d;
    lt_publish(s, j, h);
    s->marks++;
}

static void lt_drop_mark(struct lt_shard *s, uintptr_t addr, uint64_t h)
{
    long i = lt_slot_of(s, addr + 1, h);

    if (i >= 0)
        lt_delete_slot(s, (size_t)i);
}

static inline void lt_pack(struct lt_slot *d, const struct la_block *b)
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
    int rc = 0, had_mark = 0;
    long i;

    int owned = lt_enter(s);
    if (lt_room(s, b->mark ? 2 : 1) != 0) {
        rc = -1;
        goto out;
    }
    size_t spot = 0;
    if (LA_UNLIKELY((i = lt_locate(s, b->addr, h, &spot)) >= 0)) {
        had_mark = (s->slots[i].w1 & LT_MARKED) != 0;
        lt_pack(&s->slots[i], b);
    } else {
        i = (long)spot;
        s->count++;
        /* Packed in place: no copy of the block's address on the stack. */
        lt_pack(&s->slots[i], b);
        lt_publish(s, (size_t)i, h);
    }
    if (b->mark)
        lt_put_mark(s, b->addr, h, b->mark);
    else if (had_mark)
        lt_drop_mark(s, b->addr, h);
out:
    lt_leave(s, owned);
    return rc;
}

int lt_remove(uintptr_t addr, struct la_block *out)
{
    uint64_t h = lt_hash(addr);
    struct lt_shard *s = lt_shard_of(addr, h);
    long i;

    int owned = lt_enter(s);
    if ((i = lt_slot_of(s, addr, h)) >= 0) {
        int marked = (s->slots[i].w1 & LT_MARKED) != 0;
        if (out)
            lt_unpack(s, &s->slots[i], h, out);
        lt_delete_slot(s, (size_t)i);
        if (marked)
            lt_drop_mark(s, addr, h);
    }
    lt_leave(s, owned);
    return i >= 0;
}

int lt_find(uintptr_t addr, struct la_block *out)
{
    uint64_t h = lt_hash(addr);
    struct lt_shard *s = lt_shard_of(addr, h);
    long i;

    int owned = lt_enter(s);
    if ((i = lt_slot_of(s, addr, h)) >= 0)
        lt_unpack(s, &s->slots[i], h, out);
    lt_leave(s, owned);
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
    /* Thousands of lookups, in other threads' shards too: one gate. */
    lt_gate_up();
    for (uintptr_t a = p & ~(uintptr_t)7; a != 0 && p - a < LT_WALK_BYTES;
         a -= 8) {
        if (lt_find(a, out)) {
            lt_gate_down();
            return lt_holds(out, p);
        }
    }
    lt_foreach(lt_pick_below, &c);
    lt_gate_down();
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

    int owned = lt_enter(s);
    if (lt_room(s, 1) == 0 && (i = lt_slot_of(s, addr, h)) >= 0) {
        if (!(s->slots[i].w1 & LT_MARKED)) {
            lt_put_mark(s, addr, h, mark); /* fills an empty slot: I stays */
            s->slots[i].w1 |= LT_MARKED;
        }
        now = lt_mark_of(s, addr, h);
    }
    lt_leave(s, owned);
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
    int rc = 0;

    lt_gate_up();
    for (unsigned k = 0; k < LT_SHARDS && rc == 0; k++) {
        struct lt_shard *s = &shards[k];
        int owned = lt_enter(s);

        for (size_t i = 0; i < s->groups * LT_GROUP && rc == 0; i++) {
            struct la_block b;
            /* A moving key is one: a writer child's copy may have been
             * made in the middle of a rebuild (a key being swapped may
             * then be there twice: scan.h keeps one). */
            if (((s->ctrl[i] & 0x80) && s->ctrl[i] != LT_MOVING) || (s->slots[i].addr & 1))
                continue;
            lt_unpack(s, &s->slots[i], lt_hash(s->slots[i].addr), &b);
            rc = fn(&b, ctx);
        }
        lt_leave(s, owned);
    }
    lt_gate_down();
    return rc;
}

/* With the gate up, lt_enter takes every shard's lock. */
void lt_lock_all(void)
{
    lt_gate_up();
    for (unsigned k = 0; k < LT_SHARDS; k++)
        lt_enter(&shards[k]);
}

void lt_unlock_all(void)
{
    for (unsigned k = LT_SHARDS; k-- > 0;)
        la_unlock(&shards[k].lock);
    lt_gate_down();
}

/* A forked child has one thread: no shard is owned, no visitor about. */
void lt_reset_locks(void)
{
    for (unsigned k = 0; k < LT_SHARDS; k++) {
        la_lock_init(&shards[k].lock);
        __atomic_store_n(&shards[k].owner, LT_UNOWNED, __ATOMIC_RELAXED);
        __atomic_store_n(&shards[k].inside, 0, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&lt_gate, 0, __ATOMIC_RELAXED);
    la_lock_init(&lt_gate_lock);
    t_gating = 0;
}

void lt_owners(size_t *owned, size_t *shared)
{
    *owned = *shared = 0;
    for (unsigned k = 0; k < LT_SHARDS; k++) {
        uint32_t o = __atomic_load_n(&shards[k].owner, __ATOMIC_RELAXED);
        *owned += o < LT_UNOWNED;
        *shared += o == LT_SHARED;
    }
}

size_t lt_capacity(void)
{
    size_t n = 0;

    for (unsigned k = 0; k < LT_SHARDS; k++)
        n += __atomic_load_n(&shards[k].groups, __ATOMIC_RELAXED) * LT_GROUP;
    return n;
}

void lt_clear(void)
{
    lt_gate_up();
    for (unsigned k = 0; k < LT_SHARDS; k++) {
        struct lt_shard *s = &shards[k];

        lt_enter(s);
        if (s->slots)
            pages_free(s->slots, s->groups * LT_GROUP * (sizeof *s->slots + 1));
        s->slots = NULL;
        s->ctrl = NULL;
        s->groups = s->count = s->deleted = s->marks = 0;
        s->owner = LT_UNOWNED;
        la_unlock(&s->lock);
    }
    lt_gate_down();
}
