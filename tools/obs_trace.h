/* The trace observer (--trace FILE.jsonl): one JSON object a line for every event of
 * docs/trace-format.md, every payment included. Times are the block's, "%.3f" seconds,
 * except a workload payment's, which has its own arrival time ("%.6f"). Strings are
 * JSON-escaped (textout.h), so every line parses whatever the names hold. */
#ifndef L2SIM_TOOLS_OBS_TRACE_H
#define L2SIM_TOOLS_OBS_TRACE_H

#include <stdio.h>

struct runner;
struct obs_trace;

/* Subscribes a trace writing to f (borrowed) to r's events; runner_free frees it. */
struct obs_trace *obs_trace_new(struct runner *r, FILE *f);
void obs_trace_free(struct obs_trace *t);

#endif
