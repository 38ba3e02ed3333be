/* SPEC section 11's common part in a run (issue 15): L1 transfers and their payments'
 * events, block bytes end to end, a workload via l1, the contract -> scheme map, the
 * schemes observer and report (only when the scenario uses section 11), and the
 * expectations on it. */
#include <cJSON.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/chain.h"
#include "tools/obs_schemes.h"
#include "tools/report.h"
#include "tools/report_schemes.h"
#include "tools/runner.h"
#include "tools/runner_internal.h"
#include "tools/scenario.h"

#define HEAD "{\"format\": \"l2sim/1\", \"name\": \"t\", "

static struct scenario *load_text(const char *text)
{
	struct scn_errors errs = { 0 };
	struct scenario *s = scn_load_buffer("schemes.json", text, strlen(text), NULL, 0, &errs);
	cr_assert(s, "loader refused: %s", errs.n ? errs.lines[0] : "?");
	scn_errors_free(&errs);
	return s;
}

/* The scheme payments' events, by step, and the scheme txs. */
struct tally {
	uint64_t ok, failed, final, txs, bytes, steps;
	uint64_t final_ms_sum, last_t_us;
	const char *why;
	bool chain_conserved;
};

static void tally(void *ctx, const struct runner *r, const struct run_event *ev)
{
	struct tally *t = ctx;
	if (ev->kind == RUN_EV_SCHEME_PAY) {
		cr_expect_eq(ev->u.scheme_pay.scheme, SCN_SCHEME_L1);
		if (ev->u.scheme_pay.step == RUN_SCHEME_PAY_OK)
			t->ok++;
		else if (ev->u.scheme_pay.step == RUN_SCHEME_PAY_FAILED) {
			t->failed++;
			t->why = ev->u.scheme_pay.why;
		} else {
			t->final++;
			t->final_ms_sum += ev->u.scheme_pay.final_ms;
			cr_expect_eq(ev->u.scheme_pay.final_ms, ev->time_ms, "final at the block that makes it so");
		}
		t->last_t_us = ev->u.scheme_pay.t_us;
	} else if (ev->kind == RUN_EV_SCHEME_TX && ev->u.tx.included) {
		t->txs++;
		t->bytes += ev->u.tx.bytes;
		cr_expect_eq(runner_tx_scheme(r, ev->u.tx.tx), SCN_SCHEME_L1);
	} else if (ev->kind == RUN_EV_SCHEME_STEP) {
		t->steps++;
	} else if (ev->kind == RUN_EV_BLOCK_EXECUTED) {
		t->chain_conserved = l1_chain_conserved(r->chain);
	}
}

static struct tally run_tally(const char *text, struct runner **out_r, struct scenario **out_s)
{
	struct scenario *s = load_text(text);
	struct runner *r = runner_new(s, NULL, false);
	struct tally t = { 0 };
	runner_subscribe(r, ~0u, tally, &t);
	runner_run(r);
	*out_r = r;
	*out_s = s;
	return t;
}

/* ---- transfers ---- */

#define TWELVE HEAD "\"l1\": {\"block_interval_s\": 60, \"block_bytes\": 600, \"confirmations\": 2, \"fee\": 1}, " \
	"\"parties\": [{\"name\": \"ann\", \"balance\": 1000}, {\"name\": \"bob\"}], " \
	"\"script\": [{\"at\": 0, \"action\": \"transfer\", \"from\": \"ann\", \"to\": \"bob\", \"amount\": 20, \"count\": 12}]}"

Test(schemes, transfers_fill_blocks_by_bytes_and_become_final)
{
	struct runner *r;
	struct scenario *s;
	struct tally t = run_tally(TWELVE, &r, &s);
	cr_expect_eq(t.ok, 12);
	cr_expect_eq(t.failed, 0);
	cr_expect_eq(t.final, 12);
	cr_expect_eq(t.txs, 12);
	cr_expect_eq(t.bytes, 12 * L1_TX_BYTES_TRANSFER);
	/* 5 + 5 + 2 in blocks 1..3, final one block later (2 confirmations) */
	cr_expect_eq(t.final_ms_sum, 5 * 120000 + 5 * 180000 + 2 * 240000);
	cr_expect_eq(r->chain->height, 4);
	cr_expect(t.chain_conserved);
	cr_expect_eq(r->chain->bytes_included, 1320);
	const struct obs_schemes *o = runner_schemes_obs(r);
	cr_assert_not_null(o);
	cr_expect_eq(o->row[SCN_SCHEME_L1].l1_bytes, 1320);
	cr_expect_eq(o->row[SCN_SCHEME_CHANNELS].l1_txs, 0);
	runner_free(r);
	scn_free(s);
}

Test(schemes, a_transfer_fails_offline_to_itself_or_unpaid)
{
	struct runner *r;
	struct scenario *s;
	struct tally t = run_tally(HEAD "\"l1\": {\"block_interval_s\": 60, \"confirmations\": 1, \"fee\": 2}, "
				   "\"parties\": [{\"name\": \"a\", \"balance\": 10}, {\"name\": \"b\"}], \"script\": ["
				   "{\"at\": 1, \"action\": \"transfer\", \"from\": \"a\", \"to\": \"a\", \"amount\": 1}, "
				   "{\"at\": 1, \"action\": \"offline\", \"party\": \"b\"}, "
				   "{\"at\": 1, \"action\": \"transfer\", \"from\": \"b\", \"to\": \"a\", \"amount\": 1}, "
				   "{\"at\": 2, \"action\": \"transfer\", \"from\": \"a\", \"to\": \"b\", \"amount\": 9}]}",
				   &r, &s);
	cr_expect_eq(t.ok, 0);
	cr_expect_eq(t.failed, 3);
	cr_expect_str_eq(t.why, "insufficient funds", "the last: 9 + fee 2 > 10, dropped when reached");
	cr_expect_eq(r->chain->accounts[r->net->parties[0].account].balance.units, 10, "nothing changed");
	runner_free(r);
	scn_free(s);
}

/* ---- via l1 ---- */

#define VIA(via) HEAD "\"l1\": {\"block_interval_s\": 10, \"confirmations\": 1, \"fee\": 1}, " \
	"\"parties\": [{\"name\": \"a\", \"balance\": 100000}, {\"name\": \"b\", \"balance\": 100000}, " \
	"{\"name\": \"c\", \"balance\": 100000}], " \
	"\"channels\": [{\"id\": \"ab\", \"parties\": [\"a\", \"b\"], \"deposit\": {\"a\": 1000, \"b\": 1000}}], " \
	"\"script\": [{\"at\": 0, \"action\": \"open\", \"channel\": \"ab\"}], " \
	"\"workload\": [{\"kind\": \"poisson\", \"rate_per_s\": 2, \"from_block\": 2, \"to_block\": 12, " \
	"\"amount\": {\"min\": 1, \"max\": 9}, \"via\": \"" via "\", \"channels\": \"all\", \"parties\": \"all\"}]}"

Test(schemes, a_workload_via_l1_pays_by_transfers)
{
	struct runner *r;
	struct scenario *s;
	struct tally t = run_tally(VIA("l1"), &r, &s);
	cr_expect_gt(t.ok, 100, "about 2/s for 100 s");
	cr_expect_eq(t.failed, 0);
	cr_expect_eq(t.final, t.ok, "1 confirmation: final when included; the run waits for all");
	cr_expect_eq(t.bytes, t.ok * L1_TX_BYTES_TRANSFER);
	cr_expect_eq(runner_metrics(r)->payments_ok, 0, "no channel payment");
	cr_expect(t.chain_conserved);
	uint64_t via_l1 = t.ok;
	runner_free(r);
	scn_free(s);
	/* The same demand through the channel (--set workload.0.via=channels): the same
	 * rate, but section 6's draws (a channel, then its parties) interleave with the
	 * gaps differently, so the count agrees in distribution only. */
	t = run_tally(VIA("channels"), &r, &s);
	cr_expect_eq(t.ok, 0);
	uint64_t n = runner_metrics(r)->payments_ok + runner_metrics(r)->payments_failed;
	cr_expect(n > via_l1 * 7 / 10 && n < via_l1 * 13 / 10, "%llu channel payments, %llu transfers",
		  (unsigned long long)n, (unsigned long long)via_l1);
	runner_free(r);
	scn_free(s);
}

Test(schemes, the_same_run_twice_gives_the_same_report)
{
	char *texts[2];
	for (int k = 0; k < 2; k++) {
		struct scenario *s = load_text(VIA("l1"));
		struct runner *r = runner_new(s, NULL, false);
		runner_run(r);
		struct scn_errors failures = { 0 };
		size_t len = 0;
		FILE *f = open_memstream(&texts[k], &len);
		report_json(f, r, &failures);
		fclose(f);
		runner_free(r);
		scn_free(s);
	}
	cr_expect_str_eq(texts[0], texts[1]);
	free(texts[0]);
	free(texts[1]);
}

/* ---- the contract -> scheme map ---- */

Test(schemes, contract_scheme_map)
{
	struct scenario *s = load_text(TWELVE);
	struct runner *r = runner_new(s, NULL, false);
	struct l1_tx tx = { .contract = 7, .op = 0 };
	cr_expect_eq(runner_tx_scheme(r, &tx), SCN_NONE, "no contract 7 registered");
	runner_set_contract_scheme(r, 7, scn_scheme_rollup(0));
	cr_expect_eq(runner_tx_scheme(r, &tx), 2);
	tx.contract = 3;
	cr_expect_eq(runner_tx_scheme(r, &tx), SCN_NONE, "the map grew past 3 without naming it");
	tx = l1_tx_fee_only(0, AMOUNT(1));
	cr_expect_eq(runner_tx_scheme(r, &tx), SCN_NONE, "a flood's filler belongs to no scheme");
	tx = l1_tx_transfer(0, 1, AMOUNT(1), AMOUNT(1));
	cr_expect_eq(runner_tx_scheme(r, &tx), SCN_SCHEME_L1);
	runner_free(r);
	scn_free(s);
}

/* ---- the report ---- */

static cJSON *report_of(const char *text, struct scn_errors *failures)
{
	struct scenario *s = load_text(text);
	struct runner *r = runner_new(s, NULL, false);
	runner_run(r);
	report_check_expect(r, failures);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	report_json(f, r, failures);
	fclose(f);
	runner_free(r);
	scn_free(s);
	cJSON *root = cJSON_Parse(buf);
	free(buf);
	cr_assert_not_null(root);
	return root;
}

#define CHANNEL_ONLY(extra) HEAD "\"parties\": [{\"name\": \"a\", \"balance\": 100}, {\"name\": \"b\"}], " \
	"\"channels\": [{\"id\": \"ab\", \"parties\": [\"a\", \"b\"], \"deposit\": {\"a\": 50}}], " \
	"\"script\": [{\"at\": 0, \"action\": \"open\", \"channel\": \"ab\"}, " \
	"{\"at\": 6, \"action\": \"pay\", \"channel\": \"ab\", \"from\": \"a\", \"to\": \"b\", \"amount\": 1, \"count\": 3}, " \
	"{\"at\": 7, \"action\": \"close\", \"channel\": \"ab\", \"by\": \"a\"}]" extra "}"

Test(schemes, no_section_11_no_schemes_in_the_report)
{
	struct scn_errors failures = { 0 };
	cJSON *root = report_of(CHANNEL_ONLY(""), &failures);
	cr_expect_null(cJSON_GetObjectItem(root, "schemes"));
	cr_expect_null(cJSON_GetObjectItem(root, "rollups"));
	cr_expect_null(cJSON_GetObjectItem(root, "sidechains"));
	cJSON_Delete(root);
	scn_errors_free(&failures);
}

Test(schemes, channels_entry_and_its_gains)
{
	struct scn_errors failures = { 0 };
	/* naming expect.schemes is enough to have the table; no transfer: no l1 entry */
	cJSON *root = report_of(CHANNEL_ONLY(", \"expect\": {\"schemes\": {\"channels\": {\"payments_final\": 3, "
					      "\"gain_txs\": 2.5, \"gain_bytes\": 0.66, \"l1_bytes\": 500}}}"),
				&failures);
	cr_expect_eq(failures.n, 0, "%s", failures.n ? failures.lines[0] : "");
	cJSON *sch = cJSON_GetObjectItem(root, "schemes");
	cr_assert_not_null(sch);
	cr_expect_null(cJSON_GetObjectItem(sch, "l1"), "the scenario submits no transfer");
	cJSON *ch = cJSON_GetObjectItem(sch, "channels");
	cr_assert_not_null(ch);
	cr_expect_str_eq(cJSON_GetObjectItem(ch, "kind")->valuestring, "channels");
	cr_expect_eq(cJSON_GetObjectItem(ch, "l1_txs")->valuedouble, 2);
	cr_expect_eq(cJSON_GetObjectItem(ch, "payments_ok")->valuedouble, 3);
	cr_expect(fabs(cJSON_GetObjectItem(ch, "gain_bytes")->valuedouble - 0.66) < 1e-12);
	cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "theorems"), "2.1"), "holds")));
	cJSON_Delete(root);
	scn_errors_free(&failures);
}

Test(schemes, expectations_that_do_not_hold)
{
	struct scn_errors failures = { 0 };
	cJSON *root = report_of(CHANNEL_ONLY(", \"expect\": {\"schemes\": {\"l1\": {\"payments_ok\": 0}, "
					      "\"channels\": {\"gain_txs\": 2.50001, \"gain_bytes\": null, "
					      "\"soft_ms\": null, \"kind\": \"l1\"}}}"),
				&failures);
	cJSON_Delete(root);
	/* report_check_expect and report_json each added theirs: look for each line */
	const char *want[] = { "schemes.l1: expected an entry, the run has none",
			       "schemes.channels.gain_txs: expected 2.50001, got 2.5",
			       "schemes.channels.gain_bytes: expected null, got 0.66",
			       "schemes.channels.soft_ms.p50: expected null, got 100",
			       "schemes.channels.kind: expected \"l1\", got \"channels\"" };
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		bool found = false;
		for (size_t i = 0; i < failures.n; i++)
			found |= strstr(failures.lines[i], want[k]) != NULL;
		cr_expect(found, "missing: %s", want[k]);
	}
	scn_errors_free(&failures);
}

Test(schemes, a_close_value_within_a_millionth_holds)
{
	struct scn_errors failures = { 0 };
	cJSON *root = report_of(CHANNEL_ONLY(", \"expect\": {\"schemes\": {\"channels\": {\"gain_txs\": 2.5000001}}}"),
				&failures);
	cr_expect_eq(failures.n, 0, "%s", failures.n ? failures.lines[0] : "");
	cJSON_Delete(root);
	scn_errors_free(&failures);
}

/* ---- a rollup in the report (skipped while this build has no rollups[]) ---- */

Test(schemes, a_rollup_entry_soft_finality_and_holdings)
{
	const char *text = HEAD "\"l1\": {\"block_interval_s\": 60, \"confirmations\": 1, \"fee\": 1}, "
			   "\"parties\": [{\"name\": \"op\", \"balance\": 100}, {\"name\": \"a\", \"balance\": 100}, "
			   "{\"name\": \"b\"}], \"rollups\": [{\"id\": \"r1\", \"kind\": \"optimistic\", \"operator\": \"op\", "
			   "\"challenge_blocks\": 2}], \"script\": ["
			   "{\"at\": 0, \"action\": \"rollup_deposit\", \"rollup\": \"r1\", \"party\": \"a\", \"amount\": 50}, "
			   "{\"at\": 2, \"action\": \"rollup_pay\", \"rollup\": \"r1\", \"from\": \"a\", \"to\": \"b\", "
			   "\"amount\": 5, \"count\": 2}]}";
	struct scn_errors errs = { 0 };
	struct scenario *s = scn_load_buffer("rollup.json", text, strlen(text), NULL, 0, &errs);
	if (!s) {
		bool missing = errs.n && strstr(errs.lines[0], "not implemented yet");
		scn_errors_free(&errs);
		if (missing)
			cr_skip_test("this build has no rollups[] yet");
		cr_assert_fail("loader refused the rollup scenario");
	}
	scn_free(s);
	scn_errors_free(&errs);
	struct scn_errors failures = { 0 };
	cJSON *root = report_of(text, &failures);
	cJSON *r1 = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "schemes"), "r1");
	cr_assert_not_null(r1);
	cr_expect_str_eq(cJSON_GetObjectItem(r1, "kind")->valuestring, "optimistic");
	cr_expect_eq(cJSON_GetObjectItem(r1, "payments_ok")->valuedouble, 2);
	cr_expect_eq(cJSON_GetObjectItem(r1, "payments_final")->valuedouble, 2);
	cr_expect_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(r1, "soft_ms"), "p50")->valuedouble, 100,
		     "a round trip of the default 50 ms");
	cr_expect_gt(cJSON_GetObjectItem(r1, "l1_txs")->valuedouble, 1, "the deposit and a batch at least");
	cr_expect_null(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "schemes"), "l1"), "no transfer");
	cJSON *hold = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "rollups"), "r1");
	cr_assert_not_null(hold);
	cr_expect_eq(cJSON_GetObjectItem(hold, "holdings")->valuedouble, 50);
	cr_expect_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(hold, "balances"), "b")->valuedouble, 10);
	cr_expect_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(hold, "balances"), "a")->valuedouble, 40);
	cJSON_Delete(root);
	scn_errors_free(&failures);
}

/* ---- random transfer scenarios ---- */

#include "l1sim/rng.h"

/* 60 random scenarios of transfers (scripted, some from offline or poor parties, some
 * to themselves) and a workload via l1, with and without block_bytes and with floods:
 * conservation after every block, every payment settled one way (ok + failed = made,
 * final = ok), 110 bytes per included transfer, no block over block_bytes, and the
 * same report twice. */
struct block_watch {
	uint64_t last_bytes, max_block_bytes;
	bool conserved;
};

static void watch_blocks(void *ctx, const struct runner *r, const struct run_event *ev)
{
	struct block_watch *w = ctx;
	(void)ev;
	uint64_t b = r->chain->bytes_included;
	if (b - w->last_bytes > w->max_block_bytes)
		w->max_block_bytes = b - w->last_bytes;
	w->last_bytes = b;
	w->conserved = w->conserved && l1_chain_conserved(r->chain);
}

Test(schemes, random_transfer_runs)
{
	struct rng g;
	rng_init(&g, 15, 1);
	uint64_t all_ok = 0, all_failed = 0, full = 0;
	for (int k = 0; k < 60; k++) {
		char text[4096], l1[160];
		uint64_t bb = rng_below(&g, 3) == 0 ? 0 : 500 + rng_below(&g, 1500);
		int n = snprintf(l1, sizeof(l1), "\"block_interval_s\": %u, \"confirmations\": %u, \"fee\": %u",
				 1 + (unsigned)rng_below(&g, 60), 1 + (unsigned)rng_below(&g, 4), (unsigned)rng_below(&g, 3));
		if (bb)
			snprintf(l1 + n, sizeof(l1) - (size_t)n, ", \"block_bytes\": %llu", (unsigned long long)bb);
		n = snprintf(text, sizeof(text),
			     HEAD "\"seed\": %d, \"l1\": {%s}, \"parties\": [{\"name\": \"a\", \"balance\": %u}, "
			     "{\"name\": \"b\", \"balance\": %u}, {\"name\": \"c\", \"balance\": 5000}], \"script\": [",
			     k, l1, (unsigned)rng_below(&g, 3000), (unsigned)rng_below(&g, 3000));
		static const char *const who[] = { "a", "b", "c" };
		uint32_t nact = 1 + (uint32_t)rng_below(&g, 6);
		for (uint32_t i = 0; i < nact; i++) {
			uint64_t at = rng_below(&g, 6);
			if (rng_below(&g, 5) == 0)
				n += snprintf(text + n, sizeof(text) - (size_t)n,
					      "{\"at\": %llu, \"action\": \"offline\", \"party\": \"%s\", \"blocks\": %u}, ",
					      (unsigned long long)at, who[rng_below(&g, 3)], 1 + (unsigned)rng_below(&g, 3));
			else if (rng_below(&g, 6) == 0)
				n += snprintf(text + n, sizeof(text) - (size_t)n,
					      "{\"at\": %llu, \"action\": \"flood\", \"by\": \"c\", \"txs\": %u, \"fee\": %u, "
					      "\"blocks\": 2}, ",
					      (unsigned long long)at, 1 + (unsigned)rng_below(&g, 8), (unsigned)rng_below(&g, 4));
			n += snprintf(text + n, sizeof(text) - (size_t)n,
				      "{\"at\": %llu, \"action\": \"transfer\", \"from\": \"%s\", \"to\": \"%s\", \"amount\": %u, "
				      "\"count\": %u}%s",
				      (unsigned long long)at, who[rng_below(&g, 3)], who[rng_below(&g, 3)],
				      1 + (unsigned)rng_below(&g, 900), 1 + (unsigned)rng_below(&g, 12), i + 1 < nact ? ", " : "");
		}
		snprintf(text + n, sizeof(text) - (size_t)n,
			 "], \"workload\": [{\"kind\": \"poisson\", \"rate_per_s\": %.3f, \"from_block\": 1, \"to_block\": 4, "
			 "\"amount\": {\"min\": 1, \"max\": 50}, \"via\": \"l1\", \"parties\": \"all\"}]}",
			 0.01 + (double)rng_below(&g, 100) / 100.0);
		struct scenario *s = load_text(text);
		struct runner *r = runner_new(s, NULL, false);
		struct tally t = { 0 };
		struct block_watch w = { .conserved = true };
		runner_subscribe(r, ~0u, tally, &t);
		runner_subscribe(r, RUN_EV_MASK(RUN_EV_BLOCK_EXECUTED), watch_blocks, &w);
		runner_run(r);
		cr_expect(w.conserved, "scenario %d: conservation", k);
		cr_expect(!r->hit_block_cap, "scenario %d ends", k);
		cr_expect_eq(t.final, t.ok, "scenario %d: every included transfer final by the end", k);
		cr_expect_eq(t.bytes, t.txs * L1_TX_BYTES_TRANSFER, "scenario %d", k);
		if (bb)
			cr_expect_leq(w.max_block_bytes, bb, "scenario %d: a block over block_bytes", k);
		all_ok += t.ok;
		all_failed += t.failed;
		full += bb && w.max_block_bytes + L1_TX_BYTES_TRANSFER > bb; /* a block the bytes filled */
		const struct obs_schemes *o = runner_schemes_obs(r);
		cr_expect_eq(o->row[SCN_SCHEME_L1].ok, t.ok);
		cr_expect_eq(o->row[SCN_SCHEME_L1].failed, t.failed);
		runner_free(r);
		scn_free(s);
		/* the same report twice */
		char *texts[2];
		for (int j = 0; j < 2; j++) {
			s = load_text(text);
			r = runner_new(s, NULL, false);
			runner_run(r);
			struct scn_errors failures = { 0 };
			size_t len = 0;
			FILE *f = open_memstream(&texts[j], &len);
			report_json(f, r, &failures);
			fclose(f);
			runner_free(r);
			scn_free(s);
		}
		cr_expect_str_eq(texts[0], texts[1], "scenario %d", k);
		free(texts[0]);
		free(texts[1]);
	}
	/* not vacuous: payments of both outcomes, and blocks that block_bytes filled */
	cr_expect_gt(all_ok, 100, "%llu ok", (unsigned long long)all_ok);
	cr_expect_gt(all_failed, 10, "%llu failed", (unsigned long long)all_failed);
	cr_expect_gt(full, 3, "%llu runs with a full block", (unsigned long long)full);
}

/* ---- final_s percentiles: selected in O(n), the same as a sort's nearest rank ---- */

struct latencies {
	uint64_t *v;
	size_t n, cap;
};

static void collect_final(void *ctx, const struct runner *r, const struct run_event *ev)
{
	struct latencies *l = ctx;
	(void)r;
	if (ev->kind != RUN_EV_SCHEME_PAY || ev->u.scheme_pay.step != RUN_SCHEME_PAY_FINAL)
		return;
	if (l->n == l->cap)
		l->v = realloc(l->v, (l->cap = l->cap ? 2 * l->cap : 64) * sizeof(*l->v));
	l->v[l->n++] = ev->u.scheme_pay.final_ms * 1000 - ev->u.scheme_pay.t_us;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

Test(schemes, final_percentiles_match_a_sort)
{
	for (int k = 0; k < 4; k++) {
		char text[2048];
		/* block_bytes makes a backlog, so that latencies spread over many values */
		snprintf(text, sizeof(text),
			 HEAD "\"seed\": %d, \"l1\": {\"block_interval_s\": 10, \"confirmations\": %d, \"block_bytes\": %d}, "
			 "\"parties\": [{\"name\": \"a\", \"balance\": 100000000}, {\"name\": \"b\", \"balance\": 100000000}, "
			 "{\"name\": \"c\", \"balance\": 100000000}], "
			 "\"workload\": [{\"kind\": \"poisson\", \"rate_per_s\": %d, \"from_block\": 1, \"to_block\": 30, "
			 "\"amount\": {\"min\": 1, \"max\": 9}, \"via\": \"l1\", \"parties\": \"all\"}]}",
			 k + 1, 1 + k, 500 + 700 * k, 1 + 3 * k);
		struct scenario *s = load_text(text);
		struct runner *r = runner_new(s, NULL, false);
		struct latencies l = { 0 };
		runner_subscribe(r, RUN_EV_MASK(RUN_EV_SCHEME_PAY), collect_final, &l);
		runner_run(r);
		cr_assert_gt(l.n, 10);
		qsort(l.v, l.n, sizeof(*l.v), cmp_u64);
		size_t r50 = (size_t)ceil(0.50 * (double)l.n), r95 = (size_t)ceil(0.95 * (double)l.n);
		const struct obs_pcts *p = &runner_schemes_obs(r)->row[SCN_SCHEME_L1].final_pcts;
		cr_expect(p->has);
		cr_expect_eq(p->min, l.v[0], "run %d", k);
		cr_expect_eq(p->p50, l.v[r50 - 1], "run %d: p50", k);
		cr_expect_eq(p->p95, l.v[r95 - 1], "run %d: p95", k);
		cr_expect_eq(p->max, l.v[l.n - 1], "run %d", k);
		cr_expect_neq(l.v[0], l.v[l.n - 1], "run %d: latencies of more than one value", k);
		free(l.v);
		runner_free(r);
		scn_free(s);
	}
}

/* SPEC section 11: expect may hold rollups and sidechains "with any subset of its
 * fields", and the report's rollups.<id> and sidechains.<id> have a kind: the loader
 * refused it as an unknown key. */
Test(schemes, expect_rollups_and_sidechains_take_their_kind)
{
	const char *text = HEAD "\"l1\": {\"block_interval_s\": 60, \"confirmations\": 1}, "
			   "\"parties\": [{\"name\": \"op\"}, {\"name\": \"f\"}], "
			   "\"rollups\": [{\"id\": \"r\", \"kind\": \"optimistic\", \"operator\": \"op\"}], "
			   "\"sidechains\": [{\"id\": \"s\", \"federation\": [\"f\"], \"threshold\": 1}], "
			   "\"expect\": {\"rollups\": {\"r\": {\"kind\": \"validity\"}}, "
			   "\"sidechains\": {\"s\": {\"kind\": \"sidechain\", \"holdings\": 0}}}}";
	struct scn_errors failures = { 0 };
	cJSON *root = report_of(text, &failures);
	cJSON_Delete(root);
	cr_assert_geq(failures.n, 1);
	for (size_t i = 0; i < failures.n; i++)
		cr_expect_str_eq(failures.lines[i], "rollups.r.kind: expected \"validity\", got \"optimistic\"");
	scn_errors_free(&failures);
}
