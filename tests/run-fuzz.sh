#!/bin/sh
# run-fuzz.sh: the fuzz targets over their corpus (tests/fuzz/corpus), as a
# regression test: suppression files, databases and run logs (the
# wrapper's spool, which --import reads) are untrusted input.
# Each input must leave the target standing (and, in a build with
# configure --enable-sanitizers, without a sanitizer report).  The fuzzers
# themselves run with `make fuzz-run`.
. "$top_srcdir/tests/lib.sh"

for t in suppress db runlog; do
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
check "runlog corpus: logs of one run and of two, damaged, truncated, empty, not a log" \
    test -s "$top_srcdir/tests/fuzz/corpus/runlog/two.runs" -a -s "$top_srcdir/tests/fuzz/corpus/runlog/damaged.runs" \
         -a -s "$top_srcdir/tests/fuzz/corpus/runlog/truncated.runs" -a -s "$top_srcdir/tests/fuzz/corpus/runlog/text.runs" \
         -a -f "$top_srcdir/tests/fuzz/corpus/runlog/empty.runs"
finish
