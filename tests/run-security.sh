#!/bin/sh
# run-security.sh: what an attacker controls stays data.  A symlink planted
# where the database goes is not followed; the database is created with
# the user's umask; arguments full of SQL and terminal escapes are stored
# byte for byte (bound parameters) and printed escaped (text) or encoded
# (JSON).
. "$top_srcdir/tests/lib.sh"

# ---- a symlink planted at the output path ------------------------------------------
echo "precious" > "$WORK/target"
ln -s "$WORK/target" "$WORK/planted.db"
under "$WORK/planted.db" env TMPDIR="$WORK" "$PROGS/leaks" > "$WORK/out" 2> "$WORK/err"
st=$?
under "$WORK/plain.db" "$PROGS/leaks" > "$WORK/bare.out" 2> "$WORK/bare.err"
check_eq "planted symlink: status and stdout as with a plain path" \
    "$st:$(cat "$WORK/out")" "$?:$(cat "$WORK/bare.out")"
check_eq "planted symlink: the file it points to is untouched" "$(cat "$WORK/target")" precious
check_eq "planted symlink: the program's stderr, and one warning line that says why" \
    "$(grep -v '^leakaudit: ' "$WORK/err"):$(grep -c '^leakaudit: .*planted.db: it is a symbolic link, which is not followed; written to .* instead$' "$WORK/err")" \
    "$(cat "$WORK/bare.err"):1"
check_eq "planted symlink: nothing else from leakaudit" "$(grep -c '^leakaudit: ' "$WORK/err")" 1

# ---- the user's umask -------------------------------------------------------------
for mask in 077 022; do
    rm -f "$WORK/mask.db"
    (umask $mask && under "$WORK/mask.db" "$PROGS/leaks" > /dev/null 2>&1)
    want=$( [ $mask = 077 ] && echo 600 || echo 644 )
    check_eq "umask $mask: the database is created with mode $want" "$(stat -c %a "$WORK/mask.db")" "$want"
done

# ---- hostile arguments ----------------------------------------------------------------
esc=$(printf '\033[31mRED\033[0m')
sqli="x'); DROP TABLE runs; --"
db=$WORK/hostile.db
under "$db" "$PROGS/leaks" "$esc" "$sqli" > /dev/null 2>&1
check_eq "hostile argv: stored byte for byte" \
    "$(q "$db" 'SELECT value FROM args WHERE idx = 1')|$(q "$db" 'SELECT value FROM args WHERE idx = 2')" \
    "$esc|$sqli"
check_eq "hostile argv: the runs table is still there" "$(q "$db" 'SELECT count(*) FROM runs')" 1
"$REPORT" --color never "$db" > "$WORK/hostile.txt" 2>&1
check "text report: no raw escape byte in its output" sh -c "! grep -q \"$(printf '\033')\" '$WORK/hostile.txt'"
check_grep "text report: the escape shown as \\\\x1b" '\\x1b\[31mRED\\x1b\[0m' "$WORK/hostile.txt"
"$REPORT" --format json "$db" > "$WORK/hostile.json" 2> /dev/null
check_eq "JSON report: valid, with the arguments exactly" \
    "$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["runs"][0]["argv"][1:3] == sys.argv[2:4])' \
        "$WORK/hostile.json" "$esc" "$sqli")" True
# JUnit XML and folded stacks from a database whose strings are hostile: a
# path with XML's special characters, a module path with escapes and ';'.
cp "$db" "$WORK/a<b>&\"c'.db"
"$SQLITE3" "$WORK/a<b>&\"c'.db" "UPDATE modules SET path = '/x/$esc;<m>&.so' WHERE path LIKE '%/leaks'"
"$REPORT" --format junit "$WORK/a<b>&\"c'.db" > "$WORK/hostile.xml" 2> /dev/null
check_eq "junit: well-formed XML, the database path and module path intact after parsing" \
    "$("$PY" -c 'import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
print(r.find("testsuite/properties/property[@name=\"database\"]").get("value").endswith("a<b>&\"c'"'"'.db"), any(";<m>&.so" in f.text for f in r.iter("failure")))' "$WORK/hostile.xml")" "True True"
check "junit: no raw escape byte" sh -c "! grep -q \"$(printf '\033')\" '$WORK/hostile.xml'"
"$REPORT" --format folded --no-builtin-suppressions "$WORK/a<b>&\"c'.db" > "$WORK/hostile.folded" 2> /dev/null
check_eq "folded: unsymbolized frames named by their module, no ';' or escape inside a frame" \
    "$(grep -c "^[^$(printf '\033')]* [0-9]*$" "$WORK/hostile.folded"):$(grep -c ':<m>&.so' "$WORK/hostile.folded")" \
    "$(wc -l < "$WORK/hostile.folded"):$(grep -c . "$WORK/hostile.folded")"
finish
