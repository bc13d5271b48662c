/*
 * emit_json.c: the JSON report, format version 1 (docs/json.md; the JSON
 * Schema is docs/leakaudit-report.schema.json).  Fields beyond the
 * contract's (end_reason, complete, scanned, instances, suppressed,
 * baselined, key) are additions; none is ever removed.
 */
#include "emit.h"
#include "json.h"

static void json_u64(FILE *out, const char *key, uint64_t v)
{
    json_key(out, key, 0);
    fprintf(out, "%llu", (unsigned long long)v);
}

static void json_bool(FILE *out, const char *key, int v)
{
    json_key(out, key, 0);
    fputs(v ? "true" : "false", out);
}

/* An array of the N strings V. */
static void json_strs(FILE *out, char *const *v, size_t n)
{
    fputc('[', out);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', out);
        json_str(out, v[i]);
    }
    fputc(']', out);
}

static void json_stack(FILE *out, const struct rp_stack *st)
{
    fputc('[', out);
    for (size_t i = 0; st && i < st->nframes; i++) {
        const struct rp_frame *f = &st->frames[i];
        if (i)
            fputc(',', out);
        fputc('{', out);
        json_key(out, "function", 1);
        json_str(out, f->function);
        json_key(out, "file", 0);
        json_str(out, f->file);
        json_key(out, "line", 0);
        if (f->line > 0)
            fprintf(out, "%d", f->line);
        else
            fputs("null", out);
        json_key(out, "module", 0);
        json_str(out, f->module ? f->module : "");
        json_key(out, "address", 0);
        fprintf(out, "\"0x%llx\"", (unsigned long long)f->pc);
        json_key(out, "offset", 0);
        if (f->module)
            fprintf(out, "\"0x%llx\"}", (unsigned long long)f->offset);
        else
            fputs("null}", out);
    }
    fputc(']', out);
}

static void json_run(FILE *out, const struct rp_db *db, const struct rp_run *r)
{
    fputc('{', out);
    json_key(out, "run", 1);
    fprintf(out, "%lld", (long long)r->id);
    if (db->npaths > 1) {
        json_key(out, "database", 0);
        fprintf(out, "%zu", r->database);
    }
    json_key(out, "pid", 0);
    fprintf(out, "%lld", (long long)r->pid);
    json_key(out, "ppid", 0);
    fprintf(out, "%lld", (long long)r->ppid);
    json_key(out, "exe", 0);
    json_str(out, r->exe);
    json_key(out, "argv", 0);
    json_strs(out, r->argv, r->argc);
    json_key(out, "exit_code", 0);
    if (r->has_exit_code)
        fprintf(out, "%d", r->exit_code);
    else
        fputs("null", out);
    json_key(out, "signal", 0);
    if (r->has_signal)
        fprintf(out, "%d", r->signal);
    else
        fputs("null", out);
    json_key(out, "end_reason", 0);
    json_str(out, r->end_reason);
    json_bool(out, "complete", r->complete);
    json_bool(out, "scanned", r->scanned);
    json_key(out, "unaudited", 0);
    if (r->unaudited)
        json_str(out, r->unaudited);
    else
        fputs("null", out);
    fputc('}', out);
}

static void json_totals(FILE *out, const char *name, const struct rp_totals *t, int first)
{
    json_key(out, name, first);
    fputc('{', out);
    json_key(out, "findings", 1);
    fprintf(out, "%llu", (unsigned long long)t->findings);
    json_u64(out, "blocks", t->blocks);
    json_u64(out, "bytes", t->bytes);
    fputc('}', out);
}

static void json_finding(FILE *out, const struct rp_finding *f)
{
    fputc('{', out);
    json_key(out, "kind", 1);
    json_str(out, rp_kind_name(f->kind));
    json_key(out, "run", 0);
    fprintf(out, "%lld", (long long)f->run->id);
    if (f->nruns) {
        json_key(out, "runs", 0);
        fputc('[', out);
        for (size_t i = 0; i < f->nruns; i++)
            fprintf(out, "%s{\"database\":%zu,\"run\":%lld}", i ? "," : "",
                    f->runs[i]->database, (long long)f->runs[i]->id);
        fputc(']', out);
    }
    json_u64(out, "blocks", f->blocks);
    json_u64(out, "bytes", f->bytes);
    json_u64(out, "direct_blocks", f->direct_blocks);
    json_u64(out, "indirect_blocks", f->indirect_blocks);
    json_u64(out, "site_allocations", f->site_allocations);
    json_bool(out, "repeated", f->repeated);
    json_bool(out, "per_call", f->per_call);
    json_key(out, "stack", 0);
    json_stack(out, f->stack);
    if (f->kind == RP_INTENTIONAL || f->kind == RP_REPEATED_MARK) {
        json_key(out, "mark", 0);
        fputc('{', out);
        json_key(out, "why", 1);
        json_str(out, f->why);
        json_u64(out, "marks", f->marks);
        json_key(out, "stack", 0);
        json_stack(out, f->mark_stack);
        fputc('}', out);
    }
    if (f->kind == RP_CYCLE) {
        json_key(out, "cycle", 0);
        fputc('[', out);
        for (size_t i = 0; i < f->nmembers; i++) {
            const struct rp_member *m = &f->members[i];
            if (i)
                fputc(',', out);
            fputc('{', out);
            json_key(out, "size", 1);
            fprintf(out, "%llu", (unsigned long long)m->size);
            json_key(out, "stack", 0);
            json_stack(out, m->stack);
            json_key(out, "next_offset", 0);
            if (m->has_next)
                fprintf(out, "%llu", (unsigned long long)m->next_offset);
            else
                fputs("null", out);
            fputc('}', out);
        }
        fputc(']', out);
        json_u64(out, "instances", f->instances);
    }
    json_bool(out, "suppressed", f->suppressed);
    json_bool(out, "baselined", f->baselined);
    json_key(out, "key", 0);
    json_str(out, f->key);
    json_bool(out, "fails", f->fails);
    fputc('}', out);
}

/* A document's first members: its FORMAT, version 1, the database. */
static void json_head(FILE *out, const char *format, const struct rp_db *db)
{
    fputc('{', out);
    json_key(out, "format", 1);
    json_str(out, format);
    json_key(out, "version", 0);
    fputs("1", out);
    json_key(out, "database", 0);
    json_str(out, db->path);
}

void rp_emit_json(FILE *out, const struct rp_db *db, const struct rp_findings *f,
                  const struct rp_summary *sum)
{
    json_head(out, "leakaudit-report", db);
    if (db->npaths > 1) {
        json_key(out, "databases", 0);
        json_strs(out, db->paths, db->npaths);
    }
    json_key(out, "runs", 0);
    fputc('[', out);
    for (size_t i = 0; i < db->nruns; i++) {
        if (i)
            fputc(',', out);
        json_run(out, db, &db->runs[i]);
    }
    fputc(']', out);
    json_key(out, "not_audited", 0);
    fputc('[', out);
    for (size_t i = 0; i < db->nnot_audited; i++) {
        fprintf(out, "%s{\"exe\":", i ? "," : "");
        json_str(out, db->not_audited[i].exe);
        fprintf(out, ",\"processes\":%llu}", (unsigned long long)db->not_audited[i].processes);
    }
    fputc(']', out);
    json_key(out, "summary", 0);
    fputc('{', out);
    for (int k = 0; k < RP_KINDS; k++)
        json_totals(out, rp_kind_name(k), &sum->kind[k], k == 0);
    json_totals(out, "suppressed", &sum->suppressed, 0);
    fputc('}', out);
    json_key(out, "findings", 0);
    fputc('[', out);
    for (size_t i = 0; i < f->n; i++) {
        if (i)
            fputc(',', out);
        fputs("\n", out);
        json_finding(out, &f->v[i]);
    }
    fputs("\n]", out);
    json_key(out, "unaudited_runs", 0);
    fprintf(out, "%llu", (unsigned long long)sum->unaudited);
    json_bool(out, "fail", sum->fail);
    fputs("}\n", out);
}

void rp_emit_growth_json(FILE *out, const struct rp_db *db, const struct rp_growth *g)
{
    json_head(out, "leakaudit-growth", db);
    json_u64(out, "processes", g->processes);
    json_key(out, "sites", 0);
    fputc('[', out);
    for (size_t i = 0; i < g->n; i++) {
        const struct rp_growth_site *x = &g->v[i];
        fputs(i ? ",\n{" : "\n{", out);
        json_key(out, "pid", 1);
        fprintf(out, "%lld", (long long)x->after->pid);
        json_key(out, "before_run", 0);
        fprintf(out, "%lld", (long long)x->before->id);
        json_key(out, "after_run", 0);
        fprintf(out, "%lld", (long long)x->after->id);
        json_key(out, "seconds", 0);
        fprintf(out, "%.3f", x->after->end_time - x->before->end_time);
        json_u64(out, "blocks_before", x->blocks_before);
        json_u64(out, "blocks_after", x->blocks_after);
        json_u64(out, "bytes_before", x->bytes_before);
        json_u64(out, "bytes_after", x->bytes_after);
        json_key(out, "stack", 0);
        json_stack(out, x->stack);
        fputc('}', out);
    }
    fputs("\n]", out);
    json_bool(out, "grew", g->n > 0);
    fputs("}\n", out);
}
