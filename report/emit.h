/*
 * emit.h: the report's outputs.  They print findings (analyze.h) whose
 * stacks are symbolized and whose policy is applied (policy.h); they
 * compute nothing.
 */
#ifndef RP_EMIT_H
#define RP_EMIT_H

#include <stdio.h>

#include "growth.h"
#include "places.h"
#include "policy.h"

struct rp_emit_opts {
    int color;   /* ANSI colours (text, on a terminal) */
    int verbose; /* text: every finding, reachable ones included */
    int full_stacks; /* text: the runtime's frames above the program's too */
};

/* Text, LeakSanitizer-like: the runs, a summary line per kind, then the
 * findings, failing first, with their stacks; cycles drawn member by
 * member.  A last line says FAIL or OK. */
void rp_emit_text(FILE *out, const struct rp_db *db, const struct rp_findings *f,
                  const struct rp_summary *sum, const struct rp_emit_opts *o);

/* JSON, version 1, as docs/json.md and docs/leakaudit-report.schema.json. */
void rp_emit_json(FILE *out, const struct rp_db *db, const struct rp_findings *f,
                  const struct rp_summary *sum);

/* SARIF 2.1.0 (emit_sarif.c): one result per place, error when it fails
 * (by FAIL_MASK, the policy's), warning when it does not. */
void rp_emit_sarif(FILE *out, const struct rp_db *db, const struct rp_places *pl,
                   unsigned fail_mask);

/* HTML: one self-contained page (emit_html.c). */
void rp_emit_html(FILE *out, const struct rp_db *db, const struct rp_findings *f,
                  const struct rp_summary *sum);

/* Folded stacks, for flamegraph.pl, inferno and speedscope: a line per
 * allocating stack of lost bytes (leaks and cycle members, not
 * suppressed), frames outermost first separated by ';', a space, and the
 * bytes.  Identical stacks add up; lines are sorted. */
void rp_emit_folded(FILE *out, const struct rp_findings *f);

/* JUnit XML, for CI test reporters: one test case per failing place,
 * named by the place alone (kind, function, file:line relative to the
 * source root: no count, so that its history holds when sizes change),
 * its failure carrying the stacks; or one passing test case when none
 * fails.  SECONDS is the report's time. */
void rp_emit_junit(FILE *out, const struct rp_db *db, const struct rp_places *pl,
                   double seconds);

/* --format suppressions (emit_supp.c): a LeakSanitizer suppression file
 * that silences exactly the failing places of PL when passed back, an
 * entry per place (ALL: every finding, to tell them apart). */
void rp_emit_suppressions(FILE *out, const struct rp_db *db, const struct rp_places *pl,
                          const struct rp_findings *all);

/* --format stats (emit_stats.c): a histogram of the sizes of the blocks
 * still allocated at exit, lost and reachable; bytes by program and by
 * module; the top sites. */
void rp_emit_stats(FILE *out, const struct rp_db *db, const struct rp_findings *f);

/* --growth: the sites that grew between snapshots, as text (a GREW or OK
 * line last) or as JSON ("format": "leakaudit-growth", docs/json.md). */
void rp_emit_growth_text(FILE *out, const struct rp_db *db, const struct rp_growth *g,
                         const struct rp_emit_opts *o);
void rp_emit_growth_json(FILE *out, const struct rp_db *db, const struct rp_growth *g);

/* ST's frames, a line each ("#N 0xPC in FUNCTION FILE:LINE (MODULE)";
 * a frame without a function is named MODULE+0xOFFSET, to symbolize later),
 * each after INDENT, every string through PUT (which escapes it for the
 * output at hand). */
void rp_emit_frames(FILE *out, const struct rp_stack *st, size_t first, const char *indent,
                    void (*put)(FILE *, const char *));

/* How many of ST's innermost frames run a runtime's code above the
 * program's own (operator new, Rust's alloc, libc): 0 when none, or when
 * no frame is the program's. */
size_t rp_runtime_frames(const struct rp_stack *st);

/* How many of ST's innermost frames are leakaudit's inlined marking
 * helpers (leakaudit.h's leak_mark, the C++ and Rust ones): 0 when none,
 * or when every frame is. */
size_t rp_helper_frames(const struct rp_stack *st);

/* The stack that places finding F: a repeated mark's mark site, else the
 * allocation site (a cycle's first member's). */
const struct rp_stack *rp_finding_stack(const struct rp_finding *f);

/* The frame that locates a finding in the program's own code: its source
 * frame (rp_source_frame) when that is the program's, else the innermost
 * frame of the program's own module (a stripped program); NULL when no
 * frame is the program's. */
const struct rp_frame *rp_own_frame(const struct rp_stack *st);

/* Frame F's name into TEXT (CAP bytes): its function, or MODULE+0xOFFSET
 * without symbols, or "??" without a module either. */
void rp_frame_name(const struct rp_frame *f, char *text, size_t cap);

/* Where frame F is, in one piece of TEXT (CAP bytes): "FUNCTION FILE:LINE",
 * or "MODULE+0xOFFSET" without symbols. */
void rp_frame_place(const struct rp_frame *f, char *text, size_t cap);

/* One line that says what finding F is, into TEXT (CAP bytes). */
void rp_finding_title(const struct rp_finding *f, char *text, size_t cap);

/* The innermost frame of ST in the program's own source (not a system
 * header, Rust's std, libc's sources or leakaudit.h); else the innermost
 * with a source file outside the system's libraries (never libc's,
 * libstdc++'s or the loader's); else NULL. */
const struct rp_frame *rp_source_frame(const struct rp_stack *st);

#endif
