/*
 * emit_sarif.c: SARIF 2.1.0 for code scanning (GitHub and others): one
 * rule per kind, one result per failing finding, located at the innermost
 * frame that has a source file, with a fingerprint of the site so that
 * results keep their identity across runs.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "emit.h"
#include "json.h"

static const char *const rule_text[RP_KINDS] = {
    [RP_LEAK] = "Memory allocated here is never freed and no longer reachable.",
    [RP_CYCLE] = "Blocks allocated here form a reference cycle that is no longer reachable.",
    [RP_REPEATED_MARK] = "An intentional leak (leak_mark) that fires again and again.",
    [RP_INTENTIONAL] = "Memory kept until exit on purpose (leak_mark).",
    [RP_REACHABLE] = "Memory still reachable at exit.",
};

/* FNV-1a of S, for the fingerprint. */
static uint64_t fnv(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static void message(FILE *out, const struct rp_finding *f)
{
    char text[512];

    rp_finding_title(f, text, sizeof text);
    json_str(out, text);
}

static void location(FILE *out, const struct rp_finding *f)
{
    const struct rp_stack *st = f->kind == RP_REPEATED_MARK ? f->mark_stack : f->stack;
    const struct rp_frame *src = rp_source_frame(st);

    fputs(",\"locations\":[", out);
    if (src) {
        char uri[4200];
        if (src->file[0] == '/')
            snprintf(uri, sizeof uri, "file://%s", src->file);
        else
            snprintf(uri, sizeof uri, "%s", src->file);
        fputs("{\"physicalLocation\":{\"artifactLocation\":{\"uri\":", out);
        json_str(out, uri);
        fputs("}", out);
        if (src->line > 0)
            fprintf(out, ",\"region\":{\"startLine\":%d}", src->line);
        fputs("}", out);
        if (src->function) {
            fputs(",\"logicalLocations\":[{\"fullyQualifiedName\":", out);
            json_str(out, src->function);
            fputs(",\"kind\":\"function\"}]", out);
        }
        fputs("}", out);
    }
    fputs("]", out);
}

void rp_emit_sarif(FILE *out, const struct rp_db *db, const struct rp_findings *f)
{
    (void)db;
    fputs("{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
          "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{"
          "\"name\":\"leakaudit\",\"version\":\"" PACKAGE_VERSION "\","
          "\"informationUri\":\"https://github.com/leakaudit/leakaudit\",\"rules\":[", out);
    for (int k = 0; k < RP_KINDS; k++) {
        char id[64];
        snprintf(id, sizeof id, "leakaudit/%s", rp_kind_name(k));
        fprintf(out, "%s{\"id\":", k ? "," : "");
        json_str(out, id);
        fputs(",\"name\":", out);
        json_str(out, rp_kind_name(k));
        fputs(",\"shortDescription\":{\"text\":", out);
        json_str(out, rule_text[k]);
        fputs("},\"defaultConfiguration\":{\"level\":\"error\"}}", out);
    }
    fputs("]}},\"results\":[", out);
    int first = 1;
    for (size_t i = 0; i < f->n; i++) {
        const struct rp_finding *x = &f->v[i];
        char id[64];
        if (!x->fails)
            continue;
        snprintf(id, sizeof id, "leakaudit/%s", rp_kind_name(x->kind));
        fputs(first ? "\n{" : ",\n{", out);
        first = 0;
        fputs("\"ruleId\":", out);
        json_str(out, id);
        fprintf(out, ",\"ruleIndex\":%d,\"level\":\"error\",\"message\":{\"text\":", (int)x->kind);
        message(out, x);
        fputs("}", out);
        location(out, x);
        fprintf(out, ",\"partialFingerprints\":{\"leakauditSite/v1\":\"%016llx\"}",
                (unsigned long long)fnv(x->key));
        fputs(",\"properties\":{", out);
        fprintf(out, "\"blocks\":%llu,\"bytes\":%llu,\"run\":%lld}}",
                (unsigned long long)x->blocks, (unsigned long long)x->bytes,
                (long long)x->run->id);
    }
    fputs("\n]}]}\n", out);
}
