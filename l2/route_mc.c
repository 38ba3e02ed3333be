/* lnd's mission control as CLoTH reproduces it (src/routing.c get_probability and
 * friends; lnd v0.10 routing/missioncontrol.go and probability_estimator.go): the
 * success probability of a hop, learned from the sender's own earlier attempts.
 * docs/routing.md gives the formula and the two places where we follow lnd rather
 * than CLoTH's copy of it.
 *
 * Storage: an open-addressing table keyed by (sender, from), each slot holding the
 * pair results towards every `to` reported so far, sorted by `to`. */
#include "l2/route.h"

#include <math.h>
#include <string.h>

#include "l1sim/util.h"

#define APRIORI_HOP_PROBABILITY 0.6  /* DefaultAprioriHopProbability */
#define APRIORI_WEIGHT 0.5           /* DefaultAprioriWeight */
#define PREV_SUCCESS_PROBABILITY 0.95 /* prevSuccessProbability */
#define PENALTY_HALF_LIFE_MS 3600000.0 /* DefaultPenaltyHalfLife: 1 hour */

struct mc_pair {
	uint32_t to;
	bool has_success, has_fail;
	uint64_t success_amt, fail_amt, fail_ms;
};

struct mc_node {
	uint64_t key;          /* sender << 32 | from */
	uint32_t n, cap;       /* cap == 0: empty slot */
	struct mc_pair *pairs; /* [n], sorted by to */
};

struct l2_route_mc {
	struct mc_node *slots;
	uint32_t nslots, nused; /* nslots a power of two, at most half full */
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct l2_route_mc *l2_route_mc_new(void)
{
	struct l2_route_mc *mc = xcalloc(1, sizeof(*mc));
	mc->nslots = 64;
	mc->slots = xcalloc(mc->nslots, sizeof(*mc->slots));
	return mc;
}

void l2_route_mc_free(struct l2_route_mc *mc)
{
	if (!mc)
		return;
	for (uint32_t i = 0; i < mc->nslots; i++)
		free(mc->slots[i].pairs);
	free(mc->slots);
	free(mc);
}

static struct mc_node *slot_for(const struct l2_route_mc *mc, uint64_t key)
{
	uint32_t mask = mc->nslots - 1, i = (uint32_t)mix(key) & mask;
	while (mc->slots[i].cap && mc->slots[i].key != key)
		i = (i + 1) & mask;
	return &mc->slots[i];
}

static const struct mc_node *find_node(const struct l2_route_mc *mc, uint32_t sender,
				       uint32_t from)
{
	if (!mc)
		return NULL;
	const struct mc_node *n = slot_for(mc, (uint64_t)sender << 32 | from);
	return n->cap ? n : NULL;
}

static void grow(struct l2_route_mc *mc)
{
	struct mc_node *old = mc->slots;
	uint32_t nold = mc->nslots;
	mc->nslots = nold * 2;
	mc->slots = xcalloc(mc->nslots, sizeof(*mc->slots));
	for (uint32_t i = 0; i < nold; i++)
		if (old[i].cap)
			*slot_for(mc, old[i].key) = old[i];
	free(old);
}

/* The pair result (sender, from) -> to, created empty when missing. */
static struct mc_pair *pair_for(struct l2_route_mc *mc, uint32_t sender, uint32_t from,
				uint32_t to)
{
	uint64_t key = (uint64_t)sender << 32 | from;
	struct mc_node *n = slot_for(mc, key);
	if (!n->cap) {
		if (2 * (mc->nused + 1) > mc->nslots) {
			grow(mc);
			n = slot_for(mc, key);
		}
		mc->nused++;
		n->key = key;
		n->cap = 4;
		n->pairs = xcalloc(n->cap, sizeof(*n->pairs));
	}
	uint32_t lo = 0, hi = n->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (n->pairs[mid].to < to)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n->n && n->pairs[lo].to == to)
		return &n->pairs[lo];
	if (n->n == n->cap) {
		n->cap *= 2;
		n->pairs = xreallocarray(n->pairs, n->cap, sizeof(*n->pairs));
	}
	memmove(&n->pairs[lo + 1], &n->pairs[lo], (n->n - lo) * sizeof(*n->pairs));
	n->n++;
	n->pairs[lo] = (struct mc_pair){ .to = to };
	return &n->pairs[lo];
}

static const struct mc_pair *find_pair(const struct mc_node *n, uint32_t to)
{
	uint32_t lo = 0, hi = n->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (n->pairs[mid].to < to)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n->n && n->pairs[lo].to == to ? &n->pairs[lo] : NULL;
}

void l2_route_mc_fail(struct l2_route_mc *mc, uint32_t sender, uint32_t from, uint32_t to,
		      struct amount amount, uint64_t now_ms)
{
	struct mc_pair *p = pair_for(mc, sender, from, to);
	p->has_fail = true;
	p->fail_amt = amount.units;
	p->fail_ms = now_ms;
	/* a failure at amt says amounts from amt up fail: keep the success range below */
	if (p->has_success && p->success_amt >= amount.units) {
		if (amount.units == 0)
			p->has_success = false;
		else
			p->success_amt = amount.units - 1;
	}
}

void l2_route_mc_success(struct l2_route_mc *mc, uint32_t sender, const struct l2_route *r,
			 uint32_t nhops)
{
	for (uint32_t i = 0; i < nhops && i < r->nhops; i++) {
		const struct l2_route_hop *h = &r->hops[i];
		struct mc_pair *p = pair_for(mc, sender, h->payer, h->payee);
		if (!p->has_success || p->success_amt < h->amount.units)
			p->success_amt = h->amount.units;
		p->has_success = true;
		if (p->has_fail && p->fail_amt <= h->amount.units) {
			if (h->amount.units == UINT64_MAX)
				p->has_fail = false;
			else
				p->fail_amt = h->amount.units + 1;
		}
	}
}

/* How much a failure still counts after age_ms: 2^(-age / half life). */
static double fail_weight(uint64_t now_ms, uint64_t fail_ms)
{
	double age = now_ms > fail_ms ? (double)(now_ms - fail_ms) : 0.0;
	return exp2(-age / PENALTY_HALF_LIFE_MS);
}

/* The a-priori probability mixed with what from's other pairs did. */
static double node_probability(const struct mc_node *n, uint64_t amt, uint64_t now_ms)
{
	double apriori_factor = 1.0 / (1.0 - APRIORI_WEIGHT) - 1.0;
	double total_p = APRIORI_HOP_PROBABILITY * apriori_factor, total_w = apriori_factor;
	for (uint32_t i = 0; i < n->n; i++) {
		const struct mc_pair *p = &n->pairs[i];
		if (p->has_success && amt <= p->success_amt) {
			total_w += 1.0;
			total_p += PREV_SUCCESS_PROBABILITY;
		} else if (p->has_fail && amt >= p->fail_amt) {
			total_w += fail_weight(now_ms, p->fail_ms); /* adds probability 0 */
		}
	}
	return total_p / total_w;
}

double l2_route_mc_probability(const struct l2_route_mc *mc, uint32_t sender, uint32_t from,
			       uint32_t to, struct amount amount, uint64_t now_ms)
{
	const struct mc_node *n = find_node(mc, sender, from);
	if (!n)
		return APRIORI_HOP_PROBABILITY;
	double node_p = from == sender ? PREV_SUCCESS_PROBABILITY
				       : node_probability(n, amount.units, now_ms);
	const struct mc_pair *p = find_pair(n, to);
	if (!p)
		return node_p;
	if (p->has_success && amount.units <= p->success_amt)
		return PREV_SUCCESS_PROBABILITY;
	if (!p->has_fail || amount.units < p->fail_amt)
		return node_p;
	return node_p * (1.0 - fail_weight(now_ms, p->fail_ms));
}
