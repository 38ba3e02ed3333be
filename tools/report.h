/* Reports of a finished run: the JSON report of SPEC section 7, the text report for
 * people, and the expectations of SPEC section 8. */
#ifndef L2SIM_TOOLS_REPORT_H
#define L2SIM_TOOLS_REPORT_H

#include <stdio.h>

#include "tools/runner.h"

/* Checks the scenario's expectations; failures (one string each) go into *out.
 * Returns the number of failures. */
size_t report_check_expect(const struct runner *r, struct scn_errors *out);

/* Writes the JSON report (with `failures` from report_check_expect). */
void report_json(FILE *f, const struct runner *r, const struct scn_errors *failures);
/* Writes the text report: a header, the timeline, a summary and the theorems. */
void report_text(FILE *f, const struct runner *r, const struct scn_errors *failures);

#endif
