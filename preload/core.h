/*
 * core.h: the contract between the interposers (interpose.c, one line per
 * libc name) and the core that records.  Every la_* function here has the
 * exact semantics of the libc function it stands for, errno included.
 * Where each lives: the malloc family and leak_mark in alloc.c; threads,
 * daemon, dlclose and the exits in lifecycle.c; signals and abort in
 * crash.c; leak_snapshot in snapshot.c.
 */
#ifndef LA_CORE_H
#define LA_CORE_H

#include "shim.h"

/* The program's call into an interposer: its return address and CFA, for
 * the stack capture (stackcache.h).  Used inside each interposer. */
#define LA_CALLER (uintptr_t)__builtin_return_address(0), (uintptr_t)__builtin_dwarf_cfa()
#define LA_CALLER_ARGS uintptr_t ra, uintptr_t cfa

/*
 * Where the program was when it entered the shim to end (exit, _exit,
 * abort, main's return) or to take a snapshot: its stack pointer, from
 * which its stack is a root (the frames below are the shim's, and stale),
 * and the registers it held there: the callee-saved ones at a call, every
 * one at a fault.  SP 0: not known (the scan then starts where it runs).
 */
#define LA_CONTEXT_REGS 32
struct la_context {
    uintptr_t sp;
    size_t nregs;
    uintptr_t regs[LA_CONTEXT_REGS];
};

/* Fills the la_context C with the caller's stack pointer and callee-saved
 * registers; the first statement of an interposer (whose frame pointer
 * prologue has saved the caller's rbp, and touched nothing else yet). */
#if defined(__x86_64__)
#define LA_CALLER_CONTEXT(c)                                                 \
    do {                                                                     \
        __asm__ volatile("mov %%rbx, %0\n\tmov %%r12, %1\n\tmov %%r13, %2\n\t" \
                         "mov %%r14, %3\n\tmov %%r15, %4"                     \
                         : "=m"((c).regs[0]), "=m"((c).regs[1]),            \
                           "=m"((c).regs[2]), "=m"((c).regs[3]),            \
                           "=m"((c).regs[4]));                              \
        (c).regs[5] = *(const uintptr_t *)__builtin_frame_address(0);        \
        (c).nregs = 6;                                                       \
        (c).sp = (uintptr_t)__builtin_dwarf_cfa();                           \
    } while (0)
#else
/* Elsewhere, for now: unknown (docs/verdict.md). */
#define LA_CALLER_CONTEXT(c) ((c).sp = 0, (c).nregs = 0)
#endif

/* Zeroes the scratch registers before an allocating hook returns: the
 * addresses its work left there (the block's, the table's) would be roots
 * if the program died of a signal right after, or were saved on the
 * program's stack by its next call (the loader's lazy binding saves every
 * register there), where without the shim they would not be.  The vector
 * registers too: the compiler copies a block's address through them (a
 * struct's two words at once), and the lazy binding saves them as well
 * (tests/run-verdict.sh, stale-frames, sees such a copy).  Zeroing
 * idioms: no cost to speak of. */
#if defined(__x86_64__)
#define LA_SCRUB_SCRATCH()                                                   \
    __asm__ volatile("xor %%ecx, %%ecx\n\txor %%edx, %%edx\n\txor %%esi, %%esi\n\t" \
                     "xor %%edi, %%edi\n\txor %%r8d, %%r8d\n\txor %%r9d, %%r9d\n\t" \
                     "xor %%r10d, %%r10d\n\txor %%r11d, %%r11d\n\t"              \
                     "pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\t"             \
                     "pxor %%xmm2, %%xmm2\n\tpxor %%xmm3, %%xmm3\n\t"             \
                     "pxor %%xmm4, %%xmm4\n\tpxor %%xmm5, %%xmm5\n\t"             \
                     "pxor %%xmm6, %%xmm6\n\tpxor %%xmm7, %%xmm7\n\t"             \
                     "pxor %%xmm8, %%xmm8\n\tpxor %%xmm9, %%xmm9\n\t"             \
                     "pxor %%xmm10, %%xmm10\n\tpxor %%xmm11, %%xmm11\n\t"         \
                     "pxor %%xmm12, %%xmm12\n\tpxor %%xmm13, %%xmm13\n\t"         \
                     "pxor %%xmm14, %%xmm14\n\tpxor %%xmm15, %%xmm15"              \
                     ::: "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",     \
                     "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",       \
                     "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",   \
                     "xmm14", "xmm15")
#else
#define LA_SCRUB_SCRATCH() ((void)0)
#endif

LA_HIDDEN void *la_malloc(size_t n, LA_CALLER_ARGS);
LA_HIDDEN void la_free(void *p);
LA_HIDDEN void *la_calloc(size_t n, size_t m, LA_CALLER_ARGS);
LA_HIDDEN void *la_realloc(void *p, size_t n, LA_CALLER_ARGS);
LA_HIDDEN void *la_reallocarray(void *p, size_t n, size_t m, LA_CALLER_ARGS);
LA_HIDDEN int la_posix_memalign(void **out, size_t align, size_t n, LA_CALLER_ARGS);
LA_HIDDEN void *la_aligned_alloc(size_t align, size_t n, LA_CALLER_ARGS);
LA_HIDDEN void *la_memalign(size_t align, size_t n, LA_CALLER_ARGS);
LA_HIDDEN void *la_valloc(size_t n, LA_CALLER_ARGS);
LA_HIDDEN void *la_pvalloc(size_t n, LA_CALLER_ARGS);
LA_HIDDEN size_t la_malloc_usable_size(void *p);

/* pthread_create: the new thread registers its stack (threads.h). */
LA_HIDDEN int la_pthread_create(void *thread, const void *attr,
                                void *(*fn)(void *), void *arg);

/* sigaction() and the signal() family: the program's view of the fatal
 * signals (signals.h); libc's own functions for the other signals.  HOW
 * names the function: signal(), bsd_signal(), sysv_signal(),
 * __sysv_signal() (strict ISO C programs' signal()), sigset(). */
struct sigaction;
enum { LA_SIGNAL, LA_BSD_SIGNAL, LA_SYSV_SIGNAL, LA___SYSV_SIGNAL, LA_SIGSET,
       LA_SIGNAL_FNS };
LA_HIDDEN int la_sigaction(int sig, const struct sigaction *act,
                           struct sigaction *old);
LA_HIDDEN void (*la_signal(int sig, void (*handler)(int), int how))(int);

/* abort(): the run is recorded before, when the process is to die of
 * SIGABRT (signals.h). */
LA_HIDDEN void la_abort(const struct la_context *where) __attribute__((noreturn));

/* daemon(): its parent's run is written when it forks, since it then
 * leaves through libc's own _exit(0). */
LA_HIDDEN int la_daemon(int nochdir, int noclose);

/* dlclose(): the objects about to go are noted first (modules.h). */
LA_HIDDEN int la_dlclose(void *handle);

/* leak_snapshot(), as in leakaudit.h. */
LA_HIDDEN int la_leak_snapshot(const struct la_context *where);

/* leak_mark(), as in leakaudit.h. */
LA_HIDDEN int la_mark(const void *ptr, const char *why, LA_CALLER_ARGS);

/* Process ends: exit() and main's return note the status and WHERE the
 * program left; _exit() and _Exit() write the run at once.  None of them
 * returns. */
LA_HIDDEN void la_exit(int status, const struct la_context *where) __attribute__((noreturn));
LA_HIDDEN void la_exit_now(int status, int which, const struct la_context *where)
    __attribute__((noreturn));
LA_HIDDEN int la_start_main(int (*main)(int, char **, char **), int argc,
                            char **argv, void (*init)(void),
                            void (*fini)(void), void (*rtld_fini)(void),
                            void *stack_end);

#endif
