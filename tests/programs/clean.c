/* clean.c: allocates and frees everything; a run with no leak.  It prints
 * "clean"; with the argument "errno", also (on stderr) the errno it started
 * main with (0 bare: the shim's start must not change it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int start_errno = errno;
    void *p[100];

    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 100; i++)
            p[i] = malloc(16 + (size_t)i);
        for (int i = 0; i < 100; i++)
            free(p[i]);
    }
    dprintf(1, "clean\n");
    if (argc > 1 && argv[1][0] == 'e')
        dprintf(2, "errno at start: %d\n", start_errno);
    return 0;
}
