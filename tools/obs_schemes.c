#include "obs_schemes.h"

#include <math.h>
#include <stdlib.h>

#include "l1sim/util.h"
#include "tools/runner_internal.h"

/* The k-th smallest (0-based) of v[0..n), k < n, by quickselect with a three-way
 * partition around a median of three (v is reordered). Expected O(n). */
static uint64_t select_kth(uint64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t a = v[lo], b = v[mid], c = v[hi];
		uint64_t pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		/* v[lo..lt) < pivot, v[lt..i) == pivot, v(gt..hi] > pivot */
		size_t lt = lo, i = lo, gt = hi;
		while (i <= gt) {
			uint64_t x = v[i];
			if (x < pivot) {
				v[i++] = v[lt];
				v[lt++] = x;
			} else if (x > pivot) {
				v[i] = v[gt];
				v[gt] = x;
				if (gt == lo) /* cannot happen: the pivot is one of v[lo..hi] */
					break;
				gt--;
			} else {
				i++;
			}
		}
		if (k < lt)
			hi = lt - 1;
		else if (k > gt)
			lo = gt + 1;
		else
			return pivot;
	}
	return v[k];
}

/* Nearest rank of p over n values: ceil(p/100 x n), at least 1 (samples_percentile). */
static size_t rank_of(double p, size_t n)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);
	return rank < 1 ? 1 : rank > n ? n : rank;
}

static struct obs_pcts pcts_of(uint64_t *v, size_t n)
{
	struct obs_pcts p = { 0 };
	if (n == 0)
		return p;
	p.has = true;
	p.min = p.max = v[0];
	for (size_t i = 1; i < n; i++) {
		if (v[i] < p.min)
			p.min = v[i];
		if (v[i] > p.max)
			p.max = v[i];
	}
	p.p50 = select_kth(v, n, rank_of(50, n) - 1);
	p.p95 = select_kth(v, n, rank_of(95, n) - 1);
	return p;
}

static void on_event(void *ctx, const struct runner *r, const struct run_event *ev)
{
	struct obs_schemes *o = ctx;
	(void)r;
	switch (ev->kind) {
	case RUN_EV_SCHEME_PAY: {
		if (ev->u.scheme_pay.scheme >= o->n)
			return;
		struct obs_scheme_row *w = &o->row[ev->u.scheme_pay.scheme];
		switch (ev->u.scheme_pay.step) {
		case RUN_SCHEME_PAY_OK:
			w->ok++;
			if (ev->u.scheme_pay.scheme >= 2 && ev->u.scheme_pay.scheme < 2 + r->s->nrollups)
				samples_add(&w->soft_us, ms_to_us(ev->u.scheme_pay.soft_ms), 1);
			break;
		case RUN_SCHEME_PAY_FAILED:
			w->failed++;
			break;
		case RUN_SCHEME_PAY_FINAL: {
			w->final++;
			uint64_t at = ms_to_us(ev->u.scheme_pay.final_ms);
			if (w->final_n == w->final_cap)
				w->final_v = xreallocarray(w->final_v, w->final_cap = w->final_cap ? 2 * w->final_cap : 64,
							   sizeof(*w->final_v));
			w->final_v[w->final_n++] = at > ev->u.scheme_pay.t_us ? at - ev->u.scheme_pay.t_us : 0;
			break;
		}
		}
		break;
	}
	case RUN_EV_SCHEME_TX:
	case RUN_EV_TX_INCLUDED:
		if (ev->u.tx.scheme < o->n && (ev->kind == RUN_EV_TX_INCLUDED || ev->u.tx.included)) {
			o->row[ev->u.tx.scheme].l1_txs++;
			o->row[ev->u.tx.scheme].l1_bytes += ev->u.tx.bytes;
		}
		break;
	case RUN_EV_SCHEME_VIOLATION:
		if (ev->u.scheme_violation.scheme < o->n)
			o->row[ev->u.scheme_violation.scheme].violations++;
		break;
	case RUN_EV_RUN_END:
		for (uint32_t k = 0; k < o->n; k++) {
			samples_sort(&o->row[k].soft_us);
			o->row[k].final_pcts = pcts_of(o->row[k].final_v, o->row[k].final_n);
			free(o->row[k].final_v);
			o->row[k].final_v = NULL;
			o->row[k].final_n = o->row[k].final_cap = 0;
		}
		break;
	default:
		break;
	}
}

struct obs_schemes *obs_schemes_new(struct runner *r)
{
	struct obs_schemes *o = xcalloc(1, sizeof(*o));
	o->n = scn_nschemes(r->s);
	o->row = xcalloc(o->n, sizeof(*o->row));
	uint32_t mask = RUN_EV_MASK(RUN_EV_SCHEME_PAY) | RUN_EV_MASK(RUN_EV_SCHEME_TX) |
			RUN_EV_MASK(RUN_EV_TX_INCLUDED) | RUN_EV_MASK(RUN_EV_SCHEME_VIOLATION) |
			RUN_EV_MASK(RUN_EV_RUN_END);
	runner_subscribe(r, mask, on_event, o);
	return o;
}

void obs_schemes_free(struct obs_schemes *o)
{
	if (!o)
		return;
	for (uint32_t k = 0; k < o->n; k++) {
		free(o->row[k].soft_us.v);
		free(o->row[k].final_v);
	}
	free(o->row);
	free(o);
}
