/*
 * scan.h: the exit-time reachability scan.  Copies the table of live
 * blocks, then classifies each: intentional (marked, or reachable from a
 * marked block), reachable (from the roots: writable memory that is not
 * heap, the exiting thread's stack from its stack pointer, its registers),
 * or lost; and records the pointer edges among lost blocks.  Called once,
 * from the exit path or in a writer child, with the guard held and
 * recording stopped.
 */
#ifndef LA_SCAN_H
#define LA_SCAN_H

#include <sys/types.h>

#include "livetable.h"
#include "schema.h"

/* Classes as schema.h has them; LA_UNSEEN while the scan has not reached
 * a block, LA_GONE for a block freed since the copy was taken (neither is
 * ever stored). */
enum { LA_UNSEEN = 0, LA_GONE = 0xff };
#define LA_NO_OWNER UINT32_MAX

struct la_edge {
    uint32_t from, to; /* indexes into scan_blocks */
    uint64_t offset;   /* where in FROM the pointer is */
};

struct scan_blocks {
    struct la_block *v; /* sorted by address */
    uint8_t *cls;       /* class of each */
    uint32_t *owner;    /* intentional: the marked block it was reached from */
    size_t n, cap;
    struct la_edge *edges;
    size_t nedges, edges_cap;
    int scanned;        /* 1 when the roots and blocks were scanned */
    int complete;       /* 0 when memory for the scan ran short */
};

struct la_scan_opts {
    int scan;                       /* 0: no scan, unmarked blocks are lost */
    uintptr_t sp;                   /* the exiting thread's stack pointer */
    const uintptr_t *regs;          /* and its registers there, roots too */
    size_t nregs;
    uint64_t first_seq;             /* older blocks were inherited across fork */
    int in_doubt;                   /* 1: recording stopped early, and blocks
                                       it missed may hold pointers: what the
                                       scan does not reach counts as reachable */
    int concurrent;                 /* 1: other threads may still allocate
                                       and free while the scan runs */
    pid_t tgid;                     /* the process whose threads they are */
    uintptr_t loader_lo, loader_hi; /* the dynamic loader's image */
    uintptr_t self_lo, self_hi;     /* the shim's image */
};

/* Copies the live table into S, sorted.  Returns 0, or -1 without memory
 * (S empty). */
LA_HIDDEN int scan_take(struct scan_blocks *s);

/*
 * Classifies every block of S as O says.  Never fails: when memory runs
 * short, what was not reached counts as reachable and S->complete is 0.
 * With O->concurrent, blocks freed since the copy end up LA_GONE (no edge
 * names them), and blocks allocated since are scanned as roots: what they
 * point to is not lost.
 */
LA_HIDDEN void scan_classify(struct scan_blocks *s, const struct la_scan_opts *o);

/* Index of the block holding address P, or -1. */
LA_HIDDEN long scan_find(const struct scan_blocks *s, uintptr_t p);

LA_HIDDEN void scan_free(struct scan_blocks *s);

#endif
