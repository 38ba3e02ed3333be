/* What a run would cost: work and memory, and their limits. */
#include "scn_internal.h"

/* ---- what a run would cost ---- */

/* Payments and flood txs are the work a file can ask for without being large: a count,
 * a rate, a number of blocks. Their totals are bounded so that every run ends and its
 * mempool fits in memory (SCN_MAX_PAYMENTS, SCN_MAX_FLOOD_TOTAL; docs/security.md).
 * Workload payments are counted by their mean, rate x interval x blocks, up to
 * until_block when the run stops there. Each limit is reported once, at the entry
 * that crosses it. */
void scn_check_budget(struct scn_vctx *v)
{
	const struct scenario *s = v->s;
	double limit = s->signatures ? SCN_MAX_SIGNED_PAYMENTS : SCN_MAX_PAYMENTS;
	const char *sig = s->signatures ? "\"ed25519\"" : "\"off\"";
	bool pay_over = false, flood_over = false;
	size_t o = scn_path_push_key(v, "script");
	for (uint32_t i = 0; i < s->nscript; i++) {
		const struct scn_action *a = &s->script[i];
		size_t o1 = scn_path_push_index(v, i);
		size_t o2 = scn_path_push_key(v, a->kind == SCN_FLOOD ? "txs" : "count");
		if (a->kind == SCN_PAY) {
			v->payments += (double)a->count;
			if (!pay_over && v->payments > limit) {
				pay_over = true;
				scn_verr(v, "the run would make %.0f payments up to here, above the limit of %.0f with l2.signatures %s",
				     v->payments, limit, sig);
			}
		}
		if (a->kind == SCN_FLOOD) {
			v->flood_txs += (double)a->count * (double)a->blocks;
			if (!flood_over && v->flood_txs > SCN_MAX_FLOOD_TOTAL) {
				flood_over = true;
				scn_verr(v, "floods would submit %.0f txs (txs x blocks) up to here, above the limit of %.0f",
				     v->flood_txs, SCN_MAX_FLOOD_TOTAL);
			}
		}
		scn_path_pop(v, o2);
		scn_path_pop(v, o1);
	}
	scn_path_pop(v, o);
	o = scn_path_push_key(v, "workload");
	for (uint32_t i = 0; i < s->nworkload; i++) {
		const struct scn_workload *w = &s->workload[i];
		size_t o1 = scn_path_push_index(v, i);
		size_t o2 = scn_path_push_key(v, "rate_per_s");
		double per_block = w->rate_per_s * s->block_interval_s;
		uint64_t to = s->has_until_block && s->until_block < w->to_block ? s->until_block : w->to_block;
		double blocks = to > w->from_block ? (double)(to - w->from_block) : 0;
		if (per_block > SCN_MAX_BLOCK_PAYMENTS) {
			scn_verr(v, "%.15g per second x l1.block_interval_s %.15g = %.0f payments per block, above the limit of %.0f",
			     w->rate_per_s, s->block_interval_s, per_block, SCN_MAX_BLOCK_PAYMENTS);
		}
		v->payments += per_block * blocks;
		if (!pay_over && v->payments > limit) {
			pay_over = true;
			scn_verr(v, "the run would make about %.0f payments up to here (workload means: rate x interval x blocks), above the limit of %.0f with l2.signatures %s",
			     v->payments, limit, sig);
		}
		scn_path_pop(v, o2);
		scn_path_pop(v, o1);
	}
	scn_path_pop(v, o);
}
