/*
 * churn.c: the malloc/free churn workload of the benchmarks.  OPS random
 * operations over LIVE slots: each frees a slot's block and allocates a new
 * one of 16 to 512 bytes, from a call chain about 12 frames deep.  Frees
 * everything at the end.  usage: churn [OPS [LIVE [THREADS]]]
 */
#include <stdint.h>
#include <stdlib.h>

#define CHAIN 10 /* + worker + start_thread/main... ~ 12 frames */

/* A call chain that the compiler can neither inline nor turn into jumps. */
__attribute__((noinline)) static void *chain_alloc(int depth, size_t n)
{
    void *p = depth == 0 ? malloc(n) : chain_alloc(depth - 1, n);
    __asm__ volatile("" : : "r"(p) : "memory");
    return p;
}

#define CHURN_NAME "churn"
#define CHURN_ALLOC(n, x) chain_alloc(CHAIN - (int)((x) >> 29), (n))
#include "churn.h"
