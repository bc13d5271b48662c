#!/usr/bin/env python3
"""lost_blocks.py: the blocks leakaudit and Valgrind memcheck call lost, for
one run of a program under each, compared block for block.

    lost_blocks.py [--subset] DB VALGRIND.xml

DB is leakaudit's database of the run, VALGRIND.xml memcheck's --xml-file
of the other (--leak-check=full --show-leak-kinds=definite,indirect).  Valgrind's lost blocks are its
definitely and indirectly lost ones; leakaudit's, its lost blocks and the
intentional ones (marked with leak_mark: Valgrind knows no marks, and
counts them lost when nothing else points at them).  Prints one line,
"N blocks, B bytes" when both agree, and exits 0; else what differs, and
exits 1.  A loss record of Valgrind's holds the blocks of one stack: a
record of one block gives its size, which must be among leakaudit's; the
blocks and bytes of all records must add up to leakaudit's.  With
--subset, leakaudit's lost blocks need only be among Valgrind's (no false
leak; for programs where Valgrind's __libc_freeres at exit frees libc
buffers that keep blocks reachable for leakaudit).
"""
import re
import sqlite3
import sys
import xml.etree.ElementTree as ET


def valgrind_records(path):
    records = []
    for err in ET.parse(path).getroot().iter("error"):
        kind = err.findtext("kind") or ""
        if kind not in ("Leak_DefinitelyLost", "Leak_IndirectlyLost"):
            continue
        xwhat = err.find("xwhat")
        size = int(xwhat.findtext("leakedbytes"))
        # A definite record's bytes count the blocks it owns too, which
        # have records of their own: "128 (64 direct, 64 indirect) bytes".
        m = re.search(r"\(([0-9,]+) direct, ", xwhat.findtext("text") or "")
        if m:
            size = int(m.group(1).replace(",", ""))
        records.append((size, int(xwhat.findtext("leakedblocks"))))
    return records


def ours(db):
    con = sqlite3.connect(db)
    sizes = [r[0] for r in con.execute(
        "SELECT size FROM blocks WHERE class IN (1, 3) ORDER BY size")]
    con.close()
    return sizes


def main():
    args = sys.argv[1:]
    subset = args[0] == "--subset"
    if subset:
        args = args[1:]
    sizes = ours(args[0])
    records = valgrind_records(args[1])
    vg_blocks = sum(n for _, n in records)
    vg_bytes = sum(b for b, _ in records)
    problems = []
    if subset:
        if len(sizes) > vg_blocks or sum(sizes) > vg_bytes:
            problems.append("leakaudit %d blocks, %d bytes: more than Valgrind's %d blocks, %d bytes"
                            % (len(sizes), sum(sizes), vg_blocks, vg_bytes))
        records = []
    elif len(sizes) != vg_blocks or sum(sizes) != vg_bytes:
        problems.append("leakaudit %d blocks, %d bytes; Valgrind %d blocks, %d bytes"
                        % (len(sizes), sum(sizes), vg_blocks, vg_bytes))
    left = list(sizes)
    for b, n in records:
        if n == 1:
            if b in left:
                left.remove(b)
            else:
                problems.append("Valgrind's lost block of %d bytes is not lost for leakaudit" % b)
    if problems:
        print("; ".join(problems[:6]))
        print("leakaudit's: %s" % " ".join(map(str, sizes[:40])))
        print("Valgrind's: %s" % " ".join("%d/%d" % r for r in sorted(records)[:40]))
        return 1
    if subset:
        print("%d blocks, %d bytes, of Valgrind's %d blocks, %d bytes"
              % (len(sizes), sum(sizes), vg_blocks, vg_bytes))
    else:
        print("%d blocks, %d bytes" % (len(sizes), sum(sizes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
