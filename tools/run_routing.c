/* Routed payments in a run (SPEC section 10): the routing graph of the run's two-party
 * channels kept current, the `send` action and routed workloads (each payment's
 * attempts: search, add HTLCs hop by hop, fail back), the receiver's reveal and the
 * settlement back to the sender, the pending-HTLC rules of phase 2 in SPEC's order, and
 * the htlc_losses at the run's end. The HTLC steps themselves are l2/htlc.h's; the
 * route search is l2/route.h's; this file only drives them and says what happened as
 * run events (RUN_EV_ROUTED, RUN_EV_HTLC, RUN_EV_HTLC_LOSS). */
#include <stdlib.h>
#include <string.h>

#include "l1sim/rng.h"
#include "l1sim/util.h"
#include "l2/htlc.h"
#include "l2/route.h"
#include "tools/runner_internal.h"

struct run_routing {
	struct l2_graph *g;
	struct l2_route_ctx *ctx;
	struct l2_route_mc *mc;        /* lnd mode only */
	uint32_t *gch;                 /* [g->nchannels] scenario channel of graph channel */
	uint32_t *of_ch;               /* [s->nchannels] graph channel, or UINT32_MAX */
	uint32_t *pch_start, *pch;     /* per party, its graph channels (CSR) */
	bool dirty;                    /* usable flags and capacities to refresh */
	uint64_t refreshed_at;         /* the height of the last refresh */
	struct rng rng;                /* preimages: a stream of its own */
	struct run_payment **pay;      /* every routed payment, in send order (each
	                                * allocated once: observers keep pointers to them) */
	uint32_t npay, cap_pay;
	uint32_t *pending;             /* payments with a pending HTLC, in send order */
	uint32_t npending, cap_pending;
};

const char *run_route_fail_str(enum run_route_fail f)
{
	static const char *const names[RUN_FAIL_KINDS] = { "no_route", "insufficient_balance", "offline", "expired" };
	return (unsigned)f < RUN_FAIL_KINDS ? names[f] : "unknown";
}

const char *run_htlc_step_str(enum run_htlc_step k)
{
	static const char *const names[RUN_HTLC_STEPS] = { "added", "settled", "removed", "close",
							   "claim", "paid_payee", "paid_payer" };
	return (unsigned)k < RUN_HTLC_STEPS ? names[k] : "unknown";
}

bool run_routing_can_send(const struct scenario *s)
{
	for (uint32_t i = 0; i < s->nscript; i++)
		if (s->script[i].kind == SCN_SEND)
			return true;
	for (uint32_t w = 0; w < s->nworkload; w++)
		if (s->workload[w].routed || s->workload[w].kind == SCN_WL_TRACE)
			return true;
	return false;
}

static struct l2_policy policy_of(const struct scenario *s, uint32_t ch, uint32_t d, bool *disabled)
{
	struct scn_policy p = scn_channel_policy(s, ch, d);
	*disabled = p.disabled;
	return (struct l2_policy){ .fee_base = p.fee_base, .fee_ppm = p.fee_ppm, .cltv_delta = p.cltv_delta,
				   .min_htlc = p.min_htlc };
}

void run_routing_new(struct runner *r)
{
	const struct scenario *s = r->s;
	if (!run_routing_can_send(s))
		return;
	struct run_routing *rt = xcalloc(1, sizeof(*rt));
	uint32_t n = 0;
	rt->of_ch = xcalloc(s->nchannels ? s->nchannels : 1, sizeof(*rt->of_ch));
	for (uint32_t ch = 0; ch < s->nchannels; ch++)
		rt->of_ch[ch] = scn_channel_nparties(s, ch) == 2 ? n++ : UINT32_MAX;
	rt->gch = xcalloc(n ? n : 1, sizeof(*rt->gch));
	struct l2_graph_channel *gc = xcalloc(n ? n : 1, sizeof(*gc));
	rt->pch_start = xcalloc((size_t)s->nparties + 1, sizeof(*rt->pch_start));
	for (uint32_t ch = 0; ch < s->nchannels; ch++) {
		uint32_t k = rt->of_ch[ch];
		if (k == UINT32_MAX)
			continue;
		rt->gch[k] = ch;
		const uint32_t *pp = scn_channel_parties(s, ch);
		for (unsigned d = 0; d < 2; d++) {
			gc[k].party[d] = pp[d];
			gc[k].policy[d] = policy_of(s, ch, d, &gc[k].disabled[d]);
			rt->pch_start[pp[d] + 1]++;
		}
	}
	for (uint32_t p = 0; p < s->nparties; p++)
		rt->pch_start[p + 1] += rt->pch_start[p];
	rt->pch = xcalloc(2 * (size_t)n + 1, sizeof(*rt->pch));
	uint32_t *fill = xcalloc((size_t)s->nparties + 1, sizeof(*fill));
	for (uint32_t k = 0; k < n; k++)
		for (unsigned d = 0; d < 2; d++) {
			uint32_t p = gc[k].party[d];
			rt->pch[rt->pch_start[p] + fill[p]++] = k;
		}
	free(fill);
	if (l2_graph_new(&rt->g, s->nparties, n, gc) != L2_GRAPH_OK)
		fatal_invariant("a validated channel graph was refused");
	free(gc);
	rt->ctx = l2_route_ctx_new(rt->g);
	if (s->routing == SCN_ROUTING_LND) {
		rt->mc = l2_route_mc_new();
		l2_route_set_mc(rt->ctx, rt->mc);
	}
	rng_init(&rt->rng, s->seed, 0x50524500u); /* "PRE": the preimages' stream */
	rt->dirty = true;
	r->routing = rt;
}

void run_routing_free(struct runner *r)
{
	struct run_routing *rt = r->routing;
	if (!rt)
		return;
	for (uint32_t i = 0; i < rt->npay; i++) {
		free(rt->pay[i]->hops);
		free(rt->pay[i]->knows);
		free(rt->pay[i]);
	}
	free(rt->pay);
	free(rt->pending);
	l2_route_ctx_free(rt->ctx);
	l2_route_mc_free(rt->mc);
	l2_graph_free(rt->g);
	free(rt->gch);
	free(rt->of_ch);
	free(rt->pch_start);
	free(rt->pch);
	free(rt);
	r->routing = NULL;
}

void run_routing_changed(struct runner *r)
{
	if (r->routing)
		r->routing->dirty = true;
}

/* ---- the graph ---- */

/* All the channel's funds: both balances and the HTLCs of its latest state. */
static struct amount capacity_of(const struct runner *r, uint32_t ch)
{
	const struct l2_channel *lc = &r->net->channels[ch];
	struct amount t = AMOUNT(0);
	if (!lc->latest) {
		const struct amount *dep = scn_channel_deposits(r->s, ch);
		for (uint32_t i = 0; i < 2; i++)
			if (!amount_add_to(&t, dep[i]))
				fatal_invariant("a validated channel's deposits overflow");
		return t;
	}
	for (uint32_t i = 0; i < lc->latest->nparties; i++)
		if (!amount_add_to(&t, lc->latest->balances[i]))
			fatal_invariant("a channel's funds overflow");
	if (lc->latest->htlcs)
		for (uint32_t k = 0; k < lc->latest->htlcs->n; k++)
			if (!amount_add_to(&t, lc->latest->htlcs->v[k].amount))
				fatal_invariant("a channel's funds overflow");
	return t;
}

/* Usable flags and capacities, once a block and after a close or deposit. */
static void refresh(struct runner *r)
{
	struct run_routing *rt = r->routing;
	if (!rt->dirty && rt->refreshed_at == r->chain->height)
		return;
	for (uint32_t k = 0; k < rt->g->nchannels; k++) {
		uint32_t ch = rt->gch[k];
		l2_graph_set_usable(rt->g, k, runner_channel_status(r, ch) == RUN_CH_OPEN);
		l2_graph_set_capacity(rt->g, k, capacity_of(r, ch));
	}
	rt->dirty = false;
	rt->refreshed_at = r->chain->height;
}

/* The sender knows its own channels' spendable balances. */
static void set_sender(struct runner *r, uint32_t from)
{
	struct run_routing *rt = r->routing;
	for (uint32_t i = rt->pch_start[from]; i < rt->pch_start[from + 1]; i++) {
		uint32_t k = rt->pch[i];
		for (unsigned d = 0; d < 2; d++)
			if (l2_graph_party(rt->g, k, d) == from)
				l2_graph_set_spendable(rt->g, k, d, l2_channel_spendable(r->net, rt->gch[k], d));
	}
}

/* ---- events ---- */

static void routed_event(struct runner *r, const struct run_payment *p, enum run_routed_step step)
{
	struct run_event e = event(r, RUN_EV_ROUTED, NULL);
	e.u.routed.p = p;
	e.u.routed.step = step;
	runner_emit(r, &e);
}

static void htlc_event(struct runner *r, const struct run_payment *p, uint32_t hop, enum run_htlc_step step,
		       uint64_t tx)
{
	if (!observed(r, RUN_EV_HTLC))
		return;
	struct run_event e = event(r, RUN_EV_HTLC, NULL);
	e.u.htlc.p = p;
	e.u.htlc.hop = hop;
	e.u.htlc.step = step;
	e.u.htlc.tx = tx;
	runner_emit(r, &e);
}

static void finish_payment(struct runner *r, struct run_payment *p, enum run_routed_step st, enum run_route_fail why)
{
	p->status = st;
	p->reason = why;
	p->done_ms = r->chain->time_ms;
	routed_event(r, p, st);
}

/* Hop k of p went to its payee or back to its payer; the first hop decides the payment. */
static void hop_resolved(struct runner *r, struct run_payment *p, uint32_t k, bool to_payee, enum run_htlc_step step,
			 uint64_t tx)
{
	p->hops[k].state = to_payee ? RUN_HOP_PAYEE : RUN_HOP_PAYER;
	htlc_event(r, p, k, step, tx);
	if (k == 0 && p->status == RUN_ROUTED_ADDED)
		finish_payment(r, p, to_payee ? RUN_ROUTED_OK : RUN_ROUTED_FAILED, RUN_FAIL_EXPIRED);
}

/* ---- sending ---- */

static bool online(const struct runner *r, uint32_t party)
{
	return r->net->parties[party].online;
}

static enum run_route_fail fail_reason(enum l2_result res)
{
	return res == L2_ERR_OFFLINE ? RUN_FAIL_OFFLINE : RUN_FAIL_INSUFFICIENT_BALANCE;
}

/* Settles p's pending HTLCs from hop k back to the sender, as far as both parties of
 * each are online, its payee knows the preimage and the channel takes updates. */
static void settle_back(struct runner *r, struct run_payment *p, uint32_t k_end)
{
	for (uint32_t k = k_end; k-- > 0;) {
		struct run_hop *h = &p->hops[k];
		if (h->state != RUN_HOP_PENDING || !p->knows[k + 1])
			return;
		if (l2_htlc_settle(r->net, h->ch, h->htlc.id, p->preimage) != L2_OK)
			return;
		h->settled_offchain = true;
		p->knows[k] = true;
		hop_resolved(r, p, k, true, RUN_HTLC_SETTLED, 0);
	}
}

/* The receiver reveals, if its incoming HTLC is still pending, below its expiry, and
 * it is online; then the settlement runs back. */
static void reveal(struct runner *r, struct run_payment *p)
{
	struct run_hop *last = &p->hops[p->nhops - 1];
	if (p->revealed || last->state != RUN_HOP_PENDING || r->chain->height >= last->htlc.expiry || !online(r, p->to))
		return;
	p->revealed = true;
	p->reveal_ms = r->chain->time_ms;
	p->knows[p->nhops] = true;
	settle_back(r, p, p->nhops);
}

static void push_pending(struct run_routing *rt, uint32_t id)
{
	if (rt->npending == rt->cap_pending)
		rt->pending = xreallocarray(rt->pending, rt->cap_pending = rt->cap_pending ? 2 * rt->cap_pending : 16,
					    sizeof(*rt->pending));
	rt->pending[rt->npending++] = id;
}

/* One attempt over route rt->found: adds the HTLCs from the sender on. Returns the
 * index of the failing hop, or nhops when all were added. */
static uint32_t add_hops(struct runner *r, struct run_payment *p, const struct l2_route *route, enum l2_result *res)
{
	p->nhops = route->nhops;
	p->fee = route->fee;
	p->hops = xreallocarray(p->hops, route->nhops, sizeof(*p->hops));
	p->knows = xreallocarray(p->knows, (size_t)route->nhops + 1, sizeof(*p->knows));
	memset(p->knows, 0, ((size_t)route->nhops + 1) * sizeof(*p->knows));
	memset(p->hops, 0, route->nhops * sizeof(*p->hops));
	for (uint32_t k = 0; k < route->nhops; k++) {
		const struct l2_route_hop *rh = &route->hops[k];
		struct run_hop *h = &p->hops[k];
		h->ch = r->routing->gch[rh->channel];
		h->payer = rh->payer;
		h->payee = rh->payee;
		int pi = l2_channel_index(r->net, h->ch, rh->payer);
		uint64_t id;
		*res = l2_htlc_add(r->net, h->ch, (uint32_t)pi, rh->amount, p->hash, rh->expiry, &id);
		if (*res != L2_OK)
			return k;
		h->htlc = *l2_htlc_find(r->net, h->ch, id);
		h->state = RUN_HOP_PENDING;
		htlc_event(r, p, k, RUN_HTLC_ADDED, 0);
	}
	return route->nhops;
}

static void send_one(struct runner *r, const struct scn_action *a, uint32_t from, uint32_t to, struct amount amount,
		     uint64_t t_us)
{
	struct run_routing *rt = r->routing;
	const struct scenario *s = r->s;
	if (rt->npay == rt->cap_pay)
		rt->pay = xreallocarray(rt->pay, rt->cap_pay = rt->cap_pay ? 2 * rt->cap_pay : 16, sizeof(*rt->pay));
	struct run_payment *p = rt->pay[rt->npay] = xcalloc(1, sizeof(*p));
	*p = (struct run_payment){ .id = rt->npay++, .from = from, .to = to, .amount = amount,
				   .sent_height = r->chain->height, .sent_ms = r->chain->time_ms, .t_us = t_us,
				   .status = RUN_ROUTED_SENT, .scripted = a != NULL };
	/* Every payment draws its preimage, so later ones do not depend on earlier outcomes. */
	for (unsigned i = 0; i < L1_PREIMAGE_LEN; i += 8) {
		uint64_t x = rng_next(&rt->rng);
		memcpy(p->preimage + i, &x, 8);
	}
	l2_htlc_hash(p->preimage, p->hash);
	payment_done(r);
	routed_event(r, p, RUN_ROUTED_SENT);
	if (!online(r, from)) {
		finish_payment(r, p, RUN_ROUTED_FAILED, RUN_FAIL_OFFLINE);
		return;
	}
	refresh(r);
	set_sender(r, from);
	l2_route_exclude_clear(rt->ctx);
	enum run_route_fail why = RUN_FAIL_NO_ROUTE;
	while (p->attempts < s->max_attempts) {
		p->attempts++;
		struct l2_route_query q = { .from = from, .to = to, .amount = amount, .height = r->chain->height,
					    .final_cltv = s->final_cltv_blocks, .max_hops = s->max_hops,
					    .mode = s->routing == SCN_ROUTING_LND ? L2_ROUTE_LND : L2_ROUTE_CHEAPEST,
					    .now_ms = r->chain->time_ms };
		struct l2_route route;
		if (l2_route_find(rt->ctx, &q, &route) != L2_ROUTE_OK ||
		    (a && a->has_max_fee && route.fee.units > a->max_fee.units)) {
			why = RUN_FAIL_NO_ROUTE;
			break;
		}
		enum l2_result res = L2_OK;
		uint32_t failed_at = add_hops(r, p, &route, &res);
		if (failed_at == route.nhops) {
			if (rt->mc)
				l2_route_mc_success(rt->mc, from, &route, route.nhops);
			p->reveal_at = r->chain->height + (a ? a->hold_blocks : 0);
			p->status = RUN_ROUTED_ADDED;
			routed_event(r, p, RUN_ROUTED_ADDED);
			push_pending(rt, p->id);
			if (!a || a->hold_blocks == 0)
				reveal(r, p);
			return;
		}
		/* Fail back from the failing hop to the sender, and leave its channel out. */
		for (uint32_t k = failed_at; k-- > 0;) {
			if (l2_htlc_fail(r->net, p->hops[k].ch, p->hops[k].htlc.id) != L2_OK)
				fatal_invariant("an HTLC just added could not be failed back");
			p->hops[k].state = RUN_HOP_PAYER;
			htlc_event(r, p, k, RUN_HTLC_REMOVED, 0);
		}
		if (rt->mc) {
			l2_route_mc_success(rt->mc, from, &route, failed_at);
			l2_route_mc_fail(rt->mc, from, route.hops[failed_at].payer, route.hops[failed_at].payee,
					 route.hops[failed_at].amount, r->chain->time_ms);
		}
		l2_route_exclude_add(rt->ctx, route.hops[failed_at].channel);
		why = fail_reason(res);
		set_sender(r, from);
	}
	finish_payment(r, p, RUN_ROUTED_FAILED, why);
}

void run_routing_send(struct runner *r, const struct scn_action *a, uint32_t from, uint32_t to, struct amount amount,
		      uint64_t t_us)
{
	send_one(r, a, from, to, amount, t_us);
}

void run_routing_send_action(struct runner *r, const struct scn_action *a)
{
	uint64_t t_us = ms_to_us(r->chain->time_ms);
	for (uint64_t i = 0; i < a->count; i++)
		send_one(r, a, a->party, a->to, a->amount, t_us);
}

/* ---- pending HTLCs ---- */

/* A pending hop whose channel is being closed: what the contract did with it. */
static void resolve_onchain(struct runner *r, struct run_payment *p, uint32_t k)
{
	struct run_hop *h = &p->hops[k];
	const struct l2_channel *lc = &r->net->channels[h->ch];
	const struct l1_channel_contract *cc = runner_l1_channels(r);
	uint32_t l1 = runner_l1_id(r, h->ch);
	if (!lc->close_submitted && l1_channel_status(cc, l1) != L1_CH_CLOSED)
		return;
	switch (l1_channel_htlc_outcome(cc, l1, h->htlc.id)) {
	case L1_HTLC_PAID_PAYEE:
		hop_resolved(r, p, k, true, RUN_HTLC_PAID_PAYEE, 0);
		break;
	case L1_HTLC_PAID_PAYER:
		hop_resolved(r, p, k, false, RUN_HTLC_PAID_PAYER, 0);
		break;
	case L1_HTLC_NOT_HELD:
		/* Settled on a state without it (added later): back to its payer through that
		 * state's balances. */
		if (l1_channel_status(cc, l1) == L1_CH_CLOSED)
			hop_resolved(r, p, k, false, RUN_HTLC_PAID_PAYER, 0);
		break;
	default:
		break;
	}
}

static bool has_pending(const struct run_payment *p)
{
	for (uint32_t k = 0; k < p->nhops; k++)
		if (p->hops[k].state == RUN_HOP_PENDING)
			return true;
	return false;
}

/* Drops payments with no pending HTLC left from the pending list (order kept). */
static void compact_pending(struct run_routing *rt)
{
	uint32_t keep = 0;
	for (uint32_t i = 0; i < rt->npending; i++)
		if (has_pending(rt->pay[rt->pending[i]]))
			rt->pending[keep++] = rt->pending[i];
	rt->npending = keep;
}

/* Path party k (0 = the sender, nhops = the receiver). */
static uint32_t path_party(const struct run_payment *p, uint32_t k)
{
	return k < p->nhops ? p->hops[k].payer : p->hops[p->nhops - 1].payee;
}

/* Online parties of p's path learn its preimage once a claim revealed it on L1. */
static void learn(struct runner *r, struct run_payment *p, uint32_t only)
{
	const struct l1_channel_contract *cc = runner_l1_channels(r);
	bool public = false;
	uint8_t pre[L1_PREIMAGE_LEN];
	for (uint32_t k = 0; k < p->nhops && !public; k++)
		public = l1_channel_claim_count(cc, runner_l1_id(r, p->hops[k].ch)) > 0 &&
			 l1_channel_preimage(cc, runner_l1_id(r, p->hops[k].ch), p->hash, pre);
	if (!public)
		return;
	for (uint32_t k = 0; k <= p->nhops; k++) {
		uint32_t party = path_party(p, k);
		if (online(r, party) && (only == UINT32_MAX || only == party))
			p->knows[k] = true;
	}
}

/* Phase 2 before the challenges: what the contract paid, what L1 revealed, and the
 * receivers that came back reveal. */
void run_routing_phase2_early(struct runner *r)
{
	struct run_routing *rt = r->routing;
	for (uint32_t i = 0; i < rt->npending; i++) {
		struct run_payment *p = rt->pay[rt->pending[i]];
		for (uint32_t k = p->nhops; k-- > 0;)
			if (p->hops[k].state == RUN_HOP_PENDING)
				resolve_onchain(r, p, k);
	}
	for (uint32_t i = 0; i < rt->npending; i++)
		learn(r, rt->pay[rt->pending[i]], UINT32_MAX);
	for (uint32_t i = 0; i < rt->npending; i++) {
		struct run_payment *p = rt->pay[rt->pending[i]];
		if (!p->revealed && r->chain->height > p->reveal_at) /* due earlier, it was offline */
			reveal(r, p);
	}
}

static void rule_closed(struct runner *r, struct run_payment *p, uint32_t k, uint64_t tx)
{
	runner_close_submitted_by_rule(r, p->hops[k].ch);
	run_routing_changed(r);
	htlc_event(r, p, k, RUN_HTLC_CLOSE, tx);
}

/* The first of the four rules that applies to each pending HTLC of p, from the
 * receiver's end back; `only` limits them to the channels of one party. */
static void apply_rules(struct runner *r, struct run_payment *p, uint32_t only)
{
	uint64_t go = r->s->go_onchain_blocks;
	for (uint32_t k = p->nhops; k-- > 0;) {
		struct run_hop *h = &p->hops[k];
		if (h->state != RUN_HOP_PENDING || (only != UINT32_MAX && h->payer != only && h->payee != only))
			continue;
		resolve_onchain(r, p, k);
		if (h->state != RUN_HOP_PENDING)
			continue;
		const uint8_t *pre = p->knows[k + 1] ? p->preimage : NULL;
		uint64_t tx = 0;
		switch (l2_htlc_step(r->net, h->ch, &h->htlc, pre, go, &tx)) {
		case L2_HTLC_SETTLED:
			h->settled_offchain = true;
			p->knows[k] = true;
			hop_resolved(r, p, k, true, RUN_HTLC_SETTLED, 0);
			break;
		case L2_HTLC_REMOVED:
			hop_resolved(r, p, k, false, RUN_HTLC_REMOVED, 0);
			for (uint32_t j = k; j-- > 0;) {
				struct run_hop *u = &p->hops[j];
				if (u->state != RUN_HOP_PENDING)
					continue;
				if (l2_htlc_rule_remove(r->net, u->ch, u->htlc.id, p->knows[j + 1] ? p->preimage : NULL,
							true) == L2_HTLC_REMOVED)
					hop_resolved(r, p, j, false, RUN_HTLC_REMOVED, 0);
			}
			break;
		case L2_HTLC_CLOSED:
			rule_closed(r, p, k, tx);
			break;
		case L2_HTLC_CLAIMED:
			htlc_event(r, p, k, RUN_HTLC_CLAIM, tx);
			break;
		case L2_HTLC_NOTHING:
			break;
		}
	}
}

/* Phase 2 after the challenges: the pending HTLCs, payment by payment in send order. */
void run_routing_phase2_rules(struct runner *r)
{
	struct run_routing *rt = r->routing;
	for (uint32_t i = 0; i < rt->npending; i++)
		apply_rules(r, rt->pay[rt->pending[i]], UINT32_MAX);
	compact_pending(rt);
}

/* The start of phase 3: held payments whose time has come are revealed. */
void run_routing_phase3_reveals(struct runner *r)
{
	struct run_routing *rt = r->routing;
	for (uint32_t i = 0; i < rt->npending; i++) {
		struct run_payment *p = rt->pay[rt->pending[i]];
		if (!p->revealed && r->chain->height >= p->reveal_at)
			reveal(r, p);
	}
	compact_pending(rt);
}

/* An `online` action: party learns, reveals if it holds a payment due, and the rules
 * apply at once to the HTLCs of its channels. */
void run_routing_online(struct runner *r, uint32_t party)
{
	struct run_routing *rt = r->routing;
	for (uint32_t i = 0; i < rt->npending; i++) {
		struct run_payment *p = rt->pay[rt->pending[i]];
		learn(r, p, party);
		if (p->to == party && !p->revealed && r->chain->height >= p->reveal_at)
			reveal(r, p);
	}
	for (uint32_t i = 0; i < rt->npending; i++)
		apply_rules(r, rt->pay[rt->pending[i]], party);
	compact_pending(rt);
}

/* SPEC section 10: the run does not end while a contract holds an HTLC, nor while an
 * off-chain HTLC is pending below its expiry. */
bool run_routing_busy(const struct runner *r)
{
	const struct run_routing *rt = r->routing;
	if (l1_channel_htlcs_held(runner_l1_channels(r)) > 0 || run_workloads_trace_left(r))
		return true;
	for (uint32_t i = 0; i < rt->npending; i++) {
		const struct run_payment *p = rt->pay[rt->pending[i]];
		for (uint32_t k = 0; k < p->nhops; k++) {
			const struct run_hop *h = &p->hops[k];
			if (h->state == RUN_HOP_PENDING && r->chain->height < h->htlc.expiry &&
			    !r->net->channels[h->ch].close_submitted)
				return true;
		}
	}
	return false;
}

/* ---- the run's end: htlc_losses ---- */

/* Party submitted a stale or tampered close of a channel of p's path. */
static bool cheated_on_path(const struct runner *r, const struct run_payment *p, uint32_t party)
{
	for (uint32_t k = 0; k < p->nhops; k++) {
		int i = l2_channel_index(r->net, p->hops[k].ch, party);
		if (i >= 0 && l2_channel_cheated(&r->net->channels[p->hops[k].ch], (uint32_t)i))
			return true;
	}
	return false;
}

void run_routing_finish(struct runner *r)
{
	struct run_routing *rt = r->routing;
	for (uint32_t i = 0; i < rt->npay; i++) {
		const struct run_payment *p = rt->pay[i];
		for (uint32_t k = 1; k <= p->nhops; k++) {
			const struct run_hop *in = &p->hops[k - 1];
			bool gave_up = k < p->nhops ? p->hops[k].state == RUN_HOP_PAYEE : p->revealed;
			if (!gave_up || in->state != RUN_HOP_PAYER || in->settled_offchain)
				continue;
			uint32_t party = path_party(p, k);
			if (cheated_on_path(r, p, party))
				continue;
			struct run_event e = event(r, RUN_EV_HTLC_LOSS, NULL);
			e.u.loss.p = p;
			e.u.loss.party = party;
			e.u.loss.why = k < p->nhops ? "its outgoing HTLC was paid, its incoming one went back to its payer"
						    : "it revealed the preimage, its incoming HTLC went back to its payer";
			runner_emit(r, &e);
		}
	}
}
