/* A `trace` workload: CLoTH's payments CSV (id,sender_id,receiver_id,amount,start_time),
 * amounts in msat (= units), start_time in ms after from_block's time. Columns are
 * found by their header names (others are ignored); every value is a whole decimal
 * number; start times never decrease. Each problem names file:line:column. */
#include "scn_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

enum { T_ID, T_FROM, T_TO, T_AMOUNT, T_START, T_N };
static const char *const T_COLS[T_N] = { "id", "sender_id", "receiver_id", "amount", "start_time" };
#define T_MAX_COLS 64

struct tcsv {
	struct scn_vctx *v;
	const char *name, *buf;
	size_t len, pos;
	size_t line;
	size_t ncols;
	size_t fstart[T_MAX_COLS], flen[T_MAX_COLS], lstart;
	bool failed;
};

static void tfail(struct tcsv *c, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void tfail(struct tcsv *c, size_t at, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	scn_verr(c->v, "%s:%zu:%zu: %s", scn_show(c->name, 100), c->line, at - c->lstart + 1, msg);
	c->failed = true;
}

/* Splits the next non-empty line into fields; false at the end. */
static bool tnext(struct tcsv *c)
{
	while (c->pos < c->len) {
		size_t s = c->pos, e = s;
		while (e < c->len && c->buf[e] != '\n')
			e++;
		c->pos = e < c->len ? e + 1 : e;
		c->line++;
		c->lstart = s;
		size_t end = e;
		if (end > s && c->buf[end - 1] == '\r')
			end--;
		if (end == s)
			continue;
		c->ncols = 0;
		for (size_t f = s;;) {
			size_t g = f;
			while (g < end && c->buf[g] != ',')
				g++;
			if (c->ncols == T_MAX_COLS) {
				tfail(c, f, "more than %d columns", T_MAX_COLS);
				return true;
			}
			c->fstart[c->ncols] = f;
			c->flen[c->ncols++] = g - f;
			if (g == end)
				break;
			f = g + 1;
		}
		return true;
	}
	return false;
}

static bool tfield(struct tcsv *c, size_t col, const char *what, uint64_t max, uint64_t *out)
{
	const char *p = c->buf + c->fstart[col];
	size_t n = c->flen[col];
	uint64_t x = 0;
	if (n == 0) {
		tfail(c, c->fstart[col], "%s is empty", what);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			tfail(c, c->fstart[col] + i, "%s must be a whole decimal number", what);
			return false;
		}
		uint64_t d = (uint64_t)(p[i] - '0');
		if (x > (max - d) / 10) {
			tfail(c, c->fstart[col], "%s is above %llu", what, (unsigned long long)max);
			return false;
		}
		x = x * 10 + d;
	}
	*out = x;
	return true;
}

void scn_load_trace(struct scn_vctx *v, struct scn_workload *w)
{
	const struct scenario *s = v->s;
	char *buf = NULL;
	size_t len = 0;
	char err[IMPORT_ERR_LEN];
	if (import_read_file(w->file, &buf, &len, err) != IMPORT_OK) {
		scn_verr(v, "%s", scn_show(err, IMPORT_ERR_LEN));
		return;
	}
	struct tcsv c = { .v = v, .name = w->file, .buf = buf, .len = len };
	size_t col[T_N];
	if (!tnext(&c)) {
		scn_verr(v, "%s: the file is empty (a header id,sender_id,receiver_id,amount,start_time is required)",
			 scn_show(w->file, 100));
		free(buf);
		return;
	}
	for (int k = 0; k < T_N && !c.failed; k++) {
		col[k] = SIZE_MAX;
		for (size_t i = 0; i < c.ncols && !c.failed; i++)
			if (c.flen[i] == strlen(T_COLS[k]) && memcmp(c.buf + c.fstart[i], T_COLS[k], c.flen[i]) == 0) {
				if (col[k] != SIZE_MAX) /* which one is meant? (as the CLoTH importer says) */
					tfail(&c, c.fstart[i], "column \"%s\" appears twice", T_COLS[k]);
				col[k] = i;
			}
		if (col[k] == SIZE_MAX && !c.failed)
			tfail(&c, c.lstart, "the header has no column \"%s\"", T_COLS[k]);
	}
	/* Parties the ids name: the network's nodes (n<k>), else the scenario's parties. */
	uint32_t first = s->network.present ? s->network.first_party : 0;
	uint32_t count = s->network.present ? s->network.nnodes : s->nparties;
	size_t cap = 0;
	uint64_t last_start = 0;
	while (!c.failed && tnext(&c)) {
		if (c.failed)
			break;
		size_t need = 0;
		for (int k = 0; k < T_N; k++)
			need = col[k] + 1 > need ? col[k] + 1 : need;
		if (c.ncols < need) {
			tfail(&c, c.fstart[c.ncols - 1] + c.flen[c.ncols - 1],
			      "the row has %zu columns, the header %zu", c.ncols, need);
			break;
		}
		if (w->ntrace == SCN_MAX_TRACE_ROWS) {
			tfail(&c, c.lstart, "more than the limit of %u payments in one trace", SCN_MAX_TRACE_ROWS);
			break;
		}
		struct scn_trace_payment p;
		uint64_t from, to, amount;
		if (!tfield(&c, col[T_ID], "id", UINT64_MAX, &p.id) ||
		    !tfield(&c, col[T_FROM], "sender_id", UINT64_MAX, &from) ||
		    !tfield(&c, col[T_TO], "receiver_id", UINT64_MAX, &to) ||
		    !tfield(&c, col[T_AMOUNT], "amount", UINT64_MAX, &amount) ||
		    !tfield(&c, col[T_START], "start_time", (uint64_t)MAX_JSON_INT, &p.start_ms))
			break;
		if (from >= count || to >= count) {
			int k = from >= count ? T_FROM : T_TO;
			tfail(&c, c.fstart[col[k]], "%s %llu names no party (the ids run from 0 to %u, %s)", T_COLS[k],
			      (unsigned long long)(k == T_FROM ? from : to), count ? count - 1 : 0,
			      s->network.present ? "the network's nodes" : "the scenario's parties");
			break;
		}
		if (amount == 0) {
			tfail(&c, c.fstart[col[T_AMOUNT]], "a payment must be at least 1");
			break;
		}
		if (p.start_ms < last_start) {
			tfail(&c, c.fstart[col[T_START]], "start_time %llu is before the previous row's %llu (rows must be in time order)",
			      (unsigned long long)p.start_ms, (unsigned long long)last_start);
			break;
		}
		last_start = p.start_ms;
		p.from = first + (uint32_t)from;
		p.to = first + (uint32_t)to;
		p.amount = AMOUNT(amount);
		if (w->ntrace == cap) {
			cap = cap ? 2 * cap : 64;
			w->trace = xreallocarray(w->trace, cap, sizeof(*w->trace));
		}
		w->trace[w->ntrace++] = p;
	}
	free(buf);
	if (c.failed)
		return;
	/* The block of the last payment at the mean interval. */
	uint64_t ms = s->l1.block_interval_ms ? s->l1.block_interval_ms : 1;
	uint64_t blocks = last_start / ms + 1;
	if (blocks > MAX_BLOCK || w->from_block > MAX_BLOCK - blocks)
		scn_verr(v, "the trace runs to about block %llu, past the limit of %u",
			 (unsigned long long)(w->from_block + blocks), SCN_MAX_BLOCK);
	else
		w->to_block = w->from_block + blocks;
}
