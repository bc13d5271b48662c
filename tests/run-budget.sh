#!/bin/sh
# run-budget.sh: the shim's cost per malloc+free pair, in instructions,
# against a committed budget.  Callgrind counts instructions, not seconds:
# the figure is the same on a loaded machine, so a change that slows the
# hot path fails here, not in a benchmark nobody runs.
#
# The churn workload (tools/bench/churn.c) runs bare and under the shim,
# each with N and 2N operations; the differences cancel start-up and the
# exit-time write, leaving (shim - bare) instructions per operation (one
# free and one malloc from a ~12-frame chain).  The budget lives in
# tests/ir-budget; LEAKAUDIT_IR_BUDGET overrides it (to see the test fail).
. "$top_srcdir/tests/lib.sh"

if ! command -v valgrind > /dev/null; then
    echo "SKIP - valgrind not installed"
    finish
fi
case " ${LEAKAUDIT_CFLAGS:-} " in
*" -O2 "* | *" -O3 "*) ;;
*)
    # The budget is for the configured default (-O2); an -O0 build is not
    # what users run.
    echo "SKIP - the shim is not built with -O2 (CFLAGS: ${LEAKAUDIT_CFLAGS:-})"
    finish
    ;;
esac

budget=${LEAKAUDIT_IR_BUDGET:-$(sed -n 's/^budget \([0-9][0-9]*\).*/\1/p' "$top_srcdir/tests/ir-budget")}
N=20000

# ir PRELOAD OPS: instructions of one churn run.
ir() {
    rm -f "$WORK/b.db"
    LD_PRELOAD=$1 LEAKAUDIT_OUTPUT=$WORK/b.db valgrind --tool=callgrind \
        --callgrind-out-file=/dev/null "$PROGS/churn" "$2" 1000 1 2> "$WORK/cg.txt" > /dev/null
    sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$WORK/cg.txt"
}

b1=$(ir "" $N); b2=$(ir "" $((2 * N)))
s1=$(ir "$SHIM" $N); s2=$(ir "$SHIM" $((2 * N)))
check "callgrind counted all four runs" test -n "$b1" -a -n "$b2" -a -n "$s1" -a -n "$s2"
bare=$(((b2 - b1) / N))
per=$((((s2 - s1) - (b2 - b1)) / N))
echo "# bare: $bare instructions per operation; the shim adds $per (budget $budget)"
check "the run under the shim was recorded, its stacks mostly from the cache" \
    test "$(q "$WORK/b.db" 'SELECT stack_hits > 9 * stack_unwinds FROM runs')" = 1
check "the shim adds $per instructions per malloc+free pair: within the budget of $budget" \
    test "$per" -gt 0 -a "$per" -le "$budget"
finish
