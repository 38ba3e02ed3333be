/* The channel contract of SPEC section 3: one instance per channel, holding its money.
 *
 * Every operation is all-or-nothing: it checks everything first and, when it returns
 * an error, has changed nothing (no balance, no fee, no status). The chain calls these
 * when a tx is reached in phase 1 of block `height`; each one also takes the tx's fee
 * from the submitter (the caller, l1_chain, credits it to the block producer).
 *
 * A state is *acceptable* for channel ch when: it names ch and ch's party count;
 * its balances add up (without overflow) to the sum of its `included` deposits; each
 * party's `included` is at most what that party has deposited; and, when signatures
 * are verified, every party's signature checks. The contract can therefore never owe
 * more than it holds: settlement pays out exactly its holdings.
 */
#ifndef L2SIM_L1SIM_CONTRACT_H
#define L2SIM_L1SIM_CONTRACT_H

#include "chain.h"

enum l1_channel_status {
	L1_CH_NONE = 0,   /* not opened (or its open was dropped) */
	L1_CH_OPEN,       /* open tx included */
	L1_CH_DISPUTE,    /* a unilateral close is registered; the window is open */
	L1_CH_CLOSED,     /* settled */
};

enum l1_close_kind { L1_CLOSE_NONE = 0, L1_CLOSE_COOPERATIVE, L1_CLOSE_UNILATERAL };

struct l1_deposit_rec {
	uint64_t height;      /* block that included the deposit */
	uint32_t party;       /* index within the channel */
	struct amount amount;
};

/* What only a channel with top-ups, or one being closed, needs: allocated at its first
 * top-up or close (l1_channel.cold), so that the others do not pay for it. */
struct l1_channel_cold {
	enum l1_close_kind close_kind;
	uint32_t closer;            /* party index of the unilateral closer */
	uint32_t first_challenger;  /* party index of the first challenger other than the closer */
	bool challenged;            /* a challenge was accepted */
	bool penalty_claimed;       /* first_challenger is set */
	uint64_t close_height;      /* the block that included the close */
	uint64_t settled_height;    /* valid when CLOSED */
	struct amount *payouts;     /* [nparties]: valid when CLOSED */
	struct l1_state *registered;/* the registered state (DISPUTE, CLOSED), owned */
	struct l1_deposit_rec *topups; /* deposits after the open, in block order */
	uint32_t ntopups, cap_topups;
};

struct l1_channel {
	uint32_t nparties;
	enum l1_channel_status status;
	uint64_t open_height;       /* valid from OPEN on */
	/* One piece of the chain's arena: [nparties] open deposits (what the open tx
	 * moves), [nparties] deposits (all deposits in the contract), then [nparties]
	 * account ids; read them with l1_channel_open_deposit/_deposited/_accounts. */
	struct amount *amounts;
	struct amount holdings;
	struct l1_channel_cold *cold; /* NULL until its first top-up or close; owned */
};

/* Channel k's parties' accounts, open deposits and deposits, each [nparties]. */
static inline const uint32_t *l1_channel_accounts(const struct l1_channel *k)
{
	return (const uint32_t *)(k->amounts + 2 * (size_t)k->nparties);
}
static inline const struct amount *l1_channel_open_deposit(const struct l1_channel *k)
{
	return k->amounts;
}
static inline const struct amount *l1_channel_deposited(const struct l1_channel *k)
{
	return k->amounts + k->nparties;
}

/* The record of a channel that has neither top-ups nor a close: no close kind, no
 * registered state (NULL), no payouts (NULL), no top-ups. */
extern const struct l1_channel_cold l1_channel_cold_none;
/* k's cold part, or l1_channel_cold_none: never NULL. Its registered state is set
 * from DISPUTE on, its payouts when CLOSED. */
static inline const struct l1_channel_cold *l1_channel_cold(const struct l1_channel *k)
{
	return k->cold ? k->cold : &l1_channel_cold_none;
}
/* Party i's payout: 0 until the channel is CLOSED. */
static inline struct amount l1_channel_payout(const struct l1_channel *k, uint32_t i)
{
	return k->cold ? k->cold->payouts[i] : AMOUNT(0);
}
/* Frees k's cold part (the chain's l1_chain_free calls it). */
void l1_channel_cold_free(struct l1_channel *k);

/* open: the channel must be NONE and the submitter its first party. Moves every
 * party's open deposit into the contract, or nothing if any party lacks the funds
 * (the first party needs deposit + fee). */
enum l1_result l1_contract_open(struct l1_chain *c, const struct l1_tx *tx);
/* deposit: channel OPEN (a registered close forbids it), submitter a member with
 * amount + fee. Adds to its deposit. */
enum l1_result l1_contract_deposit(struct l1_chain *c, const struct l1_tx *tx);
/* cooperative close: channel OPEN, submitter a member, state acceptable. Settles at
 * once: payouts are credited in this block. */
enum l1_result l1_contract_coop_close(struct l1_chain *c, const struct l1_tx *tx);
/* unilateral close: channel OPEN, submitter a member, state acceptable. Registers the
 * state and opens the dispute window height..height+T. */
enum l1_result l1_contract_unilateral_close(struct l1_chain *c, const struct l1_tx *tx);
/* challenge: channel in DISPUTE (its window is open until settlement at the end of
 * phase 1 of close_height+T), submitter a member, state acceptable with a seq above
 * the registered one. Replaces the registered state. */
enum l1_result l1_contract_challenge(struct l1_chain *c, const struct l1_tx *tx);
/* Settles a channel in DISPUTE on its registered state: each party gets its balance
 * plus deposited - included; under the penalty rule a challenged closer's payout goes
 * to the first challenger. Credits L1 balances and empties the contract. */
void l1_contract_settle(struct l1_chain *c, uint32_t channel);

/* The block at which channel ch becomes usable off-chain (open_height + conf - 1), or
 * UINT64_MAX if its open is not included. */
uint64_t l1_contract_usable_height(const struct l1_chain *c, uint32_t ch);
/* Party i's deposits that are final at the chain's height (the open's only once it is
 * final). O(log topups). */
struct amount l1_contract_final_deposit(const struct l1_chain *c, uint32_t ch, uint32_t i);
/* The party index of account acct in channel ch, or -1. O(nparties). */
int l1_contract_party_index(const struct l1_chain *c, uint32_t ch, uint32_t acct);
const char *l1_channel_status_str(enum l1_channel_status s);

#endif
