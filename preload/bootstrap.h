/*
 * bootstrap.h: a static arena that serves allocations made before the real
 * malloc is known (dlsym's own calloc while the shim resolves libc).  Its
 * blocks are never freed: free() ignores them, realloc() copies out of them.
 */
#ifndef LA_BOOTSTRAP_H
#define LA_BOOTSTRAP_H

#include "shim.h"

/* N zeroed bytes aligned to ALIGN (a power of two, at least 16); NULL with
 * errno ENOMEM when the arena is exhausted.  Thread-safe. */
LA_HIDDEN void *boot_alloc(size_t align, size_t n);

/* Whether P lies in the arena. */
LA_HIDDEN int boot_owns(const void *p);

/* The size asked for the arena block at P (P from boot_alloc). */
LA_HIDDEN size_t boot_size(const void *p);

#endif
