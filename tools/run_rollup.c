/* Rollups in a run (SPEC section 11): each rollup's operator (acceptance with soft
 * finality, accepted balances, the queue, batch cuts by count and bytes, validity
 * batches submitted prove_blocks later, rollup_fraud), its verifiers (fraud proofs in
 * phase 2), the undo of a dropped or reverted batch and of every later batch not final,
 * deposits credited when final, the balances of final batches, and the run events
 * that tell it all (RUN_EV_SCHEME_PAY, _STEP, _VIOLATION). The L1 side is the rollup
 * contract (l1sim/rollup.h); this file drives it and listens to the chain.
 *
 * Undo is done at the start of phase 2, not inside the chain's event: the chain is
 * producing the block then, and its mempool must not change under it. The contract
 * passes over every pending batch meanwhile (l1sim/rollup.h), so nothing is lost. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/rollup.h"
#include "l1sim/util.h"
#include "tools/run_schemes.h"
#include "tools/runner_internal.h"

struct rl_pay {
	uint32_t from, to;         /* to = from for a withdrawal (paid to its L1 balance) */
	bool withdrawal;
	struct amount amount;
	uint64_t t_us;             /* the payment's time */
};

/* A payment as the store keeps it (its time beside it): to = SCN_NONE for a withdrawal. */
struct rl_rec {
	struct amount amount;
	uint32_t from, to;
};

/* The store's positions [k x RL_CHUNK, (k + 1) x RL_CHUNK), 16 bytes a payment: the
 * amount and the time as 32-bit values (the time after the chunk's first payment's)
 * while they fit, which they do unless amounts reach 2^32 units or the chunk's 4096
 * payments span 71 minutes; from the first that does not, the chunk keeps both in 64
 * bits (wide). */
#define RL_CHUNK_BITS 12
#define RL_CHUNK ((uint64_t)1 << RL_CHUNK_BITS)
struct rl_wide {
	uint64_t amount[RL_CHUNK], t_us[RL_CHUNK];
};
struct rl_chunk {
	uint32_t from[RL_CHUNK], to[RL_CHUNK];
	uint32_t amount[RL_CHUNK], t_after[RL_CHUNK];
	uint64_t t_first;
	struct rl_wide *wide;      /* NULL: narrow */
};

struct rl_fraud {
	uint32_t victim;
	struct amount amount;
};

enum rl_state {
	RL_CUT,                    /* validity: cut, submitted at `due` */
	RL_PENDING,                /* its tx is in the mempool */
	RL_INCLUDED,               /* optimistic: in its window */
	RL_FINAL,                  /* final; its payments wait for the confirmations */
};

struct rl_batch {
	uint64_t seq;
	enum rl_state state;
	uint64_t start;            /* its payments: the store's positions [start, start + npays) */
	uint32_t npays;
	struct rl_fraud *frauds;
	uint32_t nfrauds;
	uint64_t due;              /* RL_CUT: the block whose phase 3 submits it */
	uint64_t final_height;     /* RL_FINAL */
};

struct rl_deposit {
	uint32_t party;
	struct amount amount;
	uint64_t height;           /* included */
};

struct rl_proof {              /* a fraud proof pending in the mempool */
	uint32_t verifier;
	uint64_t seq;
};

struct rl_rollup {
	const struct scn_rollup *cfg;
	uint32_t index, scheme, contract;
	struct l1_rollup *k;
	struct l1_rollup_params p;
	struct amount *accepted;   /* [nparties]: what the operator accepts payments against */
	struct amount *final;      /* [nparties]: credited deposits and final batches only */
	struct amount op_unfinal_gain; /* the operator's gains from frauds of batches not final */
	struct amount bond_left;   /* the bond until a fraud proof takes it */
	/* The store: every accepted payment not final yet, in acceptance order, by its
	 * position (which only grows): the batches' [done, queued), then the queue
	 * [queued, end). A batch is a range of positions, so cutting one moves `queued` on,
	 * undoing batches moves it back, a final batch moves `done` on: no payment is
	 * copied or allocated on its own. Positions live in chunks of RL_CHUNK: chunk k
	 * (pos >> RL_CHUNK_BITS) at chunk[k & (nchunks - 1)], a ring of pointers (nchunks a
	 * power of two) that doubles without moving a payment; a chunk whose payments are
	 * all final is kept in `spare` for the next. The memory is that of the payments
	 * accepted and not final, 24 bytes each (at 10^5 a block, four blocks' worth in the
	 * bench), and it never grows by copying. */
	struct rl_chunk **chunk;
	size_t nchunks;
	struct rl_chunk **spare;
	size_t nspare, capspare;
	uint64_t done, queued, end;
	uint64_t ok_untold;        /* accepted, not yet told as RUN_EV_SCHEME_PAYS */
	struct rl_batch *batches;  /* cut and not done with, in seq order: [bhead, nbatches) */
	size_t bhead, nbatches, bcap;
	struct amount *wanted;     /* rollup_fraud amounts waiting for the next batch */
	size_t nwanted, capwanted;
	struct rl_deposit *deps;   /* included, not yet final: [dhead, ndeps) (inclusion order) */
	size_t dhead, ndeps, capdeps;
	struct rl_proof *proofs;
	size_t nproofs, capproofs;
	uint64_t next_seq;
	bool undo;                 /* a batch from undo_from on must be undone in phase 2 */
	uint64_t undo_from;
};

struct run_rollups {
	struct runner *r;
	struct rl_rollup *a;
	uint32_t n;
	uint32_t first_contract;   /* the rollups' contracts are consecutive ids */
};

/* ---- helpers ---- */

#define GROW(ptr, len, cap)                                                                    \
	do {                                                                                   \
		if ((len) == (cap))                                                            \
			(ptr) = xreallocarray((ptr), (cap) = (cap) ? 2 * (cap) : 8, sizeof(*(ptr))); \
	} while (0)

static const char *pname(const struct runner *r, uint32_t p) { return r->s->parties[p].name; }

static void step(struct runner *r, const struct rl_rollup *R, uint32_t party, uint64_t tx, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void step(struct runner *r, const struct rl_rollup *R, uint32_t party, uint64_t tx, const char *fmt, ...)
{
	if (!observed(r, RUN_EV_SCHEME_STEP))
		return;
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	struct run_event e = event(r, RUN_EV_SCHEME_STEP, NULL);
	e.u.scheme_step.scheme = R->scheme;
	e.u.scheme_step.what = line;
	e.u.scheme_step.party = party;
	e.u.scheme_step.tx = tx;
	runner_emit(r, &e);
}

/* One payment's RUN_EV_SCHEME_PAY, for those who take them one by one (the trace, the
 * timeline, tests); the schemes report counts RUN_EV_SCHEME_PAYS. */
static void pay_event(struct runner *r, const struct rl_rollup *R, const struct scn_action *a, const struct rl_pay *p,
		      enum run_scheme_pay_step st, const char *why)
{
	if (!observed(r, RUN_EV_SCHEME_PAY))
		return;
	struct run_event e = event(r, RUN_EV_SCHEME_PAY, a);
	e.u.scheme_pay.scheme = R->scheme;
	e.u.scheme_pay.step = st;
	e.u.scheme_pay.from = p->from;
	e.u.scheme_pay.to = p->to;
	e.u.scheme_pay.amount = p->amount;
	e.u.scheme_pay.t_us = p->t_us;
	e.u.scheme_pay.withdrawal = p->withdrawal;
	if (st == RUN_SCHEME_PAY_OK)
		e.u.scheme_pay.soft_ms = (uint64_t)llround(2.0 * r->s->latency_ms);
	if (st == RUN_SCHEME_PAY_FINAL)
		e.u.scheme_pay.final_ms = r->chain->time_ms;
	e.u.scheme_pay.why = why;
	runner_emit(r, &e);
}

static bool online(const struct runner *r, uint32_t p) { return r->net->parties[p].online; }

static uint32_t account(const struct runner *r, uint32_t p) { return r->net->parties[p].account; }

static void take(struct amount *x, struct amount v)
{
	if (!amount_sub_from(x, v))
		fatal_invariant("a rollup balance would go below 0");
}

static void give(struct amount *x, struct amount v)
{
	if (!amount_add_to(x, v))
		fatal_invariant("a rollup balance overflows");
}

/* ---- the store ---- */

static struct rl_chunk *chunk_of(const struct rl_rollup *R, uint64_t pos)
{
	return R->chunk[(pos >> RL_CHUNK_BITS) & (R->nchunks - 1)];
}

static struct rl_rec rec_at(const struct rl_rollup *R, uint64_t pos)
{
	const struct rl_chunk *c = chunk_of(R, pos);
	size_t k = (size_t)(pos & (RL_CHUNK - 1));
	return (struct rl_rec){ .amount = AMOUNT(c->wide ? c->wide->amount[k] : c->amount[k]), .from = c->from[k],
				.to = c->to[k] };
}

static uint64_t t_at(const struct rl_rollup *R, uint64_t pos)
{
	const struct rl_chunk *c = chunk_of(R, pos);
	size_t k = (size_t)(pos & (RL_CHUNK - 1));
	return c->wide ? c->wide->t_us[k] : c->t_first + c->t_after[k];
}

static struct rl_pay pay_at(const struct rl_rollup *R, uint64_t pos)
{
	struct rl_rec x = rec_at(R, pos);
	bool w = x.to == SCN_NONE;
	return (struct rl_pay){ .from = x.from, .to = w ? x.from : x.to, .withdrawal = w, .amount = x.amount,
				.t_us = t_at(R, pos) };
}

/* A chunk for positions from end on (end a multiple of RL_CHUNK): a spare one or a new
 * one, the ring of pointers doubled first when the chunks from done's to end's would
 * not fit in it. */
static void add_chunk(struct rl_rollup *R)
{
	uint64_t first = R->done >> RL_CHUNK_BITS, k = R->end >> RL_CHUNK_BITS;
	if (k - first + 1 > R->nchunks) {
		size_t n = R->nchunks ? 2 * R->nchunks : 4;
		struct rl_chunk **c = xcalloc(n, sizeof(*c));
		for (uint64_t i = first; i < k; i++)
			c[i & (n - 1)] = R->chunk[i & (R->nchunks - 1)];
		free(R->chunk);
		R->chunk = c;
		R->nchunks = n;
	}
	struct rl_chunk *c = R->nspare ? R->spare[--R->nspare] : xmalloc(sizeof(struct rl_chunk));
	c->wide = NULL;
	R->chunk[k & (R->nchunks - 1)] = c;
}

/* Chunk c's first k payments, and those after, in 64 bits. */
static void chunk_widen(struct rl_chunk *c, size_t k)
{
	c->wide = xmalloc(sizeof(*c->wide));
	for (size_t i = 0; i < k; i++) {
		c->wide->amount[i] = c->amount[i];
		c->wide->t_us[i] = c->t_first + c->t_after[i];
	}
}

/* Every payment before position done is final: the chunks that hold only such go to
 * the spares. */
static void store_done(struct rl_rollup *R, uint64_t done)
{
	for (uint64_t k = R->done >> RL_CHUNK_BITS; k < done >> RL_CHUNK_BITS; k++) {
		GROW(R->spare, R->nspare, R->capspare);
		struct rl_chunk *c = R->chunk[k & (R->nchunks - 1)];
		free(c->wide);
		c->wide = NULL;
		R->spare[R->nspare++] = c;
		R->chunk[k & (R->nchunks - 1)] = NULL;
	}
	R->done = done;
}

static void store_free(struct rl_rollup *R)
{
	for (size_t i = 0; i < R->nchunks; i++)
		if (R->chunk[i]) {
			free(R->chunk[i]->wide);
			free(R->chunk[i]);
		}
	for (size_t i = 0; i < R->nspare; i++)
		free(R->spare[i]);
	free(R->chunk);
	free(R->spare);
}

/* Appends p at position end. */
static void store_push(struct rl_rollup *R, const struct rl_pay *p)
{
	if ((R->end & (RL_CHUNK - 1)) == 0)
		add_chunk(R);
	struct rl_chunk *c = chunk_of(R, R->end);
	size_t k = (size_t)(R->end++ & (RL_CHUNK - 1));
	if (k == 0)
		c->t_first = p->t_us;
	c->from[k] = p->from;
	c->to[k] = p->withdrawal ? SCN_NONE : p->to;
	if (!c->wide && (p->amount.units > UINT32_MAX || p->t_us < c->t_first || p->t_us - c->t_first > UINT32_MAX))
		chunk_widen(c, k);
	if (c->wide) {
		c->wide->amount[k] = p->amount.units;
		c->wide->t_us[k] = p->t_us;
	} else {
		c->amount[k] = (uint32_t)p->amount.units;
		c->t_after[k] = (uint32_t)(p->t_us - c->t_first);
	}
}

/* The n payments from position pos on are final now (RUN_EV_SCHEME_PAYS). */
static void tell_final(struct runner *r, const struct rl_rollup *R, uint64_t pos, uint64_t n)
{
	struct run_finals f;
	run_finals_begin(&f, r, R->scheme, r->chain->time_ms);
	if (f.on)
		for (uint64_t k = pos; k < pos + n; k++)
			run_finals_add(&f, t_at(R, k));
	run_finals_end(&f);
}

/* The payments accepted since the last call, as one RUN_EV_SCHEME_PAYS (at the start
 * of each block's phase 2, and at the run's end). */
static void tell_accepted(struct runner *r, struct rl_rollup *R)
{
	run_scheme_pays(r, R->scheme, RUN_SCHEME_PAY_OK, R->ok_untold, (uint64_t)llround(2.0 * r->s->latency_ms));
	R->ok_untold = 0;
}

/* ---- acceptance ---- */

static void accept(struct runner *r, struct rl_rollup *R, const struct scn_action *a, struct rl_pay p)
{
	uint32_t op = R->cfg->operator_party;
	const char *why = NULL;
	struct amount avail = R->accepted[p.from];
	/* The operator spends no gain of a fraud before it is final: undoing the fraud then
	 * never leaves it short (docs/schemes-rollup.md). */
	if (p.from == op && !amount_sub(&avail, avail, R->op_unfinal_gain))
		avail = AMOUNT(0);
	struct amount to_after = AMOUNT(0);
	if (!online(r, p.from))
		why = "offline";
	else if (!p.withdrawal && p.from == p.to)
		why = "from = to";
	else if (amount_is_zero(p.amount))
		why = "amount 0";
	else if (!online(r, op))
		why = "operator offline";
	else if (amount_lt(avail, p.amount))
		why = "insufficient rollup balance";
	else if (!p.withdrawal && !amount_add(&to_after, R->accepted[p.to], p.amount))
		why = "overflow";
	if (why) {
		pay_event(r, R, a, &p, RUN_SCHEME_PAY_FAILED, why);
		run_scheme_pays(r, R->scheme, RUN_SCHEME_PAY_FAILED, 1, 0);
		return;
	}
	take(&R->accepted[p.from], p.amount);
	if (!p.withdrawal)
		R->accepted[p.to] = to_after;
	store_push(R, &p);
	R->ok_untold++;
	pay_event(r, R, a, &p, RUN_SCHEME_PAY_OK, NULL);
}

/* ---- batches ---- */

static struct rl_batch *find_batch(struct rl_rollup *R, uint64_t seq)
{
	for (size_t i = R->bhead; i < R->nbatches; i++)
		if (R->batches[i].seq == seq)
			return &R->batches[i];
	return NULL;
}

/* What victim v holds when a batch is cut, for a fraud: its accepted balance without the
 * payments still queued, and never more than a prefix of those leaves it (so that no
 * batch, cut now or later, takes it below 0). O(queue). */
static struct amount fraud_hold(const struct rl_rollup *R, uint32_t v)
{
	/* Amounts are unsigned: the running delta of its queued payments is (plus, minus). */
	struct amount cut = R->accepted[v], run_plus = AMOUNT(0), run_minus = AMOUNT(0), low = AMOUNT(0);
	for (uint64_t pos = R->queued; pos < R->end; pos++) {
		const struct rl_rec x = rec_at(R, pos), *p = &x;
		if (p->from == v)
			give(&run_minus, p->amount);
		if (p->to == v) /* SCN_NONE for a withdrawal */
			give(&run_plus, p->amount);
		struct amount dip; /* how far below the start this prefix goes */
		if (amount_sub(&dip, run_minus, run_plus) && amount_lt(low, dip))
			low = dip;
	}
	/* cut = accepted - (plus - minus) = accepted + minus - plus */
	struct amount c2;
	if (!amount_add(&c2, cut, run_minus) || !amount_sub(&cut, c2, run_plus))
		return AMOUNT(0);
	struct amount hold;
	return amount_sub(&hold, cut, low) ? hold : AMOUNT(0);
}

static void apply_frauds(struct runner *r, struct rl_rollup *R, struct rl_batch *b)
{
	uint32_t op = R->cfg->operator_party;
	for (size_t w = 0; w < R->nwanted; w++) {
		uint32_t victim = SCN_NONE;
		for (uint32_t p = 0; p < r->s->nparties; p++)
			if (p != op && (victim == SCN_NONE || amount_lt(R->accepted[victim], R->accepted[p])))
				victim = p;
		struct amount amt = victim == SCN_NONE ? AMOUNT(0) : fraud_hold(R, victim);
		if (amount_lt(R->wanted[w], amt))
			amt = R->wanted[w];
		char s1[AMOUNT_FMT_LEN];
		if (amount_is_zero(amt)) {
			step(r, R, SCN_NONE, RUN_NO_TX, "fraud of %s discarded: there is nothing to take", amount_fmt(s1, R->wanted[w]));
			continue;
		}
		take(&R->accepted[victim], amt);
		give(&R->accepted[op], amt);
		give(&R->op_unfinal_gain, amt);
		b->frauds = xreallocarray(b->frauds, (size_t)b->nfrauds + 1, sizeof(*b->frauds));
		b->frauds[b->nfrauds++] = (struct rl_fraud){ .victim = victim, .amount = amt };
		step(r, R, victim, RUN_NO_TX, "fraud: batch %" PRIu64 " moves %s from %s to the operator %s", b->seq,
		     amount_fmt(s1, amt), pname(r, victim), pname(r, op));
	}
	R->nwanted = 0;
}

static void submit(struct runner *r, struct rl_rollup *R, struct rl_batch *b)
{
	uint32_t nw = 0;
	for (uint64_t pos = b->start; pos < b->start + b->npays; pos++)
		nw += rec_at(R, pos).to == SCN_NONE;
	struct l1_rollup_withdrawal *w = xcalloc(nw ? nw : 1, sizeof(*w));
	nw = 0;
	for (uint64_t pos = b->start; pos < b->start + b->npays; pos++) {
		const struct rl_rec x = rec_at(R, pos), *p = &x;
		if (p->to == SCN_NONE)
			w[nw++] = (struct l1_rollup_withdrawal){ .account = account(r, p->from), .amount = p->amount };
	}
	struct l1_rollup_batch *lb = l1_rollup_batch_new(b->seq, b->npays, b->nfrauds > 0, w, nw);
	free(w);
	uint64_t tx = l1_chain_submit(r->chain, l1_rollup_batch_tx(R->k, account(r, R->cfg->operator_party), r->s->fee, lb));
	b->state = RL_PENDING;
	step(r, R, R->cfg->operator_party, tx, "batch %" PRIu64 " of %u payment%s submitted (%" PRIu64 " bytes)", b->seq,
	     b->npays, b->npays == 1 ? "" : "s", l1_rollup_batch_bytes(&R->p, b->npays));
}

static void cut(struct runner *r, struct rl_rollup *R)
{
	uint64_t qlen = R->end - R->queued;
	uint64_t n = qlen < R->cfg->batch_max_txs ? qlen : R->cfg->batch_max_txs;
	uint64_t bb = r->s->l1.block_bytes;
	if (bb && R->p.bytes_per_tx) {
		uint64_t fixed = l1_rollup_batch_bytes(&R->p, 0);
		uint64_t fit = bb > fixed ? (bb - fixed) / R->p.bytes_per_tx : 0;
		if (n > fit)
			n = fit;
	}
	if (n == 0)
		return;
	if (R->nbatches == R->bcap && R->bhead > 0) { /* reuse the slots of batches done with */
		memmove(R->batches, R->batches + R->bhead, (R->nbatches - R->bhead) * sizeof(*R->batches));
		R->nbatches -= R->bhead;
		R->bhead = 0;
	}
	GROW(R->batches, R->nbatches, R->bcap);
	struct rl_batch *b = &R->batches[R->nbatches++];
	*b = (struct rl_batch){ .seq = R->next_seq++, .state = RL_CUT, .start = R->queued, .npays = (uint32_t)n };
	R->queued += n;
	step(r, R, R->cfg->operator_party, RUN_NO_TX, "batch %" PRIu64 " cut: %u payment%s", b->seq, b->npays,
	     b->npays == 1 ? "" : "s");
	apply_frauds(r, R, b);
	if (R->p.kind == L1_ROLLUP_OPTIMISTIC)
		submit(r, R, b);
	else
		b->due = r->chain->height + R->cfg->prove_blocks;
}

static void batch_free(struct rl_batch *b)
{
	free(b->frauds);
}

static bool is_undone_batch(void *ctx, const struct l1_tx *tx)
{
	const struct rl_rollup *R = ctx;
	const struct l1_rollup_batch *b = tx->contract == R->contract ? l1_rollup_tx_batch(tx) : NULL;
	return b && b->seq >= R->undo_from;
}

/* Undoes every batch from undo_from on: their txs leave the mempool, their frauds are
 * undone and discarded, their payments go back to the front of the queue in order
 * (the batches are the last ones cut, so their positions are just before it). */
static void undo(struct runner *r, struct rl_rollup *R)
{
	R->undo = false;
	size_t from = R->nbatches;
	while (from > R->bhead && R->batches[from - 1].seq >= R->undo_from && R->batches[from - 1].state != RL_FINAL)
		from--;
	if (from == R->nbatches) {
		l1_rollup_resume(R->k, R->next_seq);
		return;
	}
	(void)l1_chain_remove_pending(r->chain, is_undone_batch, R);
	uint32_t op = R->cfg->operator_party;
	for (size_t i = R->nbatches; i-- > from;) {
		struct rl_batch *b = &R->batches[i];
		for (uint32_t f = b->nfrauds; f-- > 0;) {
			give(&R->accepted[b->frauds[f].victim], b->frauds[f].amount);
			take(&R->accepted[op], b->frauds[f].amount);
			take(&R->op_unfinal_gain, b->frauds[f].amount);
		}
	}
	R->queued = R->batches[from].start;
	for (size_t i = from; i < R->nbatches; i++) {
		struct rl_batch *b = &R->batches[i];
		step(r, R, op, RUN_NO_TX, "batch %" PRIu64 " undone: %u payment%s back in the queue%s", b->seq, b->npays,
		     b->npays == 1 ? "" : "s", b->nfrauds ? ", its fraud discarded" : "");
		batch_free(b);
	}
	R->nbatches = from;
	l1_rollup_resume(R->k, R->next_seq);
}

/* Batch b is final on L1: final balances, the operator's fraud gains, violations. */
static void batch_final(struct runner *r, struct rl_rollup *R, struct rl_batch *b)
{
	b->state = RL_FINAL;
	b->final_height = r->chain->height;
	for (uint64_t pos = b->start; pos < b->start + b->npays; pos++) {
		const struct rl_rec x = rec_at(R, pos), *p = &x;
		take(&R->final[p->from], p->amount);
		if (p->to != SCN_NONE)
			give(&R->final[p->to], p->amount);
	}
	uint32_t op = R->cfg->operator_party;
	step(r, R, op, RUN_NO_TX, "batch %" PRIu64 " final", b->seq);
	for (uint32_t f = 0; f < b->nfrauds; f++) {
		const struct rl_fraud *x = &b->frauds[f];
		take(&R->final[x->victim], x->amount);
		give(&R->final[op], x->amount);
		take(&R->op_unfinal_gain, x->amount);
		struct run_event e = event(r, RUN_EV_SCHEME_VIOLATION, NULL);
		e.u.scheme_violation.scheme = R->scheme;
		e.u.scheme_violation.party = x->victim;
		e.u.scheme_violation.amount = x->amount;
		e.u.scheme_violation.why = "a fraud of the operator became final: nobody proved it in time";
		runner_emit(r, &e);
	}
}

/* ---- the chain's events ---- */

static struct rl_rollup *rollup_of(struct run_rollups *rr, uint32_t contract)
{
	if (contract < rr->first_contract || contract - rr->first_contract >= rr->n)
		return NULL;
	return &rr->a[contract - rr->first_contract];
}

static void proof_done(struct rl_rollup *R, uint32_t verifier, uint64_t seq)
{
	for (size_t i = 0; i < R->nproofs; i++)
		if (R->proofs[i].verifier == verifier && R->proofs[i].seq == seq) {
			R->proofs[i] = R->proofs[--R->nproofs];
			return;
		}
}

static void mark_undo(struct rl_rollup *R, uint64_t seq)
{
	if (!R->undo || seq < R->undo_from)
		R->undo_from = seq;
	R->undo = true;
}

static void on_tx(struct runner *r, struct rl_rollup *R, const struct l1_event *ev)
{
	const struct l1_tx *tx = ev->tx;
	bool included = ev->kind == L1_EV_TX_INCLUDED;
	uint32_t party = l2_party_of_account(r->net, tx->submitter);
	char s1[AMOUNT_FMT_LEN], s2[AMOUNT_FMT_LEN];
	switch (l1_rollup_op_of(R->k, tx)) {
	case L1_ROLLUP_DEPOSIT:
		if (party == UINT32_MAX)
			return;
		if (!included) {
			step(r, R, party, tx->id, "deposit of %s by %s dropped: %s", amount_fmt(s1, tx->amount), pname(r, party),
			     l1_result_str(ev->reason));
			return;
		}
		if (R->ndeps == R->capdeps && R->dhead > 0) {
			memmove(R->deps, R->deps + R->dhead, (R->ndeps - R->dhead) * sizeof(*R->deps));
			R->ndeps -= R->dhead;
			R->dhead = 0;
		}
		GROW(R->deps, R->ndeps, R->capdeps);
		R->deps[R->ndeps++] = (struct rl_deposit){ .party = party, .amount = tx->amount, .height = ev->height };
		return;
	case L1_ROLLUP_BATCH: {
		uint64_t seq = l1_rollup_tx_batch(tx)->seq;
		struct rl_batch *b = find_batch(R, seq);
		if (!b)
			return;
		if (included) {
			b->state = RL_INCLUDED;
			step(r, R, party, tx->id, "batch %" PRIu64 " included", seq);
		} else {
			step(r, R, party, tx->id, "batch %" PRIu64 " dropped: %s", seq, l1_result_str(ev->reason));
			mark_undo(R, seq);
		}
		return;
	}
	case L1_ROLLUP_FRAUD_PROOF:
		if (party == UINT32_MAX)
			return;
		proof_done(R, party, tx->target);
		if (included) {
			step(r, R, party, tx->id, "fraud proof by %s against batch %u included: the bond (%s) goes to %s",
			     pname(r, party), tx->target, amount_fmt(s2, R->bond_left), pname(r, party));
			R->bond_left = AMOUNT(0);
		} else {
			step(r, R, party, tx->id, "fraud proof by %s against batch %u dropped: %s", pname(r, party), tx->target,
			     l1_result_str(ev->reason));
		}
		return;
	case L1_ROLLUP_OP_NONE:
		return;
	}
}

static void on_l1(void *ctx, const struct l1_event *ev)
{
	struct run_rollups *rr = ctx;
	struct runner *r = rr->r;
	struct rl_rollup *R = rollup_of(rr, ev->kind == L1_EV_CONTRACT ? ev->contract : ev->tx->contract);
	if (!R)
		return;
	if (ev->kind != L1_EV_CONTRACT) {
		on_tx(r, R, ev);
		return;
	}
	struct rl_batch *b = find_batch(R, ev->target);
	if (!b)
		return;
	if (ev->code == L1_ROLLUP_EV_FINAL) {
		batch_final(r, R, b);
	} else if (ev->code == L1_ROLLUP_EV_REVERTED) {
		step(r, R, SCN_NONE, RUN_NO_TX, "batch %u reverted by a fraud proof", ev->target);
		mark_undo(R, ev->target);
	}
}

/* ---- the runner's calls ---- */

void run_rollups_new(struct runner *r)
{
	const struct scenario *s = r->s;
	r->rollups = NULL;
	if (s->nrollups == 0)
		return;
	struct run_rollups *rr = xcalloc(1, sizeof(*rr));
	rr->r = r;
	rr->n = s->nrollups;
	rr->a = xcalloc(s->nrollups, sizeof(*rr->a));
	for (uint32_t i = 0; i < s->nrollups; i++) {
		struct rl_rollup *R = &rr->a[i];
		const struct scn_rollup *c = &s->rollups[i];
		R->cfg = c;
		R->index = i;
		R->scheme = scn_scheme_rollup(i);
		R->p = (struct l1_rollup_params){
			.kind = c->kind == SCN_ROLLUP_VALIDITY ? L1_ROLLUP_VALIDITY : L1_ROLLUP_OPTIMISTIC,
			.batch_base_bytes = c->batch_base_bytes, .bytes_per_tx = c->bytes_per_tx,
			.proof_bytes = c->proof_bytes, .challenge_blocks = c->challenge_blocks };
		if (l1_rollup_new(r->chain, &R->p, account(r, c->operator_party), c->bond, &R->k) != L1_OK)
			fatal_invariant("a validated rollup was refused");
		R->contract = l1_rollup_id(R->k);
		if (i == 0)
			rr->first_contract = R->contract;
		else if (R->contract != rr->first_contract + i)
			fatal_invariant("rollup contracts are not consecutive");
		R->bond_left = c->bond;
		R->accepted = xcalloc(s->nparties, sizeof(*R->accepted));
		R->final = xcalloc(s->nparties, sizeof(*R->final));
		runner_set_contract_scheme(r, R->contract, R->scheme);
	}
	l1_chain_add_listener(r->chain, on_l1, rr);
	r->rollups = rr;
}

void run_rollups_free(struct runner *r)
{
	struct run_rollups *rr = r->rollups;
	if (!rr)
		return;
	for (uint32_t i = 0; i < rr->n; i++) {
		struct rl_rollup *R = &rr->a[i];
		for (size_t k = R->bhead; k < R->nbatches; k++)
			batch_free(&R->batches[k]);
		free(R->batches);
		store_free(R);
		free(R->wanted);
		free(R->deps);
		free(R->proofs);
		free(R->accepted);
		free(R->final);
	}
	free(rr->a);
	free(rr);
	r->rollups = NULL;
}

void run_rollups_action(struct runner *r, const struct scn_action *a)
{
	struct rl_rollup *R = &r->rollups->a[a->scheme];
	uint64_t t_us = ms_to_us(r->chain->time_ms);
	char s1[AMOUNT_FMT_LEN];
	switch (a->kind) {
	case SCN_ROLLUP_DEPOSIT: {
		if (!online(r, a->party)) {
			struct run_event e = event(r, RUN_EV_ACTION_FAILED, a);
			e.u.failed.why = "offline";
			runner_emit(r, &e);
			return;
		}
		uint64_t tx = l1_chain_submit(r->chain, l1_rollup_deposit_tx(R->k, account(r, a->party), a->amount, r->s->fee));
		step(r, R, a->party, tx, "deposit of %s by %s submitted", amount_fmt(s1, a->amount), pname(r, a->party));
		return;
	}
	case SCN_ROLLUP_PAY:
		for (uint64_t i = 0; i < a->count; i++)
			accept(r, R, a, (struct rl_pay){ .from = a->party, .to = a->to, .amount = a->amount, .t_us = t_us });
		return;
	case SCN_ROLLUP_WITHDRAW:
		accept(r, R, a, (struct rl_pay){ .from = a->party, .to = a->party, .withdrawal = true, .amount = a->amount,
						 .t_us = t_us });
		return;
	case SCN_ROLLUP_FRAUD:
		GROW(R->wanted, R->nwanted, R->capwanted);
		R->wanted[R->nwanted++] = a->amount;
		step(r, R, R->cfg->operator_party, RUN_NO_TX, "the operator %s will slip a fraud of %s into its next batch",
		     pname(r, R->cfg->operator_party), amount_fmt(s1, a->amount));
		return;
	default:
		fatal_invariant("not a rollup action");
	}
}

void run_rollups_pay(struct runner *r, uint32_t rollup, uint32_t from, uint32_t to, struct amount amount, uint64_t t_us)
{
	accept(r, &r->rollups->a[rollup], NULL, (struct rl_pay){ .from = from, .to = to, .amount = amount, .t_us = t_us });
}

/* The online verifiers of R (only `only` unless it is SCN_NONE) prove the frauds of
 * its included batches. */
static void verifiers(struct runner *r, struct rl_rollup *R, uint32_t only)
{
	for (uint32_t i = 0; i < R->cfg->nverifiers; i++) {
		uint32_t v = R->cfg->verifiers[i];
		if (!online(r, v) || (only != SCN_NONE && v != only))
			continue;
		for (size_t k = R->bhead; k < R->nbatches; k++) {
			const struct rl_batch *b = &R->batches[k];
			if (b->state != RL_INCLUDED || b->nfrauds == 0)
				continue;
			bool pending = false;
			for (size_t j = 0; j < R->nproofs && !pending; j++)
				pending = R->proofs[j].verifier == v && R->proofs[j].seq == b->seq;
			if (pending)
				continue;
			uint64_t tx = l1_chain_submit(r->chain, l1_rollup_fraud_proof_tx(R->k, account(r, v), b->seq,
											 r->net->parties[v].challenge_fee));
			GROW(R->proofs, R->nproofs, R->capproofs);
			R->proofs[R->nproofs++] = (struct rl_proof){ .verifier = v, .seq = b->seq };
			step(r, R, v, tx, "fraud proof against batch %" PRIu64 " submitted by %s", b->seq, pname(r, v));
		}
	}
}

void run_rollups_phase2(struct runner *r)
{
	struct run_rollups *rr = r->rollups;
	const struct l1_chain *c = r->chain;
	char s1[AMOUNT_FMT_LEN];
	for (uint32_t i = 0; i < rr->n; i++) {
		struct rl_rollup *R = &rr->a[i];
		tell_accepted(r, R);
		if (R->undo)
			undo(r, R);
		while (R->dhead < R->ndeps && l1_chain_is_final(c, R->deps[R->dhead].height)) {
			const struct rl_deposit *d = &R->deps[R->dhead++];
			give(&R->accepted[d->party], d->amount);
			give(&R->final[d->party], d->amount);
			step(r, R, d->party, RUN_NO_TX, "deposit of %s by %s credited", amount_fmt(s1, d->amount), pname(r, d->party));
		}
		if (R->dhead == R->ndeps)
			R->dhead = R->ndeps = 0;
		while (R->bhead < R->nbatches && R->batches[R->bhead].state == RL_FINAL &&
		       l1_chain_is_final(c, R->batches[R->bhead].final_height)) {
			struct rl_batch *b = &R->batches[R->bhead++];
			if (observed(r, RUN_EV_SCHEME_PAY))
				for (uint64_t pos = b->start; pos < b->start + b->npays; pos++) {
					struct rl_pay p = pay_at(R, pos);
					pay_event(r, R, NULL, &p, RUN_SCHEME_PAY_FINAL, NULL);
				}
			tell_final(r, R, b->start, b->npays);
			store_done(R, b->start + b->npays);
			batch_free(b);
		}
		if (R->bhead == R->nbatches)
			R->bhead = R->nbatches = 0;
		if (R->p.kind == L1_ROLLUP_OPTIMISTIC)
			verifiers(r, R, SCN_NONE);
	}
}

/* An `online` action: the party "reacts at once as in phase 2" (SPEC section 5), and a
 * verifier's reaction is its fraud proofs. */
void run_rollups_online(struct runner *r, uint32_t party)
{
	struct run_rollups *rr = r->rollups;
	for (uint32_t i = 0; i < rr->n; i++)
		if (rr->a[i].p.kind == L1_ROLLUP_OPTIMISTIC)
			verifiers(r, &rr->a[i], party);
}

void run_rollups_phase3(struct runner *r)
{
	struct run_rollups *rr = r->rollups;
	uint64_t h = r->chain->height;
	for (uint32_t i = 0; i < rr->n; i++) {
		struct rl_rollup *R = &rr->a[i];
		if (h >= 1 && h % R->cfg->batch_every_blocks == 0 && R->end > R->queued && online(r, R->cfg->operator_party))
			cut(r, R);
		for (size_t k = R->bhead; k < R->nbatches; k++) {
			struct rl_batch *b = &R->batches[k];
			if (b->state == RL_CUT && b->due <= h)
				submit(r, R, b);
		}
	}
}

bool run_rollups_busy(const struct runner *r)
{
	const struct run_rollups *rr = r->rollups;
	for (uint32_t i = 0; i < rr->n; i++) {
		const struct rl_rollup *R = &rr->a[i];
		if (R->nbatches > R->bhead || R->undo || R->ndeps > R->dhead || R->nproofs > 0)
			return true;
		if (R->end > R->queued && online(r, R->cfg->operator_party))
			return true;
	}
	return false;
}

void run_rollups_finish(struct runner *r)
{
	for (uint32_t i = 0; i < r->rollups->n; i++)
		tell_accepted(r, &r->rollups->a[i]);
}

struct amount run_rollup_balance(const struct runner *r, uint32_t rollup, uint32_t party)
{
	if (!r->rollups || rollup >= r->rollups->n || party >= r->s->nparties)
		return AMOUNT(0);
	return r->rollups->a[rollup].final[party];
}

struct amount run_rollup_holdings(const struct runner *r, uint32_t rollup)
{
	if (!r->rollups || rollup >= r->rollups->n)
		return AMOUNT(0);
	return l1_rollup_holdings(r->rollups->a[rollup].k);
}
