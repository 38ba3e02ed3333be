/* Allocation helpers: allocation failure is not recoverable in a simulator, so these
 * abort with a message instead of returning NULL. */
#ifndef L2SIM_L1SIM_UTIL_H
#define L2SIM_L1SIM_UTIL_H

#include <stddef.h>
#include <stdlib.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
/* realloc(p, n * size) with the multiplication checked for overflow. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
/* Aborts with "l2sim: internal error: <msg>" (a broken invariant, never bad input). */
_Noreturn void fatal_invariant(const char *msg);

#endif
