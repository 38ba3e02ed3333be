/* `l2sim sweep`: the table of the finished runs on standard output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"
#include "tools/sweep_internal.h"

/* The columns of the table: a short header and the metric. */
static const struct {
	const char *header;
	const char *metric;
} TABLE_COLS[] = {
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
#define NTABLE_COLS (sizeof(TABLE_COLS) / sizeof(TABLE_COLS[0]))

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
	size_t ncols = sw->naxes + NTABLE_COLS;
	size_t *width = xcalloc(ncols, sizeof(*width));
	int *metric = xcalloc(NTABLE_COLS, sizeof(*metric));
	for (size_t c = 0; c < NTABLE_COLS; c++)
		metric[c] = sweep_metric_index(TABLE_COLS[c].metric);
	for (size_t k = 0; k < sw->naxes; k++)
		width[k] = strlen(sw->axes[k].key);
	for (size_t c = 0; c < NTABLE_COLS; c++)
		width[sw->naxes + c] = strlen(TABLE_COLS[c].header);
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
		for (size_t c = 0; c < NTABLE_COLS; c++) {
			table_cell(cell, sizeof(cell), sw->rows[i].fields[metric[c]]);
			if (strlen(cell) > width[sw->naxes + c])
				width[sw->naxes + c] = strlen(cell);
		}
	}
	for (size_t k = 0; k < sw->naxes; k++)
		fprintf(f, "%-*s  ", (int)width[k], sw->axes[k].key);
	for (size_t c = 0; c < NTABLE_COLS; c++)
		fprintf(f, "%*s%s", (int)width[sw->naxes + c], TABLE_COLS[c].header, c + 1 < NTABLE_COLS ? "  " : "\n");
	for (size_t i = 0; i < sw->nruns; i++) {
		if (!sw->rows[i].done)
			continue;
		sweep_combination(sw->axes, sw->naxes, i, idx);
		for (size_t k = 0; k < sw->naxes; k++)
			fprintf(f, "%-*s  ", (int)width[k], sw->axes[k].values[idx[k]]);
		for (size_t c = 0; c < NTABLE_COLS; c++) {
			table_cell(cell, sizeof(cell), sw->rows[i].fields[metric[c]]);
			fprintf(f, "%*s%s", (int)width[sw->naxes + c], cell, c + 1 < NTABLE_COLS ? "  " : "\n");
		}
	}
	free(width);
	free(metric);
}
