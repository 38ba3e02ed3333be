/* The text report for people, read from the report model. It is written to memory
 * first and escaped on the way out (textout.h): whatever a scenario's strings hold,
 * the terminal sees printable text and the report's own line breaks. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"
#include "tools/obs_timeline.h"
#include "tools/report.h"
#include "tools/report_schemes.h"
#include "tools/textout.h"

#define DESCRIPTION_WIDTH 88
#define BALANCES_SHOWN 50

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void stats_line(FILE *f, const char *label, const struct report_stats *st, const char *unit)
{
	if (!st->has) {
		fprintf(f, "  %-22s none settled\n", label);
		return;
	}
	fprintf(f, "  %-22s min %g, p50 %g, p95 %g, max %g %s\n", label, st->min, st->p50, st->p95, st->max, unit);
}

static void header(FILE *f, const struct report_model *m)
{
	const struct scenario *s = m->s;
	const struct l1_params *p = &s->l1;
	char a[AMOUNT_FMT_LEN];
	fprintf(f, "l2sim %s: scenario %s (seed %" PRIu64 ")\n", m->version, m->scenario, m->seed);
	if (m->description[0]) { /* escaped before wrapping, so that widths are what is shown */
		struct txt_buf d = { 0 };
		txt_escape(&d, m->description, strlen(m->description), true);
		txt_wrap(f, d.s, DESCRIPTION_WIDTH);
		txt_buf_free(&d);
	}
	fprintf(f, "\nLayer1: a block every %g s (%s), at most %u txs a block, final after %u confirmation%s,\n"
		   "        fee %s, rule %s, signatures %s\n",
		s->block_interval_s, p->exponential ? "exponential" : "fixed", p->block_tx_limit, p->confirmations,
		p->confirmations == 1 ? "" : "s", amount_fmt(a, s->fee),
		p->dispute_rule == L1_RULE_PENALTY ? "penalty (a caught cheater forfeits its share)" : "latest_state",
		s->signatures ? "ed25519" : "off");
	fprintf(f, "        dispute window T = %" PRIu64 " block%s: a unilateral close included in block h can be\n"
		   "        challenged with a newer signed state until block h + %" PRIu64 ", then it settles\n",
		p->dispute_timeout_blocks, p->dispute_timeout_blocks == 1 ? "" : "s", p->dispute_timeout_blocks);
}

static void timeline(FILE *f, const struct report_model *m)
{
	const struct obs_timeline *t = m->r->timeline;
	fprintf(f, "\nTimeline\n");
	obs_timeline_write(t, f);
	if (obs_timeline_dropped(t))
		fprintf(f, "  ... %" PRIu64 " more lines not shown (use --trace FILE.jsonl for every event)\n",
			obs_timeline_dropped(t));
	if (m->hit_block_cap)
		fprintf(f, "  the run did not quiesce and was stopped at block %" PRIu64 "\n", m->blocks);
}


/* Routed payments (SPEC section 10): what was sent, how it went, and the HTLCs. */
static void routing(FILE *f, const struct report_model *m)
{
	char a[AMOUNT_FMT_LEN];
	fprintf(f, "\nRouting\n");
	fprintf(f, "  %-22s %" PRIu64 " sent: %" PRIu64 " ok, %" PRIu64 " failed, %" PRIu64 " pending; %" PRIu64
		   " route search%s\n",
		"routed payments", m->rt_sent, m->rt_ok, m->rt_failed, m->rt_pending, m->rt_attempts,
		plural(m->rt_attempts, "", "es"));
	if (m->rt_hops.has)
		fprintf(f, "  %-22s min %g, p50 %g, p95 %g, max %g (of the ok ones)\n", "hops", m->rt_hops.min,
			m->rt_hops.p50, m->rt_hops.p95, m->rt_hops.max);
	fprintf(f, "  %-22s %s paid to forwarders\n", "fees", amount_fmt(a, m->rt_fees));
	fprintf(f, "  %-22s %" PRIu64 " no_route, %" PRIu64 " insufficient_balance, %" PRIu64 " offline, %" PRIu64
		   " expired\n",
		"failures", m->rt_failures[RUN_FAIL_NO_ROUTE], m->rt_failures[RUN_FAIL_INSUFFICIENT_BALANCE],
		m->rt_failures[RUN_FAIL_OFFLINE], m->rt_failures[RUN_FAIL_EXPIRED]);
	fprintf(f, "  %-22s %" PRIu64 " settled and %" PRIu64 " removed off chain, %" PRIu64 " claimed and %" PRIu64
		   " refunded on chain\n",
		"HTLCs", m->htlcs_settled_offchain, m->htlcs_failed_offchain, m->htlcs_claimed_onchain,
		m->htlcs_refunded_onchain);
	if (m->rt_htlc_losses)
		fprintf(f, "  %-22s %" PRIu64 " (payment, party) pair%s gave up an outgoing HTLC and lost the incoming one\n"
			   "  %-22s (see htlc_loss in --trace for who and why)\n",
			"HTLC LOSSES", m->rt_htlc_losses, plural(m->rt_htlc_losses, "", "s"), "");
	else
		fprintf(f, "  %-22s none\n", "HTLC losses");
}

static void summary(FILE *f, const struct report_model *m)
{
	const struct scenario *s = m->s;
	char a[AMOUNT_FMT_LEN];
	fprintf(f, "\nSummary after block %" PRIu64 " (%.3f s simulated)\n", m->blocks, m->sim_time_s);
	fprintf(f, "  %-22s %" PRIu64 " ok, %" PRIu64 " failed", "payments (off-chain)", m->payments_ok,
		m->payments_failed);
	if (m->has_tps)
		fprintf(f, "; %.4g per second", m->tps);
	fprintf(f, "\n  %-22s %" PRIu64 " included (%" PRIu64 " for channels), %" PRIu64 " dropped, fees %s; capacity %g tx/s\n",
		"L1 transactions", m->l1_txs, m->channel_txs, m->dropped_txs, amount_fmt(a, m->fees), m->capacity_tps);
	if (m->has_gain)
		fprintf(f, "  %-22s %.4g = (%" PRIu64 " payment%s + %" PRIu64 " channel tx%s) / %" PRIu64 " channel tx%s\n",
			"throughput gain", m->gain, m->payments_ok, plural(m->payments_ok, "", "s"), m->channel_txs,
			plural(m->channel_txs, "", "s"), m->channel_txs, plural(m->channel_txs, "", "s"));
	else
		fprintf(f, "  %-22s none (no channel tx reached L1)\n", "throughput gain");
	if (m->offchain_ms.has && m->has_routing)
		stats_line(f, "off-chain finality", &m->offchain_ms, "ms");
	else if (m->offchain_ms.has)
		fprintf(f, "  %-22s %g ms (a round trip of the %g ms message delay)\n", "off-chain finality",
			m->offchain_ms.p50, s->latency_ms);
	stats_line(f, "L1 finality (blocks)", &m->l1_blocks, "blocks");
	stats_line(f, "L1 finality (seconds)", &m->l1_s, "s");
	if (m->unsettled_payments)
		fprintf(f, "  %-22s %" PRIu64 " payments whose channel had no final settlement by the end\n",
			"unsettled", m->unsettled_payments);
	if (m->unilateral_closes == 0)
		fprintf(f, "  %-22s none (no unilateral close reached L1)\n", "disputes");
	else
		fprintf(f, "  %-22s %" PRIu64 " unilateral close%s (%" PRIu64 " stale), %" PRIu64 " challenge%s, %" PRIu64
			   " stale close%s caught\n",
			"disputes", m->unilateral_closes, plural(m->unilateral_closes, "", "s"), m->stale_closes,
			m->challenges, plural(m->challenges, "", "s"), m->stale_closes_caught,
			plural(m->stale_closes_caught, "", "s"));
	if (m->actions_failed)
		fprintf(f, "  %-22s %" PRIu64 " (see the timeline)\n", "script actions failed", m->actions_failed);
	fprintf(f, "  %-22s %" PRIu64 " signs, %" PRIu64 " verifies (%s)\n", "crypto", m->signs, m->verifies,
		m->signatures ? "Ed25519" : "signatures off");

	if (m->has_routing)
		routing(f, m);
	if (m->has_schemes)
		report_schemes_text(f, m);

	fprintf(f, "\nL1 balances at the end\n");
	for (uint32_t i = 0; i < s->nparties && i < BALANCES_SHOWN; i++)
		fprintf(f, "  %-22s %s\n", s->parties[i].name, amount_fmt(a, report_model_balance(m, i)));
	if (s->nparties > BALANCES_SHOWN)
		fprintf(f, "  ... and %u more parties (see --format json)\n", s->nparties - BALANCES_SHOWN);
}

static void theorems(FILE *f, const struct report_model *m)
{
	fprintf(f, "\nTheorems\n");
	if (m->t21_holds)
		fprintf(f, "  2.1 security    HOLDS: every party that did not cheat was paid at least what the latest\n"
			   "                  signed state owed it\n");
	else if (m->security_violations)
		fprintf(f, "  2.1 security    FAILS: %" PRIu64 " (channel, party) pair%s paid less than the latest signed\n"
			   "                  state owed (see SECURITY VIOLATION in the timeline for why)\n",
			m->security_violations, m->security_violations == 1 ? " was" : "s were");
	if (m->security_violations == 0 && m->rt_htlc_losses)
		fprintf(f, "  2.1 security    FAILS: %" PRIu64 " htlc loss%s: a forwarder or receiver gave up its outgoing\n"
			   "                  HTLC and its incoming one went back to its payer (SPEC section 10)\n",
			m->rt_htlc_losses, m->rt_htlc_losses == 1 ? "" : "es");
	if (!m->t21_holds && m->security_violations == 0 && m->rt_htlc_losses == 0)
		fprintf(f, "  2.1 security    FAILS: %" PRIu64 " violation%s of the schemes below (SPEC section 11)\n",
			m->scheme_violations, m->scheme_violations == 1 ? "" : "s");
	if (m->has_gain)
		fprintf(f, "  2.2 throughput  gain %.4g: each L1 channel tx carried %.4g payments on average\n", m->gain,
			m->payments_per_channel_tx);
	else
		fprintf(f, "  2.2 throughput  no channel txs: no gain to measure\n");
	if (!m->has_min_l1_blocks)
		fprintf(f, "  2.3 finality    HOLDS trivially: no payment reached a final settlement\n");
	else
		fprintf(f, "  2.3 finality    %s: the fastest payment took %" PRIu64 " block%s to be final on L1; the bound\n"
			   "                  is %" PRIu64 " (the confirmations a settlement needs)\n",
			m->t23_holds ? "HOLDS" : "FAILS", m->min_l1_blocks, plural(m->min_l1_blocks, "", "s"),
			m->bound_blocks);
}

void report_write_text(FILE *out, const struct report_model *m, const struct scn_errors *failures)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		fatal_invariant("out of memory writing the report");
	header(f, m);
	timeline(f, m);
	summary(f, m);
	theorems(f, m);
	if (m->has_schemes)
		report_schemes_theorems(f, m);
	if (m->s->expect.present) {
		if (failures->n == 0)
			fprintf(f, "\nExpectations: all held\n");
		else {
			fprintf(f, "\nExpectations: %zu FAILED\n", failures->n);
			for (size_t i = 0; i < failures->n; i++)
				fprintf(f, "  %s\n", failures->lines[i]);
		}
	}
	fprintf(f, "\nstate hash %s\n", m->state_hash);
	if (fclose(f) != 0)
		fatal_invariant("out of memory writing the report");
	txt_write_escaped(out, buf, len, true);
	free(buf);
}
