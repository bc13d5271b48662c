/*
 * unwind.h: the shim's own unwinder for the standard x86-64 frames.  Each
 * frame's rule (where its CFA is: the stack pointer or the frame pointer
 * plus a constant; the return address at CFA-8; where the frame pointer
 * was saved, if it was) is compiled once per return address from the
 * module's .eh_frame (found with _dl_find_object, lock-free) and kept in a
 * table; a stack is then a loop of loads.  Anything else (a signal frame,
 * a CFA or a register given by a DWARF expression, a return address not at
 * CFA-8, a module without unwind tables, a slot outside the thread's
 * stack) makes uw_backtrace fail, and the caller unwinds with libunwind.
 * docs/performance.md has the plan for aarch64.
 */
#ifndef LA_UNWIND_H
#define LA_UNWIND_H

#include <stdint.h>

#include "shim.h"

/* Whether the unwinder can run here (x86-64 with _dl_find_object). */
LA_HIDDEN int uw_available(void);

/*
 * The return addresses of the program's stack, from its call RA (made
 * with stack pointer CFA after the return, and frame pointer RBP) up,
 * into PCS (at most MAX), with the address of each one's slot (the word
 * it was read from; SLOTS[0] = CFA-8) into SLOTS when not NULL.  Every
 * slot must lie in [LO, HI).  Returns how many, or -1 when a frame is not
 * one of the standard shapes.
 */
LA_HIDDEN int uw_backtrace(uintptr_t ra, uintptr_t cfa, uintptr_t rbp, uintptr_t lo,
                           uintptr_t hi, uintptr_t *pcs, uintptr_t *slots, int max);

/* Forgets every rule: code was unloaded (dlclose). */
LA_HIDDEN void uw_forget(void);

/* The number of rules compiled and of lookups that found one. */
LA_HIDDEN uint64_t uw_compiled(void);

#endif
