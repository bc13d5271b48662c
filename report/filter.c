/*
 * filter.c: --exe and --module (filter.h).
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

int rp_globs_match(const char *const *globs, size_t n, const char *path)
{
    if (n == 0)
        return 1;
    if (!path)
        return 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < n; i++)
        if (fnmatch(globs[i], strchr(globs[i], '/') ? path : base, 0) == 0)
            return 1;
    return 0;
}

void rp_db_keep_exe(struct rp_db *db, const char *const *globs, size_t n)
{
    size_t kept = 0;

    if (n == 0)
        return;
    for (size_t i = 0; i < db->nruns; i++) {
        if (rp_globs_match(globs, n, db->runs[i].exe))
            db->runs[kept++] = db->runs[i];
        else
            rp_run_free(&db->runs[i]);
    }
    db->nruns = kept;
}

static int stack_in(const struct rp_stack *st, const char *const *globs, size_t n)
{
    for (size_t i = 0; st && i < st->nframes; i++)
        if (st->frames[i].module && rp_globs_match(globs, n, st->frames[i].module))
            return 1;
    return 0;
}

void rp_findings_keep_module(struct rp_findings *f, const char *const *globs, size_t n)
{
    size_t kept = 0;

    if (n == 0)
        return;
    for (size_t i = 0; i < f->n; i++) {
        struct rp_finding *x = &f->v[i];
        int in = stack_in(x->stack, globs, n) || stack_in(x->mark_stack, globs, n);
        for (size_t k = 0; !in && k < x->nmembers; k++)
            in = stack_in(x->members[k].stack, globs, n);
        if (in) {
            f->v[kept++] = *x;
        } else {
            free(x->members);
            free(x->key);
            free(x->runs);
        }
    }
    f->n = kept;
}
