/* SPEC section 11's common part of a run: L1 transfers (the transfer action and a
 * workload's via "l1"), the map from an L1 contract to the scheme whose txs it
 * carries, and the scheme of every L1 tx of the run (for l1_txs and l1_bytes).
 *
 * A transfer is a payment of the `l1` scheme: OK when its tx is included, FAILED
 * when it is dropped or cannot be submitted (its sender offline, or sending to
 * itself), FINAL when its block has its confirmations (inclusion + confirmations - 1),
 * the time of that block being its finality. Transfers of one fee are reached in
 * submission order, so the pending ones wait in a FIFO (a lookup by id covers any
 * other order), and so do the included ones for their finality. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/channel.h"
#include "l1sim/util.h"
#include "tools/run_schemes.h"
#include "tools/runner_internal.h"

/* A transfer submitted and not reached yet, or included and not final yet. */
struct xfer {
	uint64_t tx;             /* its L1 tx id */
	uint64_t t_us;           /* the payment's time */
	uint64_t final_height;   /* included: inclusion + confirmations - 1 */
	uint32_t from, to;
	struct amount amount;
};

/* A FIFO ring of transfers. */
struct xfer_q {
	struct xfer *v;
	size_t head, len, cap;
};

struct run_schemes {
	uint32_t *contract_scheme;   /* [ncontracts]: SCN_NONE for none */
	size_t ncontracts;
	struct xfer_q pending;       /* submitted, not reached */
	struct xfer_q included;      /* included, not final */
};

static void q_push(struct xfer_q *q, struct xfer x)
{
	if (q->len == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 64;
		struct xfer *v = xcalloc(cap, sizeof(*v));
		for (size_t i = 0; i < q->len; i++)
			v[i] = q->v[(q->head + i) % q->cap];
		free(q->v);
		q->v = v;
		q->cap = cap;
		q->head = 0;
	}
	q->v[(q->head + q->len++) % q->cap] = x;
}

static struct xfer *q_at(const struct xfer_q *q, size_t i)
{
	return &q->v[(q->head + i) % q->cap];
}

/* Takes the transfer of tx id out of q (the front, unless txs were reached out of
 * submission order). False when it is not there. */
static bool q_take(struct xfer_q *q, uint64_t id, struct xfer *out)
{
	for (size_t i = 0; i < q->len; i++) {
		struct xfer *x = q_at(q, i);
		if (x->tx != id)
			continue;
		*out = *x;
		for (size_t k = i; k > 0; k--) /* close the gap: keep the order of the others */
			*q_at(q, k) = *q_at(q, k - 1);
		q->head = (q->head + 1) % q->cap;
		q->len--;
		return true;
	}
	return false;
}

void run_schemes_new(struct runner *r)
{
	r->schemes = NULL;
	if (!r->s->schemes_feature)
		return;
	r->schemes = xcalloc(1, sizeof(*r->schemes));
}

void run_schemes_free(struct runner *r)
{
	struct run_schemes *x = r->schemes;
	if (!x)
		return;
	free(x->contract_scheme);
	free(x->pending.v);
	free(x->included.v);
	free(x);
	r->schemes = NULL;
}

void runner_set_contract_scheme(struct runner *r, uint32_t contract, uint32_t scheme)
{
	if (!r->schemes)
		r->schemes = xcalloc(1, sizeof(*r->schemes));
	struct run_schemes *x = r->schemes;
	if (contract >= x->ncontracts) {
		size_t n = (size_t)contract + 1;
		x->contract_scheme = xreallocarray(x->contract_scheme, n, sizeof(uint32_t));
		for (size_t i = x->ncontracts; i < n; i++)
			x->contract_scheme[i] = SCN_NONE;
		x->ncontracts = n;
	}
	x->contract_scheme[contract] = scheme;
}

uint32_t runner_tx_scheme(const struct runner *r, const struct l1_tx *tx)
{
	if (tx->contract == L1_CONTRACT_LEDGER)
		return tx->op == L1_LEDGER_TRANSFER ? SCN_SCHEME_L1 : SCN_NONE; /* fee-only: a flood's */
	if (l1_channel_op_of(runner_l1_channels(r), tx) != L1_CHANNEL_OP_NONE)
		return SCN_SCHEME_CHANNELS;
	const struct run_schemes *x = r->schemes;
	return x && tx->contract < x->ncontracts ? x->contract_scheme[tx->contract] : SCN_NONE;
}

/* ---- transfers ---- */

void run_scheme_pays(struct runner *r, uint32_t scheme, enum run_scheme_pay_step step, uint64_t n, uint64_t soft_ms)
{
	if (n == 0 || !observed(r, RUN_EV_SCHEME_PAYS))
		return;
	struct run_event e = event(r, RUN_EV_SCHEME_PAYS, NULL);
	e.u.scheme_pays.scheme = scheme;
	e.u.scheme_pays.step = step;
	e.u.scheme_pays.n = n;
	e.u.scheme_pays.soft_ms = soft_ms;
	runner_emit(r, &e);
}

void run_finals_flush(struct run_finals *f)
{
	struct run_event e = event(f->r, RUN_EV_SCHEME_PAYS, NULL);
	e.u.scheme_pays.scheme = f->scheme;
	e.u.scheme_pays.step = RUN_SCHEME_PAY_FINAL;
	e.u.scheme_pays.n = f->n;
	e.u.scheme_pays.final_ms = f->final_ms;
	e.u.scheme_pays.latency_us = f->latency_us;
	runner_emit(f->r, &e);
	f->n = 0;
}

/* A transfer's payment reached step: one RUN_EV_SCHEME_PAY when observed, and its
 * count (FINAL: in groups, by run_schemes_after_execute). */
static void pay_event(struct runner *r, const struct scn_action *a, enum run_scheme_pay_step step,
		      const struct xfer *x, const char *why)
{
	if (step != RUN_SCHEME_PAY_FINAL)
		run_scheme_pays(r, SCN_SCHEME_L1, step, 1, 0);
	if (!observed(r, RUN_EV_SCHEME_PAY))
		return;
	struct run_event e = event(r, RUN_EV_SCHEME_PAY, a);
	e.u.scheme_pay.scheme = SCN_SCHEME_L1;
	e.u.scheme_pay.step = step;
	e.u.scheme_pay.from = x->from;
	e.u.scheme_pay.to = x->to;
	e.u.scheme_pay.amount = x->amount;
	e.u.scheme_pay.t_us = x->t_us;
	e.u.scheme_pay.final_ms = step == RUN_SCHEME_PAY_FINAL ? r->chain->time_ms : 0;
	e.u.scheme_pay.why = why;
	runner_emit(r, &e);
}

/* Submits one transfer from -> to at time t_us, or fails it at once (SPEC's common
 * rules: its sender offline, or from = to). */
static void transfer(struct runner *r, const struct scn_action *a, uint32_t from, uint32_t to,
		     struct amount amount, uint64_t t_us)
{
	struct xfer x = { .t_us = t_us, .from = from, .to = to, .amount = amount };
	payment_done(r);
	if (from == to) {
		pay_event(r, a, RUN_SCHEME_PAY_FAILED, &x, "sender and recipient are the same party");
		return;
	}
	const struct l2_party *pf = &r->net->parties[from];
	if (!pf->online) {
		pay_event(r, a, RUN_SCHEME_PAY_FAILED, &x, "sender offline");
		return;
	}
	x.tx = l1_chain_submit(r->chain, l1_tx_transfer(pf->account, r->net->parties[to].account, amount, r->s->fee));
	q_push(&r->schemes->pending, x);
}

/* A line for the timeline (RUN_EV_SCHEME_STEP of the l1 scheme). */
static void step(struct runner *r, const struct scn_action *a, uint32_t party, const char *what)
{
	struct run_event e = event(r, RUN_EV_SCHEME_STEP, a);
	e.u.scheme_step.scheme = SCN_SCHEME_L1;
	e.u.scheme_step.what = what;
	e.u.scheme_step.party = party;
	e.u.scheme_step.tx = RUN_NO_TX; /* a line about several txs */
	runner_emit(r, &e);
}

void run_transfer_action(struct runner *r, const struct scn_action *a)
{
	uint64_t t_us = ms_to_us(r->chain->time_ms);
	size_t before = r->schemes->pending.len;
	for (uint64_t k = 0; k < a->count; k++)
		transfer(r, a, a->party, a->to, a->amount, t_us);
	size_t n = r->schemes->pending.len - before;
	if (n && observed(r, RUN_EV_SCHEME_STEP)) {
		char line[256], am[AMOUNT_FMT_LEN], fee[AMOUNT_FMT_LEN];
		snprintf(line, sizeof(line), "%s submits %zu transfer%s of %s to %s (fee %s, %u bytes each)",
			 runner_party_name(r, a->party), n, n == 1 ? "" : "s", amount_fmt(am, a->amount),
			 runner_party_name(r, a->to), amount_fmt(fee, r->s->fee), L1_TX_BYTES_TRANSFER);
		step(r, a, a->party, line);
	}
}

void run_transfer_pay(struct runner *r, uint32_t from, uint32_t to, struct amount amount, uint64_t t_us)
{
	transfer(r, NULL, from, to, amount, t_us);
}

void run_schemes_tx(struct runner *r, const struct l1_event *ev)
{
	const struct l1_tx *tx = ev->tx;
	struct xfer x;
	if (!r->schemes || tx->contract != L1_CONTRACT_LEDGER || tx->op != L1_LEDGER_TRANSFER ||
	    !q_take(&r->schemes->pending, tx->id, &x))
		return; /* not a transfer of the run */
	if (ev->kind == L1_EV_TX_DROPPED) {
		pay_event(r, NULL, RUN_SCHEME_PAY_FAILED, &x, l1_result_str(ev->reason));
		return;
	}
	pay_event(r, NULL, RUN_SCHEME_PAY_OK, &x, NULL);
	x.final_height = r->chain->height + r->chain->params.confirmations - 1;
	q_push(&r->schemes->included, x);
}

void run_schemes_after_execute(struct runner *r)
{
	struct xfer_q *q = &r->schemes->included;
	uint64_t h = r->chain->height, n = 0;
	struct run_finals f;
	run_finals_begin(&f, r, SCN_SCHEME_L1, r->chain->time_ms);
	while (q->len && q_at(q, 0)->final_height <= h) {
		struct xfer x = *q_at(q, 0);
		q->head = (q->head + 1) % q->cap;
		q->len--;
		pay_event(r, NULL, RUN_SCHEME_PAY_FINAL, &x, NULL);
		run_finals_add(&f, x.t_us);
		n++;
	}
	run_finals_end(&f);
	if (n && observed(r, RUN_EV_SCHEME_STEP)) {
		char line[160];
		uint32_t conf = r->chain->params.confirmations;
		snprintf(line, sizeof(line), "%" PRIu64 " transfer%s final (%u confirmation%s)", n, n == 1 ? "" : "s", conf,
			 conf == 1 ? "" : "s");
		step(r, NULL, SCN_NONE, line);
	}
}

bool run_schemes_busy(const struct runner *r)
{
	return r->schemes->pending.len != 0 || r->schemes->included.len != 0;
}
