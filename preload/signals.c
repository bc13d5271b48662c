/*
 * signals.c: the fatal signals, behind signals.h.
 *
 * The program's dispositions are kept per signal with a version counter
 * (odd while sigaction() rewrites one), so the handler never reads half of
 * an update; it does not wait for one either, since the update may be the
 * very code it interrupted.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "signals.h"

#define SIG_MAX 32

static const int sig_fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

static struct {
    int taken;                 /* the shim's handler is installed */
    unsigned version;          /* odd while being rewritten */
    struct sigaction act;      /* what the program set */
} sig_prog[SIG_MAX];

static la_sigaction_fn sig_real;
static void (*sig_on_death)(int, void *);

int sig_taken(int sig)
{
    return sig > 0 && sig < SIG_MAX &&
           __atomic_load_n(&sig_prog[sig].taken, __ATOMIC_ACQUIRE);
}

static void sig_get(int sig, struct sigaction *out)
{
    for (int tries = 0; tries < 1000; tries++) {
        unsigned v = __atomic_load_n(&sig_prog[sig].version, __ATOMIC_ACQUIRE);
        memcpy(out, &sig_prog[sig].act, sizeof *out);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (!(v & 1) && v == __atomic_load_n(&sig_prog[sig].version, __ATOMIC_RELAXED))
            return;
    }
}

int sig_default(int sig)
{
    struct sigaction prog;

    if (!sig_taken(sig))
        return 0;
    sig_get(sig, &prog);
    return prog.sa_handler == SIG_DFL;
}

static void sig_put(int sig, const struct sigaction *act)
{
    __atomic_add_fetch(&sig_prog[sig].version, 1, __ATOMIC_ACQ_REL);
    memcpy(&sig_prog[sig].act, act, sizeof *act);
    __atomic_add_fetch(&sig_prog[sig].version, 1, __ATOMIC_ACQ_REL);
}

/* The default action, with nothing else. */
static const struct sigaction sig_dfl = { .sa_handler = SIG_DFL };

void sig_reset(int sig)
{
    if (sig_real)
        sig_real(sig, &sig_dfl, NULL);
}

/* The process dies of SIG, as it would have without the shim. */
static void sig_die(int sig)
{
    sigset_t one;

    sig_reset(sig);
    sigemptyset(&one);
    sigaddset(&one, sig);
    sigprocmask(SIG_UNBLOCK, &one, NULL);
    syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), sig);
    /* Not reached for a fault: returning would raise it again anyway. */
}

static void sig_handler(int sig, siginfo_t *si, void *uc)
{
    struct sigaction prog;
    int saved = errno;

    sig_get(sig, &prog);
    if (prog.sa_handler != SIG_DFL && prog.sa_handler != SIG_IGN) {
        sigset_t before, during = prog.sa_mask;
        if (prog.sa_flags & SA_RESETHAND)
            sig_put(sig, &sig_dfl);
        if (!(prog.sa_flags & SA_NODEFER))
            sigaddset(&during, sig);
        pthread_sigmask(SIG_BLOCK, &during, &before);
        if (prog.sa_flags & SA_NODEFER) {
            sigset_t one;
            sigemptyset(&one);
            sigaddset(&one, sig);
            pthread_sigmask(SIG_UNBLOCK, &one, NULL);
        }
        if (prog.sa_flags & SA_SIGINFO)
            prog.sa_sigaction(sig, si, uc);
        else
            prog.sa_handler(sig);
        pthread_sigmask(SIG_SETMASK, &before, NULL);
        errno = saved;
        return;
    }
    /* Ignored and sent by someone (not a fault): nothing happens. */
    if (prog.sa_handler == SIG_IGN && si && si->si_code <= 0) {
        errno = saved;
        return;
    }
    sig_on_death(sig, uc);
    sig_die(sig);
    errno = saved;
}

void sig_init(la_sigaction_fn real, void (*on_death)(int sig, void *uc))
{
    struct sigaction mine;

    sig_real = real;
    sig_on_death = on_death;
    memset(&mine, 0, sizeof mine);
    mine.sa_sigaction = sig_handler;
    mine.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&mine.sa_mask);
    for (size_t i = 0; i < sizeof sig_fatal / sizeof *sig_fatal; i++) {
        int sig = sig_fatal[i];
        struct sigaction now;
        if (real(sig, NULL, &now) != 0)
            continue;
        sig_put(sig, &now);
        if (real(sig, &mine, NULL) == 0)
            __atomic_store_n(&sig_prog[sig].taken, 1, __ATOMIC_RELEASE);
    }
}

int sig_sigaction(la_sigaction_fn real, int sig, const struct sigaction *act,
                  struct sigaction *old)
{
    if (!sig_taken(sig))
        return real(sig, act, old);
    struct sigaction prev;
    sig_get(sig, &prev);
    if (act)
        sig_put(sig, act);
    if (old)
        *old = prev;
    return 0;
}

void (*sig_signal(la_sigaction_fn real, int sig, void (*h)(int), int sysv))(int)
{
    struct sigaction act, old;

    memset(&act, 0, sizeof act);
    act.sa_handler = h;
    sigemptyset(&act.sa_mask);
    if (sysv) {
        act.sa_flags = SA_RESETHAND | SA_NODEFER;
    } else {
        act.sa_flags = SA_RESTART;
        if (sig > 0 && sig < NSIG)
            sigaddset(&act.sa_mask, sig);
    }
    return sig_sigaction(real, sig, &act, &old) == 0 ? old.sa_handler : SIG_ERR;
}

void (*sig_sigset(la_sigaction_fn real, int sig, void (*h)(int)))(int)
{
    struct sigaction act, old;
    sigset_t one, was;

    if (sig <= 0 || sig >= NSIG) {
        errno = EINVAL;
        return SIG_ERR;
    }
    sigemptyset(&one);
    sigaddset(&one, sig);
    if (sigprocmask(SIG_BLOCK, NULL, &was) != 0)
        return SIG_ERR;
    if (h == SIG_HOLD) {
        if (sig_sigaction(real, sig, NULL, &old) != 0 ||
            sigprocmask(SIG_BLOCK, &one, NULL) != 0)
            return SIG_ERR;
    } else {
        memset(&act, 0, sizeof act);
        act.sa_handler = h;
        sigemptyset(&act.sa_mask);
        if (sig_sigaction(real, sig, &act, &old) != 0 ||
            sigprocmask(SIG_UNBLOCK, &one, NULL) != 0)
            return SIG_ERR;
    }
    return sigismember(&was, sig) ? SIG_HOLD : old.sa_handler;
}

void sig_child_defaults(la_sigaction_fn real)
{
    sigset_t mask;

    if (!real)
        return;
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            real(sig, &sig_dfl, NULL);
    sigfillset(&mask);
    sigdelset(&mask, SIGALRM);
    for (size_t i = 0; i < sizeof sig_fatal / sizeof *sig_fatal; i++)
        sigdelset(&mask, sig_fatal[i]);
    sigprocmask(SIG_SETMASK, &mask, NULL);
}
