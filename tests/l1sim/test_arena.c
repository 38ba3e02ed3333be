/* Unit tests of l1sim/arena: zeroed, aligned, distinct pieces; large pieces; reuse
 * after arena_free (leaks and overlaps show under make SAN=1 test and valgrind). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "l1sim/arena.h"

Test(arena, pieces_are_zeroed_aligned_and_distinct)
{
	struct arena a = ARENA_INIT;
	uint8_t *prev = NULL;
	size_t prev_size = 0;
	for (size_t i = 1; i < 20000; i++) {
		size_t size = 1 + i % 37;
		uint8_t *p = arena_alloc(&a, size);
		cr_assert_eq((uintptr_t)p % 8, 0);
		for (size_t k = 0; k < size; k++)
			cr_assert_eq(p[k], 0);
		memset(p, 0xab, size);
		if (prev)
			cr_assert(p >= prev + prev_size || p + size <= prev, "pieces overlap");
		prev = p;
		prev_size = size;
	}
	arena_free(&a);
}

Test(arena, a_piece_larger_than_a_block_and_reuse)
{
	struct arena a = ARENA_INIT;
	uint8_t *small = arena_alloc(&a, 16);
	uint8_t *big = arena_alloc(&a, 3u << 20);
	memset(big, 1, 3u << 20);
	uint8_t *after = arena_alloc(&a, 8);
	cr_assert(small && big && after);
	cr_assert_eq(after[0], 0);
	arena_free(&a);
	cr_assert_null(a.blocks);
	uint8_t *again = arena_alloc(&a, 24);
	cr_assert_eq(again[23], 0);
	arena_free(&a);
}
