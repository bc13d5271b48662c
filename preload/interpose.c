/*
 * interpose.c: the names the shim takes over from libc.  Each only
 * forwards to the core (core.h); the logic lives there, once.  These and
 * leak_mark are the only symbols the library exports.
 */
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "core.h"
#include "side.h"

#define LEAKAUDIT_SHIM 1
#include "leakaudit.h"

/* The malloc family runs on the shim's own stack (side.h). */
LA_EXPORT void *malloc(size_t n) { void *p = LA_ON_SIDE(void *, la_malloc, n, LA_CALLER); LA_SCRUB_SCRATCH(); return p; }
LA_EXPORT void free(void *p) { LA_ON_SIDE_VOID(la_free, p); }
LA_EXPORT void *calloc(size_t n, size_t m) { void *p = LA_ON_SIDE(void *, la_calloc, n, m, LA_CALLER); LA_SCRUB_SCRATCH(); return p; }
LA_EXPORT void *realloc(void *p, size_t n) { void *q = LA_ON_SIDE(void *, la_realloc, p, n, LA_CALLER); LA_SCRUB_SCRATCH(); return q; }
LA_EXPORT void *reallocarray(void *p, size_t n, size_t m) { void *q = LA_ON_SIDE(void *, la_reallocarray, p, n, m, LA_CALLER); LA_SCRUB_SCRATCH(); return q; }
LA_EXPORT int posix_memalign(void **out, size_t a, size_t n) { int rc = LA_ON_SIDE(int, la_posix_memalign, out, a, n, LA_CALLER); LA_SCRUB_SCRATCH(); return rc; }
LA_EXPORT void *aligned_alloc(size_t a, size_t n) { void *p = LA_ON_SIDE(void *, la_aligned_alloc, a, n, LA_CALLER); LA_SCRUB_SCRATCH(); return p; }
LA_EXPORT void *memalign(size_t a, size_t n) { void *p = LA_ON_SIDE(void *, la_memalign, a, n, LA_CALLER); LA_SCRUB_SCRATCH(); return p; }
LA_EXPORT void *valloc(size_t n) { void *p = LA_ON_SIDE(void *, la_valloc, n, LA_CALLER); LA_SCRUB_SCRATCH(); return p; }
LA_EXPORT void *pvalloc(size_t n) { void *p = LA_ON_SIDE(void *, la_pvalloc, n, LA_CALLER); LA_SCRUB_SCRATCH(); return p; }
LA_EXPORT size_t malloc_usable_size(void *p) { return la_malloc_usable_size(p); }

LA_EXPORT int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg) { return la_pthread_create(t, a, fn, arg); }

LA_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old) { return la_sigaction(sig, act, old); }
LA_EXPORT sighandler_t signal(int sig, sighandler_t h) { return la_signal(sig, h, LA_SIGNAL); }
sighandler_t bsd_signal(int sig, sighandler_t h); /* (not declared for _GNU_SOURCE) */
LA_EXPORT sighandler_t bsd_signal(int sig, sighandler_t h) { return la_signal(sig, h, LA_BSD_SIGNAL); }
LA_EXPORT sighandler_t sysv_signal(int sig, sighandler_t h) { return la_signal(sig, h, LA_SYSV_SIGNAL); }
LA_EXPORT sighandler_t __sysv_signal(int sig, sighandler_t h) { return la_signal(sig, h, LA___SYSV_SIGNAL); }
LA_EXPORT sighandler_t sigset(int sig, sighandler_t h) { return la_signal(sig, h, LA_SIGSET); }
LA_EXPORT int dlclose(void *handle) { return la_dlclose(handle); }
LA_EXPORT int daemon(int nochdir, int noclose) { return la_daemon(nochdir, noclose); }

LA_EXPORT int leak_mark(const void *ptr, const char *why) { return la_mark(ptr, why, LA_CALLER); }
LA_EXPORT int leak_snapshot(void) { struct la_context c; LA_CALLER_CONTEXT(c); return la_leak_snapshot(&c); }

LA_EXPORT void exit(int status) { struct la_context c; LA_CALLER_CONTEXT(c); la_exit(status, &c); }
LA_EXPORT void abort(void) { struct la_context c; LA_CALLER_CONTEXT(c); la_abort(&c); }
LA_EXPORT void _exit(int status) { struct la_context c; LA_CALLER_CONTEXT(c); la_exit_now(status, 0, &c); }
LA_EXPORT void _Exit(int status) { struct la_context c; LA_CALLER_CONTEXT(c); la_exit_now(status, 1, &c); }
int __libc_start_main(int (*main)(int, char **, char **), int argc,
                      char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end);
LA_EXPORT int __libc_start_main(int (*main)(int, char **, char **), int argc,
                                char **argv, void (*init)(void),
                                void (*fini)(void), void (*rtld_fini)(void),
                                void *stack_end)
{
    return la_start_main(main, argc, argv, init, fini, rtld_fini, stack_end);
}
