#!/bin/sh
# run-html.sh: the HTML report.  Without a browser: one self-contained file
# (nothing fetched from the network), carrying exactly the JSON report, in
# which no string from the database can end the script.  In headless
# Chromium, driven through the DevTools protocol with real mouse clicks
# (tests/html_check.py): the page renders its summary, flame graph and
# findings; a click opens and closes a stack; a cycle is drawn; sorting and
# filtering work; a frame zooms the flame graph; no script error; a
# hostile database runs no script.  A screenshot of the report is left in
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
check_eq "the flame graph: frames drawn, in the colours of lost, intentional and reachable bytes" \
    "$([ "$(seen flame_nodes)" -ge 10 ] && echo drawn):$(seen flame_colours)" "drawn:lost,intentional,reachable"
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
finish
