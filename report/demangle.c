/*
 * demangle.c: one entry point over libiberty's demanglers.  Rust is tried
 * first, since legacy Rust names are also valid Itanium names.
 */
#include <stdlib.h>
#include <string.h>

#include <libiberty/demangle.h>

#include "demangle.h"
#include "model.h"

char *rp_demangle(const char *name)
{
    char *plain, *d = NULL;
    size_t n;

    if (!name)
        return NULL;
    /* A symbol version ("memcpy@@GLIBC_2.14") is not part of the name. */
    n = strcspn(name, "@");
    plain = rp_xmalloc(n + 1);
    memcpy(plain, name, n);
    plain[n] = '\0';
    if (plain[0] == '_' && (plain[1] == 'Z' || plain[1] == 'R')) {
        d = rust_demangle(plain, DMGL_PARAMS | DMGL_ANSI);
        if (!d)
            d = cplus_demangle_v3(plain, DMGL_PARAMS | DMGL_ANSI);
    }
    if (!d)
        return plain;
    free(plain);
    return d;
}
