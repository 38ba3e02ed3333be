/* The channel contract of SPEC section 3: one contract on the chain holding every
 * channel, and each channel's money. It plugs into the chain through an operations
 * table (chain.h); the chain knows none of what follows.
 *
 * Every operation is all-or-nothing: it checks everything first and, when it returns
 * an error, has changed nothing (no balance, no fee, no status). The chain calls it
 * when a tx is reached in phase 1 of block `height`; each one also takes the tx's fee
 * from the submitter (the chain credits it to the block producer).
 *
 * A state is *acceptable* for channel ch when: it names ch and ch's party count;
 * its balances add up (without overflow) to the sum of its `included` deposits; each
 * party's `included` is at most what that party has deposited; and, when signatures
 * are verified, every party's signature checks. The contract can therefore never owe
 * more than it holds: settlement pays out exactly its holdings.
 *
 * HTLCs (SPEC section 10): a registered state's HTLCs are held by the contract. An
 * htlc claim by the payee, with the preimage (SHA-256), is valid while the HTLC is in
 * the registered state, not yet paid out, and the height is at most its expiry. At
 * settlement in block h each HTLC goes to its payee if a claim of it was included,
 * else to its payer if h >= expiry; any other stays held and goes to its payee when a
 * claim is included, or to its payer at the end of phase 1 of its expiry block (a
 * chain timer). The penalty rule moves balances and deposits only. Payouts include
 * the HTLC amounts paid to each party; l1_channel_balance_payout excludes them.
 *
 * Outside l1sim, read a channel only through the l1_channel_* functions below, by
 * (contract, channel id); struct l1_channel's layout is the contract's own
 * (channel_record.h).
 */
#ifndef L2SIM_L1SIM_CHANNEL_H
#define L2SIM_L1SIM_CHANNEL_H

#include "chain.h"

enum l1_channel_status {
	L1_CH_NONE = 0,   /* not opened (or its open was dropped) */
	L1_CH_OPEN,       /* open tx included */
	L1_CH_DISPUTE,    /* a unilateral close is registered; the window is open */
	L1_CH_CLOSED,     /* settled */
};
const char *l1_channel_status_str(enum l1_channel_status s);

enum l1_close_kind { L1_CLOSE_NONE = 0, L1_CLOSE_COOPERATIVE, L1_CLOSE_UNILATERAL };

/* The contract's operations (l1_tx.op). target: the channel id; data: a state (the
 * closes and the challenge), owned by the tx; amount: a deposit's. */
enum l1_channel_op {
	L1_CHANNEL_OPEN,
	L1_CHANNEL_DEPOSIT,
	L1_CHANNEL_COOP_CLOSE,
	L1_CHANNEL_UNILATERAL_CLOSE,
	L1_CHANNEL_CHALLENGE,
	L1_CHANNEL_HTLC_CLAIM,    /* data: a struct l1_htlc_claim_data, owned by the tx */
	L1_CHANNEL_OP_NONE,       /* l1_channel_op_of: the tx is not this contract's */
};
const char *l1_channel_op_str(enum l1_channel_op op);

/* The contract's events (l1_event.code of an L1_EV_CONTRACT event; target: the channel). */
enum l1_channel_event {
	L1_CHANNEL_EV_SETTLED = 1, /* the channel settled in this block; see its payouts */
	L1_CHANNEL_EV_HTLC_CLAIMED, /* an htlc claim was included: its preimage is public
	                           * (the channel's last claim, l1_channel_claim) */
	L1_CHANNEL_EV_HTLC_PAID,   /* the contract paid an HTLC of the channel to its payee */
	L1_CHANNEL_EV_HTLC_REFUNDED, /* ... or back to its payer (refunded_onchain) */
};

/* The payload of an htlc claim tx. */
struct l1_htlc_claim_data {
	uint64_t htlc_id;
	uint8_t preimage[L1_PREIMAGE_LEN];
};

/* An htlc claim that was included. It stays evidence for the HTLC of that id and hash
 * if a challenge replaces the registered state. */
struct l1_htlc_claim_rec {
	uint64_t id;                /* the HTLC's */
	uint64_t height;            /* the block that included the claim */
	uint32_t payee;             /* party index of the claimer */
	uint8_t hash[L1_HASH_LEN];
	uint8_t preimage[L1_PREIMAGE_LEN];
};

/* What became of an HTLC with the contract. */
enum l1_htlc_outcome {
	L1_HTLC_NOT_HELD = 0,     /* not in the registered state (or none is registered) */
	L1_HTLC_HELD,             /* held: registered, not yet paid out */
	L1_HTLC_PAID_PAYEE,
	L1_HTLC_PAID_PAYER,
};
const char *l1_htlc_outcome_str(enum l1_htlc_outcome o);

struct l1_channel_contract;

/* Adds the channel contract to chain c, which owns it (l1_chain_free frees it); the
 * pointer stays valid as long as the chain. */
struct l1_channel_contract *l1_channel_contract_new(struct l1_chain *c);
/* Its contract id on the chain (l1_tx.contract). */
uint32_t l1_channel_contract_id(const struct l1_channel_contract *cc);

/* Registers a channel (not yet opened) between n >= 1 distinct accounts with the
 * deposits its open will move. Fails (changing nothing) on an unknown or repeated
 * account. The id is the channel's index in this contract, which states carry. */
enum l1_result l1_channel_add(struct l1_channel_contract *cc, uint32_t n, const uint32_t *accounts,
			      const struct amount *deposits, uint32_t *id_out);

/* A tx of this contract: op on channel ch by account `submitter`. The tx owns state
 * (may be NULL). */
struct l1_tx l1_channel_tx(const struct l1_channel_contract *cc, enum l1_channel_op op, uint32_t submitter,
			   uint32_t ch, struct amount fee, struct amount amount, struct l1_state *state);
/* An htlc claim of HTLC htlc_id of channel ch by account `submitter` (the payee). */
struct l1_tx l1_channel_claim_tx(const struct l1_channel_contract *cc, uint32_t submitter, uint32_t ch,
				 struct amount fee, uint64_t htlc_id, const uint8_t preimage[L1_PREIMAGE_LEN]);
/* tx's operation if tx is this contract's, else L1_CHANNEL_OP_NONE. */
enum l1_channel_op l1_channel_op_of(const struct l1_channel_contract *cc, const struct l1_tx *tx);
/* The channel a tx of this contract names. */
static inline uint32_t l1_channel_tx_channel(const struct l1_tx *tx) { return tx->target; }
/* The state a tx of this contract carries (NULL for open, deposit and htlc claim). */
static inline const struct l1_state *l1_channel_tx_state(const struct l1_tx *tx)
{
	return tx->op == L1_CHANNEL_HTLC_CLAIM ? NULL : (const struct l1_state *)tx->data;
}
/* The claim an htlc claim tx of this contract carries (NULL for the other ops). */
static inline const struct l1_htlc_claim_data *l1_channel_tx_claim(const struct l1_tx *tx)
{
	return tx->op == L1_CHANNEL_HTLC_CLAIM ? (const struct l1_htlc_claim_data *)tx->data : NULL;
}
/* True when ev is this contract's settlement of a channel (its id: ev->target). */
bool l1_channel_is_settled_event(const struct l1_channel_contract *cc, const struct l1_event *ev);

/* ---- reading a channel: ch < l1_channel_count(cc), i < its party count ---- */

uint32_t l1_channel_count(const struct l1_channel_contract *cc);
uint32_t l1_channel_nparties(const struct l1_channel_contract *cc, uint32_t ch);
enum l1_channel_status l1_channel_status(const struct l1_channel_contract *cc, uint32_t ch);
/* Party i's account. */
uint32_t l1_channel_account(const struct l1_channel_contract *cc, uint32_t ch, uint32_t i);
/* What party i's open moves into the contract. */
struct amount l1_channel_open_deposit(const struct l1_channel_contract *cc, uint32_t ch, uint32_t i);
/* Everything party i has deposited (open and top-ups): 0 before the open. */
struct amount l1_channel_deposited(const struct l1_channel_contract *cc, uint32_t ch, uint32_t i);
/* What the contract holds for ch. */
struct amount l1_channel_holdings(const struct l1_channel_contract *cc, uint32_t ch);
/* The block that included the open (valid unless NONE). */
uint64_t l1_channel_open_height(const struct l1_channel_contract *cc, uint32_t ch);
enum l1_close_kind l1_channel_close_kind(const struct l1_channel_contract *cc, uint32_t ch);
/* The block that included the close (valid unless close kind NONE). */
uint64_t l1_channel_close_height(const struct l1_channel_contract *cc, uint32_t ch);
/* The party index of the closer (valid unless close kind NONE). */
uint32_t l1_channel_closer(const struct l1_channel_contract *cc, uint32_t ch);
/* A challenge was accepted. */
bool l1_channel_challenged(const struct l1_channel_contract *cc, uint32_t ch);
/* A challenger other than the closer exists (the penalty's beneficiary), and its index. */
bool l1_channel_penalty_claimed(const struct l1_channel_contract *cc, uint32_t ch);
uint32_t l1_channel_first_challenger(const struct l1_channel_contract *cc, uint32_t ch);
/* The registered state (from DISPUTE on), or NULL. Borrowed: valid until the next block. */
const struct l1_state *l1_channel_registered(const struct l1_channel_contract *cc, uint32_t ch);
/* The registered state's seq, or UINT64_MAX when none is registered. */
uint64_t l1_channel_registered_seq(const struct l1_channel_contract *cc, uint32_t ch);
/* The block of the settlement (valid when CLOSED). */
uint64_t l1_channel_settled_height(const struct l1_channel_contract *cc, uint32_t ch);
/* The last block of ch's dispute window (close height + T, saturated), valid in DISPUTE
 * and after a unilateral close. */
uint64_t l1_channel_window_end(const struct l1_channel_contract *cc, uint32_t ch);
/* Party i's payout: 0 until the channel is CLOSED; HTLC amounts paid to i included
 * (at settlement or later). */
struct amount l1_channel_payout(const struct l1_channel_contract *cc, uint32_t ch, uint32_t i);
/* What balances and deposits paid party i (the security check's figure, SPEC 10). */
struct amount l1_channel_balance_payout(const struct l1_channel_contract *cc, uint32_t ch, uint32_t i);
/* HTLC amounts the contract paid party i so far. */
struct amount l1_channel_htlc_payout(const struct l1_channel_contract *cc, uint32_t ch, uint32_t i);
/* The block at which ch becomes usable off-chain (open_height + conf - 1), or
 * UINT64_MAX if its open is not included. */
uint64_t l1_channel_usable_height(const struct l1_channel_contract *cc, uint32_t ch);
/* Party i's deposits that are final at the chain's height (the open's only once it is
 * final). O(log topups of party i). */
struct amount l1_channel_final_deposit(const struct l1_channel_contract *cc, uint32_t ch, uint32_t i);
/* The party index of account acct in channel ch, or -1. O(nparties). */
int l1_channel_party_index(const struct l1_channel_contract *cc, uint32_t ch, uint32_t acct);

/* ---- HTLCs ---- */

/* What became of HTLC `id` of channel ch. O(log HTLCs). */
enum l1_htlc_outcome l1_channel_htlc_outcome(const struct l1_channel_contract *cc, uint32_t ch, uint64_t id);
/* True while the contract holds an HTLC of ch (registered, not paid out). O(HTLCs). */
bool l1_channel_holds_htlc(const struct l1_channel_contract *cc, uint32_t ch);
/* HTLCs held by the contract over all channels (a run does not end while > 0). O(1). */
uint64_t l1_channel_htlcs_held(const struct l1_channel_contract *cc);
/* Included claims of ch, in block order; claim k < count. Borrowed. */
uint32_t l1_channel_claim_count(const struct l1_channel_contract *cc, uint32_t ch);
const struct l1_htlc_claim_rec *l1_channel_claim(const struct l1_channel_contract *cc, uint32_t ch, uint32_t k);
/* True when a claim with this payment hash was included on ch; its preimage into out. */
bool l1_channel_preimage(const struct l1_channel_contract *cc, uint32_t ch, const uint8_t hash[L1_HASH_LEN],
			 uint8_t out[L1_PREIMAGE_LEN]);
/* Claims included, and HTLCs paid back to their payer by the contract (SPEC's htlcs
 * counters). */
uint64_t l1_channel_claimed_onchain(const struct l1_channel_contract *cc);
uint64_t l1_channel_refunded_onchain(const struct l1_channel_contract *cc);

/* Txs of this contract included so far (the report's channel_txs). */
uint64_t l1_channel_txs(const struct l1_channel_contract *cc);
/* Ed25519 verifications the contract did. */
uint64_t l1_channel_verifies(const struct l1_channel_contract *cc);

#endif
