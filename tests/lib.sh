# tests/lib.sh: helpers for the integration scripts (sourced).
# Each script calls pass/fail through the check helpers and ends with
# finish, which prints "N passed, M failed" and sets the exit status.
set -u

: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"
SHIM=$top_builddir/.libs/libleakaudit.so
REPORT=$top_builddir/leakaudit-report
WRAPPER=$top_builddir/leakaudit
PROGS=$top_builddir/tests/programs
SQLITE3=${SQLITE3:-sqlite3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/leakaudit-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0
# The scripts look at blocks one by one, reachable ones too: they keep them
# as rows (LEAKAUDIT_KEEP_REACHABLE).  run-classes.sh checks that the
# default, reachable blocks counted per site, reports the same.
LEAKAUDIT_KEEP_REACHABLE=1
export LEAKAUDIT_KEEP_REACHABLE

pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1"; }

# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
    name=$1; shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

# check_eq NAME GOT WANT
check_eq() {
    if [ "$2" = "$3" ]; then
        pass "$1"
    else
        fail "$1: got '$2', want '$3'"
    fi
}

# check_grep NAME PATTERN FILE: FILE has a line matching the ERE PATTERN.
check_grep() {
    if grep -Eq -- "$2" "$3"; then
        pass "$1"
    else
        fail "$1: no line matches /$2/ in $3:"
        sed 's/^/    | /' "$3" | head -40
    fi
}

# under DB COMMAND...: runs COMMAND with the shim writing into DB.
under() {
    db=$1; shift
    LEAKAUDIT_OUTPUT=$db LD_PRELOAD=$SHIM "$@"
}

# fallback FILE: the fallback database named by the shim's warning in FILE
# ("...; written to PATH instead").
fallback() {
    sed -n 's/.*; written to \(.*\) instead$/\1/p' "$1"
}

# q DB SQL: one query, values separated by |.
q() {
    "$SQLITE3" -batch -noheader "$1" "$2"
}

# SQL for where blocks were allocated, to follow FROM in q's queries:
# BLOCK_SITES joins each block b to its site's counters s; BLOCK_FRAME0 to
# its innermost frame f and that frame's module m.
BLOCK_SITES="blocks b JOIN stacks s ON s.run = b.run AND s.id = b.stack"
BLOCK_FRAME0="blocks b JOIN frames f ON f.run = b.run AND f.stack = b.stack AND f.level = 0
    JOIN modules m ON m.run = f.run AND m.id = f.module"

# report_json NAME DB [OPTIONS]: the JSON report into $WORK/NAME.json;
# returns the report's status.
report_json() {
    name=$1; db=$2; shift 2
    "$REPORT" --format json "$@" "$db" > "$WORK/$name.json"
}

# findings [--file NAME] JSON: a line per finding (tests/findings.py),
# after checking the report against its schema.
PY=/usr/bin/python3
SCHEMA=$top_srcdir/docs/leakaudit-report.schema.json
findings() { "$PY" "$top_srcdir/tests/findings.py" --schema "$SCHEMA" "$@"; }

# same_output NAME COMMAND...: stdout and exit status of COMMAND are the
# same bare and under the shim.
same_output() {
    name=$1; shift
    "$@" > "$WORK/bare.out" 2>/dev/null
    bare=$?
    under "$WORK/same.db" "$@" > "$WORK/shim.out" 2>/dev/null
    shim=$?
    if [ $bare -eq $shim ] && cmp -s "$WORK/bare.out" "$WORK/shim.out"; then
        pass "$name: same stdout and status ($bare)"
    else
        fail "$name: bare status $bare, shim status $shim"
        diff "$WORK/bare.out" "$WORK/shim.out" | head -20
    fi
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}
