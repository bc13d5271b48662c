/*
 * leakaudit.h: the program-facing API of leakaudit.
 *
 * A program calls leak_mark() on a heap block it leaks on purpose (a config
 * loaded once, a table that lives for the whole run).  The call needs no
 * link-time dependency: it looks the shim up at run time, so without
 * libleakaudit.so preloaded it does nothing and returns 0, and the call can
 * stay in production code.  Safe to call from any thread.
 *
 * A long-running program (a server that never exits) calls leak_snapshot()
 * to have its live blocks recorded now, as a snapshot run, and goes on;
 * leakaudit-report --growth compares two snapshots of one process.
 */
#ifndef LEAKAUDIT_H
#define LEAKAUDIT_H

#ifdef __cplusplus
extern "C" {
#endif

#ifdef LEAKAUDIT_SHIM
/* Inside the shim: the real definitions. */
int leak_mark(const void *ptr, const char *why);
int leak_snapshot(void);
#else

#include <dlfcn.h>

/* The shim's function NAME, looked up once into *CACHE: NULL without the
 * shim. */
static inline void *leakaudit_lookup_(const char *name, void **cache)
{
    /* 0: not looked up yet; 1: looked up, no shim; else the function. */
    void *fn = __atomic_load_n(cache, __ATOMIC_ACQUIRE);

    if (fn == 0) {
        /* (void *)0 is RTLD_DEFAULT, spelled out so that the header does not
         * need _GNU_SOURCE. */
        fn = dlsym((void *)0, name);
        if (fn == 0)
            fn = (void *)1;
        __atomic_store_n(cache, fn, __ATOMIC_RELEASE);
    }
    return fn == (void *)1 ? (void *)0 : fn;
}

/*
 * Registers the heap block that PTR points at (its start or any byte inside
 * it) as an intentional leak; WHY (may be NULL) is copied.  Everything
 * reachable from the block is intentional too.
 * Returns 0; or -1 with errno ENOENT when the shim is loaded and no live
 * block holds PTR.  Without the shim: 0, and errno is left alone.
 */
static inline int leak_mark(const void *ptr, const char *why)
{
    typedef int (*leakaudit_mark_fn)(const void *, const char *);
    static void *cache;
    leakaudit_mark_fn fn = (leakaudit_mark_fn)leakaudit_lookup_("leak_mark", &cache);

    if (!fn)
        return 0;
    int rc = fn(ptr, why);
    /* Not a tail call: the caller's frame must stay in the mark site. */
    __asm__ volatile("" : "+r"(rc));
    return rc;
}

/*
 * Records the live blocks now, with their classes, as a snapshot run (the
 * reachability scan and the writing happen in a copy of the process: the
 * program goes on at once).  Returns 0; or -1 with errno (EINVAL when the
 * shim has stopped recording, EAGAIN or ENOMEM when no copy could be
 * made).  Without the shim: 0.
 */
static inline int leak_snapshot(void)
{
    static void *cache;
    int (*fn)(void) = (int (*)(void))leakaudit_lookup_("leak_snapshot", &cache);

    return fn ? fn() : 0;
}

#endif /* LEAKAUDIT_SHIM */

#ifdef __cplusplus
}
#endif

#endif /* LEAKAUDIT_H */
