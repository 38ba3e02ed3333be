/* What a run would cost: its work (payments, signature operations, flood txs) and its
 * memory, each against a documented limit (docs/security.md). */
#include "scn_internal.h"

#include <stdio.h>
#include <sys/resource.h>

#include "tools/import.h"
#include <unistd.h>

/* Bytes, measured as peak resident sets of runs (docs/security.md, "Memory"), rounded
 * up: a generated party (name, keys, L1 account, L2 record), a channel of n parties
 * (records on both layers, states; signatures add n of 64 bytes), a payment whose
 * channel the script closes (its finality record), a flood tx waiting in the mempool. */
#define MEM_BASE (16.0 * 1024 * 1024)
#define MEM_PARTY 240.0
#define MEM_CHANNEL 224.0
#define MEM_CHANNEL_PARTY 48.0
#define MEM_SIGNATURE 64.0
#define MEM_PAYMENT 48.0
#define MEM_FLOOD_TX 64.0
#define MEM_TRANSFER 112.0 /* estimated: a pending tx (64) and its payment's record (48) */
/* Section 10, estimated before the runner routes (to be measured once it does): an
 * imported channel's record (struct import_channel, kept by the scenario) plus its two
 * directions in the routing graph; a routed payment's record plus one HTLC per hop. */
#define MEM_GRAPH_DIRECTIONS 96.0
#define MEM_ROUTED_PAYMENT 96.0
#define MEM_HTLC 64.0

/* Hops a routed payment is assumed to take: about the diameter of a random graph of
 * n parties, log2(n), at least 1 and at most l2.max_hops. Signature and memory
 * estimates only; a route is never cut to it. */
static double routed_hops(const struct scenario *s)
{
	double h = 1;
	for (uint64_t n = 2; n < s->nparties && h < s->max_hops; n *= 2)
		h++;
	return h;
}

/* Signature operations of one routed payment: per hop, two signed updates (add the
 * HTLC, settle it) of a two-party channel, 4 operations each. */
static double routed_ops(const struct scenario *s)
{
	return routed_hops(s) * 2 * 4;
}

static double channel_bytes(uint32_t n, bool signatures)
{
	return MEM_CHANNEL + n * (MEM_CHANNEL_PARTY + (signatures ? MEM_SIGNATURE : 0));
}

/* Signature operations of one signed update of a channel of n parties. */
static double update_ops(uint32_t n)
{
	return (double)n * n; /* n signs + n(n-1) verifies */
}

static bool script_closes(const struct scenario *s)
{
	for (uint32_t i = 0; i < s->nscript; i++)
		if (s->script[i].kind == SCN_CLOSE)
			return true;
	return false;
}

/* Mean payments of workload w: rate x interval x blocks, up to until_block; a trace's
 * rows. */
static double workload_payments(const struct scenario *s, const struct scn_workload *w)
{
	if (w->kind == SCN_WL_TRACE)
		return (double)w->ntrace;
	uint64_t to = s->has_until_block && s->until_block < w->to_block ? s->until_block : w->to_block;
	double blocks = to > w->from_block ? (double)(to - w->from_block) : 0;
	return w->rate_per_s * s->block_interval_s * blocks;
}

static double total_payments(const struct scenario *s)
{
	double p = 0;
	for (uint32_t i = 0; i < s->nscript; i++)
		if (s->script[i].kind == SCN_PAY || s->script[i].kind == SCN_SEND)
			p += (double)s->script[i].count;
	for (uint32_t i = 0; i < s->nworkload; i++)
		p += workload_payments(s, &s->workload[i]);
	return p;
}

uint64_t scn_memory_estimate(const struct scenario *s)
{
	double b = MEM_BASE + (double)s->nparties * MEM_PARTY;
	for (uint32_t ch = 0; ch < s->nchannels; ch++) {
		if (scn_channel_is_generated(s, ch)) {
			/* all alike: no need to visit 10^7 of them */
			b += (double)(s->nchannels - ch) * channel_bytes(s->generate.channel_size, s->signatures);
			break;
		}
		if (scn_channel_is_imported(s, ch)) {
			b += (double)(s->nchannels - ch) *
			     (channel_bytes(2, s->signatures) + sizeof(struct import_channel) + MEM_GRAPH_DIRECTIONS);
			break;
		}
		b += channel_bytes(scn_channel_nparties(s, ch), s->signatures);
	}
	if (s->generate.placed)
		b += (double)s->generate.channels * s->generate.channel_size * sizeof(uint32_t);
	/* Payment records are kept only for channels the script closes. */
	if (script_closes(s))
		b += total_payments(s) * MEM_PAYMENT;
	/* Routed payments: a record each with its HTLCs; the routing graph of the other
	 * two-party channels; the rows of traces. */
	double routed = 0;
	for (uint32_t i = 0; i < s->nscript; i++)
		if (s->script[i].kind == SCN_SEND)
			routed += (double)s->script[i].count;
	for (uint32_t i = 0; i < s->nworkload; i++)
		if (s->workload[i].routed)
			routed += workload_payments(s, &s->workload[i]);
	for (uint32_t i = 0; i < s->nworkload; i++)
		b += (double)s->workload[i].ntrace * sizeof(struct scn_trace_payment);
	if (s->routing_feature) {
		b += routed * (MEM_ROUTED_PAYMENT + routed_hops(s) * MEM_HTLC);
		uint32_t other = s->network.placed ? s->network.first_channel : s->nchannels;
		b += (double)other * MEM_GRAPH_DIRECTIONS;
	}
	for (uint32_t i = 0; i < s->nscript; i++)
		if (s->script[i].kind == SCN_FLOOD)
			b += (double)s->script[i].count * (double)s->script[i].blocks * MEM_FLOOD_TX;
	/* SPEC section 11: each sidechain keeps a balance and two flags per party
	 * (tools/run_sidechain.c). */
	b += (double)s->nsidechains * s->nparties * (sizeof(struct amount) + 2);
	/* SPEC section 11: every L1 transfer may wait in the mempool at once (a tx and its
	 * payment's record, tools/run_schemes.c). */
	double transfers = 0;
	for (uint32_t i = 0; i < s->nscript; i++)
		if (s->script[i].kind == SCN_TRANSFER)
			transfers += (double)s->script[i].count;
	for (uint32_t i = 0; i < s->nworkload; i++)
		if (!s->workload[i].routed && s->workload[i].via == SCN_VIA_L1)
			transfers += workload_payments(s, &s->workload[i]);
	b += transfers * MEM_TRANSFER;
	return b >= 1.8e19 ? UINT64_MAX : (uint64_t)b;
}

static const char *limit_source = "SCN_MAX_MEMORY_BYTES";

uint64_t scn_memory_limit(void)
{
	uint64_t limit = SCN_MAX_MEMORY_BYTES;
	limit_source = "the limit of l2sim";
	struct rlimit rl;
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (uint64_t)rl.rlim_cur < limit) {
		limit = (uint64_t)rl.rlim_cur;
		limit_source = "the process's address-space limit (ulimit -v)";
	}
	if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (uint64_t)rl.rlim_cur < limit) {
		limit = (uint64_t)rl.rlim_cur;
		limit_source = "the process's data limit (ulimit -d)";
	}
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	if (pages > 0 && page > 0 && (uint64_t)pages * (uint64_t)page < limit) {
		limit = (uint64_t)pages * (uint64_t)page;
		limit_source = "the machine's memory";
	}
	return limit;
}

static void check_memory(struct scn_vctx *v, uint64_t need, const char *what)
{
	uint64_t limit = scn_memory_limit();
	if (need > limit)
		scn_verr(v, "the run would need about %.1f GB of memory (%s), above %.1f GB, %s; "
			 "make the network or the payments of closed channels smaller",
			 (double)need / 1e9, what, (double)limit / 1e9, limit_source);
}

bool scn_check_generate_memory(struct scn_vctx *v)
{
	const struct scn_generate *g = &v->s->generate;
	size_t before = v->nerrs + v->dropped;
	uint64_t need = (uint64_t)(MEM_BASE + (double)g->parties * MEM_PARTY +
				   (double)g->channels * (channel_bytes(g->channel_size, v->s->signatures) +
							  g->channel_size * sizeof(uint32_t)));
	check_memory(v, need, "the generated parties and channels alone");
	return v->nerrs + v->dropped == before;
}

/* Payments and flood txs are the work a file can ask for without being large: a count,
 * a rate, a number of blocks. Their totals are bounded so that every run ends and its
 * mempool fits in memory (SCN_MAX_PAYMENTS, SCN_MAX_FLOOD_TOTAL), and with signatures
 * on, so is their real cost: every signed update of a channel of n parties (a payment,
 * an open, generated ones included, a cooperative close) is n signs and n(n-1)
 * verifies (SCN_MAX_SIGNATURE_OPS). Workload payments are counted by their mean,
 * rate x interval x blocks, up to until_block when the run stops there; their channel
 * by the mean of n^2 over the workload's channels. Each limit is reported once, at
 * the entry that crosses it. Then the memory estimate. */
void scn_check_budget(struct scn_vctx *v)
{
	const struct scenario *s = v->s;
	bool pay_over = false, flood_over = false, ops_over = false;
	const char *ops_fix = "lower the counts or rates, use channels of fewer parties, or set l2.signatures to \"off\"";
#define OPS_CHECK()                                                                                          \
	do {                                                                                                 \
		if (s->signatures && !ops_over && v->sig_ops > SCN_MAX_SIGNATURE_OPS) {                      \
			ops_over = true;                                                                     \
			scn_verr(v, "the run would make about %.0f signature operations up to here (n signs + " \
				 "n(n-1) verifies per signed update of a channel of n parties), above the limit " \
				 "of %.0f: %s", v->sig_ops, SCN_MAX_SIGNATURE_OPS, ops_fix);                  \
		}                                                                                            \
	} while (0)
	size_t o;
	if (s->generate.placed) {
		o = scn_path_push_key(v, "generate");
		size_t o1 = scn_path_push_key(v, "channels");
		v->sig_ops += (double)s->generate.channels * update_ops(s->generate.channel_size);
		OPS_CHECK();
		scn_path_pop(v, o1);
		scn_path_pop(v, o);
	}
	if (s->network.placed) {
		o = scn_path_push_key(v, "network");
		v->sig_ops += (double)s->network.nchannels * update_ops(2); /* the opens */
		OPS_CHECK();
		scn_path_pop(v, o);
	}
	o = scn_path_push_key(v, "script");
	for (uint32_t i = 0; i < s->nscript; i++) {
		const struct scn_action *a = &s->script[i];
		size_t o1 = scn_path_push_index(v, i);
		bool scheme_pay = a->kind == SCN_TRANSFER || a->kind == SCN_ROLLUP_PAY || a->kind == SCN_SIDE_PAY;
		size_t o2 = scn_path_push_key(v, a->kind == SCN_FLOOD					  ? "txs"
						 : a->kind == SCN_PAY || a->kind == SCN_SEND || scheme_pay ? "count"
													   : "action");
		uint32_t n = a->channel < s->nchannels && a->kind <= SCN_CLOSE
				     ? scn_channel_nparties(s, a->channel)
				     : 0;
		if (a->kind == SCN_SEND) {
			v->payments += (double)a->count;
			if (!pay_over && v->payments > SCN_MAX_PAYMENTS) {
				pay_over = true;
				scn_verr(v, "the run would make %.0f payments up to here, above the limit of %.0f",
					 v->payments, SCN_MAX_PAYMENTS);
			}
			v->sig_ops += (double)a->count * routed_ops(s);
		} else if (a->kind == SCN_PAY) {
			v->payments += (double)a->count;
			if (!pay_over && v->payments > SCN_MAX_PAYMENTS) {
				pay_over = true;
				scn_verr(v, "the run would make %.0f payments up to here, above the limit of %.0f",
					 v->payments, SCN_MAX_PAYMENTS);
			}
			v->sig_ops += (double)a->count * update_ops(n);
		} else if (scheme_pay) { /* section 11: no signature per payment */
			v->payments += (double)a->count;
			if (!pay_over && v->payments > SCN_MAX_PAYMENTS) {
				pay_over = true;
				scn_verr(v, "the run would make %.0f payments up to here, above the limit of %.0f",
					 v->payments, SCN_MAX_PAYMENTS);
			}
		} else if (a->kind == SCN_OPEN || (a->kind == SCN_CLOSE && !a->unilateral)) {
			v->sig_ops += update_ops(n);
		}
		OPS_CHECK();
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
	/* The mean of n^2 over all channels, for workloads on "all". */
	double all_ops = 0;
	for (uint32_t ch = 0; ch < s->nchannels; ch++) {
		if (scn_channel_is_generated(s, ch)) {
			all_ops += (double)(s->nchannels - ch) * update_ops(s->generate.channel_size);
			break;
		}
		if (scn_channel_is_imported(s, ch)) {
			all_ops += (double)(s->nchannels - ch) * update_ops(2);
			break;
		}
		all_ops += update_ops(scn_channel_nparties(s, ch));
	}
	all_ops = s->nchannels ? all_ops / s->nchannels : 0;
	o = scn_path_push_key(v, "workload");
	for (uint32_t i = 0; i < s->nworkload; i++) {
		const struct scn_workload *w = &s->workload[i];
		size_t o1 = scn_path_push_index(v, i);
		size_t o2 = scn_path_push_key(v, w->kind == SCN_WL_TRACE ? "file" : "rate_per_s");
		double per_block = w->rate_per_s * s->block_interval_s;
		if (w->kind != SCN_WL_TRACE && per_block > SCN_MAX_BLOCK_PAYMENTS) {
			scn_verr(v, "%.15g per second x l1.block_interval_s %.15g = %.0f payments per block, above the limit of %.0f",
				 w->rate_per_s, s->block_interval_s, per_block, SCN_MAX_BLOCK_PAYMENTS);
		}
		double payments = workload_payments(s, w);
		v->payments += payments;
		if (!pay_over && v->payments > SCN_MAX_PAYMENTS) {
			pay_over = true;
			scn_verr(v, "the run would make about %.0f payments up to here (workload means: rate x interval x blocks), above the limit of %.0f",
				 v->payments, SCN_MAX_PAYMENTS);
		}
		double ops = all_ops;
		if (w->routed) {
			ops = routed_ops(s);
		} else if (w->via != SCN_VIA_CHANNELS) {
			ops = 0; /* section 11's other schemes sign no payment */
		} else if (!w->all_channels && w->nchannels) {
			ops = 0;
			for (uint32_t k = 0; k < w->nchannels; k++)
				ops += w->channels[k] != SCN_NONE ? update_ops(scn_channel_nparties(s, w->channels[k])) : 0;
			ops /= w->nchannels;
		}
		v->sig_ops += payments * ops;
		OPS_CHECK();
		scn_path_pop(v, o2);
		scn_path_pop(v, o1);
	}
	scn_path_pop(v, o);
#undef OPS_CHECK
	if (v->nerrs + v->dropped == 0)
		check_memory(v, scn_memory_estimate(s), "parties, channels, payment records, flood txs");
}
