/* check_main.c: runs every unit suite; Check prints the summary. */
#include <check.h>
#include <stdlib.h>

#include "real.h"

Suite *livetable_suite(void);
Suite *stackdepot_suite(void);
Suite *options_suite(void);
Suite *schema_suite(void);
Suite *analyze_suite(void);
Suite *memory_suite(void);

int main(void)
{
    SRunner *sr = srunner_create(livetable_suite());
    int failed;

    /* The shim's own allocations (own.h) go to libc's allocator, as in a
     * started shim; the core's tests start it themselves. */
    real_resolve();
    srunner_add_suite(sr, stackdepot_suite());
    srunner_add_suite(sr, options_suite());
    srunner_add_suite(sr, schema_suite());
    srunner_add_suite(sr, analyze_suite());
    srunner_add_suite(sr, memory_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
