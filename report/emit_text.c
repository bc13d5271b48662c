/*
 * emit_text.c: the text report.  Every string that came from the database
 * (paths, names, reasons, arguments) is printed with control characters
 * escaped, so a hostile symbol cannot drive the terminal.
 */
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

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? s + 1 : path;
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void emit_stack(FILE *out, const struct rp_stack *st)
{
    if (!st || st->nframes == 0) {
        fputs("    (no stack recorded)\n", out);
        return;
    }
    for (size_t i = 0; i < st->nframes; i++) {
        const struct rp_frame *f = &st->frames[i];
        fprintf(out, "    #%zu 0x%llx in ", i, (unsigned long long)f->pc);
        put_safe(out, f->function ? f->function : "??");
        if (f->file) {
            fputc(' ', out);
            put_safe(out, f->file);
            if (f->line > 0)
                fprintf(out, ":%d", f->line);
        }
        if (f->module) {
            fputs(" (", out);
            put_safe(out, base_name(f->module));
            fputc(')', out);
        }
        fputc('\n', out);
    }
}

static void emit_run(FILE *out, const struct rp_run *r)
{
    fprintf(out, "run %lld: pid %lld", (long long)r->id, (long long)r->pid);
    for (size_t i = 0; i < r->argc; i++) {
        fputc(' ', out);
        put_safe(out, r->argv[i]);
    }
    if (r->argc == 0 && r->exe) {
        fputc(' ', out);
        put_safe(out, r->exe);
    }
    if (r->has_signal)
        fprintf(out, " (killed by signal %d)", r->signal);
    else if (r->has_exit_code)
        fprintf(out, " (%s %d)", strcmp(r->end_reason, "_exit") == 0
                                     ? "_exit" : "exit", r->exit_code);
    if (!r->complete)
        fputs(" [incomplete: the shim ran out of memory]", out);
    fputc('\n', out);
}

static void emit_finding(FILE *out, const struct rp_finding *f, int many_runs,
                         const struct rp_emit_opts *o)
{
    const char *on = o->color ? (f->fails ? C_RED : C_GREEN) : "";
    const char *off = o->color ? C_OFF : "";

    if (f->kind == RP_LEAK) {
        fprintf(out, "%sLeak of %llu %s in %llu %s%s", on,
                (unsigned long long)f->bytes, plural(f->bytes, "byte", "bytes"),
                (unsigned long long)f->blocks, plural(f->blocks, "block", "blocks"),
                off);
    } else {
        fprintf(out, "%sIntentional: %llu %s in %llu %s%s, marked%s", on,
                (unsigned long long)f->bytes, plural(f->bytes, "byte", "bytes"),
                (unsigned long long)f->blocks, plural(f->blocks, "block", "blocks"),
                off, f->why ? " \"" : "");
        if (f->why) {
            put_safe(out, f->why);
            fputc('"', out);
        }
    }
    if (many_runs)
        fprintf(out, " (run %lld)", (long long)f->run->id);
    fputc('\n', out);
    if (f->repeated)
        fprintf(out, "  leaked %llu of %llu allocations from this site%s\n",
                (unsigned long long)f->blocks,
                (unsigned long long)f->site_allocations,
                f->per_call ? ": it leaks on every call" : "");
    if (f->kind == RP_INTENTIONAL) {
        fputs("  allocated at:\n", out);
        emit_stack(out, f->stack);
        fputs("  marked at:\n", out);
        emit_stack(out, f->mark_stack);
    } else {
        emit_stack(out, f->stack);
    }
    fputc('\n', out);
}

void rp_emit_text(FILE *out, const struct rp_db *db,
                  const struct rp_findings *f, const struct rp_emit_opts *o)
{
    uint64_t failing = 0;

    fputs("leakaudit-report: ", out);
    put_safe(out, db->path);
    fprintf(out, ": %zu %s\n", db->nruns, plural(db->nruns, "run", "runs"));
    for (size_t i = 0; i < db->nruns; i++)
        emit_run(out, &db->runs[i]);
    fputc('\n', out);
    for (size_t i = 0; i < f->n; i++) {
        emit_finding(out, &f->v[i], db->nruns > 1, o);
        failing += f->v[i].fails;
    }
    fputs(o->color ? C_BOLD "SUMMARY" C_OFF "\n" : "SUMMARY\n", out);
    for (int k = 0; k < RP_KINDS; k++)
        fprintf(out, "  %-12s %llu %s, %llu %s, %llu %s\n", rp_kind_name(k),
                (unsigned long long)f->total[k].findings,
                plural(f->total[k].findings, "finding", "findings"),
                (unsigned long long)f->total[k].blocks,
                plural(f->total[k].blocks, "block", "blocks"),
                (unsigned long long)f->total[k].bytes,
                plural(f->total[k].bytes, "byte", "bytes"));
    if (f->fail)
        fprintf(out, "%sFAIL%s: %llu failing %s\n", o->color ? C_RED : "",
                o->color ? C_OFF : "", (unsigned long long)failing,
                plural(failing, "finding", "findings"));
    else
        fprintf(out, "%sOK%s: no failing finding\n", o->color ? C_GREEN : "",
                o->color ? C_OFF : "");
}
