/* The runner: drives the Layer1 chain and the Layer2 network through a scenario's
 * script and workloads, block by block (the three phases of SPEC section 3), and
 * collects what the report needs. */
#ifndef L2SIM_TOOLS_RUNNER_H
#define L2SIM_TOOLS_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "l1sim/evq.h"
#include "l2/l2.h"
#include "tools/scenario.h"

struct pay_run {
	uint64_t height;   /* block of the payment */
	uint64_t t_us;     /* its time, in microseconds */
	uint64_t count;
};

/* What the runner knows of a closable channel's finality: allocated at its first
 * recorded payment or its settlement, so that channels no script closes do not pay
 * for it. */
struct run_finality {
	struct pay_run *runs;  /* ok payments whose L1 finality is not known yet */
	uint32_t nruns, cap_runs;
	uint64_t settled_height;
};

/* What the runner knows of a channel beyond L1 and L2. */
struct run_channel {
	uint64_t payments_ok;
	uint32_t fin;          /* 1 + its index in the runner's fins; 0 until needed */
	bool closable : 1;     /* the script has a close of this channel */
	bool close_was_stale : 1; /* the included unilateral close was older than the latest */
	bool open_pending : 1; /* counted in opening */
	bool close_pending : 1;/* counted in closing */
	bool caught : 1;       /* a challenge replaced its stale close */
	bool settled_final : 1;
};

/* (value, count) pairs; percentiles by nearest rank once sorted. */
struct samples {
	struct { uint64_t value, count; } *v;
	size_t n, cap;
	uint64_t total;
};

struct flood {
	uint32_t party;
	uint64_t txs, batches_left;
	struct amount fee;
};

/* Flood (filler) txs the chain reached in the current block, for the timeline. */
struct block_fill {
	uint64_t included, dropped;
	uint32_t party;        /* the flooder, or SCN_NONE when several */
	struct amount fee_min, fee_max;
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

struct timeline {
	char *buf;
	size_t len, cap;
	uint64_t lines, dropped_lines;
	uint64_t max_lines;
};

#define RUNNER_ID_BUFS 4

struct runner {
	const struct scenario *s;
	struct l1_chain *chain;
	struct l2_net *net;
	struct run_channel *ch;
	struct run_finality *fins;  /* the channels' finality records (run_channel.fin) */
	uint32_t nfins, cap_fins;
	struct evq events;          /* workload arrivals and parties coming back online */
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
	/* counters */
	uint64_t payments_ok, payments_failed, actions_failed;
	uint64_t unilateral_closes, stale_closes, challenges, stale_closes_caught;
	uint64_t security_violations;
	uint64_t wl_ok_block, wl_failed_block; /* workload payments of the current block */
	struct samples fin_blocks, fin_us;
	uint64_t unsettled_payments;
	struct block_fill fill;
	bool any_closable;          /* some script action closes a channel */
	uint64_t payments_unclosable; /* ok payments while no channel is closable */
	bool hit_block_cap;
	uint64_t max_blocks;
	/* output */
	FILE *trace;                /* NULL: no trace */
	bool want_timeline;
	struct timeline tl;
	bool progress;              /* progress on stderr */
	bool progress_shown;
	uint64_t progress_payments; /* payments tried, ok or not */
	/* Called at the end of every block, after its three phases (and once after
	 * genesis), when set: lets a test check invariants block by block. */
	void (*on_block)(void *ctx, const struct runner *r);
	void *on_block_ctx;
	uint64_t gen_opens_block;   /* generated channels whose open was included in this block */
	char idbuf[RUNNER_ID_BUFS][SCN_ID_LEN]; /* generated channel ids being formatted */
	unsigned idslot;
	/* the run in progress (runner_start .. runner_finish) */
	const struct scn_action **order; /* the script by (at, file order) */
	uint32_t next_action;
	uint64_t stop;
};

/* Prepares a run of s (borrowed; it must outlive the runner). trace may be NULL. */
struct runner *runner_new(const struct scenario *s, FILE *trace, bool want_timeline);
void runner_free(struct runner *r);
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

/* Report helpers. */
const char *runner_channel_status(const struct runner *r, uint32_t ch);
/* Nearest-rank percentile p (0 < p <= 100) of sorted samples. */
uint64_t samples_percentile(const struct samples *s, double p);

#endif
