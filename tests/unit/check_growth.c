/* check_growth.c: --growth (report/growth.c): sites that grew between a
 * process's first and last snapshot runs. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "growth.h"

START_TEST(growth_between_snapshots)
{
    /* One process, three snapshots: stack 1 grows 1 -> 3 blocks, stack 2
     * stays at 1, stack 3 shrinks, stack 4 appears.  Another process has
     * one snapshot only; a third has two, with nothing grown. */
    static struct rp_stack st[4] = { { .id = 1 }, { .id = 2 }, { .id = 3 }, { .id = 4 } };
    struct rp_block first[] = {
        { .addr = 0x10, .size = 8, .stack = 1 }, { .addr = 0x20, .size = 4, .stack = 2 },
        { .addr = 0x30, .size = 4, .stack = 3 }, { .addr = 0x40, .size = 4, .stack = 3 },
    };
    struct rp_block middle[] = { { .addr = 0x10, .size = 8, .stack = 1 } };
    struct rp_block last[] = {
        { .addr = 0x10, .size = 8, .stack = 1 }, { .addr = 0x20, .size = 4, .stack = 2 },
        { .addr = 0x30, .size = 4, .stack = 3 }, { .addr = 0x50, .size = 8, .stack = 1 },
        { .addr = 0x60, .size = 8, .stack = 1 }, { .addr = 0x70, .size = 2, .stack = 4 },
    };
    struct rp_block flat[] = { { .addr = 0x10, .size = 8, .stack = 1 } };
    struct rp_run runs[] = {
        { .id = 1, .pid = 7, .start_time = 1.0, .end_time = 2.0, .end_reason = "snapshot",
          .stacks = st, .nstacks = 3, .blocks = first, .nblocks = 4 },
        { .id = 2, .pid = 8, .start_time = 1.0, .end_time = 2.0, .end_reason = "snapshot",
          .stacks = st, .nstacks = 1, .blocks = flat, .nblocks = 1 },
        { .id = 3, .pid = 7, .start_time = 1.0, .end_time = 3.0, .end_reason = "snapshot",
          .stacks = st, .nstacks = 1, .blocks = middle, .nblocks = 1 },
        { .id = 4, .pid = 7, .start_time = 1.0, .end_time = 5.0, .end_reason = "snapshot",
          .stacks = st, .nstacks = 4, .blocks = last, .nblocks = 6 },
        { .id = 5, .pid = 9, .start_time = 1.0, .end_time = 2.0, .end_reason = "snapshot",
          .stacks = st, .nstacks = 1, .blocks = flat, .nblocks = 1 },
        { .id = 6, .pid = 9, .start_time = 1.0, .end_time = 4.0, .end_reason = "snapshot",
          .stacks = st, .nstacks = 1, .blocks = flat, .nblocks = 1 },
        /* pid 7 again, a later process (another start time): not compared
         * with the first. */
        { .id = 7, .pid = 7, .start_time = 9.0, .end_time = 9.5, .end_reason = "snapshot",
          .stacks = st, .nstacks = 1, .blocks = flat, .nblocks = 1 },
    };
    struct rp_db db = { .runs = runs, .nruns = 7 };
    struct rp_growth g;

    rp_growth_find(&db, &g);
    ck_assert_uint_eq(g.processes, 2);
    ck_assert_uint_eq(g.n, 2);
    /* Most grown first: stack 1 (+2), then stack 4 (+1, new). */
    ck_assert_int_eq(g.v[0].stack->id, 1);
    ck_assert_int_eq(g.v[0].before->id, 1);
    ck_assert_int_eq(g.v[0].after->id, 4);
    ck_assert_uint_eq(g.v[0].blocks_before, 1);
    ck_assert_uint_eq(g.v[0].blocks_after, 3);
    ck_assert_uint_eq(g.v[0].bytes_after - g.v[0].bytes_before, 16);
    ck_assert_int_eq(g.v[1].stack->id, 4);
    ck_assert_uint_eq(g.v[1].blocks_before, 0);
    ck_assert_uint_eq(g.v[1].blocks_after, 1);
    rp_growth_free(&g);
}
END_TEST

Suite *growth_suite(void);
Suite *growth_suite(void)
{
    Suite *s = suite_create("growth");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, growth_between_snapshots);
    suite_add_tcase(s, tc);
    return s;
}
