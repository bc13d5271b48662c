/*
 * emit.h: the report's outputs.  They print findings (analyze.h) whose
 * stacks are already symbolized; they compute nothing.
 */
#ifndef RP_EMIT_H
#define RP_EMIT_H

#include <stdio.h>

#include "analyze.h"

struct rp_emit_opts {
    int color; /* ANSI colours (only when writing to a terminal) */
};

/* The human-readable report, LeakSanitizer-like: runs, the summary per
 * kind, then each finding with its stack; a last line says FAIL or OK. */
void rp_emit_text(FILE *out, const struct rp_db *db,
                  const struct rp_findings *f, const struct rp_emit_opts *o);

#endif
