/*
 * shim.h: what every file of the shim shares: visibility, branch hints and
 * the warning line.  Nothing here allocates.  Names: la_ for the core's
 * state and the entry points of core.h; every other file's functions carry
 * its own prefix (pages_ in pages.c, scan_ in scan.c, ...).
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

#endif
