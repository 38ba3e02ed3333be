/* The one-page report of a run (run --html FILE.html): the scenario's description,
 * the picture (obs_svg.h) inline, the summary and the theorems as tables, the L1
 * balances and the expectations. Self-contained: no script, no font, no network; every
 * text from the scenario is escaped for HTML. */
#ifndef L2SIM_TOOLS_REPORT_HTML_H
#define L2SIM_TOOLS_REPORT_HTML_H

#include <stdio.h>

#include "tools/obs_svg.h"
#include "tools/report_model.h"

/* Writes the page of the run of m (with `failures` from report_expect) to f; the
 * picture is svg's, drawn from the same run. */
void report_write_html(FILE *f, const struct report_model *m, const struct scn_errors *failures,
		       const struct obs_svg *svg);

#endif
