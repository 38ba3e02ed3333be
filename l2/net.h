/* The Layer2 network over one chain: its parties and channels, the channel contract
 * it adds to the chain, the id maps between them, and the chain's events it follows. */
#ifndef L2SIM_L2_NET_H
#define L2SIM_L2_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "l1sim/arena.h"
#include "l1sim/chain.h"
#include "l1sim/channel.h"
#include "channel.h"
#include "party.h"
#include "result.h"

/* An htlc claim this net submitted, until it is included or dropped. */
struct l2_pending_claim {
	uint32_t ch;
	uint64_t htlc, tx;
};

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
	uint32_t *l1map;           /* [nl1map]: L1 channel id -> channel, UINT32_MAX if not ours */
	uint32_t nl1map;
	uint32_t *acct_map;        /* [nacct_map]: L1 account -> party, UINT32_MAX if not ours */
	uint32_t nacct_map;
	uint32_t *disputes;        /* channels with a registered unilateral close, unsettled */
	uint32_t ndisputes, cap_disputes;
	uint64_t signs, verifies;  /* real Ed25519 operations done off-chain */
	struct l2_pending_claim *pending_claims; /* in submission order */
	uint32_t npending_claims, cap_pending_claims;
	uint32_t noffline;         /* parties offline; change `online` only through
	                            * l2_party_set_offline/_online, which keep this count */
};

/* A network over `chain` (borrowed; it must outlive the net). Also registers the
 * net as the chain's event listener. */
struct l2_net *l2_net_new(struct l1_chain *chain, enum l2_signatures sig, struct amount fee);
void l2_net_free(struct l2_net *n);
/* The channel contract the net added to its chain (owned by the chain). */
static inline const struct l1_channel_contract *l2_net_l1_channels(const struct l2_net *n) { return n->l1; }

/* Feed of the chain's events (installed by l2_net_new; call it yourself if you
 * install your own listener): clears pending flags, tracks disputes. */
void l2_net_on_l1_event(struct l2_net *n, const struct l1_event *ev);

#endif
