/* The route search of SPEC section 10 ("Route"), and lnd's order as CLoTH reproduces
 * it (docs/routing.md).
 *
 * A label at party x describes a path x -> ... -> receiver: amt and exp are those of
 * x's outgoing hop, fee is what the forwarders on it charge. Extending x's label over
 * an incoming hop w -> x gives w the hop amount a + fee_x(a) and expiry exp +
 * cltv_delta_x (x's policy on its outgoing hop), or, when x is the receiver, the
 * payment's amount expiring at h + final_cltv. Because every hop into x carries the
 * same amount and expiry, they are computed once per popped label, and the inner
 * loop is a few comparisons per hop.
 *
 * Why finality stands in for "a party not on its path": every party on the path of
 * a popped label was popped before it (a path is a chain of final labels), and an
 * extension is strictly worse than the label it extends (its hop count grows while
 * fee and expiry never shrink), so a final party would reject the extension anyway:
 * refusing hops into final parties is exactly SPEC's rule, and the search stays plain
 * Dijkstra. The same argument lets the heap order by (fee, expiry, hops) alone: two
 * labels equal in those cannot improve one another, so their pop order changes
 * nothing; the channel indices only decide between two labels of one party.
 */
#include "l2/route.h"

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

struct label {
	uint64_t fee, exp, amt;
	uint32_t hops, out_dir;   /* out_dir: NONE at the receiver */
	uint32_t stamp;           /* == ctx->gen: set in this search */
	uint32_t done;            /* == ctx->gen: final in this search */
	uint64_t dist;            /* lnd */
	double weight, prob;      /* lnd */
};

/* Heap keys: (fee, exp, hops) or, for lnd, (distance, -probability, 0). */
struct hent {
	uint64_t k1, k2;
	uint32_t k3, party;
};

struct l2_route_ctx {
	const struct l2_graph *g;
	const struct l2_route_mc *mc;
	struct label *lab;         /* [nparties] */
	struct hent *heap;         /* [2 * nchannels + 1]: each hop pushes at most once */
	uint32_t nheap;
	uint32_t gen;
	uint32_t *excluded;        /* [nchannels]: == excl_gen when excluded */
	uint32_t excl_gen;
	uint32_t *path_a, *path_b; /* [nparties] scratch for the index tie-break */
	struct l2_route_hop *hops; /* [nparties] the last route found */
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

bool l2_route_fee(struct amount *fee, const struct l2_policy *p, struct amount a)
{
	/* floor(a * ppm / 10^6) without a 128-bit product: with a = q * 10^6 + r it is
	 * q * ppm + floor(r * ppm / 10^6), and r * ppm < 10^6 * 2^32 fits. */
	uint64_t q = a.units / 1000000, r = a.units % 1000000, prop;
	if (__builtin_mul_overflow(q, (uint64_t)p->fee_ppm, &prop) ||
	    __builtin_add_overflow(prop, r * p->fee_ppm / 1000000, &prop) ||
	    __builtin_add_overflow(prop, p->fee_base.units, &prop))
		return false;
	fee->units = prop;
	return true;
}

struct l2_route_ctx *l2_route_ctx_new(const struct l2_graph *g)
{
	struct l2_route_ctx *ctx = xcalloc(1, sizeof(*ctx));
	ctx->g = g;
	ctx->lab = xcalloc(g->nparties, sizeof(*ctx->lab));
	ctx->heap = xcalloc(2 * (size_t)g->nchannels + 1, sizeof(*ctx->heap));
	ctx->excluded = xcalloc(g->nchannels, sizeof(*ctx->excluded));
	ctx->excl_gen = 1;
	ctx->path_a = xcalloc(g->nparties, sizeof(*ctx->path_a));
	ctx->path_b = xcalloc(g->nparties, sizeof(*ctx->path_b));
	ctx->hops = xcalloc(g->nparties, sizeof(*ctx->hops));
	return ctx;
}

void l2_route_ctx_free(struct l2_route_ctx *ctx)
{
	if (!ctx)
		return;
	free(ctx->lab);
	free(ctx->heap);
	free(ctx->excluded);
	free(ctx->path_a);
	free(ctx->path_b);
	free(ctx->hops);
	free(ctx);
}

void l2_route_exclude_clear(struct l2_route_ctx *ctx)
{
	if (++ctx->excl_gen == 0) { /* wrapped: forget every old stamp */
		memset(ctx->excluded, 0, ctx->g->nchannels * sizeof(*ctx->excluded));
		ctx->excl_gen = 1;
	}
}

void l2_route_exclude_add(struct l2_route_ctx *ctx, uint32_t channel)
{
	if (channel < ctx->g->nchannels)
		ctx->excluded[channel] = ctx->excl_gen;
}

bool l2_route_excluded(const struct l2_route_ctx *ctx, uint32_t channel)
{
	return channel < ctx->g->nchannels && ctx->excluded[channel] == ctx->excl_gen;
}

void l2_route_set_mc(struct l2_route_ctx *ctx, const struct l2_route_mc *mc)
{
	ctx->mc = mc;
}

static inline bool hent_less(const struct hent *a, const struct hent *b)
{
	if (a->k1 != b->k1)
		return a->k1 < b->k1;
	if (a->k2 != b->k2)
		return a->k2 < b->k2;
	if (a->k3 != b->k3)
		return a->k3 < b->k3;
	return a->party < b->party;
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

static struct hent heap_pop(struct l2_route_ctx *ctx)
{
	struct hent top = ctx->heap[0], last = ctx->heap[--ctx->nheap];
	uint32_t n = ctx->nheap, i = 0;
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && hent_less(&ctx->heap[c + 1], &ctx->heap[c]))
			c++;
		if (!hent_less(&ctx->heap[c], &last))
			break;
		ctx->heap[i] = ctx->heap[c];
		i = c;
	}
	if (n > 0)
		ctx->heap[i] = last;
	return top;
}

static struct hent key_of(const struct label *l, enum l2_route_mode mode, uint32_t party)
{
	if (mode == L2_ROUTE_LND) {
		uint64_t pbits;
		memcpy(&pbits, &l->prob, sizeof(pbits)); /* positive doubles order as bits */
		return (struct hent){ l->dist, UINT64_MAX - pbits, 0, party };
	}
	return (struct hent){ l->fee, l->exp, l->hops, party };
}

/* The channel indices of x's label, read from the receiver's end, into buf[0..hops). */
static void path_of(const struct l2_route_ctx *ctx, uint32_t x, uint32_t *buf)
{
	const struct l2_graph *g = ctx->g;
	for (uint32_t i = ctx->lab[x].hops; i-- > 0;) {
		uint32_t dir = ctx->lab[x].out_dir;
		buf[i] = dir >> 1;
		x = g->payer[dir ^ 1];
	}
}

/* Whether v's path followed by channel c is lexicographically below w's path (both
 * of the same length, read from the receiver's end). */
static bool indices_below(struct l2_route_ctx *ctx, uint32_t v, uint32_t c, uint32_t w)
{
	uint32_t n = ctx->lab[w].hops;
	path_of(ctx, v, ctx->path_a);
	ctx->path_a[n - 1] = c;
	path_of(ctx, w, ctx->path_b);
	for (uint32_t i = 0; i < n; i++)
		if (ctx->path_a[i] != ctx->path_b[i])
			return ctx->path_a[i] < ctx->path_b[i];
	return false;
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

enum l2_route_result l2_route_find(struct l2_route_ctx *ctx, const struct l2_route_query *q,
				   struct l2_route *out)
{
	const struct l2_graph *g = ctx->g;
	if (q->from >= g->nparties || q->to >= g->nparties)
		return L2_ROUTE_BAD_PARTY;
	if (q->from == q->to)
		return L2_ROUTE_SAME_PARTY;
	if (++ctx->gen == 0) { /* wrapped: forget every old stamp */
		memset(ctx->lab, 0, g->nparties * sizeof(*ctx->lab));
		ctx->gen = 1;
	}
	const uint32_t gen = ctx->gen, from = q->from;
	const bool lnd = q->mode == L2_ROUTE_LND;
	uint64_t final_exp;
	if (__builtin_add_overflow(q->height, (uint64_t)q->final_cltv, &final_exp))
		return L2_ROUTE_NO_ROUTE;
	struct label *lab = ctx->lab;
	lab[q->to] = (struct label){ .amt = q->amount.units, .out_dir = NONE, .stamp = gen,
				     .prob = 1.0 };
	ctx->nheap = 0;
	heap_push(ctx, key_of(&lab[q->to], q->mode, q->to));

	while (ctx->nheap > 0) {
		struct hent e = heap_pop(ctx);
		uint32_t v = e.party;
		struct label *L = &lab[v];
		if (L->done == gen)
			continue;
		struct hent cur = key_of(L, q->mode, v);
		if (cur.k1 != e.k1 || cur.k2 != e.k2 || cur.k3 != e.k3)
			continue; /* a label since replaced */
		L->done = gen;
		if (v == from) {
			build_route(ctx, from, out);
			return L2_ROUTE_OK;
		}
		if (L->hops >= q->max_hops)
			continue;
		/* the amount, expiry and fee of every hop into v */
		uint64_t amt_in, exp_in, fee_in;
		if (L->out_dir == NONE) {
			amt_in = q->amount.units;
			exp_in = final_exp;
			fee_in = L->fee;
		} else {
			const struct l2_policy *p = &g->policy[L->out_dir];
			struct amount f;
			if (!l2_route_fee(&f, p, AMOUNT(L->amt)) ||
			    __builtin_add_overflow(L->amt, f.units, &amt_in) ||
			    __builtin_add_overflow(L->exp, (uint64_t)p->cltv_delta, &exp_in) ||
			    __builtin_add_overflow(L->fee, f.units, &fee_in))
				continue;
		}
		const uint32_t hops = L->hops + 1;
		const struct l2_graph_in *r = g->in + g->in_start[v];
		const struct l2_graph_in *end = g->in + g->in_start[v + 1];
		for (; r < end; r++) {
			uint32_t w = r->payer;
			struct label *W = &lab[w];
			if (W->done == gen || amt_in < r->min_htlc)
				continue;
			if (w == from) {
				if (!g->open[r->dir] || amt_in > g->spendable[r->dir].units)
					continue;
			} else if (amt_in > r->capacity) {
				continue;
			}
			if (ctx->excluded[r->dir >> 1] == ctx->excl_gen)
				continue;
			if (!lnd) {
				if (W->stamp == gen) {
					if (fee_in != W->fee) {
						if (fee_in > W->fee)
							continue;
					} else if (exp_in != W->exp) {
						if (exp_in > W->exp)
							continue;
					} else if (hops != W->hops) {
						if (hops > W->hops)
							continue;
					} else if (!indices_below(ctx, v, r->dir >> 1, w)) {
						continue;
					}
				}
				*W = (struct label){ .fee = fee_in, .exp = exp_in, .amt = amt_in,
						     .hops = hops, .out_dir = r->dir, .stamp = gen };
				heap_push(ctx, key_of(W, q->mode, w));
				continue;
			}
			/* lnd: w's own fee and delta count unless w is the sender */
			struct amount fw = AMOUNT(0);
			uint32_t delta = 0;
			uint64_t locked, lock_blocks;
			if (w != from) {
				if (!l2_route_fee(&fw, &g->policy[r->dir], AMOUNT(amt_in)))
					continue;
				delta = g->policy[r->dir].cltv_delta;
			}
			if (__builtin_add_overflow(amt_in, fw.units, &locked))
				continue;
			/* CLoTH's limit on the total lock, w's own delta included */
			lock_blocks = exp_in - q->height; /* exp_in >= height + final_cltv */
			if (__builtin_add_overflow(lock_blocks, (uint64_t)delta, &lock_blocks) ||
			    lock_blocks > (uint64_t)q->final_cltv + LND_MAX_CLTV)
				continue;
			double pe = l2_route_mc_probability(ctx->mc, from, w, v,
							    AMOUNT(amt_in), q->now_ms);
			double prob = L->prob * pe;
			if (pe <= 0.0 || prob < LND_PROBABILITY_LIMIT)
				continue;
			double weight = L->weight + lnd_edge_weight(locked, fw.units, delta);
			uint64_t dist = lnd_dist(weight, prob);
			if (W->stamp == gen &&
			    (dist > W->dist || (dist == W->dist && prob <= W->prob)))
				continue;
			*W = (struct label){ .fee = fee_in, .exp = exp_in, .amt = amt_in,
					     .hops = hops, .out_dir = r->dir, .stamp = gen,
					     .dist = dist, .weight = weight, .prob = prob };
			heap_push(ctx, key_of(W, q->mode, w));
		}
	}
	return L2_ROUTE_NO_ROUTE;
}
