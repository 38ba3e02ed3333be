/* Channels of two or more parties and their states (SPEC section 4).
 *
 * Every state is an l1_state: the canonical encoding the contract verifies. In an
 * update each party signs the new state and verifies every other party's signature
 * before it accepts it; a failed check aborts the update and changes nothing.
 * A channel keeps its latest state only, plus the old states that the caller said it
 * will need (l2_channel_keep_seq), so its memory does not grow with its payments.
 * Channel ids are the net's own: the L1 channel is c->l1_id (never assumed equal).
 */
#ifndef L2SIM_L2_CHANNEL_H
#define L2SIM_L2_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "l1sim/amount.h"
#include "l1sim/state.h"
#include "result.h"

struct l2_net;

/* What only a channel that keeps old states, closes or is challenged needs: allocated
 * at the first of these (l2_channel.cold), so the other channels do not pay for it. */
struct l2_channel_cold {
	uint64_t close_tx;         /* the id of the close tx, once close_submitted */
	uint64_t *keep_seqs;       /* [nkeep] sorted seqs the caller will ask for */
	struct l1_state **kept;    /* [nkeep]: the state of keep_seqs[i], once it exists */
	uint8_t *challenge_pending;/* [nparties]: a challenge of this party is in the mempool */
	uint8_t *cheated;          /* [nparties]: submitted a stale or tampered close */
};

/* The fields a payment reads come first, so a payment touches one cache line of its
 * channel (plus the latest state). */
struct l2_channel {
	struct l1_state *latest;   /* NULL until opened off-chain */
	uint64_t usable_from;      /* block from which the open is final; UINT64_MAX until
	                            * its inclusion is seen (l2_net_on_l1_event) */
	uint32_t l1_id;            /* the contract's channel id */
	uint32_t nparties;
	uint32_t nkeep;            /* states kept for the script (cold->keep_seqs, ->kept) */
	bool open_submitted;       /* an open tx is pending or included */
	bool close_submitted;      /* a close tx is pending or included */
	bool topped_up;            /* a deposit after the open was included */
	/* the first 32 bytes end here */
	uint32_t *parties;         /* [nparties] party ids, in the channel's order */
	struct l2_channel_cold *cold; /* NULL until a kept state, a close or a challenge
	                            * needs it; owned */
};

/* Party index i of c submitted a stale or tampered close. */
static inline bool l2_channel_cheated(const struct l2_channel *c, uint32_t i)
{
	return c->cold && c->cold->cheated[i];
}
/* A challenge of party index i of c is in the mempool. */
static inline bool l2_channel_challenge_pending(const struct l2_channel *c, uint32_t i)
{
	return c->cold && c->cold->challenge_pending[i];
}


/* Adds a channel between n >= 2... (any n >= 1) distinct parties with the deposits its
 * open will move. Fails like l1_channel_add, changing nothing. */
enum l1_result l2_channel_add(struct l2_net *n, uint32_t np, const uint32_t *parties,
			      const struct amount *deposits, uint32_t *id_out);

/* Asks channel ch to keep state `seq` when it comes to exist (for a scripted stale
 * close). O(nkeep) per call. */
void l2_channel_keep_seq(struct l2_net *n, uint32_t ch, uint64_t seq);

/* All parties sign the opening state (seq 0) and the first party submits the open tx.
 * Fails if a party is offline or an open was already submitted. */
enum l2_result l2_channel_open(struct l2_net *n, uint32_t ch, uint64_t *tx_out);

/* A payment: the next state, signed by all and verified by all. Fails, changing
 * nothing, for each reason of SPEC section 4. */
enum l2_result l2_channel_pay(struct l2_net *n, uint32_t ch, uint32_t from, uint32_t to,
			      struct amount amount);
/* The same with from and to given as indices within the channel (for callers that
 * chose them among its parties: no lookup of the party ids). */
enum l2_result l2_channel_pay_index(struct l2_net *n, uint32_t ch, uint32_t from_index, uint32_t to_index,
				    struct amount amount);

/* Submits a deposit tx of `party` (fails only if the party is offline or not a member;
 * the contract decides the rest when the tx is reached). */
enum l2_result l2_channel_deposit(struct l2_net *n, uint32_t ch, uint32_t party,
				  struct amount amount, uint64_t *tx_out);

enum l2_close_mode { L2_CLOSE_COOPERATIVE, L2_CLOSE_UNILATERAL };
#define L2_STATE_LATEST UINT64_MAX

/* A close of channel ch by party `by` (SPEC section 5). state is a seq or
 * L2_STATE_LATEST. A cooperative close has all sign the final state (latest + 1),
 * which becomes the latest. A unilateral one registers by's copy of `state`,
 * altered to give everything to `by` when tamper is set. */
enum l2_result l2_channel_close(struct l2_net *n, uint32_t ch, uint32_t by,
				enum l2_close_mode mode, uint64_t state, bool tamper,
				uint64_t *tx_out);

/* The same paying `fee` for the close tx (SPEC section 10: the closes of the pending-
 * HTLC rules pay the party's challenge_fee). A cooperative close fails with
 * L2_ERR_HTLC_PENDING while the latest state holds an HTLC. */
enum l2_result l2_channel_close_fee(struct l2_net *n, uint32_t ch, uint32_t by, enum l2_close_mode mode,
				    uint64_t state, bool tamper, struct amount fee, uint64_t *tx_out);

/* Spendable balance of party index i (within the channel): 0 until the open is final,
 * then its balance in the latest state plus its final deposits the state does not yet
 * include. */
struct amount l2_channel_spendable(const struct l2_net *n, uint32_t ch, uint32_t i);
/* True when payments may use channel ch now. */
bool l2_channel_usable(const struct l2_net *n, uint32_t ch);
/* Index of party p in channel ch, or -1. */
int l2_channel_index(const struct l2_net *n, uint32_t ch, uint32_t p);

#endif
