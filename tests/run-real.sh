#!/bin/sh
# run-real.sh: programs no one here wrote, under the shim: byte-identical
# stdout and the same exit status as a bare run, and well-formed runs in
# the database.
. "$top_srcdir/tests/lib.sh"

export HOME="$WORK/home"
mkdir -p "$HOME"

# runs_ok NAME DB STATUS: every run ended with a status, the database is
# sound, and the first run's status is STATUS.
runs_ok() {
    check_eq "$1: database sound" "$(q "$2" 'PRAGMA integrity_check')" ok
    check_eq "$1: the first run's status" "$(q "$2" 'SELECT exit_code FROM runs ORDER BY id DESC LIMIT 1')" "$3"
    check_eq "$1: every run complete, with its stacks" \
        "$(q "$2" 'SELECT count(*) FROM runs r WHERE complete = 1 AND NOT EXISTS
                   (SELECT 1 FROM blocks b WHERE b.run = r.id AND b.stack NOT IN
                   (SELECT id FROM stacks s WHERE s.run = r.id))')" \
        "$(q "$2" 'SELECT count(*) FROM runs')"
}

# python3: builds and drops data, prints a digest.
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
cat > "$WORK/script.py" <<'PY'
import hashlib, json, sys
d = {i: [str(j) * 3 for j in range(i % 50)] for i in range(20000)}
s = json.dumps(d, sort_keys=True)
del d
print(hashlib.sha256(s.encode()).hexdigest(), len(s))
sys.exit(3)
PY
same_output "python3" "$py" "$WORK/script.py"
under "$WORK/py.db" "$py" "$WORK/script.py" > /dev/null
runs_ok "python3" "$WORK/py.db" 3

# sqlite3 shell: the shell and the shim share libsqlite3.
cat > "$WORK/script.sql" <<'SQL'
CREATE TABLE t(a INTEGER, b TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
INSERT INTO t SELECT x, 'k' || (x * 7919 % 20011) FROM c;
CREATE INDEX t_b ON t(b);
SELECT count(*), sum(a), max(b) FROM t;
SELECT b FROM t WHERE a % 5000 = 0 ORDER BY b;
SQL
same_output "sqlite3 shell" "$SQLITE3" :memory: ".read $WORK/script.sql"
under "$WORK/sq.db" "$SQLITE3" "$WORK/shell.db" ".read $WORK/script.sql" > /dev/null
runs_ok "sqlite3 shell" "$WORK/sq.db" 0
same_output "sqlite3 shell, a failing statement" "$SQLITE3" ":memory:" "SELECT * FROM nothere"

# git: a repository made and read; several processes.
if command -v git > /dev/null; then
    export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@e GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@e
    export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
    git init -q "$WORK/repo"
    for i in 1 2 3; do
        echo "line $i" >> "$WORK/repo/f.txt"
        git -C "$WORK/repo" add f.txt
        git -C "$WORK/repo" commit -q -m "commit $i"
    done
    same_output "git log" git -C "$WORK/repo" log --stat
    same_output "git status" git -C "$WORK/repo" status --porcelain=v1 --branch
    same_output "git cat-file of a missing object" git -C "$WORK/repo" cat-file -p 0000000
    under "$WORK/git.db" git -C "$WORK/repo" log --oneline > /dev/null
    runs_ok "git log" "$WORK/git.db" 0
else
    echo "SKIP - git: not installed"
fi

# A shell pipeline: every process of the tree writes its run into one file.
same_output "sh pipeline" sh -c 'seq 1 20000 | sort -r | tail -n 3; exit 6'
under "$WORK/sh.db" sh -c 'seq 1 20000 | sort -r | tail -n 3 > /dev/null; exit 6'
check_eq "sh pipeline: a run per process (sh, seq, sort, tail)" \
    "$(q "$WORK/sh.db" 'SELECT count(*) FROM runs')" 4
check_eq "sh pipeline: sound" "$(q "$WORK/sh.db" 'PRAGMA integrity_check')" ok

# ---- a corpus of everyday programs ------------------------------------------------------
# corpus NAME STATUS COMMAND...: byte-identical stdout and the same status
# (STATUS) bare and under the shim, and a sound database whose runs are all
# complete.  Prints a table row (runs, blocks still live at exit).
corpus() {
    name=$1; want=$2; shift 2
    same_output "$name" "$@"
    rm -f "$WORK/c.db"
    under "$WORK/c.db" "$@" > /dev/null 2>&1
    st=$?
    check_eq "$name: status $want, database sound, every run complete" \
        "$st|$(q "$WORK/c.db" 'PRAGMA integrity_check')|$(q "$WORK/c.db" 'SELECT count(*) > 0 AND count(*) = sum(complete) FROM runs')" \
        "$want|ok|1"
    echo "# corpus: $name | status $st | $(q "$WORK/c.db" 'SELECT count(*) FROM runs') runs | $(q "$WORK/c.db" 'SELECT count(*) FROM blocks') blocks live at exit"
}
seq 1 200000 | sed 's/$/ lorem ipsum dolor/' > "$WORK/big.txt"
printf 'a\nb\nc\n' > "$WORK/one.txt"; printf 'a\nB\nc\nd\n' > "$WORK/two.txt"
printf 'all: out.txt\nout.txt: one.txt\n\tsort -r one.txt > out.txt\n\tcat out.txt\n' > "$WORK/Makefile"
printf 'int sq(int x) { return x * x; }\nint main(void) { return sq(3) - 9; }\n' > "$WORK/prog.c"
printf 'for i in $(seq 1 300); do s="$s$i,"; done; echo "${#s}"; f() { echo "$1$1"; }; f ab; exit 4\n' > "$WORK/script.sh"
corpus "perl" 0 perl -e 'my %h; $h{$_ % 1000} .= "x" for 1..200000; print join(",", map { length $h{$_} } 0..9), "\n"'
corpus "bash script" 4 bash "$WORK/script.sh"
corpus "awk" 0 awk '{ n[$1 % 7]++ } END { for (k = 0; k < 7; k++) print k, n[k] }' "$WORK/big.txt"
corpus "sort, a 200,000-line file" 0 sort -t ' ' -k1,1nr "$WORK/big.txt"
corpus "sed" 0 sed -n 's/^\([0-9]*7\) lorem/\1 LOREM/p' "$WORK/big.txt"
corpus "grep, no match (status 1)" 1 grep -c 'not there at all' "$WORK/big.txt"
corpus "diff (status 1)" 1 diff "$WORK/one.txt" "$WORK/two.txt"
corpus "find" 0 find "$top_srcdir/tests/programs" -name '*.c' -newer "$top_srcdir/tests/lib.sh" -o -name 'leaks.c' -print
corpus "tar and gzip round trip" 0 sh -c "cd '$top_srcdir' && tar -cf - tests/programs | gzip -c | gzip -dc | tar -tf - | sort"
corpus "xz round trip" 0 sh -c "xz -c '$WORK/big.txt' | xz -dc | cksum"
corpus "openssl digest and cipher round trip" 0 sh -c "openssl dgst -sha256 -r '$WORK/big.txt' | cut -c1-64; openssl enc -aes-256-cbc -pbkdf2 -pass pass:k -in '$WORK/one.txt' | openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:k"
corpus "make" 0 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$WORK" -B
corpus "gcc compiling and linking a file" 0 gcc -O2 -o "$WORK/prog" "$WORK/prog.c"
corpus "the program gcc built" 0 "$WORK/prog"

finish
