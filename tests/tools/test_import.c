/* Unit tests of tools/import_*: CLoTH's CSV files and lnd's describegraph JSON, good
 * files (committed under scenarios/graphs/ and tests/data/import/) and every kind of
 * bad input, each with the exact error; the fuzz entry on mutated inputs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/rng.h"
#include "l2/route.h"
#include "tools/import.h"

#define NODES "id\n0\n1\n2\n"
#define CHANNELS "id,edge1_id,edge2_id,node1_id,node2_id,capacity\n0,0,1,0,1,1000\n1,2,3,1,2,2000\n"
#define EDGES_HEAD "id,channel_id,counter_edge_id,from_node_id,to_node_id,balance,fee_base," \
	"fee_proportional,min_htlc,timelock\n"
#define E0 "0,0,1,0,1,400,1000,1,1,40\n"
#define E1 "1,0,0,1,0,600,0,10,1,18\n"
#define E2 "2,1,3,1,2,2000,5,100,1000,144\n"
#define E3 "3,1,2,2,1,0,0,0,1,40\n"
#define EDGES EDGES_HEAD E0 E1 E2 E3

static enum import_result cloth(const char *n, const char *c, const char *e,
				struct import_graph *g, char *err)
{
	const char *names[3] = { "nodes.csv", "channels.csv", "edges.csv" };
	const char *bufs[3] = { n, c, e };
	size_t lens[3] = { strlen(n), strlen(c), strlen(e) };
	return import_cloth_buffers(names, bufs, lens, g, err);
}

/* The import fails with exactly this message and leaves the graph untouched. */
static void cloth_fails(const char *n, const char *c, const char *e, const char *msg)
{
	struct import_graph g = { .nnodes = 77 };
	char err[IMPORT_ERR_LEN] = "";
	cr_assert_eq(cloth(n, c, e, &g, err), IMPORT_ERR_FORMAT, "accepted; wanted: %s", msg);
	cr_assert_str_eq(err, msg);
	cr_assert_eq(g.nnodes, 77);
	cr_assert_null(g.channels);
}

Test(import_cloth, small_graph_file)
{
	struct import_graph g;
	char err[IMPORT_ERR_LEN];
	cr_assert_eq(import_cloth("scenarios/graphs/ring12/nodes.csv",
				  "scenarios/graphs/ring12/channels.csv",
				  "scenarios/graphs/ring12/edges.csv", &g, err), IMPORT_OK, "%s", err);
	cr_assert_eq(g.nnodes, 12);
	cr_assert_eq(g.nchannels, 18);
	const struct import_channel *c = &g.channels[0]; /* 0,0,1,0,1,2000000 */
	cr_assert_eq(c->node[0], 0);
	cr_assert_eq(c->node[1], 1);
	cr_assert_eq(c->capacity.units, 2000000);
	cr_assert_eq(c->balance[0].units, 1941000);
	cr_assert_eq(c->balance[1].units, 59000);
	cr_assert_eq(c->policy[0].fee_base.units, 1000);
	cr_assert_eq(c->policy[0].fee_ppm, 1000);
	cr_assert_eq(c->policy[0].cltv_delta, 18);
	cr_assert_eq(c->policy[1].fee_ppm, 100);
	cr_assert_eq(c->policy[1].cltv_delta, 144);
	/* and it routes: every ordered pair of the ring has a route for 1000 msat */
	struct l2_graph *rg;
	cr_assert_eq(import_graph_to_l2(&g, &rg), L2_GRAPH_OK);
	struct l2_route_ctx *ctx = l2_route_ctx_new(rg);
	uint32_t found = 0;
	for (uint32_t a = 0; a < 12; a++)
		for (uint32_t b = 0; b < 12; b++) {
			struct l2_route_query q = { .from = a, .to = b, .amount = AMOUNT(1000),
						    .height = 1, .final_cltv = 18, .max_hops = 20 };
			struct l2_route r;
			found += a != b && l2_route_find(ctx, &q, &r) == L2_ROUTE_OK;
		}
	cr_assert_gt(found, 100);
	l2_route_ctx_free(ctx);
	l2_graph_free(rg);
	import_graph_free(&g);
}

Test(import_cloth, small_buffers_crlf_and_blank_lines)
{
	struct import_graph g;
	char err[IMPORT_ERR_LEN];
	cr_assert_eq(cloth(NODES, CHANNELS, EDGES, &g, err), IMPORT_OK, "%s", err);
	cr_assert_eq(g.nnodes, 3);
	cr_assert_eq(g.nchannels, 2);
	cr_assert_eq(g.channels[1].node[0], 1);
	cr_assert_eq(g.channels[1].balance[0].units, 2000);
	cr_assert_eq(g.channels[1].policy[0].min_htlc.units, 1000);
	import_graph_free(&g);
	cr_assert_eq(cloth("id\r\n0\r\n\r\n1\r\n2", CHANNELS "\n", EDGES, &g, err), IMPORT_OK,
		     "%s", err);
	cr_assert_eq(g.nnodes, 3);
	import_graph_free(&g);
	/* extra columns, in any order, are fine */
	cr_assert_eq(cloth("x,id\n9,0\n9,1\n9,2\n", CHANNELS, EDGES, &g, err), IMPORT_OK, "%s", err);
	import_graph_free(&g);
}

Test(import_cloth, missing_column)
{
	cloth_fails(NODES, CHANNELS, "id,channel_id,counter_edge_id,from_node_id,to_node_id,"
		    "balance,fee_base,fee_proportional,min_htlc\n0,0,1,0,1,400,1000,1,1\n",
		    "edges.csv:1:1: missing column \"timelock\"");
	cloth_fails("ids\n0\n", CHANNELS, EDGES, "nodes.csv:1:1: missing column \"id\"");
	cloth_fails("", CHANNELS, EDGES, "nodes.csv:1:1: empty file: no header");
}

Test(import_cloth, ids_out_of_range_or_order)
{
	cloth_fails(NODES, "id,edge1_id,edge2_id,node1_id,node2_id,capacity\n0,0,1,0,1,1000\n"
		    "1,2,3,1,3,2000\n", EDGES, "channels.csv:3:9: node2_id 3 out of range (3 nodes)");
	cloth_fails(NODES, CHANNELS, EDGES_HEAD E0 E1 "2,2,3,1,2,2000,5,100,1000,144\n" E3,
		    "edges.csv:4:3: channel_id 2 out of range (2 channels)");
	cloth_fails("id\n0\n2\n", CHANNELS, EDGES,
		    "nodes.csv:3:1: id 2: expected 1 (ids are dense and in order)");
	cloth_fails(NODES, CHANNELS, EDGES_HEAD E0 "0,0,1,0,1,400,1000,1,1,40\n" E2 E3,
		    "edges.csv:3:1: duplicate id 0 (ids are dense and in order)");
	cloth_fails(NODES, CHANNELS, EDGES_HEAD E0 E1 E2 "3,1,2,2,0,0,0,0,1,40\n",
		    "edges.csv:5:9: to_node_id 0: edge2 of channel 1 goes to node 1");
	cloth_fails(NODES, CHANNELS, EDGES_HEAD "0,0,1,1,0,400,1000,1,1,40\n" E1 E2 E3,
		    "edges.csv:2:7: from_node_id 1: edge1 of channel 0 leaves node 0");
	cloth_fails(NODES, CHANNELS, EDGES_HEAD E0 E1 E2 "3,1,7,2,1,0,0,0,1,40\n",
		    "edges.csv:5:5: counter_edge_id 7: channel 1's other edge is 2");
}

Test(import_cloth, duplicate_or_missing_edges)
{
	/* a row repeated */
	cloth_fails(NODES, CHANNELS, EDGES_HEAD E0 E1 E1 E2 E3,
		    "edges.csv:4:1: duplicate id 1 (ids are dense and in order)");
	/* a channel naming an edge of another */
	cloth_fails(NODES, "id,edge1_id,edge2_id,node1_id,node2_id,capacity\n0,0,1,0,1,1000\n"
		    "1,2,1,1,2,2000\n", EDGES, "channels.csv:3:5: edge2_id 1 is also an edge of "
		    "channel 0");
	cloth_fails(NODES, "id,edge1_id,edge2_id,node1_id,node2_id,capacity\n0,0,1,0,1,1000\n"
		    "1,2,4,1,2,2000\n", EDGES, "channels.csv:3:5: edge2_id 4 out of range (2 "
		    "channels have edges 0 to 3)");
	cloth_fails(NODES, CHANNELS, EDGES_HEAD E0 E1 E2,
		    "channels.csv:3:1: channel 1 has no edge 3 in edges.csv");
	cloth_fails(NODES, "id,edge1_id,edge2_id,node1_id,node2_id,capacity\n0,0,0,0,1,1000\n",
		    EDGES, "channels.csv:2:5: edge2_id: the same edge as edge1_id");
	cloth_fails(NODES, "id,edge1_id,edge2_id,node1_id,node2_id,capacity\n0,0,1,1,1,1000\n",
		    EDGES, "channels.csv:2:9: node2_id: the channel joins node 1 to itself");
}

Test(import_cloth, balance_above_capacity)
{
	cloth_fails(NODES, CHANNELS, EDGES_HEAD "0,0,1,0,1,1001,1000,1,1,40\n" E1 E2 E3,
		    "edges.csv:2:11: balance 1001 is above the capacity 1000 of channel 0");
	cloth_fails(NODES, CHANNELS, EDGES_HEAD "0,0,1,0,1,300,1000,1,1,40\n" E1 E2 E3,
		    "edges.csv:3:11: the balances of channel 0 do not add up to its capacity 1000");
}

Test(import_cloth, non_numbers_and_overflow)
{
	cloth_fails(NODES, CHANNELS, EDGES_HEAD "0,0,1,0,1,400,1e3,1,1,40\n" E1 E2 E3,
		    "edges.csv:2:16: fee_base: not a whole number");
	cloth_fails(NODES, CHANNELS, EDGES_HEAD "0,0,1,0,1,400,,1,1,40\n" E1 E2 E3,
		    "edges.csv:2:15: fee_base: empty, expected a whole number");
	cloth_fails(NODES, CHANNELS, EDGES_HEAD "0,0,1,0,1,-400,1000,1,1,40\n" E1 E2 E3,
		    "edges.csv:2:11: balance: not a whole number");
	cloth_fails(NODES, "id,edge1_id,edge2_id,node1_id,node2_id,capacity\n"
		    "0,0,1,0,1,18446744073709551616\n", EDGES,
		    "channels.csv:2:11: capacity: above 18446744073709551615");
	cloth_fails(NODES, CHANNELS, EDGES_HEAD "0,0,1,0,1,400,1000,4294967296,1,40\n" E1 E2 E3,
		    "edges.csv:2:20: fee_proportional: above 4294967295");
	cloth_fails(NODES, "id,edge1_id,edge2_id,node1_id,node2_id,capacity\n0,0,1,0,1,1000,7\n",
		    EDGES, "channels.csv:2:16: 7 fields, the header has 6");
	/* a NUL byte inside a file */
	static const char nul_nodes[] = "id\n0\0\n1\n";
	const char *names[3] = { "nodes.csv", "channels.csv", "edges.csv" };
	const char *bufs[3] = { nul_nodes, CHANNELS, EDGES };
	size_t lens[3] = { sizeof(nul_nodes) - 1, strlen(CHANNELS), strlen(EDGES) };
	struct import_graph g = { 0 };
	char err[IMPORT_ERR_LEN];
	cr_assert_eq(import_cloth_buffers(names, bufs, lens, &g, err), IMPORT_ERR_FORMAT);
	cr_assert_str_eq(err, "nodes.csv:2:2: id: not a whole number");
}

Test(import_cloth, missing_file)
{
	struct import_graph g = { 0 };
	char err[IMPORT_ERR_LEN];
	cr_assert_eq(import_cloth("tests/data/import/none.csv", "x", "y", &g, err), IMPORT_ERR_IO);
	cr_assert_str_eq(err, "tests/data/import/none.csv: No such file or directory");
}

#define LND_BASE "{\"nodes\":[{\"pub_key\":\"a\"},{\"pub_key\":\"b\"}],\"edges\":[{" \
	"\"channel_id\":\"5\",\"node1_pub\":\"a\",\"node2_pub\":\"b\",\"capacity\":\"10\"," \
	"\"node1_policy\":{\"time_lock_delta\":40,\"min_htlc\":\"1\",\"fee_base_msat\":\"1000\"," \
	"\"fee_rate_milli_msat\":\"1\",\"disabled\":false},\"node2_policy\":{" \
	"\"time_lock_delta\":18,\"min_htlc\":\"1\",\"fee_base_msat\":\"0\"," \
	"\"fee_rate_milli_msat\":\"7\"}}]}"

/* LND_BASE with the first `from` replaced by `to`. */
static const char *lnd_with(const char *from, const char *to)
{
	static char buf[2048];
	const char *at = strstr(LND_BASE, from);
	cr_assert_not_null(at, "%s not in the base", from);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - LND_BASE), LND_BASE, to,
		 at + strlen(from));
	return buf;
}

static void lnd_fails(const char *text, const char *msg)
{
	struct import_graph g = { .nnodes = 77 };
	char err[IMPORT_ERR_LEN] = "";
	cr_assert_eq(import_lnd_buffer("g.json", text, strlen(text), IMPORT_SPLIT_HALF, &g, err),
		     IMPORT_ERR_FORMAT, "accepted; wanted: %s", msg);
	cr_assert_str_eq(err, msg);
	cr_assert_eq(g.nnodes, 77);
}

Test(import_lnd, small_file_both_splits)
{
	struct import_graph g;
	char err[IMPORT_ERR_LEN];
	cr_assert_eq(import_lnd("tests/data/import/lnd-small.json", IMPORT_SPLIT_HALF, &g, err),
		     IMPORT_OK, "%s", err);
	cr_assert_eq(g.nnodes, 3);
	cr_assert_eq(g.nchannels, 2);
	const struct import_channel *c = &g.channels[0];
	cr_assert_eq(c->scid, 700000000000000001ULL);
	cr_assert_eq(c->node[0], 0);
	cr_assert_eq(c->node[1], 1);
	cr_assert_eq(c->capacity.units, 1000000);
	cr_assert_eq(c->balance[0].units, 500000);
	cr_assert_eq(c->balance[1].units, 500000);
	cr_assert_eq(c->policy[0].fee_base.units, 1000);
	cr_assert_eq(c->policy[0].fee_ppm, 1);
	cr_assert_eq(c->policy[0].cltv_delta, 40);
	cr_assert_eq(c->policy[0].min_htlc.units, 1000);
	cr_assert_eq(c->policy[1].fee_ppm, 2500);
	cr_assert(c->disabled[1]);
	cr_assert_not(c->disabled[0]);
	c = &g.channels[1]; /* numbers as JSON numbers, an odd capacity */
	cr_assert_eq(c->node[0], 2);
	cr_assert_eq(c->policy[0].fee_base.units, 100);
	cr_assert_eq(c->balance[0].units, 1000500);
	cr_assert_eq(c->balance[1].units, 1000500);
	/* ann -> cat through bob; cat -> ann would need bob's disabled direction */
	struct l2_graph *rg;
	cr_assert_eq(import_graph_to_l2(&g, &rg), L2_GRAPH_OK);
	struct l2_route_ctx *ctx = l2_route_ctx_new(rg);
	struct l2_route_query q = { .from = 0, .to = 2, .amount = AMOUNT(10000), .height = 1,
				    .final_cltv = 18, .max_hops = 20 };
	struct l2_route r;
	cr_assert_eq(l2_route_find(ctx, &q, &r), L2_ROUTE_OK);
	cr_assert_eq(r.fee.units, 1000);
	q.from = 2;
	q.to = 0;
	cr_assert_eq(l2_route_find(ctx, &q, &r), L2_ROUTE_NO_ROUTE);
	l2_route_ctx_free(ctx);
	l2_graph_free(rg);
	import_graph_free(&g);
	cr_assert_eq(import_lnd("tests/data/import/lnd-small.json", IMPORT_SPLIT_NODE1, &g, err),
		     IMPORT_OK, "%s", err);
	cr_assert_eq(g.channels[1].balance[0].units, 2001000);
	cr_assert_eq(g.channels[1].balance[1].units, 0);
	import_graph_free(&g);
}

Test(import_lnd, null_policies)
{
	lnd_fails(lnd_with("\"node2_policy\":{", "\"node2_policy\":null,\"x\":{"),
		  "g.json: edges[0].node2_policy: null (no policy for this direction)");
	lnd_fails(lnd_with("\"node1_policy\":{", "\"x\":{"),
		  "g.json: edges[0].node1_policy: null (no policy for this direction)");
	lnd_fails(lnd_with("\"node1_policy\":{", "\"node1_policy\":7,\"x\":{"),
		  "g.json: edges[0].node1_policy: not an object");
}

Test(import_lnd, unknown_or_duplicate_ids)
{
	lnd_fails(lnd_with("\"node2_pub\":\"b\"", "\"node2_pub\":\"c\""),
		  "g.json: edges[0].node2_pub: \"c\" is not in nodes[]");
	lnd_fails(lnd_with("\"node2_pub\":\"b\"", "\"node2_pub\":\"a\""),
		  "g.json: edges[0].node2_pub: the channel joins a node to itself");
	lnd_fails(lnd_with("{\"pub_key\":\"b\"}", "{\"pub_key\":\"b\"},{\"pub_key\":\"a\"}"),
		  "g.json: nodes[2].pub_key: duplicate of nodes[0]");
	lnd_fails(lnd_with("]}", ",{\"channel_id\":\"5\",\"node1_pub\":\"b\",\"node2_pub\":\"a\","
			   "\"capacity\":\"3\",\"node1_policy\":{\"time_lock_delta\":1,\"min_htlc\":"
			   "\"1\",\"fee_base_msat\":\"0\",\"fee_rate_milli_msat\":\"0\"},"
			   "\"node2_policy\":{\"time_lock_delta\":1,\"min_htlc\":\"1\","
			   "\"fee_base_msat\":\"0\",\"fee_rate_milli_msat\":\"0\"}}]}"),
		  "g.json: edges[1].channel_id: duplicate of edges[0]");
}

Test(import_lnd, non_numbers_and_overflow)
{
	lnd_fails(lnd_with("\"fee_base_msat\":\"1000\"", "\"fee_base_msat\":\"1k\""),
		  "g.json: edges[0].node1_policy.fee_base_msat: \"1k\" is not a whole number");
	lnd_fails(lnd_with("\"fee_base_msat\":\"1000\"", "\"fee_base_msat\":true"),
		  "g.json: edges[0].node1_policy.fee_base_msat: not a number");
	lnd_fails(lnd_with("\"time_lock_delta\":40", "\"time_lock_delta\":-1"),
		  "g.json: edges[0].node1_policy.time_lock_delta: not a whole number from 0 to "
		  "2^53-1");
	lnd_fails(lnd_with("\"time_lock_delta\":40", "\"time_lock_delta\":4.5"),
		  "g.json: edges[0].node1_policy.time_lock_delta: not a whole number from 0 to "
		  "2^53-1");
	lnd_fails(lnd_with("\"capacity\":\"10\"", "\"capacity\":\"18446744073709552\""),
		  "g.json: edges[0].capacity: above 18446744073709551");
	lnd_fails(lnd_with("\"fee_rate_milli_msat\":\"1\"", "\"fee_rate_milli_msat\":\"4294967296\""),
		  "g.json: edges[0].node1_policy.fee_rate_milli_msat: above 4294967295");
	lnd_fails(lnd_with("\"disabled\":false", "\"disabled\":0"),
		  "g.json: edges[0].node1_policy.disabled: not true or false");
	lnd_fails(lnd_with("\"min_htlc\":\"1\",", ""),
		  "g.json: edges[0].node1_policy.min_htlc: missing");
}

Test(import_lnd, bad_json_and_shape)
{
	lnd_fails("{\"edges\":[]}", "g.json: nodes: missing or not an array");
	lnd_fails("{\"nodes\":[]}", "g.json: edges: missing or not an array");
	lnd_fails("[]", "g.json: the top level is not an object");
	lnd_fails("{\"nodes\":[7],\"edges\":[]}", "g.json: nodes[0].pub_key: missing or not a string");
	lnd_fails("{\"nodes\":[],\"edges\":[7]}", "g.json: edges[0]: not an object");
	lnd_fails("{\n  \"nodes\": [,]\n}", "g.json:2:13: not valid JSON");
	char msg[64]; /* the column of the x after the value */
	snprintf(msg, sizeof(msg), "g.json:1:%zu: not valid JSON", strlen(LND_BASE) + 2);
	lnd_fails(LND_BASE " x", msg);
	lnd_fails("", "g.json:1:1: not valid JSON");
}

/* The fuzz entry on the good inputs and 4000 mutations of them: no crash, no leak
 * (ASan in make SAN=1 test), whatever the bytes. */
Test(import_fuzz, mutated_inputs_never_crash)
{
	static const char cloth_in[] = "\0" NODES "\0" CHANNELS "\0" EDGES;
	static const char lnd_in[] = "\1" LND_BASE;
	uint8_t buf[1024];
	struct rng rng;
	rng_init(&rng, 5, 0);
	cr_assert_eq(import_fuzz_one((const uint8_t *)cloth_in, sizeof(cloth_in) - 1), 0);
	cr_assert_eq(import_fuzz_one((const uint8_t *)lnd_in, sizeof(lnd_in) - 1), 0);
	cr_assert_eq(import_fuzz_one(NULL, 0), 0);
	for (int i = 0; i < 4000; i++) {
		const char *src = i % 2 ? lnd_in : cloth_in;
		size_t n = (i % 2 ? sizeof(lnd_in) : sizeof(cloth_in)) - 1;
		memcpy(buf, src, n);
		for (int k = 0, flips = 1 + (int)rng_below(&rng, 4); k < flips; k++) {
			size_t at = 1 + rng_below(&rng, n - 1);
			static const char pick[] = "0129,\n\r\"{}[]:-x \0";
			buf[at] = (uint8_t)pick[rng_below(&rng, sizeof(pick) - 1)];
		}
		if (rng_below(&rng, 4) == 0)
			n = 1 + rng_below(&rng, n - 1); /* truncated */
		cr_assert_eq(import_fuzz_one(buf, n), 0);
	}
}
