/*
 * run.c: assembles a run and writes it: the process's facts, the list of
 * modules (modules.h), the copy of the live table classified by the scan
 * (scan.h), then one transaction (writer.h).  Called once per process,
 * from the exit path or in a writer child, with the guard held and
 * recording stopped.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "modules.h"
#include "run.h"
#include "scan.h"
#include "stackcache.h"
#include "state.h"
#include "writer.h"

void run_write(const char *reason, int sig, int s, long ppid, uintptr_t sp)
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
        return;
    }
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
    };
    setjmp(regs);
    struct la_scan_opts so = {
        .scan = (int)la_opt.scan, .sp = sp ? sp : (uintptr_t)&regs,
        .first_seq = la_first_seq, .in_doubt = s == ST_DEGRADED,
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
}
