/*
 * exits.c MODE N: ends by MODE with status N after leaking one 13-byte
 * block.  MODE: return, exit, _exit, _Exit, thread (exit() from a second
 * thread while a third keeps allocating), atexit (an atexit handler
 * allocates and frees, another leaks).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile sink;
static int status;

static void *spinner(void *arg)
{
    for (;;) {
        void *p = malloc(64);
        sink = p;
        free(p);
    }
    return arg;
}

static void *exiter(void *arg)
{
    usleep(20000);
    exit(status);
    return arg;
}

static void at_exit_leak(void)
{
    sink = malloc(17);
    free(malloc(5));
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 64;
    status = atoi(argv[2]);
    sink = malloc(13);
    dprintf(1, "mode %s\n", argv[1]);
    if (strcmp(argv[1], "exit") == 0)
        exit(status);
    if (strcmp(argv[1], "_exit") == 0)
        _exit(status);
    if (strcmp(argv[1], "_Exit") == 0)
        _Exit(status);
    if (strcmp(argv[1], "thread") == 0) {
        pthread_t a, b;
        pthread_create(&a, NULL, spinner, NULL);
        pthread_create(&b, NULL, exiter, NULL);
        pthread_join(b, NULL);
        return 70; /* not reached */
    }
    if (strcmp(argv[1], "atexit") == 0)
        atexit(at_exit_leak);
    return status;
}
