/*
 * options.h: the shim's options, parsed once from the environment.
 * Read-only after la_options_parse(); the table is options.def.
 */
#ifndef LA_OPTIONS_H
#define LA_OPTIONS_H

#include "shim.h"

struct la_options {
#define LA_OPTION_STRING(field) const char *field;
#define LA_OPTION_INT(field) long field;
#define LA_OPTION(name, field, kind, def, min, max, desc) LA_OPTION_##kind(field)
#include "options.def"
#undef LA_OPTION
#undef LA_OPTION_STRING
#undef LA_OPTION_INT
};

/* Looks an option up by its variable name; returns NULL for a name that is
 * not in the table. */
typedef char *(*la_getenv_fn)(const char *name);

/*
 * Fills OPT from GETENV (secure_getenv in the shim, a table in tests).  A
 * value that does not parse or is out of range gets one warning line through
 * la_warn() and the default.  Strings point into the environment (or the
 * defaults) and are not copied.  Never fails.
 */
LA_HIDDEN void la_options_parse(struct la_options *opt, la_getenv_fn getenv_fn);

#endif
