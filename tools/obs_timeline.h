/* The timeline observer: what happened, in English, one line per event worth a
 * person's attention (the text report's "Timeline"). Lines are kept with their block
 * and time and laid out when written, so the columns fit the run's largest block.
 * Every line's text is escaped (textout.h): names and ids come from the scenario. */
#ifndef L2SIM_TOOLS_OBS_TIMELINE_H
#define L2SIM_TOOLS_OBS_TIMELINE_H

#include <stdint.h>
#include <stdio.h>

struct runner;
struct obs_timeline;

#define OBS_TIMELINE_MAX_LINES 400

/* Subscribes a new timeline to r's events; runner_free frees it. */
struct obs_timeline *obs_timeline_new(struct runner *r);
void obs_timeline_free(struct obs_timeline *t);

/* Writes the column header and the lines; t may be NULL (no lines). */
void obs_timeline_write(const struct obs_timeline *t, FILE *f);
/* Lines not kept past OBS_TIMELINE_MAX_LINES (0 for NULL). */
uint64_t obs_timeline_dropped(const struct obs_timeline *t);

#endif
