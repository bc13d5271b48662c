#!/bin/sh
# run-helpers.sh: the language helpers, on their examples: leakaudit.hpp
# (C++, header-only) and bindings/rust/leakaudit.rs (Rust, std only).  A
# value leaked with leakaudit::leak is intentional with everything it owns,
# an accidental leak beside it is still a leak, and a mark made again and
# again is a repeated mark located at the caller's line, not the helper's.
. "$top_srcdir/tests/lib.sh"

CXX=${CXX:-g++}

# summary DB FILE: the findings that have a frame in FILE, one per line.
summary() {
    "$REPORT" --format json "$1" > "$WORK/s.json"
    "$PY" "$top_srcdir/tests/findings.py" --file "$2" "$WORK/s.json" | grep -v '^reachable'
}

# mark_line DB: where the SARIF result of the repeated mark points: FILE:LINE.
mark_line() {
    "$REPORT" --format sarif "$1" | "$PY" -c 'import json, sys
for r in json.load(sys.stdin)["runs"][0]["results"]:
    if r["ruleId"] == "leakaudit/repeated-mark":
        l = r["locations"][0]["physicalLocation"]
        print("%s:%d" % (l["artifactLocation"]["uri"].rsplit("/", 1)[-1], l["region"]["startLine"]))'
}

# ---- C++ ---------------------------------------------------------------------------------
if "$CXX" -O1 -g -I"$top_srcdir/include" -o "$WORK/leak_helper" "$top_srcdir/examples/leak_helper.cc"; then
    same_output "C++ example" "$WORK/leak_helper"
    under "$WORK/cxx.db" "$WORK/leak_helper" > /dev/null
    check_eq "C++: the leaked configuration is intentional with the 3 blocks it owns; the lost array a leak" \
        "$(summary "$WORK/cxx.db" leak_helper.cc)" \
"intentional blocks=4 bytes=237 direct=1 indirect=3 site=1 marks=1 why=configuration, loaded once in=load_config
leak blocks=1 bytes=64 direct=1 indirect=0 site=1 fails in=forget()
fail=true"
    cat > "$WORK/again.cc" <<'CC'
#include <memory>
#include "leakaudit.hpp"
int main()
{
    for (int i = 0; i < 3; i++)
        leakaudit::leak(std::make_unique<long>(i), "once, I thought"); // line 6
    return 0;
}
CC
    "$CXX" -O0 -g -I"$top_srcdir/include" -o "$WORK/again" "$WORK/again.cc"
    under "$WORK/again.db" "$WORK/again" > /dev/null
    check_eq "C++: leakaudit::leak in a loop is a repeated mark, located at the caller's line (even at -O0)" \
        "$(mark_line "$WORK/again.db")" "again.cc:6"
else
    fail "C++: the example does not build"
fi

# ---- Rust --------------------------------------------------------------------------------
if [ -n "${RUSTC:-}" ] && [ -x "$RUSTC" ]; then
    env -u MAKEFLAGS "$RUSTC" --edition 2021 -g -O -o "$WORK/leak_helper_rs" "$top_srcdir/examples/leak_helper.rs"
    same_output "Rust example" "$WORK/leak_helper_rs"
    under "$WORK/rust.db" "$WORK/leak_helper_rs" > /dev/null
    check_eq "Rust: the leaked configuration is intentional with the String it owns; the forgotten Vec a leak" \
        "$(summary "$WORK/rust.db" leak_helper.rs)" \
"intentional blocks=2 bytes=84 direct=1 indirect=1 site=1 marks=1 why=configuration, loaded once in=leak_helper::load_config
leak blocks=1 bytes=100 direct=1 indirect=0 site=1 fails in=leak_helper::forget
fail=true"
    cat > "$WORK/again.rs" <<RS
#[path = "$top_srcdir/bindings/rust/leakaudit.rs"]
mod leakaudit;
fn main() {
    for i in 0..3u64 {
        leakaudit::leak(Box::new([i; 4]), "once, I thought"); // line 5
    }
    assert!(leakaudit::snapshot());
}
RS
    env -u MAKEFLAGS "$RUSTC" --edition 2021 -g -o "$WORK/again_rs" "$WORK/again.rs"
    under "$WORK/again_rs.db" "$WORK/again_rs" > /dev/null
    check_eq "Rust: leakaudit::leak in a loop is a repeated mark at the caller's line; snapshot() took one" \
        "$(mark_line "$WORK/again_rs.db"):$(q "$WORK/again_rs.db" "SELECT count(*) FROM runs WHERE end_reason = 'snapshot'")" \
        "again.rs:5:1"
    "$WORK/again_rs" > /dev/null
    check_eq "Rust: without the shim, leak and snapshot still work (Box::leak alone)" "$?" 0
else
    echo "SKIP - Rust: no rustc"
fi
# In a crate as `cargo new` makes it today (edition 2024) and as it did
# (2021): copied in, built offline and warning-free, it marks.
if [ -n "${CARGO:-}" ] && [ -x "$CARGO" ]; then
    for ed in 2024 2021; do
        (cd "$WORK" && env -u MAKEFLAGS "$CARGO" new -q --offline --vcs none --edition "$ed" "crate$ed")
        cp "$top_srcdir/bindings/rust/leakaudit.rs" "$WORK/crate$ed/src/"
        cat > "$WORK/crate$ed/src/main.rs" <<'RS'
mod leakaudit;

struct Config {
    name: String,
}

fn main() {
    let cfg = leakaudit::leak(Box::new(Config { name: "x".repeat(40) }), "configuration");
    println!("{}", cfg.name.len());
}
RS
        (cd "$WORK/crate$ed" && env -u MAKEFLAGS RUSTFLAGS="-D warnings" "$CARGO" build -q --offline) \
            > "$WORK/cargo$ed.out" 2>&1
        check_eq "Rust: a cargo new crate of edition $ed builds with leakaudit.rs, without a warning" \
            "$?:$(grep -c "^edition = \"$ed\"" "$WORK/crate$ed/Cargo.toml")" "0:1"
        sed 's/^/    | /' "$WORK/cargo$ed.out" | head -n 10
        under "$WORK/crate$ed.db" "$WORK/crate$ed/target/debug/crate$ed" > /dev/null
        check_eq "... and marks: the Config and the String it owns intentional, no leak" \
            "$(q "$WORK/crate$ed.db" "SELECT group_concat(class, ',') FROM (SELECT class FROM blocks WHERE class != 2 ORDER BY class)"):$(q "$WORK/crate$ed.db" "SELECT why FROM marks")" \
            "1,1:configuration"
    done
else
    fail "Rust: no cargo (configure looks for it)"
fi
# ---- the README's sample report -------------------------------------------------------
(cd "$top_builddir" && "$WRAPPER" -o "$WORK/leaky.db" -- ./examples/leaky > /dev/null 2>&1)
(cd "$top_builddir" && "$REPORT" --color never "$WORK/leaky.db" > "$WORK/leaky.txt")
"$PY" - "$top_srcdir/README.md" "$WORK/leaky.txt" "$top_srcdir" "$WORK/leaky.db" > "$WORK/readme.check" <<'PY'
import os, re, sys
readme, actual, src, db = sys.argv[1:5]
src = os.path.realpath(src)  # distcheck's is .../_build/sub/..
text = open(readme).read()
block = text.split("### A report (the bundled example)\n", 1)[1].split("\nand a cycle", 1)[0]
shown = [l[4:] for l in block.splitlines() if l.startswith("    ") or l == ""]
while shown and shown[0] == "":
    shown.pop(0)
def norm(lines, path, dbpath):
    out = []
    for l in lines:
        l = l.replace(dbpath, "examples/leaky.db").replace(path.rstrip("/") + "/", "SRC/")
        out.append(re.sub(r"pid [0-9]+", "pid N", re.sub(r"0x[0-9a-f]+", "0xADDR", l)))
    while out and out[-1] == "":
        out.pop()
    return out
a = norm(shown, "/home/me/leakaudit", "examples/leaky.db")
b = norm(open(actual).read().splitlines(), src, db)
for i, (x, y) in enumerate(zip(a, b)):
    if x != y:
        print("line %d: README %r, the example %r" % (i + 1, x, y))
        break
else:
    print("same" if len(a) == len(b) else "README %d lines, the example %d" % (len(a), len(b)))
PY
check_eq "the README's sample report is what the example prints (but addresses, pid, paths)" "$(cat "$WORK/readme.check")" same
finish
