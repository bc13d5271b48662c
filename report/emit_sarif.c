/*
 * emit_sarif.c: SARIF 2.1.0 for code scanning (GitHub and others).  One
 * rule per kind that is a problem, with its full description and help;
 * one result per place (places.h): the kind and the source location of
 * the allocation in the program's own code, across stacks and runs, with
 * its blocks, bytes and runs, its stacks as code flows, and a fingerprint
 * of the place so that a result keeps its identity from one job to the
 * next.  Paths under the source root are relative to it (uriBaseId
 * SRCROOT); the level follows the policy: error for the kinds that fail,
 * warning for the others.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "emit.h"
#include "json.h"

/* The stacks a result carries as code flows, at most. */
#define SARIF_FLOWS 5

static const struct {
    enum rp_kind kind;
    const char *name, *brief, *full, *help;
} rules[] = {
    { RP_LEAK, "MemoryLeak",
      "Memory allocated here is never freed and no longer reachable.",
      "Heap blocks allocated at this location were still allocated when the process "
      "ended, and no pointer to them was left in the process's memory (its stacks, "
      "registers, globals, or blocks that are themselves reachable): they were lost.",
      "Free the blocks when they are no longer needed. If the program keeps them until "
      "exit on purpose, register them with leak_mark(ptr, why) (leakaudit.h), or "
      "suppress the site: leakaudit-report --format suppressions writes the entries." },
    { RP_CYCLE, "ReferenceCycle",
      "Blocks allocated here form a reference cycle that is no longer reachable.",
      "Lost blocks that point to each other in a ring: typically reference-counted "
      "objects (Rc, shared_ptr) that hold each other, so that no count drops to zero.",
      "Break the cycle: make one of the references weak (Weak, weak_ptr), or clear it "
      "before the last owner goes." },
    { RP_REPEATED_MARK, "RepeatedIntentionalLeak",
      "An intentional leak (leak_mark) that fires again and again.",
      "A site registers its leak as intentional with leak_mark, but did so more often "
      "than --max-marks-per-site allows: a leak meant to happen once (a global made at "
      "start-up) that grows with the work done.",
      "Make the marked allocation happen once (cache it), or free what is allocated on "
      "each call instead of marking it." },
};

/* The rule of kind K, or -1. */
static int rule_of(enum rp_kind k)
{
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++)
        if (rules[i].kind == k)
            return (int)i;
    return -1;
}

/* FNV-1a of S, for the fingerprint. */
static uint64_t fnv(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

/* PREFIX and PATH as a JSON string that is a URI: PATH's unreserved
 * characters and '/' as they are, every other byte percent-encoded (so
 * that nothing in it needs a JSON escape). */
static void uri(FILE *out, const char *prefix, const char *path)
{
    fprintf(out, "\"%s", prefix);
    for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            strchr("-._~/", *c))
            fputc(*c, out);
        else
            fprintf(out, "%%%02X", *c);
    }
    fputc('"', out);
}

/* A physicalLocation for FILE (relative to the root when IN_ROOT) at LINE. */
static void physical(FILE *out, const char *file, int in_root, int line)
{
    fputs("\"physicalLocation\":{\"artifactLocation\":{\"uri\":", out);
    uri(out, in_root ? "" : "file://", file);
    fputs(in_root ? ",\"uriBaseId\":\"SRCROOT\"}" : "}", out);
    if (line > 0)
        fprintf(out, ",\"region\":{\"startLine\":%d}", line);
    fputs("}", out);
}

static void location(FILE *out, const struct rp_place *p)
{
    fputs(",\"locations\":[", out);
    if (p->frame && p->file) {
        fputc('{', out);
        physical(out, p->file, p->in_root, p->line);
        if (p->frame->function) {
            fputs(",\"logicalLocations\":[{\"fullyQualifiedName\":", out);
            json_str(out, p->frame->function);
            fputs(",\"kind\":\"function\"}]", out);
        }
        fputc('}', out);
    } else if (p->frame && p->frame->module) {
        /* No source: the module, and the offset in its properties. */
        fputs("{\"physicalLocation\":{\"artifactLocation\":{\"uri\":", out);
        uri(out, "file://", p->frame->module);
        fprintf(out, "},\"address\":{\"relativeAddress\":%llu}}",
                (unsigned long long)p->frame->offset);
        fputs(",\"message\":{\"text\":", out);
        json_str(out, p->name);
        fputs("}}", out);
    }
    fputs("]", out);
}

/* Stack ST as one code flow: its frames that have a source file, the
 * outermost first, as the program ran, down to the program's own frame
 * (the runtime's above it, allocator and helpers, left out). */
static void code_flow(FILE *out, const struct rp_stack *st, const char *root, const char *title)
{
    size_t inner = rp_runtime_frames(st);
    int first = 1;

    fputs("{\"message\":{\"text\":", out);
    json_str(out, title);
    fputs("},\"threadFlows\":[{\"locations\":[", out);
    for (size_t i = st->nframes; i-- > inner;) {
        const struct rp_frame *f = &st->frames[i];
        char place[1200];
        int in_root;
        if (!f->file)
            continue;
        const char *file = rp_under_root(root, f->file, &in_root);
        rp_frame_place(f, place, sizeof place);
        fputs(first ? "{\"location\":{" : ",{\"location\":{", out);
        first = 0;
        physical(out, file, in_root, f->line);
        fputs(",\"message\":{\"text\":", out);
        json_str(out, place);
        fputs("}}}", out);
    }
    fputs("]}]}", out);
}

/* Whether stack ST has a frame with a source file that code_flow shows. */
static int has_source(const struct rp_stack *st)
{
    for (size_t i = st ? rp_runtime_frames(st) : 0; st && i < st->nframes; i++)
        if (st->frames[i].file)
            return 1;
    return 0;
}

static void result(FILE *out, const struct rp_place *p, const char *root)
{
    char title[1400];
    int rule = rule_of(p->kind);

    fputs("{\"ruleId\":", out);
    snprintf(title, sizeof title, "leakaudit/%s", rp_kind_name(p->kind));
    json_str(out, title);
    fprintf(out, ",\"ruleIndex\":%d,\"level\":\"%s\",\"message\":{\"text\":", rule,
            p->fails ? "error" : "warning");
    snprintf(title, sizeof title, "%s of %llu bytes in %llu block%s, at %s (%llu run%s)",
             p->kind == RP_LEAK ? "Leak" : p->kind == RP_CYCLE ? "Reference cycle"
                                                              : "Repeated intentional leak",
             (unsigned long long)p->bytes, (unsigned long long)p->blocks, p->blocks == 1 ? "" : "s", p->name,
             (unsigned long long)p->nruns, p->nruns == 1 ? "" : "s");
    json_str(out, title);
    fputs("}", out);
    location(out, p);
    /* Kind and place: no count, no address, so that it holds from one job
     * to the next while the code stays. */
    fprintf(out, ",\"partialFingerprints\":{\"leakauditPlace/v1\":\"%016llx\"}",
            (unsigned long long)fnv(p->key));
    int flows = 0;
    for (size_t i = 0; i < p->n && flows < SARIF_FLOWS; i++) {
        const struct rp_finding *x = p->v[i];
        const struct rp_stack *st = rp_finding_stack(x);
        if (!has_source(st))
            continue;
        char t[1600];
        rp_finding_title(x, t, sizeof t);
        fputs(flows ? "," : ",\"codeFlows\":[", out);
        code_flow(out, st, root, t);
        flows++;
    }
    if (flows)
        fputs("]", out);
    fprintf(out, ",\"properties\":{\"blocks\":%llu,\"bytes\":%llu,\"runs\":%llu,"
            "\"stacks\":%zu}}", (unsigned long long)p->blocks, (unsigned long long)p->bytes,
            (unsigned long long)p->nruns, p->n);
}

void rp_emit_sarif(FILE *out, const struct rp_db *db, const struct rp_places *pl,
                   unsigned fail_mask)
{
    (void)db;
    fputs("{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
          "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{"
          "\"name\":\"leakaudit\",\"version\":\"" PACKAGE_VERSION "\","
          "\"semanticVersion\":\"" PACKAGE_VERSION "\",\"rules\":[", out);
    for (size_t k = 0; k < sizeof rules / sizeof *rules; k++) {
        char id[64];
        snprintf(id, sizeof id, "leakaudit/%s", rp_kind_name(rules[k].kind));
        fprintf(out, "%s\n{\"id\":", k ? "," : "");
        json_str(out, id);
        fputs(",\"name\":", out);
        json_str(out, rules[k].name);
        fputs(",\"shortDescription\":{\"text\":", out);
        json_str(out, rules[k].brief);
        fputs("},\"fullDescription\":{\"text\":", out);
        json_str(out, rules[k].full);
        fputs("},\"help\":{\"text\":", out);
        json_str(out, rules[k].help);
        fputs("},\"defaultConfiguration\":{\"level\":", out);
        json_str(out, fail_mask >> rules[k].kind & 1 ? "error" : "warning");
        fputs("},\"properties\":{\"tags\":[\"memory\",\"leak\"],\"precision\":\"high\","
              "\"problem.severity\":", out);
        json_str(out, fail_mask >> rules[k].kind & 1 ? "error" : "warning");
        fputs("}}", out);
    }
    fputs("]}},\"originalUriBaseIds\":{\"SRCROOT\":{\"uri\":", out);
    char root[4200];
    /* A base URI ends with '/'. */
    snprintf(root, sizeof root, "%s%s", pl->root, strcmp(pl->root, "/") ? "/" : "");
    uri(out, "file://", root);
    fputs("}},\"columnKind\":\"utf16CodeUnits\",\"results\":[", out);
    for (size_t i = 0; i < pl->n; i++) {
        fputs(i ? ",\n" : "\n", out);
        result(out, &pl->v[i], pl->root);
    }
    fputs("\n]}]}\n", out);
}
