/* check_analyze.c: findings from a hand-built run (report/analyze.c): every
 * kind, repeated marks, a block that points at itself; kind names. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "fixture.h"

START_TEST(findings_by_kind)
{
    struct rp_run run = fx_run();
    struct rp_analysis_opts ao = { .max_marks_per_site = 1 };
    struct rp_findings f = { 0 };
    const struct rp_finding *x;

    rp_analyze_run(&run, &ao, &f);
    ck_assert_uint_eq(f.n, 6);

    x = fx_find(&f, RP_LEAK, 1);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->blocks, 3);
    ck_assert_uint_eq(x->direct_blocks, 3);
    ck_assert_uint_eq(x->bytes, 30);
    ck_assert_uint_eq(x->site_allocations, 3);
    ck_assert(x->repeated && x->per_call);

    x = fx_find(&f, RP_LEAK, 2);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->blocks, 2);
    ck_assert(x->repeated && !x->per_call);

    x = fx_find(&f, RP_LEAK, 4); /* the list: head direct, two nodes indirect */
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->direct_blocks, 1);
    ck_assert_uint_eq(x->indirect_blocks, 2);
    ck_assert_uint_eq(x->bytes, 64);
    ck_assert(!x->repeated);
    ck_assert_ptr_null(fx_find(&f, RP_LEAK, 5)); /* nodes are not findings */

    x = fx_find(&f, RP_CYCLE, 6);
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

    x = fx_find(&f, RP_INTENTIONAL, 2);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->blocks, 2); /* the marked block and what it owns */
    ck_assert_uint_eq(x->marks, 1);
    ck_assert_uint_eq(x->bytes, 72);
    ck_assert_str_eq(x->why, "cfg");
    ck_assert_int_eq(x->mark_stack->id, 3);

    x = fx_find(&f, RP_REACHABLE, 8);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->bytes, 100);
    rp_findings_free(&f);
}
END_TEST

START_TEST(repeated_mark)
{
    struct rp_run run = fx_run();
    struct rp_analysis_opts ao = { .max_marks_per_site = 0 };
    struct rp_findings f = { 0 };

    rp_analyze_run(&run, &ao, &f);
    ck_assert_ptr_nonnull(fx_find(&f, RP_REPEATED_MARK, 2));
    ck_assert_ptr_null(fx_find(&f, RP_INTENTIONAL, 2));
    rp_findings_free(&f);
}
END_TEST

/* A block pointing at itself is a cycle of one. */
START_TEST(self_pointer_cycle)
{
    struct rp_block b[1] = { { .addr = 0x10, .size = 8, .seq = 1, .stack = 1, .mark = -1, .cls = 3, .owner = -1 } };
    struct rp_edge e[1] = { { 0, 0, 0 } };
    struct rp_run run = { .id = 1, .stacks = fx_stacks, .nstacks = 8, .blocks = b,
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


START_TEST(kind_names)
{
    for (int k = 0; k < RP_KINDS; k++)
        ck_assert_int_eq(rp_kind_parse(rp_kind_name(k)), k);
    ck_assert_str_eq(rp_kind_name(RP_REPEATED_MARK), "repeated-mark");
    ck_assert_int_eq(rp_kind_parse("leaks"), -1);
}
END_TEST

Suite *analyze_suite(void);
Suite *analyze_suite(void)
{
    Suite *s = suite_create("analyze");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, findings_by_kind);
    tcase_add_test(tc, repeated_mark);
    tcase_add_test(tc, self_pointer_cycle);
    tcase_add_test(tc, kind_names);
    suite_add_tcase(s, tc);
    return s;
}
