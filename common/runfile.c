/*
 * runfile.c: a run as a file of rows (runfile.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "runfile.h"
#include "schema.h"

#define RF_FORMAT 2
#define RF_LEN_AT 32 /* the length's offset in the header */
#define RF_ORDER 0x01020304u
#define RF_END 0xFF

static const char rf_magic[8] = { 'L', 'K', 'A', 'U', 'D', 'R', 'U', 'N' };

static int rf_flush(struct la_runfile *f)
{
    size_t done = 0;

    while (done < f->n && !f->err) {
        ssize_t w = write(f->fd, f->buf + done, f->n - done);
        if (w > 0)
            done += (size_t)w;
        else if (w < 0 && errno != EINTR)
            f->err = errno;
        else if (w == 0)
            f->err = EIO;
    }
    f->n = 0;
    return f->err ? -1 : 0;
}

static void rf_put(struct la_runfile *f, const void *p, size_t len)
{
    const unsigned char *b = p;

    f->len += len;
    while (len && !f->err) {
        if (f->n == sizeof f->buf)
            rf_flush(f);
        size_t k = sizeof f->buf - f->n < len ? sizeof f->buf - f->n : len;
        memcpy(f->buf + f->n, b, k);
        f->n += k;
        b += k;
        len -= k;
    }
}

static void rf_u8(struct la_runfile *f, unsigned v)
{
    unsigned char c = (unsigned char)v;
    rf_put(f, &c, 1);
}

void runfile_begin(struct la_runfile *f, int fd, double end_time)
{
    uint32_t h[4] = { RF_FORMAT, LA_SCHEMA_VERSION, RF_ORDER, 0 };
    uint64_t len = 0;
    off_t start = lseek(fd, 0, SEEK_END);

    f->fd = fd;
    f->err = start < 0 ? errno : 0;
    f->start = start < 0 ? 0 : (int64_t)start;
    f->rows = 0;
    f->len = 0;
    f->n = 0;
    rf_put(f, rf_magic, sizeof rf_magic);
    rf_put(f, h, sizeof h);
    rf_put(f, &end_time, sizeof end_time);
    rf_put(f, &len, sizeof len);
}

int runfile_row(void *self, enum la_table t, const struct la_val *v)
{
    struct la_runfile *f = self;
    size_t ncols = strlen(la_tables[t].types);

    rf_u8(f, (unsigned)t);
    for (size_t c = 0; c < ncols; c++) {
        rf_u8(f, (unsigned)v[c].type);
        if (v[c].type == LA_V_INT)
            rf_put(f, &v[c].i, 8);
        else if (v[c].type == LA_V_REAL)
            rf_put(f, &v[c].d, 8);
        else if (v[c].type == LA_V_TEXT) {
            size_t len = strlen(v[c].s);
            uint32_t l32 = (uint32_t)len;
            if (len > UINT32_MAX - 1) {
                f->err = EOVERFLOW;
                return -1;
            }
            rf_put(f, &l32, 4);
            rf_put(f, v[c].s, len + 1);
        }
    }
    f->rows++;
    return f->err ? -1 : 0;
}

void runfile_abandon(struct la_runfile *f)
{
    if (ftruncate(f->fd, (off_t)f->start) != 0 && !f->err)
        f->err = errno;
}

int runfile_end(struct la_runfile *f)
{
    rf_u8(f, RF_END);
    rf_put(f, &f->rows, sizeof f->rows);
    if (rf_flush(f) == 0 &&
        pwrite(f->fd, &f->len, sizeof f->len, (off_t)f->start + RF_LEN_AT) != (ssize_t)sizeof f->len)
        f->err = errno ? errno : EIO;
    if (f->err) {
        int e = f->err;
        runfile_abandon(f);
        f->err = e;
        return -1;
    }
    return 0;
}

/* ---- reading ---------------------------------------------------------------------- */

struct rf_in {
    const unsigned char *p;
    size_t n, at;
};

static int rf_get(struct rf_in *in, void *dst, size_t len)
{
    if (in->n - in->at < len)
        return -1;
    memcpy(dst, in->p + in->at, len);
    in->at += len;
    return 0;
}

/* One row of table T at IN into V.  0, or -1 with the reason in ERR. */
static int rf_row(struct rf_in *in, enum la_table t, struct la_val *v, char *err, size_t errlen)
{
    const char *types = la_tables[t].types;

    for (size_t c = 0; types[c]; c++) {
        unsigned char type;
        char want = types[c];
        if (rf_get(in, &type, 1) != 0)
            goto cut;
        int nullable = want >= 'A' && want <= 'Z';
        int expect = (want | 0x20) == 'i' ? LA_V_INT : (want | 0x20) == 'r' ? LA_V_REAL
                                                                             : LA_V_TEXT;
        if (type == LA_V_NULL && nullable) {
            v[c] = la_null();
            continue;
        }
        if (type != expect) {
            snprintf(err, errlen, "column %zu of a row of %s has type %u, not %c", c + 1,
                     la_tables[t].name, type, want);
            return -1;
        }
        v[c].type = type;
        if (type == LA_V_INT) {
            if (rf_get(in, &v[c].i, 8) != 0)
                goto cut;
        } else if (type == LA_V_REAL) {
            if (rf_get(in, &v[c].d, 8) != 0)
                goto cut;
        } else {
            uint32_t len;
            if (rf_get(in, &len, 4) != 0 || in->n - in->at < (size_t)len + 1)
                goto cut;
            const char *s = (const char *)in->p + in->at;
            if (s[len] != '\0' || memchr(s, '\0', len)) {
                snprintf(err, errlen, "a text in a row of %s is not one string",
                         la_tables[t].name);
                return -1;
            }
            v[c].s = s;
            in->at += (size_t)len + 1;
        }
    }
    return 0;
cut:
    snprintf(err, errlen, "cut short at byte %zu, in a row of %s", in->at, la_tables[t].name);
    return -1;
}

/* Walks the rows of one record, IN->at just after its header and IN->n
 * its end, giving them to SINK if not NULL. */
static int rf_rows(struct rf_in *in, const struct la_sink *sink, char *err, size_t errlen)
{
    struct la_val v[LA_MAX_COLS];
    uint64_t rows = 0;
    int seen_run = 0, seen_totals = 0;

    for (;;) {
        unsigned char t;
        if (rf_get(in, &t, 1) != 0) {
            snprintf(err, errlen, "cut short at byte %zu: no end", in->at);
            return -1;
        }
        if (t == RF_END) {
            uint64_t count;
            if (rf_get(in, &count, sizeof count) != 0) {
                snprintf(err, errlen, "cut short in its end");
                return -1;
            }
            if (count != rows || in->at != in->n) {
                snprintf(err, errlen, count != rows ? "its end counts %llu rows, not %llu"
                                                    : "bytes after its end",
                         (unsigned long long)count, (unsigned long long)rows);
                return -1;
            }
            if (!seen_run) {
                snprintf(err, errlen, "it has no run");
                return -1;
            }
            return 0;
        }
        if (t >= LA_NTABLES) {
            snprintf(err, errlen, "byte %zu: no table %u", in->at - 1, t);
            return -1;
        }
        /* The run comes first (after the checkpoint it replaces), once;
         * its totals at most once, after it. */
        if ((t == LA_T_REPLACES && (seen_run || rows)) || (t == LA_T_RUN && seen_run) ||
            (t != LA_T_REPLACES && t != LA_T_RUN && !seen_run) ||
            (t == LA_T_TOTALS && seen_totals)) {
            snprintf(err, errlen, "byte %zu: a row of %s out of place", in->at - 1,
                     la_tables[t].name);
            return -1;
        }
        seen_run |= t == LA_T_RUN;
        seen_totals |= t == LA_T_TOTALS;
        if (rf_row(in, (enum la_table)t, v, err, errlen) != 0)
            return -1;
        rows++;
        if (sink && sink->row(sink->self, (enum la_table)t, v) != 0)
            return -2;
    }
}

/* The record at P[AT...N): its length (0 when it is not whole, the reason
 * in ERR). */
static size_t rf_record(const unsigned char *p, size_t n, size_t at, char *err, size_t errlen)
{
    struct rf_in in = { p, n, at };
    uint32_t h[4];
    double end;
    uint64_t len;
    char magic[8];

    if (rf_get(&in, magic, sizeof magic) != 0 || memcmp(magic, rf_magic, sizeof magic) != 0) {
        snprintf(err, errlen, "not a leakaudit run log");
        return 0;
    }
    if (rf_get(&in, h, sizeof h) != 0 || rf_get(&in, &end, sizeof end) != 0 ||
        rf_get(&in, &len, sizeof len) != 0) {
        snprintf(err, errlen, "cut short in a header");
        return 0;
    }
    if (h[2] != RF_ORDER) {
        snprintf(err, errlen, "written on a machine of another byte order");
        return 0;
    }
    if (h[0] != RF_FORMAT || h[1] != LA_SCHEMA_VERSION) {
        snprintf(err, errlen, "format %u of schema version %u; this version of leakaudit "
                 "reads format %u of version %u", h[0], h[1], RF_FORMAT, LA_SCHEMA_VERSION);
        return 0;
    }
    if (len < LA_RUNFILE_HEAD || len > n - at) {
        snprintf(err, errlen, len ? "a record longer than the file" : "a record never finished");
        return 0;
    }
    in.n = at + (size_t)len;
    return rf_rows(&in, NULL, err, errlen) == 0 ? (size_t)len : 0;
}

int runfile_read(const unsigned char *p, size_t n, const struct la_sink *sink,
                 struct la_runlog_read *out, char *err, size_t errlen)
{
    struct la_runlog_read r = { 0, 0, 0 };
    char why[256];
    size_t at = 0;

    err[0] = '\0';
    while (at < n) {
        size_t len = rf_record(p, n, at, why, sizeof why);
        if (len) {
            struct rf_in in = { p, at + len, at + LA_RUNFILE_HEAD };
            if (sink && rf_rows(&in, sink, why, sizeof why) != 0)
                return -2;
            r.runs++;
            at += len;
            continue;
        }
        /* Not a whole record: up to the next one. */
        if (!err[0])
            snprintf(err, errlen, "byte %zu: %s", at, why);
        const unsigned char *next = at + 1 < n ? memmem(p + at + 1, n - at - 1, rf_magic,
                                                        sizeof rf_magic) : NULL;
        size_t to = next ? (size_t)(next - p) : n;
        if (!r.damaged)
            r.first_damaged = at;
        r.damaged += to - at;
        at = to;
    }
    if (out)
        *out = r;
    /* A log whose only record was cut short (its writer killed) is a log
     * of no run; bytes that never began as one are no log at all. */
    return n && !r.runs && (n < sizeof rf_magic || memcmp(p, rf_magic, sizeof rf_magic) != 0)
               ? -1 : 0;
}
