/*
 * stacks.c: call chains that a cached stack could get wrong, for the test
 * that compares every reused chain with a full unwind (verify mode).
 * Built with and without frame pointers.  Allocates from: recursion of
 * varying depth, the same function through different callers, alloca and
 * variable-length arrays of varying sizes on the path, function pointers,
 * a signal handler, and threads.  Frees everything.
 */
#include <alloca.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile sink;

__attribute__((noinline)) static void leaf(size_t n)
{
    void *p = malloc(n);
    sink = p;
    free(p);
}

__attribute__((noinline)) static void recurse(int depth, size_t n)
{
    if (depth == 0)
        leaf(n);
    else
        recurse(depth - 1, n);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void with_alloca(size_t k, int depth)
{
    char *buf = alloca(k);
    memset(buf, (int)k, k);
    recurse(depth, 32);
    sink = buf;
}

__attribute__((noinline)) static void with_vla(size_t k, int depth)
{
    char vla[k];
    memset(vla, 1, k);
    with_alloca(64 - k % 48, depth);
    sink = vla;
}

__attribute__((noinline)) static void caller_a(unsigned i) { recurse((int)(i % 5), 24); }
__attribute__((noinline)) static void caller_b(unsigned i) { recurse((int)(i % 5), 24); }

static void (*const callers[2])(unsigned) = { caller_a, caller_b };

static void on_signal(int sig)
{
    (void)sig;
    leaf(40);
}

static void *thread_main(void *arg)
{
    for (int i = 0; i < 20000; i++) {
        callers[i & 1]((unsigned)i);
        with_vla(8 + (size_t)(i % 200), i % 3);
    }
    return arg;
}

int main(void)
{
    pthread_t t[2];
    uint32_t x = 12345;

    signal(SIGUSR1, on_signal);
    for (int k = 0; k < 2; k++)
        pthread_create(&t[k], NULL, thread_main, NULL);
    for (int i = 0; i < 50000; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        recurse((int)(x % 9), 16 + x % 100);
        callers[x & 1](x);
        with_vla(8 + x % 300, (int)(x % 4));
        with_alloca(8 + (x >> 8) % 300, (int)(x % 3));
        if (i % 1000 == 0)
            raise(SIGUSR1);
    }
    for (int k = 0; k < 2; k++)
        pthread_join(t[k], NULL);
    sink = NULL;
    dprintf(1, "stacks done\n");
    return 0;
}
