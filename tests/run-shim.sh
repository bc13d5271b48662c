#!/bin/sh
# run-shim.sh: what libleakaudit.so records, program by program: exact
# blocks, sizes, sites and marks; threads, fork, exec and every way out of
# a process; options; exports.  Programs are in tests/programs/.
. "$top_srcdir/tests/lib.sh"

# ---- known leaks, sites and marks -----------------------------------------
db=$WORK/leaks.db
under "$db" "$PROGS/leaks" > "$WORK/leaks.out" 2> "$WORK/leaks.err"
check_eq "leaks: exit status" "$?" 0
check_eq "leaks: stdout" "$(cat "$WORK/leaks.out")" "leaks done"
check_eq "leaks: leak_mark results (start, again, interior, not heap)" \
    "$(cat "$WORK/leaks.err")" "marks: 0 0 0 -1/ENOENT"
check_eq "leaks: one run" "$(q "$db" 'SELECT count(*) FROM runs')" 1
check_eq "leaks: run ended by exit with status 0" \
    "$(q "$db" 'SELECT end_reason, exit_code, complete FROM runs')" "exit|0|1"
check_eq "leaks: 9 blocks still allocated" "$(q "$db" 'SELECT count(*) FROM blocks')" 9
check_eq "leaks: 7 unmarked blocks at 3 sites (count, size, site allocs, site frees)" \
    "$(q "$db" 'SELECT group_concat(x, " ") FROM (SELECT count(*) || "x" || b.size || "/" || s.allocs || "/" || s.frees AS x
                FROM blocks b JOIN stacks s ON s.run = b.run AND s.id = b.stack
                WHERE b.mark IS NULL GROUP BY b.stack ORDER BY b.size)')" \
    "3x24/6/3 3x48/3/0 1x1000/1/0"
check_eq "leaks: 2 marked blocks with their reasons" \
    "$(q "$db" "SELECT group_concat(x, ' ') FROM (SELECT b.size || ':' || ifnull(m.why, '-') AS x
                FROM blocks b JOIN marks m ON m.run = b.run AND m.id = b.mark ORDER BY b.size)")" \
    "200:config 4096:-"
check_eq "leaks: marks point at their blocks" \
    "$(q "$db" 'SELECT count(*) FROM marks m JOIN blocks b ON b.run = m.run AND b.address = m.block AND b.mark = m.id')" 2
check_eq "leaks: argv recorded" "$(q "$db" 'SELECT value FROM args WHERE idx = 0')" "$PROGS/leaks"
check_eq "leaks: innermost frames lie in the program, none in the shim" \
    "$(q "$db" "SELECT count(*) FROM frames f JOIN modules m ON m.run = f.run AND m.id = f.module
                WHERE m.path LIKE '%libleakaudit%'")" 0
check_eq "leaks: every leak site's frame 0 is in the program" \
    "$(q "$db" "SELECT count(DISTINCT b.stack) FROM blocks b JOIN frames f ON f.run = b.run
                AND f.stack = b.stack AND f.level = 0 JOIN modules m ON m.run = f.run AND m.id = f.module
                WHERE m.path = '$PROGS/leaks'")" 5
check_eq "leaks: the program's module has a build-id" \
    "$(q "$db" "SELECT length(build_id) > 0 FROM modules WHERE path = '$PROGS/leaks'")" 1
"$PROGS/leaks" > /dev/null 2> "$WORK/bare.err"
check_eq "leak_mark without the shim returns 0 and keeps errno" \
    "$(cat "$WORK/bare.err")" "marks: 0 0 0 0/Success"

# ---- every allocation function ----------------------------------------------
same_output "alloc_funcs: libc semantics" "$PROGS/alloc_funcs"
db=$WORK/alloc.db
under "$db" "$PROGS/alloc_funcs" > /dev/null
check_eq "alloc_funcs: recorded sizes of the blocks kept" \
    "$(q "$db" 'SELECT group_concat(size, " ") FROM (SELECT size FROM blocks ORDER BY size)')" \
    "0 11 21 33 45 55 77 99 111 128"
check_eq "alloc_funcs: every freed block is gone (site frees)" \
    "$(q "$db" 'SELECT sum(allocs) - sum(frees) FROM stacks')" 10

# ---- threads ------------------------------------------------------------------
db=$WORK/threads.db
under "$db" "$PROGS/threads" > "$WORK/threads.out"
check_eq "threads: exit status and stdout" "$?:$(cat "$WORK/threads.out")" "0:threads done"
# thread_leak's blocks are 100 to 107 bytes; the others still allocated
# are libc's (thread descriptors of cached stacks), from the main thread.
leak_site="(SELECT stack FROM blocks WHERE size BETWEEN 100 AND 107)"
check_eq "threads: exactly 36 leaks (k+1 of 100+k bytes from thread k), one site" \
    "$(q "$db" "SELECT count(*), sum(size), count(DISTINCT stack) FROM blocks WHERE stack IN $leak_site")" "36|3768|1"
check_eq "threads: the leak site counts its 36 allocations (each thread's counts reach it at the thread's end)" \
    "$(q "$db" "SELECT allocs FROM stacks WHERE id IN $leak_site")" 36
check_eq "threads: thread_leak's blocks come from 8 threads" \
    "$(q "$db" "SELECT count(DISTINCT thread) FROM blocks WHERE stack IN $leak_site")" 8
check_eq "threads: allocations = frees + blocks still allocated, for every site" \
    "$(q "$db" 'SELECT count(*) FROM stacks s WHERE allocs - frees != (SELECT count(*) FROM blocks b WHERE b.run = s.run AND b.stack = s.id)')" 0

# ---- fork -------------------------------------------------------------------------
db=$WORK/fork.db
under "$db" "$PROGS/forker" > "$WORK/fork.out"
check_eq "fork: parent sees the children's statuses" "$(cat "$WORK/fork.out")" "children: 0 7"
check_eq "fork: three runs" "$(q "$db" 'SELECT count(*) FROM runs')" 3
check_eq "fork: the parent's run has its own 3 blocks" \
    "$(q "$db" 'SELECT blocks, exit_code FROM runs WHERE pid IN (SELECT ppid FROM runs)')" \
    "3|0"
check_eq "fork: children record only their own blocks, with how they ended" \
    "$(q "$db" "SELECT group_concat(x, ' ') FROM (SELECT r.end_reason || ':' || r.exit_code || ':' || count(b.address) || 'x' || b.size AS x
                FROM runs r JOIN blocks b ON b.run = r.id WHERE r.ppid IN (SELECT pid FROM runs) GROUP BY r.id ORDER BY r.id)")" \
    "exit:0:3x30 _exit:7:4x40"

# ---- exec ---------------------------------------------------------------------------
db=$WORK/exec.db
under "$db" "$PROGS/execer" > "$WORK/exec.out"
check_eq "exec: stdout" "$(cat "$WORK/exec.out")" "child ran
child exited 5"
check_eq "exec: a run for the parent and one for the exec'd image" \
    "$(q "$db" "SELECT group_concat(x, ' ') FROM (SELECT r.exit_code || ':' || r.blocks || ':' || r.bytes || ':' || ifnull(a.value, '-') AS x
                FROM runs r LEFT JOIN args a ON a.run = r.id AND a.idx = 1 ORDER BY r.id)")" \
    "5:2:44:child 0:1:11:-"
db=$WORK/exec-self.db
under "$db" "$PROGS/execer" self > /dev/null
check_eq "exec without fork: the new image's run" \
    "$(q "$db" 'SELECT count(*), exit_code, blocks FROM runs')" "1|5|2"
mkdir -p "$WORK/rel"
(cd "$WORK/rel" && LEAKAUDIT_OUTPUT=rel.db LD_PRELOAD=$SHIM "$PROGS/execer" > /dev/null)
check_eq "a relative LEAKAUDIT_OUTPUT is made absolute and inherited" \
    "$(q "$WORK/rel/rel.db" 'SELECT count(*) FROM runs')" 2

# ---- many processes writing one file at once ----------------------------------------
db=$WORK/parallel.db
i=0
while [ $i -lt 24 ]; do
    under "$db" "$PROGS/leaks" > /dev/null 2>&1 &
    i=$((i + 1))
done
wait
check_eq "24 processes at once: 24 runs of 9 blocks each" \
    "$(q "$db" 'SELECT count(*), min(blocks), max(blocks) FROM runs')" "24|9|9"
check_eq "24 processes at once: blocks all there" "$(q "$db" 'SELECT count(*) FROM blocks')" 216
check_eq "24 processes at once: the database is sound" "$(q "$db" 'PRAGMA integrity_check')" ok

# ---- ways out of a process -------------------------------------------------------------
for mode in return exit _exit _Exit; do
    db=$WORK/exit-$mode.db
    under "$db" "$PROGS/exits" $mode 3 > /dev/null
    st=$?
    reason=exit
    case $mode in _*) reason=_exit ;; esac
    check_eq "exits $mode: status, reason, recorded status, the leak" \
        "$st:$(q "$db" 'SELECT end_reason, exit_code, blocks, bytes FROM runs')" "3:$reason|3|1|13"
done
db=$WORK/exit-thread.db
under "$db" "$PROGS/exits" thread 9 > /dev/null
check_eq "exits thread: exit() from a thread while another allocates" \
    "$?:$(q "$db" 'SELECT exit_code, (SELECT count(*) FROM blocks WHERE size = 13) FROM runs')" "9:9|1"
db=$WORK/exit-atexit.db
under "$db" "$PROGS/exits" atexit 0 > /dev/null
check_eq "exits atexit: a block leaked by an atexit handler is recorded" \
    "$(q "$db" 'SELECT group_concat(size, " ") FROM (SELECT size FROM blocks ORDER BY size)')" "13 17"

# ---- options ---------------------------------------------------------------------------------
db=$WORK/depth.db
LEAKAUDIT_DEPTH=3 under "$db" "$PROGS/leaks" > /dev/null 2>&1
check_eq "LEAKAUDIT_DEPTH=3 keeps at most 3 frames" \
    "$(q "$db" 'SELECT max(depth), (SELECT depth FROM runs) FROM stacks')" "3|3"
db=$WORK/baddepth.db
LEAKAUDIT_DEPTH=lots under "$db" "$PROGS/clean" > "$WORK/bd.out" 2> "$WORK/bd.err"
check_eq "a bad LEAKAUDIT_DEPTH: program unaffected" "$?:$(cat "$WORK/bd.out")" "0:clean"
check_eq "a bad LEAKAUDIT_DEPTH: one warning line" "$(wc -l < "$WORK/bd.err")" 1
check_grep "a bad LEAKAUDIT_DEPTH: the warning names it" \
    "^leakaudit: LEAKAUDIT_DEPTH has an invalid value 'lots'" "$WORK/bd.err"
check_eq "a bad LEAKAUDIT_DEPTH: the default is used" "$(q "$db" 'SELECT depth FROM runs')" 32
under /nonexistent/dir/x.db env TMPDIR="$WORK" "$PROGS/exits" return 4 > "$WORK/nd.out" 2> "$WORK/nd.err"
check_eq "an unwritable database: the program's status and output stand" \
    "$?:$(cat "$WORK/nd.out")" "4:mode return"
check_eq "an unwritable database: one warning line" "$(wc -l < "$WORK/nd.err")" 1
check_grep "an unwritable database: the warning names the file" \
    "^leakaudit: cannot write the run to /nonexistent/dir/x.db: opening it: unable to open database file; written to $WORK/leakaudit-[0-9]+.db instead$" "$WORK/nd.err"
check_eq "an unwritable database: the run kept in the fallback file the warning names" \
    "$(q "$(fallback "$WORK/nd.err")" 'SELECT count(*), max(exit_code) FROM runs')" "1|4"

# The README's environment table is a copy of preload/options.def.
"$top_srcdir/tools/options-table" "$top_srcdir/preload/options.def" > "$WORK/table.md"
check "the README's environment table matches options.def" \
    sh -c "test -s '$WORK/table.md' && while IFS= read -r line; do grep -Fxq -- \"\$line\" '$top_srcdir/README.md' || exit 1; done < '$WORK/table.md'"

# ---- C++ and Rust ------------------------------------------------------------------------------
db=$WORK/cxx.db
under "$db" "$PROGS/cxx_leaks" > "$WORK/cxx.out"
check_eq "cxx: status and stdout" "$?:$(cat "$WORK/cxx.out")" "0:cxx done 1000"
check_eq "cxx: 4 unmarked Widgets of 64 bytes from one site, leaking every time" \
    "$(q "$db" 'SELECT count(*), count(DISTINCT b.stack), max(s.allocs) FROM blocks b JOIN stacks s
                ON s.run = b.run AND s.id = b.stack WHERE mark IS NULL AND size = 64')" "4|1|4"
check_eq "cxx: the string and its buffer are marked" \
    "$(q "$db" 'SELECT count(*) FROM blocks WHERE mark IS NOT NULL')" 2

if [ -n "${RUSTC:-}" ] && [ -x "$RUSTC" ]; then
    "$RUSTC" --edition 2021 -g -O -o "$WORK/rust_leaks" "$top_srcdir/tests/programs/rust_leaks.rs"
    db=$WORK/rust.db
    under "$db" "$WORK/rust_leaks" > "$WORK/rust.out"
    check_eq "rust: status and stdout" "$?:$(cat "$WORK/rust.out")" "0:rust 39 20"
    check_eq "rust: Box::leak in a loop leaves 5 unmarked 128-byte blocks at one site" \
        "$(q "$db" 'SELECT count(*), count(DISTINCT stack) FROM blocks WHERE mark IS NULL AND size = 128')" "5|1"
    check_eq "rust: the marked config" \
        "$(q "$db" 'SELECT b.size, m.why FROM blocks b JOIN marks m ON m.run = b.run AND m.id = b.mark')" \
        "32|config for the whole run"
else
    echo "SKIP - rust: rustc not found"
fi

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
verify "C++" 0 "$PROGS/cycles"
verify "python3" 10000 /usr/bin/python3 -c "import json; print(len(json.dumps({i: [str(i) * 200] * 5 for i in range(50000)})))"
verify "sqlite3 shell" 100 "$SQLITE3" :memory: "CREATE TABLE t(a); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) INSERT INTO t SELECT hex(x) FROM c; SELECT count(*) FROM t;"
if [ -n "${RUSTC:-}" ] && [ -x "$WORK/rust_leaks" ]; then
    verify "Rust" 0 "$WORK/rust_leaks"
fi

# ---- what the library exports --------------------------------------------------------------------
check_eq "the shim exports libc's names (malloc family, exits, abort, pthread_create, sigaction and the signal family, dlclose, daemon) and leak_mark, leak_snapshot only" \
    "$(nm -D --defined-only "$SHIM" | awk '$2 ~ /^[TtWwDdBbVv]$/ {print $3}' | sed 's/@.*//' | sort | tr '\n' ' ')" \
    "_Exit __libc_start_main __sysv_signal _exit abort aligned_alloc bsd_signal calloc daemon dlclose exit free leak_mark leak_snapshot malloc malloc_usable_size memalign posix_memalign pthread_create pvalloc realloc reallocarray sigaction signal sigset sysv_signal valloc "

finish
