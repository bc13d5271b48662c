/*
 * places.h: findings gathered by where they are in the program's source,
 * for the outputs that a CI service tracks from one job to the next
 * (SARIF for code scanning, JUnit for test reporters): one place per kind
 * and source location of the allocation (the innermost frame in the
 * program's own code), across stacks and runs, its path relative to the
 * source root.  Only the kinds that are problems (leak, cycle, repeated
 * mark), and only findings not suppressed.
 */
#ifndef RP_PLACES_H
#define RP_PLACES_H

#include "analyze.h"

struct rp_place {
    enum rp_kind kind;
    const struct rp_frame *frame; /* the program's own frame, or NULL */
    char *file;      /* its file, relative to the root when under it; or NULL */
    int in_root;     /* FILE is relative to the root */
    int line;        /* 0 when unknown */
    char *name;      /* "FUNCTION FILE:LINE", "MODULE+0xOFFSET", ... */
    char *key;       /* kind and name: unique among the places */
    uint64_t blocks, bytes, nruns;
    const struct rp_finding **v; /* its findings (their stacks), largest first */
    size_t n;
    int fails;       /* one of them fails the policy */
};

struct rp_places {
    struct rp_place *v;
    size_t n;
    uint64_t failing; /* places that fail */
    const char *root; /* the source root, absolute, without a final '/' */
};

/*
 * The source root: DIR when given (made absolute, symbolic links
 * resolved); else the top of the git work tree that holds the current
 * directory; else the current directory.  A new string, or NULL with the
 * reason in ERR when DIR is not a directory.
 */
char *rp_source_root(const char *dir, char *err, size_t errlen);

/* FILE relative to ROOT when under it (a relative FILE is taken as under
 * it), *IN_ROOT then 1; else FILE itself, *IN_ROOT 0. */
const char *rp_under_root(const char *root, const char *file, int *in_root);

/* The places of F under ROOT, ordered as F is (failing first). */
void rp_places_build(struct rp_places *p, const struct rp_findings *f, const char *root);
void rp_places_free(struct rp_places *p);

#endif
