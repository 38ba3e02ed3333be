/* The metrics observer: the figures of the report (SPEC section 7) counted from the
 * run's events: payments, failed actions, disputes, the Theorem 2.1 security
 * accounting at each settlement, and L1 finality (the blocks and seconds from a payment
 * to its channel's final settlement). */
#ifndef L2SIM_TOOLS_OBS_METRICS_H
#define L2SIM_TOOLS_OBS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l1sim/amount.h"

struct runner;

/* (value, count) pairs; percentiles by nearest rank once sorted. */
struct samples {
	struct { uint64_t value, count; } *v;
	size_t n, cap;
	uint64_t total;
};
/* Adds count samples of value (merged with the last one when equal). */
void samples_add(struct samples *s, uint64_t value, uint64_t count);
/* Sorts by value, before percentiles are read. */
void samples_sort(struct samples *s);
/* Nearest-rank percentile p (0 < p <= 100) of sorted samples. */
uint64_t samples_percentile(const struct samples *s, double p);

struct pay_run {
	uint64_t height;   /* block of the payment */
	uint64_t t_us;     /* its time, in microseconds */
	uint64_t count;
};

/* Ok payments of a closable channel whose L1 finality is not known yet: allocated at
 * its first recorded payment, so that channels no script closes do not pay for it. */
struct run_finality {
	struct pay_run *runs;
	uint32_t nruns, cap_runs;
};

/* What the metrics keep of a channel, when some script action closes a channel: only a
 * scripted close settles one, so otherwise every payment is unsettled and nothing is
 * kept per channel (the bench's case). */
struct metrics_channel {
	uint64_t payments_ok;
	uint32_t fin;          /* 1 + its index in fins; 0 until needed */
	bool settled_final;
};

/* Routed payments (SPEC section 10), counted when the scenario can send. */
struct obs_routing {
	bool on;
	uint64_t sent, ok, failed, attempts, htlc_losses;
	uint64_t failures[4];              /* by enum run_route_fail */
	struct amount fees;
	struct samples hops;               /* of the ok ones; sorted at the run's end */
	struct samples offchain_us;        /* every ok payment's off-chain finality, the
	                                    * direct ones included (2 x latency) */
	uint64_t settled_offchain, failed_offchain;
	/* L1 finality of routed payments: each channel's final settlement (height + 1 and
	 * time; 0: none yet), and the ok payments, whose paths are read at the run's end */
	uint64_t *final_h1, *final_us;     /* [nchannels] */
	const struct run_payment **okp;
	size_t nokp, cap_okp;
};

struct obs_metrics {
	struct metrics_channel *ch;   /* [nchannels], or NULL (see above) */
	struct run_finality *fins;
	uint32_t nfins, cap_fins;
	uint64_t payments_ok, payments_failed, actions_failed;
	uint64_t unilateral_closes, stale_closes, challenges, stale_closes_caught;
	uint64_t security_violations;
	struct samples fin_blocks, fin_us; /* sorted at the run's end */
	uint64_t unsettled_payments;       /* set at the run's end */
	struct obs_routing rt;
};

/* Subscribes new metrics to r's events; runner_free frees them. */
struct obs_metrics *obs_metrics_new(struct runner *r);
void obs_metrics_free(struct obs_metrics *m);

/* Theorem 2.1 at channel ch's settlement: true when party index i did not cheat and
 * is paid less than the latest signed state owes it (*owed: what it owes, SPEC 7).
 * The one place this rule is written: the metrics count it, the timeline explains it. */
bool obs_metrics_shortfall(const struct runner *r, uint32_t ch, uint32_t i, struct amount *owed);

/* A payment on ch is coming: fetch what recording it will touch. */
static inline void obs_metrics_prefetch(const struct obs_metrics *m, uint32_t ch)
{
	if (m->ch)
		__builtin_prefetch(&m->ch[ch]);
}

#endif
