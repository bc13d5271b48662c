/*
 * bootstrap.h: memory the hooks serve when libc's allocator cannot be
 * used.  Two arenas:
 *
 * - the start arena, for allocations made before the real malloc is known
 *   (dlsym's own calloc while the shim resolves libc).  Its blocks are
 *   never freed: free() ignores them, realloc() copies out of them;
 * - the private heap of a writer child (child.c), switched on by
 *   boot_private(): from then on boot_alloc serves from it and boot_free
 *   recycles its blocks.  Single-threaded.
 */
#ifndef LA_BOOTSTRAP_H
#define LA_BOOTSTRAP_H

#include "shim.h"

/* N zeroed bytes aligned to ALIGN (a power of two, at least 16); NULL with
 * errno ENOMEM when the arena is exhausted.  Thread-safe until
 * boot_private(). */
LA_HIDDEN void *boot_alloc(size_t align, size_t n);

/* Whether P lies in either arena. */
LA_HIDDEN int boot_owns(const void *p);

/* The size asked for the block at P (P from boot_alloc). */
LA_HIDDEN size_t boot_size(const void *p);

/* Gives back the block at P (P from boot_alloc): recycled in the private
 * heap, ignored in the start arena. */
LA_HIDDEN void boot_free(void *p);

/* Reserves the private heap and serves every later boot_alloc from it.
 * Returns 0, or -1 when the address space cannot be reserved. */
LA_HIDDEN int boot_private(void);

#endif
