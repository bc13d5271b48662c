#!/bin/sh
# run-valgrind.sh: leakaudit's lost blocks are Valgrind memcheck's, block
# for block (tests/lost_blocks.py: the sizes of single-block loss records,
# and the totals), on the programs whose answer is known and on a corpus
# of real programs no one here wrote: each runs under the shim and under
# Valgrind.  Where Valgrind's __libc_freeres at exit frees libc buffers
# that still hold pointers for leakaudit (docs/verdict.md), leakaudit's
# lost blocks must be among Valgrind's: never a false leak.
. "$top_srcdir/tests/lib.sh"

if ! command -v valgrind > /dev/null; then
    echo "SKIP - valgrind not installed"
    finish
fi
export HOME="$WORK/home"
mkdir -p "$HOME"
norandom=
if setarch "$(uname -m)" -R true 2> /dev/null; then
    norandom="setarch $(uname -m) -R"
fi

# compare [--subset] NAME COMMAND...: the comparison for one program.
compare() {
    mode=
    if [ "$1" = --subset ]; then mode=--subset; shift; fi
    name=$1; shift
    rm -f "$WORK/c.db"
    # Both without address randomization: a conservative scan (Valgrind's
    # too) can take a value that happens to equal a block's address, at
    # one layout in fifty, for a pointer (seen: perl's 800 KB temporaries
    # stack, definitely lost in every run but one); one fixed layout makes
    # each tool's verdict the same from run to run.
    under "$WORK/c.db" $norandom "$@" > /dev/null 2>&1
    $norandom valgrind --leak-check=full --show-leak-kinds=definite,indirect --trace-children=no \
        --xml=yes --xml-file="$WORK/vg.xml" "$@" > /dev/null 2>&1
    if "$PY" "$top_srcdir/tests/lost_blocks.py" $mode "$WORK/c.db" "$WORK/vg.xml" > "$WORK/lb.out"; then
        pass "$name: Valgrind's lost blocks${mode:+ (or fewer)}: $(cat "$WORK/lb.out")"
    else
        fail "$name: $(head -n 1 "$WORK/lb.out")"
        sed 's/^/    | /' "$WORK/lb.out" | tail -n +2
    fi
}

# ---- the programs whose answer is known -----------------------------------------------
for p in graph cycles leaks cxx_leaks threads alloc_funcs clean stacks storm; do
    compare "$p (tests/programs)" "$PROGS/$p"
done

# ---- real programs ------------------------------------------------------------------------
cat > "$WORK/script.py" <<'PY'
import json, collections
d = collections.defaultdict(list)
for i in range(20000):
    d[i % 97].append({"k": i, "v": [str(i)] * 3})
print(len(json.dumps(d)))
PY
# Python seeds its string hashes at random per process, as Perl does below:
# one seed for both runs, so that they are one program.
export PYTHONHASHSEED=0
compare "python3 script" /usr/bin/python3 "$WORK/script.py"
unset PYTHONHASHSEED
printf 'CREATE TABLE t(a, b);\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000)\nINSERT INTO t SELECT x, hex(x) FROM c;\nSELECT count(*), max(b) FROM t;\n' > "$WORK/s.sql"
compare "sqlite3 shell" "$SQLITE3" :memory: ".read $WORK/s.sql"
if command -v git > /dev/null; then
    git init -q "$WORK/repo"
    echo a > "$WORK/repo/a"
    git -C "$WORK/repo" add a
    git -C "$WORK/repo" -c user.name=t -c user.email=t@e commit -q -m one
    compare "git log" git -C "$WORK/repo" log --oneline
    compare "git status" git -C "$WORK/repo" status --short
fi
if command -v apt-cache > /dev/null; then
    compare "apt-cache (C++)" apt-cache policy dpkg
fi
# The corpus of tests/run-real.sh.
seq 1 50000 | sed 's/$/ lorem ipsum dolor/' > "$WORK/big.txt"
printf 'a\nb\nc\n' > "$WORK/one.txt"; printf 'a\nB\nc\nd\n' > "$WORK/two.txt"
# Perl seeds its hashes at random per process: the two runs compared here
# (the shim's, Valgrind's) would be two different programs.  One seed for both.
PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0
export PERL_HASH_SEED PERL_PERTURB_KEYS
compare "perl, building hashes" perl -e 'my %h; $h{$_ % 1000} .= "x" for 1..200000; print length $h{1}, "\n"'
compare "perl, a large temporaries stack" perl -e 'my @t = map { "x$_" } 1..50000; print scalar(@t), "\n"'
compare "bash" bash -c 'for i in $(seq 1 300); do s="$s$i,"; done; f() { echo "$1$1"; }; f "${#s}"'
compare "awk" awk '{ n[$1 % 7]++ } END { for (k = 0; k < 7; k++) print k, n[k] }' "$WORK/big.txt"
compare "sort" sort -t ' ' -k1,1nr "$WORK/big.txt"
compare "sed" sed -n 's/^\([0-9]*7\) lorem/\1 LOREM/p' "$WORK/big.txt"
compare "grep" grep -c 'not there at all' "$WORK/big.txt"
compare "diff" diff "$WORK/one.txt" "$WORK/two.txt"
compare "find" find "$top_srcdir/tests/programs" -name '*.c'
compare "xz" xz -c "$WORK/big.txt"
compare "openssl" openssl dgst -sha256 "$WORK/big.txt"
compare "make" make --version
compare --subset "gcc (obstack chunks held by a libc buffer that Valgrind's freeres frees)" gcc --version

finish
