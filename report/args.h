/*
 * args.h: leakaudit-report's options (args.c).
 */
#ifndef RP_ARGS_H
#define RP_ARGS_H

#include <stdio.h>

#include "db.h"
#include "emit.h"

/* Exit statuses: the policy holds (0), fails (1), or the input is bad. */
#define RP_EXIT_POLICY_FAILS 1
#define RP_EXIT_BAD_INPUT 2

enum rp_format { FMT_TEXT, FMT_JSON, FMT_SARIF, FMT_FOLDED, FMT_JUNIT, FMT_HTML, FMT_SUPPRESSIONS,
                 FMT_STATS, FMT_N };
extern const char *const rp_format_names[FMT_N];

enum rp_action { RP_ARGS_REPORT, RP_ARGS_HELP, RP_ARGS_VERSION, RP_ARGS_NOTE };

struct rp_args {
    enum rp_action action;
    enum rp_format format;
    const char *output;            /* -o FILE, or NULL: standard output */
    const char *const *paths;      /* the databases (argv's, or the default) */
    size_t npaths;
    struct rp_filter filter;       /* --run, --session; snapshots with --growth */
    struct rp_analysis_opts analysis;
    unsigned fail_mask;            /* --fail-on */
    const char **exe_globs;        /* --exe, in order */
    size_t nexe_globs;
    char **debug_dirs;             /* --debug-dir, absolute, in order */
    size_t ndebug_dirs;
    const char **module_globs;     /* --module, in order */
    size_t nmodule_globs;
    const char **supp_files;       /* --suppressions, in order */
    size_t nsupp_files;
    int builtin;                   /* 0: --no-builtin-suppressions */
    int list;                      /* --list-suppressions */
    const char *baseline;          /* --baseline OLD.db, or NULL */
    const char *source_root;       /* --source-root DIR, or NULL */
    int merge, per_run, growth; /* --merge, --per-run: as asked (main.c decides) */
    struct rp_emit_opts emit;      /* color: -1 for auto */
    int progress;                  /* --progress: -1 auto, 1, 0 */
    const char *note;              /* --note-processes FILE (action NOTE) */
    const char *import;            /* --import SPOOL (action NOTE) */
};

/*
 * Parses ARGV into *A.  Returns 0 (A->action says what to do), or
 * RP_EXIT_BAD_INPUT after one line on stderr naming the bad option.
 * Either way, free with rp_args_free.
 */
int rp_args_parse(int argc, char **argv, struct rp_args *a);
void rp_args_free(struct rp_args *a);

/* --help's text. */
void rp_args_usage(FILE *out);

#endif
