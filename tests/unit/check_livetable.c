/* check_livetable.c: the live-block table (preload/livetable.c). */
#include <check.h>
#include <stdlib.h>

#include "livetable.h"

static struct la_block blk(uintptr_t addr, uint64_t size)
{
    struct la_block b = { .addr = addr, .size = size, .seq = addr, .stack = 7,
                          .tid = 3 };
    return b;
}

static void setup(void) { lt_clear(); }

START_TEST(insert_remove)
{
    struct la_block b = blk(0x1000, 24), out;

    ck_assert_int_eq(lt_insert(&b), 0);
    ck_assert_uint_eq(lt_count(), 1);
    ck_assert_int_eq(lt_remove(0x1000, &out), 1);
    ck_assert_uint_eq(out.size, 24);
    ck_assert_uint_eq(out.stack, 7);
    ck_assert_uint_eq(out.tid, 3);
    ck_assert_int_eq(lt_remove(0x1000, &out), 0);
    ck_assert_uint_eq(lt_count(), 0);
}
END_TEST

START_TEST(reinsert_replaces)
{
    struct la_block a = blk(0x2000, 8), b = blk(0x2000, 16), out;

    lt_insert(&a);
    lt_insert(&b);
    ck_assert_uint_eq(lt_count(), 1);
    ck_assert_int_eq(lt_remove(0x2000, &out), 1);
    ck_assert_uint_eq(out.size, 16);
}
END_TEST

/* Many blocks: growth, and removal by backward shift keeps every other
 * block findable. */
START_TEST(grow_and_shift)
{
    const uintptr_t n = 200000;
    struct la_block out;

    for (uintptr_t i = 1; i <= n; i++) {
        struct la_block b = blk(i * 16, i);
        ck_assert_int_eq(lt_insert(&b), 0);
    }
    ck_assert_uint_eq(lt_count(), n);
    for (uintptr_t i = 1; i <= n; i += 2)
        ck_assert_int_eq(lt_remove(i * 16, NULL), 1);
    ck_assert_uint_eq(lt_count(), n / 2);
    for (uintptr_t i = 2; i <= n; i += 2) {
        ck_assert_int_eq(lt_remove(i * 16, &out), 1);
        ck_assert_uint_eq(out.size, i);
    }
    ck_assert_uint_eq(lt_count(), 0);
}
END_TEST

START_TEST(find_containing)
{
    struct la_block a = blk(0x10000, 100), big = blk(0x100000, 1 << 20),
                    z = blk(0x20000, 0), out;

    lt_insert(&a);
    lt_insert(&big);
    lt_insert(&z);
    ck_assert_int_eq(lt_find_containing(0x10000, &out), 1);
    ck_assert_uint_eq(out.addr, 0x10000);
    ck_assert_int_eq(lt_find_containing(0x10000 + 99, &out), 1);
    ck_assert_uint_eq(out.addr, 0x10000);
    ck_assert_int_eq(lt_find_containing(0x10000 + 100, &out), 0);
    ck_assert_int_eq(lt_find_containing(0xfff0, &out), 0);
    /* Far inside a large block: beyond the downward walk, found by scan. */
    ck_assert_int_eq(lt_find_containing(0x100000 + 900000, &out), 1);
    ck_assert_uint_eq(out.addr, 0x100000);
    ck_assert_int_eq(lt_find_containing(0x100000 + (1 << 20), &out), 0);
    /* A block of size 0 holds its start only. */
    ck_assert_int_eq(lt_find_containing(0x20000, &out), 1);
    ck_assert_int_eq(lt_find_containing(0x20001, &out), 0);
    ck_assert_int_eq(lt_find_containing(0, &out), 0);
}
END_TEST

START_TEST(set_mark_once)
{
    struct la_block a = blk(0x3000, 8), out;

    lt_insert(&a);
    ck_assert_uint_eq(lt_set_mark(0x3000, 5), 5);
    ck_assert_uint_eq(lt_set_mark(0x3000, 9), 5); /* the first mark stays */
    ck_assert_uint_eq(lt_set_mark(0x4000, 9), 0);
    lt_remove(0x3000, &out);
    ck_assert_uint_eq(out.mark, 5);
}
END_TEST

static int count_bytes(const struct la_block *b, void *ctx)
{
    *(uint64_t *)ctx += b->size;
    return 0;
}

static int stop_at_first(const struct la_block *b, void *ctx)
{
    (*(int *)ctx)++;
    return 42;
}

START_TEST(foreach_all_and_stop)
{
    uint64_t sum = 0;
    int calls = 0;

    for (uintptr_t i = 1; i <= 1000; i++) {
        struct la_block b = blk(i * 32, i);
        lt_insert(&b);
    }
    ck_assert_int_eq(lt_foreach(count_bytes, &sum), 0);
    ck_assert_uint_eq(sum, 1000 * 1001 / 2);
    ck_assert_int_eq(lt_foreach(stop_at_first, &calls), 42);
    ck_assert_int_eq(calls, 1);
}
END_TEST

Suite *livetable_suite(void);
Suite *livetable_suite(void)
{
    Suite *s = suite_create("livetable");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, insert_remove);
    tcase_add_test(tc, reinsert_replaces);
    tcase_add_test(tc, grow_and_shift);
    tcase_add_test(tc, find_containing);
    tcase_add_test(tc, set_mark_once);
    tcase_add_test(tc, foreach_all_and_stop);
    suite_add_tcase(s, tc);
    return s;
}
