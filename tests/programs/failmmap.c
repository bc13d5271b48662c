/*
 * failmmap.c: a preloaded library that makes mmap() fail with ENOMEM while
 * the program says so: failmmap_arm() starts it, failmmap_disarm() ends it
 * (the program finds them with dlsym).  Preloaded before the shim, it sees
 * the shim's own mmap calls, and only those (libc's malloc maps through an
 * internal name): memory running out for the shim alone.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

void failmmap_arm(void);
void failmmap_disarm(void);

static int armed;
static long failed;

void failmmap_arm(void)
{
    __atomic_store_n(&armed, 1, __ATOMIC_RELEASE);
}

void failmmap_disarm(void)
{
    __atomic_store_n(&armed, 0, __ATOMIC_RELEASE);
    fprintf(stderr, "failmmap: %ld calls failed\n", failed);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    static void *(*real)(void *, size_t, int, int, int, off_t);

    if (__atomic_load_n(&armed, __ATOMIC_ACQUIRE)) {
        __atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
        errno = ENOMEM;
        return MAP_FAILED;
    }
    if (!real)
        real = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
    return real(addr, len, prot, flags, fd, off);
}
