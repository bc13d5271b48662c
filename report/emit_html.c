/*
 * emit_html.c: the HTML report, one self-contained file: no network.  The
 * page carries the JSON report (emit_json.c) as data, and the style and
 * code of report/html/ (written by hand, no library), inlined at build
 * time (html_assets.h).  The code builds the summary, a flame graph of the
 * allocated bytes by stack (lost, intentional and reachable in their own
 * colours), and the findings table (sortable, filterable by kind; a click
 * opens a finding's stacks, a cycle drawn as a ring).
 */
#include <stdlib.h>

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
    "<span class=\"c-reachable\"></span>reachable &mdash; click a frame to zoom in or out</div>\n"
    "<div id=\"flame\"></div>\n"
    "<h2>Findings</h2>\n<div id=\"filters\" class=\"filters\"></div>\n"
    "<table id=\"findings\"><thead><tr><th>kind</th><th class=\"num\">bytes</th>"
    "<th class=\"num\">blocks</th><th>function</th><th>file:line</th>"
    "<th class=\"num\">runs</th><th>fails</th></tr></thead><tbody></tbody></table>\n"
    "<noscript><p>This report needs JavaScript; leakaudit-report without --format html "
    "prints the same as text.</p></noscript>\n";

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
    /* The data: JSON, where no '<' may appear, so that no "</script>" in
     * a symbol or path can end it ("\u003c" is '<' again to JSON). */
    fputs("<script type=\"application/json\" id=\"report-data\">", out);
    for (size_t i = 0; i < len; i++) {
        if (json[i] == '<')
            fputs("\\u003c", out);
        else
            fputc(json[i], out);
    }
    fputs("</script>\n<script>\n", out);
    fputs(rp_html_js, out);
    fputs("</script>\n</body>\n</html>\n", out);
    free(json);
}
