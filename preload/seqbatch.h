/*
 * seqbatch.h: allocation sequence numbers.  A thread takes them in batches
 * of SB_BATCH (no shared counter per allocation), and the batch a number
 * falls in tells the thread that took it: blocks in the live table need not
 * store their thread.
 */
#ifndef LA_SEQBATCH_H
#define LA_SEQBATCH_H

#include "shim.h"

#define SB_BATCH 4096u

/* The first number of a new batch for thread TID (a multiple of SB_BATCH,
 * never 0), recording TID as its owner. */
LA_HIDDEN uint64_t sb_take(uint32_t tid);

/* Where the next batch will start: every number handed out is below it. */
LA_HIDDEN uint64_t sb_next(void);

/* The thread that took SEQ's batch; 0 if unknown (no pages were left for
 * the record, or past the ~10^12 numbers the records cover). */
LA_HIDDEN uint32_t sb_tid(uint64_t seq);

#endif
