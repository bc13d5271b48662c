/*
 * side.c: the shim's own stack for the malloc family's hooks (side.h).
 *
 * la_side_call is a frame-pointer frame: it pushes the hook's frame
 * pointer, keeps the hook's stack pointer in rbp, moves to the side stack
 * and calls the core's function there; its unwind rule (CFA = rbp + 16)
 * leads an unwinder (libunwind, the verify mode's) from the side stack
 * back to the hook and the program, as through any frame.
 */
#include <sys/mman.h>

#include "pages.h"
#include "peek.h"
#include "side.h"

/* The side stack's size: address space, touched as used (libunwind, the
 * loader when the shim starts inside a malloc), and a guard page below. */
#define SIDE_BYTES (1024u * 1024u)
#define SIDE_GUARD 4096u

LA_TLS struct la_side la_side;

/* Every thread's side stack, for the scan (side_roots).  A slot is claimed
 * with one exchange. */
#define SIDE_MAX 1024
static struct la_side *side_all[SIDE_MAX];

static int side_register(struct la_side *me)
{
    for (int i = 0; i < SIDE_MAX; i++) {
        struct la_side *none = NULL;
        if (!__atomic_load_n(&side_all[i], __ATOMIC_RELAXED) &&
            __atomic_compare_exchange_n(&side_all[i], &none, me, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return 0;
    }
    return -1;
}

static void side_unregister(struct la_side *me)
{
    for (int i = 0; i < SIDE_MAX; i++)
        if (__atomic_load_n(&side_all[i], __ATOMIC_RELAXED) == me)
            __atomic_store_n(&side_all[i], NULL, __ATOMIC_RELEASE);
}

#if defined(__x86_64__)
__asm__(".text\n"
        ".p2align 4\n"
        ".globl la_side_call\n"
        ".hidden la_side_call\n"
        ".type la_side_call, @function\n"
        "la_side_call:\n"
        ".cfi_startproc\n"
        "\tpush %rbp\n"
        ".cfi_def_cfa_offset 16\n"
        ".cfi_offset %rbp, -16\n"
        "\tmov %rsp, %rbp\n"
        ".cfi_def_cfa_register %rbp\n"
        "\tmov 16(%rbp), %rax\n" /* FN, the seventh argument */
        "\tmov 24(%rbp), %rsp\n" /* TOP, the eighth: 16-aligned */
        "\tcall *%rax\n"
        "\tmov %rbp, %rsp\n"
        "\tpop %rbp\n"
        ".cfi_def_cfa %rsp, 8\n"
        "\tret\n"
        ".cfi_endproc\n"
        ".size la_side_call, .-la_side_call\n");
#endif

char *side_make(void)
{
    char *base;

    if (la_side.off)
        return NULL;
    base = pages_reserve(SIDE_BYTES);
    if (!base || mprotect(base, SIDE_GUARD, PROT_NONE) != 0 || side_register(&la_side) != 0) {
        pages_free(base, SIDE_BYTES);
        la_side.off = 1;
        return NULL;
    }
    la_side.lo = base + SIDE_GUARD;
    __atomic_store_n(&la_side.top, base + SIDE_BYTES, __ATOMIC_RELEASE);
    return la_side.top;
}

static int side_holds(uintptr_t sp)
{
    return la_side.top && sp >= (uintptr_t)la_side.lo - SIDE_GUARD && sp <= (uintptr_t)la_side.top;
}

void side_fix_context(struct la_context *where)
{
    /* The hook's frame: its caller's stack pointer is 16 above. */
    if (where && la_side.caller_fp && side_holds(where->sp))
        where->sp = la_side.caller_fp + 16;
}

uintptr_t side_caller_rbp(uintptr_t ra, uintptr_t cfa, int *found)
{
    const uintptr_t *f = (const uintptr_t *)la_side.caller_fp;

    *found = f && f[1] == ra && la_side.caller_fp + 16 == cfa;
    return *found ? f[0] : 0;
}

void side_thread_exit(void)
{
    char *top = la_side.top;

    la_side.off = 1;
    if (!top || la_side.caller_fp)
        return; /* (in use: kept; the thread's end frees nothing here) */
    side_unregister(&la_side);
    __atomic_store_n(&la_side.top, NULL, __ATOMIC_RELEASE);
    la_side.lo = NULL;
    pages_free(top - SIDE_BYTES, SIDE_BYTES);
}

size_t side_roots(uintptr_t (*out)[2], size_t cap)
{
    size_t n = 0;

    for (int i = 0; i < SIDE_MAX && n < cap; i++) {
        struct la_side *s = __atomic_load_n(&side_all[i], __ATOMIC_ACQUIRE), now;
        /* Read without faulting: another thread's TLS, which goes with it
         * if it ended without its destructors. */
        if (!s || peek_mem(&now, (uintptr_t)s, sizeof now) != sizeof now || !now.top)
            continue;
        if ((s == &la_side || now.held) && !now.caller_fp)
            continue; /* this thread's, or a held one's, not in use: only stale words */
        out[n][0] = (uintptr_t)now.top - (SIDE_BYTES - SIDE_GUARD);
        out[n][1] = (uintptr_t)now.top;
        n++;
    }
    return n;
}

void side_hold(int on)
{
    la_side.held = on && !la_side.caller_fp;
}

void side_fork_child(void)
{
    /* Only the forking thread goes on; the others' side stacks stay
     * mapped (the child's copy of them) but are no one's. */
    for (int i = 0; i < SIDE_MAX; i++)
        if (side_all[i] != &la_side)
            side_all[i] = NULL;
}
