/*
 * livetable.h: the table of live heap blocks, keyed by start address.
 * Sharded by address hash, one lock per shard, so threads that allocate at
 * the same time rarely meet; no global lock on the malloc/free path, and
 * no lock at all in a shard that one thread uses alone.
 * Memory comes from pages_alloc(), never from malloc.
 */
#ifndef LA_LIVETABLE_H
#define LA_LIVETABLE_H

#include "shim.h"

/* A block as callers see it; the table packs it into 24 bytes (and tells
 * the thread from the sequence number). */
struct la_block {
    uintptr_t addr;  /* start of the block (even, as every malloc's is) */
    uint64_t size;   /* bytes the program asked for (kept up to 2^47 - 1) */
    uint64_t seq;    /* order of allocation (seqbatch.h; kept modulo 2^48) */
    uint32_t stack;  /* stack depot id of the allocating stack */
    uint32_t tid;    /* thread that allocated it: ignored by lt_insert, filled
                        on the way out from seq's batch */
    uint32_t mark;   /* 0, or the id of its leak_mark (marks.h) */
    uint32_t pad_;
};

/*
 * Inserts B (B->addr != 0).  An existing entry with the same address is
 * replaced (its memory was reused without a free we saw).  Returns 0, or -1
 * when pages for growth could not be had; then nothing changed.
 */
LA_HIDDEN int lt_insert(const struct la_block *b);

/* Removes the block starting at ADDR and copies it to *OUT (if OUT).
 * Returns 1 if it was there, 0 if not. */
LA_HIDDEN int lt_remove(uintptr_t addr, struct la_block *out);

/* Copies the block starting exactly at ADDR to *OUT.  Returns 1 if there
 * is one, 0 if not. */
LA_HIDDEN int lt_find(uintptr_t addr, struct la_block *out);

/*
 * Finds the live block that holds address P (its start or any byte inside;
 * a block of size 0 holds only its start).  Returns 1 and copies it to *OUT,
 * or 0.  Walks down from P, then falls back to a scan of the whole table for
 * blocks larger than the walk covers.
 */
LA_HIDDEN int lt_find_containing(uintptr_t p, struct la_block *out);

/* Sets the mark of the block starting at ADDR if it has none.  Returns the
 * block's mark after the call (MARK, or the earlier one), 0 if no block. */
LA_HIDDEN uint32_t lt_set_mark(uintptr_t addr, uint32_t mark);

/* Number of live blocks (exact when no other thread is changing them). */
LA_HIDDEN size_t lt_count(void);

/*
 * Calls FN on every live block, one shard at a time with no other thread
 * in it: FN must not call back into the table.  Stops early and returns FN's
 * value when FN returns non-zero; returns 0 after all blocks.
 */
LA_HIDDEN int lt_foreach(int (*fn)(const struct la_block *, void *), void *ctx);

/* This thread ends: the shards it owns (livetable.c) are owned by no one,
 * for the next thread to claim. */
LA_HIDDEN void lt_thread_exit(void);

/* Whether threads may own shards (when membarrier(2) allows it; on by
 * default): off, every shard operation takes the shard's lock (tests). */
LA_HIDDEN void lt_set_owning(int on);

/* fork support: take every shard lock (prepare), release them (parent),
 * re-initialise them (child). */
LA_HIDDEN void lt_lock_all(void);
LA_HIDDEN void lt_unlock_all(void);
LA_HIDDEN void lt_reset_locks(void);

/* Shards owned by a thread, and shards made shared (tests only). */
LA_HIDDEN void lt_owners(size_t *owned, size_t *shared);

/* Slots of every shard, in use or not (tests only). */
LA_HIDDEN size_t lt_capacity(void);

/* Frees every page and empties the table (tests only). */
LA_HIDDEN void lt_clear(void);

#endif
