/*
 * server.c: a long-running program, like a server: it handles REQUESTS
 * requests, 10 ms apart, and exits 0 printing "server done".  Each request
 * allocates a buffer and a parsed request and frees both; it adds to a
 * cache that stops growing at 8 entries; and it leaks one 48-byte session
 * from forget_session(): the only site whose live blocks grow.
 * Snapshot signals are blocked while a request is handled, so that a
 * snapshot always sees the program between requests.
 *   server signal REQUESTS   snapshots come by signal (SIGUSR2)
 *   server api REQUESTS      it calls leak_snapshot() itself, before the
 *                            request a quarter and three quarters through
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leakaudit.h"

static void *cache[8];
static void *volatile sink;

__attribute__((noinline)) static void forget_session(int n)
{
    char *s = malloc(48);
    snprintf(s, 48, "session %d", n);
    sink = s;
    sink = NULL;
}

__attribute__((noinline)) static void handle(int n)
{
    char *buf = malloc(4096), *req = malloc(200);
    memset(buf, 'x', 4096);
    memcpy(req, buf, 200);
    if (n < 8)
        cache[n] = strdup("cached entry");
    forget_session(n);
    free(req);
    free(buf);
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int api = strcmp(argv[1], "api") == 0, requests = atoi(argv[2]);
    struct timespec ten_ms = { 0, 10000000 };
    sigset_t usr2;

    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    for (int n = 0; n < requests; n++) {
        if (api && (n == requests / 4 || n == requests * 3 / 4) && leak_snapshot() != 0)
            perror("server: leak_snapshot");
        sigprocmask(SIG_BLOCK, &usr2, NULL);
        handle(n);
        sigprocmask(SIG_UNBLOCK, &usr2, NULL);
        nanosleep(&ten_ms, NULL);
    }
    printf("server done\n");
    return 0;
}
