#!/bin/sh
# run-libs.sh: libraries coming and going.  Blocks allocated by a library
# that is unloaded (dlclose) before the end still symbolize to its code;
# a library's constructor that allocates before the shim's own constructor
# ran is recorded without crash or false leak; the dynamic loader's own
# blocks are not leaks.  tests/programs/loader.c, plugin.c, early.c.
. "$top_srcdir/tests/lib.sh"

PLUGIN=$top_builddir/tests/programs/.libs/libplugin.so

# ---- loaded, leaked, unloaded ---------------------------------------------------------
same_output "loader: dlopen, leak 3, dlclose" "$PROGS/loader" "$PLUGIN" close 3 1
under "$WORK/close.db" "$PROGS/loader" "$PLUGIN" close 3 1 > /dev/null
"$REPORT" --format json "$WORK/close.db" > "$WORK/close.json"
findings --file plugin.c "$WORK/close.json" > "$WORK/close.f"
check_grep "the 3 leaks of the unloaded library symbolize to plugin_leak in plugin.c" \
    "^leak blocks=3 bytes=369 .* in=plugin_leak$" "$WORK/close.f"
check_eq "... its module is recorded, though gone at the end" \
    "$(q "$WORK/close.db" "SELECT count(*) FROM modules WHERE path LIKE '%/libplugin.so'")" 1
check_grep "... and the table its constructor kept in its own data is lost with it" \
    "^leak blocks=1 bytes=64 .* in=plugin_init$" "$WORK/close.f"

under "$WORK/keep.db" "$PROGS/loader" "$PLUGIN" keep 3 1 > /dev/null
"$REPORT" --format json "$WORK/keep.db" > "$WORK/keep.json"
findings --file plugin.c "$WORK/keep.json" > "$WORK/keep.f"
check_grep "kept loaded: the same 3 leaks, symbolized the same" \
    "^leak blocks=3 bytes=369 .* in=plugin_leak$" "$WORK/keep.f"
check_eq "... and its table, still referenced from its data, is not a leak" \
    "$(grep -c '^leak.* in=plugin_init$' "$WORK/keep.f"):$(q "$WORK/keep.db" 'SELECT class FROM blocks WHERE size = 64')" "0:2"

# ---- many rounds: loaded again and again, maybe elsewhere each time --------------------------
under "$WORK/rounds.db" "$PROGS/loader" "$PLUGIN" close 1 40 > "$WORK/o"
check_eq "40 rounds of dlopen, leak 1, dlclose: runs as without the shim" "$?:$(cat "$WORK/o")" \
    "0:loader: 40 rounds, early block kept"
"$REPORT" --format json "$WORK/rounds.db" > "$WORK/rounds.json"
check_eq "... all 40 leaks symbolize to plugin_leak, every one" \
    "$(findings --file plugin.c "$WORK/rounds.json" | grep 'in=plugin_leak$' | sed 's/^leak blocks=\([0-9]*\) .*/\1/' | paste -sd+ | bc)" 40
check_eq "... with no frame left without a module" \
    "$(q "$WORK/rounds.db" 'SELECT count(*) FROM frames f JOIN blocks b ON b.run = f.run AND b.stack = f.stack WHERE b.size = 123 AND f.module IS NULL')" 0

# ---- constructors before the shim's --------------------------------------------------------------
findings --file early.c "$WORK/keep.json" > "$WORK/early.f"
check_eq "a linked library's constructor: its leaked 77-byte block is one leak, in early_init" \
    "$(grep -c '^leak blocks=1 bytes=77 .* in=early_init$' "$WORK/early.f")" 1
check_eq "... and the 55-byte block it keeps is reachable, not a leak" \
    "$(q "$WORK/keep.db" 'SELECT class FROM blocks WHERE size = 55')" 2

# ---- the dynamic loader --------------------------------------------------------------------------
# The loader's blocks for a library still loaded at exit (keep), and none
# left of one unloaded (close).  The shim's own libraries (libunwind,
# SQLite) are loaded under its guard: none of their blocks are recorded.
check_eq "blocks the dynamic loader allocated (dlopen's own) are never lost" \
    "$(q "$WORK/keep.db" "SELECT count(*) FROM $BLOCK_FRAME0
                         WHERE m.path LIKE '%/ld-linux%' AND b.class = 3"):$(q "$WORK/close.db" "SELECT count(*) FROM $BLOCK_FRAME0
                         WHERE m.path LIKE '%/ld-linux%' AND b.class = 3")" 0:0
check_eq "... though it did allocate (the plugin's link map, still loaded)" \
    "$(q "$WORK/keep.db" "SELECT count(*) > 0 FROM $BLOCK_FRAME0
                          WHERE m.path LIKE '%/ld-linux%'")" 1
finish
