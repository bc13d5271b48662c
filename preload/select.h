/*
 * select.h: which processes are audited (LEAKAUDIT_PROJECT, _INCLUDE,
 * _SKIP).  A process that is not stays dormant from its start: every hook
 * only forwards to libc, libunwind and SQLite are never loaded, nothing is
 * written but one line to LEAKAUDIT_PROCESS_LOG.
 */
#ifndef LA_SELECT_H
#define LA_SELECT_H

#include "options.h"

/* What select_audited decides, and the mark select_note writes for it. */
enum { SELECT_OUTSIDE = 0, SELECT_AUDITED = 1, SELECT_SKIPPED = 2 };
#define SELECT_MARKS "-+!" /* indexed by the above */

/*
 * Whether the executable EXE (an absolute path, symbolic links resolved)
 * is audited under OPT: SELECT_SKIPPED when a glob of skip matches it;
 * otherwise SELECT_AUDITED when a glob of include matches, or it lies under
 * project, or neither project nor include is set; else SELECT_OUTSIDE.
 */
LA_HIDDEN int select_audited(const struct la_options *opt, const char *exe);

/* Whether the glob PAT (*, ?; no classes) matches EXE: the whole path when
 * PAT has a '/', else EXE's file name.  PAT ends at its length LEN. */
LA_HIDDEN int select_glob(const char *pat, size_t len, const char *exe);

/* Appends "MARK EXE\n" to the file PATH in one write (nothing when PATH is
 * ""): MARK '+' for a process audited, '-' for one outside the project,
 * '!' for one skipped (SELECT_MARKS).  Allocates nothing. */
LA_HIDDEN void select_note(const char *path, char mark, const char *exe);

#endif
