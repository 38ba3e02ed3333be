/* HTLCs in states and in the channel contract (SPEC section 10). Conservation is
 * checked after every block by the harness (h_block). */
#include "l1_harness.h"

#include "l1sim/channel.h"

#define FEE 1

struct env {
	struct h h;
	uint32_t a, b, ch;
	uint8_t pre[L1_PREIMAGE_LEN], hash[L1_HASH_LEN];
};

/* a and b with 1000 each; channel a-b with deposits 100/100, opened in block 1. */
static void env_init(struct env *e, enum l1_dispute_rule rule)
{
	struct l1_params p;
	h_params(&p);
	p.dispute_rule = rule;
	h_init(&e->h, &p);
	e->a = h_account(&e->h, 1000);
	e->b = h_account(&e->h, 1000);
	e->ch = h_channel2(&e->h, e->a, e->b, 100, 100);
	memset(e->pre, 0x42, sizeof(e->pre));
	crypto_hash_sha256(e->hash, e->pre, sizeof(e->pre));
	h_open(&e->h, e->ch, 0);
	h_block(&e->h);
	cr_assert_eq(l1_channel_status(e->h.cc, e->ch), L1_CH_OPEN);
}

static struct l1_htlc htlc(const struct env *e, uint64_t id, uint64_t amount, uint64_t expiry, uint32_t payer)
{
	struct l1_htlc t = { .id = id, .amount = AMOUNT(amount), .expiry = expiry, .payer = payer, .payee = 1 - payer };
	memcpy(t.hash, e->hash, L1_HASH_LEN);
	return t;
}

/* A signed state of the channel: balances b0/b1, deposits 100/100 included, and the
 * given HTLCs. */
static struct l1_state *state(const struct env *e, uint64_t seq, uint64_t b0, uint64_t b1,
			      const struct l1_htlc *hs, uint32_t nh)
{
	struct l1_state *s = l1_state_new(e->ch, seq, 2);
	s->balances[0] = AMOUNT(b0);
	s->balances[1] = AMOUNT(b1);
	s->included[0] = s->included[1] = AMOUNT(100);
	for (uint32_t k = 0; k < nh; k++)
		l1_state_htlc_append(s, &hs[k]);
	h_sign_all(&e->h, s, e->ch);
	return s;
}

static uint64_t claim(struct env *e, uint32_t acct, uint64_t id, const uint8_t *pre)
{
	return l1_chain_submit(e->h.c, l1_channel_claim_tx(e->h.cc, acct, e->ch, AMOUNT(FEE), id, pre));
}

static uint64_t close_with(struct env *e, uint32_t acct, struct l1_state *s)
{
	return h_submit(&e->h, H_UNILATERAL_CLOSE, acct, e->ch, FEE, 0, s);
}

/* ---- states ---- */

Test(l1_state_htlc, no_htlc_encoding_and_size_unchanged)
{
	cr_assert_eq(sizeof(struct l1_state), 40, "a state costs no more than before HTLCs");
	struct l1_state *s = l1_state_new_unsigned(7, 9, 2);
	s->balances[0] = AMOUNT(3);
	uint8_t buf[256];
	size_t len = l1_state_encode(s, buf);
	cr_assert_eq(len, l1_state_encoded_len(2));
	cr_assert_eq(len, 61);
	cr_assert_eq(l1_state_encoded_size(s), 61);
	cr_assert_eq(memcmp(buf, "l2sim/state/1", 13), 0);
	cr_assert(l1_state_is_unsigned(s));
	cr_assert_eq(l1_state_nhtlcs(s), 0);
	l1_state_free(s);
	s = l1_state_new(7, 9, 2);
	cr_assert_null(s->htlcs, "a signed state without HTLCs allocates nothing for them");
	cr_assert_not(l1_state_is_unsigned(s));
	l1_state_free(s);
}

Test(l1_state_htlc, encoding_with_htlcs)
{
	struct env e;
	memset(&e, 0, sizeof(e));
	memset(e.hash, 0xab, sizeof(e.hash));
	struct l1_state *s = l1_state_new_unsigned(7, 9, 2);
	struct l1_htlc t = htlc(&e, 5, 30, 0x0102030405060708ull, 1);
	l1_state_htlc_append(s, &t);
	cr_assert(l1_state_is_unsigned(s), "an unsigned state stays unsigned with HTLCs");
	uint8_t buf[256];
	size_t len = l1_state_encode(s, buf);
	cr_assert_eq(len, 61 + 4 + 64);
	cr_assert_eq(len, l1_state_encoded_size(s));
	cr_assert_eq(memcmp(buf, "l2sim/state/2", 13), 0, "states with HTLCs have their own tag");
	const uint8_t *p = buf + 61;
	cr_assert_eq(p[0], 1); /* u32 count */
	cr_assert_eq(p[4], 5); /* id */
	cr_assert_eq(p[12], 30); /* amount */
	cr_assert_eq(p[20], 0x08); /* expiry, little-endian */
	cr_assert_eq(p[27], 0x01);
	cr_assert_eq(p[28], 1); /* payer */
	cr_assert_eq(p[32], 0); /* payee */
	cr_assert_eq(p[36], 0xab); /* hash */
	cr_assert_eq(p[67], 0xab);
	/* Removing the last HTLC gives back the old encoding. */
	l1_state_htlc_remove(s, 0);
	cr_assert_eq(l1_state_encode(s, buf), 61);
	cr_assert_eq(memcmp(buf, "l2sim/state/1", 13), 0);
	l1_state_free(s);
}

Test(l1_state_htlc, copy_assign_find)
{
	struct env e;
	memset(&e, 0, sizeof(e));
	struct l1_state *s = l1_state_new(1, 1, 2);
	for (uint64_t id = 1; id <= 5; id++) {
		struct l1_htlc t = htlc(&e, id * 10, id, 100, 0);
		l1_state_htlc_append(s, &t);
	}
	cr_assert_eq(l1_state_htlc_find(s, 30), 2);
	cr_assert_eq(l1_state_htlc_find(s, 31), -1);
	struct amount tot;
	cr_assert(l1_state_htlc_total(s, &tot));
	cr_assert_eq(tot.units, 15);
	struct l1_state *c = l1_state_copy(s);
	cr_assert_eq(l1_state_nhtlcs(c), 5);
	cr_assert_not(l1_state_is_unsigned(c));
	struct l1_state *plain = l1_state_new(1, 0, 2);
	l1_state_assign(c, plain);
	cr_assert_eq(l1_state_nhtlcs(c), 0, "assigning a state without HTLCs clears them");
	l1_state_htlc_remove(s, 2);
	cr_assert_eq(l1_state_htlc_find(s, 30), -1);
	cr_assert_eq(l1_state_htlc_find(s, 40), 2);
	l1_state_free(plain);
	l1_state_free(c);
	l1_state_free(s);
}

Test(l1_state_htlc, signatures_cover_htlcs)
{
	struct env e;
	env_init(&e, L1_RULE_LATEST_STATE);
	struct l1_htlc t = htlc(&e, 1, 30, 20, 0);
	struct l1_state *s = state(&e, 1, 70, 100, &t, 1);
	cr_assert(l1_state_verify(s, 0, e.h.pk[e.a]));
	cr_assert(l1_state_verify(s, 1, e.h.pk[e.b]));
	struct l1_state *c = l1_state_copy(s);
	c->htlcs->v[0].hash[3] ^= 1;
	cr_assert_not(l1_state_verify(c, 0, e.h.pk[e.a]), "the hash is signed");
	l1_state_assign(c, s);
	c->htlcs->v[0].expiry++;
	cr_assert_not(l1_state_verify(c, 1, e.h.pk[e.b]), "the expiry is signed");
	l1_state_assign(c, s);
	l1_state_htlc_remove(c, 0);
	cr_assert_not(l1_state_verify(c, 0, e.h.pk[e.a]), "dropping an HTLC breaks the signature");
	l1_state_free(c);
	l1_state_free(s);
	h_fini(&e.h);
}

/* ---- the contract ---- */

Test(l1_htlc, state_must_add_up_with_htlcs)
{
	struct env e;
	env_init(&e, L1_RULE_LATEST_STATE);
	struct l1_htlc t = htlc(&e, 1, 30, 20, 0);
	uint64_t bad = close_with(&e, e.a, state(&e, 1, 100, 100, &t, 1)); /* 230 != 200 */
	struct l1_htlc same = htlc(&e, 1, 30, 20, 0);
	same.payee = same.payer;
	uint64_t self = close_with(&e, e.a, state(&e, 1, 70, 100, &same, 1));
	struct l1_htlc two[2] = { htlc(&e, 3, 10, 20, 0), htlc(&e, 4, 20, 20, 0) };
	struct l1_state *dup = l1_state_new(e.ch, 1, 2);
	dup->balances[0] = AMOUNT(70);
	dup->balances[1] = AMOUNT(100);
	dup->included[0] = dup->included[1] = AMOUNT(100);
	l1_state_htlc_append(dup, &two[0]);
	l1_state_htlc_append(dup, &two[1]);
	dup->htlcs->v[1].id = 2; /* 3 then 2: ids must rise */
	h_sign_all(&e.h, dup, e.ch);
	uint64_t unordered = close_with(&e, e.a, dup);
	h_block(&e.h);
	h_assert_dropped(&e.h, bad, 2, L1_ERR_BAD_STATE);
	h_assert_dropped(&e.h, self, 2, L1_ERR_BAD_STATE);
	h_assert_dropped(&e.h, unordered, 2, L1_ERR_BAD_STATE);
	cr_assert_eq(l1_channel_status(e.h.cc, e.ch), L1_CH_OPEN);
	h_fini(&e.h);
}

Test(l1_htlc, cooperative_close_with_htlc_fails)
{
	struct env e;
	env_init(&e, L1_RULE_LATEST_STATE);
	struct l1_htlc t = htlc(&e, 1, 30, 20, 0);
	uint8_t before[32], after[32];
	h_digest(&e.h, before);
	uint64_t tx = h_submit(&e.h, H_COOP_CLOSE, e.a, e.ch, FEE, 0, state(&e, 1, 70, 100, &t, 1));
	h_block(&e.h);
	h_assert_dropped(&e.h, tx, 2, L1_ERR_HTLC_PENDING);
	h_digest(&e.h, after);
	cr_assert_eq(memcmp(before, after, 32), 0, "a dropped close changes nothing");
	h_fini(&e.h);
}

/* Close in the next block (block 2: T = 5, settles at the end of block 7) with one HTLC a -> b of 30
 * expiring at `expiry`. */
static void close_with_htlc(struct env *e, uint64_t expiry)
{
	struct l1_htlc t = htlc(e, 1, 30, expiry, 0);
	uint64_t tx = close_with(e, e->a, state(e, 1, 70, 100, &t, 1));
	h_block(&e->h);
	h_assert_included(&e->h, tx, e->h.c->height);
	cr_assert_eq(l1_channel_htlcs_held(e->h.cc), 1);
	cr_assert(l1_channel_holds_htlc(e->h.cc, e->ch));
	cr_assert_eq(l1_channel_htlc_outcome(e->h.cc, e->ch, 1), L1_HTLC_HELD);
}

Test(l1_htlc, claim_at_expiry_block_after_settlement)
{
	struct env e;
	env_init(&e, L1_RULE_LATEST_STATE);
	close_with_htlc(&e, 9);
	h_blocks_until(&e.h, 7);
	cr_assert_eq(l1_channel_status(e.h.cc, e.ch), L1_CH_CLOSED);
	/* Settled: balances paid, the HTLC still held. */
	cr_assert_eq(h_bal(&e.h, e.a), 900 - FEE + 70);
	cr_assert_eq(h_bal(&e.h, e.b), 900 + 100);
	cr_assert_eq(l1_channel_holdings(e.h.cc, e.ch).units, 30);
	cr_assert(l1_channel_holds_htlc(e.h.cc, e.ch));
	h_block(&e.h); /* 8 */
	uint64_t tx = claim(&e, e.b, 1, e.pre);
	h_block(&e.h); /* 9 = expiry */
	h_assert_included(&e.h, tx, 9);
	cr_assert_eq(l1_channel_htlc_outcome(e.h.cc, e.ch, 1), L1_HTLC_PAID_PAYEE);
	cr_assert_eq(h_bal(&e.h, e.b), 1000 + 30 - FEE);
	cr_assert_eq(l1_channel_holdings(e.h.cc, e.ch).units, 0);
	cr_assert_eq(l1_channel_payout(e.h.cc, e.ch, 1).units, 130);
	cr_assert_eq(l1_channel_balance_payout(e.h.cc, e.ch, 1).units, 100);
	cr_assert_eq(l1_channel_htlc_payout(e.h.cc, e.ch, 1).units, 30);
	cr_assert_eq(l1_channel_claimed_onchain(e.h.cc), 1);
	cr_assert_eq(l1_channel_refunded_onchain(e.h.cc), 0);
	cr_assert_eq(l1_channel_htlcs_held(e.h.cc), 0);
	cr_assert_not(l1_channel_holds_htlc(e.h.cc, e.ch));
	uint8_t out[32];
	cr_assert(l1_channel_preimage(e.h.cc, e.ch, e.hash, out));
	cr_assert_eq(memcmp(out, e.pre, 32), 0, "the claim reveals the preimage on L1");
	cr_assert_eq(l1_channel_claim_count(e.h.cc, e.ch), 1);
	cr_assert_eq(l1_channel_claim(e.h.cc, e.ch, 0)->height, 9);
	h_blocks_until(&e.h, 12); /* the refund timer of block 9 found nothing to do */
	cr_assert_eq(h_bal(&e.h, e.a), 900 - FEE + 70);
	h_fini(&e.h);
}

Test(l1_htlc, claim_one_block_after_expiry_is_dropped_and_refund_timer_pays_payer)
{
	struct env e;
	env_init(&e, L1_RULE_LATEST_STATE);
	close_with_htlc(&e, 9);
	h_blocks_until(&e.h, 8);
	cr_assert_eq(l1_channel_holdings(e.h.cc, e.ch).units, 30, "held through block 8");
	h_block(&e.h); /* 9: the refund at the end of its phase 1 */
	cr_assert_eq(l1_channel_htlc_outcome(e.h.cc, e.ch, 1), L1_HTLC_PAID_PAYER);
	cr_assert_eq(h_bal(&e.h, e.a), 900 - FEE + 100);
	cr_assert_eq(l1_channel_refunded_onchain(e.h.cc), 1);
	cr_assert_eq(l1_channel_holdings(e.h.cc, e.ch).units, 0);
	cr_assert_eq(l1_channel_payout(e.h.cc, e.ch, 0).units, 100);
	uint64_t tx = claim(&e, e.b, 1, e.pre);
	uint8_t before[32], after[32];
	h_digest(&e.h, before);
	h_block(&e.h); /* 10 > expiry */
	h_assert_dropped(&e.h, tx, 10, L1_ERR_HTLC_EXPIRED);
	h_digest(&e.h, after);
	cr_assert_eq(memcmp(before, after, 32), 0);
	cr_assert_eq(l1_channel_claimed_onchain(e.h.cc), 0);
	h_fini(&e.h);
}

Test(l1_htlc, claim_past_expiry_before_settlement_is_dropped)
{
	struct env e;
	env_init(&e, L1_RULE_LATEST_STATE);
	close_with_htlc(&e, 3);
	h_block(&e.h); /* 3 = expiry */
	uint64_t late = claim(&e, e.b, 1, e.pre);
	h_block(&e.h); /* 4 */
	h_assert_dropped(&e.h, late, 4, L1_ERR_HTLC_EXPIRED);
	h_blocks_until(&e.h, 7);
	/* Settled at 7 >= expiry: back to the payer at settlement. */
	cr_assert_eq(l1_channel_htlc_outcome(e.h.cc, e.ch, 1), L1_HTLC_PAID_PAYER);
	cr_assert_eq(h_bal(&e.h, e.a), 900 - FEE + 100);
	cr_assert_eq(l1_channel_refunded_onchain(e.h.cc), 1);
	cr_assert_eq(l1_channel_htlcs_held(e.h.cc), 0);
	h_fini(&e.h);
}

Test(l1_htlc, bad_claims_are_dropped_and_change_nothing)
{
	struct env e;
	env_init(&e, L1_RULE_LATEST_STATE);
	uint64_t too_early = claim(&e, e.b, 1, e.pre); /* nothing registered */
	h_block(&e.h);
	h_assert_dropped(&e.h, too_early, 2, L1_ERR_NO_SUCH_HTLC);
	close_with_htlc(&e, 20);
	uint8_t wrong[32];
	memset(wrong, 0x43, sizeof(wrong));
	uint8_t before[32], after[32];
	h_digest(&e.h, before);
	uint64_t bad_pre = claim(&e, e.b, 1, wrong);
	uint64_t not_payee = claim(&e, e.a, 1, e.pre);
	uint64_t no_such = claim(&e, e.b, 2, e.pre);
	h_block(&e.h); /* 4 */
	h_assert_dropped(&e.h, bad_pre, 4, L1_ERR_BAD_PREIMAGE);
	h_assert_dropped(&e.h, not_payee, 4, L1_ERR_NOT_PAYEE);
	h_assert_dropped(&e.h, no_such, 4, L1_ERR_NO_SUCH_HTLC);
	h_digest(&e.h, after);
	cr_assert_eq(memcmp(before, after, 32), 0);
	uint64_t first = claim(&e, e.b, 1, e.pre), twice = claim(&e, e.b, 1, e.pre);
	h_block(&e.h); /* 5 */
	h_assert_included(&e.h, first, 5);
	h_assert_dropped(&e.h, twice, 5, L1_ERR_HTLC_RESOLVED);
	cr_assert_eq(l1_channel_claimed_onchain(e.h.cc), 1);
	cr_assert_eq(l1_channel_htlc_outcome(e.h.cc, e.ch, 1), L1_HTLC_HELD, "claimed, paid at settlement");
	cr_assert_eq(l1_channel_holdings(e.h.cc, e.ch).units, 200);
	h_blocks_until(&e.h, 7);
	cr_assert_eq(l1_channel_status(e.h.cc, e.ch), L1_CH_DISPUTE, "closed in 3: settles in 8");
	h_block(&e.h);
	cr_assert_eq(l1_channel_htlc_outcome(e.h.cc, e.ch, 1), L1_HTLC_PAID_PAYEE);
	cr_assert_eq(h_bal(&e.h, e.b), 900 - FEE + 130);
	cr_assert_eq(l1_channel_htlcs_held(e.h.cc), 0);
	cr_assert_eq(l1_result_str(L1_ERR_BAD_PREIMAGE)[0] != '\0', 1);
	h_fini(&e.h);
}

Test(l1_htlc, settlement_with_claimed_expired_and_held_htlcs)
{
	struct env e;
	env_init(&e, L1_RULE_LATEST_STATE);
	struct l1_htlc hs[3] = { htlc(&e, 1, 10, 20, 0), htlc(&e, 2, 20, 7, 0), htlc(&e, 3, 30, 12, 1) };
	/* a: 100 - 10 - 20 = 70; b: 100 - 30 = 70 */
	uint64_t tx = close_with(&e, e.a, state(&e, 4, 70, 70, hs, 3));
	h_block(&e.h); /* 2 */
	h_assert_included(&e.h, tx, 2);
	cr_assert_eq(l1_channel_htlcs_held(e.h.cc), 3);
	uint64_t c1 = claim(&e, e.b, 1, e.pre);
	h_block(&e.h); /* 3 */
	h_assert_included(&e.h, c1, 3);
	h_blocks_until(&e.h, 7);
	/* 1 claimed -> b; 2 expired at 7 -> a; 3 held until 12 */
	cr_assert_eq(l1_channel_htlc_outcome(e.h.cc, e.ch, 1), L1_HTLC_PAID_PAYEE);
	cr_assert_eq(l1_channel_htlc_outcome(e.h.cc, e.ch, 2), L1_HTLC_PAID_PAYER);
	cr_assert_eq(l1_channel_htlc_outcome(e.h.cc, e.ch, 3), L1_HTLC_HELD);
	cr_assert_eq(l1_channel_holdings(e.h.cc, e.ch).units, 30);
	cr_assert_eq(l1_channel_htlcs_held(e.h.cc), 1);
	cr_assert_eq(h_bal(&e.h, e.a), 900 - FEE + 70 + 20);
	cr_assert_eq(h_bal(&e.h, e.b), 900 - FEE + 70 + 10);
	h_blocks_until(&e.h, 11);
	cr_assert_eq(l1_channel_holdings(e.h.cc, e.ch).units, 30);
	h_block(&e.h); /* 12 */
	cr_assert_eq(l1_channel_htlc_outcome(e.h.cc, e.ch, 3), L1_HTLC_PAID_PAYER);
	cr_assert_eq(h_bal(&e.h, e.b), 900 - FEE + 70 + 10 + 30);
	cr_assert_eq(l1_channel_refunded_onchain(e.h.cc), 2);
	cr_assert_eq(l1_channel_claimed_onchain(e.h.cc), 1);
	cr_assert_eq(l1_channel_htlcs_held(e.h.cc), 0);
	cr_assert_eq(l1_channel_holdings(e.h.cc, e.ch).units, 0);
	h_fini(&e.h);
}

Test(l1_htlc, challenge_replaces_state_with_htlc_by_one_without)
{
	struct env e;
	env_init(&e, L1_RULE_LATEST_STATE);
	struct l1_htlc t = htlc(&e, 1, 30, 20, 0);
	uint64_t cl = close_with(&e, e.a, state(&e, 1, 70, 100, &t, 1));
	h_block(&e.h);
	h_assert_included(&e.h, cl, 2);
	/* seq 2: the HTLC was settled to b off chain. */
	uint64_t chg = h_submit(&e.h, H_CHALLENGE, e.b, e.ch, FEE, 0, state(&e, 2, 70, 130, NULL, 0));
	h_block(&e.h);
	h_assert_included(&e.h, chg, 3);
	cr_assert_eq(l1_channel_htlcs_held(e.h.cc), 0);
	cr_assert_eq(l1_channel_htlc_outcome(e.h.cc, e.ch, 1), L1_HTLC_NOT_HELD);
	uint64_t c = claim(&e, e.b, 1, e.pre);
	h_block(&e.h);
	h_assert_dropped(&e.h, c, 4, L1_ERR_NO_SUCH_HTLC);
	h_blocks_until(&e.h, 7);
	cr_assert_eq(h_bal(&e.h, e.a), 900 - FEE + 70);
	cr_assert_eq(h_bal(&e.h, e.b), 900 - FEE + 130);
	cr_assert_eq(l1_channel_holdings(e.h.cc, e.ch).units, 0);
	cr_assert_eq(l1_channel_refunded_onchain(e.h.cc), 0);
	h_fini(&e.h);
}

Test(l1_htlc, challenge_replaces_state_without_htlc_by_one_with_it)
{
	struct env e;
	env_init(&e, L1_RULE_PENALTY);
	/* a closes with the stale opening-like seq 1; b challenges with seq 2 holding an
	 * HTLC b -> a of 40 expiring at 15. Under penalty a's balance goes to b; the HTLC
	 * is paid by its own rule. */
	uint64_t cl = close_with(&e, e.a, state(&e, 1, 100, 100, NULL, 0));
	h_block(&e.h);
	h_assert_included(&e.h, cl, 2);
	struct l1_htlc t = htlc(&e, 2, 40, 15, 1);
	uint64_t chg = h_submit(&e.h, H_CHALLENGE, e.b, e.ch, FEE, 0, state(&e, 2, 100, 60, &t, 1));
	h_block(&e.h);
	h_assert_included(&e.h, chg, 3);
	cr_assert_eq(l1_channel_htlcs_held(e.h.cc), 1);
	uint64_t c = claim(&e, e.a, 2, e.pre);
	h_block(&e.h);
	h_assert_included(&e.h, c, 4);
	h_blocks_until(&e.h, 7);
	/* penalty: a's 100 goes to b; the HTLC (claimed by a) goes to a */
	cr_assert_eq(l1_channel_balance_payout(e.h.cc, e.ch, 0).units, 0);
	cr_assert_eq(l1_channel_balance_payout(e.h.cc, e.ch, 1).units, 160);
	cr_assert_eq(l1_channel_payout(e.h.cc, e.ch, 0).units, 40);
	cr_assert_eq(h_bal(&e.h, e.a), 900 - FEE - FEE + 40);
	cr_assert_eq(h_bal(&e.h, e.b), 900 - FEE + 160);
	cr_assert_eq(l1_channel_holdings(e.h.cc, e.ch).units, 0);
	h_fini(&e.h);
}

Test(l1_htlc, refund_timer_runs_at_expiry_and_events_follow)
{
	struct env e;
	env_init(&e, L1_RULE_LATEST_STATE);
	close_with_htlc(&e, 10);
	h_blocks_until(&e.h, 10);
	size_t refunded = 0, settled_at = 0, refunded_at = 0;
	for (size_t i = 0; i < e.h.nlog; i++) {
		const struct h_rec *r = &e.h.log[i];
		if (r->kind != L1_EV_CONTRACT)
			continue;
		if (r->height == 7 && !settled_at)
			settled_at = i;
		if (r->height == 10) {
			refunded++;
			refunded_at = i;
		}
	}
	cr_assert_gt(settled_at, 0);
	cr_assert_eq(refunded, 1, "one contract event (the refund) in block 10");
	cr_assert_gt(refunded_at, settled_at);
	cr_assert_eq(l1_channel_htlc_outcome(e.h.cc, e.ch, 1), L1_HTLC_PAID_PAYER);
	cr_assert_str_eq(l1_htlc_outcome_str(L1_HTLC_PAID_PAYER), "paid_payer");
	cr_assert_str_eq(l1_channel_op_str(L1_CHANNEL_HTLC_CLAIM), "htlc_claim");
	h_fini(&e.h);
}
