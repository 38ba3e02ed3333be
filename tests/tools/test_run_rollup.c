/* Rollups in a run (SPEC section 11, tools/run_rollup.c): scenarios whose script is
 * built by hand (the loader of section 11's actions is tools/scn_schemes.c's), run to
 * the end, checked against hand-worked figures: the acceptance file's optimistic
 * withdrawal, a fraud caught by a verifier, the same fraud missed while the verifier is
 * offline, a validity rollup refusing it. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/chain.h"
#include "tools/run_schemes.h"
#include "tools/runner.h"
#include "tools/scenario.h"

struct seen {
	uint64_t ok, failed, final, violations, steps;
	uint64_t final_s_min, final_s_max;
	uint32_t victim;
};

static void on_ev(void *ctx, const struct runner *r, const struct run_event *ev)
{
	(void)r;
	struct seen *x = ctx;
	if (ev->kind == RUN_EV_SCHEME_STEP) {
		x->steps++;
		cr_assert_not_null(ev->u.scheme_step.what);
		return;
	}
	if (ev->kind == RUN_EV_SCHEME_VIOLATION) {
		x->violations++;
		x->victim = ev->u.scheme_violation.party;
		return;
	}
	switch (ev->u.scheme_pay.step) {
	case RUN_SCHEME_PAY_OK:
		x->ok++;
		cr_assert_eq(ev->u.scheme_pay.soft_ms, 100, "soft finality: 2 x latency");
		break;
	case RUN_SCHEME_PAY_FAILED: x->failed++; break;
	case RUN_SCHEME_PAY_FINAL: {
		uint64_t s = (ev->u.scheme_pay.final_ms * 1000 - ev->u.scheme_pay.t_us) / 1000000;
		if (x->final++ == 0 || s < x->final_s_min)
			x->final_s_min = s;
		if (s > x->final_s_max)
			x->final_s_max = s;
		break;
	}
	}
}

/* parties op, ann, bob, val (indices 0..3); one rollup `r` described by `rollup`. */
static struct scenario *scenario_with(const char *rollup)
{
	char text[2048];
	snprintf(text, sizeof(text),
		 "{\"format\":\"l2sim/1\",\"name\":\"t\",\"l1\":{\"block_interval_s\":60,\"block_tx_limit\":100,"
		 "\"confirmations\":1,\"fee\":1},\"parties\":[{\"name\":\"op\",\"balance\":1000},"
		 "{\"name\":\"ann\",\"balance\":1000},{\"name\":\"bob\",\"balance\":1000},{\"name\":\"val\",\"balance\":10}],"
		 "\"rollups\":[%s]}",
		 rollup);
	struct scn_errors e = { 0 };
	struct scenario *s = scn_load_buffer("t.json", text, strlen(text), NULL, 0, &e);
	cr_assert_not_null(s, "%s", e.n ? e.lines[0] : "");
	scn_errors_free(&e);
	s->script = calloc(16, sizeof(*s->script));
	return s;
}

static void act(struct scenario *s, uint64_t at, enum scn_action_kind k, uint32_t party, uint32_t to, uint64_t amount,
		uint64_t count)
{
	struct scn_action *a = &s->script[s->nscript++];
	*a = (struct scn_action){ .at = at, .kind = k, .party = party, .to = to, .amount = AMOUNT(amount),
				  .count = count, .scheme = 0 };
}

static void offline(struct scenario *s, uint64_t at, uint32_t party, uint64_t blocks)
{
	struct scn_action *a = &s->script[s->nscript++];
	*a = (struct scn_action){ .at = at, .kind = SCN_OFFLINE, .party = party, .has_blocks = true, .blocks = blocks,
				  .scheme = SCN_NONE };
}

static struct runner *run(const struct scenario *s, struct seen *x)
{
	struct runner *r = runner_new(s, NULL, false);
	runner_subscribe(r, RUN_EV_MASK(RUN_EV_SCHEME_PAY) | RUN_EV_MASK(RUN_EV_SCHEME_STEP) |
			 RUN_EV_MASK(RUN_EV_SCHEME_VIOLATION), on_ev, x);
	runner_run(r);
	return r;
}

static uint64_t l1bal(const struct runner *r, uint32_t p) { return l1_chain_balance(r->chain, r->net->parties[p].account).units; }
static uint64_t rbal(const struct runner *r, uint32_t p) { return run_rollup_balance(r, 0, p).units; }

Test(run_rollup, acceptance_optimistic_withdraw)
{
	struct scenario *s = scenario_with("{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\",\"bond\":300,"
					   "\"batch_every_blocks\":2,\"challenge_blocks\":4}");
	act(s, 0, SCN_ROLLUP_DEPOSIT, 1, 0, 500, 1);
	act(s, 0, SCN_ROLLUP_DEPOSIT, 2, 0, 200, 1);
	act(s, 2, SCN_ROLLUP_PAY, 1, 2, 50, 4);
	act(s, 3, SCN_ROLLUP_PAY, 2, 1, 500, 1);
	act(s, 3, SCN_ROLLUP_WITHDRAW, 2, 0, 150, 1);
	struct seen x = { 0 };
	struct runner *r = run(s, &x);
	cr_assert_eq(l1bal(r, 1), 499);
	cr_assert_eq(l1bal(r, 2), 949);
	cr_assert_eq(l1bal(r, 0), 699);
	cr_assert_eq(x.ok, 5);
	cr_assert_eq(x.failed, 1);
	cr_assert_eq(x.final, 5);
	cr_assert_eq(x.final_s_min, 360);
	cr_assert_eq(x.final_s_max, 420);
	cr_assert_eq(x.violations, 0);
	cr_assert_eq(rbal(r, 1), 300);
	cr_assert_eq(rbal(r, 2), 250);
	cr_assert_eq(rbal(r, 0), 0);
	cr_assert_eq(run_rollup_holdings(r, 0).units, 850);
	cr_assert_eq(r->chain->bytes_included, 760);
	cr_assert_eq(r->chain->height, 9, "ends when the batch is final (block 5 + 4)");
	cr_assert(l1_chain_conserved(r->chain));
	runner_free(r);
	scn_free(s);
}

#define FRAUD_ROLLUP(kind, extra) \
	"{\"id\":\"r\",\"kind\":\"" kind "\",\"operator\":\"op\",\"bond\":300" extra "}"

static void fraud_script(struct scenario *s)
{
	act(s, 0, SCN_ROLLUP_DEPOSIT, 1, 0, 500, 1);
	act(s, 2, SCN_ROLLUP_FRAUD, 0, 0, 200, 1);
	act(s, 2, SCN_ROLLUP_PAY, 1, 2, 50, 1);
}

Test(run_rollup, fraud_caught_by_a_verifier)
{
	struct scenario *s = scenario_with(FRAUD_ROLLUP("optimistic", ",\"challenge_blocks\":4,\"verifiers\":[\"val\"]"));
	fraud_script(s);
	struct seen x = { 0 };
	struct runner *r = run(s, &x);
	cr_assert_eq(x.violations, 0);
	cr_assert_eq(x.ok, 1);
	cr_assert_eq(x.final, 1);
	cr_assert_eq(x.final_s_min, 480, "re-batched at 5, included in 6, final at 10: 600 - 120 s");
	cr_assert_eq(l1bal(r, 3), 309, "the bond less the proof's fee");
	cr_assert_eq(l1bal(r, 0), 698, "two batch fees");
	cr_assert_eq(rbal(r, 1), 450);
	cr_assert_eq(rbal(r, 2), 50);
	cr_assert_eq(rbal(r, 0), 0);
	cr_assert_eq(run_rollup_holdings(r, 0).units, 500);
	cr_assert_eq(r->chain->bytes_included, 250 + 212 + 500 + 212);
	cr_assert_eq(r->chain->height, 10);
	runner_free(r);
	scn_free(s);
}

Test(run_rollup, fraud_missed_while_the_verifier_is_offline)
{
	struct scenario *s = scenario_with(FRAUD_ROLLUP("optimistic", ",\"challenge_blocks\":4,\"verifiers\":[\"val\"]"));
	fraud_script(s);
	offline(s, 3, 3, 10);
	struct seen x = { 0 };
	struct runner *r = run(s, &x);
	cr_assert_eq(x.violations, 1);
	cr_assert_eq(x.victim, 1);
	cr_assert_eq(x.final, 1);
	cr_assert_eq(x.final_s_min, 360);
	cr_assert_eq(l1bal(r, 3), 10);
	cr_assert_eq(l1bal(r, 0), 699);
	cr_assert_eq(rbal(r, 1), 250);
	cr_assert_eq(rbal(r, 2), 50);
	cr_assert_eq(rbal(r, 0), 200);
	cr_assert_eq(run_rollup_holdings(r, 0).units, 800);
	cr_assert_eq(r->chain->height, 8);
	runner_free(r);
	scn_free(s);
}

Test(run_rollup, validity_rollup_refuses_the_fraud)
{
	struct scenario *s = scenario_with(FRAUD_ROLLUP("validity", ""));
	fraud_script(s);
	struct seen x = { 0 };
	struct runner *r = run(s, &x);
	cr_assert_eq(x.violations, 0);
	cr_assert_eq(x.final, 1);
	cr_assert_eq(x.final_s_min, 300, "re-cut at 5, submitted at 6, final in 7: 420 - 120 s");
	cr_assert_eq(l1bal(r, 0), 699, "the dropped batch paid no fee");
	cr_assert_eq(rbal(r, 1), 450);
	cr_assert_eq(rbal(r, 2), 50);
	cr_assert_eq(rbal(r, 0), 0);
	cr_assert_eq(run_rollup_holdings(r, 0).units, 800);
	cr_assert_eq(r->chain->bytes_included, 250 + 512);
	cr_assert_eq(r->chain->height, 7);
	runner_free(r);
	scn_free(s);
}

Test(run_rollup, failures_change_nothing)
{
	struct scenario *s = scenario_with(FRAUD_ROLLUP("optimistic", ",\"challenge_blocks\":2"));
	act(s, 0, SCN_ROLLUP_DEPOSIT, 1, 0, 100, 1);
	act(s, 2, SCN_ROLLUP_PAY, 1, 1, 10, 1);   /* from = to */
	act(s, 2, SCN_ROLLUP_PAY, 2, 1, 10, 1);   /* bob has nothing */
	act(s, 2, SCN_ROLLUP_WITHDRAW, 1, 0, 101, 1); /* more than ann has */
	offline(s, 2, 0, 1);
	act(s, 2, SCN_ROLLUP_PAY, 1, 2, 10, 2);   /* the operator is offline */
	struct seen x = { 0 };
	struct runner *r = run(s, &x);
	cr_assert_eq(x.ok, 0);
	cr_assert_eq(x.failed, 5);
	cr_assert_eq(rbal(r, 1), 100);
	cr_assert_eq(l1bal(r, 1), 899);
	runner_free(r);
	scn_free(s);
}

Test(run_rollup, batches_cut_by_count_and_bytes)
{
	/* 10 payments, at most 4 per batch: batches of 4, 4, 2 in blocks 3, 4, 5. */
	struct scenario *s = scenario_with("{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\","
					   "\"batch_max_txs\":4,\"challenge_blocks\":1}");
	act(s, 0, SCN_ROLLUP_DEPOSIT, 1, 0, 100, 1);
	act(s, 2, SCN_ROLLUP_PAY, 1, 2, 1, 10);
	struct seen x = { 0 };
	struct runner *r = run(s, &x);
	cr_assert_eq(x.final, 10);
	cr_assert_eq(r->chain->bytes_included, 250 + (200 + 48) * 2 + 224);
	cr_assert_eq(l1bal(r, 0), 997);
	cr_assert_eq(rbal(r, 2), 10);
	runner_free(r);
	scn_free(s);
}

Test(run_rollup, revert_undoes_every_later_batch_in_order)
{
	struct scenario *s = scenario_with(FRAUD_ROLLUP("optimistic", ",\"challenge_blocks\":5,\"verifiers\":[\"val\"]"));
	act(s, 0, SCN_ROLLUP_DEPOSIT, 1, 0, 500, 1);
	act(s, 2, SCN_ROLLUP_FRAUD, 0, 0, 100, 1);
	act(s, 2, SCN_ROLLUP_PAY, 1, 2, 10, 1);
	offline(s, 2, 3, 3);                       /* val is back at phase 2 of block 5 */
	act(s, 3, SCN_ROLLUP_PAY, 1, 2, 20, 1);
	act(s, 4, SCN_ROLLUP_PAY, 2, 1, 5, 1);
	struct seen x = { 0 };
	struct runner *r = run(s, &x);
	/* Batch 0 (fraud) in 4, batch 1 in 5, batch 2 pending when the proof goes in at 6:
	 * all three undone, their payments cut again as batch 3 at 6, in 7, final at 12. */
	cr_assert_eq(x.violations, 0);
	cr_assert_eq(x.ok, 3);
	cr_assert_eq(x.final, 3);
	cr_assert_eq(rbal(r, 1), 475);
	cr_assert_eq(rbal(r, 2), 25);
	cr_assert_eq(rbal(r, 0), 0);
	cr_assert_eq(l1bal(r, 3), 309);
	cr_assert_eq(l1bal(r, 0), 697, "batches 0, 1 and 3 paid fees; 2 left the mempool unpaid");
	cr_assert_eq(r->chain->bytes_included, 250 + 212 + 212 + 500 + 236);
	cr_assert_eq(r->chain->height, 12);
	runner_free(r);
	scn_free(s);
}

Test(run_rollup, operator_spends_a_fraud_gain_only_once_final)
{
	struct scenario *s = scenario_with(FRAUD_ROLLUP("optimistic", ",\"challenge_blocks\":4"));
	fraud_script(s);
	act(s, 4, SCN_ROLLUP_WITHDRAW, 0, 0, 200, 1); /* batch 0 in its window: refused */
	act(s, 9, SCN_ROLLUP_WITHDRAW, 0, 0, 200, 1); /* final at 8: accepted */
	struct seen x = { 0 };
	struct runner *r = run(s, &x);
	cr_assert_eq(x.violations, 1);
	cr_assert_eq(x.ok, 2);
	cr_assert_eq(x.failed, 1);
	cr_assert_eq(rbal(r, 0), 0);
	cr_assert_eq(l1bal(r, 0), 1000 - 300 - 1 - 1 + 200, "the stolen 200 reached L1");
	cr_assert_eq(run_rollup_holdings(r, 0).units, 600);
	runner_free(r);
	scn_free(s);
}

Test(run_rollup, validity_drop_undoes_batches_cut_and_not_yet_proved)
{
	/* prove_blocks 3, a batch every block: batch 0 (fraud) cut at 3, due at 6; batch 1
	 * cut at 4 (due 7). Batch 0 is dropped in 7; batch 1, pending then, leaves the
	 * mempool; both payments are cut again at 7 as batch 2, due at 10, final in 11. */
	struct scenario *s = scenario_with(FRAUD_ROLLUP("validity", ",\"prove_blocks\":3"));
	fraud_script(s);
	act(s, 3, SCN_ROLLUP_PAY, 1, 2, 20, 1);
	struct seen x = { 0 };
	struct runner *r = run(s, &x);
	cr_assert_eq(x.violations, 0);
	cr_assert_eq(x.final, 2);
	cr_assert_eq(rbal(r, 1), 430);
	cr_assert_eq(rbal(r, 2), 70);
	cr_assert_eq(l1bal(r, 0), 699);
	cr_assert_eq(r->chain->bytes_included, 250 + 524);
	cr_assert_eq(r->chain->height, 11);
	runner_free(r);
	scn_free(s);
}

Test(run_rollup, optimistic_final_after_window_and_confirmations)
{
	/* scenarios/rollup-optimistic-final.json, worked in docs/scenarios.md. */
	const char *text = "{\"format\":\"l2sim/1\",\"name\":\"t\",\"l1\":{\"block_interval_s\":60,\"confirmations\":2,\"fee\":1},"
			   "\"parties\":[{\"name\":\"op\",\"balance\":500},{\"name\":\"ann\",\"balance\":1000},{\"name\":\"bob\"}],"
			   "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\",\"bond\":100,"
			   "\"challenge_blocks\":6}]}";
	struct scn_errors e = { 0 };
	struct scenario *s = scn_load_buffer("t.json", text, strlen(text), NULL, 0, &e);
	cr_assert_not_null(s);
	s->script = calloc(4, sizeof(*s->script));
	act(s, 0, SCN_ROLLUP_DEPOSIT, 1, 0, 600, 1);
	act(s, 2, SCN_ROLLUP_PAY, 1, 2, 100, 3);
	act(s, 3, SCN_ROLLUP_WITHDRAW, 2, 0, 100, 1);
	struct seen x = { 0 };
	struct runner *r = run(s, &x);
	cr_assert_eq(x.ok, 4);
	cr_assert_eq(x.final, 4);
	cr_assert_eq(x.final_s_min, 540);
	cr_assert_eq(x.final_s_max, 540);
	cr_assert_eq(l1bal(r, 0), 398);
	cr_assert_eq(l1bal(r, 1), 399);
	cr_assert_eq(l1bal(r, 2), 100);
	cr_assert_eq(rbal(r, 1), 300);
	cr_assert_eq(rbal(r, 2), 200);
	cr_assert_eq(run_rollup_holdings(r, 0).units, 600);
	cr_assert_eq(r->chain->bytes_included, 698);
	cr_assert_eq(r->chain->height, 12);
	runner_free(r);
	scn_free(s);
}

/* ---- random runs: conservation every block, the books at the end, determinism ---- */

static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 33;
}

static void conserved(void *ctx, const struct runner *r)
{
	(void)ctx;
	cr_assert(l1_chain_conserved(r->chain), "conservation broken at block %llu", (unsigned long long)r->chain->height);
}

/* A random rollup and script over parties op, ann, bob, val (val verifies optimistic
 * rollups). */
static struct scenario *random_scenario(uint64_t seed)
{
	uint64_t x = seed;
	char rollup[256];
	bool validity = lcg(&x) % 3 == 0;
	snprintf(rollup, sizeof(rollup),
		 "{\"id\":\"r\",\"kind\":\"%s\",\"operator\":\"op\",\"bond\":%llu,\"batch_every_blocks\":%llu,"
		 "\"batch_max_txs\":%llu%s%llu%s}",
		 validity ? "validity" : "optimistic", (unsigned long long)(lcg(&x) % 400),
		 (unsigned long long)(1 + lcg(&x) % 3), (unsigned long long)(1 + lcg(&x) % 5),
		 validity ? ",\"prove_blocks\":" : ",\"challenge_blocks\":", (unsigned long long)(lcg(&x) % 5),
		 validity || lcg(&x) % 4 == 0 ? "" : ",\"verifiers\":[\"val\"]");
	struct scenario *s = scenario_with(rollup);
	free(s->script);
	uint32_t n = 4 + (uint32_t)(lcg(&x) % 20);
	s->script = calloc(n, sizeof(*s->script));
	for (uint32_t i = 0; i < n; i++) {
		uint64_t at = lcg(&x) % 12;
		uint32_t p = (uint32_t)(lcg(&x) % 4), q = (uint32_t)((p + 1 + lcg(&x) % 3) % 4);
		uint64_t amount = 1 + lcg(&x) % 300;
		switch (lcg(&x) % 6) {
		case 0: act(s, at, SCN_ROLLUP_DEPOSIT, p, 0, amount, 1); break;
		case 1:
		case 2: act(s, at, SCN_ROLLUP_PAY, p, q, amount, 1 + lcg(&x) % 3); break;
		case 3: act(s, at, SCN_ROLLUP_WITHDRAW, p, 0, amount, 1); break;
		case 4: act(s, at, SCN_ROLLUP_FRAUD, 0, 0, amount, 1); break;
		default: offline(s, at, p, 1 + lcg(&x) % 8); break;
		}
	}
	return s;
}

Test(run_rollup, random_runs_keep_the_books)
{
	for (uint64_t seed = 1; seed <= 150; seed++) {
		struct scenario *s = random_scenario(seed);
		uint8_t h[2][32];
		struct seen x[2];
		for (int k = 0; k < 2; k++) {
			memset(&x[k], 0, sizeof(x[k]));
			struct runner *r = runner_new(s, NULL, false);
			r->on_block = conserved;
			runner_subscribe(r, RUN_EV_MASK(RUN_EV_SCHEME_PAY) | RUN_EV_MASK(RUN_EV_SCHEME_VIOLATION), on_ev, &x[k]);
			runner_run(r);
			cr_assert_not(r->hit_block_cap, "seed %llu never ended", (unsigned long long)seed);
			/* Quiescent: every deposit credited, every batch final; what the contract
			 * holds is the parties' final balances plus the bond (or 0 once slashed). */
			uint64_t sum = 0;
			for (uint32_t p = 0; p < 4; p++)
				sum += rbal(r, p);
			uint64_t held = run_rollup_holdings(r, 0).units;
			cr_assert(held == sum || held == sum + s->rollups[0].bond.units,
				  "seed %llu: holdings %llu, balances %llu, bond %llu", (unsigned long long)seed,
				  (unsigned long long)held, (unsigned long long)sum, (unsigned long long)s->rollups[0].bond.units);
			cr_assert_leq(x[k].final, x[k].ok);
			l1_chain_state_hash(r->chain, h[k]);
			runner_free(r);
		}
		cr_assert_eq(memcmp(h[0], h[1], 32), 0, "seed %llu: two runs differ", (unsigned long long)seed);
		cr_assert_eq(x[0].ok, x[1].ok);
		cr_assert_eq(x[0].violations, x[1].violations);
		scn_free(s);
	}
}

Test(run_rollup, window_edges_in_a_run)
{
	/* Batch 0 (with the fraud) is included in 4; val's proof, submitted in phase 2 of
	 * 4, is included in 5. challenge_blocks 1: 5 is the window's last block, caught.
	 * challenge_blocks 0: the batch is final at the end of 4, before val looks at it (a
	 * proof one block late is the contract's test: fraud_proof_one_block_late_is_dropped). */
	for (int w = 1; w >= 0; w--) {
		char rollup[200];
		snprintf(rollup, sizeof(rollup), FRAUD_ROLLUP("optimistic", ",\"challenge_blocks\":%d,\"verifiers\":[\"val\"]"), w);
		struct scenario *s = scenario_with(rollup);
		fraud_script(s);
		struct seen x = { 0 };
		struct runner *r = run(s, &x);
		cr_assert_eq(x.violations, w ? 0 : 1, "challenge_blocks %d", w);
		cr_assert_eq(l1bal(r, 3), w ? 309 : 10, "challenge_blocks %d: the bond, or nothing submitted", w);
		runner_free(r);
		scn_free(s);
	}
}

/* SPEC section 5: `online` brings the party back "and it reacts at once as in phase 2";
 * a verifier's reaction in phase 2 is its fraud proofs (section 11). Back at block 7
 * by the script, it proves the fraud of batch 0 (included in 4, window to 8) at once:
 * the proof is included in 8, in the window's last block. The verifier used to wait for
 * block 8's phase 2, when the batch was already final. */
Test(run_rollup, a_verifier_brought_online_by_the_script_checks_at_once)
{
	struct scenario *s = scenario_with(FRAUD_ROLLUP("optimistic", ",\"challenge_blocks\":4,\"verifiers\":[\"val\"]"));
	fraud_script(s);
	struct scn_action *a = &s->script[s->nscript++];
	*a = (struct scn_action){ .at = 2, .kind = SCN_OFFLINE, .party = 3, .scheme = SCN_NONE };
	a = &s->script[s->nscript++];
	*a = (struct scn_action){ .at = 7, .kind = SCN_ONLINE, .party = 3, .scheme = SCN_NONE };
	struct seen x = { 0 };
	struct runner *r = run(s, &x);
	cr_assert_eq(x.violations, 0, "the fraud was proved in its window");
	cr_assert_eq(l1bal(r, 3), 309, "the bond less the proof's fee");
	cr_assert_eq(rbal(r, 1), 450);
	cr_assert_eq(rbal(r, 0), 0);
	runner_free(r);
	scn_free(s);
}
