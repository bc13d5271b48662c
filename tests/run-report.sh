#!/bin/sh
# run-report.sh: leakaudit-report on databases written by the shim: the
# text, the symbolized stacks, the exit status (0, 1, 2) and one clear
# line for every bad input.
. "$top_srcdir/tests/lib.sh"

leaks=$WORK/leaks.db
under "$leaks" "$PROGS/leaks" > /dev/null 2>&1
out=$WORK/leaks.txt
"$REPORT" --color never "$leaks" > "$out" 2> "$WORK/err"
check_eq "leaks: exit status 1, nothing on stderr" "$?:$(cat "$WORK/err")" "1:"
check_grep "leaks: the every-call site, located in the title" "^Leak of 144 bytes in 3 blocks, at leak_every_call .*leaks.c:[0-9]+$" "$out"
check_grep "leaks: ... says it leaks on every call" \
    "^  leaked 3 of 3 allocations from this site: it leaks on every call$" "$out"
check_grep "leaks: ... symbolized without frame pointers (function, file:line, module)" \
    "^    #0 0x[0-9a-f]+ in leak_every_call .*tests/programs/leaks.c:[0-9]+ \(leaks\)$" "$out"
check_grep "leaks: ... called from main" "^    #1 0x[0-9a-f]+ in main .*leaks.c:[0-9]+ \(leaks\)$" "$out"
check_grep "leaks: the some-calls site" "^  leaked 3 of 6 allocations from this site$" "$out"
check_grep "leaks: the single leak" "^Leak of 1000 bytes in 1 block, at leak_once .*leaks.c:[0-9]+$" "$out"
check_grep "leaks: the marked config, with its reason" \
    "^Intentional: 200 bytes in 1 block, 1 block marked \"config\"$" "$out"
check_grep "leaks: the table marked through an interior pointer" \
    "^Intentional: 4096 bytes in 1 block, 1 block marked$" "$out"
check_grep "leaks: the mark site is the leak_mark call in main" \
    "^    #1 0x[0-9a-f]+ in main .*leaks.c:[0-9]+ \(leaks\)$" "$out"
check_grep "leaks: summary of leaks" "^  leak +3 findings, 7 blocks, 1216 bytes$" "$out"
check_grep "leaks: summary of intentional" "^  intentional +2 findings, 2 blocks, 4296 bytes$" "$out"
check_grep "leaks: summary of cycles" "^  cycle +0 findings, 0 blocks, 0 bytes$" "$out"
check_grep "leaks: summary of suppressed" "^  suppressed +0 findings, 0 blocks, 0 bytes$" "$out"
check_grep "leaks: verdict" "^FAIL: 3 failing findings$" "$out"
check "leaks: no frame of the shim" sh -c "! grep -q libleakaudit '$out'"
check "leaks: no colour when asked for none" sh -c "! grep -q \"\$(printf '\\033')\" '$out'"
"$REPORT" --color always "$leaks" | grep -q "$(printf '\033')\[1;31mLeak"
check_eq "leaks: colour when asked for" "$?" 0

clean=$WORK/clean.db
under "$clean" "$PROGS/clean" > /dev/null
"$REPORT" "$clean" > "$WORK/clean.txt"
check_eq "clean: exit status 0" "$?" 0
check_grep "clean: verdict" "^OK: no failing finding$" "$WORK/clean.txt"

# Only marked blocks: still 0.
marked=$WORK/marked.db
cp "$leaks" "$marked"
q "$marked" "DELETE FROM blocks WHERE mark IS NULL"
"$REPORT" "$marked" > /dev/null
check_eq "only marked blocks: exit status 0" "$?" 0

# C++ names demangled.
cxx=$WORK/cxx.db
under "$cxx" "$PROGS/cxx_leaks" > /dev/null
"$REPORT" --color never "$cxx" > "$WORK/cxx.txt"
check_grep "cxx: demangled method name" " in shapes::Widget::make\(int\) .*cxx_leaks.cc:[0-9]+ " "$WORK/cxx.txt"
check_grep "cxx: operator new on top" "^    #0 0x[0-9a-f]+ in operator new\(unsigned long\)" "$WORK/cxx.txt"
check_grep "cxx: leaked every time" "^  leaked 4 of 4 allocations from this site: it leaks on every call$" "$WORK/cxx.txt"

# Rust names demangled.
if [ -n "${RUSTC:-}" ] && [ -x "$RUSTC" ]; then
    "$RUSTC" --edition 2021 -g -O -o "$WORK/rust_leaks" "$top_srcdir/tests/programs/rust_leaks.rs"
    under "$WORK/rust.db" "$WORK/rust_leaks" > /dev/null
    "$REPORT" --color never "$WORK/rust.db" > "$WORK/rust.txt"
    check_grep "rust: demangled, no hash" " in rust_leaks::leak_buffer .*rust_leaks.rs:[0-9]+ " "$WORK/rust.txt"
    check_grep "rust: a finding is located in the program, not in alloc" \
        "^Leak of 640 bytes in 5 blocks, at rust_leaks::leak_buffer .*rust_leaks.rs:[0-9]+$" "$WORK/rust.txt"
    check_grep "rust: the runtime's frames above the program's fold into one line" \
        "^    #0\.\.#[0-9]+ [0-9]+ frames of the runtime, from alloc::alloc::alloc .*alloc.rs:[0-9]+ \(--full-stacks shows them\)$" "$WORK/rust.txt"
    "$REPORT" --color never --full-stacks "$WORK/rust.db" > "$WORK/rust-full.txt"
    check_grep "rust: --full-stacks shows them, inlined Box::new expanded" " in alloc::boxed::Box<T>::new " "$WORK/rust-full.txt"
    check_grep "rust: Box::leak in a loop" "^  leaked 5 of 5 allocations from this site: it leaks on every call$" "$WORK/rust.txt"
    check_grep "rust: the marked config owns its name" \
        "^Intentional: 68 bytes in 2 blocks, 1 block marked \"config for the whole run\"$" "$WORK/rust.txt"
    check_grep "rust: the Rc cycle, drawn, its two members told apart by their lines" \
        "^  rust_leaks::make_cycle:60 --\(\+[0-9]+\)--> rust_leaks::make_cycle:61 --\(\+[0-9]+\)--> rust_leaks::make_cycle:60$" "$WORK/rust.txt"
else
    echo "SKIP - rust: rustc not found"
fi

# Several runs; --run.
fork=$WORK/fork.db
under "$fork" "$PROGS/forker" > /dev/null
"$REPORT" "$fork" > "$WORK/fork.txt"
check_eq "fork: exit 1" "$?" 1
check_grep "fork: three runs listed" "^leakaudit-report: .*fork.db: 3 runs$" "$WORK/fork.txt"
check_grep "fork: one finding per site across the runs, with how many" \
    "^Leak of 200 bytes in 7 blocks, at leak_n .*forker.c:[0-9]+ \(in 3 runs\)$" "$WORK/fork.txt"
check_grep "fork: the runs' totals: programs and how they ended" \
    "^  1 program; the runs ended: 2 exit 0, 1 _exit 7$" "$WORK/fork.txt"
"$REPORT" --per-run "$fork" > "$WORK/fork-per-run.txt"
check_grep "--per-run: findings name their run" \
    "^Leak of 120 bytes in 3 blocks, at leak_n .*forker.c:[0-9]+ \(run [0-9]+\)$" "$WORK/fork-per-run.txt"
"$REPORT" --merge --per-run "$fork" > /dev/null 2> "$WORK/e"
check_eq "--merge with --per-run: status 2, one line" "$?:$(wc -l < "$WORK/e")" "2:1"
# Only the runs with failing findings are listed (--verbose lists all).
under "$WORK/tree.db" sh -c "'$PROGS/clean'; '$PROGS/clean'; '$PROGS/leaks' 2> /dev/null; exit 0" > /dev/null
"$REPORT" "$WORK/tree.db" > "$WORK/tree.txt"
check_eq "a tree of 4 runs: only the one with failing findings is listed, and a line says so" \
    "$(grep -c '^run [0-9]*: ' "$WORK/tree.txt"):$(grep -c '^run [0-9]*: pid [0-9]* .*/leaks (exit 0)$' "$WORK/tree.txt"):$(grep -c '^(1 of 4 runs listed: those with failing findings; --verbose lists all)$' "$WORK/tree.txt")" "1:1:1"
"$REPORT" --verbose "$WORK/tree.db" > "$WORK/tree-v.txt"
check_eq "... --verbose lists all 4" "$(grep -c '^run [0-9]*: ' "$WORK/tree-v.txt")" 4
report_json tree "$WORK/tree.db"
check_eq "... JSON stays per run: the runs, and a finding per run" \
    "$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["runs"]), all("runs" not in f for f in d["findings"]))' "$WORK/tree.json")" "4 True"
child=$(q "$fork" "SELECT id FROM runs WHERE end_reason = '_exit'")
"$REPORT" --run "$child" "$fork" > "$WORK/run.txt"
check_grep "--run: only that run" "^leakaudit-report: .*: 1 run$" "$WORK/run.txt"
check_grep "--run: it ended by _exit(7)" "^run $child: pid [0-9]+ .*forker \(_exit 7\)$" "$WORK/run.txt"

# Hostile strings are escaped.
evil=$WORK/evil.db
cp "$leaks" "$evil"
q "$evil" "UPDATE marks SET why = 'a' || char(27) || '[2J' || char(7) || 'b' WHERE why = 'config'"
"$REPORT" --color never "$evil" > "$WORK/evil.txt"
check_grep "control characters in a reason are escaped" 'marked "a\\x1b\[2J\\x07b"' "$WORK/evil.txt"
check "no raw escape reaches the terminal" sh -c "! grep -q \"\$(printf '\\033')\" '$WORK/evil.txt'"

# The report only reads.
before=$(cksum < "$leaks")
"$REPORT" "$leaks" > /dev/null
check_eq "the database is not changed by the report" "$(cksum < "$leaks")" "$before"

# ---- bad input: status 2 and one line ------------------------------------------
# bad NAME PATTERN ARGS...: the report exits 2 with one stderr line matching.
bad() {
    name=$1; pattern=$2; shift 2
    "$REPORT" "$@" > "$WORK/bad.out" 2> "$WORK/bad.err"
    st=$?
    if [ $st -eq 2 ] && [ "$(wc -l < "$WORK/bad.err")" -eq 1 ] &&
        grep -Eq -- "^leakaudit-report: $pattern" "$WORK/bad.err" && [ ! -s "$WORK/bad.out" ]; then
        pass "$name"
    else
        fail "$name: status $st, stderr: $(cat "$WORK/bad.err")"
    fi
}
bad "missing database" ".*nothere.db: No such file or directory$" "$WORK/nothere.db"
(cd "$WORK" && "$REPORT" > bad.out 2> bad.err; echo $? > bad.st)
check_eq "default ./leakaudit.db missing: status 2" "$(cat "$WORK/bad.st")" 2
printf 'just some text, not a database at all; long enough for a header.\n' > "$WORK/text.db"
bad "a text file" ".*text.db: not a SQLite database$" "$WORK/text.db"
bad "a directory" ".*: not a regular file$" "$WORK"
: > "$WORK/empty.db"
bad "an empty file" ".*empty.db: not a leakaudit database" "$WORK/empty.db"
"$SQLITE3" "$WORK/other.db" "CREATE TABLE x(y)"
bad "another SQLite database" ".*other.db: not a leakaudit database" "$WORK/other.db"
cp "$leaks" "$WORK/v7.db"
q "$WORK/v7.db" "UPDATE meta SET value = '7' WHERE key = 'schema_version'"
bad "another schema version" ".*v7.db: schema version 7, this report reads versions 3 to 4$" "$WORK/v7.db"
cp "$leaks" "$WORK/trunc.db"
size=$(wc -c < "$leaks")
truncate -s $((size / 2)) "$WORK/trunc.db"
bad "a truncated database" ".*trunc.db: .*(corrupt|malformed)" "$WORK/trunc.db"
cp "$leaks" "$WORK/garbled.db"
dd if=/dev/urandom of="$WORK/garbled.db" bs=1024 seek=5 count=8 conv=notrunc 2> /dev/null
bad "a garbled database" ".*garbled.db: .*(corrupt|malformed|not a SQLite)" "$WORK/garbled.db"
bad "an unknown option" "unknown or incomplete option '--frobnicate'" --frobnicate "$leaks"
bad "--run without a number" "--run wants a run id, not 'x'" --run x "$leaks"
bad "--run of a run that is not there" ".*: no run with id 99$" --run 99 "$leaks"
bad "--color with a bad value" "--color wants auto, always or never" --color purple "$leaks"

# Progress on stderr: only on a terminal, and only for work over a second
# (auto); always when asked, lines then, and never the report's output.
"$REPORT" --color never "$leaks" > "$WORK/quiet.out" 2> "$WORK/quiet.err"
"$REPORT" --color never --progress always "$leaks" > "$WORK/prog.out" 2> "$WORK/prog.err"
check_eq "--progress always: stages on stderr, up to the last finding symbolized; the report unchanged" \
    "$(grep '^leakaudit-report: symbolizing findings [0-9]*/[0-9]*$' "$WORK/prog.err" | tail -1 | sed 's/.* \([0-9]*\)\/\([0-9]*\)$/\1 of \2/; s/^\([0-9]*\) of \1$/all/'):$(cmp -s "$WORK/quiet.out" "$WORK/prog.out" && echo same)" \
    "all:same"
check_eq "progress by default, stderr not a terminal: nothing" "$(wc -c < "$WORK/quiet.err")" 0
script -qc "'$REPORT' --progress always '$leaks' > /dev/null" /dev/null > "$WORK/tty.err" 2>&1
check_eq "on a terminal: one line rewritten in place, erased at the end" \
    "$(grep -c "$(printf '\r')leakaudit-report: symbolizing" "$WORK/tty.err"):$(tail -c 4 "$WORK/tty.err" | od -An -c | tr -d ' ')" \
    '1:\r033[K'
script -qc "'$REPORT' '$leaks' > /dev/null" /dev/null > "$WORK/tty2.err" 2>&1
check_eq "on a terminal, a report that takes less than a second: no progress" "$(wc -c < "$WORK/tty2.err")" 0
under "$WORK/many.db" "$PROGS/world" many 70000 > /dev/null
"$REPORT" --progress always "$WORK/many.db" > /dev/null 2> "$WORK/many.err"
check_grep "--progress always on 70000 blocks: the blocks read so far, of how many" \
    "^leakaudit-report: reading blocks 65536/700[0-9][0-9]$" "$WORK/many.err"
bad "--progress with a bad value" "--progress wants auto, always or never" --progress sometimes "$leaks"

"$REPORT" --help > "$WORK/help.txt"
check_eq "--help: status 0" "$?" 0
check_grep "--help: usage" "^usage: leakaudit-report" "$WORK/help.txt"
check_eq "--version" "$("$REPORT" --version | cut -d' ' -f1)" leakaudit-report

# A database is untrusted input: a module path that names a FIFO or a
# device is not opened (it would block the report, or feed it forever).
cp "$leaks" "$WORK/hostile.db"
mkfifo "$WORK/fifo"
"$SQLITE3" "$WORK/hostile.db" "UPDATE modules SET path = '$WORK/fifo' WHERE path LIKE '%/leaks';
    INSERT INTO modules(run, id, path, base, start, end, build_id)
    SELECT id, 900, '/dev/zero', 0, 0, 4096, '' FROM runs;"
timeout 60 "$REPORT" --color never "$WORK/hostile.db" > "$WORK/hostile.txt" 2> "$WORK/err"
check_eq "a module named as a FIFO: the report ends (status 1, nothing on stderr)" "$?:$(cat "$WORK/err")" "1:"
check_grep "... and reports the leak unsymbolized in that module, placed by its offset" \
    "^    #0 0x[0-9a-f]+ in fifo\+0x[0-9a-f]+ \(fifo\)$" "$WORK/hostile.txt"

# ---- code without symbols is still placeable ----------------------------------------
# JSON frames carry the offset in their module; a frame without a function
# is named MODULE+0xOFFSET; a finding is never located in a system library.
report_json off "$leaks"
base=$(q "$leaks" "SELECT base FROM modules WHERE path LIKE '%/leaks'")
check_eq "JSON frames: offset = address - the module's load address, for every frame of the program" \
    "$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1])); base = int(sys.argv[2])
fr = [f for x in d["findings"] for f in x["stack"] if f["module"].endswith("/leaks")]
print(len(fr) > 0 and all(int(f["address"], 16) - int(f["offset"], 16) == base for f in fr))' "$WORK/off.json" "$base")" True
cp "$PROGS/leaks" "$WORK/stripped"
strip "$WORK/stripped"
under "$WORK/stripped.db" "$WORK/stripped" > /dev/null 2>&1
"$REPORT" --color never "$WORK/stripped.db" > "$WORK/stripped.txt"
check_grep "a stripped program: its frames are named by module and offset" \
    "^    #0 0x[0-9a-f]+ in stripped\+0x[0-9a-f]+ \(stripped\)$" "$WORK/stripped.txt"
"$REPORT" --format sarif "$WORK/stripped.db" > "$WORK/stripped.sarif"
check_eq "... and no finding is located in libc's sources (SARIF)" \
    "$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
uris = [l["physicalLocation"]["artifactLocation"]["uri"] for r in d["runs"][0]["results"] for l in r["locations"]]
print(len(d["runs"][0]["results"]) > 0, [u for u in uris if "csu" in u or "sysdeps" in u or "nptl" in u])' "$WORK/stripped.sarif")" "True []"
"$REPORT" --format junit "$WORK/stripped.db" > "$WORK/stripped.xml"
check_eq "... nor in JUnit (test case names and files)" \
    "$("$PY" -c 'import sys, xml.etree.ElementTree as ET
cases = ET.parse(sys.argv[1]).getroot().findall(".//testcase")
print(len(cases) > 0, [c.get("name") for c in cases if any(w in (c.get("name") or "") + (c.get("file") or "") for w in ("csu", "sysdeps", "nptl"))])' "$WORK/stripped.xml")" "True []"

# A cycle that owns a block: its own bytes, apart from what it owns.
cat > "$WORK/owned.c" <<'C'
#include <stdlib.h>
struct node { struct node *next; char *payload; char pad[16]; };
__attribute__((noinline)) static void ring(void)
{
    struct node *a = malloc(sizeof *a);
    struct node *b = malloc(sizeof *b);
    a->next = b;
    b->next = a;
    a->payload = malloc(100);
    b->payload = NULL;
}
int main(void)
{
    ring();
    return 0;
}
C
${CC:-cc} -O0 -g -o "$WORK/owned" "$WORK/owned.c"
under "$WORK/owned.db" "$WORK/owned" > /dev/null
"$REPORT" --color never "$WORK/owned.db" > "$WORK/owned.txt"
check_grep "a cycle that owns a block: the ring's bytes, then what it owns" \
    "^Cycle of 2 blocks, 64 bytes; it owns 1 more block, 100 bytes \(3 blocks, 164 bytes in all\)$" "$WORK/owned.txt"
check_grep "... its members told apart by their lines" "^  ring:5 --\(\+0\)--> ring:6 --\(\+0\)--> ring:5$" "$WORK/owned.txt"
finish
