/*
 * stackcache.c: the capture behind stackcache.h.
 *
 * Why a hit is sound: frame 0 is the program's call into malloc, the same
 * call (same return address) at the same stack depth (same CFA).  For a
 * frame whose CFA is its stack pointer plus a constant (every frame built
 * without a frame pointer, and frame-pointer frames without alloca), the
 * same return address and stack pointer give the same CFA, so the caller's
 * return address sits in the same slot; if that slot holds the same value,
 * the caller is the same call at the same depth, and so on up the chain.
 * A frame that sized its stack at run time (alloca) could in principle put
 * the same value in the old slot; verify mode (LEAKAUDIT_VERIFY_STACKS)
 * compares every hit with a full unwind, and the tests run with it.
 *
 * A miss is unwound by the shim's own unwinder (unwind.h), which gives
 * every frame's slot, and the chain is kept at once; where it cannot,
 * libunwind unwinds, and the chain is learned step by step only when its
 * key missed just before (sc_get says how often).  A key with many chains
 * (a malloc wrapper's) parts them into a tree of paths by the return
 * addresses where they differ (sc_find).  Slots must lie inside
 * the thread's own stack (the main thread's from /proc/self/maps, other
 * threads' given by threads.c when they start); on another stack (a
 * coroutine, a signal stack), or in a thread whose stack is unknown,
 * nothing is cached.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libs.h"
#include "pages.h"
#include "side.h"
#include "stackcache.h"
#include "stackdepot.h"
#include "unwind.h"

#define SC_SET_BITS 6
#define SC_SETS (1 << SC_SET_BITS)
#define SC_WAYS 8 /* chains of one path: allocation wrappers (operator new, xmalloc) */
#define SC_LINES (SC_SETS * SC_WAYS)
#define SC_SLACK 12 /* shim frames below the program's (hook, side stack, capture) or in the middle of a chain (main's wrapper) */
#define SC_CROWDED 2 /* stale ways of one path in its set that make it part */
#define SC_LEVELS 6  /* partings one path may go through */
#define SC_RBUCKETS 64 /* partings: buckets of SC_RWAYS, one cache line each */
#define SC_RWAYS 4

/* A set: a byte per way with bits of its path's hash (0: empty), so that
 * a lookup reads one word and then only the ways that may match. */
struct sc_set {
    uint64_t tags;
    uint32_t victim;             /* the way to fill next */
    uint32_t parted; /* 1: a path of this set parts (the partings may hold it) */
    uintptr_t cand_ra, cand_cfa; /* a key of this set that missed once */
};

struct sc_line {
    uintptr_t ra, cfa; /* the key */
    uint32_t stack;
    uint32_t nslots;
    /* The first slot, also here: the chains of one path differ there
     * most often, and a way is told apart without touching its slots. */
    uintptr_t slot0, val0;
    /* Allocations counted on this chain and not yet added to the depot:
     * the owner thread adds without a shared cache line; the totals are
     * flushed when the line is reused, the thread ends, or the run is
     * written. */
    uint64_t allocs, bytes;
    /* followed by nslots (address, value) pairs */
};

/* A parting: the chains of path hash H go on, hashed with the return
 * address that stack slot SLOT holds (H 0: none). */
struct sc_parting {
    uint64_t h;
    uintptr_t slot;
};

struct sc_cache {
    uintptr_t stack_lo, stack_hi; /* this thread's stack; 0, 0: unknown */
    struct sc_cache *prev, *next; /* every thread's cache, under sc_list_lock */
    uint32_t parting_victim;
    struct sc_parting partings[SC_RBUCKETS][SC_RWAYS] __attribute__((aligned(64)));
    struct sc_set sets[SC_SETS];
    char lines[] __attribute__((aligned(64)));
};

static long sc_depth;
static int sc_verify;
static uintptr_t sc_self_lo, sc_self_hi;
static size_t sc_line_size, sc_max_slots;
static uint64_t sc_nmismatch, sc_nhit, sc_nunwind; /* finished threads' */

static LA_TLS struct sc_cache *t_cache;
static LA_TLS int t_cache_failed;
static LA_TLS uintptr_t t_stack_lo, t_stack_hi; /* this thread's stack */
static uintptr_t sc_main_lo, sc_main_hi;          /* the main thread's */
static LA_TLS uint64_t t_hits, t_unwinds; /* no shared line on the hot path */
static LA_TLS uint64_t t_learns;
static struct sc_cache *sc_list;
static pthread_mutex_t sc_list_lock = PTHREAD_MUTEX_INITIALIZER;

/* The main thread's stack from /proc/self/maps: the mapping that holds
 * SP (usually "[stack]"; under Valgrind an anonymous one).  Read with plain
 * system calls: this may run inside a malloc called with libc's locks held
 * (pthread_getattr_np itself reads the maps through fopen). */
static void sc_main_stack_from_maps(uintptr_t sp)
{
    char buf[4096], line[512];
    size_t len = 0;
    ssize_t n;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return;
    while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] != '\n') {
                if (len < sizeof line - 1)
                    line[len++] = buf[i];
                continue;
            }
            line[len] = '\0';
            len = 0;
            char *end;
            unsigned long lo = strtoul(line, &end, 16);
            unsigned long hi = *end == '-' ? strtoul(end + 1, NULL, 16) : 0;
            if (sp < lo || sp >= hi)
                continue;
            struct rlimit rl;
            size_t room = 8ul << 20;
            if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
                room = rl.rlim_cur;
            /* "[stack]" grows down to the limit; slots are only ever read
             * between a frame and the top. */
            sc_main_hi = hi;
            sc_main_lo = strstr(line, "[stack]") && hi - room < lo ? hi - room : lo;
            close(fd);
            return;
        }
    }
    close(fd);
}

/*
 * The same without reading /proc/self/maps, which costs a short process
 * more than its whole capture: the kernel puts the executable's name
 * (AT_EXECFN) and a null word last on the main stack, so the stack ends at
 * the page after them.  The maps are read where that does not hold.
 */
static void sc_main_stack(uintptr_t sp)
{
    const char *fn = (const char *)getauxval(AT_EXECFN);
    struct rlimit rl;
    size_t room = 8ul << 20;

    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        room = rl.rlim_cur;
    if (fn) {
        uintptr_t hi = ((uintptr_t)fn + strlen(fn) + 1 + sizeof(void *) + 4095) & ~(uintptr_t)4095;
        if (sp < hi && hi - sp < room) {
            sc_main_hi = hi;
            sc_main_lo = hi - room;
            return;
        }
    }
    sc_main_stack_from_maps(sp);
}

void sc_set_thread_stack(uintptr_t lo, uintptr_t hi)
{
    t_stack_lo = lo;
    t_stack_hi = hi;
    if (t_cache) {
        t_cache->stack_lo = lo;
        t_cache->stack_hi = hi;
    }
}

void sc_init(long depth, int verify, uintptr_t self_lo, uintptr_t self_hi)
{
    if (syscall(SYS_gettid) == getpid()) {
        /* (From a hook on the side stack: the program's frame.) */
        sc_main_stack(la_side.caller_fp ? la_side.caller_fp
                                        : (uintptr_t)__builtin_frame_address(0));
        sc_set_thread_stack(sc_main_lo, sc_main_hi);
    }
    sc_depth = depth;
    sc_verify = verify;
    sc_self_lo = self_lo;
    sc_self_hi = self_hi;
    sc_max_slots = (size_t)depth + SC_SLACK;
    sc_line_size = (sizeof(struct sc_line) + sc_max_slots * 2 * sizeof(uintptr_t) + 63) & ~(size_t)63;
    /* Per-thread caching in libunwind (no signal masking per step) where it
     * is built with it; Debian's is not, and falls back to its global cache. */
    la_unw.set_caching_policy(*la_unw.local_addr_space, UNW_CACHE_PER_THREAD);
}

static int sc_in_shim(uintptr_t pc)
{
    return pc >= sc_self_lo && pc < sc_self_hi;
}

/* The full unwind, as unw_backtrace gives it, without the shim's frames. */
static uint32_t sc_unwind_pcs(uintptr_t *pcs, uint32_t *n)
{
    uintptr_t raw[SD_MAX_DEPTH + SC_SLACK];
    int got = la_unw.backtrace((void **)raw, (int)sc_depth + SC_SLACK);
    uint32_t k = 0;

    for (int i = 0; i < got && k < sc_depth; i++)
        if (!sc_in_shim(raw[i]))
            pcs[k++] = raw[i];
    *n = k;
    return k;
}

static uint32_t sc_full(void)
{
    uintptr_t pcs[SD_MAX_DEPTH];
    uint32_t n;

    t_unwinds++;
    sc_unwind_pcs(pcs, &n);
    return sd_intern(pcs, n);
}

/* The program's frame pointer when it called the shim at RA, CFA: saved by
 * the hook's prologue in the hook's frame, which the side stack keeps (or
 * found by walking the shim's own frame pointers, all its code keeping
 * them, up to that frame when the hook ran on the program's stack).  0
 * when not found within [LO, HI). */
static LA_NOINLINE uintptr_t sc_caller_rbp(uintptr_t ra, uintptr_t cfa, uintptr_t lo,
                                           uintptr_t hi, int *found)
{
    uintptr_t fp = (uintptr_t)__builtin_frame_address(0);

    if (la_side.caller_fp)
        return side_caller_rbp(ra, cfa, found);
    *found = 0;
    for (int hops = 0; hops < 24 && fp >= lo && fp + 16 <= hi && fp < cfa; hops++) {
        const uintptr_t *f = (const uintptr_t *)fp;
        if (f[1] == ra && fp + 16 == cfa) {
            *found = 1;
            return f[0];
        }
        if (f[0] <= fp)
            break;
        fp = f[0];
    }
    return 0;
}

/* The stack from RA, CFA with the shim's own unwinder, its frames (not the
 * shim's) into PCS and their slots into SLOTS (may be NULL); how many, or
 * -1 when it cannot (then libunwind does). */
static int sc_fast(uintptr_t ra, uintptr_t cfa, uintptr_t lo, uintptr_t hi, uintptr_t *pcs,
                   uintptr_t *slots)
{
    uintptr_t raw[SD_MAX_DEPTH + SC_SLACK], rawslots[SD_MAX_DEPTH + SC_SLACK];
    int found, n, k = 0;

    if (!uw_available() || lo == 0)
        return -1;
    uintptr_t rbp = sc_caller_rbp(ra, cfa, lo, hi, &found);
    if (!found)
        return -1;
    n = uw_backtrace(ra, cfa, rbp, lo, hi, raw, rawslots, (int)sc_depth + SC_SLACK);
    if (n < 0)
        return -1;
    for (int i = 0; i < n && k < sc_depth; i++)
        if (!sc_in_shim(raw[i])) {
            pcs[k] = raw[i];
            if (slots)
                slots[k] = rawslots[i];
            k++;
        }
    return k;
}

/* Verify mode: the fast unwinder's stack against libunwind's. */
static LA_NOINLINE void sc_check_fast(const uintptr_t *pcs, int n)
{
    uintptr_t want[SD_MAX_DEPTH];
    uint32_t m;

    sc_unwind_pcs(want, &m);
    if ((uint32_t)n != m || memcmp(pcs, want, m * sizeof *pcs) != 0)
        __atomic_fetch_add(&sc_nmismatch, 1, __ATOMIC_RELAXED);
}

static struct sc_line *sc_line_at(struct sc_cache *c, size_t i)
{
    return (struct sc_line *)(c->lines + i * sc_line_size);
}

static uintptr_t *sc_slots(struct sc_line *l)
{
    return (uintptr_t *)(l + 1);
}

/* This thread's cache, made on first use; NULL without memory. */
static LA_NOINLINE struct sc_cache *sc_cache_new(void)
{
    struct sc_cache *c;

    if (t_cache_failed)
        return NULL;
    c = pages_alloc(sizeof *c + SC_LINES * sc_line_size);
    if (!c) {
        t_cache_failed = 1;
        return NULL;
    }
    c->stack_lo = t_stack_lo; /* 0, 0 when unknown: nothing is cached */
    c->stack_hi = t_stack_hi;
    pthread_mutex_lock(&sc_list_lock);
    c->next = sc_list;
    if (sc_list)
        sc_list->prev = c;
    sc_list = c;
    pthread_mutex_unlock(&sc_list_lock);
    t_cache = c;
    return c;
}

/* Moves L's counts to the depot.  The owner may be adding to them at the
 * same time (only when another thread writes the run while this one still
 * allocates): each count is taken with one exchange, so none is counted
 * twice; an allocation made during the flush may be lost, as may any made
 * by a thread still running while the run is written. */
static void sc_flush_line(struct sc_line *l)
{
    uint64_t n = __atomic_exchange_n(&l->allocs, 0, __ATOMIC_RELAXED);
    uint64_t b = __atomic_exchange_n(&l->bytes, 0, __ATOMIC_RELAXED);

    if (n != 0 || b != 0)
        sd_count_allocs(l->stack, n, b);
}

static void sc_flush_cache(struct sc_cache *c)
{
    for (size_t i = 0; i < SC_LINES; i++)
        sc_flush_line(sc_line_at(c, i));
}

/* Adds this thread's counts to the totals. */
static void sc_flush_counts(void)
{
    __atomic_fetch_add(&sc_nhit, t_hits, __ATOMIC_RELAXED);
    __atomic_fetch_add(&sc_nunwind, t_unwinds, __ATOMIC_RELAXED);
    t_hits = t_unwinds = 0;
}

void sc_thread_exit(void)
{
    struct sc_cache *c = t_cache;

    sc_flush_counts();
    /* Destructors that run after this one use full unwinds: no cache is
     * made again for a thread that is ending. */
    t_cache_failed = 1;
    if (!c)
        return;
    pthread_mutex_lock(&sc_list_lock);
    sc_flush_cache(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        sc_list = c->next;
    if (c->next)
        c->next->prev = c->prev;
    t_cache = NULL;
    pthread_mutex_unlock(&sc_list_lock);
    pages_free(c, sizeof *c + SC_LINES * sc_line_size);
}

void sc_flush_all(void)
{
    pthread_mutex_lock(&sc_list_lock);
    for (struct sc_cache *c = sc_list; c; c = c->next)
        sc_flush_cache(c);
    pthread_mutex_unlock(&sc_list_lock);
}

void sc_lock(void)
{
    pthread_mutex_lock(&sc_list_lock);
}

void sc_unlock(void)
{
    pthread_mutex_unlock(&sc_list_lock);
}

void sc_reset_lock(void)
{
    pthread_mutex_init(&sc_list_lock, NULL);
}

void sc_fork_child(void)
{
    struct sc_cache *c = sc_list, *next;

    sc_reset_lock();
    /* Only the forking thread goes on; the others' caches are dropped,
     * and counts made before the fork are the parent's. */
    for (; c; c = next) {
        next = c->next;
        if (c != t_cache)
            pages_free(c, sizeof *c + SC_LINES * sc_line_size);
    }
    sc_list = t_cache;
    if (t_cache) {
        t_cache->prev = t_cache->next = NULL;
        for (size_t i = 0; i < SC_LINES; i++) {
            struct sc_line *l = sc_line_at(t_cache, i);
            l->allocs = l->bytes = 0;
        }
    }
}

/* Way W of set SET. */
static inline struct sc_line *sc_way(struct sc_cache *c, size_t set, uint32_t w)
{
    return sc_line_at(c, set * SC_WAYS + w);
}

/*
 * A chain's path: the hash of its key (RA, CFA) and of the return
 * addresses in the slots where the key's chains parted, one parting after
 * another while too many chains fall in one set (a tree of the key's
 * chains, walked without unwinding).  The path picks the set, and a tag in
 * it.
 */
static inline uint64_t sc_key_hash(uintptr_t ra, uintptr_t cfa)
{
    return (uint64_t)ra * 0x9e3779b97f4a7c15ull ^ (uint64_t)cfa * 0xc2b2ae3d27d4eb4full;
}

static inline uint64_t sc_path_on(uint64_t h, uintptr_t value)
{
    return (h ^ value) * 0x165667b19e3779f9ull;
}

static inline size_t sc_set_of(uint64_t h)
{
    return (size_t)((h ^ (h >> 29)) >> (64 - SC_SET_BITS));
}

static inline uint64_t sc_tag_of(uint64_t h)
{
    return (h >> 16 & 0x7f) | 0x80;
}

/* The slot where path H parts, or 0. */
static inline uintptr_t sc_parting_of(const struct sc_cache *c, uint64_t h)
{
    const struct sc_parting *b = c->partings[h >> 40 & (SC_RBUCKETS - 1)];

    for (int i = 0; i < SC_RWAYS; i++)
        if (b[i].h == h)
            return b[i].slot;
    return 0;
}

static void sc_add_parting(struct sc_cache *c, uint64_t h, uintptr_t slot)
{
    struct sc_parting *b = c->partings[h >> 40 & (SC_RBUCKETS - 1)];
    int i = 0;

    while (i < SC_RWAYS && b[i].h != 0)
        i++;
    if (i == SC_RWAYS)
        i = (int)(c->parting_victim++ % SC_RWAYS);
    b[i].h = h;
    b[i].slot = slot;
    c->sets[sc_set_of(h)].parted = 1;
}

/* The top bit of byte W set for each way W of SET whose tag is TAG (and
 * maybe of a few more above one that is: the ways' keys are compared
 * anyway). */
static inline uint64_t sc_tagged(const struct sc_set *s, uint64_t tag)
{
    uint64_t x = s->tags ^ tag * 0x0101010101010101ull;

    return (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
}

#define SC_FOR_TAGGED(m, w, s, tag)                                                    \
    for (uint64_t m = sc_tagged((s), (tag)); m && ((w) = (uint32_t)__builtin_ctzll(m) / 8, 1); \
         m &= m - 1)

/* Way W of SET gets key RA, CFA and tag TAG (RA 0: empty). */
static inline void sc_set_key(struct sc_cache *c, size_t set, uint32_t w, uintptr_t ra,
                              uintptr_t cfa, uint64_t tag)
{
    struct sc_set *s = &c->sets[set];
    struct sc_line *l = sc_way(c, set, w);

    s->tags = (s->tags & ~(0xffull << 8 * w)) | (ra ? tag : 0) << 8 * w;
    l->ra = ra;
    l->cfa = cfa;
}

/* The way of SET to fill next (round robin), its counts flushed and its
 * key cleared. */
static struct sc_line *sc_victim(struct sc_cache *c, size_t set, uint32_t *w)
{
    struct sc_set *s = &c->sets[set];
    struct sc_line *l;

    *w = s->victim;
    s->victim = (s->victim + 1) % SC_WAYS;
    l = sc_way(c, set, *w);
    sc_flush_line(l);
    sc_set_key(c, set, *w, 0, 0, 0);
    return l;
}

/* Way W of SET (L) holds a chain of NSLOTS slots (already in its slots)
 * for stack ID: its key made RA, CFA, tag TAG. */
static void sc_fill(struct sc_cache *c, size_t set, uint32_t w, struct sc_line *l, uintptr_t ra,
                    uintptr_t cfa, uint64_t tag, uint32_t nslots, uint32_t id)
{
    const uintptr_t *slots = sc_slots(l);

    l->stack = id;
    l->nslots = nslots;
    l->slot0 = nslots ? slots[0] : 0;
    l->val0 = nslots ? slots[1] : 0;
    sc_set_key(c, set, w, ra, cfa, tag);
}

/*
 * Unwinds step by step from here, to find the frame (RA, CFA) and the
 * slots of the return addresses above it, into a way of SET under TAG.
 * Returns the stack id, *OK set; or SD_NONE, the way left empty, when the
 * frame is not found or a slot lies outside this thread's stack.
 */
static uint32_t sc_learn(struct sc_cache *c, size_t set, uint64_t tag, uintptr_t ra,
                         uintptr_t cfa, int *ok)
{
    unw_context_t uc;
    unw_cursor_t cur;
    uint32_t w;
    struct sc_line *l = sc_victim(c, set, &w);
    uintptr_t pcs[SD_MAX_DEPTH], *slots = sc_slots(l);
    uint32_t kept = 0, nslots = 0;
    int found = 0;

    *ok = 0;
    if (la_unw.getcontext(&uc) != 0 || la_unw.init_local(&cur, &uc) != 0)
        return SD_NONE;
    do {
        unw_word_t ip, sp;
        if (la_unw.get_reg(&cur, UNW_REG_IP, &ip) != 0 || la_unw.get_reg(&cur, UNW_REG_SP, &sp) != 0)
            return SD_NONE;
        if (!found) {
            if (ip != ra || sp != cfa)
                continue;
            found = 1;
        } else {
            /* The call in this frame pushed IP just below its SP; where it
             * did not (a signal frame), the chain is not cached. */
            if (sp - 8 < c->stack_lo || sp > c->stack_hi || nslots == sc_max_slots ||
                *(const uintptr_t *)(sp - 8) != ip)
                return SD_NONE;
            slots[2 * nslots] = sp - 8;
            slots[2 * nslots + 1] = ip;
            nslots++;
        }
        if (!sc_in_shim(ip))
            pcs[kept++] = ip;
    } while (kept < sc_depth && la_unw.step(&cur) > 0);
    if (!found)
        return SD_NONE;
    sc_fill(c, set, w, l, ra, cfa, tag, nslots, sd_intern(pcs, kept));
    *ok = 1;
    return l->stack;
}

/* Verify mode: the stack a hit gave against a full unwind. */
static LA_NOINLINE uint32_t sc_check(uint32_t cached)
{
    uintptr_t pcs[SD_MAX_DEPTH];
    uint32_t n;
    const struct sd_stack *st = sd_get(cached);

    sc_unwind_pcs(pcs, &n);
    if (!st || st->depth != n || memcmp(st->pcs, pcs, n * sizeof *pcs) != 0) {
        __atomic_fetch_add(&sc_nmismatch, 1, __ATOMIC_RELAXED);
        return sd_intern(pcs, n);
    }
    return cached;
}

/* The first of L's slots (from FROM) that no longer holds its return
 * address, or L->nslots.  Four at a time: a chain that differs does so
 * near its start, and one that holds is read to its end anyway. */
static inline uint32_t sc_stale_from(const struct sc_line *l, uint32_t from)
{
    const uintptr_t *s = (const uintptr_t *)(l + 1);
    uint32_t i = from, n = l->nslots;

    for (; i + 4 <= n; i += 4) {
        const uintptr_t *q = s + 2 * i;
        if (((*(const uintptr_t *)q[0] ^ q[1]) | (*(const uintptr_t *)q[2] ^ q[3]) |
             (*(const uintptr_t *)q[4] ^ q[5]) | (*(const uintptr_t *)q[6] ^ q[7])) != 0)
            break;
    }
    for (; i < n; i++)
        if (*(const uintptr_t *)s[2 * i] != s[2 * i + 1])
            return i;
    return n;
}

/* The first stale slot of L, or L->nslots when every slot still holds its
 * return address. */
static inline uint32_t sc_stale(const struct sc_line *l)
{
    if (l->nslots != 0 && *(const uintptr_t *)l->slot0 != l->val0)
        return 0;
    return sc_stale_from(l, 1);
}

/* The way of SET that holds a valid chain of key RA, CFA under TAG; or
 * NULL, *SAME the number of its ways with the key there (all stale). */
static inline struct sc_line *sc_probe(struct sc_cache *c, size_t set, uintptr_t ra,
                                       uintptr_t cfa, uint64_t tag, int *same)
{
    uint32_t w;

    *same = 0;
    SC_FOR_TAGGED(m, w, &c->sets[set], tag) {
        struct sc_line *l = sc_way(c, set, w);
        if (l->ra != ra || l->cfa != cfa)
            continue;
        ++*same;
        if (sc_stale(l) == l->nslots)
            return l;
    }
    return NULL;
}

/* Where the stack now parts from the chains of key RA, CFA under TAG in
 * SET (all stale): the earliest slot that no longer holds its value in
 * any of them, which tells its chains apart.  Their ways are emptied.
 * Returns 0 when none has slots. */
static uintptr_t sc_part(struct sc_cache *c, size_t set, uintptr_t ra, uintptr_t cfa, uint64_t tag)
{
    uintptr_t slot = 0;
    uint32_t w, best = UINT32_MAX;

    SC_FOR_TAGGED(m, w, &c->sets[set], tag) {
        struct sc_line *l = sc_way(c, set, w);
        if (l->ra != ra || l->cfa != cfa)
            continue;
        uint32_t i = sc_stale(l);
        if (i < l->nslots && i < best) {
            best = i;
            slot = sc_slots(l)[2 * i];
        }
    }
    if (slot == 0)
        return 0;
    SC_FOR_TAGGED(m, w, &c->sets[set], tag) {
        struct sc_line *l = sc_way(c, set, w);
        if (l->ra != ra || l->cfa != cfa)
            continue;
        sc_flush_line(l);
        sc_set_key(c, set, w, 0, 0, 0);
    }
    return slot;
}

/* A stack got without the cache's counts: counted in the depot. */
static inline uint32_t sc_counted(uint32_t id, uint64_t bytes, int count)
{
    if (count)
        sd_count_allocs(id, 1, bytes);
    return id;
}

/* A miss in SET: the shim's own unwinder gives each frame's slot with its
 * return address, at no cost beyond the unwind, so the chain is learned at
 * once into the set's next way under TAG, its stack id into *ID.  Returns
 * 0, or -1 (nothing changed) when the unwinder cannot. */
static int sc_miss_fast(struct sc_cache *c, size_t set, uint64_t tag, uintptr_t ra,
                        uintptr_t cfa, uint32_t *id)
{
    uintptr_t pcs[SD_MAX_DEPTH], slots[SD_MAX_DEPTH];
    int n = sc_fast(ra, cfa, c->stack_lo, c->stack_hi, pcs, slots);
    uint32_t w, ns = 0;

    if (n < 0)
        return -1;
    t_unwinds++;
    if (LA_UNLIKELY(sc_verify))
        sc_check_fast(pcs, n);
    struct sc_line *l = sc_victim(c, set, &w);
    uintptr_t *ls = sc_slots(l);
    /* Frame 0 is the key; the slots of the frames above it.  A stack cut
     * at the depth is cached as well (its slots cover what is kept). */
    for (int i = 1; i < n && ns < sc_max_slots; i++, ns++) {
        ls[2 * ns] = slots[i];
        ls[2 * ns + 1] = pcs[i];
    }
    *id = sd_intern(pcs, (uint32_t)n);
    sc_fill(c, set, w, l, ra, cfa, tag, ns, *id);
    return 0;
}

static inline uint32_t sc_get(uintptr_t ra, uintptr_t cfa, uint64_t bytes, int count)
{
    struct sc_cache *c = t_cache;
    struct sc_set *s;

    if (LA_UNLIKELY(!c) && !(c = sc_cache_new()))
        return sc_counted(sc_full(), bytes, count);
    if (LA_UNLIKELY(cfa < c->stack_lo || cfa >= c->stack_hi))
        return sc_counted(sc_full(), bytes, count); /* a coroutine, a signal stack */
    /* The path: most keys have a few chains, told apart in their set; a
     * function called from many places (a malloc wrapper) has many chains
     * of one key, which part at the slots where they differ.  A parting's
     * slot lies above this frame (CFA) in this thread's stack, so it can
     * be read; a parting of another path (equal hashes) only costs a
     * miss. */
    uint64_t h = sc_key_hash(ra, cfa);
    int level = 0;
    size_t set = sc_set_of(h);
    for (uintptr_t slot; level < SC_LEVELS && c->sets[set].parted &&
                         (slot = sc_parting_of(c, h)) > cfa && slot + 8 <= c->stack_hi;
         level++) {
        h = sc_path_on(h, *(const uintptr_t *)slot);
        set = sc_set_of(h);
    }
    uint64_t tag = sc_tag_of(h);
    int same;
    struct sc_line *l = sc_probe(c, set, ra, cfa, tag, &same);
    if (l) {
        t_hits++;
        if (LA_UNLIKELY(sc_verify)) {
            uint32_t id = sc_check(l->stack);
            if (id != l->stack)
                return sc_counted(id, bytes, count);
        }
        if (count) {
            /* Only this thread adds; sc_flush_line may take them. */
            __atomic_store_n(&l->allocs, __atomic_load_n(&l->allocs, __ATOMIC_RELAXED) + 1,
                             __ATOMIC_RELAXED);
            __atomic_store_n(&l->bytes, __atomic_load_n(&l->bytes, __ATOMIC_RELAXED) + bytes,
                             __ATOMIC_RELAXED);
        }
        return l->stack;
    }
    if (same >= SC_CROWDED && level < SC_LEVELS) {
        /* The path's ways in its set, all stale: its chains are many, and
         * they part where this stack leaves them. */
        uintptr_t slot = sc_part(c, set, ra, cfa, tag);
        if (slot) {
            sc_add_parting(c, h, slot);
            h = sc_path_on(h, *(const uintptr_t *)slot);
            set = sc_set_of(h);
            tag = sc_tag_of(h);
        }
    }
    uint32_t id;
    if (sc_miss_fast(c, set, tag, ra, cfa, &id) == 0)
        return sc_counted(id, bytes, count);
    /* A miss the unwinder leaves to libunwind: learn the chain if this key
     * missed just before, and while learning pays.  Learning steps with
     * unw_step, and Debian's libunwind (built without per-thread caches)
     * takes a global lock with two sigprocmask calls per step: a learned
     * chain costs some fifty full unwinds.  So learn at most once per 64
     * reuses, plus once per 512 full unwinds (so that learning resumes when
     * a phase of the program with reusable chains begins, at a bounded cost
     * when none does). */
    s = &c->sets[set];
    if (s->cand_ra == ra && s->cand_cfa == cfa &&
        t_learns * 64 <= t_hits + t_unwinds / 8 + 4096) {
        int ok;
        t_learns++;
        id = sc_learn(c, set, tag, ra, cfa, &ok);
        if (ok) {
            t_unwinds++;
            return sc_counted(sc_verify ? sc_check(id) : id, bytes, count);
        }
    }
    s->cand_ra = ra;
    s->cand_cfa = cfa;
    return sc_counted(sc_full(), bytes, count);
}

uint32_t sc_capture(uintptr_t ra, uintptr_t cfa)
{
    return sc_get(ra, cfa, 0, 0);
}

uint32_t sc_capture_alloc(uintptr_t ra, uintptr_t cfa, uint64_t bytes)
{
    return sc_get(ra, cfa, bytes, 1);
}

uint64_t sc_mismatches(void)
{
    return __atomic_load_n(&sc_nmismatch, __ATOMIC_RELAXED);
}

uint64_t sc_hits(void)
{
    sc_flush_counts();
    return __atomic_load_n(&sc_nhit, __ATOMIC_RELAXED);
}

uint64_t sc_unwinds(void)
{
    sc_flush_counts();
    return __atomic_load_n(&sc_nunwind, __ATOMIC_RELAXED);
}
