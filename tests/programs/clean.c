/* clean.c: allocates and frees everything; a run with no leak. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
    void *p[100];

    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 100; i++)
            p[i] = malloc(16 + (size_t)i);
        for (int i = 0; i < 100; i++)
            free(p[i]);
    }
    dprintf(1, "clean\n");
    return 0;
}
