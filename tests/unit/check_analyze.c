/* check_analyze.c: findings from a hand-built model (report/analyze.c). */
#include <check.h>
#include <string.h>

#include "analyze.h"

static struct rp_stack stacks[3] = {
    { .id = 1, .allocs = 3 },  /* leaks every allocation it made */
    { .id = 2, .allocs = 10 }, /* leaks some */
    { .id = 3 },               /* a mark site */
};
static struct rp_mark marks[1] = { { .id = 1, .block = 0x60, .why = "cfg", .stack = 3 } };
static struct rp_block blocks[] = {
    { .addr = 0x10, .size = 10, .seq = 1, .stack = 1, .mark = -1 },
    { .addr = 0x20, .size = 10, .seq = 2, .stack = 1, .mark = -1 },
    { .addr = 0x30, .size = 10, .seq = 3, .stack = 1, .mark = -1 },
    { .addr = 0x40, .size = 5, .seq = 4, .stack = 2, .mark = -1 },
    { .addr = 0x50, .size = 5, .seq = 5, .stack = 2, .mark = -1 },
    { .addr = 0x60, .size = 64, .seq = 6, .stack = 2, .mark = 1 },
    { .addr = 0x70, .size = 1, .seq = 7, .stack = 99, .mark = -1 }, /* stack lost */
};

static struct rp_run make_run(void)
{
    struct rp_run r = { .id = 1, .stacks = stacks, .nstacks = 3,
                        .blocks = blocks, .nblocks = 7, .marks = marks,
                        .nmarks = 1 };
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

START_TEST(groups_by_site)
{
    struct rp_run run = make_run();
    struct rp_policy pol = RP_POLICY_DEFAULT;
    struct rp_findings f = { 0 };
    const struct rp_finding *x;

    rp_analyze_run(&run, &pol, &f);
    ck_assert_uint_eq(f.n, 4);

    x = find(&f, RP_LEAK, 1);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->blocks, 3);
    ck_assert_uint_eq(x->bytes, 30);
    ck_assert_uint_eq(x->site_allocations, 3);
    ck_assert(x->repeated && x->per_call && x->fails);

    x = find(&f, RP_LEAK, 2);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->blocks, 2);
    ck_assert(x->repeated && !x->per_call);

    x = find(&f, RP_LEAK, -1);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->blocks, 1);
    ck_assert(!x->repeated && !x->per_call);

    x = find(&f, RP_INTENTIONAL, 2);
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->bytes, 64);
    ck_assert_str_eq(x->why, "cfg");
    ck_assert_int_eq(x->mark_stack->id, 3);
    ck_assert(!x->fails && !x->repeated);

    ck_assert_uint_eq(f.total[RP_LEAK].findings, 3);
    ck_assert_uint_eq(f.total[RP_LEAK].blocks, 6);
    ck_assert_uint_eq(f.total[RP_LEAK].bytes, 41);
    ck_assert_uint_eq(f.total[RP_INTENTIONAL].blocks, 1);
    ck_assert(f.fail);

    rp_findings_sort(&f);
    ck_assert_int_eq(f.v[0].kind, RP_LEAK);
    ck_assert_uint_eq(f.v[0].bytes, 30);
    ck_assert_int_eq(f.v[3].kind, RP_INTENTIONAL);
    rp_findings_free(&f);
}
END_TEST

START_TEST(only_marked_passes)
{
    struct rp_run run = make_run();
    struct rp_policy pol = RP_POLICY_DEFAULT;
    struct rp_findings f = { 0 };

    run.blocks = &blocks[5];
    run.nblocks = 1;
    rp_analyze_run(&run, &pol, &f);
    ck_assert_uint_eq(f.n, 1);
    ck_assert(!f.fail);
    rp_findings_free(&f);
}
END_TEST

START_TEST(kind_names)
{
    ck_assert_str_eq(rp_kind_name(RP_LEAK), "leak");
    ck_assert_str_eq(rp_kind_name(RP_INTENTIONAL), "intentional");
}
END_TEST

Suite *analyze_suite(void);
Suite *analyze_suite(void)
{
    Suite *s = suite_create("analyze");
    TCase *tc = tcase_create("findings");

    tcase_add_test(tc, groups_by_site);
    tcase_add_test(tc, only_marked_passes);
    tcase_add_test(tc, kind_names);
    suite_add_tcase(s, tc);
    return s;
}
