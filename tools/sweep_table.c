/* `l2sim sweep`: the table of the finished runs on standard output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"
#include "tools/sweep_internal.h"

/* The columns of the table: a short header and the metric. */
struct table_col {
	const char *header;
	const char *metric;
};
static const struct table_col TABLE_COLS[] = {
	{ "gain", "throughput_gain" },
	{ "l1_tps", "l1_tps" },
	{ "l2_tps", "l2_tps" },
	{ "fin_blk_p50", "finality_l1_blocks_p50" },
	{ "fin_blk_p95", "finality_l1_blocks_p95" },
	{ "fin_s_p50", "finality_l1_s_p50" },
	{ "fin_s_p95", "finality_l1_s_p95" },
	{ "violations", "security_violations" },
	{ "fees", "fees" },
	{ "expect", "expect_ok" },
};
/* A sweep whose scenario uses SPEC section 11: the figures of the scheme its workload
 * goes through (docs/schemes.md's comparison). */
static const struct table_col SCHEME_COLS[] = {
	{ "scheme", "scheme" },
	{ "ok", "scheme_payments_ok" },
	{ "final", "scheme_payments_final" },
	{ "l1_bytes", "scheme_l1_bytes" },
	{ "gain_tx", "scheme_gain_txs" },
	{ "gain_B", "scheme_gain_bytes" },
	{ "tps", "scheme_tps" },
	{ "fin_s_p50", "scheme_final_s_p50" },
	{ "fin_s_p95", "scheme_final_s_p95" },
	{ "violations", "scheme_violations" },
	{ "expect", "expect_ok" },
};

/* A table cell: null as "-", non-whole numbers to 6 significant digits. */
static void table_cell(char *buf, size_t n, const char *v)
{
	double d;
	if (!*v)
		snprintf(buf, n, "-");
	else if (sweep_parse_double(v, strlen(v), &d) && d != floor(d))
		snprintf(buf, n, "%.6g", d);
	else
		snprintf(buf, n, "%s", v);
}

void sweep_print_table(FILE *f, const struct sweep *sw)
{
	const struct table_col *cols = sw->schemes ? SCHEME_COLS : TABLE_COLS;
	const size_t ntable = sw->schemes ? sizeof(SCHEME_COLS) / sizeof(SCHEME_COLS[0])
					       : sizeof(TABLE_COLS) / sizeof(TABLE_COLS[0]);
	size_t ncols = sw->naxes + ntable;
	size_t *width = xcalloc(ncols, sizeof(*width));
	int *metric = xcalloc(ntable, sizeof(*metric));
	for (size_t c = 0; c < ntable; c++)
		metric[c] = sweep_metric_index(cols[c].metric);
	for (size_t k = 0; k < sw->naxes; k++)
		width[k] = strlen(sw->axes[k].key);
	for (size_t c = 0; c < ntable; c++)
		width[sw->naxes + c] = strlen(cols[c].header);
	size_t idx[64];
	char cell[64];
	for (size_t i = 0; i < sw->nruns; i++) {
		if (!sw->rows[i].done)
			continue;
		sweep_combination(sw->axes, sw->naxes, i, idx);
		for (size_t k = 0; k < sw->naxes; k++) {
			size_t l = strlen(sw->axes[k].values[idx[k]]);
			if (l > width[k])
				width[k] = l;
		}
		for (size_t c = 0; c < ntable; c++) {
			table_cell(cell, sizeof(cell), sw->rows[i].fields[metric[c]]);
			if (strlen(cell) > width[sw->naxes + c])
				width[sw->naxes + c] = strlen(cell);
		}
	}
	for (size_t k = 0; k < sw->naxes; k++)
		fprintf(f, "%-*s  ", (int)width[k], sw->axes[k].key);
	for (size_t c = 0; c < ntable; c++)
		fprintf(f, "%*s%s", (int)width[sw->naxes + c], cols[c].header, c + 1 < ntable ? "  " : "\n");
	for (size_t i = 0; i < sw->nruns; i++) {
		if (!sw->rows[i].done)
			continue;
		sweep_combination(sw->axes, sw->naxes, i, idx);
		for (size_t k = 0; k < sw->naxes; k++)
			fprintf(f, "%-*s  ", (int)width[k], sw->axes[k].values[idx[k]]);
		for (size_t c = 0; c < ntable; c++) {
			table_cell(cell, sizeof(cell), sw->rows[i].fields[metric[c]]);
			fprintf(f, "%*s%s", (int)width[sw->naxes + c], cell, c + 1 < ntable ? "  " : "\n");
		}
	}
	free(width);
	free(metric);
}
