/* The JSON report (SPEC section 7) of whole runs, checked field by field against
 * values worked out by hand from SPEC.md; determinism; exponential block intervals;
 * the expect mechanism; and the decisions documented in docs/scenario-format.md.
 *
 * Scenarios are written inline with ' for " (see json()) so each test stands alone.
 * The hand computations are in docs/scenario-format.md ("Worked examples") and, for
 * the scenarios/ files these mirror, in each file's description. */
#include <criterion/criterion.h>
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/report.h"
#include "tools/obs_metrics.h"
#include "tools/runner.h"
#include "tools/scenario.h"

/* ---- helpers ---- */

/* The scenario text with every ' turned into ". */
static char *json(const char *text)
{
	char *s = strdup(text);
	cr_assert_not_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	return s;
}

struct run {
	struct scenario *s;
	struct runner *r;
	struct scn_errors failures;
	char *report;       /* the JSON report's bytes */
	size_t report_len;
	cJSON *j;           /* parsed */
};

static void run_with(struct run *out, const char *text, const struct scn_override *ov, size_t nov)
{
	char *src = json(text);
	struct scn_errors errs = { 0 };
	memset(out, 0, sizeof(*out));
	out->s = scn_load_buffer("test.json", src, strlen(src), ov, nov, &errs);
	for (size_t i = 0; i < errs.n; i++)
		cr_log_error("%s", errs.lines[i]);
	cr_assert_not_null(out->s, "the scenario must load");
	scn_errors_free(&errs);
	free(src);
	out->r = runner_new(out->s, NULL, false);
	runner_run(out->r);
	report_check_expect(out->r, &out->failures);
	FILE *f = open_memstream(&out->report, &out->report_len);
	cr_assert_not_null(f);
	report_json(f, out->r, &out->failures);
	cr_assert_eq(fclose(f), 0);
	out->j = cJSON_Parse(out->report);
	cr_assert_not_null(out->j, "the report must be valid JSON");
}

static void run_text(struct run *out, const char *text)
{
	run_with(out, text, NULL, 0);
}

static void run_free(struct run *x)
{
	cJSON_Delete(x->j);
	free(x->report);
	scn_errors_free(&x->failures);
	runner_free(x->r);
	scn_free(x->s);
}

/* The item at a '/'-separated path ("theorems/2.1/holds"); fails the test if absent. */
static const cJSON *at(const cJSON *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	const cJSON *cur = o;
	for (char *save = NULL, *k = strtok_r(buf, "/", &save); k; k = strtok_r(NULL, "/", &save)) {
		cur = cJSON_GetObjectItemCaseSensitive(cur, k);
		cr_assert_not_null(cur, "report has no %s", path);
	}
	return cur;
}

static double num(const cJSON *o, const char *path)
{
	const cJSON *v = at(o, path);
	cr_assert(cJSON_IsNumber(v), "%s is not a number", path);
	return v->valuedouble;
}

#define EXPECT_NUM(o, path, want) \
	cr_expect(fabs(num(o, path) - (double)(want)) < 1e-9, "%s: got %.17g, worked out %.17g", path, num(o, path), (double)(want))
#define EXPECT_NEAR(o, path, want, tol) \
	cr_expect(fabs(num(o, path) - (double)(want)) <= (tol), "%s: got %.17g, worked out %.17g", path, num(o, path), (double)(want))
#define EXPECT_STR(o, path, want) \
	cr_expect(cJSON_IsString(at(o, path)) && strcmp(at(o, path)->valuestring, want) == 0, "%s: want \"%s\"", path, want)
#define EXPECT_BOOL(o, path, want) \
	cr_expect(cJSON_IsBool(at(o, path)) && cJSON_IsTrue(at(o, path)) == (want), "%s: want %s", path, (want) ? "true" : "false")
#define EXPECT_NULL(o, path) cr_expect(cJSON_IsNull(at(o, path)), "%s: want null", path)

/* The object at path has exactly these keys, in this order (NULL-terminated). */
static void expect_keys(const cJSON *o, const char *path, const char *const *keys)
{
	const cJSON *obj = path ? at(o, path) : o;
	size_t i = 0;
	for (const cJSON *k = obj->child; k; k = k->next, i++) {
		cr_assert_not_null(keys[i], "%s: extra key %s", path ? path : "report", k->string);
		cr_expect_str_eq(k->string, keys[i], "%s: key %zu", path ? path : "report", i);
	}
	cr_expect_null(keys[i], "%s: missing key %s", path ? path : "report", keys[i] ? keys[i] : "");
}

/* {min, p50, p95, max} all four */
static void expect_stats(const cJSON *o, const char *path, double mn, double p50, double p95, double mx)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/min", path);
	EXPECT_NUM(o, p, mn);
	snprintf(p, sizeof(p), "%s/p50", path);
	EXPECT_NUM(o, p, p50);
	snprintf(p, sizeof(p), "%s/p95", path);
	EXPECT_NUM(o, p, p95);
	snprintf(p, sizeof(p), "%s/max", path);
	EXPECT_NUM(o, p, mx);
}

/* ---- the scenarios (the same as the files in scenarios/ of the same name) ---- */

/* scenarios/cooperative.json. By hand: open at 0, included in 1, usable at 1+3-1 = 3.
 * 4 x 250 alice->bob at block 3 (states 1-4), 2 x 100 bob->alice at 4 (states 5-6),
 * close at 5: final state 7 = alice 2000-1000+200 = 1200, bob 1000+1000-200 = 1800;
 * included and settled in 6, final at 6+3-1 = 8, the last block. */
static const char COOP[] =
	"{'format': 'l2sim/1', 'name': 'cooperative', 'seed': 2,"
	" 'l1': {'block_interval_s': 600, 'confirmations': 3, 'fee': 10, 'dispute_timeout_blocks': 24},"
	" 'parties': [{'name': 'alice', 'balance': 5000}, {'name': 'bob', 'balance': 3000}],"
	" 'channels': [{'id': 'alice-bob', 'parties': ['alice', 'bob'], 'deposit': {'alice': 2000, 'bob': 1000}}],"
	" 'script': ["
	"  {'at': 0, 'action': 'open', 'channel': 'alice-bob'},"
	"  {'at': 3, 'action': 'pay', 'channel': 'alice-bob', 'from': 'alice', 'to': 'bob', 'amount': 250, 'count': 4},"
	"  {'at': 4, 'action': 'pay', 'channel': 'alice-bob', 'from': 'bob', 'to': 'alice', 'amount': 100, 'count': 2},"
	"  {'at': 5, 'action': 'close', 'channel': 'alice-bob', 'by': 'alice'}]}";

/* scenarios/quickstart.json: a stale close caught inside the window. */
static const char QUICK[] =
	"{'format': 'l2sim/1', 'name': 'quickstart', 'seed': 1,"
	" 'l1': {'block_interval_s': 60, 'confirmations': 2, 'fee': 5, 'dispute_timeout_blocks': 10},"
	" 'parties': [{'name': 'alice', 'balance': 1000}, {'name': 'bob', 'balance': 1000}],"
	" 'channels': [{'id': 'alice-bob', 'parties': ['alice', 'bob'], 'deposit': {'alice': 600, 'bob': 400}}],"
	" 'script': ["
	"  {'at': 0, 'action': 'open', 'channel': 'alice-bob'},"
	"  {'at': 2, 'action': 'pay', 'channel': 'alice-bob', 'from': 'alice', 'to': 'bob', 'amount': 100, 'count': 3},"
	"  {'at': 2, 'action': 'pay', 'channel': 'alice-bob', 'from': 'bob', 'to': 'alice', 'amount': 50},"
	"  {'at': 3, 'action': 'offline', 'party': 'bob', 'blocks': 6},"
	"  {'at': 3, 'action': 'close', 'channel': 'alice-bob', 'by': 'alice', 'mode': 'unilateral', 'state': 0}]";

static const char QUICK_EXPECT[] =
	", 'expect': {'l1_balances': {'alice': 740, 'bob': 1245}, 'payments': {'ok': 4, 'failed': 0},"
	" 'security_violations': 0, 'throughput_gain': {'min': 2.333, 'max': 2.334},"
	" 'channels': {'alice-bob': {'status': 'closed', 'close': 'unilateral', 'challenged': true,"
	"  'latest_seq': 4, 'registered_seq': 4, 'settled_block': 14, 'payouts': {'alice': 350, 'bob': 650}}}}}";

/* scenarios/flood-blocks-challenge.json */
static const char FLOOD[] =
	"{'format': 'l2sim/1', 'name': 'flood', 'seed': 7,"
	" 'l1': {'block_interval_s': 60, 'block_tx_limit': 10, 'confirmations': 2, 'fee': 5, 'dispute_timeout_blocks': 6},"
	" 'parties': [{'name': 'alice', 'balance': 2000}, {'name': 'bob', 'balance': 1000}],"
	" 'channels': [{'id': 'alice-bob', 'parties': ['alice', 'bob'], 'deposit': {'alice': 1000}}],"
	" 'script': ["
	"  {'at': 0, 'action': 'open', 'channel': 'alice-bob'},"
	"  {'at': 2, 'action': 'pay', 'channel': 'alice-bob', 'from': 'alice', 'to': 'bob', 'amount': 100, 'count': 8},"
	"  {'at': 3, 'action': 'close', 'channel': 'alice-bob', 'by': 'alice', 'mode': 'unilateral', 'state': 0},"
	"  {'at': 4, 'action': 'flood', 'by': 'alice', 'txs': 10, 'fee': 6, 'blocks': 6}]}";

/* scenarios/tampered-state-signed.json (and, with l2.signatures=off, -unsigned) */
static const char TAMPER[] =
	"{'format': 'l2sim/1', 'name': 'tampered', 'seed': 12,"
	" 'l1': {'block_interval_s': 60, 'confirmations': 2, 'fee': 5, 'dispute_timeout_blocks': 5},"
	" 'parties': [{'name': 'alice', 'balance': 1000}, {'name': 'bob', 'balance': 1000}],"
	" 'channels': [{'id': 'alice-bob', 'parties': ['alice', 'bob'], 'deposit': {'alice': 400, 'bob': 400}}],"
	" 'script': ["
	"  {'at': 0, 'action': 'open', 'channel': 'alice-bob'},"
	"  {'at': 2, 'action': 'pay', 'channel': 'alice-bob', 'from': 'alice', 'to': 'bob', 'amount': 300},"
	"  {'at': 3, 'action': 'close', 'channel': 'alice-bob', 'by': 'alice', 'mode': 'unilateral', 'tamper': true},"
	"  {'at': 5, 'action': 'close', 'channel': 'alice-bob', 'by': 'bob'}]}";

/* scenarios/three-party.json */
static const char THREE[] =
	"{'format': 'l2sim/1', 'name': 'three', 'seed': 10,"
	" 'l1': {'block_interval_s': 60, 'confirmations': 2, 'fee': 5, 'dispute_timeout_blocks': 4},"
	" 'parties': [{'name': 'ann', 'balance': 1000}, {'name': 'ben', 'balance': 1000}, {'name': 'cat', 'balance': 1000}],"
	" 'channels': [{'id': 'club', 'parties': ['ann', 'ben', 'cat'], 'deposit': {'ann': 300, 'ben': 300, 'cat': 300}}],"
	" 'script': ["
	"  {'at': 0, 'action': 'open', 'channel': 'club'},"
	"  {'at': 2, 'action': 'pay', 'channel': 'club', 'from': 'ann', 'to': 'ben', 'amount': 100},"
	"  {'at': 2, 'action': 'pay', 'channel': 'club', 'from': 'ben', 'to': 'cat', 'amount': 250},"
	"  {'at': 2, 'action': 'pay', 'channel': 'club', 'from': 'cat', 'to': 'ann', 'amount': 50},"
	"  {'at': 3, 'action': 'offline', 'party': 'cat'},"
	"  {'at': 3, 'action': 'pay', 'channel': 'club', 'from': 'ann', 'to': 'ben', 'amount': 10},"
	"  {'at': 3, 'action': 'close', 'channel': 'club', 'by': 'ann'},"
	"  {'at': 3, 'action': 'close', 'channel': 'club', 'by': 'ann', 'mode': 'unilateral'}]}";

/* A small Poisson workload on two channels. */
static const char POISSON[] =
	"{'format': 'l2sim/1', 'name': 'poisson', 'seed': 5,"
	" 'l1': {'block_interval_s': 10, 'confirmations': 2, 'fee': 1, 'dispute_timeout_blocks': 3},"
	" 'parties': [{'name': 'a', 'balance': 500}, {'name': 'b', 'balance': 500}, {'name': 'c', 'balance': 500}],"
	" 'channels': [{'id': 'ab', 'parties': ['a', 'b'], 'deposit': {'a': 200, 'b': 200}},"
	"              {'id': 'bc', 'parties': ['b', 'c'], 'deposit': {'b': 200, 'c': 200}}],"
	" 'script': [{'at': 0, 'action': 'open', 'channel': 'ab'}, {'at': 0, 'action': 'open', 'channel': 'bc'},"
	"            {'at': 12, 'action': 'close', 'channel': 'ab', 'by': 'a'},"
	"            {'at': 12, 'action': 'close', 'channel': 'bc', 'by': 'b'}],"
	" 'workload': [{'kind': 'poisson', 'rate_per_s': 2, 'channels': 'all', 'from_block': 2, 'to_block': 12,"
	"               'amount': {'min': 1, 'max': 5}}]}";

/* ---- field by field ---- */

Test(report_json, cooperative_every_field)
{
	struct run x;
	run_text(&x, COOP);
	const cJSON *j = x.j;
	EXPECT_STR(j, "format", "l2sim-report/1");
	EXPECT_STR(j, "scenario", "cooperative");
	EXPECT_NUM(j, "seed", 2);
	EXPECT_NUM(j, "blocks", 8);              /* settled in 6, final at 6 + 3 - 1 */
	EXPECT_NUM(j, "sim_time_s", 8 * 600);
	EXPECT_NUM(j, "l1/txs", 2);              /* open, cooperative close */
	EXPECT_NUM(j, "l1/channel_txs", 2);
	EXPECT_NUM(j, "l1/dropped_txs", 0);
	EXPECT_NUM(j, "l1/fees", 20);
	EXPECT_NEAR(j, "l1/capacity_tps", 4000.0 / 600.0, 1e-12);
	EXPECT_NUM(j, "l2/payments_ok", 6);
	EXPECT_NUM(j, "l2/payments_failed", 0);
	EXPECT_NEAR(j, "l2/tps", 6.0 / 4800.0, 1e-15);
	EXPECT_NUM(j, "throughput_gain", 4);     /* (6 + 2) / 2 */
	expect_stats(j, "finality/offchain_ms", 100, 100, 100, 100);
	/* h_fin = 8: 4 payments at block 3 wait 5 blocks, 2 at block 4 wait 4. Sorted
	 * 4,4,5,5,5,5: p50 is rank ceil(3) = 3 -> 5, p95 rank ceil(5.7) = 6 -> 5. */
	expect_stats(j, "finality/l1_blocks", 4, 5, 5, 5);
	expect_stats(j, "finality/l1_s", 2400, 3000, 3000, 3000);
	EXPECT_NUM(j, "finality/unsettled_payments", 0);
	EXPECT_NUM(j, "disputes/unilateral_closes", 0);
	EXPECT_NUM(j, "disputes/stale_closes", 0);
	EXPECT_NUM(j, "disputes/challenges", 0);
	EXPECT_NUM(j, "disputes/stale_closes_caught", 0);
	EXPECT_NUM(j, "security_violations", 0);
	EXPECT_BOOL(j, "theorems/2.1/holds", true);
	EXPECT_NUM(j, "theorems/2.1/violations", 0);
	EXPECT_NUM(j, "theorems/2.2/gain", 4);
	EXPECT_NUM(j, "theorems/2.3/bound_blocks", 3);
	EXPECT_NUM(j, "theorems/2.3/min_l1_blocks", 4);
	EXPECT_BOOL(j, "theorems/2.3/holds", true);
	EXPECT_NUM(j, "l1_balances/alice", 5000 - 2000 - 10 - 10 + 1200);
	EXPECT_NUM(j, "l1_balances/bob", 3000 - 1000 + 1800);
	EXPECT_STR(j, "channels/alice-bob/status", "closed");
	EXPECT_STR(j, "channels/alice-bob/close", "cooperative");
	EXPECT_BOOL(j, "channels/alice-bob/challenged", false);
	EXPECT_NUM(j, "channels/alice-bob/latest_seq", 7);
	EXPECT_NUM(j, "channels/alice-bob/registered_seq", 7);
	EXPECT_NUM(j, "channels/alice-bob/settled_block", 6);
	EXPECT_NUM(j, "channels/alice-bob/payouts/alice", 1200);
	EXPECT_NUM(j, "channels/alice-bob/payouts/bob", 1800);
	/* 8 states (open, 6 payments, close) x 2 signs; each party verifies the other:
	 * 8 x 2 off-chain, plus the contract's 2 for the close. */
	EXPECT_STR(j, "crypto/signatures", "ed25519");
	EXPECT_NUM(j, "crypto/signs", 16);
	EXPECT_NUM(j, "crypto/verifies", 18);
	EXPECT_BOOL(j, "expect/ok", true);
	cr_expect_eq(cJSON_GetArraySize(at(j, "expect/failures")), 0);
	const cJSON *h = at(j, "state_hash");
	cr_expect(cJSON_IsString(h) && strlen(h->valuestring) == 64 &&
		  strspn(h->valuestring, "0123456789abcdef") == 64);
	/* SPEC 7's keys, in its order, and nothing else. */
	expect_keys(j, NULL, (const char *const[]){ "format", "scenario", "seed", "blocks", "sim_time_s", "l1", "l2",
		"throughput_gain", "finality", "disputes", "security_violations", "theorems", "l1_balances",
		"channels", "crypto", "expect", "state_hash", NULL });
	expect_keys(j, "l1", (const char *const[]){ "txs", "channel_txs", "dropped_txs", "fees", "capacity_tps", NULL });
	expect_keys(j, "l2", (const char *const[]){ "payments_ok", "payments_failed", "tps", NULL });
	expect_keys(j, "finality", (const char *const[]){ "offchain_ms", "l1_blocks", "l1_s", "unsettled_payments", NULL });
	expect_keys(j, "finality/l1_s", (const char *const[]){ "min", "p50", "p95", "max", NULL });
	expect_keys(j, "disputes", (const char *const[]){ "unilateral_closes", "stale_closes", "challenges",
		"stale_closes_caught", NULL });
	expect_keys(j, "theorems", (const char *const[]){ "2.1", "2.2", "2.3", NULL });
	expect_keys(j, "theorems/2.1", (const char *const[]){ "holds", "violations", NULL });
	expect_keys(j, "theorems/2.2", (const char *const[]){ "gain", NULL });
	expect_keys(j, "theorems/2.3", (const char *const[]){ "bound_blocks", "min_l1_blocks", "holds", NULL });
	expect_keys(j, "l1_balances", (const char *const[]){ "alice", "bob", NULL });
	expect_keys(j, "channels/alice-bob", (const char *const[]){ "status", "close", "challenged", "latest_seq",
		"registered_seq", "settled_block", "payouts", NULL });
	expect_keys(j, "crypto", (const char *const[]){ "signatures", "signs", "verifies", NULL });
	expect_keys(j, "expect", (const char *const[]){ "ok", "failures", NULL });
	run_free(&x);
}

Test(report_json, stale_close_caught_inside_the_window)
{
	char *text = malloc(sizeof(QUICK) + sizeof(QUICK_EXPECT));
	strcpy(text, QUICK);
	strcat(text, QUICK_EXPECT);
	struct run x;
	run_text(&x, text);
	const cJSON *j = x.j;
	/* close included in 4, window 4..14; bob back at phase 2 of 9, challenge in 10;
	 * settles at the end of 14 on state 4, final at 15. */
	EXPECT_NUM(j, "blocks", 15);
	EXPECT_NUM(j, "sim_time_s", 900);
	EXPECT_NUM(j, "l1/txs", 3);
	EXPECT_NUM(j, "l1/channel_txs", 3);
	EXPECT_NUM(j, "l1/fees", 15);
	EXPECT_NEAR(j, "throughput_gain", 7.0 / 3.0, 1e-12);
	expect_stats(j, "finality/l1_blocks", 13, 13, 13, 13);  /* 15 - 2 */
	expect_stats(j, "finality/l1_s", 780, 780, 780, 780);
	EXPECT_NUM(j, "disputes/unilateral_closes", 1);
	EXPECT_NUM(j, "disputes/stale_closes", 1);
	EXPECT_NUM(j, "disputes/challenges", 1);
	EXPECT_NUM(j, "disputes/stale_closes_caught", 1);
	EXPECT_NUM(j, "security_violations", 0);
	EXPECT_NUM(j, "theorems/2.3/min_l1_blocks", 13);
	EXPECT_NUM(j, "l1_balances/alice", 1000 - 600 - 5 - 5 + 350);
	EXPECT_NUM(j, "l1_balances/bob", 1000 - 400 - 5 + 650);
	EXPECT_BOOL(j, "channels/alice-bob/challenged", true);
	EXPECT_NUM(j, "channels/alice-bob/registered_seq", 4);
	EXPECT_NUM(j, "channels/alice-bob/settled_block", 14);
	/* 5 states x 2 signs; 5 x 2 off-chain verifies + 2 for the close + 2 for the challenge */
	EXPECT_NUM(j, "crypto/signs", 10);
	EXPECT_NUM(j, "crypto/verifies", 14);
	EXPECT_BOOL(j, "expect/ok", true);
	cr_expect_eq(x.failures.n, 0);
	run_free(&x);
	free(text);
}

Test(report_json, stale_close_missed_when_the_window_is_shorter_than_the_absence)
{
	char *text = malloc(sizeof(QUICK) + 4);
	strcpy(text, QUICK);
	strcat(text, "}");
	const struct scn_override ov[] = { { "l1.dispute_timeout_blocks", "2" } };
	struct run x;
	run_with(&x, text, ov, 1);
	const cJSON *j = x.j;
	/* window 4..6: it settles at the end of 6 on state 0, final at 7; bob is back at 9,
	 * after the end of the run (a party still away does not keep the run going). */
	EXPECT_NUM(j, "blocks", 7);
	EXPECT_NUM(j, "l1/channel_txs", 2);
	EXPECT_NUM(j, "l1/fees", 10);
	EXPECT_NUM(j, "throughput_gain", 3);
	expect_stats(j, "finality/l1_blocks", 5, 5, 5, 5);
	EXPECT_NUM(j, "disputes/stale_closes", 1);
	EXPECT_NUM(j, "disputes/challenges", 0);
	EXPECT_NUM(j, "disputes/stale_closes_caught", 0);
	EXPECT_NUM(j, "security_violations", 1);   /* bob: owed 650, paid 400 */
	EXPECT_BOOL(j, "theorems/2.1/holds", false);
	EXPECT_NUM(j, "theorems/2.1/violations", 1);
	EXPECT_NUM(j, "l1_balances/alice", 1000 - 600 - 5 - 5 + 600);
	EXPECT_NUM(j, "l1_balances/bob", 1000 - 400 + 400);
	EXPECT_BOOL(j, "channels/alice-bob/challenged", false);
	EXPECT_NUM(j, "channels/alice-bob/registered_seq", 0);
	EXPECT_NUM(j, "channels/alice-bob/latest_seq", 4);
	EXPECT_NUM(j, "channels/alice-bob/payouts/bob", 400);
	run_free(&x);
	free(text);
}

Test(report_json, flood_keeps_the_challenge_out_of_the_window)
{
	struct run x;
	run_text(&x, FLOOD);
	const cJSON *j = x.j;
	/* 6 batches of 10 fillers (fee 6) fill blocks 5..10; bob's challenge (fee 5) is
	 * reached in 11, after the settlement at the end of 10, and dropped. */
	EXPECT_NUM(j, "blocks", 11);
	EXPECT_NUM(j, "l1/txs", 62);
	EXPECT_NUM(j, "l1/channel_txs", 2);
	EXPECT_NUM(j, "l1/dropped_txs", 1);
	EXPECT_NUM(j, "l1/fees", 5 + 5 + 60 * 6);
	EXPECT_NUM(j, "l1/capacity_tps", 10.0 / 60.0);
	EXPECT_NUM(j, "throughput_gain", 5);     /* (8 + 2) / 2 */
	EXPECT_NUM(j, "disputes/challenges", 0);
	EXPECT_NUM(j, "security_violations", 1);
	EXPECT_NUM(j, "l1_balances/alice", 2000 - 1000 - 5 - 5 - 360 + 1000);
	EXPECT_NUM(j, "l1_balances/bob", 1000);
	EXPECT_NUM(j, "channels/alice-bob/payouts/bob", 0);
	run_free(&x);
}

Test(report_json, flood_outbid_by_a_higher_challenge_fee)
{
	const struct scn_override ov[] = { { "parties.bob.challenge_fee", "7" } };
	struct run x;
	run_with(&x, FLOOD, ov, 1);
	const cJSON *j = x.j;
	/* the challenge (7) goes first in block 5 with 9 fillers; 50 more in 6..10 and the
	 * last one in 11, final at 12. */
	EXPECT_NUM(j, "blocks", 12);
	EXPECT_NUM(j, "l1/txs", 63);
	EXPECT_NUM(j, "l1/channel_txs", 3);
	EXPECT_NUM(j, "l1/dropped_txs", 0);
	EXPECT_NUM(j, "l1/fees", 5 + 5 + 360 + 7);
	EXPECT_NUM(j, "disputes/stale_closes_caught", 1);
	EXPECT_NUM(j, "security_violations", 0);
	EXPECT_NUM(j, "l1_balances/alice", 2000 - 1000 - 5 - 5 - 360 + 200);
	EXPECT_NUM(j, "l1_balances/bob", 1000 - 7 + 800);
	run_free(&x);
}

Test(report_json, tampered_state_rejected_with_signatures)
{
	struct run x;
	run_text(&x, TAMPER);
	const cJSON *j = x.j;
	EXPECT_NUM(j, "blocks", 7);
	EXPECT_NUM(j, "l1/dropped_txs", 1);      /* the tampered close, no fee */
	EXPECT_NUM(j, "l1/fees", 10);
	EXPECT_NUM(j, "disputes/unilateral_closes", 0);
	EXPECT_NUM(j, "security_violations", 0);
	EXPECT_STR(j, "channels/alice-bob/close", "cooperative");
	EXPECT_NUM(j, "channels/alice-bob/payouts/bob", 700);
	EXPECT_NUM(j, "l1_balances/alice", 1000 - 400 - 5 + 100);
	EXPECT_NUM(j, "l1_balances/bob", 1000 - 400 - 5 + 700);
	/* open, payment, coop close: 3 x 2 signs, 3 x 2 off-chain verifies; the contract:
	 * 1 for the tampered close (alice's signature fails first) and 2 for the close. */
	EXPECT_STR(j, "crypto/signatures", "ed25519");
	EXPECT_NUM(j, "crypto/signs", 6);
	EXPECT_NUM(j, "crypto/verifies", 9);
	run_free(&x);
}

Test(report_json, tampered_state_accepted_without_signatures)
{
	const struct scn_override ov[] = { { "l2.signatures", "off" } };
	struct run x;
	run_with(&x, TAMPER, ov, 1);
	const cJSON *j = x.j;
	/* the altered state 1 (alice 800, bob 0) is registered in 4; bob has no newer
	 * state; his coop close fails; it settles at the end of 4 + 5 = 9, final at 10. */
	EXPECT_NUM(j, "blocks", 10);
	EXPECT_NUM(j, "l1/dropped_txs", 0);
	EXPECT_NUM(j, "disputes/unilateral_closes", 1);
	EXPECT_NUM(j, "disputes/stale_closes", 0);  /* seq 1 is the latest: altered, not stale */
	EXPECT_NUM(j, "security_violations", 1);
	EXPECT_STR(j, "channels/alice-bob/close", "unilateral");
	EXPECT_NUM(j, "channels/alice-bob/settled_block", 9);
	EXPECT_NUM(j, "channels/alice-bob/payouts/alice", 800);
	EXPECT_NUM(j, "channels/alice-bob/payouts/bob", 0);
	EXPECT_NUM(j, "l1_balances/alice", 1000 - 400 - 5 - 5 + 800);
	EXPECT_NUM(j, "l1_balances/bob", 1000 - 400);
	EXPECT_STR(j, "crypto/signatures", "off");
	EXPECT_NUM(j, "crypto/signs", 0);
	EXPECT_NUM(j, "crypto/verifies", 0);
	run_free(&x);
}

Test(report_json, three_party_unilateral_close_payouts)
{
	struct run x;
	run_text(&x, THREE);
	const cJSON *j = x.j;
	EXPECT_NUM(j, "blocks", 9);
	EXPECT_NUM(j, "l2/payments_ok", 3);
	EXPECT_NUM(j, "l2/payments_failed", 1);  /* cat offline */
	EXPECT_NUM(j, "throughput_gain", 2.5);
	expect_stats(j, "finality/l1_blocks", 7, 7, 7, 7);
	expect_stats(j, "finality/l1_s", 420, 420, 420, 420);
	EXPECT_NUM(j, "disputes/unilateral_closes", 1);
	EXPECT_NUM(j, "disputes/stale_closes", 0);
	EXPECT_NUM(j, "channels/club/payouts/ann", 250);
	EXPECT_NUM(j, "channels/club/payouts/ben", 150);
	EXPECT_NUM(j, "channels/club/payouts/cat", 500);
	EXPECT_NUM(j, "l1_balances/ann", 1000 - 300 - 5 - 5 + 250);
	EXPECT_NUM(j, "l1_balances/ben", 1000 - 300 + 150);
	EXPECT_NUM(j, "l1_balances/cat", 1000 - 300 + 500);
	/* 4 states x 3 signs; x 3 x 2 verifies off-chain; the contract checks 3 */
	EXPECT_NUM(j, "crypto/signs", 12);
	EXPECT_NUM(j, "crypto/verifies", 27);
	run_free(&x);
}

/* ---- determinism and randomness ---- */

static void expect_same_bytes(const char *text, const struct scn_override *ov, size_t nov)
{
	struct run a, b;
	run_with(&a, text, ov, nov);
	run_with(&b, text, ov, nov);
	cr_expect_eq(a.report_len, b.report_len);
	cr_expect(a.report_len == b.report_len && memcmp(a.report, b.report, a.report_len) == 0,
		  "two runs of the same scenario differ");
	run_free(&a);
	run_free(&b);
}

Test(report_determinism, same_scenario_same_bytes)
{
	expect_same_bytes(COOP, NULL, 0);
	expect_same_bytes(FLOOD, NULL, 0);
	expect_same_bytes(POISSON, NULL, 0);
	const struct scn_override ov[] = { { "l1.interval", "exponential" } };
	expect_same_bytes(POISSON, ov, 1);
}

Test(report_determinism, poisson_workload_is_plausible)
{
	struct run x;
	run_text(&x, POISSON);
	const cJSON *j = x.j;
	/* rate 2/s for t_2..t_12 = 100 s: 200 expected, sd 14.1; 2 opens and 2 closes */
	double ok = num(j, "l2/payments_ok");
	cr_expect(ok > 200 - 5 * 14.2 && ok < 200 + 5 * 14.2, "payments_ok %g far from 200", ok);
	EXPECT_NUM(j, "l1/channel_txs", 4);
	EXPECT_NEAR(j, "throughput_gain", (ok + 4) / 4, 1e-9);
	/* every payment is inside (t_2, t_12): l1 finality between (14 - 11) = 3 and 14 - 2 = 12 blocks */
	cr_expect_geq(num(j, "finality/l1_blocks/min"), 3);
	cr_expect_leq(num(j, "finality/l1_blocks/max"), 12);
	cr_expect_gt(num(j, "finality/l1_s/min"), 20);   /* t_14 - t_12 = 20 s, strictly after */
	cr_expect_lt(num(j, "finality/l1_s/max"), 120);  /* t_14 - t_2 */
	run_free(&x);
}

static double sim_time_with_seed(const char *seed)
{
	const struct scn_override ov[] = { { "l1.interval", "exponential" }, { "seed", seed } };
	struct run x;
	run_with(&x, COOP, ov, 2);
	double t = num(x.j, "sim_time_s");
	cr_expect_eq(num(x.j, "blocks"), 8, "the block count does not depend on the intervals");
	run_free(&x);
	return t;
}

Test(report_determinism, exponential_intervals_depend_on_the_seed)
{
	double t1 = sim_time_with_seed("1"), t2 = sim_time_with_seed("2");
	cr_expect_neq(t1, t2, "two seeds gave the same sim_time_s %g", t1);
	cr_expect_eq(sim_time_with_seed("1"), t1);
	/* and a fixed interval does not depend on it */
	const struct scn_override ov[] = { { "seed", "99" } };
	struct run x;
	run_with(&x, COOP, ov, 1);
	EXPECT_NUM(x.j, "sim_time_s", 4800);
	run_free(&x);
}

/* ---- expectations ---- */

static bool has_failure(const struct scn_errors *e, const char *text)
{
	for (size_t i = 0; i < e->n; i++)
		if (strstr(e->lines[i], text))
			return true;
	return false;
}

Test(report_expect, wrong_expectations_are_each_named)
{
	char *text = malloc(sizeof(QUICK) + sizeof(QUICK_EXPECT));
	strcpy(text, QUICK);
	strcat(text, QUICK_EXPECT);
	/* the expect block was worked out for T = 10; with T = 2 bob is too late */
	const struct scn_override ov[] = { { "l1.dispute_timeout_blocks", "2" } };
	struct run x;
	run_with(&x, text, ov, 1);
	cr_expect_eq(x.failures.n, 9);
	cr_expect(has_failure(&x.failures, "l1_balances.alice: expected 740, got 990"));
	cr_expect(has_failure(&x.failures, "l1_balances.bob: expected 1245, got 1000"));
	cr_expect(has_failure(&x.failures, "security_violations: expected 0, got 1"));
	cr_expect(has_failure(&x.failures, "throughput_gain: expected 2.333..2.334, got 3"));
	cr_expect(has_failure(&x.failures, "channels.alice-bob.challenged: expected true, got false"));
	cr_expect(has_failure(&x.failures, "channels.alice-bob.registered_seq: expected 4, got 0"));
	cr_expect(has_failure(&x.failures, "channels.alice-bob.settled_block: expected 14, got 6"));
	cr_expect(has_failure(&x.failures, "channels.alice-bob.payouts.alice: expected 350, got 600"));
	cr_expect(has_failure(&x.failures, "channels.alice-bob.payouts.bob: expected 650, got 400"));
	/* the report carries them too */
	EXPECT_BOOL(x.j, "expect/ok", false);
	cr_expect_eq(cJSON_GetArraySize(at(x.j, "expect/failures")), 9);
	cr_expect(strstr(cJSON_GetArrayItem(at(x.j, "expect/failures"), 0)->valuestring, "l1_balances.alice"));
	run_free(&x);
	free(text);
}

Test(report_expect, null_and_payments_expectations)
{
	/* stop at block 1: the open is included but not yet usable (2 confirmations) */
	char *text = json("{'format': 'l2sim/1', 'name': 'x', 'until_block': 1,"
			  " 'parties': [{'name': 'a', 'balance': 10}, {'name': 'b'}],"
			  " 'channels': [{'id': 'ab', 'parties': ['a', 'b'], 'deposit': {'a': 10}},"
			  "              {'id': 'unused', 'parties': ['a', 'b']}],"
			  " 'script': [{'at': 0, 'action': 'open', 'channel': 'ab'}],"
			  " 'expect': {'payments': {'ok': 1, 'failed': 0},"
			  "  'channels': {'ab': {'status': 'opening', 'close': null, 'challenged': null, 'latest_seq': 0,"
			  "                      'registered_seq': null, 'settled_block': null, 'payouts': null},"
			  "               'unused': {'status': 'none', 'latest_seq': null, 'settled_block': 3}}}}");
	struct run x;
	run_text(&x, text);
	cr_expect_eq(x.failures.n, 2);
	cr_expect(has_failure(&x.failures, "payments.ok: expected 1, got 0"));
	cr_expect(has_failure(&x.failures, "channels.unused.settled_block: expected 3, got null"));
	EXPECT_STR(x.j, "channels/ab/status", "opening");
	EXPECT_NULL(x.j, "channels/ab/close");
	EXPECT_NULL(x.j, "channels/ab/challenged");
	EXPECT_NUM(x.j, "channels/ab/latest_seq", 0);
	EXPECT_NULL(x.j, "channels/ab/registered_seq");
	EXPECT_NULL(x.j, "channels/ab/payouts");
	EXPECT_NULL(x.j, "channels/unused/latest_seq");
	run_free(&x);
	free(text);
}

/* ---- decisions where SPEC is silent (docs/scenario-format.md, "Decisions") ---- */

Test(report_decisions, nothing_to_measure_gives_null)
{
	/* no channel tx and time 0: tps, gain and every finality figure are null */
	char *text = json("{'format': 'l2sim/1', 'name': 'empty', 'parties': [{'name': 'a'}]}");
	struct run x;
	run_text(&x, text);
	EXPECT_NUM(x.j, "blocks", 0);
	EXPECT_NUM(x.j, "sim_time_s", 0);
	EXPECT_NULL(x.j, "l2/tps");
	EXPECT_NULL(x.j, "throughput_gain");
	EXPECT_NULL(x.j, "theorems/2.2/gain");
	EXPECT_NULL(x.j, "finality/offchain_ms");
	EXPECT_NULL(x.j, "finality/l1_blocks");
	EXPECT_NULL(x.j, "finality/l1_s");
	EXPECT_NULL(x.j, "theorems/2.3/min_l1_blocks");
	EXPECT_BOOL(x.j, "theorems/2.3/holds", true);
	run_free(&x);
	free(text);
}

Test(report_decisions, a_stale_close_counts_as_caught_when_the_challenge_is_included)
{
	/* the quickstart stopped at block 11: the challenge was included in 10, the channel
	 * is still in its window (settles at 14) */
	char *text = malloc(sizeof(QUICK) + 32);
	strcpy(text, QUICK);
	strcat(text, ", 'until_block': 11}");
	struct run x;
	run_text(&x, text);
	EXPECT_NUM(x.j, "blocks", 11);
	EXPECT_NUM(x.j, "disputes/challenges", 1);
	EXPECT_NUM(x.j, "disputes/stale_closes_caught", 1);
	EXPECT_STR(x.j, "channels/alice-bob/status", "closing");
	EXPECT_BOOL(x.j, "channels/alice-bob/challenged", true);
	EXPECT_NUM(x.j, "channels/alice-bob/registered_seq", 4);
	EXPECT_NULL(x.j, "channels/alice-bob/settled_block");
	EXPECT_NULL(x.j, "channels/alice-bob/payouts");
	EXPECT_NUM(x.j, "finality/unsettled_payments", 4);
	EXPECT_NULL(x.j, "finality/l1_blocks");
	run_free(&x);
	free(text);
}

Test(report_decisions, a_party_still_away_does_not_extend_the_run)
{
	/* watchtower.json: bob is away until block 33, the run ends when the settlement
	 * is final at 11; his watchtower, switched on while he was online, answered */
	char *text = json("{'format': 'l2sim/1', 'name': 'w', 'seed': 6,"
			  " 'l1': {'block_interval_s': 60, 'confirmations': 2, 'fee': 5, 'dispute_timeout_blocks': 6},"
			  " 'parties': [{'name': 'alice', 'balance': 1000}, {'name': 'bob', 'balance': 1000, 'challenge_fee': 8}],"
			  " 'channels': [{'id': 'ab', 'parties': ['alice', 'bob'], 'deposit': {'alice': 500, 'bob': 500}}],"
			  " 'script': [{'at': 0, 'action': 'open', 'channel': 'ab'},"
			  "  {'at': 2, 'action': 'pay', 'channel': 'ab', 'from': 'alice', 'to': 'bob', 'amount': 200, 'count': 2},"
			  "  {'at': 3, 'action': 'watchtower', 'party': 'bob', 'enabled': true},"
			  "  {'at': 3, 'action': 'offline', 'party': 'bob', 'blocks': 30},"
			  "  {'at': 3, 'action': 'close', 'channel': 'ab', 'by': 'alice', 'mode': 'unilateral', 'state': 0}]}");
	struct run x;
	run_text(&x, text);
	EXPECT_NUM(x.j, "blocks", 11);
	EXPECT_NUM(x.j, "l1_balances/alice", 1000 - 500 - 5 - 5 + 100);
	EXPECT_NUM(x.j, "l1_balances/bob", 1000 - 500 - 8 + 900);
	EXPECT_NUM(x.j, "l1/fees", 18);
	EXPECT_NUM(x.j, "security_violations", 0);
	run_free(&x);
	free(text);
}

Test(report_decisions, switching_a_watchtower_needs_the_party_online)
{
	/* bob goes offline first, then tries to switch his watchtower on: that fails, so
	 * nobody answers alice's stale close */
	char *text = json("{'format': 'l2sim/1', 'name': 'w',"
			  " 'l1': {'block_interval_s': 60, 'confirmations': 2, 'fee': 5, 'dispute_timeout_blocks': 6},"
			  " 'parties': [{'name': 'alice', 'balance': 1000}, {'name': 'bob', 'balance': 1000}],"
			  " 'channels': [{'id': 'ab', 'parties': ['alice', 'bob'], 'deposit': {'alice': 500, 'bob': 500}}],"
			  " 'script': [{'at': 0, 'action': 'open', 'channel': 'ab'},"
			  "  {'at': 2, 'action': 'pay', 'channel': 'ab', 'from': 'alice', 'to': 'bob', 'amount': 200},"
			  "  {'at': 3, 'action': 'offline', 'party': 'bob', 'blocks': 30},"
			  "  {'at': 3, 'action': 'watchtower', 'party': 'bob', 'enabled': true},"
			  "  {'at': 3, 'action': 'close', 'channel': 'ab', 'by': 'alice', 'mode': 'unilateral', 'state': 0}]}");
	struct run x;
	run_text(&x, text);
	cr_expect_eq(runner_metrics(x.r)->actions_failed, 1);
	EXPECT_NUM(x.j, "disputes/challenges", 0);
	EXPECT_NUM(x.j, "security_violations", 1);
	EXPECT_NUM(x.j, "channels/ab/payouts/bob", 500);
	run_free(&x);
	free(text);
}

Test(report_decisions, a_top_up_the_final_state_does_not_include_is_paid_back)
{
	/* deposit-topup.json */
	char *text = json("{'format': 'l2sim/1', 'name': 'd',"
			  " 'l1': {'block_interval_s': 60, 'confirmations': 3, 'fee': 5, 'dispute_timeout_blocks': 6},"
			  " 'parties': [{'name': 'alice', 'balance': 1000}, {'name': 'bob', 'balance': 1000}],"
			  " 'channels': [{'id': 'ab', 'parties': ['alice', 'bob'], 'deposit': {'alice': 500, 'bob': 100}}],"
			  " 'script': [{'at': 0, 'action': 'open', 'channel': 'ab'},"
			  "  {'at': 3, 'action': 'pay', 'channel': 'ab', 'from': 'bob', 'to': 'alice', 'amount': 150},"
			  "  {'at': 3, 'action': 'deposit', 'channel': 'ab', 'party': 'bob', 'amount': 200},"
			  "  {'at': 5, 'action': 'pay', 'channel': 'ab', 'from': 'bob', 'to': 'alice', 'amount': 150},"
			  "  {'at': 6, 'action': 'pay', 'channel': 'ab', 'from': 'bob', 'to': 'alice', 'amount': 150},"
			  "  {'at': 6, 'action': 'deposit', 'channel': 'ab', 'party': 'alice', 'amount': 100},"
			  "  {'at': 7, 'action': 'close', 'channel': 'ab', 'by': 'alice'}]}");
	struct run x;
	run_text(&x, text);
	EXPECT_NUM(x.j, "l2/payments_ok", 1);
	EXPECT_NUM(x.j, "l2/payments_failed", 2);
	EXPECT_NUM(x.j, "l1/channel_txs", 4);
	EXPECT_NUM(x.j, "throughput_gain", 1.25);
	EXPECT_NUM(x.j, "channels/ab/registered_seq", 2);
	EXPECT_NUM(x.j, "channels/ab/payouts/alice", 650 + 100);
	EXPECT_NUM(x.j, "channels/ab/payouts/bob", 150);
	EXPECT_NUM(x.j, "l1_balances/alice", 1000 - 500 - 5 - 100 - 5 - 5 + 750);
	EXPECT_NUM(x.j, "l1_balances/bob", 1000 - 100 - 200 - 5 + 150);
	EXPECT_NUM(x.j, "security_violations", 0);
	run_free(&x);
	free(text);
}

Test(report_decisions, the_last_offline_action_decides_the_return)
{
	/* bob would be back at 5, inside the window 4..8, but a second offline action at 4
	 * (without blocks) cancels that return: nobody challenges */
	static const char base[] =
		"{'format': 'l2sim/1', 'name': 'o',"
		" 'l1': {'block_interval_s': 60, 'confirmations': 2, 'fee': 5, 'dispute_timeout_blocks': 4},"
		" 'parties': [{'name': 'alice', 'balance': 1000}, {'name': 'bob', 'balance': 1000}],"
		" 'channels': [{'id': 'ab', 'parties': ['alice', 'bob'], 'deposit': {'alice': 500, 'bob': 500}}],"
		" 'script': [{'at': 0, 'action': 'open', 'channel': 'ab'},"
		"  {'at': 2, 'action': 'pay', 'channel': 'ab', 'from': 'alice', 'to': 'bob', 'amount': 200},"
		"  {'at': 3, 'action': 'offline', 'party': 'bob', 'blocks': 2},"
		"  {'at': 3, 'action': 'close', 'channel': 'ab', 'by': 'alice', 'mode': 'unilateral', 'state': 0},"
		"  {'at': 4, 'action': 'offline', 'party': %s}]}";
	char text[sizeof(base) + 16];
	struct run x;
	/* control: the second action names alice, who stays offline; bob is back at 5 */
	snprintf(text, sizeof(text), base, "'alice'");
	run_text(&x, text);
	EXPECT_NUM(x.j, "disputes/challenges", 1);
	EXPECT_NUM(x.j, "security_violations", 0);
	run_free(&x);
	snprintf(text, sizeof(text), base, "'bob'");
	run_text(&x, text);
	EXPECT_NUM(x.j, "disputes/challenges", 0);
	EXPECT_NUM(x.j, "security_violations", 1);
	EXPECT_NUM(x.j, "channels/ab/payouts/bob", 500);
	run_free(&x);
}

Test(report_decisions, a_started_flood_goes_on_while_its_party_is_offline)
{
	/* 3 batches of 2 txs at fee 1 from block 1; alice goes offline at 2: the batches of
	 * 2 and 3 are still sent (a flood is one action, already under way) */
	char *text = json("{'format': 'l2sim/1', 'name': 'f',"
			  " 'l1': {'block_interval_s': 60, 'confirmations': 2},"
			  " 'parties': [{'name': 'alice', 'balance': 100}],"
			  " 'script': [{'at': 1, 'action': 'flood', 'by': 'alice', 'txs': 2, 'fee': 1, 'blocks': 3},"
			  "            {'at': 2, 'action': 'offline', 'party': 'alice'}]}");
	struct run x;
	run_text(&x, text);
	EXPECT_NUM(x.j, "l1/txs", 6);
	EXPECT_NUM(x.j, "l1/channel_txs", 0);
	EXPECT_NUM(x.j, "l1/fees", 6);
	EXPECT_NUM(x.j, "l1_balances/alice", 94);
	EXPECT_NUM(x.j, "blocks", 5);            /* the last batch is in block 4, final at 5 */
	run_free(&x);
	free(text);
}

Test(report_json, amounts_above_2_53_are_decimal_strings)
{
	/* 2^53 + 1 = 9007199254740993 cannot be a JSON number exactly: it is a string */
	char *text = json("{'format': 'l2sim/1', 'name': 'big', 'l1': {'confirmations': 1},"
			  " 'parties': [{'name': 'a', 'balance': '10000000000000000000'}, {'name': 'b'}],"
			  " 'channels': [{'id': 'ab', 'parties': ['a', 'b'], 'deposit': {'a': '9007199254740993'}}],"
			  " 'script': [{'at': 0, 'action': 'open', 'channel': 'ab'},"
			  "            {'at': 1, 'action': 'pay', 'channel': 'ab', 'from': 'a', 'to': 'b', 'amount': 1},"
			  "            {'at': 1, 'action': 'close', 'channel': 'ab', 'by': 'b'}]}");
	struct run x;
	run_text(&x, text);
	EXPECT_STR(x.j, "l1_balances/a", "9999999999999999999"); /* 10^19 - (2^53 + 1) + 2^53 */
	EXPECT_NUM(x.j, "l1_balances/b", 1);
	EXPECT_STR(x.j, "channels/ab/payouts/a", "9007199254740992"); /* 2^53 > 2^53 - 1: a string too */
	EXPECT_NUM(x.j, "channels/ab/payouts/b", 1);
	EXPECT_NUM(x.j, "l1/fees", 0);
	run_free(&x);
	/* and the other way: all of it stays in the channel's payout */
	char *text2 = json("{'format': 'l2sim/1', 'name': 'big', 'l1': {'confirmations': 1},"
			   " 'parties': [{'name': 'a', 'balance': '18446744073709551615'}, {'name': 'b'}],"
			   " 'channels': [{'id': 'ab', 'parties': ['a', 'b'], 'deposit': {'a': '18446744073709551615'}}],"
			   " 'script': [{'at': 0, 'action': 'open', 'channel': 'ab'},"
			   "            {'at': 1, 'action': 'close', 'channel': 'ab', 'by': 'a'}]}");
	run_text(&x, text2);
	EXPECT_STR(x.j, "channels/ab/payouts/a", "18446744073709551615");
	EXPECT_STR(x.j, "l1_balances/a", "18446744073709551615");
	EXPECT_NUM(x.j, "security_violations", 0);
	run_free(&x);
	free(text);
	free(text2);
}
