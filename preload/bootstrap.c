/*
 * bootstrap.c: the arenas behind bootstrap.h.
 *
 * The start arena is used a handful of times per process, during the
 * shim's own start: a bump pointer, never reset.
 *
 * The private heap serves a writer child (child.c), a copy of the process
 * made with one thread in which glibc's malloc locks may be held forever by
 * threads that do not exist there.  It is one reservation of address space
 * whose pages the kernel supplies on first touch, carved into blocks of
 * power-of-two classes that free() recycles.  Only that child's single
 * thread uses it: no locks.
 */
#include <errno.h>
#include <string.h>

#include "bootstrap.h"
#include "pages.h"

#define BOOT_BYTES (256u * 1024u)
#define PRIV_BYTES (64ul << 30) /* address space only */
#define PRIV_CLASSES 48
#define PRIV_NO_CLASS 0xff      /* over-aligned: never recycled */

static char boot_arena[BOOT_BYTES] __attribute__((aligned(4096)));
static size_t boot_used;

static char *priv_base;
static size_t priv_used;
static void *priv_free[PRIV_CLASSES];

/* 16 bytes before each block hold its size and, in the private heap, its
 * class. */
struct boot_hdr {
    size_t size;
    size_t cls;
};

static struct boot_hdr *hdr(const void *p)
{
    return (struct boot_hdr *)((char *)p - sizeof(struct boot_hdr));
}

int boot_private(void)
{
    /* The shim's pages: the scan never takes them for the program's. */
    void *p = pages_reserve(PRIV_BYTES);

    if (!p)
        return -1;
    priv_base = p;
    priv_used = 0;
    memset(priv_free, 0, sizeof priv_free);
    return 0;
}

static void *priv_alloc(size_t align, size_t n)
{
    size_t cls = 0, room = 32;

    while (room - sizeof(struct boot_hdr) < n && cls < PRIV_CLASSES - 1) {
        room <<= 1;
        cls++;
    }
    if (room - sizeof(struct boot_hdr) < n) {
        errno = ENOMEM;
        return NULL;
    }
    if (align <= 16 && priv_free[cls]) {
        char *p = priv_free[cls];
        priv_free[cls] = *(void **)p;
        memset(p, 0, n);
        hdr(p)->size = n;
        return p;
    }
    size_t start = (priv_used + sizeof(struct boot_hdr) + align - 1) & ~(align - 1);
    if (start > PRIV_BYTES || room > PRIV_BYTES - start) {
        errno = ENOMEM;
        return NULL;
    }
    priv_used = start + room - sizeof(struct boot_hdr);
    char *p = priv_base + start;
    hdr(p)->size = n;
    hdr(p)->cls = align <= 16 ? cls : PRIV_NO_CLASS;
    return p;
}

void *boot_alloc(size_t align, size_t n)
{
    if (align < 16)
        align = 16;
    if (priv_base)
        return priv_alloc(align, n);

    size_t old = __atomic_load_n(&boot_used, __ATOMIC_RELAXED), start, end;
    do {
        start = (old + sizeof(struct boot_hdr) + align - 1) & ~(align - 1);
        if (start > BOOT_BYTES || n > BOOT_BYTES - start) {
            errno = ENOMEM;
            return NULL;
        }
        end = start + n;
    } while (!__atomic_compare_exchange_n(&boot_used, &old, end, 1,
                                          __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    hdr(boot_arena + start)->size = n;
    return boot_arena + start;
}

static int priv_owns(const void *p)
{
    return priv_base && (const char *)p >= priv_base &&
           (const char *)p < priv_base + PRIV_BYTES;
}

int boot_owns(const void *p)
{
    return ((const char *)p >= boot_arena &&
            (const char *)p < boot_arena + BOOT_BYTES) || priv_owns(p);
}

size_t boot_size(const void *p)
{
    return hdr(p)->size;
}

void boot_free(void *p)
{
    if (!priv_owns(p) || hdr(p)->cls >= PRIV_CLASSES)
        return;
    *(void **)p = priv_free[hdr(p)->cls];
    priv_free[hdr(p)->cls] = p;
}
