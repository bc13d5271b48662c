#!/bin/sh
# run-budget.sh: the shim's cost per malloc+free pair, in instructions,
# against a committed budget.  Callgrind counts instructions, not seconds:
# the figure is the same on a loaded machine, so a change that slows the
# hot path fails here, not in a benchmark nobody runs.
#
# The churn workloads (tools/bench/churn.c: 8 stacks; manystack.c: 108)
# run bare and under the shim, each with N and 2N operations; the
# differences cancel start-up and the exit-time write, leaving (shim -
# bare) instructions per operation (one free and one malloc from a 12 to
# 14-frame chain).  The budgets live in tests/ir-budget;
# LEAKAUDIT_IR_BUDGET overrides churn's (to see the test fail).
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

N=20000

# ir PRELOAD PROGRAM OPS: instructions of one churn run.
ir() {
    rm -f "$WORK/b.db"
    LD_PRELOAD=$1 LEAKAUDIT_OUTPUT=$WORK/b.db valgrind --tool=callgrind \
        --callgrind-out-file=/dev/null "$PROGS/$2" "$3" 1000 1 2> "$WORK/cg.txt" > /dev/null
    sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$WORK/cg.txt"
}

# The churn of 8 stacks (one recursive function), then the one of 108
# (tools/bench/manystack.c: a chain, then a call tree), each against its
# budget line.
for prog in churn manystack; do
    key=budget; [ $prog = churn ] || key=budget_$prog
    budget=$(sed -n "s/^$key \([0-9][0-9]*\).*/\1/p" "$top_srcdir/tests/ir-budget")
    [ $prog = churn ] && budget=${LEAKAUDIT_IR_BUDGET:-$budget}
    b1=$(ir "" $prog $N); b2=$(ir "" $prog $((2 * N)))
    s1=$(ir "$SHIM" $prog $N); s2=$(ir "$SHIM" $prog $((2 * N)))
    check "$prog: callgrind counted all four runs" test -n "$b1" -a -n "$b2" -a -n "$s1" -a -n "$s2"
    bare=$(((b2 - b1) / N))
    per=$((((s2 - s1) - (b2 - b1)) / N))
    echo "# $prog: bare $bare instructions per operation; the shim adds $per (budget $budget)"
    check "$prog: the run under the shim was recorded, its stacks mostly from the cache" \
        test "$(q "$WORK/b.db" 'SELECT stack_hits > 9 * stack_unwinds FROM runs')" = 1
    check "$prog: the shim adds $per instructions per malloc+free pair: within the budget of $budget" \
        test "$per" -gt 0 -a "$per" -le "$budget"
done
finish
