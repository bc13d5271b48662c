/*
 * emit_common.c: what the outputs share (emit.h): a finding's one-line
 * title, the frame that locates it in the program's own source, and the
 * frames printed a line each, every string through the caller's escaping.
 */
#include <string.h>

#include "emit.h"

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s ? s + 1 : path;
}

/* Whether frame F runs code of a system library (libc, libstdc++, the
 * loader: whatever is installed under /usr or /lib). */
static int system_frame(const struct rp_frame *f)
{
    static const char *const system[] = { "/usr/", "/lib/", "/lib64/" };

    for (size_t i = 0; f->module && i < sizeof system / sizeof *system; i++)
        if (strncmp(f->module, system[i], strlen(system[i])) == 0)
            return 1;
    return 0;
}

/* Whether frame F is leakaudit's own marking helper, inlined: the header's
 * leak_mark, the C++ and Rust helpers. */
static int helper_frame(const struct rp_frame *f)
{
    static const char *const helpers[] = { "leakaudit.h", "leakaudit.hpp", "leakaudit.rs" };
    const char *base = f->file ? strrchr(f->file, '/') : NULL;

    for (size_t i = 0; f->file && i < sizeof helpers / sizeof *helpers; i++)
        if (strcmp(base ? base + 1 : f->file, helpers[i]) == 0)
            return 1;
    return 0;
}

/* Whether frame F (which has a file) belongs to a runtime rather than the
 * program: code of a system library, or a system header, Rust's std or
 * leak_mark's inline wrapper inlined into the program. */
static int runtime_frame(const struct rp_frame *f)
{
    static const char *const inlined[] = { "/usr/", "/rustc/", "library/" };

    if (system_frame(f))
        return 1;
    for (size_t i = 0; i < sizeof inlined / sizeof *inlined; i++)
        if (strncmp(f->file, inlined[i], strlen(inlined[i])) == 0)
            return 1;
    return helper_frame(f);
}

size_t rp_helper_frames(const struct rp_stack *st)
{
    size_t n = 0;

    while (st && n < st->nframes && helper_frame(&st->frames[n]))
        n++;
    return st && n == st->nframes ? 0 : n;
}

/* Whether frame F runs the program's own code: not a system library's,
 * and not a runtime's inlined into it. */
static int own_frame(const struct rp_frame *f)
{
    return !system_frame(f) && (!f->file || !runtime_frame(f));
}

const struct rp_stack *rp_finding_stack(const struct rp_finding *f)
{
    return f->kind == RP_REPEATED_MARK ? f->mark_stack : f->stack;
}

size_t rp_runtime_frames(const struct rp_stack *st)
{
    for (size_t i = 0; st && i < st->nframes; i++)
        if (own_frame(&st->frames[i]))
            return i;
    return 0;
}

void rp_frame_name(const struct rp_frame *f, char *text, size_t cap)
{
    if (f->function)
        snprintf(text, cap, "%s", f->function);
    else if (f->module)
        snprintf(text, cap, "%s+0x%llx", base_name(f->module), (unsigned long long)f->offset);
    else
        snprintf(text, cap, "??");
}

void rp_frame_place(const struct rp_frame *f, char *text, size_t cap)
{
    if (f->function && f->file && f->line > 0)
        snprintf(text, cap, "%s %s:%d", f->function, f->file, f->line);
    else if (f->function && f->file)
        snprintf(text, cap, "%s %s", f->function, f->file);
    else if (f->function || f->module)
        rp_frame_name(f, text, cap);
    else
        snprintf(text, cap, "0x%llx", (unsigned long long)f->pc);
}

const struct rp_frame *rp_own_frame(const struct rp_stack *st)
{
    const struct rp_frame *src = rp_source_frame(st);

    if (src && own_frame(src))
        return src;
    size_t k = rp_runtime_frames(st);
    return st && k < st->nframes && own_frame(&st->frames[k]) ? &st->frames[k] : NULL;
}

const struct rp_frame *rp_source_frame(const struct rp_stack *st)
{
    const struct rp_frame *any = NULL;

    for (size_t i = 0; st && i < st->nframes; i++) {
        const struct rp_frame *f = &st->frames[i];
        if (f->file && !any && !system_frame(f))
            any = f; /* never libc's, libstdc++'s or the loader's */
        if (f->file && f->function && !runtime_frame(f))
            return f;
    }
    return any;
}

void rp_finding_title(const struct rp_finding *f, char *text, size_t cap)
{
    const struct rp_frame *top = f->stack && f->stack->nframes ? &f->stack->frames[0] : NULL;
    const char *fn = top && top->function ? top->function : "an unknown function";

    switch (f->kind) {
    case RP_LEAK:
        snprintf(text, cap, "%llu bytes in %llu blocks leaked, allocated in %s%s",
                 (unsigned long long)f->bytes, (unsigned long long)f->blocks, fn,
                 f->per_call ? " (leaks on every call)" : "");
        break;
    case RP_CYCLE:
        snprintf(text, cap, "a cycle of %zu blocks (%llu bytes) leaked, first allocated in %s",
                 f->nmembers, (unsigned long long)f->bytes, fn);
        break;
    case RP_REPEATED_MARK:
        snprintf(text, cap, "leak_mark called for %llu blocks still allocated, from one site",
                 (unsigned long long)f->marks);
        break;
    default:
        snprintf(text, cap, "%llu bytes in %llu blocks still allocated at exit",
                 (unsigned long long)f->bytes, (unsigned long long)f->blocks);
        break;
    }
}

void rp_emit_frames(FILE *out, const struct rp_stack *st, size_t first, const char *indent,
                    void (*put)(FILE *, const char *))
{
    if (!st || st->nframes == 0) {
        fprintf(out, "%s(no stack recorded)\n", indent);
        return;
    }
    for (size_t i = first; i < st->nframes; i++) {
        const struct rp_frame *f = &st->frames[i];
        fprintf(out, "%s#%zu 0x%llx in ", indent, i, (unsigned long long)f->pc);
        if (f->function) {
            put(out, f->function);
        } else {
            /* Placeable all the same: symbolize it later with the offset. */
            char name[4200];
            rp_frame_name(f, name, sizeof name);
            put(out, name);
        }
        if (f->file) {
            fputc(' ', out);
            put(out, f->file);
            if (f->line > 0)
                fprintf(out, ":%d", f->line);
        }
        if (f->module) {
            fputs(" (", out);
            put(out, base_name(f->module));
            fputc(')', out);
        }
        fputc('\n', out);
    }
}
