/* The one seeded random generator of a run (xoshiro256**, seeded through
 * splitmix64). Same seed, same sequence, on every machine. No rand(), no clock. */
#ifndef L2SIM_L1SIM_RNG_H
#define L2SIM_L1SIM_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seeds the generator; different (seed, stream) pairs give independent sequences. */
void rng_init(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n); n must be > 0. Unbiased (rejection sampling). */
uint64_t rng_below(struct rng *r, uint64_t n);
/* rng_below(r, n) for a fixed n, with its rejection limit computed once: the same
 * values from the same generator, one division a draw instead of three. */
struct rng_bound {
	uint64_t n, limit;
};
struct rng_bound rng_bound_make(uint64_t n);
static inline uint64_t rng_below_bound(struct rng *r, const struct rng_bound *b)
{
	uint64_t x;
	do
		x = rng_next(r);
	while (x > b->limit);
	return (b->n & (b->n - 1)) == 0 ? x & (b->n - 1) : x % b->n;
}
/* Uniform in [lo, hi], lo <= hi, the full 64-bit range allowed. */
uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi);
/* Uniform double in (0, 1]: never 0, so -log() of it is finite. */
double rng_unit(struct rng *r);
/* A draw of Exp(mean): -mean * ln(U). */
double rng_exp(struct rng *r, double mean);

#endif
