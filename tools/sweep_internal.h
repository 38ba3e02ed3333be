/* What the files of `l2sim sweep` share (not a public interface): the state of one
 * sweep and the functions each file provides to the command (tools/sweep.c).
 *   sweep_values.c  --vary values and ranges, the order of the combinations
 *   sweep_worker.c  the metrics of a row; one run in a worker process
 *   sweep_runs.c    validating every combination, the pool of workers, the CSV
 *   sweep_table.c   the table on standard output
 *   sweep_chart.c   the gnuplot chart */
#ifndef L2SIM_TOOLS_SWEEP_INTERNAL_H
#define L2SIM_TOOLS_SWEEP_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "tools/scenario.h"
#include "tools/sweep.h"

/* The number of metric columns (SWEEP_METRICS). */
#define SWEEP_NMETRICS 22u

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
	unsigned jobs;
	const char *out;         /* NULL, "-" or a path */
	const char *plot;
	int *metrics;            /* for the chart */
	size_t nmetrics;
	bool progress;
	bool log_x, log_y;       /* --log */
	char *scenario_name;
	struct sweep_row *rows;
	const char *gnuplot;     /* its path, when --plot */
	struct sweep_worker *workers; /* run_all's pool */
	struct pollfd *pollfds;
};

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

#endif
