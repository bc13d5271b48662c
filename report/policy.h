/*
 * policy.h: what fails.  Applies suppressions, the baseline and --fail-on
 * to findings whose stacks are symbolized, and sums them up per kind.
 */
#ifndef RP_POLICY_H
#define RP_POLICY_H

#include "analyze.h"
#include "suppress.h"

struct rp_policy {
    unsigned fail_mask;                 /* 1 << kind for each kind that fails */
    const struct rp_suppressions *supp; /* or NULL */
    char **baseline;                    /* sorted site keys, or NULL */
    size_t nbaseline;
};

/* In --fail-on beside the kinds: runs not audited (their malloc was not
 * the shim's, so nothing of them was seen) fail. */
#define RP_FAIL_UNAUDITED (1u << 31)
/* The default --fail-on: leak,cycle,repeated-mark,unaudited. */
#define RP_FAIL_DEFAULT ((1u << RP_LEAK) | (1u << RP_CYCLE) | (1u << RP_REPEATED_MARK) | \
                         RP_FAIL_UNAUDITED)

struct rp_totals {
    uint64_t findings, blocks, bytes;
};

struct rp_summary {
    struct rp_totals kind[RP_KINDS]; /* findings not suppressed */
    struct rp_totals suppressed;
    uint64_t failing;
    uint64_t unaudited; /* runs not audited (rp_policy_runs) */
    int fail;
};

/*
 * Parses a --fail-on LIST (comma-separated kinds; "none" for none) into
 * *MASK.  Returns 0, or -1 with the offending word in ERR.
 */
int rp_fail_on_parse(const char *list, unsigned *mask, char *err, size_t errlen);

/* Sets key, suppressed, baselined and fails on every finding, and fills
 * SUM.  Stacks must be symbolized. */
void rp_policy_apply(struct rp_findings *f, const struct rp_policy *p,
                     struct rp_summary *sum);

/* Then counts DB's runs not audited into SUM, which fails for them when P
 * says so. */
void rp_policy_runs(const struct rp_db *db, const struct rp_policy *p, struct rp_summary *sum);

/* Whether S suppresses finding F: a suppression matches a frame of one of
 * the stacks that make it (its allocation site, a cycle member's, a mark's). */
int rp_policy_suppresses(const struct rp_finding *f, const struct rp_suppressions *s);

#endif
