/*
 * peek.h: copies of the process's own memory that cannot fault (peek.c).
 */
#ifndef LA_PEEK_H
#define LA_PEEK_H

#include "shim.h"

/* Copies LEN bytes of the process's memory at SRC to DST without faulting
 * (process_vm_readv on itself; plain copies where that is refused).
 * Returns how many bytes could be read from the start. */
LA_HIDDEN size_t peek_mem(void *dst, uintptr_t src, size_t len);

/* The same for N pieces at once, REMOTE[i] into LOCAL[i] (of the same
 * lengths): one system call.  Returns the bytes read, which end at the end
 * of a piece: the pieces after a piece that is not mapped are not read. */
struct iovec;
LA_HIDDEN size_t peek_memv(const struct iovec *local, const struct iovec *remote, size_t n);

#endif
