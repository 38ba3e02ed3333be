#include "obs_metrics.h"

#include <math.h>
#include <stdlib.h>

#include "l1sim/util.h"
#include "tools/runner_internal.h"

/* ---- samples ---- */

void samples_add(struct samples *s, uint64_t value, uint64_t count)
{
	if (s->n && s->v[s->n - 1].value == value) {
		s->v[s->n - 1].count += count;
	} else {
		if (s->n == s->cap)
			s->v = xreallocarray(s->v, s->cap = s->cap ? 2 * s->cap : 64, sizeof(*s->v));
		s->v[s->n].value = value;
		s->v[s->n++].count = count;
	}
	s->total += count;
}

static int cmp_sample(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

void samples_sort(struct samples *s)
{
	if (s->n > 1) /* qsort's array must not be NULL (it is when empty), and one needs no sort */
		qsort(s->v, s->n, sizeof(*s->v), cmp_sample);
}

uint64_t samples_percentile(const struct samples *s, double p)
{
	/* nearest rank: the smallest value whose cumulative count reaches ceil(p/100 * N) */
	uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)s->total);
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (size_t i = 0; i < s->n; i++) {
		seen += s->v[i].count;
		if (seen >= rank)
			return s->v[i].value;
	}
	return s->n ? s->v[s->n - 1].value : 0;
}

/* ---- finality ---- */

/* mc's finality record, made at its first use; valid until the next call. */
static struct run_finality *fin_of(struct obs_metrics *m, struct metrics_channel *mc)
{
	if (!mc->fin) {
		if (m->nfins == m->cap_fins)
			m->fins = xreallocarray(m->fins, m->cap_fins = m->cap_fins ? 2 * m->cap_fins : 8, sizeof(*m->fins));
		m->fins[m->nfins] = (struct run_finality){ NULL, 0, 0 };
		mc->fin = ++m->nfins;
	}
	return &m->fins[mc->fin - 1];
}

/* count ok payments on ch at (height, t_us), for finality (m->ch is set). Only a
 * closable channel keeps their times: the others' payments are unsettled, counted. */
static void record_payments(struct obs_metrics *m, const struct runner *r, uint32_t ch, uint64_t h,
			    uint64_t t_us, uint64_t count)
{
	struct metrics_channel *mc = &m->ch[ch];
	mc->payments_ok += count;
	if (!r->ch[ch].closable)
		return;
	struct run_finality *f = fin_of(m, mc);
	if (f->nruns && f->runs[f->nruns - 1].height == h && f->runs[f->nruns - 1].t_us == t_us) {
		f->runs[f->nruns - 1].count += count;
		return;
	}
	if (f->nruns == f->cap_runs)
		f->runs = xreallocarray(f->runs, f->cap_runs = f->cap_runs ? 2 * f->cap_runs : 4, sizeof(*f->runs));
	f->runs[f->nruns++] = (struct pay_run){ h, t_us, count };
}

/* Channel ch's settlement is final: so is every payment it carried. */
static void settlement_final(struct obs_metrics *m, uint32_t ch, const struct run_event *ev)
{
	if (!m->ch)
		return;
	struct metrics_channel *mc = &m->ch[ch];
	mc->settled_final = true;
	if (!mc->fin)
		return;
	struct run_finality *f = &m->fins[mc->fin - 1];
	uint64_t t_fin_us = ms_to_us(ev->time_ms);
	for (uint32_t i = 0; i < f->nruns; i++) {
		samples_add(&m->fin_blocks, ev->height - f->runs[i].height, f->runs[i].count);
		samples_add(&m->fin_us, t_fin_us - f->runs[i].t_us, f->runs[i].count);
	}
	free(f->runs);
	f->runs = NULL;
	f->nruns = f->cap_runs = 0;
}

/* ---- security ---- */

bool obs_metrics_shortfall(const struct runner *r, uint32_t ch, uint32_t i, struct amount *owed_out)
{
	const struct l1_channel_contract *cc = runner_l1_channels(r);
	uint32_t l1 = runner_l1_id(r, ch);
	const struct l2_channel *lc = &r->net->channels[ch];
	struct amount owed = AMOUNT(0), extra;
	if (lc->latest && amount_sub(&extra, l1_channel_deposited(cc, l1, i), lc->latest->included[i]) &&
	    !amount_add(&owed, lc->latest->balances[i], extra))
		owed.units = UINT64_MAX;
	*owed_out = owed;
	return !l2_channel_cheated(lc, i) && amount_lt(l1_channel_balance_payout(cc, l1, i), owed);
}

static void settled(struct obs_metrics *m, const struct runner *r, uint32_t ch)
{
	uint32_t np = l1_channel_nparties(runner_l1_channels(r), runner_l1_id(r, ch));
	struct amount owed;
	for (uint32_t i = 0; i < np; i++)
		if (obs_metrics_shortfall(r, ch, i, &owed))
			m->security_violations++;
}

/* ---- routed payments ---- */

static uint64_t us_of_ms(double ms)
{
	double us = ms * 1000.0;
	return us >= 1.8e19 ? UINT64_MAX : (uint64_t)(us + 0.5);
}

static void routed(struct obs_metrics *m, const struct runner *r, const struct run_event *ev)
{
	struct obs_routing *rt = &m->rt;
	const struct run_payment *p = ev->u.routed.p;
	switch (ev->u.routed.step) {
	case RUN_ROUTED_SENT:
		rt->sent++;
		break;
	case RUN_ROUTED_ADDED:
		rt->attempts += p->attempts;
		break;
	case RUN_ROUTED_OK:
		if (rt->nokp == rt->cap_okp)
			rt->okp = xreallocarray(rt->okp, rt->cap_okp = rt->cap_okp ? 2 * rt->cap_okp : 16, sizeof(*rt->okp));
		rt->okp[rt->nokp++] = p;
		rt->ok++;
		m->payments_ok++;
		samples_add(&rt->hops, p->nhops, 1);
		if (!amount_add_to(&rt->fees, p->fee))
			rt->fees.units = UINT64_MAX;
		/* a round trip per hop to add, another to settle, plus the time it was held:
		 * from its send to the receiver's reveal (an ok payment was revealed) */
		samples_add(&rt->offchain_us,
			    us_of_ms(4.0 * p->nhops * r->s->latency_ms) + ms_to_us(p->reveal_ms - p->sent_ms), 1);
		break;
	case RUN_ROUTED_FAILED:
		rt->failed++;
		m->payments_failed++;
		rt->failures[p->reason]++;
		if (p->reason != RUN_FAIL_EXPIRED) /* an expired one counted its attempts when added */
			rt->attempts += p->attempts;
		break;
	}
}

static void htlc_step(struct obs_metrics *m, const struct run_event *ev)
{
	if (ev->u.htlc.step == RUN_HTLC_SETTLED)
		m->rt.settled_offchain++;
	else if (ev->u.htlc.step == RUN_HTLC_REMOVED)
		m->rt.failed_offchain++;
}

/* A routed payment's L1 finality is reached when every channel of its path has a
 * final settlement (SPEC section 10): the latest of them. */
static void routed_finality(struct obs_metrics *m)
{
	struct obs_routing *rt = &m->rt;
	for (size_t i = 0; i < rt->nokp; i++) {
		const struct run_payment *p = rt->okp[i];
		uint64_t h1 = 0, us = 0;
		bool all = true;
		for (uint32_t k = 0; k < p->nhops && all; k++) {
			uint32_t ch = p->hops[k].ch;
			all = rt->final_h1[ch] != 0;
			if (all && rt->final_h1[ch] > h1) {
				h1 = rt->final_h1[ch];
				us = rt->final_us[ch];
			}
		}
		if (!all) {
			m->unsettled_payments++;
			continue;
		}
		samples_add(&m->fin_blocks, h1 - 1 - p->sent_height, 1);
		samples_add(&m->fin_us, us - p->t_us, 1);
	}
}

/* ---- the run's end ---- */

static void finish(struct obs_metrics *m, const struct runner *r)
{
	m->unsettled_payments = 0;
	if (m->ch) {
		for (uint32_t i = 0; i < r->s->nchannels; i++)
			if (!m->ch[i].settled_final)
				m->unsettled_payments += m->ch[i].payments_ok;
	} else {
		m->unsettled_payments = m->payments_ok - m->rt.ok;
	}
	if (m->rt.on)
		routed_finality(m);
	if (m->rt.on) {
		uint64_t direct = m->payments_ok - m->rt.ok;
		if (direct)
			samples_add(&m->rt.offchain_us, us_of_ms(2.0 * r->s->latency_ms), direct);
		samples_sort(&m->rt.offchain_us);
		samples_sort(&m->rt.hops);
	}
	samples_sort(&m->fin_blocks);
	samples_sort(&m->fin_us);
}

static void on_event(void *ctx, const struct runner *r, const struct run_event *ev)
{
	struct obs_metrics *m = ctx;
	switch (ev->kind) {
	case RUN_EV_TX_INCLUDED:
		if (ev->u.tx.fee_only)
			break;
		if (ev->u.tx.op == L1_CHANNEL_UNILATERAL_CLOSE) {
			m->unilateral_closes++;
			m->stale_closes += ev->u.tx.stale;
		} else if (ev->u.tx.op == L1_CHANNEL_CHALLENGE) {
			m->challenges++;
			m->stale_closes_caught += ev->u.tx.first_catch;
		}
		break;
	case RUN_EV_SETTLED:
		settled(m, r, ev->u.channel);
		break;
	case RUN_EV_SETTLEMENT_FINAL:
		if (m->rt.on && !m->rt.final_h1[ev->u.channel]) {
			m->rt.final_h1[ev->u.channel] = ev->height + 1;
			m->rt.final_us[ev->u.channel] = ms_to_us(ev->time_ms);
		}
		settlement_final(m, ev->u.channel, ev);
		break;
	case RUN_EV_PAYMENT: /* subscribed only when m->ch is kept; scripted ones come in PAY_ACTION */
		if (!ev->u.pay.scripted && ev->u.pay.result == L2_OK)
			record_payments(m, r, ev->u.pay.channel, ev->height, ev->u.pay.t_us, 1);
		break;
	case RUN_EV_PAY_ACTION:
		m->payments_ok += ev->u.pay_action.ok;
		m->payments_failed += ev->u.pay_action.failed;
		if (m->ch && ev->u.pay_action.ok)
			record_payments(m, r, ev->action->channel, ev->height, ev->u.pay_action.t_us, ev->u.pay_action.ok);
		break;
	case RUN_EV_WORKLOAD_BLOCK:
		m->payments_ok += ev->u.count.ok;
		m->payments_failed += ev->u.count.failed;
		break;
	case RUN_EV_ACTION_FAILED:
		m->actions_failed++;
		break;
	case RUN_EV_RUN_END:
		finish(m, r);
		break;
	case RUN_EV_ROUTED:
		routed(m, r, ev);
		break;
	case RUN_EV_HTLC:
		htlc_step(m, ev);
		break;
	case RUN_EV_HTLC_LOSS:
		m->rt.htlc_losses++;
		break;
	default:
		break;
	}
}

struct obs_metrics *obs_metrics_new(struct runner *r)
{
	struct obs_metrics *m = xcalloc(1, sizeof(*m));
	uint32_t mask = RUN_EV_MASK(RUN_EV_TX_INCLUDED) | RUN_EV_MASK(RUN_EV_SETTLED) |
			RUN_EV_MASK(RUN_EV_SETTLEMENT_FINAL) | RUN_EV_MASK(RUN_EV_PAY_ACTION) |
			RUN_EV_MASK(RUN_EV_WORKLOAD_BLOCK) | RUN_EV_MASK(RUN_EV_ACTION_FAILED) |
			RUN_EV_MASK(RUN_EV_RUN_END);
	if (r->any_closable) { /* finality needs each payment's time */
		m->ch = xcalloc(r->s->nchannels ? r->s->nchannels : 1, sizeof(*m->ch));
		mask |= RUN_EV_MASK(RUN_EV_PAYMENT);
	}
	if (r->routing) {
		m->rt.on = true;
		m->rt.final_h1 = xcalloc(r->s->nchannels ? r->s->nchannels : 1, sizeof(*m->rt.final_h1));
		m->rt.final_us = xcalloc(r->s->nchannels ? r->s->nchannels : 1, sizeof(*m->rt.final_us));
		mask |= RUN_EV_MASK(RUN_EV_ROUTED) | RUN_EV_MASK(RUN_EV_HTLC) | RUN_EV_MASK(RUN_EV_HTLC_LOSS);
	}
	runner_subscribe(r, mask, on_event, m);
	return m;
}

void obs_metrics_free(struct obs_metrics *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; i < m->nfins; i++)
		free(m->fins[i].runs);
	free(m->fins);
	free(m->ch);
	free(m->fin_blocks.v);
	free(m->fin_us.v);
	free(m->rt.hops.v);
	free(m->rt.final_h1);
	free(m->rt.final_us);
	free(m->rt.okp);
	free(m->rt.offchain_us.v);
	free(m);
}
