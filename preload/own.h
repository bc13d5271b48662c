/*
 * own.h: the shim's own allocations (the writer's bitmaps, the list of
 * modules, marks' reasons, the copy of argv): libc's allocator called
 * directly while it is known, never through the hooks the shim exports
 * (they would record them, or recurse), and the private heap (bootstrap.h)
 * before the start and in a writer child.  Same semantics as libc's
 * functions, errno included; never recorded.
 */
#ifndef LA_OWN_H
#define LA_OWN_H

#include "shim.h"

LA_HIDDEN void *own_malloc(size_t n);
LA_HIDDEN void *own_calloc(size_t n, size_t m);
/* OLD may come from libc or from the bootstrap arenas. */
LA_HIDDEN void *own_realloc(void *old, size_t n);
LA_HIDDEN void own_free(void *p);
LA_HIDDEN char *own_strdup(const char *s);

#endif
