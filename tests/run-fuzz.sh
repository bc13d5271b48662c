#!/bin/sh
# run-fuzz.sh: the fuzz targets over their corpus (tests/fuzz/corpus), as a
# regression test: suppression files and databases are untrusted input.
# Each input must leave the target standing (and, in a build with
# configure --enable-sanitizers, without a sanitizer report).  The fuzzers
# themselves run with `make fuzz-run`.
. "$top_srcdir/tests/lib.sh"

for t in suppress db; do
    corpus=$top_srcdir/tests/fuzz/corpus/$t
    n=$(ls "$corpus" | wc -l)
    "$top_builddir/tests/fuzz/replay_$t" "$corpus" > "$WORK/$t.out" 2> "$WORK/$t.err"
    st=$?
    check_eq "fuzz target $t: all $n corpus inputs replayed (status, count)" \
        "$st:$(tail -n 1 "$WORK/$t.out")" "0:$n passed, 0 failed"
    check "fuzz target $t: nothing on stderr" test ! -s "$WORK/$t.err"
done
# The corpus covers what it should: real databases of every kind, broken
# ones, and suppression files that parse and that do not.
check "db corpus: databases with cycles, C++ names, truncated, not SQLite, empty" \
    test -s "$top_srcdir/tests/fuzz/corpus/db/graph.db" -a -s "$top_srcdir/tests/fuzz/corpus/db/cxx_leaks.db" \
         -a -s "$top_srcdir/tests/fuzz/corpus/db/truncated.db" -a -s "$top_srcdir/tests/fuzz/corpus/db/text.db" \
         -a -f "$top_srcdir/tests/fuzz/corpus/db/empty.db"
finish
