/* Runner edge cases found by the property test (tests/tools/test_property.c). */
#include <criterion/criterion.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/report.h"
#include "tools/runner.h"
#include "tools/scenario.h"
#include "l1sim/rng.h"

/* Loads and runs `text`, and returns its JSON report as text (the caller frees it). */
static char *run_to_json_text(const char *text)
{
	struct scn_errors errs = { 0 }, failures = { 0 };
	struct scenario *s = scn_load_buffer("edge.json", text, strlen(text), NULL, 0, &errs);
	cr_assert(s, "loader refused: %s", errs.n ? errs.lines[0] : "?");
	struct runner *r = runner_new(s, NULL, false);
	runner_run(r);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert(f);
	report_json(f, r, &failures);
	fclose(f);
	runner_free(r);
	scn_free(s);
	scn_errors_free(&errs);
	scn_errors_free(&failures);
	return buf;
}

static cJSON *run_to_report(const char *text)
{
	char *buf = run_to_json_text(text);
	cJSON *root = cJSON_Parse(buf);
	cr_assert(root);
	free(buf);
	return root;
}

/* No payment reaches a final settlement: the finality samples stay empty (their
 * array NULL), and sorting them must not hand qsort a NULL pointer (UBSan caught it). */
Test(runner, run_without_settled_payments_has_null_finality)
{
	cJSON *root = run_to_report("{\"format\":\"l2sim/1\",\"name\":\"edge\",\"parties\":[{\"name\":\"a\"}]}");
	const cJSON *fin = cJSON_GetObjectItemCaseSensitive(root, "finality");
	cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(fin, "l1_blocks")));
	cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(fin, "l1_s")));
	cr_assert_eq(cJSON_GetObjectItemCaseSensitive(root, "blocks")->valuedouble, 0);
	cJSON_Delete(root);
}

/* Amounts and counts from 10^15 to 2^53-1 are JSON numbers in the report, written
 * exactly: cJSON's own number printing rounded them to 15 significant digits. */
Test(report, large_whole_numbers_are_written_exactly)
{
	const char *text = "{\"format\":\"l2sim/1\",\"name\":\"edge\",\"seed\":9007199254740991,"
			   "\"parties\":[{\"name\":\"a\",\"balance\":8557498998980739},"
			   "{\"name\":\"b\",\"balance\":\"9007199254740991\"},"
			   "{\"name\":\"c\",\"balance\":\"9007199254740992\"}]}";
	char *buf = run_to_json_text(text);
	cr_assert(strstr(buf, "\"seed\":\t9007199254740991,"), "%s", buf);
	cr_assert(strstr(buf, "\"a\":\t8557498998980739,"), "%s", buf);
	cr_assert(strstr(buf, "\"b\":\t9007199254740991,"), "%s", buf);
	cr_assert(strstr(buf, "\"c\":\t\"9007199254740992\""), "%s", buf); /* above 2^53-1: a string */
	cJSON *root = cJSON_Parse(buf);
	cr_assert(root, "the report must stay valid JSON");
	const cJSON *bal = cJSON_GetObjectItemCaseSensitive(root, "l1_balances");
	cr_assert_eq((uint64_t)cJSON_GetObjectItemCaseSensitive(bal, "a")->valuedouble, 8557498998980739ULL);
	cJSON_Delete(root);
	free(buf);
}

/* The order of a workload's draws (runner.c's draw_ahead): from the workload's own
 * stream (seed, 0x574c0000 + w), the first arrival, then per payment the channel, the
 * payer's and the payee's index within it, the amount, and the gap to the next
 * arrival. The runner draws them ahead of time; the values must be the ones drawn in
 * this order at the moment of each payment. Recomputed here by hand from the generator
 * and compared with the trace, so that reordering the draws fails this test. */
Test(runner, workload_draw_order)
{
	const char *text =
		"{\"format\":\"l2sim/1\",\"name\":\"order\",\"seed\":42,"
		"\"l1\":{\"block_interval_s\":10,\"confirmations\":1},\"l2\":{\"signatures\":\"off\"},"
		"\"parties\":[{\"name\":\"a\",\"balance\":100000},{\"name\":\"b\",\"balance\":100000},"
		"{\"name\":\"c\",\"balance\":100000}],"
		"\"channels\":[{\"id\":\"ab\",\"parties\":[\"a\",\"b\"],\"deposit\":{\"a\":50000,\"b\":50000}},"
		"{\"id\":\"bc\",\"parties\":[\"b\",\"c\"],\"deposit\":{\"b\":50000,\"c\":50000}},"
		"{\"id\":\"ca\",\"parties\":[\"c\",\"a\"],\"deposit\":{\"c\":50000,\"a\":50000}}],"
		"\"script\":[{\"at\":0,\"action\":\"open\",\"channel\":\"ab\"},"
		"{\"at\":0,\"action\":\"open\",\"channel\":\"bc\"},{\"at\":0,\"action\":\"open\",\"channel\":\"ca\"}],"
		"\"workload\":[{\"kind\":\"poisson\",\"rate_per_s\":3,\"channels\":\"all\",\"from_block\":2,"
		"\"to_block\":5,\"amount\":{\"min\":1,\"max\":7}}]}";
	struct scn_errors errs = { 0 };
	struct scenario *s = scn_load_buffer("order.json", text, strlen(text), NULL, 0, &errs);
	cr_assert(s, "loader refused: %s", errs.n ? errs.lines[0] : "?");
	char *buf = NULL;
	size_t len = 0;
	FILE *trace = open_memstream(&buf, &len);
	cr_assert(trace);
	struct runner *r = runner_new(s, trace, false);
	runner_run(r);
	runner_free(r);
	fclose(trace);

	static const char *const chans[3][2] = { { "a", "b" }, { "b", "c" }, { "c", "a" } };
	static const char *const ids[3] = { "ab", "bc", "ca" };
	struct rng g;
	rng_init(&g, 42, 0x574c0000u);
	double next_us = 20e6 + rng_exp(&g, 1e6 / 3); /* block 2 is at 20 s */
	const char *line = buf;
	unsigned seen = 0;
	while ((line = strstr(line, "\"event\":\"payment\""))) {
		uint32_t ch = (uint32_t)rng_below(&g, 3);
		uint32_t i = (uint32_t)rng_below(&g, 2);
		uint32_t j = (uint32_t)rng_below(&g, 1);
		if (j >= i)
			j++;
		uint64_t amount = 1 + rng_below(&g, 7);
		double gap = rng_exp(&g, 1e6 / 3);
		char want[256];
		snprintf(want, sizeof want,
			 "\"event\":\"payment\",\"channel\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"amount\":\"%llu\",\"ok\":true}",
			 ids[ch], chans[ch][i], chans[ch][j], (unsigned long long)amount);
		cr_assert(strncmp(line, want, strlen(want)) == 0, "payment %u: want %s, got %.120s", seen, want, line);
		/* Its time, written with 6 decimals just before the event. */
		char when[64];
		snprintf(when, sizeof when, "\"time_s\":%.6f,", (double)(uint64_t)next_us / 1e6);
		const char *t = line;
		while (t > buf && strncmp(t, "\"time_s\":", 9) != 0)
			t--;
		cr_assert(strncmp(t, when, strlen(when)) == 0, "payment %u: want %s, got %.30s", seen, when, t);
		next_us += gap;
		seen++;
		line++;
	}
	cr_assert(seen > 50 && next_us >= 50e6, "the workload runs for 30 s at 3/s: %u payments", seen);
	free(buf);
	scn_free(s);
	scn_errors_free(&errs);
}
