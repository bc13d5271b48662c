/*
 * pages.c: the shim's page allocator.  Every mapping it hands out is kept
 * in a list, so that the reachability scan never takes the shim's tables
 * (which hold the address of every block) for the program's memory.  The
 * list itself lives in a mapping of its own, also listed.  Mappings are
 * few and large: a linear list under a spinlock is enough.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pages.h"

struct pg_range {
    uintptr_t start, end;
};

static struct pg_range *pg_list;
static size_t pg_count, pg_cap;
static int pg_lock;

static void pg_acquire(void)
{
    while (__atomic_exchange_n(&pg_lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&pg_lock, __ATOMIC_RELAXED))
            __builtin_ia32_pause();
}

static void pg_release(void)
{
    __atomic_store_n(&pg_lock, 0, __ATOMIC_RELEASE);
}

static void *pg_map(size_t bytes, int flags)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Adds [P, P+BYTES) to the list (lock held).  Returns 0, or -1 when the
 * list cannot grow. */
static int pg_add(void *p, size_t bytes)
{
    if (pg_count == pg_cap) {
        size_t ncap = pg_cap ? pg_cap * 2 : 256;
        struct pg_range *n = pg_map(ncap * sizeof *n, 0);
        if (!n)
            return -1;
        for (size_t i = 0; i < pg_count; i++)
            n[i] = pg_list[i];
        struct pg_range *old = pg_list;
        size_t oldcap = pg_cap;
        pg_list = n;
        pg_cap = ncap;
        /* The list's own mapping is listed too. */
        if (old)
            munmap(old, oldcap * sizeof *old);
        for (size_t i = 0; i < pg_count; i++)
            if (pg_list[i].start == (uintptr_t)old) {
                pg_list[i] = pg_list[--pg_count];
                break;
            }
        pg_list[pg_count++] = (struct pg_range){ (uintptr_t)n, (uintptr_t)n + ncap * sizeof *n };
    }
    pg_list[pg_count++] = (struct pg_range){ (uintptr_t)p, (uintptr_t)p + bytes };
    return 0;
}

/* What the kernel maps for BYTES: whole pages. */
static size_t pg_round(size_t bytes)
{
    return (bytes + 4095) & ~(size_t)4095;
}

/* Pages mapped with FLAGS added, and listed. */
static void *pg_get(size_t bytes, int flags)
{
    int saved = errno;
    void *p;

    bytes = pg_round(bytes);
    p = pg_map(bytes, flags);

    if (p) {
        pg_acquire();
        if (pg_add(p, bytes) != 0) {
            munmap(p, bytes);
            p = NULL;
        }
        pg_release();
    }
    errno = saved;
    return p;
}

void *pages_alloc(size_t bytes)
{
    return pg_get(bytes, 0);
}

void *pages_reserve(size_t bytes)
{
    return pg_get(bytes, MAP_NORESERVE);
}

void pages_free(void *p, size_t bytes)
{
    int saved = errno;

    if (!p)
        return;
    bytes = pg_round(bytes);
    pg_acquire();
    for (size_t i = 0; i < pg_count; i++)
        if (pg_list[i].start == (uintptr_t)p) {
            pg_list[i] = pg_list[--pg_count];
            break;
        }
    munmap(p, bytes);
    pg_release();
    errno = saved;
}

static int pg_cmp(const void *a, const void *b)
{
    const uintptr_t *x = a, *y = b;

    return x[0] < y[0] ? -1 : x[0] > y[0];
}

size_t pages_list(uintptr_t (*out)[2], size_t cap)
{
    size_t n;

    pg_acquire();
    n = pg_count;
    for (size_t i = 0; i < n && i < cap; i++) {
        out[i][0] = pg_list[i].start;
        out[i][1] = pg_list[i].end;
    }
    pg_release();
    qsort(out, n < cap ? n : cap, sizeof *out, pg_cmp);
    return n;
}

void pages_reset_lock(void)
{
    pg_lock = 0;
}
