/* The peg contract of a federated sidechain (SPEC section 11): it holds what was pegged
 * in, and pays a release to L1 when at least `threshold` distinct members of its
 * federation have signed it (Ed25519, libsodium). One contract per sidechain; it knows
 * its federation's public keys from its creation and nothing of the sidechain itself:
 * it cannot tell an honest peg-out's release from a theft that enough members sign.
 *
 * Operations (l1_tx.op):
 *   L1_PEG_IN       submitter pays `amount` (>= 1) into the contract, and the fee.
 *                   250 bytes.
 *   L1_PEG_RELEASE  pays `amount` (>= 1) to account `target`; the submitter pays the
 *                   fee. data: a struct l1_peg_release (owned by the tx) with the
 *                   release number and the signatures. 250 + 64 x signatures bytes.
 *
 * A release is paid when, in this order: the submitter can pay the fee; its number
 * was never paid before (L1_ERR_PEG_REPLAY); at least `threshold` of its signatures
 * are valid signatures of distinct federation members over the release message below
 * (a non-member's key, a second signature by the same member, or a signature that does
 * not verify counts for nothing: L1_ERR_PEG_QUORUM); the contract holds the amount
 * (L1_ERR_PEG_SHORT). All-or-nothing, as every contract.
 *
 * The release message (little-endian, domain-separated from channel states):
 *   "l2sim/peg/1" (11 bytes) || u32 contract id || u32 recipient account ||
 *   u64 amount || u64 release number
 */
#ifndef L2SIM_L1SIM_PEG_H
#define L2SIM_L1SIM_PEG_H

#include "chain.h"

#define L1_PEG_TAG "l2sim/peg/1"
#define L1_PEG_TAG_LEN 11
#define L1_PEG_MSG_LEN (L1_PEG_TAG_LEN + 4 + 4 + 8 + 8)
#define L1_PEG_IN_BYTES 250u
#define L1_PEG_RELEASE_BASE_BYTES 250u
#define L1_PEG_SIG_BYTES 64u
/* Signatures a release may carry: as many as a scenario may have parties. */
#define L1_PEG_MAX_SIGS 100000u

enum l1_peg_op {
	L1_PEG_IN = 0,
	L1_PEG_RELEASE,
	L1_PEG_OP_NONE,     /* l1_peg_op_of: the tx is not this contract's */
};
const char *l1_peg_op_str(enum l1_peg_op op);

/* One signature of a release: the signer's public key and its signature over the
 * release message. */
struct l1_peg_sig {
	uint8_t pk[L1_PUBKEY_LEN];
	uint8_t sig[L1_SIG_LEN];
};

/* A release tx's payload. */
struct l1_peg_release {
	uint64_t number;          /* unique per release (replays are dropped) */
	uint32_t nsigs;
	struct l1_peg_sig sigs[]; /* [nsigs] */
};

struct l1_peg_contract;

/* Adds a peg contract to chain c (which owns it) for a federation of n >= 1 members
 * with these public keys and threshold m, 1 <= m <= n, n <= L1_PEG_MAX_SIGS. Returns
 * NULL (adding nothing) on bad parameters. */
struct l1_peg_contract *l1_peg_contract_new(struct l1_chain *c, uint32_t n, const uint8_t (*pks)[L1_PUBKEY_LEN],
					    uint32_t m);
uint32_t l1_peg_contract_id(const struct l1_peg_contract *pc);
/* What the contract holds on L1. */
struct amount l1_peg_holdings(const struct l1_peg_contract *pc);
/* Releases paid so far, and signatures verified so far. */
uint64_t l1_peg_releases(const struct l1_peg_contract *pc);
uint64_t l1_peg_verifies(const struct l1_peg_contract *pc);

/* The message a member signs for a release of `amount` to `recipient` numbered `number`. */
void l1_peg_message(const struct l1_peg_contract *pc, uint32_t recipient, struct amount amount, uint64_t number,
		    uint8_t out[L1_PEG_MSG_LEN]);
/* A release payload with room for nsigs signatures (zeroed). Aborts on nsigs >
 * L1_PEG_MAX_SIGS (a caller's bug). */
struct l1_peg_release *l1_peg_release_new(uint64_t number, uint32_t nsigs);
/* Fills signature i of rel: the holder of (pk, sk) signs the release message. */
void l1_peg_release_sign(const struct l1_peg_contract *pc, struct l1_peg_release *rel, uint32_t i, uint32_t recipient,
			 struct amount amount, const uint8_t pk[L1_PUBKEY_LEN], const uint8_t sk[L1_SECKEY_LEN]);

/* A peg-in of `amount` by account `submitter`. */
struct l1_tx l1_peg_in_tx(const struct l1_peg_contract *pc, uint32_t submitter, struct amount amount,
			  struct amount fee);
/* A release of `amount` to `recipient`, submitted by `submitter`; the tx owns rel. */
struct l1_tx l1_peg_release_tx(const struct l1_peg_contract *pc, uint32_t submitter, uint32_t recipient,
			       struct amount amount, struct amount fee, struct l1_peg_release *rel);
/* tx's operation if tx is this contract's, else L1_PEG_OP_NONE. */
enum l1_peg_op l1_peg_op_of(const struct l1_peg_contract *pc, const struct l1_tx *tx);
/* Bytes of a release with nsigs signatures: 250 + 64 x nsigs. */
static inline uint64_t l1_peg_release_bytes(uint64_t nsigs)
{
	return L1_PEG_RELEASE_BASE_BYTES + L1_PEG_SIG_BYTES * nsigs;
}

#endif
