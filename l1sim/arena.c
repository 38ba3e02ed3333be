#include "arena.h"

#include <stdint.h>
#include <string.h>

#include "util.h"

#define ARENA_BLOCK (1u << 20) /* bytes of a block; larger allocations get their own */

struct arena_block {
	struct arena_block *next;
	max_align_t data[]; /* the allocations */
};

void *arena_alloc(struct arena *a, size_t size)
{
	size = (size + 7) & ~(size_t)7;
	if (!a->blocks || a->cap - a->used < size) {
		size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
		/* calloc: the block's pages are touched only as they are handed out. */
		struct arena_block *b = xcalloc(1, sizeof(*b) + cap);
		b->next = a->blocks;
		a->blocks = b;
		a->used = 0;
		a->cap = cap;
	}
	void *p = (char *)a->blocks->data + a->used;
	a->used += size;
	return p;
}

void arena_free(struct arena *a)
{
	while (a->blocks) {
		struct arena_block *b = a->blocks;
		a->blocks = b->next;
		free(b);
	}
	a->used = a->cap = 0;
}
