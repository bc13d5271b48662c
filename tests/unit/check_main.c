/* check_main.c: runs every unit suite, one per subject (check_SUBJECT.c);
 * Check prints the summary. */
#include <check.h>
#include <stdlib.h>

#include <stdio.h>

#include "libs.h"
#include "real.h"

Suite *livetable_suite(void);
Suite *stackdepot_suite(void);
Suite *options_suite(void);
Suite *schema_suite(void);
Suite *analyze_suite(void);
Suite *scc_suite(void);
Suite *policy_suite(void);
Suite *suppress_suite(void);
Suite *growth_suite(void);
Suite *bootstrap_suite(void);
Suite *maps_suite(void);
Suite *modules_suite(void);
Suite *scan_suite(void);
Suite *stackcache_suite(void);
Suite *unwind_suite(void);
Suite *core_suite(void);

int main(void)
{
    SRunner *sr = srunner_create(livetable_suite());
    int failed;

    /* The shim's own allocations (own.h) go to libc's allocator, as in a
     * started shim; the core's tests start it themselves. */
    real_resolve();
    /* libunwind and SQLite, which a started shim opens (libs.h). */
    char err[240];
    if (libs_load(LIBS_UNWIND | LIBS_SQLITE, err, sizeof err) != 0) {
        fprintf(stderr, "check_unit: %s\n", err);
        return 1;
    }
    srunner_add_suite(sr, stackdepot_suite());
    srunner_add_suite(sr, options_suite());
    srunner_add_suite(sr, schema_suite());
    srunner_add_suite(sr, analyze_suite());
    srunner_add_suite(sr, scc_suite());
    srunner_add_suite(sr, policy_suite());
    srunner_add_suite(sr, suppress_suite());
    srunner_add_suite(sr, growth_suite());
    srunner_add_suite(sr, bootstrap_suite());
    srunner_add_suite(sr, maps_suite());
    srunner_add_suite(sr, modules_suite());
#ifndef __SANITIZE_ADDRESS__
    /* The scan reads every writable mapping as a root: under ASan that is
     * its shadow, terabytes of address space.  The shim itself never runs
     * under ASan; the plain build runs this suite. */
    srunner_add_suite(sr, scan_suite());
#endif
    srunner_add_suite(sr, stackcache_suite());
    srunner_add_suite(sr, unwind_suite());
    srunner_add_suite(sr, core_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
