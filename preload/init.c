/*
 * init.c: the shim's constructor and destructor, linked only into the
 * preloaded library (unit tests link the rest of the core without them).
 * The constructor runs before the program's own; the destructor after the
 * program's atexit handlers and static destructors.
 */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
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

/* Whether P lies in the shim's own image. */
static int in_shim(const void *p)
{
    return (uintptr_t)p >= la_text_lo && (uintptr_t)p < la_text_hi;
}

/*
 * Where the malloc that the program's calls reach is defined, when that is
 * not the shim: the program itself (as Chromium's PartitionAlloc does), or
 * a library preloaded before the shim (jemalloc, tcmalloc).  NULL when it
 * is the shim's.  A program that takes malloc's address has a PLT entry
 * that stands for it (dlsym finds that first): the definition behind it is
 * the first one in the loader's search order, past the program.
 */
static const char *foreign_malloc(void)
{
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    const ElfW(Sym) *sym = NULL;
    Dl_info info;

    if (!m || in_shim(m))
        return NULL;
    if (!dladdr1(m, &info, (void **)&sym, RTLD_DL_SYMENT))
        return NULL;
    if (sym && sym->st_shndx != SHN_UNDEF)
        return info.dli_fname && info.dli_fname[0] ? info.dli_fname : "the program itself";
    for (struct link_map *l = _r_debug.r_map ? _r_debug.r_map->l_next : NULL; l; l = l->l_next) {
        void *h = dlopen(l->l_name, RTLD_LAZY | RTLD_NOLOAD);
        void *def = h ? dlsym(h, "malloc") : NULL;
        int here = def && dladdr(def, &info) && info.dli_fname &&
                   strcmp(info.dli_fname, l->l_name) == 0;
        if (h)
            dlclose(h);
        if (here)
            return in_shim(def) ? NULL : l->l_name;
    }
    return NULL;
}

/*
 * A program whose malloc is not the shim's allocates where no hook sees:
 * recording 0 blocks, its run would pass.  It is said once, and its run is
 * marked not audited.
 */
static void check_malloc_is_the_shims(void)
{
    const char *from = foreign_malloc();

    if (!from)
        return;
    snprintf(la_unaudited, sizeof la_unaudited, "its malloc is not libc's: it comes from %s",
             from);
    la_warn("this program's malloc is not libc's (it comes from %s): its blocks cannot be "
            "seen, and its run is recorded as not audited", from);
}

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
    check_malloc_is_the_shims();
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
