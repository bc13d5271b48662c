/*
 * emit_text.c: the text report.  Every string that came from the database
 * (paths, names, reasons, arguments) is printed with control characters
 * escaped, so a hostile symbol cannot drive the terminal.
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"

#define C_RED "\033[1;31m"
#define C_GREEN "\033[1;32m"
#define C_BOLD "\033[1m"
#define C_OFF "\033[0m"

/* S with bytes below 0x20 and 0x7f escaped as \xNN. */
static void put_safe(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* ST's frames; the runtime's above the program's own (two or more: the
 * allocator's internals, Rust's alloc) fold into one line unless FULL. */
static void emit_stack(FILE *out, const struct rp_stack *st, const char *indent, int full)
{
    size_t k = full ? 0 : rp_runtime_frames(st);

    if (k < 2) {
        rp_emit_frames(out, st, 0, indent, put_safe);
        return;
    }
    char place[512];
    rp_frame_place(&st->frames[0], place, sizeof place);
    fprintf(out, "%s#0..#%zu %zu frames of the runtime, from ", indent, k - 1, k);
    put_safe(out, place);
    fputs(" (--full-stacks shows them)\n", out);
    rp_emit_frames(out, st, k, indent, put_safe);
}

/* ", at FUNCTION FILE:LINE": where ST is in the program's own code. */
static void emit_place(FILE *out, const struct rp_stack *st)
{
    const struct rp_frame *f = rp_own_frame(st);
    char place[512];

    if (!f)
        return;
    rp_frame_place(f, place, sizeof place);
    fputs(", at ", out);
    put_safe(out, place);
}

static void emit_run(FILE *out, const struct rp_db *db, const struct rp_run *r)
{
    fprintf(out, "run %lld", (long long)r->id);
    if (db->npaths > 1) {
        fputs(" of ", out);
        put_safe(out, db->paths[r->database]);
    }
    fprintf(out, ": pid %lld", (long long)r->pid);
    for (size_t i = 0; i < r->argc; i++) {
        fputc(' ', out);
        put_safe(out, r->argv[i]);
    }
    if (r->argc == 0 && r->exe) {
        fputc(' ', out);
        put_safe(out, r->exe);
    }
    if (r->has_signal)
        fprintf(out, " (killed by signal %d, %s)", r->signal, strsignal(r->signal));
    else if (strcmp(r->end_reason, "checkpoint") == 0)
        fputs(" (its last checkpoint: the process was killed without a "
              "chance to record its end, or is still running)", out);
    else if (r->has_exit_code)
        fprintf(out, " (%s %d)", strcmp(r->end_reason, "_exit") == 0
                                     ? "_exit" : "exit", r->exit_code);
    if (!r->scanned)
        fputs(" [no reachability scan: unmarked blocks count as lost]", out);
    if (!r->complete)
        fputs(" [incomplete: the shim ran short of memory; what it did not "
              "reach counts as reachable]", out);
    if (r->unaudited) {
        fputs(" [not audited: ", out);
        put_safe(out, r->unaudited);
        fputs("; nothing of it was seen]", out);
    }
    fputc('\n', out);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* How the runs ended, and of how many programs: "  12 programs; 940
 * runs: 930 exit 0, 8 exit 1, 2 signal 11". */
/* The processes that were not audited, by executable (the most first). */
static void emit_not_audited(FILE *out, const struct rp_db *db)
{
    uint64_t sum = 0;
    size_t shown = db->nnot_audited < 5 ? db->nnot_audited : 5;

    for (size_t i = 0; i < db->nnot_audited; i++)
        sum += db->not_audited[i].processes;
    if (!sum)
        return;
    fprintf(out, "  %llu %s not audited (", (unsigned long long)sum,
            plural(sum, "process", "processes"));
    for (size_t i = 0; i < shown; i++) {
        const char *exe = db->not_audited[i].exe, *base = strrchr(exe, '/');
        fputs(i ? ", " : "", out);
        put_safe(out, base ? base + 1 : exe);
        fprintf(out, " %llu", (unsigned long long)db->not_audited[i].processes);
    }
    fprintf(out, "%s): outside the project; leakaudit --include GLOB or --all audits them\n",
            db->nnot_audited > shown ? ", ..." : "");
}

static void emit_totals_of_runs(FILE *out, const struct rp_db *db)
{
    struct end { const char *how; int code; size_t n; } ends[16];
    size_t nends = 0, programs = 0, other = 0;

    if (db->nruns < 2)
        return;
    const char **exes = rp_xcalloc(db->nruns, sizeof *exes);
    for (size_t i = 0; i < db->nruns; i++) {
        const struct rp_run *r = &db->runs[i];
        const char *how = r->has_signal ? "signal" : r->has_exit_code
                          ? (strcmp(r->end_reason, "_exit") == 0 ? "_exit" : "exit") : r->end_reason;
        int code = r->has_signal ? r->signal : r->has_exit_code ? r->exit_code : 0;
        size_t k = 0;
        while (k < nends && (strcmp(ends[k].how, how) != 0 || ends[k].code != code))
            k++;
        if (k == nends && nends < sizeof ends / sizeof *ends)
            ends[nends++] = (struct end){ how, code, 0 };
        if (k < nends)
            ends[k].n++;
        else
            other++;
        exes[i] = r->exe ? r->exe : r->argc ? r->argv[0] : "";
    }
    /* Programs: distinct executables, counted in sorted order. */
    qsort(exes, db->nruns, sizeof *exes, str_cmp);
    for (size_t i = 0; i < db->nruns; i++)
        programs += i == 0 || strcmp(exes[i], exes[i - 1]) != 0;
    free(exes);
    fprintf(out, "  %zu %s; the runs ended:", programs, plural(programs, "program", "programs"));
    for (size_t k = 0; k < nends; k++) {
        fprintf(out, "%s %zu ", k ? "," : "", ends[k].n);
        put_safe(out, ends[k].how);
        if (strcmp(ends[k].how, "exit") == 0 || strcmp(ends[k].how, "_exit") == 0 ||
            strcmp(ends[k].how, "signal") == 0)
            fprintf(out, " %d", ends[k].code);
    }
    if (other)
        fprintf(out, ", %zu otherwise", other);
    fputc('\n', out);
}

/* A member's short name: the innermost function of the program's own
 * code (past operator new and allocator templates), or the innermost. */
/* Frame L of member M's stack, counted from its own frame outward, or
 * NULL. */
static const struct rp_frame *member_frame(const struct rp_member *m, size_t l)
{
    const struct rp_stack *st = m->stack;
    size_t own = rp_runtime_frames(st);

    return st && own + l < st->nframes ? &st->frames[own + l] : NULL;
}

static int same_frame(const struct rp_frame *a, const struct rp_frame *b)
{
    if (!a || !b)
        return a == b;
    if ((a->function == NULL) != (b->function == NULL) || a->line != b->line)
        return 0;
    return a->function ? strcmp(a->function, b->function) == 0 : a->pc == b->pc;
}

/* Member I of F, by the first frame that tells it apart from the other
 * members: its own frame's function; then its line, where another member
 * has the same function; then its callers outward (" < CALLER:LINE", at
 * most three), where the lines are the same too.  Members whose stacks
 * are the same function by function and line all along are numbered
 * ("pair #2"). */
static void member_name(FILE *out, const struct rp_finding *f, size_t i)
{
    const struct rp_member *m = &f->members[i];
    const struct rp_frame *own = member_frame(m, 0);
    size_t depth = 0; /* 0 the function; 1 and its line; 2.. and callers */
    int twin = 0;

    for (size_t k = 0; k < f->nmembers; k++) {
        const struct rp_member *o = &f->members[k];
        if (k == i)
            continue;
        size_t d = 0;
        while (d < 4 && member_frame(m, d) && same_frame(member_frame(m, d), member_frame(o, d)))
            d++;
        if (d == 4 || (!member_frame(m, d) && !member_frame(o, d))) {
            twin = 1; /* nothing within reach tells them apart */
            continue;
        }
        const struct rp_frame *a = member_frame(m, d), *b = member_frame(o, d);
        /* At D they differ: by function alone when D is the own frame and
         * the functions differ; else down to D with the lines. */
        int by_function = d == 0 && a && b && a->function && b->function &&
                          strcmp(a->function, b->function) != 0;
        size_t need = by_function ? 0 : d + 1;
        if (need > depth)
            depth = need;
    }
    char name[512];
    if (own)
        rp_frame_name(own, name, sizeof name);
    else
        snprintf(name, sizeof name, "?");
    put_safe(out, name);
    if (depth >= 1 && own && own->line > 0)
        fprintf(out, ":%d", own->line);
    for (size_t l = 1; l < depth; l++) {
        const struct rp_frame *c = member_frame(m, l);
        if (!c)
            break;
        rp_frame_name(c, name, sizeof name);
        fputs(" < ", out);
        put_safe(out, name);
        if (c->line > 0)
            fprintf(out, ":%d", c->line);
    }
    if (twin)
        fprintf(out, " #%zu", i + 1);
}

static void emit_cycle(FILE *out, const struct rp_finding *f, int full)
{
    fputs("  ", out);
    for (size_t i = 0; i < f->nmembers; i++) {
        member_name(out, f, i);
        if (f->members[i].has_next)
            fprintf(out, " --(+%llu)--> ", (unsigned long long)f->members[i].next_offset);
        else
            fputs(" --(...)--> ", out);
    }
    member_name(out, f, 0);
    fputc('\n', out);
    for (size_t i = 0; i < f->nmembers; i++) {
        fprintf(out, "  member %zu: %llu bytes, allocated at:\n", i + 1,
                (unsigned long long)f->members[i].size);
        emit_stack(out, f->members[i].stack, "    ", full);
    }
}

static void emit_finding(FILE *out, const struct rp_finding *f, int many_runs,
                         const struct rp_emit_opts *o)
{
    const char *on = o->color ? (f->fails ? C_RED : C_GREEN) : "";
    const char *off = o->color ? C_OFF : "";
    unsigned long long bytes = f->bytes, blocks = f->blocks;

    switch (f->kind) {
    case RP_LEAK:
        fprintf(out, "%sLeak of %llu %s in %llu %s%s", on, bytes,
                plural(bytes, "byte", "bytes"), blocks, plural(blocks, "block", "blocks"), off);
        if (f->indirect_blocks)
            fprintf(out, " (%llu direct, %llu indirect)",
                    (unsigned long long)f->direct_blocks, (unsigned long long)f->indirect_blocks);
        emit_place(out, f->stack);
        break;
    case RP_CYCLE: {
        /* The ring's own bytes, apart from what its members own. */
        unsigned long long ring = 0;
        for (size_t i = 0; i < f->nmembers; i++)
            ring += f->members[i].size;
        ring *= f->instances ? f->instances : 1;
        fprintf(out, "%sCycle of %zu %s, %llu bytes%s", on, f->nmembers,
                plural(f->nmembers, "block", "blocks"), ring, off);
        if (f->instances > 1)
            fprintf(out, ", leaked %llu times", (unsigned long long)f->instances);
        if (f->indirect_blocks)
            fprintf(out, "; it owns %llu more %s, %llu bytes (%llu blocks, %llu bytes in all)",
                    (unsigned long long)f->indirect_blocks,
                    plural(f->indirect_blocks, "block", "blocks"),
                    bytes > ring ? bytes - ring : 0, blocks, bytes);
        break;
    }
    case RP_REPEATED_MARK:
    case RP_INTENTIONAL:
        fprintf(out, "%s%s: %llu %s in %llu %s%s, %llu %s", on,
                f->kind == RP_REPEATED_MARK ? "Repeated mark" : "Intentional",
                bytes, plural(bytes, "byte", "bytes"), blocks,
                plural(blocks, "block", "blocks"), off, (unsigned long long)f->marks,
                plural(f->marks, "block marked", "blocks marked"));
        if (f->why) {
            fputs(" \"", out);
            put_safe(out, f->why);
            fputc('"', out);
        }
        break;
    case RP_REACHABLE:
        fprintf(out, "%sReachable: %llu %s in %llu %s%s", on, bytes,
                plural(bytes, "byte", "bytes"), blocks, plural(blocks, "block", "blocks"), off);
        emit_place(out, f->stack);
        break;
    default:
        break;
    }
    if (f->nruns > 1)
        fprintf(out, " (in %zu runs)", f->nruns);
    else if (many_runs)
        fprintf(out, " (run %lld)", (long long)f->run->id);
    if (f->baselined)
        fputs(" [in the baseline]", out);
    fputc('\n', out);
    if (f->kind == RP_LEAK && f->repeated)
        fprintf(out, "  leaked %llu of %llu allocations from this site%s\n",
                (unsigned long long)f->direct_blocks,
                (unsigned long long)f->site_allocations,
                f->per_call ? ": it leaks on every call" : "");
    if (f->kind == RP_REPEATED_MARK)
        fprintf(out, "  this mark site marked %llu blocks still allocated: an intentional "
                     "leak that fires per call\n", (unsigned long long)f->marks);
    if (f->kind == RP_CYCLE) {
        emit_cycle(out, f, o->full_stacks);
    } else if (f->kind == RP_INTENTIONAL || f->kind == RP_REPEATED_MARK) {
        fputs("  allocated at:\n", out);
        emit_stack(out, f->stack, "    ", o->full_stacks);
        fputs("  marked at:\n", out);
        /* The header's inline leak_mark (or a helper's) is not the site:
         * the mark starts at its caller, unless --full-stacks. */
        size_t helper = o->full_stacks ? 0 : rp_helper_frames(f->mark_stack);
        if (helper) {
            struct rp_stack from_caller = *f->mark_stack;
            from_caller.frames += helper;
            from_caller.nframes -= helper;
            emit_stack(out, &from_caller, "    ", 0);
        } else {
            emit_stack(out, f->mark_stack, "    ", o->full_stacks);
        }
    } else {
        emit_stack(out, f->stack, "    ", o->full_stacks);
    }
    fputc('\n', out);
}

static void emit_totals(FILE *out, const char *name, const struct rp_totals *t,
                        const char *note)
{
    fprintf(out, "  %-14s %llu %s, %llu %s, %llu %s%s\n", name,
            (unsigned long long)t->findings, plural(t->findings, "finding", "findings"),
            (unsigned long long)t->blocks, plural(t->blocks, "block", "blocks"),
            (unsigned long long)t->bytes, plural(t->bytes, "byte", "bytes"), note);
}

void rp_emit_text(FILE *out, const struct rp_db *db, const struct rp_findings *f,
                  const struct rp_summary *sum, const struct rp_emit_opts *o)
{
    size_t hidden = 0;

    fputs("leakaudit-report: ", out);
    for (size_t i = 0; i < db->npaths; i++) {
        fputs(i ? ", " : "", out);
        put_safe(out, db->paths[i]);
    }
    fprintf(out, ": %zu %s", db->nruns, plural(db->nruns, "run", "runs"));
    if (db->hidden_snapshots)
        fprintf(out, " (and %zu snapshot %s, which --growth compares)", db->hidden_snapshots,
                plural(db->hidden_snapshots, "run", "runs"));
    fputc('\n', out);
    emit_totals_of_runs(out, db);
    emit_not_audited(out, db);
    /* The runs to look at: those with a failing finding, or that could
     * not be audited or recorded whole; every one with --verbose. */
    unsigned char *listed = rp_xcalloc(db->nruns + 1, 1);
    size_t nlisted = 0;
    for (size_t i = 0; i < f->n; i++) {
        const struct rp_finding *x = &f->v[i];
        if (!x->fails)
            continue;
        if (x->nruns == 0 && x->run)
            listed[x->run - db->runs] = 1;
        for (size_t k = 0; k < x->nruns; k++)
            listed[x->runs[k] - db->runs] = 1;
    }
    for (size_t i = 0; i < db->nruns; i++) {
        if (o->verbose || listed[i] || db->runs[i].unaudited || !db->runs[i].complete) {
            emit_run(out, db, &db->runs[i]);
            nlisted++;
        }
    }
    if (nlisted < db->nruns)
        fprintf(out, "(%zu of %zu runs listed: those with failing findings; --verbose "
                "lists all)\n", nlisted, db->nruns);
    free(listed);
    fputs(o->color ? "\n" C_BOLD "SUMMARY" C_OFF "\n" : "\nSUMMARY\n", out);
    for (int k = 0; k < RP_KINDS; k++)
        emit_totals(out, rp_kind_name(k), &sum->kind[k], "");
    emit_totals(out, "suppressed", &sum->suppressed, "");
    if (sum->unaudited)
        fprintf(out, "  %-14s %llu %s (their malloc is not libc's: nothing of them was seen)\n",
                "not audited", (unsigned long long)sum->unaudited,
                plural(sum->unaudited, "run", "runs"));
    fputc('\n', out);
    for (size_t i = 0; i < f->n; i++) {
        const struct rp_finding *x = &f->v[i];
        if (x->suppressed || (x->kind == RP_REACHABLE && !o->verbose && !x->fails)) {
            hidden += !x->suppressed;
            continue;
        }
        emit_finding(out, x, db->nruns > 1, o);
    }
    if (hidden)
        fprintf(out, "(%zu reachable %s not shown: --verbose shows them)\n\n", hidden,
                plural(hidden, "site", "sites"));
    if (sum->failing)
        fprintf(out, "What next: free what a failing finding allocates; if the program keeps "
                "it on purpose,\nmark it with leak_mark(ptr, why) (leakaudit.h); to accept "
                "the findings as they are,\nleakaudit-report --format suppressions %s > "
                "leaks.supp, then --suppressions leaks.supp;\nto fail only on sites a "
                "baseline does not have, --baseline OLD.db.\n\n", db->path);
    if (sum->fail && sum->failing == 0)
        fprintf(out, "%sFAIL%s: %llu %s not audited\n", o->color ? C_RED : "",
                o->color ? C_OFF : "", (unsigned long long)sum->unaudited,
                plural(sum->unaudited, "run", "runs"));
    else if (sum->fail && sum->unaudited)
        fprintf(out, "%sFAIL%s: %llu failing %s, %llu %s not audited\n", o->color ? C_RED : "",
                o->color ? C_OFF : "", (unsigned long long)sum->failing,
                plural(sum->failing, "finding", "findings"), (unsigned long long)sum->unaudited,
                plural(sum->unaudited, "run", "runs"));
    else if (sum->fail)
        fprintf(out, "%sFAIL%s: %llu failing %s\n", o->color ? C_RED : "",
                o->color ? C_OFF : "", (unsigned long long)sum->failing,
                plural(sum->failing, "finding", "findings"));
    else
        fprintf(out, "%sOK%s: no failing finding\n", o->color ? C_GREEN : "",
                o->color ? C_OFF : "");
}

void rp_emit_growth_text(FILE *out, const struct rp_db *db, const struct rp_growth *g,
                         const struct rp_emit_opts *o)
{
    const struct rp_run *shown = NULL;

    fputs("leakaudit-report: ", out);
    put_safe(out, db->path);
    fprintf(out, ": growth between the first and last snapshots of %zu %s\n",
            g->processes, plural(g->processes, "process", "processes"));
    for (size_t i = 0; i < g->n; i++) {
        const struct rp_growth_site *x = &g->v[i];
        const struct rp_frame *src = rp_source_frame(x->stack);
        if (x->after != shown) {
            fprintf(out, "\npid %lld", (long long)x->after->pid);
            for (size_t k = 0; k < x->after->argc; k++) {
                fputc(' ', out);
                put_safe(out, x->after->argv[k]);
            }
            fprintf(out, ": snapshot run %lld to run %lld, %.1f s later\n",
                    (long long)x->before->id, (long long)x->after->id,
                    x->after->end_time - x->before->end_time);
            shown = x->after;
        }
        fprintf(out, "\n%s+%llu %s%s, +%llu bytes (%llu -> %llu blocks) in ",
                o->color ? C_RED : "",
                (unsigned long long)(x->blocks_after - x->blocks_before),
                plural(x->blocks_after - x->blocks_before, "block", "blocks"),
                o->color ? C_OFF : "",
                (unsigned long long)(x->bytes_after - x->bytes_before),
                (unsigned long long)x->blocks_before, (unsigned long long)x->blocks_after);
        put_safe(out, src && src->function ? src->function : "an unknown function");
        fputs(", allocated at:\n", out);
        emit_stack(out, x->stack, "    ", o->full_stacks);
    }
    if (g->n)
        fprintf(out, "\n%sGREW%s: %zu %s\n", o->color ? C_RED : "", o->color ? C_OFF : "",
                g->n, plural(g->n, "site", "sites"));
    else
        fprintf(out, "\n%sOK%s: no site grew\n", o->color ? C_GREEN : "", o->color ? C_OFF : "");
}
