/*
 * modules.h: the objects loaded in the process (executable, libraries, vdso)
 * with their address ranges and build-ids, so that stacks can be symbolized
 * after the process is gone.  Collected at exit, under the recursion guard.
 */
#ifndef LA_MODULES_H
#define LA_MODULES_H

#include "shim.h"

struct la_module {
    char *path;         /* absolute path, or the loader's name (vdso) */
    uintptr_t base;     /* load bias: run-time address minus file address */
    uintptr_t start;    /* lowest and one past the highest address of */
    uintptr_t end;      /* its PT_LOAD segments */
    char build_id[129]; /* hex, or "" */
};

struct la_modules {
    struct la_module *v; /* sorted by start */
    size_t n;
};

/* Collects the loaded objects.  Returns 0, or -1 without memory (OUT is
 * then empty).  Free with modules_free(). */
LA_HIDDEN int modules_collect(struct la_modules *out);
LA_HIDDEN void modules_free(struct la_modules *m);

/* The address range of the loaded object whose load bias is BASE (e.g. the
 * dynamic loader's, getauxval(AT_BASE)).  Returns 0, or -1 if none. */
LA_HIDDEN int modules_range(uintptr_t base, uintptr_t *lo, uintptr_t *hi);

/* Index of the module holding PC, or -1. */
LA_HIDDEN long modules_find(const struct la_modules *m, uintptr_t pc);

#endif
