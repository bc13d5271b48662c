/*
 * policy.c: suppressions, baseline and --fail-on, over symbolized findings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "policy.h"

int rp_fail_on_parse(const char *list, unsigned *mask, char *err, size_t errlen)
{
    char *copy = rp_xstrdup(list), *save = NULL;

    *mask = 0;
    if (strcmp(list, "none") == 0) {
        free(copy);
        return 0;
    }
    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        if (strcmp(w, "unaudited") == 0) {
            *mask |= RP_FAIL_UNAUDITED;
            continue;
        }
        int k = rp_kind_parse(w);
        if (k < 0) {
            snprintf(err, errlen, "%s", w);
            free(copy);
            return -1;
        }
        *mask |= 1u << k;
    }
    free(copy);
    if (*mask == 0) {
        snprintf(err, errlen, "%s", list);
        return -1;
    }
    return 0;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A finding is suppressed when a suppression matches a frame of the
 * stacks that make it: its allocation site, a cycle member's, a mark's. */
int rp_policy_suppresses(const struct rp_finding *f, const struct rp_suppressions *s)
{
    if (!s || s->n == 0)
        return 0;
    if (rp_supp_find(s, f->stack) || rp_supp_find(s, f->mark_stack))
        return 1;
    for (size_t i = 0; i < f->nmembers; i++)
        if (rp_supp_find(s, f->members[i].stack))
            return 1;
    return 0;
}

void rp_policy_apply(struct rp_findings *fs, const struct rp_policy *p,
                     struct rp_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    for (size_t i = 0; i < fs->n; i++) {
        struct rp_finding *f = &fs->v[i];
        free(f->key);
        f->key = rp_site_key(f);
        f->suppressed = rp_policy_suppresses(f, p->supp);
        f->baselined = p->baseline &&
                       bsearch(&f->key, p->baseline, p->nbaseline, sizeof *p->baseline,
                               key_cmp) != NULL;
        f->fails = !f->suppressed && !f->baselined && ((p->fail_mask >> f->kind) & 1);
        struct rp_totals *t = f->suppressed ? &sum->suppressed : &sum->kind[f->kind];
        t->findings++;
        t->blocks += f->blocks;
        t->bytes += f->bytes;
        sum->failing += f->fails;
        sum->fail |= f->fails;
    }
}

void rp_policy_runs(const struct rp_db *db, const struct rp_policy *p, struct rp_summary *sum)
{
    for (size_t i = 0; i < db->nruns; i++)
        sum->unaudited += db->runs[i].unaudited != NULL;
    if (sum->unaudited && (p->fail_mask & RP_FAIL_UNAUDITED))
        sum->fail = 1;
}
