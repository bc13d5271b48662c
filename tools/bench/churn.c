/*
 * churn.c: the malloc/free churn workload of the benchmarks.  OPS random
 * operations over LIVE slots: each frees a slot's block and allocates a new
 * one of 16 to 512 bytes, from a call chain about 12 frames deep.  Frees
 * everything at the end.  usage: churn [OPS [LIVE [THREADS]]]
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHAIN 10 /* + worker + start_thread/main... ~ 12 frames */

struct job {
    long ops;
    long live;
    uint32_t seed;
};

/* A call chain that the compiler can neither inline nor turn into jumps. */
__attribute__((noinline)) static void *chain_alloc(int depth, size_t n)
{
    void *p = depth == 0 ? malloc(n) : chain_alloc(depth - 1, n);
    __asm__ volatile("" : : "r"(p) : "memory");
    return p;
}

static void *worker(void *arg)
{
    struct job *j = arg;
    void **slots = calloc((size_t)j->live, sizeof *slots);
    uint32_t x = j->seed;

    if (!slots)
        return NULL;
    for (long i = 0; i < j->ops; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        long s = (long)(x % (uint32_t)j->live);
        free(slots[s]);
        slots[s] = chain_alloc(CHAIN - (int)(x >> 29), 16 + (x >> 8) % 497);
    }
    for (long s = 0; s < j->live; s++)
        free(slots[s]);
    free(slots);
    return NULL;
}

int main(int argc, char **argv)
{
    long ops = argc > 1 ? atol(argv[1]) : 10000000;
    long live = argc > 2 ? atol(argv[2]) : 10000;
    int nt = argc > 3 ? atoi(argv[3]) : 1;
    pthread_t t[64];
    struct job jobs[64];

    if (nt < 1 || nt > 64 || ops < 0 || live < nt) {
        fprintf(stderr, "usage: churn [OPS [LIVE [THREADS (1-64)]]]\n");
        return 2;
    }
    for (int k = 0; k < nt; k++) {
        jobs[k] = (struct job){ ops / nt, live / nt, 2463534242u + (uint32_t)k * 7919u };
        if (nt == 1)
            worker(&jobs[k]);
        else
            pthread_create(&t[k], NULL, worker, &jobs[k]);
    }
    for (int k = 0; nt > 1 && k < nt; k++)
        pthread_join(t[k], NULL);
    return 0;
}
