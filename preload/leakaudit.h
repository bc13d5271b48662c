/*
 * leakaudit.h: the program-facing API of leakaudit.
 *
 * A program calls leak_mark() on a heap block it leaks on purpose (a config
 * loaded once, a table that lives for the whole run).  The call needs no
 * link-time dependency: it looks the shim up at run time, so without
 * libleakaudit.so preloaded it does nothing and returns 0, and the call can
 * stay in production code.  Safe to call from any thread.
 */
#ifndef LEAKAUDIT_H
#define LEAKAUDIT_H

#ifdef __cplusplus
extern "C" {
#endif

#ifdef LEAKAUDIT_SHIM
/* Inside the shim: the real definition. */
int leak_mark(const void *ptr, const char *why);
#else

#include <dlfcn.h>

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
    /* 0: not looked up yet; 1: looked up, no shim; else the function. */
    static leakaudit_mark_fn cached;
    leakaudit_mark_fn fn = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);

    if (fn == 0) {
        /* (void *)0 is RTLD_DEFAULT, spelled out so that the header does not
         * need _GNU_SOURCE. */
        fn = (leakaudit_mark_fn)dlsym((void *)0, "leak_mark");
        if (fn == 0)
            fn = (leakaudit_mark_fn)1;
        __atomic_store_n(&cached, fn, __ATOMIC_RELEASE);
    }
    if (fn == (leakaudit_mark_fn)1)
        return 0;
    int rc = fn(ptr, why);
    /* Not a tail call: the caller's frame must stay in the mark site. */
    __asm__ volatile("" : "+r"(rc));
    return rc;
}

#endif /* LEAKAUDIT_SHIM */

#ifdef __cplusplus
}
#endif

#endif /* LEAKAUDIT_H */
