/*
 * import.c: the runs of a spool directory into the database (import.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import.h"
#include "runfile.h"
#include "store.h"

/* Reads the file open at FD into *BUF and *LEN.  0, or -1 with errno set. */
static int im_read(int fd, unsigned char **buf, size_t *len)
{
    struct stat st;

    *buf = NULL;
    if (fstat(fd, &st) != 0)
        return -1;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        return -1;
    }
    size_t n = (size_t)st.st_size, got = 0;
    if (!(*buf = malloc(n ? n : 1))) {
        errno = ENOMEM;
        return -1;
    }
    while (got < n) {
        ssize_t r = pread(fd, *buf + got, n - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    *len = got;
    return 0;
}

/*
 * One run log into the database DB: under the log's lock, which writers
 * take too, so that no run is half in it; the log removed once its runs
 * are committed.  0 (also when the log is gone already), 1 when it is not
 * a run log (kept), -1 when the runs could not be stored (kept).
 */
static int im_log(const char *db, const char *path, int must_exist)
{
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC), ret = -1;
    unsigned char *buf = NULL;
    size_t len = 0;
    struct stat st;
    char err[512];

    if (fd < 0) {
        if (errno == ENOENT && !must_exist)
            return 0;
        fprintf(stderr, "leakaudit-report: --import %s: %s\n", path, strerror(errno));
        return errno == ENOENT || errno == ELOOP ? 1 : -1;
    }
    while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
        ;
    if (fstat(fd, &st) == 0 && st.st_nlink == 0) {
        close(fd); /* another import took it */
        return 0;
    }
    if (im_read(fd, &buf, &len) != 0) {
        fprintf(stderr, "leakaudit-report: --import %s: %s; the file is kept\n", path,
                strerror(errno));
        close(fd);
        return errno == EINVAL ? 1 : -1;
    }
    /* Checked as a whole first: a file that is no run log is not taken. */
    struct la_runlog_read r;
    if (runfile_read(buf, len, NULL, &r, err, sizeof err) != 0) {
        fprintf(stderr, "leakaudit-report: %s: not imported: %s; the file is kept\n", path, err);
        ret = 1;
        goto out;
    }
    if (r.runs == 0) {
        if (r.damaged)
            fprintf(stderr, "leakaudit-report: %s: %llu bytes are no whole run (a process "
                    "killed while it wrote its run), skipped; no run imported\n", path,
                    (unsigned long long)r.damaged);
        ret = unlink(path) == 0 ? 0 : -1;
        goto out;
    }
    struct la_store *s = calloc(1, sizeof *s);
    if (!s) {
        fprintf(stderr, "leakaudit-report: --import %s: out of memory\n", path);
        goto out;
    }
    struct la_sink sink = { store_row, s };
    if (store_open(s, db) != 0 || runfile_read(buf, len, &sink, NULL, err, sizeof err) != 0 ||
        store_commit(s) != 0) {
        fprintf(stderr, "leakaudit-report: cannot import into %s: %s; the runs stay in %s\n",
                db, s->err[0] ? s->err : err, path);
    } else {
        if (r.damaged)
            fprintf(stderr, "leakaudit-report: %s: %llu bytes from byte %llu on are no whole "
                    "run (a process killed while it wrote its run), skipped; %llu runs "
                    "imported\n", path, (unsigned long long)r.damaged,
                    (unsigned long long)r.first_damaged, (unsigned long long)r.runs);
        /* Unlinked while locked: a writer that waited sees it gone. */
        ret = unlink(path) == 0 ? 0 : -1;
        if (ret != 0)
            fprintf(stderr, "leakaudit-report: %s: imported, but cannot be removed: %s\n",
                    path, strerror(errno));
    }
    store_close(s);
    free(s);
out:
    free(buf);
    close(fd);
    return ret;
}

int rp_import(const char *db, const char *src)
{
    struct stat st;
    char log[4096];

    if (stat(src, &st) != 0) {
        fprintf(stderr, "leakaudit-report: --import %s: %s\n", src, strerror(errno));
        return errno == ENOENT ? 1 : -1;
    }
    if (!S_ISDIR(st.st_mode))
        return im_log(db, src, 1);
    if (snprintf(log, sizeof log, "%s/" LA_SPOOL_LOG, src) >= (int)sizeof log) {
        fprintf(stderr, "leakaudit-report: --import %s: too long a path\n", src);
        return 1;
    }
    /* A process that outlives the job may start a new log before the
     * directory goes: that one is imported too. */
    for (int round = 0; round < 100; round++) {
        int rc = im_log(db, log, 0);
        if (rc != 0)
            return rc;
        if (rmdir(src) == 0 || errno == ENOENT)
            return 0;
        if (errno != ENOTEMPTY && errno != EEXIST)
            break;
        if (access(log, F_OK) != 0) {
            fprintf(stderr, "leakaudit-report: --import %s: imported; the directory holds "
                    "other files, and is kept\n", src);
            return 0;
        }
    }
    fprintf(stderr, "leakaudit-report: --import %s: imported, but cannot be removed: %s\n",
            src, strerror(errno));
    return 0;
}
