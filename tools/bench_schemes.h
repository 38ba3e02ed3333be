/* `l2sim bench`'s `schemes` figure (tools/bench_schemes.c): the same demand through
 * l1, channels, an optimistic rollup and a sidechain (SPEC section 11). */
#ifndef L2SIM_TOOLS_BENCH_SCHEMES_H
#define L2SIM_TOOLS_BENCH_SCHEMES_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_SCHEMES 4 /* l1, channels, r1, s1 */

struct bench_scheme {
	const char *via;
	bool skipped;            /* this build cannot load the scheme's section yet */
	uint64_t payments;       /* ok + failed */
	double cpu_s, wall_s;    /* the whole run after loading */
	double per_s;            /* payments per CPU second */
};

struct bench_schemes {
	struct bench_scheme s[BENCH_SCHEMES];
	double rollup_ratio;     /* rollup / channels payments per second (goal >= 0.5); 0: skipped */
};

/* Runs the four (10^6 payments each, 10^4 with quick); progress to err (may be NULL). */
void bench_schemes_run(bool quick, FILE *err, struct bench_schemes *out);
/* Adds "schemes" to the bench's JSON object. */
void bench_schemes_json(cJSON *root, const struct bench_schemes *b);
/* The table's lines. */
void bench_schemes_table(FILE *out, const struct bench_schemes *b);

#endif
