#include "report.h"

#include <cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "l1sim/util.h"

#define VERSION_STRING "0.1.0"

/* ---- the figures the two reports share ---- */

static double sim_time_s(const struct runner *r)
{
	return (double)r->chain->time_ms / 1000.0;
}

static bool have_gain(const struct runner *r)
{
	return l1_channel_txs(l2_net_l1_channels(r->net)) > 0;
}

static double gain(const struct runner *r)
{
	return ((double)r->payments_ok + (double)l1_channel_txs(l2_net_l1_channels(r->net))) / (double)l1_channel_txs(l2_net_l1_channels(r->net));
}

static uint64_t crypto_verifies(const struct runner *r)
{
	return r->net->verifies + l1_channel_verifies(l2_net_l1_channels(r->net));
}

/* Owed is as SPEC 7 defines; the runner counted violations at settlement. */

static bool t23_holds(const struct runner *r)
{
	return r->fin_blocks.total == 0 || r->fin_blocks.v[0].value >= r->chain->params.confirmations;
}

static void state_hash_hex(const struct runner *r, char out[65])
{
	uint8_t h[32];
	l1_chain_state_hash(r->chain, h);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* ---- JSON ---- */

/* Whole numbers are written digit for digit: cJSON prints a double with 15 significant
 * digits whenever that reads back within DBL_EPSILON, which rounds integers from 10^15
 * to 2^53-1 (8557498998980739 came out as 8.55749899898074e+15). */
static cJSON *json_amount(struct amount a)
{
	char buf[AMOUNT_FMT_LEN];
	amount_fmt(buf, a);
	cJSON *j = a.units <= AMOUNT_MAX_JSON_INT ? cJSON_CreateRaw(buf) : cJSON_CreateString(buf);
	if (!j)
		fatal_invariant("out of memory building the report");
	return j;
}

static cJSON *json_u64(uint64_t v)
{
	return json_amount(AMOUNT(v));
}

static cJSON *json_stats(const struct samples *s, double scale)
{
	if (s->total == 0)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "min", (double)s->v[0].value / scale);
	cJSON_AddNumberToObject(o, "p50", (double)samples_percentile(s, 50) / scale);
	cJSON_AddNumberToObject(o, "p95", (double)samples_percentile(s, 95) / scale);
	cJSON_AddNumberToObject(o, "max", (double)s->v[s->n - 1].value / scale);
	return o;
}

static cJSON *json_offchain(const struct runner *r)
{
	if (r->payments_ok == 0)
		return cJSON_CreateNull();
	double rt = 2.0 * r->s->latency_ms;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "min", rt);
	cJSON_AddNumberToObject(o, "p50", rt);
	cJSON_AddNumberToObject(o, "p95", rt);
	cJSON_AddNumberToObject(o, "max", rt);
	return o;
}

static cJSON *json_channel(const struct runner *r, uint32_t ch)
{
	const struct l1_channel_contract *cc = l2_net_l1_channels(r->net);
	const struct l2_channel *lc = &r->net->channels[ch];
	const char *status = runner_channel_status(r, ch);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", status);
	if (l1_channel_close_kind(cc, ch) == L1_CLOSE_NONE)
		cJSON_AddNullToObject(o, "close");
	else
		cJSON_AddStringToObject(o, "close", l1_channel_close_kind(cc, ch) == L1_CLOSE_COOPERATIVE ? "cooperative" : "unilateral");
	if (l1_channel_close_kind(cc, ch) == L1_CLOSE_NONE)
		cJSON_AddNullToObject(o, "challenged");
	else
		cJSON_AddBoolToObject(o, "challenged", l1_channel_challenged(cc, ch));
	if (strcmp(status, "none") == 0 || !lc->latest)
		cJSON_AddNullToObject(o, "latest_seq");
	else
		cJSON_AddItemToObject(o, "latest_seq", json_u64(lc->latest->seq));
	if (l1_channel_registered(cc, ch))
		cJSON_AddItemToObject(o, "registered_seq", json_u64(l1_channel_registered_seq(cc, ch)));
	else
		cJSON_AddNullToObject(o, "registered_seq");
	if (l1_channel_status(cc, ch) == L1_CH_CLOSED) {
		cJSON_AddItemToObject(o, "settled_block", json_u64(l1_channel_settled_height(cc, ch)));
		cJSON *p = cJSON_AddObjectToObject(o, "payouts");
		for (uint32_t i = 0; i < l1_channel_nparties(cc, ch); i++)
			cJSON_AddItemToObject(p, r->s->parties[lc->parties[i]].name, json_amount(l1_channel_payout(cc, ch, i)));
	} else {
		cJSON_AddNullToObject(o, "settled_block");
		cJSON_AddNullToObject(o, "payouts");
	}
	return o;
}

/* What the generated network became: counts, so a 10^6-channel report stays small. */
static cJSON *json_generated(const struct runner *r)
{
	const struct scn_generate *g = &r->s->generate;
	static const char *const statuses[] = { "none", "opening", "open", "closing", "closed" };
	uint64_t count[5] = { 0 };
	struct amount balances = AMOUNT(0);
	for (uint32_t k = 0; k < g->channels; k++) {
		const char *st = runner_channel_status(r, g->first_channel + k);
		for (int i = 0; i < 5; i++)
			if (strcmp(st, statuses[i]) == 0)
				count[i]++;
	}
	for (uint32_t k = 0; k < g->parties; k++)
		if (!amount_add_to(&balances, l1_chain_balance(r->chain, r->net->parties[g->first_party + k].account)))
			fatal_invariant("balances exceed the supply");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "parties", json_u64(g->parties));
	cJSON_AddItemToObject(o, "channels", json_u64(g->channels));
	cJSON_AddBoolToObject(o, "listed", g->in_report);
	cJSON *st = cJSON_AddObjectToObject(o, "channel_status");
	for (int i = 0; i < 5; i++)
		cJSON_AddItemToObject(st, statuses[i], json_u64(count[i]));
	cJSON_AddItemToObject(o, "l1_balances_total", json_amount(balances));
	return o;
}

static cJSON *build_report(const struct runner *r, const struct scn_errors *failures)
{
	const struct scenario *s = r->s;
	const struct l1_chain *c = r->chain;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "format", "l2sim-report/1");
	cJSON_AddStringToObject(o, "scenario", s->name);
	cJSON_AddItemToObject(o, "seed", json_u64(s->seed));
	cJSON_AddItemToObject(o, "blocks", json_u64(c->height));
	cJSON_AddNumberToObject(o, "sim_time_s", sim_time_s(r));

	cJSON *l1 = cJSON_AddObjectToObject(o, "l1");
	cJSON_AddItemToObject(l1, "txs", json_u64(c->txs_included));
	cJSON_AddItemToObject(l1, "channel_txs", json_u64(l1_channel_txs(l2_net_l1_channels(r->net))));
	cJSON_AddItemToObject(l1, "dropped_txs", json_u64(c->txs_dropped));
	cJSON_AddItemToObject(l1, "fees", json_amount(c->fees));
	cJSON_AddNumberToObject(l1, "capacity_tps", (double)c->params.block_tx_limit / s->block_interval_s);

	cJSON *l2 = cJSON_AddObjectToObject(o, "l2");
	cJSON_AddItemToObject(l2, "payments_ok", json_u64(r->payments_ok));
	cJSON_AddItemToObject(l2, "payments_failed", json_u64(r->payments_failed));
	if (c->time_ms > 0)
		cJSON_AddNumberToObject(l2, "tps", (double)r->payments_ok / sim_time_s(r));
	else
		cJSON_AddNullToObject(l2, "tps");

	if (have_gain(r))
		cJSON_AddNumberToObject(o, "throughput_gain", gain(r));
	else
		cJSON_AddNullToObject(o, "throughput_gain");

	cJSON *fin = cJSON_AddObjectToObject(o, "finality");
	cJSON_AddItemToObject(fin, "offchain_ms", json_offchain(r));
	cJSON_AddItemToObject(fin, "l1_blocks", json_stats(&r->fin_blocks, 1.0));
	cJSON_AddItemToObject(fin, "l1_s", json_stats(&r->fin_us, 1e6));
	cJSON_AddItemToObject(fin, "unsettled_payments", json_u64(r->unsettled_payments));

	cJSON *d = cJSON_AddObjectToObject(o, "disputes");
	cJSON_AddItemToObject(d, "unilateral_closes", json_u64(r->unilateral_closes));
	cJSON_AddItemToObject(d, "stale_closes", json_u64(r->stale_closes));
	cJSON_AddItemToObject(d, "challenges", json_u64(r->challenges));
	cJSON_AddItemToObject(d, "stale_closes_caught", json_u64(r->stale_closes_caught));

	cJSON_AddItemToObject(o, "security_violations", json_u64(r->security_violations));

	cJSON *th = cJSON_AddObjectToObject(o, "theorems");
	cJSON *t21 = cJSON_AddObjectToObject(th, "2.1");
	cJSON_AddBoolToObject(t21, "holds", r->security_violations == 0);
	cJSON_AddItemToObject(t21, "violations", json_u64(r->security_violations));
	cJSON *t22 = cJSON_AddObjectToObject(th, "2.2");
	if (have_gain(r))
		cJSON_AddNumberToObject(t22, "gain", gain(r));
	else
		cJSON_AddNullToObject(t22, "gain");
	cJSON *t23 = cJSON_AddObjectToObject(th, "2.3");
	cJSON_AddItemToObject(t23, "bound_blocks", json_u64(c->params.confirmations));
	if (r->fin_blocks.total)
		cJSON_AddItemToObject(t23, "min_l1_blocks", json_u64(r->fin_blocks.v[0].value));
	else
		cJSON_AddNullToObject(t23, "min_l1_blocks");
	cJSON_AddBoolToObject(t23, "holds", t23_holds(r));

	/* Generated parties and channels are listed only when generate.in_report is set. */
	bool list_gen = s->generate.in_report;
	cJSON *bal = cJSON_AddObjectToObject(o, "l1_balances");
	for (uint32_t i = 0; i < s->nparties; i++)
		if (list_gen || !scn_party_is_generated(s, i))
			cJSON_AddItemToObject(bal, s->parties[i].name,
					      json_amount(l1_chain_balance(c, r->net->parties[i].account)));

	cJSON *chs = cJSON_AddObjectToObject(o, "channels");
	char idbuf[SCN_ID_LEN];
	for (uint32_t i = 0; i < s->nchannels; i++)
		if (list_gen || !scn_channel_is_generated(s, i))
			cJSON_AddItemToObject(chs, scn_channel_id(s, i, idbuf), json_channel(r, i));
	if (s->generate.present)
		cJSON_AddItemToObject(o, "generated", json_generated(r));

	cJSON *cr = cJSON_AddObjectToObject(o, "crypto");
	cJSON_AddStringToObject(cr, "signatures", s->signatures ? "ed25519" : "off");
	cJSON_AddItemToObject(cr, "signs", json_u64(r->net->signs));
	cJSON_AddItemToObject(cr, "verifies", json_u64(crypto_verifies(r)));

	cJSON *ex = cJSON_AddObjectToObject(o, "expect");
	cJSON_AddBoolToObject(ex, "ok", failures->n == 0);
	cJSON *fl = cJSON_AddArrayToObject(ex, "failures");
	for (size_t i = 0; i < failures->n; i++)
		cJSON_AddItemToArray(fl, cJSON_CreateString(failures->lines[i]));

	char hex[65];
	state_hash_hex(r, hex);
	cJSON_AddStringToObject(o, "state_hash", hex);
	return o;
}

void report_json(FILE *f, const struct runner *r, const struct scn_errors *failures)
{
	cJSON *o = build_report(r, failures);
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

size_t report_check_expect(const struct runner *r, struct scn_errors *out)
{
	const struct scenario *s = r->s;
	const struct scn_expect *e = &s->expect;
	const struct l1_chain *c = r->chain;
	char a1[AMOUNT_FMT_LEN], a2[AMOUNT_FMT_LEN], what[256];
	if (!e->present)
		return 0;
	for (uint32_t i = 0; i < e->nbalances; i++) {
		uint32_t p = e->balance_party[i];
		struct amount got = l1_chain_balance(c, r->net->parties[p].account);
		if (!amount_eq(got, e->balance[i]))
			scn_errors_add(out, "l1_balances.%s: expected %s, got %s", s->parties[p].name,
				       amount_fmt(a1, e->balance[i]), amount_fmt(a2, got));
	}
	expect_u64(out, "payments.ok", &e->payments_ok, false, r->payments_ok);
	expect_u64(out, "payments.failed", &e->payments_failed, false, r->payments_failed);
	expect_u64(out, "security_violations", &e->security_violations, false, r->security_violations);
	if (e->has_gain_min || e->has_gain_max) {
		if (!have_gain(r))
			scn_errors_add(out, "throughput_gain: expected a value, got null (no channel txs)");
		else if ((e->has_gain_min && gain(r) < e->gain_min) || (e->has_gain_max && gain(r) > e->gain_max)) {
			char range[96];
			snprintf(range, sizeof(range), "%s%.6g..%s%.6g", "", e->has_gain_min ? e->gain_min : -INFINITY, "",
				 e->has_gain_max ? e->gain_max : INFINITY);
			scn_errors_add(out, "throughput_gain: expected %s, got %.6g", range, gain(r));
		}
	}
	for (uint32_t i = 0; i < e->nchannels; i++) {
		const struct scn_expect_channel *ec = &e->channels[i];
		uint32_t ch = ec->channel;
		char idbuf[SCN_ID_LEN];
		const char *id = scn_channel_id(s, ch, idbuf);
		const struct l1_channel_contract *cc = l2_net_l1_channels(r->net);
		const struct l2_channel *lc = &r->net->channels[ch];
		const char *status = runner_channel_status(r, ch);
		snprintf(what, sizeof(what), "channels.%s.status", id);
		expect_str(out, what, &ec->status, status);
		snprintf(what, sizeof(what), "channels.%s.close", id);
		expect_str(out, what, &ec->close,
			   l1_channel_close_kind(cc, ch) == L1_CLOSE_NONE ? NULL
			   : l1_channel_close_kind(cc, ch) == L1_CLOSE_COOPERATIVE ? "cooperative" : "unilateral");
		if (ec->challenged.present) {
			bool is_null = l1_channel_close_kind(cc, ch) == L1_CLOSE_NONE;
			snprintf(what, sizeof(what), "channels.%s.challenged", id);
			if (ec->challenged.is_null != is_null || (!is_null && ec->challenged.u != (uint64_t)l1_channel_challenged(cc, ch)))
				scn_errors_add(out, "%s: expected %s, got %s", what,
					       ec->challenged.is_null ? "null" : ec->challenged.u ? "true" : "false",
					       is_null ? "null" : l1_channel_challenged(cc, ch) ? "true" : "false");
		}
		snprintf(what, sizeof(what), "channels.%s.latest_seq", id);
		expect_u64(out, what, &ec->latest_seq, strcmp(status, "none") == 0 || !lc->latest,
			   lc->latest ? lc->latest->seq : 0);
		snprintf(what, sizeof(what), "channels.%s.registered_seq", id);
		expect_u64(out, what, &ec->registered_seq, !l1_channel_registered(cc, ch), l1_channel_registered(cc, ch) ? l1_channel_registered_seq(cc, ch) : 0);
		snprintf(what, sizeof(what), "channels.%s.settled_block", id);
		expect_u64(out, what, &ec->settled_block, l1_channel_status(cc, ch) != L1_CH_CLOSED, l1_channel_settled_height(cc, ch));
		if (ec->has_payouts) {
			bool closed = l1_channel_status(cc, ch) == L1_CH_CLOSED;
			if (ec->payouts_null && closed)
				scn_errors_add(out, "channels.%s.payouts: expected null, the channel was settled", id);
			else if (!ec->payouts_null && !closed)
				scn_errors_add(out, "channels.%s.payouts: expected payouts, got null (not settled)", id);
			for (uint32_t j = 0; closed && j < ec->npayouts; j++) {
				uint32_t p = ec->payout_party[j];
				int idx = l2_channel_index(r->net, ch, p);
				if (idx < 0) {
					scn_errors_add(out, "channels.%s.payouts.%s: not a party of this channel", id,
						       s->parties[p].name);
					continue;
				}
				if (!amount_eq(l1_channel_payout(cc, ch, idx), ec->payout[j]))
					scn_errors_add(out, "channels.%s.payouts.%s: expected %s, got %s", id,
						       s->parties[p].name, amount_fmt(a1, ec->payout[j]),
						       amount_fmt(a2, l1_channel_payout(cc, ch, idx)));
			}
		}
	}
	return out->n;
}

/* ---- text ---- */

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Prints text in lines of at most `width` columns, breaking at spaces. */
static void print_wrapped(FILE *f, const char *text, size_t width)
{
	const char *p = text;
	while (*p) {
		size_t n = strlen(p);
		if (n <= width) {
			fprintf(f, "%s\n", p);
			return;
		}
		size_t cut = width;
		while (cut > 0 && p[cut] != ' ')
			cut--;
		if (cut == 0) { /* one long word: break it */
			cut = width;
			fprintf(f, "%.*s\n", (int)cut, p);
			p += cut;
		} else {
			fprintf(f, "%.*s\n", (int)cut, p);
			p += cut + 1;
		}
	}
}

static void stats_line(FILE *f, const char *label, const struct samples *s, double scale, const char *unit)
{
	if (s->total == 0) {
		fprintf(f, "  %-22s none settled\n", label);
		return;
	}
	fprintf(f, "  %-22s min %g, p50 %g, p95 %g, max %g %s\n", label, (double)s->v[0].value / scale,
		(double)samples_percentile(s, 50) / scale, (double)samples_percentile(s, 95) / scale,
		(double)s->v[s->n - 1].value / scale, unit);
}

void report_text(FILE *f, const struct runner *r, const struct scn_errors *failures)
{
	const struct scenario *s = r->s;
	const struct l1_chain *c = r->chain;
	const struct l1_params *p = &c->params;
	char a[AMOUNT_FMT_LEN];
	fprintf(f, "l2sim %s: scenario %s (seed %" PRIu64 ")\n", VERSION_STRING, s->name, s->seed);
	if (s->description[0])
		print_wrapped(f, s->description, 88);
	fprintf(f, "\nLayer1: a block every %g s (%s), at most %u txs a block, final after %u confirmation%s,\n"
		   "        fee %s, rule %s, signatures %s\n",
		s->block_interval_s, p->exponential ? "exponential" : "fixed", p->block_tx_limit, p->confirmations,
		p->confirmations == 1 ? "" : "s", amount_fmt(a, s->fee),
		p->dispute_rule == L1_RULE_PENALTY ? "penalty (a caught cheater forfeits its share)" : "latest_state",
		s->signatures ? "ed25519" : "off");
	fprintf(f, "        dispute window T = %" PRIu64 " block%s: a unilateral close included in block h can be\n"
		   "        challenged with a newer signed state until block h + %" PRIu64 ", then it settles\n",
		p->dispute_timeout_blocks, p->dispute_timeout_blocks == 1 ? "" : "s", p->dispute_timeout_blocks);

	fprintf(f, "\nTimeline\n   block      time s  what happened\n");
	if (r->tl.buf)
		fputs(r->tl.buf, f);
	if (r->tl.dropped_lines)
		fprintf(f, "  ... %" PRIu64 " more lines not shown (use --trace FILE.jsonl for every event)\n",
			r->tl.dropped_lines);
	if (r->hit_block_cap)
		fprintf(f, "  the run did not quiesce and was stopped at block %" PRIu64 "\n", c->height);

	fprintf(f, "\nSummary after block %" PRIu64 " (%.3f s simulated)\n", c->height, sim_time_s(r));
	fprintf(f, "  %-22s %" PRIu64 " ok, %" PRIu64 " failed", "payments (off-chain)", r->payments_ok,
		r->payments_failed);
	if (c->time_ms)
		fprintf(f, "; %.4g per second", (double)r->payments_ok / sim_time_s(r));
	fprintf(f, "\n  %-22s %" PRIu64 " included (%" PRIu64 " for channels), %" PRIu64 " dropped, fees %s; capacity %g tx/s\n",
		"L1 transactions", c->txs_included, l1_channel_txs(l2_net_l1_channels(r->net)), c->txs_dropped, amount_fmt(a, c->fees),
		(double)p->block_tx_limit / s->block_interval_s);
	if (have_gain(r))
		fprintf(f, "  %-22s %.4g = (%" PRIu64 " payment%s + %" PRIu64 " channel tx%s) / %" PRIu64 " channel tx%s\n",
			"throughput gain", gain(r), r->payments_ok, plural(r->payments_ok, "", "s"), l1_channel_txs(l2_net_l1_channels(r->net)),
			plural(l1_channel_txs(l2_net_l1_channels(r->net)), "", "s"), l1_channel_txs(l2_net_l1_channels(r->net)), plural(l1_channel_txs(l2_net_l1_channels(r->net)), "", "s"));
	else
		fprintf(f, "  %-22s none (no channel tx reached L1)\n", "throughput gain");
	if (r->payments_ok)
		fprintf(f, "  %-22s %g ms (a round trip of the %g ms message delay)\n", "off-chain finality",
			2.0 * s->latency_ms, s->latency_ms);
	stats_line(f, "L1 finality (blocks)", &r->fin_blocks, 1.0, "blocks");
	stats_line(f, "L1 finality (seconds)", &r->fin_us, 1e6, "s");
	if (r->unsettled_payments)
		fprintf(f, "  %-22s %" PRIu64 " payments whose channel had no final settlement by the end\n",
			"unsettled", r->unsettled_payments);
	if (r->unilateral_closes == 0)
		fprintf(f, "  %-22s none (no unilateral close reached L1)\n", "disputes");
	else
		fprintf(f, "  %-22s %" PRIu64 " unilateral close%s (%" PRIu64 " stale), %" PRIu64 " challenge%s, %" PRIu64
			   " stale close%s caught\n",
			"disputes", r->unilateral_closes, plural(r->unilateral_closes, "", "s"), r->stale_closes,
			r->challenges, plural(r->challenges, "", "s"), r->stale_closes_caught,
			plural(r->stale_closes_caught, "", "s"));
	if (r->actions_failed)
		fprintf(f, "  %-22s %" PRIu64 " (see the timeline)\n", "script actions failed", r->actions_failed);
	fprintf(f, "  %-22s %" PRIu64 " signs, %" PRIu64 " verifies (%s)\n", "crypto", r->net->signs,
		crypto_verifies(r), s->signatures ? "Ed25519" : "signatures off");

	fprintf(f, "\nL1 balances at the end\n");
	for (uint32_t i = 0; i < s->nparties && i < 50; i++)
		fprintf(f, "  %-22s %s\n", s->parties[i].name, amount_fmt(a, l1_chain_balance(c, r->net->parties[i].account)));
	if (s->nparties > 50)
		fprintf(f, "  ... and %u more parties (see --format json)\n", s->nparties - 50);

	fprintf(f, "\nTheorems\n");
	if (r->security_violations == 0)
		fprintf(f, "  2.1 security    HOLDS: every party that did not cheat was paid at least what the latest\n"
			   "                  signed state owed it\n");
	else
		fprintf(f, "  2.1 security    FAILS: %" PRIu64 " (channel, party) pair%s paid less than the latest signed\n"
			   "                  state owed (see SECURITY VIOLATION in the timeline for why)\n",
			r->security_violations, r->security_violations == 1 ? " was" : "s were");
	if (have_gain(r))
		fprintf(f, "  2.2 throughput  gain %.4g: each L1 channel tx carried %.4g payments on average\n", gain(r),
			(double)r->payments_ok / (double)l1_channel_txs(l2_net_l1_channels(r->net)));
	else
		fprintf(f, "  2.2 throughput  no channel txs: no gain to measure\n");
	if (r->fin_blocks.total == 0)
		fprintf(f, "  2.3 finality    HOLDS trivially: no payment reached a final settlement\n");
	else
		fprintf(f, "  2.3 finality    %s: the fastest payment took %" PRIu64 " block%s to be final on L1; the bound\n"
			   "                  is %u (the confirmations a settlement needs)\n",
			t23_holds(r) ? "HOLDS" : "FAILS", r->fin_blocks.v[0].value, plural(r->fin_blocks.v[0].value, "", "s"),
			p->confirmations);

	if (s->expect.present) {
		if (failures->n == 0)
			fprintf(f, "\nExpectations: all held\n");
		else {
			fprintf(f, "\nExpectations: %zu FAILED\n", failures->n);
			for (size_t i = 0; i < failures->n; i++)
				fprintf(f, "  %s\n", failures->lines[i]);
		}
	}
	char hex[65];
	state_hash_hex(r, hex);
	fprintf(f, "\nstate hash %s\n", hex);
}
