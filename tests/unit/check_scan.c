/*
 * check_scan.c: the reachability scan (preload/scan.c) over a hand-made
 * set of blocks and roots.  Blocks are real heap blocks put into the live
 * table by hand; the roots are this program's data and its stack above
 * the scan's starting point.  Their addresses are kept only encoded
 * (xor KEY), so that nothing but the pointers the test means to plant
 * points at them.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "livetable.h"
#include "marks.h"
#include "scan.h"

#define KEY ((uintptr_t)0x5a5a5a5a5a5a5a5aull)

/* The blocks, by name. */
enum { A, B, C, D, E, F, G, M, N, X, I, J, NBLOCKS };
static uintptr_t enc[NBLOCKS];
static uint32_t mark_id;

/* The roots: a pointer to A and one into the middle of G. */
static void *volatile root_a, *volatile root_g_inside;

static uintptr_t addr_of(int k)
{
    return enc[k] ^ KEY;
}

static void put(int from, size_t word, int to)
{
    ((uintptr_t *)addr_of(from))[word] = addr_of(to);
}

/* Makes the blocks and the pointers among them; returns with no plain
 * pointer to any block left in its frame's live part (the frame itself
 * is below where the scan starts). */
static __attribute__((noinline)) void build(uint64_t first_seq)
{
    for (int k = 0; k < NBLOCKS; k++) {
        void *p = calloc(1, 64);
        struct la_block b = { .addr = (uintptr_t)p, .size = 64,
                              .seq = first_seq + (uint64_t)k, .stack = 0 };
        ck_assert_ptr_nonnull(p);
        ck_assert_int_eq(lt_insert(&b), 0);
        enc[k] = (uintptr_t)p ^ KEY;
    }
    put(A, 0, B);  /* A (a root's) -> B: reachable through the heap */
    put(C, 1, D);  /* C lost, D lost through it: an edge at +8 */
    put(E, 2, F);  /* E <-> F: a cycle of lost blocks */
    put(F, 3, E);
    put(M, 0, N);  /* M marked: M and N intentional, owned by M */
    put(N, 1, C);  /* and C, reached from N, is M's too */
    put(I, 0, I);  /* I points at itself only: lost, with that edge */
    /* X: in a local of this frame only, gone when it returns; J: nothing
     * points at it. */
    volatile uintptr_t stale = addr_of(X);
    (void)stale;
    mark_id = marks_add(addr_of(M), 0, NULL);
    ck_assert_uint_ne(mark_id, 0);
    ck_assert_uint_eq(lt_set_mark(addr_of(M), mark_id), mark_id);
    root_a = (void *)addr_of(A);
    root_g_inside = (void *)(addr_of(G) + 40);
}

static int cls_of(const struct scan_blocks *s, int k)
{
    long i = scan_find(s, addr_of(k));

    ck_assert_int_ge(i, 0);
    return s->cls[i];
}

/* Whether S holds the edge FROM -> TO at OFFSET. */
static int has_edge(const struct scan_blocks *s, int from, int to, uint64_t offset)
{
    long f = scan_find(s, addr_of(from)), t = scan_find(s, addr_of(to));

    for (size_t i = 0; i < s->nedges; i++)
        if (s->edges[i].from == (uint32_t)f && s->edges[i].to == (uint32_t)t &&
            s->edges[i].offset == offset)
            return 1;
    return 0;
}

/* Frees the blocks (the sanitizer build's LeakSanitizer would count them)
 * and S. */
static void release(struct scan_blocks *s)
{
    scan_free(s);
    for (int k = 0; k < NBLOCKS; k++) {
        lt_remove(addr_of(k), NULL);
        free((void *)addr_of(k));
    }
}

/* Scans with O, from a point of this frame above build's. */
static void scan(struct scan_blocks *s, struct la_scan_opts *o)
{
    volatile char here = 0;

    o->sp = (uintptr_t)&here;
    ck_assert_int_eq(scan_take(s), 0);
    ck_assert_uint_eq(s->n, NBLOCKS);
    scan_classify(s, o);
}

START_TEST(classes_and_edges)
{
    struct la_scan_opts o = { .scan = 1, .first_seq = 1 };
    struct scan_blocks s;

    build(1);
    scan(&s, &o);
    ck_assert_int_eq(s.scanned, 1);
    ck_assert_int_eq(s.complete, 1);
    ck_assert_int_eq(cls_of(&s, A), LA_CLASS_REACHABLE);
    ck_assert_int_eq(cls_of(&s, B), LA_CLASS_REACHABLE);
    ck_assert_int_eq(cls_of(&s, G), LA_CLASS_REACHABLE); /* an interior pointer */
    ck_assert_int_eq(cls_of(&s, M), LA_CLASS_INTENTIONAL);
    ck_assert_int_eq(cls_of(&s, N), LA_CLASS_INTENTIONAL);
    ck_assert_int_eq(cls_of(&s, C), LA_CLASS_INTENTIONAL);
    ck_assert_int_eq(cls_of(&s, D), LA_CLASS_INTENTIONAL);
    ck_assert_uint_eq(s.owner[scan_find(&s, addr_of(D))], (uint32_t)scan_find(&s, addr_of(M)));
    ck_assert_int_eq(cls_of(&s, E), LA_CLASS_LOST);
    ck_assert_int_eq(cls_of(&s, F), LA_CLASS_LOST);
    ck_assert_int_eq(cls_of(&s, I), LA_CLASS_LOST);
    ck_assert_int_eq(cls_of(&s, J), LA_CLASS_LOST);
    ck_assert_int_eq(cls_of(&s, X), LA_CLASS_LOST); /* below the stack pointer */
    /* Edges among lost blocks only, at their offsets. */
    ck_assert(has_edge(&s, E, F, 16));
    ck_assert(has_edge(&s, F, E, 24));
    ck_assert(has_edge(&s, I, I, 0));
    ck_assert_uint_eq(s.nedges, 3);
    release(&s);
}
END_TEST

/* Unmarking M (its mark now names another block): M, N, C and D are
 * lost, with the edges among them. */
START_TEST(lost_chain_edges)
{
    struct la_scan_opts o = { .scan = 1, .first_seq = 1 };
    struct scan_blocks s;

    build(1);
    marks_move(mark_id, addr_of(J) + 8);
    scan(&s, &o);
    ck_assert_int_eq(cls_of(&s, M), LA_CLASS_LOST);
    ck_assert_int_eq(cls_of(&s, D), LA_CLASS_LOST);
    ck_assert(has_edge(&s, M, N, 0));
    ck_assert(has_edge(&s, N, C, 8));
    ck_assert(has_edge(&s, C, D, 8));
    release(&s);
}
END_TEST

/* Blocks older than the run (inherited across fork) are roots, and what
 * they point to is reachable. */
START_TEST(inherited_blocks_are_roots)
{
    struct la_scan_opts o = { .scan = 1, .first_seq = 100 };
    struct scan_blocks s;

    build(1); /* every block older than first_seq */
    scan(&s, &o);
    for (int k = 0; k < NBLOCKS; k++)
        ck_assert_int_ne(cls_of(&s, k), LA_CLASS_LOST);
    ck_assert_uint_eq(s.nedges, 0);
    release(&s);
}
END_TEST

/* When recording stopped early, what the scan does not reach may be
 * held by blocks it never saw: reachable, not lost. */
START_TEST(in_doubt_is_reachable)
{
    struct la_scan_opts o = { .scan = 1, .first_seq = 1, .in_doubt = 1 };
    struct scan_blocks s;

    build(1);
    scan(&s, &o);
    ck_assert_int_eq(cls_of(&s, E), LA_CLASS_REACHABLE);
    ck_assert_int_eq(cls_of(&s, J), LA_CLASS_REACHABLE);
    ck_assert_int_eq(cls_of(&s, M), LA_CLASS_INTENTIONAL);
    ck_assert_uint_eq(s.nedges, 0);
    release(&s);
}
END_TEST

/* LEAKAUDIT_SCAN=0: marked blocks are intentional, the others lost. */
START_TEST(no_scan)
{
    struct la_scan_opts o = { .scan = 0, .first_seq = 1 };
    struct scan_blocks s;

    build(1);
    scan(&s, &o);
    ck_assert_int_eq(s.scanned, 0);
    ck_assert_int_eq(cls_of(&s, M), LA_CLASS_INTENTIONAL);
    ck_assert_int_eq(cls_of(&s, N), LA_CLASS_LOST);
    ck_assert_int_eq(cls_of(&s, A), LA_CLASS_LOST);
    release(&s);
}
END_TEST

Suite *scan_suite(void);
Suite *scan_suite(void)
{
    Suite *s = suite_create("scan");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, classes_and_edges);
    tcase_add_test(tc, lost_chain_edges);
    tcase_add_test(tc, inherited_blocks_are_roots);
    tcase_add_test(tc, in_doubt_is_reachable);
    tcase_add_test(tc, no_scan);
    suite_add_tcase(s, tc);
    return s;
}
