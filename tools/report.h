/* Reports of a finished run, written from its data model (report_model.h): the JSON
 * report of SPEC section 7, the text report for people, and the expectations of SPEC
 * section 8. */
#ifndef L2SIM_TOOLS_REPORT_H
#define L2SIM_TOOLS_REPORT_H

#include <stdio.h>

#include "tools/report_model.h"
#include "tools/runner.h"

/* Checks the scenario's expectations; failures (one string each) go into *out.
 * Returns the number of failures. */
size_t report_expect(const struct report_model *m, struct scn_errors *out);
/* Writes the JSON report (with `failures` from report_expect). */
void report_write_json(FILE *f, const struct report_model *m, const struct scn_errors *failures);
/* Writes the text report: a header, the timeline, a summary and the theorems. Every
 * string from the scenario is escaped (textout.h). */
void report_write_text(FILE *f, const struct report_model *m, const struct scn_errors *failures);

/* The same from a finished run, each building its model (callers that write one
 * report after checking the expectations can use these). */
size_t report_check_expect(const struct runner *r, struct scn_errors *out);
void report_json(FILE *f, const struct runner *r, const struct scn_errors *failures);
void report_text(FILE *f, const struct runner *r, const struct scn_errors *failures);

#endif
