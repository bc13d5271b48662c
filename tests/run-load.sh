#!/bin/sh
# run-load.sh: the shim under load, with exact answers: many processes
# writing one database at once, a parallel build of a small C project,
# thousands of short-lived threads, 8 threads making millions of
# allocations.
. "$top_srcdir/tests/lib.sh"

# ---- 64 processes at once -------------------------------------------------------
db=$WORK/p64.db
i=0
while [ $i -lt 64 ]; do
    under "$db" "$PROGS/storm" busy 2 2000 > /dev/null 2>&1 &
    i=$((i + 1))
done
wait
check_eq "64 processes at once: 64 complete runs" \
    "$(q "$db" 'SELECT count(*), sum(complete) FROM runs')" "64|64"
check_eq "64 processes at once: each run has its 6 leaks (3 per thread)" \
    "$(q "$db" 'SELECT count(*), min(c), max(c) FROM (SELECT count(*) AS c FROM blocks
                WHERE size BETWEEN 300 AND 302 GROUP BY run)')" "64|6|6"
check_eq "64 processes at once: the database is sound" "$(q "$db" 'PRAGMA integrity_check')" ok

# ---- 64 processes at once, ending every which way ---------------------------------
# Modes of tests/programs/crash.c, 16 processes each: SIGSEGV, abort(),
# a recovered SIGSEGV (exit 0), and 4 threads busy when main faults.
db=$WORK/mix.db
i=0
while [ $i -lt 64 ]; do
    case $((i % 4)) in
        0) mode=segv ;; 1) mode=abort ;; 2) mode=recover ;; 3) mode=threads ;;
    esac
    (ulimit -c 0; under "$db" "$PROGS/crash" $mode > /dev/null 2>&1) &
    i=$((i + 1))
done
wait
check_eq "64 processes at once, crashing and exiting: every run present, by how it ended" \
    "$(q "$db" "SELECT group_concat(n, ' ') FROM (SELECT end_reason || ':' || coalesce(signal, exit_code) || '=' || count(*) AS n
                FROM runs GROUP BY end_reason, signal, exit_code ORDER BY 1)")" "exit:0=16 signal:11=32 signal:6=16"
check_eq "... each with its 3 lost blocks, the database sound" \
    "$(q "$db" 'SELECT count(*), min(c), max(c) FROM (SELECT count(*) AS c FROM blocks WHERE class = 3 AND size = 100 GROUP BY run)')|$(q "$db" 'PRAGMA integrity_check')" \
    "64|3|3|ok"

# ---- a parallel build under the shim --------------------------------------------
proj=$WORK/proj
mkdir -p "$proj"
n=0
while [ $n -lt 16 ]; do
    printf 'int f%d(int x) { return x * %d + 1; }\n' $n $n > "$proj/f$n.c"
    n=$((n + 1))
done
printf 'int f0(int);\nint main(void) { return f0(0) - 1; }\n' > "$proj/main.c"
cat > "$proj/Makefile" <<'MK'
SRCS := $(wildcard f*.c) main.c
prog: $(SRCS:.c=.o)
	$(CC) -o $@ $^
%.o: %.c
	$(CC) -O1 -c -o $@ $<
MK
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$proj" -j4 > "$WORK/make.bare" 2>&1
bare=$?
rm -f "$proj"/*.o "$proj/prog"
db=$WORK/make.db
under "$db" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$proj" -j4 > "$WORK/make.shim" 2>&1
check_eq "make -j4 of 17 files under the shim: same status and output" \
    "$?:$(cat "$WORK/make.shim")" "$bare:$(cat "$WORK/make.bare")"
check "... and the program it built runs" "$proj/prog"
check "make -j4: a run for every compiler, assembler and linker process (at least 17 x 3 + 2)" \
    test "$(q "$db" 'SELECT count(*) FROM runs')" -ge 53
check_eq "make -j4: every run complete, the database sound" \
    "$(q "$db" 'SELECT count(*) = sum(complete) FROM runs')|$(q "$db" 'PRAGMA integrity_check')" "1|ok"

# ---- thousands of short-lived threads --------------------------------------------
db=$WORK/short.db
under "$db" "$PROGS/storm" short 3000 > "$WORK/short.out" 2>&1
check_eq "3000 short-lived threads: status and output" "$?:$(cat "$WORK/short.out")" "0:storm done"
check_eq "3000 short-lived threads: exactly 3000 leaks of 77 bytes from one site, counted 3000 times" \
    "$(q "$db" "SELECT count(*), count(DISTINCT b.stack), max(s.allocs) FROM $BLOCK_SITES
                WHERE b.size = 77")" "3000|1|3000"
check "3000 short-lived threads: the blocks name at least 100 distinct threads" \
    test "$(q "$db" 'SELECT count(DISTINCT thread) FROM blocks WHERE size = 77')" -ge 100

# ---- 8 threads, millions of allocations --------------------------------------------
db=$WORK/busy.db
under "$db" "$PROGS/storm" busy 8 500000 > "$WORK/busy.out" 2>&1
check_eq "8 threads x 500,000 allocations: status and output" "$?:$(cat "$WORK/busy.out")" "0:storm done"
check_eq "8 threads: exactly 24 leaks (3 per thread), from 8 threads" \
    "$(q "$db" 'SELECT count(*), count(DISTINCT thread) FROM blocks WHERE size BETWEEN 300 AND 302')" "24|8"
check_eq "8 threads: the busy site counted every one of its 4,000,000 allocations, none left" \
    "$(q "$db" 'SELECT count(*), sum(allocs), sum(frees) FROM stacks WHERE allocs >= 100000')" "1|4000000|4000000"
finish
