#!/bin/sh
# run-crash.sh: runs that end by a fatal signal.  For each way to die
# (tests/programs/crash.c): what was injected; then that the status and
# stdout are those of the bare run, that no leakaudit line appears, and
# that the run is recorded with its signal and the blocks live at the
# crash (3 lost blocks of 100 bytes, 1 reachable of 50).  Also the
# program's own handlers (chained), its view of sigaction(), a crash
# inside malloc with its lock held, many threads, and checkpoints.
. "$top_srcdir/tests/lib.sh"
ulimit -c 0

# crash_case MODE WANT_STATUS WANT_SIGNAL WHAT: one way to die.
crash_case() {
    mode=$1 want=$2 sig=$3 what=$4
    db="$WORK/$mode.db"
    "$PROGS/crash" "$mode" > "$WORK/bare.out" 2> /dev/null
    bare=$?
    # (timeout: a hang here would be a deadlock in the crash path.)
    timeout 120 env LEAKAUDIT_OUTPUT="$db" LD_PRELOAD="$SHIM" "$PROGS/crash" "$mode" > "$WORK/shim.out" 2> "$WORK/shim.err"
    shim=$?
    check_eq "injected: $what -> status $want, bare and under the shim, same stdout" \
        "$bare:$shim:$(cmp -s "$WORK/bare.out" "$WORK/shim.out" && echo same)" "$want:$want:same"
    check_eq "... no leakaudit line" "$(grep -c '^leakaudit:' "$WORK/shim.err")" 0
    if [ "$sig" = - ]; then
        check_eq "... recorded as an ordinary exit, with its 3 lost blocks" \
            "$(q "$db" "SELECT end_reason, exit_code, signal IS NULL, complete FROM runs")|$(q "$db" 'SELECT count(*) FROM blocks WHERE class = 3 AND size = 100')" \
            "exit|0|1|1|3"
    else
        check_eq "... one run, recorded with signal $sig and the 3 lost blocks live at the crash" \
            "$(q "$db" "SELECT count(*), end_reason, exit_code IS NULL, signal, complete FROM runs")|$(q "$db" 'SELECT count(*) FROM blocks WHERE class = 3 AND size = 100')|$(q "$db" 'SELECT class FROM blocks WHERE size = 50')" \
            "1|signal|1|$sig|1|3|2"
    fi
}

crash_case segv 139 11 "a write through a null pointer (SIGSEGV)"
crash_case abort 134 6 "abort() (SIGABRT)"
crash_case fpe 136 8 "an integer division by zero (SIGFPE)"
crash_case ill 132 4 "an undefined instruction (SIGILL)"
crash_case bus 135 7 "a read past the end of a mapped file (SIGBUS)"
crash_case handler 139 11 "a SIGSEGV handler of the program's that restores the default and returns"
check_eq "... the program's handler ran, once" "$(grep -c 'handler ran' "$WORK/shim.out")" 1
crash_case recover 0 - "a SIGSEGV handler of the program's that jumps out of the fault"
check_eq "... the program lived on" "$(tail -1 "$WORK/shim.out")" recovered
crash_case ignored 0 - "raise(SIGABRT) with SIGABRT ignored by the program"
crash_case overflow 139 11 "a stack overflow, on the program's sigaltstack"
crash_case in-malloc 134 6 "heap corruption: malloc aborts holding its arena lock, with 2 threads"
crash_case threads 139 11 "a fault while 4 threads allocate and free without pause"
crash_case twice 139 11 "2 threads faulting at the same moment"
crash_case vfork 139 11 "a vfork child dies in abort(), then its parent faults"
check_eq "... the child died of SIGABRT, as without the shim" "$(grep '^child:' "$WORK/shim.out")" "child: signal 6"

# ---- runtimes with handlers of their own -------------------------------------------------
# Python's faulthandler prints the traceback and raises the signal again;
# Rust's runtime catches a stack overflow on its small sigaltstack, says so,
# and aborts.
pyfault() { /usr/bin/python3 -X faulthandler -c 'import ctypes; ctypes.string_at(0)'; }
pyfault > /dev/null 2> "$WORK/bare.err"
bare=$?
LEAKAUDIT_OUTPUT="$WORK/py.db" LD_PRELOAD="$SHIM" /usr/bin/python3 -X faulthandler \
    -c 'import ctypes; ctypes.string_at(0)' > /dev/null 2> "$WORK/shim.err"
check_eq "injected: a segfault in python3 with faulthandler on -> status 139 and the same traceback" \
    "$bare:$?:$(sed 's/0x[0-9a-f]*//g' "$WORK/bare.err" | cmp -s - "$(sed 's/0x[0-9a-f]*//g' "$WORK/shim.err" > "$WORK/shim.err2"; echo "$WORK/shim.err2")" && echo same)" \
    "139:139:same"
check_eq "... recorded with signal 11" "$(q "$WORK/py.db" "SELECT end_reason, signal FROM runs")" "signal|11"
if [ -n "${RUSTC:-}" ] && [ -x "$RUSTC" ]; then
    cat > "$WORK/overflow.rs" <<'RS'
#![allow(unconditional_recursion)]
fn deep(n: u64) -> u64 {
    let a = [n; 64];
    std::hint::black_box(&a);
    deep(n + 1) + a[3]
}
fn main() {
    println!("start");
    println!("{}", deep(0));
}
RS
    env -u MAKEFLAGS "$RUSTC" -O -o "$WORK/overflow" "$WORK/overflow.rs" 2> /dev/null
    "$WORK/overflow" > /dev/null 2> "$WORK/bare.err"
    bare=$?
    under "$WORK/rs.db" "$WORK/overflow" > /dev/null 2> "$WORK/shim.err"
    shim=$?
    sed 's/([0-9]*)//' "$WORK/bare.err" > "$WORK/bare.err2"
    sed 's/([0-9]*)//' "$WORK/shim.err" > "$WORK/shim.err2"
    check_eq "injected: a stack overflow in Rust (its runtime's sigaltstack handler, then abort) -> status 134, same message" \
        "$bare:$shim:$(cmp -s "$WORK/bare.err2" "$WORK/shim.err2" && echo same):$(grep -c 'has overflowed its stack' "$WORK/shim.err")" \
        "134:134:same:1"
    check_eq "... recorded with signal 6" "$(q "$WORK/rs.db" "SELECT end_reason, signal FROM runs")" "signal|6"
else
    echo "SKIP - Rust stack overflow: no rustc"
fi

# C++: an uncaught exception (std::terminate, then abort) and a failed
# assert(): the same message and status, and the run with signal 6.
cat > "$WORK/terminate.cc" <<'CC'
#include <cassert>
#include <cstdio>
#include <cstring>
#include <stdexcept>
static void *volatile sink;
int main(int argc, char **argv)
{
    sink = new char[77];
    sink = nullptr;
    std::puts("before");
    std::fflush(stdout);
    if (argc > 1 && std::strcmp(argv[1], "assert") == 0)
        assert(argc == 5);
    throw std::runtime_error("boom");
}
CC
${CXX:-g++} -g -O1 -o "$WORK/terminate" "$WORK/terminate.cc"
for how in throw assert; do
    "$WORK/terminate" $how > "$WORK/bare.out" 2> "$WORK/bare.err"
    bare=$?
    under "$WORK/cxx-$how.db" "$WORK/terminate" $how > "$WORK/shim.out" 2> "$WORK/shim.err"
    shim=$?
    check_eq "injected: C++, $how -> status 134, same stdout and stderr, recorded with signal 6 and its leak" \
        "$bare:$shim:$(cmp -s "$WORK/bare.out" "$WORK/shim.out" && cmp -s "$WORK/bare.err" "$WORK/shim.err" && echo same):$(q "$WORK/cxx-$how.db" "SELECT end_reason, signal FROM runs"):$(q "$WORK/cxx-$how.db" 'SELECT class FROM blocks WHERE size = 77')" \
        "134:134:same:signal|6:3"
done

# ---- what the program sees of its signal dispositions ---------------------------------
"$PROGS/crash" query > "$WORK/bare.out" 2>&1
under "$WORK/query.db" "$PROGS/crash" query > "$WORK/shim.out" 2>&1
check_eq "sigaction() shows the program what it set, not the shim's handler" \
    "$(tr '\n' ' ' < "$WORK/shim.out")" "query: kept before: default after: handler ignored: ignored sysv_signal: handler sigset: default "
check_eq "... exactly as without the shim" "$(cat "$WORK/shim.out")" "$(cat "$WORK/bare.out")"
LEAKAUDIT_CRASH=0 under "$WORK/off.db" "$PROGS/crash" segv > /dev/null 2>&1
check_eq "LEAKAUDIT_CRASH=0: status 139 and no run (the shim leaves the signals alone)" \
    "$?:$(q "$WORK/off.db" 'SELECT count(*) FROM runs' 2> /dev/null || echo 0)" "139:0"

# ---- what the report and the wrapper make of it ---------------------------------------
"$REPORT" "$WORK/segv.db" > "$WORK/r.txt" 2>&1
check_eq "the report fails on the crash's leaks (status 1)" "$?" 1
check_grep "... and says the run was killed by signal 11" "killed by signal 11" "$WORK/r.txt"
"$REPORT" --format json "$WORK/abort.db" > "$WORK/r.json"
check_eq "JSON: the run's signal is 6 and its exit_code null" \
    "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; print(r["signal"], r["exit_code"])' "$WORK/r.json")" "6 None"
"$WRAPPER" -o "$WORK/w.db" --check -- "$PROGS/crash" segv > /dev/null 2> "$WORK/w.out"
check_eq "leakaudit --check: the program's status (139) and the report on its leaks" \
    "$?:$(grep -c 'killed by signal 11' "$WORK/w.out")" "139:1"

# ---- checkpoints: a run killed by SIGKILL -------------------------------------------------
env LEAKAUDIT_CHECKPOINT=1 LEAKAUDIT_OUTPUT="$WORK/ck.db" LD_PRELOAD="$SHIM" \
    "$PROGS/storm" hold 4 > /dev/null 2> "$WORK/ck.err" &
pid=$!
for i in $(seq 1 100); do
    [ "$(q "$WORK/ck.db" "SELECT count(*) FROM runs WHERE end_reason = 'checkpoint'" 2> /dev/null)" = 1 ] && break
    sleep 0.1
done
sleep 1.5 # at least one later checkpoint, which replaces the first
kill -KILL $pid
wait $pid 2> /dev/null
check_eq "injected: SIGKILL after 2 s with LEAKAUDIT_CHECKPOINT=1 -> status 137, no leakaudit line" \
    "$?:$(grep -c '^leakaudit:' "$WORK/ck.err")" "137:0"
check_eq "... one run kept: the last checkpoint, its leaks in it" \
    "$(q "$WORK/ck.db" "SELECT count(*), end_reason, pid = $pid FROM runs")|$(q "$WORK/ck.db" 'SELECT count(*) > 0 FROM blocks WHERE class = 3')" \
    "1|checkpoint|1|1"
"$REPORT" "$WORK/ck.db" > "$WORK/r.txt" 2>&1
check_grep "... which the report shows as a checkpoint" "checkpoint" "$WORK/r.txt"
LEAKAUDIT_CHECKPOINT=1 under "$WORK/ck2.db" "$PROGS/storm" hold 3 > /dev/null 2>&1
check_eq "a run that ends normally replaces its checkpoints: one run, ended by exit" \
    "$(q "$WORK/ck2.db" "SELECT count(*), end_reason FROM runs")" "1|exit"
finish
