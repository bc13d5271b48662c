/* check_bootstrap.c: the private heap of a writer child
 * (preload/bootstrap.c): classes, recycling, alignment, realloc. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
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

Suite *bootstrap_suite(void);
Suite *bootstrap_suite(void)
{
    Suite *s = suite_create("bootstrap");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, private_heap);
    suite_add_tcase(s, tc);
    return s;
}
