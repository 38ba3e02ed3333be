/* The net: its life cycle, its result strings, and the chain's events it follows. */
#include "l2.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "l1sim/util.h"

const char *l2_result_str(enum l2_result r)
{
	switch (r) {
	case L2_OK: return "ok";
	case L2_ERR_NOT_USABLE: return "channel is not usable (not yet open, or being closed)";
	case L2_ERR_NOT_MEMBERS: return "from and to are not two distinct parties of the channel";
	case L2_ERR_OFFLINE: return "a party of the channel is offline";
	case L2_ERR_NO_FUNDS: return "payer has too little spendable";
	case L2_ERR_ZERO_AMOUNT: return "amount must be at least 1";
	case L2_ERR_OVERFLOW: return "amount overflow";
	case L2_ERR_BAD_SIGNATURE: return "a signature does not verify";
	case L2_ERR_ALREADY_OPENED: return "channel was already opened";
	case L2_ERR_NOT_OPEN_ON_L1: return "the channel's open tx is not included yet";
	case L2_ERR_CLOSE_SUBMITTED: return "a close of the channel was already submitted";
	case L2_ERR_FUTURE_STATE: return "state is newer than the latest";
	case L2_ERR_STATE_NOT_KEPT: return "that old state was not kept";
	case L2_ERR_TAMPER_COOP: return "tamper applies to unilateral closes only";
	case L2_ERR_HTLC_PENDING: return "the latest state holds an HTLC";
	case L2_ERR_NOT_TWO_PARTY: return "HTLCs need a two-party channel";
	case L2_ERR_NO_SUCH_HTLC: return "no such HTLC in the latest state";
	case L2_ERR_BAD_PREIMAGE: return "preimage does not match the payment hash";
	}
	return "unknown error";
}

static void forward_event(void *ctx, const struct l1_event *ev)
{
	l2_net_on_l1_event(ctx, ev);
}

struct l2_net *l2_net_new(struct l1_chain *chain, enum l2_signatures sig, struct amount fee)
{
	if (sodium_init() < 0)
		fatal_invariant("libsodium could not be initialised");
	struct l2_net *n = xcalloc(1, sizeof(*n));
	n->chain = chain;
	n->signatures = sig;
	n->fee = fee;
	n->l1 = l1_channel_contract_new(chain);
	l1_chain_add_listener(chain, forward_event, n);
	return n;
}

void l2_net_free(struct l2_net *n)
{
	if (!n)
		return;
	for (uint32_t i = 0; i < n->nchannels; i++) {
		struct l2_channel *c = &n->channels[i];
		l1_state_free(c->latest);
		if (c->cold) {
			for (uint32_t k = 0; k < c->nkeep; k++)
				l1_state_free(c->cold->kept[k]);
			free(c->cold->kept);
			free(c->cold->keep_seqs);
			free(c->cold);
		}
	}
	for (uint32_t i = 0; i < n->nscratch; i++)
		l1_state_free(n->scratch[i]);
	free(n->scratch);
	free(n->channels);
	arena_free(&n->channel_arrays);
	free(n->parties);
	free(n->disputes);
	free(n->pending_claims);
	free(n->l1map);
	free(n->acct_map);
	free(n);
}

/* ---- the chain's events ---- */

/* The net's channel of L1 contract l1_id, or UINT32_MAX when it is not one of ours
 * (the chain may hold contracts registered without this net). */
static uint32_t channel_of_l1(const struct l2_net *n, uint32_t l1_id)
{
	return l1_id < n->nl1map ? n->l1map[l1_id] : UINT32_MAX;
}

static void remove_dispute(struct l2_net *n, uint32_t ch)
{
	for (uint32_t j = 0; j < n->ndisputes; j++)
		if (n->disputes[j] == ch) {
			n->disputes[j] = n->disputes[--n->ndisputes];
			return;
		}
}

void l2_net_on_l1_event(struct l2_net *n, const struct l1_event *ev)
{
	if (l1_channel_is_settled_event(n->l1, ev)) {
		uint32_t sc = channel_of_l1(n, ev->target);
		if (sc != UINT32_MAX)
			remove_dispute(n, sc);
		return;
	}
	if (ev->kind == L1_EV_CONTRACT)
		return;
	const struct l1_tx *tx = ev->tx;
	enum l1_channel_op op = l1_channel_op_of(n->l1, tx);
	if (op == L1_CHANNEL_OP_NONE)
		return;
	uint32_t ch = channel_of_l1(n, l1_channel_tx_channel(tx));
	if (ch == UINT32_MAX)
		return;
	struct l2_channel *c = &n->channels[ch];
	bool included = ev->kind == L1_EV_TX_INCLUDED;
	switch (op) {
	case L1_CHANNEL_OPEN:
		if (included)
			c->usable_from = l1_channel_usable_height(n->l1, l1_channel_tx_channel(tx));
		if (!included) {
			/* The open failed on L1: the channel can be opened again. */
			c->open_submitted = false;
			l1_state_free(c->latest);
			c->latest = NULL;
		}
		break;
	case L1_CHANNEL_COOP_CLOSE:
	case L1_CHANNEL_UNILATERAL_CLOSE:
		if (!included && c->cold && tx->id == c->cold->close_tx)
			c->close_submitted = false; /* a dropped close no longer counts */
		if (included && op == L1_CHANNEL_UNILATERAL_CLOSE) {
			if (n->ndisputes == n->cap_disputes)
				n->disputes = xreallocarray(n->disputes, n->cap_disputes = n->cap_disputes ? 2 * n->cap_disputes : 8,
							    sizeof(*n->disputes));
			n->disputes[n->ndisputes++] = ch;
		}
		break;
	case L1_CHANNEL_HTLC_CLAIM:
		for (uint32_t j = 0; j < n->npending_claims; j++)
			if (n->pending_claims[j].tx == tx->id) {
				memmove(n->pending_claims + j, n->pending_claims + j + 1,
					(n->npending_claims - j - 1) * sizeof(*n->pending_claims));
				n->npending_claims--;
				break;
			}
		break;
	case L1_CHANNEL_DEPOSIT:
		if (included)
			c->topped_up = true;
		break;
	case L1_CHANNEL_CHALLENGE: {
		uint32_t p = l2_party_of_account(n, tx->submitter);
		int i = p == UINT32_MAX ? -1 : l2_channel_index(n, ch, p);
		if (i >= 0 && c->cold)
			c->cold->challenge_pending[i] = 0;
		break;
	}
	default:
		break;
	}
}
