/*
 * churn.h: the driver both churn workloads share (churn.c, manystack.c):
 * OPS random operations over LIVE slots, each freeing a slot's block and
 * allocating a new one of 16 to 512 bytes with CHURN_ALLOC(size, x) (x: the
 * operation's random word, to pick a call chain from); THREADS threads
 * share the work.  Frees everything at the end.  The including file names
 * itself in CHURN_NAME for its usage line.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct job {
    long ops, live;
    uint32_t seed;
};

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
        slots[s] = CHURN_ALLOC(16 + (x >> 8) % 497, x);
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
        fprintf(stderr, "usage: " CHURN_NAME " [OPS [LIVE [THREADS (1-64)]]]\n");
        return 2;
    }
    for (int k = 0; k < nt; k++) {
        jobs[k] = (struct job){ ops / nt, live / nt, 2463534242u + (uint32_t)k * 7919u };
        if (nt == 1)
            worker(&jobs[k]);
        else if (pthread_create(&t[k], NULL, worker, &jobs[k]) != 0)
            return 1;
    }
    for (int k = 0; nt > 1 && k < nt; k++)
        pthread_join(t[k], NULL);
    return 0;
}
