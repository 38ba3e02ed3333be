/* The picture observer, collecting: run events become lanes, marks and spans
 * (obs_svg_internal.h). Memory stays bounded whatever the run's size: past
 * SVG_KEEP_MARKS marks, the buckets of blocks whose marks merge double in width. The
 * picture is drawn by obs_svg_draw.c. */
#include "tools/obs_svg_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"
#include "tools/obs_metrics.h"
#include "tools/runner.h"

/* ---- XML text ---- */

void xml_escape(struct txt_buf *b, const char *s, size_t n)
{
	struct txt_buf e = { 0 };
	txt_escape(&e, s, n, false);
	const unsigned char *p = (const unsigned char *)(e.s ? e.s : "");
	for (size_t i = 0; i < e.len; i++) {
		switch (p[i]) {
		case '&': txt_buf_put(b, "&amp;", 5); break;
		case '<': txt_buf_put(b, "&lt;", 4); break;
		case '>': txt_buf_put(b, "&gt;", 4); break;
		case '"': txt_buf_put(b, "&quot;", 6); break;
		case '\'': txt_buf_put(b, "&#39;", 5); break;
		default:
			/* U+FFFE and U+FFFF are valid UTF-8 but not XML characters. */
			if (p[i] == 0xef && i + 2 < e.len && p[i + 1] == 0xbf && (p[i + 2] == 0xbe || p[i + 2] == 0xbf)) {
				txt_buf_printf(b, "\\u%04x", p[i + 2] == 0xbe ? 0xfffeu : 0xffffu);
				i += 2;
			} else {
				txt_buf_put(b, (const char *)p + i, 1);
			}
		}
	}
	txt_buf_free(&e);
}

void xml_write(FILE *f, const char *s)
{
	struct txt_buf b = { 0 };
	xml_escape(&b, s, strlen(s));
	if (b.len)
		fwrite(b.s, 1, b.len, f);
	txt_buf_free(&b);
}

/* ---- lanes ---- */

static uint32_t lane_new(struct obs_svg *v, enum svg_lane_kind kind, uint32_t id)
{
	if (v->nlanes == v->cap_lanes)
		v->lanes = xreallocarray(v->lanes, v->cap_lanes = v->cap_lanes ? 2 * v->cap_lanes : 8, sizeof(*v->lanes));
	struct svg_lane *l = &v->lanes[v->nlanes];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->id = id;
	return v->nlanes++;
}

/* The lane of channel ch: its own, or the shared one past OBS_SVG_CHANNEL_LANES. */
static struct svg_lane *ch_lane(struct obs_svg *v, uint32_t ch)
{
	if (ch >= v->nch)
		fatal_invariant("a picture event names an unknown channel");
	if (!v->ch_lane[ch]) {
		uint32_t lane;
		if (v->channel_lanes < OBS_SVG_CHANNEL_LANES) {
			lane = lane_new(v, LANE_CHANNEL, ch);
			v->channel_lanes++;
		} else {
			if (v->other_ch == SVG_LANE_NONE)
				v->other_ch = lane_new(v, LANE_OTHER_CHANNELS, ch);
			lane = v->other_ch;
			v->lanes[lane].members++;
		}
		v->ch_lane[ch] = (uint16_t)(lane + 1);
	}
	return &v->lanes[v->ch_lane[ch] - 1];
}

static struct svg_lane *party_lane(struct obs_svg *v, uint32_t p)
{
	if (p >= v->nparties)
		fatal_invariant("a picture event names an unknown party");
	if (!v->party_lane[p]) {
		uint32_t lane;
		if (v->party_lanes < OBS_SVG_PARTY_LANES) {
			lane = lane_new(v, LANE_PARTY, p);
			v->party_lanes++;
		} else {
			if (v->other_party == SVG_LANE_NONE)
				v->other_party = lane_new(v, LANE_OTHER_PARTIES, p);
			lane = v->other_party;
			v->lanes[lane].members++;
		}
		v->party_lane[p] = (uint16_t)(lane + 1);
	}
	return &v->lanes[v->party_lane[p] - 1];
}

/* The lane of routed payment id: its own, or the shared one past OBS_SVG_PAYMENT_LANES
 * (payments are numbered in send order, so the map grows as they are sent). */
static struct svg_lane *pay_lane(struct obs_svg *v, uint32_t id)
{
	if (id >= v->npay_map) {
		uint32_t n = id + 1 > 2 * v->npay_map ? id + 1 : 2 * v->npay_map;
		v->pay_lane = xreallocarray(v->pay_lane, n, sizeof(*v->pay_lane));
		memset(v->pay_lane + v->npay_map, 0, (n - v->npay_map) * sizeof(*v->pay_lane));
		v->npay_map = n;
	}
	if (!v->pay_lane[id]) {
		uint32_t lane;
		if (v->payment_lanes < OBS_SVG_PAYMENT_LANES) {
			lane = lane_new(v, LANE_PAYMENT, id);
			v->payment_lanes++;
		} else {
			if (v->other_pay == SVG_LANE_NONE)
				v->other_pay = lane_new(v, LANE_OTHER_PAYMENTS, id);
			lane = v->other_pay;
			v->lanes[lane].members++;
		}
		v->pay_lane[id] = (uint16_t)(lane + 1);
	}
	return &v->lanes[v->pay_lane[id] - 1];
}

/* The lane of a section-11 scheme: its own, or the shared one past OBS_SVG_SCHEME_LANES. */
static struct svg_lane *scheme_lane(struct obs_svg *v, uint32_t k)
{
	if (k >= v->nschemes)
		fatal_invariant("a picture event names an unknown scheme");
	if (!v->scheme_lane[k]) {
		uint32_t lane;
		if (v->scheme_lanes < OBS_SVG_SCHEME_LANES) {
			lane = lane_new(v, LANE_SCHEME, k);
			v->scheme_lanes++;
		} else {
			if (v->other_scheme == SVG_LANE_NONE)
				v->other_scheme = lane_new(v, LANE_OTHER_SCHEMES, k);
			lane = v->other_scheme;
			v->lanes[lane].members++;
		}
		v->scheme_lane[k] = (uint16_t)(lane + 1);
	}
	return &v->lanes[v->scheme_lane[k] - 1];
}

static struct svg_lane *shared_lane(struct obs_svg *v, uint32_t *slot, enum svg_lane_kind kind)
{
	if (*slot == SVG_LANE_NONE)
		*slot = lane_new(v, kind, 0);
	return &v->lanes[*slot];
}

/* ---- marks ---- */

/* Kinds whose marks always carry a count, never their own label. */
static bool counted(enum svg_mark_kind k)
{
	return k == MK_PAY || k == MK_PAY_FAILED || k == MK_FILL || k == MK_WORKLOAD || k == MK_SCHEME_PAY ||
	       k == MK_SCHEME_FINAL;
}

/* Merges marks[n] into the earlier mark of its kind in the same bucket, if any;
 * returns true when it did. */
static bool merge_back(struct svg_mark *marks, uint32_t n, const struct svg_mark *m, unsigned shift)
{
	for (uint32_t i = n; i-- > 0 && (marks[i].height >> shift) == (m->height >> shift);) {
		if (marks[i].kind != m->kind || marks[i].hop != m->hop)
			continue;
		if (shift == 0 && !counted(m->kind) && (marks[i].label || m->label))
			return false; /* one block, two labelled events: both are drawn */
		marks[i].count += m->count;
		if (m->last > marks[i].last)
			marks[i].last = m->last;
		if (!counted(m->kind))
			marks[i].label = 0;
		return true;
	}
	return false;
}

/* Past SVG_KEEP_MARKS: wider buckets, until a quarter of the limit is free. */
static void coarsen(struct obs_svg *v)
{
	while (v->total_marks > SVG_KEEP_MARKS * 3 / 4 && v->shift < 63) {
		v->shift++;
		v->total_marks = 0;
		for (uint32_t l = 0; l < v->nlanes; l++) {
			struct svg_lane *lane = &v->lanes[l];
			uint32_t n = 0;
			for (uint32_t i = 0; i < lane->nmarks; i++) {
				struct svg_mark m = lane->marks[i];
				if (!merge_back(lane->marks, n, &m, v->shift))
					lane->marks[n++] = m;
			}
			lane->nmarks = n;
			v->total_marks += n;
		}
	}
}

/* A mark of one hop of a payment lane (hop: its index + 1; 0: not a hop's). */
static void add_hop_mark(struct obs_svg *v, struct svg_lane *lane, enum svg_mark_kind kind, uint64_t height,
			 uint64_t count, uint32_t label, uint16_t hop)
{
	if (count == 0)
		return;
	struct svg_mark m = { height, height, count, label, hop, (uint8_t)kind };
	if (merge_back(lane->marks, lane->nmarks, &m, v->shift))
		return;
	if (lane->nmarks == lane->cap_marks)
		lane->marks = xreallocarray(lane->marks, lane->cap_marks = lane->cap_marks ? 2 * lane->cap_marks : 8,
					    sizeof(*lane->marks));
	lane->marks[lane->nmarks++] = m;
	if (++v->total_marks > SVG_KEEP_MARKS)
		coarsen(v);
}

static void add_mark(struct obs_svg *v, struct svg_lane *lane, enum svg_mark_kind kind, uint64_t height, uint64_t count,
		     uint32_t label)
{
	add_hop_mark(v, lane, kind, height, count, label, 0);
}

/* A label kept for one mark; 0 when the labels are full (the mark is drawn with its
 * kind's generic label). */
__attribute__((format(printf, 2, 3))) static uint32_t label(struct obs_svg *v, const char *fmt, ...)
{
	if (v->labels.len >= SVG_LABELS_MAX)
		return 0;
	uint32_t off = (uint32_t)v->labels.len;
	va_list ap;
	va_start(ap, fmt);
	txt_buf_vprintf(&v->labels, fmt, ap);
	va_end(ap);
	txt_buf_put(&v->labels, "", 1);
	return off + 1;
}

/* ---- spans ---- */

static void add_span(struct svg_lane *lane, enum svg_span_kind kind, uint64_t from, uint64_t to)
{
	if (lane->nspans >= SVG_LANE_SPANS) { /* the lane is full: widen its last span of the kind */
		for (uint32_t i = lane->nspans; i-- > 0;) {
			struct svg_span *s = &lane->spans[i];
			if (s->kind == kind) {
				if (to > s->to || to == UINT64_MAX)
					s->to = to;
				s->merged++;
				return;
			}
		}
		return;
	}
	if (lane->nspans == lane->cap_spans)
		lane->spans = xreallocarray(lane->spans, lane->cap_spans = lane->cap_spans ? 2 * lane->cap_spans : 4,
					    sizeof(*lane->spans));
	lane->spans[lane->nspans++] = (struct svg_span){ from, to, 0, (uint8_t)kind };
}

/* ---- events ---- */

static const char *pname(const struct obs_svg *v, uint32_t p)
{
	return runner_party_name(v->r, p);
}

static void tx_included(struct obs_svg *v, const struct run_event *ev)
{
	const struct runner *r = v->r;
	uint32_t ch = ev->u.tx.channel;
	struct svg_lane *l = ev->u.tx.op == L1_CHANNEL_OPEN && scn_channel_is_generated(r->s, ch) && !v->ch_lane[ch]
				     ? NULL : ch_lane(v, ch);
	const struct l1_channel_contract *cc = runner_l1_channels(r);
	uint32_t l1 = runner_l1_id(r, ch);
	uint64_t h = ev->height, seq = ev->u.tx.seq;
	char a[AMOUNT_FMT_LEN], id[SCN_ID_LEN];
	const char *who = pname(v, ev->u.tx.party);
	/* In a shared lane, a label names its channel. */
	const char *pre = !l || l->kind == LANE_CHANNEL ? "" : scn_channel_id(r->s, ch, id);
	const char *sep = !l || l->kind == LANE_CHANNEL ? "" : ": ";
	switch (ev->u.tx.op) {
	case L1_CHANNEL_OPEN:
		if (scn_channel_is_generated(r->s, ch) && !v->ch_lane[ch]) {
			struct svg_lane *g = shared_lane(v, &v->gen_lane, LANE_GENERATED);
			g->members++;
			add_mark(v, g, MK_OPEN, h, 1, 0);
			break;
		}
		add_mark(v, l, MK_OPEN, h, 1, label(v, "%s%sopen", pre, sep));
		if (!l->has_open)
			l->open_h = h;
		l->has_open = true;
		break;
	case L1_CHANNEL_DEPOSIT:
		add_mark(v, l, MK_DEPOSIT, h, 1, label(v, "%s%sdeposit %s by %s", pre, sep, amount_fmt(a, ev->u.tx.tx->amount), who));
		break;
	case L1_CHANNEL_COOP_CLOSE:
		add_mark(v, l, MK_COOP_CLOSE, h, 1, label(v, "%s%scooperative close (state %" PRIu64 ")", pre, sep, seq));
		break;
	case L1_CHANNEL_UNILATERAL_CLOSE: {
		uint64_t latest = r->net->channels[ch].latest->seq;
		if (ev->u.tx.stale)
			add_mark(v, l, MK_CLOSE_STALE, h, 1,
				 label(v, "%s%sSTALE close by %s: state %" PRIu64 ", latest %" PRIu64, pre, sep, who, seq, latest));
		else if (ev->u.tx.altered)
			add_mark(v, l, MK_CLOSE_TAMPERED, h, 1,
				 label(v, "%s%sTAMPERED close by %s (state %" PRIu64 ")", pre, sep, who, seq));
		else
			add_mark(v, l, MK_CLOSE, h, 1, label(v, "%s%sclose by %s (state %" PRIu64 ", the latest)", pre, sep, who, seq));
		add_span(l, SP_WINDOW, h, l1_channel_window_end(cc, l1));
		break;
	}
	case L1_CHANNEL_CHALLENGE:
		add_mark(v, l, MK_CHALLENGE, h, 1, label(v, "%s%schallenge included: state %" PRIu64 " now", pre, sep, seq));
		break;
	default:
		break;
	}
}

static void settled(struct obs_svg *v, uint32_t ch, uint64_t h)
{
	const struct runner *r = v->r;
	const struct l1_channel_contract *cc = runner_l1_channels(r);
	uint32_t l1 = runner_l1_id(r, ch);
	const struct l2_channel *lc = &r->net->channels[ch];
	struct svg_lane *l = ch_lane(v, ch);
	char a[AMOUNT_FMT_LEN], b[AMOUNT_FMT_LEN], id[SCN_ID_LEN];
	const char *pre = l->kind == LANE_CHANNEL ? "" : scn_channel_id(r->s, ch, id);
	const char *sep = l->kind == LANE_CHANNEL ? "" : ": ";
	for (uint32_t i = 0; i < l1_channel_nparties(cc, l1); i++) {
		struct amount owed;
		if (obs_metrics_shortfall(r, ch, i, &owed))
			add_mark(v, l, MK_VIOLATION, h, 1,
				 label(v, "%s%sVIOLATION: %s paid %s, owed %s", pre, sep, pname(v, lc->parties[i]),
				       amount_fmt(a, l1_channel_payout(cc, l1, i)), amount_fmt(b, owed)));
	}
	add_mark(v, l, MK_SETTLED, h, 1,
		 label(v, "%s%ssettled on state %" PRIu64, pre, sep, l1_channel_registered_seq(cc, l1)));
	l->has_settled = true;
	l->settled_h = h;
}

static void action_failed(struct obs_svg *v, const struct run_event *ev)
{
	const struct scn_action *a = ev->action;
	struct svg_lane *l;
	const char *what = a ? scn_action_str(a->kind) : "open";
	if (!a || a->kind == SCN_OPEN || a->kind == SCN_DEPOSIT || a->kind == SCN_CLOSE || a->kind == SCN_PAY)
		l = ch_lane(v, a ? a->channel : ev->u.failed.channel);
	else
		l = party_lane(v, a->party);
	add_mark(v, l, MK_FAILED, ev->height, 1, label(v, "%s FAILED: %s", what, ev->u.failed.why));
}

/* ---- routed payments ---- */

/* Marks of the payments that share a lane carry no label of their own (their kind's
 * generic one, with a count): there can be millions, and a label each would only
 * fill the labels' store. An htlc_loss keeps its own. */
static void routed(struct obs_svg *v, const struct run_event *ev)
{
	const struct run_payment *p = ev->u.routed.p;
	struct svg_lane *l = pay_lane(v, p->id);
	bool own = l->kind == LANE_PAYMENT;
	char a[AMOUNT_FMT_LEN];
	switch (ev->u.routed.step) {
	case RUN_ROUTED_SENT:
		if (l->kind == LANE_PAYMENT) {
			l->has_open = true;
			l->open_h = ev->height;
			l->sub = label(v, "%s to %s, %s", pname(v, p->from), pname(v, p->to), amount_fmt(a, p->amount));
		}
		break;
	case RUN_ROUTED_OK:
		add_mark(v, l, MK_ROUTED_OK, ev->height, 1, own ? label(v, "payment ok, fee %s", amount_fmt(a, p->fee)) : 0);
		break;
	case RUN_ROUTED_FAILED:
		add_mark(v, l, MK_ROUTED_FAILED, ev->height, 1,
			 own ? label(v, "payment FAILED: %s", run_route_fail_str(p->reason)) : 0);
		break;
	default:
		return;
	}
	if (own && ev->u.routed.step != RUN_ROUTED_SENT) {
		l->has_settled = true;
		l->settled_h = ev->height;
		if (l->outcome != MK_HTLC_LOSS)
			l->outcome = ev->u.routed.step == RUN_ROUTED_OK ? MK_ROUTED_OK : MK_ROUTED_FAILED;
	}
}

static const enum svg_mark_kind HTLC_MARK[RUN_HTLC_STEPS] = {
	[RUN_HTLC_ADDED] = MK_HTLC_ADDED, [RUN_HTLC_SETTLED] = MK_HTLC_SETTLED, [RUN_HTLC_REMOVED] = MK_HTLC_REMOVED,
	[RUN_HTLC_CLOSE] = MK_HTLC_CLOSE, [RUN_HTLC_CLAIM] = MK_HTLC_CLAIM, [RUN_HTLC_PAID_PAYEE] = MK_HTLC_PAID_PAYEE,
	[RUN_HTLC_PAID_PAYER] = MK_HTLC_PAID_PAYER,
};

/* The label of one hop's step: the channel, then what happened. */
static uint32_t htlc_label(struct obs_svg *v, const struct run_hop *hop, enum run_htlc_step step)
{
	char a[AMOUNT_FMT_LEN], id[SCN_ID_LEN];
	const char *ch = scn_channel_id(v->r->s, hop->ch, id);
	switch (step) {
	case RUN_HTLC_ADDED:
		return label(v, "%s: HTLC %s added, expires at %" PRIu64, ch, amount_fmt(a, hop->htlc.amount),
			     hop->htlc.expiry);
	case RUN_HTLC_SETTLED: return label(v, "%s: settled off chain, to %s", ch, pname(v, hop->payee));
	case RUN_HTLC_REMOVED: return label(v, "%s: removed off chain, back to %s", ch, pname(v, hop->payer));
	case RUN_HTLC_CLOSE: return label(v, "%s: closed on chain for its HTLC", ch);
	case RUN_HTLC_CLAIM: return label(v, "%s: %s claims the HTLC on chain", ch, pname(v, hop->payee));
	case RUN_HTLC_PAID_PAYEE: return label(v, "%s: HTLC paid to %s on chain", ch, pname(v, hop->payee));
	case RUN_HTLC_PAID_PAYER: return label(v, "%s: HTLC refunded to %s on chain", ch, pname(v, hop->payer));
	default: return 0;
	}
}

/* One hop's step: in the payment's own lane, a mark of that hop (data-hop) with its
 * label; in the shared lane, a mark that merges with the others of its kind. */
static void htlc_step(struct obs_svg *v, const struct run_event *ev)
{
	const struct run_payment *p = ev->u.htlc.p;
	uint32_t k = ev->u.htlc.hop;
	enum run_htlc_step step = ev->u.htlc.step;
	if ((unsigned)step >= RUN_HTLC_STEPS || k >= p->nhops)
		return;
	struct svg_lane *l = pay_lane(v, p->id);
	bool own = l->kind == LANE_PAYMENT && k < UINT16_MAX;
	add_hop_mark(v, l, HTLC_MARK[step], ev->height, 1, own ? htlc_label(v, &p->hops[k], step) : 0,
		     own ? (uint16_t)(k + 1) : 0);
}

static void htlc_loss(struct obs_svg *v, const struct run_event *ev)
{
	const struct run_payment *p = ev->u.loss.p;
	struct svg_lane *l = pay_lane(v, p->id);
	char pre[32] = "";
	if (l->kind != LANE_PAYMENT)
		snprintf(pre, sizeof(pre), "payment %u: ", p->id);
	add_mark(v, l, MK_HTLC_LOSS, ev->height, 1,
		 label(v, "%sHTLC LOSS of %s: %s", pre, pname(v, ev->u.loss.party), ev->u.loss.why));
	if (l->kind == LANE_PAYMENT)
		l->outcome = MK_HTLC_LOSS;
	v->htlc_losses++;
}

/* A step of a rollup or a sidechain: an attack (a fraud, a theft) and what answers it
 * (a fraud proof) stand out; the rest is one kind, each with its own label. The runner
 * words the steps (run_rollup.c, run_sidechain.c): "fraud..." and "THEFT..." open the
 * lines of an attack. */
static void scheme_step(struct obs_svg *v, const struct run_event *ev)
{
	const char *w = ev->u.scheme_step.what;
	bool attack = strncmp(w, "fraud", 5) == 0 || strncmp(w, "the operator", 12) == 0 || strncmp(w, "THEFT", 5) == 0 ||
		      strncmp(w, "federation theft", 16) == 0 || strstr(w, "reverted") != NULL;
	add_mark(v, scheme_lane(v, ev->u.scheme_step.scheme), attack ? MK_SCHEME_ATTACK : MK_SCHEME_STEP, ev->height, 1,
		 label(v, "%s", w));
}

static void scheme_pay(struct obs_svg *v, const struct run_event *ev)
{
	struct svg_lane *l = scheme_lane(v, ev->u.scheme_pay.scheme);
	switch (ev->u.scheme_pay.step) {
	case RUN_SCHEME_PAY_OK: add_mark(v, l, MK_SCHEME_PAY, ev->height, 1, 0); break;
	case RUN_SCHEME_PAY_FAILED: add_mark(v, l, MK_PAY_FAILED, ev->height, 1, 0); break;
	case RUN_SCHEME_PAY_FINAL: add_mark(v, l, MK_SCHEME_FINAL, ev->height, 1, 0); break;
	}
}

static void time_sample(struct obs_svg *v, uint64_t h, uint64_t t_ms)
{
	if (v->ntimes && v->times[v->ntimes - 1].height >= h)
		return;
	if (h & ((UINT64_C(1) << v->tshift) - 1))
		return;
	if (v->ntimes == v->cap_times)
		v->times = xreallocarray(v->times, v->cap_times = v->cap_times ? 2 * v->cap_times : 64, sizeof(*v->times));
	v->times[v->ntimes++] = (struct svg_time){ h, t_ms };
	while (v->ntimes > SVG_KEEP_TIMES) {
		v->tshift++;
		uint32_t n = 0;
		for (uint32_t i = 0; i < v->ntimes; i++)
			if (!(v->times[i].height & ((UINT64_C(1) << v->tshift) - 1)))
				v->times[n++] = v->times[i];
		v->ntimes = n;
	}
}

static void on_event(void *ctx, const struct runner *r, const struct run_event *ev)
{
	struct obs_svg *v = ctx;
	const struct scn_action *a = ev->action;
	uint64_t h = ev->height;
	char am[AMOUNT_FMT_LEN];
	if (h > v->max_height)
		v->max_height = h;
	switch (ev->kind) {
	case RUN_EV_TX_INCLUDED:
		if (ev->u.tx.fee_only)
			add_mark(v, shared_lane(v, &v->l1_lane, LANE_L1), MK_FILL, h, 1, 0);
		else
			tx_included(v, ev);
		break;
	case RUN_EV_TX_DROPPED:
		if (!ev->u.tx.fee_only && ev->u.tx.op == L1_CHANNEL_OPEN && scn_channel_is_generated(r->s, ev->u.tx.channel) &&
		    !v->ch_lane[ev->u.tx.channel])
			add_mark(v, shared_lane(v, &v->gen_lane, LANE_GENERATED), MK_DROPPED, h, 1, 0);
		else if (!ev->u.tx.fee_only)
			add_mark(v, ch_lane(v, ev->u.tx.channel), MK_DROPPED, h, 1,
				 label(v, "%s by %s DROPPED: %s", l1_channel_op_str(ev->u.tx.op), pname(v, ev->u.tx.party),
				       l1_result_str(ev->u.tx.reason)));
		break;
	case RUN_EV_SETTLED:
		settled(v, ev->u.channel, h);
		break;
	case RUN_EV_SETTLEMENT_FINAL: {
		struct svg_lane *l = ch_lane(v, ev->u.channel);
		uint32_t c = r->chain->params.confirmations;
		add_mark(v, l, MK_FINAL, h, 1, label(v, "final (%u confirmation%s)", c, c == 1 ? "" : "s"));
		l->has_final = true;
		l->final_h = h;
		break;
	}
	case RUN_EV_BLOCK_EXECUTED:
		time_sample(v, h, ev->time_ms);
		break;
	case RUN_EV_PARTY_ONLINE: {
		struct svg_lane *l = party_lane(v, ev->u.party);
		add_mark(v, l, MK_ONLINE, h, 1, label(v, "%s back online", pname(v, ev->u.party)));
		for (uint32_t i = l->nspans; i-- > 0;) {
			struct svg_span *s = &l->spans[i];
			if (s->kind == SP_OFFLINE && s->to == UINT64_MAX) {
				s->to = h > s->from ? h - 1 : s->from;
				break;
			}
		}
		break;
	}
	case RUN_EV_PARTY_OFFLINE: {
		struct svg_lane *l = party_lane(v, a->party);
		const char *tower = r->net->parties[a->party].watchtower ? ", its watchtower watches" : "";
		if (a->has_blocks)
			add_mark(v, l, MK_OFFLINE, h, 1,
				 label(v, "%s offline for %" PRIu64 " blocks%s", pname(v, a->party), a->blocks, tower));
		else
			add_mark(v, l, MK_OFFLINE, h, 1, label(v, "%s goes offline%s", pname(v, a->party), tower));
		add_span(l, SP_OFFLINE, h, UINT64_MAX);
		break;
	}
	case RUN_EV_WATCHTOWER:
		add_mark(v, party_lane(v, a->party), MK_WATCHTOWER, h, 1,
			 label(v, "%s: watchtower %s", pname(v, a->party), a->enabled ? "on" : "off"));
		break;
	case RUN_EV_FLOOD_STARTED: {
		struct svg_lane *l = party_lane(v, a->party);
		add_mark(v, l, MK_FLOOD, h, 1,
			 label(v, "%s floods L1: %" PRIu64 " txs a block, fee %s", pname(v, a->party), a->count,
			       amount_fmt(am, a->fee)));
		if (a->blocks)
			add_span(l, SP_FLOOD, h, h + a->blocks - 1);
		break;
	}
	case RUN_EV_CHALLENGE_SUBMITTED: {
		uint32_t p = ev->u.challenge.party;
		add_mark(v, ch_lane(v, ev->u.challenge.channel), MK_CHALLENGE_SENT, h, 1,
			 ev->u.challenge.watchtower ? label(v, "%s's watchtower challenges", pname(v, p))
						    : label(v, "%s challenges", pname(v, p)));
		break;
	}
	case RUN_EV_ACTION_FAILED:
		action_failed(v, ev);
		break;
	case RUN_EV_PAY_ACTION:
		if (a && a->kind == SCN_PAY) {
			struct svg_lane *l = ch_lane(v, a->channel);
			add_mark(v, l, MK_PAY, h, ev->u.pay_action.ok, 0);
			add_mark(v, l, MK_PAY_FAILED, h, ev->u.pay_action.failed, 0);
		}
		break;
	case RUN_EV_WORKLOAD_BLOCK: {
		if (ev->u.count.ok + ev->u.count.failed == 0)
			break;
		struct svg_lane *l = shared_lane(v, &v->wl_lane, LANE_WORKLOAD);
		add_mark(v, l, MK_WORKLOAD, h, ev->u.count.ok, 0);
		add_mark(v, l, MK_PAY_FAILED, h, ev->u.count.failed, 0);
		break;
	}
	case RUN_EV_ROUTED:
		routed(v, ev);
		break;
	case RUN_EV_HTLC:
		htlc_step(v, ev);
		break;
	case RUN_EV_HTLC_LOSS:
		htlc_loss(v, ev);
		break;
	case RUN_EV_SCHEME_PAY:
		scheme_pay(v, ev);
		break;
	case RUN_EV_SCHEME_STEP:
		scheme_step(v, ev);
		break;
	case RUN_EV_SCHEME_VIOLATION:
		add_mark(v, scheme_lane(v, ev->u.scheme_violation.scheme), MK_VIOLATION, h, 1,
			 label(v, "SECURITY VIOLATION: %s, %s: %s", pname(v, ev->u.scheme_violation.party),
			       amount_fmt(am, ev->u.scheme_violation.amount), ev->u.scheme_violation.why));
		break;
	case RUN_EV_RUN_END:
		time_sample(v, r->chain->height, r->chain->time_ms);
		if (r->chain->height > v->max_height)
			v->max_height = r->chain->height;
		break;
	default:
		break;
	}
}

struct obs_svg *obs_svg_new(struct runner *r)
{
	struct obs_svg *v = xcalloc(1, sizeof(*v));
	v->r = r;
	v->nch = r->net->nchannels;
	v->nparties = r->net->nparties;
	v->ch_lane = xcalloc(v->nch ? v->nch : 1, sizeof(*v->ch_lane));
	v->party_lane = xcalloc(v->nparties ? v->nparties : 1, sizeof(*v->party_lane));
	v->other_ch = v->other_party = v->l1_lane = v->wl_lane = v->gen_lane = v->other_pay = SVG_LANE_NONE;
	v->other_scheme = SVG_LANE_NONE;
	v->nschemes = scn_nschemes(r->s);
	v->scheme_lane = xcalloc(v->nschemes, sizeof(*v->scheme_lane));
	time_sample(v, 0, 0);
	uint32_t mask = RUN_EV_MASK(RUN_EV_TX_INCLUDED) | RUN_EV_MASK(RUN_EV_TX_DROPPED) | RUN_EV_MASK(RUN_EV_SETTLED) |
			RUN_EV_MASK(RUN_EV_SETTLEMENT_FINAL) | RUN_EV_MASK(RUN_EV_BLOCK_EXECUTED) |
			RUN_EV_MASK(RUN_EV_PARTY_ONLINE) | RUN_EV_MASK(RUN_EV_PARTY_OFFLINE) |
			RUN_EV_MASK(RUN_EV_WATCHTOWER) | RUN_EV_MASK(RUN_EV_FLOOD_STARTED) |
			RUN_EV_MASK(RUN_EV_CHALLENGE_SUBMITTED) | RUN_EV_MASK(RUN_EV_ACTION_FAILED) |
			RUN_EV_MASK(RUN_EV_PAY_ACTION) | RUN_EV_MASK(RUN_EV_WORKLOAD_BLOCK) | RUN_EV_MASK(RUN_EV_RUN_END) |
			RUN_EV_MASK(RUN_EV_ROUTED) | RUN_EV_MASK(RUN_EV_HTLC) | RUN_EV_MASK(RUN_EV_HTLC_LOSS);
	/* Section 11's events only when the scenario uses it: a payment's event is made
	 * only for an observer that takes it. */
	if (r->s->schemes_feature)
		mask |= RUN_EV_MASK(RUN_EV_SCHEME_PAY) | RUN_EV_MASK(RUN_EV_SCHEME_STEP) |
			RUN_EV_MASK(RUN_EV_SCHEME_VIOLATION);
	runner_subscribe(r, mask, on_event, v);
	return v;
}

void obs_svg_free(struct obs_svg *v)
{
	if (!v)
		return;
	for (uint32_t i = 0; i < v->nlanes; i++) {
		free(v->lanes[i].marks);
		free(v->lanes[i].spans);
	}
	free(v->lanes);
	free(v->ch_lane);
	free(v->party_lane);
	free(v->pay_lane);
	free(v->scheme_lane);
	free(v->times);
	txt_buf_free(&v->labels);
	txt_buf_free(&v->scratch);
	free(v);
}
