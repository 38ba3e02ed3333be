/* Layer2: parties, their keys, and state channels of two or more parties driven over
 * the Layer1 contract (SPEC section 4). Depends on l1sim/, never the other way round.
 *
 * Every state is an l1_state: the canonical encoding the contract verifies. In an
 * update each party signs the new state and verifies every other party's signature
 * before it accepts it; a failed check aborts the update and changes nothing.
 * A channel keeps its latest state only, plus the old states that the caller said it
 * will need (l2_channel_keep_seq), so its memory does not grow with its payments.
 */
#ifndef L2SIM_L2_L2_H
#define L2SIM_L2_L2_H

#include <stdbool.h>
#include <stdint.h>

#include "l1sim/arena.h"
#include "l1sim/chain.h"
#include "l1sim/channel.h"

enum l2_result {
	L2_OK = 0,
	L2_ERR_NOT_USABLE,       /* not yet open, or a close of it was submitted */
	L2_ERR_NOT_MEMBERS,      /* from/to are not two distinct parties of the channel */
	L2_ERR_OFFLINE,          /* a party that must act or sign is offline */
	L2_ERR_NO_FUNDS,         /* from has less than amount spendable */
	L2_ERR_ZERO_AMOUNT,
	L2_ERR_OVERFLOW,
	L2_ERR_BAD_SIGNATURE,    /* a party refused a state whose signatures do not verify */
	L2_ERR_ALREADY_OPENED,   /* open of a channel whose open was submitted */
	L2_ERR_NOT_OPEN_ON_L1,   /* close before the open tx is included */
	L2_ERR_CLOSE_SUBMITTED,  /* close of a channel already being closed */
	L2_ERR_FUTURE_STATE,     /* a unilateral close with a seq above the latest */
	L2_ERR_STATE_NOT_KEPT,   /* an old state nobody asked to keep */
	L2_ERR_TAMPER_COOP,      /* tamper is for unilateral closes only */
};
const char *l2_result_str(enum l2_result r);

enum l2_signatures { L2_SIG_ED25519 = 0, L2_SIG_OFF };

struct l2_party {
	uint32_t account;          /* its L1 account */
	bool online;
	bool watchtower;
	uint64_t back_at;          /* block whose phase 2 brings it back; UINT64_MAX: none */
	struct amount challenge_fee;
	uint8_t pk[L1_PUBKEY_LEN];
	uint8_t sk[L1_SECKEY_LEN]; /* zero when signatures are off */
};

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

struct l2_net {
	struct l1_chain *chain;    /* borrowed */
	struct l1_channel_contract *l1; /* the channel contract on chain (the chain owns it) */
	enum l2_signatures signatures;
	struct amount fee;         /* fee of the txs a party submits (l1.fee) */
	struct l2_party *parties;
	uint32_t nparties, cap_parties;
	struct l2_channel *channels;
	uint32_t nchannels, cap_channels;
	struct arena channel_arrays; /* every channel's parties and per-party flags */
	struct l1_state **scratch; /* per party count: the next state being built */
	uint32_t nscratch;
	uint32_t *l1map;           /* [nl1map]: L1 contract id -> channel, UINT32_MAX if not ours */
	uint32_t nl1map;
	uint32_t *disputes;        /* channels with a registered unilateral close, unsettled */
	uint32_t ndisputes, cap_disputes;
	uint64_t signs, verifies;  /* real Ed25519 operations done off-chain */
	uint32_t noffline;         /* parties offline; change `online` only through
	                            * l2_party_set_offline/_online, which keep this count */
};

/* Derives a party's Ed25519 key pair from (seed, name): the libsodium seed is
 * BLAKE2b-256("l2sim/key/1" || u64le seed || name). */
void l2_keys_derive(uint64_t seed, const char *name, uint8_t pk[L1_PUBKEY_LEN],
		    uint8_t sk[L1_SECKEY_LEN]);

/* A network over `chain` (borrowed; it must outlive the net). Also registers the
 * net as the chain's event listener. */
struct l2_net *l2_net_new(struct l1_chain *chain, enum l2_signatures sig, struct amount fee);
void l2_net_free(struct l2_net *n);
/* The channel contract the net added to its chain (owned by the chain). */
static inline const struct l1_channel_contract *l2_net_l1_channels(const struct l2_net *n) { return n->l1; }

/* Adds a party with an L1 account holding `balance`; its keys come from (seed, name)
 * unless signatures are off. Fails like l1_chain_add_account, changing nothing. */
enum l1_result l2_party_add(struct l2_net *n, uint64_t seed, const char *name,
			    struct amount balance, struct amount challenge_fee, uint32_t *id_out);

/* Adds a channel between n >= 2... (any n >= 1) distinct parties with the deposits its
 * open will move. Fails like l1_chain_add_channel, changing nothing. */
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

/* Spendable balance of party index i (within the channel): 0 until the open is final,
 * then its balance in the latest state plus its final deposits the state does not yet
 * include. */
struct amount l2_channel_spendable(const struct l2_net *n, uint32_t ch, uint32_t i);
/* True when payments may use channel ch now. */
bool l2_channel_usable(const struct l2_net *n, uint32_t ch);
/* Index of party p in channel ch, or -1. */
int l2_channel_index(const struct l2_net *n, uint32_t ch, uint32_t p);

/* Party p checks the signatures of every other party on s (counted); false if any fails. */
bool l2_party_accepts(struct l2_net *n, uint32_t ch, uint32_t p, const struct l1_state *s);

/* Phase 2 for one party (online or with a watchtower): challenges each channel in
 * dispute, other than one it closed itself, whose registered state is older than
 * its latest, unless its own challenge is pending. Calls `on_submit` per challenge. */
typedef void (*l2_submit_fn)(void *ctx, uint32_t party, uint32_t ch, uint64_t tx);
void l2_react_party(struct l2_net *n, uint32_t p, l2_submit_fn on_submit, void *ctx);
/* Phase 2 for every party in order. */
void l2_react_all(struct l2_net *n, l2_submit_fn on_submit, void *ctx);

void l2_party_set_offline(struct l2_net *n, uint32_t p, uint64_t back_at);
void l2_party_set_online(struct l2_net *n, uint32_t p);

/* Feed of the chain's events (installed by l2_net_new; call it yourself if you
 * install your own listener): clears pending flags, tracks disputes. */
void l2_net_on_l1_event(struct l2_net *n, const struct l1_event *ev);

#endif
