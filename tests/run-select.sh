#!/bin/sh
# run-select.sh: which processes are audited (LEAKAUDIT_PROJECT, _INCLUDE,
# _SKIP; the wrapper's --project, --include, --skip, --all), the dormant
# shim in the others, and the database sized by what is lost: reachable
# blocks counted per site (LEAKAUDIT_KEEP_REACHABLE=0, the default).
. "$top_srcdir/tests/lib.sh"

# The scripts keep reachable blocks as rows (lib.sh); here the default.
unset LEAKAUDIT_KEEP_REACHABLE

# maps_of DB VARS...: /proc/self/maps of cat, run under the shim with VARS.
maps_of() {
    db=$1; shift
    env "$@" LEAKAUDIT_OUTPUT="$db" LD_PRELOAD="$SHIM" cat /proc/self/maps
}

# ---- the dormant shim ------------------------------------------------------------------
maps_of "$WORK/d.db" LEAKAUDIT_PROJECT="$WORK" > "$WORK/dormant.maps"
check_eq "a process outside the project: it runs (its output is whole)" \
    "$(grep -q 'libleakaudit.so' "$WORK/dormant.maps" && echo shim)" shim
check_eq "... with neither libunwind nor SQLite loaded, and nothing written" \
    "$(grep -c -e libunwind -e libsqlite3 "$WORK/dormant.maps"):$(test -e "$WORK/d.db" && echo db)" "0:"
maps_of "$WORK/a.db" LEAKAUDIT_PROJECT="$WORK" LEAKAUDIT_INCLUDE=cat > "$WORK/audited.maps"
check_eq "the same, included by name: both libraries loaded, and its run written" \
    "$(grep -c -e libunwind -e libsqlite3 "$WORK/audited.maps" | grep -c '^[1-9]'):$(q "$WORK/a.db" 'SELECT count(*) FROM runs')" "1:1"
maps_of "$WORK/all.db" > "$WORK/all.maps"
check_eq "... as with LD_PRELOAD alone: every process audited" \
    "$(grep -q libsqlite3 "$WORK/all.maps" && echo sqlite):$(q "$WORK/all.db" 'SELECT count(*) FROM runs')" "sqlite:1"
same_output "dormant: the program's output and status stand" \
    env LEAKAUDIT_PROJECT=/nonexistent "$PROGS/exits" return 3
for v in LEAKAUDIT_PROJECT=/nonexistent LEAKAUDIT_PROJECT=/nonexistent/proj LEAKAUDIT_INCLUDE=clean; do
    check_eq "the shim's start leaves errno as it was ($v)" \
        "$(env "$v" LEAKAUDIT_PROCESS_LOG=/nonexistent/log LEAKAUDIT_OUTPUT="$WORK/e.db" LD_PRELOAD="$SHIM" "$PROGS/clean" errno 2>&1 >/dev/null)" \
        "$("$PROGS/clean" errno 2>&1 > /dev/null)"
done
"$PROGS/leaks" 2> "$WORK/marks.bare" > /dev/null
LEAKAUDIT_PROJECT=/nonexistent under "$WORK/d.db" "$PROGS/leaks" 2> "$WORK/marks.dormant" > /dev/null
check_eq "dormant: leak_mark returns what it returns without the shim" \
    "$(cat "$WORK/marks.dormant")" "$(cat "$WORK/marks.bare")"

# ---- the choice: project, include, skip -----------------------------------------------
# audited VARS...: the process log's mark for cat under VARS: + audited,
# - outside the project, ! skipped.
audited() {
    rm -f "$WORK/log"
    : > "$WORK/log"
    env "$@" LEAKAUDIT_PROCESS_LOG="$WORK/log" LEAKAUDIT_OUTPUT="$WORK/c.db" \
        LD_PRELOAD="$SHIM" cat /dev/null
    sed -n 's/^\([-+!]\).*/\1/p' "$WORK/log"
}
cat_exe=$(readlink -f "$(command -v cat)")
cat_dir=${cat_exe%/*}
check_eq "the log names the executable, symbolic links resolved" \
    "$(audited LEAKAUDIT_PROJECT=/nonexistent > /dev/null; cat "$WORK/log")" "-$cat_exe"
check_eq "under the project: audited (prefix /usr/bi is not /usr/bin)" \
    "$(audited LEAKAUDIT_PROJECT="$cat_dir")$(audited LEAKAUDIT_PROJECT="$cat_dir/")$(audited LEAKAUDIT_PROJECT="${cat_dir%?}")" "++-"
check_eq "include by file name, by path glob, by ? ; not by a part of the name" \
    "$(audited LEAKAUDIT_PROJECT=/x LEAKAUDIT_INCLUDE='c?t')$(audited LEAKAUDIT_PROJECT=/x LEAKAUDIT_INCLUDE='/usr/*/cat')$(audited LEAKAUDIT_PROJECT=/x LEAKAUDIT_INCLUDE='ca')" "++-"
check_eq "include alone audits only what it names; skip beats include and project" \
    "$(audited LEAKAUDIT_INCLUDE='sed,cat')$(audited LEAKAUDIT_INCLUDE=sed)$(audited LEAKAUDIT_INCLUDE=cat LEAKAUDIT_SKIP='c*')$(audited LEAKAUDIT_PROJECT=/ LEAKAUDIT_SKIP="$cat_exe")$(audited LEAKAUDIT_SKIP=sed)" "+-!!+"

# ---- the wrapper ------------------------------------------------------------------------
# A project that built a leaky program; `make check` runs it through sh and
# sed, as an automake suite does.
P=$WORK/proj
mkdir -p "$P"
cp "$PROGS/leaks" "$PROGS/clean" "$P/"
printf 'check:\n\t./clean > /dev/null\n\techo ok | sed s/ok/fine/ > /dev/null\n\t./leaks > /dev/null\n\t./clean > /dev/null\n' > "$P/Makefile"
(cd "$P" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "$WRAPPER" --check --color never -- make -s check > /dev/null 2> "$WORK/w.out")
check_eq "leakaudit --check -- make check: the project's leak fails the job" "$?" 1
check_eq "... its 3 programs audited, make, sh and sed not" \
    "$(q "$P/leakaudit.db" "SELECT group_concat(exe, ' ') FROM (SELECT replace(exe, '$P/', '') AS exe FROM runs ORDER BY id)")" "clean leaks clean"
check_grep "... the report says how many processes were not audited, and of what" \
    "^  [0-9]+ processes not audited \((.*make [0-9]+.*sed 1|.*sed 1.*make [0-9]+).*\): outside the project; leakaudit --include GLOB or --all audits them$" "$WORK/w.out"
check_grep "... and names the project's function that leaked" "^Leak of .*, at leak_once .*leaks.c" "$WORK/w.out"
report_json sel "$P/leakaudit.db"
check_eq "... the JSON report counts them too" \
    "$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sorted(x["exe"].rsplit("/",1)[1] for x in d["not_audited"] if "sed" in x["exe"]), all(x["processes"] >= 1 for x in d["not_audited"]))' "$WORK/sel.json")" "['sed'] True"

(cd "$P" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "$WRAPPER" -o skip2.db --skip clean -- make -s check > /dev/null 2>&1)
check_eq "... with --skip clean: the skipped processes are counted as not audited too" \
    "$(q "$P/skip2.db" "SELECT group_concat(replace(exe, '$P/', ''), ' ') FROM runs"):$(q "$P/skip2.db" "SELECT processes FROM not_audited WHERE exe = '$P/clean'")" "leaks:2"

rm -f "$WORK/py.db"
(cd "$WORK" && "$WRAPPER" -o py.db --check -- "$PY" -c 'print("hi")' > "$WORK/py.out" 2> "$WORK/py.err")
check_eq "leakaudit --check -- python3 script: no process audited, status 2; its output stands" "$?:$(cat "$WORK/py.out")" "2:hi"
check_eq "... one line that says so and names the option" \
    "$(wc -l < "$WORK/py.err"):$(grep -c "^leakaudit: no process was audited: python3[.0-9]* (/.*python3[.0-9]*) ran outside .*; --include 'python3[.0-9]*' audits it, --all every process$" "$WORK/py.err")" "1:1"
name=$(sed -n "s/.*--include '\([^']*\)'.*/\1/p" "$WORK/py.err")
(cd "$WORK" && "$WRAPPER" -o py.db --include "$name" --check -- "$PY" -c 'print("hi")' > "$WORK/py.out" 2> "$WORK/py.err")
check_eq "... and with that option it is audited (and passes)" \
    "$?:$(q "$WORK/py.db" "SELECT count(*) FROM runs WHERE exe LIKE '%python3%'")" "0:1"
(cd "$WORK" && "$WRAPPER" -o all.db --all -- sh -c 'true' 2> /dev/null)
check_eq "--all: every process (sh, here)" "$(q "$WORK/all.db" "SELECT count(*) FROM runs WHERE session LIKE 'leakaudit-%'")" 1
(cd "$P" && "$WRAPPER" -o skip.db --skip leaks -- ./leaks > /dev/null 2> "$WORK/skip.err")
check_eq "--skip: the project's own program left alone when asked" \
    "$(test -e "$P/skip.db" && echo db):$(grep -c "^leakaudit: no process was audited: leaks (.*/leaks); leaks was skipped (--skip, LEAKAUDIT_SKIP)$" "$WORK/skip.err")" ":1"
"$WRAPPER" --include 'a,b' true 2> "$WORK/bad.err"
check_eq "--include with a comma: status 2, one line" "$?:$(wc -l < "$WORK/bad.err")" "2:1"

# ---- the spool: run files instead of SQLite in each process ------------------------------
mkdir -p "$WORK/spool"
maps_of "$WORK/sp.db" LEAKAUDIT_SPOOL="$WORK/spool" > "$WORK/spool.maps"
check_eq "with a spool (LEAKAUDIT_SPOOL): libunwind loaded, SQLite not, no database written" \
    "$(grep -c libunwind "$WORK/spool.maps" | grep -c '^[1-9]'):$(grep -c libsqlite3 "$WORK/spool.maps"):$(test -e "$WORK/sp.db" && echo db)" "1:0:"
check_eq "... its run a record in the spool's log" "$(ls "$WORK/spool"):$(head -c 8 "$WORK/spool/runs.log")" "runs.log:LKAUDRUN"
"$REPORT" --import "$WORK/spool" "$WORK/sp.db" 2> "$WORK/imp.err"
check_eq "leakaudit-report --import: the run in the database, the spool gone, nothing said" \
    "$?:$(q "$WORK/sp.db" "SELECT count(*) FROM runs WHERE exe LIKE '%/cat'"):$(test -e "$WORK/spool" && echo left):$(cat "$WORK/imp.err")" "0:1::"
under "$WORK/gone.db" env LEAKAUDIT_SPOOL="$WORK/gone" "$PROGS/leaks" > /dev/null 2> "$WORK/gone.err"
check_eq "a spool that is gone (a process that outlived the wrapper): the run goes to the database, silently" \
    "$(q "$WORK/gone.db" "SELECT count(*) FROM runs"):$(grep -c '^leakaudit:' "$WORK/gone.err")" "1:0"
: > "$WORK/afile"
under "$WORK/file.db" env LEAKAUDIT_SPOOL="$WORK/afile" "$PROGS/leaks" > /dev/null 2> "$WORK/file.err"
check_eq "a spool that is not a directory: one line, and the run in the database" \
    "$(q "$WORK/file.db" "SELECT count(*) FROM runs"):$(grep -c "^leakaudit: cannot write the run to $WORK/afile: Not a directory; writing it to $WORK/file.db$" "$WORK/file.err")" "1:1"
printf 'not a run log' > "$WORK/bad.run"
"$REPORT" --import "$WORK/bad.run" "$WORK/bad.db" 2> "$WORK/bad.err"
check_eq "--import of a file that is not a run log: status 2, one line, the file kept" \
    "$?:$(wc -l < "$WORK/bad.err"):$(grep -c "^leakaudit-report: $WORK/bad.run: not imported: .*; the file is kept$" "$WORK/bad.err"):$(test -e "$WORK/bad.run" && echo kept)" "2:1:1:kept"
printf 'LKAUDRUN\002\000\000\000' > "$WORK/cut.runs"
"$REPORT" --import "$WORK/cut.runs" "$WORK/cut.db" 2> "$WORK/cut.err"
check_eq "--import of a log whose one record was cut short (its writer killed): status 0, one line, no run" \
    "$?:$(wc -l < "$WORK/cut.err"):$(grep -c "^leakaudit-report: $WORK/cut.runs: 12 bytes are no whole run (a process killed while it wrote its run), skipped; no run imported$" "$WORK/cut.err"):$(test -e "$WORK/cut.db" && echo db)" "0:1:1:"
mkdir -p "$WORK/tmp"
(cd "$P" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL TMPDIR="$WORK/tmp" "$WRAPPER" --check -o late.db -- \
    sh -c 'make -s check > /dev/null; (sleep 1; exec ./leaks > /dev/null) &' > /dev/null 2> "$WORK/late.err")
check_eq "the wrapper imports its spool and leaves nothing in TMPDIR" \
    "$(q "$P/late.db" "SELECT count(*) FROM runs"):$(ls -A "$WORK/tmp")" "3:"
sleep 2
check_eq "... a process that outlives it writes into the database itself, silently" \
    "$(q "$P/late.db" "SELECT count(*) FROM runs"):$(grep -c '^leakaudit:' "$WORK/late.err")" "4:0"

cp "$PROGS/crash" "$P/"
(cd "$P" && "$WRAPPER" -o crash.db -- ./crash segv > /dev/null 2>&1)
check_eq "a crash under the wrapper: its writer child appends to the spool, the run imported" \
    "$?:$(q "$P/crash.db" "SELECT signal, (SELECT count(*) FROM blocks WHERE class = 3) FROM runs")" "139:11|3"
rm -rf "$WORK/tmp2"; mkdir -p "$WORK/tmp2"
TMPDIR="$WORK/tmp2" LEAKAUDIT_SPOOL="$WORK/gone" under "$WORK/cg.db" "$PROGS/crash" segv > /dev/null 2> "$WORK/cg.err"
f=$(ls "$WORK/tmp2")
check_eq "... with the spool gone, the child, which must not load SQLite, writes a run log in TMPDIR" \
    "$(echo "$f" | grep -c '^leakaudit-[0-9]*\.runs$'):$(grep -c "^leakaudit: cannot write the run to $WORK/gone: No such file or directory; written to $WORK/tmp2/$f instead (leakaudit-report --import $WORK/tmp2/$f $WORK/cg.db adds it)$" "$WORK/cg.err")" "1:1"
"$REPORT" --import "$WORK/tmp2/$f" "$WORK/cg.db"
check_eq "... which the command that line gives adds to the database" \
    "$?:$(q "$WORK/cg.db" "SELECT signal FROM runs"):$(ls -A "$WORK/tmp2")" "0:11:"

rm -f "$P/term.db"
(cd "$P" && TMPDIR="$WORK/tmp" exec "$WRAPPER" -o term.db -- sh -c "echo \$\$ > '$WORK/sleeper'; ./leaks; exec sleep 30" > /dev/null 2>&1) &
wpid=$!
for i in $(seq 1 200); do [ -s "$WORK/sleeper" ] && [ -s "$WORK/tmp/leakaudit-spool."*/runs.log ] 2> /dev/null && break; sleep 0.05; done
# As a CI runner's timeout does: SIGTERM to the wrapper and its program.
kill -TERM $wpid
kill -TERM "$(cat "$WORK/sleeper")"
wait $wpid
check_eq "the wrapper killed by SIGTERM: it imports its spool first, and dies of the signal" \
    "$?:$(q "$P/term.db" "SELECT group_concat(replace(exe, '$P/', '')) FROM runs"):$(ls -A "$WORK/tmp")" "143:leaks:"

# ---- reachable blocks per site -----------------------------------------------------------
under "$WORK/site.db" "$PROGS/world" many 20000 > /dev/null
LEAKAUDIT_KEEP_REACHABLE=1 under "$WORK/rows.db" "$PROGS/world" many 20000 > /dev/null
check_eq "by default the reachable blocks are counts per site, lost ones rows" \
    "$(q "$WORK/site.db" "SELECT (SELECT count(*) FROM blocks WHERE class = 2), (SELECT count(*) FROM blocks WHERE class = 3), (SELECT sum(blocks) FROM reachable WHERE blocks >= 20000)")" "0|2|20000"
check_eq "... the same totals as one row per block (LEAKAUDIT_KEEP_REACHABLE=1)" \
    "$(q "$WORK/site.db" "SELECT sum(blocks), sum(bytes) FROM reachable") $(q "$WORK/site.db" 'SELECT blocks, bytes FROM runs')" \
    "$(q "$WORK/rows.db" "SELECT count(*), sum(size) FROM blocks WHERE class = 2") $(q "$WORK/rows.db" 'SELECT blocks, bytes FROM runs')"
# plain DB: the text report without what differs between two runs (the
# database's name, in its first line and in "What next", pids, addresses).
plain() {
    "$REPORT" --verbose --color never "$1" | sed -e 1d -e '/--format suppressions/d' -e 's/pid [0-9]*//' -e 's/0x[0-9a-f]*//g'
}
plain "$WORK/site.db" > "$WORK/site.txt"
plain "$WORK/rows.db" > "$WORK/rows.txt"
check_eq "... and the same report, reachable sites included" \
    "$(grep -c '^Reachable' "$WORK/site.txt"):$(cmp -s "$WORK/site.txt" "$WORK/rows.txt" && echo same)" "$(grep -c '^Reachable' "$WORK/rows.txt"):same"
check_eq "... in a file a tenth of the size at most" \
    "$(( $(wc -c < "$WORK/site.db") * 10 <= $(wc -c < "$WORK/rows.db") ))" 1
check_eq "the view leak_sites counts both kinds" \
    "$(q "$WORK/site.db" "SELECT sum(blocks) FROM leak_sites WHERE class = 'reachable'")" \
    "$(q "$WORK/rows.db" "SELECT sum(blocks) FROM leak_sites WHERE class = 'reachable'")"

# An older database (schema 3: one row per block, no reachable table) is read.
cp "$WORK/rows.db" "$WORK/v3.db"
q "$WORK/v3.db" "DROP VIEW leak_sites; DROP TABLE reachable; DROP TABLE not_audited; UPDATE meta SET value = '3' WHERE key = 'schema_version'"
plain "$WORK/v3.db" > "$WORK/v3.txt"
check "a database of schema 3 gives the same report" cmp -s "$WORK/v3.txt" "$WORK/rows.txt"
finish
