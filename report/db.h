/*
 * db.h: reads a leakaudit database into the plain model (model.h).
 */
#ifndef RP_DB_H
#define RP_DB_H

#include "model.h"

/* Which runs to read. */
struct rp_filter {
    int64_t run;         /* only this run id; -1 for every run */
    const char *session; /* only runs of this LEAKAUDIT_SESSION, or NULL */
    int snapshots;       /* 0: no snapshot run (unless RUN names one; the
                            db counts them in hidden_snapshots); 1: only
                            snapshot runs */
};

/*
 * Reads the runs of the database at PATH that FILTER selects into OUT.  Returns 0; or -1 with a one-line reason in ERR (a
 * missing or unreadable file, not a SQLite database, corrupt, not written
 * by leakaudit, another schema version, no such run), OUT then empty.
 */
int rp_db_read(const char *path, const struct rp_filter *filter, struct rp_db *out,
               char *err, size_t errlen);

/*
 * Adds the processes that the file LIST names as not audited (its lines
 * "-EXE", outside the project, and "!EXE", skipped; "+EXE" lines, audited
 * ones, are not counted) to the not_audited
 * table of the database at PATH for SESSION: the leakaudit wrapper's step
 * after its run tree ends.  Without a database (no process was audited)
 * there is nothing to add to: 0.  Returns 0, or -1 with the reason in ERR.
 */
int rp_db_note_processes(const char *path, const char *session, const char *list,
                         char *err, size_t errlen);

/* Reports the blocks read so far to P (NULL: no more). */
struct rp_progress;
void rp_db_progress(struct rp_progress *p);

#endif
