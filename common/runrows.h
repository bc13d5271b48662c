/*
 * runrows.h: a run as the rows it adds to the database, table by table,
 * in the order written: what the shim's writer (preload/writer.c) produces
 * and what either sink takes, the database itself (store.c) or a record
 * of the run log in the wrapper's spool directory (runfile.c), which the
 * report imports into the database later through the same store.
 *
 * Every table but LA_T_RUN and LA_T_REPLACES has the run's id as its first
 * column; the sink adds it, the rows here never carry it.
 */
#ifndef LA_RUNROWS_H
#define LA_RUNROWS_H

#include <stdint.h>

enum la_table {
    LA_T_REPLACES,  /* the process's last checkpoint run, to delete first */
    LA_T_RUN,       /* the run itself: one row, before any other but REPLACES */
    LA_T_ARGS,
    LA_T_MODULES,
    LA_T_BLOCKS,
    LA_T_MARKS,
    LA_T_REACHABLE,
    LA_T_EDGES,
    LA_T_STACKS,
    LA_T_FRAMES,
    LA_T_TOTALS,    /* the run's totals, known last: one row */
    LA_NTABLES
};

enum la_vtype { LA_V_NULL, LA_V_INT, LA_V_REAL, LA_V_TEXT };

struct la_val {
    union {
        int64_t i;
        double d;
        const char *s; /* NUL-terminated, valid until the run ends */
    };
    int type;
};

#define LA_MAX_COLS 15 /* LA_T_RUN's */

struct la_table_desc {
    const char *name;
    /* The statement: a complete one for a table of one row, else its head
     * ("INSERT INTO t(run, a, b)"), to which the sink adds VALUES rows. */
    const char *sql;
    /* One letter per column after the run's id: i integer, r real, t text;
     * in capitals, NULL is allowed too. */
    const char *types;
    int one_row;
};

extern const struct la_table_desc la_tables[LA_NTABLES]
    __attribute__((visibility("hidden")));

static inline struct la_val la_int(int64_t i)
{
    struct la_val v = { .i = i, .type = LA_V_INT };
    return v;
}

static inline struct la_val la_real(double d)
{
    struct la_val v = { .d = d, .type = LA_V_REAL };
    return v;
}

/* A text, or NULL for S == NULL. */
static inline struct la_val la_text(const char *s)
{
    struct la_val v = { .s = s, .type = s ? LA_V_TEXT : LA_V_NULL };
    return v;
}

static inline struct la_val la_null(void)
{
    struct la_val v = { .i = 0, .type = LA_V_NULL };
    return v;
}

/* Where rows go: ROW takes one row of TABLE (its columns as la_tables
 * says), 0 or -1 (the sink keeps the reason). */
struct la_sink {
    int (*row)(void *self, enum la_table table, const struct la_val *v);
    void *self;
};

#endif
