#!/bin/sh
# run-options.sh: the shim's environment options (preload/options.def):
# their effect, bad values, and the README's table as a copy of the file.
. "$top_srcdir/tests/lib.sh"

# ---- options ---------------------------------------------------------------------------------
db=$WORK/depth.db
LEAKAUDIT_DEPTH=3 under "$db" "$PROGS/leaks" > /dev/null 2>&1
check_eq "LEAKAUDIT_DEPTH=3 keeps at most 3 frames" \
    "$(q "$db" 'SELECT max(depth), (SELECT depth FROM runs) FROM stacks')" "3|3"
db=$WORK/baddepth.db
LEAKAUDIT_DEPTH=lots under "$db" "$PROGS/clean" > "$WORK/bd.out" 2> "$WORK/bd.err"
check_eq "a bad LEAKAUDIT_DEPTH: program unaffected" "$?:$(cat "$WORK/bd.out")" "0:clean"
check_eq "a bad LEAKAUDIT_DEPTH: one warning line" "$(wc -l < "$WORK/bd.err")" 1
check_grep "a bad LEAKAUDIT_DEPTH: the warning names it" \
    "^leakaudit: LEAKAUDIT_DEPTH has an invalid value 'lots'" "$WORK/bd.err"
check_eq "a bad LEAKAUDIT_DEPTH: the default is used" "$(q "$db" 'SELECT depth FROM runs')" 32
under /nonexistent/dir/x.db env TMPDIR="$WORK" "$PROGS/exits" return 4 > "$WORK/nd.out" 2> "$WORK/nd.err"
check_eq "an unwritable database: the program's status and output stand" \
    "$?:$(cat "$WORK/nd.out")" "4:mode return"
check_eq "an unwritable database: one warning line" "$(wc -l < "$WORK/nd.err")" 1
check_grep "an unwritable database: the warning names the file" \
    "^leakaudit: cannot write the run to /nonexistent/dir/x.db: opening it: unable to open database file; written to $WORK/leakaudit-[0-9]+.db instead$" "$WORK/nd.err"
check_eq "an unwritable database: the run kept in the fallback file the warning names" \
    "$(q "$(fallback "$WORK/nd.err")" 'SELECT count(*), max(exit_code) FROM runs')" "1|4"

# The README's environment table is a copy of preload/options.def.
"$top_srcdir/tools/options-table" "$top_srcdir/preload/options.def" > "$WORK/table.md"
check "the README's environment table matches options.def" \
    sh -c "test -s '$WORK/table.md' && while IFS= read -r line; do grep -Fxq -- \"\$line\" '$top_srcdir/README.md' || exit 1; done < '$WORK/table.md'"
finish
