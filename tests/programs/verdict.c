/*
 * verdict.c: cases where the verdict on a block depends on how the process
 * ends and what its threads are doing then (tests/run-verdict.sh, checked
 * against Valgrind memcheck).  Each real leak is a block of 77 bytes (or
 * 78, 79 for a second and third one; stale-frames loses one of 101 to
 * 112 bytes through each allocator); every other block still allocated
 * at the end is reachable.  verdict MODE; see main for the modes.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <signal.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Keeps the optimizer from removing allocations whose pointer is dropped. */
static void *volatile sink;

static __attribute__((noinline)) void leak(size_t n)
{
    sink = malloc(n);
    sink = NULL;
}

/* Zeroes the stack below the caller's frame. */
static __attribute__((noinline)) void scrub(void)
{
    volatile char below[16384];

    memset((char *)below, 0, sizeof below);
}

/* Stale frames: the malloc family's traces (the block's address in the
 * frames a call used) lie below the program's stack pointer after it
 * returns; a deeper frame's uninitialised locals lie over them later.  The
 * blocks' addresses are kept hidden (xor), so that only such traces can
 * point to them; the shim runs its work, and libc's allocator, on a stack
 * of its own, so there are none. */
#define HIDE 0x5a5a5a5a5a5a5a5aull
extern void *verdict_slot;
static uintptr_t hidden[8];
static size_t nhidden;
void *verdict_slot; /* posix_memalign's output, not in a frame */
/* (Called through a pointer: gcc knows posix_memalign, and would put its
 * output in a temporary of the frame.) */
static int (*volatile memalign_to)(void **, size_t, size_t) = posix_memalign;

static __attribute__((noinline)) void stale_alloc(void)
{
    hidden[nhidden++] = (uintptr_t)malloc(101) ^ HIDE;
    hidden[nhidden++] = (uintptr_t)calloc(1, 102) ^ HIDE;
    hidden[nhidden++] = (uintptr_t)realloc(malloc(50), 103) ^ HIDE;
    if (memalign_to(&verdict_slot, 64, 104) == 0)
        hidden[nhidden++] = (uintptr_t)verdict_slot ^ HIDE;
    verdict_slot = NULL;
    hidden[nhidden++] = (uintptr_t)memalign(64, 105) ^ HIDE;
    hidden[nhidden++] = (uintptr_t)valloc(106) ^ HIDE;
    hidden[nhidden++] = (uintptr_t)aligned_alloc(16, 112) ^ HIDE;
    free(malloc(60)); /* and a free's traces */
}

/* How many words of W[N] hold a block's address; each one's block number
 * and depth into BUF. */
static __attribute__((noinline)) int stale_copies(const volatile uintptr_t *w, size_t n,
                                                  char *buf, size_t len)
{
    int copies = 0;
    size_t at = 0;

    buf[0] = '\0';
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < nhidden; i++)
            if (w[k] == (hidden[i] ^ HIDE) && at < len) {
                copies++;
                at += (size_t)snprintf(buf + at, len - at, " [block %zu, word %zu]", i, k);
            }
    return copies;
}

static __attribute__((noinline)) void stale_exit(void)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
    volatile uintptr_t over[2048]; /* uninitialised: over the dead frames */
    static char where[512];
    int copies = stale_copies(over, 2048, where, sizeof where);

#pragma GCC diagnostic pop
    printf("copies %d%s\n", copies, where);
    fflush(stdout);
    exit(0); /* the stack is a root from here: OVER is in it */
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };

    nanosleep(&t, NULL);
}

/* Frees and allocates forever: 32 live blocks at any time, on its stack. */
static void *churn(void *arg)
{
    void *k[32] = { 0 };

    (void)arg;
    for (long i = 0;; i++) {
        int j = i & 31;
        free(k[j]);
        k[j] = malloc(1 + i % 3000);
    }
    return NULL;
}

static void start_churn(int n)
{
    pthread_t t;

    for (int i = 0; i < n; i++)
        pthread_create(&t, NULL, churn, NULL);
    sleep_ms(100);
}

/* ---- a thread running when another dies ---------------------------------- */

static int held_ready;

/* Drops a block of 79 bytes whose address stays in this frame, dead once
 * it returns. */
static __attribute__((noinline)) void drop_in_frame(void)
{
    void *volatile here[4];

    here[0] = malloc(79);
    here[1] = here[2] = here[3] = NULL;
}

/* Its stack dead below its stack pointer: the 79-byte block is lost, as
 * Valgrind says, unless the whole stack is scanned. */
static void *dead_frame_thread(void *arg)
{
    (void)arg;
    drop_in_frame();
    /* (Its scratch registers still hold what drop_in_frame left.) */
    asm volatile("xor %%eax, %%eax\n\txor %%ecx, %%ecx\n\txor %%edx, %%edx\n\t"
                 "xor %%esi, %%esi\n\txor %%edi, %%edi\n\txor %%r8d, %%r8d\n\t"
                 "xor %%r9d, %%r9d\n\txor %%r10d, %%r10d\n\txor %%r11d, %%r11d"
                 ::: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11");
    __atomic_store_n(&held_ready, 1, __ATOMIC_RELEASE);
    for (;;)
        asm volatile("pause");
    return NULL;
}

/* A block whose only address is in a register of the running thread
 * (r12): reachable, for Valgrind too.  Its address is kept masked in
 * memory while the thread calls malloc and free (the copies those calls
 * leave are overwritten by the next ones), then unmasked into r12 for a
 * loop that calls nothing. */
static void *register_thread(void *arg)
{
    static volatile uintptr_t masked;
    void *warm[64];

    (void)arg;
    free(malloc(100)); /* the thread's arena made: its deep frames are old */
    masked = (uintptr_t)malloc(80) ^ 0x5a5a5a5a5a5a5a5aul;
    for (int i = 0; i < 64; i++)
        warm[i] = malloc(80);
    for (int i = 0; i < 64; i++)
        free(warm[i]);
    memset(warm, 0, sizeof warm);
    register uintptr_t p asm("r12") = masked ^ 0x5a5a5a5a5a5a5a5aul;
    masked = 0;
    __atomic_store_n(&held_ready, 1, __ATOMIC_RELEASE);
    for (;;)
        asm volatile("pause" : "+r"(p));
    return NULL;
}

/* Blocks every signal, then spins: the hold's signal never comes. */
static void *blocked_thread(void *arg)
{
    sigset_t all;

    (void)arg;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    __atomic_store_n(&held_ready, 1, __ATOMIC_RELEASE);
    for (;;)
        asm volatile("pause");
    return NULL;
}

static void start_held(void *(*fn)(void *))
{
    pthread_t t;

    pthread_create(&t, NULL, fn, NULL);
    while (!__atomic_load_n(&held_ready, __ATOMIC_ACQUIRE))
        sleep_ms(1);
    sleep_ms(10);
}

/* ---- threads' own memory ----------------------------------------------- */

/* A key destructor that runs after the shim's (its key is newer): the
 * process ends while the thread is still in it. */
static pthread_key_t slow_key;

static void slow_destructor(void *v)
{
    (void)v;
    sleep_ms(3000);
}

static void *dlerror_thread(void *arg)
{
    (void)arg;
    if (!dlopen("/nonexistent/libnothing.so", RTLD_NOW))
        sink = dlerror(); /* glibc keeps the message, reached from TLS */
    sink = NULL;
    pthread_setspecific(slow_key, &slow_key);
    return NULL;
}

static pthread_key_t snap_key;

/* In the thread's key destructor: its block is still on its stack. */
static void snap_in_destructor(void *v)
{
    int (*snap)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "leak_snapshot");
    void *volatile keep = v;

    if (snap)
        snap();
    free(keep);
}

static void *key_thread(void *arg)
{
    (void)arg;
    pthread_setspecific(snap_key, malloc(40));
    return NULL;
}

static pthread_key_t high_key;
static pthread_barrier_t high_barrier;

/* A value on a key beyond the first 32: glibc keeps it in a second-level
 * array of its own. */
static void *high_key_thread(void *arg)
{
    (void)arg;
    pthread_setspecific(high_key, malloc(48));
    pthread_barrier_wait(&high_barrier);
    for (;;)
        pause();
    return NULL;
}

static void *just_started(void *arg)
{
    sleep_ms(1000);
    free(arg);
    return NULL;
}

/* ---- blocks freed by another thread than made them ------------------------ */

/* A producer allocates, a consumer frees what it receives (the live
 * table's shards of the producer's arena become shared under it), but
 * drops the 77-byte block: the one leak.  A ring of pointers between them,
 * under a mutex. */
#define HANDOFF_N 50000
#define HANDOFF_RING 256
static void *ring[HANDOFF_RING];
static unsigned ring_head, ring_tail;
static pthread_mutex_t ring_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ring_cond = PTHREAD_COND_INITIALIZER;

/* A seccomp filter that refuses membarrier(2) from here on (EPERM), as a
 * sandbox installed after the start can. */
static int refuse_membarrier(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_membarrier, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { sizeof code / sizeof code[0], code };

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        perror("verdict: seccomp");
        return -1;
    }
    return 0;
}

static void *producer(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < HANDOFF_N; i++) {
        void *p = malloc(i == HANDOFF_N / 2 ? 77 : 16 + i % 200);
        /* Its own blocks too, freed at once, in the same shards. */
        void *own = malloc(16 + i % 100);
        sink = own;
        free(own);
        pthread_mutex_lock(&ring_mutex);
        while (ring_head - ring_tail == HANDOFF_RING)
            pthread_cond_wait(&ring_cond, &ring_mutex);
        ring[ring_head++ % HANDOFF_RING] = p;
        pthread_cond_broadcast(&ring_cond);
        pthread_mutex_unlock(&ring_mutex);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < HANDOFF_N; i++) {
        pthread_mutex_lock(&ring_mutex);
        while (ring_head == ring_tail)
            pthread_cond_wait(&ring_cond, &ring_mutex);
        void *p = ring[ring_tail % HANDOFF_RING];
        ring[ring_tail++ % HANDOFF_RING] = NULL;
        pthread_cond_broadcast(&ring_cond);
        pthread_mutex_unlock(&ring_mutex);
        if (i != HANDOFF_N / 2)
            free(p);
    }
    return NULL;
}

/* ---- processes ended by two threads at once ------------------------------ */

static pthread_barrier_t together;
static void *volatile keep[20000];

static void *exit_too(void *arg)
{
    pthread_barrier_wait(&together);
    if (arg) {
        sleep_ms(1); /* main is in exit by then */
        _exit(0);
    }
    exit(0);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";

    /* Threads still running when the process ends, one real leak. */
    if (strncmp(mode, "churn", 5) == 0) {
        start_churn(3);
        if (strcmp(mode, "churn-clean") == 0)
            return 0; /* the reproducer: nothing is lost */
        leak(77);
        if (strcmp(mode, "churn-segv") == 0)
            *(volatile int *)sink = 1;
        if (strcmp(mode, "churn-abort") == 0)
            abort();
        if (strcmp(mode, "churn-doublefree") == 0) {
            sink = malloc(64);
            free(sink);
            free(sink); /* glibc aborts: "double free detected" */
        }
        return 0;
    }
    if (strcmp(mode, "handoff") == 0 || strcmp(mode, "handoff-nomb") == 0) {
        pthread_t t[2];
        sink = malloc(32); /* the shim's table is in use before the filter */
        free(sink);
        if (mode[7] == '-' && refuse_membarrier() != 0)
            return 2;
        pthread_create(&t[0], NULL, producer, NULL);
        pthread_create(&t[1], NULL, consumer, NULL);
        pthread_join(t[0], NULL);
        pthread_join(t[1], NULL);
        return 0;
    }
    /* Another thread running when the process dies of SIGSEGV: its stack
     * is a root from its stack pointer, its registers roots. */
    if (strncmp(mode, "held-", 5) == 0) {
        start_held(mode[5] == 'd' ? dead_frame_thread
                   : mode[5] == 'r' ? register_thread : blocked_thread);
        leak(77);
        *(volatile int *)sink = 1;
    }
    /* Stale roots: two leaks, then _exit, a fault, or a pointer left in
     * main's own frame when it returns. */
    if (strcmp(mode, "_exit") == 0 || strcmp(mode, "segv") == 0) {
        leak(77);
        leak(78);
        if (mode[0] == 's')
            *(volatile int *)sink = 1;
        _exit(5);
    }
    if (strcmp(mode, "main-frame") == 0) {
        void *volatile p = malloc(77);
        (void)p;
        return 0;
    }
    /* Threads' own memory. */
    if (strcmp(mode, "dlerror") == 0) {
        pthread_t t;
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        pthread_key_create(&slow_key, slow_destructor);
        pthread_create(&t, &a, dlerror_thread, NULL);
        sleep_ms(200);
        return 0;
    }
    if (strcmp(mode, "key-snapshot") == 0) {
        pthread_t t;
        pthread_key_create(&snap_key, snap_in_destructor);
        pthread_create(&t, NULL, key_thread, NULL);
        pthread_join(t, NULL);
        return 0;
    }
    if (strcmp(mode, "key-high") == 0) {
        pthread_key_t k;
        pthread_t t;
        for (int i = 0; i < 40; i++)
            pthread_key_create(&k, NULL);
        pthread_key_create(&high_key, NULL);
        pthread_barrier_init(&high_barrier, NULL, 2);
        pthread_create(&t, NULL, high_key_thread, NULL);
        pthread_barrier_wait(&high_barrier);
        return 0;
    }
    if (strcmp(mode, "starting") == 0) {
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        for (int i = 0; i < 8; i++) {
            pthread_t t;
            pthread_create(&t, &a, just_started, malloc(56));
        }
        return 0;
    }
    /* Two threads end the process at once. */
    if (strcmp(mode, "exit-race") == 0 || strcmp(mode, "exit-_exit") == 0) {
        int quick = mode[5] == '_';
        pthread_t t;
        leak(77);
        for (int i = 0; i < 20000; i++) /* a run that takes a while to write */
            keep[i] = malloc(16);
        /* The thread that writes the run may find main not yet waiting in
         * exit(), its stack then scanned whole (docs/verdict.md): no stale
         * copy of the leak's address below main's frame. */
        scrub();
        pthread_barrier_init(&together, NULL, quick ? 2 : 3);
        for (int i = 0; i < (quick ? 1 : 2); i++)
            pthread_create(&t, NULL, exit_too, quick ? (void *)1 : NULL);
        pthread_barrier_wait(&together);
        exit(0);
    }
    /* No descriptor left at the end. */
    if (strcmp(mode, "nofile") == 0) {
        struct rlimit r = { 3, 4096 };
        leak(77);
        setrlimit(RLIMIT_NOFILE, &r);
        return 0;
    }
    if (strcmp(mode, "stale-frames") == 0) {
        stale_alloc();
        stale_exit();
    }
    if (strcmp(mode, "emfile") == 0) {
        struct rlimit r = { 64, 64 }; /* none to raise either */
        leak(77);
        setrlimit(RLIMIT_NOFILE, &r);
        while (open("/dev/null", O_RDONLY) >= 0)
            ;
        return 0;
    }
    fprintf(stderr, "usage: verdict MODE\n");
    return 2;
}
