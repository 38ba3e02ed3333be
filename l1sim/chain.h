/* The Layer1 simulator: accounts, a fee-ordered mempool, blocks, and one channel
 * contract per channel (contract.h). It knows nothing of payments or parties.
 *
 * Block h is produced by l1_chain_produce_block(), which runs phase 1 of SPEC
 * section 3: execute pending txs (fee, then submission order, up to block_tx_limit;
 * a tx invalid when reached is dropped, takes no space and pays no fee), then settle
 * every channel whose dispute window ends at h. Phases 2 and 3 belong to the caller.
 */
#ifndef L2SIM_L1SIM_CHAIN_H
#define L2SIM_L1SIM_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amount.h"
#include "arena.h"
#include "rng.h"
#include "state.h"

enum l1_result {
	L1_OK = 0,
	L1_ERR_NO_FUNDS,         /* the submitter cannot pay the fee (or a deposit) */
	L1_ERR_OVERFLOW,         /* the operation would overflow an amount */
	L1_ERR_NO_SUCH_ACCOUNT,
	L1_ERR_NO_SUCH_CHANNEL,
	L1_ERR_NOT_MEMBER,       /* the submitter is not a party of the channel */
	L1_ERR_NOT_OPENER,       /* open submitted by another than the channel's first party */
	L1_ERR_ALREADY_OPEN,     /* open of a channel that was opened before */
	L1_ERR_NOT_OPEN,         /* the channel is not open (never opened, or a close is registered) */
	L1_ERR_NO_DISPUTE,       /* challenge with no dispute window open */
	L1_ERR_STALE_SEQ,        /* challenge whose seq is not above the registered one */
	L1_ERR_BAD_SIGNATURE,    /* a party's signature over the state does not verify */
	L1_ERR_BAD_STATE,        /* wrong channel or party count, or amounts that do not add up */
	L1_ERR_BAD_PARAMS,
	L1_ERR_SUPPLY_OVERFLOW,  /* total money would exceed 2^64-1 units */
};
const char *l1_result_str(enum l1_result r);

enum l1_dispute_rule { L1_RULE_LATEST_STATE = 0, L1_RULE_PENALTY };

struct l1_params {
	uint64_t block_interval_ms;   /* > 0; the mean when exponential */
	bool exponential;             /* gaps drawn from Exp(mean), at least 1 ms */
	uint32_t block_tx_limit;      /* >= 1 */
	uint32_t confirmations;       /* >= 1 */
	uint64_t dispute_timeout_blocks; /* T, may be 0 */
	enum l1_dispute_rule dispute_rule;
	bool verify_signatures;       /* false: the contract trusts states */
	bool check_conservation;      /* check SPEC's conservation law after every block (O(accounts + channels)) */
	uint64_t seed;                /* for exponential intervals */
};
/* SPEC defaults: 600 s, fixed, 4000, 6, 144, latest_state, signatures on. */
void l1_params_default(struct l1_params *p);

enum l1_tx_kind {
	L1_TX_OPEN,
	L1_TX_DEPOSIT,
	L1_TX_COOP_CLOSE,
	L1_TX_UNILATERAL_CLOSE,
	L1_TX_CHALLENGE,
	L1_TX_FILLER,            /* pays only its fee (congestion) */
};
const char *l1_tx_kind_str(enum l1_tx_kind k);

struct l1_tx {
	uint64_t id;             /* set by l1_chain_submit: the submission order */
	uint64_t submit_height;  /* set by l1_chain_submit */
	enum l1_tx_kind kind;
	uint32_t submitter;      /* account */
	uint32_t channel;        /* all but FILLER */
	struct amount fee;
	struct amount amount;    /* DEPOSIT */
	struct l1_state *state;  /* the closes and CHALLENGE; owned by the tx */
};

enum l1_event_kind {
	L1_EV_TX_INCLUDED,
	L1_EV_TX_DROPPED,        /* reason says why */
	L1_EV_SETTLED,           /* channel settled in this block; see its payouts */
};

struct l1_event {
	enum l1_event_kind kind;
	uint64_t height;
	uint64_t time_ms;
	const struct l1_tx *tx;  /* INCLUDED, DROPPED; valid during the callback only */
	enum l1_result reason;   /* DROPPED */
	uint32_t channel;        /* SETTLED */
};

typedef void (*l1_event_fn)(void *ctx, const struct l1_event *ev);

struct l1_account {
	struct amount balance;
	uint8_t pubkey[L1_PUBKEY_LEN];
};

struct l1_mempool_entry;
struct l1_channel;

struct l1_chain {
	struct l1_params params;
	struct rng rng;
	uint64_t height;            /* the last block produced; 0 = genesis */
	uint64_t time_ms;           /* its time */
	uint64_t next_time_ms;      /* the time the next block will have (drawn in advance) */
	struct l1_account *accounts;
	uint32_t naccounts, cap_accounts;
	struct l1_channel *channels;
	uint32_t nchannels, cap_channels;
	struct arena channel_arrays; /* every channel's per-party arrays */
	struct l1_tx *mempool;      /* binary heap: fee desc, then id asc */
	size_t mempool_len, mempool_cap;
	uint64_t next_tx_id;
	struct amount fees;         /* paid to block producers */
	struct amount supply;       /* starting total; conservation compares with it */
	/* Dispute windows in order of their end (T is fixed, so that is close order). */
	uint32_t *windows;
	size_t windows_head, windows_len, windows_cap;
	uint64_t txs_included, txs_dropped, channel_txs;
	uint64_t verifies;          /* Ed25519 verifications the contract did */
	l1_event_fn on_event;
	void *event_ctx;
};

/* A chain at genesis (height 0, time 0). Returns NULL if the params are invalid
 * (interval 0, tx limit 0, confirmations 0). Caller frees with l1_chain_free. */
struct l1_chain *l1_chain_new(const struct l1_params *p);
void l1_chain_free(struct l1_chain *c);
void l1_chain_set_listener(struct l1_chain *c, l1_event_fn fn, void *ctx);

/* Adds an account with a starting balance (part of the supply). Fails with
 * L1_ERR_SUPPLY_OVERFLOW if the total supply would exceed 2^64-1; changes nothing then. */
enum l1_result l1_chain_add_account(struct l1_chain *c, struct amount balance,
				    const uint8_t pubkey[L1_PUBKEY_LEN], uint32_t *id_out);

/* Registers a channel contract (not yet opened) between n >= 1 distinct accounts with
 * the deposits its open will move. Fails (changing nothing) on an unknown or repeated
 * account. The id is the channel's index, which states carry. */
enum l1_result l1_chain_add_channel(struct l1_chain *c, uint32_t n, const uint32_t *accounts,
				    const struct amount *deposits, uint32_t *id_out);

/* Puts a tx in the mempool (tx->id and tx->submit_height are set); the chain takes
 * ownership of tx->state. It can be included in block height+1 at the earliest.
 * Nothing is checked here: validity is decided when the tx is reached. Returns the id. */
uint64_t l1_chain_submit(struct l1_chain *c, struct l1_tx tx);

/* Produces the next block and runs its phase 1. Aborts if conservation is checked
 * and broken (a bug, never bad input). O(k log m) for k txs reached, m pending. */
void l1_chain_produce_block(struct l1_chain *c);

/* Time of the next block: fixed, or already drawn from the seeded RNG. */
static inline uint64_t l1_chain_next_block_time(const struct l1_chain *c) { return c->next_time_ms; }

/* True when a tx included at `height` is final at the chain's current height. */
bool l1_chain_is_final(const struct l1_chain *c, uint64_t height);

/* Sum of accounts + contract holdings + fees == supply. O(accounts + channels). */
bool l1_chain_conserved(const struct l1_chain *c);

/* A BLAKE2b-256 digest of the canonical L1 state: height, time, every account's
 * balance, fees, and every contract's status, holdings, deposits and registered seq. */
void l1_chain_state_hash(const struct l1_chain *c, uint8_t out[32]);

static inline size_t l1_chain_mempool_len(const struct l1_chain *c) { return c->mempool_len; }

#endif
