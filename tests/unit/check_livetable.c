/* check_livetable.c: the live-block table (preload/livetable.c). */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>

#include "livetable.h"
#include "seqbatch.h"

static uint64_t batch3; /* a batch of sequence numbers taken by thread 3 */

static struct la_block blk(uintptr_t addr, uint64_t size)
{
    struct la_block b = { .addr = addr, .size = size,
                          .seq = batch3 + (addr / 16) % SB_BATCH, .stack = 7 };
    return b;
}

static void setup(void)
{
    lt_clear();
    batch3 = sb_take(3);
}

START_TEST(insert_remove)
{
    struct la_block b = blk(0x1000, 24), out;

    ck_assert_int_eq(lt_insert(&b), 0);
    ck_assert_uint_eq(lt_count(), 1);
    ck_assert_int_eq(lt_remove(0x1000, &out), 1);
    ck_assert_uint_eq(out.size, 24);
    ck_assert_uint_eq(out.stack, 7);
    ck_assert_uint_eq(out.seq, batch3 + 0x100);
    ck_assert_uint_eq(out.tid, 3); /* from the sequence number's batch */
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

/* Churn at a steady number of live blocks: every block stays findable
 * through the deleted slots and the rebuilds that drop them, and the table
 * stops growing (groups once full keep no empty slot; a rebuild at the
 * same size, not growth, gives them back). */
START_TEST(churn_steady)
{
    enum { LIVE = 3000, OPS = 300000 };
    static uintptr_t live[LIVE];
    uint64_t x = 88172645463325252ull;
    uintptr_t next = 0x7f0000000000;
    size_t cap = 0;

    for (int i = 0; i < LIVE; i++) {
        struct la_block b = blk(live[i] = next += 48, 40);
        ck_assert_int_eq(lt_insert(&b), 0);
    }
    for (int op = 0; op < OPS; op++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t k = x % LIVE;
        ck_assert_int_eq(lt_remove(live[k], NULL), 1);
        struct la_block b = blk(live[k] = next += 48, 40);
        ck_assert_int_eq(lt_insert(&b), 0);
        if (op == OPS / 10)
            cap = lt_capacity();
    }
    ck_assert_uint_eq(lt_count(), LIVE);
    for (int i = 0; i < LIVE; i++) {
        struct la_block out;
        ck_assert_int_eq(lt_find(live[i], &out), 1);
        ck_assert_uint_eq(out.size, 40);
    }
    ck_assert_uint_eq(lt_capacity(), cap);
    ck_assert_uint_le(lt_capacity(), LIVE * 2);
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

/* The packed fields keep their full ranges. */
START_TEST(packing)
{
    struct la_block b = { .addr = 0x7ffff0001230, .size = (1ull << 47) - 1,
                          .seq = batch3 + SB_BATCH - 1, .stack = 0xfffffffe },
                    out;

    lt_insert(&b);
    ck_assert_int_eq(lt_remove(b.addr, &out), 1);
    ck_assert_uint_eq(out.size, (1ull << 47) - 1);
    ck_assert_uint_eq(out.seq, batch3 + SB_BATCH - 1);
    ck_assert_uint_eq(out.stack, 0xfffffffe);
    ck_assert_uint_eq(out.mark, 0);
}
END_TEST

/* Batches: multiples of SB_BATCH, never 0, each with its thread. */
START_TEST(seq_batches)
{
    uint64_t a = sb_take(11), b = sb_take(12);

    ck_assert_uint_ne(a, 0);
    ck_assert_uint_eq(a % SB_BATCH, 0);
    ck_assert_uint_ge(b, a + SB_BATCH);
    ck_assert_uint_eq(sb_tid(a), 11);
    ck_assert_uint_eq(sb_tid(a + SB_BATCH - 1), 11);
    ck_assert_uint_eq(sb_tid(b), 12);
    ck_assert_uint_ge(sb_next(), b + SB_BATCH);
}
END_TEST

static int find_mark(const struct la_block *b, void *ctx)
{
    uint32_t *m = ctx;

    if (b->addr == 0x5000)
        m[0] = b->mark;
    m[1]++;
    return 0;
}

/* A mark is kept beside its block: not counted, not listed as a block,
 * carried by a re-insert (realloc), dropped by a plain replacement and by
 * the block's removal; blocks around it stay findable through growth. */
START_TEST(marks_beside_blocks)
{
    struct la_block a = blk(0x5000, 8), out;
    uint32_t seen[2] = { 0, 0 };

    lt_insert(&a);
    ck_assert_uint_eq(lt_set_mark(0x5000, 21), 21);
    ck_assert_uint_eq(lt_count(), 1);
    ck_assert_int_eq(lt_foreach(find_mark, seen), 0);
    ck_assert_uint_eq(seen[0], 21);
    ck_assert_uint_eq(seen[1], 1);
    for (uintptr_t i = 1; i <= 5000; i++) { /* growth moves every slot */
        struct la_block b = blk(0x100000 + i * 16, i);
        lt_insert(&b);
    }
    ck_assert_int_eq(lt_remove(0x5000, &out), 1);
    ck_assert_uint_eq(out.mark, 21);
    ck_assert_uint_eq(lt_count(), 5000);
    out.addr = 0x6000; /* re-inserted elsewhere with its mark */
    lt_insert(&out);
    ck_assert_int_eq(lt_find_containing(0x6004, &out), 1);
    ck_assert_uint_eq(out.mark, 21);
    a = blk(0x6000, 8); /* replaced without a free we saw */
    lt_insert(&a);
    ck_assert_int_eq(lt_remove(0x6000, &out), 1);
    ck_assert_uint_eq(out.mark, 0);
    for (uintptr_t i = 1; i <= 5000; i++)
        ck_assert_int_eq(lt_remove(0x100000 + i * 16, NULL), 1);
    ck_assert_uint_eq(lt_count(), 0);
}
END_TEST

/* Threads on the same shards: the lock's waiting path.  Each thread
 * inserts and removes its own interleaved addresses in one 64 MiB region;
 * every remove must find its block, and nothing may be left. */
static void *hammer(void *arg)
{
    uintptr_t k = (uintptr_t)arg, lost = 0;

    for (uintptr_t round = 0; round < 20; round++) {
        for (uintptr_t i = 0; i < 4000; i++) {
            struct la_block b = blk(0x40000000 + (i * 4 + k) * 16, i);
            lt_insert(&b);
        }
        for (uintptr_t i = 0; i < 4000; i++)
            lost += !lt_remove(0x40000000 + (i * 4 + k) * 16, NULL);
    }
    return (void *)lost;
}

START_TEST(threads_share_shards)
{
    pthread_t t[4];
    uintptr_t lost = 0;

    for (uintptr_t k = 0; k < 4; k++)
        ck_assert_int_eq(pthread_create(&t[k], NULL, hammer, (void *)k), 0);
    for (int k = 0; k < 4; k++) {
        void *r;
        pthread_join(t[k], &r);
        lost += (uintptr_t)r;
    }
    ck_assert_uint_eq(lost, 0);
    ck_assert_uint_eq(lt_count(), 0);
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
    tcase_add_test(tc, churn_steady);
    tcase_add_test(tc, find_containing);
    tcase_add_test(tc, set_mark_once);
    tcase_add_test(tc, foreach_all_and_stop);
    tcase_add_test(tc, packing);
    tcase_add_test(tc, seq_batches);
    tcase_add_test(tc, marks_beside_blocks);
    tcase_add_test(tc, threads_share_shards);
    suite_add_tcase(s, tc);
    return s;
}
