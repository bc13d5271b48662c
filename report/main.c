/*
 * main.c: leakaudit-report's pipeline.  Parses the command line (args.h),
 * reads the databases, finds, symbolizes, applies the policy, emits, and
 * exits 0 (the policy holds), 1 (it fails) or 2 (bad arguments or a bad
 * database or suppression file).  Every path out goes through one
 * cleanup, so that nothing is left allocated (the report runs under
 * LeakSanitizer in CI).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "analyze.h"
#include "args.h"
#include "import.h"
#include "db.h"
#include "emit.h"
#include "filter.h"
#include "merge.h"
#include "policy.h"
#include "progress.h"
#include "suppress.h"
#include "symbolize.h"

static struct rp_progress progress = { .mode = -1 };
static struct timespec started; /* the report's start, for JUnit's times */

/* Analyses every run of DB and symbolizes every stack a finding shows. */
static void find_all(struct rp_db *db, const struct rp_analysis_opts *ao,
                     struct rp_symbolizer *sym, struct rp_findings *f)
{
    for (size_t i = 0; i < db->nruns; i++) {
        rp_progress_step(&progress, "analysing runs", i, db->nruns);
        rp_analyze_run(&db->runs[i], ao, f);
    }
    for (size_t i = 0; i < f->n; i++) {
        rp_progress_step(&progress, "symbolizing findings", i + 1, f->n);
        struct rp_finding *x = &f->v[i];
        if (x->stack)
            rp_sym_stack(sym, x->run, x->stack);
        if (x->mark_stack)
            rp_sym_stack(sym, x->run, x->mark_stack);
        for (size_t k = 0; k < x->nmembers; k++)
            if (x->members[k].stack)
                rp_sym_stack(sym, x->run, x->members[k].stack);
    }
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The site keys of OLD.db's findings, sorted, into P.  0, or -1 (ERR). */
static int load_baseline(const char *path, const struct rp_analysis_opts *ao,
                         struct rp_symbolizer *sym, struct rp_policy *p,
                         char *err, size_t errlen)
{
    struct rp_filter all = { .run = -1 };
    struct rp_db old;
    struct rp_findings f = { 0 };

    if (rp_db_read(path, &all, &old, err, errlen) != 0)
        return -1;
    find_all(&old, ao, sym, &f);
    p->baseline = rp_xcalloc(f.n + 1, sizeof *p->baseline);
    for (size_t i = 0; i < f.n; i++)
        p->baseline[p->nbaseline++] = rp_site_key(&f.v[i]);
    qsort(p->baseline, p->nbaseline, sizeof *p->baseline, key_cmp);
    rp_findings_free(&f);
    rp_db_free(&old);
    return 0;
}

/* What the pipeline holds, freed in one place (report_free). */
struct report {
    FILE *out;
    struct rp_suppressions supp;
    struct rp_policy policy;
    struct rp_db db;
    struct rp_findings f;
    struct rp_growth g;
    struct rp_symbolizer *sym;
    struct rp_emit_opts emit; /* with the colour decided */
};

/* Opens the output, loads the suppressions (printing them for
 * --list-suppressions: *DONE).  0, or RP_EXIT_BAD_INPUT after one line. */
static int report_prepare(const struct rp_args *a, struct report *r, int *done)
{
    char err[1024];

    if (a->output && !(r->out = fopen(a->output, "w"))) {
        fprintf(stderr, "leakaudit-report: cannot write %s: %s\n", a->output,
                strerror(errno));
        return RP_EXIT_BAD_INPUT;
    }
    if (!r->out)
        r->out = stdout;
    r->emit = a->emit;
    if (r->emit.color < 0)
        r->emit.color = a->format == FMT_TEXT && isatty(fileno(r->out)) && !getenv("NO_COLOR");
    if (a->builtin)
        rp_supp_builtin(&r->supp);
    for (size_t i = 0; i < a->nsupp_files; i++) {
        if (rp_supp_load(&r->supp, a->supp_files[i], err, sizeof err) != 0) {
            fprintf(stderr, "leakaudit-report: %s\n", err);
            return RP_EXIT_BAD_INPUT;
        }
    }
    if (a->list) {
        for (size_t i = 0; i < r->supp.n; i++)
            printf("leak:%s\t# %s\n", r->supp.v[i].pattern, r->supp.v[i].origin);
        *done = 1;
    }
    r->policy.fail_mask = a->fail_mask;
    r->policy.supp = &r->supp;
    return 0;
}

/* Reads every database into R->db.  0, or RP_EXIT_BAD_INPUT after one
 * line. */
static int report_read(const struct rp_args *a, struct report *r)
{
    char err[1024];

    for (size_t i = 0; i < a->npaths; i++) {
        struct rp_db one;
        rp_progress_step(&progress, "reading databases", i, a->npaths);
        if (rp_db_read(a->paths[i], &a->filter, &one, err, sizeof err) != 0) {
            fprintf(stderr, "leakaudit-report: %s\n", err);
            return RP_EXIT_BAD_INPUT;
        }
        rp_db_keep_exe(&one, a->exe_globs, a->nexe_globs);
        rp_db_absorb(&r->db, &one);
    }
    return 0;
}

/* --growth: the sites that grew between snapshots.  1 when some grew, 0
 * when none, RP_EXIT_BAD_INPUT when nothing can be compared. */
static int report_growth(const struct rp_args *a, struct report *r)
{
    rp_growth_find(&r->db, &r->g);
    if (r->g.processes == 0) {
        fprintf(stderr, "leakaudit-report: %s: no process has two snapshot runs "
                "(leak_snapshot(), LEAKAUDIT_SNAPSHOT_SIGNAL) to compare\n", r->db.path);
        return RP_EXIT_BAD_INPUT;
    }
    for (size_t i = 0; i < r->g.n; i++)
        rp_sym_stack(r->sym, r->g.v[i].after, r->g.v[i].stack);
    if (a->format == FMT_JSON)
        rp_emit_growth_json(r->out, &r->db, &r->g);
    else
        rp_emit_growth_text(r->out, &r->db, &r->g, &r->emit);
    return r->g.n ? RP_EXIT_POLICY_FAILS : 0;
}

/* The findings, under the policy, in A's format.  0 or 1 by the policy,
 * RP_EXIT_BAD_INPUT for a bad baseline. */
static int report_findings(const struct rp_args *a, struct report *r)
{
    struct rp_summary sum;
    char err[1024];

    if (a->baseline && load_baseline(a->baseline, &a->analysis, r->sym, &r->policy,
                                     err, sizeof err) != 0) {
        fprintf(stderr, "leakaudit-report: baseline %s\n", err);
        return RP_EXIT_BAD_INPUT;
    }
    find_all(&r->db, &a->analysis, r->sym, &r->f);
    rp_findings_keep_module(&r->f, a->module_globs, a->nmodule_globs);
    rp_progress_end(&progress);
    /* One finding per site across runs: asked for, or with several
     * databases, or for every format but JSON (which stays per run). */
    if (a->merge || (!a->per_run && (a->npaths > 1 ||
                                     (r->db.nruns > 1 && a->format != FMT_JSON))))
        rp_findings_merge(&r->f);
    rp_policy_apply(&r->f, &r->policy, &sum);
    rp_policy_runs(&r->db, &r->policy, &sum);
    rp_findings_sort(&r->f);

    if (a->format == FMT_SARIF || a->format == FMT_JUNIT || a->format == FMT_SUPPRESSIONS) {
        struct rp_places pl;
        char *root = rp_source_root(a->source_root, err, sizeof err);
        if (!root) {
            fprintf(stderr, "leakaudit-report: %s\n", err);
            return RP_EXIT_BAD_INPUT;
        }
        rp_places_build(&pl, &r->f, root);
        if (a->format == FMT_SARIF)
            rp_emit_sarif(r->out, &r->db, &pl, r->policy.fail_mask);
        else if (a->format == FMT_SUPPRESSIONS)
            rp_emit_suppressions(r->out, &r->db, &pl, &r->f);
        else
            rp_emit_junit(r->out, &r->db, &pl, rp_seconds_since(&started));
        rp_places_free(&pl);
        free(root);
    } else if (a->format == FMT_JSON)
        rp_emit_json(r->out, &r->db, &r->f, &sum);
    else if (a->format == FMT_FOLDED)
        rp_emit_folded(r->out, &r->f);
    else if (a->format == FMT_STATS)
        rp_emit_stats(r->out, &r->db, &r->f);
    else if (a->format == FMT_HTML)
        rp_emit_html(r->out, &r->db, &r->f, &sum);
    else
        rp_emit_text(r->out, &r->db, &r->f, &sum, &r->emit);
    return sum.fail ? RP_EXIT_POLICY_FAILS : 0;
}

/* Flushes and closes the output (STATUS becomes RP_EXIT_BAD_INPUT when
 * that fails) and frees everything.  Returns the status. */
static int report_free(const struct rp_args *a, struct report *r, int status)
{
    rp_progress_end(&progress);
    FILE *out = r->out ? r->out : stdout;
    if (fflush(out) != 0 || ferror(out) || (out != stdout && fclose(out) != 0)) {
        fprintf(stderr, "leakaudit-report: writing the report%s%s: %s\n",
                a->output ? " to " : "", a->output ? a->output : "", strerror(errno));
        status = RP_EXIT_BAD_INPUT;
    }
    for (size_t i = 0; i < r->policy.nbaseline; i++)
        free(r->policy.baseline[i]);
    free(r->policy.baseline);
    rp_sym_free(r->sym);
    rp_findings_free(&r->f);
    rp_growth_free(&r->g);
    rp_db_free(&r->db);
    rp_supp_free(&r->supp);
    return status;
}

int main(int argc, char **argv)
{
    struct rp_args a;
    struct report r = { 0 };
    int status, done = 0;

    clock_gettime(CLOCK_MONOTONIC, &started);
    status = rp_args_parse(argc, argv, &a);

    if (status == 0 && a.action == RP_ARGS_HELP)
        rp_args_usage(stdout);
    else if (status == 0 && a.action == RP_ARGS_VERSION)
        puts("leakaudit-report " PACKAGE_VERSION);
    else if (status == 0 && a.action == RP_ARGS_NOTE) {
        char err[1024];
        if (a.import && rp_import(a.paths[0], a.import) != 0)
            status = RP_EXIT_BAD_INPUT;
        if (a.note &&
            rp_db_note_processes(a.paths[0], a.filter.session, a.note, err, sizeof err) != 0) {
            fprintf(stderr, "leakaudit-report: %s\n", err);
            status = RP_EXIT_BAD_INPUT;
        }
    }
    else if (status == 0 && (status = report_prepare(&a, &r, &done)) == 0 && !done) {
        progress.mode = a.progress;
        rp_progress_start(&progress, progress.mode);
        rp_db_progress(&progress);
        if ((status = report_read(&a, &r)) == 0) {
            r.sym = rp_sym_new((const char *const *)a.debug_dirs, a.ndebug_dirs);
            status = a.growth ? report_growth(&a, &r) : report_findings(&a, &r);
        }
    }
    status = report_free(&a, &r, status);
    rp_args_free(&a);
    return status;
}
