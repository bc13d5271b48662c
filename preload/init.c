/*
 * init.c: the shim's constructor and destructor, linked only into the
 * preloaded library (unit tests link the rest of the core without them).
 * The constructor runs before the program's own; the destructor after the
 * program's atexit handlers and static destructors.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "crash.h"
#include "guard.h"
#include "lifecycle.h"
#include "own.h"
#include "real.h"
#include "signals.h"
#include "snapshot.h"
#include "threads.h"

/* Copies argv for the run record (the program may rewrite its own). */
static void keep_argv(int argc, char **argv)
{
    char **v;

    if (argc <= 0 || !argv)
        return;
    v = own_calloc((size_t)argc, sizeof *v);
    if (!v)
        return;
    for (int i = 0; i < argc; i++)
        if (!(v[i] = own_strdup(argv[i] ? argv[i] : "")))
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
    keep_argv(argc, argv);
    pthread_atfork(lifecycle_fork_prepare, lifecycle_fork_parent,
                   lifecycle_fork_child);
    threads_init();
    if (la_opt.crash && REAL(sigaction))
        sig_init(la_real.sigaction, crash_on_signal);
    if (la_opt.snapshot_signal && REAL(sigaction)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = snapshot_on_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (la_real.sigaction((int)la_opt.snapshot_signal, &sa, NULL) != 0)
            la_warn("LEAKAUDIT_SNAPSHOT_SIGNAL=%ld: cannot handle that signal: %s",
                    la_opt.snapshot_signal, strerror(errno));
    }
    t_guard--;
}

/* Runs after the program's atexit handlers, its static destructors and the
 * executable's own destructors. */
__attribute__((destructor(101))) static void la_destructor(void)
{
    lifecycle_finish("exit");
}
