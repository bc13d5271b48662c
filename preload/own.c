/*
 * own.c: the shim's own allocations (own.h).  The hooks' forwarding paths
 * use the same functions, so a block is freed by whoever allocated it.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "bootstrap.h"
#include "own.h"
#include "real.h"

void *own_malloc(size_t n)
{
    void *(*f)(size_t) = REAL(malloc);

    return f ? f(n) : boot_alloc(16, n);
}

void *own_calloc(size_t n, size_t m)
{
    void *(*f)(size_t, size_t) = REAL(calloc);

    if (f)
        return f(n, m);
    if (m && n > SIZE_MAX / m) {
        errno = ENOMEM;
        return NULL;
    }
    return boot_alloc(16, n * m);
}

void *own_realloc(void *old, size_t n)
{
    if (old && boot_owns(old)) {
        void *p = own_malloc(n);
        if (p) {
            size_t have = boot_size(old);
            memcpy(p, old, have < n ? have : n);
            boot_free(old);
        }
        return p;
    }
    void *(*f)(void *, size_t) = REAL(realloc);
    if (f)
        return f(old, n);
    /* Only while starting (no block but the arena's exists yet) and in a
     * writer child, where libc's blocks are copied out and never given
     * back. */
    void *p = boot_alloc(16, n);
    size_t (*usable)(void *) = REAL(malloc_usable_size);
    if (p && old && usable) {
        size_t have = usable(old);
        memcpy(p, old, have < n ? have : n);
    }
    return p;
}

void own_free(void *p)
{
    if (!p)
        return;
    if (boot_owns(p)) {
        boot_free(p);
        return;
    }
    void (*f)(void *) = REAL(free);
    if (f)
        f(p);
}

char *own_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = own_malloc(n);

    if (p)
        memcpy(p, s, n);
    return p;
}
