/*
 * writer.h: writes one run (the process's record) into the SQLite database,
 * in one transaction, or appends it to the run log of the wrapper's spool
 * directory (common/runfile.h).  Called once per process from the exit path, or in a
 * writer child (child.h: a crash, a checkpoint, a snapshot), with the
 * recursion guard held and recording stopped.
 */
#ifndef LA_WRITER_H
#define LA_WRITER_H

#include "modules.h"
#include "scan.h"

struct la_run_record {
    long pid, ppid;
    const char *exe, *cwd, *session;
    char *const *argv; /* argc strings */
    int argc;
    double start_time, end_time; /* Unix seconds */
    const char *end_reason;      /* "exit", "_exit", "signal", "checkpoint" */
    int has_exit_code, exit_code;
    int signal;                  /* the signal the process dies of, or 0 */
    int checkpoints;             /* 1: this run replaces the process's last
                                    checkpoint, if any */
    long depth;
    int complete;                /* 0 when recording had to stop early */
    int modules_error;           /* errno when the loaded objects could not
                                    be listed (stacks then show addresses) */
    uint64_t first_seq;          /* blocks older than this were inherited */
    double scan_seconds;         /* copying the table and scanning, before writing */
    uint64_t stack_hits, stack_unwinds, stack_mismatches; /* stackcache.h */
    int keep_reachable;          /* 1: reachable blocks one row each, as lost
                                    ones; 0: counted per site (reachable) */
    const char *unaudited;       /* why the program's blocks could not be
                                    seen (its malloc is not libc's), or NULL */
    const char *spool;           /* the wrapper's spool directory, or NULL */
    int in_child;                /* written by a writer child (child.h) */
};

/*
 * Writes RUN with the blocks of SNAP (classified, with the edges among lost
 * blocks; NULL when the table could not be copied), the stacks, the marks and
 * the modules MODS into the database at PATH (created if missing), or
 * into RUN->spool's run log when it is set.  Returns the new run's id (0
 * for a run appended to the log); or -1 after one warning line, with the database unchanged (an
 * unreadable file, another schema version, a write error).  Then the run
 * goes to $TMPDIR/leakaudit-PID.db (/tmp without TMPDIR) if it can, and the
 * warning names that file.
 */
LA_HIDDEN long writer_write(const char *path, const struct la_run_record *run,
                            const struct scan_blocks *blocks,
                            const struct la_modules *mods);

#endif
