/* The route search of SPEC section 10 ("Route"), and lnd's order as CLoTH reproduces
 * it (docs/routing.md).
 *
 * A label at party x describes a path x -> ... -> receiver: amt and exp are those of
 * x's outgoing hop, fee is what the forwarders on it charge. Extending x's label over
 * an incoming hop w -> x gives w the hop amount a + fee_x(a) and expiry exp +
 * cltv_delta_x (x's policy on its outgoing hop), or, when x is the receiver, the
 * payment's amount expiring at h + final_cltv. Because every hop into x carries the
 * same amount and expiry, they are computed once, when x's label is set (set_ext),
 * and the inner loop is a few comparisons per hop.
 *
 * Why finality stands in for "a party not on its path": every party on the path of
 * a popped label was popped before it (a path is a chain of final labels), and an
 * extension is strictly worse than the label it extends (its hop count grows while
 * fee and expiry never shrink), so a final party would reject the extension anyway:
 * refusing hops into final parties is exactly SPEC's rule, and the search stays plain
 * Dijkstra. The same argument lets the heap leave the channel indices out of its keys
 * (see key_of): two labels equal in fee, expiry and hops cannot improve one another,
 * so their pop order changes nothing; the indices only decide between two labels of
 * one party. The cheapest search adds a potential to the keys, as A* does, which keeps
 * all of this true (the comment above l2_route_find says why) and pops far fewer
 * parties on graphs of equal policies.
 */
#include "l2/route.h"

#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

#define NONE UINT32_MAX

/* lnd's constants, as CLoTH (src/routing.c) copies them from lnd v0.10 (routing/
 * pathfind.go, routing/payment_session.go); docs/routing.md. */
#define LND_RISK_FACTOR_BILLIONTHS 15.0   /* RiskFactorBillionths */
#define LND_ATTEMPT_COST_MSAT 100000.0    /* DefaultPaymentAttemptPenalty: 100 sat */
#define LND_MIN_PROBABILITY 0.00001       /* below it the distance is infinite */
#define LND_PROBABILITY_LIMIT 0.01        /* CLoTH drops paths below 1% */
#define LND_MAX_CLTV 2016                 /* blocks beyond final_cltv */

/* A party's label: the path x -> ... -> receiver (amt, exp: x's outgoing hop; fee:
 * what the forwarders on it charge), and what every hop into x would carry, computed
 * once when the label is set (ext_of), so that neither its heap key nor its expansion
 * reads a policy again. One label, one cache line. */
struct label {
	uint64_t fee, exp, amt;
	uint64_t fee_in, exp_in, amt_in; /* valid when ext */
	uint32_t hops, out_dir;   /* out_dir: NONE at the receiver */
	uint32_t next;            /* the payee of out_dir: the next party of the path */
	uint32_t ext;             /* 1: the label can be extended (hops < max_hops, no overflow) */
};

/* What only L2_ROUTE_LND reads, apart so that the cheapest search stays compact. */
struct lnd_label {
	uint64_t dist;
	double weight, prob;
};

/* The per-party stamps and the fee of its label, read for every hop a search looks at:
 * one small record, so that a hop costs one cache line of the payer's, not three. */
struct hot {
	uint64_t kfee;   /* lab[x].fee while the label is set: most hops are refused on
	                  * the fee alone, without reading the label */
	uint32_t state;  /* 2 gen: label set in this search; 2 gen + 1: final; else none */
	uint32_t near;   /* gen: the sender has a channel to x (x is one hop from it) */
};

/* A heap entry: the key key_of gives party's label, compared in order (k3p = k3 << 32
 * | party, so that the party breaks ties in the same comparison). */
struct hent {
	uint64_t k1, k2, k3p;
};

struct l2_route_ctx {
	const struct l2_graph *g;
	const struct l2_route_mc *mc;
	struct label *lab;         /* [nparties] */
	struct lnd_label *lnd;     /* [nparties] */
	struct hot *hot;           /* [nparties] */
	uint32_t *near_first;      /* [nparties] when hot.near == gen: the first of the
	                            * sender's in-records into x, in sender_out */
	struct hent *heap;         /* [2 * nchannels + 1]: each hop pushes at most once */
	uint32_t nheap;
	uint32_t gen;
	uint32_t *excluded;        /* [nchannels]: == excl_gen when excluded */
	uint32_t excl_gen;
	uint32_t nexcluded;        /* channels added since the last clear (0: skip the check) */
	struct l2_route_hop *hops; /* [nparties] the last route found */
	uint32_t from;             /* of the search under way */
	uint64_t min_delta;        /* the least cltv_delta of any direction */
	/* The sender's out-hops of the search under way: the in-records of the parties it
	 * pays directly, chained per payee (sender_next, NONE ends). */
	const struct l2_graph_in **sender_out; /* [max out-degree] */
	uint32_t *sender_next;
	struct l2_graph_in *sender_in; /* [max out-degree] see sender_hops_only */
	struct hent skey;          /* the key of the sender's label, once it has one */
	bool has_skey;
};

const char *l2_route_mode_str(enum l2_route_mode m)
{
	switch (m) {
	case L2_ROUTE_CHEAPEST: return "cheapest";
	case L2_ROUTE_LND: return "lnd";
	}
	return "unknown";
}

const char *l2_route_result_str(enum l2_route_result r)
{
	switch (r) {
	case L2_ROUTE_OK: return "ok";
	case L2_ROUTE_NO_ROUTE: return "no route";
	case L2_ROUTE_SAME_PARTY: return "sender and receiver are the same party";
	case L2_ROUTE_BAD_PARTY: return "sender or receiver out of range";
	}
	return "unknown";
}

/* fee_base + floor(a * ppm / 10^6) without a 128-bit product: with a = q * 10^6 + r
 * it is q * ppm + floor(r * ppm / 10^6), and r * ppm < 10^6 * 2^32 fits. */
static inline bool fee_of(uint64_t *fee, uint64_t base, uint32_t ppm, uint64_t a)
{
	uint64_t q = a / 1000000, r = a % 1000000, prop;
	if (__builtin_mul_overflow(q, (uint64_t)ppm, &prop) ||
	    __builtin_add_overflow(prop, r * ppm / 1000000, &prop) ||
	    __builtin_add_overflow(prop, base, &prop))
		return false;
	*fee = prop;
	return true;
}

bool l2_route_fee(struct amount *fee, const struct l2_policy *p, struct amount a)
{
	return fee_of(&fee->units, p->fee_base.units, p->fee_ppm, a.units);
}

struct l2_route_ctx *l2_route_ctx_new(const struct l2_graph *g)
{
	struct l2_route_ctx *ctx = xcalloc(1, sizeof(*ctx));
	ctx->g = g;
	/* one label per cache line */
	size_t lab_bytes = (g->nparties ? g->nparties : 1) * sizeof(*ctx->lab);
	ctx->lab = aligned_alloc(64, lab_bytes);
	if (!ctx->lab)
		abort();
	memset(ctx->lab, 0, lab_bytes);
	ctx->lnd = xcalloc(g->nparties, sizeof(*ctx->lnd));
	ctx->hot = xcalloc(g->nparties, sizeof(*ctx->hot));
	ctx->near_first = xcalloc(g->nparties, sizeof(*ctx->near_first));
	ctx->heap = xcalloc(2 * (size_t)g->nchannels + 1, sizeof(*ctx->heap));
	ctx->excluded = xcalloc(g->nchannels, sizeof(*ctx->excluded));
	ctx->excl_gen = 1;
	ctx->hops = xcalloc(g->nparties, sizeof(*ctx->hops));
	uint32_t maxdeg = 0;
	for (uint32_t v = 0; v < g->nparties; v++)
		if (g->in_start[v + 1] - g->in_start[v] > maxdeg)
			maxdeg = g->in_start[v + 1] - g->in_start[v];
	/* a party pays over as many directions as it is paid over: one per channel */
	ctx->sender_in = xcalloc(maxdeg, sizeof(*ctx->sender_in));
	ctx->sender_out = xcalloc(maxdeg, sizeof(*ctx->sender_out));
	ctx->sender_next = xcalloc(maxdeg, sizeof(*ctx->sender_next));
	ctx->min_delta = UINT32_MAX;
	for (size_t i = 0; i < 2 * (size_t)g->nchannels; i++)
		if (g->in[i].cltv_delta < ctx->min_delta)
			ctx->min_delta = g->in[i].cltv_delta;
	return ctx;
}

void l2_route_ctx_free(struct l2_route_ctx *ctx)
{
	if (!ctx)
		return;
	free(ctx->lab);
	free(ctx->lnd);
	free(ctx->hot);
	free(ctx->near_first);
	free(ctx->heap);
	free(ctx->excluded);
	free(ctx->hops);
	free(ctx->sender_in);
	free(ctx->sender_out);
	free(ctx->sender_next);
	free(ctx);
}

void l2_route_exclude_clear(struct l2_route_ctx *ctx)
{
	ctx->nexcluded = 0;
	if (++ctx->excl_gen == 0) { /* wrapped: forget every old stamp */
		memset(ctx->excluded, 0, ctx->g->nchannels * sizeof(*ctx->excluded));
		ctx->excl_gen = 1;
	}
}

void l2_route_exclude_add(struct l2_route_ctx *ctx, uint32_t channel)
{
	if (channel < ctx->g->nchannels) {
		ctx->excluded[channel] = ctx->excl_gen;
		ctx->nexcluded++;
	}
}

bool l2_route_excluded(const struct l2_route_ctx *ctx, uint32_t channel)
{
	return channel < ctx->g->nchannels && ctx->excluded[channel] == ctx->excl_gen;
}

void l2_route_set_mc(struct l2_route_ctx *ctx, const struct l2_route_mc *mc)
{
	ctx->mc = mc;
}

static inline bool excluded(const struct l2_route_ctx *ctx, uint32_t dir)
{
	return ctx->nexcluded && ctx->excluded[dir >> 1] == ctx->excl_gen;
}

static inline bool hent_less(const struct hent *a, const struct hent *b)
{
	if (a->k1 != b->k1)
		return a->k1 < b->k1;
	if (a->k2 != b->k2)
		return a->k2 < b->k2;
	return a->k3p < b->k3p;
}

static inline struct hent hent_of(uint64_t k1, uint64_t k2, uint32_t k3, uint32_t party)
{
	return (struct hent){ k1, k2, (uint64_t)k3 << 32 | party };
}

static void heap_push(struct l2_route_ctx *ctx, struct hent e)
{
	uint32_t i = ctx->nheap++;
	while (i > 0) {
		uint32_t up = (i - 1) / 2;
		if (!hent_less(&e, &ctx->heap[up]))
			break;
		ctx->heap[i] = ctx->heap[up];
		i = up;
	}
	ctx->heap[i] = e;
}

/* Floyd's pop: the hole left at the top goes down to a leaf along the lesser children
 * (one comparison a level), then the last entry rises from there (rarely far). Entries
 * are popped in key order whatever the layout, so the order of a search is the
 * same as with any other heap. */
static struct hent heap_pop(struct l2_route_ctx *ctx)
{
	struct hent *h = ctx->heap, top = h[0];
	uint32_t n = --ctx->nheap, i = 0;
	if (n == 0)
		return top;
	struct hent last = h[n];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && hent_less(&h[c + 1], &h[c]))
			c++;
		h[i] = h[c];
		i = c;
	}
	while (i > 0) {
		uint32_t up = (i - 1) / 2;
		if (!hent_less(&last, &h[up]))
			break;
		h[i] = h[up];
		i = up;
	}
	h[i] = last;
	return top;
}

/* Fills in what every hop into the party of l carries, once l's own path is set: the
 * amount, expiry and total fee its payer's hop would have, by the policy p of l's
 * outgoing direction (p NULL: l is the receiver's). ext stays 0 when the label is never
 * extended (max_hops, or a sum past 2^64-1). */
static inline void set_ext(struct label *l, const struct l2_graph_in *p, uint64_t amount,
			   uint64_t final_exp, uint32_t max_hops)
{
	uint64_t f;
	l->ext = 0;
	if (l->hops >= max_hops)
		return;
	if (!p) {
		l->amt_in = amount;
		l->exp_in = final_exp;
		l->fee_in = 0;
		l->ext = 1;
		return;
	}
	l->ext = fee_of(&f, p->fee_base, p->fee_ppm, l->amt) &&
		 !__builtin_add_overflow(l->amt, f, &l->amt_in) &&
		 !__builtin_add_overflow(l->exp, (uint64_t)p->cltv_delta, &l->exp_in) &&
		 !__builtin_add_overflow(l->fee, f, &l->fee_in);
}

/* The heap key of party x's label. lnd: (distance, -probability). Cheapest: the
 * sender's own (fee, exp, 2 hops + 1); any other party is keyed by what its extensions
 * would be, (fee_in, exp_in, 2 (hops + 1)), plus, when the sender has no channel to x,
 * the least that the one more forwarder a path from the sender through x needs adds:
 * min_delta to the expiry and 1 to the third component (a potential, as in A*: see
 * l2_route_find). Keys never decrease from pop to pop (a pushed key is always above the
 * popped one), so a party's label is final when it is popped, exactly as in plain
 * Dijkstra; and a party whose key is above the sender's is never expanded, which is
 * most of the frontier. k3 = 2 hops + 1 for the sender sorts it after the others of
 * its key: one of them may still give it a label of the same key with smaller
 * indices. False: x's label is never extended (max_hops, overflow), so it needs no
 * entry. */
static inline bool key_of(const struct l2_route_ctx *ctx, const struct l2_route_query *q,
			  uint32_t x, struct hent *e)
{
	if (q->mode == L2_ROUTE_LND) {
		const struct lnd_label *l = &ctx->lnd[x];
		uint64_t pbits;
		memcpy(&pbits, &l->prob, sizeof(pbits)); /* positive doubles order as bits */
		*e = hent_of(l->dist, UINT64_MAX - pbits, 0, x);
		return true;
	}
	const struct label *l = &ctx->lab[x];
	if (x == q->from) {
		*e = hent_of(l->fee, l->exp, 2 * l->hops + 1, x);
		return true;
	}
	if (!l->ext)
		return false;
	if (ctx->hot[x].near == ctx->gen) {
		*e = hent_of(l->fee_in, l->exp_in, 2 * (l->hops + 1), x);
		return true;
	}
	uint64_t exp;
	if (__builtin_add_overflow(l->exp_in, ctx->min_delta, &exp))
		return false; /* every path of the sender through x would pass 2^64-1 */
	*e = hent_of(l->fee_in, exp, 2 * (l->hops + 1) + 1, x);
	return true;
}

/* The sender's label has key k (it only ever falls). */
static inline void lower_skey(struct l2_route_ctx *ctx, struct hent k)
{
	if (!ctx->has_skey || hent_less(&k, &ctx->skey)) {
		ctx->skey = k;
		ctx->has_skey = true;
	}
}

/* Pushes x's label, unless x is not the sender and its key is above the sender's
 * least: such an entry would never be popped before the sender (and the sender's key
 * only falls). The label stays set all the same, so that x still keeps its best one. */
static inline void push_label(struct l2_route_ctx *ctx, const struct l2_route_query *q, uint32_t x)
{
	struct hent e;
	if (!key_of(ctx, q, x, &e))
		return;
	if (x == q->from) {
		if (q->mode == L2_ROUTE_CHEAPEST)
			lower_skey(ctx, e);
	} else if (q->mode == L2_ROUTE_CHEAPEST && ctx->has_skey && hent_less(&ctx->skey, &e)) {
		return;
	}
	heap_push(ctx, e);
}

/* Whether v's path followed by channel c is lexicographically below w's path, both
 * read from the receiver's end and of the same length. The two chains are walked in
 * step from their tops: once they reach the same party they are the same path from
 * there to the receiver (a final label never changes), so the first difference seen
 * from the receiver's end is the last one met before they join. */
static bool indices_below(const struct l2_route_ctx *ctx, uint32_t v, uint32_t c, uint32_t w)
{
	const struct label *lab = ctx->lab;
	uint32_t x = v, y = lab[w].next;
	uint32_t da = c, db = lab[w].out_dir >> 1;
	bool differ = da != db;
	while (x != y) {
		uint32_t cx = lab[x].out_dir >> 1, cy = lab[y].out_dir >> 1;
		if (cx != cy) {
			da = cx;
			db = cy;
			differ = true;
		}
		x = lab[x].next;
		y = lab[y].next;
	}
	return differ && da < db;
}

/* lnd's edge weight (pathfind.go edgeWeight): the fee plus the risk of locking the
 * incoming amount for the forwarder's cltv_delta, 15 msat per 10^9 msat per block.
 * In doubles (lnd uses int64, which CLoTH turns into double). */
static double lnd_edge_weight(uint64_t locked, uint64_t fee, uint32_t cltv_delta)
{
	return (double)fee + (double)locked * (double)cltv_delta * LND_RISK_FACTOR_BILLIONTHS / 1e9;
}

/* lnd's distance (getProbabilityBasedDist): weight + attempt cost / probability. */
static uint64_t lnd_dist(double weight, double prob)
{
	if (prob < LND_MIN_PROBABILITY)
		return UINT64_MAX;
	double d = weight + LND_ATTEMPT_COST_MSAT / prob;
	return d >= 1.8e19 ? UINT64_MAX : (uint64_t)d;
}

/* lnd's relaxation of hop w -> v (CLoTH's dijkstra): w's own fee and cltv_delta count
 * unless w is the sender; the hop's probability comes from mission control. Fills
 * *nl and returns true when the new label beats w's. */
static bool lnd_relax(const struct l2_route_ctx *ctx, const struct l2_route_query *q,
		      const struct l2_graph_in *r, uint32_t w, uint32_t v, uint64_t amt_in,
		      uint64_t exp_in, const struct lnd_label *lv, struct lnd_label *nl)
{
	uint64_t fw = 0, locked, lock_blocks;
	uint32_t delta = 0;
	if (w != q->from) {
		if (!fee_of(&fw, r->fee_base, r->fee_ppm, amt_in))
			return false;
		delta = r->cltv_delta;
	}
	if (__builtin_add_overflow(amt_in, fw, &locked))
		return false;
	/* CLoTH's limit on the total lock, w's own delta included */
	lock_blocks = exp_in - q->height; /* exp_in >= height + final_cltv */
	if (__builtin_add_overflow(lock_blocks, (uint64_t)delta, &lock_blocks) ||
	    lock_blocks > (uint64_t)q->final_cltv + LND_MAX_CLTV)
		return false;
	double pe = l2_route_mc_probability(ctx->mc, q->from, w, v, AMOUNT(amt_in), q->now_ms);
	double prob = lv->prob * pe;
	if (pe <= 0.0 || prob < LND_PROBABILITY_LIMIT)
		return false;
	double weight = lv->weight + lnd_edge_weight(locked, fw, delta);
	uint64_t dist = lnd_dist(weight, prob);
	/* a label above the sender's can only lead to labels above it (the distance
	 * never shrinks along a path): the sender is popped first */
	if (w != q->from && ctx->hot[q->from].state == 2 * ctx->gen && dist > ctx->lnd[q->from].dist)
		return false;
	const struct lnd_label *cur = &ctx->lnd[w];
	if (ctx->hot[w].state == 2 * ctx->gen &&
	    (dist > cur->dist || (dist == cur->dist && prob <= cur->prob)))
		return false;
	*nl = (struct lnd_label){ .dist = dist, .weight = weight, .prob = prob };
	return true;
}

/* Narrows [*r, *end) to the in-records of v paid by the sender (none when the sender
 * has no channel to v). They are not contiguous in v's list, so they are copied into
 * ctx->sender_in (the sender has few channels to any one party). */
static void sender_hops_only(struct l2_route_ctx *ctx, uint32_t v,
			     const struct l2_graph_in **r, const struct l2_graph_in **end)
{
	uint32_t n = 0;
	if (ctx->hot[v].near == ctx->gen)
		for (uint32_t i = ctx->near_first[v]; i != NONE; i = ctx->sender_next[i])
			ctx->sender_in[n++] = *ctx->sender_out[i];
	*r = ctx->sender_in;
	*end = ctx->sender_in + n;
}

/* The sender's out-hops, chained per payee in the order of the sender's own list, and
 * the parties it pays directly stamped `near`. */
static void mark_near(struct l2_route_ctx *ctx, uint32_t from)
{
	const struct l2_graph *g = ctx->g;
	uint32_t n = 0;
	for (uint32_t i = g->in_start[from + 1]; i-- > g->in_start[from];) {
		uint32_t x = g->in[i].payer;
		uint32_t out = (g->in[i].dir & ~L2_GRAPH_DEAD_END) ^ 1; /* from -> x */
		ctx->sender_out[n] = &g->in[g->in_pos[out]];
		ctx->sender_next[n] = ctx->hot[x].near == ctx->gen ? ctx->near_first[x] : NONE;
		ctx->near_first[x] = n;
		ctx->hot[x].near = ctx->gen;
		n++;
	}
}

static void build_route(struct l2_route_ctx *ctx, uint32_t from, struct l2_route *out)
{
	const struct l2_graph *g = ctx->g;
	uint32_t n = ctx->lab[from].hops, x = from;
	for (uint32_t i = 0; i < n; i++) {
		const struct label *l = &ctx->lab[x];
		uint32_t payee = g->payer[l->out_dir ^ 1];
		ctx->hops[i] = (struct l2_route_hop){
			.channel = l->out_dir >> 1, .payer = x, .payee = payee,
			.amount = AMOUNT(l->amt), .expiry = l->exp,
		};
		x = payee;
	}
	out->nhops = n;
	out->fee = AMOUNT(ctx->lab[from].fee);
	out->hops = ctx->hops;
}

/* w's label becomes v's extended over in-record r (direction dir), and is pushed. */
static inline void set_label(struct l2_route_ctx *ctx, const struct l2_route_query *q, uint64_t final_exp,
			     uint32_t v, const struct l2_graph_in *r, uint32_t w, uint32_t dir)
{
	const struct label *L = &ctx->lab[v];
	struct label *W = &ctx->lab[w];
	W->fee = L->fee_in;
	W->exp = L->exp_in;
	W->amt = L->amt_in;
	W->hops = L->hops + 1;
	W->out_dir = dir;
	W->next = v;
	set_ext(W, r, q->amount.units, final_exp, q->max_hops);
	ctx->hot[w].state = 2 * ctx->gen;
	ctx->hot[w].kfee = W->fee;
	push_label(ctx, q, w);
}

/* The cheapest search's relaxation of the hops [r, end) into v (final, extensible):
 * SPEC's order, a few comparisons a hop. The filters are pure, so their order is the
 * cheapest one: the hop's own record first (read in sequence), then the payer's
 * stamps (a random read), its label only on a tie of fees. */
static void relax_cheapest(struct l2_route_ctx *ctx, const struct l2_route_query *q, uint32_t v,
			   const struct l2_graph_in *r, const struct l2_graph_in *end, uint64_t final_exp)
{
	const struct l2_graph *g = ctx->g;
	const struct label *L = &ctx->lab[v];
	const uint64_t amt_in = L->amt_in, exp_in = L->exp_in, fee_in = L->fee_in;
	const uint32_t hops = L->hops + 1, set = 2 * ctx->gen, final = set + 1, from = q->from;
	struct hot *hot = ctx->hot;
	for (; r < end; r++) {
		if (amt_in < r->min_htlc)
			continue;
		const uint32_t w = r->payer, dir = r->dir & ~L2_GRAPH_DEAD_END;
		if (w == from) {
			if (!g->open[dir] || amt_in > g->spendable[dir].units)
				continue;
		} else if (amt_in > r->capacity || (r->dir & L2_GRAPH_DEAD_END)) {
			continue; /* a path into a dead end other than the sender goes nowhere */
		}
		const struct hot *H = &hot[w];
		if (H->state == final)
			continue;
		if (H->state == set) {
			const struct label *W = &ctx->lab[w];
			if (fee_in != H->kfee) {
				if (fee_in > H->kfee)
					continue;
			} else if (exp_in != W->exp) {
				if (exp_in > W->exp)
					continue;
			} else if (hops != W->hops) {
				if (hops > W->hops)
					continue;
			} else if (!indices_below(ctx, v, dir >> 1, w)) {
				continue;
			}
		}
		if (excluded(ctx, dir))
			continue; /* checked last: rarely true, and most hops stop earlier */
		set_label(ctx, q, final_exp, v, r, w, dir);
	}
}

/* lnd's relaxation of the hops [r, end) into v (lnd_relax decides each). */
static void relax_lnd(struct l2_route_ctx *ctx, const struct l2_route_query *q, uint32_t v,
		      const struct l2_graph_in *r, const struct l2_graph_in *end, uint64_t final_exp)
{
	const struct l2_graph *g = ctx->g;
	const struct label *L = &ctx->lab[v];
	const uint64_t amt_in = L->amt_in, exp_in = L->exp_in;
	const uint32_t final = 2 * ctx->gen + 1, from = q->from;
	for (; r < end; r++) {
		const uint32_t w = r->payer, dir = r->dir & ~L2_GRAPH_DEAD_END;
		if (ctx->hot[w].state == final || amt_in < r->min_htlc)
			continue;
		if (w == from) {
			if (!g->open[dir] || amt_in > g->spendable[dir].units)
				continue;
		} else if (amt_in > r->capacity || (r->dir & L2_GRAPH_DEAD_END)) {
			continue;
		}
		struct lnd_label nl;
		if (excluded(ctx, dir) || !lnd_relax(ctx, q, r, w, v, amt_in, exp_in, &ctx->lnd[v], &nl))
			continue;
		ctx->lnd[w] = nl;
		set_label(ctx, q, final_exp, v, r, w, dir);
	}
}

/* Why the potential of key_of keeps the search exact. Write a key as (fee, exp, k3)
 * with k3 = 2 hops (+1 for the sender). A path of the sender through a party x that it
 * has no channel to has one more forwarder before x, who adds at least min_delta to
 * the expiry, nothing less than 0 to the fee and one hop: so it is at least x's plain
 * key plus (0, min_delta, 2), and x's key with the potential, plus (0, min_delta, 1),
 * is still below it. Extending a popped label v to w adds (f >= 0, delta >= min_delta,
 * 2) to the plain key, and the potential of w minus v's is at least (0, -min_delta,
 * -1): keys with the potential never decrease from pop to pop, and a party v that
 * could still give w a label of the same (fee, exp, hops) as w's is strictly below w
 * (its third component is smaller by at least 1), so it is popped, and w's label
 * settled between the two, before w: every popped label is final and the order of
 * SPEC's indices holds as in plain Dijkstra. The sender's own entries carry no
 * potential and its neighbours' none. What it saves: in a graph of equal policies
 * (the generated ones: every key is the hop count), the parties one hop short of the
 * sender's distance that are not its neighbours are no longer popped, nor pushed once
 * the sender has a label. (Only the sender's own label bounds the search: a bound from
 * a neighbour's label that is not final yet would be wrong, since SPEC's order keeps
 * one label a party and a label of the same fee, expiry and hops but smaller indices
 * may replace it with a dearer extension.) tests/l2/test_route.c compares every search
 * with the plain rule on random graphs. */
enum l2_route_result l2_route_find(struct l2_route_ctx *ctx, const struct l2_route_query *q,
				   struct l2_route *out)
{
	const struct l2_graph *g = ctx->g;
	if (q->from >= g->nparties || q->to >= g->nparties)
		return L2_ROUTE_BAD_PARTY;
	if (q->from == q->to)
		return L2_ROUTE_SAME_PARTY;
	if (++ctx->gen >= (1u << 31)) { /* 2 gen + 1 must fit: forget every old stamp */
		memset(ctx->hot, 0, g->nparties * sizeof(*ctx->hot));
		ctx->gen = 1;
	}
	const uint32_t set = 2 * ctx->gen, final = set + 1, from = q->from;
	ctx->from = from;
	ctx->has_skey = false;
	const bool lnd = q->mode == L2_ROUTE_LND;
	uint64_t final_exp;
	if (__builtin_add_overflow(q->height, (uint64_t)q->final_cltv, &final_exp))
		return L2_ROUTE_NO_ROUTE;
	struct label *lab = ctx->lab;
	struct hot *hot = ctx->hot;
	mark_near(ctx, from);
	lab[q->to] = (struct label){ .amt = q->amount.units, .out_dir = NONE };
	set_ext(&lab[q->to], NULL, q->amount.units, final_exp, q->max_hops);
	ctx->lnd[q->to] = (struct lnd_label){ .prob = 1.0 };
	hot[q->to].state = set;
	hot[q->to].kfee = 0;
	ctx->nheap = 0;
	push_label(ctx, q, q->to);

	while (ctx->nheap > 0) {
		struct hent e = heap_pop(ctx);
		uint32_t v = (uint32_t)e.k3p;
		if (hot[v].state == final)
			continue;
		struct hent cur;
		if (!key_of(ctx, q, v, &cur) || cur.k1 != e.k1 || cur.k2 != e.k2 || cur.k3p != e.k3p)
			continue; /* a label since replaced */
		hot[v].state = final;
		if (v == from) {
			build_route(ctx, from, out);
			return L2_ROUTE_OK;
		}
		const struct label *L = &lab[v];
		if (!L->ext)
			continue;
		const uint64_t exp_in = L->exp_in, fee_in = L->fee_in;
		const uint32_t hops = L->hops + 1;
		const struct l2_graph_in *r = g->in + g->in_start[v];
		const struct l2_graph_in *end = g->in + g->in_start[v + 1];
		if (!lnd && ctx->has_skey &&
		    !hent_less(&(struct hent){ fee_in, exp_in, (uint64_t)(2 * hops + 1) << 32 | from }, &ctx->skey)) {
			/* Every label made here is at least the sender's least: it can neither
			 * be popped before the sender nor lead to a better label of it, so only
			 * the sender's own hops into v are worth a look (few, chained by
			 * mark_near). */
			sender_hops_only(ctx, v, &r, &end);
		}
		if (lnd)
			relax_lnd(ctx, q, v, r, end, final_exp);
		else
			relax_cheapest(ctx, q, v, r, end, final_exp);
	}
	return L2_ROUTE_NO_ROUTE;
}
