/* The outcome of an L1 operation: why a tx is dropped, or why a set-up call failed.
 * One enum for the ledger and every contract, so that a dropped tx's reason reads
 * the same whoever refused it. */
#ifndef L2SIM_L1SIM_RESULT_H
#define L2SIM_L1SIM_RESULT_H

enum l1_result {
	L1_OK = 0,
	L1_ERR_NO_FUNDS,         /* the submitter cannot pay the fee (or a deposit, a transfer) */
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
	L1_ERR_NO_SUCH_CONTRACT, /* the tx names a contract the chain does not hold */
	L1_ERR_NO_SUCH_OP,       /* the tx names an operation its contract does not have */
	L1_ERR_BAD_PROOF,        /* a validity rollup's batch whose proof cannot verify (a fraud) */
	L1_ERR_BATCH_ORDER,      /* a rollup batch that is not the next one its contract takes */
	L1_ERR_NOT_OPERATOR,     /* a rollup batch submitted by another than the rollup's operator */
	L1_ERR_NOT_CHALLENGEABLE,/* a fraud proof against a batch not included, final or reverted */
	L1_ERR_NO_FRAUD,         /* a fraud proof against a batch that committed no fraud */
	L1_ERR_HTLC_PENDING,     /* cooperative close of a state that holds an HTLC */
	L1_ERR_NO_SUCH_HTLC,     /* htlc claim of an HTLC the registered state does not hold */
	L1_ERR_NOT_PAYEE,        /* htlc claim by another than the HTLC's payee */
	L1_ERR_HTLC_RESOLVED,    /* htlc claim of an HTLC already claimed or paid out */
	L1_ERR_HTLC_EXPIRED,     /* htlc claim in a block past the HTLC's expiry */
	L1_ERR_BAD_PREIMAGE,     /* htlc claim whose preimage does not hash to the HTLC's hash */
	L1_ERR_PEG_QUORUM,       /* peg release: fewer valid federation signatures than the threshold */
	L1_ERR_PEG_REPLAY,       /* peg release: its number was paid before */
	L1_ERR_PEG_SHORT,        /* peg release: the peg holds less than the amount */
};
const char *l1_result_str(enum l1_result r);

#endif
