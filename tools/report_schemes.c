/* SPEC section 11 in the reports: the `schemes` table (one entry per scheme the run
 * uses), `rollups.<id>` and `sidechains.<id>`, their expectations, and their part of
 * the text and HTML reports (a table, and Theorems 2.1/2.2/2.3 per scheme). All of it
 * only when the scenario uses section 11 (s->schemes_feature): every other report is
 * as before. The figures of `l1`, the rollups and the sidechains are the schemes
 * observer's; those of `channels` are the metrics' of section 7 (payments, off-chain
 * and L1 finality), with its L1 txs and bytes from the schemes observer. */
#include "tools/report_schemes.h"
#include "tools/report_json.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "l1sim/util.h"
#include "tools/obs_metrics.h"
#include "tools/obs_schemes.h"
#include "tools/run_schemes.h"
#include "tools/obs_svg.h"

/* ---- the model ---- */


/* The scenario can submit a transfer: a transfer action, or a workload via l1. */
static bool uses_l1(const struct scenario *s)
{
	for (uint32_t i = 0; i < s->nscript; i++)
		if (s->script[i].kind == SCN_TRANSFER)
			return true;
	for (uint32_t i = 0; i < s->nworkload; i++)
		if (s->workload[i].kind == SCN_WL_POISSON && !s->workload[i].routed && s->workload[i].via == SCN_VIA_L1)
			return true;
	return false;
}

void report_model_scheme(const struct report_model *m, uint32_t k, struct report_scheme *out)
{
	const struct scenario *s = m->s;
	const struct obs_schemes *o = runner_schemes_obs(m->r);
	*out = (struct report_scheme){ .id = scn_scheme_id(s, k) };
	if (!o || k >= o->n)
		return;
	const struct obs_scheme_row *w = &o->row[k];
	out->l1_txs = w->l1_txs;
	out->l1_bytes = w->l1_bytes;
	if (k == SCN_SCHEME_L1) {
		out->present = uses_l1(s);
		out->kind = "l1";
	} else if (k == SCN_SCHEME_CHANNELS) {
		const struct obs_metrics *x = runner_metrics(m->r);
		out->present = s->nchannels > 0;
		out->kind = "channels";
		out->ok = x->payments_ok;
		out->failed = x->payments_failed;
		out->final = x->fin_us.total;
		out->soft_ms = m->offchain_ms;
		out->final_s = m->l1_s;
		out->violations = m->security_violations + m->rt_htlc_losses;
	} else {
		out->present = true;
		out->kind = k - 2 < s->nrollups ? scn_rollup_kind_str(s->rollups[k - 2].kind) : "sidechain";
	}
	if (k != SCN_SCHEME_CHANNELS) {
		out->ok = w->ok;
		out->failed = w->failed;
		out->final = w->final;
		out->soft_ms = report_stats_of(&w->soft_us, 1e3); /* empty but for rollups: null */
		out->final_s = (struct report_stats){ w->final_pcts.has, (double)w->final_pcts.min / 1e6,
						      (double)w->final_pcts.p50 / 1e6, (double)w->final_pcts.p95 / 1e6,
						      (double)w->final_pcts.max / 1e6 };
		out->violations = w->violations;
	}
	out->has_gain_txs = out->l1_txs > 0;
	if (out->has_gain_txs)
		out->gain_txs = ((double)out->final + (double)out->l1_txs) / (double)out->l1_txs;
	out->has_gain_bytes = out->l1_bytes > 0;
	if (out->has_gain_bytes)
		out->gain_bytes = (double)out->final * L1_TX_BYTES_TRANSFER / (double)out->l1_bytes;
}

uint64_t report_schemes_violations(const struct report_model *m)
{
	uint64_t sum = 0;
	for (uint32_t k = 0; k < scn_nschemes(m->s); k++) {
		struct report_scheme sc;
		report_model_scheme(m, k, &sc);
		if (sc.present)
			sum += sc.violations;
	}
	return sum;
}

/* ---- JSON ---- */

static cJSON *json_holder(const struct report_model *m, uint32_t i, bool rollup)
{
	const struct scenario *s = m->s;
	cJSON *o = report_json_checked(cJSON_CreateObject());
	cJSON_AddStringToObject(o, "kind", rollup ? scn_rollup_kind_str(s->rollups[i].kind) : "sidechain");
	cJSON *b = report_json_checked(cJSON_AddObjectToObject(o, "balances"));
	for (uint32_t p = 0; p < s->nparties; p++)
		if (report_model_lists_party(m, p))
			cJSON_AddItemToObject(b, s->parties[p].name,
					      report_json_u64((rollup ? run_rollup_balance(m->r, i, p)
							       : run_sidechain_balance(m->r, i, p)).units));
	cJSON_AddItemToObject(o, "holdings",
			      report_json_u64((rollup ? run_rollup_holdings(m->r, i) : run_sidechain_holdings(m->r, i)).units));
	return o;
}

void report_schemes_json(const struct report_model *m, cJSON *root)
{
	const struct scenario *s = m->s;
	cJSON *sch = report_json_checked(cJSON_AddObjectToObject(root, "schemes"));
	for (uint32_t k = 0; k < scn_nschemes(s); k++) {
		struct report_scheme sc;
		report_model_scheme(m, k, &sc);
		if (!sc.present)
			continue;
		cJSON *o = report_json_checked(cJSON_CreateObject());
		cJSON_AddStringToObject(o, "kind", sc.kind);
		cJSON_AddItemToObject(o, "payments_ok", report_json_u64(sc.ok));
		cJSON_AddItemToObject(o, "payments_failed", report_json_u64(sc.failed));
		cJSON_AddItemToObject(o, "payments_final", report_json_u64(sc.final));
		cJSON_AddItemToObject(o, "l1_txs", report_json_u64(sc.l1_txs));
		cJSON_AddItemToObject(o, "l1_bytes", report_json_u64(sc.l1_bytes));
		cJSON_AddItemToObject(o, "soft_ms", report_json_stats(&sc.soft_ms));
		cJSON_AddItemToObject(o, "final_s", report_json_stats(&sc.final_s));
		cJSON_AddItemToObject(o, "gain_txs", report_json_num(sc.has_gain_txs, sc.gain_txs));
		cJSON_AddItemToObject(o, "gain_bytes", report_json_num(sc.has_gain_bytes, sc.gain_bytes));
		cJSON_AddItemToObject(o, "violations", report_json_u64(sc.violations));
		cJSON_AddItemToObject(sch, sc.id, o);
	}
	cJSON *ro = report_json_checked(cJSON_AddObjectToObject(root, "rollups"));
	for (uint32_t i = 0; i < s->nrollups; i++)
		cJSON_AddItemToObject(ro, s->rollups[i].id, json_holder(m, i, true));
	cJSON *si = report_json_checked(cJSON_AddObjectToObject(root, "sidechains"));
	for (uint32_t i = 0; i < s->nsidechains; i++)
		cJSON_AddItemToObject(si, s->sidechains[i].id, json_holder(m, i, false));
}

/* ---- expectations ---- */

static void expect_u64(struct scn_errors *out, const char *id, const char *field, const struct scn_opt *o,
		       uint64_t got)
{
	if (o->present && o->u != got)
		scn_errors_add(out, "schemes.%s.%s: expected %" PRIu64 ", got %" PRIu64, id, field, o->u, got);
}

/* Equal within a relative 1e-6 (struct scn_opt_num). */
static void expect_num(struct scn_errors *out, const char *id, const char *field, const struct scn_opt_num *o,
		       bool has, double got)
{
	if (!o->present)
		return;
	if (o->is_null && has)
		scn_errors_add(out, "schemes.%s.%s: expected null, got %.10g", id, field, got);
	else if (!o->is_null && !has)
		scn_errors_add(out, "schemes.%s.%s: expected %.10g, got null", id, field, o->d);
	else if (!o->is_null && fabs(got - o->d) > 1e-6 * fmax(1.0, fabs(o->d)))
		scn_errors_add(out, "schemes.%s.%s: expected %.10g, got %.10g", id, field, o->d, got);
}

static void expect_stats(struct scn_errors *out, const char *id, const char *field, const struct scn_opt_num *o,
			 const struct report_stats *st)
{
	static const char *const names[SCN_PCTS] = { "min", "p50", "p95", "max" };
	const double v[SCN_PCTS] = { st->min, st->p50, st->p95, st->max };
	char f[32];
	for (unsigned i = 0; i < SCN_PCTS; i++) {
		snprintf(f, sizeof(f), "%s.%s", field, names[i]);
		expect_num(out, id, f, &o[i], st->has, v[i]);
	}
}

static void expect_holder(const struct report_model *m, const struct scn_expect_holder *x, bool rollup,
			  struct scn_errors *out)
{
	const struct scenario *s = m->s;
	const char *what = rollup ? "rollups" : "sidechains";
	const char *id = rollup ? s->rollups[x->index].id : s->sidechains[x->index].id;
	char a1[AMOUNT_FMT_LEN], a2[AMOUNT_FMT_LEN];
	const char *kind = rollup ? scn_rollup_kind_str(s->rollups[x->index].kind) : "sidechain";
	if (x->kind.present && x->kind.s && strcmp(x->kind.s, kind) != 0)
		scn_errors_add(out, "%s.%s.kind: expected \"%s\", got \"%s\"", what, id, x->kind.s, kind);
	for (uint32_t i = 0; i < x->nbalances; i++) {
		uint32_t p = x->balance_party[i];
		struct amount got = rollup ? run_rollup_balance(m->r, x->index, p) : run_sidechain_balance(m->r, x->index, p);
		if (!amount_eq(got, x->balance[i]))
			scn_errors_add(out, "%s.%s.balances.%s: expected %s, got %s", what, id, s->parties[p].name,
				       amount_fmt(a1, x->balance[i]), amount_fmt(a2, got));
	}
	if (x->holdings.present) {
		struct amount got = rollup ? run_rollup_holdings(m->r, x->index) : run_sidechain_holdings(m->r, x->index);
		if (got.units != x->holdings.u)
			scn_errors_add(out, "%s.%s.holdings: expected %" PRIu64 ", got %s", what, id, x->holdings.u,
				       amount_fmt(a2, got));
	}
}

void report_schemes_expect(const struct report_model *m, struct scn_errors *out)
{
	const struct scn_expect *e = &m->s->expect;
	for (uint32_t i = 0; i < e->nschemes; i++) {
		const struct scn_expect_scheme *x = &e->schemes[i];
		struct report_scheme sc;
		report_model_scheme(m, x->scheme, &sc);
		if (!sc.present) {
			scn_errors_add(out, "schemes.%s: expected an entry, the run has none (%s)", sc.id,
				       x->scheme == SCN_SCHEME_L1 ? "no transfer action and no workload via l1"
								  : "the scenario has no channels");
			continue;
		}
		if (x->kind.present && x->kind.s && strcmp(x->kind.s, sc.kind) != 0)
			scn_errors_add(out, "schemes.%s.kind: expected \"%s\", got \"%s\"", sc.id, x->kind.s, sc.kind);
		expect_u64(out, sc.id, "payments_ok", &x->payments_ok, sc.ok);
		expect_u64(out, sc.id, "payments_failed", &x->payments_failed, sc.failed);
		expect_u64(out, sc.id, "payments_final", &x->payments_final, sc.final);
		expect_u64(out, sc.id, "l1_txs", &x->l1_txs, sc.l1_txs);
		expect_u64(out, sc.id, "l1_bytes", &x->l1_bytes, sc.l1_bytes);
		expect_u64(out, sc.id, "violations", &x->violations, sc.violations);
		expect_stats(out, sc.id, "soft_ms", x->soft_ms, &sc.soft_ms);
		expect_stats(out, sc.id, "final_s", x->final_s, &sc.final_s);
		expect_num(out, sc.id, "gain_txs", &x->gain_txs, sc.has_gain_txs, sc.gain_txs);
		expect_num(out, sc.id, "gain_bytes", &x->gain_bytes, sc.has_gain_bytes, sc.gain_bytes);
	}
	for (uint32_t i = 0; i < e->nrollups; i++)
		expect_holder(m, &e->rollups[i].h, true, out);
	for (uint32_t i = 0; i < e->nsidechains; i++)
		expect_holder(m, &e->sidechains[i].h, false, out);
}

/* ---- text ---- */

static void num_or_dash(char *buf, size_t n, bool has, double v)
{
	if (has)
		snprintf(buf, n, "%.4g", v);
	else
		snprintf(buf, n, "-");
}

void report_schemes_text(FILE *f, const struct report_model *m)
{
	const struct scenario *s = m->s;
	char a[AMOUNT_FMT_LEN];
	fprintf(f, "\nSchemes (SPEC section 11; soft in ms, final in s from the payment)\n");
	fprintf(f, "  %-12s %-10s %8s %7s %8s %7s %9s %8s %8s %8s %8s %6s\n", "scheme", "kind", "ok", "failed",
		"final", "L1 txs", "L1 bytes", "soft p50", "fin p50", "fin p95", "gain/tx", "gain/B");
	for (uint32_t k = 0; k < scn_nschemes(s); k++) {
		struct report_scheme sc;
		report_model_scheme(m, k, &sc);
		if (!sc.present)
			continue;
		char soft[16], f50[16], f95[16], gt[16], gb[16];
		num_or_dash(soft, sizeof(soft), sc.soft_ms.has, sc.soft_ms.p50);
		num_or_dash(f50, sizeof(f50), sc.final_s.has, sc.final_s.p50);
		num_or_dash(f95, sizeof(f95), sc.final_s.has, sc.final_s.p95);
		num_or_dash(gt, sizeof(gt), sc.has_gain_txs, sc.gain_txs);
		num_or_dash(gb, sizeof(gb), sc.has_gain_bytes, sc.gain_bytes);
		fprintf(f, "  %-12s %-10s %8" PRIu64 " %7" PRIu64 " %8" PRIu64 " %7" PRIu64 " %9" PRIu64 " %8s %8s %8s %8s %6s\n",
			sc.id, sc.kind, sc.ok, sc.failed, sc.final, sc.l1_txs, sc.l1_bytes, soft, f50, f95, gt, gb);
	}
	for (uint32_t i = 0; i < s->nrollups; i++)
		fprintf(f, "  rollup %s holds %s on L1\n", s->rollups[i].id, amount_fmt(a, run_rollup_holdings(m->r, i)));
	for (uint32_t i = 0; i < s->nsidechains; i++)
		fprintf(f, "  sidechain %s: its peg holds %s on L1\n", s->sidechains[i].id,
			amount_fmt(a, run_sidechain_holdings(m->r, i)));
}

/* Why scheme k's violations break Theorem 2.1, in a few words. */
static const char *violation_words(const struct scenario *s, uint32_t k)
{
	if (k == SCN_SCHEME_CHANNELS)
		return "parties paid less than the latest signed state owed, or htlc losses";
	if (k == SCN_SCHEME_L1)
		return "L1 transfers";
	if (k - 2 < s->nrollups)
		return "frauds final on L1: nobody proved them within the window";
	return "balances left unbacked on L1 by a federation theft";
}

void report_schemes_theorems(FILE *f, const struct report_model *m)
{
	const struct scenario *s = m->s;
	fprintf(f, "\nTheorems per scheme (SPEC section 11)\n");
	for (uint32_t k = 0; k < scn_nschemes(s); k++) {
		struct report_scheme sc;
		report_model_scheme(m, k, &sc);
		if (!sc.present)
			continue;
		if (sc.violations == 0)
			fprintf(f, "  %-12s 2.1 security    HOLDS: no violation\n", sc.id);
		else
			fprintf(f, "  %-12s 2.1 security    FAILS: %" PRIu64 " violation%s (%s)\n", sc.id, sc.violations,
				sc.violations == 1 ? "" : "s", violation_words(s, k));
		if (sc.has_gain_txs)
			fprintf(f, "  %-12s 2.2 throughput  gain %.4g per L1 tx, %.4g per %u bytes of L1 space (%" PRIu64
				   " final payments, %" PRIu64 " L1 txs, %" PRIu64 " bytes)\n",
				"", sc.gain_txs, sc.has_gain_bytes ? sc.gain_bytes : 0.0, L1_TX_BYTES_TRANSFER, sc.final,
				sc.l1_txs, sc.l1_bytes);
		else
			fprintf(f, "  %-12s 2.2 throughput  no L1 tx of its own: no gain to measure\n", "");
		if (sc.final_s.has)
			fprintf(f, "  %-12s 2.3 finality    %" PRIu64 " of %" PRIu64 " ok payments final, p50 %g s, max %g s after the payment%s\n",
				"", sc.final, sc.ok, sc.final_s.p50, sc.final_s.max,
				k >= 2 + s->nrollups ? " (on the sidechain, not on L1)" : "");
		else
			fprintf(f, "  %-12s 2.3 finality    no payment final by the end\n", "");
	}
}

/* ---- HTML ---- */

void report_schemes_html(FILE *f, const struct report_model *m)
{
	const struct scenario *s = m->s;
	char a[AMOUNT_FMT_LEN];
	fputs("<h2>Schemes</h2>\n<table>\n<tr><th>scheme</th><th>kind</th><th>ok</th><th>failed</th><th>final</th>"
	      "<th>L1 txs</th><th>L1 bytes</th><th>soft ms p50</th><th>final s p50</th><th>final s p95</th>"
	      "<th>gain per tx</th><th>gain per byte</th><th>violations</th></tr>\n", f);
	for (uint32_t k = 0; k < scn_nschemes(s); k++) {
		struct report_scheme sc;
		report_model_scheme(m, k, &sc);
		if (!sc.present)
			continue;
		char soft[16], f50[16], f95[16], gt[16], gb[16];
		num_or_dash(soft, sizeof(soft), sc.soft_ms.has, sc.soft_ms.p50);
		num_or_dash(f50, sizeof(f50), sc.final_s.has, sc.final_s.p50);
		num_or_dash(f95, sizeof(f95), sc.final_s.has, sc.final_s.p95);
		num_or_dash(gt, sizeof(gt), sc.has_gain_txs, sc.gain_txs);
		num_or_dash(gb, sizeof(gb), sc.has_gain_bytes, sc.gain_bytes);
		fputs("<tr><td>", f);
		xml_write(f, sc.id);
		fprintf(f, "</td><td>%s</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%" PRIu64
			   "</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%" PRIu64
			   "</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s"
			   "</td><td class=\"num\">%s</td><td class=\"%s\">%" PRIu64 "</td></tr>\n",
			sc.kind, sc.ok, sc.failed, sc.final, sc.l1_txs, sc.l1_bytes, soft, f50, f95, gt, gb,
			sc.violations ? "fails" : "holds", sc.violations);
	}
	fputs("</table>\n", f);
	if (s->nrollups + s->nsidechains == 0)
		return;
	fputs("<table>\n<tr><th>rollup or sidechain</th><th>its contract holds on L1</th></tr>\n", f);
	for (uint32_t i = 0; i < s->nrollups; i++) {
		fputs("<tr><td>", f);
		xml_write(f, s->rollups[i].id);
		fprintf(f, "</td><td class=\"num\">%s</td></tr>\n", amount_fmt(a, run_rollup_holdings(m->r, i)));
	}
	for (uint32_t i = 0; i < s->nsidechains; i++) {
		fputs("<tr><td>", f);
		xml_write(f, s->sidechains[i].id);
		fprintf(f, "</td><td class=\"num\">%s</td></tr>\n", amount_fmt(a, run_sidechain_holdings(m->r, i)));
	}
	fputs("</table>\n", f);
}
