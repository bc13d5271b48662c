/*
 * threads.c: the table behind threads.h.  Small (a slot per distinct
 * stack, reused as glibc reuses stacks), under one lock taken twice per
 * thread's life; and the starts not yet run, claimed without a lock.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "livetable.h"
#include "side.h"
#include "stackcache.h"
#include "threads.h"

#define TH_SLOTS 4096

struct th_slot {
    uintptr_t lo, hi; /* 0, 0: free */
    pid_t tid;        /* the kernel's id of the thread on it */
    int live;         /* 0 once its key destructors have begun */
};

static struct th_slot th_table[TH_SLOTS];
static pthread_mutex_t th_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t th_key;
static int th_ready;

/* Thread exit: its slot (value - 1) is finishing (the thread is gone once
 * the kernel no longer knows its id). */
static void th_exit(void *v)
{
    size_t slot = (size_t)(uintptr_t)v - 1;

    pthread_mutex_lock(&th_mutex);
    if (slot < TH_SLOTS)
        th_table[slot].live = 0;
    pthread_mutex_unlock(&th_mutex);
    sc_thread_exit();
    side_thread_exit();
    lt_thread_exit();
}

void threads_init(void)
{
    th_ready = pthread_key_create(&th_key, th_exit) == 0;
}

void threads_enter(void)
{
    pthread_attr_t attr;
    void *addr;
    size_t size, free_slot = TH_SLOTS, dead_slot = TH_SLOTS;

    if (!th_ready || pthread_getattr_np(pthread_self(), &attr) != 0)
        return;
    int ok = pthread_attr_getstack(&attr, &addr, &size) == 0;
    pthread_attr_destroy(&attr);
    if (!ok)
        return;
    uintptr_t lo = (uintptr_t)addr, hi = lo + size;
    sc_set_thread_stack(lo, hi);
    pthread_mutex_lock(&th_mutex);
    for (size_t i = 0; i < TH_SLOTS; i++) {
        struct th_slot *s = &th_table[i];
        if (s->lo == 0 && free_slot == TH_SLOTS)
            free_slot = i;
        else if (s->lo != 0 && s->lo < hi && lo < s->hi) {
            s->lo = s->hi = 0; /* a cached stack reused, or overlapped */
            s->live = 0;
            if (free_slot == TH_SLOTS)
                free_slot = i;
        } else if (s->lo != 0 && !s->live && dead_slot == TH_SLOTS) {
            dead_slot = i;
        }
    }
    /* Full: forget a finished one (its stack is then scanned: in doubt,
     * reachable). */
    size_t slot = free_slot < TH_SLOTS ? free_slot : dead_slot;
    if (slot < TH_SLOTS) {
        th_table[slot] = (struct th_slot){ lo, hi, (pid_t)syscall(SYS_gettid), 1 };
        pthread_setspecific(th_key, (void *)(uintptr_t)(slot + 1));
    }
    pthread_mutex_unlock(&th_mutex);
}

/* Whether thread TID of process TGID has ended: its key destructors ran,
 * glibc's own clean-up after them too, and the kernel let it go. */
static int th_gone(pid_t tgid, pid_t tid)
{
    return syscall(SYS_tgkill, tgid, tid, 0) != 0 && errno == ESRCH;
}

size_t threads_dead(uintptr_t (*out)[2], size_t cap, pid_t tgid)
{
    size_t n = 0;
    int saved = errno;

    pthread_mutex_lock(&th_mutex);
    for (size_t i = 0; i < TH_SLOTS && n < cap; i++)
        if (th_table[i].lo != 0 && !th_table[i].live && th_gone(tgid, th_table[i].tid)) {
            out[n][0] = th_table[i].lo;
            out[n][1] = th_table[i].hi;
            n++;
        }
    pthread_mutex_unlock(&th_mutex);
    errno = saved;
    return n;
}

int threads_others_alive(void)
{
    size_t mine = (size_t)(uintptr_t)pthread_getspecific(th_key) - 1;
    int n = 0;

    pthread_mutex_lock(&th_mutex);
    for (size_t i = 0; i < TH_SLOTS && !n; i++)
        n = th_table[i].lo != 0 && th_table[i].live && i != mine;
    pthread_mutex_unlock(&th_mutex);
    return n;
}

/* ---- threads parked until the process ends --------------------------------- */

#define TH_PARKED 64

static struct la_context th_parked[TH_PARKED];
static int th_parked_used[TH_PARKED];
static LA_TLS int th_t_parked; /* this thread's parked slot + 1 */

int threads_park(const struct la_context *where)
{
    if (!where || !where->sp)
        return -1;
    for (int i = 0; i < TH_PARKED; i++) {
        if (__atomic_load_n(&th_parked_used[i], __ATOMIC_RELAXED) ||
            __atomic_exchange_n(&th_parked_used[i], 1, __ATOMIC_ACQUIRE))
            continue;
        th_parked[i] = *where;
        __atomic_store_n(&th_parked_used[i], 2, __ATOMIC_RELEASE);
        th_t_parked = i + 1;
        return i;
    }
    return -1;
}

void threads_unpark(int slot)
{
    if (slot < 0)
        return;
    th_t_parked = 0;
    __atomic_store_n(&th_parked_used[slot], 0, __ATOMIC_RELEASE);
}

int threads_parked_here(void)
{
    return th_t_parked != 0;
}

size_t threads_parked(const struct la_context **out, size_t cap)
{
    size_t n = 0;

    for (size_t i = 0; i < TH_PARKED && (!out || n < cap); i++)
        if (__atomic_load_n(&th_parked_used[i], __ATOMIC_ACQUIRE) == 2) {
            if (out)
                out[n] = &th_parked[i];
            n++;
        }
    return n;
}

/* ---- starts not yet run --------------------------------------------------- */

#define TH_STARTS 1024

static struct th_start th_starts[TH_STARTS];
static int th_start_used[TH_STARTS];

struct th_start *threads_start_claim(void *(*fn)(void *), void *arg)
{
    for (size_t i = 0; i < TH_STARTS; i++) {
        if (__atomic_load_n(&th_start_used[i], __ATOMIC_RELAXED) ||
            __atomic_exchange_n(&th_start_used[i], 1, __ATOMIC_ACQUIRE))
            continue;
        th_starts[i].fn = fn;
        __atomic_store_n(&th_starts[i].arg, arg, __ATOMIC_RELEASE);
        return &th_starts[i];
    }
    return NULL;
}

int threads_start_owns(const struct th_start *s)
{
    return s >= th_starts && s < th_starts + TH_STARTS;
}

void threads_start_release(struct th_start *s)
{
    __atomic_store_n(&s->arg, NULL, __ATOMIC_RELAXED);
    __atomic_store_n(&th_start_used[s - th_starts], 0, __ATOMIC_RELEASE);
}

size_t threads_start_args(uintptr_t *out, size_t cap)
{
    size_t n = 0;

    for (size_t i = 0; i < TH_STARTS && n < cap; i++)
        if (__atomic_load_n(&th_start_used[i], __ATOMIC_ACQUIRE))
            out[n++] = (uintptr_t)__atomic_load_n(&th_starts[i].arg, __ATOMIC_ACQUIRE);
    return n;
}

void threads_reset_lock(void)
{
    pthread_mutex_init(&th_mutex, NULL);
}
