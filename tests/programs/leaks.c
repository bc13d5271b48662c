/*
 * leaks.c: a known set of leaks.  7 unmarked blocks from 3 sites:
 *   leak_every_call: 3 of 3 allocations (48 bytes each)
 *   leak_some_calls: 3 of 6 allocations (24 bytes each)
 *   leak_once:       1 of 1 (1000 bytes)
 * and 2 marked blocks: a config (marked by its start) and a table (marked
 * through an interior pointer), plus a mark that must fail with ENOENT.
 * leak_mark's results go to stderr (they differ without the shim).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakaudit.h"

static void *volatile sink;
/* Loop counts the compiler cannot unroll: one call site per function. */
static volatile int three = 3, six = 6;

__attribute__((noinline)) static void leak_every_call(void)
{
    sink = malloc(48);
}

__attribute__((noinline)) static void leak_some_calls(int i)
{
    void *p = malloc(24);
    sink = p;
    if (i % 2)
        free(p);
}

__attribute__((noinline)) static void leak_once(void)
{
    sink = malloc(1000);
}

__attribute__((noinline)) static void freed_properly(void)
{
    for (int i = 0; i < 100; i++) {
        char *p = malloc(32 + (size_t)i);
        p = realloc(p, 64 + (size_t)i);
        free(p);
    }
}

__attribute__((noinline)) static void *make_config(void)
{
    return calloc(1, 200);
}

__attribute__((noinline)) static void *make_table(void)
{
    return malloc(4096);
}

int main(void)
{
    for (int i = 0; i < three; i++)
        leak_every_call();
    for (int i = 0; i < six; i++)
        leak_some_calls(i);
    leak_once();
    freed_properly();

    char *cfg = make_config();
    int rc1 = leak_mark(cfg, "config");
    int rc1b = leak_mark(cfg + 10, "second mark of the config is ignored");
    char *table = make_table();
    int rc2 = leak_mark(table + 2000, NULL); /* interior pointer */
    int local;
    errno = 0;
    int rc3 = leak_mark(&local, "not heap");
    int e3 = errno;
    char *gone = malloc(10);
    free(gone);
    sink = NULL;
    fprintf(stderr, "marks: %d %d %d %d/%s\n", rc1, rc1b, rc2, rc3,
            e3 == ENOENT ? "ENOENT" : strerror(e3));
    dprintf(1, "leaks done\n");
    return 0;
}
