/*
 * main.c: leakaudit-report's command line.  Reads the database, finds,
 * symbolizes, applies the policy, emits, and exits 0 (the policy holds),
 * 1 (it fails) or 2 (bad arguments or a bad database or suppression file).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "analyze.h"
#include "db.h"
#include "emit.h"
#include "policy.h"
#include "progress.h"
#include "suppress.h"
#include "symbolize.h"

#define EXIT_POLICY_FAILS 1
#define EXIT_BAD_INPUT 2

enum format { FMT_TEXT, FMT_JSON, FMT_SARIF, FMT_FOLDED, FMT_JUNIT, FMT_HTML, FMT_N };

static const char *const format_names[FMT_N] = {
    [FMT_TEXT] = "text", [FMT_JSON] = "json", [FMT_SARIF] = "sarif",
    [FMT_FOLDED] = "folded", [FMT_JUNIT] = "junit", [FMT_HTML] = "html",
};

static void usage(FILE *out)
{
    fputs("usage: leakaudit-report [OPTIONS] [DB...]\n"
          "Reports what libleakaudit.so recorded in DB (default ./leakaudit.db); with\n"
          "several, their runs in one report, a finding per site across them.\n"
          "\n"
          "  --format FORMAT          text (default), json, sarif, folded (flame\n"
          "                           graph stacks of leaked bytes), junit or html\n"
          "  -o, --output FILE        write the report to FILE, not standard output\n"
          "  --fail-on LIST           kinds that fail, comma-separated "
          "(default leak,cycle,repeated-mark;\n"
          "                           also intentional, reachable; none)\n"
          "  --suppressions FILE      LeakSanitizer-syntax suppressions "
          "(leak:PATTERN); repeatable\n"
          "  --no-builtin-suppressions  do not hide runtime internals\n"
          "  --list-suppressions      print the suppressions in force and exit\n"
          "  --max-marks-per-site N   marked blocks a mark site may keep "
          "(default 1)\n"
          "  --baseline OLD.db        fail only on sites that OLD.db does not have\n"
          "  --run ID                 report only run ID\n"
          "  --session LABEL          report only runs recorded with "
          "LEAKAUDIT_SESSION=LABEL\n"
          "  --merge                  one finding per site across runs (always with\n"
          "                           several databases)\n"
          "  --growth                 compare each process's first and last snapshot\n"
          "                           runs: the sites whose live blocks grew (exit 1)\n"
          "  --color WHEN             colour the text: auto (default), always, never\n"
          "  --progress WHEN          progress on stderr: auto (default: on a terminal,\n"
          "                           for work over a second), always, never\n"
          "  -v, --verbose            text: show reachable sites too\n"
          "  -h, --help               this help\n"
          "  -V, --version            the version\n"
          "\n"
          "Exit status: 0 the policy holds; 1 it fails; 2 bad arguments, or a "
          "missing,\nunreadable, corrupt or wrong-version database, or a bad "
          "suppression file.\n",
          out);
}

static int bad_usage(const char *fmt, const char *arg)
{
    fputs("leakaudit-report: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see leakaudit-report --help)\n", stderr);
    return EXIT_BAD_INPUT;
}

/* auto, always, never: -1, 1, 0; WHEN_BAD for anything else. */
#define WHEN_BAD (-2)
static int parse_when(const char *s)
{
    return strcmp(s, "auto") == 0 ? -1 : strcmp(s, "always") == 0 ? 1
           : strcmp(s, "never") == 0 ? 0 : WHEN_BAD;
}

/* Parses a non-negative integer; -1 when S is not one. */
static int64_t parse_count(const char *s)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0)
        return -1;
    return v;
}

static struct rp_progress progress = { .mode = -1 };

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

int main(int argc, char **argv)
{
    enum { O_FORMAT = 256, O_FAIL_ON, O_SUPP, O_NO_BUILTIN, O_LIST_SUPP,
           O_MAX_MARKS, O_BASELINE, O_RUN, O_SESSION, O_COLOR, O_GROWTH, O_MERGE,
           O_PROGRESS };
    static const struct option longopts[] = {
        { "format", required_argument, NULL, O_FORMAT },
        { "fail-on", required_argument, NULL, O_FAIL_ON },
        { "suppressions", required_argument, NULL, O_SUPP },
        { "no-builtin-suppressions", no_argument, NULL, O_NO_BUILTIN },
        { "list-suppressions", no_argument, NULL, O_LIST_SUPP },
        { "max-marks-per-site", required_argument, NULL, O_MAX_MARKS },
        { "baseline", required_argument, NULL, O_BASELINE },
        { "run", required_argument, NULL, O_RUN },
        { "session", required_argument, NULL, O_SESSION },
        { "color", required_argument, NULL, O_COLOR },
        { "growth", no_argument, NULL, O_GROWTH },
        { "merge", no_argument, NULL, O_MERGE },
        { "progress", required_argument, NULL, O_PROGRESS },
        { "output", required_argument, NULL, 'o' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct rp_filter filter = { .run = -1 };
    struct rp_analysis_opts ao = { .max_marks_per_site = 1 };
    struct rp_policy policy = { .fail_mask = RP_FAIL_DEFAULT };
    struct rp_emit_opts eo = { .color = -1 };
    struct rp_suppressions supp = { 0 };
    struct rp_db db = { 0 };
    struct rp_findings f = { 0 };
    struct rp_symbolizer *sym = NULL;
    enum format format = FMT_TEXT;
    const char *path = "leakaudit.db", *baseline = NULL, *output = NULL;
    FILE *out = stdout;
    const char **supp_files = NULL;
    size_t nsupp_files = 0;
    int builtin = 1, list = 0, growth = 0, merge = 0, c, status = 0;
    struct rp_growth g = { 0 };
    char err[1024];
    int64_t v;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:vhV", longopts, NULL)) != -1) {
        switch (c) {
        case O_FORMAT:
            for (format = 0; format < FMT_N && strcmp(optarg, format_names[format]) != 0;)
                format++;
            if (format == FMT_N) {
                status = bad_usage("--format wants text, json, sarif, folded, junit or html, not '%s'",
                                   optarg);
                goto out;
            }
            break;
        case 'o':
            output = optarg;
            break;
        case O_FAIL_ON:
            if (rp_fail_on_parse(optarg, &policy.fail_mask, err, sizeof err) != 0)
                {
                status = bad_usage("--fail-on: unknown kind '%s' (leak, cycle, "
                                 "repeated-mark, intentional, reachable, none)", err);
                goto out;
            }
            break;
        case O_SUPP:
            supp_files = rp_xrealloc(supp_files, nsupp_files + 1, sizeof *supp_files);
            supp_files[nsupp_files++] = optarg;
            break;
        case O_NO_BUILTIN:
            builtin = 0;
            break;
        case O_LIST_SUPP:
            list = 1;
            break;
        case O_MAX_MARKS:
            if ((v = parse_count(optarg)) < 0)
                {
                status = bad_usage("--max-marks-per-site wants a number, not '%s'", optarg);
                goto out;
            }
            ao.max_marks_per_site = (uint64_t)v;
            break;
        case O_BASELINE:
            baseline = optarg;
            break;
        case O_RUN:
            if ((filter.run = parse_count(optarg)) < 0)
                {
                status = bad_usage("--run wants a run id, not '%s'", optarg);
                goto out;
            }
            break;
        case O_SESSION:
            filter.session = optarg;
            break;
        case O_COLOR:
            if ((eo.color = parse_when(optarg)) == WHEN_BAD) {
                status = bad_usage("--color wants auto, always or never, not '%s'", optarg);
                goto out;
            }
            break;
        case O_GROWTH:
            growth = 1;
            break;
        case O_MERGE:
            merge = 1;
            break;
        case O_PROGRESS:
            if ((progress.mode = parse_when(optarg)) == WHEN_BAD) {
                status = bad_usage("--progress wants auto, always or never, not '%s'", optarg);
                goto out;
            }
            break;
        case 'v':
            eo.verbose = 1;
            break;
        case 'h':
            usage(stdout);
            goto out;
        case 'V':
            puts("leakaudit-report " PACKAGE_VERSION);
            goto out;
        default:
            {
                status = bad_usage("unknown or incomplete option '%s'", argv[optind - 1]);
                goto out;
            }
        }
    }
    const char **paths = optind < argc ? (const char **)argv + optind : &path;
    size_t npaths = optind < argc ? (size_t)(argc - optind) : 1;
    if (npaths > 1 && filter.run >= 0) {
        status = bad_usage("--run %s names a run of one database: give only that database",
                           argv[optind]);
        goto out;
    }
    merge |= npaths > 1;
    if (growth && format != FMT_TEXT && format != FMT_JSON) {
        status = bad_usage("--growth reports as text or json, not '%s'", format_names[format]);
        goto out;
    }
    filter.snapshots = growth;
    if (output && !(out = fopen(output, "w"))) {
        out = stdout;
        fprintf(stderr, "leakaudit-report: cannot write %s: %s\n", output, strerror(errno));
        status = EXIT_BAD_INPUT;
        goto out;
    }
    if (eo.color < 0)
        eo.color = format == FMT_TEXT && isatty(fileno(out)) && !getenv("NO_COLOR");

    if (builtin)
        rp_supp_builtin(&supp);
    for (size_t i = 0; i < nsupp_files; i++) {
        if (rp_supp_load(&supp, supp_files[i], err, sizeof err) != 0) {
            fprintf(stderr, "leakaudit-report: %s\n", err);
            status = EXIT_BAD_INPUT;
            goto out;
        }
    }
    if (list) {
        for (size_t i = 0; i < supp.n; i++)
            printf("leak:%s\t# %s\n", supp.v[i].pattern, supp.v[i].origin);
        goto out;
    }
    policy.supp = &supp;

    rp_progress_start(&progress, progress.mode);
    rp_db_progress(&progress);
    for (size_t i = 0; i < npaths; i++) {
        struct rp_db one;
        rp_progress_step(&progress, "reading databases", i, npaths);
        if (rp_db_read(paths[i], &filter, &one, err, sizeof err) != 0) {
            fprintf(stderr, "leakaudit-report: %s\n", err);
            status = EXIT_BAD_INPUT;
            goto out;
        }
        rp_db_absorb(&db, &one);
    }
    sym = rp_sym_new();
    if (growth) {
        rp_growth_find(&db, &g);
        if (g.processes == 0) {
            fprintf(stderr, "leakaudit-report: %s: no process has two snapshot runs "
                    "(leak_snapshot(), LEAKAUDIT_SNAPSHOT_SIGNAL) to compare\n", db.path);
            status = EXIT_BAD_INPUT;
            goto out;
        }
        for (size_t i = 0; i < g.n; i++)
            rp_sym_stack(sym, g.v[i].after, g.v[i].stack);
        if (format == FMT_JSON)
            rp_emit_growth_json(out, &db, &g);
        else
            rp_emit_growth_text(out, &db, &g, &eo);
        status = g.n ? EXIT_POLICY_FAILS : 0;
        goto out;
    }
    if (baseline && load_baseline(baseline, &ao, sym, &policy, err, sizeof err) != 0) {
        fprintf(stderr, "leakaudit-report: baseline %s\n", err);
        status = EXIT_BAD_INPUT;
        goto out;
    }
    struct rp_summary sum;
    find_all(&db, &ao, sym, &f);
    rp_progress_end(&progress);
    if (merge)
        rp_findings_merge(&f);
    rp_policy_apply(&f, &policy, &sum);
    rp_findings_sort(&f);

    if (format == FMT_JSON)
        rp_emit_json(out, &db, &f, &sum);
    else if (format == FMT_SARIF)
        rp_emit_sarif(out, &db, &f);
    else if (format == FMT_FOLDED)
        rp_emit_folded(out, &f);
    else if (format == FMT_JUNIT)
        rp_emit_junit(out, &db, &f, &sum);
    else if (format == FMT_HTML)
        rp_emit_html(out, &db, &f, &sum);
    else
        rp_emit_text(out, &db, &f, &sum, &eo);
    status = sum.fail ? EXIT_POLICY_FAILS : 0;
out:
    rp_progress_end(&progress);
    /* Every path ends here, so that nothing is left allocated (the report
     * runs under LeakSanitizer in CI). */
    if (fflush(out) != 0 || ferror(out) || (out != stdout && fclose(out) != 0)) {
        fprintf(stderr, "leakaudit-report: writing the report%s%s: %s\n",
                output ? " to " : "", output ? output : "", strerror(errno));
        status = EXIT_BAD_INPUT;
    }
    free(supp_files);
    for (size_t i = 0; i < policy.nbaseline; i++)
        free(policy.baseline[i]);
    free(policy.baseline);
    rp_sym_free(sym);
    rp_findings_free(&f);
    rp_growth_free(&g);
    rp_db_free(&db);
    rp_supp_free(&supp);
    return status;
}
