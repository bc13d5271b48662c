/* check_modules.c: the loaded objects read from the map and the ELF
 * headers in memory, with the notes that outlive a dlclose
 * (preload/modules.c). */
#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules.h"

START_TEST(loaded_objects)
{
    struct la_modules mods;

    ck_assert_int_eq(modules_collect(&mods), 0);
    ck_assert_uint_eq(mods.n, mods.nloaded);
    long self = modules_find(&mods, (uintptr_t)&modules_collect);
    ck_assert_int_ge(self, 0);
    ck_assert_ptr_nonnull(strstr(mods.v[self].path, "check_unit"));
    ck_assert_int_eq(mods.v[self].loaded, 1);
    /* libc (found by name: under ASan its functions are intercepted). */
    long libc = -1;
    for (size_t i = 0; i < mods.n; i++)
        if (strstr(mods.v[i].path, "/libc.so"))
            libc = (long)i;
    ck_assert_int_ge(libc, 0);
    ck_assert_uint_eq(strlen(mods.v[libc].build_id), 40);
    ck_assert_int_eq(modules_find(&mods, mods.v[libc].start), libc);
    for (size_t i = 1; i < mods.nloaded; i++)
        ck_assert_uint_ge(mods.v[i].start, mods.v[i - 1].end);
    ck_assert_int_eq(modules_find(&mods, 16), -1);
    modules_free(&mods);
}
END_TEST

START_TEST(unloaded_objects)
{
    const char *top = getenv("top_builddir");
    char path[4096];
    struct la_modules mods;

    snprintf(path, sizeof path, "%s/tests/programs/.libs/libplugin.so", top ? top : ".");
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(h != NULL, "%s", dlerror());
    uintptr_t fn = (uintptr_t)dlsym(h, "plugin_leak");
    void **table = dlsym(h, "plugin_table");
    ck_assert_uint_ne(fn, 0);
    ck_assert_ptr_nonnull(table);
    free(*table); /* its constructor's block (LeakSanitizer would see it) */
    modules_note();
    ck_assert_int_eq(dlclose(h), 0);

    ck_assert_int_eq(modules_collect(&mods), 0);
    long i = modules_find(&mods, fn);
    ck_assert_int_ge(i, (long)mods.nloaded); /* found among the unloaded */
    ck_assert_int_eq(mods.v[i].loaded, 0);
    ck_assert_ptr_nonnull(strstr(mods.v[i].path, "/libplugin.so"));
    ck_assert_uint_eq(strlen(mods.v[i].build_id), 40);
    ck_assert_uint_eq(fn - mods.v[i].base < mods.v[i].end - mods.v[i].base, 1);
    modules_free(&mods);
}
END_TEST

Suite *modules_suite(void);
Suite *modules_suite(void)
{
    Suite *s = suite_create("modules");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, loaded_objects);
    tcase_add_test(tc, unloaded_objects);
    suite_add_tcase(s, tc);
    return s;
}
