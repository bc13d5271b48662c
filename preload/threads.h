/*
 * threads.h: the stacks of the program's threads.  glibc keeps the stacks
 * of finished threads cached for reuse, full of stale pointers; the scan
 * leaves them out.  A thread registers its stack when it starts (through
 * the pthread_create wrapper) and is marked finishing by a key destructor;
 * it is alive (its stack and TLS are roots) until the kernel lets it go,
 * after the other destructors and glibc's own clean-up.  Threads created
 * and not yet started keep their start routine's argument here, where the
 * scan sees it.
 */
#ifndef LA_THREADS_H
#define LA_THREADS_H

#include <sys/types.h>

#include "core.h"

/* Sets up the thread-exit key.  Called once, from the constructor. */
LA_HIDDEN void threads_init(void);

/* Registers the calling thread's stack as live (from its new thread's
 * start routine).  Without room or attributes, nothing is registered. */
LA_HIDDEN void threads_enter(void);

/* The stacks of ended threads of process TGID that no live thread reuses:
 * up to CAP (start, end) pairs into OUT.  Returns how many.  Keeps errno. */
LA_HIDDEN size_t threads_dead(uintptr_t (*out)[2], size_t cap, pid_t tgid);

/* The calling thread waits, in the shim, for another to end the process
 * (a second exit(), a second fatal signal): its stack is a root from
 * WHERE on (core.h), with its registers, as the ending thread's is, not
 * whole.  Returns the slot to give back with threads_unpark, or -1 (no
 * room, no WHERE: the stack is then scanned whole). */
LA_HIDDEN int threads_park(const struct la_context *where);
LA_HIDDEN void threads_unpark(int slot);
/* Whether the calling thread is parked (a signal's handler that parks it
 * again would hide where it waits). */
LA_HIDDEN int threads_parked_here(void);
/* The parked threads' contexts: up to CAP into OUT.  Returns how many (all
 * of them, with OUT NULL). */
LA_HIDDEN size_t threads_parked(const struct la_context **out, size_t cap);

/* A thread's start, from pthread_create until the thread runs. */
struct th_start {
    void *(*fn)(void *);
    void *arg;
};
/* Claims a start for FN(ARG); NULL when every one is taken. */
LA_HIDDEN struct th_start *threads_start_claim(void *(*fn)(void *), void *arg);
/* Whether S is one of those (not the caller's own allocation). */
LA_HIDDEN int threads_start_owns(const struct th_start *s);
/* Gives S back: the thread runs, or was never created. */
LA_HIDDEN void threads_start_release(struct th_start *s);
/* The arguments of the starts claimed now: up to CAP into OUT.  Returns
 * how many. */
LA_HIDDEN size_t threads_start_args(uintptr_t *out, size_t cap);

/* Whether a thread other than the calling one is registered and has not
 * finished. */
LA_HIDDEN int threads_others_alive(void);
LA_HIDDEN void threads_reset_lock(void);

#endif
