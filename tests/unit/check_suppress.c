/* check_suppress.c: suppression files (report/suppress.c): LeakSanitizer
 * syntax, patterns with wildcards and anchors, errors with file:line. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "suppress.h"

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

Suite *suppress_suite(void);
Suite *suppress_suite(void)
{
    Suite *s = suite_create("suppress");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, suppression_syntax);
    suite_add_tcase(s, tc);
    return s;
}
