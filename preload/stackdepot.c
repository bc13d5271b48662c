/*
 * stackdepot.c: hash-consed stacks.  Tuned for the hot path: almost every
 * capture is a stack seen before, found by a lock-free probe of an
 * open-addressing table of ids.  New stacks are appended under one lock;
 * the table grows by publishing a larger copy (old copies stay valid for
 * readers that still hold them, and a miss is re-checked under the lock).
 * Callers hold the shim's recursion guard.
 */
#include <pthread.h>
#include <string.h>

#include "pages.h"
#include "stackdepot.h"

#define SD_DIR_BITS 12
#define SD_DIR_CHUNK (1u << SD_DIR_BITS)     /* ids per directory chunk */
#define SD_DIR_CHUNKS 4096u                  /* at most 16M stacks */
#define SD_ARENA_BYTES (1u << 20)            /* storage for entries */
#define SD_MIN_SLOTS 4096u

/* A slot holds an id in its low half and the top half of the stack's hash
 * in its high half, so that a probe dereferences only entries whose hash
 * matches; 0 is empty. */
struct sd_table {
    uint64_t mask;
    uint64_t slots[];
};

static inline uint64_t sd_slot(uint64_t h, uint32_t id)
{
    return (h & 0xffffffff00000000ull) | id;
}

static pthread_mutex_t sd_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct sd_table *sd_tab;              /* published with release */
static struct sd_stack **sd_dir[SD_DIR_CHUNKS];
static uint32_t sd_next = 1;                 /* next id; 0 is SD_NONE */
static char *sd_arena;
static size_t sd_arena_left;
static struct sd_stack sd_empty;

static uint64_t sd_hash(const uintptr_t *pcs, uint32_t depth)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ depth;

    for (uint32_t i = 0; i < depth; i++) {
        h ^= (uint64_t)pcs[i];
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    return h;
}

struct sd_stack *sd_get(uint32_t id)
{
    struct sd_stack **chunk;

    if (id == SD_NONE)
        return &sd_empty;
    chunk = __atomic_load_n(&sd_dir[id >> SD_DIR_BITS], __ATOMIC_ACQUIRE);
    if (!chunk || id >= __atomic_load_n(&sd_next, __ATOMIC_ACQUIRE))
        return NULL;
    return __atomic_load_n(&chunk[id & (SD_DIR_CHUNK - 1)], __ATOMIC_ACQUIRE);
}

uint32_t sd_count(void)
{
    return __atomic_load_n(&sd_next, __ATOMIC_ACQUIRE);
}

static int sd_same(const struct sd_stack *e, uint64_t h, const uintptr_t *pcs,
                   uint32_t depth)
{
    return e->hash == h && e->depth == depth &&
           memcmp(e->pcs, pcs, depth * sizeof *pcs) == 0;
}

/* Probes T for the stack; returns its id, or 0 at the first empty slot. */
static uint32_t sd_find(const struct sd_table *t, uint64_t h,
                        const uintptr_t *pcs, uint32_t depth, uint64_t *slot)
{
    uint64_t i = h & t->mask, v;

    while ((v = __atomic_load_n(&t->slots[i], __ATOMIC_ACQUIRE)) != 0) {
        if (v >> 32 == h >> 32 && sd_same(sd_get((uint32_t)v), h, pcs, depth))
            return (uint32_t)v;
        i = (i + 1) & t->mask;
    }
    if (slot)
        *slot = i;
    return 0;
}

/* A new, larger table holding every id; NULL without pages. */
static struct sd_table *sd_table_new(uint32_t nslots)
{
    struct sd_table *t = pages_alloc(sizeof *t + nslots * sizeof(uint64_t));

    if (!t)
        return NULL;
    t->mask = nslots - 1;
    for (uint32_t id = 1; id < sd_next; id++) {
        struct sd_stack *e = sd_get(id);
        uint64_t i = e->hash & t->mask;
        while (t->slots[i] != 0)
            i = (i + 1) & t->mask;
        t->slots[i] = sd_slot(e->hash, id);
    }
    return t;
}

/* Storage for one entry, from the arena.  NULL without pages. */
static struct sd_stack *sd_alloc_entry(uint32_t depth)
{
    size_t need = (sizeof(struct sd_stack) + depth * sizeof(uintptr_t) + 15) &
                  ~(size_t)15;

    if (need > sd_arena_left) {
        char *a = pages_alloc(SD_ARENA_BYTES);
        if (!a)
            return NULL;
        sd_arena = a; /* the rest of the old arena is abandoned */
        sd_arena_left = SD_ARENA_BYTES;
    }
    struct sd_stack *e = (struct sd_stack *)sd_arena;
    sd_arena += need;
    sd_arena_left -= need;
    return e;
}

/* The slow path: adds the stack under the lock, growing what must grow. */
static LA_NOINLINE uint32_t sd_add(uint64_t h, const uintptr_t *pcs,
                                   uint32_t depth)
{
    uint32_t id;
    uint64_t slot;
    struct sd_table *t;

    pthread_mutex_lock(&sd_mutex);
    t = sd_tab;
    if (!t || (uint64_t)(sd_next + 1) * 2 > (uint64_t)t->mask + 1) {
        struct sd_table *nt =
            sd_table_new(t ? (t->mask + 1) * 2 : SD_MIN_SLOTS);
        if (!nt) {
            id = t ? sd_find(t, h, pcs, depth, NULL) : SD_NONE;
            goto out; /* old copies stay: readers may hold them */
        }
        __atomic_store_n(&sd_tab, nt, __ATOMIC_RELEASE);
        t = nt;
    }
    id = sd_find(t, h, pcs, depth, &slot);
    if (id != 0)
        goto out;
    id = sd_next;
    if ((id >> SD_DIR_BITS) >= SD_DIR_CHUNKS) {
        id = SD_NONE;
        goto out;
    }
    struct sd_stack **chunk = sd_dir[id >> SD_DIR_BITS];
    if (!chunk) {
        chunk = pages_alloc(SD_DIR_CHUNK * sizeof *chunk);
        if (!chunk) {
            id = SD_NONE;
            goto out;
        }
        __atomic_store_n(&sd_dir[id >> SD_DIR_BITS], chunk, __ATOMIC_RELEASE);
    }
    struct sd_stack *e = sd_alloc_entry(depth);
    if (!e) {
        id = SD_NONE;
        goto out;
    }
    e->hash = h;
    e->id = id;
    e->depth = depth;
    e->allocs = e->bytes = 0;
    memcpy(e->pcs, pcs, depth * sizeof *pcs);
    __atomic_store_n(&chunk[id & (SD_DIR_CHUNK - 1)], e, __ATOMIC_RELEASE);
    __atomic_store_n(&sd_next, id + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&t->slots[slot], sd_slot(h, id), __ATOMIC_RELEASE);
out:
    pthread_mutex_unlock(&sd_mutex);
    return id;
}

uint32_t sd_intern(const uintptr_t *pcs, uint32_t depth)
{
    uint64_t h;
    struct sd_table *t;
    uint32_t id;

    if (depth == 0)
        return SD_NONE;
    if (depth > SD_MAX_DEPTH)
        depth = SD_MAX_DEPTH;
    h = sd_hash(pcs, depth);
    t = __atomic_load_n(&sd_tab, __ATOMIC_ACQUIRE);
    if (LA_LIKELY(t != NULL) && (id = sd_find(t, h, pcs, depth, NULL)) != 0)
        return id;
    return sd_add(h, pcs, depth);
}

void sd_count_allocs(uint32_t id, uint64_t n, uint64_t bytes)
{
    struct sd_stack *e = sd_get(id);

    __atomic_fetch_add(&e->allocs, n, __ATOMIC_RELAXED);
    __atomic_fetch_add(&e->bytes, bytes, __ATOMIC_RELAXED);
}

void sd_reset_counters(void)
{
    for (uint32_t id = 0; id < sd_next; id++) {
        struct sd_stack *e = sd_get(id);
        e->allocs = e->bytes = 0;
    }
}

void sd_lock(void)
{
    pthread_mutex_lock(&sd_mutex);
}

void sd_unlock(void)
{
    pthread_mutex_unlock(&sd_mutex);
}

void sd_reset_lock(void)
{
    pthread_mutex_init(&sd_mutex, NULL);
}
