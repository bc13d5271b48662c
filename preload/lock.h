/*
 * lock.h: a small lock for the live table's shards, taken and released on
 * every malloc and free in a shard no single thread owns (livetable.c),
 * and almost never contended (shards follow each thread's arena).  Taken
 * with one compare-and-swap; released with a plain store, which on x86-64
 * is a release without a barrier: the futex lock this replaces released
 * with an exchange, a full barrier on every malloc and free, only to learn
 * whether a waiter slept.  Here no waiter needs waking: one that cannot take the lock
 * spins a little, then yields, then sleeps in short timed waits (a holder
 * keeps a shard long only while it grows or is rebuilt, or while a run is
 * copied or a fork is made).  States: 0 free, 1 held.  A forked child
 * re-initialises its locks with la_lock_init.
 */
#ifndef LA_LOCK_H
#define LA_LOCK_H

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

typedef struct {
    int state;
} la_lock_t;

#define LA_LOCK_INIT { 0 }

#define LA_LOCK_SPINS 128
#define LA_LOCK_YIELDS 64

static inline void la_lock_init(la_lock_t *l)
{
    __atomic_store_n(&l->state, 0, __ATOMIC_RELAXED);
}

static inline int la_lock_try(la_lock_t *l)
{
    int c = 0;

    return __atomic_compare_exchange_n(&l->state, &c, 1, 0, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
}

/* The Nth step of a wait for WORD to change from VALUE: spins, then
 * yields, then sleeps in short timed waits (no one wakes a waiter; one
 * returns at once if WORD changed meanwhile). */
static inline void la_wait_step(unsigned n, const void *word, unsigned value)
{
    if (n < LA_LOCK_SPINS) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    } else if (n < LA_LOCK_SPINS + LA_LOCK_YIELDS) {
        syscall(SYS_sched_yield);
    } else {
        struct timespec t = { 0, 200000 };
        syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, value, &t, NULL, 0);
    }
}

static LA_NOINLINE void la_lock_wait(la_lock_t *l)
{
    for (unsigned n = 0;; n++) {
        if (__atomic_load_n(&l->state, __ATOMIC_RELAXED) == 0 && la_lock_try(l))
            return;
        la_wait_step(n, &l->state, 1);
    }
}

static inline void la_lock(la_lock_t *l)
{
    if (LA_UNLIKELY(!la_lock_try(l)))
        la_lock_wait(l);
}

static inline void la_unlock(la_lock_t *l)
{
    __atomic_store_n(&l->state, 0, __ATOMIC_RELEASE);
}

#endif
