/*
 * check_core.c: the core's state machine and the allocation path
 * (preload/state.c, alloc.c), called as the interposers call them: the
 * first call starts the shim, blocks enter and leave the live table, a
 * failed realloc keeps its block, DEGRADED still forgets freed blocks,
 * STOPPED only forwards.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "core.h"
#include "guard.h"
#include "livetable.h"
#include "marks.h"
#include "own.h"

#ifdef __SANITIZE_ADDRESS__
/* A huge realloc fails with ENOMEM under AddressSanitizer too. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
#endif

/* The block at P in the table: its size, or -1. */
static long long table_size(const void *p)
{
    struct la_block b;

    if (!lt_find_containing((uintptr_t)p, &b) || b.addr != (uintptr_t)p)
        return -1;
    return (long long)b.size;
}

START_TEST(first_call_starts)
{
    ck_assert_int_eq(la_load_state(), ST_UNSTARTED);
    void *p = la_malloc(24, LA_CALLER);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(la_load_state(), ST_RECORDING);
    ck_assert_int_eq(t_guard, 0);
    ck_assert_int_eq(table_size(p), 24);
    la_free(p);
    ck_assert_int_eq(table_size(p), -1);
}
END_TEST

START_TEST(errno_kept)
{
    void *p = la_malloc(8, LA_CALLER);

    errno = EINTR;
    la_free(p);
    ck_assert_int_eq(errno, EINTR);
    errno = 0;
    p = la_calloc(4, 8, LA_CALLER);
    ck_assert_int_eq(errno, 0);
    ck_assert_int_eq(table_size(p), 32);
    la_free(p);
}
END_TEST

START_TEST(realloc_failure_keeps_block)
{
    char *p = la_malloc(32, LA_CALLER);

    ck_assert_ptr_nonnull(p);
    errno = 0;
    ck_assert_ptr_null(la_realloc(p, SIZE_MAX / 2, LA_CALLER));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_int_eq(table_size(p), 32); /* still live, as before */
    char *q = la_realloc(p, 4096, LA_CALLER);
    ck_assert_ptr_nonnull(q);
    ck_assert_int_eq(table_size(q), 4096);
    if (q != p)
        ck_assert_int_eq(table_size(p), -1);
    errno = 0;
    ck_assert_ptr_null(la_reallocarray(q, SIZE_MAX / 2, 4, LA_CALLER));
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert_int_eq(table_size(q), 4096);
    la_free(q);
}
END_TEST

START_TEST(calloc_overflow)
{
    errno = 0;
    ck_assert_ptr_null(la_calloc(SIZE_MAX / 2, 4, LA_CALLER));
    ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

/* A mark follows its block through realloc. */
START_TEST(mark_moves_with_realloc)
{
    char *p = la_malloc(16, LA_CALLER);
    struct la_block b;

    ck_assert_int_eq(la_mark(p + 4, "kept", LA_CALLER), 0); /* an interior pointer */
    ck_assert(lt_find_containing((uintptr_t)p, &b));
    uint32_t id = b.mark;
    ck_assert_uint_ne(id, 0);
    char *q = la_realloc(p, 1 << 20, LA_CALLER);
    ck_assert(lt_find_containing((uintptr_t)q, &b));
    ck_assert_uint_eq(b.mark, id);
    ck_assert_uint_eq(marks_get(id)->block, (uintptr_t)q);
    ck_assert_str_eq(marks_get(id)->why, "kept");
    errno = 0;
    ck_assert_int_eq(la_mark(&b, "not a block", LA_CALLER), -1);
    ck_assert_int_eq(errno, ENOENT);
    la_free(q);
    /* A mark's reason lives as long as the process: given back here only
     * for the sanitizer build's LeakSanitizer. */
    own_free(marks_get(id)->why);
    marks_get(id)->why = NULL;
}
END_TEST

/* Out of the shim's memory: new blocks go unrecorded, freed ones still
 * leave the table (else their addresses, reused, would be wrong). */
START_TEST(degraded_still_forgets)
{
    void *old = la_malloc(40, LA_CALLER);

    la_degrade("the test");
    ck_assert_int_eq(la_load_state(), ST_DEGRADED);
    void *p = la_malloc(50, LA_CALLER);
    ck_assert_int_eq(table_size(p), -1);
    ck_assert_int_eq(table_size(old), 40);
    la_free(old);
    ck_assert_int_eq(table_size(old), -1);
    la_free(p);
}
END_TEST

START_TEST(stopped_only_forwards)
{
    void *old = la_malloc(40, LA_CALLER);

    la_set_state(ST_STOPPED);
    void *p = la_malloc(50, LA_CALLER);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(table_size(p), -1);
    la_free(p);
    la_free(old);
}
END_TEST

/* The guard set (the shim's own work): hooks only forward. */
START_TEST(guard_forwards)
{
    la_free(la_malloc(1, LA_CALLER)); /* started */
    t_guard = 1;
    void *p = la_malloc(60, LA_CALLER);
    t_guard = 0;
    ck_assert_int_eq(table_size(p), -1);
    la_free(p);
}
END_TEST

Suite *core_suite(void);
Suite *core_suite(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, first_call_starts);
    tcase_add_test(tc, errno_kept);
    tcase_add_test(tc, realloc_failure_keeps_block);
    tcase_add_test(tc, calloc_overflow);
    tcase_add_test(tc, mark_moves_with_realloc);
    tcase_add_test(tc, degraded_still_forgets);
    tcase_add_test(tc, stopped_only_forwards);
    tcase_add_test(tc, guard_forwards);
    suite_add_tcase(s, tc);
    return s;
}
