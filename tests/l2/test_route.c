/* Unit tests of l2/route: SPEC section 10's route rule (amounts and expiries from the
 * receiver back, each tie-break in its order, min_htlc, limits, max_hops, excluded
 * channels, no party twice, overflow, no route), a comparison with a plain
 * implementation of the rule on random graphs, and lnd's mode with mission control. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "l1sim/rng.h"
#include "l2/route.h"

#define H 100   /* the height of every search */
#define FINAL 18

struct tg {
	uint32_t n, m;
	struct l2_graph_channel ch[64];
};

/* Channel a-b: capacity 10^6, each side 5 * 10^5 spendable; both sides charge nothing,
 * keep a cltv_delta of 40 and take HTLCs from 1. */
static uint32_t add(struct tg *t, uint32_t a, uint32_t b)
{
	struct l2_graph_channel *c = &t->ch[t->m];
	*c = (struct l2_graph_channel){ .party = { a, b }, .capacity = AMOUNT(1000000),
		.spendable = { AMOUNT(500000), AMOUNT(500000) } };
	for (unsigned d = 0; d < 2; d++)
		c->policy[d] = (struct l2_policy){ .cltv_delta = 40, .min_htlc = AMOUNT(1) };
	return t->m++;
}

/* The policy of party[d] of channel c. */
static void pol(struct tg *t, uint32_t c, unsigned d, uint64_t base, uint32_t ppm,
		uint32_t cltv, uint64_t min)
{
	t->ch[c].policy[d] = (struct l2_policy){ AMOUNT(base), ppm, cltv, AMOUNT(min) };
}

/* The same policy on every channel of party p (its forwarding policy). */
static void party_pol(struct tg *t, uint32_t p, uint64_t base, uint32_t ppm, uint32_t cltv)
{
	for (uint32_t c = 0; c < t->m; c++)
		for (unsigned d = 0; d < 2; d++)
			if (t->ch[c].party[d] == p)
				pol(t, c, d, base, ppm, cltv, t->ch[c].policy[d].min_htlc.units);
}

struct fixture {
	struct l2_graph *g;
	struct l2_route_ctx *ctx;
};

static struct fixture build(const struct tg *t)
{
	struct fixture f;
	cr_assert_eq(l2_graph_new(&f.g, t->n, t->m, t->ch), L2_GRAPH_OK);
	f.ctx = l2_route_ctx_new(f.g);
	return f;
}

static void done(struct fixture *f)
{
	l2_route_ctx_free(f->ctx);
	l2_graph_free(f->g);
}

static enum l2_route_result find(struct fixture *f, uint32_t from, uint32_t to, uint64_t amount,
				 uint32_t max_hops, struct l2_route *r)
{
	struct l2_route_query q = { .from = from, .to = to, .amount = AMOUNT(amount),
				    .height = H, .final_cltv = FINAL, .max_hops = max_hops };
	return l2_route_find(f->ctx, &q, r);
}

/* The route's channels from the sender, as a string like "2-1". */
static const char *chans(const struct l2_route *r)
{
	static char buf[256];
	size_t k = 0;
	buf[0] = '\0';
	for (uint32_t i = 0; i < r->nhops; i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%u", i ? "-" : "", r->hops[i].channel);
	return buf;
}

Test(l2_route, fee_rounds_ppm_down)
{
	struct amount f;
	struct l2_policy p = { AMOUNT(0), 1, 0, AMOUNT(1) };
	cr_assert(l2_route_fee(&f, &p, AMOUNT(999999)));
	cr_assert_eq(f.units, 0);
	cr_assert(l2_route_fee(&f, &p, AMOUNT(1000000)));
	cr_assert_eq(f.units, 1);
	p = (struct l2_policy){ AMOUNT(5), 2000, 0, AMOUNT(1) };
	cr_assert(l2_route_fee(&f, &p, AMOUNT(1499))); /* 2.998 -> 2 */
	cr_assert_eq(f.units, 7);
	p.fee_ppm = UINT32_MAX; /* above SPEC's 10^6, as imported graphs have */
	cr_assert(l2_route_fee(&f, &p, AMOUNT(1000001)));
	cr_assert_eq(f.units, 5 + 4294967295ULL + 4294);
	p = (struct l2_policy){ AMOUNT(0), 1, 0, AMOUNT(1) };
	cr_assert(l2_route_fee(&f, &p, AMOUNT(UINT64_MAX)));
	cr_assert_eq(f.units, UINT64_MAX / 1000000);
}

Test(l2_route, fee_overflow_fails_and_leaves_output)
{
	struct amount f = AMOUNT(42);
	struct l2_policy p = { AMOUNT(0), 2000000, 0, AMOUNT(1) };
	cr_assert_not(l2_route_fee(&f, &p, AMOUNT(UINT64_MAX)));
	p = (struct l2_policy){ AMOUNT(UINT64_MAX), 1, 0, AMOUNT(1) };
	cr_assert_not(l2_route_fee(&f, &p, AMOUNT(1000000)));
	cr_assert(l2_route_fee(&f, &p, AMOUNT(999999)));
	cr_assert_eq(f.units, UINT64_MAX);
}

/* A line 0-1-2, party 1 charges 5 + 2000 ppm with a delta of 30. */
Test(l2_route, amounts_and_expiries_set_from_the_receiver_back)
{
	struct tg t = { .n = 3 };
	add(&t, 0, 1);
	add(&t, 1, 2);
	party_pol(&t, 1, 5, 2000, 30);
	struct fixture f = build(&t);
	struct l2_route r;
	cr_assert_eq(find(&f, 0, 2, 1499, 20, &r), L2_ROUTE_OK);
	cr_assert_eq(r.nhops, 2);
	cr_assert_eq(r.hops[0].channel, 0);
	cr_assert_eq(r.hops[0].payer, 0);
	cr_assert_eq(r.hops[0].payee, 1);
	cr_assert_eq(r.hops[0].amount.units, 1499 + 7);
	cr_assert_eq(r.hops[0].expiry, H + FINAL + 30);
	cr_assert_eq(r.hops[1].channel, 1);
	cr_assert_eq(r.hops[1].payer, 1);
	cr_assert_eq(r.hops[1].payee, 2);
	cr_assert_eq(r.hops[1].amount.units, 1499);
	cr_assert_eq(r.hops[1].expiry, H + FINAL);
	cr_assert_eq(r.fee.units, 7);
	/* a direct channel: no fee, the final expiry */
	cr_assert_eq(find(&f, 1, 2, 1000, 20, &r), L2_ROUTE_OK);
	cr_assert_eq(r.nhops, 1);
	cr_assert_eq(r.fee.units, 0);
	cr_assert_eq(r.hops[0].expiry, H + FINAL);
	/* the other way uses the other directions: party 1's policy again */
	cr_assert_eq(find(&f, 2, 0, 1000000, 20, &r), L2_ROUTE_NO_ROUTE); /* above 5 * 10^5 */
	cr_assert_eq(find(&f, 2, 0, 1000, 20, &r), L2_ROUTE_OK);
	cr_assert_eq(r.hops[0].amount.units, 1007);
	done(&f);
}

/* SPEC's diamond: 1 charges 5 + 2000 ppm, 2 charges 1 + 9000 ppm. */
Test(l2_route, least_fee_first)
{
	struct tg t = { .n = 4 };
	add(&t, 0, 1);
	add(&t, 1, 3);
	add(&t, 0, 2);
	add(&t, 2, 3);
	party_pol(&t, 1, 5, 2000, 40);
	party_pol(&t, 2, 1, 9000, 10); /* an earlier expiry does not beat a lower fee */
	struct fixture f = build(&t);
	struct l2_route r;
	cr_assert_eq(find(&f, 0, 3, 1000, 20, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "0-1");
	cr_assert_eq(r.fee.units, 7);
	cr_assert_eq(find(&f, 0, 3, 100, 20, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "2-3");
	cr_assert_eq(r.fee.units, 1);
	done(&f);
}

/* Equal fees: the earlier first-hop expiry wins, even over a shorter path. */
Test(l2_route, then_earliest_first_hop_expiry)
{
	struct tg t = { .n = 5 };
	add(&t, 0, 1); /* 0: 0-1-4, 1 keeps 100 blocks */
	add(&t, 1, 4);
	add(&t, 0, 2); /* 2: 0-2-3-4, 2 and 3 keep 10 each */
	add(&t, 2, 3);
	add(&t, 3, 4);
	party_pol(&t, 1, 0, 0, 100);
	party_pol(&t, 2, 0, 0, 10);
	party_pol(&t, 3, 0, 0, 10);
	struct fixture f = build(&t);
	struct l2_route r;
	cr_assert_eq(find(&f, 0, 4, 1000, 20, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "2-3-4");
	cr_assert_eq(r.hops[0].expiry, H + FINAL + 20);
	done(&f);
}

/* Equal fees and first-hop expiries: fewer hops win, even with larger indices. */
Test(l2_route, then_fewest_hops)
{
	struct tg t = { .n = 5 };
	add(&t, 0, 2); /* 0-2-3-4, 2 and 3 keep 10 each */
	add(&t, 2, 3);
	add(&t, 3, 4);
	add(&t, 0, 1); /* 0-1-4, 1 keeps 20 */
	add(&t, 1, 4);
	party_pol(&t, 1, 0, 0, 20);
	party_pol(&t, 2, 0, 0, 10);
	party_pol(&t, 3, 0, 0, 10);
	struct fixture f = build(&t);
	struct l2_route r;
	cr_assert_eq(find(&f, 0, 4, 1000, 20, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "3-4");
	done(&f);
}

/* All else equal: the indices read from the receiver's end. 0-1-3 is [1, 2] from the
 * receiver, 0-2-3 is [3, 0]: the first wins though the second has the least index. */
Test(l2_route, then_indices_from_the_receivers_end)
{
	struct tg t = { .n = 4 };
	add(&t, 0, 2); /* 0 */
	add(&t, 1, 3); /* 1 */
	add(&t, 0, 1); /* 2 */
	add(&t, 2, 3); /* 3 */
	struct fixture f = build(&t);
	struct l2_route r;
	cr_assert_eq(find(&f, 0, 3, 1000, 20, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "2-1");
	done(&f);
}

/* Two parallel channels into the receiver, and two from the sender: the lower index of
 * each wins, the receiver's end deciding first. */
Test(l2_route, parallel_channels_lower_index)
{
	struct tg t = { .n = 3 };
	add(&t, 1, 2); /* 0 */
	add(&t, 0, 1); /* 1 */
	add(&t, 2, 1); /* 2: the same pair as 0, the other way round */
	add(&t, 0, 1); /* 3 */
	struct fixture f = build(&t);
	struct l2_route r;
	cr_assert_eq(find(&f, 0, 2, 1000, 20, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "1-0");
	cr_assert_eq(find(&f, 2, 0, 1000, 20, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "0-1");
	done(&f);
}

/* A hop is usable only when its amount (fees included) is at least its payer's min_htlc. */
Test(l2_route, min_htlc_of_the_payers_direction)
{
	struct tg t = { .n = 3 };
	uint32_t a = add(&t, 0, 1), b = add(&t, 1, 2);
	party_pol(&t, 1, 7, 0, 40);
	pol(&t, a, 0, 0, 0, 40, 1007); /* exactly the first hop's amount */
	pol(&t, b, 1, 0, 0, 40, 5000); /* the other direction of b: no effect */
	struct fixture f = build(&t);
	struct l2_route r;
	cr_assert_eq(find(&f, 0, 2, 1000, 20, &r), L2_ROUTE_OK);
	cr_assert_eq(find(&f, 0, 2, 999, 20, &r), L2_ROUTE_NO_ROUTE); /* 1006 < 1007 */
	done(&f);
	pol(&t, b, 0, 7, 0, 40, 1001); /* 1's direction of b carries 1000 */
	f = build(&t);
	cr_assert_eq(find(&f, 0, 2, 1000, 20, &r), L2_ROUTE_NO_ROUTE);
	cr_assert_eq(find(&f, 0, 2, 1001, 20, &r), L2_ROUTE_OK);
	done(&f);
}

/* The sender's own hops are limited by its spendable balance, every other by the
 * capacity (the sender knows no other balance); both inclusive. */
Test(l2_route, limit_spendable_for_the_sender_capacity_for_others)
{
	struct tg t = { .n = 3 };
	uint32_t a = add(&t, 0, 1), b = add(&t, 1, 2);
	t.ch[a].spendable[0] = AMOUNT(1000);
	t.ch[b].spendable[0] = AMOUNT(0);   /* 1's balance: unknown to 0 */
	t.ch[b].capacity = AMOUNT(1000);
	struct fixture f = build(&t);
	struct l2_route r;
	cr_assert_eq(find(&f, 0, 2, 1000, 20, &r), L2_ROUTE_OK);
	cr_assert_eq(find(&f, 0, 2, 1001, 20, &r), L2_ROUTE_NO_ROUTE);
	l2_graph_set_spendable(f.g, a, 0, AMOUNT(999));
	cr_assert_eq(find(&f, 0, 2, 1000, 20, &r), L2_ROUTE_NO_ROUTE);
	l2_graph_set_spendable(f.g, a, 0, AMOUNT(5000));
	l2_graph_set_capacity(f.g, b, AMOUNT(999));
	cr_assert_eq(find(&f, 0, 2, 1000, 20, &r), L2_ROUTE_NO_ROUTE);
	/* party 1 as sender: now it is its spendable 0 that counts */
	l2_graph_set_capacity(f.g, b, AMOUNT(10000));
	cr_assert_eq(find(&f, 1, 2, 1, 20, &r), L2_ROUTE_NO_ROUTE);
	done(&f);
}

/* max_hops cuts the cheaper long path: the short one is taken, and none at all below. */
Test(l2_route, max_hops)
{
	/* 0-1-2-3-4 is free; 0-5-4 costs 100 at party 5 */
	struct fixture f;
	struct l2_route r;
	struct tg u = { .n = 6 };
	add(&u, 0, 1);
	add(&u, 1, 2);
	add(&u, 2, 3);
	add(&u, 3, 4);
	add(&u, 0, 5);
	add(&u, 5, 4);
	party_pol(&u, 5, 100, 0, 40);
	f = build(&u);
	cr_assert_eq(find(&f, 0, 4, 1000, 20, &r), L2_ROUTE_OK);
	cr_assert_eq(r.nhops, 4);
	cr_assert_eq(find(&f, 0, 4, 1000, 4, &r), L2_ROUTE_OK);
	cr_assert_eq(r.nhops, 4);
	cr_assert_eq(find(&f, 0, 4, 1000, 3, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "4-5");
	cr_assert_eq(r.fee.units, 100);
	cr_assert_eq(find(&f, 0, 4, 1000, 1, &r), L2_ROUTE_NO_ROUTE);
	cr_assert_eq(find(&f, 0, 4, 1000, 0, &r), L2_ROUTE_NO_ROUTE);
	done(&f);
}

Test(l2_route, excluded_channels_across_searches)
{
	struct tg t = { .n = 4 };
	add(&t, 0, 1);
	add(&t, 1, 3);
	add(&t, 0, 2);
	add(&t, 2, 3);
	party_pol(&t, 2, 1, 0, 40);
	struct fixture f = build(&t);
	struct l2_route r;
	cr_assert_eq(find(&f, 0, 3, 1000, 20, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "0-1");
	l2_route_exclude_add(f.ctx, 1);
	cr_assert(l2_route_excluded(f.ctx, 1));
	cr_assert_eq(find(&f, 0, 3, 1000, 20, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "2-3");
	l2_route_exclude_add(f.ctx, 2);
	cr_assert_eq(find(&f, 0, 3, 1000, 20, &r), L2_ROUTE_NO_ROUTE);
	cr_assert_eq(find(&f, 0, 3, 1000, 20, &r), L2_ROUTE_NO_ROUTE); /* still excluded */
	l2_route_exclude_clear(f.ctx);
	cr_assert_not(l2_route_excluded(f.ctx, 1));
	cr_assert_eq(find(&f, 0, 3, 1000, 20, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "0-1");
	done(&f);
}

/* The only walk that meets 0's min_htlc passes party 1 twice (0-1-2-1-3): no route. */
Test(l2_route, a_party_is_not_revisited)
{
	struct tg t = { .n = 4 };
	uint32_t a = add(&t, 0, 1);
	add(&t, 1, 2);
	add(&t, 1, 3);
	party_pol(&t, 1, 500, 0, 40);
	party_pol(&t, 2, 600, 0, 40);
	pol(&t, a, 0, 0, 0, 40, 2000); /* 0-1-3 carries 1500 on its first hop */
	struct fixture f = build(&t);
	struct l2_route r;
	cr_assert_eq(find(&f, 0, 3, 1000, 20, &r), L2_ROUTE_NO_ROUTE);
	cr_assert_eq(find(&f, 0, 3, 1500, 20, &r), L2_ROUTE_OK);
	cr_assert_eq(r.nhops, 2);
	done(&f);
}

/* A fee or amount past 2^64-1 makes the hop unusable; a hop without fee still works. */
Test(l2_route, overflow_makes_the_hop_unusable)
{
	struct tg t = { .n = 3 };
	uint32_t a = add(&t, 0, 1), b = add(&t, 1, 2);
	t.ch[a].capacity = t.ch[b].capacity = AMOUNT(UINT64_MAX);
	t.ch[a].spendable[0] = t.ch[b].spendable[0] = AMOUNT(UINT64_MAX);
	party_pol(&t, 1, 1, 0, 40);
	struct fixture f = build(&t);
	struct l2_route r;
	cr_assert_eq(find(&f, 0, 2, UINT64_MAX, 20, &r), L2_ROUTE_NO_ROUTE);
	cr_assert_eq(find(&f, 0, 2, UINT64_MAX - 1, 20, &r), L2_ROUTE_OK);
	cr_assert_eq(r.hops[0].amount.units, UINT64_MAX);
	cr_assert_eq(find(&f, 1, 2, UINT64_MAX, 20, &r), L2_ROUTE_OK);
	/* an expiry past 2^64-1 */
	struct l2_route_query q = { .from = 0, .to = 2, .amount = AMOUNT(5),
				    .height = UINT64_MAX - FINAL - 39, .final_cltv = FINAL,
				    .max_hops = 20 };
	cr_assert_eq(l2_route_find(f.ctx, &q, &r), L2_ROUTE_NO_ROUTE);
	q.height--;
	cr_assert_eq(l2_route_find(f.ctx, &q, &r), L2_ROUTE_OK);
	cr_assert_eq(r.hops[0].expiry, UINT64_MAX);
	q.height = UINT64_MAX;
	q.from = 1;
	cr_assert_eq(l2_route_find(f.ctx, &q, &r), L2_ROUTE_NO_ROUTE);
	done(&f);
}

Test(l2_route, no_route_same_party_bad_party)
{
	struct tg t = { .n = 4 };
	add(&t, 0, 1);
	add(&t, 2, 3);
	struct fixture f = build(&t);
	struct l2_route r = { .nhops = 77 };
	cr_assert_eq(find(&f, 0, 3, 10, 20, &r), L2_ROUTE_NO_ROUTE);
	cr_assert_eq(find(&f, 1, 1, 10, 20, &r), L2_ROUTE_SAME_PARTY);
	cr_assert_eq(find(&f, 4, 1, 10, 20, &r), L2_ROUTE_BAD_PARTY);
	cr_assert_eq(find(&f, 0, 4, 10, 20, &r), L2_ROUTE_BAD_PARTY);
	cr_assert_eq(r.nhops, 77); /* untouched on failure */
	cr_assert_str_eq(l2_route_result_str(L2_ROUTE_NO_ROUTE), "no route");
	done(&f);
}

Test(l2_route, unusable_channels_and_disabled_directions)
{
	struct tg t = { .n = 3 };
	add(&t, 0, 1);
	uint32_t b = add(&t, 1, 2);
	t.ch[b].disabled[1] = true; /* 2 -> 1 */
	struct fixture f = build(&t);
	struct l2_route r;
	cr_assert_eq(find(&f, 0, 2, 10, 20, &r), L2_ROUTE_OK);
	cr_assert_eq(find(&f, 2, 0, 10, 20, &r), L2_ROUTE_NO_ROUTE);
	l2_graph_set_usable(f.g, 0, false);
	cr_assert_eq(find(&f, 0, 2, 10, 20, &r), L2_ROUTE_NO_ROUTE);
	cr_assert_eq(find(&f, 1, 0, 10, 20, &r), L2_ROUTE_NO_ROUTE);
	l2_graph_set_usable(f.g, 0, true);
	l2_graph_set_usable(f.g, b, true); /* disabled stays disabled */
	cr_assert_eq(find(&f, 0, 2, 10, 20, &r), L2_ROUTE_OK);
	cr_assert_eq(find(&f, 2, 0, 10, 20, &r), L2_ROUTE_NO_ROUTE);
	done(&f);
}

Test(l2_route, graph_rejects_bad_channels)
{
	struct tg t = { .n = 2 };
	struct l2_graph *g = NULL;
	add(&t, 0, 2);
	cr_assert_eq(l2_graph_new(&g, t.n, t.m, t.ch), L2_GRAPH_ERR_PARTY);
	t.m = 0;
	add(&t, 1, 1);
	cr_assert_eq(l2_graph_new(&g, t.n, t.m, t.ch), L2_GRAPH_ERR_SELF);
	cr_assert_null(g);
	cr_assert_eq(l2_graph_new(&g, 0, 0, NULL), L2_GRAPH_OK);
	l2_graph_free(g);
}

/* The rule of SPEC section 10 written the plain way: every label carries its whole
 * path, the least label of all (indices compared in full) is made final, and it is
 * extended over every usable hop into a party not on its path. O(n^2 m); no pruning. */
#define RMAX 16
struct rlab {
	bool set, fin;
	uint64_t fee, exp, amt;
	uint32_t hops;
	uint32_t chan[RMAX];    /* from the receiver's end */
	uint32_t party[RMAX + 1];
	uint32_t dir[RMAX];     /* direction of each hop, from the receiver's end */
};

static int rcmp(const struct rlab *a, const struct rlab *b)
{
	if (a->fee != b->fee)
		return a->fee < b->fee ? -1 : 1;
	if (a->exp != b->exp)
		return a->exp < b->exp ? -1 : 1;
	if (a->hops != b->hops)
		return a->hops < b->hops ? -1 : 1;
	for (uint32_t i = 0; i < a->hops; i++)
		if (a->chan[i] != b->chan[i])
			return a->chan[i] < b->chan[i] ? -1 : 1;
	return 0;
}

static bool reference(const struct tg *t, const bool *open, const bool *excl, uint32_t from,
		      uint32_t to, uint64_t amount, uint32_t max_hops, struct rlab *out)
{
	static struct rlab L[16];
	memset(L, 0, sizeof(L));
	L[to] = (struct rlab){ .set = true, .amt = amount, .party = { to } };
	for (;;) {
		int best = -1;
		for (uint32_t v = 0; v < t->n; v++)
			if (L[v].set && !L[v].fin && (best < 0 || rcmp(&L[v], &L[best]) < 0))
				best = (int)v;
		if (best < 0)
			return false;
		uint32_t v = (uint32_t)best;
		L[v].fin = true;
		if (v == from) {
			*out = L[v];
			return true;
		}
		if (L[v].hops >= max_hops)
			continue;
		uint64_t amt_in = amount, exp_in = H + FINAL, fee_in = 0;
		if (v != to) {
			const struct l2_policy *p = &t->ch[L[v].chan[L[v].hops - 1]]
				.policy[L[v].dir[L[v].hops - 1]];
			struct amount f;
			if (!l2_route_fee(&f, p, AMOUNT(L[v].amt)) ||
			    __builtin_add_overflow(L[v].amt, f.units, &amt_in) ||
			    __builtin_add_overflow(L[v].exp, (uint64_t)p->cltv_delta, &exp_in))
				continue;
			fee_in = L[v].fee + f.units;
		}
		for (uint32_t c = 0; c < t->m; c++)
			for (unsigned d = 0; d < 2; d++) {
				uint32_t w = t->ch[c].party[d];
				if (t->ch[c].party[1 - d] != v || !open[c] || excl[c] ||
				    t->ch[c].disabled[d])
					continue;
				uint64_t limit = w == from ? t->ch[c].spendable[d].units
							   : t->ch[c].capacity.units;
				if (amt_in < t->ch[c].policy[d].min_htlc.units || amt_in > limit)
					continue;
				bool on_path = false;
				for (uint32_t i = 0; i <= L[v].hops; i++)
					on_path |= L[v].party[i] == w;
				if (on_path || L[w].fin)
					continue;
				struct rlab n = L[v];
				n.fee = fee_in;
				n.exp = exp_in;
				n.amt = amt_in;
				n.chan[n.hops] = c;
				n.dir[n.hops] = d;
				n.hops++;
				n.party[n.hops] = w;
				n.fin = false;
				if (!L[w].set || rcmp(&n, &L[w]) < 0)
					L[w] = n;
			}
	}
}

/* Searches on random graphs compared with the plain rule: the policies are drawn from
 * small sets so that ties in fee, expiry and hops are frequent; cltvs[] are the deltas
 * (with a delta of 0 somewhere the search's potential moves only the hop component;
 * with all of them positive, the expiry too). */
static void compare_random(uint64_t seed, const uint32_t cltvs[4])
{
	struct rng rng;
	rng_init(&rng, seed, 0);
	static const uint64_t bases[] = { 0, 0, 1, 3 }, mins[] = { 1, 1, 1, 1100 };
	static const uint32_t ppms[] = { 0, 1000, 500000, 0 };
	static const uint64_t caps[] = { 1000000, 1000000, 1050, 2000 };
	static const uint64_t amounts[] = { 1000, 1, 1000, 5000 };
	uint32_t found = 0;
	for (int iter = 0; iter < 3000; iter++) {
		struct tg t = { .n = 3 + (uint32_t)rng_below(&rng, 10) };
		uint32_t m = 2 + (uint32_t)rng_below(&rng, 30);
		bool open[64], excl[64];
		for (uint32_t i = 0; i < m; i++) {
			uint32_t a = (uint32_t)rng_below(&rng, t.n), b;
			do
				b = (uint32_t)rng_below(&rng, t.n);
			while (b == a);
			uint32_t c = add(&t, a, b);
			t.ch[c].capacity = AMOUNT(caps[rng_below(&rng, 4)]);
			for (unsigned d = 0; d < 2; d++) {
				pol(&t, c, d, bases[rng_below(&rng, 4)], ppms[rng_below(&rng, 4)],
				    cltvs[rng_below(&rng, 4)], mins[rng_below(&rng, 4)]);
				t.ch[c].spendable[d] = AMOUNT(rng_below(&rng, 3000));
				t.ch[c].disabled[d] = rng_below(&rng, 12) == 0;
			}
			open[c] = rng_below(&rng, 10) != 0;
			excl[c] = rng_below(&rng, 10) == 0;
		}
		struct fixture f = build(&t);
		for (uint32_t c = 0; c < t.m; c++) {
			l2_graph_set_usable(f.g, c, open[c]);
			if (excl[c])
				l2_route_exclude_add(f.ctx, c);
		}
		for (int k = 0; k < 8; k++) {
			uint32_t from = (uint32_t)rng_below(&rng, t.n), to;
			do
				to = (uint32_t)rng_below(&rng, t.n);
			while (to == from);
			uint64_t amount = amounts[rng_below(&rng, 4)];
			uint32_t max_hops = 1 + (uint32_t)rng_below(&rng, 5);
			struct rlab want = { 0 };
			struct l2_route got;
			bool ok = reference(&t, open, excl, from, to, amount, max_hops, &want);
			enum l2_route_result res = find(&f, from, to, amount, max_hops, &got);
			cr_assert_eq(res == L2_ROUTE_OK, ok, "iteration %d search %d", iter, k);
			if (!ok)
				continue;
			found++;
			cr_assert_eq(got.nhops, want.hops, "iteration %d search %d", iter, k);
			cr_assert_eq(got.fee.units, want.fee);
			for (uint32_t i = 0; i < got.nhops; i++) {
				uint32_t j = want.hops - 1 - i; /* want is from the receiver's end */
				cr_assert_eq(got.hops[i].channel, want.chan[j],
					     "iteration %d search %d hop %u", iter, k, i);
				cr_assert_eq(got.hops[i].payer, want.party[j + 1]);
				cr_assert_eq(got.hops[i].payee, want.party[j]);
			}
			cr_assert_eq(got.hops[0].amount.units, want.amt);
			cr_assert_eq(got.hops[0].expiry, want.exp);
		}
		done(&f);
	}
	cr_assert_gt(found, 1000); /* the comparison saw many routes, not only failures */
}

Test(l2_route, matches_the_plain_rule_on_random_graphs)
{
	static const uint32_t cltvs[] = { 0, 10, 20, 10 };
	compare_random(11, cltvs);
}

/* Every delta positive: the search's potential adds the least one (5) to the expiry
 * of the parties the sender has no channel to; and equal policies, as in generated
 * graphs, where every key is the hop count. */
Test(l2_route, matches_the_plain_rule_with_positive_deltas)
{
	static const uint32_t cltvs[] = { 5, 10, 20, 10 }, equal[] = { 40, 40, 40, 40 };
	compare_random(12, cltvs);
	compare_random(13, equal);
}

/* lnd's mode: a route like the cheapest one on a plain graph, and one that learns. */
Test(l2_route_lnd, avoids_a_failed_hop_until_the_failure_ages)
{
	struct tg t = { .n = 4 };
	add(&t, 0, 1);
	add(&t, 1, 3);
	add(&t, 0, 2);
	add(&t, 2, 3);
	party_pol(&t, 2, 1, 0, 40); /* 2 costs 1 msat more */
	struct fixture f = build(&t);
	struct l2_route_mc *mc = l2_route_mc_new();
	l2_route_set_mc(f.ctx, mc);
	struct l2_route_query q = { .from = 0, .to = 3, .amount = AMOUNT(1000), .height = H,
				    .final_cltv = FINAL, .max_hops = 20, .mode = L2_ROUTE_LND,
				    .now_ms = 0 };
	struct l2_route r;
	cr_assert_eq(l2_route_find(f.ctx, &q, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "0-1");
	cr_assert_eq(r.fee.units, 0);
	l2_route_mc_success(mc, 0, &r, 1);
	l2_route_mc_fail(mc, 0, 1, 3, AMOUNT(1000), 0);
	cr_assert_eq(l2_route_find(f.ctx, &q, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "2-3");
	cr_assert_eq(r.fee.units, 1);
	q.now_ms = 40 * 3600 * 1000ULL; /* forty half lives later: forgotten */
	cr_assert_eq(l2_route_find(f.ctx, &q, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "0-1");
	l2_route_mc_free(mc);
	done(&f);
}

/* The timelock risk term: for a large amount a long cltv_delta costs more than a fee. */
Test(l2_route_lnd, timelock_risk_outweighs_a_small_fee)
{
	struct tg t = { .n = 4 };
	add(&t, 0, 1);
	add(&t, 1, 3);
	add(&t, 0, 2);
	add(&t, 2, 3);
	for (uint32_t c = 0; c < t.m; c++) {
		t.ch[c].capacity = AMOUNT(UINT64_C(10000000000));
		t.ch[c].spendable[0] = t.ch[c].spendable[1] = AMOUNT(UINT64_C(5000000000));
	}
	party_pol(&t, 1, 0, 0, 1000);  /* 10^9 * 1000 * 15 / 10^9 = 15000 of risk */
	party_pol(&t, 2, 100, 0, 10);  /* 100 of fee + 150 of risk */
	struct fixture f = build(&t);
	struct l2_route r;
	struct l2_route_query q = { .from = 0, .to = 3, .amount = AMOUNT(1000000000),
				    .height = H, .final_cltv = FINAL, .max_hops = 20,
				    .mode = L2_ROUTE_LND };
	cr_assert_eq(l2_route_find(f.ctx, &q, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "2-3");
	q.mode = L2_ROUTE_CHEAPEST;
	cr_assert_eq(l2_route_find(f.ctx, &q, &r), L2_ROUTE_OK);
	cr_assert_str_eq(chans(&r), "0-1");
	cr_assert_str_eq(l2_route_mode_str(L2_ROUTE_LND), "lnd");
	done(&f);
}

Test(l2_route_lnd, mission_control_probabilities)
{
	struct l2_route_mc *mc = l2_route_mc_new();
	cr_assert_float_eq(l2_route_mc_probability(NULL, 0, 1, 2, AMOUNT(5), 0), 0.6, 1e-12);
	cr_assert_float_eq(l2_route_mc_probability(mc, 0, 1, 2, AMOUNT(5), 0), 0.6, 1e-12);
	l2_route_mc_fail(mc, 0, 1, 2, AMOUNT(1000), 0);
	/* the failed pair at and above the amount: 0 at once, half of the node's after
	 * one half life; below the amount the node's probability */
	double node = (0.6 + 0.0) / (1.0 + 1.0); /* the failure weighs 1 at age 0 */
	cr_assert_float_eq(l2_route_mc_probability(mc, 0, 1, 2, AMOUNT(1000), 0), 0.0, 1e-12);
	cr_assert_float_eq(l2_route_mc_probability(mc, 0, 1, 2, AMOUNT(999), 0), 0.6, 1e-12);
	node = 0.6 / 1.5;
	cr_assert_float_eq(l2_route_mc_probability(mc, 0, 1, 2, AMOUNT(1000), 3600000),
			   node * 0.5, 1e-12);
	/* another pair of node 1 learns from it; another sender does not */
	cr_assert_float_eq(l2_route_mc_probability(mc, 0, 1, 7, AMOUNT(2000), 0), 0.3, 1e-12);
	cr_assert_float_eq(l2_route_mc_probability(mc, 5, 1, 7, AMOUNT(2000), 0), 0.6, 1e-12);
	/* a success up to 500: 0.95 up to it */
	struct l2_route_hop hop = { .channel = 0, .payer = 1, .payee = 2, .amount = AMOUNT(500) };
	struct l2_route r = { .nhops = 1, .hops = &hop };
	l2_route_mc_success(mc, 0, &r, 1);
	cr_assert_float_eq(l2_route_mc_probability(mc, 0, 1, 2, AMOUNT(500), 0), 0.95, 1e-12);
	/* the sender's own hops: 0.95 once it has results */
	l2_route_mc_fail(mc, 0, 0, 9, AMOUNT(5), 0);
	cr_assert_float_eq(l2_route_mc_probability(mc, 0, 0, 4, AMOUNT(5), 0), 0.95, 1e-12);
	/* many pairs: the table grows and keeps them */
	for (uint32_t i = 0; i < 500; i++)
		l2_route_mc_fail(mc, i, i + 1, i + 2, AMOUNT(10), 0);
	for (uint32_t i = 0; i < 500; i++)
		cr_assert_float_eq(l2_route_mc_probability(mc, i, i + 1, i + 2, AMOUNT(10), 0), 0.0,
				   1e-12);
	l2_route_mc_free(mc);
}
