/* check_schema.c: what the shim's writer writes, the report's reader reads
 * back (preload/writer.c, report/db.c), and both refuse what they must. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "seqbatch.h"
#include "db.h"
#include "import.h"
#include "livetable.h"
#include "marks.h"
#include "scan.h"
#include "schema.h"
#include "stackdepot.h"
#include "writer.h"

static char dbpath[64];

static void setup(void)
{
    strcpy(dbpath, "/tmp/la-schema-XXXXXX");
    int fd = mkstemp(dbpath);
    close(fd);
    unlink(dbpath); /* the writer creates it */
    lt_clear();
}

static void teardown(void)
{
    unlink(dbpath);
}

static char *const test_argv[] = { "prog", "--flag", "two words" };

/* Sequence number K of a batch taken by thread 77. */
static uint64_t seq77(uint64_t k)
{
    static uint64_t base;

    if (base == 0)
        base = sb_take(77);
    return base + k;
}

static struct la_run_record record(uint64_t first_seq)
{
    struct la_run_record r = {
        .pid = 4242, .ppid = 1, .exe = "/bin/prog", .cwd = "/tmp",
        .session = "sess", .argv = test_argv, .argc = 3,
        .start_time = 100.5, .end_time = 101.25, .end_reason = "exit",
        .has_exit_code = 1, .exit_code = 3, .depth = 32, .complete = 1,
        .first_seq = seq77(first_seq),
    };
    return r;
}

static void add_block(uintptr_t addr, uint64_t size, uint64_t seq, uint32_t stack)
{
    struct la_block b = { .addr = addr, .size = size, .seq = seq77(seq),
                          .stack = stack };
    ck_assert_int_eq(lt_insert(&b), 0);
    sd_count_allocs(stack, 1, size);
}

/* Writes REC with the live table, classified without a scan. */
static long write_run(const struct la_run_record *rec)
{
    struct scan_blocks snap;
    struct la_scan_opts no_scan = { .scan = 0 };
    struct la_modules mods;
    long run;

    ck_assert_int_eq(scan_take(&snap), 0);
    scan_classify(&snap, &no_scan);
    ck_assert_int_eq(modules_collect(&mods), 0);
    run = writer_write(dbpath, rec, &snap, &mods);
    modules_free(&mods);
    scan_free(&snap);
    return run;
}

static struct rp_db read_db(void)
{
    struct rp_db db;
    struct rp_filter all = { .run = -1 };
    char err[256];

    ck_assert_msg(rp_db_read(dbpath, &all, &db, err, sizeof err) == 0, "%s", err);
    return db;
}

START_TEST(round_trip)
{
    /* Real code addresses, so that the modules table covers them. */
    uintptr_t pcs1[2] = { (uintptr_t)&record + 1, (uintptr_t)&setup + 1 };
    uintptr_t pcs2[1] = { (uintptr_t)&read_db + 1 };
    uint32_t s1 = sd_intern(pcs1, 2), s2 = sd_intern(pcs2, 1);
    struct la_run_record rec = record(10);

    add_block(0x1000, 40, 10, s1);
    add_block(0x2000, 8, 11, s1);
    add_block(0x3000, 16, 12, s2);
    add_block(0x4000, 99, 5, s2); /* older than first_seq: inherited */
    uint32_t m = marks_add(0x3000, s2, strdup("kept \"on purpose\""));
    lt_set_mark(0x3000, m);

    long run = write_run(&rec);
    ck_assert_int_gt(run, 0);

    struct rp_db db = read_db();
    ck_assert_uint_eq(db.nruns, 1);
    struct rp_run *r = &db.runs[0];
    ck_assert_int_eq(r->id, run);
    ck_assert_int_eq(r->pid, 4242);
    ck_assert_str_eq(r->exe, "/bin/prog");
    ck_assert_str_eq(r->session, "sess");
    ck_assert_str_eq(r->end_reason, "exit");
    ck_assert_int_eq(r->has_exit_code, 1);
    ck_assert_int_eq(r->exit_code, 3);
    ck_assert_int_eq(r->has_signal, 0);
    ck_assert_uint_eq(r->argc, 3);
    ck_assert_str_eq(r->argv[2], "two words");
    ck_assert_uint_eq(r->nblocks, 3);
    ck_assert_uint_eq(r->blocks[0].addr, 0x1000); /* ordered by seq */
    ck_assert_uint_eq(r->blocks[0].size, 40);
    ck_assert_int_eq(r->blocks[0].thread, 77);
    ck_assert_int_eq(r->blocks[2].mark, m);
    ck_assert_uint_eq(r->nmarks, 1);
    ck_assert_str_eq(r->marks[0].why, "kept \"on purpose\"");
    ck_assert_int_eq(r->marks[0].stack, s2);

    struct rp_stack *st = rp_run_stack(r, s1);
    ck_assert_ptr_nonnull(st);
    ck_assert_uint_eq(st->depth, 2);
    ck_assert_uint_eq(st->pcs[0], pcs1[0]);
    ck_assert_uint_eq(st->allocs, 2);
    ck_assert_uint_eq(st->bytes, 48);
    const struct rp_module *mod = rp_run_module(r, st->modules[0]);
    ck_assert_ptr_nonnull(mod);
    ck_assert_msg(strstr(mod->path, "check_unit") != NULL, "module %s", mod->path);
    ck_assert_uint_le(mod->start, pcs1[0]);
    ck_assert_uint_gt(mod->end, pcs1[0]);
    ck_assert_int_gt(strlen(mod->build_id), 0);
    rp_db_free(&db);

    /* A second process's run goes beside the first. */
    ck_assert_int_gt(write_run(&rec), run);
    db = read_db();
    ck_assert_uint_eq(db.nruns, 2);
    rp_db_free(&db);
    /* The mark's reason lives as long as the shim, in its own pages, which
     * LeakSanitizer does not scan: give it back here. */
    free(marks_get(m)->why);
    marks_get(m)->why = NULL;
}
END_TEST

static void sql(const char *stmt)
{
    sqlite3 *db;

    ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, stmt, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

START_TEST(other_version_refused)
{
    struct la_run_record rec = record(1);
    struct rp_db db;
    struct rp_filter all = { .run = -1 };
    char err[256];

    ck_assert_int_gt(write_run(&rec), 0);
    sql("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    ck_assert_int_eq(rp_db_read(dbpath, &all, &db, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "schema version 99") != NULL, "%s", err);
    /* Not mixed in: the run goes to the fallback file instead. */
    char dir[] = "/tmp/la-fallback-XXXXXX", fb[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    setenv("TMPDIR", dir, 1);
    ck_assert_int_eq(write_run(&rec), -1);
    unsetenv("TMPDIR");
    snprintf(fb, sizeof fb, "%s/leakaudit-%ld.db", dir, rec.pid);
    struct rp_filter one = { .run = -1 };
    ck_assert_int_eq(rp_db_read(fb, &one, &db, err, sizeof err), 0);
    ck_assert_uint_eq(db.nruns, 1);
    ck_assert_int_eq(db.runs[0].pid, 4242);
    rp_db_free(&db);
    unlink(fb);
    rmdir(dir);
}
END_TEST

START_TEST(bad_files_refused)
{
    struct rp_db db;
    struct rp_filter all = { .run = -1 }, run9 = { .run = 9 };
    char err[256];
    FILE *f;

    ck_assert_int_eq(rp_db_read(dbpath, &all, &db, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);

    f = fopen(dbpath, "w");
    fputs("this is not a database, just text, long enough to look like a header\n", f);
    fclose(f);
    ck_assert_int_eq(rp_db_read(dbpath, &all, &db, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "not a SQLite database") != NULL, "%s", err);

    unlink(dbpath);
    sql("CREATE TABLE t(x)");
    ck_assert_int_eq(rp_db_read(dbpath, &all, &db, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "not a leakaudit database") != NULL, "%s", err);

    unlink(dbpath);
    struct la_run_record rec = record(1);
    ck_assert_int_gt(write_run(&rec), 0);
    ck_assert_int_eq(rp_db_read(dbpath, &run9, &db, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "no run with id 9") != NULL, "%s", err);
}
END_TEST

START_TEST(session_filter)
{
    struct la_run_record rec = record(1);
    struct rp_filter f = { .run = -1, .session = "other" };
    struct rp_db db;
    char err[256];

    ck_assert_int_gt(write_run(&rec), 0);
    rec.session = "other";
    ck_assert_int_gt(write_run(&rec), 0);
    ck_assert_int_eq(rp_db_read(dbpath, &f, &db, err, sizeof err), 0);
    ck_assert_uint_eq(db.nruns, 1);
    ck_assert_str_eq(db.runs[0].session, "other");
    rp_db_free(&db);
}
END_TEST

/* More blocks than one multi-row INSERT holds (64), with NULLs in some
 * rows: every row arrives whole, whichever statement carried it. */
START_TEST(rows_across_batches)
{
    uintptr_t pcs[1] = { (uintptr_t)&record + 1 };
    uint32_t s1 = sd_intern(pcs, 1);
    struct la_run_record rec = record(1);
    const size_t n = 64 * 2 + 3;

    for (size_t i = 0; i < n; i++)
        add_block(0x10000 + i * 32, 1 + i, 1 + i, s1);
    for (size_t i = 0; i < n; i += 10) {
        uint32_t m = marks_add(0x10000 + i * 32, s1, NULL);
        lt_set_mark(0x10000 + i * 32, m);
    }
    ck_assert_int_gt(write_run(&rec), 0);

    struct rp_db db = read_db();
    struct rp_run *r = &db.runs[0];
    size_t marked = 0;
    ck_assert_uint_eq(r->nblocks, n);
    for (size_t i = 0; i < n; i++) {
        const struct rp_block *b = &r->blocks[i]; /* ordered by seq */
        ck_assert_uint_eq(b->addr, 0x10000 + i * 32);
        ck_assert_uint_eq(b->size, 1 + i);
        ck_assert_int_eq(b->thread, 77);
        ck_assert_int_eq(b->mark >= 0, i % 10 == 0); /* -1: none */
        marked += b->mark >= 0;
    }
    ck_assert_uint_eq(r->nmarks, marked);
    ck_assert_uint_eq(rp_run_stack(r, s1)->allocs, n);
    rp_db_free(&db);
}
END_TEST

/* Every table of the database at PATH as text, row by row (the runs
 * without the time their write took), into BUF. */
static void dump(const char *path, char *buf, size_t len)
{
    static const char *const q[] = {
        "SELECT pid, ppid, exe, cwd, session, start_time, end_time, end_reason, exit_code,"
        " signal, depth, complete, scan, blocks, bytes, shim_version, unaudited,"
        " scan_seconds, stack_hits, stack_unwinds, stack_mismatches FROM runs ORDER BY id",
        "SELECT * FROM args ORDER BY run, idx", "SELECT * FROM modules ORDER BY run, id",
        "SELECT * FROM blocks ORDER BY run, address", "SELECT * FROM marks ORDER BY run, id",
        "SELECT * FROM reachable ORDER BY run, stack", "SELECT * FROM edges ORDER BY run, src",
        "SELECT * FROM stacks ORDER BY run, id", "SELECT * FROM frames ORDER BY run, stack, level",
    };
    sqlite3 *db;
    size_t at = 0;

    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
        sqlite3_stmt *st;
        ck_assert_int_eq(sqlite3_prepare_v2(db, q[i], -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const unsigned char *t = sqlite3_column_text(st, c);
                at += (size_t)snprintf(buf + at, len - at, "%s|", t ? (const char *)t : "NULL");
                ck_assert_uint_lt(at, len);
            }
            buf[at++] = '\n';
        }
        sqlite3_finalize(st);
        at += (size_t)snprintf(buf + at, len - at, "--\n");
    }
    sqlite3_close(db);
}

/* The same run written into the database, and as a run file into a spool
 * that is then imported: the same rows, to the last column. */
START_TEST(spool_same_rows)
{
    uintptr_t pcs[2] = { (uintptr_t)&record + 1, (uintptr_t)&setup + 1 };
    uint32_t s1 = sd_intern(pcs, 2);
    struct la_run_record rec = record(1);
    const size_t n = 64 * 3 + 5;
    char dir[] = "/tmp/la-spool-XXXXXX", db2[64];

    for (size_t i = 0; i < n; i++)
        add_block(0x10000 + i * 32, 1 + i, 1 + i, s1);
    uint32_t m = marks_add(0x10000, s1, strdup("on purpose"));
    lt_set_mark(0x10000, m);
    rec.checkpoints = 1;
    rec.unaudited = NULL;
    ck_assert_int_gt(write_run(&rec), 0);

    ck_assert_ptr_nonnull(mkdtemp(dir));
    rec.spool = dir;
    ck_assert_int_eq(write_run(&rec), 0);
    snprintf(db2, sizeof db2, "%s.db", dir);
    ck_assert_int_eq(rp_import(db2, dir), 0);
    ck_assert_int_eq(access(dir, F_OK), -1); /* imported, then removed */

    static char a[1 << 20], b[1 << 20];
    dump(dbpath, a, sizeof a);
    dump(db2, b, sizeof b);
    ck_assert_uint_gt(strlen(a), 64 * 3 * 10);
    ck_assert_str_eq(a, b);
    unlink(db2);
    free(marks_get(m)->why);
    marks_get(m)->why = NULL;
}
END_TEST

/* A run log with bytes that are no whole run between two runs (a writer
 * killed in the middle): both runs go in; a file that is no run log at
 * all is kept, and the database not made. */
START_TEST(spool_damaged_log)
{
    struct la_run_record rec = record(1);
    char dir[] = "/tmp/la-spool-XXXXXX", path[128], db2[64];
    FILE *f;

    add_block(0x1000, 40, 1, sd_intern((uintptr_t[]){ (uintptr_t)&record + 1 }, 1));
    ck_assert_ptr_nonnull(mkdtemp(dir));
    rec.spool = dir;
    ck_assert_int_eq(write_run(&rec), 0);
    snprintf(path, sizeof path, "%s/runs.log", dir);
    f = fopen(path, "a");
    fputs("LKAUDRUN\2\0\0\0 and then the writer was killed", f);
    fclose(f);
    rec.pid = 4343;
    ck_assert_int_eq(write_run(&rec), 0);
    snprintf(db2, sizeof db2, "%s.db", dir);
    ck_assert_int_eq(rp_import(db2, dir), 0);
    ck_assert_int_eq(access(dir, F_OK), -1);

    struct rp_db db;
    struct rp_filter all = { .run = -1 };
    char err[256];
    ck_assert_int_eq(rp_db_read(db2, &all, &db, err, sizeof err), 0);
    ck_assert_uint_eq(db.nruns, 2);
    ck_assert_int_eq(db.runs[0].pid, 4242);
    ck_assert_int_eq(db.runs[1].pid, 4343);
    rp_db_free(&db);
    unlink(db2);

    snprintf(path, sizeof path, "%s.junk", dir);
    f = fopen(path, "w");
    fputs("not a run log", f);
    fclose(f);
    ck_assert_int_eq(rp_import(db2, path), 1);
    ck_assert_int_eq(access(path, F_OK), 0);
    ck_assert_int_eq(access(db2, F_OK), -1);
    unlink(path);
}
END_TEST

Suite *schema_suite(void);
Suite *schema_suite(void)
{
    Suite *s = suite_create("schema");
    TCase *tc = tcase_create("round trip");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, other_version_refused);
    tcase_add_test(tc, bad_files_refused);
    tcase_add_test(tc, session_filter);
    tcase_add_test(tc, rows_across_batches);
    tcase_add_test(tc, spool_same_rows);
    tcase_add_test(tc, spool_damaged_log);
    suite_add_tcase(s, tc);
    return s;
}
