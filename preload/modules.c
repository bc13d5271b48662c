/*
 * modules.c: walks dl_iterate_phdr once to describe every loaded object.
 * Called from the exit path with the recursion guard held, so its malloc
 * calls go straight to libc.
 */
#include <elf.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modules.h"

static void build_id_hex(const struct dl_phdr_info *info, char *out, size_t cap)
{
    out[0] = '\0';
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
        const char *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
            const char *name = p + sizeof *nh;
            const unsigned char *desc =
                (const unsigned char *)name + ((nh->n_namesz + 3) & ~3u);
            const char *next = (const char *)desc + ((nh->n_descsz + 3) & ~3u);
            if (next > end)
                break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
                memcmp(name, "GNU", 4) == 0 && nh->n_descsz * 2 < cap) {
                static const char hex[] = "0123456789abcdef";
                for (unsigned k = 0; k < nh->n_descsz; k++) {
                    out[2 * k] = hex[desc[k] >> 4];
                    out[2 * k + 1] = hex[desc[k] & 15];
                }
                out[2 * nh->n_descsz] = '\0';
                return;
            }
            p = next;
        }
    }
}

/* The PT_LOAD range of INFO, relative to its load bias; 0 if none. */
static uintptr_t load_range(const struct dl_phdr_info *info, uintptr_t *lo)
{
    uintptr_t hi = 0;

    *lo = UINTPTR_MAX;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        if (ph->p_vaddr < *lo)
            *lo = ph->p_vaddr;
        if (ph->p_vaddr + ph->p_memsz > hi)
            hi = ph->p_vaddr + ph->p_memsz;
    }
    return hi;
}

struct collect_ctx {
    struct la_modules *m;
    size_t cap;
    int failed;
};

static int collect_one(struct dl_phdr_info *info, size_t size, void *data)
{
    struct collect_ctx *c = data;
    uintptr_t lo, hi = load_range(info, &lo);
    char exe[PATH_MAX];
    const char *name = info->dlpi_name;

    (void)size;
    if (hi == 0)
        return 0;
    if (name == NULL || name[0] == '\0') {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = '\0';
        name = exe;
    }
    if (c->m->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 64;
        struct la_module *v = realloc(c->m->v, ncap * sizeof *v);
        if (!v) {
            c->failed = 1;
            return 1;
        }
        c->m->v = v;
        c->cap = ncap;
    }
    struct la_module *mod = &c->m->v[c->m->n];
    mod->path = strdup(name);
    if (!mod->path) {
        c->failed = 1;
        return 1;
    }
    mod->base = info->dlpi_addr;
    mod->start = info->dlpi_addr + lo;
    mod->end = info->dlpi_addr + hi;
    build_id_hex(info, mod->build_id, sizeof mod->build_id);
    c->m->n++;
    return 0;
}

struct range_ctx {
    uintptr_t base, lo, hi;
    int found;
};

static int range_one(struct dl_phdr_info *info, size_t size, void *data)
{
    struct range_ctx *c = data;
    uintptr_t lo, hi;

    (void)size;
    if (info->dlpi_addr != c->base || (hi = load_range(info, &lo)) == 0)
        return 0;
    c->lo = info->dlpi_addr + lo;
    c->hi = info->dlpi_addr + hi;
    c->found = 1;
    return 1;
}

int modules_range(uintptr_t base, uintptr_t *lo, uintptr_t *hi)
{
    struct range_ctx c = { .base = base };

    dl_iterate_phdr(range_one, &c);
    *lo = c.lo;
    *hi = c.hi;
    return c.found ? 0 : -1;
}

static int by_start(const void *a, const void *b)
{
    const struct la_module *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

int modules_collect(struct la_modules *out)
{
    struct collect_ctx c = { .m = out };

    out->v = NULL;
    out->n = 0;
    dl_iterate_phdr(collect_one, &c);
    if (c.failed) {
        modules_free(out);
        return -1;
    }
    qsort(out->v, out->n, sizeof *out->v, by_start);
    return 0;
}

void modules_free(struct la_modules *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->v[i].path);
    free(m->v);
    m->v = NULL;
    m->n = 0;
}

long modules_find(const struct la_modules *m, uintptr_t pc)
{
    size_t lo = 0, hi = m->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->v[mid].end <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->n && m->v[lo].start <= pc ? (long)lo : -1;
}
