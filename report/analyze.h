/*
 * analyze.h: from the model to findings.  Pure functions over plain structs
 * (model.h): unit tests drive them without a database or libdw.  What fails
 * is decided afterwards, by policy.h.
 */
#ifndef RP_ANALYZE_H
#define RP_ANALYZE_H

#include "model.h"

enum rp_kind {
    RP_LEAK,          /* a direct leak site with its indirect blocks */
    RP_CYCLE,         /* a reference cycle of lost blocks */
    RP_REPEATED_MARK, /* a mark site with more marked blocks than allowed */
    RP_INTENTIONAL,   /* marked blocks and what they own, per mark site */
    RP_REACHABLE,     /* still reachable from roots, per allocation site */
    RP_KINDS
};

/* One block of a cycle, in cycle order. */
struct rp_member {
    struct rp_stack *stack;
    uint64_t size;
    int has_next;         /* a direct pointer to the next member exists */
    uint64_t next_offset; /* where in this block it is */
};

struct rp_finding {
    enum rp_kind kind;
    struct rp_run *run;
    struct rp_stack *stack;      /* allocation site (cycles: first member's) */
    uint64_t blocks, bytes;
    uint64_t direct_blocks, indirect_blocks;
    uint64_t site_allocations;   /* allocations the site ever made */
    int repeated;                /* the site leaked more than one block */
    int per_call;                /* ... and every allocation it made */
    /* intentional, repeated-mark: the mark site */
    struct rp_stack *mark_stack;
    const char *why;
    uint64_t marks;
    /* cycle: one instance's members, and how many instances like it */
    struct rp_member *members;
    size_t nmembers;
    uint64_t instances;
    uint64_t first_seq;          /* for a stable order */
    /* merged across runs (rp_findings_merge, policy.h): its runs */
    struct rp_run **runs;
    size_t nruns;
    /* set by the policy */
    char *key;                   /* the site, symbolized, without addresses */
    int suppressed, baselined, fails;
};

struct rp_findings {
    struct rp_finding *v;
    size_t n, cap;
};

struct rp_analysis_opts {
    uint64_t max_marks_per_site; /* more marked blocks make a repeated-mark */
};

/* The kind's name as the CLI and the outputs spell it; NULL for none. */
const char *rp_kind_name(enum rp_kind k);
/* The kind named NAME; -1 if none. */
int rp_kind_parse(const char *name);

/* Adds RUN's findings to OUT. */
void rp_analyze_run(struct rp_run *run, const struct rp_analysis_opts *o,
                    struct rp_findings *out);

/* Orders OUT for reading: failing first, then by kind, bytes (largest
 * first), run and site. */
void rp_findings_sort(struct rp_findings *out);

void rp_findings_free(struct rp_findings *out);

#endif
