/*
 * forker.c: runs of a process tree.  The parent leaks 2 blocks, forks a
 * child that leaks 3 and exits 0, forks another that leaks 4 and calls
 * _exit(7), then leaks 1 more itself.  Expect 3 runs: parent 3 blocks,
 * children 3 and 4 (what they inherited is the parent's, not theirs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile sink;

__attribute__((noinline)) static void leak_n(int n, size_t size)
{
    for (int i = 0; i < n; i++)
        sink = malloc(size);
}

int main(void)
{
    int st1, st2;

    leak_n(2, 10);
    pid_t c1 = fork();
    if (c1 == 0) {
        leak_n(3, 30);
        exit(0);
    }
    waitpid(c1, &st1, 0);
    pid_t c2 = fork();
    if (c2 == 0) {
        leak_n(4, 40);
        _exit(7);
    }
    waitpid(c2, &st2, 0);
    leak_n(1, 11);
    dprintf(1, "children: %d %d\n", WEXITSTATUS(st1), WEXITSTATUS(st2));
    return 0;
}
