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

/* Above this many values the percentiles are found through a histogram first. */
#define PCTS_DIRECT 4096
#define PCTS_BUCKET_BITS 12

#define LAT_CHUNK_BITS 16
#define LAT_CHUNK ((size_t)1 << LAT_CHUNK_BITS)

static uint64_t lat_at(const struct obs_lat *l, size_t i)
{
	const void *c = l->chunk[i >> LAT_CHUNK_BITS];
	size_t k = i & (LAT_CHUNK - 1);
	return l->wide ? ((const uint64_t *)c)[k] : ((const uint32_t *)c)[k];
}

/* A value of 2^32 us (71 minutes) or more: every value takes 8 bytes from now on. */
static void lat_widen(struct obs_lat *l)
{
	for (size_t c = 0; c < l->nchunks; c++) {
		const uint32_t *v32 = l->chunk[c];
		uint64_t *v64 = xreallocarray(NULL, LAT_CHUNK, sizeof(*v64));
		for (size_t k = 0; k < LAT_CHUNK && c * LAT_CHUNK + k < l->n; k++)
			v64[k] = v32[k];
		free(l->chunk[c]);
		l->chunk[c] = v64;
	}
	l->wide = true;
}

static void lat_push(struct obs_lat *l, uint64_t x)
{
	if (!l->wide && x > UINT32_MAX)
		lat_widen(l);
	size_t k = l->n & (LAT_CHUNK - 1);
	if (k == 0) {
		if (l->nchunks == l->capchunks)
			l->chunk = xreallocarray(l->chunk, l->capchunks = l->capchunks ? 2 * l->capchunks : 16,
						 sizeof(*l->chunk));
		l->chunk[l->nchunks++] = xreallocarray(NULL, LAT_CHUNK, l->wide ? sizeof(uint64_t) : sizeof(uint32_t));
	}
	void *c = l->chunk[l->nchunks - 1];
	if (l->wide)
		((uint64_t *)c)[k] = x;
	else
		((uint32_t *)c)[k] = (uint32_t)x;
	l->n++;
}

static void lat_free(struct obs_lat *l)
{
	for (size_t c = 0; c < l->nchunks; c++)
		free(l->chunk[c]);
	free(l->chunk);
	*l = (struct obs_lat){ 0 };
}

/* The values of l in [lo + b << shift, lo + (b + 1) << shift), count of them, in a new
 * array. */
static uint64_t *bucket_values(const struct obs_lat *l, uint64_t lo, unsigned shift, size_t b, size_t count)
{
	uint64_t *out = xreallocarray(NULL, count ? count : 1, sizeof(*out));
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++) {
		uint64_t x = lat_at(l, i);
		if ((size_t)((x - lo) >> shift) == b)
			out[k++] = x;
	}
	return out;
}

/* The k[j]-th smallest values of l (k sorted) whose range is [lo, hi]: one pass counts
 * them in 2^PCTS_BUCKET_BITS buckets of equal width, then only the bucket that holds
 * rank k[j] is selected in (a few hundred values when they are spread, all of them at
 * worst). Linear passes instead of quickselects over 10^6 values, whose cache misses
 * cost more than a rollup's run. */
static void select_ranks(const struct obs_lat *l, uint64_t lo, uint64_t hi, const size_t k[2], uint64_t out[2])
{
	unsigned shift = 0;
	while (((hi - lo) >> shift) >= ((uint64_t)1 << PCTS_BUCKET_BITS))
		shift++;
	size_t *count = xcalloc((size_t)1 << PCTS_BUCKET_BITS, sizeof(*count));
	for (size_t i = 0; i < l->n; i++)
		count[(lat_at(l, i) - lo) >> shift]++;
	size_t b = 0, below = 0; /* below: the values in buckets before b */
	for (int j = 0; j < 2; j++) {
		while (below + count[b] <= k[j])
			below += count[b++];
		uint64_t *in = bucket_values(l, lo, shift, b, count[b]);
		out[j] = select_kth(in, count[b], k[j] - below);
		free(in);
	}
	free(count);
}

static struct obs_pcts pcts_of(const struct obs_lat *l)
{
	struct obs_pcts p = { 0 };
	size_t n = l->n;
	if (n == 0)
		return p;
	p.has = true;
	p.min = p.max = lat_at(l, 0);
	for (size_t i = 1; i < n; i++) {
		uint64_t x = lat_at(l, i);
		if (x < p.min)
			p.min = x;
		if (x > p.max)
			p.max = x;
	}
	size_t k[2] = { rank_of(50, n) - 1, rank_of(95, n) - 1 };
	uint64_t out[2];
	if (p.min == p.max) {
		out[0] = out[1] = p.min;
	} else if (n <= PCTS_DIRECT) {
		uint64_t *v = xreallocarray(NULL, n, sizeof(*v));
		for (size_t i = 0; i < n; i++)
			v[i] = lat_at(l, i);
		out[0] = select_kth(v, n, k[0]);
		out[1] = select_kth(v, n, k[1]);
		free(v);
	} else {
		select_ranks(l, p.min, p.max, k, out);
	}
	p.p50 = out[0];
	p.p95 = out[1];
	return p;
}

struct obs_pcts obs_pcts_of(const uint64_t *v, size_t n)
{
	struct obs_lat l = { 0 };
	for (size_t i = 0; i < n; i++)
		lat_push(&l, v[i]);
	struct obs_pcts p = pcts_of(&l);
	lat_free(&l);
	return p;
}

static void on_event(void *ctx, const struct runner *r, const struct run_event *ev)
{
	struct obs_schemes *o = ctx;
	(void)r;
	switch (ev->kind) {
	case RUN_EV_SCHEME_PAYS: {
		if (ev->u.scheme_pays.scheme >= o->n)
			return;
		struct obs_scheme_row *w = &o->row[ev->u.scheme_pays.scheme];
		uint64_t n = ev->u.scheme_pays.n;
		switch (ev->u.scheme_pays.step) {
		case RUN_SCHEME_PAY_OK:
			w->ok += n;
			if (ev->u.scheme_pays.scheme >= 2 && ev->u.scheme_pays.scheme < 2 + r->s->nrollups)
				samples_add(&w->soft_us, ms_to_us(ev->u.scheme_pays.soft_ms), n);
			break;
		case RUN_SCHEME_PAY_FAILED:
			w->failed += n;
			break;
		case RUN_SCHEME_PAY_FINAL: {
			w->final += n;
			const uint64_t *v = ev->u.scheme_pays.latency_us;
			for (uint64_t i = 0; i < n; i++)
				lat_push(&w->final_us, v[i]);
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
			o->row[k].final_pcts = pcts_of(&o->row[k].final_us);
			lat_free(&o->row[k].final_us);
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
	uint32_t mask = RUN_EV_MASK(RUN_EV_SCHEME_PAYS) | RUN_EV_MASK(RUN_EV_SCHEME_TX) |
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
		lat_free(&o->row[k].final_us);
	}
	free(o->row);
	free(o);
}
