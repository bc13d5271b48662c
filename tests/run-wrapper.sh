#!/bin/sh
# run-wrapper.sh: the leakaudit command: status passthrough, --check and
# its policy, the database it writes, option errors.
. "$top_srcdir/tests/lib.sh"

db=$WORK/w.db
"$WRAPPER" -o "$db" -- "$PROGS/exits" return 3 > "$WORK/out"
check_eq "the program's status passes through" "$?" 3
check_eq "the program's stdout passes through" "$(cat "$WORK/out")" "mode return"
check_eq "-o: the run is in the database" "$(q "$db" 'SELECT exit_code, blocks FROM runs')" "3|1"

"$WRAPPER" --check -o "$db" -- "$PROGS/leaks" > "$WORK/check.out" 2> "$WORK/check.err"
check_eq "--check: leaks and a program that succeeded: status 1" "$?" 1
check_grep "--check: the report on stderr, as LeakSanitizer's and Valgrind's" "^Leak of 144 bytes in 3 blocks, at leak_every_call .*leaks.c:[0-9]+$" "$WORK/check.err"
check_eq "... the program's stdout its own" "$(cat "$WORK/check.out")" "$("$PROGS/leaks" 2> /dev/null)"
check_grep "--check: only this invocation's runs (not the earlier one)" "^leakaudit-report: .*: 1 run$" "$WORK/check.err"
"$WRAPPER" --check --report "$WORK/rep.txt" -o "$db" -- "$PROGS/leaks" > /dev/null 2> "$WORK/rep.err"
check_eq "--check --report FILE: the report in FILE, status 1, nothing of it on stderr" \
    "$?:$(grep -c '^Leak of 144 bytes' "$WORK/rep.txt"):$(grep -c '^Leak of' "$WORK/rep.err")" "1:1:0"
"$WRAPPER" --report "$WORK/rep.txt" -o "$db" -- "$PROGS/clean" > /dev/null 2> "$WORK/rep.err"
check_eq "--report without --check: status 2, one line" "$?:$(wc -l < "$WORK/rep.err")" "2:1"
rm -f "$WORK/outer.db" "$WORK/inner.db"
"$WRAPPER" -o "$WORK/outer.db" --all -- "$WRAPPER" --check -o "$WORK/inner.db" -- "$PROGS/leaks" > /dev/null 2>&1
check_eq "nested: the inner wrapper's helpers (report, mktemp, grep) run under no shim" \
    "$(q "$WORK/outer.db" "SELECT count(*) FROM runs WHERE exe LIKE '%leakaudit-report' OR exe LIKE '%grep' OR exe LIKE '%mktemp'"):$(q "$WORK/inner.db" "SELECT count(*) FROM runs")" "0:1"

"$WRAPPER" --check -o "$db" -- "$PROGS/clean" 2> "$WORK/clean.out"
check_eq "--check: no leak in this invocation: 0, though the database has older leaks" "$?" 0
check_grep "--check: says OK" "^OK: no failing finding$" "$WORK/clean.out"

"$WRAPPER" --check -o "$db" -- "$PROGS/exits" return 4 > /dev/null
check_eq "--check: a failing program keeps its own status" "$?" 4

"$WRAPPER" --check --color never -o "$db" -- "$PROGS/forker" 2> "$WORK/fork.out" > /dev/null
check_eq "--check: a process tree fails on its children's leaks" "$?" 1
check_grep "--check: with report options, all runs of the tree" "^leakaudit-report: .*: 3 runs$" "$WORK/fork.out"

mkdir -p "$WORK/cwd"
(cd "$WORK/cwd" && "$WRAPPER" --project "$PROGS" "$PROGS/clean" > /dev/null)
check_eq "default output: ./leakaudit.db" "$(q "$WORK/cwd/leakaudit.db" 'SELECT count(*) FROM runs')" 1
(cd "$WORK/cwd" && "$WRAPPER" --project "$PROGS" -o rel.db "$PROGS/execer" > /dev/null)
check_eq "-o with a relative path, children included" "$(q "$WORK/cwd/rel.db" 'SELECT count(*) FROM runs')" 2

"$WRAPPER" --depth 2 -o "$WORK/d.db" -- "$PROGS/leaks" > /dev/null 2>&1
check_eq "--depth 2" "$(q "$WORK/d.db" 'SELECT max(depth) FROM stacks')" 2

"$WRAPPER" -o "$WORK/nf.db" -- "$WORK/no-such-program" 2> /dev/null
check_eq "a program that is not there: 127, as a shell says" "$?" 127

# wrapper_bad NAME PATTERN ARGS...: status 2 and one line "leakaudit: ...".
wrapper_bad() {
    name=$1; pattern=$2; shift 2
    "$WRAPPER" "$@" > "$WORK/bad.out" 2> "$WORK/bad.err"
    st=$?
    if [ $st -eq 2 ] && [ "$(wc -l < "$WORK/bad.err")" -eq 1 ] &&
        grep -Eq -- "^leakaudit: $pattern" "$WORK/bad.err"; then
        pass "$name"
    else
        fail "$name: status $st, stderr: $(cat "$WORK/bad.err")"
    fi
}
wrapper_bad "no program" "no program to run"
wrapper_bad "--depth 0" "--depth wants a number from 1 to 256, not '0'" --depth 0 true
wrapper_bad "--depth x" "--depth wants a number from 1 to 256, not 'x'" --depth x true
wrapper_bad "an unknown option" "unknown option '--nope'" --nope true
wrapper_bad "-o without a file" "-o needs a file name" -o
LEAKAUDIT_LIBRARY=$WORK/none.so wrapper_bad "LEAKAUDIT_LIBRARY that is not there" "LEAKAUDIT_LIBRARY=.*: no such file" true

"$WRAPPER" --help | grep -q "^usage: leakaudit"
check_eq "--help" "$?" 0
check_eq "--version" "$("$WRAPPER" --version | cut -d' ' -f1)" leakaudit

# Installed layout: the script and the library in a prefix, no build tree.
mkdir -p "$WORK/inst/bin" "$WORK/inst/lib"
sed -e "s|@libdir[@]|$WORK/inst/lib|g" -e "s|@bindir[@]|$WORK/inst/bin|g" \
    -e "s|@PACKAGE_VERSION[@]|test|g" "$top_srcdir/tools/leakaudit.in" > "$WORK/inst/bin/leakaudit"
chmod +x "$WORK/inst/bin/leakaudit"
cp "$SHIM" "$WORK/inst/lib/"
cp "$REPORT" "$WORK/inst/bin/"
"$WORK/inst/bin/leakaudit" --check -o "$WORK/inst.db" -- "$PROGS/leaks" > "$WORK/inst.out" 2>&1
check_eq "installed layout: --check finds the library and the report" "$?" 1
check_grep "installed layout: the report ran" "^FAIL: 3 failing findings$" "$WORK/inst.out"

# ---- bash completion (tools/completion/leakaudit.bash) ------------------------------------
comp() {
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); "$FN"; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
        comp "$top_srcdir/tools/completion/leakaudit.bash" "$@"
}
check_eq "completion: leakaudit-report --format <TAB>" \
    "$(FN=_leakaudit_report comp leakaudit-report --format '')" "folded html json junit sarif stats suppressions text "
check_eq "completion: every long option of leakaudit-report --help, and only those" \
    "$(FN=_leakaudit_report comp leakaudit-report --)" \
    "$("$REPORT" --help | grep -o -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' ')"
check_eq "completion: every long option of leakaudit --help" \
    "$(FN=_leakaudit comp leakaudit -- | sed 's/^-- //')" \
    "$("$WRAPPER" --help | grep -o -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' ')"
check_eq "completion: after leakaudit --check, the report's options" \
    "$(FN=_leakaudit comp leakaudit --check --gr)" "--growth "
# ---- a statically linked program: LD_PRELOAD cannot reach it --------------------------
printf '#include <stdio.h>\nint main(void) { puts("static"); return 0; }\n' > "$WORK/static.c"
if ${CC:-cc} -static -o "$WORK/static" "$WORK/static.c" 2> /dev/null; then
    "$WRAPPER" -o "$WORK/st.db" -- "$WORK/static" > "$WORK/st.out" 2> "$WORK/st.err"
    check_eq "a static program: it runs, with its output and status" "$?:$(cat "$WORK/st.out")" "0:static"
    check_eq "... and one line, before it runs, says it cannot be audited" \
        "$(cat "$WORK/st.err")" "leakaudit: $WORK/static is statically linked: LD_PRELOAD cannot audit it, nothing of it is recorded"
    "$WRAPPER" --check -o "$WORK/st.db" -- "$WORK/static" > /dev/null 2>&1
    check_eq "... leakaudit --check does not pass it: status 2" "$?" 2
    "$WRAPPER" --check -o "$WORK/sh.db" -- /bin/sh -c 'exit 0' > /dev/null 2> "$WORK/sh.err"
    check_eq "... while a script (not ELF) is not taken for one" "$(grep -c 'statically linked' "$WORK/sh.err")" 0
else
    echo "SKIP - a static program: no static libc to link one"
fi
finish
