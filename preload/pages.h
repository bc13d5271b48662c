/*
 * pages.h: pages from the kernel for the shim's own tables (never from
 * malloc, so they are never recorded nor mistaken for the program's heap),
 * listed so that the exit-time scan skips them (pages.c).
 */
#ifndef LA_PAGES_H
#define LA_PAGES_H

#include "shim.h"

/* BYTES (rounded up to pages) of zeroed memory.  Returns NULL on failure,
 * with errno kept. */
LA_HIDDEN void *pages_alloc(size_t bytes);
/* The same without reserving swap: address space, whose pages the kernel
 * supplies on first touch. */
LA_HIDDEN void *pages_reserve(size_t bytes);
/* Gives back P, of BYTES, from pages_alloc or pages_reserve.  NULL is
 * ignored; errno is kept. */
LA_HIDDEN void pages_free(void *p, size_t bytes);

/* A copy of the list of the shim's own mappings: up to CAP (start, end)
 * pairs into OUT, sorted by start.  Returns how many there are (which may
 * exceed CAP). */
LA_HIDDEN size_t pages_list(uintptr_t (*out)[2], size_t cap);

/* For a writer child, whose copy of the lock may be held by a thread that
 * does not exist there. */
LA_HIDDEN void pages_reset_lock(void);

#endif
