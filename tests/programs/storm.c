/*
 * storm.c: load for the shim, with exact answers.
 *   storm busy THREADS ITERS  THREADS threads at once, each ITERS malloc/free
 *                             pairs from one site (16-1024 bytes), then 3
 *                             leaks from busy_leak(): 3 x THREADS leaks.
 *   storm short COUNT         COUNT short-lived threads, 32 at a time, each
 *                             leaking one 77-byte block from short_leak().
 *   storm hold SECONDS        leaks one block from busy_leak() each 10 ms
 *                             while allocating and freeing, for SECONDS.
 * Prints "storm done" and exits 0.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *volatile sink;
static long iters;

__attribute__((noinline)) static void *busy_alloc(size_t n)
{
    void *p = malloc(n);
    __asm__ volatile("" : : "r"(p) : "memory");
    return p;
}

__attribute__((noinline)) static void busy_leak(int k)
{
    sink = malloc(300 + (size_t)k);
}

static void *busy(void *arg)
{
    uint32_t x = 2463534242u + (uint32_t)(uintptr_t)arg;
    void *live[32] = { 0 };

    for (long i = 0; i < iters; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        free(live[x % 32]);
        live[x % 32] = busy_alloc(16 + x % 1009);
    }
    for (int i = 0; i < 32; i++)
        free(live[i]);
    for (int k = 0; k < 3; k++)
        busy_leak(k);
    return NULL;
}

__attribute__((noinline)) static void *short_leak(void *arg)
{
    sink = malloc(77);
    return arg;
}

int main(int argc, char **argv)
{
    pthread_t t[64];

    if (argc == 4 && strcmp(argv[1], "busy") == 0) {
        int n = atoi(argv[2]);
        iters = atol(argv[3]);
        if (n < 1 || n > 64)
            return 2;
        for (int k = 0; k < n; k++)
            if (pthread_create(&t[k], NULL, busy, (void *)(uintptr_t)k) != 0)
                return 3;
        for (int k = 0; k < n; k++)
            pthread_join(t[k], NULL);
    } else if (argc == 3 && strcmp(argv[1], "short") == 0) {
        long count = atol(argv[2]);
        for (long done = 0; done < count; done += 32) {
            int wave = count - done < 32 ? (int)(count - done) : 32;
            for (int k = 0; k < wave; k++)
                if (pthread_create(&t[k], NULL, short_leak, NULL) != 0)
                    return 3;
            for (int k = 0; k < wave; k++)
                pthread_join(t[k], NULL);
        }
    } else if (argc == 3 && strcmp(argv[1], "hold") == 0) {
        struct timespec ten_ms = { 0, 10000000 };
        for (long k = 0; k < atol(argv[2]) * 100; k++) {
            busy_leak((int)k);
            for (int i = 0; i < 1000; i++)
                free(busy_alloc(64));
            nanosleep(&ten_ms, NULL);
        }
    } else {
        fprintf(stderr, "usage: storm busy THREADS ITERS | storm short COUNT | storm hold SECONDS\n");
        return 2;
    }
    sink = NULL;
    printf("storm done\n");
    return 0;
}
