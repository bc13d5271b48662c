#!/bin/sh
# run-formats.sh: the report's formats for other tools, on
# tests/programs/graph.c: SARIF (code scanning), folded stacks (flame
# graphs), JUnit XML (test reporters), and -o.
. "$top_srcdir/tests/lib.sh"

# The known answer: tests/programs/graph.c (run-classes.sh checks its
# classes and findings).
graph=$WORK/graph.db
under "$graph" "$PROGS/graph" > /dev/null
report_json graph "$graph"

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
finish
