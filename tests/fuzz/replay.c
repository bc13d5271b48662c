/*
 * replay.c: runs a fuzz target over files, without a fuzzer: the corpus as
 * a regression test in make check (built with the sanitizers when
 * configure --enable-sanitizers).  usage: replay FILE|DIR...  Prints
 * "N passed, 0 failed" after the inputs; an input that breaks the target
 * crashes it (or trips a sanitizer), which fails the test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int one(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (!f) {
        perror(path);
        return -1;
    }
    do {
        if (len == cap && !(buf = realloc(buf, cap = cap ? cap * 2 : 65536)))
            abort();
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned passed = 0, failed = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;
        DIR *d;
        struct dirent *e;

        if (stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
            one(argv[i]) == 0 ? passed++ : failed++;
            continue;
        }
        if (!(d = opendir(argv[i]))) {
            perror(argv[i]);
            failed++;
            continue;
        }
        while ((e = readdir(d)) != NULL) {
            char p[4096];
            if (e->d_name[0] == '.')
                continue;
            snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
            one(p) == 0 ? passed++ : failed++;
        }
        closedir(d);
    }
    printf("%u passed, %u failed\n", passed, failed);
    return failed != 0 || passed == 0;
}
