/* The one-page HTML report, read from the report model like the text report
 * (report_text.c), with the same figures in tables. */
#include "tools/report_html.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "tools/report.h"
#include "tools/report_schemes.h"

#define BALANCES_SHOWN 50

static const char STYLE[] =
	"body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;margin:24px auto;max-width:1240px;"
	"color:#222;line-height:1.4;padding:0 12px}\n"
	"h1{font-size:24px;margin-bottom:4px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}\n"
	".meta{color:#555;margin-top:0}.desc{white-space:pre-line;max-width:900px}\n"
	".pic{overflow-x:auto;border:1px solid #ddd}.pic svg{display:block}\n"
	"table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 10px;"
	"text-align:left;vertical-align:top}th{background:#f3f5f6}\n"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	".holds{color:#1b5e20;font-weight:bold}.fails{color:#c62828;font-weight:bold}\n"
	"code{font-size:12px;color:#555}\n";

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* <tr><th>label</th><td>text</td></tr>, text escaped. */
static void row(FILE *f, const char *label, const char *text)
{
	fprintf(f, "<tr><th>%s</th><td>", label);
	xml_write(f, text);
	fputs("</td></tr>\n", f);
}

__attribute__((format(printf, 3, 4))) static void rowf(FILE *f, const char *label, const char *fmt, ...)
{
	struct txt_buf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	txt_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	row(f, label, b.s ? b.s : "");
	txt_buf_free(&b);
}

static void stats_row(FILE *f, const char *label, const struct report_stats *st, const char *unit)
{
	if (!st->has)
		row(f, label, "none settled");
	else
		rowf(f, label, "min %g, p50 %g, p95 %g, max %g %s", st->min, st->p50, st->p95, st->max, unit);
}

static void header(FILE *f, const struct report_model *m)
{
	const struct scenario *s = m->s;
	const struct l1_params *p = &s->l1;
	char a[AMOUNT_FMT_LEN];
	fputs("<h1>", f);
	xml_write(f, m->scenario);
	fprintf(f, "</h1>\n<p class=\"meta\">l2sim %s, seed %" PRIu64 ", %" PRIu64 " blocks (%.3f s simulated)</p>\n",
		m->version, m->seed, m->blocks, m->sim_time_s);
	if (m->description[0]) {
		fputs("<p class=\"desc\">", f);
		xml_write(f, m->description);
		fputs("</p>\n", f);
	}
	fprintf(f, "<p>Layer1: a block every %g s (%s), at most %u txs a block, final after %u confirmation%s, fee %s, "
		   "rule %s, signatures %s. Dispute window T = %" PRIu64 " block%s: a unilateral close included in block "
		   "<i>h</i> can be challenged with a newer signed state until block <i>h</i> + %" PRIu64 ", then it settles.</p>\n",
		s->block_interval_s, p->exponential ? "exponential" : "fixed", p->block_tx_limit, p->confirmations,
		plural(p->confirmations, "", "s"), amount_fmt(a, s->fee),
		p->dispute_rule == L1_RULE_PENALTY ? "penalty (a caught cheater forfeits its share)" : "latest_state",
		s->signatures ? "ed25519" : "off", p->dispute_timeout_blocks, plural(p->dispute_timeout_blocks, "", "s"),
		p->dispute_timeout_blocks);
}

static void summary(FILE *f, const struct report_model *m)
{
	char a[AMOUNT_FMT_LEN];
	fprintf(f, "<h2>Summary after block %" PRIu64 "</h2>\n<table>\n", m->blocks);
	if (m->has_tps)
		rowf(f, "payments (off-chain)", "%" PRIu64 " ok, %" PRIu64 " failed; %.4g per second", m->payments_ok,
		     m->payments_failed, m->tps);
	else
		rowf(f, "payments (off-chain)", "%" PRIu64 " ok, %" PRIu64 " failed", m->payments_ok, m->payments_failed);
	rowf(f, "L1 transactions", "%" PRIu64 " included (%" PRIu64 " for channels), %" PRIu64 " dropped, fees %s; capacity %g tx/s",
	     m->l1_txs, m->channel_txs, m->dropped_txs, amount_fmt(a, m->fees), m->capacity_tps);
	if (m->has_gain)
		rowf(f, "throughput gain", "%.4g = (%" PRIu64 " payments + %" PRIu64 " channel txs) / %" PRIu64 " channel txs",
		     m->gain, m->payments_ok, m->channel_txs, m->channel_txs);
	else
		row(f, "throughput gain", "none (no channel tx reached L1)");
	if (m->offchain_ms.has)
		rowf(f, "off-chain finality", "%g ms (a round trip of the %g ms message delay)", m->offchain_ms.p50,
		     m->s->latency_ms);
	stats_row(f, "L1 finality (blocks)", &m->l1_blocks, "blocks");
	stats_row(f, "L1 finality (seconds)", &m->l1_s, "s");
	if (m->unsettled_payments)
		rowf(f, "unsettled", "%" PRIu64 " payments whose channel had no final settlement by the end",
		     m->unsettled_payments);
	if (m->unilateral_closes == 0)
		row(f, "disputes", "none (no unilateral close reached L1)");
	else
		rowf(f, "disputes", "%" PRIu64 " unilateral close%s (%" PRIu64 " stale), %" PRIu64 " challenge%s, %" PRIu64 " stale close%s caught",
		     m->unilateral_closes, plural(m->unilateral_closes, "", "s"), m->stale_closes, m->challenges,
		     plural(m->challenges, "", "s"), m->stale_closes_caught, plural(m->stale_closes_caught, "", "s"));
	if (m->actions_failed)
		rowf(f, "script actions failed", "%" PRIu64, m->actions_failed);
	rowf(f, "crypto", "%" PRIu64 " signs, %" PRIu64 " verifies (%s)", m->signs, m->verifies,
	     m->signatures ? "Ed25519" : "signatures off");
	fputs("</table>\n", f);
}

static void verdict(FILE *f, const char *name, bool holds, const char *why)
{
	fprintf(f, "<tr><th>%s</th><td class=\"%s\">%s</td><td>", name, holds ? "holds" : "fails", holds ? "HOLDS" : "FAILS");
	xml_write(f, why);
	fputs("</td></tr>\n", f);
}

static void theorems(FILE *f, const struct report_model *m)
{
	char why[256];
	fputs("<h2>Theorems</h2>\n<table>\n<tr><th>theorem</th><th>verdict</th><th>why</th></tr>\n", f);
	if (m->t21_holds)
		verdict(f, "2.1 security", true, "every party that did not cheat was paid at least what the latest signed state owed it");
	else if (m->security_violations == 0 && m->has_schemes) {
		snprintf(why, sizeof(why), "%" PRIu64 " violation%s of the schemes (see Schemes)", m->scheme_violations,
			 m->scheme_violations == 1 ? "" : "s");
		verdict(f, "2.1 security", false, why);
	} else {
		snprintf(why, sizeof(why), "%" PRIu64 " (channel, party) pair%s paid less than the latest signed state owed (red in the picture)",
			 m->security_violations, m->security_violations == 1 ? " was" : "s were");
		verdict(f, "2.1 security", false, why);
	}
	if (m->has_gain)
		snprintf(why, sizeof(why), "gain %.4g: each L1 channel tx carried %.4g payments on average", m->gain,
			 m->payments_per_channel_tx);
	else
		snprintf(why, sizeof(why), "no channel txs: no gain to measure");
	fprintf(f, "<tr><th>2.2 throughput</th><td>measured</td><td>");
	xml_write(f, why);
	fputs("</td></tr>\n", f);
	if (!m->has_min_l1_blocks)
		verdict(f, "2.3 finality", true, "trivially: no payment reached a final settlement");
	else {
		snprintf(why, sizeof(why), "the fastest payment took %" PRIu64 " block%s to be final on L1; the bound is %" PRIu64 " (the confirmations a settlement needs)",
			 m->min_l1_blocks, plural(m->min_l1_blocks, "", "s"), m->bound_blocks);
		verdict(f, "2.3 finality", m->t23_holds, why);
	}
	fputs("</table>\n", f);
}

static void balances(FILE *f, const struct report_model *m)
{
	const struct scenario *s = m->s;
	char a[AMOUNT_FMT_LEN];
	fputs("<h2>L1 balances at the end</h2>\n<table>\n<tr><th>party</th><th>balance</th></tr>\n", f);
	for (uint32_t i = 0; i < s->nparties && i < BALANCES_SHOWN; i++) {
		fputs("<tr><td>", f);
		xml_write(f, s->parties[i].name);
		fprintf(f, "</td><td class=\"num\">%s</td></tr>\n", amount_fmt(a, report_model_balance(m, i)));
	}
	fputs("</table>\n", f);
	if (s->nparties > BALANCES_SHOWN)
		fprintf(f, "<p>... and %u more parties (see <code>--format json</code>)</p>\n", s->nparties - BALANCES_SHOWN);
}

static void expectations(FILE *f, const struct report_model *m, const struct scn_errors *failures)
{
	fputs("<h2>Expectations</h2>\n", f);
	if (!m->s->expect.present) {
		fputs("<p>The scenario states none.</p>\n", f);
		return;
	}
	if (failures->n == 0) {
		fputs("<p class=\"holds\">All held.</p>\n", f);
		return;
	}
	fprintf(f, "<p class=\"fails\">%zu FAILED:</p>\n<ul>\n", failures->n);
	for (size_t i = 0; i < failures->n; i++) {
		fputs("<li>", f);
		xml_write(f, failures->lines[i]);
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
}

void report_write_html(FILE *f, const struct report_model *m, const struct scn_errors *failures,
		       const struct obs_svg *svg)
{
	/* Well-formed XML as well as HTML (self-closed empty elements): xmllint checks it. */
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>l2sim: ",
	      f);
	xml_write(f, m->scenario);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", STYLE);
	header(f, m);
	fputs("<h2>The run, block by block</h2>\n<div class=\"pic\">\n", f);
	obs_svg_write(svg, f, true);
	fputs("</div>\n", f);
	summary(f, m);
	if (m->has_schemes)
		report_schemes_html(f, m);
	theorems(f, m);
	balances(f, m);
	expectations(f, m, failures);
	fprintf(f, "<p class=\"meta\">state hash <code>%s</code></p>\n</body>\n</html>\n", m->state_hash);
}
