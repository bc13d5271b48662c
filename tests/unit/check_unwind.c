/*
 * check_unwind.c: the shim's own unwinder (preload/unwind.c) against
 * libunwind, from a frame of this file: through frames built without a
 * frame pointer (CFA from the stack pointer), through one that sized its
 * stack at run time (alloca: CFA from the frame pointer), and from inside
 * a signal handler, where it must give up (a signal frame) for libunwind
 * to do it.
 */
#include <alloca.h>
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libs.h"
#include "unwind.h"

#define NOINLINE __attribute__((noinline))
#define KEEP(x) __asm__ volatile("" : : "r"(x) : "memory")

struct seen {
    uintptr_t got[64], want[64];
    int ngot, nwant;
};

static uintptr_t stack_lo, stack_hi;

/* The main thread's stack, from /proc/self/maps. */
static void find_stack(void)
{
    char line[512];
    FILE *f = fopen("/proc/self/maps", "r");

    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof line, f))
        if (strstr(line, "[stack]")) {
            unsigned long lo, hi;
            ck_assert_int_eq(sscanf(line, "%lx-%lx", &lo, &hi), 2);
            stack_lo = lo;
            stack_hi = hi;
        }
    fclose(f);
    ck_assert_uint_gt(stack_hi, stack_lo);
}

/* Unwinds both ways from the call into here: the shim's unwinder from this
 * frame's return address, CFA and saved frame pointer (as an interposer
 * gives them), libunwind from here, its frames above that call kept. */
static NOINLINE __attribute__((optimize("no-omit-frame-pointer"))) int probe(struct seen *s)
{
    uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
    uintptr_t ra = (uintptr_t)__builtin_return_address(0);
    void *raw[80];

    s->ngot = uw_backtrace(ra, fp + 16, *(const uintptr_t *)fp, stack_lo, stack_hi, s->got,
                           NULL, 64);
    int n = la_unw.backtrace(raw, 80), i = 0;
    while (i < n && (uintptr_t)raw[i] != ra)
        i++;
    s->nwant = 0;
    for (; i < n && s->nwant < 64; i++)
        s->want[s->nwant++] = (uintptr_t)raw[i];
    return s->ngot;
}

static NOINLINE int sized(struct seen *s, int n)
{
    char *p = alloca((size_t)n);
    memset(p, 1, (size_t)n);
    KEEP(p);
    int r = probe(s);
    KEEP(p);
    return r + p[0] - 1;
}

static NOINLINE int plain3(struct seen *s, int n) { int r = sized(s, n); KEEP(r); return r; }
static NOINLINE int plain2(struct seen *s, int n) { int r = plain3(s, n + 1); KEEP(r); return r; }
static NOINLINE int plain1(struct seen *s, int n) { int r = plain2(s, n + 1); KEEP(r); return r; }

static void same(const struct seen *s)
{
    ck_assert_int_gt(s->nwant, 5);
    ck_assert_int_eq(s->ngot, s->nwant);
    for (int i = 0; i < s->ngot; i++)
        ck_assert_msg(s->got[i] == s->want[i], "frame %d: %#lx, libunwind %#lx", i,
                      (unsigned long)s->got[i], (unsigned long)s->want[i]);
}

START_TEST(same_as_libunwind)
{
    struct seen s;

    ck_assert(uw_available());
    find_stack();
    uint64_t compiled = 0;
    for (int round = 0; round < 2; round++) {
        /* The second time, a larger alloca, mostly from the rules compiled
         * the first: all but the call into plain1 (which the compiler may
         * make a second call site of, the loop unrolled) and the few that
         * a new rule put out of the direct-mapped table. */
        plain1(&s, round ? 4000 : 40);
        same(&s);
        if (round)
            ck_assert_uint_lt(uw_compiled() - compiled, (uint64_t)s.ngot / 2);
        compiled = uw_compiled();
    }
    /* Forgotten (dlclose), compiled again, the same. */
    uw_forget();
    plain1(&s, 40);
    same(&s);
    ck_assert_uint_gt(uw_compiled(), compiled);
}
END_TEST

static struct seen in_handler;

static void handler(int sig)
{
    (void)sig;
    probe(&in_handler);
}

START_TEST(signal_frame_left_to_libunwind)
{
    find_stack();
    signal(SIGUSR1, handler);
    raise(SIGUSR1);
    signal(SIGUSR1, SIG_DFL);
    /* Through the signal trampoline: not a standard frame. */
    ck_assert_int_eq(in_handler.ngot, -1);
    ck_assert_int_gt(in_handler.nwant, 3);
}
END_TEST

START_TEST(slots_outside_the_stack_refused)
{
    uintptr_t pcs[8];

    find_stack();
    /* A CFA outside the bounds given: nothing is read. */
    ck_assert_int_eq(uw_backtrace((uintptr_t)&same, stack_hi + 4096, 0, stack_lo, stack_hi, pcs,
                                  NULL, 8), -1);
}
END_TEST

Suite *unwind_suite(void);
Suite *unwind_suite(void)
{
    Suite *s = suite_create("unwind");
    TCase *tc = tcase_create("against libunwind");

    tcase_add_test(tc, same_as_libunwind);
    tcase_add_test(tc, signal_frame_left_to_libunwind);
    tcase_add_test(tc, slots_outside_the_stack_refused);
    suite_add_tcase(s, tc);
    return s;
}
