/*
 * merge.h: site keys and the merge of findings across runs (merge.c).
 */
#ifndef RP_MERGE_H
#define RP_MERGE_H

#include "analyze.h"

/* The site key of F: kind and the function/file chain of its stacks, no
 * addresses.  Malloc'd.  Stacks must be symbolized. */
char *rp_site_key(const struct rp_finding *f);

/* Adds up the findings of the same kind and site (rp_site_key: symbolized,
 * without addresses) across runs into one each, which keeps the list of
 * its runs: for a report over many databases (CI jobs, machines). */
void rp_findings_merge(struct rp_findings *f);

#endif
