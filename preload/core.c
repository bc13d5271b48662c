/*
 * core.c: the shim's core.  Every hook comes here: the recursion guard,
 * first-time start, stack capture, recording into the live table and the
 * stack depot, leak_mark, fork, daemon, dlclose, and the process's end:
 * exit, _exit, a fatal signal (signals.h) or, for checkpoints, none yet.
 * The last two are written by a snapshot child, a copy of the process.
 *
 * States: UNSTARTED -> STARTING (one thread resolves libc) -> RECORDING
 * (insert and remove) -> STOPPED (at the end: hooks only forward).  When
 * the shim's own memory runs out it goes DEGRADED: blocks already recorded
 * are still removed on free, new ones are not recorded, the run is marked
 * incomplete.  While the per-thread guard is set (the shim's own work,
 * libunwind, SQLite) hooks only forward.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "bootstrap.h"
#include "core.h"
#include "livetable.h"
#include "marks.h"
#include "modules.h"
#include "options.h"
#include "pages.h"
#include "scan.h"
#include "stackcache.h"
#include "seqbatch.h"
#include "signals.h"
#include "stackdepot.h"
#include "threads.h"
#include "writer.h"

enum { ST_UNSTARTED, ST_STARTING, ST_RECORDING, ST_DEGRADED, ST_STOPPED };

static struct {
    void *(*malloc)(size_t);
    void (*free)(void *);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void *(*reallocarray)(void *, size_t, size_t);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*malloc_usable_size)(void *);
    void (*exit)(int);
    void (*exit_now[2])(int); /* _exit, _Exit */
    int (*start_main)(int (*)(int, char **, char **), int, char **,
                      void (*)(void), void (*)(void), void (*)(void), void *);
    int (*pthread_create)(void *, const void *, void *(*)(void *), void *);
    la_sigaction_fn sigaction;
    void (*(*signal[LA_SIGNAL_FNS])(int, void (*)(int)))(int);
    int (*dlclose)(void *);
    int (*daemon)(int, int);
    void (*abort)(void);
} real;

static int la_state = ST_UNSTARTED;
static struct la_options la_opt;
static uintptr_t la_text_lo, la_text_hi; /* the shim's own image */
static pid_t la_pid;
static double la_start_time;
static uint64_t la_first_seq = 1;        /* a forked child's run starts here */
static char la_output[PATH_MAX];
static char la_cwd[PATH_MAX];
static char **la_argv;
static int la_argc;
static int la_exit_known, la_exit_code;
static int la_finished;
static int (*la_main)(int, char **, char **);

static LA_TLS int t_guard;
static LA_TLS pid_t t_tid;
static LA_TLS uint64_t t_seq, t_seq_end;
static LA_TLS int t_daemon;    /* inside daemon(): its parent ends at fork */
static dev_t la_root_dev;      /* "/" at start: a chroot moves it */
static ino_t la_root_ino;

static int la_load_state(void)
{
    return __atomic_load_n(&la_state, __ATOMIC_ACQUIRE);
}

static void la_set_state(int s)
{
    __atomic_store_n(&la_state, s, __ATOMIC_RELEASE);
}

static double la_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Checkpoints and snapshots (further down). */
static pid_t la_snap_owner;
static pid_t la_snap_pid;        /* the last snapshot child, not yet reaped */
static const char *la_snap_what; /* what it writes, for a warning */
static int64_t la_ckpt_due; /* CLOCK_MONOTONIC_COARSE nanoseconds */
static int la_ckpt_warned;
static LA_TLS unsigned t_ckpt_tick;

static int64_t la_mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- start ------------------------------------------------------------ */

#define LA_RESOLVE(field, name)                                              \
    __atomic_store_n(&real.field, (__typeof__(real.field))dlsym(RTLD_NEXT, name), \
                     __ATOMIC_RELEASE)

/* Looks up libc's functions.  dlsym may allocate: those calls arrive with
 * the guard set and are served by the bootstrap arena. */
static void la_resolve(void)
{
    LA_RESOLVE(malloc, "malloc");
    LA_RESOLVE(free, "free");
    LA_RESOLVE(calloc, "calloc");
    LA_RESOLVE(realloc, "realloc");
    LA_RESOLVE(reallocarray, "reallocarray");
    LA_RESOLVE(posix_memalign, "posix_memalign");
    LA_RESOLVE(aligned_alloc, "aligned_alloc");
    LA_RESOLVE(memalign, "memalign");
    LA_RESOLVE(valloc, "valloc");
    LA_RESOLVE(pvalloc, "pvalloc");
    LA_RESOLVE(malloc_usable_size, "malloc_usable_size");
    LA_RESOLVE(exit, "exit");
    LA_RESOLVE(exit_now[0], "_exit");
    LA_RESOLVE(exit_now[1], "_Exit");
    LA_RESOLVE(start_main, "__libc_start_main");
    LA_RESOLVE(pthread_create, "pthread_create");
    LA_RESOLVE(sigaction, "sigaction");
    LA_RESOLVE(signal[LA_SIGNAL], "signal");
    LA_RESOLVE(signal[LA_BSD_SIGNAL], "bsd_signal");
    LA_RESOLVE(signal[LA_SYSV_SIGNAL], "sysv_signal");
    LA_RESOLVE(signal[LA___SYSV_SIGNAL], "__sysv_signal");
    LA_RESOLVE(signal[LA_SIGSET], "sigset");
    LA_RESOLVE(dlclose, "dlclose");
    LA_RESOLVE(daemon, "daemon");
    LA_RESOLVE(abort, "abort");
}

/* The address range of the shim's own image, from its ELF header in
 * memory: no loader lock, no system call. */
static void la_find_own_text(void)
{
    extern const ElfW(Ehdr) __ehdr_start LA_HIDDEN;
    const ElfW(Ehdr) *eh = &__ehdr_start;
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((const char *)eh + eh->e_phoff);
    uintptr_t bias = 0, lo = UINTPTR_MAX, hi = 0;

    for (int i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
            bias = (uintptr_t)eh - ph[i].p_vaddr;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        if (ph[i].p_vaddr < lo)
            lo = ph[i].p_vaddr;
        if (ph[i].p_vaddr + ph[i].p_memsz > hi)
            hi = ph[i].p_vaddr + ph[i].p_memsz;
    }
    la_text_lo = bias + lo;
    la_text_hi = bias + hi;
}

/* LEAKAUDIT_OUTPUT made absolute against the directory at start. */
static void la_set_output(void)
{
    const char *o = la_opt.output;

    if (!getcwd(la_cwd, sizeof la_cwd))
        la_cwd[0] = '\0';
    int n;
    if (o[0] == '/' || la_cwd[0] == '\0')
        n = snprintf(la_output, sizeof la_output, "%s", o);
    else
        n = snprintf(la_output, sizeof la_output, "%s/%s",
                     strcmp(la_cwd, "/") == 0 ? "" : la_cwd, o);
    if (n < 0 || (size_t)n >= sizeof la_output) {
        la_warn("LEAKAUDIT_OUTPUT is too long a path; using leakaudit.db");
        snprintf(la_output, sizeof la_output, "leakaudit.db");
    }
}

/*
 * First-time start, by whichever thread calls first (a hook before the
 * constructor, or the constructor).  Returns 1 when recording.  Other
 * threads calling meanwhile see STARTING and only forward.
 */
static LA_NOINLINE int la_start(void)
{
    int expect = ST_UNSTARTED;

    if (!__atomic_compare_exchange_n(&la_state, &expect, ST_STARTING, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return expect == ST_RECORDING;
    t_guard = 1;
    la_resolve();
    la_options_parse(&la_opt, secure_getenv);
    la_find_own_text();
    sc_init(la_opt.depth, (int)la_opt.verify_stacks, la_text_lo, la_text_hi);
    la_set_output();
    la_pid = getpid();
    la_start_time = la_now();
    la_ckpt_due = la_mono_ns() + (int64_t)la_opt.checkpoint * 1000000000;
    struct stat root;
    if (stat("/", &root) == 0) {
        la_root_dev = root.st_dev;
        la_root_ino = root.st_ino;
    }
    t_guard = 0;
    if (getauxval(AT_SECURE)) {
        /* setuid/setgid: read no path from the environment, write nothing. */
        la_set_state(ST_STOPPED);
        return 0;
    }
    la_set_state(ST_RECORDING);
    return 1;
}

/* ---- the guard -------------------------------------------------------- */

/*
 * Enters the shim for an allocation when recording: sets the guard and
 * returns 1.  Returns 0 (forward only) inside the shim's own work, before
 * start completes, and after the end.
 */
static inline int la_enter(void)
{
    if (LA_UNLIKELY(t_guard))
        return 0;
    int s = la_load_state();
    if (LA_UNLIKELY(s != ST_RECORDING)) {
        if (s != ST_UNSTARTED || !la_start())
            return 0;
    }
    t_guard = 1;
    return 1;
}

/* The same for a free: blocks are still removed while DEGRADED. */
static inline int la_enter_free(void)
{
    if (LA_UNLIKELY(t_guard))
        return 0;
    int s = la_load_state();
    if (LA_UNLIKELY(s != ST_RECORDING && s != ST_DEGRADED))
        return 0;
    t_guard = 1;
    return 1;
}

static inline void la_leave(int saved_errno)
{
    t_guard = 0;
    errno = saved_errno;
}

/* ---- recording -------------------------------------------------------- */

static LA_NOINLINE void la_degrade(const char *what)
{
    int expect = ST_RECORDING;

    if (__atomic_compare_exchange_n(&la_state, &expect, ST_DEGRADED, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        la_warn("out of memory for %s: recording stops here; the run will "
                "be marked incomplete", what);
}

static inline pid_t la_tid(void)
{
    if (LA_UNLIKELY(t_tid == 0))
        t_tid = (pid_t)syscall(SYS_gettid);
    return t_tid;
}

static inline uint64_t la_seq(void)
{
    if (LA_UNLIKELY(t_seq == t_seq_end)) {
        t_seq = sb_take((uint32_t)la_tid());
        t_seq_end = t_seq + SB_BATCH;
    }
    return t_seq++;
}

static void la_checkpoint_tick(void);

/* Records the new block P of SIZE bytes (P may be NULL: nothing to do),
 * allocated by the program's call RA/CFA. */
static void la_record(void *p, size_t size, uint32_t mark, LA_CALLER_ARGS)
{
    struct la_block b;

    if (!p)
        return;
    b.addr = (uintptr_t)p;
    b.size = size;
    b.seq = la_seq();
    b.stack = sc_capture_alloc(ra, cfa, size);
    b.tid = 0; /* the table tells it from the sequence number */
    b.mark = mark;
    b.pad_ = 0;
    if (lt_insert(&b) != 0) {
        la_degrade("the table of live blocks");
        return;
    }
    if (LA_UNLIKELY(la_opt.checkpoint))
        la_checkpoint_tick();
}

/* ---- the malloc family ------------------------------------------------ */

/* Loads a real function; NULL only while STARTING. */
#define REAL(f) __atomic_load_n(&real.f, __ATOMIC_ACQUIRE)

/* After a real allocation of N bytes returned P: records it (when P is not
 * NULL) and leaves the shim with the errno the real call set. */
static inline void la_done(void *p, size_t n, LA_CALLER_ARGS)
{
    int e = errno;

    la_record(p, n, 0, ra, cfa);
    la_leave(e);
}

/* malloc, valloc and pvalloc: F is where the real one is kept; before it
 * is known, the bootstrap arena serves, aligned to BOOT_ALIGN. */
static inline __attribute__((always_inline)) void *
la_sized(void *(**f)(size_t), size_t boot_align, size_t n, LA_CALLER_ARGS)
{
    if (!la_enter()) {
        void *(*fn)(size_t) = __atomic_load_n(f, __ATOMIC_ACQUIRE);
        return fn ? fn(n) : boot_alloc(boot_align, n);
    }
    void *p = (*f)(n);
    la_done(p, n, ra, cfa);
    return p;
}

/* aligned_alloc and memalign, the same way. */
static inline __attribute__((always_inline)) void *
la_aligned(void *(**f)(size_t, size_t), size_t align, size_t n, LA_CALLER_ARGS)
{
    if (!la_enter()) {
        void *(*fn)(size_t, size_t) = __atomic_load_n(f, __ATOMIC_ACQUIRE);
        return fn ? fn(align, n) : boot_alloc(align, n);
    }
    void *p = (*f)(align, n);
    la_done(p, n, ra, cfa);
    return p;
}

void *la_malloc(size_t n, LA_CALLER_ARGS)
{
    return la_sized(&real.malloc, 16, n, ra, cfa);
}

void la_free(void *p)
{
    if (!p)
        return;
    if (boot_owns(p)) {
        boot_free(p);
        return;
    }
    if (!la_enter_free()) {
        void (*f)(void *) = REAL(free);
        if (f)
            f(p);
        return;
    }
    int e = errno;
    /* Forgotten before the real free: the address may come back at once. */
    lt_remove((uintptr_t)p, NULL);
    real.free(p);
    la_leave(e);
}

void *la_calloc(size_t n, size_t m, LA_CALLER_ARGS)
{
    if (!la_enter()) {
        void *(*f)(size_t, size_t) = REAL(calloc);
        if (f)
            return f(n, m);
        if (m && n > SIZE_MAX / m) {
            errno = ENOMEM;
            return NULL;
        }
        return boot_alloc(16, n * m);
    }
    void *p = real.calloc(n, m);
    la_done(p, n * m, ra, cfa);
    return p;
}

/* realloc out of the bootstrap arena: a real block and a copy. */
static void *la_realloc_boot(void *old, size_t n)
{
    size_t have = boot_size(old);
    void *p = la_malloc(n, 0, 0);

    if (p) {
        memcpy(p, old, have < n ? have : n);
        boot_free(old);
    }
    return p;
}

/*
 * realloc and reallocarray: REALARRAY is NULL for realloc.  The old block
 * leaves the table before the real call (another thread may get its
 * address back at once) and comes back if the call fails.
 */
static void *la_realloc_common(void *old, size_t n, size_t m, int array,
                               LA_CALLER_ARGS)
{
    if (old && boot_owns(old)) {
        if (array && m && n > SIZE_MAX / m) {
            errno = ENOMEM;
            return NULL;
        }
        return la_realloc_boot(old, array ? n * m : n);
    }
    if (!la_enter()) {
        void *(*fa)(void *, size_t, size_t) = REAL(reallocarray);
        void *(*f)(void *, size_t) = REAL(realloc);
        if (array && fa)
            return fa(old, n, m);
        if (!array && f)
            return f(old, n);
        /* Only while starting (no block but the arena's exists yet) and
         * in a snapshot child, where libc's blocks are copied out and
         * never given back. */
        if (array && m && n > SIZE_MAX / m) {
            errno = ENOMEM;
            return NULL;
        }
        size_t size = array ? n * m : n;
        void *p = boot_alloc(16, size);
        size_t (*usable)(void *) = REAL(malloc_usable_size);
        if (p && old && usable) {
            size_t have = usable(old);
            memcpy(p, old, have < size ? have : size);
        }
        return p;
    }
    struct la_block ob;
    int had = old && lt_remove((uintptr_t)old, &ob);
    void *p = array ? real.reallocarray(old, n, m) : real.realloc(old, n);
    int e = errno;
    size_t size = array ? n * m : n;

    if (p || (old && size == 0)) {
        /* Success; or realloc(p, 0), which freed P. */
        if (p) {
            la_record(p, size, had ? ob.mark : 0, ra, cfa);
            if (had && ob.mark)
                marks_move(ob.mark, (uintptr_t)p);
        }
    } else if (had) {
        lt_insert(&ob); /* failed: the old block is still live */
    }
    la_leave(e);
    return p;
}

void *la_realloc(void *p, size_t n, LA_CALLER_ARGS)
{
    return la_realloc_common(p, n, 0, 0, ra, cfa);
}

void *la_reallocarray(void *p, size_t n, size_t m, LA_CALLER_ARGS)
{
    return la_realloc_common(p, n, m, 1, ra, cfa);
}

int la_posix_memalign(void **out, size_t align, size_t n, LA_CALLER_ARGS)
{
    if (!la_enter()) {
        int (*f)(void **, size_t, size_t) = REAL(posix_memalign);
        if (f)
            return f(out, align, n);
        if (align % sizeof(void *) || (align & (align - 1)))
            return EINVAL;
        void *p = boot_alloc(align, n);
        if (!p)
            return ENOMEM;
        *out = p;
        return 0;
    }
    int rc = real.posix_memalign(out, align, n);
    la_done(rc == 0 ? *out : NULL, n, ra, cfa);
    return rc;
}

void *la_aligned_alloc(size_t align, size_t n, LA_CALLER_ARGS)
{
    return la_aligned(&real.aligned_alloc, align, n, ra, cfa);
}

void *la_memalign(size_t align, size_t n, LA_CALLER_ARGS)
{
    return la_aligned(&real.memalign, align, n, ra, cfa);
}

void *la_valloc(size_t n, LA_CALLER_ARGS)
{
    return la_sized(&real.valloc, 4096, n, ra, cfa);
}

void *la_pvalloc(size_t n, LA_CALLER_ARGS)
{
    return la_sized(&real.pvalloc, 4096, n, ra, cfa);
}

size_t la_malloc_usable_size(void *p)
{
    if (p && boot_owns(p))
        return boot_size(p);
    if (!REAL(malloc_usable_size))
        la_start();
    size_t (*f)(void *) = REAL(malloc_usable_size);
    return f ? f(p) : 0;
}

/* ---- leak_mark -------------------------------------------------------- */

int la_mark(const void *ptr, const char *why, LA_CALLER_ARGS)
{
    struct la_block b;
    int saved = errno;

    if (!la_enter()) {
        errno = ENOENT;
        return -1;
    }
    if (!lt_find_containing((uintptr_t)ptr, &b)) {
        la_leave(ENOENT);
        return -1;
    }
    if (b.mark == 0) {
        uint32_t stack = sc_capture(ra, cfa);
        char *copy = why ? strdup(why) : NULL;
        uint32_t id = marks_add(b.addr, stack, copy);
        if (id == 0) {
            free(copy);
            la_degrade("marks");
        } else {
            lt_set_mark(b.addr, id); /* a mark set meanwhile wins */
        }
    }
    la_leave(saved);
    return 0;
}

/* ---- threads ------------------------------------------------------------ */

struct la_thread_start {
    void *(*fn)(void *);
    void *arg;
};

static void *la_thread_main(void *p)
{
    struct la_thread_start s = *(struct la_thread_start *)p;

    t_guard++;
    real.free(p);
    threads_enter();
    t_guard--;
    return s.fn(s.arg);
}

int la_pthread_create(void *thread, const void *attr, void *(*fn)(void *),
                      void *arg)
{
    struct la_thread_start *s;

    if (!REAL(pthread_create))
        la_start();
    if (la_load_state() == ST_STOPPED || !REAL(malloc))
        return real.pthread_create(thread, attr, fn, arg);
    t_guard++;
    s = real.malloc(sizeof *s);
    t_guard--;
    if (!s) /* no room to wrap: the thread's stack is just not tracked */
        return real.pthread_create(thread, attr, fn, arg);
    s->fn = fn;
    s->arg = arg;
    int rc = real.pthread_create(thread, attr, la_thread_main, s);
    if (rc != 0) {
        t_guard++;
        real.free(s);
        t_guard--;
    }
    return rc;
}

/* ---- fork ------------------------------------------------------------- */

static void la_fork_prepare(void)
{
    t_guard++;
    marks_lock();
    sd_lock();
    sc_lock();
    lt_lock_all();
}

static void la_finish(const char *reason);

static void la_fork_parent(void)
{
    lt_unlock_all();
    sc_unlock();
    sd_unlock();
    marks_unlock();
    t_guard--;
    /* daemon()'s parent leaves with libc's own _exit(0), which no hook
     * sees: its run is written now. */
    if (t_daemon) {
        la_exit_code = 0;
        la_exit_known = 1;
        la_finish("_exit");
    }
}

/* The child records its own run: blocks inherited from the parent stay in
 * the table (they are the child's memory too) but are not its findings. */
static void la_fork_child(void)
{
    lt_reset_locks();
    sd_reset_lock();
    marks_reset_lock();
    threads_reset_lock();
    la_pid = getpid();
    t_tid = 0;
    la_start_time = la_now();
    la_first_seq = sb_next();
    t_seq = t_seq_end = 0;
    sd_reset_counters();
    sc_fork_child();
    la_exit_known = 0;
    t_daemon = 0;
    la_snap_pid = 0; /* the parent's to reap */
    la_snap_owner = 0;
    la_ckpt_due = la_mono_ns() + (int64_t)la_opt.checkpoint * 1000000000;
    t_guard--;
}

/* ---- the end ---------------------------------------------------------- */

/*
 * Takes the snapshot, scans it and writes the run, ended for REASON (by
 * signal SIG, or 0).  S is the state recording was in, PPID the process's
 * parent, SP where the live part of the ending thread's stack starts (0:
 * here).  The common end of la_finish and of a snapshot child.
 */
static void la_write_run(const char *reason, int sig, int s, long ppid,
                         uintptr_t sp)
{
    struct la_run_record rec;
    struct la_snap snap;
    struct la_modules mods;
    char exe[PATH_MAX];
    ssize_t n;
    /* Callee-saved registers, spilled where the stack scan sees them. */
    jmp_buf regs;

    struct stat root;
    if (la_root_ino && stat("/", &root) == 0 &&
        (root.st_dev != la_root_dev || root.st_ino != la_root_ino)) {
        la_warn("no record of this run: the process changed its root "
                "directory (chroot), and %s is out of its reach", la_output);
        return;
    }
    /* This frame lies above where the stack scan starts: no stale bytes
     * from earlier, deeper calls may stay in its buffers. */
    memset(exe, 0, sizeof exe);
    sc_flush_all();
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    rec = (struct la_run_record){
        .pid = la_pid, .ppid = ppid, .exe = n > 0 ? exe : NULL,
        .cwd = la_cwd[0] ? la_cwd : NULL, .session = la_opt.session,
        .argv = la_argv, .argc = la_argc,
        .start_time = la_start_time, .end_time = la_now(),
        .end_reason = reason, .has_exit_code = la_exit_known && !sig,
        .exit_code = la_exit_code, .signal = sig,
        .checkpoints = la_opt.checkpoint > 0, .depth = la_opt.depth,
        .complete = s == ST_RECORDING, .first_seq = la_first_seq,
        .stack_hits = sc_hits(), .stack_unwinds = sc_unwinds(),
        .stack_mismatches = sc_mismatches(),
    };
    setjmp(regs);
    struct la_scan_opts so = {
        .scan = (int)la_opt.scan, .sp = sp ? sp : (uintptr_t)&regs,
        .first_seq = la_first_seq, .in_doubt = s == ST_DEGRADED,
        .self_lo = la_text_lo, .self_hi = la_text_hi,
    };
    if (modules_collect(&mods) != 0)
        rec.modules_error = errno ? errno : ENOMEM;
    uintptr_t at_base = getauxval(AT_BASE);
    long ld = at_base ? modules_by_base(&mods, at_base) : -1;
    if (ld >= 0) {
        so.loader_lo = mods.v[ld].start;
        so.loader_hi = mods.v[ld].end;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (snap_take(&snap) == 0) {
        snap_classify(&snap, &so);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        rec.scan_seconds = (double)(t1.tv_sec - t0.tv_sec) +
                           (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        writer_write(la_output, &rec, &snap, &mods);
        snap_free(&snap);
    } else {
        la_warn("out of memory for the exit-time snapshot: the run is "
                "written without its blocks");
        rec.complete = 0;
        writer_write(la_output, &rec, NULL, &mods);
    }
    modules_free(&mods);
}

/* ---- snapshot children -------------------------------------------------- */

/*
 * A crash and a checkpoint write the run from a copy of the process: a
 * child made with clone() and no exit signal (the program's wait() never
 * sees it and no SIGCHLD arrives), with one thread.  Locks that other
 * threads held when it was made stay held there: the child resets the
 * shim's own, serves every allocation from the private heap
 * (bootstrap.h) instead of libc's malloc, runs on a stack of its own, and
 * is killed by SIGALRM if it still does not finish (SQLite's mutexes).
 */
#define LA_CHILD_SECONDS 60
#define LA_CHILD_STACK (8ul << 20)

static struct {
    const char *reason;
    int sig, state;
    long ppid;
    uintptr_t sp;
} la_child;

static void la_child_main(void)
{
    la_write_run(la_child.reason, la_child.sig, la_child.state, la_child.ppid,
                 la_child.sp);
}

static __attribute__((noreturn)) void la_child_run(void)
{
    static ucontext_t back, run;

    sig_child_defaults(REAL(sigaction));
    alarm(LA_CHILD_SECONDS);
    lt_reset_locks();
    sd_reset_lock();
    marks_reset_lock();
    threads_reset_lock();
    sc_reset_lock();
    modules_reset_lock();
    pages_reset_lock();
    if (boot_private() != 0) {
        la_warn("no address space left for writing the %s run", la_child.reason);
        syscall(SYS_exit_group, 1);
    }
    /* libc's allocator is forgotten: the hooks fall back to boot_alloc. */
    __atomic_store_n(&real.malloc, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&real.free, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&real.calloc, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&real.realloc, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&real.reallocarray, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&real.posix_memalign, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&real.aligned_alloc, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&real.memalign, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&real.valloc, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&real.pvalloc, NULL, __ATOMIC_RELEASE);
    void *stack = pages_alloc(LA_CHILD_STACK);
    if (stack && getcontext(&run) == 0) {
        run.uc_stack.ss_sp = stack;
        run.uc_stack.ss_size = LA_CHILD_STACK;
        run.uc_link = &back;
        makecontext(&run, la_child_main, 0);
        swapcontext(&back, &run);
    } else {
        la_child_main();
    }
    syscall(SYS_exit_group, 0);
    __builtin_unreachable();
}

/*
 * Makes the snapshot child that writes the run ended for REASON (by signal
 * SIG, or 0), recording having been in state S.  Returns its pid, or -1
 * with errno.
 */
static LA_NOINLINE pid_t la_snapshot(const char *reason, int sig, int s)
{
    /* This thread's registers, spilled on its stack above the point from
     * which the child scans it. */
    jmp_buf regs;

    setjmp(regs);
    la_child.reason = reason;
    la_child.sig = sig;
    la_child.state = s;
    la_child.ppid = getppid();
    la_child.sp = (uintptr_t)&regs;
    long pid = syscall(SYS_clone, 0ul, 0ul, 0ul, 0ul, 0ul);
    if (pid == 0)
        la_child_run();
    return (pid_t)pid;
}

/* Waits for the snapshot child PID (with WNOHANG: only looks), which
 * writes WHAT.  Returns 1 once it has ended (with a warning when it was
 * killed), 0 while it runs. */
static int la_reap(pid_t pid, int flags, const char *what)
{
    int st;
    pid_t r;

    do
        r = waitpid(pid, &st, flags | __WALL);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return 0;
    if (r == pid && WIFSIGNALED(st)) {
        if (WTERMSIG(st) == SIGALRM)
            la_warn("%s was not written: writing it took more than %d s",
                    what, LA_CHILD_SECONDS);
        else
            la_warn("%s was not written: the process writing it died of "
                    "signal %d", what, WTERMSIG(st));
    }
    return 1;
}

/* ---- checkpoints and snapshots ----------------------------------------------- */

/*
 * One snapshot child at a time: the thread that makes one, or reaps the
 * last, holds la_snap_owner (its thread id).  A checkpoint or a snapshot
 * asked for by signal goes without when another thread holds it (it may
 * be the very thread the signal interrupted); the others wait.
 */

/* 1: taken (give it back with la_snap_unlock); 0: this thread has it
 * already; -1: another thread has it and WAIT is 0. */
static int la_snap_lock(int wait)
{
    pid_t me = la_tid();

    for (;;) {
        pid_t owner = 0;
        if (__atomic_compare_exchange_n(&la_snap_owner, &owner, me, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return 1;
        if (owner == me)
            return 0;
        if (!wait)
            return -1;
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
}

static void la_snap_unlock(int got)
{
    if (got == 1)
        __atomic_store_n(&la_snap_owner, 0, __ATOMIC_RELEASE);
}

/* Reaps the last snapshot child, waiting for it (BLOCK) or only looking.
 * Returns 1 when none is left running. */
static int la_snap_reap(int block)
{
    if (la_snap_pid > 0 && !la_reap(la_snap_pid, block ? 0 : WNOHANG, la_snap_what))
        return 0;
    la_snap_pid = 0;
    return 1;
}

/* Makes the snapshot child that writes a run ended for REASON (WHAT, in a
 * warning).  0, or -1 with errno (EINVAL: recording has stopped, or this
 * is a vfork child). */
static int la_snap_start(const char *reason, const char *what)
{
    int s = la_load_state();

    /* (Nor in a vfork child, which shares its parent's memory.) */
    if ((s != ST_RECORDING && s != ST_DEGRADED) || getpid() != la_pid) {
        errno = EINVAL;
        return -1;
    }
    pid_t pid = la_snapshot(reason, 0, s);
    if (pid < 0)
        return -1;
    la_snap_pid = pid;
    la_snap_what = what;
    return 0;
}

/*
 * On every recorded allocation while checkpoints are on: every 256th
 * looks at the clock, and the thread that finds one due takes it, unless
 * the last snapshot child is still writing.
 */
static LA_NOINLINE void la_checkpoint_tick(void)
{
    if (++t_ckpt_tick & 255)
        return;
    int64_t now = la_mono_ns(), due = __atomic_load_n(&la_ckpt_due, __ATOMIC_RELAXED);
    if (now < due ||
        !__atomic_compare_exchange_n(&la_ckpt_due, &due,
                                     now + (int64_t)la_opt.checkpoint * 1000000000,
                                     0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        return;
    int got = la_snap_lock(0);
    if (got < 0)
        return;
    if (la_snap_reap(0) && la_snap_start("checkpoint", "a checkpoint") != 0 &&
        !__atomic_exchange_n(&la_ckpt_warned, 1, __ATOMIC_RELAXED))
        la_warn("cannot take a checkpoint: %s", strerror(errno));
    la_snap_unlock(got);
}

/* leak_snapshot(), or the snapshot signal (FROM_SIGNAL). */
static int la_take_snapshot(int from_signal)
{
    int saved = errno, rc = -1;

    t_guard++;
    int got = la_snap_lock(!from_signal);
    if (got < 0) {
        errno = EBUSY;
    } else {
        la_snap_reap(1);
        rc = la_snap_start("snapshot", "a snapshot");
        la_snap_unlock(got);
        if (rc == 0)
            errno = saved;
    }
    t_guard--;
    if (from_signal)
        errno = saved;
    return rc;
}

int la_leak_snapshot(void)
{
    if (la_load_state() == ST_UNSTARTED)
        la_start();
    return la_take_snapshot(0);
}

static void la_on_snapshot_signal(int sig)
{
    (void)sig;
    la_take_snapshot(1);
}

/* ---- the end of a run ------------------------------------------------------- */

/*
 * Writes this process's run once.  Does nothing in a vfork child (it shares
 * the parent's memory and must not touch it) and after the first call.
 */
static void la_finish(const char *reason)
{
    if (la_load_state() == ST_UNSTARTED || getpid() != la_pid)
        return;
    if (__atomic_exchange_n(&la_finished, 1, __ATOMIC_ACQ_REL))
        return;
    int s = la_load_state();
    t_guard++;
    la_set_state(ST_STOPPED);
    if (s == ST_RECORDING || s == ST_DEGRADED) {
        /* The final run replaces the last checkpoint: that one first. */
        int got = la_snap_lock(1);
        la_snap_reap(1);
        la_snap_unlock(got);
        la_write_run(reason, 0, s, getppid(), 0);
    }
    t_guard--;
}

static pid_t la_crash_tid;

/*
 * The process is about to die of SIG (signals.h calls this from its
 * handler).  Only the snapshot child does anything that may take a lock;
 * this thread waits for it, within the child's time limit.  A second
 * thread dying meanwhile waits for the first to end the process.
 */
static void la_crash_now(int sig)
{
    pid_t me = (pid_t)syscall(SYS_gettid), first = 0;
    char what[64];

    if (getpid() != la_pid)
        return;
    if (!__atomic_compare_exchange_n(&la_crash_tid, &first, me, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        if (first == me)
            return; /* a fault while recording the first one: die now */
        for (;;) {
            struct timespec ms = { 0, 1000000 };
            nanosleep(&ms, NULL);
        }
    }
    int s = la_load_state();
    if ((s != ST_RECORDING && s != ST_DEGRADED) ||
        __atomic_exchange_n(&la_finished, 1, __ATOMIC_ACQ_REL))
        return;
    t_guard++;
    la_set_state(ST_STOPPED);
    la_snap_lock(1); /* kept: the process ends here */
    la_snap_reap(1);
    snprintf(what, sizeof what, "the run that dies of signal %d", sig);
    pid_t pid = la_snapshot("signal", sig, s);
    if (pid < 0)
        la_warn("%s was not written: no process to write it (%s)", what,
                strerror(errno));
    else
        la_reap(pid, 0, what);
    t_guard--;
}

/*
 * la_crash_now on a stack of its own.  The dying thread may be deep in a
 * small sigaltstack (Rust's is a few pages, already half used by its
 * handler when it calls abort()): only the first dying thread gets this
 * far (la_crash_now lets no second one through), so one static stack
 * serves.
 */
#define LA_CRASH_STACK (128u * 1024u)

static int la_crash_sig;

static void la_crash_main(void)
{
    la_crash_now(la_crash_sig);
}

static void la_crash(int sig)
{
    static char stack[LA_CRASH_STACK] __attribute__((aligned(64)));
    static ucontext_t back, run;
    static int busy;

    /* A vfork child (or a snapshot child) records nothing, and must leave
     * the state it shares with its parent as it is. */
    if (getpid() != la_pid)
        return;
    if (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQ_REL) || getcontext(&run) != 0) {
        la_crash_now(sig); /* a second thread: it only waits there */
        return;
    }
    la_crash_sig = sig;
    run.uc_stack.ss_sp = stack;
    run.uc_stack.ss_size = sizeof stack;
    run.uc_link = &back;
    makecontext(&run, la_crash_main, 0);
    swapcontext(&back, &run);
}

void la_abort(void)
{
    if (!REAL(abort))
        la_start();
    /* Dying of SIGABRT with the default action: recorded here, where the
     * stack is the caller's, without the signal frame abort() would add;
     * then the default action for real, so that the signal adds none. */
    if (sig_default(SIGABRT)) {
        la_crash(SIGABRT);
        sig_reset(SIGABRT);
    }
    void (*f)(void) = REAL(abort);
    if (f)
        f();
    /* libc's abort not known yet (another thread is starting the shim). */
    raise(SIGABRT);
    signal(SIGABRT, SIG_DFL);
    raise(SIGABRT);
    _exit(127);
}

/* ---- signals and unloads ---------------------------------------------------- */

int la_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (!REAL(sigaction))
        la_start();
    return sig_sigaction(real.sigaction, sig, act, old);
}

void (*la_signal(int sig, void (*handler)(int), int how))(int)
{
    if (!REAL(signal[how]))
        la_start();
    if (!sig_taken(sig))
        return real.signal[how](sig, handler);
    if (how == LA_SIGSET)
        return sig_sigset(real.sigaction, sig, handler);
    return sig_signal(real.sigaction, sig, handler,
                      how == LA_SYSV_SIGNAL || how == LA___SYSV_SIGNAL);
}

int la_daemon(int nochdir, int noclose)
{
    if (!REAL(daemon))
        la_start();
    t_daemon = 1;
    int rc = real.daemon(nochdir, noclose);
    t_daemon = 0;
    return rc;
}

int la_dlclose(void *handle)
{
    if (!REAL(dlclose))
        la_start();
    int s = la_load_state();
    if (s == ST_RECORDING || s == ST_DEGRADED) {
        t_guard++;
        modules_note(); /* what goes away now is still known at the end */
        t_guard--;
    }
    return real.dlclose(handle);
}

void la_exit(int status)
{
    if (!REAL(exit))
        la_start();
    la_exit_code = status;
    la_exit_known = 1;
    real.exit(status);
    __builtin_unreachable();
}

void la_exit_now(int status, int which)
{
    if (!REAL(exit_now[which]))
        la_start();
    la_exit_code = status;
    la_exit_known = 1;
    la_finish("_exit");
    real.exit_now[which](status);
    __builtin_unreachable();
}

static int la_main_wrapper(int argc, char **argv, char **envp)
{
    int rc = la_main(argc, argv, envp);

    la_exit_code = rc;
    la_exit_known = 1;
    return rc;
}

int la_start_main(int (*main)(int, char **, char **), int argc, char **argv,
                  void (*init)(void), void (*fini)(void),
                  void (*rtld_fini)(void), void *stack_end)
{
    if (!REAL(start_main))
        la_start();
    la_main = main;
    return real.start_main(la_main_wrapper, argc, argv, init, fini, rtld_fini,
                           stack_end);
}

/* Copies argv for the run record (the program may rewrite its own). */
static void la_keep_argv(int argc, char **argv)
{
    char **v;

    if (argc <= 0 || !argv)
        return;
    v = calloc((size_t)argc, sizeof *v);
    if (!v)
        return;
    for (int i = 0; i < argc; i++)
        if (!(v[i] = strdup(argv[i] ? argv[i] : "")))
            return;
    la_argv = v;
    la_argc = argc;
}

__attribute__((constructor(101))) static void la_constructor(int argc,
                                                             char **argv,
                                                             char **envp)
{
    (void)envp;
    if (!la_start())
        return;
    /* Children (exec'd or forked) write into the same file.  Recorded like
     * the program's own allocations: libc keeps setenv's strings in a tree
     * that the program's later setenv calls extend, and the scan must be
     * able to walk it. */
    const char *cur = getenv("LEAKAUDIT_OUTPUT");
    if (!cur || strcmp(cur, la_output) != 0)
        setenv("LEAKAUDIT_OUTPUT", la_output, 1);
    t_guard++;
    la_keep_argv(argc, argv);
    pthread_atfork(la_fork_prepare, la_fork_parent, la_fork_child);
    threads_init();
    if (la_opt.crash && REAL(sigaction))
        sig_init(real.sigaction, la_crash);
    if (la_opt.snapshot_signal && REAL(sigaction)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = la_on_snapshot_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (real.sigaction((int)la_opt.snapshot_signal, &sa, NULL) != 0)
            la_warn("LEAKAUDIT_SNAPSHOT_SIGNAL=%ld: cannot handle that signal: %s",
                    la_opt.snapshot_signal, strerror(errno));
    }
    t_guard--;
}

/* Runs after the program's atexit handlers, its static destructors and the
 * executable's own destructors. */
__attribute__((destructor(101))) static void la_destructor(void)
{
    la_finish("exit");
}
