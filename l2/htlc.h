/* HTLCs in two-party channels, off chain (SPEC section 10): adding one, removing it
 * back to its payer (fail), settling it to its payee (with the preimage), and the
 * four rules that phase 2 applies to a pending HTLC.
 *
 * Each step is a new state of the channel (seq + 1) that both parties sign and verify
 * (real Ed25519 unless the net's signatures are off; counted in the net's signs and
 * verifies), built like a payment's: it fails, changing nothing, when a party is
 * offline or the channel takes no updates (not open, or a close of it submitted).
 * An HTLC's id is the seq of the state that added it: unique within the channel and
 * rising, as the contract requires.
 *
 * What a party knows (the preimage) is the caller's: the rules take it as an argument
 * (NULL: the payee does not know it). The runner drives payments hop by hop and calls
 * these; nothing here knows about paths.
 */
#ifndef L2SIM_L2_HTLC_H
#define L2SIM_L2_HTLC_H

#include <stdbool.h>
#include <stdint.h>

#include "l1sim/state.h"
#include "result.h"

struct l2_net;

/* The payment hash of a preimage: SHA-256 (libsodium). */
void l2_htlc_hash(const uint8_t preimage[L1_PREIMAGE_LEN], uint8_t hash[L1_HASH_LEN]);

/* Adds an HTLC of `amount` from party index payer_index of two-party channel ch to
 * the other party: the amount leaves the payer's balance. Fails with
 * L2_ERR_NOT_TWO_PARTY, _ZERO_AMOUNT, _NOT_USABLE (not open or usable yet, or a close
 * submitted), _NOT_MEMBERS (index), _OFFLINE (either party), _NO_FUNDS (the payer's
 * spendable balance is below amount: SPEC's insufficient_balance), in that order.
 * On success *id_out is the HTLC's id. */
enum l2_result l2_htlc_add(struct l2_net *n, uint32_t ch, uint32_t payer_index, struct amount amount,
			   const uint8_t hash[L1_HASH_LEN], uint64_t expiry, uint64_t *id_out);
/* Removes HTLC id back to its payer (a failed hop, or an expired HTLC). Fails with
 * L2_ERR_NOT_USABLE (no state, or a close submitted), _NO_SUCH_HTLC, _OFFLINE. */
enum l2_result l2_htlc_fail(struct l2_net *n, uint32_t ch, uint64_t id);
/* Settles HTLC id to its payee, who shows the preimage. Fails like l2_htlc_fail, and
 * with L2_ERR_BAD_PREIMAGE when it does not hash to the HTLC's payment hash. */
enum l2_result l2_htlc_settle(struct l2_net *n, uint32_t ch, uint64_t id, const uint8_t preimage[L1_PREIMAGE_LEN]);

/* HTLC id of ch's latest state, or NULL. Borrowed: valid until ch's next update. */
const struct l1_htlc *l2_htlc_find(const struct l2_net *n, uint32_t ch, uint64_t id);
/* True when ch takes off-chain updates: its latest state exists and no close of it was
 * submitted (SPEC section 10: a channel with a close submitted takes no more). */
bool l2_htlc_channel_takes_updates(const struct l2_net *n, uint32_t ch);

/* ---- phase 2: the rules for a pending HTLC (SPEC section 10, "Pending HTLCs") ---- */

enum l2_htlc_action {
	L2_HTLC_NOTHING = 0,   /* no rule applied, or the one that applied had nothing to do */
	L2_HTLC_SETTLED,       /* rule 1: settled off chain */
	L2_HTLC_REMOVED,       /* rule 2: removed off chain, back to the payer */
	L2_HTLC_CLOSED,        /* rule 3 or 4: a unilateral close was submitted (*tx_out) */
	L2_HTLC_CLAIMED,       /* rule 3: an htlc claim was submitted (*tx_out) */
};
const char *l2_htlc_action_str(enum l2_htlc_action a);

/* Rule 1: the payee knows the preimage, both parties are online and the channel takes
 * updates: settle off chain. */
enum l2_htlc_action l2_htlc_rule_settle(struct l2_net *n, uint32_t ch, uint64_t id,
					const uint8_t *preimage);
/* Rule 2: the height is at or past its expiry (or `any_expiry`, for the HTLCs of the
 * same payment upstream of one removed by this rule), the payee does not know the
 * preimage (preimage NULL), both are online and the channel takes updates: remove it
 * off chain. */
enum l2_htlc_action l2_htlc_rule_remove(struct l2_net *n, uint32_t ch, uint64_t id, const uint8_t *preimage,
					bool any_expiry);
/* Rule 3: the payee knows the preimage, is online, and a close of the channel was
 * submitted or the height is at or past expiry - go_onchain_blocks: it closes
 * unilaterally with its latest state unless a close was submitted; once a state that
 * holds the HTLC is registered, it submits an htlc claim while the height is below
 * the expiry and no claim of its for the HTLC is pending or included. Pays the
 * payee's challenge_fee. `htlc` is the HTLC (the caller's copy: the channel's latest
 * state may no longer hold it once a close is submitted). Returns NOTHING when the
 * rule does not apply or has nothing to do now; *applies says which. */
enum l2_htlc_action l2_htlc_rule_onchain(struct l2_net *n, uint32_t ch, const struct l1_htlc *htlc,
					 const uint8_t *preimage, uint64_t go_onchain_blocks, bool *applies,
					 uint64_t *tx_out);
/* Rule 4: the height is at or past its expiry, its payer is online, its payee is not,
 * and no close of the channel was submitted: the payer closes unilaterally with its
 * latest state, paying its challenge_fee. */
enum l2_htlc_action l2_htlc_rule_payer_close(struct l2_net *n, uint32_t ch, const struct l1_htlc *htlc,
					     uint64_t *tx_out);
/* The four rules in order, the first that applies (for rule 2, without any_expiry:
 * the caller removes the upstream HTLCs with l2_htlc_rule_remove(..., true) when this
 * returns L2_HTLC_REMOVED). */
enum l2_htlc_action l2_htlc_step(struct l2_net *n, uint32_t ch, const struct l1_htlc *htlc,
				 const uint8_t *preimage, uint64_t go_onchain_blocks, uint64_t *tx_out);

/* True when an htlc claim of HTLC id of ch submitted through this net is in the
 * mempool (cleared when it is included or dropped). */
bool l2_htlc_claim_pending(const struct l2_net *n, uint32_t ch, uint64_t id);

#endif
