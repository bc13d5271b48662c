/* check_policy.c: what fails (report/policy.c): --fail-on, suppressions
 * and their counts, over the hand-built run of fixture.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "policy.h"
#include "suppress.h"

static char fn_leak[] = "make_widget", file_leak[] = "src/widget.c", mod[] = "/usr/lib/libw.so";
static struct rp_frame frames1[] = { { .function = fn_leak, .file = file_leak, .line = 3, .module = mod } };

START_TEST(policy_fail_on_and_suppress)
{
    struct rp_run run = fx_run();
    struct rp_analysis_opts ao = { .max_marks_per_site = 1 };
    struct rp_findings f = { 0 };
    struct rp_summary sum;
    struct rp_policy p = { .fail_mask = RP_FAIL_DEFAULT };
    struct rp_suppressions supp = { 0 };
    char err[128];

    fx_stacks[0].frames = frames1;
    fx_stacks[0].nframes = 1;
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
    fx_stacks[0].frames = NULL;
    fx_stacks[0].nframes = 0;
    rp_supp_free(&supp);
    rp_findings_free(&f);
}
END_TEST

Suite *policy_suite(void);
Suite *policy_suite(void)
{
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, policy_fail_on_and_suppress);
    suite_add_tcase(s, tc);
    return s;
}
