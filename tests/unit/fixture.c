/* fixture.c: the hand-built run of fixture.h. */
#include "fixture.h"

struct rp_stack fx_stacks[8] = {
    { .id = 1, .allocs = 3 },  /* leaks every allocation it made */
    { .id = 2, .allocs = 10 }, /* leaks some */
    { .id = 3 },               /* a mark site */
    { .id = 4, .allocs = 2 },  /* list head */
    { .id = 5, .allocs = 9 },  /* list nodes */
    { .id = 6, .allocs = 5 },  /* cycle A */
    { .id = 7, .allocs = 5 },  /* cycle B */
    { .id = 8, .allocs = 1 },  /* reachable */
};

struct rp_mark fx_marks[1] = {
    { .id = 1, .block = 0x60, .why = "cfg", .stack = 3 },
};

/* Sorted by address, as the reader gives them. */
struct rp_block fx_blocks[14] = {
    [0] = { .addr = 0x10, .size = 10, .seq = 1, .stack = 1, .mark = -1, .cls = 3, .owner = -1 },
    [1] = { .addr = 0x20, .size = 10, .seq = 2, .stack = 1, .mark = -1, .cls = 3, .owner = -1 },
    [2] = { .addr = 0x30, .size = 10, .seq = 3, .stack = 1, .mark = -1, .cls = 3, .owner = -1 },
    [3] = { .addr = 0x40, .size = 5, .seq = 4, .stack = 2, .mark = -1, .cls = 3, .owner = -1 },
    [4] = { .addr = 0x50, .size = 5, .seq = 5, .stack = 2, .mark = -1, .cls = 3, .owner = -1 },
    [5] = { .addr = 0x60, .size = 64, .seq = 6, .stack = 2, .mark = 1, .cls = 1, .owner = 5 },
    [6] = { .addr = 0x70, .size = 8, .seq = 7, .stack = 2, .mark = -1, .cls = 1, .owner = 5 },
    [7] = { .addr = 0x80, .size = 32, .seq = 8, .stack = 4, .mark = -1, .cls = 3, .owner = -1 },
    [8] = { .addr = 0x90, .size = 16, .seq = 9, .stack = 5, .mark = -1, .cls = 3, .owner = -1 },
    [9] = { .addr = 0xa0, .size = 16, .seq = 10, .stack = 5, .mark = -1, .cls = 3, .owner = -1 },
    [10] = { .addr = 0xb0, .size = 24, .seq = 11, .stack = 6, .mark = -1, .cls = 3, .owner = -1 },
    [11] = { .addr = 0xc0, .size = 40, .seq = 12, .stack = 7, .mark = -1, .cls = 3, .owner = -1 },
    [12] = { .addr = 0xd0, .size = 16, .seq = 13, .stack = 5, .mark = -1, .cls = 3, .owner = -1 },
    [13] = { .addr = 0xe0, .size = 100, .seq = 14, .stack = 8, .mark = -1, .cls = 2, .owner = -1 },
};

/* head -> node -> node; cycle A <-> B, B owns a node. */
struct rp_edge fx_edges[5] = {
    { 7, 8, 0 }, { 8, 9, 8 }, { 10, 11, 16 }, { 11, 10, 8 }, { 11, 12, 0 },
};

struct rp_run fx_run(void)
{
    struct rp_run r = { .id = 1, .stacks = fx_stacks, .nstacks = 8,
                        .blocks = fx_blocks, .nblocks = 14, .marks = fx_marks,
                        .nmarks = 1, .edges = fx_edges, .nedges = 5, .scanned = 1 };
    return r;
}

const struct rp_finding *fx_find(const struct rp_findings *f, enum rp_kind k,
                                 int64_t stack)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].kind == k && (f->v[i].stack ? f->v[i].stack->id : -1) == stack)
            return &f->v[i];
    return NULL;
}
