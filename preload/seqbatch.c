/*
 * seqbatch.c: the numbers behind seqbatch.h, and who took each batch: a
 * two-level array of thread ids indexed by batch, filled lock-free (a chunk
 * of the array is published with one compare-and-swap).  4 bytes per 4096
 * allocations.  A forked child keeps its parent's records: the blocks it
 * inherits were allocated by the parent's threads.
 */
#include "pages.h"
#include "seqbatch.h"

#define SB_CHUNK_BITS 16
#define SB_CHUNK (1u << SB_CHUNK_BITS) /* batches per chunk: 256 KiB */
#define SB_CHUNKS 4096u                /* 2^28 batches, 2^40 numbers */

static uint64_t sb_next_seq = SB_BATCH; /* batch 0 is never handed out */
static uint32_t *sb_dir[SB_CHUNKS];

uint64_t sb_take(uint32_t tid)
{
    uint64_t seq = __atomic_fetch_add(&sb_next_seq, SB_BATCH, __ATOMIC_RELAXED);
    uint64_t batch = seq / SB_BATCH;
    uint64_t k = batch >> SB_CHUNK_BITS;

    if (k < SB_CHUNKS) {
        uint32_t *chunk = __atomic_load_n(&sb_dir[k], __ATOMIC_ACQUIRE);
        if (!chunk) {
            uint32_t *fresh = pages_alloc(SB_CHUNK * sizeof *fresh), *none = NULL;
            if (fresh && __atomic_compare_exchange_n(&sb_dir[k], &none, fresh, 0,
                                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                chunk = fresh;
            } else {
                if (fresh)
                    pages_free(fresh, SB_CHUNK * sizeof *fresh);
                chunk = none; /* another thread's, or NULL without pages */
            }
        }
        if (chunk)
            __atomic_store_n(&chunk[batch & (SB_CHUNK - 1)], tid, __ATOMIC_RELAXED);
    }
    return seq;
}

uint64_t sb_next(void)
{
    return __atomic_load_n(&sb_next_seq, __ATOMIC_RELAXED);
}

uint32_t sb_tid(uint64_t seq)
{
    uint64_t batch = seq / SB_BATCH, k = batch >> SB_CHUNK_BITS;
    uint32_t *chunk;

    if (k >= SB_CHUNKS || !(chunk = __atomic_load_n(&sb_dir[k], __ATOMIC_ACQUIRE)))
        return 0;
    return __atomic_load_n(&chunk[batch & (SB_CHUNK - 1)], __ATOMIC_RELAXED);
}
