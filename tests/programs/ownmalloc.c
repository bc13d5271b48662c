/*
 * ownmalloc.c: an allocator of its own, the way Chromium's PartitionAlloc
 * replaces malloc in its executable: a bump allocator over 64 MiB.  Built
 * into a program (it leaks a block, prints a line) and, with
 * -DOWNMALLOC_LIBRARY, into a library to preload before the shim, as
 * jemalloc or tcmalloc would be.  The shim sees none of its blocks and
 * must say so (tests/run-verdict.sh).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static char arena[64 << 20] __attribute__((aligned(16)));
static size_t used;

/* Not malloc itself in calloc: gcc would make its malloc + memset a call
 * to calloc, that is to itself (and the loader calls calloc). */
static __attribute__((noinline)) void *take(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n > sizeof arena - used)
        return NULL;
    void *p = arena + used;
    used += n;
    return p;
}

void *malloc(size_t n)
{
    return take(n);
}

void free(void *p)
{
    (void)p;
}

void *calloc(size_t n, size_t m)
{
    if (m && n > (size_t)-1 / m)
        return NULL;
    void *p = take(n * m);
    if (p)
        memset(p, 0, n * m);
    return p;
}

void *realloc(void *p, size_t n)
{
    void *q = malloc(n);
    /* Blocks only grow past their old end: copying N bytes reads at most
     * into the arena's later bytes. */
    if (q && p)
        memmove(q, p, n);
    return q;
}

#ifndef OWNMALLOC_LIBRARY
static void *volatile sink;

int main(void)
{
    sink = malloc(100);
    sink = NULL;
    puts("own malloc");
    return 0;
}
#endif
