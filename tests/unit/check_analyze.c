/* check_analyze.c: findings from hand-built models (report/analyze.c,
 * report/scc.c, report/policy.c, report/suppress.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "growth.h"
#include "policy.h"
#include "scc.h"
#include "suppress.h"

/* ---- SCC ------------------------------------------------------------------ */

START_TEST(scc_small)
{
    /* 0 -> 1 -> 2 -> 0 (a cycle), 2 -> 3, 3 -> 4 -> 3 (a cycle), 5 alone. */
    size_t off[] = { 0, 1, 2, 4, 5, 6, 6 };
    uint32_t adj[] = { 1, 2, 0, 3, 4, 3 };
    uint32_t comp[6];
    size_t n = rp_scc(6, off, adj, comp);

    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(comp[0], comp[1]);
    ck_assert_uint_eq(comp[1], comp[2]);
    ck_assert_uint_eq(comp[3], comp[4]);
    ck_assert_uint_ne(comp[0], comp[3]);
    ck_assert_uint_ne(comp[5], comp[0]);
    ck_assert_uint_ne(comp[5], comp[3]);
    /* Edges go from higher to lower component numbers. */
    ck_assert_uint_gt(comp[2], comp[3]);
}
END_TEST

/* A chain of a million nodes closed into one cycle: no recursion limit. */
START_TEST(scc_million_chain)
{
    size_t n = 1000000;
    size_t *off = malloc((n + 1) * sizeof *off);
    uint32_t *adj = malloc(n * sizeof *adj), *comp = malloc(n * sizeof *comp);

    for (size_t v = 0; v < n; v++) {
        off[v] = v;
        adj[v] = (uint32_t)((v + 1) % n);
    }
    off[n] = n;
    ck_assert_uint_eq(rp_scc(n, off, adj, comp), 1);
    adj[n - 1] = (uint32_t)(n - 1); /* now a chain ending in a self-loop */
    ck_assert_uint_eq(rp_scc(n, off, adj, comp), n);
    free(off);
    free(adj);
    free(comp);
}
END_TEST

/* ---- findings ----------------------------------------------------------------- */

static struct rp_stack stacks[] = {
    { .id = 1, .allocs = 3 },  /* leaks every allocation it made */
    { .id = 2, .allocs = 10 }, /* leaks some */
    { .id = 3 },               /* a mark site */
    { .id = 4, .allocs = 2 },  /* list head */
    { .id = 5, .allocs = 9 },  /* list nodes */
    { .id = 6, .allocs = 5 },  /* cycle A */
    { .id = 7, .allocs = 5 },  /* cycle B */
    { .id = 8, .allocs = 1 },  /* reachable */
};

static struct rp_mark marks[] = {
    { .id = 1, .block = 0x60, .why = "cfg", .stack = 3 },
};

/* Sorted by address, as the reader gives them. */
static struct rp_block blocks[] = {
    [0] = { .addr = 0x10, .size = 10, .seq = 1, .stack = 1, .mark = -1, .cls = 3, .owner = -1 },
    [1] = { .addr = 0x20, .size = 10, .seq = 2, .stack = 1, .mark = -1, .cls = 3, .owner = -1 },
    [2] = { .addr = 0x30, .size = 10, .seq = 3, .stack = 1, .mark = -1, .cls = 3, .owner = -1 },
    [3] = { .addr = 0x40, .size = 5, .seq = 4, .stack = 2, .mark = -1, .cls = 3, .owner = -1 },
    [4] = { .addr = 0x50, .size = 5, .seq = 5, .stack = 2, .mark = -1, .cls = 3, .owner = -1 },
    [5] = { .addr = 0x60, .size = 64, .seq = 6, .stack = 2, .mark = 1, .cls = 1, .owner = 5 },
    [6] = { .addr = 0x70, .size = 8, .seq = 7, .stack = 2, .mark = -1, .cls = 1, .owner = 5 },
    [7] = { .addr = 0x80, .size = 32, .seq = 8, .stack = 4, .mark = -1, .cls = 3, .owner = -1 },
    [8] = { .addr = 0x90, .size = 16, .seq = 9, .stack = 5, .mark = -1, .cls = 3, .owner = -1 },
    [9] = { .addr = 0xa0, .size = 16, .seq = 10, .stack = 5, .mark = -1, .cls = 3, .owner = -1 },
    [10] = { .addr = 0xb0, .size = 24, .seq = 11, .stack = 6, .mark = -1, .cls = 3, .owner = -1 },
    [11] = { .addr = 0xc0, .size = 40, .seq = 12, .stack = 7, .mark = -1, .cls = 3, .owner = -1 },
    [12] = { .addr = 0xd0, .size = 16, .seq = 13, .stack = 5, .mark = -1, .cls = 3, .owner = -1 },
    [13] = { .addr = 0xe0, .size = 100, .seq = 14, .stack = 8, .mark = -1, .cls = 2, .owner = -1 },
};

/* head -> node -> node; cycle A <-> B, B owns a node. */
static struct rp_edge edges[] = {
    { 7, 8, 0 }, { 8, 9, 8 }, { 10, 11, 16 }, { 11, 10, 8 }, { 11, 12, 0 },
};

static struct rp_run make_run(void)
{
    struct rp_run r = { .id = 1, .stacks = stacks, .nstacks = 8,
                        .blocks = blocks, .nblocks = 14, .marks = marks,
                        .nmarks = 1, .edges = edges, .nedges = 5, .scanned = 1 };
    return r;
}

static const struct rp_finding *find(const struct rp_findings *f,
                                     enum rp_kind k, int64_t stack)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].kind == k && (f->v[i].stack ? f->v[i].stack->id : -1) == stack)
            return &f->v[i];
    return NULL;
}

START_TEST(findings_by_kind)
{
    struct rp_run run = make_run();
    struct rp_analysis_opts ao = { .max_marks_per_site = 1 };
    struct rp_findings f = { 0 };
    const struct rp_finding *x;

    rp_analyze_run(&run, &ao, &f);
    ck_assert_uint_eq(f.n, 6);

    x = find(&f, RP_LEAK, 1);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->blocks, 3);
    ck_assert_uint_eq(x->direct_blocks, 3);
    ck_assert_uint_eq(x->bytes, 30);
    ck_assert_uint_eq(x->site_allocations, 3);
    ck_assert(x->repeated && x->per_call);

    x = find(&f, RP_LEAK, 2);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->blocks, 2);
    ck_assert(x->repeated && !x->per_call);

    x = find(&f, RP_LEAK, 4); /* the list: head direct, two nodes indirect */
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->direct_blocks, 1);
    ck_assert_uint_eq(x->indirect_blocks, 2);
    ck_assert_uint_eq(x->bytes, 64);
    ck_assert(!x->repeated);
    ck_assert_ptr_null(find(&f, RP_LEAK, 5)); /* nodes are not findings */

    x = find(&f, RP_CYCLE, 6);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->nmembers, 2);
    ck_assert_int_eq(x->members[0].stack->id, 6); /* oldest first */
    ck_assert_int_eq(x->members[1].stack->id, 7);
    ck_assert(x->members[0].has_next && x->members[1].has_next);
    ck_assert_uint_eq(x->members[0].next_offset, 16);
    ck_assert_uint_eq(x->members[1].next_offset, 8);
    ck_assert_uint_eq(x->indirect_blocks, 1);
    ck_assert_uint_eq(x->blocks, 3);
    ck_assert_uint_eq(x->bytes, 80);

    x = find(&f, RP_INTENTIONAL, 2);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->blocks, 2); /* the marked block and what it owns */
    ck_assert_uint_eq(x->marks, 1);
    ck_assert_uint_eq(x->bytes, 72);
    ck_assert_str_eq(x->why, "cfg");
    ck_assert_int_eq(x->mark_stack->id, 3);

    x = find(&f, RP_REACHABLE, 8);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->bytes, 100);
    rp_findings_free(&f);
}
END_TEST

START_TEST(repeated_mark)
{
    struct rp_run run = make_run();
    struct rp_analysis_opts ao = { .max_marks_per_site = 0 };
    struct rp_findings f = { 0 };

    rp_analyze_run(&run, &ao, &f);
    ck_assert_ptr_nonnull(find(&f, RP_REPEATED_MARK, 2));
    ck_assert_ptr_null(find(&f, RP_INTENTIONAL, 2));
    rp_findings_free(&f);
}
END_TEST

/* A block pointing at itself is a cycle of one. */
START_TEST(self_pointer_cycle)
{
    struct rp_block b[1] = { { .addr = 0x10, .size = 8, .seq = 1, .stack = 1, .mark = -1, .cls = 3, .owner = -1 } };
    struct rp_edge e[1] = { { 0, 0, 0 } };
    struct rp_run run = { .id = 1, .stacks = stacks, .nstacks = 8, .blocks = b,
                          .nblocks = 1, .edges = e, .nedges = 1 };
    struct rp_analysis_opts ao = { .max_marks_per_site = 1 };
    struct rp_findings f = { 0 };

    rp_analyze_run(&run, &ao, &f);
    ck_assert_uint_eq(f.n, 1);
    ck_assert_int_eq(f.v[0].kind, RP_CYCLE);
    ck_assert_uint_eq(f.v[0].nmembers, 1);
    rp_findings_free(&f);
}
END_TEST

/* ---- policy ------------------------------------------------------------------------ */

static char fn_leak[] = "make_widget", file_leak[] = "src/widget.c", mod[] = "/usr/lib/libw.so";
static struct rp_frame frames1[] = { { .function = fn_leak, .file = file_leak, .line = 3, .module = mod } };

START_TEST(policy_fail_on_and_suppress)
{
    struct rp_run run = make_run();
    struct rp_analysis_opts ao = { .max_marks_per_site = 1 };
    struct rp_findings f = { 0 };
    struct rp_summary sum;
    struct rp_policy p = { .fail_mask = RP_FAIL_DEFAULT };
    struct rp_suppressions supp = { 0 };
    char err[128];

    stacks[0].frames = frames1;
    stacks[0].nframes = 1;
    rp_analyze_run(&run, &ao, &f);
    rp_policy_apply(&f, &p, &sum);
    ck_assert(sum.fail);
    ck_assert_uint_eq(sum.kind[RP_LEAK].findings, 3);
    ck_assert_uint_eq(sum.kind[RP_CYCLE].findings, 1);
    ck_assert_uint_eq(sum.failing, 4);

    const char *text = "# c\nleak:^make_w*$\n";
    ck_assert_int_eq(rp_supp_parse(&supp, text, strlen(text), "s", err, sizeof err), 0);
    p.supp = &supp;
    rp_policy_apply(&f, &p, &sum);
    ck_assert_uint_eq(sum.suppressed.findings, 1);
    ck_assert_uint_eq(sum.kind[RP_LEAK].findings, 2);
    ck_assert_uint_eq(sum.failing, 3);

    ck_assert_int_eq(rp_fail_on_parse("intentional", &p.fail_mask, err, sizeof err), 0);
    rp_policy_apply(&f, &p, &sum);
    ck_assert_uint_eq(sum.failing, 1);
    ck_assert_int_eq(rp_fail_on_parse("leak,bogus", &p.fail_mask, err, sizeof err), -1);
    ck_assert_str_eq(err, "bogus");
    stacks[0].frames = NULL;
    stacks[0].nframes = 0;
    rp_supp_free(&supp);
    rp_findings_free(&f);
}
END_TEST

START_TEST(suppression_syntax)
{
    struct rp_suppressions s = { 0 };
    char err[256];
    const char *bad[] = { "leak\n", "race:foo\n", "leak:   \n", "x\nleak:a\nnope\n" };

    ck_assert(rp_supp_match("foo", "xfooy"));
    ck_assert(rp_supp_match("^foo", "foobar"));
    ck_assert(!rp_supp_match("^foo", "xfoo"));
    ck_assert(rp_supp_match("foo$", "xfoo"));
    ck_assert(!rp_supp_match("foo$", "foox"));
    ck_assert(rp_supp_match("^f*o$", "fxxo"));
    ck_assert(rp_supp_match("a*c", "abbbc"));
    ck_assert(!rp_supp_match("^a*c$", "abbbcd"));
    ck_assert(!rp_supp_match("foo", NULL));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_int_eq(rp_supp_parse(&s, bad[i], strlen(bad[i]), "f.supp", err, sizeof err), -1);
        ck_assert_msg(strncmp(err, "f.supp:", 7) == 0, "%s", err);
        ck_assert_uint_eq(s.n, 0);
    }
    const char *good = "  leak: a b \r\n\n#x\nleak:c";
    ck_assert_int_eq(rp_supp_parse(&s, good, strlen(good), "f", err, sizeof err), 0);
    ck_assert_uint_eq(s.n, 2);
    ck_assert_str_eq(s.v[0].pattern, "a b");
    ck_assert_str_eq(s.v[0].origin, "f:1");
    ck_assert_str_eq(s.v[1].origin, "f:4");
    rp_supp_free(&s);
}
END_TEST

START_TEST(kind_names)
{
    for (int k = 0; k < RP_KINDS; k++)
        ck_assert_int_eq(rp_kind_parse(rp_kind_name(k)), k);
    ck_assert_str_eq(rp_kind_name(RP_REPEATED_MARK), "repeated-mark");
    ck_assert_int_eq(rp_kind_parse("leaks"), -1);
}
END_TEST

/* ---- growth between snapshots ------------------------------------------------ */

START_TEST(growth_between_snapshots)
{
    /* One process, three snapshots: stack 1 grows 1 -> 3 blocks, stack 2
     * stays at 1, stack 3 shrinks, stack 4 appears.  Another process has
     * one snapshot only; a third has two, with nothing grown. */
    static struct rp_stack st[4] = { { .id = 1 }, { .id = 2 }, { .id = 3 }, { .id = 4 } };
    struct rp_block first[] = {
        { .addr = 0x10, .size = 8, .stack = 1 }, { .addr = 0x20, .size = 4, .stack = 2 },
        { .addr = 0x30, .size = 4, .stack = 3 }, { .addr = 0x40, .size = 4, .stack = 3 },
    };
    struct rp_block middle[] = { { .addr = 0x10, .size = 8, .stack = 1 } };
    struct rp_block last[] = {
        { .addr = 0x10, .size = 8, .stack = 1 }, { .addr = 0x20, .size = 4, .stack = 2 },
        { .addr = 0x30, .size = 4, .stack = 3 }, { .addr = 0x50, .size = 8, .stack = 1 },
        { .addr = 0x60, .size = 8, .stack = 1 }, { .addr = 0x70, .size = 2, .stack = 4 },
    };
    struct rp_block flat[] = { { .addr = 0x10, .size = 8, .stack = 1 } };
    struct rp_run runs[] = {
        { .id = 1, .pid = 7, .start_time = 1.0, .end_time = 2.0, .end_reason = "snapshot",
          .stacks = st, .nstacks = 3, .blocks = first, .nblocks = 4 },
        { .id = 2, .pid = 8, .start_time = 1.0, .end_time = 2.0, .end_reason = "snapshot",
          .stacks = st, .nstacks = 1, .blocks = flat, .nblocks = 1 },
        { .id = 3, .pid = 7, .start_time = 1.0, .end_time = 3.0, .end_reason = "snapshot",
          .stacks = st, .nstacks = 1, .blocks = middle, .nblocks = 1 },
        { .id = 4, .pid = 7, .start_time = 1.0, .end_time = 5.0, .end_reason = "snapshot",
          .stacks = st, .nstacks = 4, .blocks = last, .nblocks = 6 },
        { .id = 5, .pid = 9, .start_time = 1.0, .end_time = 2.0, .end_reason = "snapshot",
          .stacks = st, .nstacks = 1, .blocks = flat, .nblocks = 1 },
        { .id = 6, .pid = 9, .start_time = 1.0, .end_time = 4.0, .end_reason = "snapshot",
          .stacks = st, .nstacks = 1, .blocks = flat, .nblocks = 1 },
        /* pid 7 again, a later process (another start time): not compared
         * with the first. */
        { .id = 7, .pid = 7, .start_time = 9.0, .end_time = 9.5, .end_reason = "snapshot",
          .stacks = st, .nstacks = 1, .blocks = flat, .nblocks = 1 },
    };
    struct rp_db db = { .runs = runs, .nruns = 7 };
    struct rp_growth g;

    rp_growth_find(&db, &g);
    ck_assert_uint_eq(g.processes, 2);
    ck_assert_uint_eq(g.n, 2);
    /* Most grown first: stack 1 (+2), then stack 4 (+1, new). */
    ck_assert_int_eq(g.v[0].stack->id, 1);
    ck_assert_int_eq(g.v[0].before->id, 1);
    ck_assert_int_eq(g.v[0].after->id, 4);
    ck_assert_uint_eq(g.v[0].blocks_before, 1);
    ck_assert_uint_eq(g.v[0].blocks_after, 3);
    ck_assert_uint_eq(g.v[0].bytes_after - g.v[0].bytes_before, 16);
    ck_assert_int_eq(g.v[1].stack->id, 4);
    ck_assert_uint_eq(g.v[1].blocks_before, 0);
    ck_assert_uint_eq(g.v[1].blocks_after, 1);
    rp_growth_free(&g);
}
END_TEST

Suite *analyze_suite(void);
Suite *analyze_suite(void)
{
    Suite *s = suite_create("analyze");
    TCase *tc = tcase_create("findings");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, scc_small);
    tcase_add_test(tc, scc_million_chain);
    tcase_add_test(tc, findings_by_kind);
    tcase_add_test(tc, repeated_mark);
    tcase_add_test(tc, self_pointer_cycle);
    tcase_add_test(tc, policy_fail_on_and_suppress);
    tcase_add_test(tc, suppression_syntax);
    tcase_add_test(tc, kind_names);
    tcase_add_test(tc, growth_between_snapshots);
    suite_add_tcase(s, tc);
    return s;
}
