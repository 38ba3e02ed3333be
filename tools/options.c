#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "l1sim/util.h"
#include "tools/sweep.h"

enum opt_id {
	OPT_FORMAT,
	OPT_SET,
	OPT_TRACE,
	OPT_SVG,
	OPT_HTML,
	OPT_PAYMENTS,
	OPT_MAX_BLOCKS,
	OPT_VARY,
	OPT_LABEL,
	OPT_JOBS,
	OPT_OUT,
	OPT_PLOT,
	OPT_METRIC,
	OPT_LOG,
	OPT_QUICK,
	OPT_ONLY,
	OPT_MPI,
	OPT_SHARD,
	OPT_HELP,
};

#define FOR(c) (1u << (c))

/* Every option of every command: its names, whether it takes a value, and which
 * commands accept it. */
static const struct {
	enum opt_id id;
	const char *name, *short_name;
	bool takes_value;
	unsigned commands;
} OPTIONS[] = {
	{ OPT_FORMAT, "--format", NULL, true, FOR(CLI_RUN) | FOR(CLI_BENCH) },
	{ OPT_SET, "--set", NULL, true, FOR(CLI_RUN) | FOR(CLI_CHECK) | FOR(CLI_SWEEP) },
	{ OPT_TRACE, "--trace", NULL, true, FOR(CLI_RUN) },
	{ OPT_SVG, "--svg", NULL, true, FOR(CLI_RUN) },
	{ OPT_HTML, "--html", NULL, true, FOR(CLI_RUN) },
	{ OPT_PAYMENTS, "--payments", NULL, true, FOR(CLI_RUN) },
	{ OPT_MAX_BLOCKS, "--max-blocks", NULL, true, FOR(CLI_RUN) },
	{ OPT_VARY, "--vary", NULL, true, FOR(CLI_SWEEP) },
	{ OPT_LABEL, "--label", NULL, true, FOR(CLI_SWEEP) },
	{ OPT_JOBS, "--jobs", "-j", true, FOR(CLI_SWEEP) },
	{ OPT_OUT, "--out", "-o", true, FOR(CLI_SWEEP) },
	{ OPT_PLOT, "--plot", NULL, true, FOR(CLI_SWEEP) },
	{ OPT_METRIC, "--metric", NULL, true, FOR(CLI_SWEEP) },
	{ OPT_LOG, "--log", NULL, true, FOR(CLI_SWEEP) },
	{ OPT_QUICK, "--quick", NULL, false, FOR(CLI_BENCH) },
	{ OPT_ONLY, "--only", NULL, true, FOR(CLI_BENCH) },
	{ OPT_MPI, "--mpi", NULL, false, FOR(CLI_SWEEP) },
	{ OPT_SHARD, "--shard", NULL, true, FOR(CLI_SWEEP) },
	{ OPT_HELP, "--help", "-h", false,
	  FOR(CLI_RUN) | FOR(CLI_CHECK) | FOR(CLI_SWEEP) | FOR(CLI_BENCH) | FOR(CLI_SWEEP_MERGE) },
};
#define NOPTIONS (sizeof(OPTIONS) / sizeof(OPTIONS[0]))

const char *cli_command_str(enum cli_command c)
{
	switch (c) {
	case CLI_NONE: return "";
	case CLI_RUN: return "run";
	case CLI_CHECK: return "check";
	case CLI_SWEEP: return "sweep";
	case CLI_BENCH: return "bench";
	case CLI_SWEEP_MERGE: return "sweep-merge";
	}
	return "?";
}

int cli_usage(enum cli_command cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("l2sim: ", stderr);
	if (cmd != CLI_NONE)
		fprintf(stderr, "%s: ", cli_command_str(cmd));
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd != CLI_NONE)
		fprintf(stderr, "\nTry 'l2sim %s --help'.\n", cli_command_str(cmd));
	else
		fputs("\nTry 'l2sim --help'.\n", stderr);
	return 2;
}

/* A whole number from lo to hi, digits only. */
static bool whole(const char *v, unsigned long long lo, unsigned long long hi, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (!(*v >= '0' && *v <= '9') || *end || errno || n < lo || n > hi)
		return false;
	*out = n;
	return true;
}

/* Takes one option's value into o; false after printing a usage error. */
static bool take(enum cli_command cmd, enum opt_id id, const char *v, struct cli_options *o)
{
	unsigned long long n;
	switch (id) {
	case OPT_FORMAT:
		if (strcmp(v, "text") != 0 && strcmp(v, "json") != 0)
			return cli_usage(cmd, "--format must be text or json (got \"%s\")", v), false;
		o->json = strcmp(v, "json") == 0;
		return true;
	case OPT_SET: {
		const char *eq = strchr(v, '=');
		if (!eq || eq == v)
			return cli_usage(cmd, "--set needs KEY=VALUE (got \"%s\")", v), false;
		char *key = xmalloc((size_t)(eq - v) + 1);
		memcpy(key, v, (size_t)(eq - v));
		key[eq - v] = '\0';
		o->sets[o->nsets].key = key;
		o->sets[o->nsets++].value = eq + 1;
		return true;
	}
	case OPT_TRACE:
		if (!*v)
			return cli_usage(cmd, "--trace needs a file name"), false;
		o->trace = v;
		return true;
	case OPT_SVG:
	case OPT_HTML:
		if (!*v)
			return cli_usage(cmd, "%s needs a file name", id == OPT_SVG ? "--svg" : "--html"), false;
		*(id == OPT_SVG ? &o->svg : &o->html) = v;
		return true;
	case OPT_PAYMENTS:
		if (!*v)
			return cli_usage(cmd, "--payments needs a file name"), false;
		o->payments = v;
		return true;
	case OPT_MAX_BLOCKS:
		if (!whole(v, 0, SCN_MAX_BLOCK, &n))
			return cli_usage(cmd, "--max-blocks must be a whole number from 0 to %u (got \"%s\")",
					 SCN_MAX_BLOCK, v),
			       false;
		o->max_blocks = n;
		o->has_max_blocks = true;
		return true;
	case OPT_VARY:
		o->vary[o->nvary++] = v;
		return true;
	case OPT_LABEL: {
		/* Split on the first '=': a --vary KEY never holds one (it ends at the first). */
		const char *eq = strchr(v, '=');
		if (!eq || eq == v || !eq[1])
			return cli_usage(cmd, "--label needs KEY=TEXT (got \"%s\")", v), false;
		o->labels[o->nlabels++] = v;
		return true;
	}
	case OPT_JOBS:
		if (!whole(v, 1, SWEEP_MAX_JOBS, &n))
			return cli_usage(cmd, "--jobs must be a whole number from 1 to %u (got \"%s\")", SWEEP_MAX_JOBS, v),
			       false;
		o->jobs = (unsigned)n;
		return true;
	case OPT_OUT:
		if (!*v)
			return cli_usage(cmd, "--out needs a file name (or - for standard output)"), false;
		o->out = v;
		return true;
	case OPT_PLOT:
		if (!*v || strcmp(v, "-") == 0)
			return cli_usage(cmd, "--plot needs a file name"), false;
		o->plot = v;
		return true;
	case OPT_METRIC:
		o->metric = v;
		return true;
	case OPT_LOG:
		if (strcmp(v, "x") != 0 && strcmp(v, "y") != 0 && strcmp(v, "xy") != 0)
			return cli_usage(cmd, "--log must be x, y or xy (got \"%s\")", v), false;
		o->log_x = strchr(v, 'x') != NULL;
		o->log_y = strchr(v, 'y') != NULL;
		o->log_given = true;
		return true;
	case OPT_QUICK:
		o->quick = true;
		return true;
	case OPT_ONLY: /* the names are bench's to check (bench_run) */
		o->only = v;
		return true;
	case OPT_MPI:
		o->mpi = true;
		return true;
	case OPT_SHARD: {
		/* I/N: whole numbers, I < N. */
		const char *slash = strchr(v, '/');
		unsigned long long i = 0, nn = 0;
		char ibuf[32];
		size_t ilen = slash ? (size_t)(slash - v) : 0;
		if (slash && ilen < sizeof(ibuf)) {
			memcpy(ibuf, v, ilen);
			ibuf[ilen] = '\0';
		}
		if (!slash || ilen >= sizeof(ibuf) || !whole(ibuf, 0, SWEEP_MAX_RUNS, &i) ||
		    !whole(slash + 1, 1, SWEEP_MAX_RUNS, &nn) || i >= nn)
			return cli_usage(cmd, "--shard must be I/N with whole numbers 0 <= I < N <= %u (got \"%s\")",
					 SWEEP_MAX_RUNS, v),
			       false;
		o->shard_i = (unsigned)i;
		o->shard_n = (unsigned)nn;
		return true;
	}
	case OPT_HELP:
		return true;
	}
	return false;
}

/* The option argv[*i] names, its value in *v (consuming the next argument when
 * needed); -1 when it is no option of any command. */
static int match(int argc, char **argv, int *i, const char **v, bool *missing)
{
	const char *a = argv[*i];
	for (size_t k = 0; k < NOPTIONS; k++) {
		size_t n = strlen(OPTIONS[k].name);
		bool is_short = OPTIONS[k].short_name && strcmp(a, OPTIONS[k].short_name) == 0;
		if (OPTIONS[k].takes_value && strncmp(a, OPTIONS[k].name, n) == 0 && a[n] == '=') {
			*v = a + n + 1;
			return (int)k;
		}
		if (strcmp(a, OPTIONS[k].name) == 0 || is_short) {
			if (OPTIONS[k].takes_value) {
				if (*i + 1 >= argc)
					*missing = true;
				else
					*v = argv[++*i];
			}
			return (int)k;
		}
	}
	return -1;
}

enum cli_parse_result cli_parse(enum cli_command cmd, int argc, char **argv, struct cli_options *o)
{
	memset(o, 0, sizeof(*o));
	o->max_blocks = SCN_MAX_BLOCK;
	o->files = xcalloc((size_t)argc + 1, sizeof(*o->files));
	o->sets = xcalloc((size_t)argc + 1, sizeof(*o->sets));
	o->vary = xcalloc((size_t)argc + 1, sizeof(*o->vary));
	o->labels = xcalloc((size_t)argc + 1, sizeof(*o->labels));
	/* --help anywhere wins: nothing else is checked, nothing runs. */
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cli_help(stdout, cmd);
			return CLI_HELP;
		}
	}
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		bool missing = false;
		int k = match(argc, argv, &i, &v, &missing);
		if (k >= 0 && !(OPTIONS[k].commands & FOR(cmd)))
			return cli_usage(cmd, "%s is not an option of %s", OPTIONS[k].name, cli_command_str(cmd)),
			       CLI_USAGE;
		if (k >= 0 && missing)
			return cli_usage(cmd, "%s needs a value", a), CLI_USAGE;
		if (k >= 0) {
			if (!take(cmd, OPTIONS[k].id, v, o))
				return CLI_USAGE;
		} else if (a[0] == '-' && a[1] != '\0') {
			return cli_usage(cmd, "unknown option %s", a), CLI_USAGE;
		} else {
			o->files[o->nfiles++] = a;
		}
	}
	switch (cmd) {
	case CLI_RUN:
	case CLI_SWEEP:
		if (o->nfiles == 0)
			return cli_usage(cmd, "needs a scenario FILE"), CLI_USAGE;
		if (o->nfiles > 1)
			return cli_usage(cmd, "takes one FILE (got a second: %s)", o->files[1]), CLI_USAGE;
		break;
	case CLI_CHECK:
		if (o->nfiles == 0)
			return cli_usage(cmd, "needs at least one FILE"), CLI_USAGE;
		break;
	case CLI_BENCH:
		if (o->nfiles > 0)
			return cli_usage(cmd, "takes no FILE (got %s)", o->files[0]), CLI_USAGE;
		break;
	case CLI_SWEEP_MERGE:
		if (o->nfiles < 2)
			return cli_usage(cmd, "needs OUT.csv and at least one PART.csv"), CLI_USAGE;
		break;
	case CLI_NONE:
		break;
	}
	return CLI_PARSED;
}

void cli_options_free(struct cli_options *o)
{
	for (size_t i = 0; i < o->nsets; i++)
		free((char *)o->sets[i].key);
	free(o->sets);
	free(o->files);
	free(o->vary);
	free(o->labels);
	memset(o, 0, sizeof(*o));
}

/* ---- reading a scenario ---- */

const char *cli_input_name(const char *file)
{
	return strcmp(file, "-") == 0 ? "<stdin>" : file;
}

bool cli_read_input(const char *file, char **text, size_t *len, struct scn_errors *errs)
{
	if (strcmp(file, "-") != 0)
		return scn_read_file(file, text, len, errs);
	const char *name = cli_input_name(file);
	/* Read at most one byte past the limit: enough to know the input is too large. */
	size_t cap = 1 << 16, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n == cap) {
			if (cap > SCN_MAX_FILE_BYTES) {
				scn_errors_add(errs, "%s: the file is larger than the limit of %u MiB", name,
					       SCN_MAX_FILE_BYTES >> 20);
				free(buf);
				return false;
			}
			cap = cap * 2 > SCN_MAX_FILE_BYTES ? (size_t)SCN_MAX_FILE_BYTES + 1 : cap * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		ssize_t got = read(STDIN_FILENO, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			scn_errors_add(errs, "%s: cannot read: %s", name, strerror(errno));
			free(buf);
			return false;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*text = buf;
	*len = n;
	return true;
}

struct scenario *cli_load(const char *file, const struct scn_override *ov, size_t nov, struct scn_errors *errs)
{
	if (strcmp(file, "-") != 0)
		return scn_load(file, ov, nov, errs);
	char *text;
	size_t len;
	if (!cli_read_input(file, &text, &len, errs))
		return NULL;
	struct scenario *s = scn_load_buffer(cli_input_name(file), text, len, ov, nov, errs);
	free(text);
	return s;
}
