/*
 * early.c: a library linked into tests/programs/loader whose constructor
 * allocates, maybe before the shim's own constructor has run: it keeps one
 * 55-byte block in its data (reachable) and leaks one of 77 bytes.
 */
#include <stdlib.h>

void *early_kept;
static void *volatile sink;

__attribute__((constructor)) static void early_init(void)
{
    early_kept = malloc(55);
    sink = malloc(77);
    sink = NULL;
}
