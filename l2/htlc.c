/* HTLCs off chain: add, fail, settle, and the phase-2 rules (htlc.h). */
#include "l2.h"

#include <sodium.h>
#include <string.h>

#include "internal.h"
#include "l1sim/util.h"

void l2_htlc_hash(const uint8_t preimage[L1_PREIMAGE_LEN], uint8_t hash[L1_HASH_LEN])
{
	crypto_hash_sha256(hash, preimage, L1_PREIMAGE_LEN);
}

const char *l2_htlc_action_str(enum l2_htlc_action a)
{
	switch (a) {
	case L2_HTLC_NOTHING: return "nothing";
	case L2_HTLC_SETTLED: return "settled";
	case L2_HTLC_REMOVED: return "removed";
	case L2_HTLC_CLOSED: return "closed";
	case L2_HTLC_CLAIMED: return "claimed";
	}
	return "?";
}

bool l2_htlc_channel_takes_updates(const struct l2_net *n, uint32_t ch)
{
	const struct l2_channel *c = &n->channels[ch];
	return c->latest && !c->close_submitted;
}

const struct l1_htlc *l2_htlc_find(const struct l2_net *n, uint32_t ch, uint64_t id)
{
	const struct l2_channel *c = &n->channels[ch];
	int k = c->latest ? l1_state_htlc_find(c->latest, id) : -1;
	return k < 0 ? NULL : l1_state_htlc(c->latest, (uint32_t)k);
}

static bool online(const struct l2_net *n, const struct l2_channel *c, uint32_t i)
{
	return n->parties[c->parties[i]].online;
}

/* Signs, verifies and installs s as ch's latest state. */
static enum l2_result commit(struct l2_net *n, uint32_t ch, struct l1_state *s)
{
	if (!l2_channel_sign_and_accept(n, ch, s))
		return L2_ERR_BAD_SIGNATURE;
	l2_channel_install(n, &n->channels[ch], s);
	return L2_OK;
}

enum l2_result l2_htlc_add(struct l2_net *n, uint32_t ch, uint32_t payer_index, struct amount amount,
			   const uint8_t hash[L1_HASH_LEN], uint64_t expiry, uint64_t *id_out)
{
	struct l2_channel *c = &n->channels[ch];
	if (c->nparties != 2)
		return L2_ERR_NOT_TWO_PARTY;
	if (amount_is_zero(amount))
		return L2_ERR_ZERO_AMOUNT;
	if (!l2_channel_usable(n, ch))
		return L2_ERR_NOT_USABLE;
	if (payer_index >= 2)
		return L2_ERR_NOT_MEMBERS;
	if (!l2_channel_all_online(n, c))
		return L2_ERR_OFFLINE;
	/* The spendable balance (final top-ups included), as for a payment. */
	if (amount_lt(l2_channel_spendable(n, ch, payer_index), amount))
		return L2_ERR_NO_FUNDS;
	struct l1_state *s;
	enum l2_result r = l2_channel_next_state(n, ch, &s);
	if (r)
		return r;
	if (!amount_sub_from(&s->balances[payer_index], amount))
		return L2_ERR_NO_FUNDS;
	struct l1_htlc h = { .id = s->seq, .amount = amount, .expiry = expiry, .payer = payer_index,
			     .payee = 1 - payer_index };
	memcpy(h.hash, hash, L1_HASH_LEN);
	l1_state_htlc_append(s, &h);
	if ((r = commit(n, ch, s)))
		return r;
	if (id_out)
		*id_out = h.id;
	return L2_OK;
}

/* The common part of fail and settle: HTLC id leaves the state and its amount goes to
 * its payee (to_payee) or back to its payer. */
static enum l2_result resolve(struct l2_net *n, uint32_t ch, uint64_t id, bool to_payee,
			      const uint8_t *preimage)
{
	struct l2_channel *c = &n->channels[ch];
	if (!l2_htlc_channel_takes_updates(n, ch))
		return L2_ERR_NOT_USABLE;
	int k = l1_state_htlc_find(c->latest, id);
	if (k < 0)
		return L2_ERR_NO_SUCH_HTLC;
	const struct l1_htlc *h = l1_state_htlc(c->latest, (uint32_t)k);
	if (preimage) {
		uint8_t d[L1_HASH_LEN];
		l2_htlc_hash(preimage, d);
		if (memcmp(d, h->hash, L1_HASH_LEN) != 0)
			return L2_ERR_BAD_PREIMAGE;
	}
	if (!l2_channel_all_online(n, c))
		return L2_ERR_OFFLINE;
	struct l1_state *s;
	enum l2_result r = l2_channel_next_state(n, ch, &s);
	if (r)
		return r;
	const struct l1_htlc *t = l1_state_htlc(s, (uint32_t)k);
	if (!amount_add_to(&s->balances[to_payee ? t->payee : t->payer], t->amount))
		return L2_ERR_OVERFLOW;
	l1_state_htlc_remove(s, (uint32_t)k);
	return commit(n, ch, s);
}

enum l2_result l2_htlc_fail(struct l2_net *n, uint32_t ch, uint64_t id)
{
	return resolve(n, ch, id, false, NULL);
}

enum l2_result l2_htlc_settle(struct l2_net *n, uint32_t ch, uint64_t id, const uint8_t preimage[L1_PREIMAGE_LEN])
{
	return resolve(n, ch, id, true, preimage);
}

/* ---- phase 2 ---- */

enum l2_htlc_action l2_htlc_rule_settle(struct l2_net *n, uint32_t ch, uint64_t id, const uint8_t *preimage)
{
	if (!preimage || !l2_htlc_find(n, ch, id))
		return L2_HTLC_NOTHING;
	return l2_htlc_settle(n, ch, id, preimage) == L2_OK ? L2_HTLC_SETTLED : L2_HTLC_NOTHING;
}

enum l2_htlc_action l2_htlc_rule_remove(struct l2_net *n, uint32_t ch, uint64_t id, const uint8_t *preimage,
					bool any_expiry)
{
	const struct l1_htlc *h = l2_htlc_find(n, ch, id);
	if (preimage || !h || (!any_expiry && n->chain->height < h->expiry))
		return L2_HTLC_NOTHING;
	return l2_htlc_fail(n, ch, id) == L2_OK ? L2_HTLC_REMOVED : L2_HTLC_NOTHING;
}

bool l2_htlc_claim_pending(const struct l2_net *n, uint32_t ch, uint64_t id)
{
	for (uint32_t j = 0; j < n->npending_claims; j++)
		if (n->pending_claims[j].ch == ch && n->pending_claims[j].htlc == id)
			return true;
	return false;
}

/* A claim of HTLC h of ch was included (whoever submitted it). */
static bool claim_included(const struct l2_net *n, uint32_t ch, const struct l1_htlc *h)
{
	uint32_t l1 = n->channels[ch].l1_id;
	for (uint32_t j = 0; j < l1_channel_claim_count(n->l1, l1); j++) {
		const struct l1_htlc_claim_rec *r = l1_channel_claim(n->l1, l1, j);
		if (r->id == h->id && memcmp(r->hash, h->hash, L1_HASH_LEN) == 0)
			return true;
	}
	return false;
}

enum l2_htlc_action l2_htlc_rule_onchain(struct l2_net *n, uint32_t ch, const struct l1_htlc *htlc,
					 const uint8_t *preimage, uint64_t go_onchain_blocks, bool *applies,
					 uint64_t *tx_out)
{
	struct l2_channel *c = &n->channels[ch];
	uint64_t height = n->chain->height;
	bool late = htlc->expiry <= go_onchain_blocks || height >= htlc->expiry - go_onchain_blocks;
	*applies = preimage && c->nparties == 2 && online(n, c, htlc->payee) && (c->close_submitted || late);
	if (!*applies)
		return L2_HTLC_NOTHING;
	struct l2_party *payee = &n->parties[c->parties[htlc->payee]];
	if (!c->close_submitted)
		return l2_channel_close_fee(n, ch, c->parties[htlc->payee], L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false,
					    payee->challenge_fee, tx_out) == L2_OK
			       ? L2_HTLC_CLOSED
			       : L2_HTLC_NOTHING;
	if (height >= htlc->expiry || l1_channel_htlc_outcome(n->l1, c->l1_id, htlc->id) != L1_HTLC_HELD ||
	    l2_htlc_claim_pending(n, ch, htlc->id) || claim_included(n, ch, htlc))
		return L2_HTLC_NOTHING;
	/* The registered state may name the same id with other terms (a stale or forged
	 * one): claim only the HTLC this party holds. */
	const struct l1_state *reg = l1_channel_registered(n->l1, c->l1_id);
	const struct l1_htlc *r = l1_state_htlc(reg, (uint32_t)l1_state_htlc_find(reg, htlc->id));
	if (memcmp(r->hash, htlc->hash, L1_HASH_LEN) != 0 || r->payee != htlc->payee)
		return L2_HTLC_NOTHING;
	uint64_t tx = l1_chain_submit(n->chain, l1_channel_claim_tx(n->l1, payee->account, c->l1_id,
								     payee->challenge_fee, htlc->id, preimage));
	if (n->npending_claims == n->cap_pending_claims)
		n->pending_claims = xreallocarray(n->pending_claims,
						  n->cap_pending_claims = n->cap_pending_claims ? 2 * n->cap_pending_claims : 4,
						  sizeof(*n->pending_claims));
	n->pending_claims[n->npending_claims++] = (struct l2_pending_claim){ ch, htlc->id, tx };
	if (tx_out)
		*tx_out = tx;
	return L2_HTLC_CLAIMED;
}

enum l2_htlc_action l2_htlc_rule_payer_close(struct l2_net *n, uint32_t ch, const struct l1_htlc *htlc,
					     uint64_t *tx_out)
{
	struct l2_channel *c = &n->channels[ch];
	if (c->nparties != 2 || n->chain->height < htlc->expiry || !online(n, c, htlc->payer) ||
	    online(n, c, htlc->payee) || c->close_submitted)
		return L2_HTLC_NOTHING;
	uint32_t p = c->parties[htlc->payer];
	return l2_channel_close_fee(n, ch, p, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false,
				    n->parties[p].challenge_fee, tx_out) == L2_OK
		       ? L2_HTLC_CLOSED
		       : L2_HTLC_NOTHING;
}

enum l2_htlc_action l2_htlc_step(struct l2_net *n, uint32_t ch, const struct l1_htlc *htlc,
				 const uint8_t *preimage, uint64_t go_onchain_blocks, uint64_t *tx_out)
{
	struct l2_channel *c = &n->channels[ch];
	bool both = online(n, c, htlc->payer) && online(n, c, htlc->payee);
	bool updates = l2_htlc_channel_takes_updates(n, ch) && l2_htlc_find(n, ch, htlc->id);
	if (preimage && both && updates)
		return l2_htlc_rule_settle(n, ch, htlc->id, preimage);
	if (!preimage && both && updates && n->chain->height >= htlc->expiry)
		return l2_htlc_rule_remove(n, ch, htlc->id, NULL, false);
	bool applies;
	enum l2_htlc_action a = l2_htlc_rule_onchain(n, ch, htlc, preimage, go_onchain_blocks, &applies, tx_out);
	if (applies)
		return a;
	return l2_htlc_rule_payer_close(n, ch, htlc, tx_out);
}
