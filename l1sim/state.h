/* A channel state as the contract sees it, its canonical encoding, and the Ed25519
 * signatures over that encoding (libsodium).
 *
 * Encoding (all integers little-endian), domain-separated so a signature over a
 * state can never be mistaken for a signature over anything else. A state without
 * HTLCs:
 *   "l2sim/state/1" (13 bytes) || u32 channel || u64 seq || u32 n ||
 *   n x (u64 balance || u64 included_deposit)
 * A state with m >= 1 HTLCs (SPEC section 10) uses another tag, so that neither form
 * can be read as the other, and appends its HTLCs in the state's order (ids rising):
 *   "l2sim/state/2" (13 bytes) || u32 channel || u64 seq || u32 n ||
 *   n x (u64 balance || u64 included_deposit) || u32 m ||
 *   m x (u64 id || u64 amount || u64 expiry || u32 payer || u32 payee || 32 hash)
 * `included` is, per party, the total of its deposits that the state accounts for;
 * balances plus HTLC amounts add up to the included deposits, and the contract pays
 * each party balance + (deposited - included) plus the HTLCs that go to it.
 *
 * Memory: a state without HTLCs costs what it did before HTLCs existed (40 bytes of
 * struct, the arrays in the same allocation). Its HTLCs live behind one pointer that
 * also says whether the state has room for signatures (see l1_state_is_unsigned), so
 * the signatures' pointer could go: they sit after `included` when there is room. */
#ifndef L2SIM_L1SIM_STATE_H
#define L2SIM_L1SIM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amount.h"

#define L1_PUBKEY_LEN 32
#define L1_SECKEY_LEN 64
#define L1_SIG_LEN 64
#define L1_HASH_LEN 32      /* a payment hash: SHA-256 of a 32-byte preimage */
#define L1_PREIMAGE_LEN 32
#define L1_STATE_TAG "l2sim/state/1"
#define L1_STATE_HTLC_TAG "l2sim/state/2"
#define L1_STATE_TAG_LEN 13
#define L1_HTLC_ENCODED_LEN 64

/* One HTLC of a state: `amount` left the payer's balance and goes to the payee when
 * the preimage of `hash` is shown by `expiry` (a block height), else back. */
struct l1_htlc {
	uint64_t id;             /* unique within the channel; l2 uses the seq of the state
	                          * that added it. A state's HTLCs have rising ids. */
	struct amount amount;    /* >= 1 */
	uint64_t expiry;         /* the last block in which a claim is valid */
	uint32_t payer, payee;   /* party indices within the channel, distinct */
	uint8_t hash[L1_HASH_LEN];
};

/* A state's HTLCs. `unsigned_state` belongs to the state, not to the HTLCs: it is
 * here so that struct l1_state needs no field of its own for it. */
struct l1_htlc_set {
	uint32_t n, cap;
	bool unsigned_state;
	struct l1_htlc v[];      /* [cap] */
};

struct l1_state {
	uint32_t channel;
	uint32_t nparties;
	uint64_t seq;
	struct amount *balances;  /* [nparties] */
	struct amount *included;  /* [nparties] */
	/* NULL: a state with room for signatures and no HTLCs; a shared read-only empty
	 * set: one without room and no HTLCs; else the state's own set (owned). */
	struct l1_htlc_set *htlcs;
};

/* A zeroed state for n >= 1 parties, in one allocation. Aborts on allocation failure. */
struct l1_state *l1_state_new(uint32_t channel, uint64_t seq, uint32_t nparties);
/* The same without room for signatures, for runs with signatures off: 80 bytes instead
 * of 208 for two parties (malloc chunks). Its signatures read as zeros; nothing may
 * sign it. */
#define L1_UNSIGNED_MAX_PARTIES 64
struct l1_state *l1_state_new_unsigned(uint32_t channel, uint64_t seq, uint32_t nparties);
/* True for a state made by l1_state_new_unsigned (or copied from one). */
bool l1_state_is_unsigned(const struct l1_state *s);
/* Party i's signature (i < nparties): writable room in a signed state; shared zeros
 * (never to be written) in an unsigned one. */
uint8_t *l1_state_sig(const struct l1_state *s, uint32_t i);
/* A copy (HTLCs included), unsigned if s is. */
struct l1_state *l1_state_copy(const struct l1_state *s);
/* Copies the contents of src (HTLCs included) into dst; both must have the same
 * nparties. The signatures are copied when dst has room for them (zeros when src is
 * unsigned). Costs nothing for HTLCs when neither state has any. */
void l1_state_assign(struct l1_state *dst, const struct l1_state *src);
void l1_state_free(struct l1_state *s);

/* ---- HTLCs ---- */

static inline uint32_t l1_state_nhtlcs(const struct l1_state *s)
{
	return s->htlcs ? s->htlcs->n : 0;
}
/* HTLC k (k < l1_state_nhtlcs). */
static inline const struct l1_htlc *l1_state_htlc(const struct l1_state *s, uint32_t k)
{
	return &s->htlcs->v[k];
}
/* Appends h (its id must be above every id in s: aborts otherwise, a caller's bug).
 * Changes no balance: the caller moves the amount. Aborts on allocation failure. */
void l1_state_htlc_append(struct l1_state *s, const struct l1_htlc *h);
/* Removes HTLC k, keeping the others' order. Changes no balance. */
void l1_state_htlc_remove(struct l1_state *s, uint32_t k);
/* The index of the HTLC with this id, or -1. O(log HTLCs). */
int l1_state_htlc_find(const struct l1_state *s, uint64_t id);
/* Sum of the HTLC amounts into *out; false on overflow. */
bool l1_state_htlc_total(const struct l1_state *s, struct amount *out) AMOUNT_WARN_UNUSED;

/* ---- encoding and signatures ---- */

/* Bytes of the canonical encoding for n parties and no HTLC. */
size_t l1_state_encoded_len(uint32_t nparties);
/* Bytes of s's canonical encoding (with its HTLCs). */
size_t l1_state_encoded_size(const struct l1_state *s);
/* Writes the canonical encoding into buf (l1_state_encoded_size bytes); returns its length. */
size_t l1_state_encode(const struct l1_state *s, uint8_t *buf);
/* Party i signs with its libsodium secret key: one crypto_sign_detached. */
void l1_state_sign(struct l1_state *s, uint32_t i, const uint8_t sk[L1_SECKEY_LEN]);
/* Checks party i's signature with its public key: one crypto_sign_verify_detached. */
bool l1_state_verify(const struct l1_state *s, uint32_t i, const uint8_t pk[L1_PUBKEY_LEN]);
/* Sum of balances into *out (HTLCs not included); false on overflow. */
bool l1_state_total(const struct l1_state *s, struct amount *out) AMOUNT_WARN_UNUSED;

#endif
