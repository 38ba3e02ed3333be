/* l2sim: replay Layer2 scenarios over a simulated Layer1 and report what happened. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "l1sim/util.h"
#include "tools/bench.h"
#include "tools/report.h"
#include "tools/runner.h"
#include "tools/scenario.h"
#include "tools/sweep.h"

#define L2SIM_VERSION "0.1.0"

static const char USAGE[] =
	"usage: l2sim run FILE [--format text|json] [--set KEY=VALUE]... [--trace FILE.jsonl]\n"
	"                      [--max-blocks N]\n"
	"       l2sim check FILE...\n"
	"       l2sim sweep FILE --vary KEY=V1,V2,... [--vary ...] [--set KEY=VALUE]...\n"
	"                   [--jobs N] [--out FILE.csv|-]\n"
	"                   [--plot FILE.svg [--metric NAME[,NAME]...] [--log x|y|xy]]\n"
	"       l2sim bench [--format text|json] [--quick]\n"
	"       l2sim --help | --version\n"
	"l2sim --help describes every command and option.\n";

static const char HELP[] =
	"l2sim: a deterministic Layer1 simulator with a channel contract, driving Layer2\n"
	"state channels through scripted JSON scenarios (format l2sim/1).\n"
	"\n"
	"Commands\n"
	"  run FILE        run a scenario and print its report\n"
	"  check FILE...   validate scenarios without running them; prints every problem\n"
	"  sweep FILE      run FILE over every combination of --vary values, on all cores;\n"
	"                  prints a table, writes a CSV and draws a chart (docs/benchmarks.md)\n"
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
	"                  (written to a temporary FILE.XXXXXX and renamed when the run\n"
	"                  ends: an error or Ctrl-C leaves no partial FILE and no temporary;\n"
	"                  a FILE that is not a regular file, e.g. /dev/stdout, is written\n"
	"                  in place)\n"
	"  --max-blocks N  stop the run after block N (0 to 10000000, the default) with a\n"
	"                  message on stderr; the report covers the blocks that ran\n"
	"\n"
	"Options of sweep\n"
	"  --vary KEY=V1,V2,...  a --set KEY (as above) and its values; repeatable, at least\n"
	"                  one. Each value is a value, A..B (whole numbers A to B) or A:B:S\n"
	"                  (A, A+S, ... up to B), e.g. --vary script.1.count=1,5..8,10:100:10.\n"
	"                  Runs are the cartesian product, the first --vary outermost; every\n"
	"                  combination is validated before any runs (exit 2 naming it).\n"
	"                  At most 64 --vary, 100000 values each, 1000000 runs.\n"
	"  --set KEY=VALUE fixed for every run\n"
	"  -j, --jobs N    worker processes, 1 to 1024 (default: the online CPUs); the output\n"
	"                  is the same whatever N is\n"
	"  -o, --out FILE  write one CSV row per run: the varied values, then blocks, sim_time_s,\n"
	"                  payments_ok, payments_failed, throughput_gain, l1_txs, l1_channel_txs,\n"
	"                  l1_tps, l1_capacity_tps, l2_tps, finality_l1_blocks_{min,p50,p95},\n"
	"                  finality_l1_s_{p50,p95}, unsettled_payments, stale_closes, challenges,\n"
	"                  security_violations, fees, expect_ok, hit_block_cap (empty for null).\n"
	"                  --out - writes the CSV on stdout instead of the table.\n"
	"  --plot FILE.svg draw the chart with gnuplot (Debian: gnuplot-nox): x is the first\n"
	"                  --vary, one line per value of the others and per metric\n"
	"  --metric NAME[,NAME]...  what the chart shows: CSV metric names (throughput_gain)\n"
	"  --log x|y|xy    logarithmic axes on the chart\n"
	"  A progress bar goes to stderr when it is a terminal. Ctrl-C stops the sweep and\n"
	"  writes the rows of the runs that finished. An expectation that fails does not\n"
	"  change the exit status of a sweep: see the expect_ok column.\n"
	"\n"
	"Options of bench\n"
	"  --format text   (default) a table: measured, bound, ratio, goal\n"
	"  --format json   {\"ed25519\", \"off\", \"memory\", \"l1\"} as one JSON object\n"
	"  --quick         a few-second smoke run with small sizes (used by make test)\n"
	"\n"
	"Other options\n"
	"  -h, --help      this help (also l2sim CMD --help)\n"
	"  --version       the version\n"
	"\n"
	"Exit status\n"
	"  0  run: ran, and every expectation of the scenario held (or it had none);\n"
	"     check: every FILE is valid; sweep: every run finished; bench: measured\n"
	"  1  run: ran, and an expectation failed (each failure is listed);\n"
	"     sweep: a run or the chart failed (each is named)\n"
	"  2  bad input or usage: nothing ran; one line per problem on stderr, naming the\n"
	"     file and the JSON path (line and column for files that are not JSON);\n"
	"     also: the report or the trace could not be written, or a bench process failed\n"
	"  128+N  killed by signal N: 130 for Ctrl-C, 143 for SIGTERM. run leaves no\n"
	"     partial --trace FILE; sweep writes the rows of the runs that finished\n"
	"\n"
	"Limits\n"
	"  Scenario files are untrusted input. A file above a limit (64 MiB, 5000000 JSON\n"
	"  values, nesting 32, 100000 parties or channels listed, 10^7 generated, 1000000\n"
	"  script actions, 10^6 payments per pay action or per block of a workload, 10^8\n"
	"  payments in a run (10^7 with signatures), 10^7 flood txs) is refused with exit\n"
	"  status 2.\n"
	"  docs/security.md lists them all.\n"
	"\n"
	"Examples\n"
	"  l2sim run scenarios/quickstart.json\n"
	"  l2sim run scenarios/quickstart.json --format json --set l1.dispute_timeout_blocks=6\n"
	"        (exit 1: the file expects the settlement of its own T = 10, at block 14)\n"
	"  l2sim run scenarios/tampered-state-signed.json --set l2.signatures=off\n"
	"        (exit 1: without signatures the tampered close wins: a security violation)\n"
	"  l2sim run scenarios/quickstart.json --max-blocks 100 --trace /tmp/quickstart.jsonl\n"
	"  l2sim check scenarios/*.json\n"
	"  l2sim sweep docs/examples/sweep-security.json --vary script.8.blocks=1..32 \\\n"
	"        --vary l1.dispute_timeout_blocks=6,12,24 --out results.csv --plot chart.svg \\\n"
	"        --metric security_violations\n"
	"  l2sim bench --quick --format json\n"
	"\n"
	"Documentation: docs/scenario-format.md, docs/metrics.md, docs/benchmarks.md,\n"
	"docs/teaching-disputes.md, docs/scenarios.md, docs/security.md, docs/l1sim.md,\n"
	"docs/l2.md, docs/performance.md, and man l2sim.\n";

/* The temporary trace file, removed by a fatal signal: a run interrupted by Ctrl-C (or
 * killed by SIGTERM, SIGHUP, or SIGPIPE when the report's reader goes away) leaves
 * neither a partial trace nor a temporary behind. */
static char *volatile pending_tmp;

static void remove_pending_and_die(int sig)
{
	char *p = pending_tmp;
	if (p)
		unlink(p);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_fatal_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = remove_pending_and_die;
		sigemptyset(&sa.sa_mask);
		for (size_t k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++)
			sigaddset(&sa.sa_mask, sigs[k]);
		sigaction(sigs[i], &sa, NULL);
	}
}

/* Creates FILE.XXXXXX next to `path` (so that rename stays within one file system);
 * returns it open for writing with its name in *tmp_out, or NULL with errno set. */
static FILE *open_temp_beside(const char *path, char **tmp_out)
{
	size_t n = strlen(path) + 8;
	char *tmp = xmalloc(n);
	snprintf(tmp, n, "%s.XXXXXX", path);
	sigset_t all, old;
	sigfillset(&all);
	/* No signal between creating the file and recording its name. */
	sigprocmask(SIG_BLOCK, &all, &old);
	int fd = mkstemp(tmp);
	if (fd >= 0)
		pending_tmp = tmp;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd < 0) {
		free(tmp);
		return NULL;
	}
	/* mkstemp creates the file 0600; give the trace the mode a plain fopen would
	 * (0666 less the umask), as the renamed file replaces what the user asked for. */
	mode_t mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		unlink(tmp);
		pending_tmp = NULL;
		free(tmp);
		errno = e;
		return NULL;
	}
	*tmp_out = tmp;
	return f;
}

/* Renames the finished temporary to its final name; false with errno set. */
static bool commit_temp(const char *tmp, const char *path)
{
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	bool ok = rename(tmp, path) == 0;
	int e = errno;
	if (ok)
		pending_tmp = NULL;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return ok;
}

static void discard_temp(char *tmp)
{
	if (!tmp)
		return;
	unlink(tmp);
	pending_tmp = NULL;
}

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
			printf("%s: ok (%u part%s, %u channel%s, %u script action%s, %u workload%s)\n", argv[i],
			       s->nparties, s->nparties == 1 ? "y" : "ies", s->nchannels, s->nchannels == 1 ? "" : "s",
			       s->nscript, s->nscript == 1 ? "" : "s", s->nworkload, s->nworkload == 1 ? "" : "s");
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
	uint64_t max_blocks = SCN_MAX_BLOCK;
	bool has_max_blocks = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		/* --NAME VALUE or --NAME=VALUE, for exactly these names. */
		static const char *const with_value[] = { "--format", "--set", "--trace", "--max-blocks", NULL };
		const char *opt = NULL;
		for (const char *const *o = with_value; *o && !opt; o++) {
			size_t n = strlen(*o);
			if (strncmp(a, *o, n) == 0 && (a[n] == '\0' || a[n] == '='))
				opt = *o;
		}
		if (opt && a[strlen(opt)] == '=') {
			val = a + strlen(opt) + 1;
		} else if (opt) {
			if (i + 1 >= argc) {
				usage_error("%s needs a value", a);
				goto out;
			}
			val = argv[++i];
		}
		if (opt && strcmp(opt, "--max-blocks") == 0) {
			char *end;
			errno = 0;
			unsigned long long n = strtoull(val, &end, 10);
			if (!(*val >= '0' && *val <= '9') || *end || errno || n > SCN_MAX_BLOCK) {
				usage_error("--max-blocks must be a whole number from 0 to %u (got \"%s\")", SCN_MAX_BLOCK, val);
				goto out;
			}
			max_blocks = n;
			has_max_blocks = true;
		} else if (opt && strcmp(opt, "--format") == 0) {
			if (strcmp(val, "text") != 0 && strcmp(val, "json") != 0) {
				usage_error("--format must be text or json (got \"%s\")", val);
				goto out;
			}
			format = val;
		} else if (opt && strcmp(opt, "--set") == 0) {
			const char *eq = strchr(val, '=');
			if (!eq || eq == val) {
				usage_error("--set needs KEY=VALUE (got \"%s\")", val);
				goto out;
			}
			char *key = xstrdup(val);
			key[eq - val] = '\0';
			ov[nov].key = key;
			ov[nov++].value = eq + 1;
		} else if (opt && strcmp(opt, "--trace") == 0) {
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
	if (trace_path) {
		struct stat sf, st;
		if (strcmp(trace_path, file) == 0 || (stat(trace_path, &st) == 0 && stat(file, &sf) == 0 &&
						      st.st_dev == sf.st_dev && st.st_ino == sf.st_ino)) {
			usage_error("--trace %s would overwrite the scenario", trace_path);
			goto out;
		}
	}
	s = scn_load(file, ov, nov, &errs);
	if (!s) {
		print_errors(&errs);
		goto out;
	}
	if (trace_path) {
		/* A regular file (or a new one) is replaced atomically; anything else, such
		 * as /dev/stdout or a pipe, is written in place: renaming over it would
		 * replace the device or the pipe. */
		struct stat st;
		if (stat(trace_path, &st) == 0 && !S_ISREG(st.st_mode)) {
			trace = fopen(trace_path, "w");
		} else {
			catch_fatal_signals();
			trace = open_temp_beside(trace_path, &tmp_trace);
		}
		if (!trace) {
			fprintf(stderr, "l2sim: %s: cannot write the trace: %s\n", trace_path, strerror(errno));
			goto out;
		}
	}
	r = runner_new(s, trace, strcmp(format, "text") == 0);
	r->progress = isatty(STDERR_FILENO);
	r->max_blocks = max_blocks;
	runner_run(r);
	if (r->hit_block_cap && has_max_blocks && r->chain->height >= max_blocks)
		fprintf(stderr, "l2sim: %s: stopped at block %llu by --max-blocks before the run ended\n", file,
			(unsigned long long)r->chain->height);
	else if (r->hit_block_cap)
		fprintf(stderr, "l2sim: %s: the run did not quiesce; stopped at block %llu\n", file,
			(unsigned long long)r->chain->height);
	report_check_expect(r, &failures);
	if (strcmp(format, "json") == 0)
		report_json(stdout, r, &failures);
	else
		report_text(stdout, r, &failures);
	/* The report first, then the failures, also when both go to one pipe. */
	fflush(stdout);
	for (size_t i = 0; i < failures.n; i++)
		fprintf(stderr, "%s: expectation failed: %s\n", file, failures.lines[i]);
	rc = failures.n ? 1 : 0;
	if (trace) {
		bool bad = ferror(trace);
		bad = (fclose(trace) != 0) || bad;
		trace = NULL;
		if (bad || (tmp_trace && !commit_temp(tmp_trace, trace_path))) {
			fprintf(stderr, "l2sim: %s: cannot write the trace: %s\n", trace_path,
				bad && !errno ? "write error" : strerror(errno));
			discard_temp(tmp_trace);
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
		discard_temp(tmp_trace);
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
	/* l2sim CMD --help (or -h anywhere after CMD): the full help, nothing run. */
	if (strcmp(cmd, "run") == 0 || strcmp(cmd, "check") == 0 || strcmp(cmd, "sweep") == 0 ||
	    strcmp(cmd, "bench") == 0) {
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
				fputs(HELP, stdout);
				return 0;
			}
		}
	}
	if (strcmp(cmd, "run") == 0)
		return cmd_run(argc - 2, argv + 2);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 2, argv + 2);
	if (strcmp(cmd, "sweep") == 0)
		return sweep_main(argc - 2, argv + 2);
	if (strcmp(cmd, "bench") == 0)
		return cmd_bench(argc - 2, argv + 2);
	return usage_error("unknown command \"%s\"", cmd);
}
