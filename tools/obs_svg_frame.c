/* The picture observer, the frame around the lanes (obs_svg_draw.c draws those): the
 * style, the title, the block and time axes, the notes, the legend, and the document
 * that holds them. */
#include "tools/obs_svg_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"
#include "tools/runner.h"

/* ---- the frame ---- */

static void style(FILE *f)
{
	fputs("<style>\n"
	      "text{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;font-size:10px;fill:#222}\n"
	      ".title{font-size:18px;font-weight:bold}.sub{font-size:12px;fill:#444}\n"
	      ".lane-name{font-size:12px;font-weight:bold}.lane-sub{font-size:10px;fill:#666}\n"
	      ".axis{font-size:10px;fill:#555}.axis-name{font-size:11px;fill:#333;font-style:italic}\n"
	      ".grid{stroke:#e3e3e3;stroke-width:1}.life{stroke:#b0b0b0;stroke-width:3}\n"
	      ".confirm{stroke:#2e7d32;stroke-width:2;stroke-dasharray:3,2}\n"
	      ".window{fill:#ffe082;fill-opacity:0.55;stroke:#f9a825;stroke-width:1}\n"
	      ".window-label{font-size:9px;fill:#8d6e00}\n"
	      ".offline{fill:url(#hatch);stroke:#757575;stroke-width:1}.flood-span{fill:#ffccbc;stroke:#e64a19;stroke-width:1}\n"
	      ".bar{fill:#90a4ae}.bar-fill{fill:#e64a19}.bar-failed{fill:#ef9a9a}\n"
	      ".lbl-strong{font-weight:bold}.lbl-bad{font-weight:bold;fill:#c62828}\n"
	      ".violation-line{stroke:#d50000;stroke-width:2}\n"
	      ".alarm{font-size:13px;font-weight:bold;fill:#d50000}.note{font-size:11px;fill:#444}\n"
	      "</style>\n",
	      f);
	fputs("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
	      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#eeeeee\"/>"
	      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#9e9e9e\" stroke-width=\"2\"/></pattern></defs>\n",
	      f);
}

/* A "nice" step (1, 2 or 5 times a power of ten) giving at most `most` ticks. */
static uint64_t nice_step(uint64_t span, uint64_t most)
{
	uint64_t step = 1;
	for (;;) {
		static const uint64_t M[] = { 1, 2, 5 };
		for (size_t i = 0; i < 3; i++)
			if (span / (step * M[i]) < most)
				return step * M[i];
		if (step > UINT64_MAX / 100)
			return step * 10;
		step *= 10;
	}
}

/* The time of block h: exact with fixed intervals, else the nearest kept block at or
 * before h (*at: which). */
static uint64_t time_of(const struct draw *d, uint64_t h, uint64_t *at)
{
	const struct obs_svg *v = d->v;
	const struct l1_params *p = &v->r->s->l1;
	*at = h;
	if (!p->exponential)
		return h * p->block_interval_ms;
	uint32_t lo = 0, hi = v->ntimes; /* the last sample with height <= h */
	while (hi - lo > 1) {
		uint32_t mid = (lo + hi) / 2;
		if (v->times[mid].height <= h)
			lo = mid;
		else
			hi = mid;
	}
	*at = v->times[lo].height;
	return v->times[lo].time_ms;
}

static void time_str(char *buf, size_t n, uint64_t ms, uint64_t max_ms)
{
	double s = (double)ms / 1000.0;
	if (max_ms <= 300000)
		snprintf(buf, n, "%g s", s);
	else if (max_ms <= 3 * 3600000ull)
		snprintf(buf, n, "%.3g min", s / 60);
	else if (max_ms <= 3 * 86400000ull)
		snprintf(buf, n, "%.3g h", s / 3600);
	else
		snprintf(buf, n, "%.3g d", s / 86400);
}

static void axes(struct draw *d, double y_end)
{
	FILE *f = d->f;
	uint64_t step = nice_step(d->nblocks, 16), at;
	uint64_t max_ms = time_of(d, d->nblocks - 1, &at);
	fprintf(f, "<text class=\"axis-name\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">block</text>\n", X0 - 22, TOP - 10);
	fprintf(f, "<text class=\"axis-name\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">time</text>\n", X0 - 22, y_end + 16);
	for (uint64_t t = 0; t < d->nblocks; t += step) {
		double x = d->bucket == 1 ? svg_cx(d, t) : svg_bx(d, t);
		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, TOP - 6, x, y_end);
		fprintf(f, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%" PRIu64 "</text>\n", x,
			TOP - 10, t);
		char ts[48];
		uint64_t ms = time_of(d, t, &at);
		time_str(ts, sizeof(ts), ms, max_ms);
		double tx = d->bucket == 1 ? svg_cx(d, at) : svg_bx(d, at);
		fprintf(f, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", tx, y_end + 16, ts);
		if (step > UINT64_MAX - t)
			break;
	}
}

/* ---- the legend ---- */

static double legend(struct draw *d, double y)
{
	FILE *f = d->f;
	const double col = 228;
	int per_row = (int)((OBS_SVG_WIDTH - 24) / col), i = 0;
	fprintf(f, "<g class=\"legend\">\n<text class=\"lane-name\" x=\"12\" y=\"%.1f\">Legend</text>\n", y + 12);
	y += 22;
	if (d->used_window) {
		double x = 12 + col * (i % per_row) + 2, yy = y + 22.0 * (i / per_row);
		fprintf(f, "<rect class=\"window\" x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\"/>", x, yy - 6);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">dispute window: close to its end</text>\n", x + 24, yy + 4);
		i++;
	}
	if (d->used_offline) {
		double x = 12 + col * (i % per_row) + 2, yy = y + 22.0 * (i / per_row);
		fprintf(f, "<rect class=\"offline\" x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\"/>", x, yy - 6);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">party offline</text>\n", x + 24, yy + 4);
		i++;
	}
	if (d->used_flood) {
		double x = 12 + col * (i % per_row) + 2, yy = y + 22.0 * (i / per_row);
		fprintf(f, "<rect class=\"flood-span\" x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\"/>", x, yy - 6);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">flooding L1</text>\n", x + 24, yy + 4);
		i++;
	}
	if (d->used_failed_bar) {
		double x = 12 + col * (i % per_row) + 10, yy = y + 22.0 * (i / per_row);
		fprintf(f, "<rect class=\"bar-failed\" x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"12\"/>", x - 4, yy - 6);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">workload payments that failed</text>\n", x + 16, yy + 4);
		i++;
	}
	for (int k = 0; k < MK_KINDS; k++) {
		if (!d->used[k])
			continue;
		double x = 12 + col * (i % per_row) + 10, yy = y + 22.0 * (i / per_row);
		if (k == MK_FILL || k == MK_WORKLOAD)
			fprintf(f, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"12\"/>",
				k == MK_FILL ? "bar-fill" : "bar", x - 4, yy - 6);
		else
			svg_shape(f, (enum svg_mark_kind)k, x, yy);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\"%s>%s</text>\n", x + 16, yy + 4,
			k == MK_VIOLATION ? " class=\"lbl-bad\"" : "", svg_kinds[k].legend);
		i++;
	}
	fputs("</g>\n", f);
	return y + 22.0 * ((i + per_row - 1) / per_row);
}

/* ---- the document ---- */

static void heading(struct draw *d, uint64_t violations)
{
	FILE *f = d->f;
	const struct runner *r = d->v->r;
	const struct scenario *s = r->s;
	const struct l1_params *p = &s->l1;
	fputs("<text class=\"title\" x=\"12\" y=\"28\">", f);
	svg_text(d, s->name, 60);
	fputs(": the run block by block</text>\n<text class=\"sub\" x=\"12\" y=\"50\">", f);
	fprintf(f, "dispute window T = %" PRIu64 " block%s; a block every %g s%s; final after %u confirmation%s; rule %s; signatures %s",
		p->dispute_timeout_blocks, p->dispute_timeout_blocks == 1 ? "" : "s", s->block_interval_s,
		p->exponential ? " on average" : "", p->confirmations, p->confirmations == 1 ? "" : "s",
		p->dispute_rule == L1_RULE_PENALTY ? "penalty" : "latest state", s->signatures ? "on" : "off");
	fputs("</text>\n", f);
	if (violations)
		fprintf(f, "<text class=\"alarm\" x=\"%d\" y=\"28\" text-anchor=\"end\">Theorem 2.1 broken: %" PRIu64
			   " security violation%s</text>\n",
			OBS_SVG_WIDTH - 12, violations, violations == 1 ? "" : "s");
	else if (d->v->htlc_losses)
		fprintf(f, "<text class=\"alarm\" x=\"%d\" y=\"28\" text-anchor=\"end\">%" PRIu64 " htlc_loss%s (no security violation)</text>\n",
			OBS_SVG_WIDTH - 12, d->v->htlc_losses, d->v->htlc_losses == 1 ? "" : "es");
	else
		fprintf(f, "<text class=\"sub\" x=\"%d\" y=\"28\" text-anchor=\"end\">no security violation</text>\n",
			OBS_SVG_WIDTH - 12);
}

void obs_svg_write(const struct obs_svg *v, FILE *out, bool inline_svg)
{
	char *buf = NULL;
	size_t len = 0;
	struct draw d = { .v = v };
	d.f = open_memstream(&buf, &len);
	if (!d.f)
		fatal_invariant("out of memory drawing the picture");
	d.nblocks = v->max_height + 1;
	double plot = X1 - X0;
	uint64_t columns = (uint64_t)(plot / COLUMN_PX);
	d.bucket = d.nblocks <= columns ? 1 : (d.nblocks + columns - 1) / columns;
	d.cw = plot / (double)d.nblocks;

	const struct svg_lane **lanes = xcalloc(v->nlanes ? v->nlanes : 1, sizeof(*lanes));
	uint64_t violations = 0;
	for (uint32_t i = 0; i < v->nlanes; i++) {
		lanes[i] = &v->lanes[i];
		for (uint32_t k = 0; k < v->lanes[i].nmarks; k++)
			if (v->lanes[i].marks[k].kind == MK_VIOLATION)
				violations += v->lanes[i].marks[k].count;
	}
	qsort(lanes, v->nlanes, sizeof(*lanes), svg_by_lane);
	svg_plan_budget(&d, lanes, v->nlanes);
	heading(&d, violations);
	double y = TOP;
	axes(&d, TOP + LANE_H * (double)(v->nlanes ? v->nlanes : 1));
	for (uint32_t i = 0; i < v->nlanes; i++, y += LANE_H)
		svg_lane_draw(&d, lanes[i], i, y);
	if (!v->nlanes) {
		fprintf(d.f, "<text class=\"note\" x=\"%.1f\" y=\"%.1f\">nothing happened on any channel</text>\n", X0, y + 30);
		y += LANE_H;
	}
	y += 34;
	uint64_t shown = 0;
	for (uint32_t i = 0; i < v->nlanes; i++)
		if (lanes[i]->kind == LANE_OTHER_PAYMENTS) {
			fprintf(d.f, "<text class=\"note\" x=\"12\" y=\"%.1f\">%" PRIu64 " more routed payment%s not shown in lanes of their own: their marks share the lane \"other payments\".</text>\n",
				y, lanes[i]->members, lanes[i]->members == 1 ? "" : "s");
			y += 16;
			shown++;
		} else if (lanes[i]->kind == LANE_OTHER_CHANNELS || lanes[i]->kind == LANE_OTHER_PARTIES) {
			fprintf(d.f, "<text class=\"note\" x=\"12\" y=\"%.1f\">%" PRIu64 " more %s not shown in lanes of their own: their marks share the lane \"%s\".</text>\n",
				y, lanes[i]->members,
				lanes[i]->kind == LANE_OTHER_CHANNELS ? (lanes[i]->members == 1 ? "channel" : "channels")
								      : (lanes[i]->members == 1 ? "party" : "parties"),
				lanes[i]->kind == LANE_OTHER_CHANNELS ? "other channels" : "other parties");
			y += 16;
			shown++;
		}
	if (d.not_drawn) {
		fprintf(d.f, "<text class=\"note\" x=\"12\" y=\"%.1f\">%" PRIu64 " marks not drawn: a picture draws at most %u, the most important first.</text>\n",
			y, d.not_drawn, OBS_SVG_MAX_MARKS);
		y += 16;
		shown++;
	}
	if (d.bucket > 1) {
		fprintf(d.f, "<text class=\"note\" x=\"12\" y=\"%.1f\">Each column is %" PRIu64 " blocks: marks of one kind in it are merged, with their count.</text>\n",
			y, d.bucket);
		y += 16;
		shown++;
	}
	if (shown)
		y += 8;
	y = legend(&d, y) + 12;
	free(lanes);
	txt_buf_free(&d.t);
	if (fclose(d.f) != 0)
		fatal_invariant("out of memory drawing the picture");
	if (!inline_svg)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\" role=\"img\">\n",
		OBS_SVG_WIDTH, y, OBS_SVG_WIDTH, y);
	fputs("<title>", out);
	xml_write(out, v->r->s->name);
	fputs(": the run block by block (l2sim)</title>\n", out);
	style(out);
	fprintf(out, "<rect width=\"%d\" height=\"%.0f\" fill=\"#ffffff\"/>\n", OBS_SVG_WIDTH, y);
	fwrite(buf, 1, len, out);
	fputs("</svg>\n", out);
	free(buf);
}
