#!/bin/sh
# run-html.sh: the HTML report.  Without a browser: one self-contained file
# (nothing fetched from the network), carrying exactly the JSON report, in
# which no string from the database can end the script.  In headless
# Chromium, driven through the DevTools protocol with real mouse clicks
# (tests/html_check.py): the page renders its summary, flame graph and
# findings; a click opens and closes a stack; a cycle is drawn; sorting and
# filtering work; a frame zooms the flame graph, lost bytes by default and
# all bytes at a click; the runs collapse to their totals; the search box
# and the filter by program and run keep what they should; a failing
# finding shows its source lines; no script error; a hostile database runs
# no script; a page of 300 runs stays under 2 MB.  A screenshot of the report is left in
# tests/report-screenshot.png for a person to look at.
. "$top_srcdir/tests/lib.sh"

db=$WORK/graph.db
under "$db" "$PROGS/graph" > /dev/null
"$REPORT" --format html -o "$WORK/report.html" "$db"
check_eq "--format html -o: status follows the policy" "$?" 1
"$REPORT" --format json "$db" > "$WORK/report.json"
check_eq "the page carries exactly the JSON report" \
    "$("$PY" -c 'import json, re, sys
html = open(sys.argv[1]).read()
data = re.search(r"<script type=\"application/json\" id=\"report-data\">(.*?)</script>", html, re.S).group(1)
print(json.loads(data) == json.load(open(sys.argv[2])))' "$WORK/report.html" "$WORK/report.json")" True
check_eq "one self-contained file: no src or href, no URL (but SVG's namespace name), no external script or style" \
    "$(grep -Ei '(src|href)=|https?://|<link' "$WORK/report.html" | grep -vc '"http://www.w3.org/2000/svg"')" 0

# A database whose strings try to end the script and run their own.
cp "$db" "$WORK/hostile.db"
"$SQLITE3" "$WORK/hostile.db" "UPDATE modules SET path = '/x/</script><img src=x onerror=\"window.pwned=1\">' WHERE path LIKE '%/graph'"
"$REPORT" --format html -o "$WORK/hostile.html" "$WORK/hostile.db"
check_eq "hostile module path: nothing in the page ends the data script early" \
    "$(grep -c '</script><img' "$WORK/hostile.html")" 0

# Source lines come from regular files only: a source that became a FIFO
# (or a device) is left out, and the report does not wait on it.
mkdir -p "$WORK/fifo"
printf '#include <stdlib.h>\nint main(void) { char *p = malloc(9); p[0] = 1; p = 0; return 0; }\n' > "$WORK/fifo/f.c"
(cd "$WORK/fifo" && ${CC:-cc} -O0 -g -o f f.c)
LEAKAUDIT_OUTPUT="$WORK/fifo.db" LD_PRELOAD="$SHIM" "$WORK/fifo/f" > /dev/null
rm "$WORK/fifo/f.c"
mkfifo "$WORK/fifo/f.c"
timeout 60 "$REPORT" --format html -o "$WORK/fifo.html" "$WORK/fifo.db"
check_eq "a source that is a FIFO now: the page is made (status 1) without its lines" \
    "$?:$(grep -c 'id="report-sources">{}' "$WORK/fifo.html")" "1:1"

chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$chromium" ] || ! "$PY" -c 'import websocket' 2> /dev/null; then
    echo "SKIP - Chromium or python3-websocket is not installed (tools/install-deps installs both)"
    finish
fi
shot=$top_builddir/tests/report-screenshot.png
"$PY" "$top_srcdir/tests/html_check.py" "$chromium" "$WORK/report.html" "$shot" > "$WORK/seen" 2> "$WORK/chromium.err"
st=$?
check_eq "Chromium loaded the report and was driven to the end" "$st" 0
[ $st -eq 0 ] || sed 's/^/    | /' "$WORK/chromium.err" | tail -20
seen() { sed -n "s/^$1=//p" "$WORK/seen"; }
check_eq "rendered: the verdict, 6 summary rows, a row per finding (12)" \
    "$(seen verdict):$(seen summary_rows):$(seen rows)" "FAIL:6:12"
check_eq "the flame graph: frames drawn, of the lost bytes alone by default" \
    "$([ "$(seen flame_nodes)" -ge 10 ] && echo drawn):$(seen flame_colours)" "drawn:lost"
check_eq "... a click on 'all bytes' draws the intentional and reachable ones too" \
    "$([ "$(seen flame_nodes_all)" -gt "$(seen flame_nodes)" ] && echo more):$(seen flame_colours_all)" "more:lost,intentional,reachable"
check_eq "the runs collapsed to their totals; a click lists them" \
    "$(seen runs_open):$(seen runs_summary):$(seen runs_open_after_click):$(seen runs_listed)" \
    "0:1 run: exit 0 (1); programs: graph (1):1:1"
check_eq "the table says what the text report says of each site (leaked N of M, on every call, direct and indirect)" \
    "$(seen notes | tr '|' '\n' | grep -c -e '^list=leaked 1 of 1 allocations; 1 direct, 4 indirect$' -e '^every_call=leaked 3 of 3 allocations: on every call$' -e '^some_calls=leaked 2 of 4 allocations$')" 3
check_eq "the search box: typing 'triangle' keeps its one finding; cleared, all 12" \
    "$(seen rows_searched):$(seen rows_after_clearing)" "1:12"
check_eq "a failing finding shows its source lines (7), its own line marked" \
    "$(seen source_lines):$(seen source_here | sed 's/^ *[0-9]*//; s/ *$//')" "7:$(sed -n 36p "$top_srcdir/tests/programs/graph.c")"
check_eq "a click on a finding opens its stack (6 frames, with file:line), a second click closes it" \
    "$(seen open_after_click):$(seen first_stack_frames):$(seen first_stack_text | grep -c 'list [^ ]*graph.c:36'):$(seen open_after_second_click)" \
    "1:6:1:0"
check_eq "a cycle is drawn as a ring: a circle per member (3)" "$(seen cycle_circles)" 3
check_eq "a click on 'bytes' sorts the findings, largest first" \
    "$(seen bytes_desc)" "216 B 176 B 176 B 128 B 100 B 72 B 64 B 64 B 56 B 52 B 51 B 40 B"
check_eq "unticking 'reachable' hides its 3 findings" "$(seen rows_without_reachable)" 9
check_eq "a click on a frame of the flame graph zooms into it" \
    "$(seen flame_top_before) -> $(seen flame_top_after)" "all -> _start"
check_eq "no script error" "$(seen js_errors)" 0
check_eq "a screenshot of the report, for a person to look at: $shot" \
    "$(head -c 8 "$shot" | od -An -c | tr -d ' ')" '211PNG\r\n032\n'
"$PY" "$top_srcdir/tests/html_check.py" "$chromium" "$WORK/hostile.html" "$WORK/hostile.png" > "$WORK/seen" 2> /dev/null
check_eq "the hostile report renders its 12 findings and runs none of its strings" \
    "$(seen rows):$(seen pwned):$(seen js_errors)" "12:undefined:0"

# Two programs: the filter by program and by run.
cp "$db" "$WORK/two.db"
under "$WORK/two.db" "$PROGS/leaks" > /dev/null 2>&1
"$REPORT" --format html -o "$WORK/two.html" "$WORK/two.db"
"$PY" "$top_srcdir/tests/html_check.py" "$chromium" "$WORK/two.html" "$WORK/two.png" filters > "$WORK/seen" 2> /dev/null
# The page's findings are merged across runs: those with run N among theirs.
in_run() { "$REPORT" --format json --merge "$WORK/two.db" | "$PY" -c 'import json,sys; print(sum(any(r["run"] == int(sys.argv[1]) for r in f["runs"]) for f in json.load(sys.stdin)["findings"]))' "$1"; }
check_eq "filter by program and run: graph's findings, leaks', run 2's (leaks)" \
    "$(seen rows_graph):$(seen rows_leaks):$(seen rows_run_0_2):$(seen js_errors)" \
    "$(in_run 1):$(in_run 2):$(in_run 2):0"

# A stripped program: its leak is placed in its own module, never in libc.
printf '#include <stdlib.h>\n__attribute__((noinline)) static void lose(void) { char *p = malloc(24); p[0] = 1; __asm__ volatile("" : : "r"(p) : "memory"); }\nint main(void) { lose(); return 0; }\n' > "$WORK/s.c"
${CC:-cc} -O2 -s -o "$WORK/stripped" "$WORK/s.c"
under "$WORK/stripped.db" "$WORK/stripped" > /dev/null
"$REPORT" --format html -o "$WORK/stripped.html" "$WORK/stripped.db"
"$PY" "$top_srcdir/tests/html_check.py" "$chromium" "$WORK/stripped.html" "$WORK/stripped.png" filters > "$WORK/seen" 2> /dev/null
check_eq "a stripped program: the leak's row names its own module and offset, as the text report places it" \
    "$(seen functions | tr '|' '\n' | grep -c '^stripped+0x[0-9a-f]*$'):$(seen functions | grep -c libc)" "1:0"

# At CI scale: hundreds of runs, one page of at most 2 MB.
for i in $(seq 1 300); do
    LEAKAUDIT_OUTPUT="$WORK/many.db" LD_PRELOAD="$SHIM" "$PROGS/leaks" > /dev/null 2>&1
done
"$REPORT" --format html -o "$WORK/many.html" "$WORK/many.db"
check_eq "300 runs: one page of at most 2 MB ($(($(wc -c < "$WORK/many.html") / 1024)) KiB)" \
    "$(q "$WORK/many.db" 'SELECT count(*) FROM runs'):$(( $(wc -c < "$WORK/many.html") <= 2 * 1024 * 1024 ))" "300:1"
finish
