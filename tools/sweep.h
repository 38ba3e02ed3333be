/* `l2sim sweep`: run a scenario over the cartesian product of parameter values, on
 * several worker processes, and collect one row of metrics per run (a table, a CSV
 * file, an SVG chart drawn by gnuplot).
 *
 * Each run is the scenario loaded with `--set`-style overrides (tools/scenario.h), run
 * in a forked worker exactly as `l2sim run` would; the metrics are read from the JSON
 * report, so they are printed as the report prints them. Rows are kept in the
 * cartesian order (the first --vary outermost), whatever the number of workers, so
 * the output is byte-identical for any --jobs. */
#ifndef L2SIM_TOOLS_SWEEP_H
#define L2SIM_TOOLS_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

/* Most values one --vary may expand to, and most runs one sweep may have. */
#define SWEEP_MAX_VALUES 100000u
#define SWEEP_MAX_RUNS 1000000u
#define SWEEP_MAX_JOBS 1024u

/* One --vary KEY=VALUES: the key and its values, expanded, in order. */
struct sweep_axis {
	char *key;
	char **values;
	size_t nvalues;
};

/* Parses "KEY=V1,V2,..." into *axis. Each item of the comma list is a value, or a
 * range: "A..B" (integers A <= B, step 1) or "A:B:S" (numbers, S > 0, A <= B; the
 * values A, A+S, ... up to B). On failure returns false, sets *axis to empty and
 * writes one line (without "l2sim: ") to err. The caller frees with sweep_axis_free. */
bool sweep_axis_parse(const char *arg, struct sweep_axis *axis, char *err, size_t errlen);
void sweep_axis_free(struct sweep_axis *axis);

/* The number of combinations of the axes (1 for no axis). Returns false when it is
 * more than SWEEP_MAX_RUNS. */
bool sweep_count(const struct sweep_axis *axes, size_t naxes, size_t *n);
/* The value index of each axis in combination i (0 <= i < count): the first axis is
 * the outermost loop, the last the innermost. */
void sweep_combination(const struct sweep_axis *axes, size_t naxes, size_t i, size_t *idx);

/* The metric columns of a row, in CSV order; NULL-terminated. */
extern const char *const SWEEP_METRICS[];
/* The index of a metric by name, or -1. */
int sweep_metric_index(const char *name);

struct cli_options;

/* The `l2sim sweep` command with its options parsed (tools/options.h). Returns the
 * exit status: 0 every run finished, 1 a run or the chart failed, 2 bad input or usage
 * (nothing ran), 128 + signal number when interrupted by SIGINT or SIGTERM (the
 * finished rows are still written). */
int sweep_command(const struct cli_options *o);
/* Set by l2sim's main when it is built with Open MPI (tools/sweep_mpi.c): what
 * `sweep --mpi` runs; NULL: --mpi says how to get Open MPI and exits 2. A pointer, so
 * only the l2sim binary links with MPI, not the tests that link this library. */
extern int (*sweep_mpi_command)(const struct cli_options *o);
int sweep_mpi_main(const struct cli_options *o);
/* `l2sim sweep-merge OUT.csv PART...` (tools/sweep_merge.c): joins the CSVs of
 * --shard I/N runs into the CSV one machine writes. Exit status 0, or 2 (nothing
 * written) for shards of different sweeps, a missing, duplicate or incomplete shard. */
int sweep_merge_command(const struct cli_options *o);
/* The same from the arguments after "sweep" (parsed with cli_parse). */
int sweep_main(int argc, char **argv);

#endif
