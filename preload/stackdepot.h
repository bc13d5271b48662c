/*
 * stackdepot.h: every distinct stack seen, stored once and named by a small
 * id, with the allocation counters of its site.  Lookups of known stacks
 * take no lock; a new stack takes the depot lock once.  Entries never move
 * and are never freed.
 */
#ifndef LA_STACKDEPOT_H
#define LA_STACKDEPOT_H

#include "shim.h"

/* Id 0 is the empty stack: used when a stack cannot be captured or stored. */
#define SD_NONE 0u
#define SD_MAX_DEPTH 256u

struct sd_stack {
    uint64_t hash;
    uint32_t id;
    uint32_t depth;
    /* Site counters, updated with relaxed atomics. */
    uint64_t allocs;   /* allocations made from this stack */
    uint64_t bytes;    /* bytes they asked for */
    uintptr_t pcs[];   /* return addresses, innermost first */
};

/*
 * Returns the id of the stack PCS[0..DEPTH) (DEPTH <= SD_MAX_DEPTH), adding
 * it if new.  Returns SD_NONE for DEPTH 0, or when no pages are left for a
 * new entry.
 */
LA_HIDDEN uint32_t sd_intern(const uintptr_t *pcs, uint32_t depth);

/* The stack with id ID (< sd_count()), or NULL for an unknown id. */
LA_HIDDEN struct sd_stack *sd_get(uint32_t id);

/* Number of ids handed out so far, SD_NONE included. */
LA_HIDDEN uint32_t sd_count(void);

/* Counts N allocations of BYTES in all against stack ID.  (Frees are not
 * counted on the way: at exit they are the allocations minus the blocks
 * still live, so free touches no shared counter.) */
LA_HIDDEN void sd_count_allocs(uint32_t id, uint64_t n, uint64_t bytes);

/* Zeroes every site counter (a forked child starts its own run). */
LA_HIDDEN void sd_reset_counters(void);

/* fork support, as for the live table. */
LA_HIDDEN void sd_lock(void);
LA_HIDDEN void sd_unlock(void);
LA_HIDDEN void sd_reset_lock(void);

#endif
