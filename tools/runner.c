#include "runner.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"
#include "tools/obs_metrics.h"
#include "tools/obs_schemes.h"
#include "tools/obs_timeline.h"
#include "tools/obs_trace.h"
#include "tools/runner_internal.h"

#define RUN_MAX_BLOCKS 10000000ULL

const char *run_ev_kind_str(enum run_ev_kind k)
{
	static const char *const names[RUN_EV_KINDS] = {
		[RUN_EV_TX_INCLUDED] = "tx_included", [RUN_EV_TX_DROPPED] = "tx_dropped",
		[RUN_EV_SETTLED] = "settled", [RUN_EV_BLOCK_EXECUTED] = "block_executed",
		[RUN_EV_OPENS_USABLE] = "opens_usable", [RUN_EV_SETTLEMENT_FINAL] = "settlement_final",
		[RUN_EV_PARTY_ONLINE] = "party_online", [RUN_EV_CHALLENGE_SUBMITTED] = "challenge_submitted",
		[RUN_EV_OPEN_SUBMITTED] = "open_submitted", [RUN_EV_GENERATED_OPENS] = "generated_opens",
		[RUN_EV_DEPOSIT_SUBMITTED] = "deposit_submitted", [RUN_EV_CLOSE_SUBMITTED] = "close_submitted",
		[RUN_EV_PARTY_OFFLINE] = "party_offline", [RUN_EV_WATCHTOWER] = "watchtower",
		[RUN_EV_FLOOD_STARTED] = "flood_started", [RUN_EV_ACTION_FAILED] = "action_failed",
		[RUN_EV_PAYMENT] = "payment", [RUN_EV_PAY_ACTION] = "pay_action",
		[RUN_EV_WORKLOAD_BLOCK] = "workload_block", [RUN_EV_RUN_END] = "run_end",
		[RUN_EV_ROUTED] = "routed", [RUN_EV_HTLC] = "htlc", [RUN_EV_HTLC_LOSS] = "htlc_loss",
		[RUN_EV_SCHEME_PAY] = "scheme_pay", [RUN_EV_SCHEME_STEP] = "scheme_step",
		[RUN_EV_SCHEME_VIOLATION] = "scheme_violation", [RUN_EV_SCHEME_TX] = "scheme_tx",
		[RUN_EV_SCHEME_PAYS] = "scheme_pays",
	};
	return (unsigned)k < RUN_EV_KINDS ? names[k] : "unknown";
}

const char *run_channel_status_str(enum run_channel_status st)
{
	static const char *const names[RUN_CH_STATUSES] = { "none", "opening", "open", "closing", "closed" };
	return (unsigned)st < RUN_CH_STATUSES ? names[st] : "unknown";
}

/* ---- small containers ---- */

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

/* ---- events ---- */

void runner_subscribe(struct runner *r, uint32_t mask, run_observer_fn fn, void *ctx)
{
	for (unsigned k = 0; k < RUN_EV_KINDS; k++) {
		if (!(mask & RUN_EV_MASK(k)))
			continue;
		struct run_observers *o = &r->obs[k];
		if (o->n == o->cap)
			o->list = xreallocarray(o->list, o->cap = o->cap ? 2 * o->cap : 4, sizeof(*o->list));
		o->list[o->n].fn = fn;
		o->list[o->n++].ctx = ctx;
	}
}

void runner_emit(struct runner *r, const struct run_event *ev)
{
	const struct run_observers *o = &r->obs[ev->kind];
	for (uint32_t i = 0; i < o->n; i++)
		o->list[i].fn(o->list[i].ctx, r, ev);
}

/* ---- the chain's events ---- */

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

bool runner_registered_altered(const struct runner *r, uint32_t ch)
{
	const struct l2_channel *lc = &r->net->channels[ch];
	const struct l1_state *reg = l1_channel_registered(runner_l1_channels(r), runner_l1_id(r, ch));
	const struct l1_state *own = reg ? own_state(lc, reg->seq) : NULL;
	if (!own || own->nparties != reg->nparties)
		return false;
	for (uint32_t i = 0; i < reg->nparties; i++)
		if (!amount_eq(own->balances[i], reg->balances[i]) || !amount_eq(own->included[i], reg->included[i]))
			return true;
	return false;
}

static void on_settled(struct runner *r, uint32_t ch)
{
	struct run_channel *rc = &r->ch[ch];
	if (rc->close_pending) {
		rc->close_pending = false;
		r->closing--;
	}
	r->last_settlement = r->chain->height;
	r->any_settlement = true;
	fifo_push(&r->settled_fifo, &r->settled_head, &r->settled_len, &r->settled_cap, ch);
	struct run_event e = event(r, RUN_EV_SETTLED, NULL);
	e.u.channel = ch;
	runner_emit(r, &e);
}

static void on_l1_event(void *ctx, const struct l1_event *ev)
{
	struct runner *r = ctx;
	const struct l1_channel_contract *cc = runner_l1_channels(r);
	if (ev->kind == L1_EV_CONTRACT) {
		uint32_t ch = runner_channel_of_l1(r, ev->target);
		if (l1_channel_is_settled_event(cc, ev) && ch != UINT32_MAX)
			on_settled(r, ch);
		return;
	}
	const struct l1_tx *tx = ev->tx;
	enum l1_channel_op op = l1_channel_op_of(cc, tx);
	bool fee_only = l1_tx_is_fee_only(tx);
	bool included = ev->kind == L1_EV_TX_INCLUDED;
	if (op == L1_CHANNEL_OP_NONE && !fee_only) {
		/* SPEC section 11: a transfer, a rollup's or a peg's tx; its own event kind, so
		 * that the channel observers see the txs they always saw. */
		if (!r->schemes)
			return;
		uint32_t scheme = runner_tx_scheme(r, tx);
		if (scheme == SCN_NONE)
			return; /* another contract's tx: none of the run's */
		struct run_event e = event(r, RUN_EV_SCHEME_TX, NULL);
		e.u.tx.tx = tx;
		e.u.tx.party = l2_party_of_account(r->net, tx->submitter);
		e.u.tx.reason = ev->reason;
		e.u.tx.op = L1_CHANNEL_OP_NONE;
		e.u.tx.channel = SCN_NONE;
		e.u.tx.scheme = scheme;
		e.u.tx.bytes = l1_chain_tx_bytes(r->chain, tx);
		e.u.tx.included = included;
		runner_emit(r, &e);
		run_schemes_tx(r, ev); /* a transfer's payment after its tx */
		return;
	}
	struct run_event e = event(r, included ? RUN_EV_TX_INCLUDED : RUN_EV_TX_DROPPED, NULL);
	e.u.tx.tx = tx;
	e.u.tx.scheme = fee_only ? SCN_NONE : SCN_SCHEME_CHANNELS;
	e.u.tx.bytes = l1_chain_tx_bytes(r->chain, tx);
	e.u.tx.included = included;
	e.u.tx.party = l2_party_of_account(r->net, tx->submitter);
	if (e.u.tx.party == UINT32_MAX)
		return; /* submitted by no party of the run */
	e.u.tx.reason = ev->reason;
	e.u.tx.fee_only = fee_only;
	e.u.tx.op = op;
	if (included) {
		r->last_inclusion = r->chain->height;
		r->any_inclusion = true;
	}
	if (fee_only) {
		runner_emit(r, &e);
		return;
	}
	uint32_t ch = runner_channel_of_l1(r, l1_channel_tx_channel(tx));
	if (ch == UINT32_MAX)
		return; /* a channel of the contract that is not the net's */
	struct run_channel *rc = &r->ch[ch];
	const struct l2_channel *lc = &r->net->channels[ch];
	e.u.tx.channel = ch;
	e.u.tx.seq = l1_channel_tx_state(tx) ? l1_channel_tx_state(tx)->seq : 0;
	if (!included) {
		if (op == L1_CHANNEL_OPEN && rc->open_pending) {
			rc->open_pending = false;
			r->opening--;
		}
		if ((op == L1_CHANNEL_COOP_CLOSE || op == L1_CHANNEL_UNILATERAL_CLOSE) && rc->close_pending &&
		    !lc->close_submitted) {
			rc->close_pending = false;
			r->closing--;
		}
		runner_emit(r, &e);
		return;
	}
	switch (op) {
	case L1_CHANNEL_OPEN:
		if (scn_channel_is_generated(r->s, ch))
			r->gen_opens_block++;
		fifo_push(&r->usable_fifo, &r->usable_head, &r->usable_len, &r->usable_cap, ch);
		break;
	case L1_CHANNEL_UNILATERAL_CLOSE:
		e.u.tx.stale = lc->latest && e.u.tx.seq < lc->latest->seq;
		if (e.u.tx.stale)
			rc->close_was_stale = true;
		else
			e.u.tx.altered = lc->latest && runner_registered_altered(r, ch);
		break;
	case L1_CHANNEL_CHALLENGE:
		/* A stale close is caught when a challenge replacing it is included. */
		e.u.tx.first_catch = rc->close_was_stale && !rc->caught;
		if (e.u.tx.first_catch)
			rc->caught = true;
		break;
	default:
		break;
	}
	runner_emit(r, &e);
}

static void on_challenge(void *ctx, uint32_t party, uint32_t ch, uint64_t tx)
{
	struct runner *r = ctx;
	struct run_event e = event(r, RUN_EV_CHALLENGE_SUBMITTED, NULL);
	e.u.challenge.party = party;
	e.u.challenge.channel = ch;
	e.u.challenge.tx = tx;
	e.u.challenge.watchtower = !r->net->parties[party].online;
	runner_emit(r, &e);
}

/* ---- set-up ---- */

struct runner *runner_new(const struct scenario *s, FILE *trace_file, bool want_timeline)
{
	struct runner *r = xcalloc(1, sizeof(*r));
	r->s = s;
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
		l2_party_set_watchtower(r->net, i, sp->watchtower);
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
	if (s->network.placed && s->network.nchannels > 0 && s->network.open_at > r->last_activity_block)
		r->last_activity_block = s->network.open_at;
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
	run_workloads_prepare(r);
	run_routing_new(r);
	run_schemes_new(r);
	run_rollups_new(r);
	run_sidechains_new(r);
	/* The standard observers: the report's figures, then what people read. */
	r->metrics = obs_metrics_new(r);
	if (s->schemes_feature)
		r->schemes_obs = obs_schemes_new(r);
	if (want_timeline)
		r->timeline = obs_timeline_new(r);
	if (trace_file)
		r->trace = obs_trace_new(r, trace_file);
	return r;
}

void runner_free(struct runner *r)
{
	if (!r)
		return;
	obs_metrics_free(r->metrics);
	obs_schemes_free(r->schemes_obs);
	obs_timeline_free(r->timeline);
	obs_trace_free(r->trace);
	run_routing_free(r);
	run_sidechains_free(r);
	run_rollups_free(r);
	run_schemes_free(r);
	for (unsigned k = 0; k < RUN_EV_KINDS; k++)
		free(r->obs[k].list);
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
	free(r->order);
	free(r);
}

/* Progress on stderr (a terminal only): every 10^4 blocks, and every 10^6 payments so
 * that a block with many payments does not look like a hang. */
void runner_show_progress(struct runner *r)
{
	fprintf(stderr, "\rl2sim: block %" PRIu64 ", %" PRIu64 " payments", r->chain->height, r->progress_payments);
	r->progress_shown = true;
}

/* ---- script actions (phase 3) ---- */

static void action_failed(struct runner *r, const struct scn_action *a, const char *why)
{
	struct run_event e = event(r, RUN_EV_ACTION_FAILED, a);
	e.u.failed.channel = a->channel;
	e.u.failed.why = why;
	runner_emit(r, &e);
}

static void do_pay(struct runner *r, const struct scn_action *a)
{
	uint64_t ok = 0, failed = 0;
	enum l2_result last_err = L2_OK;
	uint64_t t_us = ms_to_us(r->chain->time_ms);
	bool each = observed(r, RUN_EV_PAYMENT);
	struct run_event pe = event(r, RUN_EV_PAYMENT, a);
	pe.u.pay.channel = a->channel;
	pe.u.pay.from = a->party;
	pe.u.pay.to = a->to;
	pe.u.pay.amount = a->amount;
	pe.u.pay.t_us = t_us;
	pe.u.pay.scripted = true;
	for (uint64_t i = 0; i < a->count; i++) {
		enum l2_result res = l2_channel_pay(r->net, a->channel, a->party, a->to, a->amount);
		payment_done(r);
		if (res == L2_OK)
			ok++;
		else {
			failed++;
			last_err = res;
		}
		if (each) {
			pe.u.pay.result = res;
			runner_emit(r, &pe);
		}
	}
	const struct l2_channel *lc = &r->net->channels[a->channel];
	struct run_event e = event(r, RUN_EV_PAY_ACTION, a);
	e.u.pay_action.ok = ok;
	e.u.pay_action.failed = failed;
	e.u.pay_action.last_err = last_err;
	e.u.pay_action.t_us = t_us;
	e.u.pay_action.latest_seq = lc->latest ? lc->latest->seq : 0;
	runner_emit(r, &e);
}

static void flood_batch(struct runner *r, struct flood *f);

/* The generated channels' opens, all at generate.open_at, in channel order, before the
 * script's actions of that block. */
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
			struct run_event e = event(r, RUN_EV_ACTION_FAILED, NULL);
			e.u.failed.channel = ch;
			e.u.failed.why = l2_result_str(res);
			runner_emit(r, &e);
			continue;
		}
		ok++;
		r->ch[ch].open_pending = true;
		r->opening++;
		if (observed(r, RUN_EV_OPEN_SUBMITTED)) {
			struct run_event e = event(r, RUN_EV_OPEN_SUBMITTED, NULL);
			e.u.submitted.channel = ch;
			e.u.submitted.tx = tx;
			runner_emit(r, &e);
		}
	}
	struct run_event e = event(r, RUN_EV_GENERATED_OPENS, NULL);
	e.u.count.ok = ok;
	e.u.count.failed = failed;
	e.u.count.last_err = last_err;
	runner_emit(r, &e);
}

/* The imported graph's channels (network section), all at network.open_at, in channel
 * order, after the generated ones' opens. A failure is reported like a generated
 * open's. */
static void open_imported(struct runner *r)
{
	const struct scn_network *nw = &r->s->network;
	for (uint32_t k = 0; k < nw->nchannels; k++) {
		uint32_t ch = nw->first_channel + k;
		uint64_t tx;
		enum l2_result res = l2_channel_open(r->net, ch, &tx);
		if (res) {
			struct run_event e = event(r, RUN_EV_ACTION_FAILED, NULL);
			e.u.failed.channel = ch;
			e.u.failed.why = l2_result_str(res);
			runner_emit(r, &e);
			continue;
		}
		r->ch[ch].open_pending = true;
		r->opening++;
		if (observed(r, RUN_EV_OPEN_SUBMITTED)) {
			struct run_event e = event(r, RUN_EV_OPEN_SUBMITTED, NULL);
			e.u.submitted.channel = ch;
			e.u.submitted.tx = tx;
			runner_emit(r, &e);
		}
	}
}

/* True when a tamper of party `by` closing channel ch on state seq would move money:
 * false when `by` already holds the whole state (nothing to rewrite). */
static bool tamper_changes(const struct runner *r, uint32_t ch, uint32_t by, uint64_t seq)
{
	const struct l1_state *st = own_state(&r->net->channels[ch], seq);
	int bi = l2_channel_index(r->net, ch, by);
	struct amount total;
	if (!st || bi < 0 || !l1_state_total(st, &total))
		return true;
	return !amount_eq(st->balances[bi], total);
}

static void do_close(struct runner *r, const struct scn_action *a)
{
	const struct l2_channel *lc = &r->net->channels[a->channel];
	uint64_t latest_before = lc->latest ? lc->latest->seq : 0;
	uint64_t seq = a->state == SCN_LATEST ? latest_before : a->state;
	bool changed = a->unilateral && a->tamper && tamper_changes(r, a->channel, a->party, seq);
	uint64_t tx;
	enum l2_result res = l2_channel_close(r->net, a->channel, a->party,
					      a->unilateral ? L2_CLOSE_UNILATERAL : L2_CLOSE_COOPERATIVE, a->state,
					      a->tamper, &tx);
	if (res) {
		action_failed(r, a, l2_result_str(res));
		return;
	}
	struct run_channel *rc = &r->ch[a->channel];
	if (!rc->close_pending) {
		rc->close_pending = true;
		r->closing++;
	}
	run_routing_changed(r);
	struct run_event e = event(r, RUN_EV_CLOSE_SUBMITTED, a);
	e.u.close.channel = a->channel;
	e.u.close.tx = tx;
	e.u.close.latest = lc->latest->seq; /* a cooperative close signed a new one */
	e.u.close.seq = a->unilateral ? seq : lc->latest->seq;
	e.u.close.unilateral = a->unilateral;
	e.u.close.tamper = a->tamper;
	e.u.close.tamper_changed = changed;
	runner_emit(r, &e);
}

static void start_flood(struct runner *r, const struct scn_action *a)
{
	if (r->nfloods == r->cap_floods)
		r->floods = xreallocarray(r->floods, r->cap_floods = r->cap_floods ? 2 * r->cap_floods : 4, sizeof(*r->floods));
	struct flood *f = &r->floods[r->nfloods++];
	*f = (struct flood){ .party = a->party, .txs = a->count, .batches_left = a->blocks, .fee = a->fee };
	struct run_event e = event(r, RUN_EV_FLOOD_STARTED, a);
	e.u.party = a->party;
	runner_emit(r, &e);
	flood_batch(r, f);
}

static void flood_batch(struct runner *r, struct flood *f)
{
	for (uint64_t i = 0; i < f->txs; i++)
		(void)l1_chain_submit(r->chain, l1_tx_fee_only(r->net->parties[f->party].account, f->fee));
	f->batches_left--;
}

static void party_online(struct runner *r, uint32_t p, const struct scn_action *a)
{
	l2_party_set_online(r->net, p);
	struct run_event e = event(r, RUN_EV_PARTY_ONLINE, a);
	e.u.party = p;
	runner_emit(r, &e);
}

static void do_action(struct runner *r, const struct scn_action *a)
{
	struct l2_net *n = r->net;
	enum l2_result res;
	uint64_t tx;
	struct run_event e;
	switch (a->kind) {
	case SCN_OPEN:
		res = l2_channel_open(n, a->channel, &tx);
		if (res) {
			action_failed(r, a, l2_result_str(res));
			return;
		}
		r->ch[a->channel].open_pending = true;
		r->opening++;
		e = event(r, RUN_EV_OPEN_SUBMITTED, a);
		e.u.submitted.channel = a->channel;
		e.u.submitted.tx = tx;
		runner_emit(r, &e);
		return;
	case SCN_DEPOSIT:
		res = l2_channel_deposit(n, a->channel, a->party, a->amount, &tx);
		if (res) {
			action_failed(r, a, l2_result_str(res));
			return;
		}
		run_routing_changed(r);
		e = event(r, RUN_EV_DEPOSIT_SUBMITTED, a);
		e.u.submitted.channel = a->channel;
		e.u.submitted.tx = tx;
		runner_emit(r, &e);
		return;
	case SCN_PAY:
		do_pay(r, a);
		return;
	case SCN_CLOSE:
		do_close(r, a);
		return;
	case SCN_OFFLINE: {
		uint64_t back = a->has_blocks ? r->chain->height + a->blocks : UINT64_MAX;
		l2_party_set_offline(n, a->party, back);
		if (a->has_blocks)
			evq_push(&r->events, back, 0, a->party, 0);
		e = event(r, RUN_EV_PARTY_OFFLINE, a);
		e.u.party = a->party;
		runner_emit(r, &e);
		return;
	}
	case SCN_ONLINE:
		party_online(r, a->party, a);
		l2_react_party(n, a->party, on_challenge, r);
		if (r->routing)
			run_routing_online(r, a->party);
		if (r->rollups)
			run_rollups_online(r, a->party);
		return;
	case SCN_SEND:
		run_routing_send_action(r, a);
		return;
	case SCN_WATCHTOWER:
		if (!n->parties[a->party].online) {
			action_failed(r, a, "the acting party is offline");
			return;
		}
		l2_party_set_watchtower(n, a->party, a->enabled);
		e = event(r, RUN_EV_WATCHTOWER, a);
		e.u.party = a->party;
		runner_emit(r, &e);
		return;
	case SCN_FLOOD:
		if (!n->parties[a->party].online) {
			action_failed(r, a, "the acting party is offline");
			return;
		}
		start_flood(r, a);
		return;
	case SCN_TRANSFER:
		run_transfer_action(r, a);
		return;
	case SCN_ROLLUP_DEPOSIT:
	case SCN_ROLLUP_PAY:
	case SCN_ROLLUP_WITHDRAW:
	case SCN_ROLLUP_FRAUD:
		run_rollups_action(r, a);
		return;
	case SCN_PEG_IN:
	case SCN_SIDE_PAY:
	case SCN_PEG_OUT:
	case SCN_FEDERATION_STEAL:
		run_sidechains_action(r, a);
		return;
	}
}

/* ---- blocks ---- */

/* After phase 1: channels that became usable, and settlements that became final. */
static void after_execute(struct runner *r)
{
	const struct l1_chain *c = r->chain;
	if (r->gen_opens_block) {
		struct run_event e = event(r, RUN_EV_OPENS_USABLE, NULL);
		e.u.count.ok = r->gen_opens_block;
		runner_emit(r, &e);
		r->gen_opens_block = 0;
	}
	while (r->usable_len) {
		uint32_t ch = r->usable_fifo[r->usable_head];
		if (l1_channel_usable_height(runner_l1_channels(r), runner_l1_id(r, ch)) > c->height)
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
		if (!l1_chain_is_final(c, l1_channel_settled_height(runner_l1_channels(r), runner_l1_id(r, ch))))
			break;
		r->settled_head++;
		r->settled_len--;
		struct run_event e = event(r, RUN_EV_SETTLEMENT_FINAL, NULL);
		e.u.channel = ch;
		runner_emit(r, &e);
	}
	if (r->schemes)
		run_schemes_after_execute(r);
}

static void phase2(struct runner *r)
{
	const struct evq_event *top;
	while ((top = evq_peek(&r->events)) && top->time_ms <= r->chain->height) {
		struct evq_event ev;
		evq_pop(&r->events, &ev);
		struct l2_party *p = &r->net->parties[ev.arg32];
		if (!p->online && p->back_at == ev.time_ms)
			party_online(r, ev.arg32, NULL);
	}
	/* SPEC section 10's order: preimages learned and revealed, the challenges, then
	 * the pending HTLCs. */
	if (r->routing)
		run_routing_phase2_early(r);
	l2_react_all(r->net, on_challenge, r);
	if (r->routing)
		run_routing_phase2_rules(r);
	if (r->rollups) /* SPEC section 11: the verifiers end phase 2 */
		run_rollups_phase2(r);
}

void runner_close_submitted_by_rule(struct runner *r, uint32_t ch)
{
	struct run_channel *rc = &r->ch[ch];
	if (!rc->close_pending) {
		rc->close_pending = true;
		r->closing++;
	}
}

static int cmp_script(const void *a, const void *b)
{
	const struct scn_action *x = *(const struct scn_action *const *)a, *y = *(const struct scn_action *const *)b;
	if (x->at != y->at)
		return (x->at > y->at) - (x->at < y->at);
	return (x > y) - (x < y); /* file order */
}

static void drop_finished_floods(struct runner *r)
{
	uint32_t keep = 0;
	for (uint32_t i = 0; i < r->nfloods; i++)
		if (r->floods[i].batches_left > 0)
			r->floods[keep++] = r->floods[i];
	r->nfloods = keep;
}

static void phase3(struct runner *r, const struct scn_action **order, uint32_t *next)
{
	uint64_t h = r->chain->height;
	/* SPEC section 11's order: floods, reveals, rollups, sidechains, then the script.
	 * (Generated and imported opens come before the script, as before.) Floods started
	 * earlier send their next batch first. */
	for (uint32_t i = 0; i < r->nfloods; i++) {
		struct flood *f = &r->floods[i];
		if (f->batches_left > 0)
			flood_batch(r, f);
	}
	drop_finished_floods(r);
	if (r->routing) /* held payments due */
		run_routing_phase3_reveals(r);
	if (r->rollups)
		run_rollups_phase3(r);
	if (r->sidechains)
		run_sidechains_phase3(r);
	if (r->s->generate.present && r->s->generate.channels > 0 && h == r->s->generate.open_at)
		open_generated(r);
	if (r->s->network.placed && r->s->network.nchannels > 0 && h == r->s->network.open_at)
		open_imported(r);
	while (*next < r->s->nscript && order[*next]->at == h)
		do_action(r, order[(*next)++]);
	/* A flood started this block has sent its first batch already. */
	drop_finished_floods(r);
	run_workloads_block(r);
}

static bool quiescent(const struct runner *r)
{
	const struct l1_chain *c = r->chain;
	return c->height >= r->last_activity_block && l1_chain_mempool_len(c) == 0 && r->nfloods == 0 &&
	       r->opening == 0 && r->closing == 0 && (!r->any_inclusion || l1_chain_is_final(c, r->last_inclusion)) &&
	       (!r->any_settlement || l1_chain_is_final(c, r->last_settlement)) &&
	       (!r->routing || !run_routing_busy(r)) && (!r->schemes || !run_schemes_busy(r)) &&
	       (!r->rollups || !run_rollups_busy(r)) && (!r->sidechains || !run_sidechains_busy(r));
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
	struct run_event e = event(r, RUN_EV_BLOCK_EXECUTED, NULL);
	runner_emit(r, &e);
	after_execute(r);
	phase2(r);
	phase3(r, r->order, &r->next_action);
	if (r->on_block)
		r->on_block(r->on_block_ctx, r);
	if (r->progress && r->chain->height % 10000 == 0)
		runner_show_progress(r);
	return true;
}

void runner_finish(struct runner *r)
{
	const struct scenario *s = r->s;
	if (r->progress_shown)
		fputc('\n', stderr);
	if (s->has_until_block ? r->chain->height < s->until_block : !quiescent(r))
		r->hit_block_cap = true;
	if (r->routing)
		run_routing_finish(r);
	if (r->rollups)
		run_rollups_finish(r);
	if (r->sidechains)
		run_sidechains_finish(r);
	struct run_event e = event(r, RUN_EV_RUN_END, NULL);
	runner_emit(r, &e);
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

enum run_channel_status runner_channel_status(const struct runner *r, uint32_t ch)
{
	const struct l1_channel_contract *cc = runner_l1_channels(r);
	uint32_t l1 = runner_l1_id(r, ch);
	const struct l2_channel *lc = &r->net->channels[ch];
	enum l1_channel_status st = l1_channel_status(cc, l1);
	if (st == L1_CH_CLOSED)
		return RUN_CH_CLOSED;
	if (lc->close_submitted || st == L1_CH_DISPUTE)
		return RUN_CH_CLOSING;
	if (lc->latest && l1_channel_usable_height(cc, l1) <= r->chain->height)
		return RUN_CH_OPEN;
	if (lc->open_submitted)
		return RUN_CH_OPENING;
	return RUN_CH_NONE;
}
