/* What the JSON writers of the report share (report.c, report_schemes.c). */
#ifndef L2SIM_TOOLS_REPORT_JSON_H
#define L2SIM_TOOLS_REPORT_JSON_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "l1sim/amount.h"
#include "tools/report_model.h"

/* j, or a fatal error when cJSON ran out of memory. */
cJSON *report_json_checked(cJSON *j);
/* Whole numbers are written digit for digit: cJSON prints a double with 15 significant
 * digits whenever that reads back within DBL_EPSILON, which rounds integers from 10^15
 * to 2^53-1 (8557498998980739 came out as 8.55749899898074e+15); above 2^53-1, a
 * string. */
cJSON *report_json_amount(struct amount a);
cJSON *report_json_u64(uint64_t v);
/* {"min", "p50", "p95", "max"}, or null without samples. */
cJSON *report_json_stats(const struct report_stats *st);
/* v, or null when !has. */
cJSON *report_json_num(bool has, double v);

#endif
