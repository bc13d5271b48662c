/*
 * crash.h: what init.c hands to signals.h (crash.c).
 */
#ifndef LA_CRASH_H
#define LA_CRASH_H

#include "shim.h"

/*
 * The process is about to die of SIG: records its run, once, on a stack
 * of the shim's own, and returns for the caller to let the signal kill.
 * Does nothing in a vfork child or a writer child; a second thread dying
 * meanwhile waits there for the first to end the process.
 */
LA_HIDDEN void crash_record(int sig);

#endif
