/*
 * graph.c: every class and kind with a known answer (checked against
 * Valgrind and LeakSanitizer when written):
 *   leak   direct_a (1 x 40), direct_b (1 x 56), a list head owning 4 nodes
 *          (1 direct + 4 indirect), every_call (3 of 3), some_calls (2 of 4)
 *   cycle  a 2-cycle (pair_a <-> pair_b), a 3-cycle (triangle)
 *   repeated-mark  mark_per_call: 3 blocks marked from one site
 *   intentional    a config marked once, owning 3 strings (4 blocks)
 *   reachable      a 2-cycle hanging from a global; a global buffer
 * Pointers pass through a volatile sink that is cleared, and the stack is
 * scrubbed before main returns, so no stale copy keeps a leak reachable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leakaudit.h"

struct node {
    struct node *next;
    char pad[24];
};

static void *volatile sink;
static volatile int three = 3, four = 4;
/* Volatile, or the compiler drops globals that are never read. */
static struct node *volatile global_cycle;
static char *volatile global_buf;

__attribute__((noinline)) static void direct_a(void) { sink = malloc(40); }
__attribute__((noinline)) static void direct_b(void) { sink = malloc(56); }

__attribute__((noinline)) static void list(void)
{
    void **head = calloc(1, 48);
    struct node **tail = (struct node **)head;

    for (int i = 0; i < four; i++) {
        struct node *n = calloc(1, sizeof *n);
        *tail = n;
        tail = &n->next;
    }
    sink = head;
}

__attribute__((noinline)) static void *pair_b(void) { return calloc(1, 64); }

__attribute__((noinline)) static struct node *pair(void)
{
    struct node *a = calloc(1, 64), *b = pair_b();

    a->next = b;
    b->next = a;
    return a;
}

__attribute__((noinline)) static void triangle(void)
{
    struct node *n[3];

    for (int i = 0; i < three; i++)
        n[i] = calloc(1, 72);
    n[0]->next = n[1];
    n[1]->next = n[2];
    n[2]->next = n[0];
    sink = n[0];
    memset(n, 0, sizeof n);
}

__attribute__((noinline)) static void mark_per_call(int i)
{
    char *p = malloc(16 + (size_t)i);
    leak_mark(p, "per-call cache entry");
}

__attribute__((noinline)) static void config(void)
{
    char **c = calloc(4, sizeof *c);

    c[0] = strdup("name");
    c[1] = strdup("/etc/path");
    c[2] = strdup("mode");
    leak_mark(c, "configuration");
}

__attribute__((noinline)) static void every_call(void) { sink = malloc(24); }

__attribute__((noinline)) static void some_calls(int i)
{
    void *p = malloc(88);
    sink = p;
    if (i % 2)
        free(p);
}

/* Overwrites the dead stack below the caller with zeros. */
__attribute__((noinline)) static void scrub(void)
{
    volatile char zeros[32768];

    memset((char *)zeros, 0, sizeof zeros);
}

__attribute__((noinline)) static void work(void)
{
    direct_a();
    direct_b();
    list();
    sink = pair();
    triangle();
    global_cycle = pair();
    global_buf = malloc(100);
    for (int i = 0; i < three; i++)
        mark_per_call(i);
    config();
    for (int i = 0; i < three; i++)
        every_call();
    for (int i = 0; i < four; i++)
        some_calls(i);
    sink = NULL;
}

int main(void)
{
    work();
    scrub();
    dprintf(1, "graph done\n");
    return 0;
}
