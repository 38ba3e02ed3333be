/* l2sim: replay Layer2 scenarios over a simulated Layer1 and report what happened.
 * The command line is parsed by tools/options.c; every output file goes through
 * tools/output.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "l1sim/util.h"
#include "tools/bench.h"
#include "tools/obs_payments.h"
#include "tools/obs_svg.h"
#include "tools/options.h"
#include "tools/output.h"
#include "tools/report.h"
#include "tools/report_html.h"
#include "tools/runner.h"
#include "tools/scenario.h"
#include "tools/sweep.h"

static void print_errors(const struct scn_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		fprintf(stderr, "%s\n", e->lines[i]);
}

/* Exit 2 with "cannot write the report" when standard output lost anything (a full
 * disk, a closed pipe); rc otherwise. */
static int report_written(int rc, int err)
{
	if (!err)
		err = output_check_stdout();
	if (err) {
		fprintf(stderr, "l2sim: cannot write the report: %s\n", strerror(err));
		return 2;
	}
	return rc;
}

static int cmd_check(const struct cli_options *o)
{
	int status = 0;
	for (size_t i = 0; i < o->nfiles; i++) {
		struct scn_errors errs = { 0 };
		struct scenario *s = cli_load(o->files[i], o->sets, o->nsets, &errs);
		if (!s) {
			print_errors(&errs);
			status = 2;
		} else {
			printf("%s: ok (%u part%s, %u channel%s, %u script action%s, %u workload%s)\n",
			       cli_input_name(o->files[i]), s->nparties, s->nparties == 1 ? "y" : "ies", s->nchannels,
			       s->nchannels == 1 ? "" : "s", s->nscript, s->nscript == 1 ? "" : "s", s->nworkload,
			       s->nworkload == 1 ? "" : "s");
		}
		scn_free(s);
		scn_errors_free(&errs);
	}
	return report_written(status, 0);
}

/* The output files of run besides the report: what each is called in messages. */
enum { OUT_TRACE, OUT_SVG, OUT_HTML, OUT_PAYMENTS, RUN_OUTPUTS };
static const char *const OUT_OPTION[RUN_OUTPUTS] = { "--trace", "--svg", "--html", "--payments" };
static const char *const OUT_WHAT[RUN_OUTPUTS] = { "the trace", "the picture", "the page", "the payments" };

/* Refuses an output that would replace the scenario or another output. */
static bool outputs_distinct(const char *file, const char *const path[RUN_OUTPUTS])
{
	for (int i = 0; i < RUN_OUTPUTS; i++) {
		if (!path[i])
			continue;
		if (strcmp(file, "-") != 0 && output_same_file(path[i], file)) {
			cli_usage(CLI_RUN, "%s %s would overwrite the scenario", OUT_OPTION[i], path[i]);
			return false;
		}
		for (int j = 0; j < i; j++)
			if (path[j] && output_same_file(path[i], path[j])) {
				cli_usage(CLI_RUN, "%s and %s name the same file %s", OUT_OPTION[j], OUT_OPTION[i], path[i]);
				return false;
			}
	}
	return true;
}

/* Commits output i; false (after saying why) when it could not be written. */
static bool commit_output(struct output **out, const char *path, int i)
{
	bool ok = output_commit(*out);
	*out = NULL;
	if (!ok)
		fprintf(stderr, "l2sim: %s: cannot write %s: %s\n", path, OUT_WHAT[i], strerror(errno));
	return ok;
}

static int cmd_run(const struct cli_options *o)
{
	const char *file = o->files[0], *name = cli_input_name(file);
	const char *const path[RUN_OUTPUTS] = { o->trace, o->svg, o->html, o->payments };
	int rc = 2;
	struct output *outs[RUN_OUTPUTS] = { NULL };
	struct obs_svg *svg = NULL;
	struct obs_payments *payments = NULL;
	struct scenario *s = NULL;
	struct runner *r = NULL;
	struct scn_errors errs = { 0 }, failures = { 0 };
	if (!outputs_distinct(file, path))
		goto out;
	s = cli_load(file, o->sets, o->nsets, &errs);
	if (!s) {
		print_errors(&errs);
		goto out;
	}
	for (int i = 0; i < RUN_OUTPUTS; i++)
		if (path[i] && !(outs[i] = output_open(path[i], OUTPUT_DEFAULT))) {
			fprintf(stderr, "l2sim: %s: cannot write %s: %s\n", path[i], OUT_WHAT[i], strerror(errno));
			goto out;
		}
	r = runner_new(s, outs[OUT_TRACE] ? output_file(outs[OUT_TRACE]) : NULL, !o->json);
	if (o->svg || o->html)
		svg = obs_svg_new(r);
	if (o->payments)
		payments = obs_payments_new(r);
	r->progress = isatty(STDERR_FILENO);
	r->max_blocks = o->max_blocks;
	runner_run(r);
	if (r->hit_block_cap && o->has_max_blocks && r->chain->height >= o->max_blocks)
		fprintf(stderr, "l2sim: %s: stopped at block %llu by --max-blocks before the run ended\n", name,
			(unsigned long long)r->chain->height);
	else if (r->hit_block_cap)
		fprintf(stderr, "l2sim: %s: the run did not quiesce; stopped at block %llu\n", name,
			(unsigned long long)r->chain->height);
	/* The report model is derived once; expect and the writer read it. */
	struct report_model m;
	report_model_build(&m, r);
	report_expect(&m, &failures);
	if (o->json)
		report_write_json(stdout, &m, &failures);
	else
		report_write_text(stdout, &m, &failures);
	/* The report first, then the failures, also when both go to one pipe. */
	int out_err = output_check_stdout();
	for (size_t i = 0; i < failures.n; i++)
		fprintf(stderr, "%s: expectation failed: %s\n", name, failures.lines[i]);
	rc = failures.n ? 1 : 0;
	if (outs[OUT_SVG])
		obs_svg_write(svg, output_file(outs[OUT_SVG]), false);
	if (outs[OUT_HTML])
		report_write_html(output_file(outs[OUT_HTML]), &m, &failures, svg);
	if (outs[OUT_PAYMENTS])
		obs_payments_write(payments, r, output_file(outs[OUT_PAYMENTS]));
	/* All or nothing: every output is finished (each write checked) before any is
	 * renamed over its target, so one that fails leaves every target as it was. */
	bool finished = true;
	for (int i = 0; i < RUN_OUTPUTS && finished; i++)
		if (outs[i] && !output_finish(outs[i])) {
			fprintf(stderr, "l2sim: %s: cannot write %s: %s\n", path[i], OUT_WHAT[i], strerror(errno));
			finished = false;
		}
	for (int i = 0; i < RUN_OUTPUTS; i++)
		if (outs[i] && (!finished || !commit_output(&outs[i], path[i], i)))
			rc = 2;
	rc = report_written(rc, out_err);
out:
	for (int i = 0; i < RUN_OUTPUTS; i++)
		output_discard(outs[i]);
	obs_svg_free(svg);
	obs_payments_free(payments);
	runner_free(r);
	scn_free(s);
	scn_errors_free(&errs);
	scn_errors_free(&failures);
	return rc;
}

static int cmd_bench(const struct cli_options *o)
{
	struct bench_options b = { .json = o->json, .quick = o->quick, .only = o->only };
	int rc = bench_run(&b, stdout, isatty(STDERR_FILENO) ? stderr : NULL);
	int err = output_check_stdout();
	if (err) {
		fprintf(stderr, "l2sim: cannot write the benchmark: %s\n", strerror(err));
		rc = 2;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		cli_synopsis(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		cli_help(stdout, CLI_NONE);
		return output_check_stdout() ? 2 : 0;
	}
	if (strcmp(name, "--version") == 0) {
		printf("l2sim %s\n", L2SIM_VERSION);
		return output_check_stdout() ? 2 : 0;
	}
#ifdef L2SIM_HAVE_MPI
	/* Built with Open MPI (the Makefile found ompi-c): sweep --mpi works. */
	sweep_mpi_command = sweep_mpi_main;
#endif
	static const enum cli_command CMDS[] = { CLI_RUN, CLI_CHECK, CLI_SWEEP, CLI_BENCH, CLI_SWEEP_MERGE };
	enum cli_command cmd = CLI_NONE;
	for (size_t i = 0; i < sizeof(CMDS) / sizeof(CMDS[0]); i++) {
		if (strcmp(name, cli_command_str(CMDS[i])) == 0)
			cmd = CMDS[i];
	}
	if (cmd == CLI_NONE)
		return cli_usage(CLI_NONE, "unknown command \"%s\"", name);
	/* Before anything is allocated: an allocation that fails exits 2 (and a fatal
	 * signal removes the temporaries of the output files). */
	output_catch_signals();
	struct cli_options o;
	int rc;
	switch (cli_parse(cmd, argc - 2, argv + 2, &o)) {
	case CLI_HELP:
		rc = output_check_stdout() ? 2 : 0;
		break;
	case CLI_USAGE:
		rc = 2;
		break;
	default:
		rc = cmd == CLI_RUN     ? cmd_run(&o)
		     : cmd == CLI_CHECK ? cmd_check(&o)
		     : cmd == CLI_SWEEP ? sweep_command(&o)
		     : cmd == CLI_SWEEP_MERGE ? sweep_merge_command(&o)
					: cmd_bench(&o);
	}
	cli_options_free(&o);
	return rc;
}
