/*
 * real.c: the table of libc's functions behind the interposers (real.h).
 * Written once by real_resolve, read with acquire loads (REAL) by threads
 * that may race with the start.
 */
#include <dlfcn.h>

#include "real.h"

struct la_real la_real;

#define REAL_RESOLVE(field, name)                                              \
    __atomic_store_n(&la_real.field, (__typeof__(la_real.field))dlsym(RTLD_NEXT, name), \
                     __ATOMIC_RELEASE)

void real_resolve(void)
{
    REAL_RESOLVE(malloc, "malloc");
    REAL_RESOLVE(free, "free");
    REAL_RESOLVE(calloc, "calloc");
    REAL_RESOLVE(realloc, "realloc");
    REAL_RESOLVE(reallocarray, "reallocarray");
    REAL_RESOLVE(posix_memalign, "posix_memalign");
    REAL_RESOLVE(aligned_alloc, "aligned_alloc");
    REAL_RESOLVE(memalign, "memalign");
    REAL_RESOLVE(valloc, "valloc");
    REAL_RESOLVE(pvalloc, "pvalloc");
    REAL_RESOLVE(malloc_usable_size, "malloc_usable_size");
    REAL_RESOLVE(exit, "exit");
    REAL_RESOLVE(exit_now[0], "_exit");
    REAL_RESOLVE(exit_now[1], "_Exit");
    REAL_RESOLVE(start_main, "__libc_start_main");
    REAL_RESOLVE(pthread_create, "pthread_create");
    REAL_RESOLVE(sigaction, "sigaction");
    REAL_RESOLVE(signal[LA_SIGNAL], "signal");
    REAL_RESOLVE(signal[LA_BSD_SIGNAL], "bsd_signal");
    REAL_RESOLVE(signal[LA_SYSV_SIGNAL], "sysv_signal");
    REAL_RESOLVE(signal[LA___SYSV_SIGNAL], "__sysv_signal");
    REAL_RESOLVE(signal[LA_SIGSET], "sigset");
    REAL_RESOLVE(dlclose, "dlclose");
    REAL_RESOLVE(daemon, "daemon");
    REAL_RESOLVE(abort, "abort");
}

void real_forget_malloc(void)
{
    __atomic_store_n(&la_real.malloc, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&la_real.free, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&la_real.calloc, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&la_real.realloc, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&la_real.reallocarray, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&la_real.posix_memalign, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&la_real.aligned_alloc, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&la_real.memalign, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&la_real.valloc, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&la_real.pvalloc, NULL, __ATOMIC_RELEASE);
}
