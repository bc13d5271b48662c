#!/bin/sh
# run-valgrind.sh: no false leaks on real programs.  Each program no one
# here wrote runs under the shim and under Valgrind memcheck; every block
# that leakaudit calls lost (kinds leak and cycle, after the built-in
# suppressions) must be one that Valgrind also finds lost, so leakaudit's
# lost blocks can never outnumber Valgrind's definitely + indirectly lost.
. "$top_srcdir/tests/lib.sh"

if ! command -v valgrind > /dev/null; then
    echo "SKIP - valgrind not installed"
    finish
fi
export HOME="$WORK/home"
mkdir -p "$HOME"

# lost_blocks JSON: blocks of failing-kind findings (leak, cycle).
lost_blocks() {
    "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print(sum(f['blocks'] for f in d['findings'] if f['kind'] in ('leak','cycle') and not f['suppressed']))" "$1"
}

# compare NAME COMMAND...: the comparison for one program.
compare() {
    name=$1; shift
    rm -f "$WORK/c.db"
    under "$WORK/c.db" "$@" > /dev/null 2>&1
    "$REPORT" --format json "$WORK/c.db" > "$WORK/c.json"
    ours=$(lost_blocks "$WORK/c.json")
    valgrind --leak-check=full --trace-children=no "$@" > /dev/null 2> "$WORK/vg.txt"
    theirs=$(sed -n 's/.*\(definitely\|indirectly\) lost: [0-9,]* bytes in \([0-9,]*\) blocks.*/\2/p' "$WORK/vg.txt" |
             tr -d , | awk '{s += $1} END {print s + 0}')
    if grep -q "All heap blocks were freed" "$WORK/vg.txt"; then
        theirs=0
    fi
    if [ "$ours" -le "$theirs" ]; then
        pass "$name: $ours lost blocks, Valgrind $theirs"
    else
        fail "$name: leakaudit says $ours lost blocks, Valgrind only $theirs"
        "$REPORT" --color never "$WORK/c.db" | head -60
    fi
}

cat > "$WORK/script.py" <<'PY'
import json, collections
d = collections.defaultdict(list)
for i in range(20000):
    d[i % 97].append({"k": i, "v": [str(i)] * 3})
print(len(json.dumps(d)))
PY
compare "python3 script" /usr/bin/python3 "$WORK/script.py"
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
compare "C++ program (cycles)" "$PROGS/cycles"
compare "C program (graph)" "$PROGS/graph"

finish
