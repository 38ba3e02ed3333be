/* tools/options.c: one parser for every command. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>

#include "tools/options.h"

#define ARGS(...) ((char *[]){ __VA_ARGS__, NULL })
#define NARGS(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(cmd, o, ...) cli_parse(cmd, NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), o)

Test(cli_options, set_is_split_on_its_first_equals_sign_only)
{
	struct cli_options o;
	cr_assert_eq(PARSE(CLI_CHECK, &o, "f.json", "--set", "description=a=b", "--set=seed=7"), CLI_PARSED);
	cr_assert_eq(o.nsets, 2);
	cr_assert_str_eq(o.sets[0].key, "description");
	cr_assert_str_eq(o.sets[0].value, "a=b");
	cr_assert_str_eq(o.sets[1].key, "seed");
	cr_assert_str_eq(o.sets[1].value, "7");
	cli_options_free(&o);
}

Test(cli_options, values_come_as_name_value_or_name_equals_value)
{
	struct cli_options o;
	cr_assert_eq(PARSE(CLI_SWEEP, &o, "-j", "3", "f.json", "--vary=a=1,2", "-o", "x.csv", "--log", "xy"),
		     CLI_PARSED);
	cr_assert_eq(o.jobs, 3);
	cr_assert_eq(o.nvary, 1);
	cr_assert_str_eq(o.vary[0], "a=1,2");
	cr_assert_str_eq(o.out, "x.csv");
	cr_assert(o.log_x && o.log_y && o.log_given);
	cr_assert_eq(o.nfiles, 1);
	cli_options_free(&o);
}

Test(cli_options, each_command_takes_only_its_own_options, .init = cr_redirect_stderr)
{
	struct cli_options o;
	cr_assert_eq(PARSE(CLI_CHECK, &o, "f.json", "--trace", "t.jsonl"), CLI_USAGE);
	cli_options_free(&o);
	cr_assert_eq(PARSE(CLI_RUN, &o, "f.json", "--vary", "a=1"), CLI_USAGE);
	cli_options_free(&o);
	cr_assert_eq(PARSE(CLI_BENCH, &o, "--set", "a=1"), CLI_USAGE);
	cli_options_free(&o);
	cr_assert_eq(PARSE(CLI_RUN, &o, "f.json", "--formatx"), CLI_USAGE);
	cli_options_free(&o);
}

Test(cli_options, files_are_counted_per_command, .init = cr_redirect_stderr)
{
	struct cli_options o;
	cr_assert_eq(PARSE(CLI_RUN, &o, "a.json", "b.json"), CLI_USAGE);
	cli_options_free(&o);
	cr_assert_eq(PARSE(CLI_RUN, &o, "-"), CLI_PARSED, "- is standard input, a FILE");
	cli_options_free(&o);
	cr_assert_eq(PARSE(CLI_CHECK, &o, "a.json", "b.json", "-"), CLI_PARSED);
	cr_assert_eq(o.nfiles, 3);
	cli_options_free(&o);
	cr_assert_eq(PARSE(CLI_BENCH, &o, "a.json"), CLI_USAGE);
	cli_options_free(&o);
}

Test(cli_options, bad_values_are_usage_errors, .init = cr_redirect_stderr)
{
	struct cli_options o;
	const char *bad[][2] = { { "--format", "xml" }, { "--max-blocks", "10000001" }, { "--max-blocks", "-1" },
				 { "--set", "=1" },     { "--set", "novalue" },     { "--trace", "" } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(PARSE(CLI_RUN, &o, "f.json", (char *)bad[i][0], (char *)bad[i][1]), CLI_USAGE, "%s %s",
			     bad[i][0], bad[i][1]);
		cli_options_free(&o);
	}
	cr_assert_eq(PARSE(CLI_RUN, &o, "f.json", "--set"), CLI_USAGE, "no value");
	cli_options_free(&o);
}

Test(cli_options, help_wins_over_everything_else, .init = cr_redirect_stdout)
{
	struct cli_options o;
	cr_assert_eq(PARSE(CLI_SWEEP, &o, "--bogus", "-h"), CLI_HELP);
	cli_options_free(&o);
	fflush(stdout);
	cr_assert_stdout_neq_str("");
}
