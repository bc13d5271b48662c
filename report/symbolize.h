/*
 * symbolize.h: turns recorded return addresses into source frames
 * (function, file:line, inlined calls expanded) with libdw, from the files
 * on disk, checked against the build-ids recorded at run time.
 */
#ifndef RP_SYMBOLIZE_H
#define RP_SYMBOLIZE_H

#include "model.h"

struct rp_symbolizer;

/* A symbolizer with an empty cache, looking for separate debug files in
 * the N DEBUG_DIRS (absolute) before /usr/lib/debug, and at the debuginfod
 * servers of DEBUGINFOD_URLS; exits (status 2) without memory. */
struct rp_symbolizer *rp_sym_new(const char *const *debug_dirs, size_t n);
void rp_sym_free(struct rp_symbolizer *s);

/*
 * Fills STACK->frames (once; later calls return at once).  A pc that cannot
 * be resolved (module gone, rebuilt with another build-id, no symbols)
 * still gets one frame with its module and address, function NULL.
 */
void rp_sym_stack(struct rp_symbolizer *s, const struct rp_run *run,
                  struct rp_stack *stack);

#endif
