/* Unit tests of the generic ledger (l1sim/chain.c): the transfer tx, height-keyed
 * timers, several listeners, dispatch through the operations table, the payout
 * accessor and the bisection of l1_channel_final_deposit. */
#include <signal.h>

#include "l1_harness.h"

static uint64_t submit_transfer(struct h *h, uint32_t from, uint32_t to, uint64_t amount, uint64_t fee)
{
	return l1_chain_submit(h->c, l1_tx_transfer(from, to, AMOUNT(amount), AMOUNT(fee)));
}

Test(l1_ledger, transfer_moves_amount_and_pays_fee)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 100), b = h_account(&h, 5);
	uint64_t t = submit_transfer(&h, a, b, 60, 3);
	h_block(&h);
	h_assert_included(&h, t, 1);
	cr_assert_eq(h_bal(&h, a), 37);
	cr_assert_eq(h_bal(&h, b), 65);
	cr_assert_eq(h.c->fees.units, 3);
	cr_assert_str_eq(l1_chain_op_str(h.c, &(struct l1_tx){ .op = L1_LEDGER_TRANSFER }), "transfer");
	h_fini(&h);
}

Test(l1_ledger, transfer_of_everything_but_the_fee_is_valid_one_more_is_not)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 100), b = h_account(&h, 0);
	uint64_t t1 = submit_transfer(&h, a, b, 99, 2); /* 101 > 100 */
	h_block(&h);
	h_assert_dropped(&h, t1, 1, L1_ERR_NO_FUNDS);
	uint64_t t2 = submit_transfer(&h, a, b, 98, 2);
	h_block(&h);
	h_assert_included(&h, t2, 2);
	cr_assert_eq(h_bal(&h, a), 0);
	cr_assert_eq(h_bal(&h, b), 98);
	h_fini(&h);
}

Test(l1_ledger, invalid_transfers_are_dropped_and_change_nothing)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 10);
	uint8_t before[32], after[32];
	h_digest(&h, before);
	uint64_t no_to = submit_transfer(&h, a, 77, 1, 1);
	uint64_t no_from = submit_transfer(&h, 99, b, 1, 1);
	uint64_t overflow = submit_transfer(&h, a, b, UINT64_MAX, 1); /* amount + fee overflows */
	uint64_t no_funds = submit_transfer(&h, b, a, 10, 1);
	h_block(&h);
	h_digest(&h, after);
	h_assert_dropped(&h, no_to, 1, L1_ERR_NO_SUCH_ACCOUNT);
	h_assert_dropped(&h, no_from, 1, L1_ERR_NO_SUCH_ACCOUNT);
	h_assert_dropped(&h, overflow, 1, L1_ERR_OVERFLOW);
	h_assert_dropped(&h, no_funds, 1, L1_ERR_NO_FUNDS);
	cr_assert_arr_eq(before, after, 32);
	cr_assert_eq(h.c->txs_dropped, 4);
	h_fini(&h);
}

Test(l1_ledger, transfer_to_oneself_pays_only_the_fee)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 50);
	uint64_t t = submit_transfer(&h, a, a, 45, 5);
	h_block(&h);
	h_assert_included(&h, t, 1);
	cr_assert_eq(h_bal(&h, a), 45);
	h_fini(&h);
}

/* ---- a test contract: records its timers, holds nothing ---- */

struct rec_contract {
	uint64_t fired[16]; /* arg of each timer fired, in order */
	uint64_t fired_at[16];
	size_t nfired;
	uint32_t id;
};

static enum l1_result rc_execute(void *self, struct l1_chain *c, const struct l1_tx *tx)
{
	struct rec_contract *rc = self;
	if (tx->op != 7)
		return L1_ERR_NO_SUCH_OP;
	if (tx->submitter >= c->naccounts)
		return L1_ERR_NO_SUCH_ACCOUNT;
	struct amount after;
	enum l1_result r = l1_chain_can_pay(c, tx->submitter, tx->fee, AMOUNT(0), &after);
	if (r)
		return r;
	c->accounts[tx->submitter].balance = after;
	l1_chain_add_timer(c, rc->id, tx->amount.units, tx->target); /* height in amount */
	return L1_OK;
}

static void rc_timer(void *self, struct l1_chain *c, uint64_t arg)
{
	struct rec_contract *rc = self;
	cr_assert_lt(rc->nfired, 16);
	rc->fired_at[rc->nfired] = c->height;
	rc->fired[rc->nfired++] = arg;
	l1_chain_emit(c, rc->id, 42, (uint32_t)arg);
}

static void rc_free(void *self) { (void)self; }

static const struct l1_contract_ops rec_ops = {
	.name = "test", .execute = rc_execute, .timer = rc_timer, .free = rc_free,
};

Test(l1_ledger, timers_fire_at_their_height_in_height_then_setting_order)
{
	struct h h;
	h_init_default(&h);
	struct rec_contract rc = { 0 };
	l1_chain_add_contract(h.c, &rec_ops, &rc, &rc.id);
	cr_assert_eq(rc.id, 2, "the ledger is 0, the harness's channel contract 1");
	cr_assert_eq(l1_chain_contract(h.c, rc.id, &rec_ops), &rc);
	cr_assert_null(l1_chain_contract(h.c, rc.id, NULL));
	uint32_t a = h_account(&h, 10);
	/* set in block 1: (height 4, arg 1), (3, 2), (4, 3), (1, 4: this very block) */
	uint64_t heights[4] = { 4, 3, 4, 1 };
	for (uint32_t i = 0; i < 4; i++)
		l1_chain_submit(h.c, (struct l1_tx){ .submitter = a, .contract = rc.id, .op = 7, .target = i + 1,
						     .amount = AMOUNT(heights[i]) });
	h_block(&h);
	cr_assert_eq(rc.nfired, 1);
	cr_assert_eq(rc.fired[0], 4);
	cr_assert_eq(rc.fired_at[0], 1);
	h_blocks_until(&h, 2);
	cr_assert_eq(rc.nfired, 1, "nothing at height 2");
	h_blocks_until(&h, 4);
	cr_assert_eq(rc.nfired, 4);
	cr_assert_eq(rc.fired[1], 2);
	cr_assert_eq(rc.fired_at[1], 3);
	cr_assert_eq(rc.fired[2], 1, "same height: the one set first fires first");
	cr_assert_eq(rc.fired[3], 3);
	cr_assert_eq(rc.fired_at[3], 4);
	/* the timer's events reached the listener */
	cr_assert_eq(h_count(&h, L1_EV_CONTRACT), 4);
	h_fini(&h);
}

/* ---- listeners ---- */

struct order_log {
	char seen[64];
	size_t n;
};
struct listener_ctx {
	struct order_log *log;
	char tag;
};

static void tag_listener(void *ctx, const struct l1_event *ev)
{
	struct listener_ctx *l = ctx;
	(void)ev;
	cr_assert_lt(l->log->n, sizeof(l->log->seen) - 1);
	l->log->seen[l->log->n++] = l->tag;
}

Test(l1_ledger, several_listeners_are_called_in_the_order_added)
{
	struct h h;
	h_init_default(&h); /* the harness's listener is first */
	struct order_log log = { { 0 }, 0 };
	struct listener_ctx x = { &log, 'x' }, y = { &log, 'y' }, z = { &log, 'z' };
	l1_chain_add_listener(h.c, tag_listener, &x);
	l1_chain_add_listener(h.c, tag_listener, &y);
	l1_chain_add_listener(h.c, tag_listener, &z);
	uint32_t a = h_account(&h, 100);
	h_filler(&h, a, 1);
	h_filler(&h, a, 1);
	h_block(&h);
	cr_assert_str_eq(log.seen, "xyzxyz");
	cr_assert_eq(h.nlog, 2, "the harness saw both events too");
	h_fini(&h);
}

/* ---- dispatch ---- */

Test(l1_ledger, unknown_contract_or_op_is_dropped_with_a_reason)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 100), b = h_account(&h, 100);
	uint32_t ch = h_channel2(&h, a, b, 10, 10);
	uint8_t before[32], after[32];
	h_digest(&h, before);
	uint64_t no_contract = l1_chain_submit(h.c, (struct l1_tx){ .submitter = a, .contract = 99, .op = 0,
								    .fee = AMOUNT(1) });
	uint64_t no_ledger_op = l1_chain_submit(h.c, (struct l1_tx){ .submitter = a, .contract = L1_CONTRACT_LEDGER,
								     .op = 9, .fee = AMOUNT(1) });
	uint64_t no_channel_op = h_submit(&h, 17, a, ch, 1, 0, NULL);
	h_block(&h);
	h_digest(&h, after);
	h_assert_dropped(&h, no_contract, 1, L1_ERR_NO_SUCH_CONTRACT);
	h_assert_dropped(&h, no_ledger_op, 1, L1_ERR_NO_SUCH_OP);
	h_assert_dropped(&h, no_channel_op, 1, L1_ERR_NO_SUCH_OP);
	cr_assert_arr_eq(before, after, 32);
	cr_assert_str_eq(l1_result_str(L1_ERR_NO_SUCH_CONTRACT), "no such contract");
	cr_assert_str_eq(l1_result_str(L1_ERR_NO_SUCH_OP), "no such operation");
	cr_assert_str_eq(l1_chain_op_str(h.c, &(struct l1_tx){ .contract = 99 }), "?");
	h_fini(&h);
}

/* ---- the channel contract's accessors ---- */

Test(l1_ledger, payout_accessor_reads_zero_before_the_close_and_the_payout_after)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 100), b = h_account(&h, 100);
	uint32_t ch = h_channel2(&h, a, b, 40, 60);
	h_open(&h, ch, 1);
	h_block(&h);
	cr_assert_eq(l1_channel_payout(h.cc, ch, 0).units, 0);
	cr_assert_eq(l1_channel_payout(h.cc, ch, 1).units, 0);
	h_submit(&h, H_COOP_CLOSE, a, ch, 1, 0, h_state2(&h, ch, 1, 70, 30, 40, 60));
	h_block(&h);
	cr_assert_eq(l1_channel_status(h.cc, ch), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_payout(h.cc, ch, 0).units, 70);
	cr_assert_eq(l1_channel_payout(h.cc, ch, 1).units, 30);
	cr_assert_eq(l1_channel_registered_seq(h.cc, ch), 1);
	h_fini(&h);
}

/* Many top-ups of two parties, interleaved: the bisection over each party's own
 * top-ups gives, at every height, the sum a linear scan gives. */
Test(l1_ledger, final_deposit_by_bisection_matches_a_linear_sum)
{
	struct h h;
	h_init_default(&h); /* 3 confirmations */
	uint32_t a = h_account(&h, 100000), b = h_account(&h, 100000);
	uint32_t ch = h_channel2(&h, a, b, 10, 20);
	h_open(&h, ch, 1);
	h_block(&h);
	for (uint64_t blk = 2; blk <= 40; blk++) {
		if (blk % 3 != 0)
			h_deposit(&h, a, ch, 1, blk);
		if (blk % 2 == 0)
			h_deposit(&h, b, ch, 1, 2 * blk);
		h_block(&h);
		const struct l1_channel_cold *x = l1_chrec_cold(h_ch(&h, ch));
		for (uint32_t i = 0; i < 2; i++) {
			uint64_t want = l1_chain_is_final(h.c, 1) ? (i ? 20 : 10) : 0;
			for (uint32_t j = 0; want && j < x->ntopups; j++)
				if (x->topups[j].party == i && l1_chain_is_final(h.c, x->topups[j].height))
					want += x->topups[j].amount.units;
			cr_assert_eq(l1_channel_final_deposit(h.cc, ch, i).units, want, "block %llu party %u",
				     (unsigned long long)blk, i);
		}
	}
	h_fini(&h);
}

/* ---- the conservation check's cadence (L1_CONSERVATION_EVERY) ---- */

/* A broken contract: from block 5 on it claims to hold 1 unit it never received. */
static bool broken_holdings(const void *self, struct amount *sum)
{
	const struct l1_chain *c = self;
	return c->height < 5 || amount_add_to(sum, AMOUNT(1));
}

static enum l1_result broken_execute(void *self, struct l1_chain *c, const struct l1_tx *tx)
{
	(void)self, (void)c, (void)tx;
	return L1_ERR_NO_SUCH_OP;
}

static const struct l1_contract_ops broken_ops = {
	.name = "broken", .execute = broken_execute, .holdings = broken_holdings,
};

static struct l1_chain *broken_chain(void)
{
	struct l1_params p;
	h_params(&p); /* check_conservation on */
	struct l1_chain *c = l1_chain_new(&p);
	uint32_t id;
	l1_chain_add_contract(c, &broken_ops, c, &id);
	return c;
}

Test(l1_ledger, conservation_is_not_checked_between_powers_of_two)
{
	struct l1_chain *c = broken_chain();
	for (int i = 0; i < 7; i++)
		l1_chain_produce_block(c); /* blocks 5..7 are broken, none of them is checked (4 and 8 are) */
	cr_assert_eq(c->height, 7);
	cr_assert_not(l1_chain_conserved(c));
	l1_chain_free(c);
}

Test(l1_ledger, conservation_break_is_caught_at_the_next_power_of_two, .signal = SIGABRT)
{
	struct l1_chain *c = broken_chain();
	for (int i = 0; i < 8; i++)
		l1_chain_produce_block(c);
	cr_assert_fail("block 8 must have aborted");
}

/* Data nobody could free (its contract does not exist) is a caller's bug: abort at once
 * rather than leak it or free it the wrong way. */
Test(l1_ledger, tx_data_for_a_contract_that_does_not_exist_aborts_at_submit, .signal = SIGABRT)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 100);
	l1_chain_submit(h.c, (struct l1_tx){ .submitter = a, .contract = 42, .data = l1_state_new(0, 0, 2) });
	cr_assert_fail("submit must abort");
}
