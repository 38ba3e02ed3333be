#include "obs_timeline.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"
#include "tools/obs_metrics.h"
#include "tools/runner.h"
#include "tools/textout.h"

#define ID_BUFS 4
/* A settlement's payouts stay on its line up to this many characters; more go on
 * continuation lines of at most PAYOUTS_WIDTH, broken between two payouts. */
#define ONE_LINE_MAX 200
#define PAYOUTS_WIDTH 96

struct tl_line {
	uint64_t height, time_ms;
	size_t off;            /* of its text in obs_timeline.text */
	bool more;             /* continues the previous line: no block and time */
};

/* Flood (filler) txs the chain reached in the current block. */
struct block_fill {
	uint64_t included, dropped;
	uint32_t party;        /* the flooder, or SCN_NONE when several */
	struct amount fee_min, fee_max;
};

/* L1 transfers (SPEC section 11) the chain reached in the current block. */
struct block_transfers {
	uint64_t included, dropped, bytes;
	enum l1_result reason;  /* the last drop's */
};

struct obs_timeline {
	const struct runner *r;
	struct block_transfers xfers;
	const struct scn_action *failed_action; /* a scheme action whose failure has its line */
	uint64_t failed_height;
	const struct scn_action *ok_action;     /* a rollup action whose payments are being accepted */
	uint64_t ok_height, ok_n;               /* ... in this block: how many so far (one line) */
	uint64_t ok_time_ms, ok_soft_ms;
	struct txt_buf text;   /* the lines' texts, escaped, each ending in NUL */
	struct tl_line *lines;
	size_t n, cap;
	uint64_t dropped;
	uint64_t max_height, max_time_ms;
	struct block_fill fill;
	struct txt_buf scratch;
	char idbuf[ID_BUFS][SCN_ID_LEN];
	unsigned idslot;
};

/* ---- lines ---- */

static bool open_for_lines(const struct obs_timeline *t)
{
	return t->n < OBS_TIMELINE_MAX_LINES;
}

/* A line at block `height` (time time_ms): the current block's, or an earlier one
 * whose line could only be written once later events were known. */
static void vline_at(struct obs_timeline *t, uint64_t height, uint64_t time_ms, bool more, const char *fmt,
		     va_list ap)
{
	if (!open_for_lines(t)) {
		t->dropped++;
		return;
	}
	t->scratch.len = 0;
	txt_buf_vprintf(&t->scratch, fmt, ap);
	if (t->n == t->cap)
		t->lines = xreallocarray(t->lines, t->cap = t->cap ? 2 * t->cap : 64, sizeof(*t->lines));
	t->lines[t->n++] = (struct tl_line){ height, time_ms, t->text.len, more };
	if (height > t->max_height)
		t->max_height = height;
	if (time_ms > t->max_time_ms)
		t->max_time_ms = time_ms;
	txt_escape(&t->text, t->scratch.s, t->scratch.len, false);
	txt_buf_put(&t->text, "", 1);
}

static void vline(struct obs_timeline *t, bool more, const char *fmt, va_list ap)
{
	vline_at(t, t->r->chain->height, t->r->chain->time_ms, more, fmt, ap);
}

__attribute__((format(printf, 2, 3))) static void tl(struct obs_timeline *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(t, false, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 4, 5))) static void tl_at(struct obs_timeline *t, uint64_t height, uint64_t time_ms,
							const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline_at(t, height, time_ms, false, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void tl_more(struct obs_timeline *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(t, true, fmt, ap);
	va_end(ap);
}

static size_t digits(uint64_t v)
{
	size_t n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

void obs_timeline_write(const struct obs_timeline *t, FILE *f)
{
	/* Six digits of blocks and ten of seconds, wider when the run needs it. */
	int bw = 6, tw = 10;
	if (t) {
		if ((int)digits(t->max_height) > bw)
			bw = (int)digits(t->max_height);
		int w = snprintf(NULL, 0, "%.3f", (double)t->max_time_ms / 1000.0);
		if (w > tw)
			tw = w;
	}
	fprintf(f, "  %*s  %*s  what happened\n", bw, "block", tw, "time s");
	for (size_t i = 0; t && i < t->n; i++) {
		const struct tl_line *l = &t->lines[i];
		if (l->more)
			fprintf(f, "%*s%s\n", bw + tw + 8, "", t->text.s + l->off);
		else
			fprintf(f, "  %*" PRIu64 "  %*.3f  %s\n", bw, l->height, tw, (double)l->time_ms / 1000.0,
				t->text.s + l->off);
	}
}

uint64_t obs_timeline_dropped(const struct obs_timeline *t)
{
	return t ? t->dropped : 0;
}

/* ---- names ---- */

static const char *pname(const struct obs_timeline *t, uint32_t p)
{
	return runner_party_name(t->r, p);
}

/* A channel's id; generated ids are formatted into a small ring of buffers, so a few
 * may be used in one statement. */
static const char *cname(struct obs_timeline *t, uint32_t c)
{
	return scn_channel_id(t->r->s, c, t->idbuf[t->idslot++ % ID_BUFS]);
}

static const char *amt(char buf[AMOUNT_FMT_LEN], struct amount a)
{
	return amount_fmt(buf, a);
}

/* A channel operation in words (the trace keeps l1_chain_op_str). */
static const char *op_words(enum l1_channel_op op)
{
	switch (op) {
	case L1_CHANNEL_COOP_CLOSE: return "cooperative close";
	case L1_CHANNEL_UNILATERAL_CLOSE: return "unilateral close";
	default: return l1_channel_op_str(op);
	}
}

static uint64_t window_end(const struct runner *r, uint32_t ch)
{
	return l1_channel_window_end(runner_l1_channels(r), runner_l1_id(r, ch));
}

/* ---- L1 ---- */

static void fill_add(struct obs_timeline *t, const struct run_event *ev)
{
	struct block_fill *bf = &t->fill;
	const struct l1_tx *tx = ev->u.tx.tx;
	if (ev->kind == RUN_EV_TX_INCLUDED)
		bf->included++;
	else
		bf->dropped++;
	if (bf->included + bf->dropped == 1) {
		bf->party = ev->u.tx.party;
		bf->fee_min = bf->fee_max = tx->fee;
	} else {
		if (bf->party != ev->u.tx.party)
			bf->party = SCN_NONE;
		if (amount_lt(tx->fee, bf->fee_min))
			bf->fee_min = tx->fee;
		if (amount_lt(bf->fee_max, tx->fee))
			bf->fee_max = tx->fee;
	}
}

/* After phase 1 of a block that reached flood txs (and before the windows that end in
 * it settle): how much of the block they took, and which channel txs they kept waiting
 * (a congestion attack made visible). */
static void fill_report(struct obs_timeline *t)
{
	struct block_fill *bf = &t->fill;
	if (bf->included + bf->dropped == 0)
		return;
	if (open_for_lines(t)) {
		const struct l1_chain *c = t->r->chain;
		const struct l1_channel_contract *cc = runner_l1_channels(t->r);
		char who[160], fee[2 * AMOUNT_FMT_LEN + 4], a[AMOUNT_FMT_LEN], b[AMOUNT_FMT_LEN];
		if (bf->party == SCN_NONE)
			snprintf(who, sizeof(who), "flood txs of several parties");
		else
			snprintf(who, sizeof(who), "%s's flood txs", pname(t, bf->party));
		if (amount_eq(bf->fee_min, bf->fee_max))
			snprintf(fee, sizeof(fee), "%s", amt(a, bf->fee_min));
		else
			snprintf(fee, sizeof(fee), "%s..%s", amt(a, bf->fee_min), amt(b, bf->fee_max));
		tl(t, "L1: %" PRIu64 " of the block's %u tx slots went to %s (fee %s)", bf->included,
		   c->params.block_tx_limit, who, fee);
		if (bf->dropped)
			tl_more(t, "%" PRIu64 " flood txs were dropped: the flooder ran out of funds", bf->dropped);
		/* The channel txs still waiting, earliest first (at most three named). */
		const struct l1_tx *first[3];
		size_t nfirst = 0, waiting = 0;
		for (size_t i = 0; i < c->mempool_len; i++) {
			const struct l1_tx *tx = &c->mempool[i];
			if (l1_channel_op_of(cc, tx) == L1_CHANNEL_OP_NONE)
				continue;
			waiting++;
			size_t j = nfirst < 3 ? nfirst++ : 3;
			for (; j > 0 && first[j - 1]->id > tx->id; j--)
				if (j < 3)
					first[j] = first[j - 1];
			if (j < 3)
				first[j] = tx;
		}
		for (size_t i = 0; i < nfirst; i++)
			tl_more(t, "still waiting: %s by %s on %s (fee %s)", op_words(l1_channel_op_of(cc, first[i])),
				pname(t, l2_party_of_account(t->r->net, first[i]->submitter)),
				cname(t, runner_channel_of_l1(t->r, l1_channel_tx_channel(first[i]))), amt(a, first[i]->fee));
		if (waiting > nfirst)
			tl_more(t, "and %zu more channel txs waiting", waiting - nfirst);
	}
	*bf = (struct block_fill){ 0 };
}

static void tx_dropped(struct obs_timeline *t, const struct run_event *ev)
{
	tl(t, "%s: %s by %s DROPPED: %s (no fee paid)", cname(t, ev->u.tx.channel), op_words(ev->u.tx.op),
	   pname(t, ev->u.tx.party), l1_result_str(ev->u.tx.reason));
}

static void tx_included(struct obs_timeline *t, const struct run_event *ev)
{
	const struct runner *r = t->r;
	const struct l1_chain *c = r->chain;
	const struct l1_tx *tx = ev->u.tx.tx;
	uint32_t ch = ev->u.tx.channel, who = ev->u.tx.party;
	uint64_t seq = ev->u.tx.seq;
	const struct l2_channel *lc = &r->net->channels[ch];
	const struct l1_channel_contract *cc = runner_l1_channels(r);
	uint32_t l1 = runner_l1_id(r, ch);
	char a[AMOUNT_FMT_LEN];
	switch (ev->u.tx.op) {
	case L1_CHANNEL_OPEN:
		if (!scn_channel_is_generated(r->s, ch))
			tl(t, "%s: open included; deposits locked, usable off-chain from block %" PRIu64, cname(t, ch),
			   l1_channel_usable_height(cc, l1));
		break;
	case L1_CHANNEL_DEPOSIT:
		tl(t, "%s: deposit of %s by %s included; spendable from block %" PRIu64, cname(t, ch),
		   amt(a, tx->amount), pname(t, who), ev->height + c->params.confirmations - 1);
		break;
	case L1_CHANNEL_COOP_CLOSE:
		tl(t, "%s: cooperative close included with state %" PRIu64, cname(t, ch), seq);
		break;
	case L1_CHANNEL_UNILATERAL_CLOSE: {
		uint64_t end = window_end(r, ch);
		if (ev->u.tx.stale)
			tl(t, "%s: unilateral close by %s included with state %" PRIu64 ": STALE, the latest signed state is %" PRIu64,
			   cname(t, ch), pname(t, who), seq, lc->latest->seq);
		else if (ev->u.tx.altered)
			tl(t, "%s: unilateral close by %s included with state %" PRIu64 ": ALTERED after signing, and accepted (signatures are off)",
			   cname(t, ch), pname(t, who), seq);
		else
			tl(t, "%s: unilateral close by %s included with state %" PRIu64 " (the latest)", cname(t, ch),
			   pname(t, who), seq);
		tl_more(t, "dispute window: blocks %" PRIu64 "..%" PRIu64 "; until it ends, a party holding a newer signed state",
			ev->height, end);
		tl_more(t, "can challenge; at the end of block %" PRIu64 " the channel settles on the state registered then", end);
		break;
	}
	case L1_CHANNEL_CHALLENGE:
		tl(t, "%s: challenge by %s included: the registered state is now %" PRIu64 " (the window still ends at block %" PRIu64 ")",
		   cname(t, ch), pname(t, who), seq, window_end(r, ch));
		if (ev->u.tx.first_catch && c->params.dispute_rule == L1_RULE_PENALTY && l1_channel_penalty_claimed(cc, l1) &&
		    l1_channel_first_challenger(cc, l1) == (uint32_t)l1_channel_party_index(cc, l1, tx->submitter))
			tl_more(t, "penalty rule: the stale closer %s will be paid 0; its share goes to %s",
				pname(t, lc->parties[l1_channel_closer(cc, l1)]), pname(t, who));
		break;
	default:
		break;
	}
}

/* The settlement's payouts: on its line when short, else on continuation lines broken
 * between two payouts, so that no name is ever cut. */
static void settled_line(struct obs_timeline *t, const char *head, uint32_t ch)
{
	const struct runner *r = t->r;
	const struct l1_channel_contract *cc = runner_l1_channels(r);
	uint32_t l1 = runner_l1_id(r, ch);
	const struct l2_channel *lc = &r->net->channels[ch];
	uint32_t np = l1_channel_nparties(cc, l1);
	char a[AMOUNT_FMT_LEN];
	struct txt_buf all = { 0 };
	for (uint32_t i = 0; i < np; i++)
		txt_buf_printf(&all, "%s%s %s", i ? ", " : "", pname(t, lc->parties[i]), amt(a, l1_channel_payout(cc, l1, i)));
	if (txt_chars(head) + strlen("; payouts: ") + txt_chars(all.s ? all.s : "") <= ONE_LINE_MAX) {
		tl(t, "%s; payouts: %s", head, all.s ? all.s : "");
	} else {
		tl(t, "%s; payouts:", head);
		struct txt_buf line = { 0 };
		for (uint32_t i = 0; i < np; i++) {
			char one[SCN_MAX_NAME_LEN + AMOUNT_FMT_LEN + 8];
			snprintf(one, sizeof(one), "%s %s%s", pname(t, lc->parties[i]), amt(a, l1_channel_payout(cc, l1, i)),
				 i + 1 < np ? "," : "");
			if (line.len && txt_chars(line.s) + 1 + txt_chars(one) > PAYOUTS_WIDTH) {
				tl_more(t, "%s", line.s);
				line.len = 0;
			}
			if (line.len)
				txt_buf_put(&line, " ", 1);
			txt_buf_put(&line, one, strlen(one));
		}
		if (line.len)
			tl_more(t, "%s", line.s);
		txt_buf_free(&line);
	}
	txt_buf_free(&all);
}

static void settled(struct obs_timeline *t, uint32_t ch)
{
	const struct runner *r = t->r;
	const struct l1_chain *c = r->chain;
	const struct l1_channel_contract *cc = runner_l1_channels(r);
	uint32_t l1 = runner_l1_id(r, ch);
	const struct l2_channel *lc = &r->net->channels[ch];
	bool unilateral = l1_channel_close_kind(cc, l1) == L1_CLOSE_UNILATERAL;
	uint64_t reg = l1_channel_registered_seq(cc, l1);
	char a[AMOUNT_FMT_LEN], b[AMOUNT_FMT_LEN];
	if (unilateral)
		fill_report(t); /* the block's txs come before the windows that end in it */
	for (uint32_t i = 0; i < l1_channel_nparties(cc, l1); i++) {
		struct amount owed;
		if (!obs_metrics_shortfall(r, ch, i, &owed))
			continue;
		tl(t, "%s: SECURITY VIOLATION: %s is paid %s, the latest state (seq %" PRIu64 ") owes it %s", cname(t, ch),
		   pname(t, lc->parties[i]), amt(a, l1_channel_payout(cc, l1, i)), lc->latest->seq, amt(b, owed));
		if (reg < lc->latest->seq)
			tl_more(t, "(the older state %" PRIu64 " was not replaced by a challenge before the window closed)", reg);
		else if (runner_registered_altered(r, ch))
			tl_more(t, "(the registered state was altered after signing; with signatures off the contract cannot tell)");
	}
	char head[256];
	if (unilateral)
		snprintf(head, sizeof(head), "%s: dispute window over: settled on state %" PRIu64 "%s", cname(t, ch), reg,
			 c->params.dispute_rule == L1_RULE_PENALTY && l1_channel_penalty_claimed(cc, l1)
				 ? " (penalty: the stale closer forfeits its share)" : "");
	else
		snprintf(head, sizeof(head), "%s: settled on state %" PRIu64, cname(t, ch), reg);
	settled_line(t, head, ch);
}

static void challenge_submitted(struct obs_timeline *t, const struct run_event *ev)
{
	const struct runner *r = t->r;
	uint32_t ch = ev->u.challenge.channel, party = ev->u.challenge.party;
	const struct l2_channel *lc = &r->net->channels[ch];
	uint64_t reg = l1_channel_registered_seq(runner_l1_channels(r), runner_l1_id(r, ch));
	char a[AMOUNT_FMT_LEN];
	amt(a, r->net->parties[party].challenge_fee);
	if (ev->u.challenge.watchtower)
		tl(t, "%s: %s is offline, but its watchtower sees state %" PRIu64 " registered, older than its latest %" PRIu64
		      "; the watchtower challenges for it (fee %s)",
		   cname(t, ch), pname(t, party), reg, lc->latest->seq, a);
	else
		tl(t, "%s: %s sees state %" PRIu64 " registered, older than its latest %" PRIu64 "; it challenges (fee %s)",
		   cname(t, ch), pname(t, party), reg, lc->latest->seq, a);
	tl_more(t, "the challenge must be included by block %" PRIu64 ", the end of the window", window_end(r, ch));
}

/* ---- the script ---- */

static void action_failed(struct obs_timeline *t, const struct scn_action *a, const char *why)
{
	char am[AMOUNT_FMT_LEN];
	switch (a->kind) {
	case SCN_OPEN:
		tl(t, "%s: open FAILED: %s", cname(t, a->channel), why);
		break;
	case SCN_DEPOSIT:
		tl(t, "%s: deposit of %s by %s FAILED: %s", cname(t, a->channel), amt(am, a->amount), pname(t, a->party), why);
		break;
	case SCN_CLOSE:
		tl(t, "%s: %s close by %s FAILED: %s", cname(t, a->channel), a->unilateral ? "unilateral" : "cooperative",
		   pname(t, a->party), why);
		break;
	case SCN_WATCHTOWER:
		tl(t, "%s: switching its watchtower %s FAILED: %s", pname(t, a->party), a->enabled ? "on" : "off", why);
		break;
	case SCN_FLOOD:
		tl(t, "%s: flood FAILED: %s", pname(t, a->party), why);
		break;
	default:
		tl(t, "%s action FAILED: %s", scn_action_str(a->kind), why);
		break;
	}
}

static void pay_action(struct obs_timeline *t, const struct scn_action *a, const struct run_event *ev)
{
	char am[AMOUNT_FMT_LEN], count[32] = "";
	uint64_t ok = ev->u.pay_action.ok, failed = ev->u.pay_action.failed, seq = ev->u.pay_action.latest_seq;
	const char *err = l2_result_str(ev->u.pay_action.last_err);
	if (a->count > 1)
		snprintf(count, sizeof(count), " x%" PRIu64, a->count);
	amt(am, a->amount);
	if (failed == 0)
		tl(t, "%s: pay %s -> %s %s%s: ok (state %" PRIu64 ")", cname(t, a->channel), pname(t, a->party),
		   pname(t, a->to), am, count, seq);
	else if (ok == 0)
		tl(t, "%s: pay %s -> %s %s%s: FAILED (%s)", cname(t, a->channel), pname(t, a->party), pname(t, a->to), am,
		   count, err);
	else
		tl(t, "%s: pay %s -> %s %s%s: %" PRIu64 " ok (state %" PRIu64 "), %" PRIu64 " FAILED (%s)",
		   cname(t, a->channel), pname(t, a->party), pname(t, a->to), am, count, ok, seq, failed, err);
}

static void close_submitted(struct obs_timeline *t, const struct scn_action *a, const struct run_event *ev)
{
	uint64_t seq = ev->u.close.seq, latest = ev->u.close.latest;
	if (!ev->u.close.unilateral) {
		tl(t, "%s: %s asks for a cooperative close; all sign the final state %" PRIu64 "; submitted",
		   cname(t, a->channel), pname(t, a->party), latest);
		return;
	}
	if (seq < latest)
		tl(t, "%s: %s closes unilaterally with state %" PRIu64 " (stale: the latest is %" PRIu64 ")",
		   cname(t, a->channel), pname(t, a->party), seq, latest);
	else
		tl(t, "%s: %s closes unilaterally with state %" PRIu64, cname(t, a->channel), pname(t, a->party), seq);
	if (ev->u.close.tamper && ev->u.close.tamper_changed)
		tl_more(t, "TAMPERED: after signing, the state is rewritten to pay everything to %s", pname(t, a->party));
	else if (ev->u.close.tamper)
		tl_more(t, "tamper asked for, but nothing changed: state %" PRIu64 " already pays everything to %s", seq,
			pname(t, a->party));
}

/* ---- routed payments (SPEC section 10) ---- */

static void routed(struct obs_timeline *t, const struct runner *r, const struct run_event *ev)
{
	const struct run_payment *p = ev->u.routed.p;
	char am[AMOUNT_FMT_LEN], fee[AMOUNT_FMT_LEN];
	amt(am, p->amount);
	switch (ev->u.routed.step) {
	case RUN_ROUTED_SENT:
		break;
	case RUN_ROUTED_ADDED: {
		char route[256] = "", idbuf[SCN_ID_LEN];
		size_t len = 0;
		for (uint32_t k = 0; k < p->nhops && len < sizeof(route) - 1; k++)
			len += (size_t)snprintf(route + len, sizeof(route) - len, "%s%s", k ? "-" : "",
						scn_channel_id(r->s, p->hops[k].ch, idbuf));
		tl(t, "payment %u: %s -> %s %s over %s (fee %s, attempt %u); its HTLCs added hop by hop", p->id,
		   pname(t, p->from), pname(t, p->to), am, route, amt(fee, p->fee), p->attempts);
		if (p->reveal_at > ev->height)
			tl_more(t, "%s holds it: reveals the preimage at block %" PRIu64, pname(t, p->to), p->reveal_at);
		break;
	}
	case RUN_ROUTED_OK:
		tl(t, "payment %u: %s -> %s %s: ok (its first HTLC went to %s)", p->id, pname(t, p->from), pname(t, p->to),
		   am, pname(t, p->hops[0].payee));
		break;
	case RUN_ROUTED_FAILED:
		tl(t, "payment %u: %s -> %s %s: FAILED (%s) after %u attempt%s", p->id, pname(t, p->from), pname(t, p->to),
		   am, run_route_fail_str(p->reason), p->attempts, p->attempts == 1 ? "" : "s");
		break;
	}
}

static void htlc(struct obs_timeline *t, const struct run_event *ev)
{
	const struct run_payment *p = ev->u.htlc.p;
	const struct run_hop *h = &p->hops[ev->u.htlc.hop];
	char am[AMOUNT_FMT_LEN];
	const char *c = cname(t, h->ch), *payer = pname(t, h->payer), *payee = pname(t, h->payee);
	amt(am, h->htlc.amount);
	switch (ev->u.htlc.step) {
	case RUN_HTLC_ADDED:
		break;
	case RUN_HTLC_SETTLED:
		tl(t, "%s: HTLC %" PRIu64 " (%s, %s -> %s) settled off chain with the preimage", c, h->htlc.id, am, payer,
		   payee);
		break;
	case RUN_HTLC_REMOVED:
		tl(t, "%s: HTLC %" PRIu64 " (%s) removed off chain, back to %s", c, h->htlc.id, am, payer);
		break;
	case RUN_HTLC_CLOSE:
		tl(t, "%s: HTLC %" PRIu64 " (%s, expiry %" PRIu64 ") cannot be resolved off chain: a unilateral close is submitted",
		   c, h->htlc.id, am, h->htlc.expiry);
		break;
	case RUN_HTLC_CLAIM:
		tl(t, "%s: %s submits an htlc claim of HTLC %" PRIu64 " (%s) with the preimage (valid to block %" PRIu64 ")",
		   c, payee, h->htlc.id, am, h->htlc.expiry);
		break;
	case RUN_HTLC_PAID_PAYEE:
		tl(t, "%s: HTLC %" PRIu64 " (%s) paid to %s on chain", c, h->htlc.id, am, payee);
		break;
	case RUN_HTLC_PAID_PAYER:
		tl(t, "%s: HTLC %" PRIu64 " (%s) went back to %s on chain", c, h->htlc.id, am, payer);
		break;
	default:
		break;
	}
}

/* ---- SPEC section 11 ---- */

static void transfers_report(struct obs_timeline *t)
{
	struct block_transfers *x = &t->xfers;
	if (x->included + x->dropped == 0)
		return;
	if (x->dropped && x->included == 0)
		tl(t, "l1: %" PRIu64 " transfer%s DROPPED (%s)", x->dropped, x->dropped == 1 ? "" : "s",
		   l1_result_str(x->reason));
	else if (x->dropped)
		tl(t, "l1: %" PRIu64 " transfer%s included (%" PRIu64 " bytes), %" PRIu64 " DROPPED (%s)", x->included,
		   x->included == 1 ? "" : "s", x->bytes, x->dropped, l1_result_str(x->reason));
	else
		tl(t, "l1: %" PRIu64 " transfer%s included (%" PRIu64 " bytes)", x->included, x->included == 1 ? "" : "s",
		   x->bytes);
	*x = (struct block_transfers){ 0 };
}

/* The line of the rollup payments just accepted for one script action (SCHEME_PAY). */
static void accepted_flush(struct obs_timeline *t, const struct runner *r)
{
	if (!t->ok_n)
		return;
	const struct scn_action *a = t->ok_action;
	const struct scn_rollup *ro = &r->s->rollups[a->scheme];
	char am[AMOUNT_FMT_LEN], count[32] = "";
	if (t->ok_n > 1)
		snprintf(count, sizeof(count), " x%" PRIu64, t->ok_n);
	if (a->kind == SCN_ROLLUP_PAY)
		tl_at(t, t->ok_height, t->ok_time_ms,
		      "%s: %s pays %s %s%s: accepted by the operator %s (soft finality %" PRIu64 " ms)", ro->id,
		      pname(t, a->party), pname(t, a->to), amt(am, a->amount), count, pname(t, ro->operator_party),
		      t->ok_soft_ms);
	else
		tl_at(t, t->ok_height, t->ok_time_ms,
		      "%s: %s withdraws %s%s: accepted by the operator %s, paid on L1 when its batch is final", ro->id,
		      pname(t, a->party), amt(am, a->amount), count, pname(t, ro->operator_party));
	t->ok_n = 0;
	t->ok_action = NULL;
}

static void scheme_event(struct obs_timeline *t, const struct runner *r, const struct run_event *ev)
{
	char am[AMOUNT_FMT_LEN];
	switch (ev->kind) {
	case RUN_EV_SCHEME_TX: /* a rollup's or a peg's txs have their own lines (SCHEME_STEP) */
		if (ev->u.tx.scheme == SCN_SCHEME_L1) {
			if (ev->u.tx.included) {
				t->xfers.included++;
				t->xfers.bytes += ev->u.tx.bytes;
			} else {
				t->xfers.dropped++;
				t->xfers.reason = ev->u.tx.reason;
			}
		}
		break;
	case RUN_EV_SCHEME_STEP:
		tl(t, "%s: %s", scn_scheme_id(r->s, ev->u.scheme_step.scheme), ev->u.scheme_step.what);
		break;
	case RUN_EV_SCHEME_PAY: /* one line per failed script action; a workload's are counted */
		if (ev->u.scheme_pay.step == RUN_SCHEME_PAY_OK && ev->action &&
		    (ev->action->kind == SCN_ROLLUP_PAY || ev->action->kind == SCN_ROLLUP_WITHDRAW)) {
			/* A rollup's acceptance (soft finality) has no tx: one line per action and
			 * block, written by accepted_flush once its last payment is known. */
			if (ev->action != t->ok_action || ev->height != t->ok_height) {
				accepted_flush(t, r);
				t->ok_action = ev->action;
				t->ok_height = ev->height;
				t->ok_time_ms = ev->time_ms;
				t->ok_soft_ms = ev->u.scheme_pay.soft_ms;
			}
			t->ok_n++;
		}
		if (ev->u.scheme_pay.step == RUN_SCHEME_PAY_FAILED && ev->action &&
		    (ev->action != t->failed_action || ev->height != t->failed_height)) {
			t->failed_action = ev->action;
			t->failed_height = ev->height;
			tl(t, "%s: %s by %s FAILED: %s", scn_scheme_id(r->s, ev->u.scheme_pay.scheme),
			   scn_action_str(ev->action->kind), pname(t, ev->u.scheme_pay.from), ev->u.scheme_pay.why);
		}
		break;
	case RUN_EV_SCHEME_VIOLATION:
		tl(t, "%s: SECURITY VIOLATION: %s, %s: %s", scn_scheme_id(r->s, ev->u.scheme_violation.scheme),
		   pname(t, ev->u.scheme_violation.party), amt(am, ev->u.scheme_violation.amount),
		   ev->u.scheme_violation.why);
		break;
	default:
		break;
	}
}

static void on_event(void *ctx, const struct runner *r, const struct run_event *ev)
{
	struct obs_timeline *t = ctx;
	if (t->ok_n && !(ev->kind == RUN_EV_SCHEME_PAY && ev->action == t->ok_action && ev->height == t->ok_height &&
			 ev->u.scheme_pay.step == RUN_SCHEME_PAY_OK))
		accepted_flush(t, r);
	const struct scn_action *a = ev->action;
	const struct l1_chain *c = r->chain;
	char am[AMOUNT_FMT_LEN];
	switch (ev->kind) {
	case RUN_EV_TX_INCLUDED:
	case RUN_EV_TX_DROPPED:
		if (ev->u.tx.fee_only)
			fill_add(t, ev);
		else if (ev->kind == RUN_EV_TX_DROPPED)
			tx_dropped(t, ev);
		else
			tx_included(t, ev);
		break;
	case RUN_EV_SETTLED:
		settled(t, ev->u.channel);
		break;
	case RUN_EV_BLOCK_EXECUTED:
		fill_report(t);
		transfers_report(t);
		break;
	case RUN_EV_SCHEME_TX:
	case RUN_EV_SCHEME_STEP:
	case RUN_EV_SCHEME_PAY:
	case RUN_EV_SCHEME_VIOLATION:
		scheme_event(t, r, ev);
		break;
	case RUN_EV_OPENS_USABLE:
		tl(t, "generated channels: %" PRIu64 " opens included; usable off-chain from block %" PRIu64, ev->u.count.ok,
		   ev->height + c->params.confirmations - 1);
		break;
	case RUN_EV_SETTLEMENT_FINAL:
		tl(t, "%s: settlement is final (%u confirmation%s)", cname(t, ev->u.channel), c->params.confirmations,
		   c->params.confirmations == 1 ? "" : "s");
		break;
	case RUN_EV_PARTY_ONLINE:
		tl(t, "%s is back online", pname(t, ev->u.party));
		break;
	case RUN_EV_CHALLENGE_SUBMITTED:
		challenge_submitted(t, ev);
		break;
	case RUN_EV_OPEN_SUBMITTED:
		if (a) /* the generated opens have one line for all (GENERATED_OPENS) */
			tl(t, "%s: all parties sign the opening state (seq 0); %s submits the open tx", cname(t, a->channel),
			   pname(t, scn_channel_parties(r->s, a->channel)[0]));
		break;
	case RUN_EV_GENERATED_OPENS:
		if (ev->u.count.failed == 0)
			tl(t, "generated channels c0..c%u: all parties sign the opening states; %" PRIu64 " open txs submitted",
			   r->s->generate.channels - 1, ev->u.count.ok);
		else
			tl(t, "generated channels c0..c%u: %" PRIu64 " open txs submitted, %" PRIu64 " opens FAILED (%s)",
			   r->s->generate.channels - 1, ev->u.count.ok, ev->u.count.failed, l2_result_str(ev->u.count.last_err));
		break;
	case RUN_EV_DEPOSIT_SUBMITTED:
		tl(t, "%s: %s submits a deposit of %s", cname(t, a->channel), pname(t, a->party), amt(am, a->amount));
		break;
	case RUN_EV_CLOSE_SUBMITTED:
		close_submitted(t, a, ev);
		break;
	case RUN_EV_PARTY_OFFLINE: {
		const char *tower = r->net->parties[a->party].watchtower ? " (its watchtower keeps watching)" : "";
		if (a->has_blocks)
			tl(t, "%s goes offline until block %" PRIu64 "%s", pname(t, a->party), ev->height + a->blocks, tower);
		else
			tl(t, "%s goes offline%s", pname(t, a->party), tower);
		break;
	}
	case RUN_EV_WATCHTOWER:
		tl(t, "%s %s its watchtower", pname(t, a->party), a->enabled ? "enables" : "disables");
		break;
	case RUN_EV_FLOOD_STARTED:
		tl(t, "%s floods L1: %" PRIu64 " txs paying %s each, for %" PRIu64 " blocks", pname(t, a->party), a->count,
		   amt(am, a->fee), a->blocks);
		break;
	case RUN_EV_ACTION_FAILED:
		if (a) /* a generated open's failure is counted in GENERATED_OPENS */
			action_failed(t, a, ev->u.failed.why);
		break;
	case RUN_EV_PAY_ACTION:
		pay_action(t, a, ev);
		break;
	case RUN_EV_WORKLOAD_BLOCK:
		tl(t, "workload: %" PRIu64 " payments ok, %" PRIu64 " failed", ev->u.count.ok, ev->u.count.failed);
		break;
	case RUN_EV_ROUTED:
		if (ev->u.routed.p->scripted) /* one line per routed workload payment would drown the rest */
			routed(t, r, ev);
		break;
	case RUN_EV_HTLC:
		if (ev->u.htlc.p->scripted)
			htlc(t, ev);
		break;
	case RUN_EV_HTLC_LOSS:
		tl(t, "HTLC LOSS: %s, payment %u: %s", pname(t, ev->u.loss.party), ev->u.loss.p->id, ev->u.loss.why);
		break;
	default:
		break;
	}
}

struct obs_timeline *obs_timeline_new(struct runner *r)
{
	struct obs_timeline *t = xcalloc(1, sizeof(*t));
	t->r = r;
	uint32_t mask = 0;
	for (unsigned k = 0; k < RUN_EV_KINDS; k++)
		if (k != RUN_EV_PAYMENT && k != RUN_EV_RUN_END) /* one line per action or block, not per payment */
			mask |= RUN_EV_MASK(k);
	runner_subscribe(r, mask, on_event, t);
	return t;
}

void obs_timeline_free(struct obs_timeline *t)
{
	if (!t)
		return;
	txt_buf_free(&t->text);
	txt_buf_free(&t->scratch);
	free(t->lines);
	free(t);
}
