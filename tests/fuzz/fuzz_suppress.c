/*
 * fuzz_suppress.c: the suppression parser and matcher on untrusted text.
 * A libFuzzer target (make fuzz) and, through replay.c, a regression test
 * over tests/fuzz/corpus/suppress in make check.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "suppress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {
        "", "main", "operator new(unsigned long)", "std::vector<int>::push_back",
        "/usr/lib/x86_64-linux-gnu/libc.so.6", "a*b?c", "********",
    };
    struct rp_suppressions s = { 0 };
    char err[256];

    if (rp_supp_parse(&s, (const char *)data, size, "fuzz", err, sizeof err) == 0) {
        for (size_t i = 0; i < s.n; i++)
            for (size_t k = 0; k < sizeof names / sizeof *names; k++)
                (void)rp_supp_match(s.v[i].pattern, names[k]);
    } else if (memchr(err, '\n', strnlen(err, sizeof err)) != NULL) {
        abort(); /* a reason is one line */
    }
    rp_supp_free(&s);
    return 0;
}
