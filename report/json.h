/*
 * json.h: the few pieces of JSON writing the report needs: strings
 * escaped (control characters, quotes) and made valid UTF-8 (invalid bytes
 * become U+FFFD), whatever the database held.
 */
#ifndef RP_JSON_H
#define RP_JSON_H

#include <stdint.h>
#include <stdio.h>

/* Writes S as a JSON string, or null for NULL. */
void json_str(FILE *out, const char *s);

/* Writes "KEY": (with a leading comma unless FIRST). */
void json_key(FILE *out, const char *key, int first);

#endif
