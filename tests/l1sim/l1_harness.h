/* A small harness for the l1sim chain and contract tests: a chain with the channel
 * contract added (h.cc) and conservation checked after every block, accounts with
 * fixed libsodium keys, states signed by every party, tx submission helpers, and a
 * log of every event the chain emits.
 *
 * Header-only (static inline) because each tests/l1sim/test_*.c is its own binary. */
#ifndef L2SIM_TESTS_L1SIM_L1_HARNESS_H
#define L2SIM_TESTS_L1SIM_L1_HARNESS_H

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/amount.h"
#include "l1sim/chain.h"
#include "l1sim/channel_record.h"
#include "l1sim/state.h"

#define H_MAX_ACCOUNTS 64

/* The tx kinds of these tests: the channel contract's operations, then the ledger's
 * fee-only tx (a flood's filler). Any other value is sent to the channel contract as
 * an operation it does not have. */
enum h_kind {
	H_OPEN = L1_CHANNEL_OPEN,
	H_DEPOSIT = L1_CHANNEL_DEPOSIT,
	H_COOP_CLOSE = L1_CHANNEL_COOP_CLOSE,
	H_UNILATERAL_CLOSE = L1_CHANNEL_UNILATERAL_CLOSE,
	H_CHALLENGE = L1_CHANNEL_CHALLENGE,
	H_HTLC_CLAIM = L1_CHANNEL_HTLC_CLAIM,
	H_FILLER = L1_CHANNEL_OP_NONE,
};
/* The channel contract's settlement event, as the log records it. */
#define H_EV_SETTLED L1_EV_CONTRACT

struct h_rec {
	enum l1_event_kind kind;
	uint64_t height;
	uint64_t time_ms;
	uint64_t tx_id;             /* INCLUDED, DROPPED */
	uint32_t tx_kind;           /* enum h_kind; the op for unknown ones */
	enum l1_result reason;      /* DROPPED */
	uint32_t channel;
	uint32_t submitter;
	struct amount fee;
	uint64_t seq;               /* the tx's state seq, or UINT64_MAX */
	uint64_t submit_height;
};

struct h {
	struct l1_chain *c;
	struct l1_channel_contract *cc; /* owned by c */
	uint8_t pk[H_MAX_ACCOUNTS][L1_PUBKEY_LEN];
	uint8_t sk[H_MAX_ACCOUNTS][L1_SECKEY_LEN];
	struct h_rec *log;
	size_t nlog, cap_log;
	/* An optional extra listener, called after the event is logged. */
	l1_event_fn extra;
	void *extra_ctx;
};

/* Test defaults: 1 s blocks, 100 txs per block, 3 confirmations, T = 5, latest_state,
 * signatures on, conservation checked (by the chain at its cadence, L1_CONSERVATION_EVERY,
 * and by h_block after every block). */
static inline void h_params(struct l1_params *p)
{
	l1_params_default(p);
	p->block_interval_ms = 1000;
	p->block_tx_limit = 100;
	p->confirmations = 3;
	p->dispute_timeout_blocks = 5;
	p->check_conservation = true;
}

static inline void h_on_event(void *ctx, const struct l1_event *ev)
{
	struct h *h = ctx;
	if (h->nlog == h->cap_log) {
		h->cap_log = h->cap_log ? 2 * h->cap_log : 64;
		h->log = realloc(h->log, h->cap_log * sizeof(*h->log));
		if (!h->log)
			abort();
	}
	struct h_rec r = { .kind = ev->kind, .height = ev->height, .time_ms = ev->time_ms,
			   .reason = ev->reason, .channel = ev->target, .seq = UINT64_MAX };
	if (ev->tx) {
		r.tx_id = ev->tx->id;
		r.tx_kind = l1_tx_is_fee_only(ev->tx) ? H_FILLER : ev->tx->op;
		r.submitter = ev->tx->submitter;
		r.fee = ev->tx->fee;
		r.channel = ev->tx->target;
		r.submit_height = ev->tx->submit_height;
		if (l1_channel_tx_state(ev->tx))
			r.seq = l1_channel_tx_state(ev->tx)->seq;
	}
	h->log[h->nlog++] = r;
	if (h->extra)
		h->extra(h->extra_ctx, ev);
}

static inline void h_init(struct h *h, const struct l1_params *p)
{
	memset(h, 0, sizeof(*h));
	h->c = l1_chain_new(p);
	cr_assert_not_null(h->c, "valid params must give a chain");
	h->cc = l1_channel_contract_new(h->c);
	l1_chain_add_listener(h->c, h_on_event, h);
}

static inline void h_init_default(struct h *h)
{
	struct l1_params p;
	h_params(&p);
	h_init(h, &p);
}

static inline void h_fini(struct h *h)
{
	l1_chain_free(h->c);
	free(h->log);
	memset(h, 0, sizeof(*h));
}

/* Account i's key pair comes from a fixed seed, so every run signs the same bytes. */
static inline void h_keypair(uint32_t i, uint8_t pk[L1_PUBKEY_LEN], uint8_t sk[L1_SECKEY_LEN])
{
	uint8_t seed[crypto_sign_SEEDBYTES];
	memset(seed, 0xa5, sizeof(seed));
	seed[0] = (uint8_t)i;
	seed[1] = (uint8_t)(i >> 8);
	crypto_sign_seed_keypair(pk, sk, seed);
}

static inline uint32_t h_account(struct h *h, uint64_t balance)
{
	uint32_t i = h->c->naccounts;
	cr_assert_lt(i, H_MAX_ACCOUNTS);
	h_keypair(i, h->pk[i], h->sk[i]);
	uint32_t id = UINT32_MAX;
	enum l1_result r = l1_chain_add_account(h->c, AMOUNT(balance), h->pk[i], &id);
	cr_assert_eq(r, L1_OK, "add_account: %s", l1_result_str(r));
	cr_assert_eq(id, i);
	return id;
}

static inline uint32_t h_channel(struct h *h, uint32_t n, const uint32_t *accts, const uint64_t *deps)
{
	struct amount d[16];
	cr_assert_leq(n, 16);
	for (uint32_t i = 0; i < n; i++)
		d[i] = AMOUNT(deps[i]);
	uint32_t id = UINT32_MAX;
	enum l1_result r = l1_channel_add(h->cc, n, accts, d, &id);
	cr_assert_eq(r, L1_OK, "add_channel: %s", l1_result_str(r));
	return id;
}

static inline uint32_t h_channel2(struct h *h, uint32_t a, uint32_t b, uint64_t da, uint64_t db)
{
	return h_channel(h, 2, (uint32_t[]){ a, b }, (uint64_t[]){ da, db });
}

static inline const struct l1_channel *h_ch(const struct h *h, uint32_t ch)
{
	return l1_chrec(h->cc, ch);
}

static inline uint64_t h_bal(const struct h *h, uint32_t acct)
{
	return h->c->accounts[acct].balance.units;
}

/* Every party of ch signs s with its key. */
static inline void h_sign_all(const struct h *h, struct l1_state *s, uint32_t ch)
{
	const struct l1_channel *k = h_ch(h, ch);
	for (uint32_t i = 0; i < s->nparties && i < k->nparties; i++)
		l1_state_sign(s, i, h->sk[l1_chrec_accounts(k)[i]]);
}

/* A state of ch (its party count) with the given balances and included deposits,
 * signed by every party. */
static inline struct l1_state *h_state(const struct h *h, uint32_t ch, uint64_t seq,
				       const uint64_t *bal, const uint64_t *inc)
{
	uint32_t n = h_ch(h, ch)->nparties;
	struct l1_state *s = l1_state_new(ch, seq, n);
	for (uint32_t i = 0; i < n; i++) {
		s->balances[i] = AMOUNT(bal[i]);
		s->included[i] = AMOUNT(inc[i]);
	}
	h_sign_all(h, s, ch);
	return s;
}

static inline struct l1_state *h_state2(const struct h *h, uint32_t ch, uint64_t seq, uint64_t b0,
					uint64_t b1, uint64_t i0, uint64_t i1)
{
	return h_state(h, ch, seq, (uint64_t[]){ b0, b1 }, (uint64_t[]){ i0, i1 });
}

static inline uint64_t h_submit(struct h *h, uint32_t kind, uint32_t submitter, uint32_t ch,
				uint64_t fee, uint64_t amount, struct l1_state *state)
{
	if (kind == H_FILLER) {
		l1_state_free(state);
		return l1_chain_submit(h->c, l1_tx_fee_only(submitter, AMOUNT(fee)));
	}
	return l1_chain_submit(h->c, l1_channel_tx(h->cc, (enum l1_channel_op)kind, submitter, ch, AMOUNT(fee),
						   AMOUNT(amount), state));
}

/* The name of a test kind, "?" for unknown ones. */
static inline const char *h_kind_str(uint32_t kind)
{
	if (kind == H_FILLER) {
		struct l1_params p;
		l1_params_default(&p);
		struct l1_chain *c = l1_chain_new(&p);
		struct l1_tx t = l1_tx_fee_only(0, AMOUNT(0));
		const char *s = l1_chain_op_str(c, &t); /* a string literal: outlives c */
		l1_chain_free(c);
		return s;
	}
	const char *s = kind < L1_CHANNEL_OP_NONE ? l1_channel_op_str((enum l1_channel_op)kind) : NULL;
	return s ? s : "?";
}

/* The open, submitted by ch's first party. */
static inline uint64_t h_open(struct h *h, uint32_t ch, uint64_t fee)
{
	return h_submit(h, H_OPEN, l1_chrec_accounts(h_ch(h, ch))[0], ch, fee, 0, NULL);
}

static inline uint64_t h_deposit(struct h *h, uint32_t acct, uint32_t ch, uint64_t fee, uint64_t amount)
{
	return h_submit(h, H_DEPOSIT, acct, ch, fee, amount, NULL);
}

static inline uint64_t h_filler(struct h *h, uint32_t acct, uint64_t fee)
{
	return h_submit(h, H_FILLER, acct, 0, fee, 0, NULL);
}

/* Produces one block; conservation is checked by the chain (it aborts) and here. */
static inline void h_block(struct h *h)
{
	l1_chain_produce_block(h->c);
	cr_assert(l1_chain_conserved(h->c), "conservation broken at block %llu",
		  (unsigned long long)h->c->height);
}

static inline void h_blocks_until(struct h *h, uint64_t height)
{
	while (h->c->height < height)
		h_block(h);
}

/* The INCLUDED or DROPPED record of tx id, or NULL if it was not reached yet. */
static inline const struct h_rec *h_tx(const struct h *h, uint64_t id)
{
	for (size_t i = 0; i < h->nlog; i++)
		if (h->log[i].kind != H_EV_SETTLED && h->log[i].tx_id == id)
			return &h->log[i];
	return NULL;
}

static inline void h_assert_included(const struct h *h, uint64_t id, uint64_t height)
{
	const struct h_rec *r = h_tx(h, id);
	cr_assert_not_null(r, "tx %llu was never reached", (unsigned long long)id);
	cr_assert_eq(r->kind, L1_EV_TX_INCLUDED, "tx %llu dropped: %s", (unsigned long long)id,
		     l1_result_str(r->reason));
	cr_assert_eq(r->height, height, "tx %llu included in block %llu, expected %llu",
		     (unsigned long long)id, (unsigned long long)r->height, (unsigned long long)height);
}

static inline void h_assert_dropped(const struct h *h, uint64_t id, uint64_t height, enum l1_result why)
{
	const struct h_rec *r = h_tx(h, id);
	cr_assert_not_null(r, "tx %llu was never reached", (unsigned long long)id);
	cr_assert_eq(r->kind, L1_EV_TX_DROPPED, "tx %llu was included, expected dropped (%s)",
		     (unsigned long long)id, l1_result_str(why));
	cr_assert_eq(r->height, height, "tx %llu dropped in block %llu, expected %llu",
		     (unsigned long long)id, (unsigned long long)r->height, (unsigned long long)height);
	cr_assert_eq(r->reason, why, "tx %llu dropped for \"%s\", expected \"%s\"", (unsigned long long)id,
		     l1_result_str(r->reason), l1_result_str(why));
}

/* The height of ch's SETTLED event, or UINT64_MAX. */
static inline uint64_t h_settled_at(const struct h *h, uint32_t ch)
{
	for (size_t i = 0; i < h->nlog; i++)
		if (h->log[i].kind == H_EV_SETTLED && h->log[i].channel == ch)
			return h->log[i].height;
	return UINT64_MAX;
}

static inline size_t h_count(const struct h *h, enum l1_event_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < h->nlog; i++)
		n += h->log[i].kind == kind;
	return n;
}

/* A digest of everything a tx can change (balances, fees, every contract's fields),
 * but not the height or time: equal digests around a dropped tx mean it changed
 * nothing. */
static inline void h_digest_u64(crypto_generichash_state *g, uint64_t v)
{
	crypto_generichash_update(g, (const uint8_t *)&v, sizeof(v));
}

static inline void h_digest(const struct h *h, uint8_t out[32])
{
	const struct l1_chain *c = h->c;
	crypto_generichash_state g;
	crypto_generichash_init(&g, NULL, 0, 32);
	h_digest_u64(&g, c->fees.units);
	h_digest_u64(&g, c->txs_included);
	h_digest_u64(&g, l1_channel_txs(h->cc));
	for (uint32_t i = 0; i < c->naccounts; i++)
		h_digest_u64(&g, c->accounts[i].balance.units);
	for (uint32_t i = 0; i < h->cc->nchannels; i++) {
		const struct l1_channel *k = l1_chrec(h->cc, i);
		h_digest_u64(&g, k->status);
		h_digest_u64(&g, l1_chrec_cold(k)->close_kind);
		h_digest_u64(&g, l1_chrec_cold(k)->challenged);
		h_digest_u64(&g, l1_chrec_cold(k)->challenged ? l1_chrec_cold(k)->first_challenger : UINT32_MAX);
		h_digest_u64(&g, k->holdings.units);
		h_digest_u64(&g, l1_chrec_cold(k)->ntopups);
		h_digest_u64(&g, k->status != L1_CH_NONE ? k->open_height : UINT64_MAX);
		for (uint32_t j = 0; j < k->nparties; j++) {
			h_digest_u64(&g, l1_chrec_deposited(k)[j].units);
			h_digest_u64(&g, l1_chrec_payout(k, j).units);
		}
		if (l1_chrec_cold(k)->registered) {
			uint8_t enc[4096];
			cr_assert_leq(l1_state_encoded_size(l1_chrec_cold(k)->registered), sizeof(enc));
			crypto_generichash_update(&g, enc, l1_state_encode(l1_chrec_cold(k)->registered, enc));
		}
	}
	crypto_generichash_final(&g, out, 32);
}

#endif
