/*
 * modules.c: the loaded objects, behind modules.h.
 *
 * An object is a file mapped at offset 0 with an ELF header there and an
 * executable mapping of the same file: its program headers (read from
 * memory with peek_mem, so a truncated or unmapped file never faults) give
 * the load bias, the range and the build-id.  Allocations here go to libc
 * (the caller holds the recursion guard) except the notes of objects seen
 * before an unload, which live in the shim's own pages for the whole run.
 */
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"
#include "modules.h"
#include "own.h"
#include "pages.h"
#include "peek.h"

#define NOTE_MAX 4096

/* Objects seen before an unload, in the shim's pages for the whole run. */
struct note {
    uintptr_t base, start, end;
    char build_id[129];
    char path[];
};

static struct note **notes;  /* in the shim's pages */
static size_t nnotes, notes_cap;
static pthread_mutex_t notes_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- one object from its mapped header ---------------------------------------- */

static void build_id_hex(const unsigned char *p, size_t len, char *out, size_t cap)
{
    const unsigned char *end = p + len;

    out[0] = '\0';
    while (p + sizeof(ElfW(Nhdr)) <= end) {
        const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
        const unsigned char *name = p + sizeof *nh;
        const unsigned char *desc = name + ((nh->n_namesz + 3) & ~3u);
        if (nh->n_namesz > len || nh->n_descsz > len)
            return;
        const unsigned char *next = desc + ((nh->n_descsz + 3) & ~3u);
        if (next > end)
            return;
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

/* Describes the object whose file is mapped at offset 0 at LO into M
 * (path aside).  Returns 0, or -1 when LO holds no loaded ELF object. */
static int describe(uintptr_t lo, struct la_module *m)
{
    ElfW(Ehdr) eh;
    ElfW(Phdr) ph[64];
    uintptr_t first = UINTPTR_MAX, vlo = UINTPTR_MAX, vhi = 0;

    if (peek_mem(&eh, lo, sizeof eh) != sizeof eh ||
        memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        (eh.e_type != ET_DYN && eh.e_type != ET_EXEC) ||
        eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phnum == 0 ||
        eh.e_phnum > 64 || eh.e_phoff > 65536)
        return -1;
    size_t phbytes = eh.e_phnum * sizeof(ElfW(Phdr));
    if (peek_mem(ph, lo + eh.e_phoff, phbytes) != phbytes)
        return -1;
    for (int i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        if (ph[i].p_offset == 0)
            first = ph[i].p_vaddr;
        if (ph[i].p_vaddr < vlo)
            vlo = ph[i].p_vaddr;
        if (ph[i].p_vaddr + ph[i].p_memsz > vhi)
            vhi = ph[i].p_vaddr + ph[i].p_memsz;
    }
    if (first == UINTPTR_MAX || vhi == 0)
        return -1;
    m->base = lo - (first & ~(uintptr_t)4095);
    m->start = m->base + vlo;
    m->end = m->base + vhi;
    m->build_id[0] = '\0';
    for (int i = 0; i < eh.e_phnum && !m->build_id[0]; i++) {
        unsigned char note[NOTE_MAX];
        size_t len = ph[i].p_memsz < NOTE_MAX ? ph[i].p_memsz : NOTE_MAX;
        if (ph[i].p_type == PT_NOTE &&
            (len = peek_mem(note, m->base + ph[i].p_vaddr, len)) > 0)
            build_id_hex(note, len, m->build_id, sizeof m->build_id);
    }
    return 0;
}

/* The mapping's path without the kernel's " (deleted)" for a file removed
 * since it was loaded, into OUT (CAP bytes).  0, or -1 if not a file. */
static int file_path(const char *path, char *out, size_t cap)
{
    size_t n = strlen(path);
    static const char del[] = " (deleted)";

    if (path[0] != '/')
        return -1;
    if (n > sizeof del - 1 && strcmp(path + n - (sizeof del - 1), del) == 0)
        n -= sizeof del - 1;
    if (n >= cap)
        return -1;
    memcpy(out, path, n);
    out[n] = '\0';
    return 0;
}

/*
 * Calls FN(module, path, CTX) for every object loaded now, in address
 * order, with notes_lock held.  Returns 0, or -1 when the map cannot be
 * read or FN fails.
 */
static int each_loaded(int (*fn)(const struct la_module *, const char *, void *),
                       void *ctx)
{
    size_t cap;
    char *maps = maps_read(&cap), path[sizeof ((struct la_map *)0)->path];
    static struct la_map m, next; /* big: off the stack, under notes_lock */
    int rc = 0;

    if (!maps)
        return -1;
    for (const char *cursor = maps; rc == 0 && maps_line(&cursor, &m);) {
        struct la_module mod;
        if (m.offset != 0 || m.perms[0] != 'r' || file_path(m.path, path, sizeof path) != 0)
            continue;
        /* An object has code: one of the mappings that follow within its
         * range is an executable one of the same file. */
        if (describe(m.lo, &mod) != 0)
            continue;
        int code = m.perms[2] == 'x';
        for (const char *c = cursor; !code && maps_line(&c, &next) && next.lo < mod.end;)
            code = next.perms[2] == 'x' && next.inode == m.inode &&
                   strcmp(next.path, m.path) == 0;
        if (code)
            rc = fn(&mod, path, ctx);
    }
    pages_free(maps, cap);
    return rc;
}

/* ---- notes of objects seen before an unload ------------------------------------ */



static int noted(const struct la_module *m, const char *path)
{
    for (size_t i = nnotes; i-- > 0;)
        if (notes[i]->base == m->base && notes[i]->end == m->end &&
            strcmp(notes[i]->path, path) == 0)
            return 1;
    return 0;
}

static int note_one(const struct la_module *m, const char *path, void *ctx)
{
    size_t len = strlen(path) + 1;
    (void)ctx;

    if (noted(m, path))
        return 0;
    if (nnotes == notes_cap) {
        size_t ncap = notes_cap ? notes_cap * 2 : 256;
        struct note **v = pages_alloc(ncap * sizeof *v);
        if (!v)
            return -1;
        if (notes)
            memcpy(v, notes, nnotes * sizeof *v);
        pages_free(notes, notes_cap * sizeof *notes);
        notes = v;
        notes_cap = ncap;
    }
    struct note *n = pages_alloc(sizeof *n + len);
    if (!n)
        return -1;
    n->base = m->base;
    n->start = m->start;
    n->end = m->end;
    memcpy(n->build_id, m->build_id, sizeof n->build_id);
    memcpy(n->path, path, len);
    notes[nnotes++] = n;
    return 0;
}

void modules_note(void)
{
    pthread_mutex_lock(&notes_lock);
    each_loaded(note_one, NULL);
    pthread_mutex_unlock(&notes_lock);
}

void modules_reset_lock(void)
{
    pthread_mutex_init(&notes_lock, NULL);
}

/* ---- the collection -------------------------------------------------------------- */

static int add(struct la_modules *out, size_t *cap, const struct la_module *m,
               const char *path, int loaded)
{
    if (out->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        struct la_module *v = own_realloc(out->v, ncap * sizeof *v);
        if (!v)
            return -1;
        out->v = v;
        *cap = ncap;
    }
    struct la_module *d = &out->v[out->n];
    *d = *m;
    d->loaded = loaded;
    if (!(d->path = own_strdup(path)))
        return -1;
    out->n++;
    return 0;
}

struct collect_ctx {
    struct la_modules *out;
    size_t cap;
};

static int collect_one(const struct la_module *m, const char *path, void *ctx)
{
    struct collect_ctx *c = ctx;

    return add(c->out, &c->cap, m, path, 1);
}

static int by_start(const void *a, const void *b)
{
    const struct la_module *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

int modules_collect(struct la_modules *out)
{
    struct collect_ctx c = { .out = out };

    out->v = NULL;
    out->n = out->nloaded = 0;
    pthread_mutex_lock(&notes_lock);
    if (each_loaded(collect_one, &c) != 0) {
        pthread_mutex_unlock(&notes_lock);
        goto fail;
    }
    qsort(out->v, out->n, sizeof *out->v, by_start);
    out->nloaded = out->n;
    for (size_t i = 0; i < nnotes; i++) {
        const struct note *n = notes[i];
        int still = 0;
        for (size_t k = 0; k < out->nloaded && !still; k++)
            still = out->v[k].base == n->base && out->v[k].end == n->end &&
                    strcmp(out->v[k].path, n->path) == 0;
        struct la_module m = { .base = n->base, .start = n->start, .end = n->end };
        memcpy(m.build_id, n->build_id, sizeof m.build_id);
        if (!still && add(out, &c.cap, &m, n->path, 0) != 0) {
            pthread_mutex_unlock(&notes_lock);
            goto fail;
        }
    }
    pthread_mutex_unlock(&notes_lock);
    return 0;
fail:
    modules_free(out);
    return -1;
}

void modules_free(struct la_modules *m)
{
    for (size_t i = 0; i < m->n; i++)
        own_free(m->v[i].path);
    own_free(m->v);
    m->v = NULL;
    m->n = m->nloaded = 0;
}

long modules_find(const struct la_modules *m, uintptr_t pc)
{
    size_t lo = 0, hi = m->nloaded;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->v[mid].end <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < m->nloaded && m->v[lo].start <= pc)
        return (long)lo;
    for (size_t i = m->n; i-- > m->nloaded;)
        if (m->v[i].start <= pc && pc < m->v[i].end)
            return (long)i;
    return -1;
}

long modules_by_base(const struct la_modules *m, uintptr_t base)
{
    for (size_t i = 0; i < m->nloaded; i++)
        if (m->v[i].base == base)
            return (long)i;
    return -1;
}
