/*
 * demangle.h: C++ (Itanium) and Rust (legacy and v0) symbol names made
 * readable, through libiberty.
 */
#ifndef RP_DEMANGLE_H
#define RP_DEMANGLE_H

/* A malloc'd readable form of NAME: demangled when it is a mangled C++ or
 * Rust name (Rust's hash suffix dropped), else a copy.  NULL for NULL. */
char *rp_demangle(const char *name);

#endif
