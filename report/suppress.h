/*
 * suppress.h: LeakSanitizer-syntax suppressions.  A file has one
 * "leak:PATTERN" per line, '#' comments and blank lines; PATTERN matches a
 * function, file or module name of any frame of a finding's stack, as a
 * substring, with '*' wildcards and '^'/'$' anchors.
 */
#ifndef RP_SUPPRESS_H
#define RP_SUPPRESS_H

#include <stddef.h>

#include "model.h"

struct rp_suppression {
    char *pattern;
    char *origin; /* "FILE:LINE", or "built-in" */
};

struct rp_suppressions {
    struct rp_suppression *v;
    size_t n;
};

/*
 * Parses TEXT (LEN bytes, from ORIGIN, e.g. a file name) and adds its
 * patterns to S.  Returns 0; or -1 with a one-line reason in ERR naming
 * ORIGIN:LINE, S unchanged.
 */
int rp_supp_parse(struct rp_suppressions *s, const char *text, size_t len,
                  const char *origin, char *err, size_t errlen);

/* Reads and parses the file PATH.  0, or -1 with ERR set. */
int rp_supp_load(struct rp_suppressions *s, const char *path, char *err,
                 size_t errlen);

/* Adds the built-in list (runtime internals). */
void rp_supp_builtin(struct rp_suppressions *s);

/* The built-in list as a file's text. */
const char *rp_supp_builtin_text(void);

/* Whether PATTERN matches S (the LeakSanitizer way). */
int rp_supp_match(const char *pattern, const char *s);

/* The first suppression that matches a frame of STACK, or NULL. */
const struct rp_suppression *rp_supp_find(const struct rp_suppressions *s,
                                          const struct rp_stack *stack);

void rp_supp_free(struct rp_suppressions *s);

#endif
