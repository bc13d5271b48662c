/*
 * emit_html.c: the HTML report, one self-contained file: no network.  The
 * page carries the JSON report (emit_json.c) as data, and the style and
 * code of report/html/ (written by hand, no library), inlined at build
 * time (html_assets.h), and the source lines around each failing
 * finding's place, read now.  The code builds the summary, the runs
 * collapsed to their totals, a flame graph of the lost bytes by stack (all
 * bytes at a click: lost, intentional and reachable in their own colours),
 * and the findings table (sortable; filtered by kind, by a search, by
 * program and run; a click opens a finding's source lines and stacks, a
 * cycle drawn as a ring).
 */
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"

#include "emit.h"
#include "report/html_assets.h"

static const char html_body[] =
    "<body>\n"
    "<h1>leakaudit report</h1>\n<div id=\"head\"></div>\n"
    "<h2>Summary</h2>\n"
    "<table id=\"summary\"><thead><tr><th>kind</th><th class=\"num\">findings</th>"
    "<th class=\"num\">blocks</th><th class=\"num\">bytes</th></tr></thead>"
    "<tbody></tbody></table>\n"
    "<h2>Where the bytes were allocated</h2>\n"
    "<div class=\"legend meta\">outermost frame on top, width by bytes:"
    "<span class=\"c-lost\"></span>lost<span class=\"c-intentional\"></span>intentional"
    "<span class=\"c-reachable\"></span>reachable &mdash; click a frame to zoom in or out"
    " <label><input type=\"checkbox\" id=\"flame-all\"> all bytes, not only the lost ones"
    "</label></div>\n"
    "<div id=\"flame\"></div>\n"
    "<h2>Findings</h2>\n<div id=\"filters\" class=\"filters\"></div>\n"
    "<div class=\"filters\"><input type=\"search\" id=\"search\" placeholder=\"search functions, "
    "files, modules\" size=\"36\"> <select id=\"program\"></select></div>\n"
    "<table id=\"findings\"><thead><tr><th>kind</th><th class=\"num\">bytes</th>"
    "<th class=\"num\">blocks</th><th>function</th><th>file:line</th><th>site</th>"
    "<th class=\"num\">runs</th><th>fails</th></tr></thead><tbody></tbody></table>\n"
    "<noscript><p>This report needs JavaScript; leakaudit-report without --format html "
    "prints the same as text.</p></noscript>\n";

/* The source files' lines around the failing findings' places, read now
 * (when the files are readable), as {"FILE:LINE": {"first": N, "lines":
 * [...]}}; the page shows them as text. */
#define HTML_CONTEXT 3
#define HTML_MAX_SOURCES 200
#define HTML_MAX_LINE 400

static void source_of(FILE *out, const struct rp_frame *fr, int *n)
{
    char line[HTML_MAX_LINE + 2];
    FILE *src;

    struct stat st;
    int fd;

    if (!fr || !fr->file || fr->line <= 0 || *n >= HTML_MAX_SOURCES)
        return;
    /* A regular file only (not a FIFO, which would block, nor a device):
     * opened without blocking, then checked. */
    if ((fd = open(fr->file, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
        return;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !(src = fdopen(fd, "r"))) {
        close(fd);
        return;
    }
    int first = fr->line > HTML_CONTEXT ? fr->line - HTML_CONTEXT : 1, no = 0, got = 0;
    char key[4200];
    snprintf(key, sizeof key, "%s:%d", fr->file, fr->line);
    while (fgets(line, sizeof line, src) && no < fr->line + HTML_CONTEXT) {
        size_t len = strlen(line);
        int whole = len && line[len - 1] == '\n';
        if (whole)
            line[--len] = '\0';
        else  /* a long line: the rest skipped */
            for (int c; (c = fgetc(src)) != EOF && c != '\n';)
                ;
        no++;
        if (no < first)
            continue;
        if (!got) {
            fputs(*n ? "," : "", out);
            json_str(out, key);
            fprintf(out, ":{\"first\":%d,\"lines\":[", first);
        }
        fputs(got ? "," : "", out);
        json_str(out, line);
        got++;
    }
    fclose(src);
    if (got) {
        fputs("]}", out);
        (*n)++;
    }
}

static void sources(FILE *out, const struct rp_findings *f)
{
    int n = 0;

    fputc('{', out);
    for (size_t i = 0; i < f->n; i++) {
        const struct rp_finding *x = &f->v[i];
        if (!x->fails)
            continue;
        const struct rp_stack *st = rp_finding_stack(x);
        const struct rp_frame *own = rp_own_frame(st), *src = rp_source_frame(st);
        source_of(out, own, &n);
        if (src != own)
            source_of(out, src, &n);
    }
    fputc('}', out);
}

/* Writes the JSON text J (LEN bytes) where no '<' may appear, so that no
 * "</script>" in a symbol or path can end the script that holds it
 * ("\u003c" is '<' again to JSON). */
static void script_json(FILE *out, const char *j, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (j[i] == '<')
            fputs("\\u003c", out);
        else
            fputc(j[i], out);
    }
}

void rp_emit_html(FILE *out, const struct rp_db *db, const struct rp_findings *f,
                  const struct rp_summary *sum)
{
    char *json = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&json, &len);

    if (!mem) {
        fputs("leakaudit-report: out of memory\n", stderr);
        exit(2);
    }
    rp_emit_json(mem, db, f, sum);
    if (fclose(mem) != 0) {
        fputs("leakaudit-report: out of memory\n", stderr);
        exit(2);
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width\">\n"
          "<title>leakaudit report</title>\n<style>\n", out);
    fputs(rp_html_css, out);
    fputs("</style>\n</head>\n", out);
    fputs(html_body, out);
    fputs("<script type=\"application/json\" id=\"report-data\">", out);
    script_json(out, json, len);
    fputs("</script>\n<script type=\"application/json\" id=\"report-sources\">", out);
    free(json);
    json = NULL;
    len = 0;
    if (!(mem = open_memstream(&json, &len))) {
        fputs("leakaudit-report: out of memory\n", stderr);
        exit(2);
    }
    sources(mem, f);
    fclose(mem);
    script_json(out, json, len);
    fputs("</script>\n<script>\n", out);
    fputs(rp_html_js, out);
    fputs("</script>\n</body>\n</html>\n", out);
    free(json);
}
