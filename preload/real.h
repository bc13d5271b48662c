/*
 * real.h: libc's functions that the shim takes over, as dlsym(RTLD_NEXT)
 * finds them (real.c).  Resolved once, by the thread that starts the shim
 * (state.c); until then each is NULL, and so are the allocator's in a
 * writer child (child.c), where libc's malloc must not be used.  Only the
 * core calls them; the shim's own allocations go through own.h.
 */
#ifndef LA_REAL_H
#define LA_REAL_H

#include "core.h"
#include "signals.h"

struct la_real {
    void *(*malloc)(size_t);
    void (*free)(void *);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*reallocarray)(void *, size_t, size_t);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*malloc_usable_size)(void *);
    void (*exit)(int);
    void (*exit_now[2])(int); /* _exit, _Exit */
    int (*start_main)(int (*)(int, char **, char **), int, char **,
                      void (*)(void), void (*)(void), void (*)(void), void *);
    int (*pthread_create)(void *, const void *, void *(*)(void *), void *);
    la_sigaction_fn sigaction;
    void (*(*signal[LA_SIGNAL_FNS])(int, void (*)(int)))(int);
    int (*dlclose)(void *);
    int (*daemon)(int, int);
    void (*abort)(void);
};

LA_HIDDEN extern struct la_real la_real;

/* Loads a real function; NULL only while STARTING (and for the allocator,
 * in a writer child). */
#define REAL(f) __atomic_load_n(&la_real.f, __ATOMIC_ACQUIRE)

/* Looks up libc's functions.  dlsym may allocate: those calls arrive with
 * the guard set and are served by the bootstrap arena. */
LA_HIDDEN void real_resolve(void);

/* Forgets libc's allocator (a writer child, where another thread may have
 * held malloc's locks when the copy was made): from then on the hooks and
 * own.h fall back to the private heap (bootstrap.h). */
LA_HIDDEN void real_forget_malloc(void);

#endif
