/* The command line of l2sim: one parser for every command (run, check, sweep, bench),
 * its usage errors (one line and a pointer to --help), the help texts, and reading a
 * scenario FILE ("-" is standard input).
 *
 * Options are "--name VALUE" or "--name=VALUE" (short forms "-j N", "-o FILE"), matched
 * exactly; each command accepts only its own. --set KEY=VALUE is split on its first
 * '=' only: what KEY and VALUE mean is the loader's business (tools/scenario.h). */
#ifndef L2SIM_TOOLS_OPTIONS_H
#define L2SIM_TOOLS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/scenario.h"
#include "tools/version.h"

enum cli_command {
	CLI_NONE = 0, /* l2sim --help: the whole help */
	CLI_RUN,
	CLI_CHECK,
	CLI_SWEEP,
	CLI_BENCH,
	CLI_SWEEP_MERGE, /* sweep-merge OUT.csv PART... */
};
const char *cli_command_str(enum cli_command c);

/* What the command line said. Strings point into argv, except the --set keys, which
 * are owned (cli_options_free). */
struct cli_options {
	const char **files;
	size_t nfiles;
	bool json;                 /* --format json */
	struct scn_override *sets; /* --set, in order */
	size_t nsets;
	const char *trace;         /* run --trace */
	const char *svg, *html;    /* run --svg, --html (the picture, the page) */
	const char *payments;      /* run --payments (one CSV row per routed payment) */
	uint64_t max_blocks;       /* run --max-blocks (SCN_MAX_BLOCK when not given) */
	bool has_max_blocks;
	const char **vary;         /* sweep --vary, unparsed (sweep_axis_parse) */
	size_t nvary;
	const char **labels;       /* sweep --label KEY=TEXT, unparsed (checked by sweep) */
	size_t nlabels;
	unsigned jobs;             /* sweep --jobs; 0: not given */
	const char *out, *plot, *metric;
	bool log_x, log_y, log_given;
	bool quick;                /* bench --quick */
	const char *only;          /* bench --only FIGURE[,FIGURE...]; NULL: all */
	bool mpi;                  /* sweep --mpi */
	unsigned shard_i, shard_n; /* sweep --shard I/N; shard_n 0: not given */
};

enum cli_parse_result {
	CLI_PARSED = 0, /* go on */
	CLI_HELP,       /* --help was given: the command's help is printed; exit 0 */
	CLI_USAGE,      /* a usage error is printed; exit 2 */
};

/* Parses the arguments after the command name into *o (which the caller frees with
 * cli_options_free whatever the result). Checks each option's value and the number
 * of FILEs; prints a usage error (cli_usage) or the help itself. */
enum cli_parse_result cli_parse(enum cli_command cmd, int argc, char **argv, struct cli_options *o);
void cli_options_free(struct cli_options *o);

/* Prints "l2sim: CMD: MESSAGE" and a pointer to the command's --help on stderr;
 * returns 2, the exit status of a usage error. */
__attribute__((format(printf, 2, 3))) int cli_usage(enum cli_command cmd, const char *fmt, ...);

/* Prints the help of a command (CLI_NONE: the whole help) to f. */
void cli_help(FILE *f, enum cli_command cmd);
/* The short synopsis of every command (l2sim with no arguments). */
void cli_synopsis(FILE *f);

/* The name a FILE goes by in messages: "<stdin>" for "-", else FILE. */
const char *cli_input_name(const char *file);
/* Reads scenario FILE whole (standard input for "-"), at most SCN_MAX_FILE_BYTES, into
 * *text (the caller frees); false with the problem in *errs. */
bool cli_read_input(const char *file, char **text, size_t *len, struct scn_errors *errs);
/* Reads and loads FILE with the overrides, as scn_load does for a path. */
struct scenario *cli_load(const char *file, const struct scn_override *ov, size_t nov, struct scn_errors *errs);

#endif
