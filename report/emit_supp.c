/*
 * emit_supp.c: --format suppressions, a suppression file in LeakSanitizer's
 * syntax (suppress.h) that silences exactly the failing places when it is
 * passed back with --suppressions, as Valgrind's --gen-suppressions does:
 * one entry per place, with a comment that names it.  An entry is a
 * function of the place's stacks, anchored (leak:^NAME$), from the
 * program's own frame outward: the first that every finding of the place
 * has and no other problem does.
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"

/* Whether finding X is one of P's. */
static int in_place(const struct rp_place *p, const struct rp_finding *x)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i] == x)
            return 1;
    return 0;
}

/* Whether PATTERN suppresses every finding of P's in [FIRST, LAST) and no
 * other finding of ALL (not suppressed already) that is a problem (a leak,
 * a cycle, a repeated mark) or fails: silencing a reachable or intentional
 * site too hides nothing. */
static int exact(char *pattern, const struct rp_place *p, size_t first, size_t last,
                 const struct rp_findings *all)
{
    struct rp_suppression one = { pattern, (char *)"generated" };
    struct rp_suppressions s = { &one, 1 };

    for (size_t i = first; i < last; i++)
        if (!rp_policy_suppresses(p->v[i], &s))
            return 0;
    for (size_t i = 0; i < all->n; i++) {
        const struct rp_finding *x = &all->v[i];
        int matters = x->fails || x->kind == RP_LEAK || x->kind == RP_CYCLE ||
                      x->kind == RP_REPEATED_MARK;
        if (matters && !x->suppressed && !in_place(p, x) && rp_policy_suppresses(x, &s))
            return 0;
    }
    return 1;
}

/* An exact pattern for P's findings [FIRST, LAST) into BUF, from the
 * functions of finding FIRST's stack, the program's own frame first.
 * 1 found; 0 not, BUF then the own frame's (or the first named one's). */
static int pattern_for(const struct rp_place *p, size_t first, size_t last,
                       const struct rp_findings *all, char *buf, size_t cap)
{
    const struct rp_stack *st = rp_finding_stack(p->v[first]);
    char fallback[2048] = "";

    buf[0] = '\0';
    for (size_t i = st ? rp_runtime_frames(st) : 0; st && i < st->nframes; i++) {
        const char *fn = st->frames[i].function;
        if (!fn || strchr(fn, '\n'))
            continue;
        snprintf(buf, cap, "^%s$", fn);
        if (exact(buf, p, first, last, all))
            return 1;
        if (!fallback[0])
            snprintf(fallback, sizeof fallback, "%s", buf);
    }
    snprintf(buf, cap, "%s", fallback);
    return 0;
}

static void comment(FILE *out, const struct rp_place *p)
{
    fprintf(out, "# %s: %llu bytes in %llu block%s at %s, %llu run%s\n", rp_kind_name(p->kind),
            (unsigned long long)p->bytes, (unsigned long long)p->blocks,
            p->blocks == 1 ? "" : "s", p->name, (unsigned long long)p->nruns,
            p->nruns == 1 ? "" : "s");
}

void rp_emit_suppressions(FILE *out, const struct rp_db *db, const struct rp_places *pl,
                          const struct rp_findings *all)
{
    char pat[2048];

    fprintf(out, "# Suppressions for the failing findings of %s, in LeakSanitizer's syntax:\n"
            "# leakaudit-report --suppressions FILE (or leakaudit --check --suppressions\n"
            "# FILE) silences them.  Made by leakaudit-report --format suppressions.\n",
            db->path);
    for (size_t i = 0; i < pl->n; i++) {
        const struct rp_place *p = &pl->v[i];
        if (!p->fails)
            continue;
        fputc('\n', out);
        comment(out, p);
        if (pattern_for(p, 0, p->n, all, pat, sizeof pat)) {
            fprintf(out, "leak:%s\n", pat);
            continue;
        }
        /* No one function tells the place's stacks from all others: an
         * entry per stack. */
        for (size_t k = 0; k < p->n; k++) {
            int ok = pattern_for(p, k, k + 1, all, pat, sizeof pat);
            if (!pat[0]) {
                fputs("# (this stack has no function name to suppress it by)\n", out);
                continue;
            }
            if (!ok)
                fputs("# (no function of this stack is its alone: this entry silences "
                      "other findings too)\n", out);
            fprintf(out, "leak:%s\n", pat);
        }
    }
}
