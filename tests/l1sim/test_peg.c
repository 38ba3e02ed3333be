/* Unit tests of the peg contract (l1sim/peg.h, SPEC section 11): peg-ins, releases
 * paid with m valid signatures of distinct members and refused otherwise (m-1, a
 * non-member's, a duplicate, a bad one), replays, a peg short of the amount, sizes,
 * holdings and conservation after every block, and a refused tx changing nothing. */
#include <criterion/criterion.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/chain.h"
#include "l1sim/peg.h"

#define NKEYS 8
#define FEE 2

struct rec {
	uint64_t tx;
	bool included;
	enum l1_result reason;
	uint64_t height;
};

/* A chain with five accounts (0..2 the federation f0..f2, 3 alice, 4 bob), a 2-of-3
 * peg, keys for 8 holders (5..7 hold keys but are no members), and a log of txs. */
struct t {
	struct l1_chain *c;
	struct l1_peg_contract *pc;
	uint8_t pk[NKEYS][L1_PUBKEY_LEN];
	uint8_t sk[NKEYS][L1_SECKEY_LEN];
	struct rec log[64];
	size_t nlog;
};

static void on_event(void *ctx, const struct l1_event *ev)
{
	struct t *t = ctx;
	if (ev->kind == L1_EV_CONTRACT || t->nlog == 64)
		return;
	t->log[t->nlog++] = (struct rec){ .tx = ev->tx->id, .included = ev->kind == L1_EV_TX_INCLUDED,
					  .reason = ev->reason, .height = ev->height };
}

static void init(struct t *t, uint32_t m, uint64_t block_bytes)
{
	memset(t, 0, sizeof(*t));
	struct l1_params p;
	l1_params_default(&p);
	p.block_interval_ms = 1000;
	p.confirmations = 1;
	p.check_conservation = true;
	p.block_bytes = block_bytes;
	t->c = l1_chain_new(&p);
	cr_assert_not_null(t->c);
	l1_chain_add_listener(t->c, on_event, t);
	for (uint32_t i = 0; i < NKEYS; i++) {
		uint8_t seed[crypto_sign_SEEDBYTES];
		memset(seed, 0x5a, sizeof(seed));
		seed[0] = (uint8_t)i;
		crypto_sign_seed_keypair(t->pk[i], t->sk[i], seed);
	}
	static const uint64_t balances[] = { 10, 10, 10, 1000, 5 };
	for (uint32_t i = 0; i < 5; i++) {
		uint32_t id;
		cr_assert_eq(l1_chain_add_account(t->c, AMOUNT(balances[i]), t->pk[i], &id), L1_OK);
		cr_assert_eq(id, i);
	}
	t->pc = l1_peg_contract_new(t->c, 3, (const uint8_t(*)[L1_PUBKEY_LEN])t->pk, m);
	cr_assert_not_null(t->pc);
}

static void fini(struct t *t)
{
	l1_chain_free(t->c);
}

static void block(struct t *t)
{
	l1_chain_produce_block(t->c);
	cr_assert(l1_chain_conserved(t->c), "conservation broken at block %llu", (unsigned long long)t->c->height);
}

static const struct rec *find(const struct t *t, uint64_t tx)
{
	for (size_t i = 0; i < t->nlog; i++)
		if (t->log[i].tx == tx)
			return &t->log[i];
	return NULL;
}

static void assert_included(const struct t *t, uint64_t tx)
{
	const struct rec *r = find(t, tx);
	cr_assert_not_null(r, "tx %llu never reached", (unsigned long long)tx);
	cr_assert(r->included, "tx %llu dropped: %s", (unsigned long long)tx, l1_result_str(r->reason));
}

static void assert_dropped(const struct t *t, uint64_t tx, enum l1_result why)
{
	const struct rec *r = find(t, tx);
	cr_assert_not_null(r, "tx %llu never reached", (unsigned long long)tx);
	cr_assert(!r->included, "tx %llu included, expected dropped for %s", (unsigned long long)tx,
		  l1_result_str(why));
	cr_assert_eq(r->reason, why, "dropped for \"%s\", expected \"%s\"", l1_result_str(r->reason),
		     l1_result_str(why));
}

static uint64_t peg_in(struct t *t, uint32_t who, uint64_t amount)
{
	return l1_chain_submit(t->c, l1_peg_in_tx(t->pc, who, AMOUNT(amount), AMOUNT(FEE)));
}

/* A release of amount to `to`, numbered `number`, signed by the key holders in
 * signers[0..n) (index into t->pk), submitted by `to`. */
static uint64_t release(struct t *t, uint32_t to, uint64_t amount, uint64_t number, const uint32_t *signers, uint32_t n)
{
	struct l1_peg_release *rel = l1_peg_release_new(number, n);
	for (uint32_t i = 0; i < n; i++)
		l1_peg_release_sign(t->pc, rel, i, to, AMOUNT(amount), t->pk[signers[i]], t->sk[signers[i]]);
	return l1_chain_submit(t->c, l1_peg_release_tx(t->pc, to, to, AMOUNT(amount), AMOUNT(FEE), rel));
}

/* A 2-of-3 peg (or m-of-3) holding alice's 600 after block 1. */
static void funded(struct t *t, uint32_t m)
{
	init(t, m, 0);
	uint64_t id = peg_in(t, 3, 600);
	block(t);
	assert_included(t, id);
}

static void state_hash(const struct t *t, uint8_t out[32])
{
	l1_chain_state_hash(t->c, out);
}

Test(peg, peg_in_moves_the_amount_into_the_contract)
{
	struct t t;
	init(&t, 2, 0);
	uint64_t id = peg_in(&t, 3, 600);
	block(&t);
	assert_included(&t, id);
	cr_assert_eq(l1_peg_holdings(t.pc).units, 600);
	cr_assert_eq(l1_chain_balance(t.c, 3).units, 1000 - 600 - FEE);
	uint64_t poor = peg_in(&t, 4, 4); /* bob has 5: 4 + the fee is more */
	block(&t);
	assert_dropped(&t, poor, L1_ERR_NO_FUNDS);
	cr_assert_eq(l1_peg_holdings(t.pc).units, 600);
	fini(&t);
}

Test(peg, m_minus_one_signatures_are_refused_and_m_accepted)
{
	struct t t;
	funded(&t, 2);
	uint8_t before[32], after[32];
	state_hash(&t, before);
	uint64_t one = release(&t, 4, 100, 1, (const uint32_t[]){ 0 }, 1);
	block(&t);
	assert_dropped(&t, one, L1_ERR_PEG_QUORUM);
	/* A dropped release changes nothing but the height and time the hash also covers:
	 * compare what the contract and the accounts hold. */
	cr_assert_eq(l1_peg_holdings(t.pc).units, 600);
	cr_assert_eq(l1_chain_balance(t.c, 4).units, 5);
	cr_assert_eq(l1_peg_releases(t.pc), 0);
	uint64_t two = release(&t, 4, 100, 1, (const uint32_t[]){ 0, 2 }, 2);
	block(&t);
	assert_included(&t, two);
	cr_assert_eq(l1_peg_holdings(t.pc).units, 500);
	cr_assert_eq(l1_chain_balance(t.c, 4).units, 5 - FEE + 100, "paid to the recipient, who paid the fee");
	cr_assert_eq(l1_peg_releases(t.pc), 1);
	state_hash(&t, after);
	cr_assert(memcmp(before, after, 32) != 0);
	fini(&t);
}

Test(peg, every_member_may_sign_and_the_threshold_may_be_the_whole_federation)
{
	struct t t;
	funded(&t, 3);
	uint64_t two = release(&t, 4, 100, 1, (const uint32_t[]){ 1, 2 }, 2);
	uint64_t three = release(&t, 4, 100, 2, (const uint32_t[]){ 2, 1, 0 }, 3);
	block(&t);
	assert_dropped(&t, two, L1_ERR_PEG_QUORUM);
	assert_included(&t, three);
	fini(&t);
}

Test(peg, a_non_members_signature_does_not_count)
{
	struct t t;
	funded(&t, 2);
	/* Key holder 5 is no member: one member and one outsider are not two members. */
	uint64_t id = release(&t, 4, 100, 1, (const uint32_t[]){ 0, 5 }, 2);
	block(&t);
	assert_dropped(&t, id, L1_ERR_PEG_QUORUM);
	/* Nor are three outsiders with one member, whatever their number. */
	uint64_t many = release(&t, 4, 100, 2, (const uint32_t[]){ 5, 6, 7, 1 }, 4);
	block(&t);
	assert_dropped(&t, many, L1_ERR_PEG_QUORUM);
	cr_assert_eq(l1_peg_holdings(t.pc).units, 600);
	fini(&t);
}

Test(peg, a_duplicate_signature_counts_once)
{
	struct t t;
	funded(&t, 2);
	uint64_t dup = release(&t, 4, 100, 1, (const uint32_t[]){ 1, 1 }, 2);
	block(&t);
	assert_dropped(&t, dup, L1_ERR_PEG_QUORUM);
	uint64_t dup3 = release(&t, 4, 100, 2, (const uint32_t[]){ 1, 1, 1 }, 3);
	block(&t);
	assert_dropped(&t, dup3, L1_ERR_PEG_QUORUM);
	cr_assert_eq(l1_peg_holdings(t.pc).units, 600);
	fini(&t);
}

Test(peg, a_bad_signature_is_refused)
{
	struct t t;
	funded(&t, 2);
	/* Signed for 100, released for 500: neither signature is over its message. */
	struct l1_peg_release *rel = l1_peg_release_new(1, 2);
	l1_peg_release_sign(t.pc, rel, 0, 4, AMOUNT(100), t.pk[0], t.sk[0]);
	l1_peg_release_sign(t.pc, rel, 1, 4, AMOUNT(100), t.pk[1], t.sk[1]);
	uint64_t more = l1_chain_submit(t.c, l1_peg_release_tx(t.pc, 4, 4, AMOUNT(500), AMOUNT(FEE), rel));
	/* A valid pair with one bit flipped in the second signature. */
	rel = l1_peg_release_new(2, 2);
	l1_peg_release_sign(t.pc, rel, 0, 4, AMOUNT(100), t.pk[0], t.sk[0]);
	l1_peg_release_sign(t.pc, rel, 1, 4, AMOUNT(100), t.pk[1], t.sk[1]);
	rel->sigs[1].sig[7] ^= 0x10;
	uint64_t flipped = l1_chain_submit(t.c, l1_peg_release_tx(t.pc, 4, 4, AMOUNT(100), AMOUNT(FEE), rel));
	/* A member's key with another's signature. */
	rel = l1_peg_release_new(3, 2);
	l1_peg_release_sign(t.pc, rel, 0, 4, AMOUNT(100), t.pk[0], t.sk[0]);
	l1_peg_release_sign(t.pc, rel, 1, 4, AMOUNT(100), t.pk[2], t.sk[5]);
	uint64_t forged = l1_chain_submit(t.c, l1_peg_release_tx(t.pc, 4, 4, AMOUNT(100), AMOUNT(FEE), rel));
	/* Signed for another recipient. */
	rel = l1_peg_release_new(4, 2);
	l1_peg_release_sign(t.pc, rel, 0, 3, AMOUNT(100), t.pk[0], t.sk[0]);
	l1_peg_release_sign(t.pc, rel, 1, 3, AMOUNT(100), t.pk[1], t.sk[1]);
	uint64_t other = l1_chain_submit(t.c, l1_peg_release_tx(t.pc, 4, 4, AMOUNT(100), AMOUNT(FEE), rel));
	block(&t);
	assert_dropped(&t, more, L1_ERR_PEG_QUORUM);
	assert_dropped(&t, flipped, L1_ERR_PEG_QUORUM);
	assert_dropped(&t, forged, L1_ERR_PEG_QUORUM);
	assert_dropped(&t, other, L1_ERR_PEG_QUORUM);
	cr_assert_eq(l1_peg_holdings(t.pc).units, 600);
	cr_assert_eq(l1_chain_balance(t.c, 4).units, 5);
	fini(&t);
}

Test(peg, an_invalid_signature_then_a_valid_one_of_the_same_member_counts_once)
{
	struct t t;
	funded(&t, 2);
	struct l1_peg_release *rel = l1_peg_release_new(1, 3);
	l1_peg_release_sign(t.pc, rel, 0, 4, AMOUNT(100), t.pk[0], t.sk[0]);
	rel->sigs[0].sig[0] ^= 1;
	l1_peg_release_sign(t.pc, rel, 1, 4, AMOUNT(100), t.pk[0], t.sk[0]);
	l1_peg_release_sign(t.pc, rel, 2, 4, AMOUNT(100), t.pk[1], t.sk[1]);
	uint64_t id = l1_chain_submit(t.c, l1_peg_release_tx(t.pc, 4, 4, AMOUNT(100), AMOUNT(FEE), rel));
	block(&t);
	assert_included(&t, id);
	fini(&t);
}

Test(peg, a_release_number_is_paid_once)
{
	struct t t;
	funded(&t, 2);
	uint64_t a = release(&t, 4, 100, 7, (const uint32_t[]){ 0, 1 }, 2);
	block(&t);
	assert_included(&t, a);
	uint64_t again = release(&t, 4, 100, 7, (const uint32_t[]){ 0, 1 }, 2);
	uint64_t next = release(&t, 4, 100, 3, (const uint32_t[]){ 0, 1 }, 2);
	block(&t);
	assert_dropped(&t, again, L1_ERR_PEG_REPLAY);
	assert_included(&t, next);
	cr_assert_eq(l1_peg_holdings(t.pc).units, 400);
	cr_assert_eq(l1_peg_releases(t.pc), 2);
	fini(&t);
}

Test(peg, a_peg_short_of_the_amount_drops_the_release)
{
	struct t t;
	funded(&t, 2);
	uint64_t big = release(&t, 4, 601, 1, (const uint32_t[]){ 0, 1 }, 2);
	uint64_t all = release(&t, 4, 600, 2, (const uint32_t[]){ 0, 1 }, 2);
	block(&t);
	assert_dropped(&t, big, L1_ERR_PEG_SHORT);
	assert_included(&t, all);
	cr_assert_eq(l1_peg_holdings(t.pc).units, 0);
	uint64_t empty = release(&t, 4, 1, 3, (const uint32_t[]){ 0, 1 }, 2);
	block(&t);
	assert_dropped(&t, empty, L1_ERR_PEG_SHORT);
	fini(&t);
}

Test(peg, a_release_whose_submitter_cannot_pay_the_fee_is_dropped)
{
	struct t t;
	funded(&t, 2);
	/* Account 1 (f1, balance 10) submits for bob with a fee of 11. */
	struct l1_peg_release *rel = l1_peg_release_new(1, 2);
	l1_peg_release_sign(t.pc, rel, 0, 4, AMOUNT(100), t.pk[0], t.sk[0]);
	l1_peg_release_sign(t.pc, rel, 1, 4, AMOUNT(100), t.pk[1], t.sk[1]);
	uint64_t id = l1_chain_submit(t.c, l1_peg_release_tx(t.pc, 1, 4, AMOUNT(100), AMOUNT(11), rel));
	block(&t);
	assert_dropped(&t, id, L1_ERR_NO_FUNDS);
	cr_assert_eq(l1_peg_releases(t.pc), 0);
	/* The same number may then be paid: the drop changed nothing. */
	uint64_t ok = release(&t, 4, 100, 1, (const uint32_t[]){ 0, 1 }, 2);
	block(&t);
	assert_included(&t, ok);
	fini(&t);
}

Test(peg, a_dropped_release_leaves_the_state_hash_as_an_empty_block_would)
{
	struct t a, b;
	funded(&a, 2);
	funded(&b, 2);
	uint64_t bad = release(&a, 4, 100, 1, (const uint32_t[]){ 0, 6 }, 2);
	block(&a);
	block(&b);
	assert_dropped(&a, bad, L1_ERR_PEG_QUORUM);
	uint8_t ha[32], hb[32];
	state_hash(&a, ha);
	state_hash(&b, hb);
	cr_assert(memcmp(ha, hb, 32) == 0);
	fini(&a);
	fini(&b);
}

Test(peg, sizes_are_250_and_250_plus_64_per_signature)
{
	struct t t;
	init(&t, 2, 0);
	struct l1_tx in = l1_peg_in_tx(t.pc, 3, AMOUNT(1), AMOUNT(0));
	cr_assert_eq(l1_chain_tx_bytes(t.c, &in), 250);
	for (uint32_t n = 0; n <= 4; n++) {
		struct l1_peg_release *rel = l1_peg_release_new(1, n);
		struct l1_tx tx = l1_peg_release_tx(t.pc, 3, 3, AMOUNT(1), AMOUNT(0), rel);
		cr_assert_eq(l1_chain_tx_bytes(t.c, &tx), 250 + 64 * n);
		free(rel);
	}
	cr_assert_eq(l1_peg_release_bytes(11), 954);
	fini(&t);
}

Test(peg, a_release_larger_than_the_bytes_left_waits_for_the_next_block)
{
	struct t t;
	init(&t, 2, 500); /* one peg-in (250) and a 2-signature release (378) do not fit together */
	uint64_t in = peg_in(&t, 3, 600);
	block(&t);
	assert_included(&t, in);
	uint64_t pin = peg_in(&t, 3, 10);
	uint64_t rel = release(&t, 4, 100, 1, (const uint32_t[]){ 0, 1 }, 2);
	uint64_t pin2 = peg_in(&t, 3, 10);
	block(&t);
	assert_included(&t, pin);
	assert_included(&t, pin2);
	cr_assert_null(find(&t, rel), "the release waits: 378 bytes do not fit in the 0 left");
	block(&t);
	assert_included(&t, rel);
	fini(&t);
}

Test(peg, recipient_may_be_the_submitter)
{
	struct t t;
	funded(&t, 2);
	uint64_t id = release(&t, 3, 600, 1, (const uint32_t[]){ 0, 1 }, 2);
	block(&t);
	assert_included(&t, id);
	cr_assert_eq(l1_chain_balance(t.c, 3).units, 1000 - 600 - FEE - FEE + 600);
	fini(&t);
}

Test(peg, bad_parameters_and_unknown_ops)
{
	struct t t;
	init(&t, 2, 0);
	cr_assert_null(l1_peg_contract_new(t.c, 3, (const uint8_t(*)[L1_PUBKEY_LEN])t.pk, 0));
	cr_assert_null(l1_peg_contract_new(t.c, 3, (const uint8_t(*)[L1_PUBKEY_LEN])t.pk, 4));
	cr_assert_null(l1_peg_contract_new(t.c, 0, (const uint8_t(*)[L1_PUBKEY_LEN])t.pk, 1));
	struct l1_tx odd = l1_peg_in_tx(t.pc, 3, AMOUNT(5), AMOUNT(0));
	odd.op = 9;
	uint64_t a = l1_chain_submit(t.c, odd);
	uint64_t zero = l1_chain_submit(t.c, l1_peg_in_tx(t.pc, 3, AMOUNT(0), AMOUNT(0)));
	struct l1_tx bare = l1_peg_release_tx(t.pc, 3, 3, AMOUNT(1), AMOUNT(0), NULL);
	uint64_t b = l1_chain_submit(t.c, bare);
	block(&t);
	assert_dropped(&t, a, L1_ERR_NO_SUCH_OP);
	assert_dropped(&t, zero, L1_ERR_BAD_PARAMS);
	assert_dropped(&t, b, L1_ERR_BAD_PARAMS);
	cr_assert_str_eq(l1_chain_op_str(t.c, &bare), "peg_release");
	cr_assert_eq(l1_peg_op_of(t.pc, &bare), L1_PEG_RELEASE);
	struct l1_tx tr = l1_tx_transfer(3, 4, AMOUNT(1), AMOUNT(0));
	cr_assert_eq(l1_peg_op_of(t.pc, &tr), L1_PEG_OP_NONE);
	fini(&t);
}

Test(peg, holdings_reach_the_whole_supply)
{
	struct l1_params p;
	l1_params_default(&p);
	p.check_conservation = true;
	struct l1_chain *c = l1_chain_new(&p);
	uint8_t pk[1][L1_PUBKEY_LEN], sk[L1_SECKEY_LEN];
	crypto_sign_keypair(pk[0], sk);
	uint32_t a, b;
	cr_assert_eq(l1_chain_add_account(c, AMOUNT(UINT64_MAX - 10), pk[0], &a), L1_OK);
	cr_assert_eq(l1_chain_add_account(c, AMOUNT(10), pk[0], &b), L1_OK);
	struct l1_peg_contract *pc = l1_peg_contract_new(c, 1, (const uint8_t(*)[L1_PUBKEY_LEN])pk, 1);
	(void)l1_chain_submit(c, l1_peg_in_tx(pc, a, AMOUNT(UINT64_MAX - 10), AMOUNT(0)));
	l1_chain_produce_block(c);
	cr_assert_eq(l1_peg_holdings(pc).units, UINT64_MAX - 10);
	(void)l1_chain_submit(c, l1_peg_in_tx(pc, b, AMOUNT(10), AMOUNT(0)));
	l1_chain_produce_block(c);
	cr_assert_eq(l1_peg_holdings(pc).units, UINT64_MAX);
	cr_assert(l1_chain_conserved(c));
	l1_chain_free(c);
}
