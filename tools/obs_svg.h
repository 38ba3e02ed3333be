/* The picture observer (run --svg FILE.svg, and the timeline of --html): the run drawn
 * as an SVG timeline for teaching. x is the block height (the time on a second axis),
 * one lane per channel and per party that goes offline, floods or switches its
 * watchtower, and one per routed payment (its hops' HTLCs: added, settled or removed
 * off chain, claimed or refunded on chain, and its outcome; an htlc_loss in the
 * violation colour); marks for opens, payments, closes (stale and tampered ones marked),
 * challenges, settlements and their finality; each dispute window shaded from the
 * close's inclusion to its last block; every security violation in red.
 *
 * The picture is bounded whatever the run's size: at most OBS_SVG_CHANNEL_LANES
 * channel lanes, OBS_SVG_PARTY_LANES party lanes and OBS_SVG_PAYMENT_LANES payment
 * lanes (the rest share an "other" lane each, and the picture says how many it holds),
 * marks of one kind close together are
 * merged into one with a count, and at most OBS_SVG_MAX_MARKS marks are drawn (the
 * most important kinds first): no picture exceeds 1 MiB. Every
 * text is escaped for XML (after textout.h's escaping of control characters and
 * invalid UTF-8). The bytes depend on the run only. */
#ifndef L2SIM_TOOLS_OBS_SVG_H
#define L2SIM_TOOLS_OBS_SVG_H

#include <stdio.h>

#include "tools/textout.h"

struct runner;
struct obs_svg;

#define OBS_SVG_WIDTH 1200
#define OBS_SVG_CHANNEL_LANES 16
#define OBS_SVG_PARTY_LANES 8
#define OBS_SVG_PAYMENT_LANES 8
/* Lanes of SPEC section 11's schemes (L1 transfers, rollups, sidechains); later ones
 * share a lane. */
#define OBS_SVG_SCHEME_LANES 8
#define OBS_SVG_MAX_MARKS 800

/* Subscribes a new picture to r's events (before runner_start). The caller frees it
 * with obs_svg_free, after runner_free or before: it keeps no pointer into r's events. */
struct obs_svg *obs_svg_new(struct runner *r);
void obs_svg_free(struct obs_svg *v);

/* Writes the picture of the finished run (r as given to obs_svg_new) to f: a complete
 * SVG document, or, when inline_svg, the <svg> element alone (for an HTML page). */
void obs_svg_write(const struct obs_svg *v, FILE *f, bool inline_svg);

/* Appends s[0..n) escaped for XML text and attribute values: control characters and
 * invalid UTF-8 as txt_escape writes them, then & < > " ' as entities. */
void xml_escape(struct txt_buf *b, const char *s, size_t n);
/* The same, written to f. */
void xml_write(FILE *f, const char *s);

#endif
