/*
 * side.h: the shim's own stack.  The malloc family's hooks run the shim's
 * work, and libc's allocator under it, on a stack of the thread's own that
 * the shim keeps apart (side.c), not on the program's.
 *
 * Why: a call leaves copies of the block's address in the frames it used
 * (callee-saved registers pushed, locals), below the program's stack
 * pointer.  The program later calls deeper functions whose uninitialised
 * locals lie over them, and the exit-time scan, which reads the program's
 * stack as a root, then finds a pointer to a block the program lost: a
 * leak hidden by the shim's own traces (and by libc's, which Valgrind
 * never sees, its allocator running outside the program).  On the side
 * stack those traces are in the shim's pages, which the scan skips.
 * Clearing the frames instead cost 30 ns per call.
 *
 * A call that finds the side stack in use (a signal handler's malloc
 * inside malloc) or missing (no pages) runs where it is, as before.
 */
#ifndef LA_SIDE_H
#define LA_SIDE_H

#include "core.h"
#include "shim.h"

struct la_side {
    char *top;            /* this thread's side stack: its top; NULL none yet */
    char *lo;             /* its lowest usable byte */
    uintptr_t caller_fp;  /* the hook's frame, while on the side stack: 0 off it */
    int off;              /* 1: none for this thread (no pages, or it ended) */
    int held;             /* 1: held off it (crash.c), its words stale */
};

extern LA_HIDDEN LA_TLS struct la_side la_side;

/* Calls FN(A0..A5) on the side stack TOP; returns its value (rax).  FN
 * takes up to six integer or pointer arguments and returns one, or void. */
LA_HIDDEN uintptr_t la_side_call(uintptr_t a0, uintptr_t a1, uintptr_t a2, uintptr_t a3,
                                 uintptr_t a4, uintptr_t a5, const void *fn, char *top);

/* This thread's side stack, made on first use; NULL when the call is to
 * run where it is. */
LA_HIDDEN char *side_make(void);

/* The side stack's top, for a hook whose frame is FP (its frame pointer),
 * marked in use; NULL: run where it is. */
static inline char *side_enter(uintptr_t fp)
{
    char *top = la_side.top;

    if (LA_UNLIKELY(!top || la_side.caller_fp)) {
        if (la_side.caller_fp || !(top = side_make()))
            return NULL;
    }
    la_side.caller_fp = fp;
    return top;
}

static inline void side_leave(void)
{
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    la_side.caller_fp = 0;
}

/* A hook's body: R = FN(args...) on the side stack, or where it is.  FN
 * is the core's function (core.h); ARGS at most six, integers or
 * pointers. */
#if defined(__x86_64__)
#define LA_SIDE_ARGS_(a0, a1, a2, a3, a4, a5, ...)                                  \
    (uintptr_t)(a0), (uintptr_t)(a1), (uintptr_t)(a2), (uintptr_t)(a3), (uintptr_t)(a4), \
        (uintptr_t)(a5)
#define LA_ON_SIDE(type, fn, ...)                                                   \
    ({                                                                              \
        char *top_ = side_enter((uintptr_t)__builtin_frame_address(0));             \
        type r_;                                                                    \
        if (LA_LIKELY(top_ != NULL)) {                                              \
            r_ = (type)la_side_call(LA_SIDE_ARGS_(__VA_ARGS__, 0, 0, 0, 0, 0, 0),   \
                                    (const void *)fn, top_);                        \
            side_leave();                                                           \
        } else {                                                                    \
            r_ = fn(__VA_ARGS__);                                                   \
        }                                                                           \
        r_;                                                                         \
    })
#define LA_ON_SIDE_VOID(fn, ...)                                                    \
    do {                                                                            \
        char *top_ = side_enter((uintptr_t)__builtin_frame_address(0));             \
        if (LA_LIKELY(top_ != NULL)) {                                              \
            la_side_call(LA_SIDE_ARGS_(__VA_ARGS__, 0, 0, 0, 0, 0, 0), (const void *)fn, \
                         top_);                                                     \
            side_leave();                                                           \
        } else {                                                                    \
            fn(__VA_ARGS__);                                                        \
        }                                                                           \
    } while (0)
#else
#define LA_ON_SIDE(type, fn, ...) ((type)fn(__VA_ARGS__))
#define LA_ON_SIDE_VOID(fn, ...) fn(__VA_ARGS__)
#endif

/* Where a fatal signal or abort() found the thread, in the program's terms:
 * a context taken on the side stack is moved to the hook's caller (its
 * stack pointer; the registers stay). */
LA_HIDDEN void side_fix_context(struct la_context *where);

/* The program's frame pointer when it called the hook that is on the side
 * stack now, checked against its call RA, CFA; *FOUND 0 when not on it. */
LA_HIDDEN uintptr_t side_caller_rbp(uintptr_t ra, uintptr_t cfa, int *found);

/* The thread ends: its side stack goes, and none is made again. */
LA_HIDDEN void side_thread_exit(void);

/*
 * The side stacks that are roots for the scan, as [lo, hi) pairs into OUT
 * (up to CAP); returns how many.  Another thread's, whole: in use, it
 * holds the block that thread's malloc is returning and the callee-saved
 * registers of its caller; else the last blocks its calls made, which its
 * registers may hold while it runs on (registers the scan cannot read,
 * as it could not read them under a hook on the thread's own stack).
 * The calling thread's only in use (a crash inside malloc): its own
 * registers are known, and its stale words would hide its leaks; the
 * same for a thread held off it (side_hold).
 */
LA_HIDDEN size_t side_roots(uintptr_t (*out)[2], size_t cap);

/* The calling thread is held (ON 1) while a copy of the process is made,
 * with its registers known, or goes on (ON 0): held off its side stack,
 * the stack is no root (only stale words). */
LA_HIDDEN void side_hold(int on);

/* In a forked child: only the calling thread's side stack is anyone's. */
LA_HIDDEN void side_fork_child(void);

#endif
