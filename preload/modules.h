/*
 * modules.h: the objects loaded in the process (executable, libraries)
 * with their address ranges and build-ids, so that stacks can be
 * symbolized after the process is gone.
 *
 * Found from /proc/self/maps and the ELF headers in memory, never through
 * the dynamic loader: a writer child (child.c) may be a copy of the
 * process taken while another thread held the loader's lock.  Objects that
 * are unloaded before the end (dlclose) are noted just before they go, so
 * that the blocks their code allocated still symbolize.
 */
#ifndef LA_MODULES_H
#define LA_MODULES_H

#include "shim.h"

struct la_module {
    char *path;         /* absolute path */
    uintptr_t base;     /* load bias: run-time address minus file address */
    uintptr_t start;    /* lowest and one past the highest address of */
    uintptr_t end;      /* its PT_LOAD segments */
    char build_id[129]; /* hex, or "" */
    int loaded;         /* still loaded when collected */
};

struct la_modules {
    struct la_module *v; /* the loaded ones sorted by start, then the
                            unloaded ones, oldest first */
    size_t n, nloaded;
};

/* Collects the objects loaded now and those noted before an unload.
 * Returns 0, or -1 without memory (OUT is then empty).  Free with
 * modules_free(). */
LA_HIDDEN int modules_collect(struct la_modules *out);
LA_HIDDEN void modules_free(struct la_modules *m);

/* Notes every object loaded now, so that it is still known after it is
 * unloaded: called before dlclose(). */
LA_HIDDEN void modules_note(void);

/* For a writer child: the notes' lock may be held by a thread that does
 * not exist there. */
LA_HIDDEN void modules_reset_lock(void);

/* Index of the module holding PC, or -1: a loaded one first; else the
 * latest unloaded one that held that address. */
LA_HIDDEN long modules_find(const struct la_modules *m, uintptr_t pc);

/* Index of the loaded module whose load bias is BASE, or -1. */
LA_HIDDEN long modules_by_base(const struct la_modules *m, uintptr_t base);

#endif
