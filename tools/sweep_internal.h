/* What the files of `l2sim sweep` share (not a public interface): the state of one
 * sweep and the functions each file provides to the command (tools/sweep.c).
 *   sweep_values.c  --vary values and ranges, the order of the combinations
 *   sweep_worker.c  the metrics of a row; one run in a worker process
 *   sweep_runs.c    validating every combination, the pool of workers, the CSV
 *   sweep_table.c   the table on standard output
 *   sweep_chart.c   the gnuplot chart
 *   sweep_shard.c   --shard: the header line naming the sweep and its grid
 *   sweep_merge.c   l2sim sweep-merge: shards joined into the one-machine CSV
 *   sweep_mpi.c     --mpi: the runs handed to the ranks of mpirun (built with Open MPI) */
#ifndef L2SIM_TOOLS_SWEEP_INTERNAL_H
#define L2SIM_TOOLS_SWEEP_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "tools/scenario.h"
#include "tools/sweep.h"

/* The number of metrics (SWEEP_METRICS): the first SWEEP_NBASE_METRICS are every
 * sweep's CSV columns; the scheme_* ones (SPEC section 11: the figures of the scheme
 * the first poisson workload goes through, from the report's `schemes`) are columns
 * only of a sweep whose scenario uses section 11 (sweep.schemes), so that every other
 * sweep's CSV is what it was. */
#define SWEEP_NMETRICS 32u
#define SWEEP_NBASE_METRICS 22u

struct sweep_worker {
	pid_t pid;
	int fd;
	size_t run;
	char *buf;
	size_t len, cap;
};

struct sweep_row {
	bool done;
	char *line;              /* the worker's line, split in place */
	char *fields[SWEEP_NMETRICS];
};

struct sweep {
	const char *file;
	char *text;              /* the scenario file */
	size_t text_len;
	struct sweep_axis *axes;
	size_t naxes;
	const struct scn_override *sets;
	size_t nsets;
	size_t nruns;
	/* --shard I/N: the runs I, I+N, ...; every run is shard 0/1. nsel runs are
	 * selected; the k-th of them is run sweep_sel_run(sw, k). */
	size_t shard_i, shard_n, nsel;
	bool sharded;            /* --shard given: the CSV starts with sweep_shard_header */
	char *shard_header;
	unsigned jobs;
	const char *out;         /* NULL, "-" or a path */
	const char *plot;
	int *metrics;            /* for the chart */
	size_t nmetrics;
	bool progress;
	bool log_x, log_y;       /* --log */
	bool schemes;            /* the scenario uses SPEC section 11: scheme_* columns */
	char *scenario_name;
	char *description;       /* the scenario's (first valid run), for the chart's title */
	const char **labels;     /* --label KEY=TEXT, checked: KEY is an axis or a charted metric */
	size_t nlabels;
	struct sweep_row *rows;
	const char *gnuplot;     /* its path, when --plot */
	struct sweep_worker *workers; /* run_all's pool */
	struct pollfd *pollfds;
};

/* The CSV's metric columns. */
static inline size_t sweep_ncolumns(const struct sweep *sw)
{
	return sw->schemes ? SWEEP_NMETRICS : SWEEP_NBASE_METRICS;
}

/* The run index of the k-th selected run (k < sw->nsel). */
static inline size_t sweep_sel_run(const struct sweep *sw, size_t k)
{
	return sw->shard_i + k * sw->shard_n;
}

/* The `sweep` command with the function that runs the selected combinations into
 * sw->rows (sweep_run_all on one machine, the MPI dispatcher under --mpi): returns
 * the number of runs that failed. */
typedef size_t sweep_run_all_fn(struct sweep *sw);
int sweep_command_with(const struct cli_options *o, sweep_run_all_fn *run_all);
/* The parts of the sweep that need no file: the --vary axes, the --set overrides and
 * the shard (what an MPI worker rank builds from its own command line); false after
 * a usage error. */
bool sweep_setup_grid(struct sweep *sw, const struct cli_options *o);
void sweep_free(struct sweep *sw);

/* "# l2sim sweep shard I/N: runs=R scenario=blake2b:HEX --set ... --vary ...": the
 * first line of a --shard CSV (without its newline); the caller frees. */
char *sweep_shard_header(const struct sweep *sw, const struct cli_options *o);

/* The progress bar on sweep_progress_file (NULL: stderr; sweep_runs.c): runs done of
 * total, elapsed, left. */
extern FILE *sweep_progress_file;
double sweep_now(void);
void sweep_progress_draw(size_t done, size_t total, double elapsed);
void sweep_progress_clear(void);
/* Splits a worker's row line buf[0..len) into row's fields; false when it is not a
 * whole row (then the row is untouched). */
bool sweep_take_row(struct sweep_row *row, char *buf, size_t len);

/* A plain decimal number (no sign '+', hex, inf or nan) of s[0..len), finite. */
bool sweep_parse_double(const char *s, size_t len, double *out);

/* The overrides of run i: every --set, then one per axis. ov has nsets + naxes slots. */
void sweep_run_overrides(const struct sweep *sw, size_t i, struct scn_override *ov);
/* Runs run i and writes its row (metrics separated by tabs, then a newline) to fd.
 * Returns the exit status of the worker. */
int sweep_worker_run(const struct sweep *sw, size_t i, int fd);
/* "k1=v1, k2=v2" of run i; the caller frees. */
char *sweep_run_label(const struct sweep *sw, size_t i);
/* Loads every combination; prints each distinct problem once (with the first
 * combination that shows it). Returns the number of invalid combinations. */
size_t sweep_validate_all(struct sweep *sw);
/* Runs every combination on up to sw->jobs workers into sw->rows. Returns the number
 * of runs that failed; stops early (killing the workers) when a signal arrives. */
size_t sweep_run_all(struct sweep *sw);
/* The CSV: a header, then one row per finished run, in order. */
void sweep_write_csv(FILE *f, const struct sweep *sw);

/* SIGINT or SIGTERM, once received (0 before): the sweep stops gracefully. */
extern volatile sig_atomic_t sweep_stop_signal;
struct sweep_saved_signals {
	struct sigaction intr, term;
};
void sweep_signals_install(struct sweep_saved_signals *saved);
void sweep_signals_restore(const struct sweep_saved_signals *saved);

/* The table of the finished runs (a few metrics, aligned columns). */
void sweep_print_table(FILE *f, const struct sweep *sw);

/* The path of an executable named `name` on PATH, or NULL. The caller frees. */
char *sweep_find_on_path(const char *name);
/* Draws the chart with gnuplot into out (its SVG on gnuplot's standard output).
 * Returns true when it did; otherwise says why on stderr (gnuplot's own messages
 * only when it failed). */
bool sweep_draw_chart(const struct sweep *sw, FILE *out);
/* The text the chart shows for KEY (a --vary key or a metric name): its --label, or
 * KEY itself. */
const char *sweep_label(const struct sweep *sw, const char *key);
/* The chart's title from a description: its first sentence, at most max bytes (cut at
 * a word, "..." added), never splitting a UTF-8 character; the caller frees. */
char *sweep_title_sentence(const char *description, size_t max);

#endif
