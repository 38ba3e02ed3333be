/* What runner.c shares with run_workload.c (the workloads' payments): the event
 * helpers and the progress counter. Not for observers. */
#ifndef L2SIM_TOOLS_RUNNER_INTERNAL_H
#define L2SIM_TOOLS_RUNNER_INTERNAL_H

#include "tools/runner.h"

/* Calls every observer of ev->kind, in subscription order. */
void runner_emit(struct runner *r, const struct run_event *ev);
void runner_show_progress(struct runner *r);

/* Some observer takes events of kind k: a payment's event is made only then. */
static inline bool observed(const struct runner *r, enum run_ev_kind k)
{
	return r->obs[k].n != 0;
}

/* An event of kind k at the current block. */
static inline struct run_event event(const struct runner *r, enum run_ev_kind k, const struct scn_action *a)
{
	return (struct run_event){ .kind = k, .height = r->chain->height, .time_ms = r->chain->time_ms, .action = a };
}

/* Payment times are in microseconds; block times in ms. Saturates instead of wrapping. */
static inline uint64_t ms_to_us(uint64_t ms)
{
	return ms > UINT64_MAX / 1000 ? UINT64_MAX : ms * 1000;
}

static inline void payment_done(struct runner *r)
{
	if (++r->progress_payments % 1000000 == 0 && r->progress)
		runner_show_progress(r);
}

/* run_workload.c: the workloads' generators and draws (runner_new), and the payments
 * due in the current block, in time order (phase 3). */
void run_workloads_prepare(struct runner *r);
void run_workloads_block(struct runner *r);
bool run_workloads_trace_left(const struct runner *r);

/* A rule of SPEC section 10 closed channel ch (the run waits for its settlement). */
void runner_close_submitted_by_rule(struct runner *r, uint32_t ch);

/* run_routing.c: routed payments (SPEC section 10). r->routing is NULL unless the
 * scenario can send (run_routing_can_send); the calls below except _new, _free and
 * _changed need it set. */
bool run_routing_can_send(const struct scenario *s);
void run_routing_new(struct runner *r);
void run_routing_free(struct runner *r);
void run_routing_changed(struct runner *r); /* a close or deposit: refresh the graph */
void run_routing_send_action(struct runner *r, const struct scn_action *a);
void run_routing_send(struct runner *r, const struct scn_action *a, uint32_t from, uint32_t to,
		      struct amount amount, uint64_t t_us);
void run_routing_phase2_early(struct runner *r);
void run_routing_phase2_rules(struct runner *r);
void run_routing_phase3_reveals(struct runner *r);
void run_routing_online(struct runner *r, uint32_t party);
bool run_routing_busy(const struct runner *r);
void run_routing_finish(struct runner *r);

/* ---- SPEC section 11. Each module's _new leaves its pointer NULL when the scenario
 * does not use it; every other call below is made only when it is set. ---- */
/* run_schemes.c: L1 transfers (the transfer action, via "l1"), the map from an L1
 * contract to the scheme whose txs it carries (for l1_txs/l1_bytes), and the `via`
 * dispatch of workload payments. */
void run_schemes_new(struct runner *r);
void run_schemes_free(struct runner *r);
void run_transfer_action(struct runner *r, const struct scn_action *a);
bool run_schemes_busy(const struct runner *r);
/* A workload payment through L1 (via "l1") at time t_us: one transfer tx. */
void run_transfer_pay(struct runner *r, uint32_t from, uint32_t to, struct amount amount, uint64_t t_us);
/* n payments of `scheme` reached step OK (soft finality soft_ms, rollups; else 0) or
 * FAILED, as one RUN_EV_SCHEME_PAYS. */
void run_scheme_pays(struct runner *r, uint32_t scheme, enum run_scheme_pay_step step, uint64_t n, uint64_t soft_ms);
/* Payments of one scheme final at one time, told as RUN_EV_SCHEME_PAYS of up to
 * RUN_FINALS values: run_finals_begin, run_finals_add for each (its own time), then
 * run_finals_end. Nothing is made when no observer takes them. */
#define RUN_FINALS 256
struct run_finals {
	struct runner *r;
	bool on;                     /* someone takes RUN_EV_SCHEME_PAYS */
	uint32_t scheme, n;
	uint64_t final_ms, final_us;
	uint64_t latency_us[RUN_FINALS];
};
void run_finals_flush(struct run_finals *f);
static inline void run_finals_begin(struct run_finals *f, struct runner *r, uint32_t scheme, uint64_t final_ms)
{
	f->r = r;
	f->on = observed(r, RUN_EV_SCHEME_PAYS);
	f->scheme = scheme;
	f->n = 0;
	f->final_ms = final_ms;
	f->final_us = ms_to_us(final_ms);
}
static inline void run_finals_add(struct run_finals *f, uint64_t t_us)
{
	if (!f->on)
		return;
	f->latency_us[f->n++] = f->final_us > t_us ? f->final_us - t_us : 0;
	if (f->n == RUN_FINALS)
		run_finals_flush(f);
}
static inline void run_finals_end(struct run_finals *f)
{
	if (f->n)
		run_finals_flush(f);
}
/* An L1 tx was included or dropped: a transfer's payment is OK or FAILED. */
void run_schemes_tx(struct runner *r, const struct l1_event *ev);
/* After phase 1: transfers whose block has its confirmations are FINAL. */
void run_schemes_after_execute(struct runner *r);
/* Scheme `scheme` (SCN_SCHEME_*, scn_scheme_rollup, ...) owns L1 contract `contract`. */
void runner_set_contract_scheme(struct runner *r, uint32_t contract, uint32_t scheme);
/* The scheme of an L1 tx of the run, or SCN_NONE (a flood's filler). */
uint32_t runner_tx_scheme(const struct runner *r, const struct l1_tx *tx);

/* run_rollup.c: rollups[] (SPEC section 11). */
void run_rollups_new(struct runner *r);
void run_rollups_free(struct runner *r);
void run_rollups_action(struct runner *r, const struct scn_action *a); /* rollup_* actions */
/* A workload payment through rollup i at time t_us; a RUN_EV_SCHEME_PAY tells its fate. */
void run_rollups_pay(struct runner *r, uint32_t rollup, uint32_t from, uint32_t to, struct amount amount,
		     uint64_t t_us);
void run_rollups_phase2(struct runner *r);  /* the verifiers, at the end of phase 2 */
void run_rollups_online(struct runner *r, uint32_t party); /* an online action: its fraud proofs */
void run_rollups_phase3(struct runner *r);  /* batch cuts, then batches due */
bool run_rollups_busy(const struct runner *r);
void run_rollups_finish(struct runner *r);

/* run_sidechain.c: sidechains[] (SPEC section 11). */
void run_sidechains_new(struct runner *r);
void run_sidechains_free(struct runner *r);
void run_sidechains_action(struct runner *r, const struct scn_action *a); /* peg_in, side_pay, ... */
void run_sidechains_pay(struct runner *r, uint32_t sidechain, uint32_t from, uint32_t to,
			struct amount amount, uint64_t t_us);
void run_sidechains_phase3(struct runner *r); /* slots due: blocks, then releases */
bool run_sidechains_busy(const struct runner *r);
void run_sidechains_finish(struct runner *r);

#endif
