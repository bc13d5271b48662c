/*
 * options.c: parses the environment options of options.def.  Called once by
 * the shim's initialisation, before anything is recorded; allocates nothing,
 * so it is safe before the real malloc is known.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "options.h"

/* Parses a decimal integer in [min, max]; returns 0 and sets *out, or -1. */
static int parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

#define LA_PARSE_STRING(name, field, def, min, max)                          \
    do {                                                                     \
        const char *v = getenv_fn(#name);                                    \
        opt->field = (v && *v) ? v : def;                                    \
    } while (0)

#define LA_PARSE_INT(name, field, def, min, max)                             \
    do {                                                                     \
        const char *v = getenv_fn(#name);                                    \
        opt->field = def;                                                    \
        if (v && parse_int(v, min, max, &opt->field) != 0)                   \
            la_warn(#name " has an invalid value '%s' (want %ld to %ld); "   \
                    "using %ld", v, (long)(min), (long)(max), (long)(def));  \
    } while (0)

void la_options_parse(struct la_options *opt, la_getenv_fn getenv_fn)
{
    int saved = errno;
#define LA_OPTION(name, field, kind, def, min, max, desc)                    \
    LA_PARSE_##kind(name, field, def, min, max);
#include "options.def"
#undef LA_OPTION
    errno = saved;
}
