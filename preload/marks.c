/*
 * marks.c: storage of leak_mark() registrations.  A directory of fixed
 * chunks, so a mark never moves once made.  Callers hold the recursion
 * guard.
 */
#include <pthread.h>

#include "marks.h"
#include "pages.h"

#define MK_CHUNK 1024u
#define MK_CHUNKS 4096u

static pthread_mutex_t mk_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct la_mark *mk_dir[MK_CHUNKS];
static uint32_t mk_next = 1;

uint32_t marks_add(uintptr_t block, uint32_t stack, char *why)
{
    uint32_t id;

    pthread_mutex_lock(&mk_mutex);
    id = mk_next;
    if (id / MK_CHUNK >= MK_CHUNKS) {
        id = 0;
        goto out;
    }
    struct la_mark *chunk = mk_dir[id / MK_CHUNK];
    if (!chunk) {
        chunk = pages_alloc(MK_CHUNK * sizeof *chunk);
        if (!chunk) {
            id = 0;
            goto out;
        }
        __atomic_store_n(&mk_dir[id / MK_CHUNK], chunk, __ATOMIC_RELEASE);
    }
    struct la_mark *m = &chunk[id % MK_CHUNK];
    m->block = block;
    m->stack = stack;
    m->id = id;
    m->why = why;
    __atomic_store_n(&mk_next, id + 1, __ATOMIC_RELEASE);
out:
    pthread_mutex_unlock(&mk_mutex);
    return id;
}

struct la_mark *marks_get(uint32_t id)
{
    struct la_mark *chunk;

    if (id == 0 || id >= __atomic_load_n(&mk_next, __ATOMIC_ACQUIRE))
        return NULL;
    chunk = __atomic_load_n(&mk_dir[id / MK_CHUNK], __ATOMIC_ACQUIRE);
    return chunk ? &chunk[id % MK_CHUNK] : NULL;
}

void marks_move(uint32_t id, uintptr_t newblock)
{
    struct la_mark *m = marks_get(id);

    if (m) {
        pthread_mutex_lock(&mk_mutex);
        m->block = newblock;
        pthread_mutex_unlock(&mk_mutex);
    }
}

uint32_t marks_end(void)
{
    return __atomic_load_n(&mk_next, __ATOMIC_ACQUIRE);
}

void marks_lock(void)
{
    pthread_mutex_lock(&mk_mutex);
}

void marks_unlock(void)
{
    pthread_mutex_unlock(&mk_mutex);
}

void marks_reset_lock(void)
{
    pthread_mutex_init(&mk_mutex, NULL);
}
