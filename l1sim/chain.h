/* The Layer1 simulator: a generic ledger. Accounts, a fee-ordered mempool, blocks,
 * height-keyed timers, event listeners, and contracts behind an operations table
 * (struct l1_contract_ops, modelled on SQLite's sqlite3_io_methods). It names no
 * contract's operation: the channel contract lives in channel.h, and a new contract
 * (HTLCs, a rollup, a peg) plugs in the same way.
 *
 * A tx is {submitter, fee, contract, op, payload}. Contract L1_CONTRACT_LEDGER is
 * built in: a transfer between accounts, and a tx that only pays its fee (the filler
 * of a flood). Any other contract id names a contract added with l1_chain_add_contract.
 *
 * Block h is produced by l1_chain_produce_block(), which runs phase 1 of SPEC
 * section 3: execute pending txs (fee, then submission order, up to block_tx_limit
 * and, with block_bytes, while the bytes allow: a tx larger than the bytes left, or
 * one its contract passes over, stays pending and the block goes on with the next;
 * a tx invalid when reached is dropped, takes no space and pays no fee), then fire
 * every timer set for a height <= h, in (height, order set) order (the channel
 * contract settles dispute windows that way). Phases 2 and 3 belong to the caller.
 */
#ifndef L2SIM_L1SIM_CHAIN_H
#define L2SIM_L1SIM_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amount.h"
#include "result.h"
#include "rng.h"
#include "state.h"

enum l1_dispute_rule { L1_RULE_LATEST_STATE = 0, L1_RULE_PENALTY };

/* The run's L1 parameters. The last four are the channel contract's (channel.h reads
 * them; the chain does not): they stay here so that a scenario's `l1` section is one
 * struct. */
struct l1_params {
	uint64_t block_interval_ms;   /* > 0; the mean when exponential */
	bool exponential;             /* gaps drawn from Exp(mean), at least 1 ms */
	uint32_t block_tx_limit;      /* >= 1 */
	uint32_t confirmations;       /* >= 1 */
	bool check_conservation;      /* check SPEC's conservation law (see L1_CONSERVATION_EVERY) */
	uint64_t seed;                /* for exponential intervals */
	uint64_t dispute_timeout_blocks; /* channel contract: T, may be 0 */
	enum l1_dispute_rule dispute_rule; /* channel contract */
	bool verify_signatures;       /* channel contract; false: it trusts states */
	uint64_t block_bytes;         /* SPEC section 11: bytes a block may hold; 0 = no limit */
};
/* SPEC defaults: 600 s, fixed, 4000, 6, 144, latest_state, signatures on. */
void l1_params_default(struct l1_params *p);

/* With check_conservation, the law is checked after block h when h is a power of two
 * or a multiple of this: O(accounts + channels) per check, so a long run pays
 * O((accounts + channels) / 1024) per block instead of the whole sum every block
 * (docs/l1sim.md). */
#define L1_CONSERVATION_EVERY 1024

/* Contract 0: the ledger itself. */
#define L1_CONTRACT_LEDGER 0u
enum l1_ledger_op {
	L1_LEDGER_TRANSFER = 0,  /* target: the recipient account; amount moves, fee paid */
	L1_LEDGER_FEE_ONLY,      /* pays only its fee: the filler tx of a flood (congestion) */
};

struct l1_tx {
	uint64_t id;             /* set by l1_chain_submit: the submission order */
	uint64_t submit_height;  /* set by l1_chain_submit */
	uint32_t submitter;      /* account: pays the fee */
	uint32_t contract;       /* L1_CONTRACT_LEDGER or a contract id */
	uint32_t op;             /* the contract's operation (its own enum) */
	/* The payload, read by the contract. */
	uint32_t target;         /* what the op acts on: a transfer's recipient, a channel */
	struct amount fee;
	struct amount amount;    /* a transfer's or a deposit's amount */
	void *data;              /* contract-specific (the channel contract: a state); owned
	                          * by the tx, freed through its contract's free_tx_data */
};

/* A transfer of `amount` from `from` to `to`, paying `fee`. */
struct l1_tx l1_tx_transfer(uint32_t from, uint32_t to, struct amount amount, struct amount fee);
/* A tx that only pays its fee (a flood's filler). */
struct l1_tx l1_tx_fee_only(uint32_t submitter, struct amount fee);
/* True for a tx that only pays its fee. */
static inline bool l1_tx_is_fee_only(const struct l1_tx *tx)
{
	return tx->contract == L1_CONTRACT_LEDGER && tx->op == L1_LEDGER_FEE_ONLY;
}

enum l1_event_kind {
	L1_EV_TX_INCLUDED,
	L1_EV_TX_DROPPED,        /* reason says why */
	L1_EV_CONTRACT,          /* a contract's own event: contract, code, target */
};

struct l1_event {
	enum l1_event_kind kind;
	uint64_t height;
	uint64_t time_ms;
	const struct l1_tx *tx;  /* INCLUDED, DROPPED; valid during the callback only */
	enum l1_result reason;   /* DROPPED */
	uint32_t contract;       /* the tx's or the event's contract */
	uint32_t code;           /* CONTRACT: the contract's event (its own enum) */
	uint32_t target;         /* the tx's target, or the CONTRACT event's object */
};

typedef void (*l1_event_fn)(void *ctx, const struct l1_event *ev);

struct l1_chain;

/* What the canonical state hash is fed with (l1_chain_state_hash). */
struct l1_hasher;
void l1_hasher_u64(struct l1_hasher *h, uint64_t v);

/* A contract's operations table. The chain owns the contract's state `self` once it
 * is added and calls these; every pointer may be NULL except execute. */
struct l1_contract_ops {
	const char *name;
	/* Executes tx in phase 1 of the current block. All-or-nothing: on an error the
	 * contract has changed nothing. On success it has taken tx->fee from the
	 * submitter (the chain credits it to the block producer). Unknown op:
	 * L1_ERR_NO_SUCH_OP. May emit events (l1_chain_emit) and set timers. */
	enum l1_result (*execute)(void *self, struct l1_chain *c, const struct l1_tx *tx);
	/* A timer the contract set has come (end of phase 1 of its height). */
	void (*timer)(void *self, struct l1_chain *c, uint64_t arg);
	/* Adds what the contract holds to *sum; false if that overflows. */
	bool (*holdings)(const void *self, struct amount *sum);
	/* Feeds the contract's canonical state to the state hash. */
	void (*hash)(const void *self, struct l1_hasher *h);
	/* The name of op (for traces), or NULL if the contract has no such op. */
	const char *(*op_str)(uint32_t op);
	/* Frees a tx's data (tx never executed, or executed); op says what it is. */
	void (*free_tx_data)(uint32_t op, void *data);
	/* Frees self (l1_chain_free). */
	void (*free)(void *self);
	/* SPEC section 11: the size of tx in bytes (at least the chain's min_tx_bytes:
	 * a contract with smaller txs lowers it, l1_chain_allow_tx_bytes). NULL: every
	 * tx of the contract has L1_TX_BYTES_CONTRACT. */
	uint32_t (*tx_bytes)(const void *self, const struct l1_tx *tx);
	/* True when tx must be passed over in this block and stay pending, before any
	 * validity or size check (a rollup's batch while an earlier batch of it is
	 * pending). NULL: never. Must not change the chain. */
	bool (*passed_over)(const void *self, const struct l1_chain *c, const struct l1_tx *tx);
};

/* SPEC section 11's sizes: a transfer and a flood's tx, and any tx of a contract
 * without tx_bytes (every channel tx). No tx is smaller than the chain's min_tx_bytes
 * (L1_MIN_TX_BYTES unless a contract lowered it: a rollup batch of a few bytes), so a
 * block with fewer bytes left than that takes nothing more. */
#define L1_TX_BYTES_TRANSFER 110u
#define L1_TX_BYTES_CONTRACT 250u
#define L1_MIN_TX_BYTES 110u

struct l1_account {
	struct amount balance;
	uint8_t pubkey[L1_PUBKEY_LEN];
};

struct l1_contract_slot {
	const struct l1_contract_ops *ops;
	void *self;
};

struct l1_timer {
	uint64_t height;         /* fires at the end of phase 1 of this block */
	uint64_t seq;            /* the order it was set: ties fire in that order */
	uint64_t arg;            /* given back to the contract */
	uint32_t contract;
};

struct l1_listener {
	l1_event_fn fn;
	void *ctx;
};

struct l1_chain {
	struct l1_params params;
	struct rng rng;
	uint64_t height;            /* the last block produced; 0 = genesis */
	uint64_t time_ms;           /* its time */
	uint64_t next_time_ms;      /* the time the next block will have (drawn in advance) */
	struct l1_account *accounts;
	uint32_t naccounts, cap_accounts;
	struct l1_contract_slot *contracts; /* [ncontracts]; [0] is the ledger */
	uint32_t ncontracts;
	struct l1_tx *mempool;      /* binary heap: fee desc, then id asc */
	size_t mempool_len, mempool_cap;
	uint64_t next_tx_id;
	struct amount fees;         /* paid to block producers */
	struct amount supply;       /* starting total; conservation compares with it */
	struct l1_timer *timers;    /* binary heap: (height, seq) asc */
	size_t ntimers, cap_timers;
	uint64_t next_timer_seq;
	struct l1_listener *listeners; /* called in the order they were added */
	uint32_t nlisteners;
	struct l1_event *deferred;  /* contract events of the tx being executed */
	size_t ndeferred, cap_deferred;
	bool executing;             /* a tx is being executed: contract events wait for its INCLUDED */
	uint64_t txs_included, txs_dropped;
	uint64_t bytes_included;    /* the bytes of every included tx */
	uint32_t min_tx_bytes;      /* no tx is smaller (L1_MIN_TX_BYTES unless lowered) */
};

/* A chain at genesis (height 0, time 0). Returns NULL if the params are invalid
 * (interval 0, tx limit 0, confirmations 0). Caller frees with l1_chain_free, which
 * also frees every contract. */
struct l1_chain *l1_chain_new(const struct l1_params *p);
void l1_chain_free(struct l1_chain *c);

/* Adds a listener: every event goes to every listener, in the order they were added. */
void l1_chain_add_listener(struct l1_chain *c, l1_event_fn fn, void *ctx);

/* Adds an account with a starting balance (part of the supply). Fails with
 * L1_ERR_SUPPLY_OVERFLOW if the total supply would exceed 2^64-1; changes nothing then. */
enum l1_result l1_chain_add_account(struct l1_chain *c, struct amount balance,
				    const uint8_t pubkey[L1_PUBKEY_LEN], uint32_t *id_out);

/* Adds a contract: txs naming *id_out reach ops->execute(self, ...). The chain owns
 * self from here on (ops->free). Ids start at 1, in the order added. */
void l1_chain_add_contract(struct l1_chain *c, const struct l1_contract_ops *ops, void *self,
			   uint32_t *id_out);
/* Contract id's state, or NULL if there is no such contract or ops differ (so a
 * caller can check it holds the contract it expects). */
void *l1_chain_contract(const struct l1_chain *c, uint32_t id, const struct l1_contract_ops *ops);

/* Puts a tx in the mempool (tx->id and tx->submit_height are set); the chain takes
 * ownership of tx->data. It can be included in block height+1 at the earliest.
 * Nothing is checked here: validity is decided when the tx is reached (a tx naming a
 * contract that does not exist is dropped then). Aborts if tx->data is set and the
 * contract does not exist yet (nothing could free it). Returns the id. */
uint64_t l1_chain_submit(struct l1_chain *c, struct l1_tx tx);

/* Removes every pending tx for which pred(ctx, tx) is true (their data is freed, no
 * event is emitted): a rollup takes back the batches it undoes. O(pending). Returns
 * how many were removed. */
size_t l1_chain_remove_pending(struct l1_chain *c, bool (*pred)(void *ctx, const struct l1_tx *tx),
			       void *ctx);

/* The size of tx in bytes (SPEC section 11). */
uint32_t l1_chain_tx_bytes(const struct l1_chain *c, const struct l1_tx *tx);

/* A contract whose txs can be smaller than min_tx_bytes says so when it is created
 * (least: its smallest tx), so that a block with that few bytes left still takes them. */
void l1_chain_allow_tx_bytes(struct l1_chain *c, uint32_t least);

/* Produces the next block and runs its phase 1. Aborts if conservation is checked
 * and broken (a bug, never bad input). O(k log m + t log n) for k txs reached, m
 * pending, t timers fired of n set. */
void l1_chain_produce_block(struct l1_chain *c);

/* ---- for contracts ---- */

/* Sets a timer: contract's ops->timer(arg) runs at the end of phase 1 of block
 * `height` (of the next block if that height has passed). O(log timers). */
void l1_chain_add_timer(struct l1_chain *c, uint32_t contract, uint64_t height, uint64_t arg);
/* Emits a contract's event (kind L1_EV_CONTRACT) to every listener. During a tx's
 * execution it is delivered right after that tx's INCLUDED event (and never if the
 * tx is dropped); from a timer, at once. */
void l1_chain_emit(struct l1_chain *c, uint32_t contract, uint32_t code, uint32_t target);
/* Checks that account acct can pay fee + extra; on L1_OK *after is its balance after
 * paying. Changes nothing. */
enum l1_result l1_chain_can_pay(const struct l1_chain *c, uint32_t acct, struct amount fee,
				struct amount extra, struct amount *after);

/* ---- queries ---- */

/* Time of the next block: fixed, or already drawn from the seeded RNG. */
static inline uint64_t l1_chain_next_block_time(const struct l1_chain *c) { return c->next_time_ms; }

/* True when a tx included at `height` is final at the chain's current height. */
bool l1_chain_is_final(const struct l1_chain *c, uint64_t height);

/* Account acct's balance (acct < naccounts). */
static inline struct amount l1_chain_balance(const struct l1_chain *c, uint32_t acct)
{
	return c->accounts[acct].balance;
}

/* The name of tx's operation ("transfer", "open", ...), "?" if unknown. */
const char *l1_chain_op_str(const struct l1_chain *c, const struct l1_tx *tx);

/* Sum of accounts + contract holdings + fees == supply. O(accounts + channels). */
bool l1_chain_conserved(const struct l1_chain *c);

/* A BLAKE2b-256 digest of the canonical L1 state: height, time, fees, every account's
 * balance, then each contract's own encoding (ops->hash) in id order. */
void l1_chain_state_hash(const struct l1_chain *c, uint8_t out[32]);

static inline size_t l1_chain_mempool_len(const struct l1_chain *c) { return c->mempool_len; }

#endif
