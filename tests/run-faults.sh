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
    "^leakaudit: cannot write the run to $WORK/v.db: the database has schema version 99, this shim writes version [0-9]+; written to .* instead$" "$WORK/e"
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
check_eq "... one line from leakaudit, which says the file could not be opened" \
    "$(wc -l < "$WORK/e"):$(grep -c '^leakaudit: cannot write the run to .*fd.db: opening it: unable to open database file (nor to .*: opening it: unable to open database file)$' "$WORK/e")" "1:1"
finish
