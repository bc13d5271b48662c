/*
 * import.h: the runs that processes appended to the run log of the
 * wrapper's spool directory (LEAKAUDIT_SPOOL, common/runfile.h), added to
 * the database through the shim's own store (common/store.h), in one
 * transaction, in the order they were written.
 */
#ifndef RP_IMPORT_H
#define RP_IMPORT_H

/*
 * Imports SRC (a spool directory, or one run log) into the database DB,
 * created if missing.  The log is taken under its lock, so that a process
 * still writing its run finishes first; once its runs are committed it is
 * removed, and the directory SRC with it; a log a late process started
 * meanwhile is imported too.  Bytes that are no whole run (a process
 * killed while it wrote) are skipped, in one line on stderr.  Returns 0;
 * 1 when SRC is not a run log or holds no whole run (one line says so,
 * and it is kept); -1 when the runs could not be stored (one line says
 * why; they are kept).
 */
int rp_import(const char *db, const char *src);

#endif
