/* `l2sim bench`'s `schemes` figure (issue 15): one Poisson demand (10^6 payments in
 * the full run, 10^4 with --quick) between the same generated parties, through each
 * scheme of SPEC section 11 by the workload's `via`: l1 transfers, unsigned channels,
 * an optimistic rollup and a sidechain. Wall and CPU time of each whole run (set-up
 * apart) and payments simulated per second. Rollup payments cost no signature in this
 * model, so their rate is compared with unsigned channel payments (goal: within 2x).
 * A scheme whose section this build cannot load yet is reported as skipped. */
#include "tools/bench_schemes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "l1sim/util.h"
#include "tools/obs_metrics.h"
#include "tools/obs_schemes.h"
#include "tools/runner.h"
#include "tools/scenario.h"

#define PARTIES 1000u
#define BLOCKS 10u       /* the demand spreads over this many one-second blocks */

static const char *const VIAS[BENCH_SCHEMES] = { "l1", "channels", "r1", "s1" };

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The scenario: PARTIES generated parties in PARTIES two-party channels (signatures
 * off) and the workload through `via`; for via r1 a rollup operated by p0, for s1 a
 * sidechain of p0..p2 (2 of 3), either funded by every party at block 0. Blocks take
 * every tx, batches every payment, so that the figure is the simulator's cost, not a
 * backlog's. */
static char *scenario_text(const char *via, uint64_t payments)
{
	size_t cap = 4096 + (size_t)PARTIES * 160;
	char *t = xmalloc(cap);
	bool rollup = strcmp(via, "r1") == 0, side = strcmp(via, "s1") == 0;
	size_t n = (size_t)snprintf(
		t, cap,
		"{\"format\": \"l2sim/1\", \"name\": \"bench-schemes\", \"seed\": 1,"
		" \"l1\": {\"block_interval_s\": 1, \"confirmations\": 1, \"block_tx_limit\": 100000000},"
		" \"l2\": {\"signatures\": \"off\"},"
		" \"generate\": {\"parties\": %u, \"channels\": %u, \"balance\": \"100000000000000\","
		" \"deposit\": 1000000000, \"open_at\": 0},",
		PARTIES, PARTIES);
	if (rollup)
		n += (size_t)snprintf(t + n, cap - n,
				      " \"rollups\": [{\"id\": \"r1\", \"kind\": \"optimistic\", \"operator\": \"p0\","
				      " \"batch_max_txs\": %llu, \"challenge_blocks\": 2}],",
				      (unsigned long long)payments + 1);
	if (side)
		n += (size_t)snprintf(t + n, cap - n,
				      " \"sidechains\": [{\"id\": \"s1\", \"federation\": [\"p0\", \"p1\", \"p2\"], \"threshold\": 2,"
				      " \"block_interval_s\": 1, \"block_tx_limit\": %llu, \"confirmations\": 1,"
				      " \"pegin_confirmations\": 1}],",
				      (unsigned long long)payments + 1);
	if (rollup || side) {
		n += (size_t)snprintf(t + n, cap - n, " \"script\": [");
		for (uint32_t p = 0; p < PARTIES; p++)
			n += (size_t)snprintf(t + n, cap - n,
					      rollup ? "%s{\"at\": 1, \"action\": \"rollup_deposit\", \"rollup\": \"r1\","
						       " \"party\": \"p%u\", \"amount\": 1000000000}"
						     : "%s{\"at\": 1, \"action\": \"peg_in\", \"sidechain\": \"s1\","
						       " \"party\": \"p%u\", \"amount\": 1000000000}",
					      p ? ", " : "", p);
		n += (size_t)snprintf(t + n, cap - n, "],");
	}
	snprintf(t + n, cap - n,
		 " \"workload\": [{\"kind\": \"poisson\", \"rate_per_s\": %.17g, \"via\": \"%s\", \"channels\": \"all\","
		 " \"parties\": \"all\", \"from_block\": 4, \"to_block\": %u, \"amount\": {\"min\": 1, \"max\": 10}}]}",
		 (double)payments / BLOCKS, via, 4 + BLOCKS);
	return t;
}

/* The payments of the run's via scheme k (ok and failed). */
static uint64_t payments_of(const struct runner *r, unsigned k)
{
	if (k == 1) {
		const struct obs_metrics *m = runner_metrics(r);
		return m->payments_ok + m->payments_failed;
	}
	const struct obs_schemes *o = runner_schemes_obs(r);
	uint32_t scheme = k == 0 ? SCN_SCHEME_L1 : k == 2 ? scn_scheme_rollup(0) : scn_scheme_sidechain(r->s, 0);
	return o && scheme < o->n ? o->row[scheme].ok + o->row[scheme].failed : 0;
}

void bench_schemes_run(bool quick, FILE *err, struct bench_schemes *out)
{
	uint64_t payments = quick ? 10000 : 1000000;
	memset(out, 0, sizeof(*out));
	for (unsigned k = 0; k < BENCH_SCHEMES; k++) {
		struct bench_scheme *b = &out->s[k];
		b->via = VIAS[k];
		if (err)
			fprintf(err, "l2sim bench: schemes: %llu payments via %s\n", (unsigned long long)payments, b->via);
		char *text = scenario_text(b->via, payments);
		struct scn_errors errs = { 0 };
		struct scenario *s = scn_load_buffer("bench-schemes", text, strlen(text), NULL, 0, &errs);
		free(text);
		if (!s) { /* rollups[] or sidechains[] not in this build yet */
			b->skipped = true;
			scn_errors_free(&errs);
			continue;
		}
		scn_errors_free(&errs);
		struct runner *r = runner_new(s, NULL, false);
		double c0 = cpu_s(), w0 = wall_s();
		runner_run(r);
		b->cpu_s = cpu_s() - c0;
		b->wall_s = wall_s() - w0;
		b->payments = payments_of(r, k);
		b->per_s = b->cpu_s > 0 ? (double)b->payments / b->cpu_s : 0;
		runner_free(r);
		scn_free(s);
	}
	const struct bench_scheme *ch = &out->s[1], *ru = &out->s[2];
	out->rollup_ratio = !ru->skipped && ch->per_s > 0 ? ru->per_s / ch->per_s : 0;
}

void bench_schemes_json(cJSON *root, const struct bench_schemes *b)
{
	cJSON *o = cJSON_AddObjectToObject(root, "schemes");
	for (unsigned k = 0; k < BENCH_SCHEMES; k++) {
		const struct bench_scheme *x = &b->s[k];
		if (x->skipped) {
			cJSON_AddNullToObject(o, x->via);
			continue;
		}
		cJSON *e = cJSON_AddObjectToObject(o, x->via);
		cJSON_AddNumberToObject(e, "payments", (double)x->payments);
		cJSON_AddNumberToObject(e, "cpu_s", x->cpu_s);
		cJSON_AddNumberToObject(e, "wall_s", x->wall_s);
		cJSON_AddNumberToObject(e, "payments_per_s", x->per_s);
	}
	cJSON_AddNumberToObject(o, "rollup_vs_channels", b->rollup_ratio);
}

void bench_schemes_table(FILE *out, const struct bench_schemes *b)
{
	static const char *const names[BENCH_SCHEMES] = { "l1", "channels", "rollup", "sidechain" };
	for (unsigned k = 0; k < BENCH_SCHEMES; k++) {
		const struct bench_scheme *x = &b->s[k];
		char label[64];
		snprintf(label, sizeof(label), "schemes: %s payments/s", names[k]);
		if (x->skipped)
			fprintf(out, "%-34s   (skipped: this build has no %s)\n", label, k == 2 ? "rollups" : "sidechains");
		else
			fprintf(out, "%-34s %13.0f %13s %7s  (%llu payments: %.3f s CPU, %.3f s wall)\n", label, x->per_s,
				"-", "-", (unsigned long long)x->payments, x->cpu_s, x->wall_s);
	}
	if (!b->s[2].skipped)
		fprintf(out, "%-34s %13.3f %13.3f %7.3f  ratio >= 0.50: %s\n", "schemes: rollup / channels rate",
			b->rollup_ratio, 1.0, b->rollup_ratio, b->rollup_ratio >= 0.5 ? "met" : "NOT met");
}
