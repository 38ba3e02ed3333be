/* Unit tests of l1sim/rng: determinism, independence of seeds and streams, bounds
 * and (loose, deterministic) uniformity of rng_below/rng_range, the (0, 1] range of
 * rng_unit at its two extreme outputs, and the mean of rng_exp.
 *
 * Every statistical bound is many standard deviations wide and the seeds are fixed,
 * so these tests cannot flake: they fail only if the generator changes or breaks. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>

#include "l1sim/rng.h"

#define DRAWS 100000

Test(rng, same_seed_same_sequence)
{
	struct rng a, b;
	rng_init(&a, 42, 7);
	rng_init(&b, 42, 7);
	for (int i = 0; i < 10000; i++)
		cr_assert_eq(rng_next(&a), rng_next(&b), "diverged at draw %d", i);
}

/* Counts positions where two sequences agree; independent 64-bit streams should
 * essentially never agree. */
static int agreements(uint64_t seed_a, uint64_t stream_a, uint64_t seed_b, uint64_t stream_b)
{
	struct rng a, b;
	rng_init(&a, seed_a, stream_a);
	rng_init(&b, seed_b, stream_b);
	int same = 0;
	for (int i = 0; i < 1000; i++)
		same += rng_next(&a) == rng_next(&b);
	return same;
}

Test(rng, different_seeds_differ)
{
	cr_assert_eq(agreements(1, 0, 2, 0), 0);
	cr_assert_eq(agreements(0, 0, 1, 0), 0);
	cr_assert_eq(agreements(UINT64_MAX, 0, 0, 0), 0);
}

Test(rng, different_streams_differ)
{
	cr_assert_eq(agreements(1, 0, 1, 1), 0);
	cr_assert_eq(agreements(1, 1, 1, 2), 0);
	cr_assert_eq(agreements(0, 0, 0, 1), 0);
	/* The stream is mixed, not simply xor-ed into the seed. */
	cr_assert_eq(agreements(1, 1, 0, 0), 0);
}

Test(rng, seed_zero_is_not_degenerate)
{
	struct rng r;
	rng_init(&r, 0, 0);
	cr_assert(r.s[0] | r.s[1] | r.s[2] | r.s[3], "xoshiro state must not be all zero");
	uint64_t first = rng_next(&r), orbits = 0;
	for (int i = 0; i < 100; i++)
		orbits |= rng_next(&r) ^ first;
	cr_assert_neq(orbits, 0);
}

Test(rng, below_one_is_always_zero)
{
	struct rng r;
	rng_init(&r, 3, 0);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(rng_below(&r, 1), 0);
}

Test(rng, below_stays_in_bounds)
{
	const uint64_t ns[] = { 2, 3, 7, 10, 1000, (1ULL << 32) + 1, (1ULL << 63) - 1, 1ULL << 63,
				(1ULL << 63) + 1, UINT64_MAX - 1, UINT64_MAX };
	struct rng r;
	rng_init(&r, 5, 0);
	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++)
		for (int i = 0; i < 2000; i++)
			cr_assert_lt(rng_below(&r, ns[k]), ns[k]);
}

Test(rng, below_is_roughly_uniform)
{
	enum { K = 10 };
	uint64_t count[K] = { 0 };
	struct rng r;
	rng_init(&r, 11, 3);
	for (int i = 0; i < DRAWS; i++)
		count[rng_below(&r, K)]++;
	double expect = (double)DRAWS / K, chi2 = 0;
	for (int k = 0; k < K; k++)
		chi2 += ((double)count[k] - expect) * ((double)count[k] - expect) / expect;
	/* 9 degrees of freedom: P(chi2 > 40) is about 1e-5. */
	cr_assert_lt(chi2, 40.0, "chi-square %.2f", chi2);
}

/* With n about 2/3 of 2^64, a plain x % n would make the low third of [0, n) twice as
 * likely as the rest (P(below n/2) would be 2/3). Rejection sampling keeps it at 1/2. */
Test(rng, below_is_unbiased_for_large_n)
{
	const uint64_t n = 0xAAAAAAAAAAAAAAABULL;
	struct rng r;
	rng_init(&r, 17, 0);
	int low = 0;
	for (int i = 0; i < DRAWS; i++)
		low += rng_below(&r, n) < n / 2;
	double frac = (double)low / DRAWS;
	cr_assert(fabs(frac - 0.5) < 0.01, "fraction below n/2: %.4f", frac);
}

Test(rng, range_full_is_rng_next)
{
	struct rng a, b;
	rng_init(&a, 9, 9);
	rng_init(&b, 9, 9);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(rng_range(&a, 0, UINT64_MAX), rng_next(&b));
}

Test(rng, range_bounds)
{
	struct rng r;
	rng_init(&r, 21, 0);
	for (int i = 0; i < 100; i++) {
		cr_assert_eq(rng_range(&r, 0, 0), 0);
		cr_assert_eq(rng_range(&r, UINT64_MAX, UINT64_MAX), UINT64_MAX);
		cr_assert_eq(rng_range(&r, 12345, 12345), 12345);
	}
	bool seen[4] = { false };
	bool top[2] = { false };
	for (int i = 0; i < 1000; i++) {
		uint64_t v = rng_range(&r, 5, 8);
		cr_assert(v >= 5 && v <= 8);
		seen[v - 5] = true;
		uint64_t w = rng_range(&r, UINT64_MAX - 1, UINT64_MAX);
		cr_assert_geq(w, UINT64_MAX - 1);
		top[w - (UINT64_MAX - 1)] = true;
		uint64_t x = rng_range(&r, 1, UINT64_MAX); /* span 2^64-2: not the full range */
		cr_assert_geq(x, 1);
	}
	cr_assert(seen[0] && seen[1] && seen[2] && seen[3], "every value of [5, 8] appears");
	cr_assert(top[0] && top[1]);
}

Test(rng, unit_in_half_open_interval)
{
	struct rng r;
	rng_init(&r, 33, 0);
	double sum = 0;
	for (int i = 0; i < DRAWS; i++) {
		double u = rng_unit(&r);
		cr_assert(u > 0.0 && u <= 1.0, "%.17g", u);
		sum += u;
	}
	cr_assert(fabs(sum / DRAWS - 0.5) < 0.01, "mean %.4f", sum / DRAWS);
}

/* The inverse of an odd number modulo 2^64 (Newton's iteration). */
static uint64_t inverse_odd(uint64_t a)
{
	uint64_t x = a; /* correct to 3 bits */
	for (int i = 0; i < 6; i++)
		x *= 2 - a * x;
	return x;
}

static uint64_t rotr(uint64_t x, int k)
{
	return (x >> k) | (x << (64 - k));
}

/* A generator whose next output is exactly `out` (xoshiro256** output is
 * rotl(s[1] * 5, 7) * 9, which is invertible in s[1]). */
static struct rng rng_yielding(uint64_t out)
{
	struct rng r = { { 1, 0, 2, 3 } };
	r.s[1] = rotr(out * inverse_odd(9), 7) * inverse_odd(5);
	return r;
}

Test(rng, unit_extremes_are_inside)
{
	struct rng lo = rng_yielding(0), hi = rng_yielding(UINT64_MAX);
	struct rng lo2 = lo, hi2 = hi;
	cr_assert_eq(rng_next(&lo2), 0, "crafted state yields 0");
	cr_assert_eq(rng_next(&hi2), UINT64_MAX, "crafted state yields 2^64-1");
	double u0 = rng_unit(&lo), u1 = rng_unit(&hi);
	cr_assert_eq(u0, 1.0 / 9007199254740992.0, "smallest unit is 2^-53, not 0");
	cr_assert_eq(u1, 1.0, "largest unit is exactly 1");
	lo = rng_yielding(0);
	hi = rng_yielding(UINT64_MAX);
	double e0 = rng_exp(&lo, 1000.0), e1 = rng_exp(&hi, 1000.0);
	cr_assert(isfinite(e0) && e0 > 0, "exp of the smallest unit is finite: %g", e0);
	cr_assert_float_eq(e0, 1000.0 * 53 * log(2.0), 1e-6);
	cr_assert_eq(e1, 0.0);
}

Test(rng, exp_mean_within_a_few_percent)
{
	const double means[] = { 1.0, 600000.0 };
	for (size_t m = 0; m < 2; m++) {
		struct rng r;
		rng_init(&r, 77, m);
		double sum = 0, sumsq = 0;
		for (int i = 0; i < DRAWS; i++) {
			double x = rng_exp(&r, means[m]);
			cr_assert(isfinite(x) && x >= 0);
			sum += x;
			sumsq += x * x;
		}
		double mean = sum / DRAWS, var = sumsq / DRAWS - mean * mean;
		/* sd of the sample mean is mean/sqrt(1e5) ~ 0.3%: 3% is 10 sd. */
		cr_assert(fabs(mean / means[m] - 1) < 0.03, "mean %.4g for %.4g", mean, means[m]);
		/* Exp(mean) has variance mean^2. */
		cr_assert(fabs(var / (means[m] * means[m]) - 1) < 0.1, "variance ratio %.3f",
			  var / (means[m] * means[m]));
	}
}

Test(rng, exp_is_deterministic)
{
	struct rng a, b;
	rng_init(&a, 5, 1);
	rng_init(&b, 5, 1);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(rng_exp(&a, 600.0), rng_exp(&b, 600.0));
}

/* rng_below_bound is rng_below with its limit computed once: same values, same number
 * of draws, for powers of two, small and huge n, and n whose rejection zone is large. */
Test(rng, below_bound_gives_what_below_gives)
{
	static const uint64_t ns[] = { 1, 2, 3, 7, 8, 10, 1000, 1000000, 1ULL << 32, (1ULL << 63) + 1,
				       UINT64_MAX - 1, UINT64_MAX };
	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		struct rng a, b;
		rng_init(&a, 5, k);
		rng_init(&b, 5, k);
		struct rng_bound bound = rng_bound_make(ns[k]);
		for (int i = 0; i < 2000; i++)
			cr_assert_eq(rng_below_bound(&a, &bound), rng_below(&b, ns[k]), "n = %llu, draw %d",
				     (unsigned long long)ns[k], i);
		cr_assert_eq(rng_next(&a), rng_next(&b), "n = %llu: the generators diverged",
			     (unsigned long long)ns[k]);
	}
}

/* Known answers: the first values of (seed 1, stream 0) and of (seed 42, workload 0's
 * stream 0x574c0000), computed by an independent transcription of splitmix64 seeding
 * and xoshiro256** (Blackman and Vigna's reference). Every run's output depends on
 * this sequence: changing the generator, its seeding or the stream constant must fail
 * here, and is a change of every golden output (tests/golden/). */
Test(rng, known_answers)
{
	static const uint64_t seed1[4] = { 0xb3f2af6d0fc710c5ULL, 0x853b559647364ceaULL,
					   0x92f89756082a4514ULL, 0x642e1c7bc266a3a7ULL };
	static const uint64_t seed42_wl0[4] = { 0xc64b43760bba06b7ULL, 0x3871889c76b9f02eULL,
						0x7a562b663659c771ULL, 0xbc38dfd01f116af1ULL };
	struct rng r;
	rng_init(&r, 1, 0);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(rng_next(&r), seed1[i], "seed 1 stream 0, value %d", i);
	rng_init(&r, 42, 0x574c0000u);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(rng_next(&r), seed42_wl0[i], "seed 42 stream 0x574c0000, value %d", i);
	/* splitmix64's first output from 0 is its published first value. */
	rng_init(&r, 0, 0);
	cr_assert_eq(r.s[0], 0xe220a8397b1dcdafULL);
}
