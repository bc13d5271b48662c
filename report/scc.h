/*
 * scc.h: strongly connected components of a directed graph in compressed
 * form, by an iterative Tarjan (no recursion: a chain of a million nodes
 * is fine).
 */
#ifndef RP_SCC_H
#define RP_SCC_H

#include <stddef.h>
#include <stdint.h>

/*
 * N nodes; the successors of node v are ADJ[OFF[v] .. OFF[v+1]).  Sets
 * COMP[v] to v's component; components are numbered in the order Tarjan
 * completes them, so every edge between two components goes from a higher
 * number to a lower or equal one.  Returns the number of components.
 * Exits with status 2 when memory runs out.
 */
size_t rp_scc(size_t n, const size_t *off, const uint32_t *adj, uint32_t *comp);

#endif
