/* Unit tests of the chain (l1sim/chain.c): parameters, accounts and the 2^64-1
 * supply, channels' registration, block times (fixed and exponential), the mempool
 * (fee order, submission-order ties, block_tx_limit, dropped txs taking no space and
 * paying no fee, inclusion no earlier than the next block), finality, conservation,
 * the state hash, and a seeded randomized test that throws thousands of valid and
 * garbage txs at ~20 accounts and their channels and checks the invariants after
 * every tx and every block. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <criterion/logging.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "l1_harness.h"
#include "l1sim/rng.h"

#define MAX UINT64_MAX

/* -------------------------------------------------------------- params ---- */

Test(l1_chain, params_default_are_the_spec_defaults)
{
	struct l1_params p;
	memset(&p, 0xff, sizeof(p));
	l1_params_default(&p);
	cr_assert_eq(p.block_interval_ms, 600000);
	cr_assert_not(p.exponential);
	cr_assert_eq(p.block_tx_limit, 4000);
	cr_assert_eq(p.confirmations, 6);
	cr_assert_eq(p.dispute_timeout_blocks, 144);
	cr_assert_eq(p.dispute_rule, L1_RULE_LATEST_STATE);
	cr_assert(p.verify_signatures);
}

Test(l1_chain, new_rejects_invalid_params)
{
	struct l1_params p;
	h_params(&p);
	p.block_interval_ms = 0;
	cr_assert_null(l1_chain_new(&p));
	h_params(&p);
	p.block_tx_limit = 0;
	cr_assert_null(l1_chain_new(&p));
	h_params(&p);
	p.confirmations = 0;
	cr_assert_null(l1_chain_new(&p));
	/* The smallest valid values, and T = 0, are fine. */
	h_params(&p);
	p.block_interval_ms = 1;
	p.block_tx_limit = 1;
	p.confirmations = 1;
	p.dispute_timeout_blocks = 0;
	struct l1_chain *c = l1_chain_new(&p);
	cr_assert_not_null(c);
	l1_chain_free(c);
	l1_chain_free(NULL);
}

Test(l1_chain, genesis)
{
	struct h h;
	h_init_default(&h);
	cr_assert_eq(h.c->height, 0);
	cr_assert_eq(h.c->time_ms, 0);
	cr_assert_eq(l1_chain_next_block_time(h.c), 1000);
	cr_assert_eq(l1_chain_mempool_len(h.c), 0);
	cr_assert_eq(h.c->fees.units, 0);
	cr_assert(l1_chain_conserved(h.c));
	h_fini(&h);
}

Test(l1_chain, result_and_kind_names)
{
	cr_assert_str_eq(l1_result_str(L1_OK), "ok");
	cr_assert_str_eq(l1_result_str(L1_ERR_NO_DISPUTE), "no dispute window is open");
	cr_assert_str_eq(l1_result_str(L1_ERR_BAD_SIGNATURE), "invalid signature");
	for (int r = L1_OK; r <= L1_ERR_SUPPLY_OVERFLOW; r++) {
		cr_assert_str_neq(l1_result_str((enum l1_result)r), "unknown error", "result %d", r);
		for (int q = L1_OK; q < r; q++)
			cr_assert_str_neq(l1_result_str((enum l1_result)r), l1_result_str((enum l1_result)q));
	}
	cr_assert_str_eq(h_kind_str(H_OPEN), "open");
	cr_assert_str_eq(h_kind_str(H_DEPOSIT), "deposit");
	cr_assert_str_eq(h_kind_str(H_COOP_CLOSE), "cooperative_close");
	cr_assert_str_eq(h_kind_str(H_UNILATERAL_CLOSE), "unilateral_close");
	cr_assert_str_eq(h_kind_str(H_CHALLENGE), "challenge");
	cr_assert_str_eq(h_kind_str(H_FILLER), "filler");
}

/* ---------------------------------------------------- accounts, supply ---- */

Test(l1_chain, add_account_up_to_the_64_bit_supply)
{
	struct h h;
	h_init_default(&h);
	h_account(&h, MAX - 5);
	uint32_t id = 12345;
	cr_assert_eq(l1_chain_add_account(h.c, AMOUNT(6), NULL, &id), L1_ERR_SUPPLY_OVERFLOW);
	cr_assert_eq(id, 12345, "id_out untouched on failure");
	cr_assert_eq(h.c->naccounts, 1);
	cr_assert_eq(h.c->supply.units, MAX - 5);
	cr_assert_eq(l1_chain_add_account(h.c, AMOUNT(MAX), NULL, &id), L1_ERR_SUPPLY_OVERFLOW);
	cr_assert_eq(h.c->naccounts, 1);
	h_account(&h, 5); /* exactly 2^64-1 */
	cr_assert_eq(h.c->supply.units, MAX);
	cr_assert_eq(l1_chain_add_account(h.c, AMOUNT(1), NULL, &id), L1_ERR_SUPPLY_OVERFLOW);
	cr_assert_eq(h.c->naccounts, 2);
	/* A zero balance still fits. */
	h_account(&h, 0);
	cr_assert_eq(h.c->naccounts, 3);
	cr_assert_eq(h.c->supply.units, MAX);
	cr_assert(l1_chain_conserved(h.c));
	h_block(&h);
	h_fini(&h);
}

Test(l1_chain, add_account_without_pubkey_has_zero_key)
{
	struct h h;
	h_init_default(&h);
	uint32_t id;
	cr_assert_eq(l1_chain_add_account(h.c, AMOUNT(7), NULL, &id), L1_OK);
	cr_assert_eq(id, 0);
	uint8_t zero[L1_PUBKEY_LEN] = { 0 };
	cr_assert_arr_eq(h.c->accounts[0].pubkey, zero, L1_PUBKEY_LEN);
	cr_assert_eq(h_bal(&h, 0), 7);
	/* Many accounts: ids are consecutive and balances survive the array growing. */
	for (uint32_t i = 1; i < 40; i++) {
		cr_assert_eq(l1_chain_add_account(h.c, AMOUNT(i), NULL, &id), L1_OK);
		cr_assert_eq(id, i);
	}
	for (uint32_t i = 1; i < 40; i++)
		cr_assert_eq(h_bal(&h, i), i);
	cr_assert_eq(h.c->supply.units, 7 + 39 * 40 / 2);
	h_fini(&h);
}

Test(l1_chain, add_channel_rejects_bad_members)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 10), b = h_account(&h, 10);
	uint32_t id = 777;
	struct amount d[3] = { AMOUNT(1), AMOUNT(1), AMOUNT(1) };
	cr_assert_eq(l1_channel_add(h.cc, 0, (uint32_t[]){ a }, d, &id), L1_ERR_BAD_PARAMS);
	cr_assert_eq(l1_channel_add(h.cc, 2, (uint32_t[]){ a, 2 }, d, &id), L1_ERR_NO_SUCH_ACCOUNT);
	cr_assert_eq(l1_channel_add(h.cc, 2, (uint32_t[]){ a, a }, d, &id), L1_ERR_BAD_PARAMS);
	cr_assert_eq(l1_channel_add(h.cc, 3, (uint32_t[]){ a, b, a }, d, &id), L1_ERR_BAD_PARAMS);
	cr_assert_eq(l1_channel_add(h.cc, 2, (uint32_t[]){ UINT32_MAX, b }, d, &id),
		     L1_ERR_NO_SUCH_ACCOUNT);
	cr_assert_eq(id, 777);
	cr_assert_eq(h.cc->nchannels, 0);
	/* NULL deposits mean zero deposits; ids count up from 0. */
	cr_assert_eq(l1_channel_add(h.cc, 2, (uint32_t[]){ b, a }, NULL, &id), L1_OK);
	cr_assert_eq(id, 0);
	cr_assert_eq(l1_chrec_open_deposit(h_ch(&h, 0))[0].units, 0);
	cr_assert_eq(l1_chrec_accounts(h_ch(&h, 0))[0], b);
	cr_assert_eq(l1_channel_add(h.cc, 2, (uint32_t[]){ a, b }, d, &id), L1_OK);
	cr_assert_eq(id, 1);
	cr_assert_eq(h_ch(&h, 1)->status, L1_CH_NONE);
	h_fini(&h);
}

Test(l1_chain, one_party_channel)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 100);
	uint32_t ch = h_channel(&h, 1, (uint32_t[]){ a }, (uint64_t[]){ 60 });
	uint64_t op = h_open(&h, ch, 0);
	h_block(&h);
	h_assert_included(&h, op, 1);
	cr_assert_eq(h_bal(&h, a), 40);
	uint64_t cl = h_submit(&h, H_COOP_CLOSE, a, ch, 0, 0, h_state(&h, ch, 1, (uint64_t[]){ 60 },
									 (uint64_t[]){ 60 }));
	h_block(&h);
	h_assert_included(&h, cl, 2);
	cr_assert_eq(h_bal(&h, a), 100);
	h_fini(&h);
}

/* --------------------------------------------------------- block times ---- */

Test(l1_chain, fixed_interval_puts_block_h_at_h_times_interval)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.block_interval_ms = 600000;
	p.seed = 99; /* irrelevant when fixed */
	h_init(&h, &p);
	uint32_t a = h_account(&h, 1000);
	for (uint64_t k = 1; k <= 1000; k++) {
		cr_assert_eq(l1_chain_next_block_time(h.c), k * 600000);
		if (k % 100 == 0)
			h_filler(&h, a, 1);
		h_block(&h);
		cr_assert_eq(h.c->height, k);
		cr_assert_eq(h.c->time_ms, k * 600000);
	}
	/* Events carry the block's height and time. */
	cr_assert_eq(h.nlog, 10);
	for (size_t i = 0; i < h.nlog; i++)
		cr_assert_eq(h.log[i].time_ms, h.log[i].height * 600000);
	h_fini(&h);
}

/* The times of blocks 1..n of a fresh chain. */
static void block_times(const struct l1_params *p, uint64_t *t, size_t n)
{
	struct l1_chain *c = l1_chain_new(p);
	cr_assert_not_null(c);
	for (size_t i = 0; i < n; i++) {
		uint64_t next = l1_chain_next_block_time(c);
		l1_chain_produce_block(c);
		cr_assert_eq(c->time_ms, next, "next_block_time announced the block's time");
		t[i] = c->time_ms;
	}
	l1_chain_free(c);
}

Test(l1_chain, exponential_intervals_are_deterministic_for_a_seed)
{
	enum { N = 1000 };
	static uint64_t t1[N], t2[N];
	struct l1_params p;
	h_params(&p);
	p.exponential = true;
	p.block_interval_ms = 600000;
	p.seed = 7;
	block_times(&p, t1, N);
	block_times(&p, t2, N);
	cr_assert_arr_eq(t1, t2, sizeof(t1));
	/* Not the fixed schedule. */
	int on_grid = 0;
	for (size_t i = 0; i < N; i++)
		on_grid += t1[i] == (i + 1) * 600000;
	cr_assert_lt(on_grid, 5);
}

Test(l1_chain, exponential_intervals_differ_across_seeds)
{
	enum { N = 200 };
	static uint64_t t1[N], t2[N], t3[N];
	struct l1_params p;
	h_params(&p);
	p.exponential = true;
	p.block_interval_ms = 600000;
	p.seed = 7;
	block_times(&p, t1, N);
	p.seed = 8;
	block_times(&p, t2, N);
	p.seed = 0;
	block_times(&p, t3, N);
	int same12 = 0, same13 = 0;
	for (size_t i = 0; i < N; i++) {
		same12 += t1[i] == t2[i];
		same13 += t1[i] == t3[i];
	}
	cr_assert_lt(same12, 3);
	cr_assert_lt(same13, 3);
	cr_assert_neq(t1[0], t2[0]);
}

Test(l1_chain, exponential_gaps_are_at_least_1_ms_with_the_right_mean)
{
	enum { N = 20000 };
	static uint64_t t[N];
	struct l1_params p;
	h_params(&p);
	p.exponential = true;
	p.block_interval_ms = 1; /* most draws round to 0 or 1 */
	p.seed = 3;
	block_times(&p, t, N);
	uint64_t prev = 0;
	for (size_t i = 0; i < N; i++) {
		cr_assert_geq(t[i], prev + 1, "gap of block %zu below 1 ms", i + 1);
		prev = t[i];
	}
	p.block_interval_ms = 600000;
	block_times(&p, t, N);
	double mean = (double)t[N - 1] / N;
	/* sd of the mean is 0.7%: 3% is over 4 sd (and the seed is fixed). */
	cr_assert(mean > 600000 * 0.97 && mean < 600000 * 1.03, "mean gap %.0f ms", mean);
}

/* ------------------------------------------------------------- mempool ---- */

Test(l1_chain, submit_assigns_ids_and_submit_height)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 1000);
	cr_assert_eq(h_filler(&h, a, 1), 0);
	cr_assert_eq(h_filler(&h, a, 1), 1);
	cr_assert_eq(l1_chain_mempool_len(h.c), 2);
	h_blocks_until(&h, 3);
	cr_assert_eq(h_filler(&h, a, 1), 2);
	h_block(&h);
	cr_assert_eq(h_tx(&h, 0)->submit_height, 0);
	cr_assert_eq(h_tx(&h, 2)->submit_height, 3);
	cr_assert_eq(h_tx(&h, 2)->fee.units, 1);
	cr_assert_eq(h_tx(&h, 2)->submitter, a);
	cr_assert_eq(h_tx(&h, 2)->tx_kind, H_FILLER);
	cr_assert_eq(l1_chain_mempool_len(h.c), 0);
	h_fini(&h);
}

Test(l1_chain, tx_is_included_in_the_next_block_at_the_earliest)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 1000);
	uint64_t t0 = h_filler(&h, a, 0);
	cr_assert_null(h_tx(&h, t0));
	h_block(&h);
	h_assert_included(&h, t0, 1);
	h_blocks_until(&h, 5);
	uint64_t t5 = h_filler(&h, a, 0);
	h_block(&h);
	h_assert_included(&h, t5, 6);
	h_fini(&h);
}

struct resubmit {
	struct h *h;
	uint32_t acct;
	bool done;
	uint64_t id, height_at_submit;
};

static void submit_from_listener(void *ctx, const struct l1_event *ev)
{
	struct resubmit *rs = ctx;
	if (rs->done || ev->kind != L1_EV_TX_INCLUDED)
		return;
	rs->done = true;
	rs->height_at_submit = rs->h->c->height;
	rs->id = h_filler(rs->h, rs->acct, 0);
}

/* A listener that reacts to a block by submitting (as a watchtower might) is
 * submitting "while the chain's height is h", so its tx belongs in h+1 at the
 * earliest (chain.h, l1_chain_submit), not in the block being produced. */
Test(l1_chain, tx_submitted_from_a_listener_waits_for_the_next_block)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 1000);
	struct resubmit rs = { .h = &h, .acct = a };
	h.extra = submit_from_listener;
	h.extra_ctx = &rs;
	h_filler(&h, a, 0);
	h_block(&h);
	cr_assert(rs.done);
	cr_assert_eq(rs.height_at_submit, 1);
	h_block(&h);
	const struct h_rec *r = h_tx(&h, rs.id);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, L1_EV_TX_INCLUDED);
	/* cr_expect, not cr_assert: a failure still frees the chain (no leak reports). */
	cr_expect_eq(r->height, 2, "submitted while the height was 1, included in block %llu",
		     (unsigned long long)r->height);
	h_fini(&h);
}

Test(l1_chain, higher_fee_first)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.block_tx_limit = 1;
	h_init(&h, &p);
	uint32_t a = h_account(&h, 1000);
	uint64_t f1 = h_filler(&h, a, 1), f5 = h_filler(&h, a, 5), f3 = h_filler(&h, a, 3);
	uint64_t f5b = h_filler(&h, a, 5), fmax = h_filler(&h, a, 100);
	h_blocks_until(&h, 5);
	h_assert_included(&h, fmax, 1);
	h_assert_included(&h, f5, 2);
	h_assert_included(&h, f5b, 3);
	h_assert_included(&h, f3, 4);
	h_assert_included(&h, f1, 5);
	cr_assert_eq(h_bal(&h, a), 1000 - 114);
	cr_assert_eq(h.c->fees.units, 114);
	h_fini(&h);
}

Test(l1_chain, equal_fees_go_in_submission_order)
{
	struct h h;
	h_init_default(&h);
	uint32_t acct[4];
	for (int i = 0; i < 4; i++)
		acct[i] = h_account(&h, 1000);
	/* 40 txs with fees 2 or 7, interleaved; within each fee, ids must ascend. */
	for (int i = 0; i < 40; i++)
		h_filler(&h, acct[i % 4], i % 3 ? 2 : 7);
	h_block(&h);
	cr_assert_eq(h.nlog, 40);
	uint64_t prev_fee = MAX, prev_id = 0;
	for (size_t i = 0; i < h.nlog; i++) {
		const struct h_rec *r = &h.log[i];
		cr_assert_eq(r->kind, L1_EV_TX_INCLUDED);
		cr_assert(r->fee.units < prev_fee || (r->fee.units == prev_fee && r->tx_id > prev_id),
			  "tx %llu (fee %llu) after tx %llu (fee %llu)", (unsigned long long)r->tx_id,
			  (unsigned long long)r->fee.units, (unsigned long long)prev_id,
			  (unsigned long long)prev_fee);
		prev_fee = r->fee.units;
		prev_id = r->tx_id;
	}
	cr_assert_eq(h.log[0].tx_id, 0);
	cr_assert_eq(h.log[0].fee.units, 7);
	h_fini(&h);
}

Test(l1_chain, block_tx_limit_defers_the_excess)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.block_tx_limit = 3;
	h_init(&h, &p);
	uint32_t a = h_account(&h, 1000);
	for (int i = 0; i < 7; i++)
		h_filler(&h, a, 1);
	h_block(&h);
	cr_assert_eq(l1_chain_mempool_len(h.c), 4);
	cr_assert_eq(h.c->txs_included, 3);
	h_block(&h);
	cr_assert_eq(l1_chain_mempool_len(h.c), 1);
	h_block(&h);
	cr_assert_eq(l1_chain_mempool_len(h.c), 0);
	for (uint64_t id = 0; id < 7; id++)
		h_assert_included(&h, id, 1 + id / 3);
	h_fini(&h);
}

Test(l1_chain, dropped_txs_take_no_space)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.block_tx_limit = 2;
	h_init(&h, &p);
	uint32_t rich = h_account(&h, 1000), poor = h_account(&h, 0);
	/* Five invalid txs reached first (higher fee), then three valid ones. */
	for (int i = 0; i < 5; i++)
		h_filler(&h, poor, 10);
	uint64_t v0 = h_filler(&h, rich, 1), v1 = h_filler(&h, rich, 1), v2 = h_filler(&h, rich, 1);
	h_block(&h);
	for (uint64_t id = 0; id < 5; id++)
		h_assert_dropped(&h, id, 1, L1_ERR_NO_FUNDS);
	h_assert_included(&h, v0, 1);
	h_assert_included(&h, v1, 1);
	cr_assert_eq(l1_chain_mempool_len(h.c), 1, "the third valid tx waits");
	h_block(&h);
	h_assert_included(&h, v2, 2);
	cr_assert_eq(h.c->txs_dropped, 5);
	cr_assert_eq(h.c->txs_included, 3);
	cr_assert_eq(l1_channel_txs(h.cc), 0);
	cr_assert_eq(h.c->fees.units, 3);
	cr_assert_eq(h_bal(&h, poor), 0);
	h_fini(&h);
}

Test(l1_chain, filler_pays_its_fee_to_the_producer)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 100), b = h_account(&h, 0);
	uint64_t t40 = h_filler(&h, a, 40), t0 = h_filler(&h, b, 0), t61 = h_filler(&h, a, 61);
	uint64_t ghost = h_filler(&h, 7, 0);
	h_block(&h);
	/* 61 is reached first and leaves A 39, too little for the 40 reached next. */
	h_assert_included(&h, t61, 1);
	h_assert_dropped(&h, t40, 1, L1_ERR_NO_FUNDS);
	h_assert_included(&h, t0, 1); /* a zero fee needs no balance */
	h_assert_dropped(&h, ghost, 1, L1_ERR_NO_SUCH_ACCOUNT);
	cr_assert_eq(h_bal(&h, a), 39);
	cr_assert_eq(h_bal(&h, b), 0);
	cr_assert_eq(h.c->fees.units, 61);
	cr_assert_eq(l1_channel_txs(h.cc), 0, "fillers are not channel txs");
	h_fini(&h);
}

Test(l1_chain, fee_of_the_whole_supply)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, MAX);
	uint64_t t = h_filler(&h, a, MAX);
	h_block(&h);
	h_assert_included(&h, t, 1);
	cr_assert_eq(h.c->fees.units, MAX);
	cr_assert_eq(h_bal(&h, a), 0);
	t = h_filler(&h, a, 1);
	h_block(&h);
	h_assert_dropped(&h, t, 2, L1_ERR_NO_FUNDS);
	cr_assert_eq(h.c->fees.units, MAX);
	h_fini(&h);
}

Test(l1_chain, tx_of_unknown_kind_is_dropped_and_changes_nothing)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 100);
	uint8_t before[32], after[32];
	h_digest(&h, before);
	uint64_t t = h_submit(&h, (uint32_t)99, a, 0, 5, 0, NULL);
	h_block(&h);
	h_digest(&h, after);
	const struct h_rec *r = h_tx(&h, t);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, L1_EV_TX_DROPPED);
	cr_assert_neq(r->reason, L1_OK);
	cr_assert_arr_eq(before, after, 32);
	cr_assert_str_eq(h_kind_str((uint32_t)99), "?");
	h_fini(&h);
}

Test(l1_chain, counters_and_events)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 1000), b = h_account(&h, 1000);
	uint32_t ch = h_channel2(&h, a, b, 100, 100);
	h_open(&h, ch, 3);
	h_filler(&h, b, 2);
	h_deposit(&h, b, ch, 1, 5000); /* dropped */
	h_block(&h);
	cr_assert_eq(h.c->txs_included, 2);
	cr_assert_eq(h.c->txs_dropped, 1);
	cr_assert_eq(l1_channel_txs(h.cc), 1);
	cr_assert_eq(h_count(&h, L1_EV_TX_INCLUDED), 2);
	cr_assert_eq(h_count(&h, L1_EV_TX_DROPPED), 1);
	cr_assert_eq(h.log[0].tx_kind, H_OPEN);
	cr_assert_eq(h.log[0].channel, ch);
	cr_assert_eq(h.log[1].tx_kind, H_FILLER);
	cr_assert_eq(h.log[2].tx_kind, H_DEPOSIT);
	cr_assert_eq(h.log[2].reason, L1_ERR_NO_FUNDS);
	cr_assert_eq(h.log[2].height, 1);
	cr_assert_eq(h.log[2].time_ms, 1000);
	h_fini(&h);
}

Test(l1_chain, free_releases_pending_states)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 1000);
	uint32_t b = h_account(&h, 1000);
	uint32_t ch = h_channel2(&h, a, b, 1, 1);
	for (int i = 0; i < 5; i++)
		h_submit(&h, H_CHALLENGE, a, ch, 0, 0, h_state2(&h, ch, (uint64_t)i, 1, 1, 1, 1));
	cr_assert_eq(l1_chain_mempool_len(h.c), 5);
	h_fini(&h); /* LeakSanitizer (SAN=1) checks the states were freed */
	cr_assert_null(h.c);
}

/* ----------------------------------------------------------- finality ---- */

Test(l1_chain, is_final_after_confirmations_minus_one_blocks)
{
	struct h h;
	h_init_default(&h); /* 3 confirmations */
	h_blocks_until(&h, 10);
	cr_assert(l1_chain_is_final(h.c, 0));
	cr_assert(l1_chain_is_final(h.c, 8), "8 + 3 - 1 = 10 exists");
	cr_assert_not(l1_chain_is_final(h.c, 9));
	cr_assert_not(l1_chain_is_final(h.c, 10));
	cr_assert_not(l1_chain_is_final(h.c, 11), "a future block is not final");
	cr_assert_not(l1_chain_is_final(h.c, MAX));
	h_fini(&h);
}

Test(l1_chain, is_final_with_one_confirmation_is_inclusion)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.confirmations = 1;
	h_init(&h, &p);
	cr_assert(l1_chain_is_final(h.c, 0));
	cr_assert_not(l1_chain_is_final(h.c, 1));
	h_blocks_until(&h, 10);
	cr_assert(l1_chain_is_final(h.c, 10));
	cr_assert_not(l1_chain_is_final(h.c, 11));
	h_fini(&h);
}

Test(l1_chain, is_final_with_huge_confirmations_does_not_overflow)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.confirmations = UINT32_MAX;
	h_init(&h, &p);
	h_blocks_until(&h, 10);
	cr_assert_not(l1_chain_is_final(h.c, 0));
	cr_assert_not(l1_chain_is_final(h.c, 10));
	h_fini(&h);
}

/* -------------------------------------------------------- conservation ---- */

Test(l1_chain, conserved_detects_money_from_nowhere)
{
	struct h h;
	struct l1_params p;
	h_params(&p);
	p.check_conservation = false;
	h_init(&h, &p);
	uint32_t a = h_account(&h, 1000);
	cr_assert(l1_chain_conserved(h.c));
	h.c->accounts[a].balance.units++;
	cr_assert_not(l1_chain_conserved(h.c));
	l1_chain_produce_block(h.c); /* not checked: no abort */
	h.c->accounts[a].balance.units -= 2;
	cr_assert_not(l1_chain_conserved(h.c));
	h.c->accounts[a].balance.units++;
	cr_assert(l1_chain_conserved(h.c));
	h_fini(&h);
}

Test(l1_chain, conserved_is_false_when_the_sum_overflows)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, MAX), b = h_account(&h, 0);
	cr_assert(l1_chain_conserved(h.c));
	h.c->accounts[b].balance.units = 1;
	cr_assert_not(l1_chain_conserved(h.c));
	(void)a;
	h.c->accounts[b].balance.units = 0;
	h_fini(&h);
}

/* Its "internal error" message is expected: stderr is redirected so that it does not
 * read as a failure in the output of make test. */
Test(l1_chain, checked_conservation_aborts_on_a_broken_invariant, .signal = SIGABRT,
     .init = cr_redirect_stderr)
{
	struct h h;
	h_init_default(&h);
	uint32_t a = h_account(&h, 1000);
	h.c->accounts[a].balance.units = 999;
	l1_chain_produce_block(h.c);
	cr_assert_fail("a broken conservation law must abort");
}

/* ---------------------------------------------------------- state hash ---- */

/* The same small history on a fresh chain; `extra` is added to B's start balance. */
static void history(struct h *h, uint64_t extra)
{
	h_init_default(h);
	uint32_t a = h_account(h, 1000), b = h_account(h, 1000 + extra);
	uint32_t ch = h_channel2(h, a, b, 600, 400);
	h_open(h, ch, 2);
	h_block(h);
	h_deposit(h, b, ch, 1, 50);
	h_submit(h, H_UNILATERAL_CLOSE, a, ch, 0, 0, h_state2(h, ch, 3, 700, 300, 600, 400));
	h_block(h);
}

Test(l1_chain, state_hash_is_deterministic)
{
	struct h x, y;
	uint8_t hx[32], hy[32], again[32];
	history(&x, 0);
	history(&y, 0);
	l1_chain_state_hash(x.c, hx);
	l1_chain_state_hash(y.c, hy);
	cr_assert_arr_eq(hx, hy, 32);
	l1_chain_state_hash(x.c, again);
	cr_assert_arr_eq(hx, again, 32, "hashing does not change the chain");
	h_fini(&x);
	h_fini(&y);
}

Test(l1_chain, state_hash_changes_with_a_balance)
{
	struct h x, y;
	uint8_t hx[32], hy[32], hz[32];
	history(&x, 0);
	history(&y, 1);
	l1_chain_state_hash(x.c, hx);
	l1_chain_state_hash(y.c, hy);
	cr_assert_arr_neq(hx, hy, 32);
	/* One unit moved between accounts. */
	x.c->accounts[0].balance.units--;
	x.c->accounts[1].balance.units++;
	l1_chain_state_hash(x.c, hz);
	cr_assert_arr_neq(hx, hz, 32);
	x.c->accounts[0].balance.units++;
	x.c->accounts[1].balance.units--;
	l1_chain_state_hash(x.c, hz);
	cr_assert_arr_eq(hx, hz, 32);
	h_fini(&x);
	h_fini(&y);
}

Test(l1_chain, state_hash_changes_with_height_fees_and_registered_seq)
{
	struct h x;
	uint8_t h0[32], h1[32], h2[32], h3[32];
	history(&x, 0);
	l1_chain_state_hash(x.c, h0);
	h_block(&x); /* empty block: only height and time change */
	l1_chain_state_hash(x.c, h1);
	cr_assert_arr_neq(h0, h1, 32);
	h_submit(&x, H_CHALLENGE, 1, 0, 0, 0, h_state2(&x, 0, 4, 700, 300, 600, 400));
	h_block(&x);
	cr_assert_eq(l1_chrec_cold(h_ch(&x, 0))->registered->seq, 4);
	l1_chain_state_hash(x.c, h2);
	x.c->fees.units++;
	l1_chain_state_hash(x.c, h3);
	cr_assert_arr_neq(h2, h3, 32);
	x.c->fees.units--;
	/* Same height, time, balances and fees: only the registered seq differs. */
	l1_chrec_cold(&x.cc->channels[0])->registered->seq = 3;
	l1_chain_state_hash(x.c, h3);
	cr_assert_arr_neq(h2, h3, 32);
	l1_chrec_cold(&x.cc->channels[0])->registered->seq = 4;
	h_fini(&x);
}

/* ------------------------------------------------ seeded random history ---- */

/* Thousands of random txs of every kind, many of them garbage (unknown channels and
 * accounts, non-members, bad signatures, states that do not add up or claim more
 * than was deposited, amounts and fees near 2^64-1), against ~20 accounts (one of
 * them holding most of the 2^64-1 supply) and a rolling set of ~8 live channels.
 * Checked after every tx: a dropped tx changed nothing; an included one moved exactly
 * its fee to the producer; txs are reached by fee, then submission order, never in
 * the block they were submitted at. After every block: conservation, every
 * contract's holdings equal its deposits (and are 0 once closed), every settled
 * channel paid out exactly what it held, no window outlives h + T, the block limit. */

enum { FZ_ACCOUNTS = 20, FZ_LIVE = 8, FZ_MAX_CHANNELS = 400 };

struct fuzz {
	struct h h;
	struct rng r;
	uint8_t last[32];
	struct amount fees_at_last;
	struct amount fees_seen;
	bool reached_any;
	uint64_t last_fee, last_id, block_included;
	uint64_t included_by_kind[H_FILLER + 1];
	uint64_t dropped_by_reason[L1_ERR_BAD_PREIMAGE + 1];
	uint64_t settled_coop, settled_unilateral, penalties, payouts_checked;
	/* Per channel, from the events alone: what settlement must pay. */
	struct fz_channel {
		struct l1_state *registered; /* a copy of the last included close/challenge state */
		bool unilateral;
		uint32_t closer;
		int first_challenger;        /* -1 until a challenge is included */
		bool closer_challenged_first_then_another; /* see penalty_closer_self_challenge_* */
	} ch[FZ_MAX_CHANNELS];
};

/* Tracks the registered state of each channel from the INCLUDED events and, at
 * settlement, recomputes every payout independently of the contract's bookkeeping:
 * balance + deposited - included, and under the penalty rule the closer's payout
 * moved to the first challenger when that was someone else. */
static void fz_track(struct fuzz *f, const struct l1_event *ev)
{
	const struct l1_chain *c = f->h.c;
	const struct l1_channel_contract *cc = f->h.cc;
	if (ev->kind == L1_EV_TX_INCLUDED) {
		const struct l1_tx *tx = ev->tx;
		if ((l1_tx_is_fee_only(tx) ? H_FILLER : tx->op) != H_COOP_CLOSE && (l1_tx_is_fee_only(tx) ? H_FILLER : tx->op) != H_UNILATERAL_CLOSE && (l1_tx_is_fee_only(tx) ? H_FILLER : tx->op) != H_CHALLENGE)
			return;
		cr_assert_lt(tx->target, FZ_MAX_CHANNELS);
		struct fz_channel *t = &f->ch[tx->target];
		int me = l1_channel_party_index(cc, tx->target, tx->submitter);
		cr_assert_geq(me, 0, "an included channel tx from a non-member");
		if ((l1_tx_is_fee_only(tx) ? H_FILLER : tx->op) == H_CHALLENGE) {
			cr_assert_not_null(t->registered, "a challenge included before any close");
			cr_assert(t->unilateral);
			cr_assert_gt(l1_channel_tx_state(tx)->seq, t->registered->seq, "a challenge included without a higher seq");
			l1_state_assign(t->registered, l1_channel_tx_state(tx));
			if (t->first_challenger < 0)
				t->first_challenger = me;
			else if ((uint32_t)t->first_challenger == t->closer && (uint32_t)me != t->closer)
				t->closer_challenged_first_then_another = true;
		} else {
			cr_assert_null(t->registered, "a second close was included");
			t->registered = l1_state_copy(l1_channel_tx_state(tx));
			t->unilateral = (l1_tx_is_fee_only(tx) ? H_FILLER : tx->op) == H_UNILATERAL_CLOSE;
			t->closer = (uint32_t)me;
			t->first_challenger = -1;
		}
		return;
	}
	if (ev->kind != H_EV_SETTLED)
		return;
	const struct l1_channel *k = &cc->channels[ev->target];
	struct fz_channel *t = &f->ch[ev->target];
	cr_assert_not_null(t->registered);
	struct amount want[8];
	cr_assert_leq(k->nparties, 8);
	for (uint32_t i = 0; i < k->nparties; i++) {
		struct amount extra;
		cr_assert(amount_sub(&extra, l1_chrec_deposited(k)[i], t->registered->included[i]));
		cr_assert(amount_add(&want[i], t->registered->balances[i], extra));
	}
	if (c->params.dispute_rule == L1_RULE_PENALTY && t->unilateral && t->first_challenger >= 0 &&
	    (uint32_t)t->first_challenger != t->closer) {
		cr_assert(amount_add_to(&want[t->first_challenger], want[t->closer]));
		want[t->closer] = AMOUNT(0);
	}
	if (c->params.dispute_rule == L1_RULE_PENALTY && t->closer_challenged_first_then_another)
		return; /* the documented bug: pinned by test_channel.c, not re-reported here */
	for (uint32_t i = 0; i < k->nparties; i++)
		cr_assert_eq(l1_chrec_payout(k, i).units, want[i].units, "channel %u party %u paid %llu, expected %llu",
			     ev->target, i, (unsigned long long)l1_chrec_payout(k, i).units,
			     (unsigned long long)want[i].units);
	f->payouts_checked++;
}

static void fz_on_event(void *ctx, const struct l1_event *ev)
{
	struct fuzz *f = ctx;
	const struct l1_chain *c = f->h.c;
	const struct l1_channel_contract *cc = f->h.cc;
	uint8_t now[32];
	h_digest(&f->h, now);
	if (ev->kind == L1_EV_TX_DROPPED || ev->kind == L1_EV_TX_INCLUDED) {
		const struct l1_tx *tx = ev->tx;
		cr_assert_gt(ev->height, tx->submit_height, "tx %llu reached in the block it was submitted at",
			     (unsigned long long)tx->id);
		if (f->reached_any)
			cr_assert(tx->fee.units < f->last_fee || (tx->fee.units == f->last_fee && tx->id > f->last_id),
				  "tx %llu reached out of (fee, submission) order", (unsigned long long)tx->id);
		f->reached_any = true;
		f->last_fee = tx->fee.units;
		f->last_id = tx->id;
	}
	if (ev->kind == L1_EV_TX_DROPPED) {
		cr_assert_neq(ev->reason, L1_OK);
		cr_assert_arr_eq(now, f->last, 32, "tx %llu (%s) dropped for \"%s\" but changed the chain",
				 (unsigned long long)ev->tx->id, h_kind_str((l1_tx_is_fee_only(ev->tx) ? H_FILLER : ev->tx->op)),
				 l1_result_str(ev->reason));
		f->dropped_by_reason[ev->reason]++;
	} else if (ev->kind == L1_EV_TX_INCLUDED) {
		struct amount delta;
		cr_assert(amount_sub(&delta, c->fees, f->fees_at_last));
		cr_assert_eq(delta.units, ev->tx->fee.units, "an included tx pays exactly its fee");
		cr_assert(amount_add_to(&f->fees_seen, ev->tx->fee));
		f->included_by_kind[(l1_tx_is_fee_only(ev->tx) ? H_FILLER : ev->tx->op)]++;
		f->block_included++;
	} else {
		const struct l1_channel *k = &cc->channels[ev->target];
		cr_assert_eq(k->status, L1_CH_CLOSED);
		cr_assert_eq(l1_chrec_cold(k)->settled_height, ev->height);
		if (l1_chrec_cold(k)->close_kind == L1_CLOSE_COOPERATIVE) {
			f->settled_coop++;
			cr_assert_eq(l1_chrec_cold(k)->settled_height, l1_chrec_cold(k)->close_height);
		} else {
			f->settled_unilateral++;
			cr_assert_eq(l1_chrec_cold(k)->settled_height, l1_chrec_cold(k)->close_height + c->params.dispute_timeout_blocks);
		}
		if (c->params.dispute_rule == L1_RULE_PENALTY && l1_chrec_cold(k)->close_kind == L1_CLOSE_UNILATERAL &&
		    l1_chrec_cold(k)->penalty_claimed) {
			cr_assert(l1_chrec_cold(k)->challenged);
			cr_assert_neq(l1_chrec_cold(k)->first_challenger, l1_chrec_cold(k)->closer);
			cr_assert_eq(l1_chrec_payout(k, l1_chrec_cold(k)->closer).units, 0);
			f->penalties++;
		}
	}
	fz_track(f, ev);
	memcpy(f->last, now, 32);
	f->fees_at_last = c->fees;
}

static bool fz_chance(struct fuzz *f, unsigned percent)
{
	return rng_below(&f->r, 100) < percent;
}

static uint32_t fz_any_account(struct fuzz *f)
{
	uint64_t x = rng_below(&f->r, 100);
	if (x < 92)
		return (uint32_t)rng_below(&f->r, f->h.c->naccounts);
	if (x < 97)
		return f->h.c->naccounts + (uint32_t)rng_below(&f->r, 3);
	return UINT32_MAX;
}

static uint64_t fz_balance(const struct fuzz *f, uint32_t acct)
{
	return acct < f->h.c->naccounts ? h_bal(&f->h, acct) : 0;
}

static uint64_t fz_fee(struct fuzz *f, uint32_t acct)
{
	uint64_t x = rng_below(&f->r, 100);
	if (x < 80)
		return rng_below(&f->r, 10);
	if (x < 95)
		return rng_below(&f->r, 1000);
	if (x < 98)
		return MAX - rng_below(&f->r, 2);
	if (x < 99)
		return fz_balance(f, acct) + 1; /* one too many */
	return fz_balance(f, acct); /* all of it */
}

static uint64_t fz_amount(struct fuzz *f, uint32_t acct)
{
	uint64_t x = rng_below(&f->r, 100), bal = fz_balance(f, acct);
	if (x < 60)
		return rng_below(&f->r, 200);
	if (x < 75)
		return rng_range(&f->r, 0, bal);
	if (x < 85)
		return bal;
	if (x < 95)
		return MAX;
	return MAX - rng_below(&f->r, 1000);
}

/* A random channel, preferring one in `want` status (if any exists). */
static uint32_t fz_channel(struct fuzz *f, int want)
{
	const struct l1_channel_contract *cc = f->h.cc;
	if (fz_chance(f, 4))
		return fz_chance(f, 50) ? cc->nchannels : UINT32_MAX;
	if (want >= 0 && fz_chance(f, 85)) {
		uint32_t start = (uint32_t)rng_below(&f->r, cc->nchannels);
		for (uint32_t i = 0; i < cc->nchannels; i++) {
			uint32_t ch = (start + i) % cc->nchannels;
			if ((int)cc->channels[ch].status == want)
				return ch;
		}
	}
	return (uint32_t)rng_below(&f->r, cc->nchannels);
}

static uint32_t fz_submitter(struct fuzz *f, uint32_t ch, unsigned member_percent)
{
	const struct l1_channel_contract *cc = f->h.cc;
	if (ch < cc->nchannels && fz_chance(f, member_percent))
		return l1_chrec_accounts(&cc->channels[ch])[rng_below(&f->r, cc->channels[ch].nparties)];
	return fz_any_account(f);
}

static void fz_add_channel(struct fuzz *f)
{
	struct l1_chain *c = f->h.c;
	uint32_t n = 2 + (uint32_t)rng_below(&f->r, 3), acc[4];
	uint64_t dep[4];
	for (uint32_t i = 0; i < n; i++) {
	again:
		acc[i] = (uint32_t)rng_below(&f->r, c->naccounts);
		for (uint32_t j = 0; j < i; j++)
			if (acc[j] == acc[i])
				goto again;
		uint64_t bal = h_bal(&f->h, acc[i]), x = rng_below(&f->r, 100);
		dep[i] = x < 70 ? rng_range(&f->r, 0, bal / 3) : x < 90 ? rng_below(&f->r, 1000)
				: bal == MAX ? MAX : bal + 1; /* the open will fail */
	}
	h_channel(&f->h, n, acc, dep);
}

/* A state for channel ch built from the contract's current deposits: usually
 * acceptable (though its seq may be stale), sometimes broken in one of many ways. */
static struct l1_state *fz_state(struct fuzz *f, uint32_t ch)
{
	const struct l1_channel_contract *cc = f->h.cc;
	if (ch >= cc->nchannels) {
		struct l1_state *s = l1_state_new(ch, rng_below(&f->r, 10), 2);
		s->balances[0] = s->included[0] = AMOUNT(rng_below(&f->r, 100));
		return s;
	}
	const struct l1_channel *k = &cc->channels[ch];
	uint32_t n = k->nparties;
	if (fz_chance(f, 3))
		n = fz_chance(f, 50) ? n + 1 : n - 1;
	if (n == 0)
		return NULL;
	uint64_t base = l1_chrec_cold(k)->registered ? l1_chrec_cold(k)->registered->seq : 0, x = rng_below(&f->r, 100), seq;
	if (x < 65)
		seq = base > MAX - 3 ? MAX : base + 1 + rng_below(&f->r, 3);
	else if (x < 80)
		seq = base;
	else if (x < 92)
		seq = rng_range(&f->r, 0, base);
	else
		seq = MAX - rng_below(&f->r, 2);
	struct l1_state *s = l1_state_new(ch, seq, n);
	struct amount total = AMOUNT(0);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t dep = i < k->nparties ? l1_chrec_deposited(k)[i].units : rng_below(&f->r, 100);
		s->included[i] = AMOUNT(fz_chance(f, 80) ? dep : rng_range(&f->r, 0, dep));
		if (!amount_add_to(&total, s->included[i]))
			total = AMOUNT(MAX);
	}
	uint64_t left = total.units;
	for (uint32_t i = 0; i + 1 < n; i++) {
		s->balances[i] = AMOUNT(rng_range(&f->r, 0, left));
		left -= s->balances[i].units;
	}
	s->balances[n - 1] = AMOUNT(left);
	bool resign = true;
	switch (fz_chance(f, 80) ? 99 : rng_below(&f->r, 7)) {
	case 0: /* tamper after signing */
		h_sign_all(&f->h, s, ch);
		resign = false;
		s->balances[0].units ^= 1;
		break;
	case 1: /* a sum that does not add up */
		if (s->balances[0].units < MAX)
			s->balances[0].units++;
		else
			s->balances[0].units--;
		break;
	case 2: /* claim one more unit deposited */
		if (s->included[0].units < MAX) {
			s->included[0].units++;
			if (s->balances[0].units < MAX)
				s->balances[0].units++;
		}
		break;
	case 3: /* balances that wrap */
		s->balances[0] = AMOUNT(MAX);
		break;
	case 4: /* another channel's id */
		s->channel = (uint32_t)rng_below(&f->r, cc->nchannels + 1);
		break;
	case 5: /* unsigned */
		resign = false;
		break;
	case 6: /* one corrupted signature */
		h_sign_all(&f->h, s, ch);
		resign = false;
		l1_state_sig(s, rng_below(&f->r, n))[rng_below(&f->r, L1_SIG_LEN)] ^= (uint8_t)(1 + rng_below(&f->r, 255));
		break;
	default:
		break;
	}
	if (resign)
		h_sign_all(&f->h, s, ch);
	return s;
}

static void fz_submit_one(struct fuzz *f)
{
	const struct l1_channel_contract *cc = f->h.cc;
	bool disputes = false;
	for (uint32_t i = 0; i < cc->nchannels && !disputes; i++)
		disputes = cc->channels[i].status == L1_CH_DISPUTE;
	/* Weights: open, deposit, filler, coop close, unilateral close, challenge, junk. */
	const unsigned w[7] = { 10, 18, 10, 5, 6, disputes ? 40 : 4, 2 };
	unsigned total = 0, x;
	for (int i = 0; i < 7; i++)
		total += w[i];
	x = (unsigned)rng_below(&f->r, total);
	int kind = 0;
	while (x >= w[kind])
		x -= w[kind++];
	uint32_t ch, who;
	switch (kind) {
	case 0:
		ch = fz_channel(f, L1_CH_NONE);
		who = fz_chance(f, 75) && ch < cc->nchannels ? l1_chrec_accounts(&cc->channels[ch])[0] : fz_submitter(f, ch, 50);
		h_submit(&f->h, H_OPEN, who, ch, fz_fee(f, who), 0, NULL);
		break;
	case 1:
		ch = fz_channel(f, L1_CH_OPEN);
		who = fz_submitter(f, ch, 85);
		h_submit(&f->h, H_DEPOSIT, who, ch, fz_fee(f, who), fz_amount(f, who), NULL);
		break;
	case 2:
		who = fz_any_account(f);
		h_submit(&f->h, H_FILLER, who, 0, fz_fee(f, who), 0, NULL);
		break;
	case 3:
	case 4:
		ch = fz_channel(f, L1_CH_OPEN);
		who = fz_submitter(f, ch, 85);
		h_submit(&f->h, kind == 3 ? H_COOP_CLOSE : H_UNILATERAL_CLOSE, who, ch, fz_fee(f, who), 0,
			 fz_state(f, ch));
		/* A challenge racing the close: with T = 0 this is the only way to challenge. */
		if (kind == 4 && fz_chance(f, 50)) {
			who = fz_submitter(f, ch, 90);
			h_submit(&f->h, H_CHALLENGE, who, ch, fz_fee(f, who), 0, fz_state(f, ch));
		}
		break;
	case 5:
		ch = fz_channel(f, L1_CH_DISPUTE);
		who = fz_submitter(f, ch, 85);
		h_submit(&f->h, H_CHALLENGE, who, ch, fz_fee(f, who), 0, fz_state(f, ch));
		break;
	default: /* a kind that does not exist */
		who = fz_any_account(f);
		h_submit(&f->h, (uint32_t)(H_FILLER + 1 + rng_below(&f->r, 50)), who, 0, fz_fee(f, who), 0, NULL);
		break;
	}
}

static void fz_check_block(struct fuzz *f)
{
	const struct l1_chain *c = f->h.c;
	const struct l1_channel_contract *cc = f->h.cc;
	cr_assert(l1_chain_conserved(c), "block %llu", (unsigned long long)c->height);
	cr_assert_eq(c->fees.units, f->fees_seen.units);
	cr_assert_leq(f->block_included, c->params.block_tx_limit);
	if (l1_chain_mempool_len(c) > 0)
		cr_assert_eq(f->block_included, c->params.block_tx_limit, "txs left behind in a block with room");
	for (uint32_t i = 0; i < cc->nchannels; i++) {
		const struct l1_channel *k = &cc->channels[i];
		struct amount dep = AMOUNT(0), paid = AMOUNT(0);
		for (uint32_t j = 0; j < k->nparties; j++) {
			cr_assert(amount_add_to(&dep, l1_chrec_deposited(k)[j]), "deposits overflow");
			cr_assert(amount_add_to(&paid, l1_chrec_payout(k, j)), "payouts overflow");
		}
		cr_assert_leq(k->holdings.units, c->supply.units);
		switch (k->status) {
		case L1_CH_NONE:
			cr_assert_eq(k->holdings.units, 0);
			cr_assert_eq(dep.units, 0);
			break;
		case L1_CH_DISPUTE:
			cr_assert_gt(l1_chrec_cold(k)->close_height + c->params.dispute_timeout_blocks, c->height,
				     "channel %u outlived its window", i);
			/* fall through */
		case L1_CH_OPEN:
			cr_assert_eq(k->holdings.units, dep.units, "channel %u holds %llu of %llu deposited", i,
				     (unsigned long long)k->holdings.units, (unsigned long long)dep.units);
			cr_assert_eq(paid.units, 0);
			break;
		case L1_CH_CLOSED:
			cr_assert_eq(k->holdings.units, 0);
			cr_assert_eq(paid.units, dep.units, "channel %u paid %llu of %llu", i,
				     (unsigned long long)paid.units, (unsigned long long)dep.units);
			break;
		}
	}
}

static void fz_block(struct fuzz *f)
{
	h_digest(&f->h, f->last);
	f->fees_at_last = f->h.c->fees;
	f->reached_any = false;
	f->block_included = 0;
	h_block(&f->h);
	fz_check_block(f);
}

static void fuzz_run(uint64_t seed, const struct l1_params *p, unsigned blocks)
{
	struct fuzz *f = calloc(1, sizeof(*f));
	cr_assert_not_null(f);
	h_init(&f->h, p);
	f->h.extra = fz_on_event;
	f->h.extra_ctx = f;
	rng_init(&f->r, seed, 0x7465);
	/* 19 ordinary accounts and a whale holding the rest of the 2^64-1 supply. */
	uint64_t others = 0;
	for (int i = 0; i < FZ_ACCOUNTS - 1; i++) {
		uint64_t b = rng_below(&f->r, 1000000);
		h_account(&f->h, b);
		others += b;
	}
	h_account(&f->h, MAX - others);
	cr_assert_eq(f->h.c->supply.units, MAX);
	for (unsigned b = 0; b < blocks; b++) {
		/* Keep about FZ_LIVE channels open or in dispute: a new one per block while
		 * fewer are (some of their opens fail, and stay failed). */
		uint32_t live = 0;
		for (uint32_t i = 0; i < f->h.cc->nchannels; i++)
			live += f->h.cc->channels[i].status == L1_CH_OPEN || f->h.cc->channels[i].status == L1_CH_DISPUTE;
		if (f->h.cc->nchannels < FZ_LIVE)
			while (f->h.cc->nchannels < FZ_LIVE)
				fz_add_channel(f);
		else if (live < FZ_LIVE && f->h.cc->nchannels < FZ_MAX_CHANNELS)
			fz_add_channel(f);
		unsigned n = (unsigned)rng_below(&f->r, 25);
		for (unsigned i = 0; i < n; i++)
			fz_submit_one(f);
		fz_block(f);
	}
	/* Drain the mempool and let every window close. */
	while (l1_chain_mempool_len(f->h.c) > 0)
		fz_block(f);
	for (uint64_t i = 0; i <= p->dispute_timeout_blocks; i++)
		fz_block(f);
	for (uint32_t i = 0; i < f->h.cc->nchannels; i++)
		cr_assert_neq(f->h.cc->channels[i].status, L1_CH_DISPUTE);

	/* The run must have exercised everything it claims to test. */
	uint64_t submitted = f->h.c->next_tx_id;
	cr_log_info("seed %llu: %llu txs, %llu included, %llu settlements (%llu payouts recomputed), %llu penalties",
		    (unsigned long long)seed, (unsigned long long)submitted,
		    (unsigned long long)f->h.c->txs_included,
		    (unsigned long long)(f->settled_coop + f->settled_unilateral),
		    (unsigned long long)f->payouts_checked, (unsigned long long)f->penalties);
	cr_assert_geq(submitted, 2500);
	for (int k = H_OPEN; k <= H_FILLER; k++)
		if (k != H_HTLC_CLAIM) /* HTLCs have their own tests (test_htlc.c) */
			cr_assert_gt(f->included_by_kind[k], 0, "no %s was ever included", h_kind_str((uint32_t)k));
	cr_assert_gt(f->included_by_kind[H_CHALLENGE], 10);
	cr_assert_gt(f->settled_coop, 3);
	cr_assert_gt(f->settled_unilateral, 3);
	const enum l1_result reasons[] = { L1_ERR_NO_FUNDS, L1_ERR_OVERFLOW, L1_ERR_NO_SUCH_ACCOUNT,
					   L1_ERR_NO_SUCH_CHANNEL, L1_ERR_NOT_MEMBER, L1_ERR_NOT_OPENER,
					   L1_ERR_ALREADY_OPEN, L1_ERR_NOT_OPEN, L1_ERR_NO_DISPUTE,
					   L1_ERR_STALE_SEQ, L1_ERR_BAD_STATE, L1_ERR_NO_SUCH_OP };
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		cr_assert_gt(f->dropped_by_reason[reasons[i]], 0, "nothing dropped for \"%s\"",
			     l1_result_str(reasons[i]));
	if (p->verify_signatures)
		cr_assert_gt(f->dropped_by_reason[L1_ERR_BAD_SIGNATURE], 0);
	else
		cr_assert_eq(f->dropped_by_reason[L1_ERR_BAD_SIGNATURE], 0);
	if (p->dispute_rule == L1_RULE_PENALTY)
		cr_assert_gt(f->penalties, 0);
	cr_assert_eq(f->h.c->txs_included + f->h.c->txs_dropped, submitted);
	cr_assert_gt(f->payouts_checked, 50);
	for (uint32_t i = 0; i < FZ_MAX_CHANNELS; i++)
		l1_state_free(f->ch[i].registered);
	h_fini(&f->h);
	free(f);
}

Test(l1_chain, random_txs_conserve_money_latest_state)
{
	struct l1_params p;
	h_params(&p);
	p.block_tx_limit = 10;
	p.dispute_timeout_blocks = 4;
	fuzz_run(1, &p, 300);
}

Test(l1_chain, random_txs_conserve_money_penalty_t0)
{
	struct l1_params p;
	h_params(&p);
	p.dispute_rule = L1_RULE_PENALTY;
	p.block_tx_limit = 6;
	p.dispute_timeout_blocks = 0;
	p.confirmations = 1;
	fuzz_run(2, &p, 300);
}

Test(l1_chain, random_txs_conserve_money_unsigned_penalty)
{
	struct l1_params p;
	h_params(&p);
	p.dispute_rule = L1_RULE_PENALTY;
	p.verify_signatures = false;
	p.block_tx_limit = 50;
	p.dispute_timeout_blocks = 7;
	p.exponential = true;
	fuzz_run(3, &p, 300);
}
