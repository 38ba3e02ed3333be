/* The loader's graphs (issue 11): the network section (CLoTH and lnd imports), the
 * scale-free generator and the trace workload's CSV. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/scenario.h"

#define LOADER_TEST_FILE "tests/data/routing/t.json"
#include "tests/tools/loader_harness.h"
#define HEAD "{\"format\": \"l2sim/1\", \"name\": \"t\", "
#define RING_FILES "\"nodes\": \"../../../scenarios/graphs/ring12/nodes.csv\", " \
		   "\"channels\": \"../../../scenarios/graphs/ring12/channels.csv\", "
#define RING "\"network\": {\"format\": \"cloth\", " RING_FILES \
	     "\"edges\": \"../../../scenarios/graphs/ring12/edges.csv\""


/* ---- network ---- */

Test(scn_network, cloth_ring12)
{
	struct scenario *s = load_ok(HEAD "\"parties\": [{\"name\": \"x\", \"balance\": 1}], "
				      RING ", \"open_at\": 2, \"balance\": 1000}, "
				      "\"channels\": [{\"id\": \"xn\", \"parties\": [\"x\", \"n3\"]}], "
				      "\"script\": [{\"at\": 5, \"action\": \"close\", \"channel\": \"ch1\", \"by\": \"n1\"}]}");
	const struct scn_network *n = &s->network;
	cr_expect(n->present && n->placed);
	cr_expect_eq(n->format, SCN_NET_CLOTH);
	cr_expect_eq(n->open_at, 2);
	cr_expect_eq(s->nparties, 13);
	cr_expect_eq(n->first_party, 1);
	cr_expect_eq(s->nchannels, 19);
	cr_expect_eq(n->first_channel, 1);
	cr_expect_eq(scn_party_index(s, "n0"), 1);
	cr_expect_eq(scn_party_index(s, "n11"), 12);
	cr_expect_eq(scn_party_index(s, "n12"), SCN_NONE);
	cr_expect_eq(scn_channel_index(s, "ch0"), 1);
	cr_expect_eq(scn_channel_index(s, "ch17"), 18);
	cr_expect_eq(scn_channel_index(s, "ch18"), SCN_NONE);
	char buf[SCN_ID_LEN];
	cr_expect_str_eq(scn_channel_id(s, 2, buf), "ch1");
	cr_expect_eq(s->script[0].channel, 2);
	cr_expect(scn_channel_is_imported(s, 2) && !scn_channel_is_imported(s, 0));
	/* ch0: nodes 0 and 1, balances 1941000 / 59000, edge 0 fee 1000 + 1000 ppm, timelock 18 */
	cr_expect_eq(scn_channel_nparties(s, 1), 2);
	cr_expect_eq(scn_channel_parties(s, 1)[0], 1);
	cr_expect_eq(scn_channel_parties(s, 1)[1], 2);
	cr_expect_eq(scn_channel_deposits(s, 1)[0].units, 1941000);
	cr_expect_eq(scn_channel_deposits(s, 1)[1].units, 59000);
	struct scn_policy p = scn_channel_policy(s, 1, 0);
	cr_expect_eq(p.fee_base.units, 1000);
	cr_expect_eq(p.fee_ppm, 1000);
	cr_expect_eq(p.cltv_delta, 18);
	p = scn_channel_policy(s, 1, 1);
	cr_expect_eq(p.cltv_delta, 144);
	/* n0's L1 balance: 1000 + its deposits in ch0 (1941000), ch5 (1260000), ch6 (1792000) */
	cr_expect_eq(s->parties[1].balance.units, 1000 + 1941000 + 1260000 + 1792000);
	cr_expect_str_eq(scn_uses_routing(s), "network");
	/* 16 MB base, 13 parties, 1 explicit and 18 imported channels with their records */
	cr_expect_geq(scn_memory_estimate(s), 16.0 * 1024 * 1024 + 18 * (sizeof(struct import_channel) + 96 + 224 + 2 * 48));
	scn_free(s);
}

Test(scn_network, lnd_small)
{
	struct scenario *s = load_ok(HEAD "\"network\": {\"format\": \"lnd\", \"file\": \"../import/lnd-small.json\", "
				      "\"split\": \"node1\"}}");
	cr_expect_eq(s->network.format, SCN_NET_LND);
	cr_expect(s->network.split_node1);
	cr_expect_eq(s->nparties, 3);
	cr_expect_eq(scn_channel_deposits(s, 0)[1].units, 0, "node1 split: node2 holds nothing");
	scn_free(s);
}

Test(scn_network, errors)
{
	refused(HEAD "\"network\": {\"format\": \"cloth\", " RING_FILES "\"edges\": \"edges-bad.csv\"}}",
		"tests/data/routing/t.json: network: tests/data/routing/edges-bad.csv:4:");
	refused(HEAD "\"network\": {\"format\": \"cloth\", " RING_FILES "\"edges\": \"nowhere.csv\"}}",
		"network.edges: cannot read \"tests/data/routing/nowhere.csv\"");
	refused(HEAD "\"network\": {\"format\": \"cloth\", " RING_FILES "\"edges\": \"\"}}",
		"network.edges: must be a file name of 1 to 4096 characters");
	refused(HEAD "\"network\": {\"format\": \"cloth\", " RING_FILES "\"file\": \"x\"}}",
		"network.edges: required key is missing");
	refused(HEAD "\"network\": {\"format\": \"cloth\", " RING_FILES "\"edges\": \"x\", \"file\": \"x\"}}",
		"network.file: not a key of format \"cloth\"");
	refused(HEAD "\"network\": {\"format\": \"lnd\", \"file\": \"../import/lnd-small.json\", \"split\": \"third\"}}",
		"network.split: must be one of \"half\", \"node1\"");
	refused(HEAD "\"network\": {\"format\": \"dot\"}}", "network.format: must be one of \"cloth\", \"lnd\"");
	refused(HEAD RING ", \"open_at\": 10000001}}", "network.open_at: must be between 0 and 10000000");
	refused(HEAD RING ", \"balance\": -5}}", "network.balance: amount must not be negative");
	refused(HEAD RING ", \"balance\": \"18446744073709551615\"}}", "network: a party's balance plus its deposits pass");
	refused(HEAD "\"parties\": [{\"name\": \"n3\"}], " RING "}}",
		"parties[0].name: \"n3\" is also the name of an imported party (the network has 12 nodes)");
	refused(HEAD "\"parties\": [{\"name\": \"a\"}, {\"name\": \"b\"}], " RING "}, \"channels\": [{\"id\": \"ch4\", "
		"\"parties\": [\"a\", \"b\"]}]}", "channels[0].id: channel id \"ch4\" is also the name of an imported channel");
	refused(HEAD RING "}, \"generate\": {\"parties\": 2, \"channels\": 1}}",
		"network: a scenario takes either generate or network, not both");
	refused(HEAD RING "}, \"script\": [{\"at\": 1, \"action\": \"open\", \"channel\": \"ch18\"}]}",
		"script[0].channel: no channel with id \"ch18\"");
}

/* ---- scale-free ---- */

static uint64_t degree_sum(const struct scenario *s)
{
	uint64_t sum = 0;
	for (uint32_t ch = 0; ch < s->nchannels; ch++)
		sum += scn_channel_nparties(s, ch);
	return sum;
}

Test(scn_generate_sf, counts_degrees_and_determinism)
{
	const char *text = HEAD "\"seed\": 7, \"generate\": {\"parties\": 1000, \"topology\": \"scale_free\", "
			   "\"channels_per_party\": 3, \"deposit\": 5}}";
	struct scenario *s = load_ok(text), *t = load_ok(text);
	cr_expect_eq(s->generate.topology, SCN_TOPO_SCALE_FREE);
	cr_expect_eq(s->nchannels, scn_scale_free_channels(1000, 3));
	cr_expect_eq(s->nchannels, 3 * 999 - 3, "1 + 2 + 3 x 997");
	cr_expect_eq(degree_sum(s), 2ull * s->nchannels);
	cr_expect_eq(memcmp(s->generate.members, t->generate.members, 2ull * s->nchannels * sizeof(uint32_t)), 0,
		     "the same seed gives the same graph");
	/* every channel joins two distinct parties; no party opens two channels to one */
	uint32_t *deg = calloc(1000, sizeof(uint32_t));
	uint32_t maxdeg = 0;
	for (uint32_t ch = 0; ch < s->nchannels; ch++) {
		const uint32_t *m = scn_channel_parties(s, ch);
		cr_assert_neq(m[0], m[1]);
		cr_assert_gt(m[0], m[1], "the newcomer comes first and attaches to an older party");
		if (ch > 0) {
			const uint32_t *prev = scn_channel_parties(s, ch - 1);
			cr_assert(!(prev[0] == m[0] && prev[1] == m[1]));
		}
		deg[m[0]]++;
		deg[m[1]]++;
	}
	for (uint32_t p = 0; p < 1000; p++)
		maxdeg = deg[p] > maxdeg ? deg[p] : maxdeg;
	cr_expect_gt(maxdeg, 30, "preferential attachment makes hubs (max degree %u)", maxdeg);
	free(deg);
	scn_free(t);
	t = load_ok(HEAD "\"seed\": 8, \"generate\": {\"parties\": 1000, \"topology\": \"scale_free\", "
		     "\"channels_per_party\": 3}}");
	cr_expect_neq(memcmp(s->generate.members, t->generate.members, 2ull * s->nchannels * sizeof(uint32_t)), 0,
		      "another seed, another graph");
	cr_expect_null(scn_uses_routing(s), "a scale-free graph alone runs in the current runner");
	scn_free(s);
	scn_free(t);
}

Test(scn_generate_sf, small_and_large)
{
	cr_expect_eq(scn_scale_free_channels(1, 2), 0);
	cr_expect_eq(scn_scale_free_channels(3, 5), 3);
	struct scenario *s = load_ok(HEAD "\"generate\": {\"parties\": 100000, \"topology\": \"scale_free\", "
				      "\"channels_per_party\": 2}, \"l2\": {\"signatures\": \"off\"}}");
	cr_expect_eq(s->nparties, 100000);
	cr_expect_eq(s->nchannels, 2 * 99999 - 1);
	cr_expect_eq(degree_sum(s), 2ull * s->nchannels);
	scn_free(s);
}

Test(scn_generate_sf, errors)
{
	refused(HEAD "\"generate\": {\"parties\": 10, \"topology\": \"scale_free\"}}",
		"generate.channels_per_party: required key is missing");
	refused(HEAD "\"generate\": {\"parties\": 10, \"topology\": \"scale_free\", \"channels_per_party\": 2, "
		"\"channels\": 4}}", "generate.channels: a scale_free topology makes two-party channels");
	refused(HEAD "\"generate\": {\"parties\": 10, \"topology\": \"scale_free\", \"channels_per_party\": 0}}",
		"generate.channels_per_party: must be between 1 and 1000");
	refused(HEAD "\"generate\": {\"parties\": 10, \"channels\": 3, \"channels_per_party\": 2}}",
		"generate.channels_per_party: applies to \"topology\": \"scale_free\" only");
	refused(HEAD "\"generate\": {\"parties\": 10, \"channels\": 3, \"topology\": \"ring\"}}",
		"generate.topology: must be one of \"random\", \"scale_free\"");
	refused(HEAD "\"generate\": {\"parties\": 10000000, \"topology\": \"scale_free\", \"channels_per_party\": 2}}",
		"generate.channels_per_party: 10000000 parties x 2 channels per party make 19999997 channels, above the limit");
}

/* ---- trace workload ---- */

#define TRACE(f) HEAD RING "}, \"workload\": [{\"kind\": \"trace\", \"file\": \"" f "\", \"from_block\": 3}]}"

Test(scn_trace, good)
{
	struct scenario *s = load_ok(TRACE("trace-ok.csv"));
	const struct scn_workload *w = &s->workload[0];
	cr_expect_eq(w->kind, SCN_WL_TRACE);
	cr_expect(w->routed);
	cr_expect_eq(w->ntrace, 3);
	cr_expect_eq(w->trace[0].from, scn_party_index(s, "n0"));
	cr_expect_eq(w->trace[0].to, scn_party_index(s, "n5"));
	cr_expect_eq(w->trace[0].amount.units, 100000);
	cr_expect_eq(w->trace[1].start_ms, 1500);
	cr_expect_eq(w->trace[2].id, 2);
	cr_expect_eq(w->from_block, 3);
	cr_expect_eq(w->to_block, 3 + 60000 / 600000 + 1, "the last start's block at the mean interval");
	cr_expect_str_eq(scn_uses_routing(s), "network");
	scn_free(s);
	/* without a network, ids are the scenario's parties; extra columns are ignored */
	s = load_ok(HEAD "\"parties\": [{\"name\": \"a\"}, {\"name\": \"b\"}], \"workload\": [{\"kind\": \"trace\", "
		     "\"file\": \"trace-two.csv\", \"from_block\": 0}]}");
	cr_expect_eq(s->workload[0].ntrace, 2);
	cr_expect_eq(s->workload[0].trace[1].from, 1);
	cr_expect_eq(s->workload[0].to_block, 2, "700000 ms is in block 1 at 600 s");
	cr_expect_str_eq(scn_uses_routing(s), "workload[0].kind");
	scn_free(s);
}

Test(scn_trace, errors)
{
	refused(TRACE("trace-bad-number.csv"),
		"tests/data/routing/t.json: workload[0].file: tests/data/routing/trace-bad-number.csv:3:5: "
		"receiver_id must be a whole decimal number");
	refused(TRACE("trace-bad-id.csv"),
		"trace-bad-id.csv:2:5: receiver_id 12 names no party (the ids run from 0 to 11, the network's nodes)");
	refused(TRACE("trace-order.csv"), "trace-order.csv:3:10: start_time 400 is before the previous row's 500");
	refused(TRACE("trace-no-column.csv"), "trace-no-column.csv:1:1: the header has no column \"sender_id\"");
	refused(TRACE("trace-zero.csv"), "trace-zero.csv:2:7: a payment must be at least 1");
	refused(TRACE("trace-short.csv"), "trace-short.csv:2:6: the row has 3 columns, the header 5");
	refused(TRACE("absent.csv"), "workload[0].file: cannot read \"tests/data/routing/absent.csv\"");
	refused(HEAD RING "}, \"workload\": [{\"kind\": \"trace\", \"file\": \"trace-ok.csv\"}]}",
		"workload[0].from_block: required key is missing");
	refused(HEAD RING "}, \"workload\": [{\"kind\": \"trace\", \"file\": \"trace-ok.csv\", \"from_block\": 0, "
		"\"rate_per_s\": 1}]}", "workload[0].rate_per_s: unknown key \"rate_per_s\"");
}

/* A column named twice is ambiguous: the trace once took the last "sender_id" without a
 * word (the CLoTH importer already refused it). */
Test(scn_trace, a_column_named_twice_is_refused)
{
	refused(TRACE("trace-twice.csv"), "trace-twice.csv:1:");
	refused(TRACE("trace-twice.csv"), "column \"sender_id\" appears twice");
}

/* A UTF-8 byte order mark (spreadsheets write one) before the header is skipped, as
 * for scenario files; it once gave "the header has no column \"id\"" for a header
 * that visibly had it. */
Test(scn_trace, a_byte_order_mark_is_skipped)
{
	struct scenario *s = load_ok(TRACE("trace-bom.csv"));
	cr_expect_eq(s->workload[0].ntrace, 3);
	scn_free(s);
	s = load_ok(HEAD "\"network\": {\"format\": \"cloth\", \"nodes\": \"nodes-bom.csv\", "
		     "\"channels\": \"../../../scenarios/graphs/ring12/channels.csv\", "
		     "\"edges\": \"../../../scenarios/graphs/ring12/edges.csv\"}}");
	cr_expect_eq(s->network.nnodes, 12);
	scn_free(s);
}
