/*
 * pages.c: the shim's page allocator.  Every mapping it hands out is kept
 * in a list, so that the reachability scan never takes the shim's tables
 * (which hold the address of every block) for the program's memory.  The
 * list itself lives in a mapping of its own, also listed.  Mappings are
 * few and large: a linear list under a spinlock is enough.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shim.h"

struct pg_range {
    uintptr_t start, end;
};

static struct pg_range *pg_list;
static size_t pg_count, pg_cap;
static int pg_lock;

static void pg_acquire(void)
{
    while (__atomic_exchange_n(&pg_lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&pg_lock, __ATOMIC_RELAXED))
            __builtin_ia32_pause();
}

static void pg_release(void)
{
    __atomic_store_n(&pg_lock, 0, __ATOMIC_RELEASE);
}

static void *pg_map(size_t bytes, int flags)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Adds [P, P+BYTES) to the list (lock held).  Returns 0, or -1 when the
 * list cannot grow. */
static int pg_add(void *p, size_t bytes)
{
    if (pg_count == pg_cap) {
        size_t ncap = pg_cap ? pg_cap * 2 : 256;
        struct pg_range *n = pg_map(ncap * sizeof *n, 0);
        if (!n)
            return -1;
        for (size_t i = 0; i < pg_count; i++)
            n[i] = pg_list[i];
        struct pg_range *old = pg_list;
        size_t oldcap = pg_cap;
        pg_list = n;
        pg_cap = ncap;
        /* The list's own mapping is listed too. */
        if (old)
            munmap(old, oldcap * sizeof *old);
        for (size_t i = 0; i < pg_count; i++)
            if (pg_list[i].start == (uintptr_t)old) {
                pg_list[i] = pg_list[--pg_count];
                break;
            }
        pg_list[pg_count++] = (struct pg_range){ (uintptr_t)n, (uintptr_t)n + ncap * sizeof *n };
    }
    pg_list[pg_count++] = (struct pg_range){ (uintptr_t)p, (uintptr_t)p + bytes };
    return 0;
}

/* What the kernel maps for BYTES: whole pages. */
static size_t pg_round(size_t bytes)
{
    return (bytes + 4095) & ~(size_t)4095;
}

/* Pages mapped with FLAGS added, and listed. */
static void *pg_get(size_t bytes, int flags)
{
    int saved = errno;
    void *p;

    bytes = pg_round(bytes);
    p = pg_map(bytes, flags);

    if (p) {
        pg_acquire();
        if (pg_add(p, bytes) != 0) {
            munmap(p, bytes);
            p = NULL;
        }
        pg_release();
    }
    errno = saved;
    return p;
}

void *la_pages(size_t bytes)
{
    return pg_get(bytes, 0);
}

void *la_pages_reserve(size_t bytes)
{
    return pg_get(bytes, MAP_NORESERVE);
}

void la_pages_free(void *p, size_t bytes)
{
    int saved = errno;

    if (!p)
        return;
    bytes = pg_round(bytes);
    pg_acquire();
    for (size_t i = 0; i < pg_count; i++)
        if (pg_list[i].start == (uintptr_t)p) {
            pg_list[i] = pg_list[--pg_count];
            break;
        }
    munmap(p, bytes);
    pg_release();
    errno = saved;
}

static int pg_cmp(const void *a, const void *b)
{
    const uintptr_t *x = a, *y = b;

    return x[0] < y[0] ? -1 : x[0] > y[0];
}

size_t la_pages_list(uintptr_t (*out)[2], size_t cap)
{
    size_t n;

    pg_acquire();
    n = pg_count;
    for (size_t i = 0; i < n && i < cap; i++) {
        out[i][0] = pg_list[i].start;
        out[i][1] = pg_list[i].end;
    }
    pg_release();
    qsort(out, n < cap ? n : cap, sizeof *out, pg_cmp);
    return n;
}

void la_pages_reset_lock(void)
{
    pg_lock = 0;
}

size_t la_peekv(const struct iovec *local, const struct iovec *remote, size_t n)
{
    static int direct; /* process_vm_readv refused: plain copies */

    if (!__atomic_load_n(&direct, __ATOMIC_RELAXED)) {
        ssize_t got = process_vm_readv(getpid(), local, n, remote, n, 0);
        if (got >= 0)
            return (size_t)got;
        if (errno != ENOSYS && errno != EPERM)
            return 0;
        __atomic_store_n(&direct, 1, __ATOMIC_RELAXED);
    }
    size_t got = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(local[i].iov_base, remote[i].iov_base, remote[i].iov_len);
        got += remote[i].iov_len;
    }
    return got;
}

size_t la_peek(void *dst, uintptr_t src, size_t len)
{
    struct iovec l = { dst, len }, r = { (void *)src, len };

    return la_peekv(&l, &r, 1);
}

char *la_read_maps(size_t *cap)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    size_t len = 0;
    char *text;

    *cap = 1 << 20;
    if (fd < 0)
        return NULL;
    text = la_pages(*cap);
    while (text) {
        ssize_t n = read(fd, text + len, *cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len + 1 == *cap) {
            char *bigger = la_pages(*cap * 2);
            if (bigger)
                memcpy(bigger, text, len);
            la_pages_free(text, *cap);
            text = bigger;
            *cap *= 2;
        }
    }
    close(fd);
    if (text)
        text[len] = '\0';
    return text;
}

int la_maps_line(const char **cursor, struct la_map *m)
{
    const char *line = *cursor;
    char *end;

    while (*line) {
        const char *eol = strchr(line, '\n');
        if (!eol)
            eol = line + strlen(line);
        *cursor = *eol ? eol + 1 : eol;
        m->lo = strtoul(line, &end, 16);
        if (*end == '-' && end < eol) {
            m->hi = strtoul(end + 1, &end, 16);
            while (*end == ' ')
                end++;
            memset(m->perms, 0, sizeof m->perms);
            memcpy(m->perms, end, 4);
            end += strnlen(end, 4);
            m->offset = strtoul(end, &end, 16);
            /* Then the device and the inode; the path is the sixth field. */
            for (int field = 0; field < 2 && end < eol; field++) {
                while (*end == ' ')
                    end++;
                if (field == 1)
                    m->inode = strtoul(end, NULL, 10);
                while (end < eol && *end != ' ')
                    end++;
            }
            while (end < eol && *end == ' ')
                end++;
            size_t n = (size_t)(eol - end);
            if (n >= sizeof m->path)
                n = sizeof m->path - 1;
            memcpy(m->path, end, n);
            m->path[n] = '\0';
            return 1;
        }
        line = *cursor;
    }
    return 0;
}
