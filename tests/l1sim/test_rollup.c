/* Unit tests of the rollup contract (SPEC section 11, l1sim/rollup.h): sizes, batch
 * ordering, the challenge window's edges, the bond slashed once, validity drops, and
 * conservation with the contract's holdings. */
#include "l1_harness.h"
#include "l1sim/rollup.h"

struct rt {
	struct h h;
	struct l1_rollup *k;
	uint32_t op, ann, bob, ver, ver2;
};

static void rt_init(struct rt *t, enum l1_rollup_kind kind, uint64_t bond, uint64_t block_bytes)
{
	struct l1_params p;
	h_params(&p);
	p.confirmations = 1;
	p.block_bytes = block_bytes;
	h_init(&t->h, &p);
	t->op = h_account(&t->h, 1000);
	t->ann = h_account(&t->h, 1000);
	t->bob = h_account(&t->h, 1000);
	t->ver = h_account(&t->h, 10);
	t->ver2 = h_account(&t->h, 10);
	struct l1_rollup_params rp = { .kind = kind, .batch_base_bytes = 200, .bytes_per_tx = 12,
				       .proof_bytes = 300, .challenge_blocks = 4 };
	cr_assert_eq(l1_rollup_new(t->h.c, &rp, t->op, AMOUNT(bond), &t->k), L1_OK);
}

static uint64_t batch(struct rt *t, uint64_t seq, uint64_t ntxs, bool fraud, uint32_t to, uint64_t wd)
{
	struct l1_rollup_withdrawal w = { .account = to, .amount = AMOUNT(wd) };
	struct l1_rollup_batch *b = l1_rollup_batch_new(seq, ntxs, fraud, &w, wd ? 1 : 0);
	return l1_chain_submit(t->h.c, l1_rollup_batch_tx(t->k, t->op, AMOUNT(1), b));
}

static uint64_t deposit(struct rt *t, uint32_t who, uint64_t amount)
{
	return l1_chain_submit(t->h.c, l1_rollup_deposit_tx(t->k, who, AMOUNT(amount), AMOUNT(1)));
}

static uint64_t proof(struct rt *t, uint32_t who, uint64_t seq)
{
	return l1_chain_submit(t->h.c, l1_rollup_fraud_proof_tx(t->k, who, seq, AMOUNT(1)));
}

/* The block of the first contract event about batch seq (its FINAL when it was not
 * reverted), or UINT64_MAX. */
static uint64_t event_at(const struct rt *t, uint64_t seq)
{
	for (size_t i = 0; i < t->h.nlog; i++)
		if (t->h.log[i].kind == L1_EV_CONTRACT && t->h.log[i].channel == (uint32_t)seq)
			return t->h.log[i].height;
	return UINT64_MAX;
}

Test(l1_rollup, bond_taken_at_genesis_and_held)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_OPTIMISTIC, 300, 0);
	cr_assert_eq(h_bal(&t.h, t.op), 700);
	cr_assert_eq(l1_rollup_holdings(t.k).units, 300);
	cr_assert(l1_chain_conserved(t.h.c));
	struct l1_rollup *k2;
	struct l1_rollup_params rp = { .kind = L1_ROLLUP_OPTIMISTIC, .challenge_blocks = 1 };
	cr_assert_eq(l1_rollup_new(t.h.c, &rp, t.op, AMOUNT(701), &k2), L1_ERR_NO_FUNDS);
	cr_assert_eq(h_bal(&t.h, t.op), 700, "a refused bond changes nothing");
	h_fini(&t.h);
}

Test(l1_rollup, sizes_of_spec_section_11)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_VALIDITY, 0, 0);
	struct l1_tx d = l1_rollup_deposit_tx(t.k, t.ann, AMOUNT(1), AMOUNT(1));
	cr_assert_eq(l1_chain_tx_bytes(t.h.c, &d), 250);
	struct l1_tx f = l1_rollup_fraud_proof_tx(t.k, t.ann, 0, AMOUNT(1));
	cr_assert_eq(l1_chain_tx_bytes(t.h.c, &f), 500);
	struct l1_rollup_batch *b = l1_rollup_batch_new(0, 5, false, NULL, 0);
	struct l1_tx bt = l1_rollup_batch_tx(t.k, t.op, AMOUNT(1), b);
	cr_assert_eq(l1_chain_tx_bytes(t.h.c, &bt), 200 + 5 * 12 + 300, "validity: base + n x per tx + proof");
	l1_chain_submit(t.h.c, bt);
	struct l1_rollup_params op = { .kind = L1_ROLLUP_OPTIMISTIC, .batch_base_bytes = 200, .bytes_per_tx = 12,
				       .proof_bytes = 300 };
	cr_assert_eq(l1_rollup_batch_bytes(&op, 5), 260, "optimistic: no proof bytes");
	cr_assert_eq(l1_rollup_batch_bytes(&op, UINT64_MAX), UINT32_MAX, "saturates");
	h_fini(&t.h);
}

Test(l1_rollup, deposit_moves_money_in_and_conserves)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_OPTIMISTIC, 300, 0);
	uint64_t a = deposit(&t, t.ann, 500), b = deposit(&t, t.bob, 1000);
	h_block(&t.h);
	h_assert_included(&t.h, a, 1);
	h_assert_dropped(&t.h, b, 1, L1_ERR_NO_FUNDS); /* 1000 + fee 1 */
	cr_assert_eq(h_bal(&t.h, t.ann), 499);
	cr_assert_eq(h_bal(&t.h, t.bob), 1000);
	cr_assert_eq(l1_rollup_holdings(t.k).units, 800);
	h_fini(&t.h);
}

Test(l1_rollup, batches_go_in_in_order)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_OPTIMISTIC, 0, 0);
	/* Seq 1 is submitted first and seq 0 later: 1 waits until 0 is in. */
	uint64_t b1 = batch(&t, 1, 2, false, 0, 0);
	h_block(&t.h);
	cr_assert_null(h_tx(&t.h, b1), "batch 1 waits for batch 0");
	uint64_t b0 = batch(&t, 0, 3, false, 0, 0);
	h_block(&t.h);
	h_assert_included(&t.h, b0, 2);
	h_block(&t.h);
	h_assert_included(&t.h, b1, 3);
	h_fini(&t.h);
}

Test(l1_rollup, passed_over_batch_lets_later_txs_in)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_OPTIMISTIC, 0, 0);
	uint64_t b1 = batch(&t, 1, 2, false, 0, 0);
	uint64_t d = deposit(&t, t.ann, 5);
	h_block(&t.h);
	h_assert_included(&t.h, d, 1);
	cr_assert_null(h_tx(&t.h, b1));
	cr_assert_eq(l1_chain_mempool_len(t.h.c), 1);
	h_fini(&t.h);
}

Test(l1_rollup, optimistic_final_at_end_of_window_pays_withdrawals)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_OPTIMISTIC, 0, 0);
	deposit(&t, t.ann, 500);
	h_block(&t.h);
	batch(&t, 0, 1, false, t.bob, 150);
	h_block(&t.h); /* included in 2: final at the end of block 6 */
	h_blocks_until(&t.h, 5);
	cr_assert_eq(h_bal(&t.h, t.bob), 1000, "not final before h + challenge_blocks");
	cr_assert(l1_rollup_batch_open(t.k, 0));
	h_block(&t.h);
	cr_assert_eq(h_bal(&t.h, t.bob), 1150);
	cr_assert_not(l1_rollup_batch_open(t.k, 0));
	cr_assert_eq(l1_rollup_batches_final(t.k), 1);
	cr_assert_eq(event_at(&t, 0), 6);
	cr_assert_eq(l1_rollup_holdings(t.k).units, 350);
	h_fini(&t.h);
}

Test(l1_rollup, fraud_proof_in_last_block_of_window_reverts_and_slashes)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_OPTIMISTIC, 300, 0);
	deposit(&t, t.ann, 500);
	h_block(&t.h);
	batch(&t, 0, 1, true, t.op, 100);
	h_block(&t.h); /* included in 2: the window is blocks 2..6 */
	h_blocks_until(&t.h, 5);
	uint64_t p = proof(&t, t.ver, 0);
	h_block(&t.h);
	h_assert_included(&t.h, p, 6);
	cr_assert_eq(h_bal(&t.h, t.ver), 10 - 1 + 300, "the bond goes to the verifier");
	cr_assert_eq(l1_rollup_bond(t.k).units, 0);
	cr_assert_eq(l1_rollup_batches_final(t.k), 0, "reverted: never final");
	cr_assert_eq(l1_rollup_batches_reverted(t.k), 1);
	cr_assert_eq(h_bal(&t.h, t.op), 699, "its withdrawal is not paid");
	h_blocks_until(&t.h, 8);
	cr_assert_eq(l1_rollup_batches_final(t.k), 0);
	cr_assert_eq(l1_rollup_holdings(t.k).units, 500);
	h_fini(&t.h);
}

Test(l1_rollup, fraud_proof_one_block_late_is_dropped)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_OPTIMISTIC, 300, 0);
	deposit(&t, t.ann, 500);
	h_block(&t.h);
	batch(&t, 0, 1, true, t.op, 100);
	h_block(&t.h);
	h_blocks_until(&t.h, 6); /* final at the end of block 6 */
	cr_assert_eq(l1_rollup_batches_final(t.k), 1);
	uint64_t p = proof(&t, t.ver, 0);
	h_block(&t.h);
	h_assert_dropped(&t.h, p, 7, L1_ERR_NOT_CHALLENGEABLE);
	cr_assert_eq(h_bal(&t.h, t.ver), 10, "a dropped proof pays nothing");
	cr_assert_eq(l1_rollup_bond(t.k).units, 300);
	cr_assert_eq(h_bal(&t.h, t.op), 700 - 1 + 100, "the fraud's withdrawal was paid");
	h_fini(&t.h);
}

Test(l1_rollup, bond_slashed_once)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_OPTIMISTIC, 300, 0);
	batch(&t, 0, 1, true, 0, 0);
	h_block(&t.h);
	/* Two verifiers prove the same batch in one block: the first reverts it and takes
	 * the bond; the second finds it undone. */
	uint64_t p1 = proof(&t, t.ver, 0), p2 = proof(&t, t.ver2, 0);
	h_block(&t.h);
	h_assert_included(&t.h, p1, 2);
	h_assert_dropped(&t.h, p2, 2, L1_ERR_NOT_CHALLENGEABLE);
	cr_assert_eq(h_bal(&t.h, t.ver), 309);
	cr_assert_eq(h_bal(&t.h, t.ver2), 10);
	/* A later fraudulent batch proved: reverted, but the bond is 0 now. */
	l1_rollup_resume(t.k, 1);
	batch(&t, 1, 1, true, 0, 0);
	h_block(&t.h);
	uint64_t p3 = proof(&t, t.ver2, 1);
	h_block(&t.h);
	h_assert_included(&t.h, p3, 4);
	cr_assert_eq(h_bal(&t.h, t.ver2), 9, "no second bond: only the fee is gone");
	cr_assert_eq(l1_rollup_batches_reverted(t.k), 2);
	h_fini(&t.h);
}

Test(l1_rollup, proof_against_honest_batch_is_dropped)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_OPTIMISTIC, 300, 0);
	batch(&t, 0, 1, false, 0, 0);
	h_block(&t.h);
	uint64_t p = proof(&t, t.ver, 0);
	h_block(&t.h);
	h_assert_dropped(&t.h, p, 2, L1_ERR_NO_FRAUD);
	cr_assert_eq(l1_rollup_bond(t.k).units, 300);
	h_fini(&t.h);
}

Test(l1_rollup, revert_takes_later_included_batches_and_stalls_pending)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_OPTIMISTIC, 0, 0);
	batch(&t, 0, 1, true, 0, 0);
	h_block(&t.h);
	batch(&t, 1, 1, false, 0, 0);
	h_block(&t.h);
	uint64_t p = proof(&t, t.ver, 0);
	uint64_t b2 = batch(&t, 2, 1, false, 0, 0);
	h_block(&t.h);
	h_assert_included(&t.h, p, 3);
	cr_assert_null(h_tx(&t.h, b2), "a batch pending after a revert waits for the cutter");
	cr_assert_not(l1_rollup_batch_open(t.k, 1), "the later included batch is reverted too");
	cr_assert_eq(l1_rollup_batches_reverted(t.k), 2);
	h_blocks_until(&t.h, 10);
	cr_assert_eq(l1_rollup_batches_final(t.k), 0, "no reverted batch becomes final");
	h_fini(&t.h);
}

Test(l1_rollup, validity_final_at_inclusion_and_fraud_dropped)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_VALIDITY, 300, 0);
	deposit(&t, t.ann, 500);
	h_block(&t.h);
	uint64_t b0 = batch(&t, 0, 1, false, t.ann, 100);
	h_block(&t.h);
	h_assert_included(&t.h, b0, 2);
	cr_assert_eq(h_bal(&t.h, t.ann), 599, "paid at inclusion");
	cr_assert_eq(l1_rollup_batches_final(t.k), 1);
	uint64_t b1 = batch(&t, 1, 1, true, t.op, 100), b2 = batch(&t, 2, 1, false, 0, 0);
	h_block(&t.h);
	h_assert_dropped(&t.h, b1, 3, L1_ERR_BAD_PROOF);
	cr_assert_null(h_tx(&t.h, b2), "the next batch waits: its predecessor never went in");
	cr_assert_eq(h_bal(&t.h, t.op), 699, "the dropped batch paid no fee, no withdrawal");
	uint64_t fp = proof(&t, t.ver, 0);
	h_block(&t.h);
	h_assert_dropped(&t.h, fp, 4, L1_ERR_NO_SUCH_OP);
	h_fini(&t.h);
}

Test(l1_rollup, batch_fee_unpaid_is_dropped_changing_nothing)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_OPTIMISTIC, 1000, 0); /* the operator has nothing left */
	uint8_t before[32], after[32];
	h_digest(&t.h, before);
	uint64_t b = batch(&t, 0, 1, false, 0, 0);
	h_block(&t.h);
	h_assert_dropped(&t.h, b, 1, L1_ERR_NO_FUNDS);
	h_digest(&t.h, after);
	cr_assert_eq(memcmp(before, after, 32), 0);
	h_fini(&t.h);
}

Test(l1_rollup, batch_larger_than_bytes_left_waits)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_OPTIMISTIC, 0, 600);
	uint64_t d1 = deposit(&t, t.ann, 1), d2 = deposit(&t, t.bob, 1);
	uint64_t b = batch(&t, 0, 10, false, 0, 0); /* 320 bytes; 100 left after two deposits */
	h_block(&t.h);
	h_assert_included(&t.h, d1, 1);
	h_assert_included(&t.h, d2, 1);
	cr_assert_null(h_tx(&t.h, b));
	h_block(&t.h);
	h_assert_included(&t.h, b, 2);
	cr_assert_eq(t.h.c->bytes_included, 250 + 250 + 320);
	h_fini(&t.h);
}

/* SPEC section 11: a batch is batch_base_bytes + n x bytes_per_tx bytes, also when that
 * is under a transfer's 110 (the chain used to count every tx as at least 110 bytes,
 * and stopped filling a block with fewer than 110 bytes left). */
Test(l1_rollup, small_batch_has_its_spec_size_and_fits_a_small_space)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.confirmations = 1;
	p.block_bytes = 600;
	h_init(&h, &p);
	uint32_t op = h_account(&h, 1000), ann = h_account(&h, 1000);
	struct l1_rollup *k;
	struct l1_rollup_params rp = { .kind = L1_ROLLUP_OPTIMISTIC, .batch_base_bytes = 50, .bytes_per_tx = 5,
				       .challenge_blocks = 1 };
	cr_assert_eq(l1_rollup_new(h.c, &rp, op, AMOUNT(0), &k), L1_OK);
	uint64_t d1 = l1_chain_submit(h.c, l1_rollup_deposit_tx(k, ann, AMOUNT(1), AMOUNT(1)));
	uint64_t d2 = l1_chain_submit(h.c, l1_rollup_deposit_tx(k, ann, AMOUNT(1), AMOUNT(1)));
	struct l1_rollup_batch *b = l1_rollup_batch_new(0, 2, false, NULL, 0);
	struct l1_tx bt = l1_rollup_batch_tx(k, op, AMOUNT(1), b);
	cr_assert_eq(l1_chain_tx_bytes(h.c, &bt), 60, "50 + 2 x 5");
	uint64_t bid = l1_chain_submit(h.c, bt);
	h_block(&h); /* 250 + 250 bytes: 100 left, room for the 60-byte batch */
	h_assert_included(&h, d1, 1);
	h_assert_included(&h, d2, 1);
	h_assert_included(&h, bid, 1);
	cr_assert_eq(h.c->bytes_included, 250 + 250 + 60);
	struct l1_rollup_params zero = { .kind = L1_ROLLUP_OPTIMISTIC };
	cr_assert_eq(l1_rollup_batch_bytes(&zero, 7), 0, "no base and no bytes per tx: 0 bytes");
	h_fini(&h);
}

Test(l1_rollup, state_hash_covers_the_contract)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_OPTIMISTIC, 300, 0);
	uint8_t h1[32], h2[32];
	l1_chain_state_hash(t.h.c, h1);
	l1_rollup_resume(t.k, 7); /* only the contract's own state changes */
	l1_chain_state_hash(t.h.c, h2);
	cr_assert_neq(memcmp(h1, h2, 32), 0);
	cr_assert(l1_chain_conserved(t.h.c), "the bond counts among the holdings");
	h_fini(&t.h);
}

Test(l1_rollup, dropped_txs_change_nothing)
{
	/* Two equal chains; one also gets txs that are all dropped: the state hashes match. */
	struct rt a, b;
	rt_init(&a, L1_ROLLUP_OPTIMISTIC, 300, 0);
	rt_init(&b, L1_ROLLUP_OPTIMISTIC, 300, 0);
	batch(&a, 0, 1, false, 0, 0);
	batch(&b, 0, 1, false, 0, 0);
	h_block(&a.h);
	h_block(&b.h);
	uint64_t p1 = proof(&a, a.ver, 0);   /* no fraud */
	uint64_t p2 = proof(&a, a.ver, 5);   /* no such batch */
	uint64_t d = deposit(&a, a.bob, 1000); /* 1000 + fee 1 > 1000 */
	struct l1_rollup_batch *bad = l1_rollup_batch_new(1, 1, false, NULL, 0);
	uint64_t bop = l1_chain_submit(a.h.c, l1_rollup_batch_tx(a.k, a.ver, AMOUNT(1), bad)); /* not the operator */
	h_block(&a.h);
	h_block(&b.h);
	h_assert_dropped(&a.h, p1, 2, L1_ERR_NO_FRAUD);
	h_assert_dropped(&a.h, p2, 2, L1_ERR_NOT_CHALLENGEABLE);
	h_assert_dropped(&a.h, d, 2, L1_ERR_NO_FUNDS);
	h_assert_dropped(&a.h, bop, 2, L1_ERR_NOT_OPERATOR);
	uint8_t ha[32], hb[32];
	l1_chain_state_hash(a.h.c, ha);
	l1_chain_state_hash(b.h.c, hb);
	cr_assert_eq(memcmp(ha, hb, 32), 0, "a dropped rollup tx changed the state");
	h_fini(&a.h);
	h_fini(&b.h);
}

Test(l1_rollup, unknown_op_is_dropped)
{
	struct rt t;
	rt_init(&t, L1_ROLLUP_OPTIMISTIC, 0, 0);
	struct l1_tx tx = l1_rollup_deposit_tx(t.k, t.ann, AMOUNT(1), AMOUNT(1));
	tx.op = L1_ROLLUP_OP_NONE;
	uint64_t id = l1_chain_submit(t.h.c, tx);
	h_block(&t.h);
	h_assert_dropped(&t.h, id, 1, L1_ERR_NO_SUCH_OP);
	cr_assert_str_eq(l1_chain_op_str(t.h.c, &(struct l1_tx){ .contract = l1_rollup_id(t.k), .op = L1_ROLLUP_BATCH }),
			 "rollup_batch");
	h_fini(&t.h);
}
