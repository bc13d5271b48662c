#!/bin/sh
# run-ci.sh: the CI snippets of docs/ci.md, run as they are written there
# (their commands read from the file), on a small project with a leak (the
# report step fails the job) and without one (it passes); the files they
# leave (SARIF, JUnit) are checked.
. "$top_srcdir/tests/lib.sh"

PATH=$top_builddir:$PATH
export PATH

# The commands of each job, one per line: GitHub's "run" steps (with their
# "if: always()"), GitLab's script lines.
"$PY" - "$top_srcdir/docs/ci.md" "$WORK" <<'PY'
import re, sys, yaml
text = open(sys.argv[1]).read()
blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.S)]
gh, gl = blocks
with open(sys.argv[2] + "/github.cmds", "w") as out:
    for job in gh["jobs"].values():
        for step in job["steps"]:
            if "run" in step:
                out.write("%s\t%s\n" % ("always" if step.get("if") == "always()" else "-", step["run"]))
with open(sys.argv[2] + "/gitlab.cmds", "w") as out:
    for line in gl["leaks"]["script"]:
        out.write("-\t%s\n" % line)
    out.write("junit\t%s\n" % gl["leaks"]["artifacts"]["reports"]["junit"])
PY
check_eq "docs/ci.md: a GitHub job of 3 run steps and a GitLab job of 2 script lines" \
    "$(wc -l < "$WORK/github.cmds"):$(wc -l < "$WORK/gitlab.cmds")" "3:3"

# project DIR PROGRAM: a project that built PROGRAM (a copy in DIR) and
# whose `make check` runs it: the wrapper audits the project's programs.
project() {
    mkdir -p "$1"
    cp "$2" "$1/"
    printf 'check:\n\t./%s\n' "${2##*/}" > "$1/Makefile"
}

# run_job FILE DIR: runs the job's commands in DIR as a CI runner would: a
# failing step stops the job, except for the steps marked "always".  Prints
# each step's status, space-separated.
run_job() {
    failed=0
    statuses=
    while IFS="$(printf '\t')" read -r when cmd; do
        [ "$when" = junit ] && continue
        if [ $failed -eq 1 ] && [ "$when" != always ]; then
            statuses="$statuses skipped"
            continue
        fi
        (cd "$2" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL sh -c "$cmd") > "$2/step.out" 2>&1
        st=$?
        statuses="$statuses $st"
        [ $st -ne 0 ] && failed=1
    done < "$1"
    echo $statuses
}

project "$WORK/leaky" "$PROGS/leaks"
project "$WORK/clean" "$PROGS/clean"

check_eq "GitHub job, a leak: tests pass, the SARIF step goes on, the last step fails the job" \
    "$(run_job "$WORK/github.cmds" "$WORK/leaky")" "0 0 1"
"$PY" - "$WORK/leaky/leakaudit.sarif" > "$WORK/sarif.check" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["runs"][0]["results"]
print(d["version"], len(r) > 0, all(x["ruleId"].startswith("leakaudit/") for x in r),
      all(x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("leaks.c") for x in r))
PY
check_eq "... leakaudit.sarif is SARIF 2.1.0, its results located in leaks.c" "$(cat "$WORK/sarif.check")" "2.1.0 True True True"
check_eq "GitHub job, no leak: every step passes" "$(run_job "$WORK/github.cmds" "$WORK/clean")" "0 0 0"

check_eq "GitLab job, a leak: the report step fails the job" "$(run_job "$WORK/gitlab.cmds" "$WORK/leaky")" "0 1"
junit=$(sed -n 's/^junit\t//p' "$WORK/gitlab.cmds")
check_eq "... and leaves the JUnit report it names, one failed test case per finding" \
    "$("$PY" -c 'import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
print(int(r.get("failures")) > 0, int(r.get("failures")) == len(r.findall(".//failure")))' "$WORK/leaky/$junit")" "True True"
check_eq "GitLab job, no leak: it passes, and the JUnit report has one passing test" \
    "$(run_job "$WORK/gitlab.cmds" "$WORK/clean"):$(grep -c '<testcase' "$WORK/clean/$junit"):$(grep -c '<failure' "$WORK/clean/$junit")" "0 0:1:0"
finish
