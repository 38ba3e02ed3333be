/* HTLCs off chain (l2/htlc.h): add, fail, settle as signed states, their failures,
 * and the four pending-HTLC rules of SPEC section 10 driven over a real chain.
 * Blocks are driven as tools/runner.c drives them: phase 1, then phase 2. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <sodium.h>
#include <string.h>

#include "l1sim/chain.h"
#include "l1sim/channel.h"
#include "l2/l2.h"

#define CFEE 2  /* every party's challenge_fee */
#define TFEE 1  /* the net's tx fee */

struct env {
	struct l1_chain *chain;
	struct l2_net *net;
	uint32_t a, b, c, ab, bc;
	uint8_t pre[L1_PREIMAGE_LEN], hash[L1_HASH_LEN];
};

/* a, b, c with 1000 each on L1; channels a-b and b-c with 100/100, opened in block 1
 * and usable from it (1 confirmation); T = 5. */
static void env_init(struct env *e, enum l2_signatures sig)
{
	memset(e, 0, sizeof(*e));
	struct l1_params p;
	l1_params_default(&p);
	p.confirmations = 1;
	p.dispute_timeout_blocks = 5;
	p.check_conservation = true;
	p.verify_signatures = sig == L2_SIG_ED25519;
	e->chain = l1_chain_new(&p);
	e->net = l2_net_new(e->chain, sig, AMOUNT(TFEE));
	cr_assert_eq(l2_party_add(e->net, 7, "a", AMOUNT(1000), AMOUNT(CFEE), &e->a), L1_OK);
	cr_assert_eq(l2_party_add(e->net, 7, "b", AMOUNT(1000), AMOUNT(CFEE), &e->b), L1_OK);
	cr_assert_eq(l2_party_add(e->net, 7, "c", AMOUNT(1000), AMOUNT(CFEE), &e->c), L1_OK);
	struct amount d[2] = { AMOUNT(100), AMOUNT(100) };
	cr_assert_eq(l2_channel_add(e->net, 2, (uint32_t[]){ e->a, e->b }, d, &e->ab), L1_OK);
	cr_assert_eq(l2_channel_add(e->net, 2, (uint32_t[]){ e->b, e->c }, d, &e->bc), L1_OK);
	cr_assert_eq(l2_channel_open(e->net, e->ab, NULL), L2_OK);
	cr_assert_eq(l2_channel_open(e->net, e->bc, NULL), L2_OK);
	memset(e->pre, 0x5a, sizeof(e->pre));
	l2_htlc_hash(e->pre, e->hash);
	l1_chain_produce_block(e->chain);
	cr_assert(l2_channel_usable(e->net, e->ab));
}

static void env_fini(struct env *e)
{
	l2_net_free(e->net);
	l1_chain_free(e->chain);
}

static void step(struct env *e)
{
	l1_chain_produce_block(e->chain);
	cr_assert(l1_chain_conserved(e->chain), "conservation at block %" PRIu64, e->chain->height);
	l2_react_all(e->net, NULL, NULL);
}

static void run_to(struct env *e, uint64_t h)
{
	while (e->chain->height < h)
		step(e);
}

static const struct l1_state *latest(const struct env *e, uint32_t ch)
{
	return e->net->channels[ch].latest;
}

static bool sigs_verify(const struct env *e, uint32_t ch)
{
	const struct l2_channel *c = &e->net->channels[ch];
	for (uint32_t i = 0; i < 2; i++)
		if (!l1_state_verify(c->latest, i, e->net->parties[c->parties[i]].pk))
			return false;
	return true;
}

static uint64_t l1_bal(const struct env *e, uint32_t p)
{
	return l1_chain_balance(e->chain, e->net->parties[p].account).units;
}

Test(l2_htlc, add_moves_the_amount_into_a_signed_htlc)
{
	struct env e;
	env_init(&e, L2_SIG_ED25519);
	uint64_t signs = e.net->signs, verifies = e.net->verifies, seq = latest(&e, e.ab)->seq, id = 0;
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(30), e.hash, 40, &id), L2_OK);
	const struct l1_state *s = latest(&e, e.ab);
	cr_assert_eq(s->seq, seq + 1);
	cr_assert_eq(id, s->seq, "an HTLC's id is the seq that added it");
	cr_assert_eq(s->balances[0].units, 70);
	cr_assert_eq(s->balances[1].units, 100);
	cr_assert_eq(l1_state_nhtlcs(s), 1);
	const struct l1_htlc *h = l2_htlc_find(e.net, e.ab, id);
	cr_assert_not_null(h);
	cr_assert_eq(h->amount.units, 30);
	cr_assert_eq(h->expiry, 40);
	cr_assert_eq(h->payer, 0);
	cr_assert_eq(h->payee, 1);
	cr_assert_eq(memcmp(h->hash, e.hash, L1_HASH_LEN), 0);
	cr_assert_eq(e.net->signs, signs + 2, "both parties sign");
	cr_assert_eq(e.net->verifies, verifies + 2, "each verifies the other");
	cr_assert(sigs_verify(&e, e.ab));
	cr_assert_eq(l2_channel_spendable(e.net, e.ab, 0).units, 70);
	env_fini(&e);
}

Test(l2_htlc, add_failures_change_nothing)
{
	struct env e;
	env_init(&e, L2_SIG_ED25519);
	uint64_t seq = latest(&e, e.ab)->seq, signs = e.net->signs;
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(101), e.hash, 40, NULL), L2_ERR_NO_FUNDS);
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(0), e.hash, 40, NULL), L2_ERR_ZERO_AMOUNT);
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 2, AMOUNT(1), e.hash, 40, NULL), L2_ERR_NOT_MEMBERS);
	l2_party_set_offline(e.net, e.b, UINT64_MAX);
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(10), e.hash, 40, NULL), L2_ERR_OFFLINE);
	l2_party_set_online(e.net, e.b);
	cr_assert_eq(latest(&e, e.ab)->seq, seq);
	cr_assert_eq(e.net->signs, signs);
	cr_assert_eq(l1_state_nhtlcs(latest(&e, e.ab)), 0);
	/* The whole spendable balance is fine; one more unit is not. */
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(100), e.hash, 40, NULL), L2_OK);
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(1), e.hash, 40, NULL), L2_ERR_NO_FUNDS);
	/* A channel with a close submitted takes no more off-chain updates. */
	cr_assert_eq(l2_channel_close(e.net, e.bc, e.b, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false, NULL), L2_OK);
	cr_assert_eq(l2_htlc_add(e.net, e.bc, 0, AMOUNT(1), e.hash, 40, NULL), L2_ERR_NOT_USABLE);
	env_fini(&e);
}

Test(l2_htlc, htlcs_need_two_party_channels)
{
	struct env e;
	env_init(&e, L2_SIG_OFF);
	uint32_t abc;
	struct amount d[3] = { AMOUNT(10), AMOUNT(10), AMOUNT(10) };
	cr_assert_eq(l2_channel_add(e.net, 3, (uint32_t[]){ e.a, e.b, e.c }, d, &abc), L1_OK);
	cr_assert_eq(l2_htlc_add(e.net, abc, 0, AMOUNT(1), e.hash, 40, NULL), L2_ERR_NOT_TWO_PARTY);
	env_fini(&e);
}

Test(l2_htlc, fail_and_settle)
{
	struct env e;
	env_init(&e, L2_SIG_ED25519);
	uint64_t x, y;
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(30), e.hash, 40, &x), L2_OK);
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 1, AMOUNT(20), e.hash, 40, &y), L2_OK);
	cr_assert_eq(latest(&e, e.ab)->balances[1].units, 80);
	/* fail x: back to a */
	cr_assert_eq(l2_htlc_fail(e.net, e.ab, x), L2_OK);
	cr_assert_eq(latest(&e, e.ab)->balances[0].units, 100);
	cr_assert_null(l2_htlc_find(e.net, e.ab, x));
	cr_assert_eq(l2_htlc_fail(e.net, e.ab, x), L2_ERR_NO_SUCH_HTLC);
	/* settle y to a: a wrong preimage is refused, the right one moves the amount */
	uint8_t wrong[32];
	memset(wrong, 1, sizeof(wrong));
	uint64_t seq = latest(&e, e.ab)->seq;
	cr_assert_eq(l2_htlc_settle(e.net, e.ab, y, wrong), L2_ERR_BAD_PREIMAGE);
	cr_assert_eq(latest(&e, e.ab)->seq, seq);
	l2_party_set_offline(e.net, e.a, UINT64_MAX);
	cr_assert_eq(l2_htlc_settle(e.net, e.ab, y, e.pre), L2_ERR_OFFLINE);
	l2_party_set_online(e.net, e.a);
	cr_assert_eq(l2_htlc_settle(e.net, e.ab, y, e.pre), L2_OK);
	const struct l1_state *s = latest(&e, e.ab);
	cr_assert_eq(s->seq, seq + 1);
	cr_assert_eq(s->balances[0].units, 120);
	cr_assert_eq(s->balances[1].units, 80);
	cr_assert_eq(l1_state_nhtlcs(s), 0);
	cr_assert(sigs_verify(&e, e.ab));
	env_fini(&e);
}

Test(l2_htlc, signatures_off_count_nothing)
{
	struct env e;
	env_init(&e, L2_SIG_OFF);
	uint64_t id;
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(30), e.hash, 40, &id), L2_OK);
	cr_assert(l1_state_is_unsigned(latest(&e, e.ab)), "no room for signatures with them off");
	cr_assert_eq(l2_htlc_settle(e.net, e.ab, id, e.pre), L2_OK);
	cr_assert(l1_state_is_unsigned(latest(&e, e.ab)));
	cr_assert_eq(e.net->signs, 0);
	cr_assert_eq(e.net->verifies, 0);
	env_fini(&e);
}

Test(l2_htlc, cooperative_close_fails_while_htlc_pending)
{
	struct env e;
	env_init(&e, L2_SIG_ED25519);
	uint64_t id;
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(30), e.hash, 40, &id), L2_OK);
	uint64_t seq = latest(&e, e.ab)->seq;
	cr_assert_eq(l2_channel_close(e.net, e.ab, e.a, L2_CLOSE_COOPERATIVE, L2_STATE_LATEST, false, NULL),
		     L2_ERR_HTLC_PENDING);
	cr_assert_eq(latest(&e, e.ab)->seq, seq);
	cr_assert(l2_channel_usable(e.net, e.ab));
	cr_assert_eq(l2_htlc_fail(e.net, e.ab, id), L2_OK);
	cr_assert_eq(l2_channel_close(e.net, e.ab, e.a, L2_CLOSE_COOPERATIVE, L2_STATE_LATEST, false, NULL), L2_OK);
	env_fini(&e);
}

Test(l2_htlc, payments_without_htlcs_allocate_nothing_for_them)
{
	struct env e;
	env_init(&e, L2_SIG_ED25519);
	cr_assert_eq(sizeof(struct l1_state), 40);
	cr_assert_eq(sizeof(struct l2_channel), 48);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(l2_channel_pay_index(e.net, e.ab, 0, 1, AMOUNT(1)), L2_OK);
	cr_assert_null(latest(&e, e.ab)->htlcs);
	env_fini(&e);
}

/* ---- the four rules ---- */

Test(l2_htlc_rules, rule1_settles_when_the_payee_knows)
{
	struct env e;
	env_init(&e, L2_SIG_ED25519);
	uint64_t id;
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(30), e.hash, 40, &id), L2_OK);
	struct l1_htlc h = *l2_htlc_find(e.net, e.ab, id);
	cr_assert_eq(l2_htlc_step(e.net, e.ab, &h, NULL, 6, NULL), L2_HTLC_NOTHING, "nobody knows, not expired");
	cr_assert_eq(l2_htlc_step(e.net, e.ab, &h, e.pre, 6, NULL), L2_HTLC_SETTLED);
	cr_assert_eq(latest(&e, e.ab)->balances[1].units, 130);
	cr_assert_str_eq(l2_htlc_action_str(L2_HTLC_SETTLED), "settled");
	env_fini(&e);
}

Test(l2_htlc_rules, rule2_removes_at_expiry_and_upstream_whatever_its_expiry)
{
	struct env e;
	env_init(&e, L2_SIG_ED25519);
	uint64_t up, down;
	/* a -> b -> c: the upstream hop expires later */
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(31), e.hash, 10, &up), L2_OK);
	cr_assert_eq(l2_htlc_add(e.net, e.bc, 0, AMOUNT(30), e.hash, 4, &down), L2_OK);
	struct l1_htlc hd = *l2_htlc_find(e.net, e.bc, down);
	run_to(&e, 3);
	cr_assert_eq(l2_htlc_step(e.net, e.bc, &hd, NULL, 6, NULL), L2_HTLC_NOTHING, "height 3 < expiry 4");
	cr_assert_eq(l2_htlc_rule_remove(e.net, e.ab, up, NULL, false), L2_HTLC_NOTHING);
	step(&e);
	cr_assert_eq(l2_htlc_step(e.net, e.bc, &hd, NULL, 6, NULL), L2_HTLC_REMOVED, "height 4 = expiry");
	cr_assert_eq(latest(&e, e.bc)->balances[0].units, 100);
	cr_assert_eq(l2_htlc_rule_remove(e.net, e.ab, up, NULL, true), L2_HTLC_REMOVED);
	cr_assert_eq(latest(&e, e.ab)->balances[0].units, 100);
	/* not when the payee knows the preimage, nor with a party offline */
	uint64_t z;
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(5), e.hash, 4, &z), L2_OK);
	cr_assert_eq(l2_htlc_rule_remove(e.net, e.ab, z, e.pre, false), L2_HTLC_NOTHING);
	l2_party_set_offline(e.net, e.b, UINT64_MAX);
	cr_assert_eq(l2_htlc_rule_remove(e.net, e.ab, z, NULL, false), L2_HTLC_NOTHING);
	env_fini(&e);
}

Test(l2_htlc_rules, rule3_payee_goes_on_chain_and_claims_in_time)
{
	struct env e;
	env_init(&e, L2_SIG_ED25519);
	uint64_t id;
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(30), e.hash, 20, &id), L2_OK);
	struct l1_htlc h = *l2_htlc_find(e.net, e.ab, id);
	l2_party_set_offline(e.net, e.a, UINT64_MAX); /* the payer vanishes: no off-chain settle */
	run_to(&e, 13);
	uint64_t tx = 0;
	bool applies;
	cr_assert_eq(l2_htlc_rule_onchain(e.net, e.ab, &h, e.pre, 6, &applies, &tx), L2_HTLC_NOTHING);
	cr_assert_not(applies, "13 < 20 - 6");
	step(&e); /* 14 */
	uint64_t before = l1_bal(&e, e.b);
	cr_assert_eq(l2_htlc_step(e.net, e.ab, &h, e.pre, 6, &tx), L2_HTLC_CLOSED);
	cr_assert(e.net->channels[e.ab].close_submitted);
	cr_assert_eq(l2_htlc_step(e.net, e.ab, &h, e.pre, 6, &tx), L2_HTLC_NOTHING, "the close is pending");
	step(&e); /* 15: the close is registered */
	cr_assert_eq(l1_bal(&e, e.b), before - CFEE, "the close pays b's challenge_fee");
	cr_assert_eq(l2_htlc_step(e.net, e.ab, &h, e.pre, 6, &tx), L2_HTLC_CLAIMED);
	cr_assert(l2_htlc_claim_pending(e.net, e.ab, id));
	cr_assert_eq(l2_htlc_step(e.net, e.ab, &h, e.pre, 6, NULL), L2_HTLC_NOTHING, "one claim pending");
	step(&e); /* 16: claim included */
	cr_assert_not(l2_htlc_claim_pending(e.net, e.ab, id));
	cr_assert_eq(l1_channel_claimed_onchain(e.net->l1), 1);
	cr_assert_eq(l2_htlc_step(e.net, e.ab, &h, e.pre, 6, NULL), L2_HTLC_NOTHING, "claimed already");
	run_to(&e, 20); /* settles at 15 + 5 */
	uint32_t l1 = e.net->channels[e.ab].l1_id;
	cr_assert_eq(l1_channel_htlc_outcome(e.net->l1, l1, id), L1_HTLC_PAID_PAYEE);
	cr_assert_eq(l1_bal(&e, e.b), before - CFEE - CFEE + 100 + 30);
	cr_assert_eq(l1_bal(&e, e.a), 1000 - 100 - TFEE + 70);
	env_fini(&e);
}

Test(l2_htlc_rules, rule3_no_claim_at_or_past_expiry)
{
	struct env e;
	env_init(&e, L2_SIG_OFF);
	uint64_t id;
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(30), e.hash, 5, &id), L2_OK);
	struct l1_htlc h = *l2_htlc_find(e.net, e.ab, id);
	cr_assert_eq(l2_channel_close(e.net, e.ab, e.a, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false, NULL), L2_OK);
	run_to(&e, 5);
	bool applies;
	cr_assert_eq(l2_htlc_rule_onchain(e.net, e.ab, &h, e.pre, 6, &applies, NULL), L2_HTLC_NOTHING);
	cr_assert(applies, "the close was submitted: rule 3 applies, with nothing left to do");
	cr_assert_eq(e.chain->mempool_len, 0);
	env_fini(&e);
}

Test(l2_htlc_rules, rule4_payer_closes_at_expiry_when_the_payee_is_offline)
{
	struct env e;
	env_init(&e, L2_SIG_ED25519);
	uint64_t id;
	cr_assert_eq(l2_htlc_add(e.net, e.ab, 0, AMOUNT(30), e.hash, 8, &id), L2_OK);
	struct l1_htlc h = *l2_htlc_find(e.net, e.ab, id);
	l2_party_set_offline(e.net, e.b, UINT64_MAX);
	run_to(&e, 7);
	cr_assert_eq(l2_htlc_step(e.net, e.ab, &h, NULL, 6, NULL), L2_HTLC_NOTHING, "7 < expiry 8");
	step(&e); /* 8 */
	uint64_t before = l1_bal(&e, e.a);
	cr_assert_eq(l2_htlc_step(e.net, e.ab, &h, NULL, 6, NULL), L2_HTLC_CLOSED);
	cr_assert_eq(l2_htlc_rule_payer_close(e.net, e.ab, &h, NULL), L2_HTLC_NOTHING, "one close only");
	step(&e); /* 9: registered; settles at 14, past the expiry: back to a */
	cr_assert_eq(l1_bal(&e, e.a), before - CFEE);
	run_to(&e, 14);
	uint32_t l1 = e.net->channels[e.ab].l1_id;
	cr_assert_eq(l1_channel_htlc_outcome(e.net->l1, l1, id), L1_HTLC_PAID_PAYER);
	cr_assert_eq(l1_channel_refunded_onchain(e.net->l1), 1);
	cr_assert_eq(l1_bal(&e, e.a), before - CFEE + 100);
	env_fini(&e);
}
