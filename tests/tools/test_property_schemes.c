/* Randomized property test of SPEC section 11: generated scenarios over every scheme
 * on one Layer1 (L1 transfers, optimistic and validity rollups, a federated
 * sidechain, block bytes), fed through the real loader and runner as a user's file is.
 * For every case:
 *
 *  - the loader accepts the file (a generator bug fails loudly, with the JSON);
 *  - after every block, balances + every contract's holdings (the rollup and peg
 *    contracts' included) + fees == the starting supply, and no block holds more bytes
 *    than l1.block_bytes;
 *  - the run ends by itself (SPEC section 9 with section 11's rules) within the cap;
 *  - the schemes table adds up: every included tx of the run is counted by exactly one
 *    scheme (sum of l1_txs and l1_bytes == the chain's), payments_final <= payments_ok,
 *    and at the end of a run every accepted l1 and rollup payment is final;
 *  - with no rollup_fraud, no rollup reports a violation, and its contract holds
 *    exactly its balances plus the bond (once its operator is online and can pay its
 *    fees); with no federation_steal, no sidechain reports a violation and its peg
 *    holds at least its balances; `l1` never has one;
 *  - two runs give byte-identical JSON reports (determinism).
 *
 * `make test` runs 500 cases; L2SIM_PROPERTY_COUNT and L2SIM_PROPERTY_FIRST as in
 * test_property.c; L2SIM_PROPERTY_DUMP=DIR writes every scenario to DIR/schemes-SEED.json.
 */
#include <criterion/criterion.h>
#include <cJSON.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/chain.h"
#include "l1sim/rng.h"
#include "l2/l2.h"
#include "tools/report.h"
#include "tools/run_schemes.h"
#include "tools/runner.h"
#include "tools/scenario.h"

#define NP 6
#define DEFAULT_COUNT 500
#define MAX_BLOCKS 20000

struct gen {
	struct rng g;
	uint32_t np;
	uint64_t balance[NP];
	uint32_t nrollups, nsides;
	uint32_t threshold;        /* of sidechain 0 */
	bool fraud[2], theft;      /* a rollup_fraud of rollup i; a federation_steal */
	uint64_t block_bytes;
	cJSON *root;
	char *json;
};

static uint64_t below(struct gen *G, uint64_t n) { return n ? rng_below(&G->g, n) : 0; }
static bool chance(struct gen *G, unsigned pct) { return below(G, 100) < pct; }
static const char *pname(uint32_t i)
{
	static const char *const names[NP] = { "p0", "p1", "p2", "p3", "p4", "p5" };
	return names[i];
}
static uint32_t other(struct gen *G, uint32_t p)
{
	uint32_t q = (uint32_t)below(G, G->np - 1);
	return q >= p ? q + 1 : q;
}

static void add_action(struct gen *G, cJSON *script, const char *kind, uint64_t at)
{
	cJSON *a = cJSON_CreateObject();
	cJSON_AddNumberToObject(a, "at", (double)at);
	cJSON_AddStringToObject(a, "action", kind);
	cJSON_AddItemToArray(script, a);
	(void)G;
}
static cJSON *last(cJSON *arr)
{
	cJSON *c = arr->child;
	while (c && c->next)
		c = c->next;
	return c;
}

static void generate(struct gen *G, uint64_t seed)
{
	memset(G, 0, sizeof(*G));
	rng_init(&G->g, seed, 15);
	cJSON *root = G->root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "format", "l2sim/1");
	cJSON_AddStringToObject(root, "name", "prop-schemes");
	cJSON_AddNumberToObject(root, "seed", (double)(seed % 1000));
	G->np = 3 + (uint32_t)below(G, NP - 2);
	G->nrollups = (uint32_t)below(G, 3);
	G->nsides = (uint32_t)below(G, 2);
	G->threshold = 1;
	uint32_t fed = 1 + (uint32_t)below(G, 3);
	if (G->nsides)
		G->threshold = 1 + (uint32_t)below(G, fed);

	cJSON *l1 = cJSON_AddObjectToObject(root, "l1");
	cJSON_AddNumberToObject(l1, "block_interval_s", (double)(30 + 30 * below(G, 3)));
	cJSON_AddNumberToObject(l1, "block_tx_limit", (double)(2 + below(G, 30)));
	cJSON_AddNumberToObject(l1, "confirmations", (double)(1 + below(G, 3)));
	cJSON_AddNumberToObject(l1, "fee", (double)below(G, 3));
	cJSON_AddNumberToObject(l1, "dispute_timeout_blocks", 5);
	if (chance(G, 60)) {
		uint64_t lo = 250 + 64 * (uint64_t)G->threshold;
		if (lo < 600) /* a validity batch of one payment is 512 bytes, a fraud proof 500 */
			lo = 600;
		G->block_bytes = lo + below(G, 2000);
		cJSON_AddNumberToObject(l1, "block_bytes", (double)G->block_bytes);
	}
	cJSON *parties = cJSON_AddArrayToObject(root, "parties");
	for (uint32_t i = 0; i < G->np; i++) {
		G->balance[i] = below(G, 4) ? 200 + below(G, 5000) : 0;
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", pname(i));
		cJSON_AddNumberToObject(p, "balance", (double)G->balance[i]);
		cJSON_AddItemToArray(parties, p);
	}
	if (G->nrollups) {
		cJSON *rs = cJSON_AddArrayToObject(root, "rollups");
		for (uint32_t k = 0; k < G->nrollups; k++) {
			cJSON *r = cJSON_CreateObject();
			char id[16];
			snprintf(id, sizeof(id), "r%u", k);
			cJSON_AddStringToObject(r, "id", id);
			bool optimistic = chance(G, 60);
			cJSON_AddStringToObject(r, "kind", optimistic ? "optimistic" : "validity");
			uint32_t op = (uint32_t)below(G, G->np);
			if (G->balance[op] < 200) { /* an operator that cannot pay batch fees never ends a run (SPEC 9) */
				G->balance[op] = 200 + below(G, 5000);
				cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(parties, (int)op), "balance",
								       cJSON_CreateNumber((double)G->balance[op]));
			}
			cJSON_AddStringToObject(r, "operator", pname(op));
			cJSON_AddNumberToObject(r, "bond", (double)below(G, G->balance[op] / 4 + 1));
			cJSON_AddNumberToObject(r, "batch_every_blocks", (double)(1 + below(G, 3)));
			cJSON_AddNumberToObject(r, "batch_max_txs", (double)(1 + below(G, 8)));
			if (optimistic) {
				cJSON_AddNumberToObject(r, "challenge_blocks", (double)(1 + below(G, 5)));
				cJSON *v = cJSON_AddArrayToObject(r, "verifiers");
				for (uint32_t i = 0; i < G->np; i++)
					if (i != op && chance(G, 35))
						cJSON_AddItemToArray(v, cJSON_CreateString(pname(i)));
			} else {
				cJSON_AddNumberToObject(r, "prove_blocks", (double)(1 + below(G, 2)));
			}
			cJSON_AddItemToArray(rs, r);
		}
	}
	if (G->nsides) {
		cJSON *ss = cJSON_AddArrayToObject(root, "sidechains");
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "id", "side");
		cJSON *f = cJSON_AddArrayToObject(s, "federation");
		uint32_t first = (uint32_t)below(G, G->np - fed + 1);
		for (uint32_t i = 0; i < fed; i++)
			cJSON_AddItemToArray(f, cJSON_CreateString(pname(first + i)));
		cJSON_AddNumberToObject(s, "threshold", G->threshold);
		cJSON_AddNumberToObject(s, "block_interval_s", (double)(20 + 20 * below(G, 5)));
		cJSON_AddNumberToObject(s, "confirmations", (double)(1 + below(G, 3)));
		cJSON_AddNumberToObject(s, "pegin_confirmations", (double)(1 + below(G, 4)));
		cJSON_AddItemToArray(ss, s);
	}

	cJSON *script = cJSON_AddArrayToObject(root, "script");
	/* Funding first, so that most payments have something to move. */
	for (uint32_t k = 0; k < G->nrollups + G->nsides; k++)
		for (uint32_t p = 0; p < G->np; p++) {
			if (G->balance[p] < 100 || !chance(G, 60))
				continue;
			bool side = k >= G->nrollups;
			add_action(G, script, side ? "peg_in" : "rollup_deposit", below(G, 3));
			cJSON *a = last(script);
			char id[16];
			snprintf(id, sizeof(id), "r%u", k);
			cJSON_AddStringToObject(a, side ? "sidechain" : "rollup", side ? "side" : id);
			cJSON_AddStringToObject(a, "party", pname(p));
			cJSON_AddNumberToObject(a, "amount", (double)(1 + below(G, G->balance[p] / 3)));
		}
	uint32_t na = 4 + (uint32_t)below(G, 20);
	for (uint32_t i = 0; i < na; i++) {
		uint64_t at = below(G, 12);
		uint32_t from = (uint32_t)below(G, G->np), to = other(G, from);
		uint64_t amount = 1 + below(G, 300);
		unsigned pick = (unsigned)below(G, 100);
		if (pick < 20) {
			add_action(G, script, "transfer", at);
			cJSON *a = last(script);
			cJSON_AddStringToObject(a, "from", pname(from));
			cJSON_AddStringToObject(a, "to", pname(chance(G, 5) ? from : to)); /* from = to fails */
			cJSON_AddNumberToObject(a, "amount", (double)amount);
			if (chance(G, 40))
				cJSON_AddNumberToObject(a, "count", (double)(1 + below(G, 8)));
		} else if (pick < 60 && G->nrollups) {
			uint32_t k = (uint32_t)below(G, G->nrollups);
			char id[16];
			snprintf(id, sizeof(id), "r%u", k);
			static const char *const kinds[] = { "rollup_deposit", "rollup_deposit", "rollup_pay", "rollup_pay",
							     "rollup_pay", "rollup_withdraw", "rollup_fraud" };
			const char *kind = kinds[below(G, 7)];
			if (strcmp(kind, "rollup_fraud") == 0 && !chance(G, 50))
				kind = "rollup_pay";
			add_action(G, script, kind, at);
			cJSON *a = last(script);
			cJSON_AddStringToObject(a, "rollup", id);
			if (strcmp(kind, "rollup_pay") == 0) {
				cJSON_AddStringToObject(a, "from", pname(from));
				cJSON_AddStringToObject(a, "to", pname(to));
				if (chance(G, 40))
					cJSON_AddNumberToObject(a, "count", (double)(1 + below(G, 6)));
			} else if (strcmp(kind, "rollup_fraud") != 0) {
				cJSON_AddStringToObject(a, "party", pname(from));
			} else {
				G->fraud[k] = true;
			}
			cJSON_AddNumberToObject(a, "amount", (double)amount);
		} else if (pick < 90 && G->nsides) {
			static const char *const kinds[] = { "peg_in", "peg_in", "side_pay", "side_pay", "peg_out",
							     "federation_steal" };
			const char *kind = kinds[below(G, 6)];
			if (strcmp(kind, "federation_steal") == 0 && !chance(G, 40))
				kind = "side_pay";
			add_action(G, script, kind, at);
			cJSON *a = last(script);
			cJSON_AddStringToObject(a, "sidechain", "side");
			if (strcmp(kind, "side_pay") == 0) {
				cJSON_AddStringToObject(a, "from", pname(from));
				cJSON_AddStringToObject(a, "to", pname(to));
			} else if (strcmp(kind, "federation_steal") == 0) {
				G->theft = true;
				cJSON *by = cJSON_AddArrayToObject(a, "by");
				uint32_t n = 1 + (uint32_t)below(G, 3);
				for (uint32_t j = 0; j < n; j++)
					cJSON_AddItemToArray(by, cJSON_CreateString(pname((from + j) % G->np)));
			} else {
				cJSON_AddStringToObject(a, "party", pname(from));
			}
			cJSON_AddNumberToObject(a, "amount", (double)amount);
		} else {
			add_action(G, script, "offline", at);
			cJSON *a = last(script);
			cJSON_AddStringToObject(a, "party", pname(from));
			cJSON_AddNumberToObject(a, "blocks", (double)(1 + below(G, 6)));
		}
	}
	if (chance(G, 40)) {
		cJSON *ws = cJSON_AddArrayToObject(root, "workload");
		cJSON *w = cJSON_CreateObject();
		cJSON_AddStringToObject(w, "kind", "poisson");
		cJSON_AddNumberToObject(w, "rate_per_s", 0.02 + 0.01 * (double)below(G, 10));
		uint32_t nvia = 1 + G->nrollups + G->nsides;
		uint32_t via = (uint32_t)below(G, nvia);
		char id[16];
		if (via == 0)
			snprintf(id, sizeof(id), "l1");
		else if (via <= G->nrollups)
			snprintf(id, sizeof(id), "r%u", via - 1);
		else
			snprintf(id, sizeof(id), "side");
		cJSON_AddStringToObject(w, "via", id);
		cJSON_AddStringToObject(w, "parties", "all");
		cJSON_AddNumberToObject(w, "from_block", (double)(1 + below(G, 3)));
		cJSON_AddNumberToObject(w, "to_block", (double)(4 + below(G, 8)));
		cJSON *am = cJSON_AddObjectToObject(w, "amount");
		cJSON_AddNumberToObject(am, "min", 1);
		cJSON_AddNumberToObject(am, "max", (double)(1 + below(G, 100)));
		cJSON_AddItemToArray(ws, w);
	}
	G->json = cJSON_Print(root);
	cr_assert(G->json);
}

/* ---- checks ---- */

/* What the cases exercised, printed at the end (so that a generator that stops
 * reaching a feature shows). */
static struct {
	uint64_t ok[3], final[3], failed[3], violations[3]; /* l1, rollups, sidechains */
	uint64_t frauds, thefts;
} stats;

struct ctx {
	const struct gen *G;
	uint64_t seed;
	uint64_t supply;
	uint64_t last_bytes;      /* c->bytes_included after the block before */
	char failure[600];
};

static void failf(struct ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void failf(struct ctx *x, const char *fmt, ...)
{
	if (x->failure[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->failure, sizeof(x->failure), fmt, ap);
	va_end(ap);
}
#define CHECK(x, cond, ...) do { if (!(cond)) failf((x), __VA_ARGS__); } while (0)

static void on_block(void *vctx, const struct runner *r)
{
	struct ctx *x = vctx;
	const struct l1_chain *c = r->chain;
	CHECK(x, l1_chain_conserved(c), "block %" PRIu64 ": balances + contracts + fees != supply", c->height);
	uint64_t bytes = c->bytes_included - x->last_bytes;
	if (x->G->block_bytes)
		CHECK(x, bytes <= x->G->block_bytes, "block %" PRIu64 " holds %" PRIu64 " bytes, more than %" PRIu64,
		      c->height, bytes, x->G->block_bytes);
	x->last_bytes = c->bytes_included;
}

static char *report_of(struct runner *r)
{
	struct scn_errors failures = { 0 };
	report_check_expect(r, &failures);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert(f);
	report_json(f, r, &failures);
	fclose(f);
	scn_errors_free(&failures);
	return buf;
}

static uint64_t num(struct ctx *x, const cJSON *o, const char *key)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
	if (cJSON_IsString(j))
		return strtoull(j->valuestring, NULL, 10);
	CHECK(x, cJSON_IsNumber(j), "report: %s is not a number", key);
	return cJSON_IsNumber(j) ? (uint64_t)j->valuedouble : 0;
}

static void check_schemes(struct ctx *x, const struct runner *r, const char *report)
{
	const struct scenario *s = r->s;
	cJSON *root = cJSON_Parse(report);
	cr_assert(root, "the report is not JSON");
	const cJSON *schemes = cJSON_GetObjectItemCaseSensitive(root, "schemes");
	/* A file that uses nothing of section 11 (only offline actions were drawn) reports
	 * as before SPEC section 11: no table. */
	CHECK(x, cJSON_IsObject(schemes) == (s->schemes_feature != NULL), "the report %s a schemes table, the file %s section 11",
	      schemes ? "has" : "has no", s->schemes_feature ? "uses" : "does not use");
	if (!schemes) {
		CHECK(x, r->chain->txs_included == 0, "no scheme, yet %" PRIu64 " L1 txs", r->chain->txs_included);
		cJSON_Delete(root);
		return;
	}
	uint64_t txs = 0, bytes = 0;
	for (const cJSON *e = schemes ? schemes->child : NULL; e; e = e->next) {
		uint64_t ok = num(x, e, "payments_ok"), fin = num(x, e, "payments_final");
		txs += num(x, e, "l1_txs");
		bytes += num(x, e, "l1_bytes");
		CHECK(x, fin <= ok, "schemes.%s: %" PRIu64 " final of %" PRIu64 " ok", e->string, fin, ok);
		uint64_t v = num(x, e, "violations");
		int k = strcmp(e->string, "l1") == 0 ? 0 : e->string[0] == 'r' ? 1 : strcmp(e->string, "side") == 0 ? 2 : -1;
		if (k >= 0) {
			stats.ok[k] += ok;
			stats.final[k] += fin;
			stats.failed[k] += num(x, e, "payments_failed");
			stats.violations[k] += v;
		}
		bool rollup = e->string[0] == 'r';
		/* SPEC 9 with section 11: an offline operator's unbatched payments do not hold
		 * the run open, so they may end it not final. */
		bool op_online = false;
		if (rollup) {
			/* ... and those of an operator that cannot pay a batch's fee any more are
			 * cut, dropped and cut again until the block cap (SPEC as written). */
			const struct l2_party *op = &r->net->parties[s->rollups[e->string[1] - '0'].operator_party];
			op_online = op->online && l1_chain_balance(r->chain, op->account).units >= s->fee.units;
		}
		if (strcmp(e->string, "l1") == 0 || op_online)
			CHECK(x, fin == ok, "schemes.%s: the run ended with %" PRIu64 " of %" PRIu64 " payments not final",
			      e->string, ok - fin, ok);
		if (strcmp(e->string, "l1") == 0)
			CHECK(x, v == 0, "schemes.l1 has %" PRIu64 " violations", v);
		if (rollup && !x->G->fraud[e->string[1] - '0'])
			CHECK(x, v == 0, "schemes.%s: %" PRIu64 " violations without a fraud", e->string, v);
		if (strcmp(e->string, "side") == 0 && !x->G->theft)
			CHECK(x, v == 0, "schemes.side: %" PRIu64 " violations without a theft", v);
	}
	CHECK(x, txs == r->chain->txs_included, "the schemes count %" PRIu64 " L1 txs, the chain included %" PRIu64, txs,
	      r->chain->txs_included);
	CHECK(x, bytes == r->chain->bytes_included, "the schemes count %" PRIu64 " L1 bytes, the chain %" PRIu64, bytes,
	      r->chain->bytes_included);
	for (uint32_t k = 0; k < s->nrollups; k++) {
		if (x->G->fraud[k])
			continue;
		uint64_t sum = 0;
		for (uint32_t p = 0; p < s->nparties; p++)
			sum += run_rollup_balance(r, k, p).units;
		uint64_t held = run_rollup_holdings(r, k).units;
		CHECK(x, held == sum + s->rollups[k].bond.units,
		      "rollup %s holds %" PRIu64 ", its balances add up to %" PRIu64 " and the bond is %" PRIu64,
		      s->rollups[k].id, held, sum, s->rollups[k].bond.units);
	}
	if (s->nsidechains && !x->G->theft) {
		uint64_t sum = 0;
		for (uint32_t p = 0; p < s->nparties; p++)
			sum += run_sidechain_balance(r, 0, p).units;
		/* Backed: a peg-out whose release was dropped (SPEC: not submitted again) leaves
		 * its amount burned on the sidechain and still in the peg. */
		CHECK(x, run_sidechain_holdings(r, 0).units >= sum, "the peg holds %" PRIu64 ", less than the sidechain balances %" PRIu64,
		      run_sidechain_holdings(r, 0).units, sum);
	}
	cJSON_Delete(root);
}

static void run_case(uint64_t seed, uint64_t *blocks, uint64_t *txs)
{
	struct gen G;
	generate(&G, seed);
	const char *dump = getenv("L2SIM_PROPERTY_DUMP");
	if (dump && *dump) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/schemes-%" PRIu64 ".json", dump, seed);
		FILE *f = fopen(path, "w");
		cr_assert(f, "cannot write %s", path);
		fprintf(f, "%s\n", G.json);
		fclose(f);
	}
	struct scn_errors errs = { 0 };
	struct scenario *s = scn_load_buffer("schemes.json", G.json, strlen(G.json), NULL, 0, &errs);
	cr_assert(s, "seed %" PRIu64 ": the loader refused the generated scenario (%s):\n%s", seed,
		  errs.n ? errs.lines[0] : "?", G.json);
	scn_errors_free(&errs);
	char *reports[2];
	for (int run = 0; run < 2; run++) {
		struct ctx x = { .G = &G, .seed = seed };
		struct runner *r = runner_new(s, NULL, run == 0);
		r->max_blocks = MAX_BLOCKS;
		r->on_block = on_block;
		r->on_block_ctx = &x;
		runner_run(r);
		/* SPEC 9 as written: an online operator with payments to batch holds a run open,
		 * even when it cannot pay a batch's fee (each batch is dropped and cut again),
		 * so such a run stops at the cap; nothing else may. */
		bool broke_operator = false;
		for (uint32_t k = 0; k < s->nrollups; k++) {
			const struct l2_party *op = &r->net->parties[s->rollups[k].operator_party];
			broke_operator |= op->online && l1_chain_balance(r->chain, op->account).units < s->fee.units;
		}
		CHECK(&x, !r->hit_block_cap || broke_operator, "the run did not end within %d blocks", MAX_BLOCKS);
		reports[run] = report_of(r);
		if (run == 0) {
			check_schemes(&x, r, reports[0]);
			*blocks += r->chain->height;
			*txs += r->chain->txs_included;
		}
		runner_free(r);
		cr_assert(!x.failure[0], "seed %" PRIu64 ": %s\nscenario:\n%s", seed, x.failure, G.json);
	}
	cr_assert_str_eq(reports[0], reports[1], "seed %" PRIu64 ": two runs gave different reports\n%s", seed, G.json);
	free(reports[0]);
	free(reports[1]);
	scn_free(s);
	free(G.json);
	cJSON_Delete(G.root);
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);
	return v && *v ? strtoull(v, NULL, 10) : dflt;
}

Test(property_schemes, generated_scenarios_over_every_scheme, .timeout = 0)
{
	uint64_t first = env_u64("L2SIM_PROPERTY_FIRST", 1), count = env_u64("L2SIM_PROPERTY_COUNT", DEFAULT_COUNT);
	uint64_t blocks = 0, txs = 0;
	for (uint64_t i = 0; i < count; i++)
		run_case(first + i, &blocks, &txs);
	fprintf(stderr, "property (schemes): %" PRIu64 " generated scenarios, %" PRIu64 " blocks, %" PRIu64 " L1 txs\n",
		count, blocks, txs);
	static const char *const names[3] = { "l1", "rollups", "sidechains" };
	for (int k = 0; k < 3; k++)
		fprintf(stderr, "  %-10s payments %" PRIu64 " ok (%" PRIu64 " final), %" PRIu64 " failed; %" PRIu64 " violations\n",
			names[k], stats.ok[k], stats.final[k], stats.failed[k], stats.violations[k]);
}
