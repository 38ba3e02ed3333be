/* The schemes observer (SPEC section 11): per scheme of the run (l1, channels, each
 * rollup and sidechain), its payments ok, failed and final, its included L1 txs and
 * their bytes, the soft and final latencies of its payments and its violations, from
 * RUN_EV_SCHEME_PAYS (payments in groups: complete at the run's end), RUN_EV_SCHEME_TX, RUN_EV_TX_INCLUDED (channel txs) and
 * RUN_EV_SCHEME_VIOLATION. The channels' payments and finality are the metrics'
 * (section 7): report_schemes.c reads them there. Made only when the scenario uses
 * section 11 (s->schemes_feature). */
#ifndef L2SIM_TOOLS_OBS_SCHEMES_H
#define L2SIM_TOOLS_OBS_SCHEMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/obs_metrics.h"

struct runner;

/* min, p50, p95, max (nearest rank, as samples_percentile); has false: none. */
struct obs_pcts {
	bool has;
	uint64_t min, p50, p95, max;
};

/* Latencies in us, in the order they came, in chunks of 2^16 (so that 10^6 of them are
 * never copied to grow): 4 bytes each while all are below 2^32 us (71 minutes), 8 from
 * the first that is not (wide). */
struct obs_lat {
	void **chunk;
	size_t nchunks, capchunks, n;
	bool wide;
};

struct obs_scheme_row {
	uint64_t ok, failed, final;
	uint64_t l1_txs, l1_bytes, violations;
	struct samples soft_us;      /* rollups: accepted payments' soft finality (mostly one
	                              * value: run-length samples); sorted at the run's end */
	/* From a payment to its finality, in us: one value per final payment (nearly all
	 * distinct: what the exact percentiles need), kept until the run's end, when
	 * final_pcts is selected in O(n) and the values are freed. */
	struct obs_lat final_us;
	struct obs_pcts final_pcts;
};

struct obs_schemes {
	uint32_t n;                  /* scn_nschemes */
	struct obs_scheme_row *row;  /* [n], by scheme number */
};

/* min, p50, p95 and max of v[0..n), nearest rank, in O(n) (what the observer gives a
 * row's final latencies; for tests). */
struct obs_pcts obs_pcts_of(const uint64_t *v, size_t n);

/* Subscribes a new schemes observer to r's events; runner_free frees it. */
struct obs_schemes *obs_schemes_new(struct runner *r);
void obs_schemes_free(struct obs_schemes *o);

#endif
