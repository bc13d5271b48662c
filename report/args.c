/*
 * args.c: leakaudit-report's command line, parsed into struct rp_args
 * (args.h).  Only parses and checks: reading, analysis and output are
 * main.c's.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"

const char *const rp_format_names[FMT_N] = {
    [FMT_TEXT] = "text", [FMT_JSON] = "json", [FMT_SARIF] = "sarif",
    [FMT_FOLDED] = "folded", [FMT_JUNIT] = "junit", [FMT_HTML] = "html",
    [FMT_SUPPRESSIONS] = "suppressions", [FMT_STATS] = "stats",
};

void rp_args_usage(FILE *out)
{
    fputs("usage: leakaudit-report [OPTIONS] [DB...]\n"
          "Reports what libleakaudit.so recorded in DB (default ./leakaudit.db); with\n"
          "several, their runs in one report, a finding per site across them.\n"
          "\n"
          "  --format FORMAT          text (default), json, sarif, folded (flame\n"
          "                           graph stacks of leaked bytes), junit, html, or\n"
          "                           suppressions (a file that silences the failing\n"
          "                           findings, for --suppressions), or stats (sizes,\n"
          "                           bytes by program and module, top sites)\n"
          "  -o, --output FILE        write the report to FILE, not standard output\n"
          "  --fail-on LIST           kinds that fail, comma-separated "
          "(default leak,cycle,repeated-mark,\n"
          "                           unaudited; also intentional, reachable; none)\n"
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
          "  --merge                  one finding per site across runs (the default\n"
          "                           for every format but json, and for all with\n"
          "                           several databases)\n"
          "  --per-run                one finding per site and run\n"
          "  --growth                 compare each process's first and last snapshot\n"
          "                           runs: the sites whose live blocks grew (exit 1)\n"
          "  --color WHEN             colour the text: auto (default), always, never\n"
          "  --progress WHEN          progress on stderr: auto (default: on a terminal,\n"
          "                           for work over a second), always, never\n"
          "  -v, --verbose            text: show reachable sites too\n"
          "  --exe GLOB               only the runs of executables that match GLOB\n"
          "                           (repeatable; with a /, the whole path, else the\n"
          "                           file name)\n"
          "  --module GLOB            only findings with a frame in a module that\n"
          "                           matches GLOB (repeatable; libfoo.so*)\n"
          "  --debug-dir DIR          look for separate debug files in DIR too (by\n"
          "                           build-id: DIR/.build-id/xx/rest.debug), before\n"
          "                           /usr/lib/debug; DEBUGINFOD_URLS: ask debuginfod\n"
          "  --source-root DIR        sarif, junit: paths relative to DIR (default:\n"
          "                           the git work tree's top, or the current directory)\n"
          "  --full-stacks            text: every frame (by default, the runtime's\n"
          "                           frames above the program's fold into a line)\n"
          "  --note-processes FILE    (for leakaudit) count the processes that FILE\n"
          "                           lists as not audited into DB for --session\n"
          "  --import SPOOL           (for leakaudit) add the runs written as files\n"
          "                           into SPOOL (a directory, or one run file) to DB\n"
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
    return RP_EXIT_BAD_INPUT;
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

int rp_args_parse(int argc, char **argv, struct rp_args *a)
{
    enum { O_FORMAT = 256, O_FAIL_ON, O_SUPP, O_NO_BUILTIN, O_LIST_SUPP,
           O_MAX_MARKS, O_BASELINE, O_RUN, O_SESSION, O_COLOR, O_GROWTH, O_MERGE,
           O_PROGRESS, O_FULL_STACKS, O_PER_RUN, O_NOTE, O_IMPORT, O_SOURCE_ROOT, O_EXE, O_MODULE, O_DEBUG_DIR };
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
        { "per-run", no_argument, NULL, O_PER_RUN },
        { "progress", required_argument, NULL, O_PROGRESS },
        { "output", required_argument, NULL, 'o' },
        { "verbose", no_argument, NULL, 'v' },
        { "full-stacks", no_argument, NULL, O_FULL_STACKS },
        { "source-root", required_argument, NULL, O_SOURCE_ROOT },
        { "exe", required_argument, NULL, O_EXE },
        { "debug-dir", required_argument, NULL, O_DEBUG_DIR },
        { "module", required_argument, NULL, O_MODULE },
        { "note-processes", required_argument, NULL, O_NOTE },
        { "import", required_argument, NULL, O_IMPORT },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    char err[1024];
    int64_t v;
    int c;

    *a = (struct rp_args){
        .filter = { .run = -1 },
        .analysis = { .max_marks_per_site = 1 },
        .fail_mask = RP_FAIL_DEFAULT,
        .emit = { .color = -1 },
        .progress = -1,
        .builtin = 1,
    };
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:vhV", longopts, NULL)) != -1) {
        switch (c) {
        case O_FORMAT:
            for (a->format = 0;
                 a->format < FMT_N && strcmp(optarg, rp_format_names[a->format]) != 0;)
                a->format++;
            if (a->format == FMT_N)
                return bad_usage("--format wants text, json, sarif, folded, junit, html, suppressions or stats, "
                                 "not '%s'", optarg);
            break;
        case 'o':
            a->output = optarg;
            break;
        case O_FAIL_ON:
            if (rp_fail_on_parse(optarg, &a->fail_mask, err, sizeof err) != 0)
                return bad_usage("--fail-on: unknown kind '%s' (leak, cycle, "
                                 "repeated-mark, intentional, reachable, unaudited, none)", err);
            break;
        case O_SUPP:
            a->supp_files = rp_xrealloc(a->supp_files, a->nsupp_files + 1,
                                        sizeof *a->supp_files);
            a->supp_files[a->nsupp_files++] = optarg;
            break;
        case O_NO_BUILTIN:
            a->builtin = 0;
            break;
        case O_LIST_SUPP:
            a->list = 1;
            break;
        case O_MAX_MARKS:
            if ((v = parse_count(optarg)) < 0)
                return bad_usage("--max-marks-per-site wants a number, not '%s'", optarg);
            a->analysis.max_marks_per_site = (uint64_t)v;
            break;
        case O_BASELINE:
            a->baseline = optarg;
            break;
        case O_RUN:
            if ((a->filter.run = parse_count(optarg)) < 0)
                return bad_usage("--run wants a run id, not '%s'", optarg);
            break;
        case O_SESSION:
            a->filter.session = optarg;
            break;
        case O_COLOR:
            if ((a->emit.color = parse_when(optarg)) == WHEN_BAD)
                return bad_usage("--color wants auto, always or never, not '%s'", optarg);
            break;
        case O_GROWTH:
            a->growth = 1;
            break;
        case O_MERGE:
            a->merge = 1;
            break;
        case O_PER_RUN:
            a->per_run = 1;
            break;
        case O_PROGRESS:
            if ((a->progress = parse_when(optarg)) == WHEN_BAD)
                return bad_usage("--progress wants auto, always or never, not '%s'", optarg);
            break;
        case 'v':
            a->emit.verbose = 1;
            break;
        case O_DEBUG_DIR: {
            char real[PATH_MAX];
            struct stat st;
            if (!realpath(optarg, real) || stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
                return bad_usage("--debug-dir %s: not a directory", optarg);
            a->debug_dirs = rp_xrealloc(a->debug_dirs, a->ndebug_dirs + 1, sizeof *a->debug_dirs);
            a->debug_dirs[a->ndebug_dirs++] = rp_xstrdup(real);
            break;
        }
        case O_EXE:
            a->exe_globs = rp_xrealloc(a->exe_globs, a->nexe_globs + 1, sizeof *a->exe_globs);
            a->exe_globs[a->nexe_globs++] = optarg;
            break;
        case O_MODULE:
            a->module_globs = rp_xrealloc(a->module_globs, a->nmodule_globs + 1,
                                          sizeof *a->module_globs);
            a->module_globs[a->nmodule_globs++] = optarg;
            break;
        case O_SOURCE_ROOT:
            a->source_root = optarg;
            break;
        case O_FULL_STACKS:
            a->emit.full_stacks = 1;
            break;
        case O_NOTE:
            a->action = RP_ARGS_NOTE;
            a->note = optarg;
            break;
        case O_IMPORT:
            a->action = RP_ARGS_NOTE;
            a->import = optarg;
            break;
        case 'h':
            a->action = RP_ARGS_HELP;
            return 0;
        case 'V':
            a->action = RP_ARGS_VERSION;
            return 0;
        default:
            return bad_usage("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    static const char *const default_path = "leakaudit.db";
    a->paths = optind < argc ? (const char *const *)argv + optind : &default_path;
    a->npaths = optind < argc ? (size_t)(argc - optind) : 1;
    if (a->npaths > 1 && a->filter.run >= 0)
        return bad_usage("--run %s names a run of one database: give only that database",
                         argv[optind]);
    if (a->merge && a->per_run)
        return bad_usage("%s: --merge and --per-run ask for opposites", "--per-run");
    if (a->action == RP_ARGS_NOTE && a->note && (a->npaths != 1 || !a->filter.session))
        return bad_usage("--note-processes %s wants --session and one database", a->note);
    if (a->action == RP_ARGS_NOTE && a->import && a->npaths != 1)
        return bad_usage("--import %s wants one database", a->import);
    if (a->growth && a->format != FMT_TEXT && a->format != FMT_JSON)
        return bad_usage("--growth reports as text or json, not '%s'",
                         rp_format_names[a->format]);
    a->filter.snapshots = a->growth;
    return 0;
}

void rp_args_free(struct rp_args *a)
{
    free(a->supp_files);
    a->supp_files = NULL;
    free(a->exe_globs);
    a->exe_globs = NULL;
    for (size_t i = 0; i < a->ndebug_dirs; i++)
        free(a->debug_dirs[i]);
    free(a->debug_dirs);
    a->debug_dirs = NULL;
    free(a->module_globs);
    a->module_globs = NULL;
}
