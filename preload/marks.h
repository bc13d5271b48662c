/*
 * marks.h: the intentional leaks registered by leak_mark(), each with its
 * reason and the stack of the call (the mark site).  Marks are rare; one
 * lock guards them.  Ids start at 1 and are never reused within a process.
 */
#ifndef LA_MARKS_H
#define LA_MARKS_H

#include "shim.h"

struct la_mark {
    uintptr_t block; /* start of the marked block (follows realloc) */
    uint32_t stack;  /* mark site */
    uint32_t id;
    char *why;       /* own_strdup's copy (own.h), or NULL */
};

/*
 * Adds a mark for the block at BLOCK.  WHY is taken over (already a copy).
 * Returns the new id, or 0 when no pages are left (WHY is then not kept).
 */
LA_HIDDEN uint32_t marks_add(uintptr_t block, uint32_t stack, char *why);

/* The mark with id ID, or NULL.  The pointer stays valid. */
LA_HIDDEN struct la_mark *marks_get(uint32_t id);

/* Moves mark ID to the block at NEWBLOCK (realloc moved the block). */
LA_HIDDEN void marks_move(uint32_t id, uintptr_t newblock);

/* Number of ids handed out, plus one (ids run from 1 to marks_end()-1). */
LA_HIDDEN uint32_t marks_end(void);

LA_HIDDEN void marks_lock(void);
LA_HIDDEN void marks_unlock(void);
LA_HIDDEN void marks_reset_lock(void);

#endif
