/* `l2sim sweep`: the command. It checks everything (the options, every combination
 * of the --vary values, gnuplot, the output files) before anything runs, then runs
 * the combinations (sweep_runs.c) and writes the CSV, the chart and the table. */
#include "sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "l1sim/util.h"
#include "tools/options.h"
#include "tools/output.h"
#include "tools/sweep_internal.h"

static unsigned default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > (long)SWEEP_MAX_JOBS ? SWEEP_MAX_JOBS : (unsigned)n;
}

/* The --metric list into sw->metrics; false after saying which name is unknown. */
static bool parse_metrics(struct sweep *sw, const char *list)
{
	sw->metrics = xcalloc(strlen(list) / 2 + 2, sizeof(*sw->metrics));
	char *copy = xstrdup(list);
	bool ok = true;
	for (char *p = copy, *comma;; p = comma + 1) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		int m = sweep_metric_index(p);
		if (m < 0) {
			fprintf(stderr, "l2sim: sweep: --metric: unknown metric \"%s\"; the metrics are:", p);
			for (size_t j = 0; SWEEP_METRICS[j]; j++)
				fprintf(stderr, " %s", SWEEP_METRICS[j]);
			fputc('\n', stderr);
			ok = false;
			break;
		}
		sw->metrics[sw->nmetrics++] = m;
		if (!comma)
			break;
	}
	free(copy);
	return ok;
}

/* The --label KEY=TEXT options: each KEY names a --vary or a charted --metric, once;
 * false after a usage error. */
static bool check_labels(struct sweep *sw, const struct cli_options *o)
{
	sw->labels = o->labels;
	sw->nlabels = o->nlabels;
	if (o->nlabels && !sw->plot)
		return cli_usage(CLI_SWEEP, "--label names the chart's axes; give --plot FILE.svg too"), false;
	for (size_t l = 0; l < o->nlabels; l++) {
		const char *spec = o->labels[l];
		size_t klen = (size_t)(strchr(spec, '=') - spec);
		bool known = false;
		for (size_t k = 0; k < sw->naxes && !known; k++)
			known = strlen(sw->axes[k].key) == klen && strncmp(sw->axes[k].key, spec, klen) == 0;
		for (size_t m = 0; m < sw->nmetrics && !known; m++)
			known = strlen(SWEEP_METRICS[sw->metrics[m]]) == klen &&
				strncmp(SWEEP_METRICS[sw->metrics[m]], spec, klen) == 0;
		if (!known)
			return cli_usage(CLI_SWEEP, "--label %.*s: not a --vary key nor a charted --metric", (int)klen, spec),
			       false;
		for (size_t j = 0; j < l; j++) {
			if (strncmp(o->labels[j], spec, klen + 1) == 0)
				return cli_usage(CLI_SWEEP, "--label %.*s is given twice", (int)klen, spec), false;
		}
	}
	return true;
}

/* The parts of the sweep that need no file: the axes, the overrides, the shard; false
 * after a usage error. */
bool sweep_setup_grid(struct sweep *sw, const struct cli_options *o)
{
	sw->sets = o->sets;
	sw->nsets = o->nsets;
	sw->axes = xcalloc(o->nvary + 1, sizeof(*sw->axes));
	if (o->nvary == 0)
		return cli_usage(CLI_SWEEP, "needs at least one --vary KEY=V1,V2,..."), false;
	if (o->nvary > 64)
		return cli_usage(CLI_SWEEP, "at most 64 --vary"), false;
	for (size_t k = 0; k < o->nvary; k++) {
		char err[256];
		if (!sweep_axis_parse(o->vary[k], &sw->axes[sw->naxes], err, sizeof(err)))
			return cli_usage(CLI_SWEEP, "%s", err), false;
		sw->naxes++;
	}
	for (size_t k = 0; k < sw->naxes; k++) {
		for (size_t j = 0; j < k; j++) {
			if (strcmp(sw->axes[k].key, sw->axes[j].key) == 0)
				return cli_usage(CLI_SWEEP, "--vary %s is given twice", sw->axes[k].key), false;
		}
		for (size_t j = 0; j < sw->nsets; j++) {
			if (strcmp(sw->axes[k].key, sw->sets[j].key) == 0)
				return cli_usage(CLI_SWEEP, "%s is both varied (--vary) and fixed (--set)", sw->axes[k].key),
				       false;
		}
	}
	if (!sweep_count(sw->axes, sw->naxes, &sw->nruns))
		return cli_usage(CLI_SWEEP, "more than %u runs", SWEEP_MAX_RUNS), false;
	sw->sharded = o->shard_n > 0;
	sw->shard_i = sw->sharded ? o->shard_i : 0;
	sw->shard_n = sw->sharded ? o->shard_n : 1;
	sw->nsel = sw->shard_i < sw->nruns ? (sw->nruns - 1 - sw->shard_i) / sw->shard_n + 1 : 0;
	return true;
}

/* The checks of the options that need no file; false after a usage error. */
static bool check_options(struct sweep *sw, const struct cli_options *o, const char *path)
{
	if (!sweep_setup_grid(sw, o))
		return false;
	if (sw->sharded && sw->plot)
		return cli_usage(CLI_SWEEP, "--plot draws every run; with --shard, draw the merged CSV (sweep-merge)"), false;
	if ((o->metric || o->log_given) && !sw->plot)
		return cli_usage(CLI_SWEEP, "%s shapes the chart; give --plot FILE.svg too",
				 o->metric ? "--metric" : "--log"),
		       false;
	for (size_t v = 0; sw->log_x && v < sw->axes[0].nvalues; v++) {
		double d;
		const char *x = sw->axes[0].values[v];
		if (!sweep_parse_double(x, strlen(x), &d) || !(d > 0))
			return cli_usage(CLI_SWEEP, "--log x needs numbers above 0 for %s (got \"%s\")", sw->axes[0].key, x),
			       false;
	}
	if (sw->plot && !parse_metrics(sw, o->metric ? o->metric : "throughput_gain"))
		return false;
	if (!check_labels(sw, o))
		return false;
	bool stdin_file = strcmp(path, "-") == 0;
	if (sw->out && strcmp(sw->out, "-") != 0 && !stdin_file && output_same_file(sw->out, path))
		return cli_usage(CLI_SWEEP, "--out %s would overwrite the scenario", sw->out), false;
	if (sw->plot && !stdin_file && output_same_file(sw->plot, path))
		return cli_usage(CLI_SWEEP, "--plot %s would overwrite the scenario", sw->plot), false;
	if (sw->plot && sw->out && output_same_file(sw->plot, sw->out))
		return cli_usage(CLI_SWEEP, "--out and --plot name the same file"), false;
	return true;
}

/* Reads the file, validates every combination and finds gnuplot; false after saying
 * what is wrong (nothing ran). */
static bool prepare(struct sweep *sw, const char *path)
{
	struct scn_errors read_errs = { 0 };
	bool read_ok = cli_read_input(path, &sw->text, &sw->text_len, &read_errs);
	for (size_t e = 0; e < read_errs.n; e++)
		fprintf(stderr, "%s\n", read_errs.lines[e]);
	scn_errors_free(&read_errs);
	if (!read_ok)
		return false;
	size_t bad = sweep_validate_all(sw);
	if (bad) {
		fprintf(stderr, "l2sim: sweep: %zu of %zu runs would have bad input; nothing ran\n", bad, sw->nsel);
		return false;
	}
	if (sw->plot) {
		char *gp = sweep_find_on_path("gnuplot");
		if (!gp) {
			fprintf(stderr,
				"l2sim: sweep: --plot needs gnuplot, which is not installed (nothing ran).\n"
				"  On Debian or Ubuntu: %sapt-get install gnuplot-nox\n"
				"  (or run `bash tools/setup.sh` in the l2sim sources)\n",
				getuid() == 0 ? "" : "sudo ");
			return false;
		}
		sw->gnuplot = gp;
	}
	return true;
}

/* Commits an output; false after naming it. */
static bool commit(struct output *o, const char *option)
{
	char *name = xstrdup(output_path(o));
	bool ok = output_commit(o);
	if (!ok)
		fprintf(stderr, "l2sim: sweep: %s %s: cannot write: %s\n", option, name, strerror(errno));
	free(name);
	return ok;
}

void sweep_free(struct sweep *sw)
{
	for (size_t i = 0; sw->rows && i < sw->nruns; i++)
		free(sw->rows[i].line);
	free(sw->rows);
	for (size_t k = 0; k < sw->naxes; k++)
		sweep_axis_free(&sw->axes[k]);
	free(sw->axes);
	free(sw->metrics);
	free(sw->text);
	free(sw->scenario_name);
	free(sw->description);
	free(sw->shard_header);
	free((char *)sw->gnuplot);
}

int (*sweep_mpi_command)(const struct cli_options *o);

int sweep_command(const struct cli_options *o)
{
	if (o->mpi && sweep_mpi_command)
		return sweep_mpi_command(o);
	if (o->mpi) {
		fprintf(stderr,
			"l2sim: sweep: --mpi needs Open MPI, and this l2sim was built without it (nothing ran).\n"
			"  On Debian or Ubuntu: %sapt-get install libopenmpi-dev openmpi-bin\n"
			"  then rebuild: make clean && make (or run `bash tools/setup.sh` in the l2sim sources);\n"
			"  without MPI, --jobs N uses one machine and --shard I/N splits a sweep between jobs\n",
			getuid() == 0 ? "" : "sudo ");
		return 2;
	}
	return sweep_command_with(o, sweep_run_all);
}

int sweep_command_with(const struct cli_options *o, sweep_run_all_fn *run_all)
{
	struct sweep sw = { 0 };
	int rc = 2;
	struct output *csv = NULL, *plot = NULL;
	bool have_signals = false, interrupted_in_chart = false;
	struct sweep_saved_signals saved;
	const char *path = o->files[0];
	sw.file = cli_input_name(path);
	sw.out = o->out;
	sw.plot = o->plot;
	sw.log_x = o->log_x;
	sw.log_y = o->log_y;
	sw.jobs = o->jobs ? o->jobs : default_jobs();
	/* Everything is checked before anything runs. */
	if (!check_options(&sw, o, path) || !prepare(&sw, path))
		goto out;
	if (sw.sharded)
		sw.shard_header = sweep_shard_header(&sw, o);

	/* The fatal handlers first (they remove temporaries), then the graceful stop of
	 * SIGINT and SIGTERM; restoring it gives the fatal handlers back. */
	output_catch_signals();
	sweep_signals_install(&saved);
	have_signals = true;
	/* The output files are opened first, so a path that cannot be written is an error
	 * before the runs, not after them. */
	if (sw.out && strcmp(sw.out, "-") != 0 && !(csv = output_open(sw.out, OUTPUT_DEFAULT))) {
		fprintf(stderr, "l2sim: sweep: --out %s: cannot write: %s\n", sw.out, strerror(errno));
		goto out;
	}
	if (sw.plot && !(plot = output_open(sw.plot, OUTPUT_DEFAULT))) {
		fprintf(stderr, "l2sim: sweep: --plot %s: cannot write: %s\n", sw.plot, strerror(errno));
		goto out;
	}

	sw.rows = xcalloc(sw.nruns, sizeof(*sw.rows));
	sw.progress = isatty(STDERR_FILENO);
	size_t failed = run_all(&sw);
	size_t finished = 0;
	for (size_t i = 0; i < sw.nruns; i++)
		finished += sw.rows[i].done;
	rc = failed ? 1 : 0;
	if (sweep_stop_signal)
		rc = 128 + sweep_stop_signal;

	if (csv && sweep_stop_signal && finished == 0) {
		/* Nothing to keep: leave any earlier file as it was. */
		output_discard(csv);
	} else if (csv) {
		sweep_write_csv(output_file(csv), &sw);
		if (!commit(csv, "--out") && rc == 0)
			rc = 1;
	}
	csv = NULL;
	if (plot && finished > 0 && !sweep_stop_signal) {
		if (sweep_draw_chart(&sw, output_file(plot)) && !sweep_stop_signal) {
			if (!commit(plot, "--plot") && rc == 0)
				rc = 1;
			plot = NULL;
		} else if (sweep_stop_signal) {
			rc = 128 + sweep_stop_signal;
			interrupted_in_chart = true;
			fprintf(stderr, "l2sim: sweep interrupted while drawing the chart; no chart drawn\n");
		} else if (rc == 0) {
			rc = 1;
		}
	}
	output_discard(plot);
	plot = NULL;
	/* The files first, standard output last: a reader that stops early (| head)
	 * cannot leave a temporary file behind. */
	if (!sw.out || strcmp(sw.out, "-") != 0)
		sweep_print_table(stdout, &sw);
	else
		sweep_write_csv(stdout, &sw);
	int err = output_check_stdout();
	if (err) {
		fprintf(stderr, "l2sim: sweep: cannot write to standard output: %s\n", strerror(err));
		if (rc == 0)
			rc = 1;
	}
	if (sweep_stop_signal && !interrupted_in_chart) {
		bool kept = sw.out && strcmp(sw.out, "-") != 0 && finished;
		fprintf(stderr, "l2sim: sweep interrupted: %zu of %zu runs finished%s%s%s\n", finished, sw.nsel,
			kept ? "; their rows are in " : "", kept ? sw.out : "", sw.plot ? "; no chart drawn" : "");
	}
out:
	output_discard(csv);
	output_discard(plot);
	if (have_signals)
		sweep_signals_restore(&saved);
	sweep_free(&sw);
	return rc;
}

int sweep_main(int argc, char **argv)
{
	struct cli_options o;
	int rc;
	switch (cli_parse(CLI_SWEEP, argc, argv, &o)) {
	case CLI_HELP:
		rc = 0;
		break;
	case CLI_USAGE:
		rc = 2;
		break;
	default:
		rc = sweep_command(&o);
	}
	cli_options_free(&o);
	return rc;
}
