/* Importers of real channel graphs into plain C structs (no scenario yet): CLoTH's
 * three CSV files (tools/import_cloth.c) and lnd's `describegraph` JSON
 * (tools/import_lnd.c). docs/routing.md describes both formats and every check.
 *
 * Amounts are msat (l2sim's units for imported graphs). Channel j of the result is
 * CLoTH's channel id j, or lnd's j-th edge; node k is CLoTH's node id k, or lnd's k-th
 * node. Direction d of a channel is the hop paid by node[d].
 *
 * On failure an importer returns an error, fills err with one line naming the file
 * and line:column (CSV) or the JSON path, and leaves *out untouched: bad input never
 * crashes and never leaks.
 */
#ifndef L2SIM_TOOLS_IMPORT_H
#define L2SIM_TOOLS_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l1sim/amount.h"

struct import_policy {
	struct amount fee_base;
	uint32_t fee_ppm;
	uint32_t cltv_delta;
	struct amount min_htlc;
};

struct import_channel {
	uint64_t scid;                 /* CLoTH's channel id, or lnd's channel_id */
	uint32_t node[2];
	struct amount capacity;
	struct amount balance[2];      /* node[d]'s side; they add up to capacity */
	struct import_policy policy[2];/* node[d]'s policy when it sends */
	bool disabled[2];
};

struct import_graph {
	uint32_t nnodes, nchannels;
	struct import_channel *channels; /* [nchannels], owned */
};

void import_graph_free(struct import_graph *g);

enum import_result {
	IMPORT_OK = 0,
	IMPORT_ERR_IO,                 /* a file could not be read */
	IMPORT_ERR_FORMAT,             /* anything wrong inside a file */
};
const char *import_result_str(enum import_result r);

#define IMPORT_ERR_LEN 256

/* CLoTH: nodes.csv (id), channels.csv (id,edge1_id,edge2_id,node1_id,node2_id,
 * capacity), edges.csv (id,channel_id,counter_edge_id,from_node_id,to_node_id,
 * balance,fee_base,fee_proportional,min_htlc,timelock). */
enum import_result import_cloth(const char *nodes_path, const char *channels_path,
				const char *edges_path, struct import_graph *out,
				char err[IMPORT_ERR_LEN]);
/* The same from memory; names[] are what errors call the three files. */
enum import_result import_cloth_buffers(const char *const names[3], const char *const bufs[3],
					const size_t lens[3], struct import_graph *out,
					char err[IMPORT_ERR_LEN]);

/* How lnd's capacity is split between the two sides (lnd does not publish balances). */
enum import_split { IMPORT_SPLIT_HALF = 0, IMPORT_SPLIT_NODE1 };

enum import_result import_lnd(const char *path, enum import_split split,
			      struct import_graph *out, char err[IMPORT_ERR_LEN]);
enum import_result import_lnd_buffer(const char *name, const char *buf, size_t len,
				     enum import_split split, struct import_graph *out,
				     char err[IMPORT_ERR_LEN]);

/* The routing graph of an imported one (l2/route.h): node k is party k, channel j
 * channel j, each side's balance its spendable. Returns l2_graph_new's result. */
struct l2_graph;
enum l2_graph_result import_graph_to_l2(const struct import_graph *g, struct l2_graph **out);

/* libFuzzer-ready: one input, any bytes. The first byte picks the importer (even:
 * CLoTH, the rest split into three files at the first two 0 bytes; odd: lnd JSON with
 * the split from bit 1). Always returns 0; a crash or leak is the bug. */
int import_fuzz_one(const uint8_t *data, size_t size);

/* Reads a whole file into a NUL-terminated buffer the caller frees (shared by the
 * importers and the trace workload); a leading UTF-8 byte order mark is dropped. */
enum import_result import_read_file(const char *path, char **buf, size_t *len,
				    char err[IMPORT_ERR_LEN]);

#endif
