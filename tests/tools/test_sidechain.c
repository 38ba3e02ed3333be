/* Sidechains in a run (tools/run_sidechain.c, SPEC section 11): slots and blocks while
 * m of the federation are online, peg-ins credited after their confirmations, side
 * payments in submission order up to block_tx_limit, finality, peg-outs released with
 * m signatures, thefts and the violations they leave, and the end of a run. The
 * section-11 actions are handed to run_sidechains_action directly, in phase 3 after the
 * script (as the runner does), so that these tests do not depend on their loader. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/chain.h"
#include "tools/run_schemes.h"
#include "tools/runner.h"
#include "tools/runner_internal.h"
#include "tools/scenario.h"

#define MAXEV 4096

struct ev {
	enum run_ev_kind kind;
	uint64_t height;
	enum run_scheme_pay_step step;
	uint32_t from, to, party;
	uint64_t amount, t_us, final_ms;
	char what[200];
};

struct t {
	struct scenario *s;
	struct runner *r;
	struct ev *ev;             /* [MAXEV] */
	size_t n;
	struct scn_action act[16]; /* the injected actions (events point at them) */
	uint32_t nact;
};

static void on_ev(void *ctx, const struct runner *r, const struct run_event *e)
{
	(void)r;
	struct t *t = ctx;
	cr_assert_lt(t->n, MAXEV);
	struct ev *x = &t->ev[t->n++];
	memset(x, 0, sizeof(*x));
	x->kind = e->kind;
	x->height = e->height;
	switch (e->kind) {
	case RUN_EV_SCHEME_PAY:
		x->step = e->u.scheme_pay.step;
		x->from = e->u.scheme_pay.from;
		x->to = e->u.scheme_pay.to;
		x->amount = e->u.scheme_pay.amount.units;
		x->t_us = e->u.scheme_pay.t_us;
		x->final_ms = e->u.scheme_pay.final_ms;
		if (e->u.scheme_pay.why)
			snprintf(x->what, sizeof(x->what), "%s", e->u.scheme_pay.why);
		break;
	case RUN_EV_SCHEME_STEP:
		x->party = e->u.scheme_step.party;
		snprintf(x->what, sizeof(x->what), "%s", e->u.scheme_step.what);
		break;
	case RUN_EV_SCHEME_VIOLATION:
		x->party = e->u.scheme_violation.party;
		x->amount = e->u.scheme_violation.amount.units;
		break;
	case RUN_EV_ACTION_FAILED:
		snprintf(x->what, sizeof(x->what), "%s", e->u.failed.why);
		break;
	default:
		break;
	}
}

static void start(struct t *t, const char *text)
{
	memset(t, 0, sizeof(*t));
	t->ev = calloc(MAXEV, sizeof(*t->ev));
	cr_assert_not_null(t->ev);
	struct scn_errors errs = { 0 };
	t->s = scn_load_buffer("side.json", text, strlen(text), NULL, 0, &errs);
	cr_assert_not_null(t->s, "refused: %s", errs.n ? errs.lines[0] : "?");
	scn_errors_free(&errs);
	t->r = runner_new(t->s, NULL, false);
	runner_subscribe(t->r,
			 RUN_EV_MASK(RUN_EV_SCHEME_PAY) | RUN_EV_MASK(RUN_EV_SCHEME_STEP) |
				 RUN_EV_MASK(RUN_EV_SCHEME_VIOLATION) | RUN_EV_MASK(RUN_EV_ACTION_FAILED),
			 on_ev, t);
	runner_start(t->r);
}

static void stop(struct t *t)
{
	cr_assert(l1_chain_conserved(t->r->chain), "conservation broken");
	runner_free(t->r);
	scn_free(t->s);
	free(t->ev);
}

/* Produces blocks up to height h (each with its phases); false if the run ended first. */
static bool to_block(struct t *t, uint64_t h)
{
	while (t->r->chain->height < h)
		if (!runner_step(t->r))
			return false;
	return true;
}

static void run_out(struct t *t)
{
	while (runner_step(t->r))
		;
	runner_finish(t->r);
}

static uint32_t party(const struct t *t, const char *name)
{
	uint32_t p = scn_party_index(t->s, name);
	cr_assert_neq(p, SCN_NONE, "no party %s", name);
	return p;
}

static void act_on(struct t *t, uint32_t sc, enum scn_action_kind kind, const char *from, const char *to,
		   uint64_t amount, uint64_t count);
/* An action of sidechain 0 now (phase 3 of the current block, after the script). */
static void act(struct t *t, enum scn_action_kind kind, const char *from, const char *to, uint64_t amount, uint64_t count)
{
	act_on(t, 0, kind, from, to, amount, count);
}

/* The same on sidechain sc. */
static void act_on(struct t *t, uint32_t sc, enum scn_action_kind kind, const char *from, const char *to,
		   uint64_t amount, uint64_t count)
{
	cr_assert_lt(t->nact, 16);
	struct scn_action *a = &t->act[t->nact++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->at = t->r->chain->height;
	a->scheme = sc;
	a->party = party(t, from);
	a->to = to ? party(t, to) : SCN_NONE;
	a->amount = AMOUNT(amount);
	a->count = count;
	a->channel = SCN_NONE;
	run_sidechains_action(t->r, a);
}

static void steal(struct t *t, const uint32_t *by, uint32_t nby, uint64_t amount)
{
	struct scn_action *a = &t->act[t->nact++];
	memset(a, 0, sizeof(*a));
	a->kind = SCN_FEDERATION_STEAL;
	a->scheme = 0;
	a->by = (uint32_t *)by;
	a->nby = nby;
	a->party = by[0];
	a->amount = AMOUNT(amount);
	a->channel = SCN_NONE;
	run_sidechains_action(t->r, a);
}

static size_t count_pay(const struct t *t, enum run_scheme_pay_step st)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		n += t->ev[i].kind == RUN_EV_SCHEME_PAY && t->ev[i].step == st;
	return n;
}

static const struct ev *find_pay(const struct t *t, enum run_scheme_pay_step st, size_t nth)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ev[i].kind == RUN_EV_SCHEME_PAY && t->ev[i].step == st && nth-- == 0)
			return &t->ev[i];
	return NULL;
}

static const struct ev *find_step(const struct t *t, const char *text)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ev[i].kind == RUN_EV_SCHEME_STEP && strstr(t->ev[i].what, text))
			return &t->ev[i];
	return NULL;
}

static size_t count_kind(const struct t *t, enum run_ev_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		n += t->ev[i].kind == k;
	return n;
}

static uint64_t side_bal(const struct t *t, const char *name)
{
	return run_sidechain_balance(t->r, 0, party(t, name)).units;
}

static uint64_t l1_bal(const struct t *t, const char *name)
{
	return l1_chain_balance(t->r->chain, t->r->net->parties[party(t, name)].account).units;
}

/* The acceptance scenario sidechain-quorum: a 2-of-3 federation, 60 s blocks on both
 * chains, 2 confirmations, peg-ins after 2 L1 confirmations. */
#define QUORUM_HEAD                                                                                          \
	"{\"format\":\"l2sim/1\",\"name\":\"q\",\"l1\":{\"block_interval_s\":60,\"block_tx_limit\":100,"     \
	"\"confirmations\":1,\"fee\":%d},\"parties\":[{\"name\":\"f1\"},{\"name\":\"f2\"},{\"name\":\"f3\"},"    \
	"{\"name\":\"ann\",\"balance\":800},{\"name\":\"bob\",\"balance\":%d}],"                                \
	"\"sidechains\":[{\"id\":\"side\",\"federation\":[\"f1\",\"f2\",\"f3\"],\"threshold\":2,"                \
	"\"block_interval_s\":60,\"confirmations\":2,\"pegin_confirmations\":2%s}]"

static char *quorum_text(int fee, int bob, const char *extra_side, const char *rest)
{
	char *buf = malloc(4096);
	int n = snprintf(buf, 4096, QUORUM_HEAD, fee, bob, extra_side);
	snprintf(buf + n, 4096 - (size_t)n, "%s}", rest);
	return buf;
}

Test(sidechain, quorum_outage_then_catch_up_and_a_peg_out)
{
	char *text = quorum_text(0, 0, "",
				 ",\"script\":[{\"at\":3,\"action\":\"offline\",\"party\":\"f1\",\"blocks\":3},"
				 "{\"at\":3,\"action\":\"offline\",\"party\":\"f2\",\"blocks\":3}]");
	struct t t;
	start(&t, text);
	act(&t, SCN_PEG_IN, "ann", NULL, 600, 1);
	cr_assert(to_block(&t, 1));
	cr_assert_eq(side_bal(&t, "ann"), 0, "included in L1 block 1: one confirmation");
	cr_assert(to_block(&t, 2));
	cr_assert_eq(side_bal(&t, "ann"), 600, "two confirmations at L1 block 2: credited in the block of slot 2");
	cr_assert(to_block(&t, 3));
	act(&t, SCN_SIDE_PAY, "ann", "bob", 250, 1);
	cr_assert(to_block(&t, 5));
	cr_assert_eq(count_pay(&t, RUN_SCHEME_PAY_OK), 0, "slots 4 and 5: one functionary of three online");
	cr_assert_not_null(find_step(&t, "no blocks from slot 4"));
	cr_assert(to_block(&t, 6));
	const struct ev *ok = find_pay(&t, RUN_SCHEME_PAY_OK, 0);
	cr_assert_not_null(ok, "back at block 6: the payment is in the block of slot 6");
	cr_assert_eq(ok->height, 6);
	cr_assert_not_null(find_step(&t, "blocks again from slot 6"));
	cr_assert(to_block(&t, 7));
	const struct ev *fin = find_pay(&t, RUN_SCHEME_PAY_FINAL, 0);
	cr_assert_not_null(fin);
	cr_assert_eq(fin->final_ms - fin->t_us / 1000, 240000, "final at slot 7 (420 s), paid at 180 s");
	act(&t, SCN_PEG_OUT, "bob", NULL, 200, 1);
	run_out(&t);
	cr_assert_eq(t.r->chain->height, 10, "burned in slot 8, final in slot 9, released in L1 block 10");
	cr_assert_not_null(find_step(&t, "release #1 of 200 to bob signed by f1 and f2 and submitted"));
	cr_assert_not_null(find_step(&t, "release #1 paid 200 to bob"));
	cr_assert_eq(l1_bal(&t, "ann"), 200);
	cr_assert_eq(l1_bal(&t, "bob"), 200);
	cr_assert_eq(side_bal(&t, "ann"), 350);
	cr_assert_eq(side_bal(&t, "bob"), 50);
	cr_assert_eq(run_sidechain_holdings(t.r, 0).units, 400);
	cr_assert_eq(t.r->chain->bytes_included, 250 + 250 + 2 * 64, "a peg-in and a two-signature release");
	cr_assert_eq(count_pay(&t, RUN_SCHEME_PAY_OK), 1, "a peg-out is no payment");
	cr_assert_eq(count_pay(&t, RUN_SCHEME_PAY_FINAL), 1);
	cr_assert_eq(count_kind(&t, RUN_EV_SCHEME_VIOLATION), 0);
	stop(&t);
	free(text);
}

Test(sidechain, without_a_quorum_for_good_the_run_ends_with_the_payment_pending)
{
	char *text = quorum_text(0, 0, "",
				 ",\"script\":[{\"at\":2,\"action\":\"offline\",\"party\":\"f1\"},"
				 "{\"at\":2,\"action\":\"offline\",\"party\":\"f3\"}]");
	struct t t;
	start(&t, text);
	act(&t, SCN_PEG_IN, "ann", NULL, 600, 1);
	cr_assert(to_block(&t, 2));
	act(&t, SCN_SIDE_PAY, "ann", "bob", 100, 1);
	run_out(&t);
	cr_assert_eq(t.r->chain->height, 2, "no federation can make blocks: nothing to wait for");
	cr_assert_eq(count_pay(&t, RUN_SCHEME_PAY_OK), 0);
	cr_assert_eq(count_pay(&t, RUN_SCHEME_PAY_FAILED), 0);
	cr_assert_eq(side_bal(&t, "ann"), 600, "credited in slot 2, before the two went away in the script");
	stop(&t);
	free(text);
}

Test(sidechain, block_tx_limit_and_dropped_txs_use_no_room)
{
	char *text = quorum_text(0, 0, ",\"block_tx_limit\":2", "");
	struct t t;
	start(&t, text);
	act(&t, SCN_PEG_IN, "ann", NULL, 100, 1);
	cr_assert(to_block(&t, 2));
	cr_assert_eq(side_bal(&t, "ann"), 100);
	act(&t, SCN_SIDE_PAY, "ann", "bob", 30, 3);   /* 30, 30, 30 */
	act(&t, SCN_SIDE_PAY, "ann", "bob", 50, 1);   /* 10 left: dropped, no room used */
	act(&t, SCN_SIDE_PAY, "bob", "ann", 5, 1);
	cr_assert(to_block(&t, 3));
	cr_assert_eq(count_pay(&t, RUN_SCHEME_PAY_OK), 2, "block of slot 3: two txs");
	cr_assert(to_block(&t, 4));
	cr_assert_eq(count_pay(&t, RUN_SCHEME_PAY_OK), 4, "slot 4: the third 30, the 50 dropped, bob's 5");
	cr_assert_eq(count_pay(&t, RUN_SCHEME_PAY_FAILED), 1);
	const struct ev *f = find_pay(&t, RUN_SCHEME_PAY_FAILED, 0);
	cr_assert_eq(f->amount, 50);
	cr_assert_str_eq(f->what, "sidechain balance too low");
	run_out(&t);
	cr_assert_eq(side_bal(&t, "ann"), 100 - 90 + 5);
	cr_assert_eq(side_bal(&t, "bob"), 90 - 5);
	cr_assert_eq(count_pay(&t, RUN_SCHEME_PAY_FINAL), 4);
	stop(&t);
	free(text);
}

Test(sidechain, an_offline_sender_or_a_payment_to_oneself_fails_at_once)
{
	char *text = quorum_text(0, 0, "", ",\"script\":[{\"at\":1,\"action\":\"offline\",\"party\":\"bob\"}]");
	struct t t;
	start(&t, text);
	cr_assert(to_block(&t, 1));
	act(&t, SCN_SIDE_PAY, "bob", "ann", 1, 2);
	act(&t, SCN_SIDE_PAY, "ann", "ann", 1, 1);
	act(&t, SCN_PEG_IN, "bob", NULL, 1, 1);
	act(&t, SCN_PEG_OUT, "bob", NULL, 1, 1);
	cr_assert_eq(count_pay(&t, RUN_SCHEME_PAY_FAILED), 3);
	cr_assert_str_eq(find_pay(&t, RUN_SCHEME_PAY_FAILED, 0)->what, "the sender is offline");
	cr_assert_str_eq(find_pay(&t, RUN_SCHEME_PAY_FAILED, 2)->what, "from and to are the same party");
	cr_assert_eq(count_kind(&t, RUN_EV_ACTION_FAILED), 2, "peg_in and peg_out by an offline party");
	run_out(&t);
	cr_assert_eq(t.r->chain->height, 1);
	stop(&t);
	free(text);
}

Test(sidechain, a_release_its_party_cannot_pay_the_fee_for_is_dropped_and_not_resubmitted)
{
	char *text = quorum_text(3, 0, "", "");
	struct t t;
	start(&t, text);
	act(&t, SCN_PEG_IN, "ann", NULL, 600, 1);
	cr_assert(to_block(&t, 2));
	act(&t, SCN_SIDE_PAY, "ann", "bob", 100, 1);
	cr_assert(to_block(&t, 3));
	act(&t, SCN_PEG_OUT, "bob", NULL, 100, 1); /* bob has no L1 money for the fee */
	run_out(&t);
	cr_assert_not_null(find_step(&t, "release #1 of 100 to bob dropped: insufficient funds"));
	cr_assert_eq(side_bal(&t, "bob"), 0, "burned all the same");
	cr_assert_eq(run_sidechain_holdings(t.r, 0).units, 600);
	cr_assert_eq(l1_bal(&t, "bob"), 0);
	cr_assert_eq(t.r->chain->height, 6, "burned in slot 4, final in slot 5, dropped in L1 block 6");
	stop(&t);
	free(text);
}

Test(sidechain, a_theft_by_m_members_pays_and_leaves_the_others_unbacked)
{
	char *text = quorum_text(0, 0, "", "");
	struct t t;
	start(&t, text);
	act(&t, SCN_PEG_IN, "ann", NULL, 600, 1);
	cr_assert(to_block(&t, 2));
	act(&t, SCN_SIDE_PAY, "ann", "bob", 100, 1);
	act(&t, SCN_SIDE_PAY, "ann", "f1", 50, 1);
	cr_assert(to_block(&t, 4));
	static const uint32_t by[] = { 2, 0 }; /* f3 and f1: two members */
	steal(&t, by, 2, 550);
	run_out(&t);
	cr_assert_not_null(find_step(&t, "THEFT: release #1 paid 550 of the peg to f3"));
	cr_assert_eq(l1_bal(&t, "f3"), 550);
	cr_assert_eq(run_sidechain_holdings(t.r, 0).units, 50);
	cr_assert_eq(count_kind(&t, RUN_EV_SCHEME_VIOLATION), 2, "ann and bob; f1 signed the theft");
	const struct ev *v0 = NULL, *v1 = NULL;
	for (size_t i = 0; i < t.n; i++)
		if (t.ev[i].kind == RUN_EV_SCHEME_VIOLATION)
			*(v0 ? &v1 : &v0) = &t.ev[i];
	cr_assert_eq(v0->party, party(&t, "ann"));
	cr_assert_eq(v0->height, 5, "told when the theft is included");
	cr_assert_eq(v0->amount, 450);
	cr_assert_eq(v1->party, party(&t, "bob"));
	cr_assert_eq(v1->amount, 100);
	stop(&t);
	free(text);
}

Test(sidechain, a_theft_short_of_the_threshold_is_dropped)
{
	char *text = quorum_text(0, 0, "", "");
	struct t t;
	start(&t, text);
	act(&t, SCN_PEG_IN, "ann", NULL, 600, 1);
	cr_assert(to_block(&t, 2));
	static const uint32_t by[] = { 2, 3 }; /* f3 and ann: one member */
	steal(&t, by, 2, 600);
	run_out(&t);
	cr_assert_not_null(find_step(&t, "theft release #1 of 600 to f3 dropped: fewer valid federation signatures"));
	cr_assert_eq(run_sidechain_holdings(t.r, 0).units, 600);
	cr_assert_eq(count_kind(&t, RUN_EV_SCHEME_VIOLATION), 0);
	stop(&t);
	free(text);
}

Test(sidechain, a_theft_with_a_member_offline_fails)
{
	char *text = quorum_text(0, 0, "", ",\"script\":[{\"at\":1,\"action\":\"offline\",\"party\":\"f2\"}]");
	struct t t;
	start(&t, text);
	cr_assert(to_block(&t, 1));
	static const uint32_t by[] = { 0, 1 };
	steal(&t, by, 2, 1);
	cr_assert_eq(count_kind(&t, RUN_EV_ACTION_FAILED), 1);
	cr_assert_str_eq(t.ev[t.n - 1].what, "a member of by is offline");
	run_out(&t);
	stop(&t);
	free(text);
}

/* A workload's payment at a time between L1 blocks goes into the first slot at or
 * after it; a sidechain faster than L1 makes its slots' blocks in one L1 block. */
Test(sidechain, payments_join_the_first_slot_at_or_after_their_time)
{
	char *text = quorum_text(0, 0, "", "");
	struct t t;
	start(&t, text);
	act(&t, SCN_PEG_IN, "ann", NULL, 600, 1);
	cr_assert(to_block(&t, 2));
	run_sidechains_pay(t.r, 0, party(&t, "ann"), party(&t, "bob"), AMOUNT(7), 150000000); /* 150 s */
	cr_assert(to_block(&t, 3));
	const struct ev *ok = find_pay(&t, RUN_SCHEME_PAY_OK, 0);
	cr_assert_not_null(ok, "slot 3 (180 s) takes it");
	run_out(&t);
	const struct ev *fin = find_pay(&t, RUN_SCHEME_PAY_FINAL, 0);
	cr_assert_eq(fin->final_ms, 240000, "final in the block of slot 4");
	stop(&t);
	free(text);
}

Test(sidechain, one_second_blocks_under_ten_minute_l1_blocks)
{
	const char *text =
		"{\"format\":\"l2sim/1\",\"name\":\"fast\",\"l1\":{\"block_interval_s\":600,\"confirmations\":1,\"fee\":0},"
		"\"parties\":[{\"name\":\"f1\"},{\"name\":\"ann\",\"balance\":10},{\"name\":\"bob\"}],"
		"\"sidechains\":[{\"id\":\"s\",\"federation\":[\"f1\"],\"threshold\":1,\"block_interval_s\":1,"
		"\"confirmations\":3,\"pegin_confirmations\":1}]}";
	struct t t;
	start(&t, text);
	act(&t, SCN_PEG_IN, "ann", NULL, 10, 1);
	cr_assert(to_block(&t, 1));
	cr_assert_eq(side_bal(&t, "ann"), 10, "confirmed at 600 s: credited in the block of slot 600");
	act(&t, SCN_SIDE_PAY, "ann", "bob", 4, 1);
	run_out(&t);
	const struct ev *fin = find_pay(&t, RUN_SCHEME_PAY_FINAL, 0);
	cr_assert_not_null(fin);
	cr_assert_eq(fin->final_ms, 603000, "in slot 601, final at slot 603");
	cr_assert_eq(fin->t_us, 600000000);
	cr_assert_eq(t.r->chain->height, 2);
	stop(&t);
}

/* The same run twice gives the same events and the same L1 state. */
Test(sidechain, runs_are_deterministic)
{
	uint8_t h[2][32];
	size_t nev[2];
	for (int k = 0; k < 2; k++) {
		char *text = quorum_text(1, 5, ",\"block_tx_limit\":3", "");
		struct t t;
		start(&t, text);
		act(&t, SCN_PEG_IN, "ann", NULL, 500, 1);
		cr_assert(to_block(&t, 2));
		act(&t, SCN_SIDE_PAY, "ann", "bob", 11, 7);
		cr_assert(to_block(&t, 3));
		act(&t, SCN_PEG_OUT, "bob", NULL, 20, 1);
		run_out(&t);
		l1_chain_state_hash(t.r->chain, h[k]);
		nev[k] = t.n;
		stop(&t);
		free(text);
	}
	cr_assert(memcmp(h[0], h[1], 32) == 0);
	cr_assert_eq(nev[0], nev[1]);
}

/* Victims are counted when a theft is included, once per sidechain: a second theft
 * counts nobody twice, and a victim who pegs out afterwards stays counted. */
Test(sidechain, a_second_theft_counts_nobody_twice)
{
	char *text = quorum_text(0, 0, "", "");
	struct t t;
	start(&t, text);
	act(&t, SCN_PEG_IN, "ann", NULL, 600, 1);
	cr_assert(to_block(&t, 2));
	act(&t, SCN_SIDE_PAY, "ann", "bob", 100, 1);
	cr_assert(to_block(&t, 4));
	static const uint32_t by1[] = { 0, 1 };
	steal(&t, by1, 2, 100);
	cr_assert(to_block(&t, 5));
	cr_assert_eq(count_kind(&t, RUN_EV_SCHEME_VIOLATION), 2);
	act(&t, SCN_PEG_OUT, "bob", NULL, 100, 1);
	static const uint32_t by2[] = { 1, 2 };
	steal(&t, by2, 2, 100);
	run_out(&t);
	cr_assert_eq(count_kind(&t, RUN_EV_SCHEME_VIOLATION), 2, "ann and bob, once each");
	cr_assert_eq(l1_bal(&t, "f1"), 100);
	cr_assert_eq(l1_bal(&t, "f2"), 100);
	cr_assert_eq(l1_bal(&t, "bob"), 100, "the peg still held 400 when bob's release came");
	cr_assert_eq(run_sidechain_holdings(t.r, 0).units, 300);
	stop(&t);
	free(text);
}

/* A theft whose release is larger than l1.block_bytes could never be included: it
 * fails at once instead of holding the run open until the block cap. */
Test(sidechain, a_theft_too_large_for_a_block_fails)
{
	const char *text =
		"{\"format\":\"l2sim/1\",\"name\":\"big\",\"l1\":{\"block_interval_s\":60,\"confirmations\":1,"
		"\"fee\":0},\"parties\":[{\"name\":\"f1\"},{\"name\":\"f2\"},{\"name\":\"f3\"},"
		"{\"name\":\"f4\"}],\"sidechains\":[{\"id\":\"s\",\"federation\":[\"f1\",\"f2\",\"f3\",\"f4\"],"
		"\"threshold\":2}],\"until_block\":3}";
	struct t t;
	start(&t, text);
	t.r->chain->params.block_bytes = 500; /* as l1.block_bytes would set it */
	static const uint32_t four[] = { 0, 1, 2, 3 }; /* 250 + 256 = 506 bytes */
	steal(&t, four, 4, 1);
	cr_assert_eq(count_kind(&t, RUN_EV_ACTION_FAILED), 1);
	cr_assert(strstr(t.ev[0].what, "would never fit in a block"));
	static const uint32_t three[] = { 0, 1, 2 }; /* 442 bytes: fits, dropped (the peg is empty) */
	steal(&t, three, 3, 1);
	cr_assert_eq(count_kind(&t, RUN_EV_ACTION_FAILED), 1);
	run_out(&t);
	cr_assert_not_null(find_step(&t, "dropped: the peg holds less than the amount"));
	stop(&t);
}

/* Two sidechains in one run: each its own peg contract, balances, slots and events. */
Test(sidechain, two_sidechains_keep_apart)
{
	const char *text =
		"{\"format\":\"l2sim/1\",\"name\":\"two\",\"l1\":{\"block_interval_s\":60,\"confirmations\":1,"
		"\"fee\":0},\"parties\":[{\"name\":\"f1\"},{\"name\":\"f2\"},{\"name\":\"ann\",\"balance\":100},"
		"{\"name\":\"bob\"}],\"sidechains\":[{\"id\":\"a\",\"federation\":[\"f1\"],\"threshold\":1,"
		"\"pegin_confirmations\":1},{\"id\":\"b\",\"federation\":[\"f2\"],\"threshold\":1,"
		"\"block_interval_s\":30,\"confirmations\":1,\"pegin_confirmations\":1}],"
		"\"script\":[{\"at\":2,\"action\":\"offline\",\"party\":\"f1\"}]}";
	struct t t;
	start(&t, text);
	act_on(&t, 0, SCN_PEG_IN, "ann", NULL, 30, 1);
	act_on(&t, 1, SCN_PEG_IN, "ann", NULL, 70, 1);
	cr_assert(to_block(&t, 1));
	cr_assert_eq(run_sidechain_balance(t.r, 0, party(&t, "ann")).units, 30);
	cr_assert_eq(run_sidechain_balance(t.r, 1, party(&t, "ann")).units, 70);
	cr_assert(to_block(&t, 2)); /* f1 leaves: sidechain a stops */
	act_on(&t, 0, SCN_SIDE_PAY, "ann", "bob", 5, 1);
	act_on(&t, 1, SCN_SIDE_PAY, "ann", "bob", 7, 1);
	run_out(&t);
	cr_assert_eq(run_sidechain_balance(t.r, 0, party(&t, "bob")).units, 0, "a makes no more blocks");
	cr_assert_eq(run_sidechain_balance(t.r, 1, party(&t, "bob")).units, 7);
	const struct ev *fin = find_pay(&t, RUN_SCHEME_PAY_FINAL, 0);
	cr_assert_not_null(fin);
	cr_assert_eq(fin->final_ms, 150000, "b's slot 5 (150 s): its first slot after 120 s, final at once");
	cr_assert_eq(run_sidechain_holdings(t.r, 0).units, 30);
	cr_assert_eq(run_sidechain_holdings(t.r, 1).units, 70);
	cr_assert_eq(t.r->chain->height, 3);
	stop(&t);
}

/* A Poisson workload through the sidechain (`via`), loaded and run as a whole: every
 * payment is ok and final by the end, the sidechain's balances add up to what the peg
 * holds, and L1 conserves money. */
Test(sidechain, a_workload_via_the_sidechain)
{
	const char *text =
		"{\"format\":\"l2sim/1\",\"name\":\"wl\",\"seed\":3,\"l1\":{\"block_interval_s\":600,\"confirmations\":2,"
		"\"fee\":1},\"parties\":[{\"name\":\"f1\"},{\"name\":\"f2\"},{\"name\":\"f3\"},{\"name\":\"a\",\"balance\":"
		"100000},{\"name\":\"b\",\"balance\":100000}],\"sidechains\":[{\"id\":\"side\",\"federation\":[\"f1\",\"f2\","
		"\"f3\"],\"threshold\":2,\"pegin_confirmations\":1,\"block_tx_limit\":50}],\"script\":[{\"at\":0,\"action\":"
		"\"peg_in\",\"sidechain\":\"side\",\"party\":\"a\",\"amount\":50000},{\"at\":0,\"action\":\"peg_in\","
		"\"sidechain\":\"side\",\"party\":\"b\",\"amount\":50000}],\"workload\":[{\"kind\":\"poisson\",\"rate_per_s\":"
		"0.2,\"from_block\":1,\"to_block\":3,\"amount\":{\"min\":1,\"max\":10},\"via\":\"side\",\"parties\":\"all\"}]}";
	struct t t;
	start(&t, text);
	run_out(&t);
	size_t ok = count_pay(&t, RUN_SCHEME_PAY_OK), fin = count_pay(&t, RUN_SCHEME_PAY_FINAL);
	size_t failed = count_pay(&t, RUN_SCHEME_PAY_FAILED);
	cr_assert_gt(ok, 50, "about 0.2 x 1800 s of payments (%zu)", ok);
	cr_assert_eq(ok, fin, "every accepted payment is final at the end");
	cr_assert_gt(failed, 0, "the federation members hold nothing: their payments fail");
	uint64_t sum = 0;
	for (uint32_t p = 0; p < t.s->nparties; p++)
		sum += run_sidechain_balance(t.r, 0, p).units;
	cr_assert_eq(sum, run_sidechain_holdings(t.r, 0).units, "the sidechain's balances are the peg's holdings");
	cr_assert_eq(sum, 100000);
	stop(&t);
}

/* After a theft the peg holds less than the sidechain's balances, so new peg-ins can
 * push a balance past 2^64-1: the credit or payment that would overflow fails cleanly
 * (SPEC section 2: overflow-checked arithmetic), where the run used to abort with an
 * internal error. */
Test(sidechain, a_credit_past_2_64_fails_cleanly)
{
	const char *text = "{\"format\":\"l2sim/1\",\"name\":\"o\",\"l1\":{\"block_interval_s\":60,\"confirmations\":1},"
			   "\"parties\":[{\"name\":\"f1\"},{\"name\":\"ann\",\"balance\":\"18446744073709551615\"}],"
			   "\"sidechains\":[{\"id\":\"side\",\"federation\":[\"f1\"],\"threshold\":1,"
			   "\"block_interval_s\":60,\"confirmations\":1,\"pegin_confirmations\":1}]}";
	const uint64_t max = UINT64_MAX;
	static const uint32_t by[] = { 0 };
	struct t t;
	start(&t, text);
	act(&t, SCN_PEG_IN, "ann", NULL, max, 1);
	cr_assert(to_block(&t, 1));
	cr_assert_eq(side_bal(&t, "ann"), max);
	steal(&t, by, 1, max);
	cr_assert(to_block(&t, 2));
	cr_assert_eq(l1_bal(&t, "f1"), max);
	act(&t, SCN_PEG_IN, "f1", NULL, max, 1);
	cr_assert(to_block(&t, 3));
	cr_assert_eq(side_bal(&t, "f1"), max);
	act(&t, SCN_SIDE_PAY, "ann", "f1", 1, 1);
	steal(&t, by, 1, max);
	cr_assert(to_block(&t, 4));
	const struct ev *f = find_pay(&t, RUN_SCHEME_PAY_FAILED, 0);
	cr_assert_not_null(f, "the payment that would overflow f1's balance fails");
	cr_assert_eq(side_bal(&t, "ann"), max, "and changes nothing");
	cr_assert_eq(side_bal(&t, "f1"), max);
	act(&t, SCN_PEG_IN, "f1", NULL, max, 1);
	run_out(&t);
	cr_assert_not_null(find_step(&t, "not credited"));
	cr_assert_eq(side_bal(&t, "f1"), max);
	cr_assert_eq(run_sidechain_holdings(t.r, 0).units, max, "the peg keeps the uncredited peg-in");
	stop(&t);
}
