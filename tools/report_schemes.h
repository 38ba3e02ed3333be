/* SPEC section 11 in the reports (tools/report_schemes.c): the `schemes` table,
 * `rollups` and `sidechains`, their expectations, text and HTML. Called only when
 * the model's has_schemes is set (the scenario uses section 11). */
#ifndef L2SIM_TOOLS_REPORT_SCHEMES_H
#define L2SIM_TOOLS_REPORT_SCHEMES_H

#include <cJSON.h>
#include <stdio.h>

#include "tools/report_model.h"

/* One entry of `schemes`. */
struct report_scheme {
	bool present;            /* the run has this entry (SPEC: l1 when the scenario can
	                          * submit a transfer, channels when it has channels, every
	                          * rollup and sidechain) */
	const char *id, *kind;
	uint64_t ok, failed, final, l1_txs, l1_bytes, violations;
	struct report_stats soft_ms, final_s;
	bool has_gain_txs, has_gain_bytes; /* false: null (no L1 tx, no L1 byte) */
	double gain_txs, gain_bytes;
};

/* Scheme k's entry (k < scn_nschemes). */
void report_model_scheme(const struct report_model *m, uint32_t k, struct report_scheme *out);
/* The sum of every entry's violations (theorems."2.1".violations). */
uint64_t report_schemes_violations(const struct report_model *m);
/* Adds "schemes", "rollups" and "sidechains" to the JSON report. */
void report_schemes_json(const struct report_model *m, cJSON *root);
/* expect.schemes, expect.rollups, expect.sidechains. */
void report_schemes_expect(const struct report_model *m, struct scn_errors *out);
/* The text report's table, and its theorem lines per scheme. */
void report_schemes_text(FILE *f, const struct report_model *m);
void report_schemes_theorems(FILE *f, const struct report_model *m);
/* The HTML report's table. */
void report_schemes_html(FILE *f, const struct report_model *m);

#endif
