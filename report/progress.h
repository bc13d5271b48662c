/*
 * progress.h: progress on stderr for work that takes a while (reading
 * and symbolizing a large database, writing a large report): on a
 * terminal, once the work has run for a second, one line rewritten in
 * place at most ten times a second, erased at the end.
 */
#ifndef RP_PROGRESS_H
#define RP_PROGRESS_H

#include <stddef.h>
#include <time.h>

struct rp_progress {
    int mode;              /* -1 auto (a terminal, after 1 s), 0 never, 1 always */
    int tty, shown;
    const char *what;      /* the stage last shown */
    struct timespec start, last;
};

void rp_progress_start(struct rp_progress *p, int mode);

/* DONE of TOTAL steps of WHAT ("symbolizing stacks", a string constant:
 * a new pointer is a new stage). */
void rp_progress_step(struct rp_progress *p, const char *what, size_t done, size_t total);

/* Erases the line (a terminal) or ends it. */
void rp_progress_end(struct rp_progress *p);

/* Seconds since T (CLOCK_MONOTONIC). */
double rp_seconds_since(const struct timespec *t);

#endif
