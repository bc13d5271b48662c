/* check_stackdepot.c: the stack depot (preload/stackdepot.c). */
#include <check.h>
#include <pthread.h>

#include "stackdepot.h"

START_TEST(intern_dedupes)
{
    uintptr_t a[3] = { 0x10, 0x20, 0x30 }, b[3] = { 0x10, 0x20, 0x31 };
    uint32_t ia = sd_intern(a, 3), ib = sd_intern(b, 3);

    ck_assert_uint_ne(ia, SD_NONE);
    ck_assert_uint_ne(ia, ib);
    ck_assert_uint_eq(sd_intern(a, 3), ia);
    ck_assert_uint_ne(sd_intern(a, 2), ia); /* a prefix is another stack */
    ck_assert_uint_eq(sd_intern(a, 0), SD_NONE);
    const struct sd_stack *e = sd_get(ia);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->depth, 3);
    ck_assert_uint_eq(e->pcs[2], 0x30);
    ck_assert_ptr_null(sd_get(sd_count() + 5));
}
END_TEST

START_TEST(counters)
{
    uintptr_t a[1] = { 0xabc };
    uint32_t id = sd_intern(a, 1);

    sd_count_allocs(id, 1, 100);
    sd_count_allocs(id, 1, 28);
    ck_assert_uint_eq(sd_get(id)->allocs, 2);
    ck_assert_uint_eq(sd_get(id)->bytes, 128);
    sd_reset_counters();
    ck_assert_uint_eq(sd_get(id)->allocs, 0);
    ck_assert_uint_eq(sd_get(id)->bytes, 0);
}
END_TEST

/* Enough stacks to grow the table several times; every id stays valid. */
START_TEST(many_stacks)
{
    enum { N = 100000 };
    static uint32_t ids[N];

    for (uintptr_t i = 0; i < N; i++) {
        uintptr_t pcs[2] = { 0x1000 + i, 0x77 };
        ids[i] = sd_intern(pcs, 2);
        ck_assert_uint_ne(ids[i], SD_NONE);
    }
    for (uintptr_t i = 0; i < N; i++) {
        uintptr_t pcs[2] = { 0x1000 + i, 0x77 };
        ck_assert_uint_eq(sd_intern(pcs, 2), ids[i]);
        ck_assert_uint_eq(sd_get(ids[i])->pcs[0], 0x1000 + i);
    }
}
END_TEST

static void *intern_range(void *arg)
{
    uint32_t *ids = arg;

    for (uintptr_t i = 0; i < 20000; i++) {
        uintptr_t pcs[3] = { 0x500000 + i, 0x9, 0x8 };
        ids[i] = sd_intern(pcs, 3);
    }
    return NULL;
}

/* Threads interning the same stacks at once agree on every id. */
START_TEST(concurrent_agree)
{
    static uint32_t ids[4][20000];
    pthread_t t[4];

    for (int k = 0; k < 4; k++)
        pthread_create(&t[k], NULL, intern_range, ids[k]);
    for (int k = 0; k < 4; k++)
        pthread_join(t[k], NULL);
    for (int i = 0; i < 20000; i++)
        for (int k = 1; k < 4; k++)
            ck_assert_uint_eq(ids[k][i], ids[0][i]);
}
END_TEST

Suite *stackdepot_suite(void);
Suite *stackdepot_suite(void)
{
    Suite *s = suite_create("stackdepot");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, intern_dedupes);
    tcase_add_test(tc, counters);
    tcase_add_test(tc, many_stacks);
    tcase_add_test(tc, concurrent_agree);
    suite_add_tcase(s, tc);
    return s;
}
