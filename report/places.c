/*
 * places.c: findings by source location (places.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emit.h"
#include "places.h"

char *rp_source_root(const char *dir, char *err, size_t errlen)
{
    char buf[PATH_MAX], probe[PATH_MAX + 8];
    struct stat st;

    if (dir) {
        if (!realpath(dir, buf)) {
            snprintf(err, errlen, "--source-root %s: %s", dir, strerror(errno));
            return NULL;
        }
        if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "--source-root %s: not a directory", dir);
            return NULL;
        }
        return rp_xstrdup(buf);
    }
    if (!getcwd(buf, sizeof buf))
        return rp_xstrdup("/");
    /* The git work tree's top: the nearest directory with a .git. */
    char top[PATH_MAX];
    snprintf(top, sizeof top, "%s", buf);
    for (;;) {
        snprintf(probe, sizeof probe, "%s/.git", top);
        if (stat(probe, &st) == 0)
            return rp_xstrdup(top);
        char *slash = strrchr(top, '/');
        if (!slash || slash == top)
            break;
        *slash = '\0';
    }
    return rp_xstrdup(buf);
}

static int counted(enum rp_kind k)
{
    return k == RP_LEAK || k == RP_CYCLE || k == RP_REPEATED_MARK;
}

/* PLACE's file and name, from frame F under ROOT. */
const char *rp_under_root(const char *root, const char *file, int *in_root)
{
    size_t n = strlen(root);

    if (file[0] != '/') {
        *in_root = 1; /* as the compiler was given it: from the build's top */
        return file;
    }
    *in_root = strncmp(file, root, n) == 0 && file[n] == '/';
    return *in_root ? file + n + 1 : file;
}

static void place_name(struct rp_place *p, const struct rp_frame *f, const char *root)
{
    char name[4400], fn[1024];

    p->frame = f;
    if (!f) {
        p->name = rp_xstrdup("(no frame of the program's own)");
        return;
    }
    if (f->file) {
        p->file = rp_xstrdup(rp_under_root(root, f->file, &p->in_root));
        p->line = f->line;
    }
    rp_frame_name(f, fn, sizeof fn);
    if (p->file && p->line > 0)
        snprintf(name, sizeof name, "%s %s:%d", fn, p->file, p->line);
    else if (p->file)
        snprintf(name, sizeof name, "%s %s", fn, p->file);
    else
        snprintf(name, sizeof name, "%s", fn);
    p->name = rp_xstrdup(name);
}

/* How many different runs the findings of P come from. */
static uint64_t place_runs(const struct rp_place *p)
{
    size_t cap = 0, n = 0;
    const struct rp_run **seen = NULL;

    for (size_t i = 0; i < p->n; i++) {
        const struct rp_finding *x = p->v[i];
        size_t k = x->nruns ? x->nruns : 1;
        for (size_t j = 0; j < k; j++) {
            const struct rp_run *r = x->nruns ? x->runs[j] : x->run;
            size_t s = 0;
            while (s < n && seen[s] != r)
                s++;
            if (s < n)
                continue;
            if (n == cap)
                seen = rp_xrealloc(seen, cap = cap ? 2 * cap : 16, sizeof *seen);
            seen[n++] = r;
        }
    }
    free(seen);
    return n;
}

void rp_places_build(struct rp_places *p, const struct rp_findings *f, const char *root)
{
    size_t cap = 0;

    memset(p, 0, sizeof *p);
    p->root = root;
    for (size_t i = 0; i < f->n; i++) {
        const struct rp_finding *x = &f->v[i];
        if (!counted(x->kind) || x->suppressed)
            continue;
        struct rp_place probe = { .kind = x->kind };
        place_name(&probe, rp_own_frame(rp_finding_stack(x)), root);
        size_t klen = strlen(probe.name) + 32;
        probe.key = rp_xmalloc(klen);
        snprintf(probe.key, klen, "%s\x1f%s", rp_kind_name(x->kind), probe.name);
        size_t k = 0;
        while (k < p->n && strcmp(p->v[k].key, probe.key) != 0)
            k++;
        if (k == p->n) {
            if (p->n == cap)
                p->v = rp_xrealloc(p->v, cap = cap ? 2 * cap : 16, sizeof *p->v);
            p->v[p->n++] = probe;
        } else {
            free(probe.file);
            free(probe.name);
            free(probe.key);
        }
        struct rp_place *pl = &p->v[k];
        pl->v = rp_xrealloc(pl->v, pl->n + 1, sizeof *pl->v);
        pl->v[pl->n++] = x;
        pl->blocks += x->blocks;
        pl->bytes += x->bytes;
        pl->fails |= x->fails;
    }
    for (size_t i = 0; i < p->n; i++) {
        p->v[i].nruns = place_runs(&p->v[i]);
        p->failing += p->v[i].fails != 0;
    }
}

void rp_places_free(struct rp_places *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].file);
        free(p->v[i].name);
        free(p->v[i].key);
        free(p->v[i].v);
    }
    free(p->v);
    memset(p, 0, sizeof *p);
}
