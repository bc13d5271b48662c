/*
 * run.h: one run, assembled and written (run.c).
 */
#ifndef LA_RUN_H
#define LA_RUN_H

#include "core.h"

/* run_write's FLAGS: other threads may still allocate and free meanwhile
 * (never in a writer child, a copy with one thread); this is a writer
 * child. */
enum { RUN_CONCURRENT = 1, RUN_IN_CHILD = 2 };

/*
 * Copies the live table, scans it and writes the run, ended for REASON (by
 * signal SIG, or 0).  S is the state recording was in, PPID the process's
 * parent, WHERE where the program left (its stack is a root from there,
 * its registers too; NULL: from here).  The common end of
 * lifecycle_finish and of a writer child.  Returns 0 (failures end in one
 * warning line, writer.h), or -1 when the process has no descriptor left
 * for the database: a writer child, with descriptors of its own, can.
 */
LA_HIDDEN int run_write(const char *reason, int sig, int s, long ppid,
                        const struct la_context *where, int flags);

#endif
