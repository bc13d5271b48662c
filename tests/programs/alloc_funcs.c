/*
 * alloc_funcs.c: every function of the malloc family, its libc semantics
 * (results, errno, alignment) printed so that a run under the shim can be
 * compared byte for byte with a bare run; and one block kept from each, of
 * a known size, for the database to show.  Output goes through dprintf so
 * that stdio allocates no buffer.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile keep[16];
static int nkeep;
static int failures;

static void check(const char *what, int ok)
{
    dprintf(1, "%-44s %s\n", what, ok ? "ok" : "FAILED");
    failures += !ok;
}

static int aligned(const void *p, size_t a)
{
    return ((uintptr_t)p & (a - 1)) == 0;
}

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    void *p, *q;
    int rc;

    /* malloc */
    p = malloc(11);
    check("malloc(11)", p != NULL && aligned(p, 16));
    keep[nkeep++] = p;
    p = malloc(0);
    check("malloc(0) gives a unique pointer", p != NULL);
    keep[nkeep++] = p;
    errno = 0;
    check("malloc(SIZE_MAX) fails with ENOMEM", malloc(SIZE_MAX) == NULL && errno == ENOMEM);
    check("malloc_usable_size >= asked", malloc_usable_size(keep[0]) >= 11);

    /* calloc */
    p = calloc(3, 7);
    check("calloc(3, 7) zeroed", p && memcmp(p, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 21) == 0);
    keep[nkeep++] = p;
    errno = 0;
    check("calloc overflow fails with ENOMEM", calloc(SIZE_MAX / 2, 4) == NULL && errno == ENOMEM);

    /* realloc */
    p = realloc(NULL, 5);
    check("realloc(NULL, 5) allocates", p != NULL);
    memcpy(p, "abcd", 5);
    q = realloc(p, 33);
    check("realloc grows and keeps the bytes", q && memcmp(q, "abcd", 5) == 0);
    keep[nkeep++] = q;
    p = malloc(8);
    errno = 0;
    q = realloc(p, 0);
    check("realloc(p, 0) frees and returns NULL", q == NULL);
    p = malloc(8);
    errno = 0;
    q = realloc(p, SIZE_MAX - 4096);
    check("realloc too big fails, keeps the block", q == NULL && errno == ENOMEM);
    free(p);

    /* reallocarray */
    p = reallocarray(NULL, 5, 9);
    check("reallocarray(NULL, 5, 9)", p != NULL);
    keep[nkeep++] = p;
    q = malloc(4);
    errno = 0;
    check("reallocarray overflow fails with ENOMEM",
          reallocarray(q, SIZE_MAX / 2, 4) == NULL && errno == ENOMEM);
    free(q);

    /* posix_memalign */
    rc = posix_memalign(&p, 64, 55);
    check("posix_memalign(64, 55)", rc == 0 && aligned(p, 64));
    keep[nkeep++] = p;
    q = (void *)0x1;
    check("posix_memalign bad alignment is EINVAL", posix_memalign(&q, 3, 8) == EINVAL);
    check("posix_memalign leaves *out alone on error", q == (void *)0x1);
    check("posix_memalign too big is ENOMEM", posix_memalign(&q, 64, SIZE_MAX - 4096) == ENOMEM);

    /* aligned_alloc, memalign, valloc, pvalloc */
    p = aligned_alloc(64, 128);
    check("aligned_alloc(64, 128)", p && aligned(p, 64));
    keep[nkeep++] = p;
    /* glibc before 2.38 accepts any alignment here, later ones fail with
     * EINVAL: print what this libc does, so that the shim must match it. */
    errno = 0;
    p = aligned_alloc(3, 8);
    dprintf(1, "aligned_alloc(3, 8): %s, errno %d\n", p ? "a block" : "NULL", errno);
    free(p);
    p = memalign(256, 77);
    check("memalign(256, 77)", p && aligned(p, 256));
    keep[nkeep++] = p;
    p = valloc(99);
    check("valloc(99) is page aligned", p && aligned(p, (size_t)page));
    keep[nkeep++] = p;
    p = pvalloc(111);
    check("pvalloc(111) is page aligned", p && aligned(p, (size_t)page));
    keep[nkeep++] = p;

    /* free */
    free(NULL);
    p = malloc(16);
    errno = 1234;
    free(p);
    check("free keeps errno", errno == 1234);
    errno = 0;
    p = malloc(16);
    check("malloc success leaves errno alone", p && errno == 0);
    free(p);

    dprintf(1, "%d failures, %d blocks kept\n", failures, nkeep);
    return failures != 0;
}
