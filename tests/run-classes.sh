#!/bin/sh
# run-classes.sh: the reachability scan and the full report contract, on
# programs whose answer is known (tests/programs/graph.c, cycles.cc,
# rust_leaks.rs; checked against Valgrind and LeakSanitizer): classes,
# kinds, cycles, repeated leaks and marks, JSON against its schema, SARIF,
# --fail-on, --max-marks-per-site, suppressions, baselines, LEAKAUDIT_SCAN.
. "$top_srcdir/tests/lib.sh"

PY=/usr/bin/python3
SCHEMA=$top_srcdir/docs/leakaudit-report.schema.json
findings() { "$PY" "$top_srcdir/tests/findings.py" --schema "$SCHEMA" "$@"; }

# report_json NAME DB [OPTIONS]: JSON into $WORK/NAME.json; returns the status.
report_json() {
    name=$1; db=$2; shift 2
    "$REPORT" --format json "$@" "$db" > "$WORK/$name.json"
}

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
check_grep "graph text: the 3-cycle drawn member by member" \
    "^  triangle --\(\+0\)--> triangle --\(\+0\)--> triangle --\(\+0\)--> triangle$" "$WORK/graph.text"
check_grep "graph text: the list head with its nodes" \
    "^Leak of 176 bytes in 5 blocks \(1 direct, 4 indirect\)$" "$WORK/graph.text"
check_grep "graph text: the repeated mark" \
    "^Repeated mark: 51 bytes in 3 blocks, 3 blocks marked \"per-call cache entry\"$" "$WORK/graph.text"
check_grep "graph text: a summary line per kind" "^  repeated-mark +1 finding, 3 blocks, 51 bytes$" "$WORK/graph.text"
check_grep "graph text: reachable sites are counted, not shown" \
    "^\([0-9]+ reachable sites? not shown: --verbose shows them\)$" "$WORK/graph.text"
check_grep "graph text: failing first, the verdict last" "^FAIL: 8 failing findings$" "$WORK/graph.text"
"$REPORT" --color never --verbose "$graph" | grep -q "^Reachable: 100 bytes in 1 block$"
check_eq "graph text --verbose: reachable sites shown" "$?" 0

# ---- the policy ---------------------------------------------------------------------
"$REPORT" --fail-on none "$graph" > /dev/null
check_eq "--fail-on none: 0" "$?" 0
report_json cyc "$graph" --fail-on cycle
check_eq "--fail-on cycle: 1" "$?" 1
check_eq "--fail-on cycle: only the cycles fail" \
    "$("$PY" -c "import json; print(sorted(f['kind'] for f in json.load(open('$WORK/cyc.json'))['findings'] if f['fails']))")" \
    "['cycle', 'cycle']"
"$REPORT" --fail-on intentional,reachable "$graph" > /dev/null
check_eq "--fail-on intentional,reachable: 1" "$?" 1
report_json marks "$graph" --max-marks-per-site 3 --fail-on repeated-mark
check_eq "--max-marks-per-site 3: three marks per site are allowed" "$?" 0
findings --file graph.c "$WORK/marks.json" | grep -c "^intentional" > "$WORK/n"
check_eq "--max-marks-per-site 3: two intentional findings" "$(cat "$WORK/n")" 2

# Suppressions.
printf '# ours\nleak:direct_a\n\n  leak:^triangle$  \nleak:*_calls\n' > "$WORK/ok.supp"
report_json supp "$graph" --suppressions "$WORK/ok.supp"
check_eq "suppressions: still failing on the rest" "$?" 1
check_eq "suppressions: counted under suppressed" \
    "$("$PY" -c "import json; d=json.load(open('$WORK/supp.json')); print(d['summary']['suppressed']['findings'], d['summary']['leak']['findings'], d['summary']['cycle']['findings'])")" \
    "3 3 1"
check_eq "suppressions: a suppressed finding never fails" \
    "$("$PY" -c "import json; print([f['fails'] for f in json.load(open('$WORK/supp.json'))['findings'] if f['suppressed']])")" \
    "[False, False, False]"
printf 'leak:direct_\nleak:direct_b\nleak:list\nleak:triangle\nleak:pair\nleak:_calls\nleak:^mark_per_call$\nleak:^every_call$\n' > "$WORK/all.supp"
"$REPORT" --suppressions "$WORK/all.supp" "$graph" > "$WORK/all.txt"
check_eq "suppressions: everything failing suppressed: 0" "$?" 0
# All 8 failing findings (20 blocks, 915 bytes), and the 2 reachable pairs.
check_grep "suppressions: the summary says how many" "^  suppressed +10 findings, 22 blocks, 1043 bytes$" "$WORK/all.txt"
"$REPORT" --list-suppressions --suppressions "$WORK/ok.supp" > "$WORK/list.txt"
check_grep "--list-suppressions: the built-in list" "^leak:_dl_allocate_tls	# built-in$" "$WORK/list.txt"
check_grep "--list-suppressions: the file's, with their lines" "^leak:\^triangle\\$	# .*ok.supp:4$" "$WORK/list.txt"
printf 'leak:fine\nrace:foo\n' > "$WORK/bad.supp"
"$REPORT" --suppressions "$WORK/bad.supp" "$graph" > "$WORK/bad.out" 2> "$WORK/bad.err"
check_eq "a bad suppression file: status 2, one line" "$?:$(wc -l < "$WORK/bad.err")" "2:1"
check_grep "a bad suppression file: names the file and line" \
    "^leakaudit-report: .*bad.supp:2: unknown suppression type 'race'" "$WORK/bad.err"
"$REPORT" --suppressions "$WORK/none.supp" "$graph" > /dev/null 2> "$WORK/bad.err"
check_eq "a missing suppression file: status 2" "$?" 2
check_grep "a missing suppression file: one line" "^leakaudit-report: .*none.supp: No such file or directory$" "$WORK/bad.err"
"$REPORT" --fail-on leaks "$graph" > /dev/null 2> "$WORK/bad.err"
check_eq "--fail-on with a bad kind: status 2" "$?" 2
"$REPORT" --max-marks-per-site -1 "$graph" > /dev/null 2> "$WORK/bad.err"
check_eq "--max-marks-per-site -1: status 2" "$?" 2
"$REPORT" --format xml "$graph" > /dev/null 2> "$WORK/bad.err"
check_eq "--format xml: status 2" "$?" 2

# Baselines: the same program again fails on nothing new; another does.
graph2=$WORK/graph2.db
under "$graph2" "$PROGS/graph" > /dev/null
"$REPORT" --baseline "$graph" "$graph2" > "$WORK/base.txt"
check_eq "--baseline: the same sites again: 0" "$?" 0
check_grep "--baseline: findings say they are in the baseline" "\[in the baseline\]$" "$WORK/base.txt"
leaks=$WORK/leaks.db
under "$leaks" "$PROGS/leaks" > /dev/null 2>&1
"$REPORT" --baseline "$graph" "$leaks" > /dev/null
check_eq "--baseline: new sites fail: 1" "$?" 1
"$REPORT" --baseline "$WORK/nothere.db" "$graph2" > /dev/null 2> "$WORK/bad.err"
check_eq "--baseline of a missing database: status 2, one line" "$?:$(wc -l < "$WORK/bad.err")" "2:1"

# SARIF.
"$REPORT" --format sarif "$graph" > "$WORK/graph.sarif"
check_eq "sarif: status follows the policy" "$?" 1
"$PY" - "$WORK/graph.sarif" > "$WORK/sarif.check" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == "2.1.0" and "sarif-2.1.0" in d["$schema"]
run = d["runs"][0]
driver = run["tool"]["driver"]
assert driver["name"] == "leakaudit" and driver["version"]
ids = [r["id"] for r in driver["rules"]]
assert ids == ["leakaudit/leak", "leakaudit/cycle", "leakaudit/repeated-mark",
               "leakaudit/intentional", "leakaudit/reachable"], ids
for r in run["results"]:
    assert r["ruleId"] in ids and ids[r["ruleIndex"]] == r["ruleId"]
    assert r["level"] in ("error", "warning", "note") and r["message"]["text"]
    loc = r["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("graph.c"), loc
    assert loc["region"]["startLine"] >= 1
    assert r["partialFingerprints"]["leakauditSite/v1"]
print(len(run["results"]), sorted(set(r["ruleId"] for r in run["results"])))
PY
check_eq "sarif: required structure; one result per failing finding" "$(cat "$WORK/sarif.check")" \
    "8 ['leakaudit/cycle', 'leakaudit/leak', 'leakaudit/repeated-mark']"

# Folded stacks (flamegraph.pl, inferno, speedscope): "frame;frame;... BYTES",
# outermost first, and they account for every leaked byte.
"$REPORT" --format folded -o "$WORK/graph.folded" "$graph"
check_eq "folded: status follows the policy; written to the -o file" "$?:$(test -s "$WORK/graph.folded" && echo written)" "1:written"
"$PY" - "$WORK/graph.folded" "$WORK/graph.json" > "$WORK/folded.check" <<'PY'
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
s = json.load(open(sys.argv[2]))["summary"]
total, leaves = 0, set()
for line in lines:
    m = re.fullmatch(r"([^;\n]+(?:;[^;\n]+)*) ([0-9]+)", line)
    assert m, line
    frames = m.group(1).split(";")
    assert frames[0] == "_start" and "main" in frames, frames
    leaves.add(frames[-1])
    total += int(m.group(2))
assert len(lines) == len(set(l.rsplit(" ", 1)[0] for l in lines)), "a stack twice"
assert total == s["leak"]["bytes"] + s["cycle"]["bytes"], (total, s)
print(len(lines), total, " ".join(sorted(leaves)))
PY
check_eq "folded: one line per stack, outermost first, the bytes of every leak and cycle" "$(cat "$WORK/folded.check")" \
    "7 864 direct_a direct_b every_call list pair some_calls triangle"

# JUnit XML: one test case per failing finding, with file and line.
"$REPORT" --format junit "$graph" > "$WORK/graph.xml"
check_eq "junit: status follows the policy" "$?" 1
"$PY" - "$WORK/graph.xml" > "$WORK/junit.check" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites"
suites = root.findall("testsuite")
assert len(suites) == 1
cases = suites[0].findall("testcase")
assert int(root.get("tests")) == int(suites[0].get("tests")) == len(cases)
failures = [c.find("failure") for c in cases]
assert all(f is not None for f in failures)
assert int(root.get("failures")) == int(suites[0].get("failures")) == len(failures)
for c, f in zip(cases, failures):
    assert c.get("classname") == "leakaudit." + f.get("type")
    assert c.get("file").endswith("graph.c") and int(c.get("line")) > 0
    assert f.get("message") and "#0 " in f.text and "graph.c:" in f.text
print(len(cases), " ".join(sorted(set(f.get("type") for f in failures))))
PY
check_eq "junit: well-formed; one failing test case per failing finding, located" "$(cat "$WORK/junit.check")" \
    "8 cycle leak repeated-mark"
under "$WORK/clean.db" "$PROGS/clean" > /dev/null
"$REPORT" --format junit "$WORK/clean.db" > "$WORK/clean.xml"
check_eq "junit, nothing fails: status 0, one passing test case" \
    "$?:$("$PY" -c 'import sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot(); print(r.get("tests"), r.get("failures"), len(r.findall(".//testcase")), len(r.findall(".//failure")))' "$WORK/clean.xml")" \
    "0:1 0 1 0"
"$REPORT" --format junit -o /nonexistent/dir/r.xml "$graph" 2> "$WORK/o.err"
check_eq "-o into a directory that does not exist: status 2, one line" \
    "$?:$(wc -l < "$WORK/o.err"):$(grep -c '^leakaudit-report: cannot write /nonexistent/dir/r.xml: ' "$WORK/o.err")" "2:1:1"

# Several databases (CI jobs, machines) in one report: a finding per site,
# added up, with its runs.
for i in 1 2 3; do under "$WORK/job$i.db" "$PROGS/graph" > /dev/null; done
"$REPORT" --format json "$WORK/job1.db" "$WORK/job2.db" "$WORK/job3.db" > "$WORK/jobs.json"
check_eq "3 databases: status 1" "$?" 1
findings --file graph.c "$WORK/jobs.json" > "$WORK/jobs.txt"
check_eq "3 databases: valid JSON; each site once, its blocks 3 times one run's, 'repeated' and 'per_call' over all runs" \
    "$(grep -E '^(leak|cycle)' "$WORK/jobs.txt")" \
"cycle blocks=6 bytes=384 direct=6 indirect=0 site=3 repeated members=2 offsets=0,0 instances=3 fails in=pair
cycle blocks=9 bytes=648 direct=9 indirect=0 site=9 repeated members=3 offsets=0,0,0 instances=3 fails in=triangle
leak blocks=15 bytes=528 direct=3 indirect=12 site=3 repeated per_call fails in=list
leak blocks=3 bytes=120 direct=3 indirect=0 site=3 repeated per_call fails in=direct_a
leak blocks=3 bytes=168 direct=3 indirect=0 site=3 repeated per_call fails in=direct_b
leak blocks=6 bytes=528 direct=6 indirect=0 site=12 repeated fails in=some_calls
leak blocks=9 bytes=216 direct=9 indirect=0 site=9 repeated per_call fails in=every_call"
check_eq "3 databases: the databases listed; every finding keeps its 3 runs, one per database" \
    "$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(len(d["databases"]), sorted(r["database"] for r in d["runs"]),
      all(sorted(x["database"] for x in f["runs"]) == [0, 1, 2] for f in d["findings"] if f["kind"] != "reachable"))' "$WORK/jobs.json")" \
    "3 [0, 1, 2] True"
"$REPORT" "$WORK/job1.db" "$WORK/job2.db" "$WORK/job3.db" > "$WORK/jobs.out"
check_grep "3 databases, text: each run named with its database" "^run 1 of $WORK/job2.db: pid " "$WORK/jobs.out"
check_grep "3 databases, text: a finding says in how many runs" "^Leak of 528 bytes in 15 blocks .*\(in 3 runs\)$" "$WORK/jobs.out"
for i in 1 2 3; do under "$WORK/one.db" "$PROGS/graph" > /dev/null; done
"$REPORT" --format json --merge "$WORK/one.db" > "$WORK/one.json"
check_eq "--merge: 3 runs of one database give the same findings as 3 databases" \
    "$(findings --file graph.c "$WORK/one.json")" "$(cat "$WORK/jobs.txt")"
"$REPORT" "$WORK/job1.db" "$WORK/nothere.db" > /dev/null 2> "$WORK/e"
check_eq "3 databases, one missing: status 2, one line naming it" \
    "$?:$(wc -l < "$WORK/e"):$(grep -c 'nothere.db' "$WORK/e")" "2:1:1"
"$REPORT" --run 1 "$WORK/job1.db" "$WORK/job2.db" > /dev/null 2> "$WORK/e"
check_eq "--run with several databases: status 2, one line" "$?:$(wc -l < "$WORK/e")" "2:1"

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

# ---- the wrapper applies the policy -------------------------------------------------------------------
"$WRAPPER" --check --fail-on none -o "$WORK/w.db" -- "$PROGS/graph" > /dev/null
check_eq "leakaudit --check --fail-on none: 0" "$?" 0
"$WRAPPER" --check --suppressions "$WORK/all.supp" -o "$WORK/w.db" -- "$PROGS/graph" > /dev/null
check_eq "leakaudit --check --suppressions: 0" "$?" 0
"$WRAPPER" --check -o "$WORK/w.db" -- "$PROGS/graph" > /dev/null
check_eq "leakaudit --check: 1" "$?" 1

finish
