/*
 * maps.h: the process's memory map, /proc/self/maps (maps.c).
 */
#ifndef LA_MAPS_H
#define LA_MAPS_H

#include "shim.h"

/* /proc/self/maps, read whole into the shim's pages: the text,
 * NUL-terminated, with its mapping size in *CAP (free with pages_free);
 * NULL when it cannot be read. */
LA_HIDDEN char *maps_read(size_t *cap);

/* One mapping of that text; PATH is "" for anonymous memory. */
struct la_map {
    uintptr_t lo, hi, offset;
    unsigned long inode;
    char perms[5];
    char path[4096];
};

/* Parses the next line at *CURSOR (which it advances; the text is left
 * as it is) into M.  Returns 1, or 0 at the end of the text. */
LA_HIDDEN int maps_line(const char **cursor, struct la_map *m);

#endif
