/* What a run does, as typed events: the runner produces them, observers (metrics,
 * timeline, trace, a test's checks) subscribe to the kinds they need. The runner
 * derives each fact once (is a close stale, is a challenge the first to catch it) and
 * puts it in the event, so that no two observers work it out separately. */
#ifndef L2SIM_TOOLS_RUN_EVENT_H
#define L2SIM_TOOLS_RUN_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "l1sim/chain.h"
#include "l1sim/channel.h"
#include "l2/l2.h"

struct runner;
struct scn_action;
struct run_payment;

/* What became of a routed payment (RUN_EV_ROUTED). */
enum run_routed_step {
	RUN_ROUTED_SENT,           /* sent: its attempts start */
	RUN_ROUTED_ADDED,          /* its HTLCs are added along the whole path (pending) */
	RUN_ROUTED_OK,             /* its first hop's HTLC went to its payee */
	RUN_ROUTED_FAILED,         /* failed (reason), at once or when its first HTLC came back */
};
/* SPEC's failure reasons, in the report's order. */
enum run_route_fail {
	RUN_FAIL_NO_ROUTE, RUN_FAIL_INSUFFICIENT_BALANCE, RUN_FAIL_OFFLINE, RUN_FAIL_EXPIRED, RUN_FAIL_KINDS
};
const char *run_route_fail_str(enum run_route_fail f);

/* One step of a hop's HTLC (RUN_EV_HTLC). */
enum run_htlc_step {
	RUN_HTLC_ADDED, RUN_HTLC_SETTLED, RUN_HTLC_REMOVED, /* off chain */
	RUN_HTLC_CLOSE,            /* rule 3 or 4 closed the channel (tx) */
	RUN_HTLC_CLAIM,            /* rule 3 submitted an htlc claim (tx) */
	RUN_HTLC_PAID_PAYEE, RUN_HTLC_PAID_PAYER, /* resolved on chain (or by a settled state) */
	RUN_HTLC_STEPS
};
const char *run_htlc_step_str(enum run_htlc_step k);

/* No L1 tx (u.scheme_step.tx): tx ids start at 0. */
#define RUN_NO_TX UINT64_MAX

/* What became of a payment of a section-11 scheme (RUN_EV_SCHEME_PAY). */
enum run_scheme_pay_step {
	RUN_SCHEME_PAY_OK,         /* accepted: an L1 transfer included, a rollup payment
	                            * accepted by the operator, a sidechain tx in a block */
	RUN_SCHEME_PAY_FAILED,     /* failed and changed nothing (why) */
	RUN_SCHEME_PAY_FINAL,      /* reached its finality (on L1; a sidechain's on the sidechain) */
};

enum run_ev_kind {
	RUN_EV_TX_INCLUDED,        /* u.tx: an L1 tx reached a block */
	RUN_EV_TX_DROPPED,         /* u.tx: ... and was dropped (reason) */
	RUN_EV_SETTLED,            /* u.channel: its dispute window ended, or a cooperative close */
	RUN_EV_BLOCK_EXECUTED,     /* phase 1 of the block is over (its txs and settlements) */
	RUN_EV_OPENS_USABLE,       /* u.count.ok: generated opens included in this block */
	RUN_EV_SETTLEMENT_FINAL,   /* u.channel: its settlement has its confirmations */
	RUN_EV_PARTY_ONLINE,       /* u.party: back online (phase 2 or the script) */
	RUN_EV_CHALLENGE_SUBMITTED,/* u.challenge: an honest party (or its watchtower) reacts */
	RUN_EV_OPEN_SUBMITTED,     /* u.submitted: a script open (action set) or a generated one */
	RUN_EV_GENERATED_OPENS,    /* u.count: the generated opens, after all were tried */
	RUN_EV_DEPOSIT_SUBMITTED,  /* u.submitted */
	RUN_EV_CLOSE_SUBMITTED,    /* u.close */
	RUN_EV_PARTY_OFFLINE,      /* u.party, action set */
	RUN_EV_WATCHTOWER,         /* u.party, action set (enabled) */
	RUN_EV_FLOOD_STARTED,      /* u.party, action set */
	RUN_EV_ACTION_FAILED,      /* u.failed */
	RUN_EV_PAYMENT,            /* u.pay: one payment (made only when someone subscribed) */
	RUN_EV_PAY_ACTION,         /* u.pay_action: a script pay action, all its count done */
	RUN_EV_WORKLOAD_BLOCK,     /* u.count: the block's workload payments */
	RUN_EV_RUN_END,            /* runner_finish */
	/* routed payments (SPEC section 10; tools/run_routing.c) */
	RUN_EV_ROUTED,             /* u.routed: a routed payment was sent, succeeded or failed */
	RUN_EV_HTLC,               /* u.htlc: a step of one hop's HTLC */
	RUN_EV_HTLC_LOSS,          /* u.loss: a (payment, party) htlc_loss, at the run's end */
	/* SPEC section 11 (tools/run_schemes.c, run_rollup.c, run_sidechain.c) */
	RUN_EV_SCHEME_PAY,         /* u.scheme_pay: a payment of l1, a rollup or a sidechain */
	RUN_EV_SCHEME_STEP,        /* u.scheme_step: a batch, proof, fraud proof, peg, theft... */
	RUN_EV_SCHEME_VIOLATION,   /* u.scheme_violation: a final fraud, a sidechain balance unbacked */
	RUN_EV_SCHEME_TX,          /* u.tx: an L1 tx of a contract other than the channels' (a
	                            * transfer, a rollup's or a peg's tx) was included or dropped
	                            * (reason); channel, op, seq unused. Channel and flood txs come
	                            * as RUN_EV_TX_INCLUDED/DROPPED, as before. */
	RUN_EV_SCHEME_PAYS,        /* u.scheme_pays: n payments of one scheme reached one step
	                            * at once (a block's accepted rollup payments, a batch
	                            * final). Every payment of a section-11 scheme is told
	                            * here, always, and one by one as RUN_EV_SCHEME_PAY only
	                            * when someone subscribed to that (the trace, the
	                            * timeline, a test): the schemes report counts these. */
	RUN_EV_KINDS
};
const char *run_ev_kind_str(enum run_ev_kind k);

#define RUN_EV_MASK(k) (1u << (k))

struct run_event {
	enum run_ev_kind kind;
	uint64_t height;           /* the block in progress and its time */
	uint64_t time_ms;
	const struct scn_action *action; /* the script action behind it, or NULL */
	union {
		struct {
			const struct l1_tx *tx;   /* valid during the call only */
			bool fee_only;            /* a flood's filler tx: no channel, no op */
			enum l1_channel_op op;    /* the channel contract's operation */
			uint32_t party;           /* the submitter (scenario index) */
			uint32_t channel;         /* scenario channel; unused for fee-only txs */
			uint64_t seq;             /* of the tx's state, 0 without one */
			enum l1_result reason;    /* DROPPED */
			bool stale;               /* a unilateral close older than the latest state */
			bool altered;             /* its state was changed after signing */
			bool first_catch;         /* a challenge that first replaces a stale close */
			uint32_t scheme;          /* SPEC 11: runner_tx_scheme (SCN_NONE: a flood's filler) */
			uint32_t bytes;           /* its size in bytes */
			bool included;            /* SCHEME_TX: included (else dropped) */
		} tx;
		uint32_t channel;
		uint32_t party;
		struct {
			uint32_t channel;
			uint64_t tx;
		} submitted;
		struct {
			uint32_t party, channel;
			uint64_t tx;
			bool watchtower;          /* the party is offline: its watchtower acts */
		} challenge;
		struct {
			uint32_t channel;
			uint64_t tx, seq, latest; /* seq closed on, the latest before the close */
			bool unilateral, tamper;
			bool tamper_changed;      /* the tamper moved money (the closer did not hold it all) */
		} close;
		struct {
			uint32_t channel;         /* a generated open's channel (action NULL) */
			const char *why;
		} failed;
		struct {
			uint32_t channel, from, to; /* scenario indices */
			struct amount amount;
			uint64_t t_us;            /* its time in microseconds */
			enum l2_result result;
			bool scripted;            /* a script pay (counted by its PAY_ACTION) */
		} pay;
		struct {
			uint64_t ok, failed, t_us, latest_seq;
			enum l2_result last_err;
		} pay_action;
		struct {
			uint64_t ok, failed;
			enum l2_result last_err;  /* GENERATED_OPENS: the last failure's */
		} count;
		struct {
			const struct run_payment *p; /* valid during the call */
			enum run_routed_step step;
		} routed;
		struct {
			const struct run_payment *p;
			uint32_t hop;             /* index in p's path, 0 = the sender's */
			enum run_htlc_step step;
			uint64_t tx;              /* CLOSE, CLAIM */
		} htlc;
		struct {
			const struct run_payment *p;
			uint32_t party;           /* scenario index */
			const char *why;
		} loss;
		struct {
			uint32_t scheme;          /* SCN_SCHEME_L1, scn_scheme_rollup(i), scn_scheme_sidechain */
			enum run_scheme_pay_step step;
			uint32_t from, to;        /* scenario party indices */
			struct amount amount;
			uint64_t t_us;            /* the payment's own time, in microseconds */
			uint64_t soft_ms;         /* OK: soft finality (a rollup's 2 x latency), else 0 */
			uint64_t final_ms;        /* FINAL: the time finality was reached */
			bool withdrawal;          /* a rollup withdrawal (it counts as a payment) */
			const char *why;          /* FAILED */
		} scheme_pay;
		struct {
			uint32_t scheme;
			enum run_scheme_pay_step step;
			uint64_t n;               /* payments, >= 1 */
			uint64_t soft_ms;         /* OK: their soft finality (a rollup's), else 0 */
			uint64_t final_ms;        /* FINAL: the time they reached it */
			/* FINAL: each one's time from its own time (t_us) to final_ms, in us (0
			 * if final_ms is earlier): n values, valid during the call. */
			const uint64_t *latency_us;
		} scheme_pays;
		struct {
			uint32_t scheme;
			const char *what;         /* a short line for the timeline ("batch 2 of 5 payments
			                           * submitted (260 bytes)"); valid during the call */
			uint32_t party;           /* the party it concerns, or SCN_NONE */
			uint64_t tx;              /* its L1 tx id, or RUN_NO_TX (ids start at 0) */
		} scheme_step;
		struct {
			uint32_t scheme, party;   /* the victim */
			struct amount amount;
			const char *why;
		} scheme_violation;
	} u;
};

/* An observer: fn is called with every event of the kinds it subscribed to, in the
 * order they happen, with the runner (read-only) for names and chain state. */
typedef void (*run_observer_fn)(void *ctx, const struct runner *r, const struct run_event *ev);

#endif
