/*
 * world.c: a program that changes the world the shim lives in, then leaks
 * 2 blocks of 100 bytes (lost) and keeps 1 of 50, and exits 0 printing
 * "world MODE done" (the daemon prints nothing: its output is gone).
 *
 *   chdir       chdir("/") first
 *   chroot DIR  chroot(DIR) first (needs the privilege)
 *   closefds    closes every descriptor, stdin/stdout/stderr included
 *   daemon      daemon(0, 0): the parent leaves with _exit(0); the child,
 *               in its own session in "/", leaks and exits after 200 ms
 *   atexit      an atexit handler leaks one more block, of 33 bytes
 *   threads     4 threads allocate and free without pause while main
 *               returns
 *   many N      keeps N blocks of 24 bytes live, reachable (load for the
 *               shim's tables); with tests/programs/failmmap.c preloaded,
 *               the shim's mmap() calls fail while it allocates them
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile sink;
static void **many;
char *kept;

__attribute__((noinline)) static void leak_two(void)
{
    for (int i = 0; i < 2; i++)
        sink = malloc(100);
    sink = NULL;
}

__attribute__((noinline)) static void at_end(void)
{
    sink = malloc(33);
    sink = NULL;
}

static void *churn(void *arg)
{
    (void)arg;
    for (;;) {
        void *p = malloc(48);
        sink = p;
        free(p);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    pthread_t t;

    kept = malloc(50);
    strcpy(kept, "kept");
    if (strcmp(mode, "chdir") == 0) {
        if (chdir("/") != 0)
            return 3;
    } else if (strcmp(mode, "chroot") == 0 && argc > 2) {
        if (chroot(argv[2]) != 0 || chdir("/") != 0) {
            perror("world: chroot");
            return 3;
        }
    } else if (strcmp(mode, "closefds") == 0) {
        for (int fd = 0; fd < 1024; fd++)
            close(fd);
    } else if (strcmp(mode, "daemon") == 0) {
        if (daemon(0, 0) != 0)
            return 3;
        usleep(200000);
    } else if (strcmp(mode, "atexit") == 0) {
        atexit(at_end);
    } else if (strcmp(mode, "threads") == 0) {
        for (int i = 0; i < 4; i++)
            pthread_create(&t, NULL, churn, NULL);
        usleep(20000);
    } else if (strcmp(mode, "many") == 0 && argc > 2) {
        long n = atol(argv[2]);
        void (*arm)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "failmmap_arm");
        void (*disarm)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "failmmap_disarm");
        many = malloc((size_t)n * sizeof *many);
        if (arm && disarm)
            arm();
        for (long i = 0; i < n; i++)
            many[i] = malloc(24);
        if (arm && disarm)
            disarm();
    } else {
        fprintf(stderr, "world: unknown mode '%s'\n", mode);
        return 2;
    }
    leak_two();
    printf("world %s done\n", mode);
    fflush(stdout);
    return 0;
}
