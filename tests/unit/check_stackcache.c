/*
 * check_stackcache.c: stack capture (preload/stackcache.c).  A chain is
 * reused only when every return address above the call still sits in its
 * slot: the same call from another caller is another stack, the same call
 * again is a hit, and every hit equals a full unwind (verify mode).
 *
 * The program's side of the calls (the "sites") lives in a section of its
 * own, which the linker places after .text; everything before it, the
 * shim's core and this file's stand-in interposer included, plays the
 * shim's image, whose frames stacks leave out.
 */
#include <check.h>
#include <elf.h>
#include <link.h>

#include "stackcache.h"
#include "stackdepot.h"

#define SITE __attribute__((noinline, section("la_test_sites")))

static uintptr_t ra_seen; /* the return address into the last site */

/* The interposer's part: the program's call into the shim. */
static __attribute__((noinline)) uint32_t entry(uint64_t bytes)
{
    uintptr_t ra = (uintptr_t)__builtin_return_address(0);
    uintptr_t cfa = (uintptr_t)__builtin_dwarf_cfa();

    ra_seen = ra;
    return bytes ? sc_capture_alloc(ra, cfa, bytes) : sc_capture(ra, cfa);
}

/* The empty asm keeps each call a real call, not a jump (a tail call
 * would leave no frame of its caller). */
SITE static uint32_t site(uint64_t bytes)
{
    uint32_t id = entry(bytes);
    __asm__ volatile("" ::: "memory");
    return id;
}

SITE static uint32_t via_one(uint64_t bytes)
{
    uint32_t id = site(bytes);
    __asm__ volatile("" ::: "memory");
    return id;
}

SITE static uint32_t via_two(uint64_t bytes)
{
    uint32_t id = site(bytes);
    __asm__ volatile("" ::: "memory");
    return id;
}

/* Starts the cache with DEPTH frames, verify mode on, and the image up
 * to the first site as the shim's. */
static void start(long depth)
{
    extern const ElfW(Ehdr) __ehdr_start;
    uintptr_t sites = (uintptr_t)&site;

    if ((uintptr_t)&via_one < sites)
        sites = (uintptr_t)&via_one;
    if ((uintptr_t)&via_two < sites)
        sites = (uintptr_t)&via_two;
    ck_assert_msg(sites > (uintptr_t)&entry && sites > (uintptr_t)&sc_capture,
                  "the linker did not place la_test_sites after .text");
    sc_init(depth, 1, (uintptr_t)&__ehdr_start, sites);
}

/* The index of PC in stack ID, or -1. */
static long frame_of(uint32_t id, uintptr_t pc)
{
    const struct sd_stack *st = sd_get(id);

    for (uint32_t i = 0; st && i < st->depth; i++)
        if (st->pcs[i] == pc)
            return i;
    return -1;
}

START_TEST(same_call_reused)
{
    uint32_t id[8];

    start(64);
    for (int i = 0; i < 8; i++)
        id[i] = via_one(0);
    for (int i = 1; i < 8; i++)
        ck_assert_uint_eq(id[i], id[0]);
    ck_assert_uint_ne(id[0], SD_NONE);
    ck_assert_int_eq(frame_of(id[0], ra_seen), 0); /* the site's call is frame 0 */
    ck_assert_uint_ge(sc_hits(), 5);
    ck_assert_uint_eq(sc_mismatches(), 0);
}
END_TEST

/* The same call of the same site, at the same depth, from two callers:
 * the key (return address, CFA) is the same, the slot above is not. */
START_TEST(other_caller_other_stack)
{
    uint32_t one = 0, two = 0;

    start(64);
    for (int i = 0; i < 6; i++)
        one = via_one(0);
    uintptr_t ra_one = ra_seen;
    for (int i = 0; i < 6; i++) {
        two = via_two(0);
        ck_assert_uint_ne(two, one);
        one = via_one(0);
        ck_assert_uint_ne(one, two);
    }
    ck_assert_uint_eq(ra_seen, ra_one);
    const struct sd_stack *a = sd_get(one), *b = sd_get(two);
    ck_assert_uint_eq(a->pcs[0], b->pcs[0]); /* the same call in site() */
    ck_assert_uint_ne(a->pcs[1], b->pcs[1]); /* from via_one, from via_two */
    ck_assert_uint_ge(sc_hits(), 8);
    ck_assert_uint_eq(sc_mismatches(), 0);
}
END_TEST

START_TEST(depth_kept)
{
    start(2);
    uint32_t id = 0;
    for (int i = 0; i < 4; i++)
        id = via_two(0);
    ck_assert_uint_eq(sd_get(id)->depth, 2);
    ck_assert_int_eq(frame_of(id, ra_seen), 0);
    ck_assert_uint_eq(sc_mismatches(), 0);
}
END_TEST

/* Allocations counted on a cached chain reach the depot when flushed. */
START_TEST(site_counts)
{
    uint32_t id = 0;

    start(64);
    for (int i = 0; i < 10; i++)
        id = via_one(100);
    sc_flush_all();
    ck_assert_uint_eq(sd_get(id)->allocs, 10);
    ck_assert_uint_eq(sd_get(id)->bytes, 1000);
    ck_assert_uint_ge(sc_hits(), 7);
}
END_TEST

Suite *stackcache_suite(void);
Suite *stackcache_suite(void)
{
    Suite *s = suite_create("stackcache");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, same_call_reused);
    tcase_add_test(tc, other_caller_other_stack);
    tcase_add_test(tc, depth_kept);
    tcase_add_test(tc, site_counts);
    suite_add_tcase(s, tc);
    return s;
}
