/* The help texts of l2sim: the whole help (l2sim --help) is assembled from the same
 * pieces as each command's own (l2sim CMD --help), so the two never disagree. */
#include <stdio.h>

#include "tools/options.h"

static const char SYNOPSIS_RUN[] =
	"l2sim run FILE|- [--format text|json] [--set KEY=VALUE]... [--trace FILE.jsonl]\n"
	"                      [--svg FILE.svg] [--html FILE.html] [--payments FILE.csv]\n"
	"                      [--max-blocks N]\n";
static const char SYNOPSIS_CHECK[] = "l2sim check FILE|-... [--set KEY=VALUE]...\n";
static const char SYNOPSIS_SWEEP[] =
	"l2sim sweep FILE --vary KEY=V1,V2,... [--vary ...] [--set KEY=VALUE]...\n"
	"                   [--jobs N | --mpi] [--shard I/N] [--out FILE.csv|-]\n"
	"                   [--plot FILE.svg [--metric NAME[,NAME]...] [--log x|y|xy]\n"
	"                    [--label KEY=TEXT]...]\n";
static const char SYNOPSIS_MERGE[] = "l2sim sweep-merge OUT.csv|- PART.csv...\n";
static const char SYNOPSIS_BENCH[] = "l2sim bench [--format text|json] [--quick] [--only FIGURE[,FIGURE...]]\n";

static const char INTRO[] =
	"l2sim: a deterministic Layer1 simulator with a channel contract, driving Layer2\n"
	"state channels through scripted JSON scenarios (format l2sim/1).\n";

static const char COMMANDS[] =
	"Commands\n"
	"  run FILE        run a scenario and print its report (FILE - reads standard input)\n"
	"  check FILE...   validate scenarios without running them; prints every problem\n"
	"  sweep FILE      run FILE over every combination of --vary values, on all cores;\n"
	"                  prints a table, writes a CSV and draws a chart (docs/benchmarks.md);\n"
	"                  on a cluster with mpirun and --mpi, or split with --shard I/N\n"
	"  sweep-merge OUT PART...  join the CSVs of sweep --shard 0/N ... N-1/N into OUT\n"
	"  bench           measure how fast the simulator is, each figure beside its bound\n"
	"                  (signed payments, 10^6 unsigned channels, memory per channel,\n"
	"                  L1 blocks, routed payments); about a minute of CPU\n"
	"                  (docs/performance.md)\n";

static const char SET_OPTION[] =
	"  --set KEY=VALUE override a scalar of the file by its dotted path, e.g.\n"
	"                  --set l1.dispute_timeout_blocks=6   --set seed=7\n"
	"                  --set parties.alice.balance=500    --set l2.signatures=off\n"
	"                  --set generate.channels=1000000 (a generate section's size)\n"
	"                  VALUE is JSON when all of it parses as JSON, else a string.\n"
	"                  Repeatable; applied in order before the file is validated.\n";

static const char OPTIONS_RUN[] =
	"  FILE            the scenario; - reads it from standard input\n"
	"  --format text   (default) a block-by-block timeline, a summary and the theorems\n"
	"  --format json   the JSON report of SPEC section 7, and nothing else on stdout\n";
static const char OPTIONS_RUN_2[] =
	"  --trace FILE    also write every event as one JSON object per line to FILE\n"
	"                  (written to a temporary beside FILE and renamed when the run\n"
	"                  ends: an error or Ctrl-C leaves no partial FILE and no temporary;\n"
	"                  a FILE that is not a regular file, e.g. /dev/stdout, is written\n"
	"                  in place)\n"
	"  --svg FILE      also draw the run as an SVG timeline for teaching: one lane per\n"
	"                  channel, per party that goes offline, per routed payment (its\n"
	"                  hops' HTLCs) and per scheme of SPEC section 11 (transfers,\n"
	"                  rollup batches, proofs, pegs, thefts), the dispute windows\n"
	"                  shaded, stale closes, challenges, settlements, violations and\n"
	"                  htlc_losses marked\n"
	"                  (written like --trace; docs/teaching-disputes.md)\n"
	"  --html FILE     also write one self-contained page: the description, the picture,\n"
	"                  the summary, the theorems, the L1 balances and the expectations\n"
	"                  (no network, no script; written like --trace)\n"
	"  --payments FILE also write one CSV row per routed payment (SPEC section 10):\n"
	"                  id,from,to,amount,start_s,end_s,ok,attempts,hops,route,fee,reason\n"
	"                  (route: channel names joined by -; end_s empty while pending;\n"
	"                  just the header without routed payments; written like --trace)\n"
	"  --max-blocks N  stop the run after block N (0 to 10000000, the default) with a\n"
	"                  message on stderr; the report covers the blocks that ran\n";

static const char OPTIONS_CHECK[] =
	"  FILE...         the scenarios; - reads one from standard input\n"
	"  --set KEY=VALUE as for run, applied to every FILE before it is validated\n";

static const char OPTIONS_SWEEP[] =
	"  --vary KEY=V1,V2,...  a --set KEY (as for run) and its values; repeatable, at least\n"
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
	"                  security_violations, fees, expect_ok, hit_block_cap (empty for null;\n"
	"                  numbers in their shortest form that reads back the same); with a\n"
	"                  scenario that uses SPEC section 11 also scheme, scheme_payments_ok,\n"
	"                  scheme_payments_final, scheme_l1_bytes, scheme_gain_{txs,bytes},\n"
	"                  scheme_tps, scheme_final_s_{p50,p95}, scheme_violations: the\n"
	"                  scheme of the first poisson workload's via (docs/schemes.md).\n"
	"                  --out - writes the CSV on stdout instead of the table.\n"
	"  --plot FILE.svg draw the chart with gnuplot (Debian: gnuplot-nox): x is the first\n"
	"                  --vary, one line per value of the others and per metric; gnuplot's\n"
	"                  messages are shown only when it fails\n"
	"  --metric NAME[,NAME]...  what the chart shows: CSV metric names (throughput_gain)\n"
	"  --log x|y|xy    logarithmic axes on the chart (0 and below have no place on them)\n"
	"  --label KEY=TEXT  the chart's words for KEY (a --vary KEY or a --metric NAME) on\n"
	"                  its axes and in its legend, e.g. --label \"script.8.blocks=blocks\n"
	"                  offline\"; repeatable, once per KEY (exit 2 for a KEY that is not\n"
	"                  varied nor charted). The CSV keeps the keys. The chart's title is\n"
	"                  the first sentence of the scenario's description\n"
	"  --out and --plot are written like run's --trace: whole or not at all, and a\n"
	"  FILE that is not a regular file (/dev/null, a pipe) is written in place.\n"
	"  --mpi           under mpirun (Open MPI): rank 0 checks the grid and hands the runs\n"
	"                  to the ranks as they become free, each rank one run at a time,\n"
	"                  rank 0 too; the CSV is the same bytes as with --jobs. E.g.\n"
	"                  mpirun -np 16 --hostfile hosts l2sim sweep FILE --vary ... --mpi\n"
	"                  A run that crashes is named and its row left out (exit 1); a rank\n"
	"                  that dies makes mpirun stop the job: the finished rows are written\n"
	"                  and the runs in flight named (exit 143). Needs l2sim built with\n"
	"                  Open MPI (Debian: libopenmpi-dev openmpi-bin; tools/setup.sh)\n"
	"  --shard I/N     run only runs I, I+N, I+2N, ... (0 <= I < N), e.g. one Slurm array\n"
	"                  task each; the CSV starts with a line naming the sweep (a hash of\n"
	"                  the scenario text, the --set and --vary arguments): join the N\n"
	"                  files with sweep-merge. Not with --plot\n"
	"  A progress bar goes to stderr when it is a terminal. Ctrl-C stops the sweep and\n"
	"  writes the rows of the runs that finished. An expectation that fails does not\n"
	"  change the exit status of a sweep: see the expect_ok column.\n";

static const char OPTIONS_MERGE[] =
	"  OUT.csv         the merged CSV (- for standard output): exactly what one machine\n"
	"                  writes for the sweep; written whole or not at all\n"
	"  PART.csv...     the CSVs of sweep --shard I/N --out PART.csv, in any order. Refused\n"
	"                  (exit 2, OUT untouched): parts of different sweeps, a shard missing,\n"
	"                  given twice or short of rows (a run failed or was interrupted)\n";

static const char OPTIONS_BENCH[] =
	"  --format text   (default) a table: measured, bound, ratio, goal\n"
	"  --format json   {\"ed25519\", \"off\", \"memory\", \"l1\", \"routed\",\n"
	"                  \"routed_snapshot\", \"routed_ed25519\", \"schemes\"} as one JSON object\n"
	"  --quick         a few-second smoke run with small sizes (used by make test)\n"
	"  --only FIGURES  measure only these (comma-separated): ed25519, off, memory,\n"
	"                  routed, routed_snapshot, routed_ed25519, l1, schemes; the\n"
	"                  others are null in the JSON. off and memory are one measurement;\n"
	"                  routed_ed25519 also times the signs and verifies of its bound\n";

static const char OTHER_OPTIONS[] =
	"Other options\n"
	"  -h, --help      this help (l2sim CMD --help: the help of CMD)\n"
	"  --version       the version\n";

static const char EXIT_STATUS[] =
	"Exit status\n"
	"  0  run: ran, and every expectation of the scenario held (or it had none);\n"
	"     check: every FILE is valid; sweep: every run finished; bench: measured;\n"
	"     sweep-merge: OUT written\n"
	"  1  run: ran, and an expectation failed (each failure is listed);\n"
	"     sweep: a run or the chart failed (each is named)\n"
	"  2  bad input or usage: nothing ran (sweep-merge: shards that do not make one\n"
	"     sweep); one line per problem on stderr, naming the\n"
	"     file and the JSON path (line and column for files that are not JSON);\n"
	"     also: the report or the trace could not be written (a full disk), the run\n"
	"     ran out of memory (no temporary is left), or a bench process failed\n"
	"  128+N  killed by signal N: 130 for Ctrl-C, 143 for SIGTERM. run leaves no\n"
	"     partial --trace FILE; sweep writes the rows of the runs that finished\n";

static const char LIMITS[] =
	"Limits\n"
	"  Scenario files are untrusted input. A file above a limit (64 MiB, 5000000 JSON\n"
	"  values, nesting 32, 100000 parties or channels listed, 10^7 generated, 1000000\n"
	"  script actions, 10^6 payments per pay action or per block of a workload, 10^8\n"
	"  payments in a run (10^7 with signatures), 10^7 flood txs) is refused with exit\n"
	"  status 2.\n"
	"  docs/security.md lists them all.\n";

static const char EXAMPLES_RUN[] =
	"  l2sim run scenarios/quickstart.json\n"
	"  l2sim run scenarios/quickstart.json --format json --set l1.dispute_timeout_blocks=6\n"
	"        (exit 1: the file expects the settlement of its own T = 10, at block 14)\n"
	"  l2sim run scenarios/tampered-state-signed.json --set l2.signatures=off\n"
	"        (exit 1: without signatures the tampered close wins: a security violation)\n"
	"  l2sim run scenarios/quickstart.json --max-blocks 100 --trace /tmp/quickstart.jsonl\n"
	"  l2sim run scenarios/stale-close-missed.json --svg missed.svg --html missed.html\n";
static const char EXAMPLES_CHECK[] =
	"  l2sim check scenarios/*.json\n"
	"  l2sim check scenarios/quickstart.json --set l1.confirmations=3\n";
static const char EXAMPLES_SWEEP[] =
	"  l2sim sweep docs/examples/sweep-security.json --vary script.8.blocks=1..32 \\\n"
	"        --vary l1.dispute_timeout_blocks=6,12,24 --out results.csv --plot chart.svg \\\n"
	"        --metric security_violations\n";
static const char EXAMPLES_MERGE[] =
	"  l2sim sweep docs/examples/sweep-gain.json --vary script.1.count=1..30 --shard 0/3 \\\n"
	"        --out part0.csv        (and 1/3, 2/3 elsewhere)\n"
	"  l2sim sweep-merge gain.csv part0.csv part1.csv part2.csv\n";
static const char EXAMPLES_BENCH[] = "  l2sim bench --quick --format json\n";

static const char DOCS[] =
	"Documentation: docs/scenario-format.md, docs/metrics.md, docs/benchmarks.md,\n"
	"docs/teaching-disputes.md, docs/scenarios.md, docs/security.md, docs/l1sim.md,\n"
	"docs/l2.md, docs/performance.md, docs/schemes.md (L1 transfers, rollups, a\n"
	"sidechain: SPEC section 11), and man l2sim.\n";

void cli_synopsis(FILE *f)
{
	fprintf(f, "usage: %s       %s       %s       %s       %s", SYNOPSIS_RUN, SYNOPSIS_CHECK, SYNOPSIS_SWEEP,
		SYNOPSIS_MERGE, SYNOPSIS_BENCH);
	fputs("       l2sim --help | --version\n"
	      "l2sim --help describes every command and option.\n",
	      f);
}

void cli_help(FILE *f, enum cli_command cmd)
{
	switch (cmd) {
	case CLI_RUN:
		fprintf(f, "usage: %s\nRun a scenario and print its report.\n\nOptions\n%s%s%s", SYNOPSIS_RUN,
			OPTIONS_RUN, SET_OPTION, OPTIONS_RUN_2);
		fprintf(f, "\n%s\nExamples\n%s", EXIT_STATUS, EXAMPLES_RUN);
		break;
	case CLI_CHECK:
		fprintf(f, "usage: %s\nValidate scenarios without running them; prints every problem.\n\nOptions\n%s",
			SYNOPSIS_CHECK, OPTIONS_CHECK);
		fprintf(f, "\n%s\nExamples\n%s", EXIT_STATUS, EXAMPLES_CHECK);
		break;
	case CLI_SWEEP:
		fprintf(f,
			"usage: %s\nRun FILE over every combination of --vary values, on all cores; print a\n"
			"table, write a CSV and draw a chart (docs/benchmarks.md).\n\nOptions\n%s",
			SYNOPSIS_SWEEP, OPTIONS_SWEEP);
		fprintf(f, "\n%s\nExamples\n%s", EXIT_STATUS, EXAMPLES_SWEEP);
		break;
	case CLI_SWEEP_MERGE:
		fprintf(f,
			"usage: %s\nJoin the CSVs of `l2sim sweep --shard I/N` into the CSV one machine\n"
			"writes for the same sweep, byte for byte.\n\nOptions\n%s",
			SYNOPSIS_MERGE, OPTIONS_MERGE);
		fprintf(f, "\n%s\nExamples\n%s", EXIT_STATUS, EXAMPLES_MERGE);
		break;
	case CLI_BENCH:
		fprintf(f,
			"usage: %s\nMeasure how fast the simulator is, each figure beside its bound; about\n"
			"a minute of CPU (docs/performance.md).\n\nOptions\n%s",
			SYNOPSIS_BENCH, OPTIONS_BENCH);
		fprintf(f, "\n%s\nExamples\n%s", EXIT_STATUS, EXAMPLES_BENCH);
		break;
	case CLI_NONE:
		fprintf(f, "%s\n%s\n", INTRO, COMMANDS);
		fprintf(f, "Options of run\n%s%s%s\n", OPTIONS_RUN, SET_OPTION, OPTIONS_RUN_2);
		fprintf(f, "Options of check\n%s\n", OPTIONS_CHECK);
		fprintf(f, "Options of sweep\n%s\n", OPTIONS_SWEEP);
		fprintf(f, "Options of sweep-merge\n%s\n", OPTIONS_MERGE);
		fprintf(f, "Options of bench\n%s\n", OPTIONS_BENCH);
		fprintf(f, "%s\n%s\n%s\n", OTHER_OPTIONS, EXIT_STATUS, LIMITS);
		fprintf(f, "Examples\n%s%s%s%s%s\n%s", EXAMPLES_RUN, EXAMPLES_CHECK, EXAMPLES_SWEEP, EXAMPLES_MERGE,
			EXAMPLES_BENCH, DOCS);
		return;
	}
	fputs("\nl2sim --help describes every command; man l2sim.\n", f);
}
