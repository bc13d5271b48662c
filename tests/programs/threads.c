/*
 * threads.c: 8 threads allocate and free at random; thread k leaks exactly
 * k+1 blocks from thread_leak(), and frees everything else.  36 leaks.
 * Threads start and end while others allocate.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NTHREADS 8
#define LIVE 64
#define ITERS 40000

static void *volatile sink;

__attribute__((noinline)) static void thread_leak(int k)
{
    for (int i = 0; i <= k; i++)
        sink = malloc(100 + (size_t)k);
}

static void *worker(void *arg)
{
    int k = (int)(intptr_t)arg;
    uint32_t x = 2463534242u + (uint32_t)k;
    void *live[LIVE] = { 0 };

    for (int i = 0; i < ITERS; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        int slot = (int)(x % LIVE);
        free(live[slot]);
        live[slot] = (x & 0x100) ? malloc(16 + x % 512) : NULL;
        if ((x & 0xff) == 7 && live[slot])
            live[slot] = realloc(live[slot], 1 + x % 2000);
    }
    for (int i = 0; i < LIVE; i++)
        free(live[i]);
    thread_leak(k);
    return NULL;
}

int main(void)
{
    pthread_t t[NTHREADS];

    for (int k = 0; k < NTHREADS; k++)
        pthread_create(&t[k], NULL, worker, (void *)(intptr_t)k);
    for (int k = 0; k < NTHREADS; k++)
        pthread_join(t[k], NULL);
    sink = NULL;
    dprintf(1, "threads done\n");
    return 0;
}
