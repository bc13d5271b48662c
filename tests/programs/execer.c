/*
 * execer.c: a run that execs.  Without arguments it leaks 1 block, forks,
 * and the child execs this program again with "child", which leaks 2
 * blocks and exits 5.  With "self" it leaks 1 block and execs itself
 * directly as "child" (no fork).  Expect one run per image that ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile sink;

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        sink = malloc(22);
        sink = malloc(22);
        dprintf(1, "child ran\n");
        return 5;
    }
    sink = malloc(11);
    if (argc > 1 && strcmp(argv[1], "self") == 0) {
        execl("/proc/self/exe", argv[0], "child", (char *)NULL);
        return 99;
    }
    pid_t c = fork();
    if (c == 0) {
        execl("/proc/self/exe", argv[0], "child", (char *)NULL);
        _exit(99);
    }
    int st;
    waitpid(c, &st, 0);
    dprintf(1, "child exited %d\n", WEXITSTATUS(st));
    return 0;
}
