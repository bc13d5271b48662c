/*
 * manystack.c: malloc/free churn from many stacks, as real programs
 * allocate: OPS random operations over LIVE slots, each freeing a slot's
 * block and allocating a new one of 16 to 512 bytes from one of 108
 * distinct call stacks (a chain of five functions, then a four-level call
 * tree of 3 x 3 x 3 x 4 different functions and call sites): 14 frames
 * deep with main's, 12 in a thread.  Frees everything at the end.  Each
 * function's code names it (an empty asm), so that the compiler cannot
 * fold the functions of a level into one (-fipa-icf, on at -O2): the
 * stacks differ in their functions, not only in their call sites.
 * usage: manystack [OPS [LIVE [THREADS]]]
 */
#include <stdint.h>
#include <stdlib.h>

#define KEEP(p) __asm__ volatile("" : : "r"(p) : "memory")
#define NOINLINE __attribute__((noinline))

/* Level 4: four call sites into malloc in each of three functions. */
#define L4(name)                                                       \
    NOINLINE static void *name(size_t n, uint32_t k)                   \
    {                                                                  \
        void *p;                                                       \
        switch (k % 4) {                                               \
        case 0: __asm__ volatile("# " #name " 0"); p = malloc(n); KEEP(p); break;  \
        case 1: __asm__ volatile("# " #name " 1"); p = malloc(n); KEEP(p); break;  \
        case 2: __asm__ volatile("# " #name " 2"); p = malloc(n); KEEP(p); break;  \
        default: __asm__ volatile("# " #name " 3"); p = malloc(n); KEEP(p); break; \
        }                                                              \
        return p;                                                      \
    }
L4(l4_a) L4(l4_b) L4(l4_c)

/* Levels 3 to 1: three functions each, each calling one of three below. */
#define LEVEL(name, a, b, c)                                           \
    NOINLINE static void *name(size_t n, uint32_t k)                   \
    {                                                                  \
        void *p;                                                       \
        switch (k % 3) {                                               \
        case 0: __asm__ volatile("# " #name " a"); p = a(n, k / 3); KEEP(p); break;   \
        case 1: __asm__ volatile("# " #name " b"); p = b(n, k / 3); KEEP(p); break;   \
        default: __asm__ volatile("# " #name " c"); p = c(n, k / 3); KEEP(p); break;  \
        }                                                              \
        return p;                                                      \
    }
LEVEL(l3_a, l4_a, l4_b, l4_c) LEVEL(l3_b, l4_b, l4_c, l4_a) LEVEL(l3_c, l4_c, l4_a, l4_b)
LEVEL(l2_a, l3_a, l3_b, l3_c) LEVEL(l2_b, l3_b, l3_c, l3_a) LEVEL(l2_c, l3_c, l3_a, l3_b)
LEVEL(l1_a, l2_a, l2_b, l2_c)

/* The chain above the tree. */
NOINLINE static void *chain4(size_t n, uint32_t k) { void *p = l1_a(n, k); KEEP(p); return p; }
NOINLINE static void *chain3(size_t n, uint32_t k) { void *p = chain4(n, k); KEEP(p); return p; }
NOINLINE static void *chain2(size_t n, uint32_t k) { void *p = chain3(n, k); KEEP(p); return p; }
NOINLINE static void *chain1(size_t n, uint32_t k) { void *p = chain2(n, k); KEEP(p); return p; }
NOINLINE static void *chain0(size_t n, uint32_t k) { void *p = chain1(n, k); KEEP(p); return p; }

/* 3 x 3 x 3 x 4 = 108 stacks: the tree's path from the random word. */
#define CHURN_NAME "manystack"
#define CHURN_ALLOC(n, x) chain0((n), ((x) >> 3) % 108)
#include "churn.h"
