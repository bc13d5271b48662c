/*
 * state.c: the start of the shim and the state every part of the core
 * shares (state.h).  la_start runs once, in whichever thread calls first:
 * it resolves libc, reads the options and notes the process's facts, then
 * lets the hooks record.
 */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>

#include "guard.h"
#include "libs.h"
#include "select.h"
#include "real.h"
#include "snapshot.h"
#include "stackcache.h"
#include "threads.h"
#include "state.h"

int la_state = ST_UNSTARTED;
struct la_options la_opt;
uintptr_t la_text_lo, la_text_hi;
pid_t la_pid;
double la_start_time;
uint64_t la_first_seq = 1;
char la_output[PATH_MAX];
char la_spool[PATH_MAX];
char la_cwd[PATH_MAX];
char **la_argv;
int la_argc;
int la_exit_known, la_exit_code;
pid_t la_finished;
static int la_end_written;
char la_unaudited[160];
int la_dormant;
dev_t la_root_dev;
ino_t la_root_ino;
LA_TLS int t_guard;
LA_TLS pid_t t_tid;
LA_TLS struct la_context t_end;

double la_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t la_mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The address range of the shim's own image, from its ELF header in
 * memory: no loader lock, no system call. */
static void la_find_own_text(void)
{
    /* The linker's symbol for the ELF header, which the program headers
     * follow: declared without a size, since they lie past the header. */
    extern const char __ehdr_start[] LA_HIDDEN;
    const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)__ehdr_start;
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
/* PATH made absolute against la_cwd into BUF (PATH_MAX); 0, or -1 when
 * too long. */
static int la_absolute(const char *path, char *buf)
{
    int n;

    if (path[0] == '/' || la_cwd[0] == '\0')
        n = snprintf(buf, PATH_MAX, "%s", path);
    else
        n = snprintf(buf, PATH_MAX, "%s/%s", strcmp(la_cwd, "/") == 0 ? "" : la_cwd, path);
    return n < 0 || n >= PATH_MAX ? -1 : 0;
}

static void la_set_output(void)
{
    if (!getcwd(la_cwd, sizeof la_cwd))
        la_cwd[0] = '\0';
    if (la_absolute(la_opt.output, la_output) != 0) {
        la_warn("LEAKAUDIT_OUTPUT is too long a path; using leakaudit.db");
        snprintf(la_output, sizeof la_output, "leakaudit.db");
    }
    la_spool[0] = '\0';
    if (la_opt.spool[0] && la_absolute(la_opt.spool, la_spool) != 0) {
        la_warn("LEAKAUDIT_SPOOL is too long a path; writing into %s", la_output);
        la_spool[0] = '\0';
    }
}

/*
 * Whether this process is to be audited (select.h), noted in the
 * wrapper's list (LEAKAUDIT_PROCESS_LOG) either way.
 */
static int la_selected(void)
{
    char exe[PATH_MAX], project[PATH_MAX];
    struct la_options o = la_opt;
    ssize_t n;

    if (!o.project[0] && !o.include[0] && !o.skip[0] && !o.process_log[0])
        return 1;
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        /* No /proc: the choice cannot be made; audit. */
        select_note(o.process_log, SELECT_MARKS[SELECT_AUDITED], "?");
        return 1;
    }
    exe[n] = '\0';
    if (o.project[0] && realpath(o.project, project))
        o.project = project;
    int choice = select_audited(&o, exe);
    select_note(o.process_log, SELECT_MARKS[choice], exe);
    return choice == SELECT_AUDITED;
}

/* la_start's work; la_start keeps the program's errno around it. */
static int la_start_now(void)
{
    char err[240];

    t_guard = 1;
    real_resolve();
    la_options_parse(&la_opt, secure_getenv);
    /* setuid/setgid: read no path from the environment, write nothing;
     * a process not audited: nothing either.  Neither loads libunwind or
     * SQLite. */
    if (getauxval(AT_SECURE) || !la_selected()) {
        la_dormant = 1;
        t_guard = 0;
        la_set_state(ST_STOPPED);
        return 0;
    }
    la_set_output();
    /* Under the wrapper, the run goes to its spool as a file: no SQLite. */
    if (libs_load(la_spool[0] ? LIBS_UNWIND : LIBS_UNWIND | LIBS_SQLITE, err, sizeof err) != 0) {
        la_warn("%s: nothing of this process is recorded", err);
        la_dormant = 1;
        t_guard = 0;
        la_set_state(ST_STOPPED);
        return 0;
    }
    la_find_own_text();
    sc_init(la_opt.depth, (int)la_opt.verify_stacks, la_text_lo, la_text_hi);
    la_pid = getpid();
    la_start_time = la_now();
    snapshot_schedule();
    struct stat root;
    if (stat("/", &root) == 0) {
        la_root_dev = root.st_dev;
        la_root_ino = root.st_ino;
    }
    t_guard = 0;
    la_set_state(ST_RECORDING);
    return 1;
}

/* (state.h) */
LA_NOINLINE int la_start(void)
{
    int expect = ST_UNSTARTED;

    if (!__atomic_compare_exchange_n(&la_state, &expect, ST_STARTING, 0,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return expect == ST_RECORDING;
    /* The first malloc starts the shim: a project directory that does not
     * exist, or the loader's search for a library, must not leave ENOENT
     * in the program's errno. */
    int saved = errno;
    int rc = la_start_now();
    errno = saved;
    return rc;
}

int la_end_claim(const struct la_context *where)
{
    pid_t me = la_tid(), first = 0;

    if (__atomic_compare_exchange_n(&la_finished, &first, me, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        return 1;
    if (first == me)
        return -1;
    int parked = threads_park(where);
    for (int ms = 0; ms < 120000 && !__atomic_load_n(&la_end_written, __ATOMIC_ACQUIRE); ms++) {
        struct timespec t = { 0, 1000000 };
        nanosleep(&t, NULL);
    }
    threads_unpark(parked);
    return 0;
}

void la_end_done(void)
{
    __atomic_store_n(&la_end_written, 1, __ATOMIC_RELEASE);
}

void la_end_after_fork(void)
{
    la_finished = 0;
    la_end_written = 0;
}

LA_NOINLINE void la_degrade(const char *what)
{
    int expect = ST_RECORDING;

    if (__atomic_compare_exchange_n(&la_state, &expect, ST_DEGRADED, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        la_warn("out of memory for %s: recording stops here; the run will "
                "be marked incomplete", what);
}
