/* The loader's messages and the branches of its checks (issue 10 item 5, issue 14):
 * each test names the defect it pins; every one failed on the loader before the fix
 * or reached a branch no test reached. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "tools/scenario.h"
#include "tests/tools/loader_harness.h"

#define HEAD "{\"format\": \"l2sim/1\", \"name\": \"t\", "
#define AB "\"parties\": [{\"name\": \"a\", \"balance\": 10}, {\"name\": \"b\"}, {\"name\": \"c\"}], " \
	   "\"channels\": [{\"id\": \"ab\", \"parties\": [\"a\", \"b\"], \"deposit\": {\"a\": 10}}]"

static void accepted(const char *text)
{
	scn_free(load_ok(text));
}

/* ---- issue 10 item 5: branches no test reached ---- */

Test(scn_loader, an_invalid_choice_value)
{
	refused(HEAD AB ", \"l1\": {\"interval\": \"poisson\"}}",
		"t.json: l1.interval: must be one of \"fixed\", \"exponential\" (got \"poisson\")");
}

Test(scn_loader, duplicate_names)
{
	refused(HEAD "\"parties\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}", "t.json: parties[1].name: party name \"a\" is used twice");
	refused(HEAD "\"parties\": [{\"name\": \"a\"}, {\"name\": \"b\"}], \"channels\": [{\"id\": \"x\", \"parties\": [\"a\", \"b\"]},"
		" {\"id\": \"x\", \"parties\": [\"b\", \"a\"]}]}",
		"t.json: channels[1].id: channel id \"x\" is used twice");
}

Test(scn_loader, a_channel_of_one_party)
{
	refused(HEAD "\"parties\": [{\"name\": \"a\"}], \"channels\": [{\"id\": \"x\", \"parties\": [\"a\"]}]}",
		"t.json: channels[0].parties: a channel needs at least 2 parties (got 1)");
}

Test(scn_loader, tamper_on_a_cooperative_close)
{
	refused(HEAD AB ", \"script\": [{\"at\": 1, \"action\": \"close\", \"channel\": \"ab\", \"by\": \"a\", \"tamper\": true}]}",
		"t.json: script[0].tamper: tamper applies to unilateral closes only");
}

Test(scn_loader, to_block_before_from_block)
{
	refused(HEAD AB ", \"workload\": [{\"kind\": \"poisson\", \"rate_per_s\": 1, \"channels\": \"all\", \"from_block\": 5,"
		" \"to_block\": 4, \"amount\": {\"min\": 1, \"max\": 1}}]}",
		"t.json: workload[0].to_block: must not be before from_block (5)");
}

Test(scn_loader, a_wrong_format_tag)
{
	refused("{\"format\": \"l2sim/2\", \"name\": \"t\", \"parties\": [{\"name\": \"a\"}]}",
		"t.json: format: must be \"l2sim/1\" (got \"l2sim/2\")");
}

Test(scn_loader, a_syntax_error_past_line_1_has_its_line_and_column)
{
	refused("{\"format\": \"l2sim/1\",\n  \"name\": \"t\",\n  \"parties\": [{\"name\": \"a\"},]\n}",
		"t.json: line 3, column 29: not valid JSON");
}

/* A file cut short pointed at its last character: say what happened. */
Test(scn_loader, a_truncated_file_is_an_unexpected_end_of_file)
{
	refused("{\"format\": \"l2sim/1\",\n \"name\": \"t\",\n \"parties\": [{\"na",
		"t.json: line 3, column 18: not valid JSON (unexpected end of file)");
	refused("{\"format\": \"l2sim/1\",\n \"name\": \"t\",\n \"parties\": [{\"name\": \"a\"}",
		"t.json: line 3, column 27: not valid JSON (unexpected end of file)");
}

/* load_generate wrote its own error lines, past SCN_MAX_ERRORS. */
Test(scn_loader, generate_errors_respect_the_cap)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	fputs(HEAD "\"parties\": [", f);
	for (int i = 0; i < 300; i++)
		fprintf(f, "%s{\"name\": \"p%d\"}", i ? "," : "", i);
	fputs("], \"generate\": {\"parties\": 1000, \"channels\": 0}}", f);
	fclose(f);
	struct scn_errors e = { 0 };
	cr_assert_null(load(text, &e));
	cr_assert_eq(e.n, SCN_MAX_ERRORS + 1, "%zu lines", e.n);
	cr_assert(has_line(&e, "t.json: parties[0].name: \"p0\" is also the name of a generated party"));
	cr_assert_str_eq(e.lines[SCN_MAX_ERRORS], "t.json: ... and 200 more problems not listed");
	scn_errors_free(&e);
	free(text);
}

/* ---- issue 14 ---- */

/* Item 9: a count that is not a number stored an uninitialised value (here the
 * 10^6 of the action before, on the same stack slot), which made a false budget error. */
Test(scn_loader, a_count_or_txs_of_the_wrong_type_stores_nothing)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	fputs(HEAD AB ", \"script\": [{\"at\": 1, \"action\": \"pay\", \"channel\": \"ab\", \"from\": \"a\", \"to\": \"b\","
		      " \"amount\": 1, \"count\": 1000000}", f);
	for (int i = 0; i < 10; i++)
		fputs(", {\"at\": 1, \"action\": \"pay\", \"channel\": \"ab\", \"from\": \"a\", \"to\": \"b\", \"amount\": 1, \"count\": \"x\"}"
		      ", {\"at\": 1, \"action\": \"flood\", \"by\": \"a\", \"txs\": \"x\", \"fee\": 0, \"blocks\": 1}", f);
	fputs("]}", f);
	fclose(f);
	struct scn_errors e = { 0 };
	cr_assert_null(load(text, &e));
	cr_assert_eq(e.n, 20, "one line per wrong type, nothing else: %zu lines, first %s", e.n, e.lines[0]);
	cr_assert_not(has_line(&e, "the run would make"));
	cr_assert_not(has_line(&e, "floods would submit"));
	scn_errors_free(&e);
	free(text);
}

/* Item 10: 0.0015 s ran as 2 ms while the report said 0.0015; 0.0005 was taken. */
Test(scn_loader, intervals_are_whole_milliseconds_of_at_least_one)
{
	refused(HEAD AB ", \"l1\": {\"block_interval_s\": 0.0015}}",
		"t.json: l1.block_interval_s: must be a whole number of milliseconds (the resolution is 1 ms; got 0.0015)");
	refused(HEAD AB ", \"l1\": {\"block_interval_s\": 0.0005}}",
		"t.json: l1.block_interval_s: must be at least 0.001 (the resolution is 1 ms; got 0.0005)");
	refused(HEAD AB ", \"l1\": {\"block_interval_s\": 600.0004}}", "must be a whole number of milliseconds");
	accepted(HEAD AB ", \"l1\": {\"block_interval_s\": 0.001}}");
	accepted(HEAD AB ", \"l1\": {\"block_interval_s\": 0.1}}");
	accepted(HEAD AB ", \"l1\": {\"block_interval_s\": 1.234}}");
}

/* Item 11: passed check, then failed at run time. */
Test(scn_loader, a_deposit_or_close_by_an_outsider)
{
	refused(HEAD AB ", \"script\": [{\"at\": 1, \"action\": \"deposit\", \"channel\": \"ab\", \"party\": \"c\", \"amount\": 1}]}",
		"t.json: script[0].party: \"c\" is not a party of channel \"ab\"");
	refused(HEAD AB ", \"script\": [{\"at\": 1, \"action\": \"close\", \"channel\": \"ab\", \"by\": \"c\"}]}",
		"t.json: script[0].by: \"c\" is not a party of channel \"ab\"");
	accepted(HEAD AB ", \"script\": [{\"at\": 1, \"action\": \"close\", \"channel\": \"ab\", \"by\": \"b\"}]}");
}

/* Item 12: "nul\u0000evil" was taken as "nul", a key "fee\u0000x" as "fee". */
Test(scn_loader, nul_inside_strings)
{
	refused(HEAD "\"parties\": [{\"name\": \"nul\\u0000evil\"}]}",
		"t.json: line 1, column 61: a string holds \\u0000 (a NUL character)");
	refused(HEAD "\"parties\": [{\"name\": \"a\"}], \"l1\": {\"fee\\u0000x\": 1}}", "a string holds \\u0000");
	accepted(HEAD "\"description\": \"a \\\\u0000 is written so\", \"parties\": [{\"name\": \"a\"}]}");
	struct scn_override ov = { "parties.a.name", "\"nul\\u0000evil\"" };
	struct scn_errors e = { 0 };
	const char *text = HEAD "\"parties\": [{\"name\": \"a\"}]}";
	cr_assert_null(scn_load_buffer("t.json", text, strlen(text), &ov, 1, &e));
	cr_assert(has_line(&e, "t.json: --set parties.a.name: the value holds \\u0000"), "%s", e.n ? e.lines[0] : "");
	scn_errors_free(&e);
}

/* Usability: 1e999 printed "inf" (or "a number"), 10^400 printed 401 digits. */
Test(scn_loader, huge_numbers_print_as_written_and_shortened)
{
	refused(HEAD AB ", \"l1\": {\"confirmations\": 1e999}}", "t.json: l1.confirmations: must be between 1 and 1000000 (got 1e999)");
	refused(HEAD AB ", \"l2\": {\"latency_ms\": -1e999}}", "t.json: l2.latency_ms: must be a number (got -1e999)");
	char text[1024];
	snprintf(text, sizeof(text), HEAD AB ", \"seed\": 1%0400d}", 0);
	struct scn_errors e = { 0 };
	cr_assert_null(load(text, &e));
	cr_assert_eq(e.n, 1);
	cr_assert_str_eq(e.lines[0], "t.json: seed: must be between 0 and 9007199254740991 "
				     "(got 10000000000000000000... (401 characters))");
	scn_errors_free(&e);
	refused(HEAD "\"parties\": [{\"name\": \"a\", \"balance\": 123456789012345678901234567890}]}",
		"t.json: parties[0].balance: amount above 2^53-1 must be written as a decimal string "
		"(got 12345678901234567890... (30 characters))");
}

/* Item 8, the loader's part: names, keys and values are echoed escaped. */
Test(scn_loader, control_characters_and_invalid_utf8_are_escaped)
{
	const char *text = HEAD "\"parties\": [{\"name\": \"x\\u001b]0;pwn\\u0007\"}], \"l1\": {\"f\\u001b[2J\": 1,"
			   " \"interval\": \"\xff\xfe\\r\"}, \"l2\": {\"signatures\": \"\xc2\x9b" "31m\"}}";
	struct scn_errors e = { 0 };
	cr_assert_null(scn_load_buffer("t\x1b[1m.json", text, strlen(text), NULL, 0, &e));
	cr_assert(has_line(&e, "t\\x1b[1m.json: parties[0].name: name must match [A-Za-z0-9._-]{1,64} (got \"x\\x1b]0;pwn\\x07\")"));
	cr_assert(has_line(&e, "t\\x1b[1m.json: l1.f\\x1b[2J: unknown key \"f\\x1b[2J\""));
	cr_assert(has_line(&e, "(got \"\\xff\\xfe\\x0d\")"));
	cr_assert(has_line(&e, "(got \"\\u009b31m\")"));
	for (size_t i = 0; i < e.n; i++)
		for (const unsigned char *p = (const unsigned char *)e.lines[i]; *p; p++)
			cr_assert(*p >= 0x20 && *p < 0x7f, "raw byte 0x%02x in: %s", *p, e.lines[i]);
	scn_errors_free(&e);
}

/* Usability: errors a --set caused were blamed on the file; and sweep parsed the text
 * to tell (now each line has its origin). */
Test(scn_loader, errors_caused_by_set_name_the_option_and_carry_its_index)
{
	const char *text = HEAD AB "}";
	struct scn_override ov[] = { { "l1.confirmations", "2" }, { "parties.b.balance", "-3" }, { "l1.fee", "x" } };
	struct scn_errors e = { 0 };
	cr_assert_null(scn_load_buffer("t.json", text, strlen(text), ov, 3, &e));
	cr_assert_eq(e.n, 2);
	/* in the order of the sections: l1 before parties */
	cr_assert_str_eq(e.lines[0], "t.json: --set l1.fee: amount must be a decimal string from \"0\" to "
				     "\"18446744073709551615\" (got \"x\")");
	cr_assert_eq(e.origin[0].override, 2);
	cr_assert_str_eq(e.lines[1], "t.json: --set parties.b.balance: amount must not be negative (got -3)");
	cr_assert_eq(e.origin[1].override, 1);
	cr_assert_str_eq(e.lines[1] + e.origin[1].msg, "amount must not be negative (got -3)");
	scn_errors_free(&e);
	/* The file's own problems stay the file's. */
	const char *bad = HEAD AB ", \"l1\": {\"fee\": -1}}";
	cr_assert_null(scn_load_buffer("t.json", bad, strlen(bad), ov, 1, &e));
	cr_assert_eq(e.n, 1);
	cr_assert_str_eq(e.lines[0], "t.json: l1.fee: amount must not be negative (got -1)");
	cr_assert_eq(e.origin[0].override, SCN_FROM_FILE);
	cr_assert_str_eq(e.lines[0] + e.origin[0].msg, "amount must not be negative (got -1)");
	/* An override's own path errors carry its index too. */
	struct scn_override nothing = { "parties.zed.balance", "1" };
	scn_errors_free(&e);
	cr_assert_null(scn_load_buffer("t.json", text, strlen(text), &nothing, 1, &e));
	cr_assert_eq(e.origin[0].override, 0);
	cr_assert_str_eq(e.lines[0] + e.origin[0].msg, "\"zed\" does not name anything in this scenario");
	scn_errors_free(&e);
}

/* Item 3: 10^7 generated parties and channels under a 1 GB cap aborted (exit 134). */
Test(scn_loader, memory_over_the_process_limit_is_refused_before_allocating)
{
#if defined(__SANITIZE_ADDRESS__)
	cr_skip_test("AddressSanitizer cannot run under an address-space limit");
#else
	struct rlimit rl = { 1u << 30, 1u << 30 };
	cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0);
	refused(HEAD "\"generate\": {\"parties\": 10000000, \"channels\": 10000000}}",
		"t.json: generate: the run would need about 7.0 GB of memory (the generated parties and channels "
		"alone), above 1.1 GB, the process's address-space limit (ulimit -v)");
#endif
}

Test(scn_loader, the_memory_estimate_grows_with_the_network_and_the_records)
{
	struct scn_errors e = { 0 };
	struct scenario *small = load(HEAD "\"generate\": {\"parties\": 1000, \"channels\": 1000}}", &e);
	struct scenario *big = load(HEAD "\"generate\": {\"parties\": 1000000, \"channels\": 1000000}}", &e);
	struct scenario *wide = load(HEAD "\"l2\": {\"signatures\": \"off\"}, \"generate\": {\"parties\": 1000000, \"channels\": 1000000, \"channel_size\": 8}}", &e);
	cr_assert(small && big && wide);
	uint64_t s = scn_memory_estimate(small), b = scn_memory_estimate(big), w = scn_memory_estimate(wide);
	/* measured: 1M parties and 1M two-party channels peaked at 515 MB */
	cr_assert(b > 515000000ull && b < 800000000ull, "%llu", (unsigned long long)b);
	cr_assert(s < b && b < w);
	cr_assert(scn_memory_limit() > 0);
	scn_free(small);
	scn_free(big);
	scn_free(wide);
	scn_errors_free(&e);
}

/* The file name too: a file named with ESC sequences cannot reach the terminal. */
Test(scn_loader, the_file_name_is_escaped_when_it_cannot_be_read)
{
	struct scn_errors e = { 0 };
	cr_assert_null(scn_load("/nonexistent/t\x1b[2J.json", NULL, 0, &e));
	cr_assert_eq(e.n, 1);
	cr_assert_str_eq(e.lines[0], "/nonexistent/t\\x1b[2J.json: cannot open: No such file or directory");
	scn_errors_free(&e);
}
