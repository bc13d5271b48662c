/*
 * threads.h: the stacks of the program's threads.  glibc keeps the stacks
 * of finished threads cached for reuse, full of stale pointers; the scan
 * leaves them out.  A thread registers its stack when it starts (through
 * the pthread_create wrapper) and is marked finished by a key destructor.
 */
#ifndef LA_THREADS_H
#define LA_THREADS_H

#include "shim.h"

/* Sets up the thread-exit key.  Called once, from the constructor. */
LA_HIDDEN void threads_init(void);

/* Registers the calling thread's stack as live (from its new thread's
 * start routine).  Without room or attributes, nothing is registered. */
LA_HIDDEN void threads_enter(void);

/* The stacks of finished threads that no live thread reuses: up to CAP
 * (start, end) pairs into OUT.  Returns how many. */
LA_HIDDEN size_t threads_dead(uintptr_t (*out)[2], size_t cap);

LA_HIDDEN void threads_reset_lock(void);

#endif
