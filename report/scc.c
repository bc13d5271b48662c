/*
 * scc.c: iterative Tarjan.  Each node keeps its index, lowlink and the
 * position of the next successor to visit; the call stack of the recursive
 * form becomes an explicit array.  O(nodes + edges) time and memory.
 */
#include <stdlib.h>

#include "model.h"
#include "scc.h"

#define UNVISITED UINT32_MAX

size_t rp_scc(size_t n, const size_t *off, const uint32_t *adj, uint32_t *comp)
{
    uint32_t *index = rp_xmalloc(n * sizeof *index);
    uint32_t *low = rp_xmalloc(n * sizeof *low);
    size_t *next = rp_xmalloc(n * sizeof *next);   /* next successor to visit */
    uint32_t *call = rp_xmalloc(n * sizeof *call);  /* the DFS path */
    uint32_t *stack = rp_xmalloc(n * sizeof *stack); /* Tarjan's stack */
    unsigned char *on = rp_xcalloc(n, 1);
    uint32_t counter = 0, ncomp = 0;
    size_t ncall = 0, nstack = 0;

    for (size_t v = 0; v < n; v++)
        index[v] = UNVISITED;
    for (size_t root = 0; root < n; root++) {
        if (index[root] != UNVISITED)
            continue;
        index[root] = low[root] = counter++;
        next[root] = off[root];
        stack[nstack++] = (uint32_t)root;
        on[root] = 1;
        call[ncall++] = (uint32_t)root;
        while (ncall > 0) {
            uint32_t v = call[ncall - 1];
            if (next[v] < off[v + 1]) {
                uint32_t w = adj[next[v]++];
                if (index[w] == UNVISITED) {
                    index[w] = low[w] = counter++;
                    next[w] = off[w];
                    stack[nstack++] = w;
                    on[w] = 1;
                    call[ncall++] = w;
                } else if (on[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            /* All successors done: V closes a component, or passes its
             * lowlink to its caller. */
            if (low[v] == index[v]) {
                uint32_t w;
                do {
                    w = stack[--nstack];
                    on[w] = 0;
                    comp[w] = ncomp;
                } while (w != v);
                ncomp++;
            }
            ncall--;
            if (ncall > 0) {
                uint32_t u = call[ncall - 1];
                if (low[v] < low[u])
                    low[u] = low[v];
            }
        }
    }
    free(index);
    free(low);
    free(next);
    free(call);
    free(stack);
    free(on);
    return ncomp;
}
