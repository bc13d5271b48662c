/*
 * main.c: leakaudit-report's command line.  Reads the database, analyses,
 * symbolizes what it will print, emits, and exits 0 (policy holds),
 * 1 (it fails) or 2 (bad arguments or a bad database).
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
#include "symbolize.h"

#define EXIT_POLICY_FAILS 1
#define EXIT_BAD_INPUT 2

static void usage(FILE *out)
{
    fputs("usage: leakaudit-report [OPTIONS] [DB]\n"
          "Reports the leaks that libleakaudit.so recorded in DB "
          "(default ./leakaudit.db).\n"
          "\n"
          "  --run ID           report only run ID\n"
          "  --session LABEL    report only runs recorded with "
          "LEAKAUDIT_SESSION=LABEL\n"
          "  --color WHEN       colour the text: auto (default), always, never\n"
          "  -h, --help         this help\n"
          "  -V, --version      the version\n"
          "\n"
          "Exit status: 0 no unmarked leak; 1 unmarked leaks; 2 bad arguments\n"
          "or a missing, unreadable, corrupt or wrong-version database.\n",
          out);
}

static int bad_usage(const char *fmt, const char *arg)
{
    fputs("leakaudit-report: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see leakaudit-report --help)\n", stderr);
    return EXIT_BAD_INPUT;
}

/* Parses a run id; -1 when S is not a non-negative integer. */
static int64_t parse_id(const char *s)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0)
        return -1;
    return v;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "run", required_argument, NULL, 'r' },
        { "session", required_argument, NULL, 's' },
        { "color", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct rp_policy policy = RP_POLICY_DEFAULT;
    struct rp_emit_opts eo = { .color = -1 };
    struct rp_filter filter = { .run = -1 };
    const char *path = "leakaudit.db";
    char err[1024];
    struct rp_db db;
    struct rp_findings f = { 0 };
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if ((filter.run = parse_id(optarg)) < 0)
                return bad_usage("--run wants a run id, not '%s'", optarg);
            break;
        case 's':
            filter.session = optarg;
            break;
        case 'c':
            if (strcmp(optarg, "auto") == 0)
                eo.color = -1;
            else if (strcmp(optarg, "always") == 0)
                eo.color = 1;
            else if (strcmp(optarg, "never") == 0)
                eo.color = 0;
            else
                return bad_usage("--color wants auto, always or never, not '%s'",
                                 optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            puts("leakaudit-report " PACKAGE_VERSION);
            return 0;
        default:
            return bad_usage("unknown or incomplete option '%s'",
                             argv[optind - 1]);
        }
    }
    if (optind < argc)
        path = argv[optind++];
    if (optind < argc)
        return bad_usage("one database at a time (extra argument '%s')",
                         argv[optind]);
    if (eo.color < 0)
        eo.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");

    if (rp_db_read(path, &filter, &db, err, sizeof err) != 0) {
        fprintf(stderr, "leakaudit-report: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    for (size_t i = 0; i < db.nruns; i++)
        rp_analyze_run(&db.runs[i], &policy, &f);
    rp_findings_sort(&f);

    struct rp_symbolizer *sym = rp_sym_new();
    for (size_t i = 0; i < f.n; i++) {
        if (f.v[i].stack)
            rp_sym_stack(sym, f.v[i].run, f.v[i].stack);
        if (f.v[i].mark_stack)
            rp_sym_stack(sym, f.v[i].run, f.v[i].mark_stack);
    }
    rp_emit_text(stdout, &db, &f, &eo);
    int status = f.fail ? EXIT_POLICY_FAILS : 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "leakaudit-report: writing the report: %s\n",
                strerror(errno));
        status = EXIT_BAD_INPUT;
    }
    rp_sym_free(sym);
    rp_findings_free(&f);
    rp_db_free(&db);
    return status;
}
