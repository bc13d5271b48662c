#!/usr/bin/python3
"""tests/findings.py: checks leakaudit-report's JSON and prints its
findings one per line, sorted, for the integration scripts to compare.

  findings.py [--schema SCHEMA] [--file NAME] REPORT.json

--schema validates the report against the JSON Schema first (exit 1 with
the error).  --file keeps only findings with a frame in a source file whose
name ends with NAME.  Each line: kind, counts, flags, and the innermost
function in such a file.
"""
import argparse
import json
import sys


def frames(f):
    for fr in f.get("stack", []):
        yield fr
    for m in f.get("cycle", []):
        for fr in m["stack"]:
            yield fr
    for fr in f.get("mark", {}).get("stack", []):
        yield fr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schema")
    ap.add_argument("--file")
    ap.add_argument("report")
    a = ap.parse_args()
    doc = json.load(open(a.report))
    if a.schema:
        import jsonschema
        schema = json.load(open(a.schema))
        try:
            jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
        except jsonschema.ValidationError as e:
            sys.exit("schema: %s at %s" % (e.message, list(e.absolute_path)))
    lines = []
    for f in doc["findings"]:
        fn = None
        for fr in frames(f):
            if fr["file"] and (not a.file or fr["file"].endswith(a.file)):
                fn = fr["function"]
                break
        if a.file and fn is None:
            continue
        line = "%s blocks=%d bytes=%d direct=%d indirect=%d site=%d" % (
            f["kind"], f["blocks"], f["bytes"], f["direct_blocks"], f["indirect_blocks"],
            f["site_allocations"])
        line += " repeated" if f["repeated"] else ""
        line += " per_call" if f["per_call"] else ""
        if "cycle" in f:
            line += " members=%d offsets=%s instances=%d" % (
                len(f["cycle"]), ",".join(str(m["next_offset"]) for m in f["cycle"]),
                f["instances"])
        if "mark" in f:
            line += " marks=%d why=%s" % (f["mark"]["marks"], f["mark"]["why"])
        line += " fails" if f["fails"] else ""
        line += " suppressed" if f.get("suppressed") else ""
        line += " baselined" if f.get("baselined") else ""
        line += " in=%s" % fn
        lines.append(line)
    for line in sorted(lines):
        print(line)
    print("fail=%s" % str(doc["fail"]).lower())


if __name__ == "__main__":
    main()
