/* check_options.c: parsing of the environment options (preload/options.c). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "select.h"

/* A fake environment for la_options_parse. */
static const char *const *fake_env;

static char *fake_getenv(const char *name)
{
    size_t n = strlen(name);

    for (const char *const *e = fake_env; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return (char *)*e + n + 1;
    return NULL;
}

/* Parses ENV into *OPT; returns what was written to stderr (static). */
static const char *parse(const char *const *env, struct la_options *opt)
{
    static char buf[4096];
    char path[] = "/tmp/la-options-XXXXXX";
    int fd = mkstemp(path), saved = dup(2);
    ssize_t n;

    unlink(path);
    dup2(fd, 2);
    fake_env = env;
    la_options_parse(opt, fake_getenv);
    dup2(saved, 2);
    close(saved);
    lseek(fd, 0, SEEK_SET);
    n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
    return buf;
}

START_TEST(defaults)
{
    struct la_options o;
    const char *const env[] = { NULL };

    ck_assert_str_eq(parse(env, &o), "");
    ck_assert_str_eq(o.output, "leakaudit.db");
    ck_assert_int_eq(o.depth, 32);
    ck_assert_str_eq(o.session, "");
}
END_TEST

START_TEST(valid_values)
{
    struct la_options o;
    const char *const env[] = { "LEAKAUDIT_OUTPUT=/tmp/x.db", "LEAKAUDIT_DEPTH=256",
                                "LEAKAUDIT_SESSION=s1", NULL };

    ck_assert_str_eq(parse(env, &o), "");
    ck_assert_str_eq(o.output, "/tmp/x.db");
    ck_assert_int_eq(o.depth, 256);
    ck_assert_str_eq(o.session, "s1");
}
END_TEST

START_TEST(bad_values_warn_and_default)
{
    static const char *const bad[] = { "LEAKAUDIT_DEPTH=0", "LEAKAUDIT_DEPTH=257",
                                       "LEAKAUDIT_DEPTH=12x", "LEAKAUDIT_DEPTH=",
                                       "LEAKAUDIT_DEPTH=-3",
                                       "LEAKAUDIT_DEPTH=99999999999999999999" };

    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct la_options o;
        const char *const env[] = { bad[i], NULL };
        const char *err = parse(env, &o);
        ck_assert_int_eq(o.depth, 32);
        ck_assert_msg(strncmp(err, "leakaudit: LEAKAUDIT_DEPTH has an invalid value", 46) == 0,
                      "no warning for %s: '%s'", bad[i], err);
        ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1,
                      "not one line for %s: '%s'", bad[i], err);
    }
}
END_TEST

START_TEST(empty_string_is_default)
{
    struct la_options o;
    const char *const env[] = { "LEAKAUDIT_OUTPUT=", NULL };

    parse(env, &o);
    ck_assert_str_eq(o.output, "leakaudit.db");
}
END_TEST

/* The choice of audited processes (select.h). */
static int glob(const char *pat, const char *exe)
{
    return select_glob(pat, strlen(pat), exe);
}

START_TEST(globs)
{
    ck_assert(glob("python3*", "/usr/bin/python3.11"));
    ck_assert(!glob("python", "/usr/bin/python3.11"));       /* the whole name */
    ck_assert(glob("*", "/usr/bin/sed"));
    ck_assert(glob("s?d", "/usr/bin/sed"));
    ck_assert(!glob("s?d", "/usr/bin/seed"));
    ck_assert(glob("*e*d", "/usr/bin/seed"));
    ck_assert(glob("/usr/*", "/usr/bin/sed"));                /* with a /: the path */
    ck_assert(!glob("/usr/*", "/opt/usr/sed"));
    ck_assert(!glob("bin/sed", "/usr/bin/sed"));
    ck_assert(glob("*/bin/sed", "/usr/bin/sed"));
    ck_assert(!glob("", "/usr/bin/sed"));
    /* A glob ends at its length: the rest of a comma list is not read. */
    ck_assert(select_glob("sed,xyz", 3, "/bin/sed"));
}
END_TEST

START_TEST(audited_or_not)
{
    struct la_options o = { .project = "", .include = "", .skip = "" };

    ck_assert_int_eq(select_audited(&o, "/usr/bin/make"), SELECT_AUDITED); /* nothing set: all */
    o.project = "/home/me/proj";
    ck_assert_int_eq(select_audited(&o, "/home/me/proj/tests/t1"), SELECT_AUDITED);
    ck_assert_int_eq(select_audited(&o, "/home/me/proj"), SELECT_AUDITED);
    ck_assert_int_eq(select_audited(&o, "/home/me/project2/t1"), SELECT_OUTSIDE); /* not a prefix match */
    ck_assert_int_eq(select_audited(&o, "/usr/bin/make"), SELECT_OUTSIDE);
    o.project = "/home/me/proj///";
    ck_assert_int_eq(select_audited(&o, "/home/me/proj/t1"), SELECT_AUDITED);
    o.project = "/";
    ck_assert_int_eq(select_audited(&o, "/usr/bin/make"), SELECT_AUDITED);
    o.project = "/home/me/proj";
    o.include = "make,py*";
    ck_assert_int_eq(select_audited(&o, "/usr/bin/make"), SELECT_AUDITED);
    ck_assert_int_eq(select_audited(&o, "/usr/bin/python3.11"), SELECT_AUDITED);
    ck_assert_int_eq(select_audited(&o, "/usr/bin/sed"), SELECT_OUTSIDE);
    o.skip = ",,t1";                                           /* empty globs ignored */
    ck_assert_int_eq(select_audited(&o, "/home/me/proj/t1"), SELECT_SKIPPED);
    ck_assert_int_eq(select_audited(&o, "/home/me/proj/t2"), SELECT_AUDITED);
    o.project = "";
    o.include = "";
    ck_assert_int_eq(select_audited(&o, "/usr/bin/sed"), SELECT_AUDITED); /* skip alone: the rest */
    ck_assert_int_eq(select_audited(&o, "/x/t1"), SELECT_SKIPPED);
}
END_TEST

Suite *options_suite(void);
Suite *options_suite(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, defaults);
    tcase_add_test(tc, valid_values);
    tcase_add_test(tc, bad_values_warn_and_default);
    tcase_add_test(tc, empty_string_is_default);
    tcase_add_test(tc, globs);
    tcase_add_test(tc, audited_or_not);
    suite_add_tcase(s, tc);
    return s;
}
