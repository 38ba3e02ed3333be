/* Unit tests of the channel contract (l1sim/channel.c) through the chain's public
 * API: every rule of SPEC section 3 at its edges. Open, deposit, cooperative and
 * unilateral close, challenges (the last block of the window and the one after,
 * T = 0, sequence numbers), signatures, acceptable states, settlement of deposits a
 * state does not include, the penalty rule, finality of opens and deposits, and
 * amounts near 2^64-1.
 *
 * Unless a test says otherwise: 1 s blocks, 3 confirmations, T = 5, latest_state,
 * signatures verified, conservation checked after every block (l1_harness.h). The
 * usual channel is A (1000) and B (1000) with deposits 600 and 400, opened in block 1
 * with fee 0, leaving A 400 and B 600 on L1. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "l1_harness.h"

#define MAX UINT64_MAX

/* A and B with the usual channel, opened in block 1. */
static void open2(struct h *h, const struct l1_params *p, uint32_t *a, uint32_t *b, uint32_t *ch)
{
	h_init(h, p);
	*a = h_account(h, 1000);
	*b = h_account(h, 1000);
	*ch = h_channel2(h, *a, *b, 600, 400);
	uint64_t id = h_open(h, *ch, 0);
	h_block(h);
	h_assert_included(h, id, 1);
	cr_assert_eq(h_ch(h, *ch)->status, L1_CH_OPEN);
}

static void open2_default(struct h *h, uint32_t *a, uint32_t *b, uint32_t *ch)
{
	struct l1_params p;
	h_params(&p);
	open2(h, &p, a, b, ch);
}

static uint64_t payout(const struct h *h, uint32_t ch, uint32_t i)
{
	return l1_chrec_payout(h_ch(h, ch), i).units;
}

/* A closed channel paid out exactly what it held: its deposits. */
static void assert_paid_what_it_held(const struct h *h, uint32_t ch)
{
	const struct l1_channel *k = h_ch(h, ch);
	cr_assert_eq(k->status, L1_CH_CLOSED);
	cr_assert_eq(k->holdings.units, 0);
	struct amount paid = AMOUNT(0), held = AMOUNT(0);
	for (uint32_t i = 0; i < k->nparties; i++) {
		cr_assert(amount_add_to(&paid, l1_chrec_payout(k, i)));
		cr_assert(amount_add_to(&held, l1_chrec_deposited(k)[i]));
	}
	cr_assert_eq(paid.units, held.units, "paid %llu, held %llu", (unsigned long long)paid.units,
		     (unsigned long long)held.units);
}

/* Produces one block in which only the given (already submitted) tx is reached and
 * asserts it was dropped for `why` without changing anything. */
static void assert_block_drops(struct h *h, uint64_t id, enum l1_result why)
{
	uint8_t before[32], after[32];
	h_digest(h, before);
	uint64_t dropped = h->c->txs_dropped;
	h_block(h);
	h_digest(h, after);
	h_assert_dropped(h, id, h->c->height, why);
	cr_assert_eq(h->c->txs_dropped, dropped + 1);
	cr_assert_arr_eq(before, after, 32, "a dropped tx changed the chain");
}

/* ---------------------------------------------------------------- open ---- */

Test(l1_contract, open_moves_every_deposit)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	h_init(&h, &p);
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 1000);
	uint32_t ch = h_channel2(&h, a, b, 600, 400);
	cr_assert_eq(h_ch(&h, ch)->status, L1_CH_NONE);
	cr_assert_eq(l1_channel_usable_height(h.cc, ch), UINT64_MAX);
	uint64_t id = h_open(&h, ch, 10);
	h_block(&h);
	h_assert_included(&h, id, 1);
	const struct l1_channel *k = h_ch(&h, ch);
	cr_assert_eq(k->status, L1_CH_OPEN);
	cr_assert_eq(k->open_height, 1);
	cr_assert_eq(k->holdings.units, 1000);
	cr_assert_eq(l1_chrec_deposited(k)[0].units, 600);
	cr_assert_eq(l1_chrec_deposited(k)[1].units, 400);
	cr_assert_eq(h_bal(&h, a), 1000 - 600 - 10, "the first party pays the fee");
	cr_assert_eq(h_bal(&h, b), 600);
	cr_assert_eq(h.c->fees.units, 10);
	cr_assert_eq(h.c->txs_included, 1);
	cr_assert_eq(l1_channel_txs(h.cc), 1);
	h_fini(&h);
}

Test(l1_contract, open_by_non_first_party_is_dropped)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 1000);
	uint32_t ch = h_channel2(&h, a, b, 600, 400);
	uint64_t id = h_submit(&h, H_OPEN, b, ch, 5, 0, NULL);
	assert_block_drops(&h, id, L1_ERR_NOT_OPENER);
	cr_assert_eq(h_ch(&h, ch)->status, L1_CH_NONE);
	cr_assert_eq(h_bal(&h, a), 1000);
	cr_assert_eq(h_bal(&h, b), 1000);
	cr_assert_eq(h.c->fees.units, 0);
	h_fini(&h);
}

Test(l1_contract, open_by_non_member_or_unknown_is_dropped)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 1000), x = h_account(&h, 1000);
	uint32_t ch = h_channel2(&h, a, b, 600, 400);
	uint64_t id = h_submit(&h, H_OPEN, x, ch, 0, 0, NULL);
	assert_block_drops(&h, id, L1_ERR_NOT_MEMBER);
	id = h_submit(&h, H_OPEN, a, ch + 1, 0, 0, NULL);
	assert_block_drops(&h, id, L1_ERR_NO_SUCH_CHANNEL);
	id = h_submit(&h, H_OPEN, 99, ch, 0, 0, NULL);
	assert_block_drops(&h, id, L1_ERR_NO_SUCH_ACCOUNT);
	id = h_submit(&h, H_OPEN, UINT32_MAX, UINT32_MAX, 0, 0, NULL);
	assert_block_drops(&h, id, L1_ERR_NO_SUCH_CHANNEL);
	cr_assert_eq(h_ch(&h, ch)->status, L1_CH_NONE);
	h_fini(&h);
}

Test(l1_contract, open_where_second_party_lacks_funds_moves_nothing)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 399);
	uint32_t ch = h_channel2(&h, a, b, 600, 400);
	uint64_t id = h_open(&h, ch, 5);
	assert_block_drops(&h, id, L1_ERR_NO_FUNDS);
	const struct l1_channel *k = h_ch(&h, ch);
	cr_assert_eq(k->status, L1_CH_NONE);
	cr_assert_eq(k->holdings.units, 0);
	cr_assert_eq(l1_chrec_deposited(k)[0].units, 0);
	cr_assert_eq(h_bal(&h, a), 1000, "the first party's deposit did not move");
	cr_assert_eq(h_bal(&h, b), 399);
	cr_assert_eq(h.c->fees.units, 0);
	cr_assert_eq(l1_channel_usable_height(h.cc, ch), UINT64_MAX);
	h_fini(&h);
}

Test(l1_contract, open_where_a_later_party_of_three_lacks_funds_moves_nothing)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 100), b = h_account(&h, 100), c = h_account(&h, 49);
	uint32_t ch = h_channel(&h, 3, (uint32_t[]){ a, b, c }, (uint64_t[]){ 100, 100, 50 });
	uint64_t id = h_open(&h, ch, 0);
	assert_block_drops(&h, id, L1_ERR_NO_FUNDS);
	cr_assert_eq(h_bal(&h, a), 100);
	cr_assert_eq(h_bal(&h, b), 100);
	cr_assert_eq(h_bal(&h, c), 49);
	h_fini(&h);
}

Test(l1_contract, open_needs_deposit_plus_fee_from_first_party)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 605), b = h_account(&h, 400);
	uint32_t ch = h_channel2(&h, a, b, 600, 400);
	uint64_t id = h_open(&h, ch, 6); /* one unit short */
	assert_block_drops(&h, id, L1_ERR_NO_FUNDS);
	cr_assert_eq(h_ch(&h, ch)->status, L1_CH_NONE);
	/* A dropped open leaves the channel openable; exactly enough works. */
	id = h_open(&h, ch, 5);
	h_block(&h);
	h_assert_included(&h, id, 2);
	cr_assert_eq(h_bal(&h, a), 0);
	cr_assert_eq(h_bal(&h, b), 0);
	cr_assert_eq(h_ch(&h, ch)->holdings.units, 1000);
	cr_assert_eq(h_ch(&h, ch)->open_height, 2);
	cr_assert_eq(h.c->fees.units, 5);
	h_fini(&h);
}

Test(l1_contract, open_with_zero_deposits)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 0), b = h_account(&h, 0);
	uint32_t ch = h_channel2(&h, a, b, 0, 0);
	uint64_t id = h_open(&h, ch, 0);
	h_block(&h);
	h_assert_included(&h, id, 1);
	cr_assert_eq(h_ch(&h, ch)->status, L1_CH_OPEN);
	cr_assert_eq(h_ch(&h, ch)->holdings.units, 0);
	h_fini(&h);
}

Test(l1_contract, second_open_is_dropped)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	uint64_t id = h_open(&h, ch, 0);
	assert_block_drops(&h, id, L1_ERR_ALREADY_OPEN);
	/* Two opens in the same block: the second is dropped. */
	uint32_t c2 = h_channel2(&h, a, b, 10, 10);
	uint64_t o1 = h_open(&h, c2, 0), o2 = h_open(&h, c2, 0);
	h_block(&h);
	h_assert_included(&h, o1, 3);
	h_assert_dropped(&h, o2, 3, L1_ERR_ALREADY_OPEN);
	cr_assert_eq(h_bal(&h, a), 1000 - 600 - 10);
	/* A closed channel cannot be reopened either. */
	uint64_t cl = h_submit(&h, H_COOP_CLOSE, a, c2, 0, 0, h_state2(&h, c2, 1, 10, 10, 10, 10));
	h_block(&h);
	h_assert_included(&h, cl, 4);
	id = h_open(&h, c2, 0);
	assert_block_drops(&h, id, L1_ERR_ALREADY_OPEN);
	h_fini(&h);
}

/* ------------------------------------------------------------- deposit ---- */

Test(l1_contract, deposit_before_open_is_dropped)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 1000);
	uint32_t ch = h_channel2(&h, a, b, 600, 400);
	uint64_t id = h_deposit(&h, a, ch, 1, 100);
	assert_block_drops(&h, id, L1_ERR_NOT_OPEN);
	/* Same block as the open but reached first (higher fee): still not open. */
	uint64_t dep = h_deposit(&h, b, ch, 9, 100);
	uint64_t op = h_open(&h, ch, 1);
	h_block(&h);
	h_assert_dropped(&h, dep, 2, L1_ERR_NOT_OPEN);
	h_assert_included(&h, op, 2);
	h_fini(&h);

	/* Reached after the open in the same block: valid. */
	h_init_default(&h);
	a = h_account(&h, 1000);
	b = h_account(&h, 1000);
	ch = h_channel2(&h, a, b, 600, 400);
	op = h_open(&h, ch, 1);
	dep = h_deposit(&h, b, ch, 1, 100);
	h_block(&h);
	h_assert_included(&h, op, 1);
	h_assert_included(&h, dep, 1);
	cr_assert_eq(l1_chrec_deposited(h_ch(&h, ch))[1].units, 500);
	h_fini(&h);
}

Test(l1_contract, deposit_adds_to_the_depositors_deposit)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	uint64_t id = h_deposit(&h, b, ch, 5, 100);
	h_block(&h);
	h_assert_included(&h, id, 2);
	const struct l1_channel *k = h_ch(&h, ch);
	cr_assert_eq(l1_chrec_deposited(k)[0].units, 600);
	cr_assert_eq(l1_chrec_deposited(k)[1].units, 500);
	cr_assert_eq(k->holdings.units, 1100);
	cr_assert_eq(h_bal(&h, b), 600 - 100 - 5);
	cr_assert_eq(h.c->fees.units, 5);
	cr_assert_eq(l1_chrec_cold(k)->ntopups, 1);
	cr_assert_eq(l1_chrec_cold(k)->topups[0].height, 2);
	cr_assert_eq(l1_chrec_cold(k)->topups[0].party, 1);
	cr_assert_eq(l1_chrec_cold(k)->topups[0].amount.units, 100);
	/* A zero deposit is valid and changes no balance but the fee. */
	id = h_deposit(&h, a, ch, 0, 0);
	h_block(&h);
	h_assert_included(&h, id, 3);
	cr_assert_eq(h_ch(&h, ch)->holdings.units, 1100);
	h_fini(&h);
}

Test(l1_contract, deposit_by_non_member_is_dropped)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	uint32_t x = h_account(&h, 1000);
	uint64_t id = h_deposit(&h, x, ch, 1, 100);
	assert_block_drops(&h, id, L1_ERR_NOT_MEMBER);
	cr_assert_eq(h_bal(&h, x), 1000);
	h_fini(&h);
}

Test(l1_contract, deposit_needs_amount_plus_fee)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	uint64_t id = h_deposit(&h, a, ch, 1, 400); /* A has 400 */
	assert_block_drops(&h, id, L1_ERR_NO_FUNDS);
	id = h_deposit(&h, a, ch, 1, 399);
	h_block(&h);
	h_assert_included(&h, id, 3);
	cr_assert_eq(h_bal(&h, a), 0);
	cr_assert_eq(l1_chrec_deposited(h_ch(&h, ch))[0].units, 999);
	h_fini(&h);
}

Test(l1_contract, deposit_whose_amount_plus_fee_overflows_is_dropped)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	uint64_t id = h_deposit(&h, a, ch, 1, MAX);
	assert_block_drops(&h, id, L1_ERR_OVERFLOW);
	id = h_deposit(&h, a, ch, MAX, 1);
	assert_block_drops(&h, id, L1_ERR_OVERFLOW);
	id = h_deposit(&h, a, ch, MAX, MAX);
	assert_block_drops(&h, id, L1_ERR_OVERFLOW);
	/* No overflow, just too much. */
	id = h_deposit(&h, a, ch, 0, MAX);
	assert_block_drops(&h, id, L1_ERR_NO_FUNDS);
	cr_assert_eq(h_bal(&h, a), 400);
	cr_assert_eq(h_ch(&h, ch)->holdings.units, 1000);
	h_fini(&h);
}

Test(l1_contract, deposit_after_close_is_registered_is_dropped)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	/* Same block: the close (higher fee) is reached first, then the deposit. */
	uint64_t cl = h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 2, 0, h_state2(&h, ch, 1, 600, 400, 600, 400));
	uint64_t d1 = h_deposit(&h, b, ch, 1, 50);
	h_block(&h);
	h_assert_included(&h, cl, 2);
	h_assert_dropped(&h, d1, 2, L1_ERR_NOT_OPEN);
	cr_assert_eq(h_bal(&h, b), 600);
	/* Later blocks of the window, too. */
	uint64_t d2 = h_deposit(&h, a, ch, 0, 50);
	assert_block_drops(&h, d2, L1_ERR_NOT_OPEN);
	cr_assert_eq(h_ch(&h, ch)->holdings.units, 1000);
	h_blocks_until(&h, 2 + 5);
	assert_paid_what_it_held(&h, ch);
	/* And after settlement. */
	uint64_t d3 = h_deposit(&h, a, ch, 0, 50);
	assert_block_drops(&h, d3, L1_ERR_NOT_OPEN);
	h_fini(&h);
}

Test(l1_contract, deposit_in_the_close_block_before_the_close_is_paid_out)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	/* The deposit (higher fee) is reached before the close in the same block. */
	uint64_t d = h_deposit(&h, b, ch, 3, 50);
	uint64_t cl = h_submit(&h, H_COOP_CLOSE, a, ch, 1, 0, h_state2(&h, ch, 4, 500, 500, 600, 400));
	h_block(&h);
	h_assert_included(&h, d, 2);
	h_assert_included(&h, cl, 2);
	cr_assert_eq(payout(&h, ch, 0), 500);
	cr_assert_eq(payout(&h, ch, 1), 550, "the deposit the state does not include is paid back");
	assert_paid_what_it_held(&h, ch);
	h_fini(&h);
}

/* --------------------------------------------------- cooperative close ---- */

Test(l1_contract, cooperative_close_settles_in_the_same_block)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	uint64_t id = h_submit(&h, H_COOP_CLOSE, b, ch, 7, 0, h_state2(&h, ch, 3, 250, 750, 600, 400));
	h_block(&h);
	h_assert_included(&h, id, 2);
	cr_assert_eq(h_settled_at(&h, ch), 2);
	const struct l1_channel *k = h_ch(&h, ch);
	cr_assert_eq(k->status, L1_CH_CLOSED);
	cr_assert_eq(l1_chrec_cold(k)->close_kind, L1_CLOSE_COOPERATIVE);
	cr_assert_eq(l1_chrec_cold(k)->close_height, 2);
	cr_assert_eq(l1_chrec_cold(k)->settled_height, 2);
	cr_assert_eq(l1_chrec_cold(k)->registered->seq, 3);
	cr_assert_eq(payout(&h, ch, 0), 250);
	cr_assert_eq(payout(&h, ch, 1), 750);
	cr_assert_eq(h_bal(&h, a), 400 + 250);
	cr_assert_eq(h_bal(&h, b), 600 + 750 - 7);
	cr_assert_eq(h.c->fees.units, 7);
	assert_paid_what_it_held(&h, ch);
	/* The SETTLED event follows the INCLUDED one in the same block. */
	const struct h_rec *inc = h_tx(&h, id);
	cr_assert_eq((inc + 1)->kind, H_EV_SETTLED);
	cr_assert_eq((inc + 1)->channel, ch);
	h_fini(&h);
}

Test(l1_contract, cooperative_close_with_three_parties)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 100), b = h_account(&h, 200), c = h_account(&h, 300);
	uint32_t ch = h_channel(&h, 3, (uint32_t[]){ a, b, c }, (uint64_t[]){ 100, 200, 300 });
	h_open(&h, ch, 0);
	h_block(&h);
	uint64_t id = h_submit(&h, H_COOP_CLOSE, c, ch, 0, 0,
			       h_state(&h, ch, 9, (uint64_t[]){ 0, 600, 0 }, (uint64_t[]){ 100, 200, 300 }));
	h_block(&h);
	h_assert_included(&h, id, 2);
	cr_assert_eq(h_bal(&h, a), 0);
	cr_assert_eq(h_bal(&h, b), 600);
	cr_assert_eq(h_bal(&h, c), 0);
	assert_paid_what_it_held(&h, ch);
	h_fini(&h);
}

Test(l1_contract, cooperative_close_needs_an_open_channel)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 1000);
	uint32_t ch = h_channel2(&h, a, b, 600, 400);
	uint64_t id = h_submit(&h, H_COOP_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 0, 0, 0, 0));
	assert_block_drops(&h, id, L1_ERR_NOT_OPEN);
	h_open(&h, ch, 0);
	h_block(&h);
	/* During a dispute a cooperative close is not possible either. */
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 600, 400, 600, 400));
	h_block(&h);
	cr_assert_eq(h_ch(&h, ch)->status, L1_CH_DISPUTE);
	id = h_submit(&h, H_COOP_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 2, 500, 500, 600, 400));
	assert_block_drops(&h, id, L1_ERR_NOT_OPEN);
	/* A second unilateral close is no better. */
	id = h_submit(&h, H_UNILATERAL_CLOSE, b, ch, 0, 0, h_state2(&h, ch, 2, 500, 500, 600, 400));
	assert_block_drops(&h, id, L1_ERR_NOT_OPEN);
	h_fini(&h);
}

Test(l1_contract, close_by_non_member_is_dropped)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	uint32_t x = h_account(&h, 100);
	uint64_t id = h_submit(&h, H_COOP_CLOSE, x, ch, 0, 0, h_state2(&h, ch, 1, 600, 400, 600, 400));
	assert_block_drops(&h, id, L1_ERR_NOT_MEMBER);
	id = h_submit(&h, H_UNILATERAL_CLOSE, x, ch, 0, 0, h_state2(&h, ch, 1, 600, 400, 600, 400));
	assert_block_drops(&h, id, L1_ERR_NOT_MEMBER);
	h_fini(&h);
}

Test(l1_contract, close_without_fee_funds_is_dropped)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	uint64_t id = h_submit(&h, H_COOP_CLOSE, a, ch, 401, 0, h_state2(&h, ch, 1, 600, 400, 600, 400));
	assert_block_drops(&h, id, L1_ERR_NO_FUNDS);
	id = h_submit(&h, H_UNILATERAL_CLOSE, a, ch, MAX, 0, h_state2(&h, ch, 1, 600, 400, 600, 400));
	assert_block_drops(&h, id, L1_ERR_NO_FUNDS);
	/* All of A's L1 balance as the fee is fine. */
	id = h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 400, 0, h_state2(&h, ch, 1, 600, 400, 600, 400));
	h_block(&h);
	h_assert_included(&h, id, 4);
	cr_assert_eq(h_bal(&h, a), 0);
	h_fini(&h);
}

/* ------------------------------------------- unilateral close, challenge ---- */

Test(l1_contract, unilateral_close_settles_at_the_end_of_block_h_plus_t)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	uint64_t id = h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 3, 0, h_state2(&h, ch, 2, 700, 300, 600, 400));
	h_block(&h);
	h_assert_included(&h, id, 2);
	const struct l1_channel *k = h_ch(&h, ch);
	cr_assert_eq(k->status, L1_CH_DISPUTE);
	cr_assert_eq(l1_chrec_cold(k)->close_kind, L1_CLOSE_UNILATERAL);
	cr_assert_eq(l1_chrec_cold(k)->close_height, 2);
	cr_assert_eq(l1_chrec_cold(k)->closer, 0);
	cr_assert_eq(l1_chrec_cold(k)->registered->seq, 2);
	h_blocks_until(&h, 6); /* h + T - 1 */
	cr_assert_eq(h_ch(&h, ch)->status, L1_CH_DISPUTE);
	cr_assert_eq(h_ch(&h, ch)->holdings.units, 1000);
	cr_assert_eq(h_settled_at(&h, ch), UINT64_MAX);
	h_block(&h); /* h + T = 7 */
	cr_assert_eq(h_settled_at(&h, ch), 7);
	k = h_ch(&h, ch);
	cr_assert_eq(k->status, L1_CH_CLOSED);
	cr_assert_eq(l1_chrec_cold(k)->settled_height, 7);
	cr_assert_eq(payout(&h, ch, 0), 700);
	cr_assert_eq(payout(&h, ch, 1), 300);
	cr_assert_eq(h_bal(&h, a), 400 - 3 + 700);
	cr_assert_eq(h_bal(&h, b), 600 + 300);
	assert_paid_what_it_held(&h, ch);
	h_fini(&h);
}

Test(l1_contract, challenge_in_the_last_block_of_the_window_is_accepted)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 900, 100, 600, 400));
	h_block(&h); /* close in block 2: window 2..7 */
	h_blocks_until(&h, 6);
	/* Submitted while the height is 6: included in 7 = h + T at the earliest. */
	uint64_t id = h_submit(&h, H_CHALLENGE, b, ch, 4, 0, h_state2(&h, ch, 8, 200, 800, 600, 400));
	h_block(&h);
	h_assert_included(&h, id, 7);
	cr_assert_eq(h_settled_at(&h, ch), 7);
	cr_assert_eq(l1_chrec_cold(h_ch(&h, ch))->registered->seq, 8);
	cr_assert(l1_chrec_cold(h_ch(&h, ch))->challenged);
	cr_assert_eq(l1_chrec_cold(h_ch(&h, ch))->first_challenger, 1);
	cr_assert_eq(payout(&h, ch, 0), 200);
	cr_assert_eq(payout(&h, ch, 1), 800);
	cr_assert_eq(h_bal(&h, b), 600 - 4 + 800);
	assert_paid_what_it_held(&h, ch);
	h_fini(&h);
}

Test(l1_contract, challenge_after_deadline_is_dropped)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 900, 100, 600, 400));
	h_block(&h);
	h_blocks_until(&h, 7); /* settled at the end of phase 1 of block 7 */
	cr_assert_eq(h_settled_at(&h, ch), 7);
	uint64_t fees = h.c->fees.units;
	/* Submitted while the height is 7: executed in 8 = h + T + 1. */
	uint64_t id = h_submit(&h, H_CHALLENGE, b, ch, 4, 0, h_state2(&h, ch, 8, 200, 800, 600, 400));
	assert_block_drops(&h, id, L1_ERR_NO_DISPUTE);
	cr_assert_eq(payout(&h, ch, 0), 900);
	cr_assert_eq(payout(&h, ch, 1), 100);
	cr_assert_eq(h_bal(&h, b), 600 + 100, "the late challenger paid no fee");
	cr_assert_eq(h.c->fees.units, fees);
	h_fini(&h);
}

Test(l1_contract, t_zero_window_is_the_close_block)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.dispute_timeout_blocks = 0;
	uint32_t a, b, ch;
	open2(&h, &p, &a, &b, &ch);
	/* Close and challenge in the same block, the challenge reached after the close. */
	uint64_t cl = h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 2, 0, h_state2(&h, ch, 1, 900, 100, 600, 400));
	uint64_t c1 = h_submit(&h, H_CHALLENGE, b, ch, 1, 0, h_state2(&h, ch, 5, 300, 700, 600, 400));
	h_block(&h);
	h_assert_included(&h, cl, 2);
	h_assert_included(&h, c1, 2);
	cr_assert_eq(h_settled_at(&h, ch), 2, "with T = 0 the channel settles at the end of block h");
	cr_assert_eq(l1_chrec_cold(h_ch(&h, ch))->settled_height, 2);
	cr_assert_eq(payout(&h, ch, 0), 300);
	cr_assert_eq(payout(&h, ch, 1), 700);
	assert_paid_what_it_held(&h, ch);
	/* The next block is outside the window. */
	uint64_t c2 = h_submit(&h, H_CHALLENGE, b, ch, 1, 0, h_state2(&h, ch, 6, 0, 1000, 600, 400));
	assert_block_drops(&h, c2, L1_ERR_NO_DISPUTE);
	h_fini(&h);
}

Test(l1_contract, t_zero_challenge_reached_before_the_close_is_dropped)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.dispute_timeout_blocks = 0;
	uint32_t a, b, ch;
	open2(&h, &p, &a, &b, &ch);
	/* The challenge pays more, so it is reached first, when no window is open. */
	uint64_t cl = h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 1, 0, h_state2(&h, ch, 1, 900, 100, 600, 400));
	uint64_t c1 = h_submit(&h, H_CHALLENGE, b, ch, 2, 0, h_state2(&h, ch, 5, 300, 700, 600, 400));
	h_block(&h);
	h_assert_dropped(&h, c1, 2, L1_ERR_NO_DISPUTE);
	h_assert_included(&h, cl, 2);
	cr_assert_eq(h_settled_at(&h, ch), 2);
	cr_assert_eq(payout(&h, ch, 0), 900);
	cr_assert_eq(h_bal(&h, b), 600 + 100);
	h_fini(&h);
}

Test(l1_contract, challenge_with_equal_or_lower_seq_is_stale)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 5, 900, 100, 600, 400));
	h_block(&h);
	uint64_t id = h_submit(&h, H_CHALLENGE, b, ch, 1, 0, h_state2(&h, ch, 5, 100, 900, 600, 400));
	assert_block_drops(&h, id, L1_ERR_STALE_SEQ);
	id = h_submit(&h, H_CHALLENGE, b, ch, 1, 0, h_state2(&h, ch, 4, 100, 900, 600, 400));
	assert_block_drops(&h, id, L1_ERR_STALE_SEQ);
	id = h_submit(&h, H_CHALLENGE, b, ch, 1, 0, h_state2(&h, ch, 0, 100, 900, 600, 400));
	assert_block_drops(&h, id, L1_ERR_STALE_SEQ);
	cr_assert_not(l1_chrec_cold(h_ch(&h, ch))->challenged);
	cr_assert_eq(l1_chrec_cold(h_ch(&h, ch))->registered->seq, 5);
	h_fini(&h);
}

Test(l1_contract, second_challenge_must_raise_the_seq)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 900, 100, 600, 400));
	h_block(&h); /* block 2 */
	uint64_t c1 = h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state2(&h, ch, 5, 500, 500, 600, 400));
	h_block(&h);
	h_assert_included(&h, c1, 3);
	/* Equal to the challenge's seq (above the close's): stale. */
	uint64_t c2 = h_submit(&h, H_CHALLENGE, a, ch, 0, 0, h_state2(&h, ch, 5, 1000, 0, 600, 400));
	assert_block_drops(&h, c2, L1_ERR_STALE_SEQ);
	uint64_t c3 = h_submit(&h, H_CHALLENGE, a, ch, 0, 0, h_state2(&h, ch, 3, 1000, 0, 600, 400));
	assert_block_drops(&h, c3, L1_ERR_STALE_SEQ);
	/* Two challenges in one block, the later one higher: both accepted in order. */
	uint64_t c4 = h_submit(&h, H_CHALLENGE, a, ch, 0, 0, h_state2(&h, ch, 6, 450, 550, 600, 400));
	uint64_t c5 = h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state2(&h, ch, 7, 400, 600, 600, 400));
	/* ...and one the same block with a seq the previous challenge in it already used. */
	uint64_t c6 = h_submit(&h, H_CHALLENGE, a, ch, 0, 0, h_state2(&h, ch, 7, 999, 1, 600, 400));
	h_block(&h);
	h_assert_included(&h, c4, 6);
	h_assert_included(&h, c5, 6);
	h_assert_dropped(&h, c6, 6, L1_ERR_STALE_SEQ);
	cr_assert_eq(l1_chrec_cold(h_ch(&h, ch))->registered->seq, 7);
	cr_assert_eq(l1_chrec_cold(h_ch(&h, ch))->first_challenger, 1, "the first successful challenger stays B");
	h_blocks_until(&h, 7);
	cr_assert_eq(payout(&h, ch, 0), 400);
	cr_assert_eq(payout(&h, ch, 1), 600);
	assert_paid_what_it_held(&h, ch);
	h_fini(&h);
}

Test(l1_contract, seq_up_to_2_64_minus_1)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, MAX - 1, 900, 100, 600, 400));
	h_block(&h);
	uint64_t c1 = h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state2(&h, ch, MAX, 500, 500, 600, 400));
	h_block(&h);
	h_assert_included(&h, c1, 3);
	/* Nothing is above 2^64-1: every further challenge is stale. */
	uint64_t c2 = h_submit(&h, H_CHALLENGE, a, ch, 0, 0, h_state2(&h, ch, MAX, 1000, 0, 600, 400));
	assert_block_drops(&h, c2, L1_ERR_STALE_SEQ);
	h_fini(&h);
}

Test(l1_contract, challenge_without_a_dispute_is_dropped)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 1000);
	uint32_t ch = h_channel2(&h, a, b, 600, 400);
	uint64_t id = h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state2(&h, ch, 1, 0, 0, 0, 0));
	assert_block_drops(&h, id, L1_ERR_NO_DISPUTE); /* never opened */
	h_open(&h, ch, 0);
	h_block(&h);
	id = h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state2(&h, ch, 1, 600, 400, 600, 400));
	assert_block_drops(&h, id, L1_ERR_NO_DISPUTE); /* open, no close */
	h_submit(&h, H_COOP_CLOSE, b, ch, 0, 0, h_state2(&h, ch, 1, 600, 400, 600, 400));
	h_block(&h);
	id = h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state2(&h, ch, 2, 500, 500, 600, 400));
	assert_block_drops(&h, id, L1_ERR_NO_DISPUTE); /* cooperatively closed */
	h_fini(&h);
}

Test(l1_contract, challenge_by_non_member_or_without_state_is_dropped)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	uint32_t x = h_account(&h, 100);
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 900, 100, 600, 400));
	h_block(&h);
	uint64_t id = h_submit(&h, H_CHALLENGE, x, ch, 0, 0, h_state2(&h, ch, 5, 500, 500, 600, 400));
	assert_block_drops(&h, id, L1_ERR_NOT_MEMBER);
	id = h_submit(&h, H_CHALLENGE, b, ch, 0, 0, NULL);
	assert_block_drops(&h, id, L1_ERR_BAD_STATE);
	id = h_submit(&h, H_CHALLENGE, b, ch, 1000, 0, h_state2(&h, ch, 5, 500, 500, 600, 400));
	assert_block_drops(&h, id, L1_ERR_NO_FUNDS);
	h_fini(&h);
}

/* With T = 2^64-1 the window never ends, so a close must never settle. The window's
 * end, close_height + T, must not wrap around. */
Test(l1_contract, huge_dispute_timeout_does_not_wrap)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.dispute_timeout_blocks = MAX;
	uint32_t a, b, ch;
	open2(&h, &p, &a, &b, &ch);
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 900, 100, 600, 400));
	h_block(&h);
	h_blocks_until(&h, 20);
	/* cr_expect, not cr_assert: a failure still frees the chain (no leak reports). */
	cr_expect_eq(h_ch(&h, ch)->status, L1_CH_DISPUTE,
		     "closed at block 2 with T = 2^64-1, yet settled at block %llu",
		     (unsigned long long)h_settled_at(&h, ch));
	if (h_ch(&h, ch)->status == L1_CH_DISPUTE) {
		uint64_t id = h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state2(&h, ch, 5, 500, 500, 600, 400));
		h_block(&h);
		h_assert_included(&h, id, 21);
	}
	h_fini(&h);
}

/* ----------------------------------------------------------- signatures ---- */

Test(l1_contract, bad_signature_is_dropped_without_fee)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	struct l1_state *s = h_state2(&h, ch, 1, 1000, 0, 600, 400);
	l1_state_sig(s, 1)[10] ^= 0x01;
	uint64_t included = h.c->txs_included, fees = h.c->fees.units;
	uint64_t id = h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 25, 0, s);
	assert_block_drops(&h, id, L1_ERR_BAD_SIGNATURE);
	cr_assert_eq(h_bal(&h, a), 400, "no fee for a dropped tx");
	cr_assert_eq(h.c->fees.units, fees);
	cr_assert_eq(h.c->txs_included, included, "a dropped tx is not counted as included");
	cr_assert_eq(h_ch(&h, ch)->status, L1_CH_OPEN);
	/* The same for a cooperative close and a challenge. */
	s = h_state2(&h, ch, 1, 1000, 0, 600, 400);
	l1_state_sig(s, 0)[63] ^= 0x80;
	id = h_submit(&h, H_COOP_CLOSE, b, ch, 25, 0, s);
	assert_block_drops(&h, id, L1_ERR_BAD_SIGNATURE);
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 1000, 0, 600, 400));
	h_block(&h);
	s = h_state2(&h, ch, 9, 0, 1000, 600, 400);
	l1_state_sig(s, 0)[0] ^= 0xff;
	id = h_submit(&h, H_CHALLENGE, b, ch, 25, 0, s);
	assert_block_drops(&h, id, L1_ERR_BAD_SIGNATURE);
	cr_assert_not(l1_chrec_cold(h_ch(&h, ch))->challenged);
	cr_assert_eq(h_bal(&h, b), 600);
	h_fini(&h);
}

Test(l1_contract, unsigned_or_wrongly_signed_states_are_dropped)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	/* Unsigned. */
	struct l1_state *s = l1_state_new(ch, 1, 2);
	s->balances[0] = AMOUNT(600);
	s->balances[1] = AMOUNT(400);
	s->included[0] = AMOUNT(600);
	s->included[1] = AMOUNT(400);
	uint64_t id = h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, s);
	assert_block_drops(&h, id, L1_ERR_BAD_SIGNATURE);
	/* Only A signed. */
	s = l1_state_new(ch, 1, 2);
	s->balances[0] = AMOUNT(1000);
	s->included[0] = AMOUNT(600);
	s->included[1] = AMOUNT(400);
	l1_state_sign(s, 0, h.sk[a]);
	id = h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, s);
	assert_block_drops(&h, id, L1_ERR_BAD_SIGNATURE);
	/* A signs for both. */
	s = l1_state_new(ch, 1, 2);
	s->balances[0] = AMOUNT(1000);
	s->included[0] = AMOUNT(600);
	s->included[1] = AMOUNT(400);
	l1_state_sign(s, 0, h.sk[a]);
	l1_state_sign(s, 1, h.sk[a]);
	id = h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, s);
	assert_block_drops(&h, id, L1_ERR_BAD_SIGNATURE);
	/* The signatures in swapped slots. */
	s = h_state2(&h, ch, 1, 600, 400, 600, 400);
	uint8_t tmp[L1_SIG_LEN];
	memcpy(tmp, l1_state_sig(s, 0), L1_SIG_LEN);
	memcpy(l1_state_sig(s, 0), l1_state_sig(s, 1), L1_SIG_LEN);
	memcpy(l1_state_sig(s, 1), tmp, L1_SIG_LEN);
	id = h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, s);
	assert_block_drops(&h, id, L1_ERR_BAD_SIGNATURE);
	h_fini(&h);
}

Test(l1_contract, state_changed_after_signing_is_dropped)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	struct l1_state *s = h_state2(&h, ch, 3, 500, 500, 600, 400);
	s->balances[0] = AMOUNT(999); /* still adds up */
	s->balances[1] = AMOUNT(1);
	uint64_t id = h_submit(&h, H_COOP_CLOSE, a, ch, 0, 0, s);
	assert_block_drops(&h, id, L1_ERR_BAD_SIGNATURE);
	s = h_state2(&h, ch, 3, 500, 500, 600, 400);
	s->seq = 4;
	id = h_submit(&h, H_COOP_CLOSE, a, ch, 0, 0, s);
	assert_block_drops(&h, id, L1_ERR_BAD_SIGNATURE);
	h_fini(&h);
}

/* A state signed for one channel is worthless on another between the same parties:
 * the channel id is in the signed encoding. */
Test(l1_contract, signature_does_not_carry_over_to_another_channel)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	uint32_t ch2 = h_channel2(&h, a, b, 100, 100);
	h_open(&h, ch2, 0);
	h_block(&h);
	struct l1_state *s = h_state2(&h, ch, 3, 100, 100, 100, 100);
	s->channel = ch2;
	uint64_t id = h_submit(&h, H_COOP_CLOSE, a, ch2, 0, 0, s);
	assert_block_drops(&h, id, L1_ERR_BAD_SIGNATURE);
	cr_assert_eq(h_ch(&h, ch2)->status, L1_CH_OPEN);
	h_fini(&h);
}

Test(l1_contract, signature_verification_off_accepts_unsigned_states)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.verify_signatures = false;
	uint32_t a, b, ch;
	open2(&h, &p, &a, &b, &ch);
	struct l1_state *s = l1_state_new(ch, 1, 2);
	s->balances[0] = AMOUNT(100);
	s->balances[1] = AMOUNT(900);
	s->included[0] = AMOUNT(600);
	s->included[1] = AMOUNT(400);
	uint64_t cl = h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, s);
	h_block(&h);
	h_assert_included(&h, cl, 2);
	/* Garbage signatures are ignored too... */
	s = l1_state_new(ch, 2, 2);
	memset(l1_state_sig(s, 0), 0x77, 2 * L1_SIG_LEN);
	s->balances[1] = AMOUNT(1000);
	s->included[0] = AMOUNT(600);
	s->included[1] = AMOUNT(400);
	uint64_t c1 = h_submit(&h, H_CHALLENGE, b, ch, 0, 0, s);
	h_block(&h);
	h_assert_included(&h, c1, 3);
	/* ...but the amounts are still checked. */
	s = l1_state_new(ch, 3, 2);
	s->balances[0] = AMOUNT(1001);
	s->included[0] = AMOUNT(600);
	s->included[1] = AMOUNT(400);
	uint64_t c2 = h_submit(&h, H_CHALLENGE, a, ch, 0, 0, s);
	assert_block_drops(&h, c2, L1_ERR_BAD_STATE);
	cr_assert_eq(l1_channel_verifies(h.cc), 0, "no signature was verified");
	h_blocks_until(&h, 7);
	cr_assert_eq(payout(&h, ch, 1), 1000);
	assert_paid_what_it_held(&h, ch);
	h_fini(&h);
}

Test(l1_contract, every_party_signature_is_verified)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	uint64_t v = l1_channel_verifies(h.cc);
	h_submit(&h, H_COOP_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 600, 400, 600, 400));
	h_block(&h);
	cr_assert_eq(l1_channel_verifies(h.cc), v + 2);
	h_fini(&h);
}

/* -------------------------------------------------- acceptable states ---- */

/* Submits a unilateral close of the usual channel with s and expects BAD_STATE. */
static void assert_bad_state(struct h *h, uint32_t a, uint32_t ch, struct l1_state *s)
{
	uint64_t id = h_submit(h, H_UNILATERAL_CLOSE, a, ch, 1, 0, s);
	assert_block_drops(h, id, L1_ERR_BAD_STATE);
	cr_assert_eq(h_ch(h, ch)->status, L1_CH_OPEN);
}

Test(l1_contract, balances_must_add_up_to_included_deposits)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	assert_bad_state(&h, a, ch, h_state2(&h, ch, 1, 600, 401, 600, 400)); /* one too many */
	assert_bad_state(&h, a, ch, h_state2(&h, ch, 1, 600, 399, 600, 400)); /* one too few */
	assert_bad_state(&h, a, ch, h_state2(&h, ch, 1, 2000, 0, 600, 400));
	assert_bad_state(&h, a, ch, h_state2(&h, ch, 1, 0, 0, 600, 400));
	/* Partial inclusion that adds up is fine: A's state accounts for 100 of its 600. */
	uint64_t id = h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 0, 500, 100, 400));
	h_block(&h);
	h_assert_included(&h, id, h.c->height);
	h_blocks_until(&h, h.c->height + 5);
	cr_assert_eq(payout(&h, ch, 0), 500, "0 + (600 - 100)");
	cr_assert_eq(payout(&h, ch, 1), 500);
	assert_paid_what_it_held(&h, ch);
	h_fini(&h);
}

Test(l1_contract, state_cannot_include_more_than_deposited)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	/* Adds up, but B is said to have deposited 401: the contract would owe 1001. */
	assert_bad_state(&h, a, ch, h_state2(&h, ch, 1, 500, 501, 600, 401));
	/* Shifting an inclusion from one party to another is no better. */
	assert_bad_state(&h, a, ch, h_state2(&h, ch, 1, 500, 500, 500, 500));
	assert_bad_state(&h, a, ch, h_state2(&h, ch, 1, 0, MAX, 0, MAX));
	h_fini(&h);
}

Test(l1_contract, state_amounts_that_overflow_are_rejected)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	/* Balances whose sum wraps to the included total (1000 = 2^64 + 1000 mod 2^64). */
	assert_bad_state(&h, a, ch, h_state2(&h, ch, 1, MAX, 1001, 600, 400));
	/* Included deposits whose sum wraps. */
	assert_bad_state(&h, a, ch, h_state2(&h, ch, 1, 600, 400, MAX, 1001));
	assert_bad_state(&h, a, ch, h_state2(&h, ch, 1, MAX, MAX, MAX, MAX));
	h_fini(&h);
}

Test(l1_contract, state_for_wrong_channel_or_party_count_is_rejected)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	uint32_t c = h_account(&h, 0);
	uint32_t ch3 = h_channel(&h, 3, (uint32_t[]){ a, b, c }, (uint64_t[]){ 0, 0, 0 });
	/* Correctly signed, for the other channel. */
	struct l1_state *s = h_state(&h, ch3, 1, (uint64_t[]){ 0, 0, 0 }, (uint64_t[]){ 0, 0, 0 });
	assert_bad_state(&h, a, ch, s);
	/* Naming this channel but with three parties. */
	s = l1_state_new(ch, 1, 3);
	s->balances[0] = AMOUNT(600);
	s->balances[1] = AMOUNT(400);
	s->included[0] = AMOUNT(600);
	s->included[1] = AMOUNT(400);
	assert_bad_state(&h, a, ch, s);
	/* One party. */
	s = l1_state_new(ch, 1, 1);
	assert_bad_state(&h, a, ch, s);
	/* No state at all. */
	assert_bad_state(&h, a, ch, NULL);
	uint64_t id = h_submit(&h, H_COOP_CLOSE, a, ch, 1, 0, NULL);
	assert_block_drops(&h, id, L1_ERR_BAD_STATE);
	h_fini(&h);
}

Test(l1_contract, state_may_include_a_deposit_only_once_it_is_in)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	/* Same block, but the close (higher fee) is reached before the deposit. */
	uint64_t cl = h_submit(&h, H_COOP_CLOSE, a, ch, 2, 0, h_state2(&h, ch, 1, 650, 400, 650, 400));
	uint64_t d = h_deposit(&h, a, ch, 1, 50);
	h_block(&h);
	h_assert_dropped(&h, cl, 2, L1_ERR_BAD_STATE);
	h_assert_included(&h, d, 2);
	cl = h_submit(&h, H_COOP_CLOSE, a, ch, 2, 0, h_state2(&h, ch, 1, 650, 400, 650, 400));
	h_block(&h);
	h_assert_included(&h, cl, 3);
	cr_assert_eq(payout(&h, ch, 0), 650);
	cr_assert_eq(payout(&h, ch, 1), 400);
	assert_paid_what_it_held(&h, ch);
	h_fini(&h);
}

Test(l1_contract, challenge_state_is_checked_like_a_close)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 900, 100, 600, 400));
	h_block(&h);
	uint64_t id = h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state2(&h, ch, 2, 0, 1001, 600, 401));
	assert_block_drops(&h, id, L1_ERR_BAD_STATE);
	id = h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state2(&h, ch, 2, 0, 1001, 600, 400));
	assert_block_drops(&h, id, L1_ERR_BAD_STATE);
	struct l1_state *s = h_state2(&h, ch, 2, 0, 1000, 600, 400);
	s->channel = ch + 1;
	id = h_submit(&h, H_CHALLENGE, b, ch, 0, 0, s);
	assert_block_drops(&h, id, L1_ERR_BAD_STATE);
	h_blocks_until(&h, 7);
	cr_assert_eq(payout(&h, ch, 0), 900);
	h_fini(&h);
}

/* ---------------------------------------------------------- settlement ---- */

Test(l1_contract, settlement_pays_deposits_the_state_does_not_include)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	h_deposit(&h, a, ch, 0, 100);
	h_deposit(&h, b, ch, 0, 50);
	h_block(&h);
	h_deposit(&h, a, ch, 0, 30);
	h_block(&h);
	/* Deposited: A 730, B 450. The state includes A's first top-up only. */
	uint64_t id = h_submit(&h, H_UNILATERAL_CLOSE, b, ch, 0, 0, h_state2(&h, ch, 4, 300, 800, 700, 400));
	h_block(&h);
	h_assert_included(&h, id, 4);
	h_blocks_until(&h, 9);
	cr_assert_eq(h_settled_at(&h, ch), 9);
	cr_assert_eq(payout(&h, ch, 0), 300 + 30);
	cr_assert_eq(payout(&h, ch, 1), 800 + 50);
	cr_assert_eq(h_bal(&h, a), 400 - 130 + 330);
	cr_assert_eq(h_bal(&h, b), 600 - 50 + 850);
	assert_paid_what_it_held(&h, ch);
	h_fini(&h);
}

Test(l1_contract, settlement_of_the_opening_state_returns_deposits)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	h_deposit(&h, b, ch, 0, 200);
	h_block(&h);
	/* State 0 includes nothing at all: everything goes back as deposited. */
	h_submit(&h, H_COOP_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 0, 0, 0, 0, 0));
	h_block(&h);
	cr_assert_eq(payout(&h, ch, 0), 600);
	cr_assert_eq(payout(&h, ch, 1), 600);
	cr_assert_eq(h_bal(&h, a), 1000);
	cr_assert_eq(h_bal(&h, b), 1000);
	assert_paid_what_it_held(&h, ch);
	h_fini(&h);
}

Test(l1_contract, several_windows_settle_in_their_own_blocks)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 1000);
	uint32_t c[3];
	for (int i = 0; i < 3; i++) {
		c[i] = h_channel2(&h, a, b, 100, 100);
		h_open(&h, c[i], 0);
	}
	h_block(&h);
	/* Closes in blocks 2, 2 and 4: settlements at 7, 7 and 9. */
	h_submit(&h, H_UNILATERAL_CLOSE, a, c[2], 0, 0, h_state2(&h, c[2], 1, 100, 100, 100, 100));
	h_submit(&h, H_UNILATERAL_CLOSE, b, c[0], 0, 0, h_state2(&h, c[0], 1, 100, 100, 100, 100));
	h_block(&h);
	h_block(&h);
	h_submit(&h, H_UNILATERAL_CLOSE, a, c[1], 0, 0, h_state2(&h, c[1], 1, 100, 100, 100, 100));
	h_blocks_until(&h, 10);
	cr_assert_eq(h_settled_at(&h, c[2]), 7);
	cr_assert_eq(h_settled_at(&h, c[0]), 7);
	cr_assert_eq(h_settled_at(&h, c[1]), 9);
	for (int i = 0; i < 3; i++)
		assert_paid_what_it_held(&h, c[i]);
	cr_assert_eq(h_bal(&h, a), 1000);
	h_fini(&h);
}

/* -------------------------------------------------------------- penalty ---- */

static void open2_penalty(struct h *h, uint32_t *a, uint32_t *b, uint32_t *ch)
{
	struct l1_params p;
	h_params(&p);
	p.dispute_rule = L1_RULE_PENALTY;
	open2(h, &p, a, b, ch);
}

Test(l1_contract, penalty_pays_the_closers_share_to_the_challenger)
{
	struct h h;
	uint32_t a, b, ch;
	open2_penalty(&h, &a, &b, &ch);
	/* A closes with a stale state; B proves it stale with seq 5. */
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 900, 100, 600, 400));
	h_block(&h);
	h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state2(&h, ch, 5, 300, 700, 600, 400));
	h_blocks_until(&h, 7);
	cr_assert_eq(payout(&h, ch, 0), 0, "the closer is paid 0");
	cr_assert_eq(payout(&h, ch, 1), 1000, "the challenger gets the closer's payout");
	cr_assert_eq(h_bal(&h, a), 400);
	cr_assert_eq(h_bal(&h, b), 1600);
	assert_paid_what_it_held(&h, ch);
	h_fini(&h);
}

Test(l1_contract, penalty_forfeits_the_closers_unincluded_deposits_too)
{
	struct h h;
	uint32_t a, b, ch;
	open2_penalty(&h, &a, &b, &ch);
	h_deposit(&h, a, ch, 0, 100);
	h_block(&h);
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 900, 100, 600, 400));
	h_block(&h);
	h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state2(&h, ch, 5, 300, 700, 600, 400));
	h_blocks_until(&h, 8);
	/* A's payout would have been 300 + 100; all of it goes to B. */
	cr_assert_eq(payout(&h, ch, 0), 0);
	cr_assert_eq(payout(&h, ch, 1), 1100);
	assert_paid_what_it_held(&h, ch);
	h_fini(&h);
}

Test(l1_contract, penalty_second_challenger_gets_nothing_extra)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.dispute_rule = L1_RULE_PENALTY;
	h_init(&h, &p);
	uint32_t a = h_account(&h, 300), b = h_account(&h, 300), c = h_account(&h, 300);
	uint32_t ch = h_channel(&h, 3, (uint32_t[]){ a, b, c }, (uint64_t[]){ 300, 300, 300 });
	h_open(&h, ch, 0);
	h_block(&h);
	const uint64_t all[] = { 300, 300, 300 };
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state(&h, ch, 1, (uint64_t[]){ 500, 200, 200 }, all));
	h_block(&h);
	h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state(&h, ch, 2, (uint64_t[]){ 250, 350, 300 }, all));
	h_block(&h);
	h_submit(&h, H_CHALLENGE, c, ch, 0, 0, h_state(&h, ch, 3, (uint64_t[]){ 200, 300, 400 }, all));
	h_block(&h);
	cr_assert(l1_chrec_cold(h_ch(&h, ch))->challenged);
	cr_assert_eq(l1_chrec_cold(h_ch(&h, ch))->first_challenger, 1);
	cr_assert_eq(l1_chrec_cold(h_ch(&h, ch))->registered->seq, 3);
	h_blocks_until(&h, 7);
	cr_assert_eq(payout(&h, ch, 0), 0);
	cr_assert_eq(payout(&h, ch, 1), 300 + 200, "the first challenger gets the closer's payout");
	cr_assert_eq(payout(&h, ch, 2), 400, "the second challenger gets only its own balance");
	assert_paid_what_it_held(&h, ch);
	h_fini(&h);
}

Test(l1_contract, penalty_needs_a_successful_challenge)
{
	struct h h;
	uint32_t a, b, ch;
	open2_penalty(&h, &a, &b, &ch);
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 5, 900, 100, 600, 400));
	h_block(&h);
	/* A stale challenge does not count. */
	h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state2(&h, ch, 5, 300, 700, 600, 400));
	h_blocks_until(&h, 7);
	cr_assert_not(l1_chrec_cold(h_ch(&h, ch))->challenged);
	cr_assert_eq(payout(&h, ch, 0), 900);
	cr_assert_eq(payout(&h, ch, 1), 100);
	h_fini(&h);
}

Test(l1_contract, penalty_not_applied_to_cooperative_close)
{
	struct h h;
	uint32_t a, b, ch;
	open2_penalty(&h, &a, &b, &ch);
	h_submit(&h, H_COOP_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 5, 900, 100, 600, 400));
	h_block(&h);
	cr_assert_eq(payout(&h, ch, 0), 900);
	cr_assert_eq(payout(&h, ch, 1), 100);
	h_fini(&h);
}

Test(l1_contract, penalty_closer_as_only_challenger_forfeits_nothing)
{
	struct h h;
	uint32_t a, b, ch;
	open2_penalty(&h, &a, &b, &ch);
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 900, 100, 600, 400));
	h_block(&h);
	h_submit(&h, H_CHALLENGE, a, ch, 0, 0, h_state2(&h, ch, 2, 800, 200, 600, 400));
	h_blocks_until(&h, 7);
	cr_assert_eq(payout(&h, ch, 0), 800);
	cr_assert_eq(payout(&h, ch, 1), 200);
	h_fini(&h);
}

/* A cheating closer must not dodge the penalty by challenging its own stale close
 * first with another stale state: B's challenge still proves A's state stale
 * (docs/l1sim.md: nothing is forfeited only "if the only challenger were the closer
 * itself"), so A is paid 0 and B, the first successful challenger other than the
 * closer, gets A's payout. */
Test(l1_contract, penalty_closer_self_challenge_does_not_shield_a_stale_close)
{
	struct h h;
	uint32_t a, b, ch;
	open2_penalty(&h, &a, &b, &ch);
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 900, 100, 600, 400));
	h_submit(&h, H_CHALLENGE, a, ch, 0, 0, h_state2(&h, ch, 2, 850, 150, 600, 400));
	h_block(&h);
	h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state2(&h, ch, 9, 300, 700, 600, 400));
	h_blocks_until(&h, 7);
	cr_assert_eq(l1_chrec_cold(h_ch(&h, ch))->registered->seq, 9);
	assert_paid_what_it_held(&h, ch);
	/* cr_expect, not cr_assert: a failure still frees the chain (no leak reports). */
	cr_expect_eq(payout(&h, ch, 0), 0, "the closer's stale state was proven stale by B: it is paid %llu",
		     (unsigned long long)payout(&h, ch, 0));
	cr_expect_eq(payout(&h, ch, 1), 1000, "B is paid %llu", (unsigned long long)payout(&h, ch, 1));
	h_fini(&h);
}

Test(l1_contract, latest_state_rule_pays_the_registered_state)
{
	struct h h;
	uint32_t a, b, ch;
	open2_default(&h, &a, &b, &ch);
	h_submit(&h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(&h, ch, 1, 900, 100, 600, 400));
	h_block(&h);
	h_submit(&h, H_CHALLENGE, b, ch, 0, 0, h_state2(&h, ch, 5, 300, 700, 600, 400));
	h_blocks_until(&h, 7);
	cr_assert_eq(payout(&h, ch, 0), 300);
	cr_assert_eq(payout(&h, ch, 1), 700);
	h_fini(&h);
}

/* --------------------------------------------------- finality, usability ---- */

Test(l1_contract, usable_height_is_open_height_plus_confirmations_minus_one)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.confirmations = 6;
	h_init(&h, &p);
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 1000);
	uint32_t ch = h_channel2(&h, a, b, 600, 400);
	uint32_t poor = h_channel2(&h, a, b, 600, 4000);
	h_block(&h);
	h_block(&h);
	cr_assert_eq(l1_channel_usable_height(h.cc, ch), UINT64_MAX);
	h_open(&h, ch, 0);
	h_open(&h, poor, 0);
	h_block(&h); /* open in block 3 */
	cr_assert_eq(l1_channel_usable_height(h.cc, ch), 3 + 6 - 1);
	cr_assert_eq(l1_channel_usable_height(h.cc, poor), UINT64_MAX, "a dropped open never becomes usable");
	h_blocks_until(&h, 7);
	cr_assert_not(l1_chain_is_final(h.c, h_ch(&h, ch)->open_height));
	h_block(&h);
	cr_assert(l1_chain_is_final(h.c, h_ch(&h, ch)->open_height), "final at block 8 = usable height");
	h_fini(&h);
}

Test(l1_contract, usable_height_with_one_confirmation_is_the_open_block)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.confirmations = 1;
	uint32_t a, b, ch;
	open2(&h, &p, &a, &b, &ch);
	cr_assert_eq(l1_channel_usable_height(h.cc, ch), 1);
	cr_assert_eq(l1_channel_final_deposit(h.cc, ch, 0).units, 600);
	h_deposit(&h, b, ch, 0, 10);
	h_block(&h);
	cr_assert_eq(l1_channel_final_deposit(h.cc, ch, 1).units, 410);
	h_fini(&h);
}

Test(l1_contract, final_deposit_counts_the_open_once_it_is_final)
{
	struct h h;
	h_init_default(&h); /* 3 confirmations */
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 1000);
	uint32_t ch = h_channel2(&h, a, b, 600, 400);
	cr_assert_eq(l1_channel_final_deposit(h.cc, ch, 0).units, 0, "not opened");
	h_open(&h, ch, 0);
	h_block(&h); /* open in 1, final at 3 */
	cr_assert_eq(l1_channel_final_deposit(h.cc, ch, 0).units, 0);
	cr_assert_eq(l1_channel_final_deposit(h.cc, ch, 1).units, 0);
	/* A top-up in block 2, final at 4. */
	h_deposit(&h, a, ch, 0, 100);
	h_block(&h);
	cr_assert_eq(l1_channel_final_deposit(h.cc, ch, 0).units, 0, "a final top-up needs a final open");
	h_block(&h); /* 3 */
	cr_assert_eq(l1_channel_final_deposit(h.cc, ch, 0).units, 600);
	cr_assert_eq(l1_channel_final_deposit(h.cc, ch, 1).units, 400);
	h_deposit(&h, b, ch, 0, 7); /* block 4, final at 6 */
	h_block(&h); /* 4 */
	cr_assert_eq(l1_channel_final_deposit(h.cc, ch, 0).units, 700);
	cr_assert_eq(l1_channel_final_deposit(h.cc, ch, 1).units, 400);
	h_block(&h); /* 5 */
	cr_assert_eq(l1_channel_final_deposit(h.cc, ch, 1).units, 400);
	h_block(&h); /* 6 */
	cr_assert_eq(l1_channel_final_deposit(h.cc, ch, 0).units, 700);
	cr_assert_eq(l1_channel_final_deposit(h.cc, ch, 1).units, 407);
	h_fini(&h);
}

Test(l1_contract, final_deposit_ignores_dropped_deposits)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.confirmations = 1;
	uint32_t a, b, ch;
	open2(&h, &p, &a, &b, &ch);
	h_deposit(&h, a, ch, 0, 401); /* A has 400 */
	h_block(&h);
	cr_assert_eq(l1_channel_final_deposit(h.cc, ch, 0).units, 600);
	cr_assert_eq(l1_chrec_cold(h_ch(&h, ch))->ntopups, 0);
	h_fini(&h);
}

/* ------------------------------------------------ amounts near 2^64 - 1 ---- */

/* The whole supply, 2^64-1 units, in one channel: everything still adds up. */
Test(l1_contract, whole_supply_in_one_channel)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, MAX - 1000), b = h_account(&h, 1000);
	uint32_t ch = h_channel2(&h, a, b, MAX - 1000 - 10, 1000);
	uint64_t id = h_open(&h, ch, 10);
	h_block(&h);
	h_assert_included(&h, id, 1);
	cr_assert_eq(h_ch(&h, ch)->holdings.units, MAX - 10);
	/* No deposit can overflow the contract: nobody has the money. */
	id = h_deposit(&h, a, ch, 0, 1);
	assert_block_drops(&h, id, L1_ERR_NO_FUNDS);
	/* A state that pays B everything. */
	id = h_submit(&h, H_UNILATERAL_CLOSE, b, ch, 0, 0,
		      h_state2(&h, ch, 1, 0, MAX - 10, MAX - 1000 - 10, 1000));
	h_block(&h);
	h_assert_included(&h, id, 3);
	h_blocks_until(&h, 8);
	cr_assert_eq(h_bal(&h, b), MAX - 10);
	cr_assert_eq(h_bal(&h, a), 0);
	cr_assert_eq(h.c->fees.units, 10);
	assert_paid_what_it_held(&h, ch);
	h_fini(&h);
}

Test(l1_contract, party_index_and_status_names)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 0), b = h_account(&h, 0), x = h_account(&h, 0);
	uint32_t ch = h_channel2(&h, b, a, 0, 0);
	cr_assert_eq(l1_channel_party_index(h.cc, ch, b), 0);
	cr_assert_eq(l1_channel_party_index(h.cc, ch, a), 1);
	cr_assert_eq(l1_channel_party_index(h.cc, ch, x), -1);
	cr_assert_str_eq(l1_channel_status_str(L1_CH_NONE), "none");
	cr_assert_str_eq(l1_channel_status_str(L1_CH_OPEN), "open");
	cr_assert_str_eq(l1_channel_status_str(L1_CH_DISPUTE), "dispute");
	cr_assert_str_eq(l1_channel_status_str(L1_CH_CLOSED), "closed");
	h_fini(&h);
}
