#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void rng_init(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	/* A power of two divides 2^64: nothing to reject, and the remainder is a mask (the
	 * same value the general path gives, without its divisions). */
	if ((n & (n - 1)) == 0)
		return rng_next(r) & (n - 1);
	/* Reject the top partial copy of [0, n) so every value is equally likely. */
	uint64_t rem = (0 - n) % n;               /* 2^64 mod n, as (2^64 - n) mod n */
	uint64_t limit = UINT64_MAX - rem;        /* accept x <= limit: a multiple of n values */
	uint64_t x;
	do
		x = rng_next(r);
	while (x > limit);
	return x % n;
}

struct rng_bound rng_bound_make(uint64_t n)
{
	uint64_t rem = (0 - n) % n; /* 2^64 mod n */
	return (struct rng_bound){ n, UINT64_MAX - rem };
}

uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
	uint64_t span = hi - lo;
	if (span == UINT64_MAX)
		return rng_next(r);
	return lo + rng_below(r, span + 1);
}

double rng_unit(struct rng *r)
{
	/* 53 random bits, shifted to (0, 1]. */
	return ((double)(rng_next(r) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}

double rng_exp(struct rng *r, double mean)
{
	return -mean * log(rng_unit(r));
}
