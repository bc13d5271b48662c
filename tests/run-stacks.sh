#!/bin/sh
# run-stacks.sh: the stack cache gives the stacks a full unwind gives, in
# verify mode (LEAKAUDIT_VERIFY_STACKS), on test programs and real ones.
. "$top_srcdir/tests/lib.sh"

# ---- the stack cache gives the stacks a full unwind gives ------------------------
# Verify mode unwinds again at every reuse of a cached chain and counts
# differences; programs built with and without frame pointers, with
# alloca, VLAs, signal handlers, threads, and real programs.
# verify NAME MIN COMMAND...: no difference, and at least MIN chains reused.
verify() {
    name=$1; min=$2; shift 2
    rm -f "$WORK/v.db"
    LEAKAUDIT_VERIFY_STACKS=1 under "$WORK/v.db" "$@" > /dev/null 2>&1
    check_eq "stack cache on $name: no chain differs from a full unwind" \
        "$(q "$WORK/v.db" "SELECT sum(stack_mismatches) = 0, sum(stack_hits) >= $min FROM runs")" "1|1"
}
verify "stacks.c without frame pointers" 10000 "$PROGS/stacks"
verify "stacks.c with frame pointers" 10000 "$PROGS/stacks_fp"
verify "threads" 100000 "$PROGS/threads"
verify "graph" 0 "$PROGS/graph"
verify "many stacks (108 chains of 13 frames), 1 thread" 100000 "$PROGS/manystack" 200000 10000 1
verify "many stacks, 8 threads" 100000 "$PROGS/manystack" 200000 10000 8
check_eq "... its 108 stacks, each 12 frames deep in a thread, told apart" \
    "$(q "$WORK/v.db" "SELECT count(*), min(depth), max(depth) FROM stacks WHERE allocs > 100")" "108|12|12"
verify "gcc compiling (cc1, as, collect2)" 1000 gcc -O2 -c -o "$WORK/o.o" "$top_srcdir/tools/bench/churn.c"
verify "C++" 0 "$PROGS/cycles"
verify "python3" 10000 /usr/bin/python3 -c "import json; print(len(json.dumps({i: [str(i) * 200] * 5 for i in range(50000)})))"
verify "sqlite3 shell" 100 "$SQLITE3" :memory: "CREATE TABLE t(a); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) INSERT INTO t SELECT hex(x) FROM c; SELECT count(*) FROM t;"
if [ -n "${RUSTC:-}" ] && [ -x "$RUSTC" ]; then
    "$RUSTC" --edition 2021 -g -O -o "$WORK/rust_leaks" "$top_srcdir/tests/programs/rust_leaks.rs"
    verify "Rust" 0 "$WORK/rust_leaks"
fi
finish
