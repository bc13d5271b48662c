/*
 * fdhog.c: a program that uses up its file descriptors (open /dev/null
 * until EMFILE), keeps one 55-byte block, says so and exits 3.  The shim
 * must leave its status and output alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

static void *volatile sink;

int main(void)
{
    int n = 0;

    while (open("/dev/null", O_RDONLY) >= 0)
        n++;
    sink = malloc(55);
    printf("descriptors exhausted after %s, errno %s\n", n > 0 ? "some" : "none",
           errno == EMFILE ? "EMFILE" : "other");
    fflush(stdout);
    return 3;
}
