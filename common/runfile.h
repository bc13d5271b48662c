/*
 * runfile.h: runs as records of rows (runrows.h) in a run log, for the
 * wrapper's spool directory (LEAKAUDIT_SPOOL): an audited process appends
 * its run to the spool's log with plain write() calls, under flock(),
 * without loading SQLite, and the report imports the log into the
 * database once the job is over (report/import.c).  Written and read on
 * one machine: integers and reals in its byte order, which each record's
 * header states.
 *
 *   header   "LKAUDRUN", u32 format (2), u32 schema version,
 *            u32 0x01020304 (the byte order), u32 0, f64 end time,
 *            u64 the record's length, header included (0 until the
 *            record is whole: a writer killed in the middle leaves 0)
 *   rows     u8 table, then per column u8 type and its value:
 *            integer or real 8 bytes, text u32 length, the bytes, a NUL
 *   trailer  u8 0xFF, u64 the number of rows
 */
#ifndef LA_RUNFILE_H
#define LA_RUNFILE_H

#include <stddef.h>
#include <stdint.h>

#include "runrows.h"

#define LA_RUNFILE_HEAD 40

/* The run log's name in the spool directory. */
#define LA_SPOOL_LOG "runs.log"

struct la_runfile {
    int fd;
    int err;        /* errno of the first failed write, or 0 */
    uint64_t rows;
    uint64_t len;   /* bytes of the record so far */
    int64_t start;  /* where in the file the record begins */
    size_t n;       /* bytes held in buf */
    unsigned char buf[1 << 16];
};

/* Starts a record, for a run that ended at END_TIME, at the end of FD
 * (which the caller holds locked). */
void runfile_begin(struct la_runfile *f, int fd, double end_time)
    __attribute__((visibility("hidden")));

/* One row (la_sink's row, with F as SELF).  0, or -1 with errno in F->err. */
int runfile_row(void *f, enum la_table table, const struct la_val *v)
    __attribute__((visibility("hidden")));

/* Writes the trailer and what is held, then the record's length into its
 * header.  0; or -1 with errno in F->err, and the file cut back to where
 * the record began. */
int runfile_end(struct la_runfile *f) __attribute__((visibility("hidden")));

/* Cuts the file back to where the record began (a run given up). */
void runfile_abandon(struct la_runfile *f) __attribute__((visibility("hidden")));

struct la_runlog_read {
    uint64_t runs;            /* records given to the sink */
    uint64_t damaged;         /* bytes skipped: not within a whole record */
    uint64_t first_damaged;   /* the offset of the first of them */
};

/*
 * Reads the run log of N bytes at P, record by record: checks each, then,
 * if SINK is not NULL, gives it the record's rows in order (texts point
 * into P).  Bytes that are not a whole record (a writer killed while it
 * wrote) are skipped up to the next record, and counted in OUT.  Returns
 * 0 (also for a log whose records are all cut short: no run); -1 when P
 * is no run log (the reason in ERR); -2 when SINK failed.
 */
int runfile_read(const unsigned char *p, size_t n, const struct la_sink *sink,
                 struct la_runlog_read *out, char *err, size_t errlen)
    __attribute__((visibility("hidden")));

#endif
