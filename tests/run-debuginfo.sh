#!/bin/sh
# run-debuginfo.sh: symbols for code whose debug information is elsewhere:
# a stripped program whose separate debug file lies in a directory by its
# build-id (--debug-dir, as /usr/lib/debug/.build-id is used), and served
# by a real debuginfod on the loopback (DEBUGINFOD_URLS, through libdw).
. "$top_srcdir/tests/lib.sh"

cat > "$WORK/dbg.c" <<'C'
#include <stdlib.h>
#include <string.h>
__attribute__((noinline)) static char *lose_it(size_t n)
{
    char *p = malloc(n);
    memset(p, 1, n);
    return p;
}
int main(void)
{
    for (int i = 0; i < 3; i++)
        lose_it(48);
    return 0;
}
C
${CC:-cc} -O0 -g -Wl,--build-id -o "$WORK/dbg" "$WORK/dbg.c"
objcopy --only-keep-debug "$WORK/dbg" "$WORK/dbg.debug"
cp "$WORK/dbg" "$WORK/dbg.stripped"
strip --strip-all "$WORK/dbg.stripped"
id=$(readelf -n "$WORK/dbg.stripped" | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p')
check_eq "the stripped program has a build-id and no symbol table" \
    "$(echo "$id" | grep -c '^[0-9a-f]\{40\}$'):$(readelf -S "$WORK/dbg.stripped" | grep -c -e '\.symtab' -e '\.debug_info')" "1:0"
under "$WORK/dbg.db" "$WORK/dbg.stripped" > /dev/null

"$REPORT" --color never "$WORK/dbg.db" > "$WORK/bare.txt"
check_grep "without its debug file: the leak placed by module and offset" \
    "^Leak of 144 bytes in 3 blocks, at dbg\.stripped\+0x[0-9a-f]+$" "$WORK/bare.txt"

mkdir -p "$WORK/debug/.build-id/$(echo "$id" | cut -c1-2)"
cp "$WORK/dbg.debug" "$WORK/debug/.build-id/$(echo "$id" | cut -c1-2)/$(echo "$id" | cut -c3-).debug"
"$REPORT" --color never --debug-dir "$WORK/debug" "$WORK/dbg.db" > "$WORK/dir.txt"
check_grep "--debug-dir: the debug file found by build-id, as under /usr/lib/debug/.build-id" \
    "^Leak of 144 bytes in 3 blocks, at lose_it $WORK/dbg\.c:5$" "$WORK/dir.txt"

if command -v debuginfod > /dev/null; then
    mkdir -p "$WORK/served"
    cp "$WORK/dbg.debug" "$WORK/served/"
    port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    debuginfod -p "$port" -d "$WORK/debuginfod.sqlite" -F "$WORK/served" > "$WORK/debuginfod.log" 2>&1 &
    server=$!
    # Ready when it serves the file (it scans the directory first).
    "$PY" - "$port" "$id" <<'PY'
import sys, time, urllib.request
url = "http://127.0.0.1:%s/buildid/%s/debuginfo" % (sys.argv[1], sys.argv[2])
for _ in range(300):
    try:
        if urllib.request.urlopen(url, timeout=2).status == 200:
            sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit(1)
PY
    check_eq "debuginfod on the loopback serves the debug file by build-id" "$?" 0
    DEBUGINFOD_URLS="http://127.0.0.1:$port" DEBUGINFOD_CACHE_PATH="$WORK/cache" \
        "$REPORT" --color never "$WORK/dbg.db" > "$WORK/served.txt"
    check_grep "DEBUGINFOD_URLS: libdw fetches it, and the leak is placed in the source" \
        "^Leak of 144 bytes in 3 blocks, at lose_it $WORK/dbg\.c:5$" "$WORK/served.txt"
    kill "$server" 2> /dev/null
    wait "$server" 2> /dev/null
    # The server gone: the report stands, as without it.
    DEBUGINFOD_URLS="http://127.0.0.1:$port" DEBUGINFOD_CACHE_PATH="$WORK/cache2" \
        DEBUGINFOD_TIMEOUT=5 "$REPORT" --color never "$WORK/dbg.db" > "$WORK/gone.txt"
    check_eq "... with the server gone: the same report as without debug information (status 1)" \
        "$?:$(grep -c '^Leak of 144 bytes in 3 blocks, at dbg\.stripped+0x' "$WORK/gone.txt")" "1:1"
else
    fail "debuginfod is not installed (tools/install-deps --tests)"
fi
finish
