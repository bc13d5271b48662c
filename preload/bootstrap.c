/*
 * bootstrap.c: the arena behind bootstrap.h.  Used a handful of times per
 * process, during the shim's own start; a bump pointer, never reset.
 */
#include <errno.h>

#include "bootstrap.h"

#define BOOT_BYTES (256u * 1024u)

static char boot_arena[BOOT_BYTES] __attribute__((aligned(4096)));
static size_t boot_used;

void *boot_alloc(size_t align, size_t n)
{
    size_t old = __atomic_load_n(&boot_used, __ATOMIC_RELAXED), start, end;

    if (align < 16)
        align = 16;
    do {
        /* 16 bytes before each block hold its size. */
        start = (old + 16 + align - 1) & ~(align - 1);
        if (start > BOOT_BYTES || n > BOOT_BYTES - start) {
            errno = ENOMEM;
            return NULL;
        }
        end = start + n;
    } while (!__atomic_compare_exchange_n(&boot_used, &old, end, 1,
                                          __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    *(size_t *)(boot_arena + start - 16) = n;
    return boot_arena + start;
}

int boot_owns(const void *p)
{
    return (const char *)p >= boot_arena &&
           (const char *)p < boot_arena + BOOT_BYTES;
}

size_t boot_size(const void *p)
{
    return *(const size_t *)((const char *)p - 16);
}
