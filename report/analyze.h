/*
 * analyze.h: from the model to findings, and the policy that decides the
 * exit status.  Pure functions over plain structs (model.h): unit tests
 * drive them without a database or libdw.
 */
#ifndef RP_ANALYZE_H
#define RP_ANALYZE_H

#include "model.h"

enum rp_kind {
    RP_LEAK,        /* unmarked blocks still allocated, per allocation site */
    RP_INTENTIONAL, /* marked blocks, per mark site */
    RP_KINDS
};

struct rp_finding {
    enum rp_kind kind;
    struct rp_run *run;
    struct rp_stack *stack;      /* allocation site (of the first block) */
    uint64_t blocks, bytes;
    uint64_t site_allocations;   /* allocations the site ever made */
    int repeated;                /* the site leaked more than one block */
    int per_call;                /* ... and every allocation it made */
    /* intentional: the mark site */
    struct rp_stack *mark_stack;
    const char *why;
    uint64_t marks;
    int fails;
};

struct rp_totals {
    uint64_t findings, blocks, bytes;
};

struct rp_findings {
    struct rp_finding *v;
    size_t n, cap;
    struct rp_totals total[RP_KINDS];
    int fail; /* some finding fails the policy */
};

struct rp_policy {
    unsigned fail_mask; /* 1 << kind for each kind that fails */
};

/* The default policy: unmarked leaks fail. */
#define RP_POLICY_DEFAULT { .fail_mask = 1u << RP_LEAK }

/* The kind's name as the CLI and the outputs spell it. */
const char *rp_kind_name(enum rp_kind k);

/*
 * Adds RUN's findings to OUT under POLICY.  Blocks whose stack or mark the
 * database lacks still count (with no stack).
 */
void rp_analyze_run(struct rp_run *run, const struct rp_policy *policy,
                    struct rp_findings *out);

/* Orders OUT for reading: failing first, then by bytes, largest first. */
void rp_findings_sort(struct rp_findings *out);

void rp_findings_free(struct rp_findings *out);

#endif
