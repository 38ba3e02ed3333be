/* Federated sidechains in a run (SPEC section 11): each sidechain's slots on the run's
 * clock, its blocks while m of its federation are online, peg-ins credited after their
 * L1 confirmations, side payments and peg-outs in submission order, finality after
 * `confirmations` blocks, releases signed by the first m online members and checked by
 * the peg contract (l1sim/peg.h), and federation thefts with the violations they leave.
 * What happens is told as run events: RUN_EV_SCHEME_PAYS for the payments (ok when in a
 * block, failed, final; a block's at once) and RUN_EV_SCHEME_PAY for each of them when
 * someone takes them one by one, RUN_EV_SCHEME_STEP for pegs, blocks and releases, and
 * RUN_EV_SCHEME_VIOLATION for each balance a theft leaves unbacked.
 *
 * Decisions where SPEC is silent (docs/schemes-sidechain.md): who is online is read
 * when a slot is handled (the start of phase 3 of the L1 block that reaches it); a
 * peg-in is credited at the first block whose slot time is at or after the time of the
 * L1 block that gave it its pegin_confirmations-th confirmation; a release is submitted
 * whether or not its party is online (its wallet does it); when a theft is included,
 * the parties with a positive balance then, other than the thieves (every member of an
 * included theft's `by`), are its victims, each counted once per sidechain. */
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/peg.h"
#include "l1sim/util.h"
#include "l2/l2.h"
#include "tools/run_schemes.h"
#include "tools/runner_internal.h"

/* A sidechain tx: a payment, or a peg-out (to == SCN_NONE: a burn). */
struct side_tx {
	uint64_t t_us;                 /* when it was submitted */
	const struct scn_action *a;    /* the script's action, or NULL (a workload's) */
	uint32_t from, to;
	struct amount amount;
	uint64_t block;                /* once in a block: its number */
};

struct side_fifo {
	struct side_tx *v;
	size_t head, len, cap;
};

struct side_pegin {
	uint64_t tx;                   /* its L1 tx */
	uint32_t party;
	struct amount amount;
	uint64_t included;             /* the L1 block that included it; 0: pending */
	bool confirmed;                /* it has pegin_confirmations */
	uint64_t conf_ms;              /* the time of the block that confirmed it */
};

struct side_release {
	uint64_t tx;                   /* its L1 tx, once submitted */
	bool submitted;                /* false: waiting for m online members */
	uint64_t number;
	uint32_t party;                /* the recipient (and submitter) */
	struct amount amount;
	const struct scn_action *theft; /* a federation_steal, or NULL (a peg-out) */
};

struct side {
	const struct scn_sidechain *p;
	uint32_t scheme;
	struct l1_peg_contract *peg;   /* owned by the chain */
	uint32_t contract;
	uint8_t (*pk)[L1_PUBKEY_LEN];  /* [nfederation] */
	uint8_t (*sk)[L1_SECKEY_LEN];
	struct amount *bal;            /* [nparties] */
	struct side_fifo queue;        /* submitted, not yet in a block */
	struct side_fifo unfinal;      /* in a block, not final, in block order */
	struct side_pegin *pegins;     /* not credited yet, in submission order */
	size_t npegins, cap_pegins;
	struct side_release *rel;      /* not reached on L1 yet, in order */
	size_t nrel, cap_rel;
	uint64_t next_slot;            /* the next slot to handle (k >= 1) */
	uint64_t height;               /* blocks made */
	uint64_t next_number;          /* release numbers */
	bool halted;                   /* the last slot handled made no block */
	bool *thief;                   /* [nparties]: signed an included theft */
	bool *victim;                  /* [nparties]: counted as a theft's victim */
	uint32_t *signers;             /* [2 x nfederation]: scratch of releases() */
};

struct run_sidechains {
	struct runner *r;
	struct side *sc;
	uint32_t n;
	uint32_t first_contract;       /* the pegs' contract ids are first .. first + n - 1 */
};

/* ---- small helpers ---- */

static void fifo_push(struct side_fifo *f, struct side_tx t)
{
	if (f->head + f->len == f->cap) {
		if (f->head) {
			memmove(f->v, f->v + f->head, f->len * sizeof(*f->v));
			f->head = 0;
		}
		if (f->len == f->cap)
			f->v = xreallocarray(f->v, f->cap = f->cap ? 2 * f->cap : 16, sizeof(*f->v));
	}
	f->v[f->head + f->len++] = t;
}

static struct side_tx *fifo_front(struct side_fifo *f) { return f->len ? &f->v[f->head] : NULL; }

static void fifo_pop(struct side_fifo *f)
{
	f->head++;
	if (--f->len == 0)
		f->head = 0;
}

static const char *pname(const struct runner *r, uint32_t p)
{
	return r->s->parties[p].name;
}

static bool online(const struct runner *r, uint32_t p)
{
	return r->net->parties[p].online;
}

static uint32_t online_members(const struct runner *r, const struct side *sc)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < sc->p->nfederation; i++)
		n += online(r, sc->p->federation[i]);
	return n;
}

/* A party's Ed25519 keys: the run's when signatures are on, else derived the same way
 * (a peg release is always signed). */
static void party_keys(const struct runner *r, uint32_t p, uint8_t pk[L1_PUBKEY_LEN], uint8_t sk[L1_SECKEY_LEN])
{
	if (r->s->signatures) {
		memcpy(pk, r->net->parties[p].pk, L1_PUBKEY_LEN);
		memcpy(sk, r->net->parties[p].sk, L1_SECKEY_LEN);
	} else {
		l2_keys_derive(r->s->seed, pname(r, p), pk, sk);
	}
}

static void step(struct runner *r, const struct side *sc, uint32_t party, uint64_t tx, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void step(struct runner *r, const struct side *sc, uint32_t party, uint64_t tx, const char *fmt, ...)
{
	if (!observed(r, RUN_EV_SCHEME_STEP))
		return;
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	struct run_event e = event(r, RUN_EV_SCHEME_STEP, NULL);
	e.u.scheme_step.scheme = sc->scheme;
	e.u.scheme_step.what = what;
	e.u.scheme_step.party = party;
	e.u.scheme_step.tx = tx;
	runner_emit(r, &e);
}

/* One payment's RUN_EV_SCHEME_PAY (the schemes report counts RUN_EV_SCHEME_PAYS). */
static void pay_event(struct runner *r, const struct side *sc, const struct side_tx *t, enum run_scheme_pay_step st,
		      uint64_t final_ms, const char *why)
{
	if (!observed(r, RUN_EV_SCHEME_PAY))
		return;
	struct run_event e = event(r, RUN_EV_SCHEME_PAY, t->a);
	e.u.scheme_pay.scheme = sc->scheme;
	e.u.scheme_pay.step = st;
	e.u.scheme_pay.from = t->from;
	e.u.scheme_pay.to = t->to;
	e.u.scheme_pay.amount = t->amount;
	e.u.scheme_pay.t_us = t->t_us;
	e.u.scheme_pay.final_ms = final_ms;
	e.u.scheme_pay.why = why;
	runner_emit(r, &e);
}

static struct side *side_of_contract(struct run_sidechains *rs, uint32_t contract)
{
	uint32_t i = contract - rs->first_contract; /* wraps below first: out of range */
	return contract >= rs->first_contract && i < rs->n ? &rs->sc[i] : NULL;
}

/* "f1, f2 and f3", at most a few names. */
static void names(const struct runner *r, const uint32_t *who, uint32_t n, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (uint32_t i = 0; i < n && len < cap; i++) {
		if (i == 4 && n > 5) {
			snprintf(out + len, cap - len, " and %" PRIu32 " more", n - 4);
			return;
		}
		int w = snprintf(out + len, cap - len, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", pname(r, who[i]));
		if (w < 0)
			return;
		len += (size_t)w;
	}
}

/* ---- the L1 side: peg-ins and releases reached ---- */

static void on_pegin(struct runner *r, struct side *sc, const struct l1_event *ev)
{
	char am[AMOUNT_FMT_LEN];
	for (size_t i = 0; i < sc->npegins; i++) {
		struct side_pegin *pi = &sc->pegins[i];
		if (pi->tx != ev->tx->id)
			continue;
		if (ev->kind == L1_EV_TX_INCLUDED) {
			pi->included = ev->height;
			return;
		}
		step(r, sc, pi->party, pi->tx, "peg-in of %s by %s dropped: %s", amount_fmt(am, pi->amount),
		     pname(r, pi->party), l1_result_str(ev->reason));
		memmove(pi, pi + 1, (sc->npegins - i - 1) * sizeof(*pi));
		sc->npegins--;
		return;
	}
}

/* A theft was included: every party other than the thieves (the members of any
 * included theft's by) with a positive balance now holds money the peg no longer
 * backs, a violation each (once per sidechain). */
static void theft_included(struct runner *r, struct side *sc, const struct scn_action *theft)
{
	for (uint32_t k = 0; k < theft->nby; k++)
		sc->thief[theft->by[k]] = true;
	for (uint32_t p = 0; p < r->s->nparties; p++) {
		if (sc->thief[p] || sc->victim[p] || amount_is_zero(sc->bal[p]))
			continue;
		sc->victim[p] = true;
		struct run_event e = event(r, RUN_EV_SCHEME_VIOLATION, NULL);
		e.u.scheme_violation.scheme = sc->scheme;
		e.u.scheme_violation.party = p;
		e.u.scheme_violation.amount = sc->bal[p];
		e.u.scheme_violation.why = "sidechain balance no longer backed on L1 after a federation theft";
		runner_emit(r, &e);
	}
}

static void on_release(struct runner *r, struct side *sc, const struct l1_event *ev)
{
	char am[AMOUNT_FMT_LEN];
	for (size_t i = 0; i < sc->nrel; i++) {
		struct side_release *x = &sc->rel[i];
		if (!x->submitted || x->tx != ev->tx->id)
			continue;
		amount_fmt(am, x->amount);
		if (ev->kind != L1_EV_TX_INCLUDED)
			step(r, sc, x->party, x->tx, "%s #%" PRIu64 " of %s to %s dropped: %s",
			     x->theft ? "theft release" : "release", x->number, am, pname(r, x->party),
			     l1_result_str(ev->reason));
		else if (!x->theft)
			step(r, sc, x->party, x->tx, "release #%" PRIu64 " paid %s to %s on L1", x->number, am,
			     pname(r, x->party));
		else {
			step(r, sc, x->party, x->tx, "THEFT: release #%" PRIu64 " paid %s of the peg to %s",
			     x->number, am, pname(r, x->party));
			theft_included(r, sc, x->theft);
		}
		memmove(x, x + 1, (sc->nrel - i - 1) * sizeof(*x));
		sc->nrel--;
		return;
	}
}

static void on_l1(void *ctx, const struct l1_event *ev)
{
	struct run_sidechains *rs = ctx;
	if (ev->kind == L1_EV_CONTRACT)
		return;
	struct side *sc = side_of_contract(rs, ev->tx->contract);
	if (!sc)
		return;
	if (l1_peg_op_of(sc->peg, ev->tx) == L1_PEG_IN)
		on_pegin(rs->r, sc, ev);
	else
		on_release(rs->r, sc, ev);
}

/* ---- set-up ---- */

void run_sidechains_new(struct runner *r)
{
	const struct scenario *s = r->s;
	r->sidechains = NULL;
	if (s->nsidechains == 0)
		return;
	struct run_sidechains *rs = xcalloc(1, sizeof(*rs));
	rs->r = r;
	rs->n = s->nsidechains;
	rs->sc = xcalloc(rs->n, sizeof(*rs->sc));
	for (uint32_t i = 0; i < rs->n; i++) {
		struct side *sc = &rs->sc[i];
		sc->p = &s->sidechains[i];
		sc->scheme = scn_scheme_sidechain(s, i);
		uint32_t n = sc->p->nfederation;
		sc->pk = xcalloc(n, sizeof(*sc->pk));
		sc->sk = xcalloc(n, sizeof(*sc->sk));
		for (uint32_t k = 0; k < n; k++)
			party_keys(r, sc->p->federation[k], sc->pk[k], sc->sk[k]);
		sc->peg = l1_peg_contract_new(r->chain, n, (const uint8_t(*)[L1_PUBKEY_LEN])sc->pk, sc->p->threshold);
		if (!sc->peg)
			fatal_invariant("a validated sidechain's peg was refused");
		sc->contract = l1_peg_contract_id(sc->peg);
		if (i == 0)
			rs->first_contract = sc->contract;
		else if (sc->contract != rs->first_contract + i)
			fatal_invariant("the pegs' contract ids are not consecutive");
		runner_set_contract_scheme(r, sc->contract, sc->scheme);
		sc->bal = xcalloc(s->nparties ? s->nparties : 1, sizeof(*sc->bal));
		sc->thief = xcalloc(s->nparties ? s->nparties : 1, sizeof(*sc->thief));
		sc->victim = xcalloc(s->nparties ? s->nparties : 1, sizeof(*sc->victim));
		sc->signers = xcalloc(2 * (size_t)n, sizeof(*sc->signers));
		sc->next_slot = 1;
		sc->next_number = 1;
	}
	l1_chain_add_listener(r->chain, on_l1, rs);
	r->sidechains = rs;
}

void run_sidechains_free(struct runner *r)
{
	struct run_sidechains *rs = r->sidechains;
	if (!rs)
		return;
	for (uint32_t i = 0; i < rs->n; i++) {
		struct side *sc = &rs->sc[i];
		if (sc->sk)
			sodium_memzero(sc->sk, (size_t)sc->p->nfederation * sizeof(*sc->sk));
		free(sc->pk);
		free(sc->sk);
		free(sc->bal);
		free(sc->thief);
		free(sc->victim);
		free(sc->signers);
		free(sc->queue.v);
		free(sc->unfinal.v);
		free(sc->pegins);
		free(sc->rel);
	}
	free(rs->sc);
	free(rs);
	r->sidechains = NULL;
}

/* ---- submissions: actions and workload payments ---- */

static void submit(struct runner *r, struct side *sc, const struct scn_action *a, uint32_t from, uint32_t to,
		   struct amount amount, uint64_t t_us)
{
	struct side_tx t = { .t_us = t_us, .a = a, .from = from, .to = to, .amount = amount };
	const char *why = !online(r, from) ? "the sender is offline" : from == to ? "from and to are the same party" : NULL;
	if (why) {
		pay_event(r, sc, &t, RUN_SCHEME_PAY_FAILED, 0, why);
		run_scheme_pays(r, sc->scheme, RUN_SCHEME_PAY_FAILED, 1, 0);
	} else
		fifo_push(&sc->queue, t);
}

void run_sidechains_pay(struct runner *r, uint32_t sidechain, uint32_t from, uint32_t to, struct amount amount,
			uint64_t t_us)
{
	submit(r, &r->sidechains->sc[sidechain], NULL, from, to, amount, t_us);
}

static void action_failed(struct runner *r, const struct scn_action *a, const char *why)
{
	struct run_event e = event(r, RUN_EV_ACTION_FAILED, a);
	e.u.failed.channel = SCN_NONE;
	e.u.failed.why = why;
	runner_emit(r, &e);
}

static struct side_release *add_release(struct side *sc)
{
	if (sc->nrel == sc->cap_rel)
		sc->rel = xreallocarray(sc->rel, sc->cap_rel = sc->cap_rel ? 2 * sc->cap_rel : 4, sizeof(*sc->rel));
	struct side_release *x = &sc->rel[sc->nrel++];
	memset(x, 0, sizeof(*x));
	x->number = sc->next_number++;
	return x;
}

static void do_peg_in(struct runner *r, struct side *sc, const struct scn_action *a)
{
	uint32_t acct = r->net->parties[a->party].account;
	uint64_t tx = l1_chain_submit(r->chain, l1_peg_in_tx(sc->peg, acct, a->amount, r->s->fee));
	if (sc->npegins == sc->cap_pegins)
		sc->pegins = xreallocarray(sc->pegins, sc->cap_pegins = sc->cap_pegins ? 2 * sc->cap_pegins : 4,
					   sizeof(*sc->pegins));
	sc->pegins[sc->npegins++] = (struct side_pegin){ .tx = tx, .party = a->party, .amount = a->amount };
	char am[AMOUNT_FMT_LEN];
	step(r, sc, a->party, tx, "peg-in of %s by %s submitted (credited after %" PRIu64 " L1 confirmation%s)",
	     amount_fmt(am, a->amount), pname(r, a->party), sc->p->pegin_confirmations,
	     sc->p->pegin_confirmations == 1 ? "" : "s");
}

/* The members of `by` sign a release of the amount to by[0], who submits it: one
 * signature each, members of the federation or not (the contract sorts them out). */
static void do_steal(struct runner *r, struct side *sc, const struct scn_action *a)
{
	for (uint32_t k = 0; k < a->nby; k++)
		if (!online(r, a->by[k])) {
			action_failed(r, a, "a member of by is offline");
			return;
		}
	/* The loader sizes l1.block_bytes for a peg-out's release (threshold signatures);
	 * a theft with more signers could never be included and would hold the run open. */
	uint64_t bb = r->chain->params.block_bytes;
	if (bb && l1_peg_release_bytes(a->nby) > bb) {
		action_failed(r, a, "its release (250 + 64 bytes per member of by) would never fit in a block");
		return;
	}
	struct side_release *x = add_release(sc);
	x->party = a->by[0];
	x->amount = a->amount;
	x->theft = a;
	uint32_t acct = r->net->parties[x->party].account;
	struct l1_peg_release *rel = l1_peg_release_new(x->number, a->nby);
	for (uint32_t k = 0; k < a->nby; k++) {
		uint8_t pk[L1_PUBKEY_LEN], sk[L1_SECKEY_LEN];
		party_keys(r, a->by[k], pk, sk);
		l1_peg_release_sign(sc->peg, rel, k, acct, a->amount, pk, sk);
		sodium_memzero(sk, sizeof(sk));
	}
	x->tx = l1_chain_submit(r->chain, l1_peg_release_tx(sc->peg, acct, acct, a->amount, r->s->fee, rel));
	x->submitted = true;
	char am[AMOUNT_FMT_LEN], who[160];
	names(r, a->by, a->nby, who, sizeof(who));
	step(r, sc, x->party, x->tx, "federation theft: a release of %s to %s signed by %s submitted",
	     amount_fmt(am, a->amount), pname(r, x->party), who);
}

void run_sidechains_action(struct runner *r, const struct scn_action *a)
{
	struct side *sc = &r->sidechains->sc[a->scheme];
	uint64_t t_us = ms_to_us(r->chain->time_ms);
	switch (a->kind) {
	case SCN_SIDE_PAY:
		for (uint64_t i = 0; i < a->count; i++) {
			submit(r, sc, a, a->party, a->to, a->amount, t_us);
			payment_done(r);
		}
		return;
	case SCN_PEG_IN:
		if (!online(r, a->party))
			action_failed(r, a, "the acting party is offline");
		else
			do_peg_in(r, sc, a);
		return;
	case SCN_PEG_OUT:
		if (!online(r, a->party))
			action_failed(r, a, "the acting party is offline");
		else
			fifo_push(&sc->queue, (struct side_tx){ .t_us = t_us, .a = a, .from = a->party, .to = SCN_NONE,
							       .amount = a->amount });
		return;
	case SCN_FEDERATION_STEAL:
		do_steal(r, sc, a);
		return;
	default:
		fatal_invariant("a sidechain action of another kind");
	}
}

/* ---- phase 3: slots, blocks, finality, releases ---- */

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* The first slot >= k at which something happens when a block is made at every slot
 * from k on: a submitted tx becomes due, a confirmed peg-in becomes due, or the oldest
 * unfinal tx becomes final. UINT64_MAX: none. */
static uint64_t next_busy_slot(struct side *sc, uint64_t k)
{
	uint64_t iv = sc->p->block_interval_ms, best = UINT64_MAX;
	const struct side_tx *q = fifo_front(&sc->queue);
	if (q) {
		uint64_t ms = q->t_us / 1000 + (q->t_us % 1000 != 0);
		best = ceil_div(ms, iv);
	}
	for (size_t i = 0; i < sc->npegins; i++)
		if (sc->pegins[i].confirmed) {
			uint64_t s = ceil_div(sc->pegins[i].conf_ms, iv);
			if (s < best)
				best = s;
		}
	const struct side_tx *u = fifo_front(&sc->unfinal);
	if (u) {
		/* Block u->block + c - 1 makes it final; the next block (height + 1) is at k. */
		uint64_t s = k + (u->block + sc->p->confirmations - 1) - (sc->height + 1);
		if (s < best)
			best = s;
	}
	return best < k ? k : best;
}

/* "420 s", or "0.5 s" off the whole second. */
static void secs(char *out, size_t cap, uint64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(out, cap, "%" PRIu64 " s", ms / 1000);
	else
		snprintf(out, cap, "%" PRIu64 ".%03u s", ms / 1000, (unsigned)(ms % 1000));
}

static void credit(struct side *sc, uint32_t p, struct amount a)
{
	if (!amount_add_to(&sc->bal[p], a))
		fatal_invariant("a sidechain balance overflowed (they are backed by the peg)");
}

static void make_block(struct runner *r, struct side *sc, uint64_t k)
{
	char am[AMOUNT_FMT_LEN];
	uint64_t slot_ms = k * sc->p->block_interval_ms, slot_us = ms_to_us(slot_ms);
	uint64_t n = ++sc->height, credited = 0, taken = 0, dropped = 0, paid = 0, failed = 0;
	size_t keep = 0;
	for (size_t i = 0; i < sc->npegins; i++) {
		struct side_pegin *pi = &sc->pegins[i];
		if (!pi->confirmed || pi->conf_ms > slot_ms) {
			sc->pegins[keep++] = *pi;
			continue;
		}
		/* After a theft the peg backs less than the balances, so a peg-in can pass
		 * 2^64-1: it is not credited (the peg keeps it), as any overflow fails. */
		if (!amount_add_to(&sc->bal[pi->party], pi->amount)) {
			step(r, sc, pi->party, pi->tx, "peg-in of %s by %s not credited: the balance would pass 2^64-1",
			     amount_fmt(am, pi->amount), pname(r, pi->party));
			continue;
		}
		credited++;
		step(r, sc, pi->party, pi->tx, "peg-in of %s credited to %s in block %" PRIu64,
		     amount_fmt(am, pi->amount), pname(r, pi->party), n);
	}
	sc->npegins = keep;
	struct side_tx *t;
	while (taken < sc->p->block_tx_limit && (t = fifo_front(&sc->queue)) && t->t_us <= slot_us) {
		struct side_tx x = *t;
		fifo_pop(&sc->queue);
		bool peg_out = x.to == SCN_NONE;
		bool over = !peg_out && !amount_add(&(struct amount){ 0 }, sc->bal[x.to], x.amount);
		if (over || !amount_sub_from(&sc->bal[x.from], x.amount)) {
			dropped++;
			if (peg_out)
				step(r, sc, x.from, RUN_NO_TX, "peg-out of %s by %s dropped in block %" PRIu64 ": balance too low",
				     amount_fmt(am, x.amount), pname(r, x.from), n);
			else {
				pay_event(r, sc, &x, RUN_SCHEME_PAY_FAILED, 0,
					  over ? "the recipient's balance would pass 2^64-1" : "sidechain balance too low");
				failed++;
			}
			continue;
		}
		taken++;
		x.block = n;
		if (peg_out)
			step(r, sc, x.from, RUN_NO_TX, "peg-out of %s by %s burned in block %" PRIu64,
			     amount_fmt(am, x.amount), pname(r, x.from), n);
		else {
			credit(sc, x.to, x.amount);
			pay_event(r, sc, &x, RUN_SCHEME_PAY_OK, 0, NULL);
			paid++;
		}
		fifo_push(&sc->unfinal, x);
	}
	run_scheme_pays(r, sc->scheme, RUN_SCHEME_PAY_OK, paid, 0);
	run_scheme_pays(r, sc->scheme, RUN_SCHEME_PAY_FAILED, failed, 0);
	if (taken || dropped || credited) {
		char when[48];
		secs(when, sizeof(when), slot_ms);
		step(r, sc, SCN_NONE, RUN_NO_TX, "block %" PRIu64 " (slot at %s): %" PRIu64 " tx%s, %" PRIu64 " dropped, %" PRIu64
		     " peg-in%s credited", n, when, taken, taken == 1 ? "" : "s", dropped, credited,
		     credited == 1 ? "" : "s");
	}
	struct run_finals f;
	run_finals_begin(&f, r, sc->scheme, slot_ms);
	while ((t = fifo_front(&sc->unfinal)) && t->block + sc->p->confirmations - 1 <= n) {
		struct side_tx x = *t;
		fifo_pop(&sc->unfinal);
		if (x.to != SCN_NONE) {
			pay_event(r, sc, &x, RUN_SCHEME_PAY_FINAL, slot_ms, NULL);
			run_finals_add(&f, x.t_us);
			continue;
		}
		struct side_release *rel = add_release(sc);
		rel->party = x.from;
		rel->amount = x.amount;
	}
	run_finals_end(&f);
}

/* Peg-ins that reached their confirmations in this L1 block. */
static void confirm_pegins(struct runner *r, struct side *sc)
{
	const struct l1_chain *c = r->chain;
	for (size_t i = 0; i < sc->npegins; i++) {
		struct side_pegin *pi = &sc->pegins[i];
		if (pi->included && !pi->confirmed && c->height - pi->included + 1 >= sc->p->pegin_confirmations) {
			pi->confirmed = true;
			pi->conf_ms = c->time_ms;
		}
	}
}

static void slots(struct runner *r, struct side *sc)
{
	uint64_t last = r->chain->time_ms / sc->p->block_interval_ms;
	if (last < sc->next_slot)
		return;
	uint32_t on = online_members(r, sc);
	if (on < sc->p->threshold) {
		if (!sc->halted)
			step(r, sc, SCN_NONE, RUN_NO_TX, "no blocks from slot %" PRIu64 ": %" PRIu32 " of %" PRIu32
			     " functionaries online, %" PRIu32 " needed", sc->next_slot, on, sc->p->nfederation,
			     sc->p->threshold);
		sc->halted = true;
		sc->next_slot = last + 1;
		return;
	}
	if (sc->halted)
		step(r, sc, SCN_NONE, RUN_NO_TX, "blocks again from slot %" PRIu64 " (%" PRIu32 " functionaries online)",
		     sc->next_slot, on);
	sc->halted = false;
	while (sc->next_slot <= last) {
		uint64_t k = sc->next_slot, busy = next_busy_slot(sc, k);
		if (busy > last) { /* empty blocks up to the last slot due */
			sc->height += last - k + 1;
			sc->next_slot = last + 1;
			break;
		}
		sc->height += busy - k;
		make_block(r, sc, busy);
		sc->next_slot = busy + 1;
	}
}

/* Final peg-outs are signed by the first m online members, in federation order, and
 * submitted by their party; while fewer than m are online they wait. */
static void releases(struct runner *r, struct side *sc)
{
	uint32_t m = sc->p->threshold, *signers = sc->signers, *who = sc->signers + sc->p->nfederation;
	for (size_t i = 0; i < sc->nrel; i++) {
		struct side_release *x = &sc->rel[i];
		if (x->submitted)
			continue;
		uint32_t got = 0;
		for (uint32_t k = 0; k < sc->p->nfederation && got < m; k++)
			if (online(r, sc->p->federation[k]))
				signers[got++] = k;
		if (got < m)
			return;
		uint32_t acct = r->net->parties[x->party].account;
		struct l1_peg_release *rel = l1_peg_release_new(x->number, m);
		for (uint32_t k = 0; k < m; k++) {
			l1_peg_release_sign(sc->peg, rel, k, acct, x->amount, sc->pk[signers[k]], sc->sk[signers[k]]);
			who[k] = sc->p->federation[signers[k]];
		}
		x->tx = l1_chain_submit(r->chain, l1_peg_release_tx(sc->peg, acct, acct, x->amount, r->s->fee, rel));
		x->submitted = true;
		char am[AMOUNT_FMT_LEN], names_buf[160];
		names(r, who, m, names_buf, sizeof(names_buf));
		step(r, sc, x->party, x->tx, "release #%" PRIu64 " of %s to %s signed by %s and submitted",
		     x->number, amount_fmt(am, x->amount), pname(r, x->party), names_buf);
	}
}

void run_sidechains_phase3(struct runner *r)
{
	struct run_sidechains *rs = r->sidechains;
	for (uint32_t i = 0; i < rs->n; i++) {
		struct side *sc = &rs->sc[i];
		confirm_pegins(r, sc);
		slots(r, sc);
		releases(r, sc);
	}
}

/* ---- the run's end ---- */

/* Members online, or offline with a time to come back. */
static bool can_make_blocks(const struct runner *r, const struct side *sc)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < sc->p->nfederation; i++) {
		const struct l2_party *p = &r->net->parties[sc->p->federation[i]];
		n += p->online || p->back_at != UINT64_MAX;
	}
	return n >= sc->p->threshold;
}

bool run_sidechains_busy(const struct runner *r)
{
	const struct run_sidechains *rs = r->sidechains;
	for (uint32_t i = 0; i < rs->n; i++) {
		const struct side *sc = &rs->sc[i];
		if ((sc->queue.len || sc->unfinal.len || sc->npegins || sc->nrel) && can_make_blocks(r, sc))
			return true;
	}
	return false;
}

void run_sidechains_finish(struct runner *r)
{
	(void)r; /* a theft's violations are told when it is included */
}

struct amount run_sidechain_balance(const struct runner *r, uint32_t sidechain, uint32_t party)
{
	return r->sidechains->sc[sidechain].bal[party];
}

struct amount run_sidechain_holdings(const struct runner *r, uint32_t sidechain)
{
	return l1_peg_holdings(r->sidechains->sc[sidechain].peg);
}
