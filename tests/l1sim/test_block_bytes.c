/* Unit tests of block space (SPEC section 11): tx sizes, l1.block_bytes (a tx that
 * does not fit waits, later ones still go in), a contract's passed_over hook, and
 * l1_chain_remove_pending. */
#include "l1_harness.h"

static void init_bytes(struct h *h, uint64_t block_bytes)
{
	struct l1_params p;
	h_params(&p);
	p.block_bytes = block_bytes;
	h_init(h, &p);
}

static uint64_t transfer(struct h *h, uint32_t from, uint32_t to, uint64_t amount, uint64_t fee)
{
	return l1_chain_submit(h->c, l1_tx_transfer(from, to, AMOUNT(amount), AMOUNT(fee)));
}

/* A toy contract whose txs have the size in their amount; op 1 is passed over while
 * `hold` is set. */
struct sized {
	uint32_t id;
	bool hold;
};
static enum l1_result sz_execute(void *self, struct l1_chain *c, const struct l1_tx *tx)
{
	(void)self;
	struct amount after;
	enum l1_result r = l1_chain_can_pay(c, tx->submitter, tx->fee, AMOUNT(0), &after);
	if (r)
		return r;
	c->accounts[tx->submitter].balance = after;
	return L1_OK;
}
static uint32_t sz_bytes(const void *self, const struct l1_tx *tx)
{
	(void)self;
	return (uint32_t)tx->amount.units;
}
static bool sz_passed_over(const void *self, const struct l1_chain *c, const struct l1_tx *tx)
{
	(void)c;
	return tx->op == 1 && ((const struct sized *)self)->hold;
}
static void sz_free(void *self) { (void)self; }
static const struct l1_contract_ops sized_ops = {
	.name = "sized", .execute = sz_execute, .free = sz_free, .tx_bytes = sz_bytes,
	.passed_over = sz_passed_over,
};

Test(l1_block_bytes, sizes_of_spec_section_11)
{
	struct h h;
	h_init_default(&h);
	struct l1_tx t = l1_tx_transfer(0, 1, AMOUNT(1), AMOUNT(1));
	cr_assert_eq(l1_chain_tx_bytes(h.c, &t), 110);
	struct l1_tx f = l1_tx_fee_only(0, AMOUNT(1));
	cr_assert_eq(l1_chain_tx_bytes(h.c, &f), 110);
	struct l1_tx open = { .contract = 1, .op = L1_CH_OPEN };
	cr_assert_eq(l1_chain_tx_bytes(h.c, &open), 250, "every channel tx is 250 bytes");
	h_fini(&h);
}

Test(l1_block_bytes, five_transfers_fit_in_600_bytes_the_rest_wait)
{
	struct h h;
	init_bytes(&h, 600);
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 0);
	uint64_t id[12];
	for (int i = 0; i < 12; i++)
		id[i] = transfer(&h, a, b, 20, 1);
	h_block(&h);
	for (int i = 0; i < 5; i++)
		h_assert_included(&h, id[i], 1);
	cr_assert_eq(l1_chain_mempool_len(h.c), 7);
	h_block(&h);
	h_block(&h);
	for (int i = 5; i < 10; i++)
		h_assert_included(&h, id[i], 2);
	h_assert_included(&h, id[10], 3);
	h_assert_included(&h, id[11], 3);
	cr_assert_eq(h.c->bytes_included, 12 * 110);
	cr_assert_eq(h_bal(&h, a), 1000 - 12 * 21);
	h_fini(&h);
}

Test(l1_block_bytes, a_tx_too_large_for_the_bytes_left_waits_and_later_ones_go_in)
{
	struct h h;
	init_bytes(&h, 600);
	struct sized sz = { 0 };
	l1_chain_add_contract(h.c, &sized_ops, &sz, &sz.id);
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 0);
	uint64_t t1 = transfer(&h, a, b, 1, 5);     /* 110: 490 left */
	uint64_t big = l1_chain_submit(h.c, (struct l1_tx){ .submitter = a, .contract = sz.id, .fee = AMOUNT(4),
							      .amount = AMOUNT(500) });
	uint64_t t2 = transfer(&h, a, b, 1, 3);     /* fits: 380 left */
	uint64_t exact = l1_chain_submit(h.c, (struct l1_tx){ .submitter = a, .contract = sz.id, .fee = AMOUNT(2),
								.amount = AMOUNT(380) });
	h_block(&h);
	h_assert_included(&h, t1, 1);
	h_assert_included(&h, t2, 1);
	h_assert_included(&h, exact, 1);
	cr_assert_null(h_tx(&h, big), "passed over: no event, still pending");
	cr_assert_eq(l1_chain_mempool_len(h.c), 1);
	h_block(&h);
	h_assert_included(&h, big, 2);
	h_fini(&h);
}

Test(l1_block_bytes, a_dropped_tx_takes_no_bytes)
{
	struct h h;
	init_bytes(&h, 500);
	uint32_t a = h_account(&h, 10), b = h_account(&h, 1000);
	uint64_t bad = transfer(&h, a, b, 100, 9); /* a cannot pay */
	uint64_t ok[4];
	for (int i = 0; i < 4; i++)
		ok[i] = transfer(&h, b, a, 1, 1);
	h_block(&h);
	h_assert_dropped(&h, bad, 1, L1_ERR_NO_FUNDS);
	for (int i = 0; i < 4; i++)
		h_assert_included(&h, ok[i], 1);
	h_fini(&h);
}

Test(l1_block_bytes, passed_over_txs_stay_pending_before_any_check)
{
	struct h h;
	init_bytes(&h, 0);
	struct sized sz = { .hold = true };
	l1_chain_add_contract(h.c, &sized_ops, &sz, &sz.id);
	uint32_t a = h_account(&h, 0); /* cannot pay: it would be dropped if checked */
	uint64_t held = l1_chain_submit(h.c, (struct l1_tx){ .submitter = a, .contract = sz.id, .op = 1,
							       .fee = AMOUNT(1), .amount = AMOUNT(200) });
	h_block(&h);
	h_block(&h);
	cr_assert_null(h_tx(&h, held));
	cr_assert_eq(l1_chain_mempool_len(h.c), 1);
	sz.hold = false;
	h_block(&h);
	h_assert_dropped(&h, held, 3, L1_ERR_NO_FUNDS);
	h_fini(&h);
}

static bool is_odd_amount(void *ctx, const struct l1_tx *tx)
{
	(void)ctx;
	return tx->amount.units % 2 == 1;
}

Test(l1_block_bytes, remove_pending_keeps_the_order_of_the_rest)
{
	struct h h;
	init_bytes(&h, 0);
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 0);
	uint64_t id[8];
	for (int i = 0; i < 8; i++)
		id[i] = transfer(&h, a, b, (uint64_t)i + 1, (uint64_t)(i % 3));
	cr_assert_eq(l1_chain_remove_pending(h.c, is_odd_amount, NULL), 4);
	cr_assert_eq(l1_chain_mempool_len(h.c), 4);
	h_block(&h);
	for (int i = 0; i < 8; i++) {
		if (i % 2 == 0)
			cr_assert_null(h_tx(&h, id[i]), "tx %d was removed", i);
		else
			h_assert_included(&h, id[i], 1);
	}
	/* fee desc, then id: amounts 2 (fee 1), 4 (fee 0), 6 (fee 2), 8 (fee 1) */
	cr_assert_eq(h.log[0].tx_id, id[5]);
	cr_assert_eq(h.log[1].tx_id, id[1]);
	cr_assert_eq(h.log[2].tx_id, id[7]);
	cr_assert_eq(h.log[3].tx_id, id[3]);
	cr_assert_eq(h_bal(&h, b), 2 + 4 + 6 + 8);
	h_fini(&h);
}
