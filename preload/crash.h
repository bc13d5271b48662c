/*
 * crash.h: what init.c hands to signals.h (crash.c).
 */
#ifndef LA_CRASH_H
#define LA_CRASH_H

#include "core.h"

/*
 * The process is about to die of SIG: records its run, once, on a stack
 * of the shim's own, with the stack a root from WHERE (core.h), and
 * returns for the caller to let the signal kill.  Does nothing in a vfork
 * child or a writer child; a second thread dying meanwhile waits there
 * for the first to end the process.
 */
LA_HIDDEN void crash_record(int sig, const struct la_context *where);

/* The same from the fatal signal's handler, UC its ucontext_t: the stack
 * from the interrupted stack pointer, every register a root. */
LA_HIDDEN void crash_on_signal(int sig, void *uc);

#endif
