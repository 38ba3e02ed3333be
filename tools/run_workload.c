/* The workloads' payments (SPEC section 5): Poisson arrivals per workload, drawn from
 * each workload's own stream, made ahead and prefetched (see draw_ahead). This is the
 * runner's hot path: a payment's event is made only when an observer takes them. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "l1sim/util.h"
#include "tools/obs_metrics.h"
#include "tools/runner_internal.h"

/* ---- workloads ---- */

/* The next arrival of workload w: its clock advances by Exp(1/rate) in double
 * microseconds, so rates above 10^6 per second keep their mean. */
static double next_arrival(struct rng *g, double rate, double from_us)
{
	return from_us + rng_exp(g, 1e6 / rate);
}

static uint64_t us_of(double t)
{
	return t >= 1.8e19 ? UINT64_MAX : (uint64_t)t;
}

/* Workload w's draws for one payment, from g: the channel, then (given the channel's
 * party count np) the two parties and the amount. rng_below_bound gives the values
 * rng_below would. */
static uint32_t draw_channel(const struct runner *r, const struct scn_workload *wl, const struct wl_draw *d,
			     struct rng *g)
{
	(void)r;
	return wl->all_channels ? (uint32_t)rng_below_bound(g, &d->channels)
				: wl->channels[rng_below_bound(g, &d->channels)];
}

/* rng_range(g, min, max) of the workload's amounts, with the bound prepared. */
static uint64_t draw_amount(const struct scn_workload *wl, const struct wl_draw *d, struct rng *g)
{
	if (d->amounts.n == 0) /* the full 64-bit range */
		return rng_next(g);
	return wl->min.units + rng_below_bound(g, &d->amounts);
}

/* Random channels miss the caches, and a payment's loads depend on each other (the
 * channel's record, then its latest state). So when all of a workload's channels have
 * the same party count (d->np), its draws are made RUNNER_LOOKAHEAD payments ahead, in
 * the order they would be made anyway (channel, the two parties, amount, then the gap
 * to the next arrival), and kept in a ring: the generator is the workload's own, so the
 * values are the same, only drawn earlier. While payment k runs, the record of payment
 * k + RUNNER_LOOKAHEAD is fetched, and the latest state of payment
 * k + RUNNER_LOOKAHEAD / 2, whose record was fetched RUNNER_LOOKAHEAD / 2 payments ago.
 * Draws left in the ring when the workload ends are simply never used. */
static void draw_ahead(struct runner *r, const struct scn_workload *wl, struct wl_draw *d, struct rng *g)
{
	struct wl_pay *p = &d->ring[(d->head + d->len++) % RUNNER_LOOKAHEAD];
	p->ch = draw_channel(r, wl, d, g);
	p->i = (uint32_t)rng_below(g, d->np);
	p->j = (uint32_t)rng_below(g, d->np - 1);
	if (p->j >= p->i)
		p->j++;
	p->amount = draw_amount(wl, d, g);
	p->gap_us = rng_exp(g, d->mean_us);
	/* Its first 32 bytes, which may straddle two lines. */
	__builtin_prefetch(&r->net->channels[p->ch]);
	__builtin_prefetch((const char *)&r->net->channels[p->ch] + 31);
}

/* The next payment of workload w from the ring (d->np != 0). */
static struct wl_pay next_from_ring(struct runner *r, const struct scn_workload *wl, struct wl_draw *d,
				    struct rng *g)
{
	while (d->len < RUNNER_LOOKAHEAD)
		draw_ahead(r, wl, d, g);
	struct wl_pay p = d->ring[d->head];
	d->head = (d->head + 1) % RUNNER_LOOKAHEAD;
	d->len--;
	draw_ahead(r, wl, d, g);
	uint32_t near = d->ring[(d->head + RUNNER_LOOKAHEAD / 2 - 1) % RUNNER_LOOKAHEAD].ch;
	const struct l2_channel *c = &r->net->channels[near];
	/* A two-party state is 72 bytes (80 with malloc's header): mostly two lines. */
	if (c->latest) { /* NULL while the channel's open is not accepted: no pointer arithmetic on it */
		__builtin_prefetch(c->latest);
		__builtin_prefetch((const char *)c->latest + 64);
	}
	obs_metrics_prefetch(r->metrics, near);
	return p;
}

/* The gap to workload w's next arrival, drawn after its last payment: from the ring,
 * or now. Either way the value of rng_exp(g, mean_us) at the same point of g's sequence. */
static double next_gap(struct runner *r, uint32_t w, double mean_us)
{
	struct wl_draw *d = &r->wl_draw[w];
	return d->np ? d->last_gap_us : rng_exp(&r->wl_rng[w], mean_us);
}

/* rng_below's bounds for a routed workload's two parties: n and n - 1 of its set (the
 * loader makes sure of n >= 2). */
struct party_bounds {
	struct rng_bound first, second;
};

static struct party_bounds party_bounds_of(const struct runner *r, const struct scn_workload *wl)
{
	uint32_t np = wl->all_parties ? r->s->nparties : wl->nparties;
	return (struct party_bounds){ rng_bound_make(np), rng_bound_make(np - 1) };
}

/* A routed workload's payment (SPEC section 10), or one with a via other than channels
 * (section 11): a uniformly chosen ordered pair of distinct parties of its set, then
 * the amount, from the workload's own stream; then the scheme it goes through. pb:
 * the workload's party bounds, made once a block (rng_below_bound draws what rng_below
 * would, with one division instead of three). */
static void routed_payment(struct runner *r, const struct scn_workload *wl, const struct wl_draw *d, struct rng *g,
			   const struct party_bounds *pb, uint64_t t_us)
{
	uint32_t i = (uint32_t)rng_below_bound(g, &pb->first);
	uint32_t j = (uint32_t)rng_below_bound(g, &pb->second);
	if (j >= i)
		j++;
	struct amount amt = AMOUNT(draw_amount(wl, d, g));
	if (!wl->all_parties) {
		i = wl->parties[i];
		j = wl->parties[j];
	}
	switch (wl->via) {
	case SCN_VIA_CHANNELS:
		run_routing_send(r, NULL, i, j, amt, t_us);
		break;
	case SCN_VIA_L1:
		run_transfer_pay(r, i, j, amt, t_us);
		break;
	case SCN_VIA_ROLLUP:
		run_rollups_pay(r, wl->via_index, i, j, amt, t_us);
		break;
	case SCN_VIA_SIDECHAIN:
		run_sidechains_pay(r, wl->via_index, i, j, amt, t_us);
		break;
	}
}

static void workload_payment(struct runner *r, uint32_t w, const struct party_bounds *pb, uint64_t t_us)
{
	const struct scn_workload *wl = &r->s->workload[w];
	struct wl_draw *d = &r->wl_draw[w];
	struct rng *g = &r->wl_rng[w];
	uint32_t ch, i, j;
	struct amount amt;
	if (wl->routed || wl->via != SCN_VIA_CHANNELS) {
		struct party_bounds here;
		if (!pb) {
			here = party_bounds_of(r, wl);
			pb = &here;
		}
		routed_payment(r, wl, d, g, pb, t_us);
		return;
	}
	if (d->np) {
		struct wl_pay p = next_from_ring(r, wl, d, g);
		ch = p.ch;
		i = p.i;
		j = p.j;
		amt = AMOUNT(p.amount);
		d->last_gap_us = p.gap_us;
	} else {
		ch = draw_channel(r, wl, d, g);
		uint32_t np = r->net->channels[ch].nparties;
		i = (uint32_t)rng_below(g, np);
		j = (uint32_t)rng_below(g, np - 1);
		if (j >= i)
			j++;
		amt = AMOUNT(draw_amount(wl, d, g));
	}
	enum l2_result res = l2_channel_pay_index(r->net, ch, i, j, amt);
	payment_done(r);
	if (res == L2_OK)
		r->wl_ok_block++;
	else
		r->wl_failed_block++;
	if (observed(r, RUN_EV_PAYMENT)) { /* the trace, or finality records: not the bench's case */
		/* The net's channel ch lists the scenario channel's parties in the same order. */
		const struct l2_channel *sc = &r->net->channels[ch];
		struct run_event e = event(r, RUN_EV_PAYMENT, NULL);
		e.u.pay.channel = ch;
		e.u.pay.from = sc->parties[i];
		e.u.pay.to = sc->parties[j];
		e.u.pay.amount = amt;
		e.u.pay.t_us = t_us;
		e.u.pay.result = res;
		runner_emit(r, &e);
	}
}

/* Trace workloads (CLoTH's payments CSV): each row at from_block's time + start_ms,
 * from the first block at or after from_block whose interval holds it, whatever the
 * estimated to_block; after the Poisson workloads of the same block (a decision SPEC
 * leaves open: traces are not interleaved with them by time). wl_next_us keeps
 * from_block's time, wl_draw[w].head the next row. */
static void trace_payments(struct runner *r, uint64_t t_us, uint64_t next_us)
{
	for (uint32_t w = 0; w < r->s->nworkload; w++) {
		const struct scn_workload *wl = &r->s->workload[w];
		struct wl_draw *d = &r->wl_draw[w];
		if (wl->kind != SCN_WL_TRACE || r->chain->height < wl->from_block)
			continue;
		if (r->chain->height == wl->from_block)
			r->wl_next_us[w] = (double)t_us;
		while (d->head < wl->ntrace) {
			const struct scn_trace_payment *tp = &wl->trace[d->head];
			uint64_t at = us_of(r->wl_next_us[w] + (double)ms_to_us(tp->start_ms));
			if (at >= next_us)
				break;
			d->head++;
			run_routing_send(r, NULL, tp->from, tp->to, tp->amount, at);
		}
	}
}

/* Trace rows not sent yet: the run goes on until they are. */
bool run_workloads_trace_left(const struct runner *r)
{
	for (uint32_t w = 0; w < r->s->nworkload; w++)
		if (r->s->workload[w].kind == SCN_WL_TRACE && r->wl_draw[w].head < r->s->workload[w].ntrace)
			return true;
	return false;
}

/* Payments due in (t_h, t_h+1) of every workload active in block h, in time order. */
void run_workloads_block(struct runner *r)
{
	uint64_t h = r->chain->height;
	uint64_t t_us = ms_to_us(r->chain->time_ms);
	uint64_t next_us = ms_to_us(l1_chain_next_block_time(r->chain));
	struct evq q;
	evq_init(&q);
	for (uint32_t w = 0; w < r->s->nworkload; w++) {
		const struct scn_workload *wl = &r->s->workload[w];
		if (wl->kind == SCN_WL_TRACE || h < wl->from_block || h >= wl->to_block ||
		    (r->s->nchannels == 0 && wl->via == SCN_VIA_CHANNELS))
			continue;
		if (h == wl->from_block)
			r->wl_next_us[w] = next_arrival(&r->wl_rng[w], wl->rate_per_s, (double)t_us);
		if (us_of(r->wl_next_us[w]) < next_us)
			evq_push(&q, us_of(r->wl_next_us[w]), 0, w, 0);
	}
	struct evq_event ev;
	if (q.len == 1) {
		/* One workload due in this block: its payments in order, without the queue. */
		uint32_t w = q.heap[0].arg32;
		double mean_us = 1e6 / r->s->workload[w].rate_per_s;
		const struct scn_workload *wl = &r->s->workload[w];
		struct party_bounds pb = { { 0, 0 }, { 0, 0 } };
		bool routed = wl->routed || wl->via != SCN_VIA_CHANNELS;
		if (routed)
			pb = party_bounds_of(r, wl);
		while (us_of(r->wl_next_us[w]) < next_us) {
			workload_payment(r, w, routed ? &pb : NULL, us_of(r->wl_next_us[w]));
			r->wl_next_us[w] += next_gap(r, w, mean_us);
		}
		q.len = 0;
	}
	while (evq_pop(&q, &ev)) {
		uint32_t w = ev.arg32;
		workload_payment(r, w, NULL, ev.time_ms);
		r->wl_next_us[w] = r->wl_next_us[w] + next_gap(r, w, 1e6 / r->s->workload[w].rate_per_s);
		if (us_of(r->wl_next_us[w]) < next_us)
			evq_push(&q, us_of(r->wl_next_us[w]), 0, w, 0);
	}
	evq_free(&q);
	trace_payments(r, t_us, next_us);
	if (r->wl_ok_block || r->wl_failed_block) {
		struct run_event e = event(r, RUN_EV_WORKLOAD_BLOCK, NULL);
		e.u.count.ok = r->wl_ok_block;
		e.u.count.failed = r->wl_failed_block;
		runner_emit(r, &e);
	}
	r->wl_ok_block = r->wl_failed_block = 0;
}

void run_workloads_prepare(struct runner *r)
{
	const struct scenario *s = r->s;
	r->wl_rng = xcalloc(s->nworkload ? s->nworkload : 1, sizeof(*r->wl_rng));
	r->wl_next_us = xcalloc(s->nworkload ? s->nworkload : 1, sizeof(*r->wl_next_us));
	r->wl_draw = xcalloc(s->nworkload ? s->nworkload : 1, sizeof(*r->wl_draw));
	for (uint32_t w = 0; w < s->nworkload; w++) {
		const struct scn_workload *wl = &s->workload[w];
		struct wl_draw *d = &r->wl_draw[w];
		uint32_t nch = wl->routed || wl->kind == SCN_WL_TRACE || wl->via != SCN_VIA_CHANNELS ? 0
			       : wl->all_channels ? s->nchannels : wl->nchannels;
		d->channels = rng_bound_make(nch ? nch : 1);
		d->mean_us = 1e6 / wl->rate_per_s;
		uint64_t span = wl->max.units - wl->min.units;
		d->amounts = span == UINT64_MAX ? (struct rng_bound){ 0, 0 } : rng_bound_make(span + 1);
		/* The lookahead needs one party count for all the workload's channels. */
		d->np = 0;
		for (uint32_t k = 0; k < nch; k++) {
			uint32_t np = scn_channel_nparties(s, wl->all_channels ? k : wl->channels[k]);
			if (k == 0)
				d->np = np;
			else if (np != d->np) {
				d->np = 0;
				break;
			}
		}
		rng_init(&r->wl_rng[w], s->seed, 0x574c0000u + w);
		if (s->workload[w].to_block > r->last_activity_block)
			r->last_activity_block = s->workload[w].to_block;
	}
}

