/*
 * fixture.h: one hand-built run for the report's unit suites (fixture.c):
 * 8 stacks, 14 blocks of every class, a mark, a list, and a cycle that
 * owns a block.  Suites may change the stacks' frames and put them back.
 */
#ifndef CHECK_FIXTURE_H
#define CHECK_FIXTURE_H

#include "analyze.h"

extern struct rp_stack fx_stacks[8];
extern struct rp_mark fx_marks[1];
extern struct rp_block fx_blocks[14];
extern struct rp_edge fx_edges[5];

/* The run over those arrays. */
struct rp_run fx_run(void);

/* The finding of kind K whose stack has id STACK (-1: none), or NULL. */
const struct rp_finding *fx_find(const struct rp_findings *f, enum rp_kind k,
                                 int64_t stack);

#endif
