/*
 * model.h: the report's plain picture of a database: runs, their modules,
 * stacks, blocks and marks.  db.c fills it, symbolize.c adds source frames,
 * analyze.c turns it into findings.  No SQLite or libdw types here, so unit
 * tests build models by hand.
 */
#ifndef RP_MODEL_H
#define RP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "schema.h"

/* One source-level frame (an inlined call expands one pc into several). */
struct rp_frame {
    char *function; /* demangled, or NULL */
    char *file;     /* or NULL */
    int line;       /* 0 when unknown */
    const char *module; /* path of the module (owned by the run), or NULL */
    uint64_t pc;    /* the return address as recorded */
    uint64_t offset; /* PC less the module's load address (with MODULE) */
};

struct rp_module {
    int64_t id;
    char *path;
    uint64_t base, start, end;
    char *build_id;
};

struct rp_stack {
    int64_t id;
    uint64_t allocs, bytes, frees; /* site counters */
    size_t depth;
    uint64_t *pcs;      /* depth return addresses, innermost first */
    int64_t *modules;   /* module id per pc, or -1 */
    struct rp_frame *frames; /* after symbolizing: nframes, else NULL */
    size_t nframes;
};

/*
 * A block still allocated at exit; or, where the database counts reachable
 * blocks per site (schema 4), one site's reachable blocks together: COUNT
 * of them, SIZE their bytes, SEQ the oldest's, ADDR 0 (such entries sort
 * first and are never looked up by address).
 */
struct rp_block {
    uint64_t addr, size, seq;
    uint64_t count; /* blocks this entry stands for: a site's; 0 or 1: one */
    int64_t stack;
    int64_t thread;
    int64_t mark;  /* mark id, or -1 */
    int cls;       /* LA_CLASS_* (schema.h) */
    int64_t owner; /* intentional: index of the marked block that owns it, or -1 */
};

/* How many blocks B stands for. */
static inline uint64_t rp_block_count(const struct rp_block *b)
{
    return b->count ? b->count : 1;
}

/* A pointer from one lost block to another (indexes into blocks). */
struct rp_edge {
    size_t src, dst;
    uint64_t offset; /* where in SRC the pointer is */
};

struct rp_mark {
    int64_t id;
    uint64_t block;
    char *why; /* or NULL */
    int64_t stack;
};

struct rp_run {
    int64_t id;
    int64_t pid, ppid;
    char *exe, *cwd, *session, *end_reason;
    char **argv;
    size_t argc;
    int has_exit_code, exit_code;
    int has_signal, signal;
    int complete;
    int scanned; /* the shim ran its reachability scan */
    char *unaudited; /* why nothing of it could be seen, or NULL */
    double start_time, end_time;
    size_t database; /* index of its database in rp_db.paths */
    struct rp_module *modules; size_t nmodules;
    struct rp_stack *stacks;   size_t nstacks;  /* sorted by id */
    struct rp_block *blocks;   size_t nblocks;  /* sorted by address */
    struct rp_edge *edges;     size_t nedges;   /* sorted by src, offset */
    struct rp_mark *marks;     size_t nmarks;   /* sorted by id */
};

/* Processes of one executable that the shim left alone (not audited). */
struct rp_not_audited {
    char *exe;
    uint64_t processes;
};

struct rp_db {
    char *path;              /* the first database */
    char **paths;            /* every database the runs come from */
    size_t npaths;
    struct rp_run *runs;
    size_t nruns;
    size_t hidden_snapshots; /* snapshot runs the filter left out */
    struct rp_not_audited *not_audited; /* most processes first */
    size_t nnot_audited;
};

/* Adds N processes of EXE to DB's not-audited counts. */
void rp_db_add_not_audited(struct rp_db *db, const char *exe, uint64_t n);

/* Orders DB's not-audited counts, most processes first. */
void rp_db_sort_not_audited(struct rp_db *db);

/* Moves the runs of FROM after those of INTO (their database indexes
 * follow INTO's) and leaves FROM empty.  Pointers into INTO's runs are
 * not valid afterwards. */
void rp_db_absorb(struct rp_db *into, struct rp_db *from);

/* Index of the block that starts at ADDR, or -1. */
long rp_run_block_at(const struct rp_run *run, uint64_t addr);

/* Lookups by id (binary search); NULL when absent. */
struct rp_stack *rp_run_stack(const struct rp_run *run, int64_t id);
const struct rp_mark *rp_run_mark(const struct rp_run *run, int64_t id);
const struct rp_module *rp_run_module(const struct rp_run *run, int64_t id);

/* Frees everything DB owns (DB itself is not freed). */
void rp_db_free(struct rp_db *db);
/* Frees what run R holds (not R itself). */
void rp_run_free(struct rp_run *r);

/* malloc that exits with status 2 and a "leakaudit-report:" line when
 * memory runs out: the report has nothing sensible to keep on going with. */
void *rp_xmalloc(size_t n);
void *rp_xcalloc(size_t n, size_t m);
void *rp_xrealloc(void *p, size_t n, size_t m);
char *rp_xstrdup(const char *s);

#endif
