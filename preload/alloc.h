/*
 * alloc.h: what the rest of the core needs from the allocation path
 * (alloc.c); the malloc family itself is declared in core.h.
 */
#ifndef LA_ALLOC_H
#define LA_ALLOC_H

#include "core.h"

/* In a forked child: this thread's batch of sequence numbers was the
 * parent's; the next allocation takes a new one. */
LA_HIDDEN void alloc_after_fork(void);

#endif
