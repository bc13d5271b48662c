/*
 * fuzz_db.c: the database reader, the analysis and the emitters on an
 * untrusted file.  The input is written to a file and read as a database;
 * when it reads, every run is analysed and reported (text, JSON, SARIF,
 * JUnit) to /dev/null.  Symbolization is left out: it opens the files a database
 * names, which is not what is fuzzed here.  A libFuzzer target (make fuzz)
 * and, through replay.c, a regression test over tests/fuzz/corpus/db.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "db.h"
#include "emit.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];
static FILE *sink;

static void remove_input(void)
{
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rp_filter all = { .run = -1 };
    struct rp_analysis_opts ao = { .max_marks_per_site = 1 };
    struct rp_policy policy = { .fail_mask = RP_FAIL_DEFAULT };
    struct rp_emit_opts eo = { .color = 0 };
    struct rp_findings f = { 0 };
    struct rp_summary sum;
    struct rp_db db;
    char err[1024];
    FILE *in;

    if (!sink) {
        const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        snprintf(path, sizeof path, "%.40s/fuzz-db-XXXXXX", dir);
        int fd = mkstemp(path);
        if (fd < 0 || !(sink = fopen("/dev/null", "w")))
            abort();
        close(fd);
        atexit(remove_input);
    }
    if (!(in = fopen(path, "wb")) || fwrite(data, 1, size, in) != size || fclose(in) != 0)
        abort();
    if (rp_db_read(path, &all, &db, err, sizeof err) != 0) {
        if (memchr(err, '\n', strnlen(err, sizeof err)) != NULL)
            abort(); /* a reason is one line */
        return 0;
    }
    for (size_t i = 0; i < db.nruns; i++)
        rp_analyze_run(&db.runs[i], &ao, &f);
    rp_policy_apply(&f, &policy, &sum);
    rp_findings_sort(&f);
    rp_emit_text(sink, &db, &f, &sum, &eo);
    rp_emit_json(sink, &db, &f, &sum);
    struct rp_places pl;
    rp_places_build(&pl, &f, "/src");
    rp_emit_sarif(sink, &db, &pl, policy.fail_mask);
    rp_emit_junit(sink, &db, &pl, 0.5);
    rp_places_free(&pl);
    rp_findings_free(&f);
    rp_db_free(&db);
    return 0;
}
