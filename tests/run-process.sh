#!/bin/sh
# run-process.sh: the processes the shim follows: threads, fork, exec,
# many processes writing one database at once, and every way out of a
# process.  Programs are in tests/programs/.
. "$top_srcdir/tests/lib.sh"

# ---- threads ------------------------------------------------------------------
db=$WORK/threads.db
under "$db" "$PROGS/threads" > "$WORK/threads.out"
check_eq "threads: exit status and stdout" "$?:$(cat "$WORK/threads.out")" "0:threads done"
# thread_leak's blocks are 100 to 107 bytes; the others still allocated
# are libc's (thread descriptors of cached stacks), from the main thread.
leak_site="(SELECT stack FROM blocks WHERE size BETWEEN 100 AND 107)"
check_eq "threads: exactly 36 leaks (k+1 of 100+k bytes from thread k), one site" \
    "$(q "$db" "SELECT count(*), sum(size), count(DISTINCT stack) FROM blocks WHERE stack IN $leak_site")" "36|3768|1"
check_eq "threads: the leak site counts its 36 allocations (each thread's counts reach it at the thread's end)" \
    "$(q "$db" "SELECT allocs FROM stacks WHERE id IN $leak_site")" 36
check_eq "threads: thread_leak's blocks come from 8 threads" \
    "$(q "$db" "SELECT count(DISTINCT thread) FROM blocks WHERE stack IN $leak_site")" 8
check_eq "threads: allocations = frees + blocks still allocated, for every site" \
    "$(q "$db" 'SELECT count(*) FROM stacks s WHERE allocs - frees != (SELECT count(*) FROM blocks b WHERE b.run = s.run AND b.stack = s.id)')" 0

# ---- fork -------------------------------------------------------------------------
db=$WORK/fork.db
under "$db" "$PROGS/forker" > "$WORK/fork.out"
check_eq "fork: parent sees the children's statuses" "$(cat "$WORK/fork.out")" "children: 0 7"
check_eq "fork: three runs" "$(q "$db" 'SELECT count(*) FROM runs')" 3
check_eq "fork: the parent's run has its own 3 blocks" \
    "$(q "$db" 'SELECT blocks, exit_code FROM runs WHERE pid IN (SELECT ppid FROM runs)')" \
    "3|0"
check_eq "fork: children record only their own blocks, with how they ended" \
    "$(q "$db" "SELECT group_concat(x, ' ') FROM (SELECT r.end_reason || ':' || r.exit_code || ':' || count(b.address) || 'x' || b.size AS x
                FROM runs r JOIN blocks b ON b.run = r.id WHERE r.ppid IN (SELECT pid FROM runs) GROUP BY r.id ORDER BY r.id)")" \
    "exit:0:3x30 _exit:7:4x40"

# ---- exec ---------------------------------------------------------------------------
db=$WORK/exec.db
under "$db" "$PROGS/execer" > "$WORK/exec.out"
check_eq "exec: stdout" "$(cat "$WORK/exec.out")" "child ran
child exited 5"
check_eq "exec: a run for the parent and one for the exec'd image" \
    "$(q "$db" "SELECT group_concat(x, ' ') FROM (SELECT r.exit_code || ':' || r.blocks || ':' || r.bytes || ':' || ifnull(a.value, '-') AS x
                FROM runs r LEFT JOIN args a ON a.run = r.id AND a.idx = 1 ORDER BY r.id)")" \
    "5:2:44:child 0:1:11:-"
db=$WORK/exec-self.db
under "$db" "$PROGS/execer" self > /dev/null
check_eq "exec without fork: the new image's run" \
    "$(q "$db" 'SELECT count(*), exit_code, blocks FROM runs')" "1|5|2"
mkdir -p "$WORK/rel"
(cd "$WORK/rel" && LEAKAUDIT_OUTPUT=rel.db LD_PRELOAD=$SHIM "$PROGS/execer" > /dev/null)
check_eq "a relative LEAKAUDIT_OUTPUT is made absolute and inherited" \
    "$(q "$WORK/rel/rel.db" 'SELECT count(*) FROM runs')" 2

# ---- many processes writing one file at once ----------------------------------------
db=$WORK/parallel.db
i=0
while [ $i -lt 24 ]; do
    under "$db" "$PROGS/leaks" > /dev/null 2>&1 &
    i=$((i + 1))
done
wait
check_eq "24 processes at once: 24 runs of 9 blocks each" \
    "$(q "$db" 'SELECT count(*), min(blocks), max(blocks) FROM runs')" "24|9|9"
check_eq "24 processes at once: blocks all there" "$(q "$db" 'SELECT count(*) FROM blocks')" 216
check_eq "24 processes at once: the database is sound" "$(q "$db" 'PRAGMA integrity_check')" ok

# ---- ways out of a process -------------------------------------------------------------
for mode in return exit _exit _Exit; do
    db=$WORK/exit-$mode.db
    under "$db" "$PROGS/exits" $mode 3 > /dev/null
    st=$?
    reason=exit
    case $mode in _*) reason=_exit ;; esac
    check_eq "exits $mode: status, reason, recorded status, the leak" \
        "$st:$(q "$db" 'SELECT end_reason, exit_code, blocks, bytes FROM runs')" "3:$reason|3|1|13"
done
db=$WORK/exit-thread.db
under "$db" "$PROGS/exits" thread 9 > /dev/null
check_eq "exits thread: exit() from a thread while another allocates" \
    "$?:$(q "$db" 'SELECT exit_code, (SELECT count(*) FROM blocks WHERE size = 13) FROM runs')" "9:9|1"
db=$WORK/exit-atexit.db
under "$db" "$PROGS/exits" atexit 0 > /dev/null
check_eq "exits atexit: a block leaked by an atexit handler is recorded" \
    "$(q "$db" 'SELECT group_concat(size, " ") FROM (SELECT size FROM blocks ORDER BY size)')" "13 17"
finish
