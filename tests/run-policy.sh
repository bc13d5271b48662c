#!/bin/sh
# run-policy.sh: what fails, on tests/programs/graph.c: --fail-on,
# --max-marks-per-site, suppressions, baselines, several databases and
# --merge, and the wrapper's --check applying the same options.
. "$top_srcdir/tests/lib.sh"

# The known answer: tests/programs/graph.c (run-classes.sh checks its
# classes and findings).
graph=$WORK/graph.db
under "$graph" "$PROGS/graph" > /dev/null

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

# ---- the wrapper applies the policy -------------------------------------------------------------------
"$WRAPPER" --check --fail-on none -o "$WORK/w.db" -- "$PROGS/graph" > /dev/null
check_eq "leakaudit --check --fail-on none: 0" "$?" 0
"$WRAPPER" --check --suppressions "$WORK/all.supp" -o "$WORK/w.db" -- "$PROGS/graph" > /dev/null
check_eq "leakaudit --check --suppressions: 0" "$?" 0
"$WRAPPER" --check -o "$WORK/w.db" -- "$PROGS/graph" > /dev/null
check_eq "leakaudit --check: 1" "$?" 1
finish
