/*
 * loader.c: loads the library PATH with dlopen(), calls its
 * plugin_leak(N), and then, for ROUNDS rounds, dlclose()s it (close) or
 * keeps it loaded (keep).  Linked with early.c's library.
 *   loader PATH close|keep N ROUNDS
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void *early_kept;

int main(int argc, char **argv)
{
    if (argc != 5)
        return 2;
    int n = atoi(argv[3]), rounds = atoi(argv[4]), close = strcmp(argv[2], "close") == 0;
    for (int r = 0; r < rounds; r++) {
        void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            fprintf(stderr, "loader: %s\n", dlerror());
            return 3;
        }
        void (*leak)(int) = (void (*)(int))dlsym(h, "plugin_leak");
        if (!leak)
            return 4;
        leak(n);
        if (close && dlclose(h) != 0)
            return 5;
    }
    printf("loader: %d rounds, early block %s\n", rounds, early_kept ? "kept" : "missing");
    return 0;
}
