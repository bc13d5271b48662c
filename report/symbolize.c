/*
 * symbolize.c: libdw (libdwfl) behind symbolize.h.
 *
 * One Dwfl per module file, opened on first use and kept: runs of one
 * database share their libraries, each loaded at its own address, so a pc
 * is translated to the address it has at the module's first-seen base.
 * Results are cached per (file, address).  Return addresses are moved back
 * by one byte before lookup, so that lines point at the call.
 */
#include <sys/stat.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "symbolize.h"

struct symfile {
    char *path, *build_id;
    Dwfl *dwfl;
    Dwfl_Module *mod; /* NULL: cannot be used (missing, other build-id) */
    uint64_t ref_base;
};

struct cache_ent {
    size_t file;     /* index + 1 into files; 0 is empty */
    uint64_t addr;
    size_t first, n; /* into frames */
};

struct rp_symbolizer {
    struct symfile *files;
    size_t nfiles;
    struct cache_ent *cache;
    size_t cache_cap, cache_used;
    struct rp_frame *frames; /* templates; module and pc filled per use */
    size_t nframes, frames_cap;
};

/* Where separate debug files are looked for (libdw's syntax): beside the
 * file, in its .debug, then the --debug-dir directories, then
 * /usr/lib/debug; in each, by build-id (.build-id/xx/rest.debug) too.
 * Then debuginfod, when DEBUGINFOD_URLS names servers (libdw asks them). */
static char *sym_debug_path;

static Dwfl_Callbacks sym_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
};

struct rp_symbolizer *rp_sym_new(const char *const *debug_dirs, size_t n)
{
    size_t len = sizeof ":.debug:/usr/lib/debug";

    for (size_t i = 0; i < n; i++)
        len += strlen(debug_dirs[i]) + 1;
    free(sym_debug_path);
    sym_debug_path = rp_xmalloc(len);
    strcpy(sym_debug_path, ":.debug");
    for (size_t i = 0; i < n; i++) {
        strcat(sym_debug_path, ":");
        strcat(sym_debug_path, debug_dirs[i]);
    }
    strcat(sym_debug_path, ":/usr/lib/debug");
    sym_callbacks.debuginfo_path = &sym_debug_path;
    return rp_xcalloc(1, sizeof(struct rp_symbolizer));
}

void rp_sym_free(struct rp_symbolizer *s)
{
    if (!s)
        return;
    sym_callbacks.debuginfo_path = NULL;
    free(sym_debug_path);
    sym_debug_path = NULL;
    for (size_t i = 0; i < s->nfiles; i++) {
        free(s->files[i].path);
        free(s->files[i].build_id);
        if (s->files[i].dwfl)
            dwfl_end(s->files[i].dwfl);
    }
    for (size_t i = 0; i < s->nframes; i++) {
        free(s->frames[i].function);
        free(s->frames[i].file);
    }
    free(s->files);
    free(s->cache);
    free(s->frames);
    free(s);
}

static int build_id_matches(Dwfl_Module *mod, const char *want)
{
    const unsigned char *bits;
    GElf_Addr vaddr;
    int len;
    static const char hex[] = "0123456789abcdef";

    if (!want || !*want)
        return 1; /* nothing recorded to compare with */
    len = dwfl_module_build_id(mod, &bits, &vaddr);
    if (len <= 0 || (size_t)len * 2 != strlen(want))
        return 0;
    for (int i = 0; i < len; i++)
        if (want[2 * i] != hex[bits[i] >> 4] || want[2 * i + 1] != hex[bits[i] & 15])
            return 0;
    return 1;
}

/* The symfile for module M of a run (opened on first use), its index. */
static size_t sym_file(struct rp_symbolizer *s, const struct rp_module *m)
{
    struct symfile *f;

    for (size_t i = 0; i < s->nfiles; i++)
        if (strcmp(s->files[i].path, m->path) == 0 &&
            strcmp(s->files[i].build_id, m->build_id ? m->build_id : "") == 0)
            return i;
    s->files = rp_xrealloc(s->files, s->nfiles + 1, sizeof *s->files);
    f = &s->files[s->nfiles];
    memset(f, 0, sizeof *f);
    f->path = rp_xstrdup(m->path);
    f->build_id = rp_xstrdup(m->build_id ? m->build_id : "");
    f->ref_base = m->base;
    /* A database is untrusted: only a regular file is opened (a FIFO or a
     * device named as a module would block the report or feed it
     * forever). */
    struct stat st;
    if (m->path[0] == '/' && stat(m->path, &st) == 0 && S_ISREG(st.st_mode) &&
        (f->dwfl = dwfl_begin(&sym_callbacks)) != NULL) {
        dwfl_report_begin(f->dwfl);
        f->mod = dwfl_report_elf(f->dwfl, m->path, m->path, -1, m->base, true);
        dwfl_report_end(f->dwfl, NULL, NULL);
        if (f->mod && !build_id_matches(f->mod, f->build_id))
            f->mod = NULL;
    }
    return s->nfiles++;
}

static struct rp_frame *sym_push(struct rp_symbolizer *s)
{
    if (s->nframes == s->frames_cap) {
        s->frames_cap = s->frames_cap ? s->frames_cap * 2 : 256;
        s->frames = rp_xrealloc(s->frames, s->frames_cap, sizeof *s->frames);
    }
    struct rp_frame *f = &s->frames[s->nframes++];
    memset(f, 0, sizeof *f);
    return f;
}

/* The readable name of a function DIE (linkage name first). */
static char *die_function_name(Dwarf_Die *die)
{
    Dwarf_Attribute attr;
    const char *n = NULL;

    if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
        dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
        n = dwarf_formstring(&attr);
    if (!n)
        n = dwarf_diename(die);
    return rp_demangle(n);
}

#define SYM_MAX_NESTING 64

/*
 * Collects into CHAIN[N..] the DIEs under PARENT whose code holds PC,
 * outermost first: the subprogram, then inlined calls and lexical blocks
 * inside it.  Looks through namespaces and types, where C++ and Rust put
 * their functions.  (dwarf_getscopes misses functions inside Rust's
 * namespaces.)  Returns the new length of CHAIN.
 */
static int die_chain(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *chain, int n)
{
    Dwarf_Die child;

    if (n >= SYM_MAX_NESTING || dwarf_child(parent, &child) != 0)
        return n;
    do {
        switch (dwarf_tag(&child)) {
        case DW_TAG_subprogram:
        case DW_TAG_inlined_subroutine:
        case DW_TAG_lexical_block:
        case DW_TAG_entry_point:
        case DW_TAG_try_block:
        case DW_TAG_catch_block:
            if (dwarf_haspc(&child, pc) == 1) {
                chain[n] = child;
                return die_chain(&chain[n], pc, chain, n + 1);
            }
            break;
        case DW_TAG_namespace:
        case DW_TAG_module:
        case DW_TAG_structure_type:
        case DW_TAG_class_type:
        case DW_TAG_union_type: {
            int m = die_chain(&child, pc, chain, n);
            if (m > n)
                return m;
            break;
        }
        default:
            break;
        }
    } while (dwarf_siblingof(&child, &child) == 0);
    return n;
}

/*
 * FILE as a new string, absolute: a relative name (as the compiler was
 * given it) joined to the compilation unit's directory, "." and ".."
 * resolved by name; FILE itself when there is no directory to join.
 */
static char *src_file(Dwarf_Die *cudie, const char *file)
{
    Dwarf_Attribute a;
    const char *dir;

    if (!file || file[0] == '/' || !cudie ||
        !(dir = dwarf_formstring(dwarf_attr(cudie, DW_AT_comp_dir, &a))) || dir[0] != '/')
        return rp_xstrdup(file);
    size_t n = strlen(dir) + strlen(file) + 2, len = 0;
    char *joined = rp_xmalloc(n), *out = rp_xmalloc(n);
    snprintf(joined, n, "%s/%s", dir, file);
    /* Each component onto OUT: "." dropped, ".." takes the last one off. */
    for (char *save = NULL, *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0) {
            while (len > 0 && out[--len] != '/')
                ;
            continue;
        }
        out[len++] = '/';
        size_t k = strlen(c);
        memcpy(out + len, c, k);
        len += k;
    }
    if (len == 0)
        out[len++] = '/';
    out[len] = '\0';
    free(joined);
    return out;
}

/* Resolves ADDR (already moved back one byte) in file F into frames. */
static void sym_resolve(struct rp_symbolizer *s, struct symfile *f,
                        uint64_t addr)
{
    GElf_Off off;
    GElf_Sym sym;
    Dwarf_Addr bias = 0;
    Dwarf_Die *cudie;
    const char *symname, *file = NULL;
    int line = 0, nscopes = 0;
    Dwfl_Line *dl;

    symname = dwfl_module_addrinfo(f->mod, addr, &off, &sym, NULL, NULL, NULL);
    dl = dwfl_module_getsrc(f->mod, addr);
    if (dl)
        file = dwfl_lineinfo(dl, NULL, &line, NULL, NULL, NULL);
    cudie = dwfl_module_addrdie(f->mod, addr, &bias);
    Dwarf_Die chain[SYM_MAX_NESTING];
    if (cudie)
        nscopes = die_chain(cudie, addr - bias, chain, 0);
    /* Inlined calls, innermost first: each frame sits at the location
     * reached so far; its caller continues at its call site. */
    Dwarf_Files *files = NULL;
    size_t nfiles = 0;
    if (cudie)
        dwarf_getsrcfiles(cudie, &files, &nfiles);
    char *cur_file = src_file(cudie, file);
    int cur_line = line;
    char *subprogram = NULL;
    for (int i = nscopes - 1; i >= 0; i--) { /* innermost first */
        Dwarf_Die *scope = &chain[i];
        int tag = dwarf_tag(scope);
        if (tag == DW_TAG_subprogram) {
            subprogram = die_function_name(scope);
            break;
        }
        if (tag != DW_TAG_inlined_subroutine)
            continue;
        struct rp_frame *fr = sym_push(s);
        fr->function = die_function_name(scope);
        fr->file = cur_file;
        fr->line = cur_line;
        Dwarf_Attribute a;
        Dwarf_Word idx = 0, cl = 0;
        const char *cf = NULL;
        if (files && dwarf_formudata(dwarf_attr(scope, DW_AT_call_file, &a), &idx) == 0)
            cf = dwarf_filesrc(files, idx, NULL, NULL);
        dwarf_formudata(dwarf_attr(scope, DW_AT_call_line, &a), &cl);
        cur_file = src_file(cudie, cf);
        cur_line = (int)cl;
    }
    struct rp_frame *fr = sym_push(s);
    if (symname) {
        fr->function = rp_demangle(symname);
        free(subprogram);
    } else {
        fr->function = subprogram;
    }
    fr->file = cur_file;
    fr->line = cur_line;
}

static size_t cache_slot(const struct rp_symbolizer *s, size_t file,
                         uint64_t addr)
{
    uint64_t h = (addr ^ ((uint64_t)file << 48)) * 0x9e3779b97f4a7c15ull;
    size_t mask = s->cache_cap - 1, i = (size_t)(h >> 20) & mask;

    while (s->cache[i].file != 0 &&
           !(s->cache[i].file == file + 1 && s->cache[i].addr == addr))
        i = (i + 1) & mask;
    return i;
}

static void cache_grow(struct rp_symbolizer *s)
{
    struct cache_ent *old = s->cache;
    size_t ocap = s->cache_cap;

    s->cache_cap = ocap ? ocap * 2 : 1024;
    s->cache = rp_xcalloc(s->cache_cap, sizeof *s->cache);
    for (size_t i = 0; i < ocap; i++)
        if (old[i].file != 0)
            s->cache[cache_slot(s, old[i].file - 1, old[i].addr)] = old[i];
    free(old);
}

/* Frames for ADDR in file FI, resolved once.  Returns the cache entry. */
static struct cache_ent *sym_lookup(struct rp_symbolizer *s, size_t fi,
                                    uint64_t addr)
{
    if ((s->cache_used + 1) * 2 > s->cache_cap)
        cache_grow(s);
    size_t i = cache_slot(s, fi, addr);
    if (s->cache[i].file == 0) {
        size_t first = s->nframes;
        sym_resolve(s, &s->files[fi], addr);
        s->cache[i] = (struct cache_ent){ fi + 1, addr, first, s->nframes - first };
        s->cache_used++;
    }
    return &s->cache[i];
}

static void stack_push(struct rp_stack *st, size_t *cap, const struct rp_frame *f)
{
    if (st->nframes == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        st->frames = rp_xrealloc(st->frames, *cap, sizeof *st->frames);
    }
    st->frames[st->nframes++] = *f;
}

void rp_sym_stack(struct rp_symbolizer *s, const struct rp_run *run,
                  struct rp_stack *st)
{
    size_t cap = 0;

    if (st->frames || st->depth == 0)
        return;
    for (size_t i = 0; i < st->depth; i++) {
        const struct rp_module *m = rp_run_module(run, st->modules[i]);
        struct rp_frame raw = { .pc = st->pcs[i], .module = m ? m->path : NULL,
                                .offset = m ? st->pcs[i] - m->base : 0 };
        size_t fi = m ? sym_file(s, m) : 0;

        if (!m || !s->files[fi].mod) {
            stack_push(st, &cap, &raw);
            continue;
        }
        uint64_t addr = st->pcs[i] - 1 - m->base + s->files[fi].ref_base;
        const struct cache_ent *c = sym_lookup(s, fi, addr);
        for (size_t k = 0; k < c->n; k++) {
            struct rp_frame f = s->frames[c->first + k];
            f.function = rp_xstrdup(f.function);
            f.file = rp_xstrdup(f.file);
            f.module = raw.module;
            f.pc = raw.pc;
            f.offset = raw.offset;
            stack_push(st, &cap, &f);
        }
    }
}
