#!/bin/sh
# run-classes.sh: the reachability scan's verdict on programs whose answer
# is known (tests/programs/graph.c, cycles.cc, rust_leaks.rs; checked
# against Valgrind and LeakSanitizer): classes, kinds, cycles, repeated
# leaks and marks, the JSON report against its schema, LEAKAUDIT_SCAN.
. "$top_srcdir/tests/lib.sh"

# ---- C: every kind ------------------------------------------------------------
graph=$WORK/graph.db
under "$graph" "$PROGS/graph" > "$WORK/graph.out"
check_eq "graph: runs as without the shim" "$?:$(cat "$WORK/graph.out")" "0:graph done"
check_eq "graph: the scan ran" "$(q "$graph" 'SELECT scan, complete FROM runs')" "1|1"
check_eq "graph: classes of the blocks (1 intentional, 2 reachable, 3 lost)" \
    "$(q "$graph" "SELECT group_concat(c, ' ') FROM (SELECT class || ':' || count(*) AS c FROM blocks
                   WHERE stack IN (SELECT stack FROM frames f JOIN modules m ON m.run = f.run AND m.id = f.module
                   WHERE m.path LIKE '%/graph') GROUP BY class ORDER BY class)")" \
    "1:7 2:3 3:17"
check_eq "graph: pointers among lost blocks, with offsets" \
    "$(q "$graph" 'SELECT count(*), sum(offset) FROM edges')" "9|0"
report_json graph "$graph"
check_eq "graph: status 1" "$?" 1
findings --file graph.c "$WORK/graph.json" > "$WORK/graph.txt"
check_eq "graph: findings, kinds and counts, exactly" "$(cat "$WORK/graph.txt")" \
"cycle blocks=2 bytes=128 direct=2 indirect=0 site=1 members=2 offsets=0,0 instances=1 fails in=pair
cycle blocks=3 bytes=216 direct=3 indirect=0 site=3 members=3 offsets=0,0,0 instances=1 fails in=triangle
intentional blocks=4 bytes=52 direct=1 indirect=3 site=1 marks=1 why=configuration in=config
leak blocks=1 bytes=40 direct=1 indirect=0 site=1 fails in=direct_a
leak blocks=1 bytes=56 direct=1 indirect=0 site=1 fails in=direct_b
leak blocks=2 bytes=176 direct=2 indirect=0 site=4 repeated fails in=some_calls
leak blocks=3 bytes=72 direct=3 indirect=0 site=3 repeated per_call fails in=every_call
leak blocks=5 bytes=176 direct=1 indirect=4 site=1 fails in=list
reachable blocks=1 bytes=100 direct=1 indirect=0 site=1 in=work
reachable blocks=1 bytes=64 direct=1 indirect=0 site=1 in=pair
reachable blocks=1 bytes=64 direct=1 indirect=0 site=1 in=pair
repeated-mark blocks=3 bytes=51 direct=3 indirect=0 site=3 repeated marks=3 why=per-call cache entry fails in=mark_per_call
fail=true"
"$REPORT" --color never "$graph" > "$WORK/graph.text"
check_grep "graph text: the 3-cycle drawn member by member, numbered (one line allocates all three)" \
    "^  triangle #1 --\(\+0\)--> triangle #2 --\(\+0\)--> triangle #3 --\(\+0\)--> triangle #1$" "$WORK/graph.text"
check_grep "graph text: the list head with its nodes" \
    "^Leak of 176 bytes in 5 blocks \(1 direct, 4 indirect\), at list .*graph.c:[0-9]+$" "$WORK/graph.text"
check_grep "graph text: the repeated mark" \
    "^Repeated mark: 51 bytes in 3 blocks, 3 blocks marked \"per-call cache entry\"$" "$WORK/graph.text"
check_grep "graph text: a summary line per kind" "^  repeated-mark +1 finding, 3 blocks, 51 bytes$" "$WORK/graph.text"
check_grep "graph text: reachable sites are counted, not shown" \
    "^\([0-9]+ reachable sites? not shown: --verbose shows them\)$" "$WORK/graph.text"
check_grep "graph text: failing first, the verdict last" "^FAIL: 8 failing findings$" "$WORK/graph.text"
"$REPORT" --color never --verbose "$graph" | grep -Eq "^Reachable: 100 bytes in 1 block, at work .*graph.c:[0-9]+$"
check_eq "graph text --verbose: reachable sites shown" "$?" 0

# ---- no scan ----------------------------------------------------------------------------------
noscan=$WORK/noscan.db
LEAKAUDIT_SCAN=0 under "$noscan" "$PROGS/graph" > /dev/null
check_eq "LEAKAUDIT_SCAN=0: no scan recorded" "$(q "$noscan" 'SELECT scan FROM runs')" 0
report_json noscan "$noscan"
check_eq "LEAKAUDIT_SCAN=0: unmarked blocks all lost, marked ones intentional, no cycles" \
    "$("$PY" -c "import json; s=json.load(open('$WORK/noscan.json'))['summary']; print(s['cycle']['findings'], s['reachable']['blocks'], s['intentional']['blocks'], s['repeated-mark']['blocks'])")" \
    "0 0 1 3"
LEAKAUDIT_SCAN=2 under "$WORK/scan2.db" "$PROGS/clean" > /dev/null 2> "$WORK/scan2.err"
check_grep "LEAKAUDIT_SCAN=2: a warning, and the default" "^leakaudit: LEAKAUDIT_SCAN has an invalid value '2'" "$WORK/scan2.err"

# ---- C++ and Rust ---------------------------------------------------------------------------------
cxx=$WORK/cycles.db
under "$cxx" "$PROGS/cycles" > /dev/null
report_json cycles "$cxx"
check_eq "C++: a shared_ptr cycle, a released unique_ptr, a marked registry" \
    "$(findings --file cycles.cc "$WORK/cycles.json")" \
"cycle blocks=2 bytes=128 direct=2 indirect=0 site=1 members=2 offsets=16,16 instances=1 fails in=app::make_cycle()
intentional blocks=4 bytes=156 direct=1 indirect=3 site=1 marks=1 why=registry for the whole run in=app::keep_registry()
leak blocks=1 bytes=124 direct=1 indirect=0 site=1 fails in=app::Session::open(int)
fail=true"
if [ -n "${RUSTC:-}" ] && [ -x "$RUSTC" ]; then
    "$RUSTC" --edition 2021 -g -O -o "$WORK/rust_leaks" "$top_srcdir/tests/programs/rust_leaks.rs"
    under "$WORK/rust.db" "$WORK/rust_leaks" > /dev/null
    report_json rust "$WORK/rust.db"
    check_eq "Rust: an Rc cycle, Box::leak marked once, in a loop, in a thread" \
        "$(findings --file rust_leaks.rs "$WORK/rust.json" | grep -v '^reachable')" \
"cycle blocks=2 bytes=128 direct=2 indirect=0 site=1 members=2 offsets=56,56 instances=1 fails in=rust_leaks::make_cycle
intentional blocks=2 bytes=68 direct=1 indirect=1 site=1 marks=1 why=config for the whole run in=rust_leaks::load_config
leak blocks=2 bytes=104 direct=1 indirect=1 site=1 fails in=rust_leaks::leak_in_thread::{{closure}}
leak blocks=5 bytes=640 direct=5 indirect=0 site=5 repeated per_call fails in=rust_leaks::leak_buffer
fail=true"
else
    echo "SKIP - rust: rustc not found"
fi
finish
