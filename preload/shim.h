/*
 * shim.h: what every file of the shim shares: visibility, branch hints and
 * the warning line.  Nothing here allocates.
 */
#ifndef LA_SHIM_H
#define LA_SHIM_H

#include <stddef.h>
#include <stdint.h>

#define LA_HIDDEN __attribute__((visibility("hidden")))
#define LA_EXPORT __attribute__((visibility("default")))
#define LA_NOINLINE __attribute__((noinline))
#define LA_LIKELY(x) __builtin_expect(!!(x), 1)
#define LA_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LA_STR_(x) #x
#define LA_STR(x) LA_STR_(x)
#define LA_TLS __thread __attribute__((tls_model("initial-exec")))

/*
 * Writes one line "leakaudit: MESSAGE\n" to stderr with a single write(2),
 * so lines of several processes do not interleave.  Keeps errno.  Long
 * messages are cut at 480 bytes.
 */
LA_HIDDEN void la_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Pages from the kernel for the shim's own tables (never from malloc, so
 * they are never recorded nor mistaken for the program's heap), listed so
 * that the exit-time scan skips them (pages.c).  Returns NULL on failure,
 * with errno kept. */
LA_HIDDEN void *la_pages(size_t bytes);
LA_HIDDEN void la_pages_free(void *p, size_t bytes);

/* A copy of the list of the shim's own mappings: up to CAP (start, end)
 * pairs into OUT, sorted by start.  Returns how many there are (which may
 * exceed CAP). */
LA_HIDDEN size_t la_pages_list(uintptr_t (*out)[2], size_t cap);

#endif
