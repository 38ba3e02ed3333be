/* An arena: many small allocations that live as long as their owner, carved from
 * large blocks, freed all at once. No per-allocation header, and what is allocated
 * one after another lies side by side (a million channels' per-party arrays cost
 * their bytes, not their bytes plus malloc's 16-byte header and rounding). */
#ifndef L2SIM_L1SIM_ARENA_H
#define L2SIM_L1SIM_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *blocks; /* the newest first */
	size_t used, cap;           /* of the newest block */
};

#define ARENA_INIT { NULL, 0, 0 }

/* Zeroed memory for `size` bytes aligned to 8, valid until arena_free. Aborts on
 * allocation failure. O(1). */
void *arena_alloc(struct arena *a, size_t size);
/* Frees every allocation of the arena; it can be used again. */
void arena_free(struct arena *a);

#endif
