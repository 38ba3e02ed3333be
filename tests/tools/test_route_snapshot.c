/* A measurement, not a test: routes CLoTH's workload over the 2020 Lightning snapshot
 * (issue 11: 5,000 uniform random payments of 100,000 msat; CLoTH does 34/s). It runs
 * only when L2SIM_SNAPSHOT names the folder of the three CSV files, so make test never
 * needs ../shared/data:
 *
 *   L2SIM_SNAPSHOT=../shared/data/ln-snapshot-2020 build/tests/tools/test_route_snapshot
 *
 * Each payment: up to 3 route searches (SPEC's max_attempts); a route fails at its
 * first hop whose payer's real balance is below the hop's amount (that channel is then
 * excluded); a successful one moves the amounts, so later searches see the sender's
 * new spendable balances. L2SIM_ROUTING=lnd uses lnd's weights. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "l1sim/rng.h"
#include "l1sim/util.h"
#include "l2/route.h"
#include "tools/import.h"

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(route_snapshot, cloth_2020_5000_payments)
{
	const char *dir = getenv("L2SIM_SNAPSHOT");
	if (!dir)
		cr_skip_test("set L2SIM_SNAPSHOT to the snapshot's folder to measure");
	const char *mode_s = getenv("L2SIM_ROUTING");
	enum l2_route_mode mode = mode_s && strcmp(mode_s, "lnd") == 0 ? L2_ROUTE_LND
								       : L2_ROUTE_CHEAPEST;
	char p[3][512], err[IMPORT_ERR_LEN];
	snprintf(p[0], sizeof(p[0]), "%s/nodes.csv", dir);
	snprintf(p[1], sizeof(p[1]), "%s/channels.csv", dir);
	snprintf(p[2], sizeof(p[2]), "%s/edges.csv", dir);

	double t0 = cpu_s();
	struct import_graph ig;
	cr_assert_eq(import_cloth(p[0], p[1], p[2], &ig, err), IMPORT_OK, "%s", err);
	struct l2_graph *g;
	cr_assert_eq(import_graph_to_l2(&ig, &g), L2_GRAPH_OK);
	struct l2_route_ctx *ctx = l2_route_ctx_new(g);
	struct l2_route_mc *mc = l2_route_mc_new();
	l2_route_set_mc(ctx, mc);
	struct amount *bal = xcalloc(2 * (size_t)g->nchannels, sizeof(*bal));
	for (uint32_t c = 0; c < g->nchannels; c++)
		for (unsigned d = 0; d < 2; d++)
			bal[2 * c + d] = ig.channels[c].balance[d];
	double t1 = cpu_s();

	struct rng rng;
	rng_init(&rng, 1, 0);
	const uint32_t npay = 5000, max_attempts = 3;
	uint64_t searches = 0, ok = 0, attempts_ok = 0, hops_ok = 0;
	for (uint32_t i = 0; i < npay; i++) {
		uint32_t from = (uint32_t)rng_below(&rng, g->nparties), to;
		do
			to = (uint32_t)rng_below(&rng, g->nparties);
		while (to == from);
		struct l2_route_query q = { .from = from, .to = to, .amount = AMOUNT(100000),
					    .height = 1000, .final_cltv = 18, .max_hops = 20,
					    .mode = mode, .now_ms = (uint64_t)i * 1000 };
		l2_route_exclude_clear(ctx);
		for (uint32_t a = 1; a <= max_attempts; a++) {
			struct l2_route r;
			searches++;
			if (l2_route_find(ctx, &q, &r) != L2_ROUTE_OK)
				break;
			uint32_t k = 0;
			while (k < r.nhops && amount_le(r.hops[k].amount, bal[2 * r.hops[k].channel +
				(g->payer[2 * r.hops[k].channel] != r.hops[k].payer)]))
				k++;
			if (k < r.nhops) {
				l2_route_exclude_add(ctx, r.hops[k].channel);
				l2_route_mc_success(mc, from, &r, k);
				l2_route_mc_fail(mc, from, r.hops[k].payer, r.hops[k].payee,
						 r.hops[k].amount, q.now_ms);
				continue;
			}
			for (k = 0; k < r.nhops; k++) {
				uint32_t c = r.hops[k].channel;
				uint32_t hd = 2 * c + (g->payer[2 * c] != r.hops[k].payer);
				cr_assert(amount_sub_from(&bal[hd], r.hops[k].amount));
				cr_assert(amount_add_to(&bal[hd ^ 1], r.hops[k].amount));
				l2_graph_set_spendable(g, c, hd & 1, bal[hd]);
				l2_graph_set_spendable(g, c, (hd ^ 1) & 1, bal[hd ^ 1]);
			}
			l2_route_mc_success(mc, from, &r, r.nhops);
			ok++;
			attempts_ok += a;
			hops_ok += r.nhops;
			break;
		}
	}
	double t2 = cpu_s();
	printf("snapshot %s: %" PRIu32 " nodes, %" PRIu32 " channels, routing %s\n", dir,
	       g->nparties, g->nchannels, l2_route_mode_str(mode));
	printf("set-up (import + graph): %.3f s CPU\n", t1 - t0);
	printf("%" PRIu32 " payments, %" PRIu64 " searches in %.3f s CPU: %.0f payments/s, "
	       "%.0f searches/s\n", npay, searches, t2 - t1, npay / (t2 - t1),
	       (double)searches / (t2 - t1));
	printf("success %.1f%%, %.2f attempts and %.2f hops per successful payment\n",
	       100.0 * (double)ok / npay, ok ? (double)attempts_ok / (double)ok : 0.0,
	       ok ? (double)hops_ok / (double)ok : 0.0);
	cr_assert_gt(ok, 0);
	free(bal);
	l2_route_mc_free(mc);
	l2_route_ctx_free(ctx);
	l2_graph_free(g);
	import_graph_free(&ig);
}
