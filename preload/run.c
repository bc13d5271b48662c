/*
 * run.c: assembles a run and writes it: the process's facts, the list of
 * modules (modules.h), the copy of the live table classified by the scan
 * (scan.h), then one transaction (writer.h).  Called once per process,
 * from the exit path or in a writer child, with the guard held and
 * recording stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "modules.h"
#include "run.h"
#include "scan.h"
#include "stackcache.h"
#include "state.h"
#include "writer.h"

/*
 * The database and its journal need descriptors, and a program may end
 * with none left (a low RLIMIT_NOFILE, or every one in use).  Then the
 * soft limit is raised, up to the hard one, for the write; in a writer
 * child, a copy of the process with its own descriptors, some of the
 * program's are closed instead.  Returns 1 when the limit in *OLD is to be
 * put back after, 0 when there is room, -1 when there is none (and the
 * run is to be written from a writer child).
 */
#define RUN_FDS 8

static int run_make_room(struct rlimit *old, int in_child)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

    if (fd >= 0) {
        close(fd);
        return 0;
    }
    if ((errno != EMFILE && errno != ENFILE) || getrlimit(RLIMIT_NOFILE, old) != 0)
        return 0;
    struct rlimit more = *old;
    if (old->rlim_max == RLIM_INFINITY || old->rlim_cur + RUN_FDS <= old->rlim_max)
        more.rlim_cur = old->rlim_cur + RUN_FDS;
    else
        more.rlim_cur = old->rlim_max;
    if (more.rlim_cur > old->rlim_cur && setrlimit(RLIMIT_NOFILE, &more) == 0) {
        la_warn("the process had no file descriptor left (RLIMIT_NOFILE %llu): "
                "raised to %llu to write the run",
                (unsigned long long)old->rlim_cur, (unsigned long long)more.rlim_cur);
        return 1;
    }
    if (!in_child)
        return -1;
    int closed = 0;
    for (long d = (long)old->rlim_cur - 1; d > 2 && closed < RUN_FDS; d--)
        if (close((int)d) == 0)
            closed++;
    la_warn("the process had no file descriptor left (RLIMIT_NOFILE %llu, its hard "
            "limit, all in use): the run is written by a copy of it that closed %d",
            (unsigned long long)old->rlim_cur, closed);
    return 0;
}

int run_write(const char *reason, int sig, int s, long ppid,
              const struct la_context *where, int flags)
{
    struct la_run_record rec;
    struct scan_blocks blocks;
    struct la_modules mods;
    char exe[PATH_MAX];
    ssize_t n;
    /* Callee-saved registers, spilled where the stack scan sees them. */
    jmp_buf regs;

    struct stat root;
    if (la_root_ino && stat("/", &root) == 0 &&
        (root.st_dev != la_root_dev || root.st_ino != la_root_ino)) {
        la_warn("no record of this run: the process changed its root "
                "directory (chroot), and %s is out of its reach", la_output);
        return 0;
    }
    struct rlimit old;
    int room = run_make_room(&old, flags & RUN_IN_CHILD);
    if (room < 0)
        return -1;
    /* This frame lies above where the stack scan starts: no stale bytes
     * from earlier, deeper calls may stay in its buffers. */
    memset(exe, 0, sizeof exe);
    sc_flush_all();
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    rec = (struct la_run_record){
        .pid = la_pid, .ppid = ppid, .exe = n > 0 ? exe : NULL,
        .cwd = la_cwd[0] ? la_cwd : NULL, .session = la_opt.session,
        .argv = la_argv, .argc = la_argc,
        .start_time = la_start_time, .end_time = la_now(),
        .end_reason = reason, .has_exit_code = la_exit_known && !sig,
        .exit_code = la_exit_code, .signal = sig,
        .checkpoints = la_opt.checkpoint > 0, .depth = la_opt.depth,
        .complete = s == ST_RECORDING, .first_seq = la_first_seq,
        .stack_hits = sc_hits(), .stack_unwinds = sc_unwinds(),
        .stack_mismatches = sc_mismatches(),
        .unaudited = la_unaudited[0] ? la_unaudited : NULL,
        .keep_reachable = (int)la_opt.keep_reachable,
        .spool = la_spool[0] ? la_spool : NULL, .in_child = (flags & RUN_IN_CHILD) != 0,
    };
    setjmp(regs);
    struct la_scan_opts so = {
        .scan = (int)la_opt.scan,
        .sp = where && where->sp ? where->sp : (uintptr_t)&regs,
        .regs = where && where->sp ? where->regs : NULL,
        .nregs = where && where->sp ? where->nregs : 0,
        .first_seq = la_first_seq, .in_doubt = s == ST_DEGRADED,
        .concurrent = (flags & RUN_CONCURRENT) != 0, .tgid = la_pid,
        .self_lo = la_text_lo, .self_hi = la_text_hi,
    };
    if (modules_collect(&mods) != 0)
        rec.modules_error = errno ? errno : ENOMEM;
    uintptr_t at_base = getauxval(AT_BASE);
    long ld = at_base ? modules_by_base(&mods, at_base) : -1;
    if (ld >= 0) {
        so.loader_lo = mods.v[ld].start;
        so.loader_hi = mods.v[ld].end;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (scan_take(&blocks) == 0) {
        scan_classify(&blocks, &so);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        rec.scan_seconds = (double)(t1.tv_sec - t0.tv_sec) +
                           (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        writer_write(la_output, &rec, &blocks, &mods);
        scan_free(&blocks);
    } else {
        la_warn("out of memory for the copy of the live table: the run is "
                "written without its blocks");
        rec.complete = 0;
        writer_write(la_output, &rec, NULL, &mods);
    }
    modules_free(&mods);
    if (room > 0)
        setrlimit(RLIMIT_NOFILE, &old);
    return 0;
}
