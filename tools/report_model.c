#include "report_model.h"

#include "l1sim/util.h"
#include "tools/obs_metrics.h"
#include "tools/report_schemes.h"

#include "tools/version.h"

const char *report_close_str(enum report_close c)
{
	switch (c) {
	case REPORT_CLOSE_COOPERATIVE: return "cooperative";
	case REPORT_CLOSE_UNILATERAL: return "unilateral";
	default: return NULL;
	}
}

struct report_stats report_stats_of(const struct samples *s, double scale)
{
	struct report_stats st = { 0 };
	if (s->total == 0)
		return st;
	st.has = true;
	st.min = (double)s->v[0].value / scale;
	st.p50 = (double)samples_percentile(s, 50) / scale;
	st.p95 = (double)samples_percentile(s, 95) / scale;
	st.max = (double)s->v[s->n - 1].value / scale;
	return st;
}

static void state_hash_hex(const struct l1_chain *c, char out[65])
{
	uint8_t h[32];
	l1_chain_state_hash(c, h);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

void report_model_build(struct report_model *m, const struct runner *r)
{
	const struct scenario *s = r->s;
	const struct l1_chain *c = r->chain;
	const struct obs_metrics *x = runner_metrics(r);
	*m = (struct report_model){ .r = r, .s = s };
	m->scenario = s->name;
	m->description = s->description;
	m->version = L2SIM_VERSION;
	m->seed = s->seed;
	m->blocks = c->height;
	m->sim_time_s = (double)c->time_ms / 1000.0;
	m->has_time = c->time_ms > 0;

	m->l1_txs = c->txs_included;
	m->channel_txs = l1_channel_txs(runner_l1_channels(r));
	m->dropped_txs = c->txs_dropped;
	m->fees = c->fees;
	m->capacity_tps = (double)c->params.block_tx_limit / s->block_interval_s;

	m->payments_ok = x->payments_ok;
	m->payments_failed = x->payments_failed;
	m->actions_failed = x->actions_failed;
	m->has_tps = m->has_time;
	if (m->has_tps)
		m->tps = (double)x->payments_ok / m->sim_time_s;
	m->has_gain = m->channel_txs > 0;
	if (m->has_gain) {
		m->gain = ((double)x->payments_ok + (double)m->channel_txs) / (double)m->channel_txs;
		m->payments_per_channel_tx = (double)x->payments_ok / (double)m->channel_txs;
	}

	if (x->rt.on) { /* routed ones take 4 x hops x latency plus the time held */
		m->offchain_ms = report_stats_of(&x->rt.offchain_us, 1000.0);
	} else if (x->payments_ok) { /* one round trip of the message delay, for every payment */
		double rt = 2.0 * s->latency_ms;
		m->offchain_ms = (struct report_stats){ true, rt, rt, rt, rt };
	}
	m->l1_blocks = report_stats_of(&x->fin_blocks, 1.0);
	m->l1_s = report_stats_of(&x->fin_us, 1e6);
	m->unsettled_payments = x->unsettled_payments;
	m->bound_blocks = c->params.confirmations;
	m->has_min_l1_blocks = x->fin_blocks.total > 0;
	if (m->has_min_l1_blocks)
		m->min_l1_blocks = x->fin_blocks.v[0].value;
	m->t23_holds = !m->has_min_l1_blocks || m->min_l1_blocks >= c->params.confirmations;

	m->unilateral_closes = x->unilateral_closes;
	m->stale_closes = x->stale_closes;
	m->challenges = x->challenges;
	m->stale_closes_caught = x->stale_closes_caught;
	m->security_violations = x->security_violations;
	m->t21_holds = x->security_violations == 0 && x->rt.htlc_losses == 0;
	if (x->rt.on) {
		const struct l1_channel_contract *cc = runner_l1_channels(r);
		m->has_routing = true;
		m->rt_sent = x->rt.sent;
		m->rt_ok = x->rt.ok;
		m->rt_failed = x->rt.failed;
		m->rt_pending = x->rt.sent - x->rt.ok - x->rt.failed;
		m->rt_attempts = x->rt.attempts;
		m->rt_htlc_losses = x->rt.htlc_losses;
		m->rt_hops = report_stats_of(&x->rt.hops, 1.0);
		m->rt_fees = x->rt.fees;
		for (int i = 0; i < RUN_FAIL_KINDS; i++)
			m->rt_failures[i] = x->rt.failures[i];
		m->htlcs_settled_offchain = x->rt.settled_offchain;
		m->htlcs_failed_offchain = x->rt.failed_offchain;
		m->htlcs_claimed_onchain = l1_channel_claimed_onchain(cc);
		m->htlcs_refunded_onchain = l1_channel_refunded_onchain(cc);
	}

	m->signatures = s->signatures;
	m->signs = r->net->signs;
	m->verifies = r->net->verifies + l1_channel_verifies(runner_l1_channels(r));

	if (s->generate.present) {
		const struct scn_generate *g = &s->generate;
		m->has_generated = true;
		for (uint32_t k = 0; k < g->channels; k++)
			m->gen_status[runner_channel_status(r, g->first_channel + k)]++;
		for (uint32_t k = 0; k < g->parties; k++)
			if (!amount_add_to(&m->gen_balances, report_model_balance(m, g->first_party + k)))
				fatal_invariant("balances exceed the supply");
	}
	/* SPEC section 11: Theorem 2.1 holds when every scheme's violations are 0. */
	m->has_schemes = s->schemes_feature != NULL;
	if (m->has_schemes) {
		m->scheme_violations = report_schemes_violations(m);
		m->t21_holds = m->scheme_violations == 0;
	}
	m->hit_block_cap = r->hit_block_cap;
	state_hash_hex(c, m->state_hash);
}

struct amount report_model_balance(const struct report_model *m, uint32_t p)
{
	return l1_chain_balance(m->r->chain, m->r->net->parties[p].account);
}

bool report_model_lists_party(const struct report_model *m, uint32_t p)
{
	return m->s->generate.in_report || !scn_party_is_generated(m->s, p);
}

bool report_model_lists_channel(const struct report_model *m, uint32_t ch)
{
	return m->s->generate.in_report || !scn_channel_is_generated(m->s, ch);
}

void report_model_channel(const struct report_model *m, uint32_t ch, char idbuf[SCN_ID_LEN], struct report_channel *out)
{
	const struct runner *r = m->r;
	const struct l1_channel_contract *cc = runner_l1_channels(r);
	uint32_t l1 = runner_l1_id(r, ch);
	const struct l2_channel *lc = &r->net->channels[ch];
	enum l1_close_kind close = l1_channel_close_kind(cc, l1);
	*out = (struct report_channel){ .id = scn_channel_id(m->s, ch, idbuf) };
	out->status = runner_channel_status(r, ch);
	out->close = close == L1_CLOSE_NONE	       ? REPORT_CLOSE_NONE
		     : close == L1_CLOSE_COOPERATIVE ? REPORT_CLOSE_COOPERATIVE
						     : REPORT_CLOSE_UNILATERAL;
	out->challenged = l1_channel_challenged(cc, l1);
	out->has_latest_seq = out->status != RUN_CH_NONE && lc->latest;
	out->latest_seq = lc->latest ? lc->latest->seq : 0;
	out->has_registered_seq = l1_channel_registered(cc, l1) != NULL;
	out->registered_seq = out->has_registered_seq ? l1_channel_registered_seq(cc, l1) : 0;
	out->settled = l1_channel_status(cc, l1) == L1_CH_CLOSED;
	out->settled_block = out->settled ? l1_channel_settled_height(cc, l1) : 0;
	out->nparties = l1_channel_nparties(cc, l1);
	out->parties = lc->parties;
}

struct amount report_model_payout(const struct report_model *m, uint32_t ch, uint32_t i)
{
	return l1_channel_payout(runner_l1_channels(m->r), runner_l1_id(m->r, ch), i);
}
