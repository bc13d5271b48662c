/*
 * leaky.c: the bundled example.  Leaks on purpose in three ways, and marks
 * one intentional leak with leak_mark():
 *   - make_request() leaks its buffer on every call (10 of 10 allocations);
 *   - parse_line() leaks only on even lines (5 of 10);
 *   - load_config() keeps its config for the whole run: marked intentional.
 * Build:  cc -g -O1 leaky.c -o leaky     Run:  leakaudit --check -- ./leaky
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakaudit.h"

struct config {
    char name[32];
    int workers;
};

/* Pointers stored here are gone after the next call. */
static void *volatile sink;

static struct config *load_config(void)
{
    struct config *c = malloc(sizeof *c);

    if (!c)
        return NULL;
    strcpy(c->name, "example");
    c->workers = 4;
    leak_mark(c, "configuration, loaded once for the whole run");
    return c;
}

__attribute__((noinline)) static void make_request(int i)
{
    char *buf = malloc(64);

    if (buf)
        snprintf(buf, 64, "request %d", i);
    sink = buf; /* never freed: leaks on every call */
}

__attribute__((noinline)) static void parse_line(int i)
{
    char *tok = malloc(24);

    sink = tok;
    if (i % 2)
        free(tok); /* even lines forget to free */
}

int main(void)
{
    struct config *cfg = load_config();

    for (int i = 0; i < 10; i++) {
        make_request(i);
        parse_line(i);
    }
    sink = NULL;
    /* dprintf: no stdio buffer, so the only blocks left are the example's. */
    dprintf(1, "processed 10 requests with %d workers\n", cfg ? cfg->workers : 0);
    return 0;
}
