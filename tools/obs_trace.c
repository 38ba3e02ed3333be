#include "obs_trace.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"
#include "tools/runner.h"
#include "tools/textout.h"

struct obs_trace {
	FILE *f;
	struct txt_buf line;   /* the line being built: written with one fwrite */
	char idbuf[SCN_ID_LEN];
};

static void put(struct obs_trace *t, const char *s)
{
	txt_buf_put(&t->line, s, strlen(s));
}

static void put_u64(struct obs_trace *t, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	txt_buf_put(&t->line, p, (size_t)(buf + sizeof(buf) - p));
}

/* {"block":H,"time_s":T,"event":"NAME" with T in seconds to `decimals` places. */
static void begin_at(struct obs_trace *t, uint64_t height, double time_s, int decimals, const char *name)
{
	char time[48];
	t->line.len = 0;
	put(t, "{\"block\":");
	put_u64(t, height);
	snprintf(time, sizeof(time), ",\"time_s\":%.*f,\"event\":\"", decimals, time_s);
	put(t, time);
	put(t, name);
	put(t, "\"");
}

/* A line at the block's time, "%.3f" seconds. */
static void begin(struct obs_trace *t, const struct run_event *ev, const char *name)
{
	begin_at(t, ev->height, (double)ev->time_ms / 1000.0, 3, name);
}

static void end(struct obs_trace *t)
{
	put(t, "}\n");
	fwrite(t->line.s, 1, t->line.len, t->f);
}

/* ,"key": */
static void key(struct obs_trace *t, const char *k)
{
	put(t, ",\"");
	put(t, k);
	put(t, "\":");
}

/* ,"key":"s" with s escaped */
static void str(struct obs_trace *t, const char *k, const char *s)
{
	key(t, k);
	txt_json_escape(&t->line, s);
}

static void u64(struct obs_trace *t, const char *k, uint64_t v)
{
	key(t, k);
	put_u64(t, v);
}

static void boolean(struct obs_trace *t, const char *k, bool v)
{
	key(t, k);
	put(t, v ? "true" : "false");
}

static void party(struct obs_trace *t, const struct runner *r, const char *k, uint32_t p)
{
	str(t, k, runner_party_name(r, p));
}

static void channel(struct obs_trace *t, const struct runner *r, uint32_t ch)
{
	str(t, "channel", scn_channel_id(r->s, ch, t->idbuf));
}

static void amount(struct obs_trace *t, const char *k, struct amount a)
{
	char buf[AMOUNT_FMT_LEN];
	str(t, k, amount_fmt(buf, a));
}

static void tx_event(struct obs_trace *t, const struct runner *r, const struct run_event *ev)
{
	bool included = ev->kind == RUN_EV_TX_INCLUDED;
	const struct l1_tx *tx = ev->u.tx.tx;
	begin(t, ev, included ? "tx_included" : "tx_dropped");
	u64(t, "tx", tx->id);
	str(t, "kind", l1_chain_op_str(r->chain, tx));
	party(t, r, "by", ev->u.tx.party);
	if (!ev->u.tx.fee_only)
		channel(t, r, ev->u.tx.channel);
	amount(t, "fee", tx->fee);
	if (!ev->u.tx.fee_only && l1_channel_tx_state(tx))
		u64(t, "seq", ev->u.tx.seq);
	if (!included)
		str(t, "reason", l1_result_str(ev->u.tx.reason));
	end(t);
}

static void settled(struct obs_trace *t, const struct runner *r, const struct run_event *ev)
{
	uint32_t ch = ev->u.channel;
	const struct l1_channel_contract *cc = runner_l1_channels(r);
	uint32_t l1 = runner_l1_id(r, ch);
	const struct l2_channel *lc = &r->net->channels[ch];
	char a[AMOUNT_FMT_LEN];
	begin(t, ev, "settled");
	channel(t, r, ch);
	u64(t, "seq", l1_channel_registered_seq(cc, l1));
	put(t, ",\"payouts\":{");
	for (uint32_t i = 0; i < l1_channel_nparties(cc, l1); i++) {
		if (i)
			put(t, ",");
		txt_json_escape(&t->line, runner_party_name(r, lc->parties[i]));
		put(t, ":");
		txt_json_escape(&t->line, amount_fmt(a, l1_channel_payout(cc, l1, i)));
	}
	put(t, "}");
	end(t);
}

static void payment(struct obs_trace *t, const struct runner *r, const struct run_event *ev)
{
	if (ev->u.pay.scripted)
		begin(t, ev, "payment");
	else /* a workload payment has its own time within the block */
		begin_at(t, ev->height, (double)ev->u.pay.t_us / 1e6, 6, "payment");
	channel(t, r, ev->u.pay.channel);
	party(t, r, "from", ev->u.pay.from);
	party(t, r, "to", ev->u.pay.to);
	amount(t, "amount", ev->u.pay.amount);
	boolean(t, "ok", ev->u.pay.result == L2_OK);
	if (ev->u.pay.result != L2_OK)
		str(t, "reason", l2_result_str(ev->u.pay.result));
	end(t);
}

/* A routed payment's steps (SPEC section 10): "routed" when sent, when all its HTLCs
 * are added (with the route), and when it succeeds or fails. */
static void routed(struct obs_trace *t, const struct runner *r, const struct run_event *ev)
{
	static const char *const steps[] = { "sent", "added", "ok", "failed" };
	const struct run_payment *p = ev->u.routed.p;
	if (ev->u.routed.step == RUN_ROUTED_SENT && p->t_us / 1000 != ev->time_ms) /* a workload's own time */
		begin_at(t, ev->height, (double)p->t_us / 1e6, 6, "routed");
	else
		begin(t, ev, "routed");
	u64(t, "payment", p->id);
	str(t, "step", steps[ev->u.routed.step]);
	party(t, r, "from", p->from);
	party(t, r, "to", p->to);
	amount(t, "amount", p->amount);
	if (ev->u.routed.step == RUN_ROUTED_ADDED) {
		char idbuf[SCN_ID_LEN];
		put(t, ",\"route\":[");
		for (uint32_t k = 0; k < p->nhops; k++) {
			if (k)
				put(t, ",");
			txt_json_escape(&t->line, scn_channel_id(r->s, p->hops[k].ch, idbuf));
		}
		put(t, "]");
		amount(t, "fee", p->fee);
	}
	if (ev->u.routed.step != RUN_ROUTED_SENT)
		u64(t, "attempts", p->attempts);
	if (ev->u.routed.step == RUN_ROUTED_FAILED)
		str(t, "reason", run_route_fail_str(p->reason));
	end(t);
}

static void htlc(struct obs_trace *t, const struct runner *r, const struct run_event *ev)
{
	const struct run_payment *p = ev->u.htlc.p;
	const struct run_hop *h = &p->hops[ev->u.htlc.hop];
	begin(t, ev, "htlc");
	u64(t, "payment", p->id);
	str(t, "step", run_htlc_step_str(ev->u.htlc.step));
	channel(t, r, h->ch);
	party(t, r, "payer", h->payer);
	party(t, r, "payee", h->payee);
	u64(t, "id", h->htlc.id);
	amount(t, "amount", h->htlc.amount);
	u64(t, "expiry", h->htlc.expiry);
	if (ev->u.htlc.step == RUN_HTLC_CLOSE || ev->u.htlc.step == RUN_HTLC_CLAIM)
		u64(t, "tx", ev->u.htlc.tx);
	end(t);
}

/* ---- SPEC section 11: only in runs that use it ---- */

static void scheme_event(struct obs_trace *t, const struct runner *r, const struct run_event *ev)
{
	static const char *const steps[] = { "ok", "failed", "final" };
	char time[48];
	switch (ev->kind) {
	case RUN_EV_SCHEME_TX: { /* a transfer, a rollup's or a peg's tx */
		const struct l1_tx *tx = ev->u.tx.tx;
		begin(t, ev, ev->u.tx.included ? "tx_included" : "tx_dropped");
		u64(t, "tx", tx->id);
		str(t, "kind", l1_chain_op_str(r->chain, tx));
		if (ev->u.tx.party != SCN_NONE)
			party(t, r, "by", ev->u.tx.party);
		str(t, "scheme", scn_scheme_id(r->s, ev->u.tx.scheme));
		amount(t, "fee", tx->fee);
		u64(t, "bytes", ev->u.tx.bytes);
		if (!ev->u.tx.included)
			str(t, "reason", l1_result_str(ev->u.tx.reason));
		end(t);
		break;
	}
	case RUN_EV_SCHEME_PAY:
		begin(t, ev, "scheme_pay");
		str(t, "scheme", scn_scheme_id(r->s, ev->u.scheme_pay.scheme));
		str(t, "step", steps[ev->u.scheme_pay.step]);
		party(t, r, "from", ev->u.scheme_pay.from);
		party(t, r, "to", ev->u.scheme_pay.to);
		amount(t, "amount", ev->u.scheme_pay.amount);
		snprintf(time, sizeof(time), "%.6f", (double)ev->u.scheme_pay.t_us / 1e6);
		key(t, "t_s");
		put(t, time);
		if (ev->u.scheme_pay.withdrawal)
			boolean(t, "withdrawal", true);
		if (ev->u.scheme_pay.step == RUN_SCHEME_PAY_OK && ev->u.scheme_pay.soft_ms)
			u64(t, "soft_ms", ev->u.scheme_pay.soft_ms);
		if (ev->u.scheme_pay.step == RUN_SCHEME_PAY_FAILED)
			str(t, "reason", ev->u.scheme_pay.why ? ev->u.scheme_pay.why : "?");
		end(t);
		break;
	case RUN_EV_SCHEME_STEP:
		begin(t, ev, "scheme_step");
		str(t, "scheme", scn_scheme_id(r->s, ev->u.scheme_step.scheme));
		str(t, "what", ev->u.scheme_step.what);
		if (ev->u.scheme_step.party != SCN_NONE)
			party(t, r, "party", ev->u.scheme_step.party);
		if (ev->u.scheme_step.tx != RUN_NO_TX)
			u64(t, "tx", ev->u.scheme_step.tx);
		end(t);
		break;
	case RUN_EV_SCHEME_VIOLATION:
		begin(t, ev, "scheme_violation");
		str(t, "scheme", scn_scheme_id(r->s, ev->u.scheme_violation.scheme));
		party(t, r, "party", ev->u.scheme_violation.party);
		amount(t, "amount", ev->u.scheme_violation.amount);
		str(t, "reason", ev->u.scheme_violation.why ? ev->u.scheme_violation.why : "?");
		end(t);
		break;
	default:
		break;
	}
}

static void on_event(void *ctx, const struct runner *r, const struct run_event *ev)
{
	struct obs_trace *t = ctx;
	const struct scn_action *a = ev->action;
	switch (ev->kind) {
	case RUN_EV_TX_INCLUDED:
	case RUN_EV_TX_DROPPED:
		tx_event(t, r, ev);
		break;
	case RUN_EV_SETTLED:
		settled(t, r, ev);
		break;
	case RUN_EV_PAYMENT:
		payment(t, r, ev);
		break;
	case RUN_EV_PARTY_ONLINE:
		begin(t, ev, "online");
		party(t, r, "party", ev->u.party);
		end(t);
		break;
	case RUN_EV_PARTY_OFFLINE:
		begin(t, ev, "offline");
		party(t, r, "party", ev->u.party);
		end(t);
		break;
	case RUN_EV_WATCHTOWER:
		begin(t, ev, "watchtower");
		party(t, r, "party", ev->u.party);
		boolean(t, "enabled", a->enabled);
		end(t);
		break;
	case RUN_EV_CHALLENGE_SUBMITTED:
		begin(t, ev, "challenge_submitted");
		u64(t, "tx", ev->u.challenge.tx);
		party(t, r, "by", ev->u.challenge.party);
		channel(t, r, ev->u.challenge.channel);
		u64(t, "seq", r->net->channels[ev->u.challenge.channel].latest->seq);
		boolean(t, "watchtower", ev->u.challenge.watchtower);
		end(t);
		break;
	case RUN_EV_OPEN_SUBMITTED:
		begin(t, ev, "open_submitted");
		channel(t, r, ev->u.submitted.channel);
		u64(t, "tx", ev->u.submitted.tx);
		end(t);
		break;
	case RUN_EV_DEPOSIT_SUBMITTED:
		begin(t, ev, "deposit_submitted");
		channel(t, r, ev->u.submitted.channel);
		party(t, r, "by", a->party);
		amount(t, "amount", a->amount);
		u64(t, "tx", ev->u.submitted.tx);
		end(t);
		break;
	case RUN_EV_CLOSE_SUBMITTED:
		begin(t, ev, "close_submitted");
		channel(t, r, ev->u.close.channel);
		party(t, r, "by", a->party);
		str(t, "mode", ev->u.close.unilateral ? "unilateral" : "cooperative");
		u64(t, "seq", ev->u.close.seq);
		u64(t, "latest", ev->u.close.latest);
		boolean(t, "tamper", ev->u.close.tamper);
		u64(t, "tx", ev->u.close.tx);
		end(t);
		break;
	case RUN_EV_ACTION_FAILED:
		begin(t, ev, "action_failed");
		str(t, "action", a ? scn_action_str(a->kind) : "open");
		if (!a) /* a generated channel's open */
			channel(t, r, ev->u.failed.channel);
		str(t, "reason", ev->u.failed.why);
		end(t);
		break;
	case RUN_EV_ROUTED:
		routed(t, r, ev);
		break;
	case RUN_EV_HTLC:
		htlc(t, r, ev);
		break;
	case RUN_EV_SCHEME_TX:
	case RUN_EV_SCHEME_PAY:
	case RUN_EV_SCHEME_STEP:
	case RUN_EV_SCHEME_VIOLATION:
		scheme_event(t, r, ev);
		break;
	case RUN_EV_HTLC_LOSS:
		begin(t, ev, "htlc_loss");
		u64(t, "payment", ev->u.loss.p->id);
		party(t, r, "party", ev->u.loss.party);
		str(t, "reason", ev->u.loss.why);
		end(t);
		break;
	default:
		break;
	}
}

struct obs_trace *obs_trace_new(struct runner *r, FILE *f)
{
	struct obs_trace *t = xcalloc(1, sizeof(*t));
	t->f = f;
	uint32_t mask = RUN_EV_MASK(RUN_EV_TX_INCLUDED) | RUN_EV_MASK(RUN_EV_TX_DROPPED) | RUN_EV_MASK(RUN_EV_SETTLED) |
			RUN_EV_MASK(RUN_EV_PAYMENT) | RUN_EV_MASK(RUN_EV_PARTY_ONLINE) | RUN_EV_MASK(RUN_EV_PARTY_OFFLINE) |
			RUN_EV_MASK(RUN_EV_WATCHTOWER) | RUN_EV_MASK(RUN_EV_CHALLENGE_SUBMITTED) |
			RUN_EV_MASK(RUN_EV_OPEN_SUBMITTED) | RUN_EV_MASK(RUN_EV_DEPOSIT_SUBMITTED) |
			RUN_EV_MASK(RUN_EV_CLOSE_SUBMITTED) | RUN_EV_MASK(RUN_EV_ACTION_FAILED);
	if (r->routing)
		mask |= RUN_EV_MASK(RUN_EV_ROUTED) | RUN_EV_MASK(RUN_EV_HTLC) | RUN_EV_MASK(RUN_EV_HTLC_LOSS);
	if (r->s->schemes_feature)
		mask |= RUN_EV_MASK(RUN_EV_SCHEME_TX) | RUN_EV_MASK(RUN_EV_SCHEME_PAY) | RUN_EV_MASK(RUN_EV_SCHEME_STEP) |
			RUN_EV_MASK(RUN_EV_SCHEME_VIOLATION);
	runner_subscribe(r, mask, on_event, t);
	return t;
}

void obs_trace_free(struct obs_trace *t)
{
	if (!t)
		return;
	txt_buf_free(&t->line);
	free(t);
}
