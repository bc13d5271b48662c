/*
 * crash.c: a program that dies of a signal, one way per mode, after
 * leaking 3 blocks of 100 bytes (lost) and keeping 1 of 50 (reachable).
 * Without the shim and with it, its output and status must be the same.
 *
 *   segv      writes through a null pointer
 *   abort     abort()
 *   fpe       integer division by zero
 *   ill       an undefined instruction
 *   bus       touches a mapped file past its end
 *   handler   a SIGSEGV handler of its own (SA_SIGINFO) prints, restores
 *             the default and returns: the fault comes again and kills
 *   recover   a SIGSEGV handler that jumps out: the program lives on and
 *             exits 0
 *   query     prints what sigaction() says about SIGSEGV, before and after
 *             it sets it with signal(), sysv_signal() and sigset(), then
 *             exits 0
 *   ignored   SIGABRT ignored, then raise(SIGABRT): nothing happens, exit 0
 *   overflow  unbounded recursion, on a sigaltstack of its own
 *   in-malloc overwrites the heap's top chunk; malloc aborts while it holds
 *             its arena's lock (the program has a second thread)
 *   threads   4 threads allocate and free without pause; main faults
 *   twice     2 threads fault at the same moment
 *   vfork     a vfork child calls abort(); the parent says how it died,
 *             then faults itself
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile sink;
static sigjmp_buf back;
static volatile int go;

static void say(const char *s)
{
    write(1, s, strlen(s));
}

static void on_segv_info(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    say("handler ran\n");
    signal(sig, SIG_DFL);
}

static void on_segv_jump(int sig)
{
    (void)sig;
    siglongjmp(back, 1);
}

static void *churn(void *arg)
{
    (void)arg;
    for (;;) {
        void *p = malloc(64);
        sink = p;
        free(p);
    }
    return NULL;
}

static void *idle(void *arg)
{
    (void)arg;
    pause();
    return NULL;
}

static void *fault(void *arg)
{
    (void)arg;
    while (!go)
        ;
    *(volatile int *)16 = 1;
    return NULL;
}

static int deeper(int n)
{
    volatile char pad[256];
    pad[0] = (char)n;
    return deeper(n + 1) + pad[0];
}

static void disposition(const char *when)
{
    struct sigaction now;

    sigaction(SIGSEGV, NULL, &now);
    printf("%s: %s\n", when, now.sa_handler == SIG_DFL ? "default"
                             : now.sa_handler == SIG_IGN ? "ignored" : "handler");
}

int main(int argc, char **argv)
{
    const char *how = argc > 1 ? argv[1] : "segv";
    pthread_t t;

    for (int i = 0; i < 3; i++)
        sink = malloc(100);
    sink = NULL;
    char *keep = malloc(50);
    strcpy(keep, "kept");
    printf("%s: %s\n", how, keep);
    fflush(stdout);

    if (strcmp(how, "abort") == 0) {
        abort();
    } else if (strcmp(how, "fpe") == 0) {
        volatile int seven = 7, zero = 0;
        printf("%d\n", seven / zero);
    } else if (strcmp(how, "ill") == 0) {
        __builtin_trap();
    } else if (strcmp(how, "bus") == 0) {
        FILE *f = tmpfile();
        char *m = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fileno(f), 0);
        printf("%d\n", m[4096]);
    } else if (strcmp(how, "handler") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_segv_info;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &sa, NULL);
    } else if (strcmp(how, "recover") == 0) {
        signal(SIGSEGV, on_segv_jump);
        if (sigsetjmp(back, 1) == 0)
            *(volatile int *)0 = 1;
        say("recovered\n");
        return 0;
    } else if (strcmp(how, "query") == 0) {
        disposition("before");
        signal(SIGSEGV, on_segv_jump);
        disposition("after");
        signal(SIGSEGV, SIG_IGN);
        disposition("ignored");
        sysv_signal(SIGSEGV, on_segv_jump); /* strict ISO C programs' signal() */
        disposition("sysv_signal");
        sigset(SIGSEGV, SIG_DFL);
        disposition("sigset");
        return 0;
    } else if (strcmp(how, "ignored") == 0) {
        signal(SIGABRT, SIG_IGN);
        raise(SIGABRT);
        say("still here\n");
        return 0;
    } else if (strcmp(how, "overflow") == 0) {
        stack_t ss = { .ss_sp = malloc(1 << 16), .ss_size = 1 << 16 };
        struct sigaction sa;
        sigaltstack(&ss, NULL);
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigaction(SIGSEGV, &sa, NULL);
        return deeper(0);
    } else if (strcmp(how, "in-malloc") == 0) {
        pthread_create(&t, NULL, idle, NULL); /* malloc now takes locks */
        char *p = malloc(5000);
        *(size_t *)(p + 5000) = (size_t)0xfffffffffff0; /* top's size */
        sink = malloc(6000);
    } else if (strcmp(how, "threads") == 0) {
        for (int i = 0; i < 4; i++)
            pthread_create(&t, NULL, churn, NULL);
        usleep(50000);
    } else if (strcmp(how, "vfork") == 0) {
        int st;
        pid_t pid = vfork();
        if (pid == 0)
            abort();
        waitpid(pid, &st, 0);
        printf("child: signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        fflush(stdout);
    } else if (strcmp(how, "twice") == 0) {
        for (int i = 0; i < 2; i++)
            pthread_create(&t, NULL, fault, NULL);
        usleep(10000);
        go = 1;
        pause();
    }
    *(volatile int *)0 = 1;
    puts(keep);
    return 0;
}
