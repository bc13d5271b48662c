/*
 * snapshot.c: runs written while the process goes on, by a writer child
 * (child.h): checkpoints, every LEAKAUDIT_CHECKPOINT seconds, which the
 * next one and the final run replace; and snapshots, asked for with
 * leak_snapshot() or the snapshot signal, which stay.
 */
#include <errno.h>
#include <string.h>

#include "child.h"
#include "core.h"
#include "guard.h"
#include "snapshot.h"

static int64_t ckpt_due; /* CLOCK_MONOTONIC_COARSE nanoseconds */
static int ckpt_warned;
static LA_TLS unsigned t_ckpt_tick;

void snapshot_schedule(void)
{
    ckpt_due = la_mono_ns() + (int64_t)la_opt.checkpoint * 1000000000;
}

LA_NOINLINE void snapshot_checkpoint_tick(void)
{
    if ((++t_ckpt_tick & 255) || __atomic_load_n(&la_finished, __ATOMIC_RELAXED))
        return;
    int64_t now = la_mono_ns();
    int64_t due = __atomic_load_n(&ckpt_due, __ATOMIC_RELAXED);
    if (now < due ||
        !__atomic_compare_exchange_n(&ckpt_due, &due,
                                     now + (int64_t)la_opt.checkpoint * 1000000000,
                                     0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        return;
    int got = child_lock(0);
    if (got < 0)
        return;
    if (child_reap_last(0) && child_start("checkpoint", "a checkpoint", NULL) != 0 &&
        !__atomic_exchange_n(&ckpt_warned, 1, __ATOMIC_RELAXED))
        la_warn("cannot take a checkpoint: %s", strerror(errno));
    child_unlock(got);
}

/* leak_snapshot() (with WHERE the program called it), or the snapshot
 * signal (FROM_SIGNAL). */
static int snapshot_take(int from_signal, const struct la_context *where)
{
    int saved = errno, rc = -1;

    t_guard++;
    int got = child_lock(!from_signal);
    if (got < 0) {
        errno = EBUSY;
    } else {
        child_reap_last(1);
        rc = child_start("snapshot", "a snapshot", where);
        child_unlock(got);
        if (rc == 0)
            errno = saved;
    }
    t_guard--;
    if (from_signal)
        errno = saved;
    return rc;
}

int la_leak_snapshot(const struct la_context *where)
{
    if (la_load_state() == ST_UNSTARTED)
        la_start();
    return snapshot_take(0, where);
}

void snapshot_on_signal(int sig)
{
    (void)sig;
    snapshot_take(1, NULL);
}
