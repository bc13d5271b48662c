/*
 * runrows.c: the tables a run writes (runrows.h), their statements and
 * column types, for the store and the run log alike.
 */
#include <stddef.h>

#include "runrows.h"

const struct la_table_desc la_tables[LA_NTABLES] = {
    [LA_T_REPLACES] = { "replaces", NULL, "ir", 1 },
    [LA_T_RUN] = { "runs",
        "INSERT INTO runs(pid, ppid, exe, cwd, session, start_time, end_time,"
        " end_reason, exit_code, signal, depth, complete, scan, blocks, bytes,"
        " shim_version, unaudited)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,0,0,?14,?15)",
        "iiTTTrrtIIiiitT", 1 },
    [LA_T_ARGS] = { "args", "INSERT INTO args(run, idx, value)", "it", 0 },
    [LA_T_MODULES] = { "modules",
        "INSERT INTO modules(run, id, path, base, start, end, build_id)", "itiiiT", 0 },
    [LA_T_BLOCKS] = { "blocks",
        "INSERT INTO blocks(run, address, size, stack, thread, seq, mark, class, owner)",
        "iiiiiIiI", 0 },
    [LA_T_MARKS] = { "marks", "INSERT INTO marks(run, id, block, why, stack)", "iiTi", 0 },
    [LA_T_REACHABLE] = { "reachable",
        "INSERT INTO reachable(run, stack, blocks, bytes, first_seq)", "iiii", 0 },
    [LA_T_EDGES] = { "edges", "INSERT OR IGNORE INTO edges(run, src, offset, dst)", "iii", 0 },
    [LA_T_STACKS] = { "stacks",
        "INSERT INTO stacks(run, id, depth, allocs, bytes, frees)", "iiiii", 0 },
    [LA_T_FRAMES] = { "frames", "INSERT INTO frames(run, stack, level, pc, module)", "iiiI", 0 },
    [LA_T_TOTALS] = { "totals",
        "UPDATE runs SET blocks = ?2, bytes = ?3, scan_seconds = ?4, write_seconds = ?5,"
        " stack_hits = ?6, stack_unwinds = ?7, stack_mismatches = ?8 WHERE id = ?1",
        "iirriii", 1 },
};
