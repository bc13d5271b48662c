/* check_maps.c: /proc/self/maps read whole and parsed a line at a
 * time (preload/maps.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"
#include "pages.h"

START_TEST(maps_lines)
{
    char text[] =
        "7f0000000000-7f0000021000 rw-p 00000000 00:00 0 \n"
        "55d000000000-55d000002000 r--p 00001000 fe:01 1234567                    /usr/bin/my prog\n"
        "7f1000000000-7f1000001000 r-xp 00000000 fe:01 42                         /tmp/lib.so (deleted)\n"
        "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]";
    char *before = strdup(text);
    const char *cursor = text;
    struct la_map m;

    ck_assert_int_eq(maps_line(&cursor, &m), 1);
    ck_assert_uint_eq(m.lo, 0x7f0000000000);
    ck_assert_uint_eq(m.hi, 0x7f0000021000);
    ck_assert_str_eq(m.perms, "rw-p");
    ck_assert_str_eq(m.path, "");
    ck_assert_int_eq(maps_line(&cursor, &m), 1);
    ck_assert_uint_eq(m.offset, 0x1000);
    ck_assert_uint_eq(m.inode, 1234567);
    ck_assert_str_eq(m.path, "/usr/bin/my prog");
    ck_assert_int_eq(maps_line(&cursor, &m), 1);
    ck_assert_str_eq(m.perms, "r-xp");
    ck_assert_str_eq(m.path, "/tmp/lib.so (deleted)");
    ck_assert_int_eq(maps_line(&cursor, &m), 1);
    ck_assert_str_eq(m.path, "[stack]");
    ck_assert_int_eq(maps_line(&cursor, &m), 0);
    /* The text is left as it was. */
    ck_assert_str_eq(text, before);
    free(before);
}
END_TEST

Suite *maps_suite(void);
Suite *maps_suite(void)
{
    Suite *s = suite_create("maps");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, maps_lines);
    suite_add_tcase(s, tc);
    return s;
}
