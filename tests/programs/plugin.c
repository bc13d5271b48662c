/*
 * plugin.c: a library that tests/programs/loader opens with dlopen().  Its
 * constructor keeps a 64-byte table in its own data (reachable while it is
 * loaded; lost once it is unloaded); plugin_leak(N) leaks N blocks of 123
 * bytes.
 */
#include <stdlib.h>

void plugin_leak(int n);

void *plugin_table; /* (not static: the compiler would drop it) */
static void *volatile sink;

__attribute__((constructor)) static void plugin_init(void)
{
    plugin_table = malloc(64);
}

__attribute__((noinline)) void plugin_leak(int n)
{
    for (int i = 0; i < n; i++)
        sink = malloc(123);
    sink = NULL;
}
