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
/* The same without reserving swap: address space, whose pages the kernel
 * supplies on first touch. */
LA_HIDDEN void *la_pages_reserve(size_t bytes);

/* A copy of the list of the shim's own mappings: up to CAP (start, end)
 * pairs into OUT, sorted by start.  Returns how many there are (which may
 * exceed CAP). */
LA_HIDDEN size_t la_pages_list(uintptr_t (*out)[2], size_t cap);

/* For a snapshot child, whose copy of the lock may be held by a thread
 * that does not exist there. */
LA_HIDDEN void la_pages_reset_lock(void);

/* Copies LEN bytes of the process's memory at SRC to DST without faulting
 * (process_vm_readv on itself; plain copies where that is refused).
 * Returns how many bytes could be read from the start. */
LA_HIDDEN size_t la_peek(void *dst, uintptr_t src, size_t len);

/* The same for N pieces at once, REMOTE[i] into LOCAL[i] (of the same
 * lengths): one system call.  Returns the bytes read, which end at the end
 * of a piece: the pieces after a piece that is not mapped are not read. */
struct iovec;
LA_HIDDEN size_t la_peekv(const struct iovec *local, const struct iovec *remote, size_t n);

/* /proc/self/maps, read whole into the shim's pages: the text,
 * NUL-terminated, with its mapping size in *CAP (free with la_pages_free);
 * NULL when it cannot be read. */
LA_HIDDEN char *la_read_maps(size_t *cap);

/* One mapping of that text; PATH is "" for anonymous memory. */
struct la_map {
    uintptr_t lo, hi, offset;
    unsigned long inode;
    char perms[5];
    char path[4096];
};

/* Parses the next line at *CURSOR (which it advances; the text is left
 * as it is) into M.  Returns 1, or 0 at the end of the text. */
LA_HIDDEN int la_maps_line(const char **cursor, struct la_map *m);

#endif
