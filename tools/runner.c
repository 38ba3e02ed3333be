#include "runner.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

#define RUN_MAX_BLOCKS 10000000ULL
#define TIMELINE_MAX_LINES 400

/* ---- small containers ---- */

static void samples_add(struct samples *s, uint64_t value, uint64_t count)
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

static void samples_sort(struct samples *s)
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

static void fifo_push(uint32_t **buf, size_t *head, size_t *len, size_t *cap, uint32_t v)
{
	if (*head + *len == *cap) {
		if (*head) {
			memmove(*buf, *buf + *head, *len * sizeof(**buf));
			*head = 0;
		}
		if (*len == *cap)
			*buf = xreallocarray(*buf, *cap = *cap ? 2 * *cap : 16, sizeof(**buf));
	}
	(*buf)[*head + (*len)++] = v;
}

/* ---- output: trace lines and the timeline ---- */

/* Payment times are in microseconds; block times in ms. Saturates instead of wrapping. */
static uint64_t ms_to_us(uint64_t ms)
{
	return ms > UINT64_MAX / 1000 ? UINT64_MAX : ms * 1000;
}

static double secs(uint64_t ms)
{
	return (double)ms / 1000.0;
}

static const char *u64s(char buf[24], uint64_t v)
{
	snprintf(buf, 24, "%" PRIu64, v);
	return buf;
}

/* A tx kind in words, for the timeline (the trace keeps l1_chain_op_str). */
static const char *kind_words(enum l1_channel_op k)
{
	switch (k) {
	case L1_CHANNEL_COOP_CLOSE: return "cooperative close";
	case L1_CHANNEL_UNILATERAL_CLOSE: return "unilateral close";
	default: return l1_channel_op_str(k);
	}
}

static const char *pname(const struct runner *r, uint32_t p)
{
	return r->s->parties[p].name;
}

/* A channel's id; generated ids are formatted into a small ring of buffers, so a few
 * may be used in one statement. */
static const char *cname(struct runner *r, uint32_t c)
{
	char *buf = r->idbuf[r->idslot++ % RUNNER_ID_BUFS];
	return scn_channel_id(r->s, c, buf);
}

/* The party (scenario index) owning L1 account `acct`: accounts are created in party order. */
static uint32_t party_of_account(uint32_t acct)
{
	return acct;
}

static void timeline_append(struct timeline *t, const char *line)
{
	size_t len = strlen(line);
	if (t->len + len + 2 > t->cap) {
		while (t->len + len + 2 > t->cap)
			t->cap = t->cap ? 2 * t->cap : 4096;
		t->buf = xreallocarray(t->buf, t->cap, 1);
	}
	memcpy(t->buf + t->len, line, len);
	t->len += len;
	t->buf[t->len++] = '\n';
	t->buf[t->len] = '\0';
	t->lines++;
}

/* A timeline line: the block, its time, then the text; `more` lines continue the
 * previous one under its text (blank block and time columns). */
static void vtl(struct runner *r, bool more, const char *fmt, va_list ap)
{
	if (!r->want_timeline)
		return;
	struct timeline *t = &r->tl;
	if (t->lines >= t->max_lines) {
		t->dropped_lines++;
		return;
	}
	char line[1024];
	int n;
	if (more)
		n = snprintf(line, sizeof(line), "%24s", "");
	else
		n = snprintf(line, sizeof(line), "  %6" PRIu64 "  %10.3f  ", r->chain->height, secs(r->chain->time_ms));
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	timeline_append(t, line);
}

__attribute__((format(printf, 2, 3))) static void tl(struct runner *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vtl(r, false, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void tl_more(struct runner *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vtl(r, true, fmt, ap);
	va_end(ap);
}

/* True while the timeline still takes lines (to skip work whose only use is a line). */
static bool tl_open(const struct runner *r)
{
	return r->want_timeline && r->tl.lines < r->tl.max_lines;
}

__attribute__((format(printf, 3, 4))) static void trace(struct runner *r, const char *event, const char *fmt, ...)
{
	if (!r->trace)
		return;
	fprintf(r->trace, "{\"block\":%" PRIu64 ",\"time_s\":%.3f,\"event\":\"%s\"", r->chain->height,
		secs(r->chain->time_ms), event);
	if (fmt && *fmt) {
		fputc(',', r->trace);
		va_list ap;
		va_start(ap, fmt);
		vfprintf(r->trace, fmt, ap);
		va_end(ap);
	}
	fputs("}\n", r->trace);
}

/* ---- the chain's events ---- */

static void report_fill(struct runner *r);

/* rc's finality record, made at its first use; valid until the next call. */
static struct run_finality *fin_of(struct runner *r, struct run_channel *rc)
{
	if (!rc->fin) {
		if (r->nfins == r->cap_fins)
			r->fins = xreallocarray(r->fins, r->cap_fins = r->cap_fins ? 2 * r->cap_fins : 8,
						sizeof(*r->fins));
		r->fins[r->nfins] = (struct run_finality){ NULL, 0, 0, 0 };
		rc->fin = ++r->nfins;
	}
	return &r->fins[rc->fin - 1];
}

/* The channel's own signed copy of state `seq`: the latest, or a kept old one; NULL
 * when it has none. */
static const struct l1_state *own_state(const struct l2_channel *lc, uint64_t seq)
{
	if (lc->latest && lc->latest->seq == seq)
		return lc->latest;
	for (uint32_t i = 0; i < lc->nkeep; i++)
		if (lc->cold->keep_seqs[i] == seq)
			return lc->cold->kept[i];
	return NULL;
}

/* True when a registered state's balances differ from the parties' signed copy of
 * the same seq: it was altered after signing (only possible with signatures off). */
static bool state_altered(const struct l2_channel *lc, const struct l1_state *reg)
{
	const struct l1_state *own = own_state(lc, reg->seq);
	if (!own || own->nparties != reg->nparties)
		return false;
	for (uint32_t i = 0; i < reg->nparties; i++)
		if (!amount_eq(own->balances[i], reg->balances[i]) || !amount_eq(own->included[i], reg->included[i]))
			return true;
	return false;
}

static void on_l1_event(void *ctx, const struct l1_event *ev)
{
	struct runner *r = ctx;
	const struct l1_chain *c = r->chain;
	const struct l1_channel_contract *cc = l2_net_l1_channels(r->net);
	char a[AMOUNT_FMT_LEN];
	if (l1_channel_is_settled_event(cc, ev)) {
		uint32_t ch = ev->target;
		struct run_channel *rc = &r->ch[ch];
		const struct l2_channel *lc = &r->net->channels[ch];
		if (l1_channel_close_kind(cc, ch) == L1_CLOSE_UNILATERAL)
			report_fill(r); /* the block's txs come before the windows that end in it */
		if (rc->close_pending) {
			rc->close_pending = false;
			r->closing--;
		}
		/* Theorem 2.1: nobody who did not cheat is paid less than the latest state owes. */
		for (uint32_t i = 0; i < l1_channel_nparties(cc, ch); i++) {
			struct amount owed = AMOUNT(0), extra;
			if (lc->latest && amount_sub(&extra, l1_channel_deposited(cc, ch, i), lc->latest->included[i]) &&
			    !amount_add(&owed, lc->latest->balances[i], extra))
				owed.units = UINT64_MAX;
			if (!l2_channel_cheated(lc, i) && amount_lt(l1_channel_payout(cc, ch, i), owed)) {
				r->security_violations++;
				tl(r, "%s: SECURITY VIOLATION: %s is paid %s, the latest state (seq %" PRIu64 ") owes it %s",
				   cname(r, ch), pname(r, lc->parties[i]), amount_fmt(a, l1_channel_payout(cc, ch, i)),
				   lc->latest->seq, amount_fmt((char[AMOUNT_FMT_LEN]){ 0 }, owed));
				if (l1_channel_registered_seq(cc, ch) < lc->latest->seq)
					tl_more(r, "(the older state %" PRIu64 " was not replaced by a challenge before the window closed)",
						l1_channel_registered_seq(cc, ch));
				else if (state_altered(lc, l1_channel_registered(cc, ch)))
					tl_more(r, "(the registered state was altered after signing; with signatures off the contract cannot tell)");
			}
		}
		char line[768] = "";
		for (uint32_t i = 0; i < l1_channel_nparties(cc, ch); i++) {
			size_t l = strlen(line);
			snprintf(line + l, sizeof(line) - l, "%s%s %s", i ? ", " : "", pname(r, lc->parties[i]),
				 amount_fmt(a, l1_channel_payout(cc, ch, i)));
		}
		if (l1_channel_close_kind(cc, ch) == L1_CLOSE_UNILATERAL)
			tl(r, "%s: dispute window over: settled on state %" PRIu64 "%s; payouts: %s", cname(r, ch),
			   l1_channel_registered_seq(cc, ch),
			   c->params.dispute_rule == L1_RULE_PENALTY && l1_channel_penalty_claimed(cc, ch)
				   ? " (penalty: the stale closer forfeits its share)" : "",
			   line);
		else
			tl(r, "%s: settled on state %" PRIu64 "; payouts: %s", cname(r, ch), l1_channel_registered_seq(cc, ch), line);
		if (r->trace) {
			fprintf(r->trace, "{\"block\":%" PRIu64 ",\"time_s\":%.3f,\"event\":\"settled\",\"channel\":\"%s\",\"seq\":%" PRIu64 ",\"payouts\":{",
				c->height, secs(c->time_ms), cname(r, ch), l1_channel_registered_seq(cc, ch));
			for (uint32_t i = 0; i < l1_channel_nparties(cc, ch); i++)
				fprintf(r->trace, "%s\"%s\":\"%s\"", i ? "," : "", pname(r, lc->parties[i]),
					amount_fmt(a, l1_channel_payout(cc, ch, i)));
			fputs("}}\n", r->trace);
		}
		fin_of(r, rc)->settled_height = c->height;
		r->last_settlement = c->height;
		r->any_settlement = true;
		fifo_push(&r->settled_fifo, &r->settled_head, &r->settled_len, &r->settled_cap, ch);
		return;
	}
	const struct l1_tx *tx = ev->tx;
	uint32_t who = party_of_account(tx->submitter);
	bool included = ev->kind == L1_EV_TX_INCLUDED;
	if (included) {
		r->last_inclusion = c->height;
		r->any_inclusion = true;
	}
	if (l1_tx_is_fee_only(tx)) {
		struct block_fill *bf = &r->fill;
		if (included)
			bf->included++;
		else
			bf->dropped++;
		if (bf->included + bf->dropped == 1) {
			bf->party = who;
			bf->fee_min = bf->fee_max = tx->fee;
		} else {
			if (bf->party != who)
				bf->party = SCN_NONE;
			if (amount_lt(tx->fee, bf->fee_min))
				bf->fee_min = tx->fee;
			if (amount_lt(bf->fee_max, tx->fee))
				bf->fee_max = tx->fee;
		}
		trace(r, included ? "tx_included" : "tx_dropped", "\"tx\":%" PRIu64 ",\"kind\":\"filler\",\"by\":\"%s\",\"fee\":\"%s\"%s%s%s",
		      tx->id, pname(r, who), amount_fmt(a, tx->fee), included ? "" : ",\"reason\":\"",
		      included ? "" : l1_result_str(ev->reason), included ? "" : "\"");
		return;
	}
	uint32_t ch = l1_channel_tx_channel(tx);
	struct run_channel *rc = &r->ch[ch];
	const struct l2_channel *lc = &r->net->channels[ch];
	uint64_t seq = l1_channel_tx_state(tx) ? l1_channel_tx_state(tx)->seq : 0;
	if (r->trace) {
		fprintf(r->trace, "{\"block\":%" PRIu64 ",\"time_s\":%.3f,\"event\":\"%s\",\"tx\":%" PRIu64 ",\"kind\":\"%s\",\"by\":\"%s\",\"channel\":\"%s\",\"fee\":\"%s\"",
			c->height, secs(c->time_ms), included ? "tx_included" : "tx_dropped", tx->id,
			l1_chain_op_str(c, tx), pname(r, who), cname(r, ch), amount_fmt(a, tx->fee));
		if (l1_channel_tx_state(tx))
			fprintf(r->trace, ",\"seq\":%" PRIu64, seq);
		if (!included)
			fprintf(r->trace, ",\"reason\":\"%s\"", l1_result_str(ev->reason));
		fputs("}\n", r->trace);
	}
	if (!included) {
		tl(r, "%s: %s by %s DROPPED: %s (no fee paid)", cname(r, ch), kind_words(l1_channel_op_of(cc, tx)),
		   pname(r, who), l1_result_str(ev->reason));
		if (l1_channel_op_of(cc, tx) == L1_CHANNEL_OPEN && rc->open_pending) {
			rc->open_pending = false;
			r->opening--;
		}
		if ((l1_channel_op_of(cc, tx) == L1_CHANNEL_COOP_CLOSE || l1_channel_op_of(cc, tx) == L1_CHANNEL_UNILATERAL_CLOSE) && rc->close_pending &&
		    !lc->close_submitted) {
			rc->close_pending = false;
			r->closing--;
		}
		return;
	}
	switch (l1_channel_op_of(cc, tx)) {
	case L1_CHANNEL_OPEN:
		if (scn_channel_is_generated(r->s, ch))
			r->gen_opens_block++;
		else
			tl(r, "%s: open included; deposits locked, usable off-chain from block %" PRIu64, cname(r, ch),
			   l1_channel_usable_height(cc, ch));
		fifo_push(&r->usable_fifo, &r->usable_head, &r->usable_len, &r->usable_cap, ch);
		break;
	case L1_CHANNEL_DEPOSIT:
		tl(r, "%s: deposit of %s by %s included; spendable from block %" PRIu64, cname(r, ch),
		   amount_fmt(a, tx->amount), pname(r, who), c->height + c->params.confirmations - 1);
		break;
	case L1_CHANNEL_COOP_CLOSE:
		tl(r, "%s: cooperative close included with state %" PRIu64, cname(r, ch), seq);
		break;
	case L1_CHANNEL_UNILATERAL_CLOSE: {
		r->unilateral_closes++;
		bool stale = lc->latest && seq < lc->latest->seq;
		if (stale) {
			r->stale_closes++;
			rc->close_was_stale = true;
		}
		uint64_t end = l1_channel_window_end(cc, ch);
		if (stale)
			tl(r, "%s: unilateral close by %s included with state %" PRIu64 ": STALE, the latest signed state is %" PRIu64,
			   cname(r, ch), pname(r, who), seq, lc->latest->seq);
		else if (lc->latest && state_altered(lc, l1_channel_registered(cc, ch)))
			tl(r, "%s: unilateral close by %s included with state %" PRIu64 ": ALTERED after signing, and accepted (signatures are off)",
			   cname(r, ch), pname(r, who), seq);
		else
			tl(r, "%s: unilateral close by %s included with state %" PRIu64 " (the latest)", cname(r, ch),
			   pname(r, who), seq);
		tl_more(r, "dispute window: blocks %" PRIu64 "..%" PRIu64 "; until it ends, a party holding a newer signed state",
			c->height, end);
		tl_more(r, "can challenge; at the end of block %" PRIu64 " the channel settles on the state registered then", end);
		break;
	}
	case L1_CHANNEL_CHALLENGE: {
		r->challenges++;
		/* A stale close is caught when a challenge replacing it is included. */
		bool first_catch = rc->close_was_stale && !rc->caught;
		if (first_catch) {
			rc->caught = true;
			r->stale_closes_caught++;
		}
		tl(r, "%s: challenge by %s included: the registered state is now %" PRIu64 " (the window still ends at block %" PRIu64 ")",
		   cname(r, ch), pname(r, who), seq, l1_channel_window_end(cc, ch));
		if (first_catch && c->params.dispute_rule == L1_RULE_PENALTY && l1_channel_penalty_claimed(cc, ch) &&
		    l1_channel_first_challenger(cc, ch) == (uint32_t)l1_channel_party_index(cc, ch, tx->submitter))
			tl_more(r, "penalty rule: the stale closer %s will be paid 0; its share goes to %s",
				pname(r, lc->parties[l1_channel_closer(cc, ch)]), pname(r, who));
		break;
	}
	default:
		break;
	}
}

static void on_challenge(void *ctx, uint32_t party, uint32_t ch, uint64_t tx)
{
	struct runner *r = ctx;
	const struct l2_channel *lc = &r->net->channels[ch];
	const struct l1_channel_contract *cc = l2_net_l1_channels(r->net);
	char a[AMOUNT_FMT_LEN];
	bool tower = !r->net->parties[party].online;
	if (tower)
		tl(r, "%s: %s is offline, but its watchtower sees state %" PRIu64 " registered, older than its latest %" PRIu64
		      "; the watchtower challenges for it (fee %s)",
		   cname(r, ch), pname(r, party), l1_channel_registered_seq(cc, ch), lc->latest->seq,
		   amount_fmt(a, r->net->parties[party].challenge_fee));
	else
		tl(r, "%s: %s sees state %" PRIu64 " registered, older than its latest %" PRIu64 "; it challenges (fee %s)",
		   cname(r, ch), pname(r, party), l1_channel_registered_seq(cc, ch), lc->latest->seq,
		   amount_fmt(a, r->net->parties[party].challenge_fee));
	tl_more(r, "the challenge must be included by block %" PRIu64 ", the end of the window", l1_channel_window_end(cc, ch));
	trace(r, "challenge_submitted", "\"tx\":%" PRIu64 ",\"by\":\"%s\",\"channel\":\"%s\",\"seq\":%" PRIu64 ",\"watchtower\":%s",
	      tx, pname(r, party), cname(r, ch), lc->latest->seq,
	      r->net->parties[party].online ? "false" : "true");
}

/* ---- set-up ---- */

struct runner *runner_new(const struct scenario *s, FILE *trace_file, bool want_timeline)
{
	struct runner *r = xcalloc(1, sizeof(*r));
	r->s = s;
	r->trace = trace_file;
	r->want_timeline = want_timeline;
	r->tl.max_lines = TIMELINE_MAX_LINES;
	r->max_blocks = RUN_MAX_BLOCKS;
	struct l1_params p = s->l1;
#ifndef NDEBUG
	p.check_conservation = true; /* debug and test builds check conservation every block */
#endif
	r->chain = l1_chain_new(&p);
	if (!r->chain)
		fatal_invariant("validated L1 parameters were refused");
	r->net = l2_net_new(r->chain, s->signatures ? L2_SIG_ED25519 : L2_SIG_OFF, s->fee);
	l1_chain_add_listener(r->chain, on_l1_event, r); /* after L2's: it sees L2 updated */
	for (uint32_t i = 0; i < s->nparties; i++) {
		const struct scn_party *sp = &s->parties[i];
		uint32_t id;
		if (l2_party_add(r->net, s->seed, sp->name, sp->balance,
				 sp->has_challenge_fee ? sp->challenge_fee : s->fee, &id) != L1_OK || id != i)
			fatal_invariant("a validated party was refused");
		r->net->parties[i].watchtower = sp->watchtower;
	}
	r->ch = xcalloc(s->nchannels ? s->nchannels : 1, sizeof(*r->ch));
	for (uint32_t i = 0; i < s->nchannels; i++) {
		uint32_t id;
		if (l2_channel_add(r->net, scn_channel_nparties(s, i), scn_channel_parties(s, i),
				   scn_channel_deposits(s, i), &id) != L1_OK || id != i)
			fatal_invariant("a validated channel was refused");
	}
	if (s->generate.present && s->generate.channels > 0 && s->generate.open_at > r->last_activity_block)
		r->last_activity_block = s->generate.open_at;
	/* The old states the script will ask for are the only ones channels keep. */
	for (uint32_t i = 0; i < s->nscript; i++) {
		const struct scn_action *a = &s->script[i];
		if (a->kind == SCN_CLOSE && a->unilateral && a->state != SCN_LATEST)
			l2_channel_keep_seq(r->net, a->channel, a->state);
		if (a->kind == SCN_CLOSE)
			r->ch[a->channel].closable = r->any_closable = true;
		if (a->at > r->last_activity_block)
			r->last_activity_block = a->at;
	}
	evq_init(&r->events);
	r->wl_rng = xcalloc(s->nworkload ? s->nworkload : 1, sizeof(*r->wl_rng));
	r->wl_next_us = xcalloc(s->nworkload ? s->nworkload : 1, sizeof(*r->wl_next_us));
	r->wl_draw = xcalloc(s->nworkload ? s->nworkload : 1, sizeof(*r->wl_draw));
	for (uint32_t w = 0; w < s->nworkload; w++) {
		const struct scn_workload *wl = &s->workload[w];
		struct wl_draw *d = &r->wl_draw[w];
		uint32_t nch = wl->all_channels ? s->nchannels : wl->nchannels;
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
	return r;
}

void runner_free(struct runner *r)
{
	if (!r)
		return;
	for (uint32_t i = 0; i < r->nfins; i++)
		free(r->fins[i].runs);
	free(r->fins);
	free(r->ch);
	l2_net_free(r->net);
	l1_chain_free(r->chain);
	evq_free(&r->events);
	free(r->wl_rng);
	free(r->wl_draw);
	free(r->wl_next_us);
	free(r->floods);
	free(r->settled_fifo);
	free(r->usable_fifo);
	free(r->fin_blocks.v);
	free(r->fin_us.v);
	free(r->tl.buf);
	free(r->order);
	free(r);
}

/* ---- payments ---- */

static void record_payment(struct runner *r, uint32_t ch, uint64_t t_us, uint64_t count)
{
	r->payments_ok += count;
	/* Only a scripted close settles a channel: the payments of a channel the script
	 * never closes can have no L1 finality, so their times need not be kept, they are
	 * unsettled. This keeps memory flat in the payments, and without any scripted close
	 * a payment does not touch the runner's record of its channel at all. */
	if (!r->any_closable) {
		r->payments_unclosable += count;
		return;
	}
	struct run_channel *rc = &r->ch[ch];
	uint64_t h = r->chain->height;
	rc->payments_ok += count;
	if (!rc->closable)
		return;
	struct run_finality *f = fin_of(r, rc);
	if (f->nruns && f->runs[f->nruns - 1].height == h && f->runs[f->nruns - 1].t_us == t_us) {
		f->runs[f->nruns - 1].count += count;
		return;
	}
	if (f->nruns == f->cap_runs)
		f->runs = xreallocarray(f->runs, f->cap_runs = f->cap_runs ? 2 * f->cap_runs : 4, sizeof(*f->runs));
	f->runs[f->nruns++] = (struct pay_run){ h, t_us, count };
}

/* Progress on stderr (a terminal only): every 10^4 blocks, and every 10^6 payments so
 * that a block with many payments does not look like a hang. */
static void show_progress(struct runner *r)
{
	fprintf(stderr, "\rl2sim: block %" PRIu64 ", %" PRIu64 " payments", r->chain->height, r->progress_payments);
	r->progress_shown = true;
}

static void payment_done(struct runner *r)
{
	if (++r->progress_payments % 1000000 == 0 && r->progress)
		show_progress(r);
}

/* ---- script actions (phase 3) ---- */

static void action_failed(struct runner *r, const struct scn_action *a, const char *why)
{
	char am[AMOUNT_FMT_LEN];
	r->actions_failed++;
	switch (a->kind) {
	case SCN_OPEN:
		tl(r, "%s: open FAILED: %s", cname(r, a->channel), why);
		break;
	case SCN_DEPOSIT:
		tl(r, "%s: deposit of %s by %s FAILED: %s", cname(r, a->channel), amount_fmt(am, a->amount),
		   pname(r, a->party), why);
		break;
	case SCN_CLOSE:
		tl(r, "%s: %s close by %s FAILED: %s", cname(r, a->channel), a->unilateral ? "unilateral" : "cooperative",
		   pname(r, a->party), why);
		break;
	case SCN_WATCHTOWER:
		tl(r, "%s: switching its watchtower %s FAILED: %s", pname(r, a->party), a->enabled ? "on" : "off", why);
		break;
	case SCN_FLOOD:
		tl(r, "%s: flood FAILED: %s", pname(r, a->party), why);
		break;
	default:
		tl(r, "%s action FAILED: %s", scn_action_str(a->kind), why);
		break;
	}
	trace(r, "action_failed", "\"action\":\"%s\",\"reason\":\"%s\"", scn_action_str(a->kind), why);
}

static void do_pay(struct runner *r, const struct scn_action *a)
{
	char am[AMOUNT_FMT_LEN];
	uint64_t ok = 0, failed = 0;
	enum l2_result last_err = L2_OK;
	uint64_t t_us = ms_to_us(r->chain->time_ms);
	for (uint64_t i = 0; i < a->count; i++) {
		enum l2_result res = l2_channel_pay(r->net, a->channel, a->party, a->to, a->amount);
		payment_done(r);
		if (res == L2_OK)
			ok++;
		else {
			failed++;
			last_err = res;
		}
		if (r->trace)
			trace(r, "payment", "\"channel\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"amount\":\"%s\",\"ok\":%s%s%s%s",
			      cname(r, a->channel), pname(r, a->party), pname(r, a->to), amount_fmt(am, a->amount),
			      res == L2_OK ? "true" : "false", res == L2_OK ? "" : ",\"reason\":\"",
			      res == L2_OK ? "" : l2_result_str(res), res == L2_OK ? "" : "\"");
	}
	if (ok)
		record_payment(r, a->channel, t_us, ok);
	r->payments_failed += failed;
	char count[32] = "";
	if (a->count > 1)
		snprintf(count, sizeof(count), " x%" PRIu64, a->count);
	const struct l2_channel *lc = &r->net->channels[a->channel];
	if (failed == 0)
		tl(r, "%s: pay %s -> %s %s%s: ok (state %" PRIu64 ")", cname(r, a->channel), pname(r, a->party),
		   pname(r, a->to), amount_fmt(am, a->amount), count, lc->latest ? lc->latest->seq : 0);
	else if (ok == 0)
		tl(r, "%s: pay %s -> %s %s%s: FAILED (%s)", cname(r, a->channel), pname(r, a->party), pname(r, a->to),
		   amount_fmt(am, a->amount), count, l2_result_str(last_err));
	else
		tl(r, "%s: pay %s -> %s %s%s: %" PRIu64 " ok (state %" PRIu64 "), %" PRIu64 " FAILED (%s)",
		   cname(r, a->channel), pname(r, a->party), pname(r, a->to), amount_fmt(am, a->amount), count, ok,
		   lc->latest ? lc->latest->seq : 0, failed, l2_result_str(last_err));
}

static void start_flood(struct runner *r, const struct scn_action *a);
static void flood_batch(struct runner *r, struct flood *f);

/* The generated channels' opens, all at generate.open_at, in channel order, before the
 * script's actions of that block. One timeline line for all of them. */
static void open_generated(struct runner *r)
{
	const struct scn_generate *g = &r->s->generate;
	uint64_t ok = 0, failed = 0;
	enum l2_result last_err = L2_OK;
	for (uint32_t k = 0; k < g->channels; k++) {
		uint32_t ch = g->first_channel + k;
		uint64_t tx;
		enum l2_result res = l2_channel_open(r->net, ch, &tx);
		if (res) {
			failed++;
			last_err = res;
			r->actions_failed++;
			trace(r, "action_failed", "\"action\":\"open\",\"channel\":\"%s\",\"reason\":\"%s\"",
			      cname(r, ch), l2_result_str(res));
			continue;
		}
		ok++;
		r->ch[ch].open_pending = true;
		r->opening++;
		trace(r, "open_submitted", "\"channel\":\"%s\",\"tx\":%" PRIu64, cname(r, ch), tx);
	}
	if (failed == 0)
		tl(r, "generated channels c0..c%u: all parties sign the opening states; %" PRIu64 " open txs submitted",
		   g->channels - 1, ok);
	else
		tl(r, "generated channels c0..c%u: %" PRIu64 " open txs submitted, %" PRIu64 " opens FAILED (%s)",
		   g->channels - 1, ok, failed, l2_result_str(last_err));
}

static void do_action(struct runner *r, const struct scn_action *a)
{
	struct l2_net *n = r->net;
	char am[AMOUNT_FMT_LEN];
	enum l2_result res;
	uint64_t tx;
	switch (a->kind) {
	case SCN_OPEN:
		res = l2_channel_open(n, a->channel, &tx);
		if (res) {
			action_failed(r, a, l2_result_str(res));
			return;
		}
		r->ch[a->channel].open_pending = true;
		r->opening++;
		tl(r, "%s: all parties sign the opening state (seq 0); %s submits the open tx", cname(r, a->channel),
		   pname(r, scn_channel_parties(r->s, a->channel)[0]));
		trace(r, "open_submitted", "\"channel\":\"%s\",\"tx\":%" PRIu64, cname(r, a->channel), tx);
		return;
	case SCN_DEPOSIT:
		res = l2_channel_deposit(n, a->channel, a->party, a->amount, &tx);
		if (res) {
			action_failed(r, a, l2_result_str(res));
			return;
		}
		tl(r, "%s: %s submits a deposit of %s", cname(r, a->channel), pname(r, a->party), amount_fmt(am, a->amount));
		trace(r, "deposit_submitted", "\"channel\":\"%s\",\"by\":\"%s\",\"amount\":\"%s\",\"tx\":%" PRIu64,
		      cname(r, a->channel), pname(r, a->party), am, tx);
		return;
	case SCN_PAY:
		do_pay(r, a);
		return;
	case SCN_CLOSE: {
		const struct l2_channel *lc = &n->channels[a->channel];
		uint64_t latest_before = lc->latest ? lc->latest->seq : 0;
		res = l2_channel_close(n, a->channel, a->party, a->unilateral ? L2_CLOSE_UNILATERAL : L2_CLOSE_COOPERATIVE,
				       a->state, a->tamper, &tx);
		if (res) {
			action_failed(r, a, l2_result_str(res));
			return;
		}
		struct run_channel *rc = &r->ch[a->channel];
		if (!rc->close_pending) {
			rc->close_pending = true;
			r->closing++;
		}
		uint64_t seq = a->state == SCN_LATEST ? latest_before : a->state;
		if (!a->unilateral)
			tl(r, "%s: %s asks for a cooperative close; all sign the final state %" PRIu64 "; submitted",
			   cname(r, a->channel), pname(r, a->party), lc->latest->seq);
		else
			tl(r, "%s: %s closes unilaterally with state %" PRIu64 "%s%s%s", cname(r, a->channel),
			   pname(r, a->party), seq, seq < latest_before ? " (stale: the latest is " : "",
			   seq < latest_before ? u64s((char[24]){ 0 }, latest_before) : "",
			   seq < latest_before ? ")" : "");
		if (a->unilateral && a->tamper)
			tl_more(r, "TAMPERED: after signing, the state is rewritten to pay everything to %s", pname(r, a->party));
		trace(r, "close_submitted", "\"channel\":\"%s\",\"by\":\"%s\",\"mode\":\"%s\",\"seq\":%" PRIu64 ",\"latest\":%" PRIu64 ",\"tamper\":%s,\"tx\":%" PRIu64,
		      cname(r, a->channel), pname(r, a->party), a->unilateral ? "unilateral" : "cooperative",
		      a->unilateral ? seq : lc->latest->seq, lc->latest->seq, a->tamper ? "true" : "false", tx);
		return;
	}
	case SCN_OFFLINE: {
		uint64_t back = a->has_blocks ? r->chain->height + a->blocks : UINT64_MAX;
		l2_party_set_offline(n, a->party, back);
		if (a->has_blocks) {
			evq_push(&r->events, back, 0, a->party, 0);
			tl(r, "%s goes offline until block %" PRIu64 "%s", pname(r, a->party), back,
			   n->parties[a->party].watchtower ? " (its watchtower keeps watching)" : "");
		} else {
			tl(r, "%s goes offline%s", pname(r, a->party),
			   n->parties[a->party].watchtower ? " (its watchtower keeps watching)" : "");
		}
		trace(r, "offline", "\"party\":\"%s\"", pname(r, a->party));
		return;
	}
	case SCN_ONLINE:
		l2_party_set_online(n, a->party);
		tl(r, "%s is back online", pname(r, a->party));
		trace(r, "online", "\"party\":\"%s\"", pname(r, a->party));
		l2_react_party(n, a->party, on_challenge, r);
		return;
	case SCN_WATCHTOWER:
		if (!n->parties[a->party].online) {
			action_failed(r, a, "the acting party is offline");
			return;
		}
		n->parties[a->party].watchtower = a->enabled;
		tl(r, "%s %s its watchtower", pname(r, a->party), a->enabled ? "enables" : "disables");
		trace(r, "watchtower", "\"party\":\"%s\",\"enabled\":%s", pname(r, a->party), a->enabled ? "true" : "false");
		return;
	case SCN_FLOOD:
		if (!n->parties[a->party].online) {
			action_failed(r, a, "the acting party is offline");
			return;
		}
		start_flood(r, a);
		return;
	}
}

static void start_flood(struct runner *r, const struct scn_action *a)
{
	char am[AMOUNT_FMT_LEN];
	if (r->nfloods == r->cap_floods)
		r->floods = xreallocarray(r->floods, r->cap_floods = r->cap_floods ? 2 * r->cap_floods : 4, sizeof(*r->floods));
	struct flood *f = &r->floods[r->nfloods++];
	*f = (struct flood){ .party = a->party, .txs = a->count, .batches_left = a->blocks, .fee = a->fee };
	tl(r, "%s floods L1: %" PRIu64 " txs paying %s each, for %" PRIu64 " blocks", pname(r, a->party), a->count,
	   amount_fmt(am, a->fee), a->blocks);
	flood_batch(r, f);
}

static void flood_batch(struct runner *r, struct flood *f)
{
	for (uint64_t i = 0; i < f->txs; i++)
		(void)l1_chain_submit(r->chain, l1_tx_fee_only(r->net->parties[f->party].account, f->fee));
	f->batches_left--;
}

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
	if (r->any_closable)
		__builtin_prefetch(&r->ch[near]);
	return p;
}

/* The gap to workload w's next arrival, drawn after its last payment: from the ring,
 * or now. Either way the value of rng_exp(g, mean_us) at the same point of g's sequence. */
static double next_gap(struct runner *r, uint32_t w, double mean_us)
{
	struct wl_draw *d = &r->wl_draw[w];
	return d->np ? d->last_gap_us : rng_exp(&r->wl_rng[w], mean_us);
}

static void workload_payment(struct runner *r, uint32_t w, uint64_t t_us)
{
	const struct scn_workload *wl = &r->s->workload[w];
	struct wl_draw *d = &r->wl_draw[w];
	struct rng *g = &r->wl_rng[w];
	uint32_t ch, i, j;
	struct amount amt;
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
	/* The net's channel ch lists the scenario channel's parties in the same order. */
	const struct l2_channel *sc = &r->net->channels[ch];
	enum l2_result res = l2_channel_pay_index(r->net, ch, i, j, amt);
	payment_done(r);
	if (res == L2_OK) {
		record_payment(r, ch, t_us, 1);
		r->wl_ok_block++;
	} else {
		r->payments_failed++;
		r->wl_failed_block++;
	}
	if (r->trace) {
		char am[AMOUNT_FMT_LEN];
		fprintf(r->trace, "{\"block\":%" PRIu64 ",\"time_s\":%.6f,\"event\":\"payment\",\"channel\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"amount\":\"%s\",\"ok\":%s",
			r->chain->height, (double)t_us / 1e6, cname(r, ch), pname(r, sc->parties[i]),
			pname(r, sc->parties[j]), amount_fmt(am, amt), res == L2_OK ? "true" : "false");
		if (res)
			fprintf(r->trace, ",\"reason\":\"%s\"", l2_result_str(res));
		fputs("}\n", r->trace);
	}
}

/* Payments due in (t_h, t_h+1) of every workload active in block h, in time order. */
static void run_workloads(struct runner *r)
{
	uint64_t h = r->chain->height;
	uint64_t t_us = ms_to_us(r->chain->time_ms);
	uint64_t next_us = ms_to_us(l1_chain_next_block_time(r->chain));
	struct evq q;
	evq_init(&q);
	for (uint32_t w = 0; w < r->s->nworkload; w++) {
		const struct scn_workload *wl = &r->s->workload[w];
		if (h < wl->from_block || h >= wl->to_block || (r->s->nchannels == 0))
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
		while (us_of(r->wl_next_us[w]) < next_us) {
			workload_payment(r, w, us_of(r->wl_next_us[w]));
			r->wl_next_us[w] += next_gap(r, w, mean_us);
		}
		q.len = 0;
	}
	while (evq_pop(&q, &ev)) {
		uint32_t w = ev.arg32;
		workload_payment(r, w, ev.time_ms);
		r->wl_next_us[w] = r->wl_next_us[w] + next_gap(r, w, 1e6 / r->s->workload[w].rate_per_s);
		if (us_of(r->wl_next_us[w]) < next_us)
			evq_push(&q, us_of(r->wl_next_us[w]), 0, w, 0);
	}
	evq_free(&q);
	if (r->wl_ok_block || r->wl_failed_block)
		tl(r, "workload: %" PRIu64 " payments ok, %" PRIu64 " failed", r->wl_ok_block, r->wl_failed_block);
	r->wl_ok_block = r->wl_failed_block = 0;
}

/* ---- blocks ---- */

/* After phase 1 of a block that reached flood txs: how much of the block they took,
 * and which channel txs they kept waiting (a congestion attack made visible). */
static void report_fill(struct runner *r)
{
	struct block_fill *bf = &r->fill;
	if (bf->included + bf->dropped == 0)
		return;
	if (tl_open(r)) {
		const struct l1_chain *c = r->chain;
		const struct l1_channel_contract *cc = l2_net_l1_channels(r->net);
		char who[160], fee[2 * AMOUNT_FMT_LEN + 4], a[AMOUNT_FMT_LEN], b[AMOUNT_FMT_LEN];
		if (bf->party == SCN_NONE)
			snprintf(who, sizeof(who), "flood txs of several parties");
		else
			snprintf(who, sizeof(who), "%s's flood txs", pname(r, bf->party));
		if (amount_eq(bf->fee_min, bf->fee_max))
			snprintf(fee, sizeof(fee), "%s", amount_fmt(a, bf->fee_min));
		else
			snprintf(fee, sizeof(fee), "%s..%s", amount_fmt(a, bf->fee_min), amount_fmt(b, bf->fee_max));
		tl(r, "L1: %" PRIu64 " of the block's %u tx slots went to %s (fee %s)", bf->included,
		   c->params.block_tx_limit, who, fee);
		if (bf->dropped)
			tl_more(r, "%" PRIu64 " flood txs were dropped: the flooder ran out of funds", bf->dropped);
		/* The channel txs still waiting, earliest first (at most three named). */
		const struct l1_tx *first[3];
		size_t nfirst = 0, waiting = 0;
		for (size_t i = 0; i < c->mempool_len; i++) {
			const struct l1_tx *t = &c->mempool[i];
			if (l1_tx_is_fee_only(t))
				continue;
			waiting++;
			size_t j = nfirst < 3 ? nfirst++ : 3;
			for (; j > 0 && first[j - 1]->id > t->id; j--)
				if (j < 3)
					first[j] = first[j - 1];
			if (j < 3)
				first[j] = t;
		}
		for (size_t i = 0; i < nfirst; i++)
			tl_more(r, "still waiting: %s by %s on %s (fee %s)", kind_words(l1_channel_op_of(cc, first[i])),
				pname(r, party_of_account(first[i]->submitter)), cname(r, l1_channel_tx_channel(first[i])),
				amount_fmt(a, first[i]->fee));
		if (waiting > nfirst)
			tl_more(r, "and %zu more channel txs waiting", waiting - nfirst);
	}
	*bf = (struct block_fill){ 0 };
}

/* After phase 1: channels that became usable, and settlements that became final. */
static void after_execute(struct runner *r)
{
	const struct l1_chain *c = r->chain;
	const struct l1_channel_contract *cc = l2_net_l1_channels(r->net);
	if (r->gen_opens_block) {
		tl(r, "generated channels: %" PRIu64 " opens included; usable off-chain from block %" PRIu64,
		   r->gen_opens_block, c->height + c->params.confirmations - 1);
		r->gen_opens_block = 0;
	}
	while (r->usable_len) {
		uint32_t ch = r->usable_fifo[r->usable_head];
		if (l1_channel_usable_height(cc, ch) > c->height)
			break;
		r->usable_head++;
		r->usable_len--;
		if (r->ch[ch].open_pending) {
			r->ch[ch].open_pending = false;
			r->opening--;
		}
	}
	while (r->settled_len) {
		uint32_t ch = r->settled_fifo[r->settled_head];
		struct run_channel *rc = &r->ch[ch];
		struct run_finality *f = fin_of(r, rc); /* settled: made already */
		if (!l1_chain_is_final(c, f->settled_height))
			break;
		r->settled_head++;
		r->settled_len--;
		rc->settled_final = true;
		/* L1 finality of every payment of the channel is now known. */
		uint64_t t_fin_us = ms_to_us(c->time_ms);
		for (uint32_t i = 0; i < f->nruns; i++) {
			samples_add(&r->fin_blocks, c->height - f->runs[i].height, f->runs[i].count);
			samples_add(&r->fin_us, t_fin_us - f->runs[i].t_us, f->runs[i].count);
		}
		free(f->runs);
		f->runs = NULL;
		f->nruns = f->cap_runs = 0;
		tl(r, "%s: settlement is final (%u confirmations)", cname(r, ch), c->params.confirmations);
	}
}

static void phase2(struct runner *r)
{
	const struct evq_event *top;
	while ((top = evq_peek(&r->events)) && top->time_ms <= r->chain->height) {
		struct evq_event ev;
		evq_pop(&r->events, &ev);
		struct l2_party *p = &r->net->parties[ev.arg32];
		if (!p->online && p->back_at == ev.time_ms) {
			l2_party_set_online(r->net, ev.arg32);
			tl(r, "%s is back online", pname(r, ev.arg32));
			trace(r, "online", "\"party\":\"%s\"", pname(r, ev.arg32));
		}
	}
	l2_react_all(r->net, on_challenge, r);
}

static int cmp_script(const void *a, const void *b)
{
	const struct scn_action *x = *(const struct scn_action *const *)a, *y = *(const struct scn_action *const *)b;
	if (x->at != y->at)
		return (x->at > y->at) - (x->at < y->at);
	return (x > y) - (x < y); /* file order */
}

static void phase3(struct runner *r, const struct scn_action **order, uint32_t *next)
{
	uint64_t h = r->chain->height;
	/* Floods started earlier send their next batch first. */
	for (uint32_t i = 0; i < r->nfloods; i++) {
		struct flood *f = &r->floods[i];
		if (f->batches_left > 0)
			flood_batch(r, f);
	}
	uint32_t keep = 0;
	for (uint32_t i = 0; i < r->nfloods; i++)
		if (r->floods[i].batches_left > 0)
			r->floods[keep++] = r->floods[i];
	r->nfloods = keep;
	if (r->s->generate.present && r->s->generate.channels > 0 && h == r->s->generate.open_at)
		open_generated(r);
	while (*next < r->s->nscript && order[*next]->at == h)
		do_action(r, order[(*next)++]);
	/* A flood started this block has sent its first batch already. */
	keep = 0;
	for (uint32_t i = 0; i < r->nfloods; i++)
		if (r->floods[i].batches_left > 0)
			r->floods[keep++] = r->floods[i];
	r->nfloods = keep;
	run_workloads(r);
}

static bool quiescent(const struct runner *r)
{
	const struct l1_chain *c = r->chain;
	return c->height >= r->last_activity_block && l1_chain_mempool_len(c) == 0 && r->nfloods == 0 &&
	       r->opening == 0 && r->closing == 0 && (!r->any_inclusion || l1_chain_is_final(c, r->last_inclusion)) &&
	       (!r->any_settlement || l1_chain_is_final(c, r->last_settlement));
}

void runner_start(struct runner *r)
{
	const struct scenario *s = r->s;
	r->order = xcalloc(s->nscript ? s->nscript : 1, sizeof(*r->order));
	for (uint32_t i = 0; i < s->nscript; i++)
		r->order[i] = &s->script[i];
	qsort(r->order, s->nscript, sizeof(*r->order), cmp_script);
	r->next_action = 0;
	/* until_block stops a run on purpose; max_blocks (--max-blocks) caps every run. */
	r->stop = s->has_until_block && s->until_block < r->max_blocks ? s->until_block : r->max_blocks;
	/* Block 0 is genesis: no txs; phases 2 and 3 still run. */
	phase2(r);
	phase3(r, r->order, &r->next_action);
	if (r->on_block)
		r->on_block(r->on_block_ctx, r);
}

bool runner_step(struct runner *r)
{
	const struct scenario *s = r->s;
	if (!(r->chain->height < r->stop && (s->has_until_block || !quiescent(r))))
		return false;
	l1_chain_produce_block(r->chain);
	report_fill(r);
	after_execute(r);
	phase2(r);
	phase3(r, r->order, &r->next_action);
	if (r->on_block)
		r->on_block(r->on_block_ctx, r);
	if (r->progress && r->chain->height % 10000 == 0)
		show_progress(r);
	return true;
}

void runner_finish(struct runner *r)
{
	const struct scenario *s = r->s;
	if (r->progress_shown)
		fputc('\n', stderr);
	if (s->has_until_block ? r->chain->height < s->until_block : !quiescent(r))
		r->hit_block_cap = true;
	for (uint32_t i = 0; i < s->nchannels; i++)
		if (!r->ch[i].settled_final)
			r->unsettled_payments += r->ch[i].payments_ok;
	r->unsettled_payments += r->payments_unclosable;
	samples_sort(&r->fin_blocks);
	samples_sort(&r->fin_us);
	free(r->order);
	r->order = NULL;
}

void runner_run(struct runner *r)
{
	runner_start(r);
	while (runner_step(r))
		;
	runner_finish(r);
}

const char *runner_channel_status(const struct runner *r, uint32_t ch)
{
	const struct l1_channel_contract *cc = l2_net_l1_channels(r->net);
	const struct l2_channel *lc = &r->net->channels[ch];
	if (l1_channel_status(cc, ch) == L1_CH_CLOSED)
		return "closed";
	if (lc->close_submitted || l1_channel_status(cc, ch) == L1_CH_DISPUTE)
		return "closing";
	if (lc->latest && l1_channel_usable_height(cc, ch) <= r->chain->height)
		return "open";
	if (lc->open_submitted)
		return "opening";
	return "none";
}
