/*
 * emit_ci.c: outputs for other tools of a CI job: folded stacks (flame
 * graphs) and JUnit XML (test reporters).  Strings from the database are
 * made safe for each format: no ';' or line break inside a folded frame;
 * XML escapes, and characters XML 1.0 cannot carry replaced by '?'.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "emit.h"
#include "model.h"

/* ---- folded ----------------------------------------------------------------- */

struct line {
    char *stack;
    uint64_t bytes;
};

struct lines {
    struct line *v;
    size_t n, cap;
};

/* Appends frame F's name to BUF (at *LEN, CAP bytes, growing). */
static void put_frame(char **buf, size_t *len, size_t *cap, const struct rp_frame *f)
{
    char pc[32];
    const char *name = f->function;

    if (!name) {
        const char *mod = f->module ? strrchr(f->module, '/') : NULL;
        if (mod)
            name = mod + 1;
        else {
            snprintf(pc, sizeof pc, "0x%llx", (unsigned long long)f->pc);
            name = pc;
        }
    }
    size_t n = strlen(name);
    if (*len + n + 2 > *cap) {
        *cap = (*len + n + 2) * 2;
        *buf = rp_xrealloc(*buf, *cap, 1);
    }
    if (*len)
        (*buf)[(*len)++] = ';';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        (*buf)[(*len)++] = c == ';' ? ':' : c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    (*buf)[*len] = '\0';
}

static void add_line(struct lines *l, const struct rp_stack *st, uint64_t bytes)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;

    if (!st || st->nframes == 0) {
        struct rp_frame none = { .function = (char *)"(no stack recorded)" };
        put_frame(&buf, &len, &cap, &none);
    }
    for (size_t i = st ? st->nframes : 0; i-- > 0;)
        put_frame(&buf, &len, &cap, &st->frames[i]);
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = rp_xrealloc(l->v, l->cap, sizeof *l->v);
    }
    l->v[l->n++] = (struct line){ buf, bytes };
}

static int by_stack(const void *a, const void *b)
{
    return strcmp(((const struct line *)a)->stack, ((const struct line *)b)->stack);
}

void rp_emit_folded(FILE *out, const struct rp_findings *f)
{
    struct lines l = { 0 };

    for (size_t i = 0; i < f->n; i++) {
        const struct rp_finding *x = &f->v[i];
        if (x->suppressed)
            continue;
        if (x->kind == RP_LEAK)
            add_line(&l, x->stack, x->bytes);
        else if (x->kind == RP_CYCLE)
            for (size_t k = 0; k < x->nmembers; k++)
                add_line(&l, x->members[k].stack, x->members[k].size * x->instances);
    }
    if (l.n > 1) /* (no array at all when empty) */
        qsort(l.v, l.n, sizeof *l.v, by_stack);
    for (size_t i = 0; i < l.n;) {
        uint64_t bytes = 0;
        size_t k = i;
        for (; k < l.n && strcmp(l.v[k].stack, l.v[i].stack) == 0; k++)
            bytes += l.v[k].bytes;
        fprintf(out, "%s %llu\n", l.v[i].stack, (unsigned long long)bytes);
        i = k;
    }
    for (size_t i = 0; i < l.n; i++)
        free(l.v[i].stack);
    free(l.v);
}

/* ---- JUnit ---------------------------------------------------------------------- */

/* S as XML character data or attribute value. */
static void xml_str(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default:
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
                fputc('?', out);
            else
                fputc(c, out);
        }
    }
}

static void xml_stack(FILE *out, const char *title, const struct rp_stack *st)
{
    xml_str(out, title);
    fputc('\n', out);
    rp_emit_frames(out, st, 0, "    ", xml_str);
}

void rp_emit_junit(FILE *out, const struct rp_db *db, const struct rp_places *pl,
                   double seconds)
{
    uint64_t tests = pl->failing ? pl->failing : 1;
    double each = seconds / (double)tests;

    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out, "<testsuites name=\"leakaudit\" tests=\"%llu\" failures=\"%llu\" "
            "time=\"%.3f\">\n", (unsigned long long)tests, (unsigned long long)pl->failing,
            seconds);
    fputs("  <testsuite name=\"leakaudit\"", out);
    fprintf(out, " tests=\"%llu\" failures=\"%llu\" errors=\"0\" skipped=\"0\" "
            "time=\"%.3f\">\n", (unsigned long long)tests, (unsigned long long)pl->failing,
            seconds);
    fputs("    <properties><property name=\"database\" value=\"", out);
    xml_str(out, db->path);
    fputs("\"/></properties>\n", out);
    for (size_t i = 0; i < pl->n; i++) {
        const struct rp_place *p = &pl->v[i];
        if (!p->fails)
            continue;
        fprintf(out, "    <testcase classname=\"leakaudit.%s\" name=\"", rp_kind_name(p->kind));
        xml_str(out, rp_kind_name(p->kind));
        fputs(" at ", out);
        xml_str(out, p->name);
        fputc('"', out);
        if (p->file) {
            fputs(" file=\"", out);
            xml_str(out, p->file);
            fputc('"', out);
            if (p->line > 0)
                fprintf(out, " line=\"%d\"", p->line);
        }
        fprintf(out, " time=\"%.3f\">\n      <failure type=\"%s\" message=\"", each,
                rp_kind_name(p->kind));
        fprintf(out, "%llu bytes in %llu blocks, %llu run%s", (unsigned long long)p->bytes,
                (unsigned long long)p->blocks, (unsigned long long)p->nruns,
                p->nruns == 1 ? "" : "s");
        fputs("\">", out);
        for (size_t k = 0; k < p->n; k++) {
            const struct rp_finding *x = p->v[k];
            char title[512];
            rp_finding_title(x, title, sizeof title);
            if (k)
                fputc('\n', out);
            xml_stack(out, title, rp_finding_stack(x));
        }
        fputs("      </failure>\n    </testcase>\n", out);
    }
    if (!pl->failing)
        fprintf(out, "    <testcase classname=\"leakaudit\" name=\"no unmarked leak, cycle or "
                "repeated mark\" time=\"%.3f\"/>\n", seconds);
    fputs("  </testsuite>\n</testsuites>\n", out);
}
