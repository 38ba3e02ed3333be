/* The runner: drives the Layer1 chain and the Layer2 network through a scenario's
 * script and workloads, block by block (the three phases of SPEC section 3), and
 * tells its observers what happened as typed events (run_event.h). It keeps only what
 * driving needs (what is pending, when the run is over); the figures of the report
 * are the metrics observer's (obs_metrics.h), the timeline and the trace are
 * observers too (obs_timeline.h, obs_trace.h). */
#ifndef L2SIM_TOOLS_RUNNER_H
#define L2SIM_TOOLS_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "l1sim/evq.h"
#include "l2/l2.h"
#include "tools/run_event.h"
#include "tools/scenario.h"

/* What the runner knows of a channel beyond L1 and L2 (one byte a channel). */
struct run_channel {
	bool closable : 1;     /* the script has a close of this channel */
	bool close_was_stale : 1; /* the included unilateral close was older than the latest */
	bool open_pending : 1; /* counted in opening */
	bool close_pending : 1;/* counted in closing */
	bool caught : 1;       /* a challenge replaced its stale close */
};

struct flood {
	uint32_t party;
	uint64_t txs, batches_left;
	struct amount fee;
};

#define RUNNER_LOOKAHEAD 16

/* A workload payment's draws, made ahead: channel, parties (indices within the
 * channel), amount, and the gap to the workload's next arrival. */
struct wl_pay {
	uint32_t ch, i, j;
	uint64_t amount;
	double gap_us;
};

/* A workload's draws prepared once: its channel pick and amounts, the mean gap, and
 * the party count shared by all its channels (0 when they differ: then nothing is
 * drawn ahead); and its next payments, drawn ahead (runner.c says why). */
struct wl_draw {
	struct rng_bound channels;
	struct rng_bound amounts;  /* n = max - min + 1; n = 0 for the full 64-bit range */
	double mean_us;            /* 1e6 / rate_per_s */
	uint32_t np;
	struct wl_pay ring[RUNNER_LOOKAHEAD];
	uint32_t head, len;
	double last_gap_us;        /* the gap drawn after the payment just made */
};

/* The observers of one event kind, in subscription order. */
struct run_observers {
	struct { run_observer_fn fn; void *ctx; } *list;
	uint32_t n, cap;
};

/* A hop's HTLC, as the runner follows it (run_hop.state). */
enum run_hop_state {
	RUN_HOP_NONE = 0,      /* not added (a failed attempt's hop beyond the failing one) */
	RUN_HOP_PENDING,       /* in the channel's latest state, or with the contract */
	RUN_HOP_PAYEE,         /* went to its payee (settled off chain, or paid on chain) */
	RUN_HOP_PAYER,         /* went back to its payer (removed, refunded, or left out of
	                        * the settled state) */
};

/* One hop of a routed payment's current (or last) path. */
struct run_hop {
	uint32_t ch;               /* scenario channel */
	uint32_t payer, payee;     /* scenario party indices */
	struct l1_htlc htlc;       /* the HTLC as added (its payer/payee: channel indices) */
	uint8_t state;             /* enum run_hop_state */
	bool settled_offchain;
};

/* A routed payment (SPEC section 10), kept from its send to the run's end at the same
 * address (observers may keep a pointer until runner_free). */
struct run_payment {
	uint32_t id;               /* send order, from 0 */
	uint32_t from, to;
	struct amount amount, fee; /* fee: of its last attempt's route */
	uint64_t sent_height, sent_ms, t_us;
	uint64_t reveal_at;        /* height from which the receiver reveals */
	uint64_t done_ms;          /* time it succeeded or failed */
	uint64_t reveal_ms;        /* time the receiver revealed (held time = reveal - sent) */
	uint32_t attempts, nhops;
	struct run_hop *hops;      /* [nhops]: sender's hop first */
	bool *knows;               /* [nhops + 1]: path party k knows the preimage */
	enum run_routed_step status;
	enum run_route_fail reason;
	bool revealed;
	bool scripted;             /* a send action's (not a workload's) */
	uint8_t preimage[L1_PREIMAGE_LEN], hash[L1_HASH_LEN];
};

struct run_routing;
struct run_schemes;
struct run_rollups;
struct run_sidechains;
struct obs_metrics;
struct obs_schemes;
struct obs_timeline;
struct obs_trace;

struct runner {
	const struct scenario *s;
	struct l1_chain *chain;
	struct l2_net *net;
	struct run_channel *ch;
	struct run_observers obs[RUN_EV_KINDS];
	/* the standard observers runner_new attaches (owned) */
	struct obs_metrics *metrics;
	struct obs_schemes *schemes_obs; /* SPEC section 11's table; NULL unless s->schemes_feature */
	struct obs_timeline *timeline; /* NULL: no timeline */
	struct obs_trace *trace;       /* NULL: no trace */
	struct run_routing *routing;   /* NULL: the scenario sends no routed payment */
	/* SPEC section 11 (tools/run_schemes.h): NULL when the scenario has none */
	struct run_schemes *schemes;   /* L1 transfers, via, the contract -> scheme map */
	struct run_rollups *rollups;   /* rollups[] */
	struct run_sidechains *sidechains; /* sidechains[] */
	struct evq events;          /* parties coming back online */
	struct rng *wl_rng;         /* one stream per workload */
	struct wl_draw *wl_draw;
	double *wl_next_us;         /* next arrival of each workload, in microseconds */
	struct flood *floods;
	uint32_t nfloods, cap_floods;
	uint32_t *settled_fifo;     /* channels settled, in settlement order */
	size_t settled_head, settled_len, settled_cap;
	uint32_t *usable_fifo;      /* opening channels whose open was included, in order */
	size_t usable_head, usable_len, usable_cap;
	uint64_t opening, closing;
	uint64_t last_inclusion, last_settlement;
	bool any_inclusion, any_settlement;
	uint64_t last_activity_block; /* max script at and workload to_block */
	uint64_t wl_ok_block, wl_failed_block; /* workload payments of the current block */
	uint64_t gen_opens_block;   /* generated channels whose open was included in this block */
	bool any_closable;          /* some script action closes a channel */
	bool hit_block_cap;
	uint64_t max_blocks;
	bool progress;              /* progress on stderr */
	bool progress_shown;
	uint64_t progress_payments; /* payments tried, ok or not */
	/* Called at the end of every block, after its three phases (and once after
	 * genesis), when set: lets a test check invariants block by block. */
	void (*on_block)(void *ctx, const struct runner *r);
	void *on_block_ctx;
	/* the run in progress (runner_start .. runner_finish) */
	const struct scn_action **order; /* the script by (at, file order) */
	uint32_t next_action;
	uint64_t stop;
};

/* Prepares a run of s (borrowed; it must outlive the runner) with the standard
 * observers: the metrics always, a timeline when want_timeline, a trace written to
 * `trace` (borrowed) when not NULL. */
struct runner *runner_new(const struct scenario *s, FILE *trace, bool want_timeline);
void runner_free(struct runner *r);
/* Adds an observer of the kinds in mask (RUN_EV_MASK bits), called after those
 * already subscribed. Before runner_start. */
void runner_subscribe(struct runner *r, uint32_t mask, run_observer_fn fn, void *ctx);
/* Runs to the end (SPEC section 9) or until_block, or max_blocks: runner_start, then
 * runner_step until it returns false, then runner_finish. */
void runner_run(struct runner *r);
/* The same in steps, for callers that look between blocks (the benchmark):
 * runner_start runs phases 2 and 3 of genesis; runner_step produces the next block and
 * runs its three phases, or returns false when the run is over; runner_finish
 * completes the figures the reports need. */
void runner_start(struct runner *r);
bool runner_step(struct runner *r);
void runner_finish(struct runner *r);

/* The run's figures (never NULL). */
static inline const struct obs_metrics *runner_metrics(const struct runner *r)
{
	return r->metrics;
}

/* The schemes table's figures (SPEC section 11), or NULL when the scenario uses none
 * of section 11. */
static inline const struct obs_schemes *runner_schemes_obs(const struct runner *r)
{
	return r->schemes_obs;
}

enum run_channel_status {
	RUN_CH_NONE, RUN_CH_OPENING, RUN_CH_OPEN, RUN_CH_CLOSING, RUN_CH_CLOSED, RUN_CH_STATUSES
};
const char *run_channel_status_str(enum run_channel_status st);
enum run_channel_status runner_channel_status(const struct runner *r, uint32_t ch);

/* True when channel ch's registered state differs from the parties' own signed copy
 * of the same seq: it was altered after signing (only possible with signatures off). */
bool runner_registered_altered(const struct runner *r, uint32_t ch);

/* The chain's channel contract, through which the run reads every channel. */
static inline const struct l1_channel_contract *runner_l1_channels(const struct runner *r)
{
	return l2_net_l1_channels(r->net);
}

/* Scenario channel ch's id in the L1 channel contract (the net keeps the map: the two
 * are never assumed equal). */
static inline uint32_t runner_l1_id(const struct runner *r, uint32_t ch)
{
	return r->net->channels[ch].l1_id;
}

/* The scenario channel of L1 channel id `l1_id`, or UINT32_MAX when it is none of the
 * net's. */
static inline uint32_t runner_channel_of_l1(const struct runner *r, uint32_t l1_id)
{
	return l1_id < r->net->nl1map ? r->net->l1map[l1_id] : UINT32_MAX;
}

static inline const char *runner_party_name(const struct runner *r, uint32_t p)
{
	return r->s->parties[p].name;
}

#endif
