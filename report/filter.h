/*
 * filter.h: --exe and --module, which keep some programs or modules of a
 * report.  A glob (fnmatch: * ? [...]) with a '/' matches a whole path,
 * one without matches the file name, as the wrapper's --include does.
 */
#ifndef RP_FILTER_H
#define RP_FILTER_H

#include "analyze.h"

/* Whether PATH matches one of the N GLOBS (always, when N is 0). */
int rp_globs_match(const char *const *globs, size_t n, const char *path);

/* Keeps the runs of DB whose executable matches one of the N GLOBS. */
void rp_db_keep_exe(struct rp_db *db, const char *const *globs, size_t n);

/* Keeps the findings of F that have a frame, in any of their stacks, in a
 * module that matches one of the N GLOBS. */
void rp_findings_keep_module(struct rp_findings *f, const char *const *globs, size_t n);

#endif
