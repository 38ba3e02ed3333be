/* What the two importers of tools/import.h share: reading a file, freeing a graph,
 * the result strings, and the one fuzz entry for both. */
#include "tools/import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"
#include "l2/route.h"

const char *import_result_str(enum import_result r)
{
	switch (r) {
	case IMPORT_OK: return "ok";
	case IMPORT_ERR_IO: return "cannot read the file";
	case IMPORT_ERR_FORMAT: return "bad graph file";
	}
	return "unknown";
}

void import_graph_free(struct import_graph *g)
{
	if (!g)
		return;
	free(g->channels);
	g->channels = NULL;
	g->nchannels = g->nnodes = 0;
}

enum import_result import_read_file(const char *path, char **buf, size_t *len,
				    char err[IMPORT_ERR_LEN])
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, IMPORT_ERR_LEN, "%s: %s", path, strerror(errno));
		return IMPORT_ERR_IO;
	}
	size_t cap = 1 << 16, n = 0;
	char *b = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			b = xreallocarray(b, cap, 1);
		}
		size_t got = fread(b + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(b);
		snprintf(err, IMPORT_ERR_LEN, "%s: read error", path);
		return IMPORT_ERR_IO;
	}
	/* A UTF-8 byte order mark (spreadsheets write one) is no part of the first field:
	 * skipped, as the scenario loader does, so that a header "id" is found. */
	if (n >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0) {
		memmove(b, b + 3, n - 3);
		n -= 3;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return IMPORT_OK;
}

int import_fuzz_one(const uint8_t *data, size_t size)
{
	char err[IMPORT_ERR_LEN];
	struct import_graph g = { 0 };
	if (size == 0)
		return 0;
	const char *text = (const char *)data + 1;
	size_t n = size - 1;
	if ((data[0] & 1) == 0) {
		const char *names[3] = { "nodes.csv", "channels.csv", "edges.csv" };
		const char *bufs[3] = { text, "", "" };
		size_t lens[3] = { n, 0, 0 };
		for (unsigned k = 1; k < 3; k++) {
			const char *z = memchr(bufs[k - 1], '\0', lens[k - 1]);
			if (!z)
				break;
			lens[k] = lens[k - 1] - (size_t)(z - bufs[k - 1]) - 1;
			lens[k - 1] = (size_t)(z - bufs[k - 1]);
			bufs[k] = z + 1;
		}
		if (import_cloth_buffers(names, bufs, lens, &g, err) == IMPORT_OK)
			import_graph_free(&g);
	} else {
		enum import_split split = data[0] & 2 ? IMPORT_SPLIT_NODE1 : IMPORT_SPLIT_HALF;
		if (import_lnd_buffer("graph.json", text, n, split, &g, err) == IMPORT_OK)
			import_graph_free(&g);
	}
	return 0;
}

enum l2_graph_result import_graph_to_l2(const struct import_graph *g, struct l2_graph **out)
{
	struct l2_graph_channel *cs = xcalloc(g->nchannels, sizeof(*cs));
	for (uint32_t j = 0; j < g->nchannels; j++) {
		const struct import_channel *c = &g->channels[j];
		cs[j].capacity = c->capacity;
		for (unsigned d = 0; d < 2; d++) {
			cs[j].party[d] = c->node[d];
			cs[j].spendable[d] = c->balance[d];
			cs[j].disabled[d] = c->disabled[d];
			cs[j].policy[d] = (struct l2_policy){
				.fee_base = c->policy[d].fee_base, .fee_ppm = c->policy[d].fee_ppm,
				.cltv_delta = c->policy[d].cltv_delta,
				.min_htlc = c->policy[d].min_htlc,
			};
		}
	}
	enum l2_graph_result r = l2_graph_new(out, g->nnodes, g->nchannels, cs);
	free(cs);
	return r;
}
