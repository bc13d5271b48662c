/*
 * suppress.c: parsing and matching of suppressions.  Input is untrusted:
 * any byte sequence parses into patterns or one clear error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suppress.h"

/* Runtime internals that are not the program's fault: state that libc,
 * the loader and language runtimes keep until exit and reach through
 * pointers the scan cannot see (mangled, or in kernel-held memory). */
static const char builtin_text[] =
    "# leakaudit's built-in suppressions: runtime internals.\n"
    "# The dynamic loader's own state (dlopen, TLS of threads).\n"
    "leak:_dl_map_object\n"
    "leak:_dl_allocate_tls\n"
    "leak:_dl_new_object\n"
    "leak:_dl_check_map_versions\n"
    "# libc's per-process state: locales, iconv.\n"
    "leak:_nl_make_l10nflist\n"
    "leak:_nl_find_locale\n"
    "leak:__gconv_open\n"
    "leak:__gconv_read_conf\n";

const char *rp_supp_builtin_text(void)
{
    return builtin_text;
}

/* Glob with '*' over [P, PE) against [S, SE), anchored at both ends. */
static int glob(const char *p, const char *pe, const char *s, const char *se)
{
    const char *star = NULL, *retry = NULL;

    while (s < se) {
        if (p < pe && *p == '*') {
            star = ++p;
            retry = s;
        } else if (p < pe && *p == *s) {
            p++;
            s++;
        } else if (star) {
            p = star;
            s = ++retry;
        } else {
            return 0;
        }
    }
    while (p < pe && *p == '*')
        p++;
    return p == pe;
}

int rp_supp_match(const char *pattern, const char *s)
{
    const char *p = pattern, *pe = pattern + strlen(pattern);
    int start = 0, end = 0, m;
    char *g;
    size_t n;

    if (!s)
        return 0;
    if (p < pe && *p == '^') {
        start = 1;
        p++;
    }
    if (pe > p && pe[-1] == '$') {
        end = 1;
        pe--;
    }
    /* Unanchored ends match anywhere: a '*' there. */
    n = (size_t)(pe - p);
    g = rp_xmalloc(n + 3);
    memcpy(g + !start, p, n);
    if (!start)
        g[0] = '*';
    n += !start;
    if (!end)
        g[n++] = '*';
    g[n] = '\0';
    m = glob(g, g + n, s, s + strlen(s));
    free(g);
    return m;
}

static void add(struct rp_suppressions *s, const char *pat, size_t n, const char *origin)
{
    s->v = rp_xrealloc(s->v, s->n + 1, sizeof *s->v);
    s->v[s->n].pattern = rp_xmalloc(n + 1);
    memcpy(s->v[s->n].pattern, pat, n);
    s->v[s->n].pattern[n] = '\0';
    s->v[s->n].origin = rp_xstrdup(origin);
    s->n++;
}

int rp_supp_parse(struct rp_suppressions *s, const char *text, size_t len,
                  const char *origin, char *err, size_t errlen)
{
    struct rp_suppressions add_to = { 0 };
    size_t lineno = 0;
    char where[600];

    for (size_t pos = 0; pos < len;) {
        const char *line = text + pos, *eol = memchr(line, '\n', len - pos);
        size_t n = eol ? (size_t)(eol - line) : len - pos;
        pos += n + 1;
        lineno++;
        while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
            n--;
        while (n > 0 && (*line == ' ' || *line == '\t')) {
            line++;
            n--;
        }
        if (n == 0 || *line == '#')
            continue;
        snprintf(where, sizeof where, "%s:%zu", origin, lineno);
        const char *colon = memchr(line, ':', n);
        if (memchr(line, '\0', n)) {
            snprintf(err, errlen, "%s: a NUL byte in a suppression", where);
            rp_supp_free(&add_to);
            return -1;
        }
        if (!colon) {
            snprintf(err, errlen, "%s: not a suppression (want leak:PATTERN): '%.*s'",
                     where, (int)(n > 60 ? 60 : n), line);
            rp_supp_free(&add_to);
            return -1;
        }
        if ((size_t)(colon - line) != 4 || memcmp(line, "leak", 4) != 0) {
            snprintf(err, errlen, "%s: unknown suppression type '%.*s' (only leak: is known)",
                     where, (int)((colon - line) > 40 ? 40 : (colon - line)), line);
            rp_supp_free(&add_to);
            return -1;
        }
        const char *pat = colon + 1;
        size_t pn = n - (size_t)(pat - line);
        while (pn > 0 && (*pat == ' ' || *pat == '\t')) {
            pat++;
            pn--;
        }
        if (pn == 0) {
            snprintf(err, errlen, "%s: an empty pattern", where);
            rp_supp_free(&add_to);
            return -1;
        }
        add(&add_to, pat, pn, where);
    }
    for (size_t i = 0; i < add_to.n; i++) {
        s->v = rp_xrealloc(s->v, s->n + 1, sizeof *s->v);
        s->v[s->n++] = add_to.v[i];
    }
    free(add_to.v);
    return 0;
}

int rp_supp_load(struct rp_suppressions *s, const char *path, char *err,
                 size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc;

    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            if (cap > (64u << 20)) {
                snprintf(err, errlen, "%s: larger than 64 MiB", path);
                free(text);
                fclose(f);
                return -1;
            }
            text = rp_xrealloc(text, cap, 1);
        }
        size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(text);
        fclose(f);
        return -1;
    }
    fclose(f);
    rc = rp_supp_parse(s, text, len, path, err, errlen);
    free(text);
    return rc;
}

void rp_supp_builtin(struct rp_suppressions *s)
{
    char err[64];

    rp_supp_parse(s, builtin_text, sizeof builtin_text - 1, "built-in", err, sizeof err);
    for (size_t i = 0; i < s->n; i++)
        if (strncmp(s->v[i].origin, "built-in:", 9) == 0) {
            free(s->v[i].origin);
            s->v[i].origin = rp_xstrdup("built-in");
        }
}

static const char *base_name(const char *p)
{
    const char *s = p ? strrchr(p, '/') : NULL;

    return s ? s + 1 : p;
}

const struct rp_suppression *rp_supp_find(const struct rp_suppressions *s,
                                          const struct rp_stack *stack)
{
    if (!stack)
        return NULL;
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; k < stack->nframes; k++) {
            const struct rp_frame *f = &stack->frames[k];
            if (rp_supp_match(s->v[i].pattern, f->function) ||
                rp_supp_match(s->v[i].pattern, f->file) ||
                rp_supp_match(s->v[i].pattern, base_name(f->module)) ||
                rp_supp_match(s->v[i].pattern, f->module))
                return &s->v[i];
        }
    return NULL;
}

void rp_supp_free(struct rp_suppressions *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].pattern);
        free(s->v[i].origin);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}
