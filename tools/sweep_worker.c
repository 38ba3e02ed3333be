/* `l2sim sweep`: the metrics of a row, and one run in a worker process: the scenario
 * with the run's overrides, run as `l2sim run` would, its row read from the JSON
 * report and written to a pipe. */
#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "l1sim/util.h"
#include "tools/report.h"
#include "tools/runner.h"
#include "tools/scenario.h"
#include "tools/sweep_internal.h"

/* ---- the metrics of a row ---- */

/* Where each metric is in the JSON report (SPEC section 7); NULL: computed here. */
static const struct {
	const char *name;
	const char *path;
} METRIC_DEFS[] = {
	{ "blocks", "blocks" },
	{ "sim_time_s", "sim_time_s" },
	{ "payments_ok", "l2.payments_ok" },
	{ "payments_failed", "l2.payments_failed" },
	{ "throughput_gain", "throughput_gain" },
	{ "l1_txs", "l1.txs" },
	{ "l1_channel_txs", "l1.channel_txs" },
	{ "l1_tps", NULL },
	{ "l1_capacity_tps", "l1.capacity_tps" },
	{ "l2_tps", "l2.tps" },
	{ "finality_l1_blocks_min", "finality.l1_blocks.min" },
	{ "finality_l1_blocks_p50", "finality.l1_blocks.p50" },
	{ "finality_l1_blocks_p95", "finality.l1_blocks.p95" },
	{ "finality_l1_s_p50", "finality.l1_s.p50" },
	{ "finality_l1_s_p95", "finality.l1_s.p95" },
	{ "unsettled_payments", "finality.unsettled_payments" },
	{ "stale_closes", "disputes.stale_closes" },
	{ "challenges", "disputes.challenges" },
	{ "security_violations", "security_violations" },
	{ "fees", "l1.fees" },
	{ "expect_ok", "expect.ok" },
	{ "hit_block_cap", NULL },
	/* SPEC section 11: schemes.<S>.<field>, S the scheme of the first poisson workload */
	{ "scheme", NULL },
	{ "scheme_payments_ok", "payments_ok" },
	{ "scheme_payments_final", "payments_final" },
	{ "scheme_l1_bytes", "l1_bytes" },
	{ "scheme_gain_txs", "gain_txs" },
	{ "scheme_gain_bytes", "gain_bytes" },
	{ "scheme_tps", NULL },
	{ "scheme_final_s_p50", "final_s.p50" },
	{ "scheme_final_s_p95", "final_s.p95" },
	{ "scheme_violations", "violations" },
};
#define NMETRICS (sizeof(METRIC_DEFS) / sizeof(METRIC_DEFS[0]))
_Static_assert(NMETRICS == SWEEP_NMETRICS, "SWEEP_NMETRICS counts the metrics");

const char *const SWEEP_METRICS[NMETRICS + 1] = {
	"blocks", "sim_time_s", "payments_ok", "payments_failed", "throughput_gain", "l1_txs",
	"l1_channel_txs", "l1_tps", "l1_capacity_tps", "l2_tps", "finality_l1_blocks_min", "finality_l1_blocks_p50",
	"finality_l1_blocks_p95", "finality_l1_s_p50", "finality_l1_s_p95", "unsettled_payments",
	"stale_closes", "challenges", "security_violations", "fees", "expect_ok", "hit_block_cap",
	"scheme", "scheme_payments_ok", "scheme_payments_final", "scheme_l1_bytes", "scheme_gain_txs",
	"scheme_gain_bytes", "scheme_tps", "scheme_final_s_p50", "scheme_final_s_p95", "scheme_violations", NULL,
};

int sweep_metric_index(const char *name)
{
	for (size_t i = 0; i < NMETRICS; i++) {
		if (strcmp(METRIC_DEFS[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}


/* The overrides of run i: every --set, then one per axis. ov has nsets + naxes slots. */
void sweep_run_overrides(const struct sweep *sw, size_t i, struct scn_override *ov)
{
	size_t idx[64];
	sweep_combination(sw->axes, sw->naxes, i, idx);
	for (size_t k = 0; k < sw->nsets; k++)
		ov[k] = sw->sets[k];
	for (size_t k = 0; k < sw->naxes; k++) {
		ov[sw->nsets + k].key = sw->axes[k].key;
		ov[sw->nsets + k].value = sw->axes[k].values[idx[k]];
	}
}

/* The id of the scheme the first poisson workload goes through (its via), or NULL
 * without one. */
static const char *workload_scheme(const struct scenario *s)
{
	for (uint32_t i = 0; i < s->nworkload; i++) {
		const struct scn_workload *w = &s->workload[i];
		if (w->kind != SCN_WL_POISSON)
			continue;
		switch (w->via) {
		case SCN_VIA_CHANNELS: return "channels";
		case SCN_VIA_L1: return "l1";
		case SCN_VIA_ROLLUP: return s->rollups[w->via_index].id;
		case SCN_VIA_SIDECHAIN: return s->sidechains[w->via_index].id;
		}
	}
	return NULL;
}

/* ---- a worker: one run, its metrics on a pipe ---- */

static const cJSON *json_path(const cJSON *root, const char *path)
{
	char buf[96];
	snprintf(buf, sizeof(buf), "%s", path);
	const cJSON *cur = root;
	for (char *seg = strtok(buf, "."); seg && cur; seg = strtok(NULL, "."))
		cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, seg) : NULL;
	return cur;
}

/* A number in the shortest form that reads back as the same double: %.15g, %.16g or
 * %.17g, the first that does (66.66666666666667, not 66.666666666666671). Whole
 * numbers within int print as integers and NaN or infinity as null (empty), as
 * cJSON prints them in the report. */
static void put_double(FILE *f, double d)
{
	if (!isfinite(d))
		return;
	if (d >= INT_MIN && d <= INT_MAX && d == (double)(int)d) {
		fprintf(f, "%d", (int)d);
		return;
	}
	char buf[40];
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buf, sizeof(buf), "%.*g", digits, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	fputs(buf, f);
}

/* A report value as text: numbers in their shortest round-trip form, strings bare,
 * null (or absent) empty. */
static void put_item(FILE *f, const cJSON *it)
{
	if (!it || cJSON_IsNull(it))
		return;
	if (cJSON_IsString(it))
		fputs(it->valuestring, f);
	else if (cJSON_IsBool(it))
		fputs(cJSON_IsTrue(it) ? "true" : "false", f);
	else if (cJSON_IsNumber(it))
		put_double(f, it->valuedouble);
	else
		fatal_invariant("a metric of the report is an object or an array");
}

/* Runs run i and writes its row (metrics separated by tabs, then a newline) to fd.
 * Returns the exit status of the worker. */
int sweep_worker_run(const struct sweep *sw, size_t i, int fd)
{
	struct scn_override *ov = xcalloc(sw->nsets + sw->naxes + 1, sizeof(*ov));
	struct scn_errors errs = { 0 }, failures = { 0 };
	sweep_run_overrides(sw, i, ov);
	struct scenario *s = scn_load_buffer(sw->file, sw->text, sw->text_len, ov, sw->nsets + sw->naxes, &errs);
	free(ov);
	if (!s) {
		scn_free(s);
		scn_errors_free(&errs);
		return 2;
	}
	struct runner *r = runner_new(s, NULL, false);
	r->progress = false;
	runner_run(r);
	struct report_model model;
	report_model_build(&model, r);
	report_expect(&model, &failures);
	char *json = NULL, *row = NULL;
	size_t json_len = 0, row_len = 0;
	FILE *f = open_memstream(&json, &json_len);
	if (!f)
		fatal_invariant("out of memory");
	report_write_json(f, &model, &failures);
	fclose(f);
	cJSON *rep = cJSON_ParseWithLength(json, json_len);
	if (!rep)
		fatal_invariant("the report is not valid JSON");
	f = open_memstream(&row, &row_len);
	if (!f)
		fatal_invariant("out of memory");
	/* The workload's entry of `schemes` (ids may hold dots: no json_path through it). */
	const char *sid = workload_scheme(s);
	const cJSON *sch = sid ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rep, "schemes"), sid)
			       : NULL;
	for (size_t m = 0; m < NMETRICS; m++) {
		if (m)
			fputc('\t', f);
		if (m >= SWEEP_NBASE_METRICS) { /* scheme_*: empty without a schemes entry */
			const cJSON *t = json_path(rep, "sim_time_s");
			if (!sch)
				continue;
			if (strcmp(METRIC_DEFS[m].name, "scheme") == 0)
				fputs(sid, f); /* [A-Za-z0-9._-]: no tab, no newline */
			else if (METRIC_DEFS[m].path)
				put_item(f, json_path(sch, METRIC_DEFS[m].path));
			else if (cJSON_IsNumber(t) && t->valuedouble > 0) /* scheme_tps: ok payments per second */
				put_double(f, cJSON_GetObjectItemCaseSensitive(sch, "payments_ok")->valuedouble / t->valuedouble);
		} else if (METRIC_DEFS[m].path) {
			put_item(f, json_path(rep, METRIC_DEFS[m].path));
		} else if (strcmp(METRIC_DEFS[m].name, "hit_block_cap") == 0) {
			fputs(r->hit_block_cap ? "true" : "false", f);
		} else { /* l1_tps: included txs per second, as l2.tps is for payments */
			const cJSON *txs = json_path(rep, "l1.txs"), *t = json_path(rep, "sim_time_s");
			if (cJSON_IsNumber(txs) && cJSON_IsNumber(t) && t->valuedouble > 0)
				put_double(f, txs->valuedouble / t->valuedouble);
		}
	}
	fputc('\n', f);
	fclose(f);
	int rc = 0;
	for (size_t off = 0; off < row_len;) {
		ssize_t w = write(fd, row + off, row_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = 1;
			break;
		}
		off += (size_t)w;
	}
	free(row);
	free(json);
	cJSON_Delete(rep);
	runner_free(r);
	scn_free(s);
	scn_errors_free(&errs);
	scn_errors_free(&failures);
	return rc;
}

