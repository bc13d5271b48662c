#!/bin/sh
# run-shim.sh: what libleakaudit.so records, program by program: exact
# blocks, sizes, sites and marks, every allocation function, C++ and Rust,
# and what the library exports.  Programs are in tests/programs/.
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
    "$(q "$db" "SELECT group_concat(x, ' ') FROM (SELECT count(*) || 'x' || b.size || '/' || s.allocs || '/' || s.frees AS x
                FROM $BLOCK_SITES WHERE b.mark IS NULL GROUP BY b.stack ORDER BY b.size)")" \
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
    "$(q "$db" "SELECT count(DISTINCT b.stack) FROM $BLOCK_FRAME0 WHERE m.path = '$PROGS/leaks'")" 5
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

# ---- C++ and Rust ------------------------------------------------------------------------------
db=$WORK/cxx.db
under "$db" "$PROGS/cxx_leaks" > "$WORK/cxx.out"
check_eq "cxx: status and stdout" "$?:$(cat "$WORK/cxx.out")" "0:cxx done 1000"
check_eq "cxx: 4 unmarked Widgets of 64 bytes from one site, leaking every time" \
    "$(q "$db" "SELECT count(*), count(DISTINCT b.stack), max(s.allocs) FROM $BLOCK_SITES
                WHERE mark IS NULL AND size = 64")" "4|1|4"
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

# ---- what the library exports --------------------------------------------------------------------
check_eq "the shim exports libc's names (malloc family, exits, abort, pthread_create, sigaction and the signal family, dlclose, daemon) and leak_mark, leak_snapshot only" \
    "$(nm -D --defined-only "$SHIM" | awk '$2 ~ /^[TtWwDdBbVv]$/ {print $3}' | sed 's/@.*//' | sort | tr '\n' ' ')" \
    "_Exit __libc_start_main __sysv_signal _exit abort aligned_alloc bsd_signal calloc daemon dlclose exit free leak_mark leak_snapshot malloc malloc_usable_size memalign posix_memalign pthread_create pvalloc realloc reallocarray sigaction signal sigset sysv_signal valloc "
finish
