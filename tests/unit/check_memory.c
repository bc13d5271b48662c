/*
 * check_memory.c: the shim's memory and the process's map: the private
 * heap of a writer child (preload/bootstrap.c), /proc/self/maps lines
 * (pages.c), and the loaded objects read from the map and the ELF headers
 * in memory, with the notes that outlive a dlclose (modules.c).
 */
#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "maps.h"
#include "modules.h"
#include "pages.h"

START_TEST(private_heap)
{
    ck_assert_int_eq(boot_private(), 0);
    char *p = boot_alloc(16, 100);
    ck_assert_ptr_nonnull(p);
    ck_assert(boot_owns(p));
    ck_assert_uint_eq(boot_size(p), 100);
    ck_assert_uint_eq((uintptr_t)p % 16, 0);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(p[i], 0);
    memset(p, 0xab, 100);
    boot_free(p);
    /* Recycled for a request of the same class, and zeroed again. */
    char *q = boot_alloc(16, 90);
    ck_assert_ptr_eq(q, p);
    ck_assert_uint_eq(boot_size(q), 90);
    for (int i = 0; i < 90; i++)
        ck_assert_int_eq(q[i], 0);
    /* A different class is a different block. */
    char *r = boot_alloc(16, 1000);
    ck_assert_ptr_ne(r, q);
    ck_assert(r >= q + 90 || r + 1000 <= q);
    /* Over-aligned and large requests. */
    char *a = boot_alloc(4096, 10);
    ck_assert_uint_eq((uintptr_t)a % 4096, 0);
    ck_assert(boot_owns(a));
    char *big = boot_alloc(16, 64u << 20);
    ck_assert_ptr_nonnull(big);
    big[(64u << 20) - 1] = 1;
    /* The heap is the shim's: listed, so the scan never reads it. */
    uintptr_t (*list)[2] = malloc(4096 * sizeof *list);
    size_t n = pages_list(list, 4096), found = 0;
    for (size_t i = 0; i < n && i < 4096; i++)
        found += list[i][0] <= (uintptr_t)big && (uintptr_t)big < list[i][1];
    ck_assert_uint_eq(found, 1);
    ck_assert(!boot_owns(list)); /* libc's blocks are not the heap's */
    free(list);
}
END_TEST

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

Suite *memory_suite(void);

Suite *memory_suite(void)
{
    Suite *s = suite_create("memory");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, private_heap);
    tcase_add_test(tc, maps_lines);
    tcase_add_test(tc, loaded_objects);
    tcase_add_test(tc, unloaded_objects);
    suite_add_tcase(s, tc);
    return s;
}
