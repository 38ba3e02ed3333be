/* `l2sim bench`: how fast the simulator is, each figure beside the bound it is compared
 * with, measured in the same run (docs/performance.md). Uses the wall clock, which is
 * why it lives here and not in the simulation code; it changes no simulation output. */
#ifndef L2SIM_TOOLS_BENCH_H
#define L2SIM_TOOLS_BENCH_H

#include <stdbool.h>
#include <stdio.h>

struct bench_options {
	bool quick;   /* a few-second smoke run (make test) instead of the full one */
	bool json;    /* the JSON object instead of the table */
	const char *only; /* "routed,l1": only these figures (NULL: every one) */
};

/* Runs every measurement (or those of o->only) and writes the table or the JSON to
 * out; progress goes to err (may be NULL). Returns 0, or 2 if a measurement could not
 * be made (a child process failed) or o->only names no figure (said on stderr). */
int bench_run(const struct bench_options *o, FILE *out, FILE *err);

#endif
