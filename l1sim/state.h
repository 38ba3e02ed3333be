/* A channel state as the contract sees it, its canonical encoding, and the Ed25519
 * signatures over that encoding (libsodium).
 *
 * Encoding (all integers little-endian), domain-separated so a signature over a
 * state can never be mistaken for a signature over anything else:
 *   "l2sim/state/1" (13 bytes) || u32 channel || u64 seq || u32 n ||
 *   n x (u64 balance || u64 included_deposit)
 * `included` is, per party, the total of its deposits that the state accounts for;
 * the contract pays each party balance + (deposited - included). */
#ifndef L2SIM_L1SIM_STATE_H
#define L2SIM_L1SIM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amount.h"

#define L1_PUBKEY_LEN 32
#define L1_SECKEY_LEN 64
#define L1_SIG_LEN 64
#define L1_STATE_TAG "l2sim/state/1"
#define L1_STATE_TAG_LEN 13

struct l1_state {
	uint32_t channel;
	uint32_t nparties;
	uint64_t seq;
	struct amount *balances;  /* [nparties] */
	struct amount *included;  /* [nparties] */
	uint8_t (*sigs)[L1_SIG_LEN]; /* [nparties]; all zero until signed */
};

/* A zeroed state for n >= 1 parties, in one allocation. Aborts on allocation failure. */
struct l1_state *l1_state_new(uint32_t channel, uint64_t seq, uint32_t nparties);
/* The same without room for signatures, for runs with signatures off: 80 bytes instead
 * of 208 for two parties. Its sigs point to shared read-only zeros (for up to
 * L1_UNSIGNED_MAX_PARTIES parties; a larger state gets its own zeroed room), so reading
 * them is fine; nothing may sign it. */
#define L1_UNSIGNED_MAX_PARTIES 64
struct l1_state *l1_state_new_unsigned(uint32_t channel, uint64_t seq, uint32_t nparties);
/* True for a state made by l1_state_new_unsigned (or copied from one). */
bool l1_state_is_unsigned(const struct l1_state *s);
/* A copy, unsigned if s is. */
struct l1_state *l1_state_copy(const struct l1_state *s);
/* Copies the contents of src into dst; both must have the same nparties. The
 * signatures are copied when dst has room for them (zeros when src is unsigned). */
void l1_state_assign(struct l1_state *dst, const struct l1_state *src);
void l1_state_free(struct l1_state *s);

/* Bytes of the canonical encoding for n parties. */
size_t l1_state_encoded_len(uint32_t nparties);
/* Writes the canonical encoding into buf (l1_state_encoded_len bytes); returns its length. */
size_t l1_state_encode(const struct l1_state *s, uint8_t *buf);
/* Party i signs with its libsodium secret key: one crypto_sign_detached. */
void l1_state_sign(struct l1_state *s, uint32_t i, const uint8_t sk[L1_SECKEY_LEN]);
/* Checks party i's signature with its public key: one crypto_sign_verify_detached. */
bool l1_state_verify(const struct l1_state *s, uint32_t i, const uint8_t pk[L1_PUBKEY_LEN]);
/* Sum of balances into *out; false on overflow. */
bool l1_state_total(const struct l1_state *s, struct amount *out) AMOUNT_WARN_UNUSED;

#endif
