/* Payments of SPEC section 11's schemes told in groups (RUN_EV_SCHEME_PAYS, what the
 * schemes observer counts) and one by one (RUN_EV_SCHEME_PAY, made only for whoever
 * subscribes): both tell the same payments, whether or not anyone takes the second; the
 * rollup's store of payments (a ring of positions) keeps every payment through its
 * growth, wrap-around and the undo of reverted batches; the final latencies'
 * percentiles (selected through a histogram above 4096 values, 4 bytes a value below
 * 2^32 us) are a sort's nearest ranks. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/rng.h"
#include "tools/obs_schemes.h"
#include "tools/run_schemes.h"
#include "tools/runner.h"
#include "tools/scenario.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* obs_pcts_of against a sort, for n values drawn by kind. */
static void check_pcts(size_t n, int kind, struct rng *g)
{
	uint64_t *v = malloc(n * sizeof(*v)), *sorted = malloc(n * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		switch (kind) {
		case 0: v[i] = rng_below(g, 1u << 20); break;                    /* spread */
		case 1: v[i] = rng_below(g, 4); break;                           /* few values */
		case 2: v[i] = rng_below(g, 100) == 0 ? (1ull << 40) + i : 7 + rng_below(g, 50); break; /* outliers, wide */
		case 3: v[i] = 123456; break;                                    /* one value */
		case 4: v[i] = i + 1 == n ? UINT64_MAX : rng_below(g, 1000); break; /* wide at the last */
		default: v[i] = rng_next(g); break;                              /* the full range */
		}
	}
	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	struct obs_pcts p = obs_pcts_of(v, n);
	size_t r50 = (size_t)ceil(0.50 * (double)n), r95 = (size_t)ceil(0.95 * (double)n);
	cr_assert(p.has);
	cr_expect_eq(p.min, sorted[0], "n %zu kind %d", n, kind);
	cr_expect_eq(p.p50, sorted[(r50 ? r50 : 1) - 1], "n %zu kind %d: p50", n, kind);
	cr_expect_eq(p.p95, sorted[(r95 ? r95 : 1) - 1], "n %zu kind %d: p95", n, kind);
	cr_expect_eq(p.max, sorted[n - 1], "n %zu kind %d", n, kind);
	free(v);
	free(sorted);
}

Test(scheme_pays, percentiles_are_a_sorts_nearest_ranks)
{
	static const size_t sizes[] = { 1, 2, 3, 20, 4095, 4096, 4097, 10007, 200000 };
	struct rng g;
	rng_init(&g, 42, 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (int kind = 0; kind < 6; kind++)
			check_pcts(sizes[i], kind, &g);
	cr_expect_not(obs_pcts_of(NULL, 0).has);
}

/* ---- a run told both ways ---- */

struct pay {
	uint64_t t_us, amount;
	uint32_t from, to;
	bool withdrawal;
};

struct told {
	struct pay *ok, *final;
	size_t nok, nfinal, cap_ok, cap_final;
	uint64_t failed, reverted;
	uint64_t *latency;   /* of each FINAL, us */
	int64_t bal[8];      /* a rollup's: deposits, then each final payment */
};

static void push(struct pay **v, size_t *n, size_t *cap, struct pay p)
{
	if (*n == *cap)
		*v = realloc(*v, (*cap = *cap ? 2 * *cap : 256) * sizeof(**v));
	(*v)[(*n)++] = p;
}

static void on_pay(void *ctx, const struct runner *r, const struct run_event *ev)
{
	(void)r;
	struct told *t = ctx;
	if (ev->kind == RUN_EV_SCHEME_STEP) {
		t->reverted += strstr(ev->u.scheme_step.what, "reverted") != NULL;
		return;
	}
	struct pay p = { .t_us = ev->u.scheme_pay.t_us, .amount = ev->u.scheme_pay.amount.units,
			 .from = ev->u.scheme_pay.from, .to = ev->u.scheme_pay.to,
			 .withdrawal = ev->u.scheme_pay.withdrawal };
	switch (ev->u.scheme_pay.step) {
	case RUN_SCHEME_PAY_OK:
		push(&t->ok, &t->nok, &t->cap_ok, p);
		break;
	case RUN_SCHEME_PAY_FAILED:
		t->failed++;
		break;
	case RUN_SCHEME_PAY_FINAL: {
		size_t cap = t->cap_final;
		push(&t->final, &t->nfinal, &t->cap_final, p);
		if (cap != t->cap_final)
			t->latency = realloc(t->latency, t->cap_final * sizeof(*t->latency));
		uint64_t at = ev->u.scheme_pay.final_ms * 1000;
		t->latency[t->nfinal - 1] = at > p.t_us ? at - p.t_us : 0;
		if (p.from < 8 && p.to < 8) {
			t->bal[p.from] -= (int64_t)p.amount;
			if (!p.withdrawal)
				t->bal[p.to] += (int64_t)p.amount;
		}
		break;
	}
	}
}

static int cmp_pay(const void *a, const void *b)
{
	const struct pay *x = a, *y = b;
	if (x->t_us != y->t_us)
		return (x->t_us > y->t_us) - (x->t_us < y->t_us);
	if (x->from != y->from)
		return (x->from > y->from) - (x->from < y->from);
	if (x->to != y->to)
		return (x->to > y->to) - (x->to < y->to);
	if (x->amount != y->amount)
		return (x->amount > y->amount) - (x->amount < y->amount);
	return (int)x->withdrawal - (int)y->withdrawal;
}

/* Parties op, ann, bob, cat, val; Poisson workloads via `via` of 2000 payments a second
 * in one-second blocks 2 to 29, and 6000 more from block 20 on (r: an optimistic
 * rollup whose operator slips a fraud into a batch that val proves, so that the
 * batches cut after it are undone; s: a sidechain; l1), each party funded at block 0
 * where the scheme needs it. The rollup's store wraps around its ring of chunks
 * (4096 payments each) at the first rate, then doubles it twice at the second. */
/* rw: a rollup's script payments an hour apart, some of 2^33 units and more, so that
 * the store's chunk keeps them in 64 bits from its third payment on; and a Poisson
 * workload of 3 a second after them. */
static const char WIDE[] =
	"{\"format\": \"l2sim/1\", \"name\": \"wide\", \"seed\": 5,"
	" \"l1\": {\"block_interval_s\": 3600, \"confirmations\": 1},"
	" \"parties\": [{\"name\": \"op\", \"balance\": 100000000000000}, {\"name\": \"ann\", \"balance\": 100000000000000},"
	" {\"name\": \"bob\", \"balance\": 100000000000000}],"
	" \"rollups\": [{\"id\": \"r\", \"kind\": \"optimistic\", \"operator\": \"op\", \"batch_every_blocks\": 3,"
	" \"challenge_blocks\": 2}],"
	" \"script\": [{\"at\": 0, \"action\": \"rollup_deposit\", \"rollup\": \"r\", \"party\": \"ann\", \"amount\": 50000000000000},"
	" {\"at\": 0, \"action\": \"rollup_deposit\", \"rollup\": \"r\", \"party\": \"bob\", \"amount\": 50000000000000},"
	" {\"at\": 1, \"action\": \"rollup_pay\", \"rollup\": \"r\", \"from\": \"ann\", \"to\": \"bob\", \"amount\": 7, \"count\": 2},"
	" {\"at\": 2, \"action\": \"rollup_pay\", \"rollup\": \"r\", \"from\": \"bob\", \"to\": \"ann\", \"amount\": 9, \"count\": 3},"
	" {\"at\": 2, \"action\": \"rollup_pay\", \"rollup\": \"r\", \"from\": \"ann\", \"to\": \"bob\", \"amount\": 8589934593, \"count\": 2},"
	" {\"at\": 3, \"action\": \"rollup_withdraw\", \"rollup\": \"r\", \"party\": \"bob\", \"amount\": 4294967296}],"
	" \"workload\": [{\"kind\": \"poisson\", \"rate_per_s\": 3, \"via\": \"r\", \"parties\": \"all\","
	" \"from_block\": 4, \"to_block\": 6, \"amount\": {\"min\": 1, \"max\": 5000000000}}]}";

static struct scenario *load(const char *via)
{
	char text[4096];
	if (strcmp(via, "rw") == 0) {
		struct scn_errors e = { 0 };
		struct scenario *s = scn_load_buffer("wide.json", WIDE, strlen(WIDE), NULL, 0, &e);
		cr_assert_not_null(s, "%s", e.n ? e.lines[0] : "");
		scn_errors_free(&e);
		return s;
	}
	snprintf(text, sizeof(text),
		 "{\"format\": \"l2sim/1\", \"name\": \"pays\", \"seed\": 3,"
		 " \"l1\": {\"block_interval_s\": 1, \"confirmations\": 2, \"block_tx_limit\": 100000},"
		 " \"parties\": [{\"name\": \"op\", \"balance\": 100000000}, {\"name\": \"ann\", \"balance\": 100000000},"
		 " {\"name\": \"bob\", \"balance\": 100000000}, {\"name\": \"cat\", \"balance\": 100000000},"
		 " {\"name\": \"val\", \"balance\": 100000000}],"
		 " \"rollups\": [{\"id\": \"r\", \"kind\": \"optimistic\", \"operator\": \"op\", \"bond\": 1000,"
		 " \"batch_max_txs\": 10000, \"challenge_blocks\": 3, \"verifiers\": [\"val\"]}],"
		 " \"sidechains\": [{\"id\": \"s\", \"federation\": [\"op\", \"ann\", \"bob\"], \"threshold\": 2,"
		 " \"block_interval_s\": 1, \"block_tx_limit\": 10000, \"confirmations\": 2, \"pegin_confirmations\": 1}],"
		 " \"script\": [%s],"
		 " \"workload\": [{\"kind\": \"poisson\", \"rate_per_s\": 2000, \"via\": \"%s\", \"parties\": \"all\","
		 " \"from_block\": 2, \"to_block\": 30, \"amount\": {\"min\": 1, \"max\": 9}},"
		 " {\"kind\": \"poisson\", \"rate_per_s\": 6000, \"via\": \"%s\", \"parties\": \"all\","
		 " \"from_block\": 20, \"to_block\": 30, \"amount\": {\"min\": 1, \"max\": 9}}]}",
		 strcmp(via, "r") == 0
			 ? "{\"at\": 0, \"action\": \"rollup_deposit\", \"rollup\": \"r\", \"party\": \"ann\", \"amount\": 1000000},"
			   " {\"at\": 0, \"action\": \"rollup_deposit\", \"rollup\": \"r\", \"party\": \"bob\", \"amount\": 1000000},"
			   " {\"at\": 0, \"action\": \"rollup_deposit\", \"rollup\": \"r\", \"party\": \"cat\", \"amount\": 1000000},"
			   " {\"at\": 0, \"action\": \"rollup_deposit\", \"rollup\": \"r\", \"party\": \"val\", \"amount\": 1000000},"
			   " {\"at\": 6, \"action\": \"rollup_fraud\", \"rollup\": \"r\", \"amount\": 5000},"
			   " {\"at\": 8, \"action\": \"rollup_withdraw\", \"rollup\": \"r\", \"party\": \"ann\", \"amount\": 777}"
		 : strcmp(via, "s") == 0
			 ? "{\"at\": 0, \"action\": \"peg_in\", \"sidechain\": \"s\", \"party\": \"ann\", \"amount\": 1000000},"
			   " {\"at\": 0, \"action\": \"peg_in\", \"sidechain\": \"s\", \"party\": \"bob\", \"amount\": 1000000},"
			   " {\"at\": 0, \"action\": \"peg_in\", \"sidechain\": \"s\", \"party\": \"cat\", \"amount\": 1000000},"
			   " {\"at\": 0, \"action\": \"peg_in\", \"sidechain\": \"s\", \"party\": \"val\", \"amount\": 1000000},"
			   " {\"at\": 7, \"action\": \"peg_out\", \"sidechain\": \"s\", \"party\": \"bob\", \"amount\": 99}"
			 : "",
		 via, via);
	struct scn_errors e = { 0 };
	struct scenario *s = scn_load_buffer("pays.json", text, strlen(text), NULL, 0, &e);
	cr_assert_not_null(s, "%s", e.n ? e.lines[0] : "");
	scn_errors_free(&e);
	return s;
}

static void rows_equal(const struct obs_scheme_row *a, const struct obs_scheme_row *b, const char *via)
{
	cr_expect_eq(a->ok, b->ok, "%s", via);
	cr_expect_eq(a->failed, b->failed, "%s", via);
	cr_expect_eq(a->final, b->final, "%s", via);
	cr_expect_eq(a->soft_us.total, b->soft_us.total, "%s", via);
	cr_expect_eq(memcmp(&a->final_pcts, &b->final_pcts, sizeof(a->final_pcts)), 0, "%s", via);
}

Test(scheme_pays, groups_tell_the_payments_one_by_one_events_do)
{
	static const char *const vias[] = { "r", "s", "l1", "rw" };
	for (int k = 0; k < 4; k++) {
		const char *via = vias[k];
		struct scenario *s = load(via);
		uint32_t scheme = k == 1 ? scn_scheme_sidechain(s, 0) : k == 2 ? SCN_SCHEME_L1 : scn_scheme_rollup(0);
		struct told t = { 0 };
		struct runner *r = runner_new(s, NULL, false);
		runner_subscribe(r, RUN_EV_MASK(RUN_EV_SCHEME_PAY) | RUN_EV_MASK(RUN_EV_SCHEME_STEP), on_pay, &t);
		runner_run(r);
		cr_assert_not(r->hit_block_cap, "%s", via);
		const struct obs_scheme_row *w = &runner_schemes_obs(r)->row[scheme];
		cr_assert_gt(t.nok, k == 3 ? 20000 : 100000, "%s: %zu payments", via, t.nok);
		cr_expect_eq(w->ok, t.nok, "%s", via);
		cr_expect_eq(w->failed, t.failed, "%s", via);
		cr_expect_eq(w->final, t.nfinal, "%s", via);
		cr_expect_eq(t.nfinal, t.nok, "%s: every accepted payment final at the end", via);
		/* the same payments: what each accepted one was is what became final */
		qsort(t.ok, t.nok, sizeof(*t.ok), cmp_pay);
		qsort(t.final, t.nfinal, sizeof(*t.final), cmp_pay);
		size_t same = 0;
		for (size_t i = 0; i < t.nok && i < t.nfinal; i++)
			same += cmp_pay(&t.ok[i], &t.final[i]) == 0;
		cr_expect_eq(same, t.nok, "%s: the final payments are the accepted ones", via);
		/* the observer's percentiles are those of each payment's latency */
		qsort(t.latency, t.nfinal, sizeof(*t.latency), cmp_u64);
		size_t r50 = (size_t)ceil(0.50 * (double)t.nfinal), r95 = (size_t)ceil(0.95 * (double)t.nfinal);
		cr_expect_eq(w->final_pcts.min, t.latency[0], "%s", via);
		cr_expect_eq(w->final_pcts.p50, t.latency[r50 - 1], "%s", via);
		cr_expect_eq(w->final_pcts.p95, t.latency[r95 - 1], "%s", via);
		cr_expect_eq(w->final_pcts.max, t.latency[t.nfinal - 1], "%s", via);
		if (k == 3) {
			cr_expect_gt(w->final_pcts.max, 1ull << 32, "latencies of more than 2^32 us");
			for (uint32_t p = 0; p < 3; p++)
				cr_expect_eq((int64_t)run_rollup_balance(r, 0, p).units, (p ? 50000000000000 : 0) + t.bal[p],
					     "party %u", p);
		}
		if (k == 0) {
			cr_expect_gt(t.reverted, 0, "the fraud's batch was reverted: later ones undone");
			cr_expect_eq(w->soft_us.total, t.nok);
			for (uint32_t p = 0; p < 5; p++) /* deposits plus the final payments */
				cr_expect_eq((int64_t)run_rollup_balance(r, 0, p).units, (p ? 1000000 : 0) + t.bal[p],
					     "party %u", p);
		}
		/* the same run without a subscriber to single payments: the same rows */
		struct runner *r2 = runner_new(s, NULL, false);
		runner_run(r2);
		rows_equal(&runner_schemes_obs(r2)->row[scheme], w, via);
		runner_free(r2);
		runner_free(r);
		scn_free(s);
		free(t.ok);
		free(t.final);
		free(t.latency);
	}
}
