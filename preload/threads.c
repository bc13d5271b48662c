/*
 * threads.c: the table behind threads.h.  Small (a slot per distinct
 * stack, reused as glibc reuses stacks), under one lock taken twice per
 * thread's life.
 */
#include <pthread.h>

#include "stackcache.h"
#include "threads.h"

#define TH_SLOTS 4096

struct th_slot {
    uintptr_t lo, hi; /* 0, 0: free */
    int live;
};

static struct th_slot th_table[TH_SLOTS];
static pthread_mutex_t th_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t th_key;
static int th_ready;

/* Thread exit: its slot (value - 1) is finished. */
static void th_exit(void *v)
{
    size_t slot = (size_t)(uintptr_t)v - 1;

    pthread_mutex_lock(&th_mutex);
    if (slot < TH_SLOTS)
        th_table[slot].live = 0;
    pthread_mutex_unlock(&th_mutex);
    sc_thread_exit();
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
        th_table[slot] = (struct th_slot){ lo, hi, 1 };
        pthread_setspecific(th_key, (void *)(uintptr_t)(slot + 1));
    }
    pthread_mutex_unlock(&th_mutex);
}

size_t threads_dead(uintptr_t (*out)[2], size_t cap)
{
    size_t n = 0;

    pthread_mutex_lock(&th_mutex);
    for (size_t i = 0; i < TH_SLOTS && n < cap; i++)
        if (th_table[i].lo != 0 && !th_table[i].live) {
            out[n][0] = th_table[i].lo;
            out[n][1] = th_table[i].hi;
            n++;
        }
    pthread_mutex_unlock(&th_mutex);
    return n;
}

void threads_reset_lock(void)
{
    pthread_mutex_init(&th_mutex, NULL);
}
