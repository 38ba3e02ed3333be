/* CLoTH's graph files (GitHub marcono/cloth: nodes_ln.csv, channels_ln.csv,
 * edges_ln.csv) into an import_graph. Columns are found by their header names (extra
 * columns are ignored); every value is a whole decimal number; ids are dense and in
 * order (row k has id k), as CLoTH writes them. Each check names file:line:column. */
#include "tools/import.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

#define CSV_MAX_COLS 64

struct csv {
	const char *name, *buf;
	size_t len, pos;
	uint32_t line;                 /* of the current row, from 1 */
	uint32_t ncols;                /* in the header */
	const char *const *want;       /* required column names */
	uint32_t nwant;
	uint32_t col_of[CSV_MAX_COLS]; /* header index of want[i] */
	size_t fstart[CSV_MAX_COLS], flen[CSV_MAX_COLS];
	char *err;
};

static bool failf(struct csv *c, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* err = "name:line:col: message"; at is a byte offset into the current row's line. */
static bool failf(struct csv *c, size_t at, const char *fmt, ...)
{
	size_t ls = at;
	while (ls > 0 && c->buf[ls - 1] != '\n')
		ls--;
	int k = snprintf(c->err, IMPORT_ERR_LEN, "%s:%" PRIu32 ":%zu: ", c->name, c->line,
			 at - ls + 1);
	if (k < 0 || k >= IMPORT_ERR_LEN)
		return false;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err + k, IMPORT_ERR_LEN - (size_t)k, fmt, ap);
	va_end(ap);
	return false;
}

/* Splits the next non-empty line into fields. false at the end of the buffer. */
static bool next_line(struct csv *c, uint32_t *nfields, bool *ok)
{
	*ok = true;
	while (c->pos < c->len) {
		size_t s = c->pos, e = s;
		while (e < c->len && c->buf[e] != '\n')
			e++;
		c->pos = e < c->len ? e + 1 : e;
		c->line++;
		size_t end = e;
		if (end > s && c->buf[end - 1] == '\r')
			end--;
		if (end == s)
			continue;
		uint32_t n = 0;
		size_t f = s;
		for (;;) {
			size_t g = f;
			while (g < end && c->buf[g] != ',')
				g++;
			if (n == CSV_MAX_COLS) {
				*ok = failf(c, f, "more than %d columns", CSV_MAX_COLS);
				return true;
			}
			c->fstart[n] = f;
			c->flen[n] = g - f;
			n++;
			if (g == end)
				break;
			f = g + 1;
		}
		*nfields = n;
		return true;
	}
	return false;
}

static bool read_header(struct csv *c)
{
	uint32_t n;
	bool ok;
	if (!next_line(c, &n, &ok)) {
		c->line = 1;
		return failf(c, 0, "empty file: no header");
	}
	if (!ok)
		return false;
	c->ncols = n;
	for (uint32_t i = 0; i < c->nwant; i++) {
		size_t wl = strlen(c->want[i]);
		c->col_of[i] = UINT32_MAX;
		for (uint32_t j = 0; j < n; j++)
			if (c->flen[j] == wl && memcmp(c->buf + c->fstart[j], c->want[i], wl) == 0) {
				if (c->col_of[i] != UINT32_MAX)
					return failf(c, c->fstart[j], "column \"%s\" appears twice",
						     c->want[i]);
				c->col_of[i] = j;
			}
		if (c->col_of[i] == UINT32_MAX)
			return failf(c, c->fstart[0], "missing column \"%s\"", c->want[i]);
	}
	return true;
}

/* Reads the next row: false at the end (*ok true) or on an error (*ok false). */
static bool read_row(struct csv *c, bool *ok)
{
	uint32_t n;
	if (!next_line(c, &n, ok))
		return false;
	if (!*ok)
		return true;
	if (n != c->ncols)
		*ok = failf(c, c->fstart[n - 1], "%" PRIu32 " fields, the header has %" PRIu32,
			    n, c->ncols);
	return true;
}

/* The value of want[i] in the current row, a whole decimal at most max. */
static bool field_u64(struct csv *c, uint32_t i, uint64_t max, uint64_t *out)
{
	uint32_t j = c->col_of[i];
	const char *s = c->buf + c->fstart[j];
	size_t n = c->flen[j];
	if (n == 0)
		return failf(c, c->fstart[j], "%s: empty, expected a whole number", c->want[i]);
	uint64_t v = 0;
	for (size_t k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return failf(c, c->fstart[j] + k, "%s: not a whole number", c->want[i]);
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(s[k] - '0'), &v) || v > max)
			return failf(c, c->fstart[j], "%s: above %" PRIu64, c->want[i], max);
	}
	*out = v;
	return true;
}

static size_t field_at(const struct csv *c, uint32_t i)
{
	return c->fstart[c->col_of[i]];
}

static void csv_init(struct csv *c, const char *name, const char *buf, size_t len,
		     const char *const *want, uint32_t nwant, char *err)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->buf = buf;
	c->len = len;
	c->want = want;
	c->nwant = nwant;
	c->err = err;
}

/* Row k must have id k (CLoTH indexes its arrays by id). */
static bool bad_id(struct csv *c, size_t at, uint64_t id, uint64_t expected)
{
	if (id < expected)
		return failf(c, at, "duplicate id %" PRIu64 " (ids are dense and in order)", id);
	return failf(c, at, "id %" PRIu64 ": expected %" PRIu64 " (ids are dense and in order)",
		     id, expected);
}

enum { CH_ID, CH_E1, CH_E2, CH_N1, CH_N2, CH_CAP, CH_N };
static const char *const ch_cols[CH_N] = { "id", "edge1_id", "edge2_id", "node1_id",
					   "node2_id", "capacity" };
enum { E_ID, E_CH, E_COUNTER, E_FROM, E_TO, E_BAL, E_FBASE, E_FPPM, E_MIN, E_LOCK, E_N };
static const char *const e_cols[E_N] = { "id", "channel_id", "counter_edge_id",
	"from_node_id", "to_node_id", "balance", "fee_base", "fee_proportional", "min_htlc",
	"timelock" };

struct chan_tmp {
	uint64_t edge[2];
	size_t edge_at[2];             /* byte offsets of edge1_id and edge2_id */
	uint32_t line, edge_line[2];
	bool seen[2];
};

/* Each channel has two edges and edge ids are dense: they are 0 .. 2 n - 1, each
 * named by one channel. */
static bool edges_unique(struct csv *c, const struct chan_tmp *tmps, uint32_t n)
{
	uint32_t *owner = xcalloc(2 * (size_t)n, sizeof(*owner)); /* channel + 1 */
	bool ok = true;
	for (uint32_t i = 0; i < n && ok; i++)
		for (unsigned d = 0; d < 2 && ok; d++) {
			uint64_t e = tmps[i].edge[d];
			c->line = tmps[i].line;
			if (e >= 2 * (uint64_t)n)
				ok = failf(c, tmps[i].edge_at[d], "edge%u_id %" PRIu64 " out of range "
					   "(%" PRIu32 " channels have edges 0 to %" PRIu64 ")", d + 1,
					   e, n, 2 * (uint64_t)n - 1);
			else if (owner[e])
				ok = failf(c, tmps[i].edge_at[d], "edge%u_id %" PRIu64 " is also an "
					   "edge of channel %" PRIu32, d + 1, e, owner[e] - 1);
			else
				owner[e] = i + 1;
		}
	free(owner);
	return ok;
}

static bool read_nodes(struct csv *c, uint32_t *nnodes)
{
	if (!read_header(c))
		return false;
	uint32_t n = 0;
	bool ok;
	while (read_row(c, &ok)) {
		uint64_t id;
		if (!ok || !field_u64(c, 0, UINT64_MAX, &id))
			return false;
		if (id != n)
			return bad_id(c, field_at(c, 0), id, n);
		if (n == UINT32_MAX - 1)
			return failf(c, field_at(c, 0), "too many nodes");
		n++;
	}
	*nnodes = n;
	return ok;
}

static bool read_channels(struct csv *c, uint32_t nnodes, struct import_channel **chs,
			  struct chan_tmp **tmps, uint32_t *nch)
{
	if (!read_header(c))
		return false;
	uint32_t n = 0, cap = 0;
	bool ok;
	while (read_row(c, &ok)) {
		uint64_t v[CH_N];
		if (!ok)
			return false;
		for (uint32_t i = 0; i < CH_N; i++)
			if (!field_u64(c, i, UINT64_MAX, &v[i]))
				return false;
		if (v[CH_ID] != n)
			return bad_id(c, field_at(c, CH_ID), v[CH_ID], n);
		for (uint32_t i = CH_N1; i <= CH_N2; i++)
			if (v[i] >= nnodes)
				return failf(c, field_at(c, i), "%s %" PRIu64 " out of range (%"
					     PRIu32 " nodes)", ch_cols[i], v[i], nnodes);
		if (v[CH_N1] == v[CH_N2])
			return failf(c, field_at(c, CH_N2), "node2_id: the channel joins node %"
				     PRIu64 " to itself", v[CH_N1]);
		if (v[CH_E1] == v[CH_E2])
			return failf(c, field_at(c, CH_E2), "edge2_id: the same edge as edge1_id");
		if (n == INT32_MAX)
			return failf(c, field_at(c, CH_ID), "too many channels");
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			*chs = xreallocarray(*chs, cap, sizeof(**chs));
			*tmps = xreallocarray(*tmps, cap, sizeof(**tmps));
		}
		(*chs)[n] = (struct import_channel){
			.scid = v[CH_ID], .node = { (uint32_t)v[CH_N1], (uint32_t)v[CH_N2] },
			.capacity = AMOUNT(v[CH_CAP]),
		};
		(*tmps)[n] = (struct chan_tmp){ .edge = { v[CH_E1], v[CH_E2] }, .line = c->line,
			.edge_at = { field_at(c, CH_E1), field_at(c, CH_E2) } };
		n++;
		*nch = n;
	}
	return ok && edges_unique(c, *tmps, n);
}

static bool read_edges(struct csv *c, struct import_channel *chs, struct chan_tmp *tmps,
		       uint32_t nch)
{
	if (!read_header(c))
		return false;
	uint64_t n = 0;
	bool ok;
	while (read_row(c, &ok)) {
		uint64_t v[E_N];
		if (!ok)
			return false;
		for (uint32_t i = 0; i < E_N; i++) {
			uint64_t max = i == E_FPPM || i == E_LOCK ? UINT32_MAX : UINT64_MAX;
			if (!field_u64(c, i, max, &v[i]))
				return false;
		}
		if (v[E_ID] != n)
			return bad_id(c, field_at(c, E_ID), v[E_ID], n);
		n++;
		if (v[E_CH] >= nch)
			return failf(c, field_at(c, E_CH), "channel_id %" PRIu64
				     " out of range (%" PRIu32 " channels)", v[E_CH], nch);
		struct import_channel *ch = &chs[v[E_CH]];
		struct chan_tmp *t = &tmps[v[E_CH]];
		unsigned d = v[E_ID] == t->edge[0] ? 0 : 1;
		if (v[E_ID] != t->edge[d])
			return failf(c, field_at(c, E_ID), "edge %" PRIu64 " is neither edge1_id "
				     "nor edge2_id of channel %" PRIu64, v[E_ID], v[E_CH]);
		if (t->seen[d])
			return failf(c, field_at(c, E_ID), "duplicate edge of channel %" PRIu64
				     " (first on line %" PRIu32 ")", v[E_CH], t->edge_line[d]);
		if (v[E_COUNTER] != t->edge[1 - d])
			return failf(c, field_at(c, E_COUNTER), "counter_edge_id %" PRIu64
				     ": channel %" PRIu64 "'s other edge is %" PRIu64,
				     v[E_COUNTER], v[E_CH], t->edge[1 - d]);
		if (v[E_FROM] != ch->node[d])
			return failf(c, field_at(c, E_FROM), "from_node_id %" PRIu64 ": edge%u of "
				     "channel %" PRIu64 " leaves node %" PRIu32, v[E_FROM], d + 1,
				     v[E_CH], ch->node[d]);
		if (v[E_TO] != ch->node[1 - d])
			return failf(c, field_at(c, E_TO), "to_node_id %" PRIu64 ": edge%u of "
				     "channel %" PRIu64 " goes to node %" PRIu32, v[E_TO], d + 1,
				     v[E_CH], ch->node[1 - d]);
		if (v[E_BAL] > ch->capacity.units)
			return failf(c, field_at(c, E_BAL), "balance %" PRIu64 " is above the "
				     "capacity %" PRIu64 " of channel %" PRIu64, v[E_BAL],
				     ch->capacity.units, v[E_CH]);
		t->seen[d] = true;
		t->edge_line[d] = c->line;
		ch->balance[d] = AMOUNT(v[E_BAL]);
		ch->policy[d] = (struct import_policy){
			.fee_base = AMOUNT(v[E_FBASE]), .fee_ppm = (uint32_t)v[E_FPPM],
			.cltv_delta = (uint32_t)v[E_LOCK], .min_htlc = AMOUNT(v[E_MIN]),
		};
		if (t->seen[1 - d]) {
			struct amount sum;
			if (!amount_add(&sum, ch->balance[0], ch->balance[1]) ||
			    !amount_eq(sum, ch->capacity))
				return failf(c, field_at(c, E_BAL), "the balances of channel %"
					     PRIu64 " do not add up to its capacity %" PRIu64,
					     v[E_CH], ch->capacity.units);
		}
	}
	return ok;
}

enum import_result import_cloth_buffers(const char *const names[3], const char *const bufs[3],
					const size_t lens[3], struct import_graph *out,
					char err[IMPORT_ERR_LEN])
{
	static const char *const node_cols[] = { "id" };
	struct csv c;
	struct import_channel *chs = NULL;
	struct chan_tmp *tmps = NULL;
	uint32_t nnodes = 0, nch = 0;
	bool ok;

	csv_init(&c, names[0], bufs[0], lens[0], node_cols, 1, err);
	ok = read_nodes(&c, &nnodes);
	if (ok) {
		csv_init(&c, names[1], bufs[1], lens[1], ch_cols, CH_N, err);
		ok = read_channels(&c, nnodes, &chs, &tmps, &nch);
	}
	if (ok) {
		csv_init(&c, names[2], bufs[2], lens[2], e_cols, E_N, err);
		ok = read_edges(&c, chs, tmps, nch);
	}
	for (uint32_t i = 0; ok && i < nch; i++)
		for (unsigned d = 0; d < 2; d++)
			if (!tmps[i].seen[d]) {
				snprintf(err, IMPORT_ERR_LEN, "%s:%" PRIu32 ":1: channel %" PRIu32
					 " has no edge %" PRIu64 " in %s", names[1], tmps[i].line,
					 i, tmps[i].edge[d], names[2]);
				ok = false;
				break;
			}
	free(tmps);
	if (!ok) {
		free(chs);
		return IMPORT_ERR_FORMAT;
	}
	*out = (struct import_graph){ .nnodes = nnodes, .nchannels = nch, .channels = chs };
	return IMPORT_OK;
}

enum import_result import_cloth(const char *nodes_path, const char *channels_path,
				const char *edges_path, struct import_graph *out,
				char err[IMPORT_ERR_LEN])
{
	const char *names[3] = { nodes_path, channels_path, edges_path };
	char *bufs[3] = { NULL, NULL, NULL };
	size_t lens[3] = { 0, 0, 0 };
	enum import_result r = IMPORT_OK;
	for (unsigned k = 0; k < 3 && r == IMPORT_OK; k++)
		r = import_read_file(names[k], &bufs[k], &lens[k], err);
	if (r == IMPORT_OK)
		r = import_cloth_buffers(names, (const char *const *)bufs, lens, out, err);
	for (unsigned k = 0; k < 3; k++)
		free(bufs[k]);
	return r;
}
