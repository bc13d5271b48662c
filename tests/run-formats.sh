#!/bin/sh
# run-formats.sh: the report's formats for other tools, on
# tests/programs/graph.c: SARIF (code scanning, checked against its schema
# and GitHub's rules), folded stacks (flame graphs), JUnit XML (test
# reporters), and -o.
. "$top_srcdir/tests/lib.sh"

# The known answer: tests/programs/graph.c (run-classes.sh checks its
# classes and findings).
graph=$WORK/graph.db
under "$graph" "$PROGS/graph" > /dev/null
report_json graph "$graph"

# SARIF, for code scanning: valid against SARIF 2.1.0's JSON schema and
# GitHub's ingestion rules (Microsoft's SARIF Multitool, from npm:
# tools/install-deps --tests), one result per place in the program's own
# code, its paths relative to the source root.
mt=$(npm root -g 2> /dev/null)/@microsoft/sarif-multitool-linux
"$REPORT" --format sarif --source-root "$top_srcdir" "$graph" > "$WORK/graph.sarif"
check_eq "sarif: status follows the policy" "$?" 1
if [ -f "$mt/sarif-2.1.0.json" ] && [ -x "$mt/Sarif.Multitool" ]; then
    "$PY" - "$mt/sarif-2.1.0.json" "$WORK/graph.sarif" > "$WORK/schema.check" 2>&1 <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
errors = sorted(cls(schema).iter_errors(json.load(open(sys.argv[2]))), key=str)
for e in errors[:5]:
    print(list(e.absolute_path), e.message[:200])
print(len(errors), "errors")
PY
    check_eq "sarif: valid against the SARIF 2.1.0 JSON schema (python3-jsonschema)" "$(tail -n 1 "$WORK/schema.check")" "0 errors"
    rm -f "$WORK/mt.sarif"
    "$mt/Sarif.Multitool" validate --rule-kind "Gh;Sarif" --json-schema "$mt/sarif-2.1.0.json" \
        -o "$WORK/mt.sarif" "$WORK/graph.sarif" > "$WORK/mt.out" 2>&1
    # SARIF2005 asks for the tool's informationUri: leakaudit has no home
    # page to name, and a placeholder would be worse.
    check_eq "sarif: GitHub's and SARIF's rules (SARIF Multitool validate): no error, no warning but SARIF2005" \
        "$?:$(grep -E ': (error|warning) ' "$WORK/mt.out" | grep -v ': warning SARIF2005: ' | head -n 3)" "0:"
else
    fail "sarif: Microsoft's SARIF Multitool is not installed (tools/install-deps --tests)"
fi
"$PY" - "$WORK/graph.sarif" "$top_srcdir" > "$WORK/sarif.check" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
root = os.path.realpath(sys.argv[2])
run = d["runs"][0]
driver = run["tool"]["driver"]
assert driver["name"] == "leakaudit" and driver["version"] and "informationUri" not in driver
ids = [r["id"] for r in driver["rules"]]
assert ids == ["leakaudit/leak", "leakaudit/cycle", "leakaudit/repeated-mark"], ids
for r in driver["rules"]:
    assert r["fullDescription"]["text"] and r["help"]["text"], r
    assert r["defaultConfiguration"]["level"] == "error"
assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == "file://" + root + "/", run["originalUriBaseIds"]
places, prints = set(), set()
for r in run["results"]:
    assert ids[r["ruleIndex"]] == r["ruleId"] and r["level"] == "error"
    loc = r["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "tests/programs/graph.c", "uriBaseId": "SRCROOT"}, loc
    assert loc["region"]["startLine"] >= 1
    places.add((r["ruleId"], loc["region"]["startLine"]))
    prints.add(r["partialFingerprints"]["leakauditPlace/v1"])
    flow = r["codeFlows"][0]["threadFlows"][0]["locations"]
    assert flow[-1]["location"]["physicalLocation"]["region"] == loc["region"], flow[-1]
    p = r["properties"]
    assert p["runs"] == 1 and p["blocks"] >= 1 and p["bytes"] >= p["blocks"], p
assert len(places) == len(prints) == len(run["results"])
print(len(run["results"]), sorted(set(r["ruleId"] for r in run["results"])))
PY
check_eq "sarif: rules with descriptions and help; one result per place, relative to SRCROOT, with its stacks" \
    "$(cat "$WORK/sarif.check")" "8 ['leakaudit/cycle', 'leakaudit/leak', 'leakaudit/repeated-mark']"
# The same program twice (other addresses, another pid): the same places,
# the same fingerprints; both runs in one database: one result per place,
# its runs and blocks added up.
under "$WORK/graph2.db" "$PROGS/graph" > /dev/null
under "$WORK/graph2.db" "$PROGS/graph" > /dev/null
"$REPORT" --format sarif --source-root "$top_srcdir" "$WORK/graph2.db" > "$WORK/graph2.sarif"
"$PY" - "$WORK/graph.sarif" "$WORK/graph2.sarif" > "$WORK/fp.check" <<'PY'
import json, sys
def res(p):
    return {r["partialFingerprints"]["leakauditPlace/v1"]: r for r in json.load(open(p))["runs"][0]["results"]}
one, two = res(sys.argv[1]), res(sys.argv[2])
assert one.keys() == two.keys(), (sorted(one), sorted(two))
assert all(two[k]["properties"]["runs"] == 2 for k in two)
assert all(two[k]["properties"]["blocks"] == 2 * one[k]["properties"]["blocks"] for k in one)
print(len(two))
PY
check_eq "sarif: fingerprints stable from one job to the next; runs merged per place" "$(cat "$WORK/fp.check")" 8
"$REPORT" --format sarif --fail-on none --source-root "$top_srcdir" "$graph" > "$WORK/none.sarif"
check_eq "sarif: the level follows the policy (--fail-on none: warnings, status 0)" \
    "$?:$("$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; print(sorted(set([x["level"] for x in r["results"]] + [x["defaultConfiguration"]["level"] for x in r["tool"]["driver"]["rules"]])))' "$WORK/none.sarif")" \
    "0:['warning']"
mkdir -p "$WORK/gitroot/.git" "$WORK/gitroot/sub"
(cd "$WORK/gitroot/sub" && "$REPORT" --format sarif "$graph" > "$WORK/git.sarif")
check_eq "sarif: the source root defaults to the git work tree's top; a file outside it is an absolute URI" \
    "$("$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; a=r["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]; print(r["originalUriBaseIds"]["SRCROOT"]["uri"] == "file://" + sys.argv[2] + "/", "uriBaseId" not in a and a["uri"].startswith("file:///") and a["uri"].endswith("/tests/programs/graph.c"))' "$WORK/git.sarif" "$(cd "$WORK/gitroot" && pwd -P)")" \
    "True True"
"$REPORT" --format sarif --source-root "$WORK/nowhere" "$graph" > /dev/null 2> "$WORK/sr.err"
check_eq "--source-root that is not there: status 2, one line" "$?:$(wc -l < "$WORK/sr.err")" "2:1"

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

# JUnit XML: one test case per failing place, named by the place alone
# (no count: its history holds when sizes change), unique, with its file
# relative to the source root and a time.
"$REPORT" --format junit --source-root "$top_srcdir" "$graph" > "$WORK/graph.xml"
check_eq "junit: status follows the policy" "$?" 1
"$PY" - "$WORK/graph.xml" "$WORK/graph2.db" > "$WORK/junit.check" <<'PY'
import re, subprocess, sys, xml.etree.ElementTree as ET
def cases(root):
    suites = root.findall("testsuite")
    assert len(suites) == 1
    c = suites[0].findall("testcase")
    assert int(root.get("tests")) == int(suites[0].get("tests")) == len(c)
    float(root.get("time")), float(suites[0].get("time"))
    return c
root = ET.parse(sys.argv[1]).getroot()
cs = cases(root)
failures = [c.find("failure") for c in cs]
assert all(f is not None for f in failures)
assert int(root.get("failures")) == len(failures)
names = [c.get("name") for c in cs]
assert len(set(names)) == len(names), names
for c, f in zip(cs, failures):
    assert c.get("classname") == "leakaudit." + f.get("type")
    assert re.fullmatch(r"(leak|cycle|repeated-mark) at \w+ tests/programs/graph\.c:[0-9]+", c.get("name")), c.get("name")
    assert c.get("file") == "tests/programs/graph.c" and int(c.get("line")) > 0
    assert float(c.get("time")) >= 0
    assert f.get("message") and "#0 " in f.text and "graph.c:" in f.text
print(len(cs), " ".join(sorted(set(f.get("type") for f in failures))))
PY
check_eq "junit: one failing test case per place, named by it alone, unique, relative, timed" "$(cat "$WORK/junit.check")" \
    "8 cycle leak repeated-mark"
"$REPORT" --format junit --source-root "$top_srcdir" "$WORK/graph2.db" > "$WORK/graph2.xml"
check_eq "junit: two runs, twice the blocks: the same test names" \
    "$("$PY" -c 'import sys, xml.etree.ElementTree as ET; n=lambda p: sorted(c.get("name") for c in ET.parse(p).getroot().iter("testcase")); print(n(sys.argv[1]) == n(sys.argv[2]))' "$WORK/graph.xml" "$WORK/graph2.xml")" True
under "$WORK/clean.db" "$PROGS/clean" > /dev/null
"$REPORT" --format junit "$WORK/clean.db" > "$WORK/clean.xml"
check_eq "junit, nothing fails: status 0, one passing test case" \
    "$?:$("$PY" -c 'import sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot(); print(r.get("tests"), r.get("failures"), len(r.findall(".//testcase")), len(r.findall(".//failure")))' "$WORK/clean.xml")" \
    "0:1 0 1 0"
# Suppressions written for you (Valgrind's --gen-suppressions habit): an
# entry per failing place, which passed back silences exactly those.
"$REPORT" --format suppressions "$graph" > "$WORK/all.supp"
check_eq "suppressions: status follows the policy; an entry per failing place, each after a comment that names it" \
    "$?:$(grep -c '^leak:\^[a-z_]*\$$' "$WORK/all.supp"):$(grep -B1 '^leak:' "$WORK/all.supp" | grep -c '^# [a-z-]*: [0-9]* bytes in [0-9]* blocks\{0,1\} at [a-z_]* .*graph.c:[0-9]*, 1 run$')" "1:8:8"
"$REPORT" --suppressions "$WORK/all.supp" "$graph" > "$WORK/supp.txt"
check_eq "... passed back: nothing fails (status 0)" "$?:$(tail -n 1 "$WORK/supp.txt")" "0:OK: no failing finding"
"$REPORT" --format suppressions --fail-on cycle "$graph" > "$WORK/cycles.supp"
"$REPORT" --format json --suppressions "$WORK/cycles.supp" "$graph" > "$WORK/cs.json"
check_eq "... made for the cycles alone (--fail-on cycle): it silences the 2 cycles and not one leak or mark" \
    "$("$PY" -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["cycle"]["findings"], s["leak"]["findings"], s["repeated-mark"]["findings"], s["suppressed"]["findings"] >= 2)' "$WORK/cs.json")" \
    "0 5 1 True"
"$REPORT" "$graph" > "$WORK/next.txt"
check_grep "a failing text report says what to do next, before its verdict" \
    "^leakaudit-report --format suppressions .*graph.db > leaks.supp, then --suppressions leaks.supp;$" "$WORK/next.txt"
# --format stats: sizes, bytes by program and by module, top sites; they
# add up to the summary's totals.
"$REPORT" --format stats "$graph" > "$WORK/stats.txt"
check_eq "stats: status follows the policy" "$?" 1
"$PY" - "$WORK/stats.txt" "$WORK/graph.json" > "$WORK/stats.check" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
s = json.load(open(sys.argv[2]))["summary"]
lost = s["leak"]["bytes"] + s["cycle"]["bytes"]
sizes = re.findall(r"^  [0-9]+-[0-9]+ B +([0-9]+) blocks +([0-9]+) B +([0-9]+) blocks +([0-9]+) B$", text, re.M)
assert sum(int(x[0]) for x in sizes) == s["leak"]["blocks"] + s["cycle"]["blocks"], sizes
assert sum(int(x[1]) for x in sizes) == lost
assert sum(int(x[3]) for x in sizes) == s["reachable"]["bytes"]
prog = re.search(r"^  graph +([0-9]+) B +([0-9]+) B +([0-9]+) B +1$", text, re.M)
assert prog and int(prog.group(1)) == lost and int(prog.group(2)) == s["reachable"]["bytes"], prog
top = re.findall(r"^ +[0-9]+\. (\S+) +([0-9]+) B in", text, re.M)
assert top[0] == ("cycle", "216") and len(top) == 10, top
print("adds up")
PY
check_eq "stats: a size histogram, bytes by program and module, top sites, adding up to the summary" "$(cat "$WORK/stats.check")" "adds up"
# --exe and --module keep some programs or modules.
cp "$graph" "$WORK/two.db"
under "$WORK/two.db" "$PROGS/leaks" > /dev/null 2>&1
count_runs() { "$REPORT" --format json "$@" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(len(d["runs"]), len(d["findings"]))'; }
check_eq "--exe GLOB: by file name, by path; --exe repeated; no match: no run" \
    "$(count_runs --exe leaks "$WORK/two.db") $(count_runs --exe '*/programs/gr?ph' "$WORK/two.db") $(count_runs --exe leaks --exe graph "$WORK/two.db") $(count_runs --exe nothere "$WORK/two.db")" \
    "1 $(count_runs --run 2 "$WORK/two.db" | cut -d' ' -f2) 1 $(count_runs --run 1 "$WORK/two.db" | cut -d' ' -f2) 2 $(count_runs "$WORK/two.db" | cut -d' ' -f2) 0 0"
"$REPORT" --module 'libnothere.so*' "$WORK/two.db" > /dev/null
check_eq "--module GLOB: only findings with a frame in a matching module (none here: status 0)" \
    "$?:$(count_runs --module 'libnothere.so*' "$WORK/two.db"):$(count_runs --module graph "$WORK/two.db")" \
    "0:2 0:2 $(count_runs --run 1 "$WORK/two.db" | cut -d' ' -f2)"
"$REPORT" --format junit -o /nonexistent/dir/r.xml "$graph" 2> "$WORK/o.err"
check_eq "-o into a directory that does not exist: status 2, one line" \
    "$?:$(wc -l < "$WORK/o.err"):$(grep -c '^leakaudit-report: cannot write /nonexistent/dir/r.xml: ' "$WORK/o.err")" "2:1:1"
finish
