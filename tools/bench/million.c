/*
 * million.c: the scale workload.  Leaks N blocks (default 1,000,000) and
 * exits: half are direct leaks from four sites, a quarter are 2-block
 * reference cycles, a quarter are chains of 10 blocks (1 direct + 9
 * indirect).  usage: million [N [rss]]: with "rss", prints the resident
 * set in KiB while all N blocks are live (the memory the bench charges per
 * live block).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct node {
    struct node *next;
    long payload[3];
};

static void *volatile sink;

__attribute__((noinline)) static void direct(long i)
{
    switch (i & 3) {
    case 0: sink = malloc(16); break;
    case 1: sink = malloc(32); break;
    case 2: sink = malloc(48); break;
    default: sink = malloc(64); break;
    }
}

__attribute__((noinline)) static void cycle(void)
{
    struct node *a = malloc(sizeof *a), *b = malloc(sizeof *b);

    a->next = b;
    b->next = a;
    sink = a;
}

__attribute__((noinline)) static void chain(void)
{
    struct node *head = NULL;

    for (int k = 0; k < 10; k++) {
        struct node *n = malloc(sizeof *n);
        n->next = head;
        head = n;
    }
    sink = head;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;

    for (long i = 0; i < n / 2; i++)
        direct(i);
    for (long i = 0; i < n / 8; i++)
        cycle();
    for (long i = 0; i < n / 40; i++)
        chain();
    sink = NULL;
    if (argc > 2 && strcmp(argv[2], "rss") == 0) {
        long size = 0, resident = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2)
            return 1;
        fclose(f);
        printf("%ld\n", resident * (sysconf(_SC_PAGESIZE) / 1024));
    }
    return 0;
}
