/*
 * run.h: one run, assembled and written (run.c).
 */
#ifndef LA_RUN_H
#define LA_RUN_H

#include "shim.h"

/*
 * Copies the live table, scans it and writes the run, ended for REASON (by
 * signal SIG, or 0).  S is the state recording was in, PPID the process's
 * parent, SP where the live part of the ending thread's stack starts (0:
 * here).  The common end of lifecycle_finish and of a writer child.
 * Failures end in one warning line (writer.h); nothing is returned.
 */
LA_HIDDEN void run_write(const char *reason, int sig, int s, long ppid,
                         uintptr_t sp);

#endif
