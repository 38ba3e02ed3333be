/* Runner edge cases found by the property test (tests/tools/test_property.c). */
#include <criterion/criterion.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/obs_metrics.h"
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

/* ---- the observer interface ---- */

struct tally {
	uint64_t by_kind[RUN_EV_KINDS];
	uint64_t workload_ok, workload_failed, script_ok, script_failed;
	uint64_t last_height;
	bool out_of_order;
};

static void tally(void *ctx, const struct runner *r, const struct run_event *ev)
{
	struct tally *t = ctx;
	(void)r;
	t->by_kind[ev->kind]++;
	if (ev->height < t->last_height)
		t->out_of_order = true;
	t->last_height = ev->height;
	if (ev->kind == RUN_EV_PAYMENT && !ev->u.pay.scripted) {
		if (ev->u.pay.result == L2_OK)
			t->workload_ok++;
		else
			t->workload_failed++;
	} else if (ev->kind == RUN_EV_PAY_ACTION) {
		t->script_ok += ev->u.pay_action.ok;
		t->script_failed += ev->u.pay_action.failed;
	}
}

static const char OBSERVED[] =
	"{\"format\":\"l2sim/1\",\"name\":\"observed\",\"seed\":7,"
	"\"l1\":{\"block_interval_s\":10,\"confirmations\":2,\"dispute_timeout_blocks\":3},"
	"\"parties\":[{\"name\":\"a\",\"balance\":1000},{\"name\":\"b\",\"balance\":1000}],"
	"\"channels\":[{\"id\":\"ab\",\"parties\":[\"a\",\"b\"],\"deposit\":{\"a\":500,\"b\":500}}],"
	"\"script\":[{\"at\":0,\"action\":\"open\",\"channel\":\"ab\"},"
	"{\"at\":3,\"action\":\"pay\",\"channel\":\"ab\",\"from\":\"a\",\"to\":\"b\",\"amount\":400,\"count\":2},"
	"{\"at\":8,\"action\":\"close\",\"channel\":\"ab\",\"by\":\"b\",\"mode\":\"unilateral\",\"state\":1}],"
	"\"workload\":[{\"kind\":\"poisson\",\"rate_per_s\":2,\"channels\":\"all\",\"from_block\":4,"
	"\"to_block\":8,\"amount\":{\"min\":1,\"max\":5}}]}";

/* A subscriber sees every payment, in block order, and its count agrees with the
 * metrics observer's (which counts from per-block totals, not from each payment); a
 * stale close, its challenge and the settlement come as typed events. */
Test(runner, an_observer_sees_what_the_metrics_count)
{
	struct scn_errors errs = { 0 };
	struct scenario *s = scn_load_buffer("observed.json", OBSERVED, strlen(OBSERVED), NULL, 0, &errs);
	cr_assert(s, "loader refused: %s", errs.n ? errs.lines[0] : "?");
	struct runner *r = runner_new(s, NULL, false);
	struct tally t = { 0 };
	runner_subscribe(r, ~0u, tally, &t);
	runner_run(r);
	const struct obs_metrics *m = runner_metrics(r);
	cr_expect(!t.out_of_order);
	cr_expect_eq(t.script_ok, 1, "the second 400 payment lacks the funds");
	cr_expect_eq(t.script_failed, 1);
	cr_expect_eq(t.by_kind[RUN_EV_PAYMENT], 2 + t.workload_ok + t.workload_failed, "scripted ones too");
	cr_expect_gt(t.workload_ok, 10);
	cr_expect_eq(m->payments_ok, t.script_ok + t.workload_ok);
	cr_expect_eq(m->payments_failed, t.script_failed + t.workload_failed);
	cr_expect_eq(t.by_kind[RUN_EV_CLOSE_SUBMITTED], 1);
	cr_expect_eq(t.by_kind[RUN_EV_CHALLENGE_SUBMITTED], 1, "a challenges b's stale close");
	cr_expect_eq(t.by_kind[RUN_EV_SETTLED], 1);
	cr_expect_eq(t.by_kind[RUN_EV_SETTLEMENT_FINAL], 1);
	cr_expect_eq(t.by_kind[RUN_EV_RUN_END], 1);
	cr_expect_eq(m->stale_closes, 1);
	cr_expect_eq(m->stale_closes_caught, 1);
	cr_expect_eq(m->fin_blocks.total + m->unsettled_payments, m->payments_ok);
	cr_expect_str_eq(run_ev_kind_str(RUN_EV_SETTLEMENT_FINAL), "settlement_final");
	runner_free(r);
	scn_free(s);
	scn_errors_free(&errs);
}

/* Without a trace and without a scripted close, nothing takes payment events: the
 * workload's hot path makes none (the metrics count per-block totals). */
Test(runner, payment_events_only_for_subscribers)
{
	const char *text =
		"{\"format\":\"l2sim/1\",\"name\":\"quiet\",\"l2\":{\"signatures\":\"off\"},"
		"\"parties\":[{\"name\":\"a\",\"balance\":1000},{\"name\":\"b\",\"balance\":1000}],"
		"\"channels\":[{\"id\":\"ab\",\"parties\":[\"a\",\"b\"],\"deposit\":{\"a\":500,\"b\":500}}],"
		"\"script\":[{\"at\":0,\"action\":\"open\",\"channel\":\"ab\"}],"
		"\"workload\":[{\"kind\":\"poisson\",\"rate_per_s\":1,\"channels\":\"all\",\"from_block\":6,"
		"\"to_block\":8,\"amount\":{\"min\":1,\"max\":5}}]}";
	struct scn_errors errs = { 0 };
	struct scenario *s = scn_load_buffer("quiet.json", text, strlen(text), NULL, 0, &errs);
	cr_assert(s);
	struct runner *r = runner_new(s, NULL, true);
	cr_expect_eq(r->obs[RUN_EV_PAYMENT].n, 0, "the metrics and the timeline take no payment events");
	struct runner *traced = runner_new(s, stderr, false);
	cr_expect_eq(traced->obs[RUN_EV_PAYMENT].n, 1, "the trace takes them");
	runner_run(r);
	cr_expect_gt(runner_metrics(r)->payments_ok, 100);
	runner_free(traced);
	runner_free(r);
	scn_free(s);
	scn_errors_free(&errs);
}
