/*
 * alloc.c: the malloc family and leak_mark (core.h), the hot path.  Every
 * hook enters through the guard (guard.h), calls libc's function, then
 * records the block with its stack (stackcache.h) in the live table
 * (livetable.h).  A free forgets the block before libc's free, so another
 * thread cannot get its address back first.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "bootstrap.h"
#include "guard.h"
#include "livetable.h"
#include "marks.h"
#include "own.h"
#include "real.h"
#include "seqbatch.h"
#include "snapshot.h"
#include "stackcache.h"

/* Sequence numbers, taken from the shared counter in batches. */
static LA_TLS uint64_t t_seq, t_seq_end;

static inline uint64_t la_seq(void)
{
    if (LA_UNLIKELY(t_seq == t_seq_end)) {
        t_seq = sb_take((uint32_t)la_tid());
        t_seq_end = t_seq + SB_BATCH;
    }
    return t_seq++;
}

/* Records the new block P of SIZE bytes (P may be NULL: nothing to do),
 * allocated by the program's call RA/CFA. */
static void la_record(void *p, size_t size, uint32_t mark, LA_CALLER_ARGS)
{
    struct la_block b;

    if (!p)
        return;
    b.addr = (uintptr_t)p;
    b.size = size;
    b.seq = la_seq();
    b.stack = sc_capture_alloc(ra, cfa, size);
    b.tid = 0; /* the table tells it from the sequence number */
    b.mark = mark;
    b.pad_ = 0;
    if (lt_insert(&b) != 0) {
        la_degrade("the table of live blocks");
        return;
    }
    if (LA_UNLIKELY(la_opt.checkpoint))
        snapshot_checkpoint_tick();
}


/* ---- the malloc family ------------------------------------------------ */

/* After a real allocation of N bytes returned P: records it (when P is not
 * NULL) and leaves the shim with the errno the real call set. */
static inline void la_done(void *p, size_t n, LA_CALLER_ARGS)
{
    int e = errno;

    la_record(p, n, 0, ra, cfa);
    la_leave(e);
}

/* malloc, valloc and pvalloc: F is where the real one is kept; before it
 * is known, the bootstrap arena serves, aligned to BOOT_ALIGN. */
static inline __attribute__((always_inline)) void *
la_sized(void *(**f)(size_t), size_t boot_align, size_t n, LA_CALLER_ARGS)
{
    if (!la_enter()) {
        void *(*fn)(size_t) = __atomic_load_n(f, __ATOMIC_ACQUIRE);
        return fn ? fn(n) : boot_alloc(boot_align, n);
    }
    void *p = (*f)(n);
    la_done(p, n, ra, cfa);
    return p;
}

/* aligned_alloc and memalign, the same way. */
static inline __attribute__((always_inline)) void *
la_aligned(void *(**f)(size_t, size_t), size_t align, size_t n, LA_CALLER_ARGS)
{
    if (!la_enter()) {
        void *(*fn)(size_t, size_t) = __atomic_load_n(f, __ATOMIC_ACQUIRE);
        return fn ? fn(align, n) : boot_alloc(align, n);
    }
    void *p = (*f)(align, n);
    la_done(p, n, ra, cfa);
    return p;
}

void *la_malloc(size_t n, LA_CALLER_ARGS)
{
    return la_sized(&la_real.malloc, 16, n, ra, cfa);
}

void la_free(void *p)
{
    /* Not recorded (NULL, the arenas' blocks, the shim's own work, not
     * recording): freed as the shim frees its own. */
    if (!p || boot_owns(p) || !la_enter_free()) {
        own_free(p);
        return;
    }
    int e = errno;
    /* Forgotten before the real free: the address may come back at once. */
    lt_remove((uintptr_t)p, NULL);
    la_real.free(p);
    la_leave(e);
}

void *la_calloc(size_t n, size_t m, LA_CALLER_ARGS)
{
    if (!la_enter()) {
        return own_calloc(n, m);
    }
    void *p = la_real.calloc(n, m);
    la_done(p, n * m, ra, cfa);
    return p;
}

/* realloc out of the bootstrap arena: a real block and a copy. */
static void *la_realloc_boot(void *old, size_t n)
{
    size_t have = boot_size(old);
    void *p = la_malloc(n, 0, 0);

    if (p) {
        memcpy(p, old, have < n ? have : n);
        boot_free(old);
    }
    return p;
}

/*
 * realloc and reallocarray: ARRAY is 0 for realloc.  The old block
 * leaves the table before the real call (another thread may get its
 * address back at once) and comes back if the call fails.
 */
static void *la_realloc_common(void *old, size_t n, size_t m, int array,
                               LA_CALLER_ARGS)
{
    if (old && boot_owns(old)) {
        if (array && m && n > SIZE_MAX / m) {
            errno = ENOMEM;
            return NULL;
        }
        return la_realloc_boot(old, array ? n * m : n);
    }
    if (!la_enter()) {
        void *(*fa)(void *, size_t, size_t) = REAL(reallocarray);
        if (array && fa)
            return fa(old, n, m);
        if (array && m && n > SIZE_MAX / m) {
            errno = ENOMEM;
            return NULL;
        }
        return own_realloc(old, array ? n * m : n);
    }
    struct la_block ob;
    int had = old && lt_remove((uintptr_t)old, &ob);
    void *p = array ? la_real.reallocarray(old, n, m) : la_real.realloc(old, n);
    int e = errno;
    size_t size = array ? n * m : n;

    if (p || (old && size == 0)) {
        /* Success; or realloc(p, 0), which freed P. */
        if (p) {
            la_record(p, size, had ? ob.mark : 0, ra, cfa);
            if (had && ob.mark)
                marks_move(ob.mark, (uintptr_t)p);
        }
    } else if (had) {
        lt_insert(&ob); /* failed: the old block is still live */
    }
    la_leave(e);
    return p;
}

void *la_realloc(void *p, size_t n, LA_CALLER_ARGS)
{
    return la_realloc_common(p, n, 0, 0, ra, cfa);
}

void *la_reallocarray(void *p, size_t n, size_t m, LA_CALLER_ARGS)
{
    return la_realloc_common(p, n, m, 1, ra, cfa);
}

int la_posix_memalign(void **out, size_t align, size_t n, LA_CALLER_ARGS)
{
    if (!la_enter()) {
        int (*f)(void **, size_t, size_t) = REAL(posix_memalign);
        if (f)
            return f(out, align, n);
        if (align % sizeof(void *) || (align & (align - 1)))
            return EINVAL;
        void *p = boot_alloc(align, n);
        if (!p)
            return ENOMEM;
        *out = p;
        return 0;
    }
    int rc = la_real.posix_memalign(out, align, n);
    la_done(rc == 0 ? *out : NULL, n, ra, cfa);
    return rc;
}

void *la_aligned_alloc(size_t align, size_t n, LA_CALLER_ARGS)
{
    return la_aligned(&la_real.aligned_alloc, align, n, ra, cfa);
}

void *la_memalign(size_t align, size_t n, LA_CALLER_ARGS)
{
    return la_aligned(&la_real.memalign, align, n, ra, cfa);
}

void *la_valloc(size_t n, LA_CALLER_ARGS)
{
    return la_sized(&la_real.valloc, 4096, n, ra, cfa);
}

void *la_pvalloc(size_t n, LA_CALLER_ARGS)
{
    return la_sized(&la_real.pvalloc, 4096, n, ra, cfa);
}

size_t la_malloc_usable_size(void *p)
{
    if (p && boot_owns(p))
        return boot_size(p);
    if (!REAL(malloc_usable_size))
        la_start();
    size_t (*f)(void *) = REAL(malloc_usable_size);
    return f ? f(p) : 0;
}

/* ---- leak_mark -------------------------------------------------------- */

int la_mark(const void *ptr, const char *why, LA_CALLER_ARGS)
{
    struct la_block b;
    int saved = errno;

    if (!la_enter()) {
        /* Not audited (or setuid): as without the shim, nothing to do. */
        if (la_dormant)
            return 0;
        errno = ENOENT;
        return -1;
    }
    if (!lt_find_containing((uintptr_t)ptr, &b)) {
        la_leave(ENOENT);
        return -1;
    }
    if (b.mark == 0) {
        uint32_t stack = sc_capture(ra, cfa);
        char *copy = why ? own_strdup(why) : NULL;
        uint32_t id = marks_add(b.addr, stack, copy);
        if (id == 0) {
            own_free(copy);
            la_degrade("marks");
        } else {
            lt_set_mark(b.addr, id); /* a mark set meanwhile wins */
        }
    }
    la_leave(saved);
    return 0;
}

void alloc_after_fork(void)
{
    t_seq = t_seq_end = 0;
}
