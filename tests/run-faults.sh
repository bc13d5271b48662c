#!/bin/sh
# run-faults.sh: faults in the shim's own world, injected.  For each: what
# was injected, and what must survive: the program's status and output, one
# `leakaudit:` line that says what happened, and the run itself wherever it
# can still go (the fallback file the warning names).
. "$top_srcdir/tests/lib.sh"

# ---- the output path holds a file that is not a database -----------------------------
echo "not a database" > "$WORK/text.db"
under "$WORK/text.db" env TMPDIR="$WORK" "$PROGS/exits" return 5 > "$WORK/o" 2> "$WORK/e"
check_eq "injected: a text file at the output path -> status and output stand" "$?:$(cat "$WORK/o")" "5:mode return"
check_eq "... the file is untouched" "$(cat "$WORK/text.db")" "not a database"
check_grep "... one line: why, and where the run went instead" \
    "^leakaudit: cannot write the run to $WORK/text.db: .*not a database; written to $WORK/leakaudit-[0-9]+.db instead$" "$WORK/e"
check_eq "... the run is in the fallback file, with its exit status" \
    "$(wc -l < "$WORK/e")|$(q "$(fallback "$WORK/e")" 'SELECT count(*), max(exit_code) FROM runs')" "1|1|5"
rm -f "$WORK"/leakaudit-*.db

# ---- a fallback file planted by another user ------------------------------------------
echo "not a database" > "$WORK/text.db"
: > "$WORK/planted"
chown nobody "$WORK/planted" 2> /dev/null
if [ "$(stat -c %U "$WORK/planted")" = nobody ]; then
    # The process's own pid names its fallback file: plant it, then exec.
    cat > "$WORK/plant.sh" <<'SH'
mv "$PLANTED" "$TMPDIR/leakaudit-$$.db"
exec "$@"
SH
    under "$WORK/text.db" env TMPDIR="$WORK" PLANTED="$WORK/planted" \
        sh "$WORK/plant.sh" "$PROGS/exits" return 7 > "$WORK/o" 2> "$WORK/e"
    check_eq "injected: the fallback path taken by another user's file -> status and output stand" \
        "$?:$(cat "$WORK/o")" "7:mode return"
    check_grep "... not written into: one line says whose it is" \
        "^leakaudit: cannot write the run to .*text.db: .* \(nor to .*leakaudit-[0-9]+.db: it belongs to another user\)$" "$WORK/e"
    planted=$(sed -n 's/.*(nor to \(.*\): it belongs to another user)$/\1/p' "$WORK/e")
    check_eq "... and it stays empty (mv, a process of its own, wrote its own fallback)" \
        "$(stat -c %U:%s "$planted")" "nobody:0"
    rm -f "$WORK"/leakaudit-*.db
else
    echo "SKIP - another user's file: cannot chown here"
fi

# ---- a database of another schema version ---------------------------------------------
under "$WORK/v.db" "$PROGS/exits" return 0 > /dev/null 2>&1
"$SQLITE3" "$WORK/v.db" "UPDATE meta SET value = '99' WHERE key = 'schema_version'"
under "$WORK/v.db" env TMPDIR="$WORK" "$PROGS/exits" return 6 > "$WORK/o" 2> "$WORK/e"
check_eq "injected: a database of schema version 99 -> status and output stand" "$?:$(cat "$WORK/o")" "6:mode return"
check_eq "... it keeps its one run, not mixed with ours" "$(q "$WORK/v.db" 'SELECT count(*) FROM runs')" 1
check_grep "... one line that says so and names the fallback" \
    "^leakaudit: cannot write the run to $WORK/v.db: the database has schema version 99, this version of leakaudit writes version [0-9]+; written to .* instead$" "$WORK/e"
check_eq "... the run is in the fallback file" "$(q "$(fallback "$WORK/e")" 'SELECT max(exit_code) FROM runs')" 6
rm -f "$WORK"/leakaudit-*.db

# ---- a full disk --------------------------------------------------------------------
mkdir -p "$WORK/full"
if mount -t tmpfs -o size=48k tmpfs "$WORK/full" 2> /dev/null; then
    dd if=/dev/zero of="$WORK/full/filler" bs=4k count=100 2> /dev/null
    under "$WORK/full/x.db" env TMPDIR="$WORK" "$PROGS/leaks" > "$WORK/o" 2> "$WORK/e"
    st=$?
    under "$WORK/plain.db" "$PROGS/leaks" > "$WORK/o2" 2> /dev/null
    check_eq "injected: ENOSPC (a full 48 KiB tmpfs) -> status and output stand" "$st:$(cat "$WORK/o")" "$?:$(cat "$WORK/o2")"
    check_grep "... one line: the disk is full, the run went to the fallback" \
        "^leakaudit: cannot write the run to $WORK/full/x.db: .*(full|disk).*; written to .* instead$" "$WORK/e"
    check_eq "... the fallback holds the run's 9 blocks" "$(q "$(fallback "$WORK/e")" 'SELECT blocks FROM runs')" 9
    umount "$WORK/full"
    rm -f "$WORK"/leakaudit-*.db
else
    echo "SKIP - ENOSPC: cannot mount a small tmpfs here"
fi

# ---- the program used up its file descriptors ------------------------------------------
(ulimit -n 64 && under "$WORK/fd.db" env TMPDIR="$WORK" "$PROGS/fdhog") > "$WORK/o" 2> "$WORK/e"
st=$?
(ulimit -n 64 && "$PROGS/fdhog") > "$WORK/o2" 2> /dev/null
check_eq "injected: EMFILE (every descriptor taken by the program) -> status and output stand" \
    "$st:$(cat "$WORK/o")" "$?:$(cat "$WORK/o2")"
check_eq "... one line from leakaudit, which says what happened" \
    "$(wc -l < "$WORK/e"):$(grep -c '^leakaudit: the process had no file descriptor left (RLIMIT_NOFILE 64, its hard limit, all in use): the run is written by a copy of it that closed 8$' "$WORK/e")" "1:1"
check_eq "... the run is kept, with its block" \
    "$(q "$WORK/fd.db" 'SELECT r.exit_code, b.size FROM runs r JOIN blocks b ON b.run = r.id WHERE b.size = 55')" "3|55"
# ---- a read-only directory -------------------------------------------------------------------
mkdir -p "$WORK/ro"
if mount -t tmpfs -o ro,size=64k tmpfs "$WORK/ro" 2> /dev/null; then
    under "$WORK/ro/x.db" env TMPDIR="$WORK" "$PROGS/exits" return 4 > "$WORK/o" 2> "$WORK/e"
    check_eq "injected: the output in a read-only directory (EROFS) -> status and output stand" \
        "$?:$(cat "$WORK/o")" "4:mode return"
    check_grep "... one line: why, and the fallback that holds the run" \
        "^leakaudit: cannot write the run to $WORK/ro/x.db: .*; written to .* instead$" "$WORK/e"
    check_eq "... the run is there, with its status" "$(wc -l < "$WORK/e")|$(q "$(fallback "$WORK/e")" 'SELECT exit_code FROM runs')" "1|4"
    umount "$WORK/ro"
    rm -f "$WORK"/leakaudit-*.db
else
    echo "SKIP - EROFS: cannot mount a read-only tmpfs here"
fi

# ---- a writer that died in the middle of its transaction ------------------------------------
under "$WORK/hot.db" "$PROGS/exits" return 0 > /dev/null 2>&1
/usr/bin/python3 - "$WORK/hot.db" <<'PY'
import os, signal, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("DELETE FROM blocks")
db.execute("INSERT INTO runs SELECT id + 100, pid, ppid, exe, cwd, session, start_time, end_time, end_reason, exit_code,"
           " signal, depth, complete, scan, blocks, bytes, scan_seconds, write_seconds, stack_hits, stack_unwinds,"
           " stack_mismatches, shim_version, unaudited FROM runs")
os.kill(os.getpid(), signal.SIGKILL)
PY
check_eq "injected: a writer killed (SIGKILL) inside its transaction -> its journal is left behind" \
    "$(test -s "$WORK/hot.db-journal" && echo hot)" hot
under "$WORK/hot.db" "$PROGS/exits" return 3 > /dev/null 2> "$WORK/e"
check_eq "... the next run is written as usual, with no leakaudit line" \
    "$?:$(wc -l < "$WORK/e"):$(q "$WORK/hot.db" 'SELECT group_concat(exit_code) FROM runs')" "3:0:0,3"
check_eq "... the dead writer's half is rolled back; integrity_check ok" \
    "$(q "$WORK/hot.db" 'SELECT count(*) > 0 FROM blocks WHERE run = 1')|$(q "$WORK/hot.db" 'PRAGMA integrity_check')" "1|ok"

# ---- the program changes its world ------------------------------------------------------------
# world_case MODE NAME: the bare run and the run under the shim print the
# same and exit 0; the run is in $WORK/MODE.db with its 2 lost blocks.
world_case() {
    mode=$1 name=$2
    "$PROGS/world" "$mode" > "$WORK/bare.out" 2> /dev/null
    bare=$?
    (cd "$WORK" && under "$mode.db" "$PROGS/world" "$mode") > "$WORK/o" 2> "$WORK/e"
    check_eq "injected: $name -> status and output stand, no leakaudit line" \
        "$bare:$?:$(cmp -s "$WORK/bare.out" "$WORK/o" && echo same):$(grep -c '^leakaudit:' "$WORK/e")" "0:0:same:0"
    check_eq "... the run is where LEAKAUDIT_OUTPUT pointed at start, with its 2 lost blocks" \
        "$(q "$WORK/$mode.db" "SELECT end_reason, exit_code, complete FROM runs")|$(q "$WORK/$mode.db" 'SELECT count(*) FROM blocks WHERE class = 3 AND size = 100')" \
        "exit|0|1|2"
}
world_case chdir 'chdir("/") (the output path was relative)'
world_case closefds "every descriptor closed, stdout and stderr included"
world_case atexit "an atexit handler that allocates and leaks"
check_eq "... the atexit handler's leak is recorded, in at_end" \
    "$(q "$WORK/atexit.db" "SELECT b.class FROM blocks b WHERE b.size = 33")" 3
world_case threads "4 threads still allocating and freeing while main returns"

(cd "$WORK" && under daemon.db "$PROGS/world" daemon) > "$WORK/o" 2> "$WORK/e"
check_eq "injected: daemon(0, 0) -> the parent's status 0, nothing printed" "$?:$(cat "$WORK/o" "$WORK/e")" "0:"
for i in $(seq 1 50); do
    [ "$(q "$WORK/daemon.db" 'SELECT count(*) FROM runs' 2> /dev/null)" = 2 ] && break
    sleep 0.1
done
check_eq "... two runs: the parent's (left through libc's own _exit), and the daemon's in its new session" \
    "$(q "$WORK/daemon.db" "SELECT group_concat(end_reason || ':' || exit_code, ' ') FROM (SELECT * FROM runs ORDER BY id)")" \
    "_exit:0 exit:0"
check_eq "... the daemon's 2 leaks are its findings; the parent's block is reachable in its own run" \
    "$(q "$WORK/daemon.db" "SELECT count(*) FROM blocks WHERE run = 2 AND class = 3 AND size = 100")|$(q "$WORK/daemon.db" "SELECT class FROM blocks WHERE run = 1 AND size = 50")" \
    "2|2"

mkdir -p "$WORK/jail"
if "$PROGS/world" chroot "$WORK/jail" > /dev/null 2>&1; then
    under "$WORK/jail.db" "$PROGS/world" chroot "$WORK/jail" > "$WORK/o" 2> "$WORK/e"
    check_eq "injected: chroot() into an empty directory -> status and output stand" "$?:$(cat "$WORK/o")" "0:world chroot done"
    check_eq "... degraded: one line says the run cannot reach its database, and nothing is written" \
        "$(grep -c "^leakaudit: no record of this run: the process changed its root directory (chroot), and $WORK/jail.db is out of its reach$" "$WORK/e"):$(wc -l < "$WORK/e"):$(ls -A "$WORK/jail" | wc -l)$(test -e "$WORK/jail.db" && echo ' jail.db')" \
        "1:1:0"
else
    echo "SKIP - chroot: not permitted here"
fi

# ---- the shim's own memory runs out -------------------------------------------------------------
LD_PRELOAD="$top_builddir/tests/programs/.libs/libfailmmap.so $SHIM" LEAKAUDIT_OUTPUT="$WORK/oom.db" \
    "$PROGS/world" many 200000 > "$WORK/o" 2> "$WORK/e"
check_eq "injected: every mmap() of the shim fails while the program allocates 200000 blocks -> status and output stand" \
    "$?:$(cat "$WORK/o")" "0:world many done"
check_eq "... one leakaudit line: recording stops there" \
    "$(grep -c '^leakaudit:' "$WORK/e"):$(grep -c '^leakaudit: out of memory for the table of live blocks: recording stops here; the run will be marked incomplete$' "$WORK/e")" "1:1"
check_eq "... the run is written, marked incomplete, with what was recorded before" \
    "$(q "$WORK/oom.db" 'SELECT end_reason, exit_code, complete, blocks > 0 FROM runs')" "exit|0|0|1"
"$REPORT" "$WORK/oom.db" > "$WORK/r.txt"
check_eq "... the report passes (what recording missed may hold pointers: no block is called lost) and says why" \
    "$?:$(q "$WORK/oom.db" 'SELECT count(*) FROM blocks WHERE class = 3'):$(grep -c 'incomplete: the shim ran short of memory' "$WORK/r.txt")" "0:0:1"
finish
