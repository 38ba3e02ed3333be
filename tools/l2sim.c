/* l2sim: replay Layer2 scenarios over a simulated Layer1 and report what happened. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "l1sim/util.h"
#include "tools/bench.h"
#include "tools/report.h"
#include "tools/runner.h"
#include "tools/scenario.h"

#define L2SIM_VERSION "0.1.0"

static const char USAGE[] =
	"usage: l2sim run FILE [--format text|json] [--set KEY=VALUE]... [--trace FILE.jsonl]\n"
	"       l2sim check FILE...\n"
	"       l2sim bench [--format text|json] [--quick]\n"
	"       l2sim --help | --version\n";

static const char HELP[] =
	"l2sim: a deterministic Layer1 simulator with a channel contract, driving Layer2\n"
	"state channels through scripted JSON scenarios (format l2sim/1).\n"
	"\n"
	"Commands\n"
	"  run FILE        run a scenario and print its report\n"
	"  check FILE...   validate scenarios without running them; prints every problem\n"
	"  bench           measure how fast the simulator is, each figure beside its bound\n"
	"                  (signed payments, 10^6 unsigned channels, memory per channel,\n"
	"                  L1 blocks); about 15 s of CPU (docs/performance.md)\n"
	"\n"
	"Options of run\n"
	"  --format text   (default) a block-by-block timeline, a summary and the theorems\n"
	"  --format json   the JSON report of SPEC section 7, and nothing else on stdout\n"
	"  --set KEY=VALUE override a scalar of the file by its dotted path, e.g.\n"
	"                  --set l1.dispute_timeout_blocks=6   --set seed=7\n"
	"                  --set parties.alice.balance=500    --set l2.signatures=off\n"
	"                  --set generate.channels=1000000 (a generate section's size)\n"
	"                  VALUE is read as JSON when it parses, otherwise as a string.\n"
	"                  Repeatable; applied in order before the file is validated.\n"
	"  --trace FILE    also write every event as one JSON object per line to FILE\n"
	"                  (written to FILE.tmp and renamed when the run ends)\n"
	"\n"
	"Options of bench\n"
	"  --format text   (default) a table: measured, bound, ratio, goal\n"
	"  --format json   {\"ed25519\", \"off\", \"memory\", \"l1\"} as one JSON object\n"
	"  --quick         a few-second smoke run with small sizes (used by make test)\n"
	"\n"
	"Other options\n"
	"  -h, --help      this help\n"
	"  --version       the version\n"
	"\n"
	"Exit status\n"
	"  0  ran, and every expectation of the scenario held (or it had none)\n"
	"  1  ran, and an expectation failed (each failure is listed)\n"
	"  2  bad input or usage: nothing ran; one line per problem on stderr, naming the\n"
	"     file and the JSON path (line and column for files that are not JSON)\n"
	"\n"
	"Examples\n"
	"  l2sim run scenarios/quickstart.json\n"
	"  l2sim run scenarios/quickstart.json --format json --set l1.dispute_timeout_blocks=6\n"
	"  l2sim check scenarios/*.json\n"
	"  l2sim bench --quick --format json\n"
	"\n"
	"Documentation: docs/scenario-format.md, docs/metrics.md, docs/teaching-disputes.md,\n"
	"and man l2sim.\n";

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("l2sim: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(USAGE, stderr);
	return 2;
}

static void print_errors(const struct scn_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		fprintf(stderr, "%s\n", e->lines[i]);
}

static int cmd_check(int argc, char **argv)
{
	if (argc < 1)
		return usage_error("check needs at least one FILE");
	int status = 0;
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			return usage_error("check: unknown option %s", argv[i]);
	}
	for (int i = 0; i < argc; i++) {
		struct scn_errors errs = { 0 };
		struct scenario *s = scn_load(argv[i], NULL, 0, &errs);
		if (!s) {
			print_errors(&errs);
			status = 2;
		} else {
			printf("%s: ok (%u parties, %u channels, %u script actions, %u workloads)\n", argv[i],
			       s->nparties, s->nchannels, s->nscript, s->nworkload);
		}
		scn_free(s);
		scn_errors_free(&errs);
	}
	return status;
}

static int cmd_run(int argc, char **argv)
{
	const char *file = NULL, *format = "text", *trace_path = NULL;
	struct scn_override *ov = xcalloc((size_t)argc + 1, sizeof(*ov));
	size_t nov = 0;
	int rc = 2;
	char *tmp_trace = NULL;
	FILE *trace = NULL;
	struct scenario *s = NULL;
	struct runner *r = NULL;
	struct scn_errors errs = { 0 }, failures = { 0 };
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		if (strncmp(a, "--format=", 9) == 0 || strncmp(a, "--set=", 6) == 0 || strncmp(a, "--trace=", 8) == 0) {
			val = strchr(a, '=') + 1;
		} else if (strcmp(a, "--format") == 0 || strcmp(a, "--set") == 0 || strcmp(a, "--trace") == 0) {
			if (i + 1 >= argc) {
				usage_error("%s needs a value", a);
				goto out;
			}
			val = argv[++i];
		}
		if (strncmp(a, "--format", 8) == 0) {
			if (strcmp(val, "text") != 0 && strcmp(val, "json") != 0) {
				usage_error("--format must be text or json (got \"%s\")", val);
				goto out;
			}
			format = val;
		} else if (strncmp(a, "--set", 5) == 0) {
			const char *eq = strchr(val, '=');
			if (!eq || eq == val) {
				usage_error("--set needs KEY=VALUE (got \"%s\")", val);
				goto out;
			}
			char *key = xstrdup(val);
			key[eq - val] = '\0';
			ov[nov].key = key;
			ov[nov++].value = eq + 1;
		} else if (strncmp(a, "--trace", 7) == 0) {
			if (!*val) {
				usage_error("--trace needs a file name");
				goto out;
			}
			trace_path = val;
		} else if (a[0] == '-' && a[1] != '\0') {
			usage_error("run: unknown option %s", a);
			goto out;
		} else if (file) {
			usage_error("run takes one FILE (got a second: %s)", a);
			goto out;
		} else {
			file = a;
		}
	}
	if (!file) {
		usage_error("run needs a scenario FILE");
		goto out;
	}
	s = scn_load(file, ov, nov, &errs);
	if (!s) {
		print_errors(&errs);
		goto out;
	}
	if (trace_path) {
		size_t n = strlen(trace_path) + 5;
		tmp_trace = xmalloc(n);
		snprintf(tmp_trace, n, "%s.tmp", trace_path);
		trace = fopen(tmp_trace, "w");
		if (!trace) {
			fprintf(stderr, "l2sim: %s: cannot write: %s\n", tmp_trace, strerror(errno));
			goto out;
		}
	}
	r = runner_new(s, trace, strcmp(format, "text") == 0);
	r->progress = isatty(STDERR_FILENO);
	runner_run(r);
	if (r->hit_block_cap)
		fprintf(stderr, "l2sim: %s: the run did not quiesce; stopped at block %llu\n", file,
			(unsigned long long)r->chain->height);
	report_check_expect(r, &failures);
	if (strcmp(format, "json") == 0)
		report_json(stdout, r, &failures);
	else
		report_text(stdout, r, &failures);
	for (size_t i = 0; i < failures.n; i++)
		fprintf(stderr, "%s: expectation failed: %s\n", file, failures.lines[i]);
	rc = failures.n ? 1 : 0;
	if (trace) {
		bool bad = fclose(trace) != 0;
		trace = NULL;
		if (bad || rename(tmp_trace, trace_path) != 0) {
			fprintf(stderr, "l2sim: %s: cannot write the trace: %s\n", trace_path, strerror(errno));
			remove(tmp_trace);
			rc = 2;
		}
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "l2sim: cannot write the report: %s\n", strerror(errno));
		rc = 2;
	}
out:
	if (trace) {
		fclose(trace);
		remove(tmp_trace);
	}
	free(tmp_trace);
	runner_free(r);
	scn_free(s);
	scn_errors_free(&errs);
	scn_errors_free(&failures);
	for (size_t i = 0; i < nov; i++)
		free((char *)ov[i].key);
	free(ov);
	return rc;
}

static int cmd_bench(int argc, char **argv)
{
	struct bench_options o = { 0 };
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		if (strncmp(a, "--format=", 9) == 0)
			val = a + 9;
		else if (strcmp(a, "--format") == 0) {
			if (i + 1 >= argc)
				return usage_error("--format needs a value");
			val = argv[++i];
		}
		if (val) {
			if (strcmp(val, "text") != 0 && strcmp(val, "json") != 0)
				return usage_error("--format must be text or json (got \"%s\")", val);
			o.json = strcmp(val, "json") == 0;
		} else if (strcmp(a, "--quick") == 0) {
			o.quick = true;
		} else {
			return usage_error("bench: unknown argument %s", a);
		}
	}
	int rc = bench_run(&o, stdout, isatty(STDERR_FILENO) ? stderr : NULL);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "l2sim: cannot write the benchmark: %s\n", strerror(errno));
		rc = 2;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(USAGE, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(HELP, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("l2sim %s\n", L2SIM_VERSION);
		return 0;
	}
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 2, argv + 2);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 2, argv + 2);
	if (strcmp(cmd, "bench") == 0)
		return cmd_bench(argc - 2, argv + 2);
	return usage_error("unknown command \"%s\"", cmd);
}
