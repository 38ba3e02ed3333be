/* A randomized property test of sidechains (SPEC section 11): scenarios built from a
 * seeded RNG (random federations and thresholds, slot intervals faster and slower
 * than L1 blocks, tx limits, confirmations, block_bytes, peg-ins, side payments,
 * peg-outs, offline windows, Poisson workloads through `via`, and in one case in three
 * federation thefts), written as JSON and run through the real loader and runner. For
 * every case and after every block:
 *
 *  - L1 conserves money: balances + contract holdings (every peg's) + fees == supply;
 *  - without a theft, every peg holds at least the sum of its sidechain's balances
 *    (nothing is spent on the sidechain that the peg does not back);
 *  - with thefts, the violations are at most one per party and sidechain;
 * and at the end: every final payment was ok first, no payment is both ok and failed
 * more often than it was made, and two runs give the same report and state hash. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/rng.h"
#include "tools/report.h"
#include "tools/run_schemes.h"
#include "tools/runner.h"
#include "tools/scenario.h"

#define CASES 200

struct buf {
	char *s;
	size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		cr_assert_geq(n, 0);
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = 2 * b->cap + (size_t)n + 64;
		b->s = realloc(b->s, b->cap);
		cr_assert_not_null(b->s);
	}
}

struct gen {
	uint32_t nmem[2], nsc, nusers; /* members per sidechain, sidechains, users */
	bool theft;
};

static const char *pick(struct rng *g, const char *const *v, size_t n)
{
	return v[rng_below(g, n)];
}

/* One scenario's JSON (the caller frees it). */
static char *generate(uint64_t seed, struct gen *out)
{
	struct rng g;
	rng_init(&g, seed, 77);
	struct buf b = { 0 };
	struct gen x = { .nsc = 1 + (uint32_t)rng_below(&g, 2), .nusers = 2 + (uint32_t)rng_below(&g, 3),
			 .theft = rng_below(&g, 3) == 0 };
	static const char *const l1_iv[] = { "60", "600", "30" };
	uint32_t m[2];
	for (uint32_t s = 0; s < x.nsc; s++) {
		x.nmem[s] = 1 + (uint32_t)rng_below(&g, 5);
		m[s] = 1 + (uint32_t)rng_below(&g, x.nmem[s]);
	}
	put(&b, "{\"format\":\"l2sim/1\",\"name\":\"p%llu\",\"seed\":%llu,\"l1\":{\"block_interval_s\":%s,"
		"\"confirmations\":%u,\"fee\":%u",
	    (unsigned long long)seed, (unsigned long long)seed, pick(&g, l1_iv, 3), 1 + (unsigned)rng_below(&g, 3),
	    (unsigned)rng_below(&g, 3));
	if (rng_below(&g, 3) == 0) /* room for the largest release and a few more txs */
		put(&b, ",\"block_bytes\":%u", 250 + 64 * 5 + (unsigned)rng_below(&g, 600));
	put(&b, "},\"parties\":[");
	for (uint32_t s = 0; s < x.nsc; s++)
		for (uint32_t i = 0; i < x.nmem[s]; i++)
			put(&b, "%s{\"name\":\"f%u_%u\",\"balance\":%u}", s || i ? "," : "", s, i, (unsigned)rng_below(&g, 20));
	for (uint32_t u = 0; u < x.nusers; u++)
		put(&b, ",{\"name\":\"u%u\",\"balance\":%u}", u, 500 + (unsigned)rng_below(&g, 4000));
	put(&b, "],\"sidechains\":[");
	static const char *const iv[] = { "1", "20", "60", "90", "700", "0.5" };
	for (uint32_t s = 0; s < x.nsc; s++) {
		put(&b, "%s{\"id\":\"s%u\",\"federation\":[", s ? "," : "", s);
		for (uint32_t i = 0; i < x.nmem[s]; i++)
			put(&b, "%s\"f%u_%u\"", i ? "," : "", s, i);
		put(&b, "],\"threshold\":%u,\"block_interval_s\":%s,\"block_tx_limit\":%u,\"confirmations\":%u,"
			"\"pegin_confirmations\":%u}",
		    m[s], pick(&g, iv, 6), rng_below(&g, 4) ? 1 + (unsigned)rng_below(&g, 4) : 10000,
		    1 + (unsigned)rng_below(&g, 3), 1 + (unsigned)rng_below(&g, 4));
	}
	put(&b, "],\"script\":[");
	uint32_t nact = 4 + (uint32_t)rng_below(&g, 14);
	for (uint32_t k = 0; k < nact; k++) {
		uint32_t s = (uint32_t)rng_below(&g, x.nsc), u = (uint32_t)rng_below(&g, x.nusers);
		uint32_t v = (u + 1 + (uint32_t)rng_below(&g, x.nusers - 1)) % x.nusers;
		unsigned at = k < 2 ? 0 : (unsigned)rng_below(&g, 12);
		const char *sep = k ? "," : "";
		switch (k < 2 ? 0 : rng_below(&g, x.theft ? 6 : 5)) {
		case 0:
			put(&b, "%s{\"at\":%u,\"action\":\"peg_in\",\"sidechain\":\"s%u\",\"party\":\"u%u\",\"amount\":%u}", sep,
			    at, s, u, 1 + (unsigned)rng_below(&g, 600));
			break;
		case 1:
			put(&b, "%s{\"at\":%u,\"action\":\"side_pay\",\"sidechain\":\"s%u\",\"from\":\"u%u\",\"to\":\"u%u\","
				"\"amount\":%u,\"count\":%u}",
			    sep, at, s, u, v, 1 + (unsigned)rng_below(&g, 300), 1 + (unsigned)rng_below(&g, 3));
			break;
		case 2:
			put(&b, "%s{\"at\":%u,\"action\":\"peg_out\",\"sidechain\":\"s%u\",\"party\":\"u%u\",\"amount\":%u}", sep,
			    at, s, u, 1 + (unsigned)rng_below(&g, 300));
			break;
		case 3: {
			uint32_t f = (uint32_t)rng_below(&g, x.nmem[s]);
			put(&b, "%s{\"at\":%u,\"action\":\"offline\",\"party\":\"f%u_%u\"", sep, at, s, f);
			if (rng_below(&g, 5))
				put(&b, ",\"blocks\":%u", 1 + (unsigned)rng_below(&g, 4));
			put(&b, "}");
			break;
		}
		case 4:
			put(&b, "%s{\"at\":%u,\"action\":\"offline\",\"party\":\"u%u\",\"blocks\":%u}", sep, at, u,
			    1 + (unsigned)rng_below(&g, 3));
			break;
		default: { /* a theft by some members (and maybe a user) */
			uint32_t n = 1 + (uint32_t)rng_below(&g, x.nmem[s]);
			put(&b, "%s{\"at\":%u,\"action\":\"federation_steal\",\"sidechain\":\"s%u\",\"by\":[", sep, at, s);
			for (uint32_t i = 0; i < n; i++)
				put(&b, "%s\"f%u_%u\"", i ? "," : "", s, i);
			if (rng_below(&g, 3) == 0)
				put(&b, ",\"u%u\"", u);
			put(&b, "],\"amount\":%u}", 1 + (unsigned)rng_below(&g, 900));
			break;
		}
		}
	}
	put(&b, "]");
	if (rng_below(&g, 2))
		put(&b, ",\"workload\":[{\"kind\":\"poisson\",\"rate_per_s\":%s,\"from_block\":1,\"to_block\":%u,"
			"\"amount\":{\"min\":1,\"max\":50},\"via\":\"s%u\",\"parties\":\"all\"}]",
		    rng_below(&g, 2) ? "0.05" : "0.5", 2 + (unsigned)rng_below(&g, 6), (unsigned)rng_below(&g, x.nsc));
	put(&b, "}");
	*out = x;
	return b.s;
}

struct watch {
	const char *text;
	bool theft_seen;
	uint64_t ok, failed, final, violations;
	uint64_t credited, released;   /* peg-ins credited, releases paid */
	uint64_t blocks;
};

static void on_block(void *ctx, const struct runner *r)
{
	struct watch *w = ctx;
	w->blocks++;
	cr_assert(l1_chain_conserved(r->chain), "conservation broken at block %llu: %s",
		  (unsigned long long)r->chain->height, w->text);
	if (w->theft_seen)
		return;
	for (uint32_t s = 0; s < r->s->nsidechains; s++) {
		uint64_t sum = 0;
		for (uint32_t p = 0; p < r->s->nparties; p++)
			sum += run_sidechain_balance(r, s, p).units;
		cr_assert_geq(run_sidechain_holdings(r, s).units, sum, "sidechain %u unbacked at block %llu: %s", s,
			      (unsigned long long)r->chain->height, w->text);
	}
}

static void on_event(void *ctx, const struct runner *r, const struct run_event *e)
{
	(void)r;
	struct watch *w = ctx;
	if (e->kind == RUN_EV_SCHEME_PAY) {
		if (e->u.scheme_pay.step == RUN_SCHEME_PAY_OK)
			w->ok++;
		else if (e->u.scheme_pay.step == RUN_SCHEME_PAY_FAILED)
			w->failed++;
		else
			w->final++;
	} else if (e->kind == RUN_EV_SCHEME_VIOLATION) {
		w->violations++;
	} else if (e->kind == RUN_EV_SCHEME_STEP) {
		const char *what = e->u.scheme_step.what;
		w->theft_seen |= strstr(what, "THEFT") != NULL;
		w->credited += strncmp(what, "peg-in", 6) == 0 && strstr(what, "credited") != NULL;
		w->released += strncmp(what, "release", 7) == 0 && strstr(what, " paid ") != NULL;
	}
}

/* Runs text; returns its JSON report (the caller frees it) and the state hash. */
static char *run_once(const char *text, struct watch *w, uint8_t hash[32])
{
	struct scn_errors errs = { 0 }, failures = { 0 };
	struct scenario *s = scn_load_buffer("prop.json", text, strlen(text), NULL, 0, &errs);
	cr_assert_not_null(s, "refused (%s): %s", errs.n ? errs.lines[0] : "?", text);
	scn_errors_free(&errs);
	struct runner *r = runner_new(s, NULL, false);
	memset(w, 0, sizeof(*w));
	w->text = text;
	r->on_block = on_block;
	r->on_block_ctx = w;
	runner_subscribe(r,
			 RUN_EV_MASK(RUN_EV_SCHEME_PAY) | RUN_EV_MASK(RUN_EV_SCHEME_STEP) |
				 RUN_EV_MASK(RUN_EV_SCHEME_VIOLATION),
			 on_event, w);
	runner_run(r);
	l1_chain_state_hash(r->chain, hash);
	char *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	cr_assert_not_null(f);
	report_json(f, r, &failures);
	fclose(f);
	cr_assert_leq(w->violations, (uint64_t)s->nparties * s->nsidechains, "%s", text);
	if (!w->theft_seen)
		cr_assert_eq(w->violations, 0, "a violation without a theft: %s", text);
	cr_assert_leq(w->final, w->ok, "%s", text);
	runner_free(r);
	scn_free(s);
	scn_errors_free(&failures);
	return json;
}

Test(sidechain_property, random_sidechains_conserve_and_repeat)
{
	uint64_t thefts = 0, ok = 0, final = 0, failed = 0, violations = 0, blocks = 0, credited = 0, released = 0;
	for (uint64_t c = 0; c < CASES; c++) {
		struct gen x;
		char *text = generate(1000 + c, &x);
		struct watch w1, w2;
		uint8_t h1[32], h2[32];
		char *j1 = run_once(text, &w1, h1);
		char *j2 = run_once(text, &w2, h2);
		cr_assert_str_eq(j1, j2, "two runs differ: %s", text);
		cr_assert(memcmp(h1, h2, 32) == 0, "two state hashes differ: %s", text);
		thefts += w1.theft_seen;
		ok += w1.ok;
		final += w1.final;
		failed += w1.failed;
		violations += w1.violations;
		blocks += w1.blocks;
		credited += w1.credited;
		released += w1.released;
		free(j1);
		free(j2);
		free(text);
	}
	cr_log_info("sidechain property: %d scenarios, %llu blocks; payments %llu ok, %llu final, %llu failed; "
		    "%llu peg-ins credited, %llu releases paid; %llu with a theft included, %llu violations",
		    CASES, (unsigned long long)blocks, (unsigned long long)ok, (unsigned long long)final,
		    (unsigned long long)failed, (unsigned long long)credited, (unsigned long long)released,
		    (unsigned long long)thefts, (unsigned long long)violations);
	cr_assert_gt(ok, 0);
	cr_assert_gt(final, 0);
	cr_assert_gt(failed, 0);
	cr_assert_gt(credited, 0);
	cr_assert_gt(released, 0);
	cr_assert_gt(thefts, 0, "some case must include a theft");
	cr_assert_gt(violations, 0);
}
