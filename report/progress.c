/* progress.c: behind progress.h. */
#include <stdio.h>
#include <unistd.h>

#include "progress.h"

double rp_seconds_since(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

void rp_progress_start(struct rp_progress *p, int mode)
{
    p->mode = mode;
    p->tty = isatty(STDERR_FILENO);
    p->shown = 0;
    p->what = NULL;
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->last = p->start;
}

void rp_progress_step(struct rp_progress *p, const char *what, size_t done, size_t total)
{
    if (p->mode == 0 || (p->mode < 0 && (!p->tty || rp_seconds_since(&p->start) < 1.0)))
        return;
    /* A stage's first line and its last always; in between, ten a second. */
    if (p->shown && what == p->what && done < total && rp_seconds_since(&p->last) < 0.1)
        return;
    p->what = what;
    clock_gettime(CLOCK_MONOTONIC, &p->last);
    fprintf(stderr, "%sleakaudit-report: %s %zu/%zu%s", p->tty ? "\r" : "", what, done, total,
            p->tty ? "\033[K" : "\n");
    p->shown = 1;
}

void rp_progress_end(struct rp_progress *p)
{
    if (p->shown && p->tty)
        fputs("\r\033[K", stderr);
    p->shown = 0;
}
