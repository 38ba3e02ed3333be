/* The JSON report and the expectations, both read from the report model. */
#include "report.h"

#include <cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"
#include "tools/report_json.h"
#include "tools/report_schemes.h"
#include "tools/textout.h"

/* ---- JSON ---- */

/* A string from the scenario: cJSON escapes control characters but copies bytes, so
 * invalid UTF-8 is repaired first (the report must stay valid JSON). */
static cJSON *json_string(const char *s)
{
	char *fixed = txt_utf8_repaired(s);
	cJSON *j = report_json_checked(cJSON_CreateString(fixed ? fixed : s));
	free(fixed);
	return j;
}

static void add(cJSON *o, const char *key, cJSON *item)
{
	char *fixed = txt_utf8_repaired(key);
	cJSON_AddItemToObject(o, fixed ? fixed : key, item);
	free(fixed);
}


static cJSON *json_channel(const struct report_model *m, uint32_t ch, const struct report_channel *c)
{
	cJSON *o = report_json_checked(cJSON_CreateObject());
	cJSON_AddStringToObject(o, "status", run_channel_status_str(c->status));
	if (c->close == REPORT_CLOSE_NONE) {
		cJSON_AddNullToObject(o, "close");
		cJSON_AddNullToObject(o, "challenged");
	} else {
		cJSON_AddStringToObject(o, "close", report_close_str(c->close));
		cJSON_AddBoolToObject(o, "challenged", c->challenged);
	}
	add(o, "latest_seq", c->has_latest_seq ? report_json_u64(c->latest_seq) : report_json_checked(cJSON_CreateNull()));
	add(o, "registered_seq", c->has_registered_seq ? report_json_u64(c->registered_seq) : report_json_checked(cJSON_CreateNull()));
	if (c->settled) {
		add(o, "settled_block", report_json_u64(c->settled_block));
		cJSON *p = cJSON_AddObjectToObject(o, "payouts");
		for (uint32_t i = 0; i < c->nparties; i++)
			add(p, m->s->parties[c->parties[i]].name, report_json_amount(report_model_payout(m, ch, i)));
	} else {
		cJSON_AddNullToObject(o, "settled_block");
		cJSON_AddNullToObject(o, "payouts");
	}
	return o;
}

/* What the generated network became: counts, so a 10^6-channel report stays small. */
static cJSON *json_generated(const struct report_model *m)
{
	const struct scn_generate *g = &m->s->generate;
	cJSON *o = report_json_checked(cJSON_CreateObject());
	add(o, "parties", report_json_u64(g->parties));
	add(o, "channels", report_json_u64(g->channels));
	cJSON_AddBoolToObject(o, "listed", g->in_report);
	cJSON *st = cJSON_AddObjectToObject(o, "channel_status");
	for (int i = 0; i < RUN_CH_STATUSES; i++)
		add(st, run_channel_status_str((enum run_channel_status)i), report_json_u64(m->gen_status[i]));
	add(o, "l1_balances_total", report_json_amount(m->gen_balances));
	return o;
}

static cJSON *build_json(const struct report_model *m, const struct scn_errors *failures)
{
	const struct scenario *s = m->s;
	cJSON *o = report_json_checked(cJSON_CreateObject());
	cJSON_AddStringToObject(o, "format", "l2sim-report/1");
	add(o, "scenario", json_string(m->scenario));
	add(o, "seed", report_json_u64(m->seed));
	add(o, "blocks", report_json_u64(m->blocks));
	cJSON_AddNumberToObject(o, "sim_time_s", m->sim_time_s);

	cJSON *l1 = cJSON_AddObjectToObject(o, "l1");
	add(l1, "txs", report_json_u64(m->l1_txs));
	add(l1, "channel_txs", report_json_u64(m->channel_txs));
	add(l1, "dropped_txs", report_json_u64(m->dropped_txs));
	add(l1, "fees", report_json_amount(m->fees));
	cJSON_AddNumberToObject(l1, "capacity_tps", m->capacity_tps);

	cJSON *l2 = cJSON_AddObjectToObject(o, "l2");
	add(l2, "payments_ok", report_json_u64(m->payments_ok));
	add(l2, "payments_failed", report_json_u64(m->payments_failed));
	add(l2, "tps", report_json_num(m->has_tps, m->tps));

	if (m->has_routing) {
		cJSON *rt = cJSON_AddObjectToObject(o, "routing");
		add(rt, "sent", report_json_u64(m->rt_sent));
		add(rt, "ok", report_json_u64(m->rt_ok));
		add(rt, "failed", report_json_u64(m->rt_failed));
		add(rt, "pending", report_json_u64(m->rt_pending));
		add(rt, "attempts", report_json_u64(m->rt_attempts));
		add(rt, "hops", report_json_stats(&m->rt_hops));
		add(rt, "fees", report_json_amount(m->rt_fees));
		cJSON *fl = cJSON_AddObjectToObject(rt, "failures");
		for (int i = 0; i < RUN_FAIL_KINDS; i++)
			add(fl, run_route_fail_str((enum run_route_fail)i), report_json_u64(m->rt_failures[i]));
		add(rt, "htlc_losses", report_json_u64(m->rt_htlc_losses));
		cJSON *h = cJSON_AddObjectToObject(o, "htlcs");
		add(h, "settled_offchain", report_json_u64(m->htlcs_settled_offchain));
		add(h, "failed_offchain", report_json_u64(m->htlcs_failed_offchain));
		add(h, "claimed_onchain", report_json_u64(m->htlcs_claimed_onchain));
		add(h, "refunded_onchain", report_json_u64(m->htlcs_refunded_onchain));
	}

	add(o, "throughput_gain", report_json_num(m->has_gain, m->gain));

	cJSON *fin = cJSON_AddObjectToObject(o, "finality");
	add(fin, "offchain_ms", report_json_stats(&m->offchain_ms));
	add(fin, "l1_blocks", report_json_stats(&m->l1_blocks));
	add(fin, "l1_s", report_json_stats(&m->l1_s));
	add(fin, "unsettled_payments", report_json_u64(m->unsettled_payments));

	cJSON *d = cJSON_AddObjectToObject(o, "disputes");
	add(d, "unilateral_closes", report_json_u64(m->unilateral_closes));
	add(d, "stale_closes", report_json_u64(m->stale_closes));
	add(d, "challenges", report_json_u64(m->challenges));
	add(d, "stale_closes_caught", report_json_u64(m->stale_closes_caught));

	add(o, "security_violations", report_json_u64(m->security_violations));

	if (m->has_schemes) /* SPEC section 11 */
		report_schemes_json(m, o);

	cJSON *th = cJSON_AddObjectToObject(o, "theorems");
	cJSON *t21 = cJSON_AddObjectToObject(th, "2.1");
	cJSON_AddBoolToObject(t21, "holds", m->t21_holds);
	add(t21, "violations", report_json_u64(m->has_schemes ? m->scheme_violations : m->security_violations));
	cJSON *t22 = cJSON_AddObjectToObject(th, "2.2");
	add(t22, "gain", report_json_num(m->has_gain, m->gain));
	cJSON *t23 = cJSON_AddObjectToObject(th, "2.3");
	add(t23, "bound_blocks", report_json_u64(m->bound_blocks));
	add(t23, "min_l1_blocks", m->has_min_l1_blocks ? report_json_u64(m->min_l1_blocks) : report_json_checked(cJSON_CreateNull()));
	cJSON_AddBoolToObject(t23, "holds", m->t23_holds);

	/* Generated parties and channels are listed only when generate.in_report is set. */
	cJSON *bal = cJSON_AddObjectToObject(o, "l1_balances");
	for (uint32_t i = 0; i < s->nparties; i++)
		if (report_model_lists_party(m, i))
			add(bal, s->parties[i].name, report_json_amount(report_model_balance(m, i)));

	cJSON *chs = cJSON_AddObjectToObject(o, "channels");
	char idbuf[SCN_ID_LEN];
	for (uint32_t i = 0; i < s->nchannels; i++) {
		if (!report_model_lists_channel(m, i))
			continue;
		struct report_channel c;
		report_model_channel(m, i, idbuf, &c);
		add(chs, c.id, json_channel(m, i, &c));
	}
	if (m->has_generated)
		add(o, "generated", json_generated(m));

	cJSON *cr = cJSON_AddObjectToObject(o, "crypto");
	cJSON_AddStringToObject(cr, "signatures", m->signatures ? "ed25519" : "off");
	add(cr, "signs", report_json_u64(m->signs));
	add(cr, "verifies", report_json_u64(m->verifies));

	cJSON *ex = cJSON_AddObjectToObject(o, "expect");
	cJSON_AddBoolToObject(ex, "ok", failures->n == 0);
	cJSON *fl = cJSON_AddArrayToObject(ex, "failures");
	for (size_t i = 0; i < failures->n; i++)
		cJSON_AddItemToArray(fl, json_string(failures->lines[i]));

	cJSON_AddStringToObject(o, "state_hash", m->state_hash);
	return o;
}

void report_write_json(FILE *f, const struct report_model *m, const struct scn_errors *failures)
{
	cJSON *o = build_json(m, failures);
	char *text = cJSON_Print(o);
	if (!text)
		fatal_invariant("out of memory printing the report");
	fputs(text, f);
	fputc('\n', f);
	cJSON_free(text);
	cJSON_Delete(o);
}

/* ---- expectations ---- */

static void expect_u64(struct scn_errors *out, const char *what, const struct scn_opt *o, bool is_null, uint64_t got)
{
	if (!o->present)
		return;
	if (o->is_null && !is_null)
		scn_errors_add(out, "%s: expected null, got %" PRIu64, what, got);
	else if (!o->is_null && is_null)
		scn_errors_add(out, "%s: expected %" PRIu64 ", got null", what, o->u);
	else if (!o->is_null && o->u != got)
		scn_errors_add(out, "%s: expected %" PRIu64 ", got %" PRIu64, what, o->u, got);
}

static void expect_str(struct scn_errors *out, const char *what, const struct scn_opt *o, const char *got)
{
	if (!o->present)
		return;
	const char *want = o->is_null ? NULL : o->s;
	if ((want == NULL) != (got == NULL) || (want && strcmp(want, got) != 0))
		scn_errors_add(out, "%s: expected %s%s%s, got %s%s%s", what, want ? "\"" : "", want ? want : "null",
			       want ? "\"" : "", got ? "\"" : "", got ? got : "null", got ? "\"" : "");
}

static void expect_payouts(const struct report_model *m, const struct scn_expect_channel *ec,
			   const struct report_channel *c, struct scn_errors *out)
{
	const struct scenario *s = m->s;
	char a1[AMOUNT_FMT_LEN], a2[AMOUNT_FMT_LEN];
	if (ec->payouts_null && c->settled)
		scn_errors_add(out, "channels.%s.payouts: expected null, the channel was settled", c->id);
	else if (!ec->payouts_null && !c->settled)
		scn_errors_add(out, "channels.%s.payouts: expected payouts, got null (not settled)", c->id);
	for (uint32_t j = 0; c->settled && j < ec->npayouts; j++) {
		uint32_t p = ec->payout_party[j], idx = 0;
		while (idx < c->nparties && c->parties[idx] != p)
			idx++;
		if (idx == c->nparties) {
			scn_errors_add(out, "channels.%s.payouts.%s: not a party of this channel", c->id, s->parties[p].name);
			continue;
		}
		struct amount got = report_model_payout(m, ec->channel, idx);
		if (!amount_eq(got, ec->payout[j]))
			scn_errors_add(out, "channels.%s.payouts.%s: expected %s, got %s", c->id, s->parties[p].name,
				       amount_fmt(a1, ec->payout[j]), amount_fmt(a2, got));
	}
}

static void expect_channel(const struct report_model *m, const struct scn_expect_channel *ec, struct scn_errors *out)
{
	char idbuf[SCN_ID_LEN], what[256];
	struct report_channel c;
	report_model_channel(m, ec->channel, idbuf, &c);
	snprintf(what, sizeof(what), "channels.%s.status", c.id);
	expect_str(out, what, &ec->status, run_channel_status_str(c.status));
	snprintf(what, sizeof(what), "channels.%s.close", c.id);
	expect_str(out, what, &ec->close, report_close_str(c.close));
	if (ec->challenged.present) {
		bool is_null = c.close == REPORT_CLOSE_NONE;
		snprintf(what, sizeof(what), "channels.%s.challenged", c.id);
		if (ec->challenged.is_null != is_null || (!is_null && ec->challenged.u != (uint64_t)c.challenged))
			scn_errors_add(out, "%s: expected %s, got %s", what,
				       ec->challenged.is_null ? "null" : ec->challenged.u ? "true" : "false",
				       is_null ? "null" : c.challenged ? "true" : "false");
	}
	snprintf(what, sizeof(what), "channels.%s.latest_seq", c.id);
	expect_u64(out, what, &ec->latest_seq, !c.has_latest_seq, c.latest_seq);
	snprintf(what, sizeof(what), "channels.%s.registered_seq", c.id);
	expect_u64(out, what, &ec->registered_seq, !c.has_registered_seq, c.registered_seq);
	snprintf(what, sizeof(what), "channels.%s.settled_block", c.id);
	expect_u64(out, what, &ec->settled_block, !c.settled, c.settled_block);
	if (ec->has_payouts)
		expect_payouts(m, ec, &c, out);
}

/* expect.routing: a scenario that cannot send has every figure 0 and hops null. */
static void expect_routing(const struct report_model *m, const struct scn_expect_routing *e, struct scn_errors *out)
{
	const struct report_stats *h = &m->rt_hops;
	expect_u64(out, "routing.sent", &e->sent, false, m->rt_sent);
	expect_u64(out, "routing.ok", &e->ok, false, m->rt_ok);
	expect_u64(out, "routing.failed", &e->failed, false, m->rt_failed);
	expect_u64(out, "routing.pending", &e->pending, false, m->rt_pending);
	expect_u64(out, "routing.attempts", &e->attempts, false, m->rt_attempts);
	expect_u64(out, "routing.fees", &e->fees, false, m->rt_fees.units);
	expect_u64(out, "routing.htlc_losses", &e->htlc_losses, false, m->rt_htlc_losses);
	expect_u64(out, "routing.hops.min", &e->hops_min, !h->has, (uint64_t)h->min);
	expect_u64(out, "routing.hops.p50", &e->hops_p50, !h->has, (uint64_t)h->p50);
	expect_u64(out, "routing.hops.p95", &e->hops_p95, !h->has, (uint64_t)h->p95);
	expect_u64(out, "routing.hops.max", &e->hops_max, !h->has, (uint64_t)h->max);
	expect_u64(out, "routing.failures.no_route", &e->no_route, false, m->rt_failures[RUN_FAIL_NO_ROUTE]);
	expect_u64(out, "routing.failures.insufficient_balance", &e->insufficient_balance, false,
		   m->rt_failures[RUN_FAIL_INSUFFICIENT_BALANCE]);
	expect_u64(out, "routing.failures.offline", &e->offline, false, m->rt_failures[RUN_FAIL_OFFLINE]);
	expect_u64(out, "routing.failures.expired", &e->expired, false, m->rt_failures[RUN_FAIL_EXPIRED]);
}

size_t report_expect(const struct report_model *m, struct scn_errors *out)
{
	const struct scenario *s = m->s;
	const struct scn_expect *e = &s->expect;
	char a1[AMOUNT_FMT_LEN], a2[AMOUNT_FMT_LEN];
	if (!e->present)
		return 0;
	for (uint32_t i = 0; i < e->nbalances; i++) {
		uint32_t p = e->balance_party[i];
		struct amount got = report_model_balance(m, p);
		if (!amount_eq(got, e->balance[i]))
			scn_errors_add(out, "l1_balances.%s: expected %s, got %s", s->parties[p].name,
				       amount_fmt(a1, e->balance[i]), amount_fmt(a2, got));
	}
	expect_u64(out, "payments.ok", &e->payments_ok, false, m->payments_ok);
	expect_u64(out, "payments.failed", &e->payments_failed, false, m->payments_failed);
	expect_u64(out, "security_violations", &e->security_violations, false, m->security_violations);
	if (e->routing.present)
		expect_routing(m, &e->routing, out);
	if (e->has_gain_min || e->has_gain_max) {
		if (!m->has_gain)
			scn_errors_add(out, "throughput_gain: expected a value, got null (no channel txs)");
		else if ((e->has_gain_min && m->gain < e->gain_min) || (e->has_gain_max && m->gain > e->gain_max))
			scn_errors_add(out, "throughput_gain: expected %.6g..%.6g, got %.6g",
				       e->has_gain_min ? e->gain_min : -INFINITY, e->has_gain_max ? e->gain_max : INFINITY,
				       m->gain);
	}
	for (uint32_t i = 0; i < e->nchannels; i++)
		expect_channel(m, &e->channels[i], out);
	if (m->has_schemes)
		report_schemes_expect(m, out);
	return out->n;
}

/* ---- from a finished run ---- */

size_t report_check_expect(const struct runner *r, struct scn_errors *out)
{
	struct report_model m;
	report_model_build(&m, r);
	return report_expect(&m, out);
}

void report_json(FILE *f, const struct runner *r, const struct scn_errors *failures)
{
	struct report_model m;
	report_model_build(&m, r);
	report_write_json(f, &m, failures);
}

void report_text(FILE *f, const struct runner *r, const struct scn_errors *failures)
{
	struct report_model m;
	report_model_build(&m, r);
	report_write_text(f, &m, failures);
}
