/* A rollup's contract (SPEC section 11): one contract per rollup, holding its
 * operator's bond and its users' deposits. It plugs into the chain through the
 * operations table (chain.h), like the channel contract.
 *
 * What it does on L1, and only that: a deposit moves money in; a batch commits a
 * list of off-chain payments (the contract sees only their count, whether the
 * operator's state commitment is fraudulent, and the withdrawals it must pay); a
 * fraud proof reverts a batch that committed a fraud and pays the bond to whoever
 * proved it. The rollup's balances, its queue and its verifiers live in
 * tools/run_rollup.c: the contract does not execute batches (an optimistic rollup
 * trusts them until a fraud proof; a validity rollup's proof cannot be made for a
 * fraudulent batch, so that batch is dropped when reached).
 *
 * Batches are numbered by their cutter (seq, increasing, never reused) and taken in
 * that order: a batch whose seq is not the next one expected is passed over (stays
 * pending), so a later batch never gets ahead of an earlier one still in the mempool.
 * After a revert, or when the cutter drops a batch's successors, it tells the contract
 * the next seq with l1_rollup_resume.
 *
 * Finality: a validity batch is final when included; an optimistic batch included in
 * block h is final at the end of block h + challenge_blocks (a chain timer) unless a
 * fraud proof reverted it. A final batch's withdrawals are paid then. Every operation
 * is all-or-nothing. */
#ifndef L2SIM_L1SIM_ROLLUP_H
#define L2SIM_L1SIM_ROLLUP_H

#include "chain.h"

enum l1_rollup_kind { L1_ROLLUP_OPTIMISTIC = 0, L1_ROLLUP_VALIDITY };

/* The contract's operations (l1_tx.op). */
enum l1_rollup_op {
	L1_ROLLUP_DEPOSIT = 0,     /* amount moves from the submitter into the contract */
	L1_ROLLUP_BATCH,           /* data: a struct l1_rollup_batch, owned by the tx */
	L1_ROLLUP_FRAUD_PROOF,     /* target: the seq of the batch it proves fraudulent */
	L1_ROLLUP_OP_NONE,         /* l1_rollup_op_of: the tx is not this contract's */
};
const char *l1_rollup_op_str(enum l1_rollup_op op);

/* The contract's events (l1_event.code of an L1_EV_CONTRACT event; target: a batch's
 * seq, truncated to 32 bits). */
enum l1_rollup_event {
	L1_ROLLUP_EV_FINAL = 1,    /* the batch is final; its withdrawals were paid */
	L1_ROLLUP_EV_REVERTED,     /* a fraud proof reverted this batch and every later one
	                            * included and not final (the cutter undoes them) */
};

/* SPEC section 11's sizes. */
#define L1_ROLLUP_DEPOSIT_BYTES 250u
#define L1_ROLLUP_FRAUD_PROOF_BYTES 500u

struct l1_rollup_params {
	enum l1_rollup_kind kind;
	uint64_t batch_base_bytes, bytes_per_tx, proof_bytes; /* proof_bytes: validity only */
	uint64_t challenge_blocks;                            /* optimistic only */
};

struct l1_rollup_withdrawal {
	uint32_t account;
	struct amount amount;
};

/* A batch tx's data. */
struct l1_rollup_batch {
	uint64_t seq;
	uint64_t ntxs;             /* payments (withdrawals included): its size */
	bool fraud;                /* its state commitment moves money no payment moved */
	uint32_t nwithdrawals;
	struct l1_rollup_withdrawal *withdrawals; /* [nwithdrawals], owned */
};
/* A batch on the heap (freed with the tx): withdrawals copied from w[n]. */
struct l1_rollup_batch *l1_rollup_batch_new(uint64_t seq, uint64_t ntxs, bool fraud,
					    const struct l1_rollup_withdrawal *w, uint32_t n);

struct l1_rollup;

/* Adds a rollup contract to c holding `bond`, taken from the operator's account now
 * (set-up, at genesis: no tx). Fails, changing nothing, with L1_ERR_NO_FUNDS when the
 * operator cannot cover it, L1_ERR_NO_SUCH_ACCOUNT or L1_ERR_BAD_PARAMS. The chain owns
 * the contract. */
enum l1_result l1_rollup_new(struct l1_chain *c, const struct l1_rollup_params *p, uint32_t operator_account,
			     struct amount bond, struct l1_rollup **out);
uint32_t l1_rollup_id(const struct l1_rollup *k);

/* The txs. The batch's fee is paid by the operator (submitter). */
struct l1_tx l1_rollup_deposit_tx(const struct l1_rollup *k, uint32_t account, struct amount amount,
				  struct amount fee);
struct l1_tx l1_rollup_batch_tx(const struct l1_rollup *k, uint32_t operator_account, struct amount fee,
				struct l1_rollup_batch *batch);
struct l1_tx l1_rollup_fraud_proof_tx(const struct l1_rollup *k, uint32_t account, uint64_t seq,
				      struct amount fee);

/* The size of a batch of n payments (SPEC section 11), saturating at UINT32_MAX. */
uint64_t l1_rollup_batch_bytes(const struct l1_rollup_params *p, uint64_t n);

/* The next batch seq the contract takes: every batch pending with another seq is
 * passed over. */
void l1_rollup_resume(struct l1_rollup *k, uint64_t next_seq);

/* Queries. */
enum l1_rollup_op l1_rollup_op_of(const struct l1_rollup *k, const struct l1_tx *tx);
/* A batch tx's data (NULL for another op). */
const struct l1_rollup_batch *l1_rollup_tx_batch(const struct l1_tx *tx);
struct amount l1_rollup_bond(const struct l1_rollup *k);
/* Bond plus deposits not paid out. */
struct amount l1_rollup_holdings(const struct l1_rollup *k);
/* True while batch seq is included, not final and not reverted: a fraud proof against
 * it would be valid (if it has a fraud). */
bool l1_rollup_batch_open(const struct l1_rollup *k, uint64_t seq);
uint64_t l1_rollup_batches_final(const struct l1_rollup *k);
uint64_t l1_rollup_batches_reverted(const struct l1_rollup *k);

#endif
