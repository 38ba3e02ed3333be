/* The channel contract's storage: for channel.c and the l1sim tests only. Every other
 * module reads channels through channel.h's functions.
 *
 * A channel costs sizeof(struct l1_channel) plus its per-party arrays in the
 * contract's arena; what only channels with top-ups or a close need lives in a cold
 * part allocated at its first use. */
#ifndef L2SIM_L1SIM_CHANNEL_RECORD_H
#define L2SIM_L1SIM_CHANNEL_RECORD_H

#include "arena.h"
#include "channel.h"

struct l1_deposit_rec {
	uint64_t height;      /* block that included the deposit */
	uint32_t party;       /* index within the channel */
	struct amount amount;
	struct amount party_total; /* this party's top-ups up to and including this one */
};

/* The indices into topups of one party's top-ups, in block order. */
struct l1_party_topups {
	uint32_t *idx;
	uint32_t n, cap;
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
	struct l1_party_topups *by_party; /* [nparties] once there is a top-up: for
	                            * l1_channel_final_deposit's binary search */
};

struct l1_channel {
	uint32_t nparties;
	enum l1_channel_status status;
	uint64_t open_height;       /* valid from OPEN on */
	/* One piece of the contract's arena: [nparties] open deposits (what the open tx
	 * moves), [nparties] deposits (all deposits in the contract), then [nparties]
	 * account ids; read them with l1_chrec_open_deposit/_deposited/_accounts. */
	struct amount *amounts;
	struct amount holdings;
	struct l1_channel_cold *cold; /* NULL until its first top-up or close; owned */
};

/* A channel's HTLC part: allocated when a state with HTLCs is registered or a claim is
 * included, so that channels without HTLCs (and runs without any) pay nothing. */
struct l1_channel_htlcs {
	struct l1_htlc_claim_rec *claims; /* included claims, in block order */
	uint32_t nclaims, cap_claims;
	uint32_t noutcome;          /* the settled state's HTLC count, once CLOSED */
	uint8_t *outcome;           /* [noutcome]: enum l1_htlc_outcome of each, once CLOSED */
	struct amount *payouts;     /* [nparties]: HTLC amounts paid to each party */
};

struct l1_channel_contract {
	struct l1_chain *chain;     /* the owner */
	uint32_t id;                /* on the chain */
	struct l1_channel *channels;
	uint32_t nchannels, cap_channels;
	struct arena arrays;        /* every channel's per-party arrays */
	uint64_t txs;               /* included */
	uint64_t verifies;
	struct l1_channel_htlcs **htlc; /* [nhtlc]: channel -> its HTLC part or NULL; NULL
	                            * until the first state with HTLCs is registered */
	uint32_t nhtlc;
	uint64_t htlcs_held;        /* HTLCs of registered states not yet paid out */
	uint64_t claimed_onchain, refunded_onchain;
};

/* ---- the HTLC half of the contract (channel_htlc.c) ---- */

/* Checks s's HTLCs (amount >= 1, payer and payee distinct parties, ids rising) and
 * sums them into *total. */
enum l1_result l1_chhtlc_check(const struct l1_state *s, struct amount *total);
/* Channel ch's HTLC part, or NULL. */
struct l1_channel_htlcs *l1_chhtlc_part(const struct l1_channel_contract *cc, uint32_t ch);
/* The registered state of ch changes from old (NULL: none) to s: counts the HTLCs
 * the contract holds. */
void l1_chhtlc_on_register(struct l1_channel_contract *cc, uint32_t ch, const struct l1_state *old,
			   const struct l1_state *s);
/* The htlc claim operation. */
enum l1_result l1_chhtlc_claim(struct l1_channel_contract *cc, const struct l1_tx *tx);
/* At settlement (after the balances were paid): pays each HTLC of the registered state
 * that can be paid and sets refund timers for the others. */
void l1_chhtlc_settle(struct l1_channel_contract *cc, uint32_t ch);
/* Timer args of HTLC refunds carry this bit (settlements carry the channel only). */
#define L1_CHHTLC_TIMER_BIT (1ull << 63)
void l1_chhtlc_timer(struct l1_channel_contract *cc, uint64_t arg);
/* Feeds ch's HTLC part to the state hash (nothing when it has none). */
void l1_chhtlc_hash(const struct l1_channel_contract *cc, uint32_t ch, struct l1_hasher *h);
void l1_chhtlc_free(struct l1_channel_contract *cc);

/* Channel ch's record (ch < nchannels). */
static inline const struct l1_channel *l1_chrec(const struct l1_channel_contract *cc, uint32_t ch)
{
	return &cc->channels[ch];
}
/* k's parties' accounts, open deposits and deposits, each [nparties]. */
static inline const uint32_t *l1_chrec_accounts(const struct l1_channel *k)
{
	return (const uint32_t *)(k->amounts + 2 * (size_t)k->nparties);
}
static inline const struct amount *l1_chrec_open_deposit(const struct l1_channel *k)
{
	return k->amounts;
}
static inline const struct amount *l1_chrec_deposited(const struct l1_channel *k)
{
	return k->amounts + k->nparties;
}
/* The record of a channel that has neither top-ups nor a close: no close kind, no
 * registered state (NULL), no payouts (NULL), no top-ups. */
extern const struct l1_channel_cold l1_channel_cold_none;
/* k's cold part, or l1_channel_cold_none: never NULL. */
static inline const struct l1_channel_cold *l1_chrec_cold(const struct l1_channel *k)
{
	return k->cold ? k->cold : &l1_channel_cold_none;
}
/* Party i's payout: 0 until the channel is CLOSED. */
static inline struct amount l1_chrec_payout(const struct l1_channel *k, uint32_t i)
{
	return k->cold ? k->cold->payouts[i] : AMOUNT(0);
}

#endif
