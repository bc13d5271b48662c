/*
 * stackcache.h: stack capture.  The full unwind (libunwind, correct without
 * frame pointers) is the main cost of recording; most allocations come
 * from a call chain seen just before.  Each thread keeps the last chains
 * it unwound, keyed by the allocating call's return address and CFA, with
 * the stack slot of every return address above it.  A chain is reused only
 * when every one of those slots still holds the same return address, which
 * proves the frames above are the same; else the stack is unwound again.
 * Called with the recursion guard held.
 */
#ifndef LA_STACKCACHE_H
#define LA_STACKCACHE_H

#include "shim.h"

/* Once, at start: frames kept, verify mode (every reused chain is also
 * unwound and compared), and the shim's own image (its frames are left
 * out of stacks). */
LA_HIDDEN void sc_init(long depth, int verify, uintptr_t self_lo, uintptr_t self_hi);

/*
 * The stack of the program's call that entered the shim: RA is the return
 * address into the program, CFA the caller's stack pointer at the call
 * (__builtin_return_address(0), __builtin_dwarf_cfa() in the interposer).
 * Returns its stack depot id (SD_NONE when it cannot be stored).
 */
LA_HIDDEN uint32_t sc_capture(uintptr_t ra, uintptr_t cfa);

/* The same, for an allocation of BYTES: counts it against the stack's site.
 * The count stays in the calling thread's cache until sc_flush_all (or the
 * line's reuse, or the thread's end) adds it to the depot. */
LA_HIDDEN uint32_t sc_capture_alloc(uintptr_t ra, uintptr_t cfa, uint64_t bytes);

/* Adds every thread's pending counts to the depot (before the run is
 * written). */
LA_HIDDEN void sc_flush_all(void);

/* fork support: hold the list of caches (prepare), release it (parent);
 * in the child, keep only the calling thread's cache, with no counts. */
LA_HIDDEN void sc_lock(void);
LA_HIDDEN void sc_unlock(void);
LA_HIDDEN void sc_fork_child(void);
/* For a writer child: the list lock, maybe held by a thread that does
 * not exist there, made free; every cache is kept. */
LA_HIDDEN void sc_reset_lock(void);

/* The calling thread's stack, [LO, HI): from its start routine. */
LA_HIDDEN void sc_set_thread_stack(uintptr_t lo, uintptr_t hi);

/* Frees the calling thread's cache (at its exit). */
LA_HIDDEN void sc_thread_exit(void);

/* Verify mode: reused chains that differed from a full unwind. */
LA_HIDDEN uint64_t sc_mismatches(void);

/* Reused chains, and full unwinds, of finished threads and the calling
 * one (for the benchmarks). */
LA_HIDDEN uint64_t sc_hits(void);
LA_HIDDEN uint64_t sc_unwinds(void);

#endif
