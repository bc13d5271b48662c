/*
 * fuzz_runlog.c: the run log reader (common/runfile.c) and the store
 * (common/store.c) on an untrusted log, as leakaudit-report --import
 * takes it: every whole record is checked, then stored into a database in
 * memory.  A libFuzzer target (make fuzz) and, through replay.c, a
 * regression test over tests/fuzz/corpus/runlog.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runfile.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks what a row hands on: the types the table says, texts that end. */
static int check_row(void *self, enum la_table t, const struct la_val *v)
{
    const char *types = la_tables[t].types;
    size_t *chars = self;

    for (size_t c = 0; types[c]; c++) {
        if (v[c].type == LA_V_NULL && !(types[c] >= 'A' && types[c] <= 'Z'))
            abort();
        if (v[c].type == LA_V_TEXT)
            *chars += strlen(v[c].s);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct la_store *s;
    struct la_runlog_read r;
    size_t chars = 0;
    struct la_sink check = { check_row, &chars };
    char err[512];

    if (runfile_read(data, size, &check, &r, err, sizeof err) != 0) {
        if (!err[0])
            abort(); /* every refusal says why */
        return 0;
    }
    /* No run: empty, or every record cut short, the log's first bytes a
     * header's. */
    if (r.runs == 0 && size != 0 && (size < 8 || memcmp(data, "LKAUDRUN", 8) != 0))
        abort();
    if (r.runs == 0 && size != 0 && r.damaged != size)
        abort();
    if (!s && !(s = malloc(sizeof *s)))
        abort();
    memset(s, 0, sizeof *s);
    struct la_sink store = { store_row, s };
    if (store_open(s, ":memory:") == 0 && runfile_read(data, size, &store, NULL, err, sizeof err) == 0)
        store_commit(s);
    store_close(s);
    return 0;
}
