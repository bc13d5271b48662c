#!/bin/sh
# run-service.sh: a long-running program (tests/programs/server.c) that
# leaks one block per request from one site, snapshotted while it runs,
# by leak_snapshot() and by signal (LEAKAUDIT_SNAPSHOT_SIGNAL);
# leakaudit-report --growth names the leaking site and nothing else.
. "$top_srcdir/tests/lib.sh"


# ---- leak_snapshot() -------------------------------------------------------------------
same_output "server, calling leak_snapshot() (without the shim it does nothing)" "$PROGS/server" api 40
under "$WORK/api.db" "$PROGS/server" api 200 > "$WORK/o" 2> "$WORK/e"
check_eq "leak_snapshot() twice: the program goes on and exits as usual, no leakaudit line" \
    "$?:$(cat "$WORK/o"):$(grep -c '^leakaudit:' "$WORK/e")" "0:server done:0"
check_eq "... two snapshot runs, then the final one, of the same process" \
    "$(q "$WORK/api.db" "SELECT group_concat(end_reason, ' '), count(DISTINCT pid) FROM (SELECT * FROM runs ORDER BY id)")" \
    "snapshot snapshot exit|1"
"$REPORT" --growth "$WORK/api.db" > "$WORK/growth.txt"
check_eq "--growth: status 1, one site grew" "$?:$(grep -c '^+[0-9]* block' "$WORK/growth.txt")" "1:1"
check_grep "... by exactly the 100 requests between the snapshots, in forget_session" \
    "^\+100 blocks, \+4800 bytes \(50 -> 150 blocks\) in forget_session, allocated at:$" "$WORK/growth.txt"
"$REPORT" --growth --format json "$WORK/api.db" > "$WORK/growth.json"
check_eq "--growth --format json: the same, as JSON" \
    "$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
s = d["sites"]
print(d["format"], d["grew"], len(s), s[0]["blocks_after"] - s[0]["blocks_before"], s[0]["stack"][0]["function"])' "$WORK/growth.json")" \
    "leakaudit-growth True 1 100 forget_session"
"$REPORT" "$WORK/api.db" > "$WORK/r.txt"
check_grep "the report without --growth: the final run, and a word on the snapshots" \
    "^leakaudit-report: .*api.db: 1 run \(and 2 snapshot runs, which --growth compares\)$" "$WORK/r.txt"

# ---- by signal ----------------------------------------------------------------------------
# snapshots DB COUNT: waits (up to 10 s) until DB holds COUNT snapshot runs.
snapshots() {
    for i in $(seq 1 100); do
        [ "$(q "$1" "SELECT count(*) FROM runs WHERE end_reason = 'snapshot'" 2> /dev/null)" = "$2" ] && return 0
        sleep 0.1
    done
    return 1
}
env LEAKAUDIT_SNAPSHOT_SIGNAL=12 LEAKAUDIT_OUTPUT="$WORK/sig.db" LD_PRELOAD="$SHIM" \
    "$PROGS/server" signal 400 > "$WORK/o" 2> "$WORK/e" &
pid=$!
sleep 0.5
kill -USR2 $pid
snapshots "$WORK/sig.db" 1
sleep 1
kill -USR2 $pid
snapshots "$WORK/sig.db" 2
check_eq "two SIGUSR2 to the running server: two snapshot runs while it runs" \
    "$(q "$WORK/sig.db" "SELECT count(*), min(pid) = $pid FROM runs WHERE end_reason = 'snapshot'")" "2|1"
wait $pid
check_eq "... and it goes on to exit as usual, no leakaudit line" \
    "$?:$(cat "$WORK/o"):$(grep -c '^leakaudit:' "$WORK/e")" "0:server done:0"
"$REPORT" --growth --format json "$WORK/sig.db" > "$WORK/sig.json"
check_eq "--growth: status 1, and only forget_session grew, by the requests between the signals" \
    "$?:$("$PY" -c 'import json, sys
s = json.load(open(sys.argv[1]))["sites"]
print(len(s), s[0]["stack"][0]["function"], 50 <= s[0]["blocks_after"] - s[0]["blocks_before"] <= 150)' "$WORK/sig.json")" \
    "1:1 forget_session True"

# ---- what --growth refuses ------------------------------------------------------------------
under "$WORK/plain.db" "$PROGS/leaks" > /dev/null 2>&1
"$REPORT" --growth "$WORK/plain.db" > /dev/null 2> "$WORK/e"
check_eq "--growth without two snapshots: status 2, one line" \
    "$?:$(wc -l < "$WORK/e"):$(grep -c 'no process has two snapshot runs' "$WORK/e")" "2:1:1"
"$REPORT" --growth --format sarif "$WORK/api.db" > /dev/null 2> "$WORK/e"
check_eq "--growth --format sarif: status 2, one line" "$?:$(wc -l < "$WORK/e")" "2:1"
LEAKAUDIT_SNAPSHOT_SIGNAL=99 under "$WORK/bad.db" "$PROGS/clean" > /dev/null 2> "$WORK/e"
check_grep "LEAKAUDIT_SNAPSHOT_SIGNAL=99: a warning, and none" "^leakaudit: LEAKAUDIT_SNAPSHOT_SIGNAL has an invalid value '99'" "$WORK/e"
finish
