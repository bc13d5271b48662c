/* check_livetable.c: the live-block table (preload/livetable.c). */
#include <check.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "livetable.h"
#include "seqbatch.h"

static uint64_t batch3; /* a batch of sequence numbers taken by thread 3 */

static int stop_at_first(const struct la_block *b, void *ctx);

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

/* Four hammers at once: every block found, nothing left. */
static void hammer_four(void)
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

START_TEST(threads_share_shards)
{
    hammer_four();
}
END_TEST

/* The same, with no shard owned: every operation takes the lock. */
START_TEST(threads_share_shards_locked)
{
    size_t owned, shared;

    lt_set_owning(0);
    hammer_four();
    lt_owners(&owned, &shared);
    ck_assert_uint_eq(owned + shared, 0);
}
END_TEST

/* Whether this kernel lets shards be owned (livetable.c): membarrier's
 * private expedited command. */
static int can_own(void)
{
    long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    return q > 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}

/* Blocks of one thread's region, freed by another thread while the first
 * goes on churning its own blocks in the same shards: the second makes the
 * shards shared under the owner's feet.  Every block must be found once. */
#define XT_BASE 0x80000000u
#define XT_N 20000u

static void *churn_own(void *arg)
{
    uintptr_t lost = 0;

    (void)arg;
    for (uintptr_t round = 0; round < 40; round++) {
        for (uintptr_t i = 0; i < 2000; i++) {
            struct la_block b = blk(XT_BASE + (XT_N + i) * 32, i);
            lt_insert(&b);
        }
        for (uintptr_t i = 0; i < 2000; i++)
            lost += !lt_remove(XT_BASE + (XT_N + i) * 32, NULL);
    }
    return (void *)lost;
}

static void *free_theirs(void *arg)
{
    uintptr_t lost = 0;

    (void)arg;
    for (uintptr_t i = 0; i < XT_N; i++)
        lost += !lt_remove(XT_BASE + i * 32, NULL);
    return (void *)lost;
}

static void *make_then_churn(void *arg)
{
    pthread_t other;
    void *r;
    uintptr_t lost;

    (void)arg;
    for (uintptr_t i = 0; i < XT_N; i++) {
        struct la_block b = blk(XT_BASE + i * 32, i);
        ck_assert_int_eq(lt_insert(&b), 0);
    }
    size_t owned, shared;
    lt_owners(&owned, &shared);
    if (can_own())
        ck_assert_uint_gt(owned, 0);
    ck_assert_int_eq(pthread_create(&other, NULL, free_theirs, NULL), 0);
    lost = (uintptr_t)churn_own(NULL);
    pthread_join(other, &r);
    return (void *)(lost + (uintptr_t)r);
}

START_TEST(frees_from_another_thread)
{
    pthread_t t;
    void *r;
    size_t owned, shared;

    ck_assert_int_eq(pthread_create(&t, NULL, make_then_churn, NULL), 0);
    pthread_join(t, &r);
    ck_assert_uint_eq((uintptr_t)r, 0);
    ck_assert_uint_eq(lt_count(), 0);
    lt_owners(&owned, &shared);
    if (can_own())
        ck_assert_uint_gt(shared, 0);
}
END_TEST

/* Visits of every shard while their owners churn: each visit sees every
 * one of the blocks that stay, once. */
#define VS_THREADS 3
#define VS_STAY 3000u

static int vs_stop, vs_ready;

static void *owner_churns(void *arg)
{
    uintptr_t base = 0x100000000u + (uintptr_t)arg * 0x4000000u, lost = 0;

    for (uintptr_t i = 0; i < VS_STAY; i++) {
        struct la_block b = blk(base + i * 16, 16);
        lt_insert(&b);
    }
    __atomic_add_fetch(&vs_ready, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&vs_stop, __ATOMIC_ACQUIRE)) {
        for (uintptr_t i = 0; i < 3000; i++) {
            struct la_block b = blk(base + (VS_STAY + i) * 16, 0);
            lt_insert(&b);
        }
        for (uintptr_t i = 0; i < 3000; i++)
            lost += !lt_remove(base + (VS_STAY + i) * 16, NULL);
    }
    return (void *)lost;
}

/* The churned blocks have size 0: the sum is the stayers' bytes.  Slow,
 * so that each shard's visit lasts while its owner would rebuild it. */
static int count_stayers(const struct la_block *b, void *ctx)
{
    *(size_t *)ctx += b->size;
    for (int i = 0; i < 50; i++)
        __asm__ volatile("" ::: "memory");
    return 0;
}

START_TEST(visits_while_owners_churn)
{
    pthread_t t[VS_THREADS];
    uintptr_t lost = 0;

    for (uintptr_t k = 0; k < VS_THREADS; k++)
        ck_assert_int_eq(pthread_create(&t[k], NULL, owner_churns, (void *)k), 0);
    while (__atomic_load_n(&vs_ready, __ATOMIC_ACQUIRE) < VS_THREADS)
        sched_yield();
    for (int n = 0; n < 100; n++) {
        size_t stayers = 0;
        struct la_block b;
        ck_assert_int_eq(lt_foreach(count_stayers, &stayers), 0);
        ck_assert_uint_eq(stayers, VS_THREADS * VS_STAY * 16);
        /* lt_find_containing's walk, in another thread's shard. */
        ck_assert_int_eq(lt_find_containing(0x100000000u + 0x4000000u + 16 * (n % 100) + 4, &b), 1);
    }
    __atomic_store_n(&vs_stop, 1, __ATOMIC_RELEASE);
    for (int k = 0; k < VS_THREADS; k++) {
        void *r;
        pthread_join(t[k], &r);
        lost += (uintptr_t)r;
    }
    ck_assert_uint_eq(lost, 0);
    ck_assert_uint_eq(lt_count(), VS_THREADS * VS_STAY);
}
END_TEST

/* An owner stays out of its shard while another thread visits it (or
 * holds every lock for fork): its insert waits until the visit is over. */
#define VO_ADDR 0x300000000u

static int vo_step, vo_done;

static void vo_wait_step(int n)
{
    while (__atomic_load_n(&vo_step, __ATOMIC_ACQUIRE) < n)
        sched_yield();
}

static void *vo_owner(void *arg)
{
    struct la_block b = blk(VO_ADDR, 8);

    (void)arg;
    lt_insert(&b); /* claims the shard */
    __atomic_store_n(&vo_step, 1, __ATOMIC_RELEASE);
    vo_wait_step(2);
    b.size = 24;
    lt_insert(&b); /* the same key: the same shard */
    __atomic_store_n(&vo_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Lets the owner go, then gives it 50 ms: it must not get in. */
static int vo_visit(const struct la_block *b, void *ctx)
{
    if (b->addr == VO_ADDR) {
        struct timespec t = { 0, 50000000 };
        __atomic_store_n(&vo_step, 2, __ATOMIC_RELEASE);
        nanosleep(&t, NULL);
        *(int *)ctx = __atomic_load_n(&vo_done, __ATOMIC_ACQUIRE) + 1;
    }
    return 0;
}

static void vo_start(pthread_t *t)
{
    size_t owned, shared;

    vo_step = vo_done = 0;
    ck_assert_int_eq(pthread_create(t, NULL, vo_owner, NULL), 0);
    vo_wait_step(1);
    lt_owners(&owned, &shared);
    if (can_own())
        ck_assert_uint_eq(owned, 1);
}

static void vo_end(pthread_t t)
{
    struct la_block out;

    pthread_join(t, NULL);
    ck_assert_int_eq(vo_done, 1);
    ck_assert_int_eq(lt_find(VO_ADDR, &out), 1);
    ck_assert_uint_eq(out.size, 24);
}

/* A visit claims no shard (it would own them all, and every thread that
 * used one after would have to take it from the visitor). */
START_TEST(visit_claims_nothing)
{
    size_t owned, shared;
    int calls = 0;
    struct la_block out;

    ck_assert_int_eq(lt_foreach(stop_at_first, &calls), 0);
    lt_lock_all();
    lt_unlock_all();
    ck_assert_int_eq(lt_find_containing(0x12345678, &out), 0);
    lt_owners(&owned, &shared);
    ck_assert_uint_eq(owned + shared, 0);
    struct la_block b = blk(0x5000, 8);
    lt_insert(&b); /* a point operation claims */
    lt_owners(&owned, &shared);
    if (can_own())
        ck_assert_uint_eq(owned, 1);
}
END_TEST

START_TEST(visit_keeps_owner_out)
{
    pthread_t t;
    int seen = 0;

    vo_start(&t);
    ck_assert_int_eq(lt_foreach(vo_visit, &seen), 0);
    ck_assert_int_eq(seen, 1); /* found, and the owner was not done */
    vo_end(t);
}
END_TEST

START_TEST(lock_all_keeps_owner_out)
{
    pthread_t t;
    struct timespec ms50 = { 0, 50000000 };

    vo_start(&t);
    lt_lock_all();
    __atomic_store_n(&vo_step, 2, __ATOMIC_RELEASE);
    nanosleep(&ms50, NULL);
    ck_assert_int_eq(__atomic_load_n(&vo_done, __ATOMIC_ACQUIRE), 0);
    lt_unlock_all();
    vo_end(t);
}
END_TEST

/* A thread that ends gives its shards up: the next thread claims them
 * (no shard made shared). */
static void *claim_and_end(void *arg)
{
    (void)arg;
    for (uintptr_t i = 0; i < 1000; i++) {
        struct la_block b = blk(0x200000000u + i * 16, 1);
        lt_insert(&b);
    }
    lt_thread_exit();
    return NULL;
}

START_TEST(ended_owner_gives_up)
{
    pthread_t t;
    size_t owned, shared;

    if (!can_own())
        return;
    ck_assert_int_eq(pthread_create(&t, NULL, claim_and_end, NULL), 0);
    pthread_join(t, NULL);
    lt_owners(&owned, &shared);
    ck_assert_uint_eq(owned, 0);
    for (uintptr_t i = 0; i < 1000; i++)
        ck_assert_int_eq(lt_remove(0x200000000u + i * 16, NULL), 1);
    lt_owners(&owned, &shared);
    ck_assert_uint_gt(owned, 0);
    ck_assert_uint_eq(shared, 0);
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
    tcase_add_test(tc, threads_share_shards_locked);
    tcase_add_test(tc, frees_from_another_thread);
    tcase_add_test(tc, visits_while_owners_churn);
    tcase_add_test(tc, ended_owner_gives_up);
    tcase_add_test(tc, visit_claims_nothing);
    tcase_add_test(tc, visit_keeps_owner_out);
    tcase_add_test(tc, lock_all_keeps_owner_out);
    suite_add_tcase(s, tc);
    return s;
}
