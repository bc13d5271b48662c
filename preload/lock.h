/*
 * lock.h: a small futex lock for the live table's shards, where a lock is
 * taken and released on every malloc and free and almost never contended
 * (shards follow each thread's arena).  Uncontended, it is one atomic
 * exchange to take and one to release, against glibc's mutex call chain.
 * States: 0 free, 1 held, 2 held with waiters (U. Drepper, "Futexes Are
 * Tricky", mutex 3).  A forked child re-initialises its locks with
 * la_lock_init.
 */
#ifndef LA_LOCK_H
#define LA_LOCK_H

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

typedef struct {
    int state;
} la_lock_t;

#define LA_LOCK_INIT { 0 }

static inline void la_lock_init(la_lock_t *l)
{
    __atomic_store_n(&l->state, 0, __ATOMIC_RELAXED);
}

static LA_NOINLINE void la_lock_wait(la_lock_t *l, int c)
{
    if (c != 2)
        c = __atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE);
    while (c != 0) {
        syscall(SYS_futex, &l->state, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
        c = __atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE);
    }
}

static inline void la_lock(la_lock_t *l)
{
    int c = 0;

    if (LA_UNLIKELY(!__atomic_compare_exchange_n(&l->state, &c, 1, 0, __ATOMIC_ACQUIRE,
                                                 __ATOMIC_RELAXED)))
        la_lock_wait(l, c);
}

static inline void la_unlock(la_lock_t *l)
{
    if (LA_UNLIKELY(__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) == 2))
        syscall(SYS_futex, &l->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

#endif
