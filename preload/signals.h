/*
 * signals.h: the fatal signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT).
 *
 * The shim keeps its own handler installed for them and keeps, beside it,
 * the disposition the program believes it set: sigaction() and signal()
 * on these signals read and write that copy.  The handler chains to the
 * program's handler when it has one (with its flags and mask); when the
 * program's disposition means death (SIG_DFL, or SIG_IGN for a fault the
 * kernel raised) it calls the shim back to record the run, then kills the
 * process with the same signal, so the exit status and the core dump are
 * those of a run without the shim.
 */
#ifndef LA_SIGNALS_H
#define LA_SIGNALS_H

#include <signal.h>

#include "shim.h"

typedef int (*la_sigaction_fn)(int, const struct sigaction *, struct sigaction *);

/* Takes over the fatal signals: what is installed now becomes the
 * program's disposition.  REAL is libc's sigaction; ON_DEATH(SIG, UC) is
 * called, in the handler, before the process dies of SIG (UC: the
 * interrupted context, a ucontext_t). */
LA_HIDDEN void sig_init(la_sigaction_fn real, void (*on_death)(int sig, void *uc));

/* Whether SIG is one the shim took over. */
LA_HIDDEN int sig_taken(int sig);

/* Whether SIG is taken over and the program leaves it to its default
 * action (the process dies of it). */
LA_HIDDEN int sig_default(int sig);

/* Gives SIG its default action for real: the shim's handler goes. */
LA_HIDDEN void sig_reset(int sig);

/* sigaction() as the program sees it: the program's copy for the signals
 * taken over, libc's otherwise. */
LA_HIDDEN int sig_sigaction(la_sigaction_fn real, int sig,
                            const struct sigaction *act, struct sigaction *old);

/* signal() for a signal taken over: BSD semantics (glibc's signal and
 * bsd_signal), or with SYSV System V's (sysv_signal, and signal itself in
 * programs built for strict ISO C: the handler is reset when it runs). */
LA_HIDDEN void (*sig_signal(la_sigaction_fn real, int sig, void (*h)(int),
                            int sysv))(int);

/* sigset() for a signal taken over (SIG_HOLD blocks it). */
LA_HIDDEN void (*sig_sigset(la_sigaction_fn real, int sig, void (*h)(int)))(int);

/* For a writer child: every signal back to its default action and
 * blocked, except SIGALRM (its time limit) and the fatal ones. */
LA_HIDDEN void sig_child_defaults(la_sigaction_fn real);

#endif
