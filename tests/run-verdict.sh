#!/bin/sh
# run-verdict.sh: the verdict on every block when a process ends with its
# threads still running, in a hurry, or short of descriptors
# (tests/programs/verdict.c): each case against its known answer and,
# where valgrind is installed, against Valgrind memcheck's, block for
# block (tests/lost_blocks.py).  The cases that depend on threads run
# VERDICT_ROUNDS times (3; `make stress` runs 25, and the churn without a
# leak 100), so that a flaky verdict shows.
. "$top_srcdir/tests/lib.sh"

ROUNDS=${VERDICT_ROUNDS:-3}
V=$PROGS/verdict

# lost DB: the sizes of the lost blocks of DB's last run, sorted.
lost() {
    q "$1" "SELECT group_concat(size, ' ') FROM (SELECT size FROM blocks
            WHERE class = 3 AND run = (SELECT max(id) FROM runs) ORDER BY size)"
}

# case NAME MODE STATUS LOST RUNS [ROUNDS]: MODE ends with STATUS, as it
# does bare, writes RUNS runs and no leakaudit line, and its last run's
# lost blocks are LOST, in every one of ROUNDS rounds.
case_() {
    name=$1; mode=$2; want_st=$3; want_lost=$4; want_runs=$5; rounds=${6:-1}
    "$V" "$mode" > /dev/null 2>&1
    bare=$?
    bad=0
    i=0
    while [ $i -lt "$rounds" ]; do
        rm -f "$WORK/v.db"
        under "$WORK/v.db" "$V" "$mode" > /dev/null 2> "$WORK/v.err"
        st=$?
        got="$st|$(q "$WORK/v.db" 'SELECT count(*) FROM runs' 2>/dev/null)|$(lost "$WORK/v.db" 2>/dev/null)|$(grep -c '^leakaudit:' "$WORK/v.err")"
        if [ "$got" != "$want_st|$want_runs|$want_lost|0" ] || [ "$bare" != "$want_st" ]; then
            bad=$((bad + 1))
            [ $bad -eq 1 ] && first="round $((i + 1)): status|runs|lost|lines '$got', bare status $bare"
        fi
        i=$((i + 1))
    done
    if [ $bad -eq 0 ]; then
        pass "$name: status $want_st, $want_runs run(s), lost [$want_lost], in $rounds of $rounds"
    else
        fail "$name: $bad of $rounds rounds differ, want status|runs|lost|lines '$want_st|$want_runs|$want_lost|0'; $first"
        sed 's/^/    | /' "$WORK/v.err" | head -5
    fi
}

# against_valgrind NAME MODE: the last round's database against memcheck.
against_valgrind() {
    command -v valgrind > /dev/null || return 0
    rm -f "$WORK/v.db"
    under "$WORK/v.db" "$V" "$2" > /dev/null 2>&1
    valgrind --leak-check=full --show-leak-kinds=definite,indirect --xml=yes \
        --xml-file="$WORK/vg.xml" "$V" "$2" > /dev/null 2>&1
    if "$PY" "$top_srcdir/tests/lost_blocks.py" "$WORK/v.db" "$WORK/vg.xml" > "$WORK/vg.out"; then
        pass "$1: the same lost blocks as Valgrind ($(cat "$WORK/vg.out"))"
    else
        fail "$1: not Valgrind's lost blocks: $(head -3 "$WORK/vg.out" | tr '\n' ' ')"
    fi
}

# ---- threads still running when the process ends ---------------------------
case_ "3 threads churning when main returns (the issue's reproducer)" churn-clean 0 "" 1 $((ROUNDS * 4))
case_ "... with one leak" churn 0 77 1 "$ROUNDS"
case_ "... dying of SIGSEGV" churn-segv 139 77 1 "$ROUNDS"
case_ "... in abort()" churn-abort 134 77 1 "$ROUNDS"
case_ "... after a double free (glibc aborts)" churn-doublefree 134 77 1 "$ROUNDS"
against_valgrind "churning threads, one leak" churn
# Blocks freed by another thread than the one that made them: the live
# table's shards of the producer's arena stop being its own alone.
case_ "blocks made by one thread, freed by another, one dropped" handoff 0 77 1 "$ROUNDS"
against_valgrind "blocks handed to another thread" handoff
# The same after a seccomp filter refuses membarrier(2): one line says so,
# and the verdict is the same.
# (Status 2 bare: this system allows no seccomp filter.)
"$V" handoff-nomb > /dev/null 2>&1
if [ $? -ne 2 ]; then
    rm -f "$WORK/v.db"
    under "$WORK/v.db" "$V" handoff-nomb > /dev/null 2> "$WORK/v.err"
    check_eq "membarrier refused after the start: status 0, one line, lost [77]" \
        "$?|$(grep -c 'leakaudit: membarrier(2) refused' "$WORK/v.err")|$(grep -c '^leakaudit:' "$WORK/v.err")|$(lost "$WORK/v.db")" \
        "0|1|1|77"
else
    echo "# SKIP membarrier refused after the start: no seccomp filter can be installed here"
fi
# The other threads are held while the copy that writes a crash's run is
# made: their stacks are roots from their stack pointers, their registers
# roots (without that, a dead frame's address kept its block reachable).
case_ "a thread's dead frame when another dies of SIGSEGV" held-dead-frame 139 "77 79" 1 "$ROUNDS"
case_ "a block only in a running thread's register when another dies" held-register 139 77 1 "$ROUNDS"
case_ "a thread that blocks every signal: not held, the run written all the same" held-blocked 139 77 1
against_valgrind "a thread's dead frame" held-dead-frame
# (Not held-register: at a fatal signal Valgrind ends the other threads
# before its leak check, and calls the register's block lost;
# docs/verdict.md.)
"$WRAPPER" --check -o "$WORK/w.db" -- "$V" churn-clean > "$WORK/w.out" 2>&1
check_eq "leakaudit --check on the reproducer: passes, no finding" \
    "$?:$(grep -c '^OK' "$WORK/w.out")" "0:1"

# ---- the stack is a root from where the program left ------------------------
case_ "two leaks, then _exit(5)" _exit 5 "77 78" 1
case_ "two leaks, then SIGSEGV" segv 139 "77 78" 1
case_ "a pointer in main's frame after main returned" main-frame 0 77 1
against_valgrind "two leaks, then _exit(5)" _exit
against_valgrind "two leaks, then SIGSEGV" segv
against_valgrind "main's dead frame" main-frame
# The malloc family's traces (a block's address in the frames a call used),
# under a deeper frame's uninitialised locals when the process exits: the
# shim and libc's allocator ran on the shim's own stack, and left none.
case_ "seven blocks of the malloc family, then exit under a frame of stale words" stale-frames 0 "101 102 103 104 105 106 112" 1
rm -f "$WORK/v.db"
under "$WORK/v.db" "$V" stale-frames > "$WORK/stale.out" 2>&1
check_eq "... no copy of their addresses in the program's stack" "$(cat "$WORK/stale.out")" "copies 0"
against_valgrind "the malloc family's stale frames" stale-frames

# ---- threads' own memory ------------------------------------------------------
case_ "a thread in its key destructors: dlerror's message, reached from its TLS" dlerror 0 "" 1 "$ROUNDS"
case_ "leak_snapshot() in a key destructor: the thread's block on its stack" key-snapshot 0 "" 2 "$ROUNDS"
check_eq "... the snapshot run too" \
    "$(q "$WORK/v.db" "SELECT count(*) FROM blocks WHERE class = 3")" 0
case_ "a value on key 40 and up (glibc's second-level array)" key-high 0 "" 1 "$ROUNDS"
case_ "detached threads not started yet: their argument" starting 0 "" 1 "$ROUNDS"
against_valgrind "a thread in its key destructors" dlerror
against_valgrind "detached threads not started yet" starting

# ---- two threads end the process -------------------------------------------------
case_ "exit() from main and two threads at once: one run" exit-race 0 77 1 "$ROUNDS"
case_ "exit() in main, _exit() in a thread 1 ms later: one run" exit-_exit 0 77 1 "$ROUNDS"

# ---- no descriptor left ---------------------------------------------------------------
# nofile: RLIMIT_NOFILE {3, 4096}; emfile: every descriptor of {64, 64}.
for mode in nofile emfile; do
    rm -f "$WORK/v.db"
    under "$WORK/v.db" "$V" $mode > /dev/null 2> "$WORK/$mode.err"
    check_eq "$mode: the run is kept, with its leak" "$?|$(lost "$WORK/v.db")" "0|77"
    check_eq "$mode: one line says what happened" \
        "$(wc -l < "$WORK/$mode.err"):$(grep -c '^leakaudit: the process had no file descriptor left (RLIMIT_NOFILE ' "$WORK/$mode.err")" "1:1"
done
check_grep "nofile: the soft limit was raised for the write" "RLIMIT_NOFILE 3\): raised to [0-9]+ to write the run$" "$WORK/nofile.err"
check_grep "emfile: none to raise: a copy of the process wrote it" "all in use\): the run is written by a copy of it that closed 8$" "$WORK/emfile.err"
against_valgrind "no descriptor left" emfile

# ---- programs whose malloc is not the shim's ---------------------------------------------
# One line, the run marked not audited, and the report (so --check) fails.
for how in program preloaded; do
    rm -f "$WORK/o.db"
    if [ $how = program ]; then
        under "$WORK/o.db" "$PROGS/ownmalloc" > "$WORK/o.out" 2> "$WORK/o.err"
        from=ownmalloc
    else
        LEAKAUDIT_OUTPUT="$WORK/o.db" LD_PRELOAD="$PROGS/.libs/libownmalloc.so $SHIM" \
            "$PROGS/clean" > "$WORK/o.out" 2> "$WORK/o.err"
        from=libownmalloc.so
    fi
    check_eq "a malloc of its own ($how): same status, one line naming it" \
        "$?:$(wc -l < "$WORK/o.err"):$(grep -c "^leakaudit: this program's malloc is not libc's (it comes from .*$from): its blocks cannot be seen, and its run is recorded as not audited$" "$WORK/o.err")" "0:1:1"
    check_eq "... the run is marked not audited" \
        "$(q "$WORK/o.db" "SELECT unaudited LIKE 'its malloc is not libc''s: it comes from %$from' FROM runs")" 1
    "$REPORT" "$WORK/o.db" > "$WORK/o.txt"
    check_eq "... the report fails on it" "$?:$(tail -n 1 "$WORK/o.txt")" "1:FAIL: 1 run not audited"
done
check_grep "... the text report says why, on the run's line" \
    "^run 1: pid [0-9]+ .*\[not audited: its malloc is not libc's: it comes from .*libownmalloc.so; nothing of it was seen\]$" "$WORK/o.txt"
report_json o "$WORK/o.db"
check_eq "... and the JSON report" \
    "$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["unaudited_runs"], d["fail"], d["runs"][0]["unaudited"] is not None)' "$WORK/o.json"):$(findings "$WORK/o.json" | tail -n 1)" \
    "1 True True:fail=true"
"$REPORT" --fail-on leak,cycle "$WORK/o.db" > /dev/null
check_eq "... which --fail-on without 'unaudited' lets pass" "$?" 0
"$WRAPPER" --check -o "$WORK/w2.db" -- "$PROGS/ownmalloc" > "$WORK/w2.out" 2>&1
check_eq "leakaudit --check on it: fails" "$?" 1
finish
