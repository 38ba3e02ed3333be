/* The compact channel graph of l2/route.h: flat arrays and one CSR array of incoming
 * hops per party, built by a counting sort so that each party's hops stay in channel
 * order (a search then visits them in a fixed order on every machine). */
#include "l2/route.h"

#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

const char *l2_graph_result_str(enum l2_graph_result r)
{
	switch (r) {
	case L2_GRAPH_OK: return "ok";
	case L2_GRAPH_ERR_PARTY: return "a channel names a party out of range";
	case L2_GRAPH_ERR_SELF: return "a channel joins a party to itself";
	case L2_GRAPH_ERR_TOO_BIG: return "too many channels";
	}
	return "unknown";
}

/* The copies in in[] that the inner loop of a search reads: a direction that is not
 * open gets a min_htlc no amount reaches below 2^64-1 and a capacity of 0, so the
 * amount check alone rejects it (the sender's own hops check open[] as well). */
static void refresh_in(struct l2_graph *g, uint32_t dir)
{
	struct l2_graph_in *r = &g->in[g->in_pos[dir]];
	bool open = g->open[dir];
	r->min_htlc = open ? g->policy[dir].min_htlc.units : UINT64_MAX;
	r->capacity = open ? g->capacity[dir >> 1].units : 0;
}

enum l2_graph_result l2_graph_new(struct l2_graph **out, uint32_t nparties,
				  uint32_t nchannels, const struct l2_graph_channel *chans)
{
	/* dir needs bit 31 free for L2_GRAPH_DEAD_END; UINT32_MAX - 1 and UINT32_MAX are
	 * markers below */
	if (nchannels >= (1u << 30) || nparties >= UINT32_MAX - 1)
		return L2_GRAPH_ERR_TOO_BIG;
	for (uint32_t c = 0; c < nchannels; c++) {
		if (chans[c].party[0] >= nparties || chans[c].party[1] >= nparties)
			return L2_GRAPH_ERR_PARTY;
		if (chans[c].party[0] == chans[c].party[1])
			return L2_GRAPH_ERR_SELF;
	}
	size_t ndir = 2 * (size_t)nchannels;
	struct l2_graph *g = xcalloc(1, sizeof(*g));
	g->nparties = nparties;
	g->nchannels = nchannels;
	g->payer = xcalloc(ndir, sizeof(*g->payer));
	g->policy = xcalloc(ndir, sizeof(*g->policy));
	g->spendable = xcalloc(ndir, sizeof(*g->spendable));
	g->capacity = xcalloc(nchannels, sizeof(*g->capacity));
	g->open = xcalloc(ndir, 1);
	g->disabled = xcalloc(ndir, 1);
	g->in_start = xcalloc((size_t)nparties + 1, sizeof(*g->in_start));
	g->in = xcalloc(ndir, sizeof(*g->in));
	g->in_pos = xcalloc(ndir, sizeof(*g->in_pos));
	for (uint32_t c = 0; c < nchannels; c++) {
		g->capacity[c] = chans[c].capacity;
		for (unsigned d = 0; d < 2; d++) {
			uint32_t dir = 2 * c + d;
			g->payer[dir] = chans[c].party[d];
			g->policy[dir] = chans[c].policy[d];
			g->spendable[dir] = chans[c].spendable[d];
			g->disabled[dir] = chans[c].disabled[d];
			g->open[dir] = !chans[c].disabled[d];
			/* an incoming hop of the payee party[1 - d] */
			g->in_start[chans[c].party[1 - d] + 1]++;
		}
	}
	for (uint32_t v = 0; v < nparties; v++)
		g->in_start[v + 1] += g->in_start[v];
	/* peer[v]: v's one neighbour, NONE before the first, MANY after a second one */
	uint32_t *peer = xcalloc(nparties, sizeof(*peer));
	for (uint32_t v = 0; v < nparties; v++)
		peer[v] = UINT32_MAX;
	for (uint32_t dir = 0; dir < ndir; dir++) {
		uint32_t v = g->payer[dir], u = g->payer[dir ^ 1];
		if (peer[v] == UINT32_MAX)
			peer[v] = u;
		else if (peer[v] != u)
			peer[v] = UINT32_MAX - 1;
	}
	uint32_t *fill = xcalloc(nparties ? nparties : 1, sizeof(*fill));
	for (uint32_t v = 0; v < nparties; v++)
		fill[v] = g->in_start[v];
	for (uint32_t dir = 0; dir < ndir; dir++) {
		uint32_t payee = g->payer[dir ^ 1];
		uint32_t pos = fill[payee]++;
		const struct l2_policy *p = &g->policy[dir];
		g->in[pos] = (struct l2_graph_in){
			.payer = g->payer[dir],
			.dir = dir | (peer[g->payer[dir]] == payee ? L2_GRAPH_DEAD_END : 0),
			.fee_base = p->fee_base.units, .fee_ppm = p->fee_ppm,
			.cltv_delta = p->cltv_delta,
		};
		g->in_pos[dir] = pos;
		refresh_in(g, dir);
	}
	free(fill);
	free(peer);
	*out = g;
	return L2_GRAPH_OK;
}

void l2_graph_free(struct l2_graph *g)
{
	if (!g)
		return;
	free(g->payer);
	free(g->policy);
	free(g->spendable);
	free(g->capacity);
	free(g->open);
	free(g->disabled);
	free(g->in_start);
	free(g->in);
	free(g->in_pos);
	free(g);
}

void l2_graph_set_usable(struct l2_graph *g, uint32_t channel, bool usable)
{
	for (unsigned d = 0; d < 2; d++) {
		uint32_t dir = 2 * channel + d;
		g->open[dir] = usable && !g->disabled[dir];
		refresh_in(g, dir);
	}
}

void l2_graph_set_spendable(struct l2_graph *g, uint32_t channel, unsigned d,
			    struct amount spendable)
{
	g->spendable[2 * channel + (d & 1)] = spendable;
}

void l2_graph_set_capacity(struct l2_graph *g, uint32_t channel, struct amount capacity)
{
	g->capacity[channel] = capacity;
	refresh_in(g, 2 * channel);
	refresh_in(g, 2 * channel + 1);
}
