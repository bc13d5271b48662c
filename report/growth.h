/*
 * growth.h: what grew in a long-running process between two of its
 * snapshot runs (leak_snapshot(), LEAKAUDIT_SNAPSHOT_SIGNAL): per
 * allocating site, the live blocks in the first snapshot and in the last.
 * The usual way to find a leak in a server that never exits.  Pure
 * functions over the model.
 */
#ifndef RP_GROWTH_H
#define RP_GROWTH_H

#include "model.h"

struct rp_growth_site {
    struct rp_run *before, *after;   /* the process's first and last snapshots */
    struct rp_stack *stack;          /* the site, in AFTER */
    uint64_t blocks_before, blocks_after, bytes_before, bytes_after;
};

struct rp_growth {
    struct rp_growth_site *v;        /* most grown (blocks) first */
    size_t n, cap;
    size_t processes;                /* processes with two snapshots or more */
};

/* Compares, for each process (pid and start time) with two snapshot runs
 * or more among DB's runs, its first and its last: every site whose live
 * blocks grew goes into OUT. */
void rp_growth_find(struct rp_db *db, struct rp_growth *out);

void rp_growth_free(struct rp_growth *g);

#endif
