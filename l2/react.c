/* Phase 2: honest parties (and the watchtowers of offline ones) watch the chain and
 * challenge stale closes. */
#include "l2.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "l1sim/util.h"

/* ---- phase 2: honest parties watch the chain ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static void maybe_challenge(struct l2_net *n, uint32_t p, uint32_t ch, l2_submit_fn on_submit, void *ctx)
{
	struct l2_channel *c = &n->channels[ch];
	int i = l2_channel_index(n, ch, p);
	if (i < 0 || l1_channel_status(n->l1, c->l1_id) != L1_CH_DISPUTE || l1_channel_closer(n->l1, c->l1_id) == (uint32_t)i)
		return;
	if (l2_channel_challenge_pending(c, (uint32_t)i) || l1_channel_registered_seq(n->l1, c->l1_id) >= c->latest->seq)
		return;
	struct l2_party *party = &n->parties[p];
	l2_channel_cold_of(c)->challenge_pending[i] = 1;
	uint64_t id = l1_chain_submit(n->chain, l1_channel_tx(n->l1, L1_CHANNEL_CHALLENGE, party->account, c->l1_id,
							       party->challenge_fee, AMOUNT(0), l1_state_copy(c->latest)));
	if (on_submit)
		on_submit(ctx, p, ch, id);
}

static bool watching(const struct l2_party *p)
{
	return p->online || p->watchtower;
}

void l2_react_party(struct l2_net *n, uint32_t p, l2_submit_fn on_submit, void *ctx)
{
	if (!watching(&n->parties[p]) || n->ndisputes == 0)
		return;
	uint32_t *chs = xmalloc(n->ndisputes * sizeof(uint32_t));
	memcpy(chs, n->disputes, n->ndisputes * sizeof(uint32_t));
	uint32_t nd = n->ndisputes;
	qsort(chs, nd, sizeof(uint32_t), cmp_u32);
	for (uint32_t j = 0; j < nd; j++)
		maybe_challenge(n, p, chs[j], on_submit, ctx);
	free(chs);
}

struct pc {
	uint32_t party, ch;
};

static int cmp_pc(const void *a, const void *b)
{
	const struct pc *x = a, *y = b;
	if (x->party != y->party)
		return (x->party > y->party) - (x->party < y->party);
	return (x->ch > y->ch) - (x->ch < y->ch);
}

void l2_react_all(struct l2_net *n, l2_submit_fn on_submit, void *ctx)
{
	if (n->ndisputes == 0)
		return;
	size_t total = 0;
	for (uint32_t j = 0; j < n->ndisputes; j++)
		total += n->channels[n->disputes[j]].nparties;
	struct pc *pairs = xmalloc(total * sizeof(*pairs));
	size_t k = 0;
	for (uint32_t j = 0; j < n->ndisputes; j++) {
		const struct l2_channel *c = &n->channels[n->disputes[j]];
		for (uint32_t i = 0; i < c->nparties; i++)
			pairs[k++] = (struct pc){ c->parties[i], n->disputes[j] };
	}
	qsort(pairs, total, sizeof(*pairs), cmp_pc);
	for (size_t j = 0; j < total; j++)
		if (watching(&n->parties[pairs[j].party]))
			maybe_challenge(n, pairs[j].party, pairs[j].ch, on_submit, ctx);
	free(pairs);
}
