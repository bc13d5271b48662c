/* check_scc.c: strongly connected components (report/scc.c), small and at
 * a million nodes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "scc.h"

START_TEST(scc_small)
{
    /* 0 -> 1 -> 2 -> 0 (a cycle), 2 -> 3, 3 -> 4 -> 3 (a cycle), 5 alone. */
    size_t off[] = { 0, 1, 2, 4, 5, 6, 6 };
    uint32_t adj[] = { 1, 2, 0, 3, 4, 3 };
    uint32_t comp[6];
    size_t n = rp_scc(6, off, adj, comp);

    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(comp[0], comp[1]);
    ck_assert_uint_eq(comp[1], comp[2]);
    ck_assert_uint_eq(comp[3], comp[4]);
    ck_assert_uint_ne(comp[0], comp[3]);
    ck_assert_uint_ne(comp[5], comp[0]);
    ck_assert_uint_ne(comp[5], comp[3]);
    /* Edges go from higher to lower component numbers. */
    ck_assert_uint_gt(comp[2], comp[3]);
}
END_TEST

/* A chain of a million nodes closed into one cycle: no recursion limit. */
START_TEST(scc_million_chain)
{
    size_t n = 1000000;
    size_t *off = malloc((n + 1) * sizeof *off);
    uint32_t *adj = malloc(n * sizeof *adj), *comp = malloc(n * sizeof *comp);

    for (size_t v = 0; v < n; v++) {
        off[v] = v;
        adj[v] = (uint32_t)((v + 1) % n);
    }
    off[n] = n;
    ck_assert_uint_eq(rp_scc(n, off, adj, comp), 1);
    adj[n - 1] = (uint32_t)(n - 1); /* now a chain ending in a self-loop */
    ck_assert_uint_eq(rp_scc(n, off, adj, comp), n);
    free(off);
    free(adj);
    free(comp);
}
END_TEST

Suite *scc_suite(void);
Suite *scc_suite(void)
{
    Suite *s = suite_create("scc");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, scc_small);
    tcase_add_test(tc, scc_million_chain);
    suite_add_tcase(s, tc);
    return s;
}
