/* The report of a finished run as data (SPEC section 7): every figure is derived here
 * once, from the metrics observer, the chain and the network; the JSON writer, the
 * text writer and the expectations (SPEC section 8) only read it. Per-party and
 * per-channel entries are derived on demand (report_model_party/_channel), so a
 * report of 10^6 generated channels costs no copy of them. */
#ifndef L2SIM_TOOLS_REPORT_MODEL_H
#define L2SIM_TOOLS_REPORT_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "l1sim/amount.h"
#include "tools/runner.h"

/* min, p50, p95, max of a finality figure; `has` false: null (nothing settled). */
struct report_stats {
	bool has;
	double min, p50, p95, max;
};

enum report_close { REPORT_CLOSE_NONE, REPORT_CLOSE_COOPERATIVE, REPORT_CLOSE_UNILATERAL };
/* "cooperative", "unilateral", or NULL for none (JSON null). */
const char *report_close_str(enum report_close c);

struct report_channel {
	const char *id;          /* valid until the next call with the same buf */
	enum run_channel_status status;
	enum report_close close;
	bool challenged;         /* meaningful when close != NONE (else null) */
	bool has_latest_seq, has_registered_seq, settled; /* false: null */
	uint64_t latest_seq, registered_seq, settled_block;
	uint32_t nparties;       /* payouts, when settled: */
	const uint32_t *parties; /* [nparties] scenario party indices */
};

struct report_model {
	const struct runner *r;
	const struct scenario *s;
	/* header */
	const char *scenario, *description, *version;
	uint64_t seed, blocks;
	double sim_time_s;
	bool has_time;           /* sim_time_s > 0 */
	/* Layer1 */
	uint64_t l1_txs, channel_txs, dropped_txs;
	struct amount fees;
	double capacity_tps;
	/* Layer2 */
	uint64_t payments_ok, payments_failed, actions_failed;
	bool has_tps;
	double tps;
	bool has_gain;           /* throughput gain (Theorem 2.2) */
	double gain, payments_per_channel_tx;
	/* finality (Theorem 2.3) */
	struct report_stats offchain_ms, l1_blocks, l1_s;
	uint64_t unsettled_payments;
	uint64_t bound_blocks;   /* confirmations */
	bool has_min_l1_blocks;
	uint64_t min_l1_blocks;
	bool t23_holds;
	/* disputes and security (Theorem 2.1) */
	uint64_t unilateral_closes, stale_closes, challenges, stale_closes_caught;
	uint64_t security_violations;
	bool t21_holds;          /* with section 11: every scheme's violations are 0 */
	/* SPEC section 11 (tools/report_schemes.h): only when the scenario uses it */
	bool has_schemes;
	uint64_t scheme_violations; /* the sum over the schemes table (channels' included) */
	/* crypto */
	bool signatures;
	uint64_t signs, verifies;
	/* the generated network, when the scenario has one */
	bool has_generated;
	uint64_t gen_status[RUN_CH_STATUSES];
	struct amount gen_balances;
	/* routed payments (SPEC section 10): has_routing when the scenario can send */
	bool has_routing;
	uint64_t rt_sent, rt_ok, rt_failed, rt_pending, rt_attempts, rt_htlc_losses;
	struct report_stats rt_hops;     /* of the ok ones; null without */
	struct amount rt_fees;
	uint64_t rt_failures[4];         /* by enum run_route_fail */
	uint64_t htlcs_settled_offchain, htlcs_failed_offchain, htlcs_claimed_onchain, htlcs_refunded_onchain;
	/* the run's end */
	bool hit_block_cap;
	char state_hash[65];
};

/* Fills m from the finished run r (borrowed: it must outlive m). O(generated channels). */
void report_model_build(struct report_model *m, const struct runner *r);

/* Party p's L1 balance at the end. */
struct amount report_model_balance(const struct report_model *m, uint32_t p);
/* Party p or channel ch is listed (not generated, or generate.in_report). */
bool report_model_lists_party(const struct report_model *m, uint32_t p);
bool report_model_lists_channel(const struct report_model *m, uint32_t ch);
/* Channel ch's entry; its id is formatted in idbuf. */
void report_model_channel(const struct report_model *m, uint32_t ch, char idbuf[SCN_ID_LEN], struct report_channel *out);
/* Payout of payout index i of a settled channel ch. */
struct amount report_model_payout(const struct report_model *m, uint32_t ch, uint32_t i);

/* min, p50, p95 and max (nearest rank) of sorted samples, each divided by scale; has
 * is false when there are none. */
struct samples;
struct report_stats report_stats_of(const struct samples *s, double scale);

#endif
