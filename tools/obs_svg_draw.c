/* The picture observer, drawing: lays out what obs_svg.c collected as an SVG document
 * OBS_SVG_WIDTH pixels wide. Marks of one kind in one column of the picture (a bucket
 * of blocks about 6 px wide) are merged into one with a count; labels go on two rows
 * above the marks of each lane where they do not overlap (the important ones first),
 * and every mark keeps its label as a tooltip (<title>). */
#include "tools/obs_svg_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"
#include "tools/runner.h"

#define X0 200.0           /* the plot's left edge: lane names are left of it */
#define X1 1176.0          /* its right edge */
#define TOP 96.0           /* the first lane */
#define LANE_H 68.0
#define MARK_DY 44.0       /* a lane's marks, below its top */
#define LABEL_CHARS 56     /* longer labels end in "..." (the tooltip has them whole) */
#define CHAR_W 5.6         /* a label's character, estimated, at font-size 10 */
#define COLUMN_PX 6.0      /* marks of one kind closer than this merge */
#define OBS_SVG_MAX_SPANS 400

struct draw {
	const struct obs_svg *v;
	FILE *f;
	uint64_t nblocks;      /* blocks drawn: 0 .. nblocks-1 */
	uint64_t bucket;       /* blocks a column merges */
	double cw;             /* px a block */
	uint64_t drawn, not_drawn, spans_drawn;
	int cut_level;         /* marks of a lower priority level are all drawn, */
	uint64_t cut_left;     /* and this many more of cut_level (OBS_SVG_MAX_MARKS) */
	bool used[MK_KINDS], used_window, used_offline, used_flood, used_failed_bar;
	double busy[2 * 8];    /* the lane's window labels (row 3), x0 and x1 each */
	uint32_t nbusy;
	struct txt_buf t;
};

static const struct {
	const char *name, *legend, *plural;
	int priority;          /* labels of lower values are placed first */
} KINDS[MK_KINDS] = {
	[MK_OPEN] = { "open", "open included (channel usable)", "opens", 3 },
	[MK_DEPOSIT] = { "deposit", "deposit included", "deposits", 3 },
	[MK_PAY] = { "pay", "off-chain payments (count)", "payments", 4 },
	[MK_PAY_FAILED] = { "pay-failed", "failed payments (count)", "payments FAILED", 4 },
	[MK_COOP_CLOSE] = { "coop-close", "cooperative close included", "cooperative closes", 2 },
	[MK_CLOSE] = { "close", "unilateral close, latest state", "unilateral closes", 1 },
	[MK_CLOSE_STALE] = { "close-stale", "STALE close (an older state)", "STALE closes", 0 },
	[MK_CLOSE_TAMPERED] = { "close-tampered", "TAMPERED close (altered state)", "TAMPERED closes", 0 },
	[MK_CHALLENGE_SENT] = { "challenge-sent", "challenge submitted", "challenges submitted", 1 },
	[MK_CHALLENGE] = { "challenge", "challenge included", "challenges included", 1 },
	[MK_DROPPED] = { "dropped", "tx dropped by L1", "txs DROPPED", 1 },
	[MK_SETTLED] = { "settled", "settled (payouts made)", "settlements", 1 },
	[MK_FINAL] = { "final", "settlement final (confirmed)", "settlements final", 2 },
	[MK_VIOLATION] = { "violation", "security violation (Thm 2.1)", "SECURITY VIOLATIONS", 0 },
	[MK_FAILED] = { "failed", "script action failed", "actions FAILED", 2 },
	[MK_OFFLINE] = { "offline", "party goes offline", "times offline", 2 },
	[MK_ONLINE] = { "online", "party back online", "times back online", 1 },
	[MK_WATCHTOWER] = { "watchtower", "watchtower switched", "watchtower switches", 3 },
	[MK_FLOOD] = { "flood", "flood of L1 txs starts", "floods", 2 },
	[MK_FILL] = { "fill", "L1 slots taken by flood txs", "flood txs", 5 },
	[MK_WORKLOAD] = { "workload", "workload payments that succeeded", "payments", 5 },
};

const char *svg_mark_kind_str(enum svg_mark_kind k)
{
	return k < MK_KINDS ? KINDS[k].name : "?";
}

/* ---- geometry ---- */

static double bx(const struct draw *d, uint64_t h)
{
	return X0 + (double)h * d->cw;
}

/* The centre of block h's column (of its bucket's, when blocks merge). */
static double cx(const struct draw *d, uint64_t h)
{
	uint64_t b = h / d->bucket * d->bucket;
	uint64_t e = b + d->bucket < d->nblocks ? b + d->bucket : d->nblocks;
	return (bx(d, b) + bx(d, e)) / 2;
}

/* ---- text ---- */

/* Writes s escaped for XML, cut to at most max characters ("..." ending a cut). */
static void text(struct draw *d, const char *s, size_t max)
{
	size_t n = strlen(s), chars = 0, i = 0;
	while (i < n && chars < max) {
		uint32_t cp;
		size_t l = txt_utf8_seq((const unsigned char *)s + i, n - i, &cp);
		i += l ? l : 1;
		chars++;
	}
	d->t.len = 0;
	xml_escape(&d->t, s, i);
	if (i < n)
		txt_buf_put(&d->t, "...", 3);
	if (d->t.len)
		fwrite(d->t.s, 1, d->t.len, d->f);
}

static size_t shown_chars(const char *s, size_t max)
{
	size_t c = txt_chars(s);
	return c > max ? max + 3 : c;
}

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
		double x = d->bucket == 1 ? cx(d, t) : bx(d, t);
		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, TOP - 6, x, y_end);
		fprintf(f, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%" PRIu64 "</text>\n", x,
			TOP - 10, t);
		char ts[48];
		uint64_t ms = time_of(d, t, &at);
		time_str(ts, sizeof(ts), ms, max_ms);
		double tx = d->bucket == 1 ? cx(d, at) : bx(d, at);
		fprintf(f, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", tx, y_end + 16, ts);
		if (step > UINT64_MAX - t)
			break;
	}
}

/* ---- marks ---- */

struct dmark {
	const struct svg_mark *m; /* the first merged */
	uint64_t height, last, count;
	const char *label;        /* its own label, or NULL: the kind's generic one */
	double x;
};

static const char *mark_label(const struct obs_svg *v, const struct svg_mark *m)
{
	return m->label && m->count == 1 ? v->labels.s + m->label - 1 : NULL;
}

static void generic_label(char *buf, size_t n, const struct dmark *m)
{
	uint64_t c = m->count;
	enum svg_mark_kind k = m->m->kind;
	if (c == 1 && (k == MK_PAY || k == MK_WORKLOAD))
		snprintf(buf, n, "1 payment");
	else if (c == 1 && k == MK_PAY_FAILED)
		snprintf(buf, n, "1 payment FAILED");
	else if (c == 1 && k == MK_VIOLATION)
		snprintf(buf, n, "1 SECURITY VIOLATION");
	else if (c == 1)
		snprintf(buf, n, "%s", KINDS[k].name);
	else
		snprintf(buf, n, "%" PRIu64 " %s", c, KINDS[k].plural);
}

static void shape(FILE *f, enum svg_mark_kind k, double x, double y)
{
	switch (k) {
	case MK_OPEN: fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#fff\" stroke=\"#546e7a\" stroke-width=\"2\"/>", x, y); break;
	case MK_DEPOSIT: fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"#fff\" stroke=\"#546e7a\" stroke-width=\"2\"/>", x - 4, y - 4); break;
	case MK_PAY: fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#00897b\"/>", x, y); break;
	case MK_PAY_FAILED: fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#fff\" stroke=\"#c62828\" stroke-width=\"2\"/>", x, y); break;
	case MK_COOP_CLOSE: fprintf(f, "<path d=\"M%.1f %.1fl7 7-7 7-7-7z\" fill=\"#43a047\"/>", x, y - 7); break;
	case MK_CLOSE: fprintf(f, "<path d=\"M%.1f %.1fl7 7-7 7-7-7z\" fill=\"#455a64\"/>", x, y - 7); break;
	case MK_CLOSE_STALE: fprintf(f, "<path d=\"M%.1f %.1fl8 8-8 8-8-8z\" fill=\"#ef6c00\" stroke=\"#222\" stroke-width=\"1\"/>", x, y - 8); break;
	case MK_CLOSE_TAMPERED: fprintf(f, "<path d=\"M%.1f %.1fl8 8-8 8-8-8z\" fill=\"#8e24aa\" stroke=\"#222\" stroke-width=\"1\"/>", x, y - 8); break;
	case MK_CHALLENGE_SENT: fprintf(f, "<path d=\"M%.1f %.1fl6 11h-12z\" fill=\"#fff\" stroke=\"#1565c0\" stroke-width=\"2\"/>", x, y - 6); break;
	case MK_CHALLENGE: fprintf(f, "<path d=\"M%.1f %.1fl7 12h-14z\" fill=\"#1565c0\"/>", x, y - 7); break;
	case MK_DROPPED: fprintf(f, "<path d=\"M%.1f %.1fl10 10m0-10l-10 10\" stroke=\"#212121\" stroke-width=\"3\"/>", x - 5, y - 5); break;
	case MK_SETTLED: fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"11\" height=\"11\" fill=\"#2e7d32\"/>", x - 5.5, y - 5.5); break;
	case MK_FINAL: fprintf(f, "<path d=\"M%.1f %.1fl4 4 8-9\" fill=\"none\" stroke=\"#1b5e20\" stroke-width=\"3\"/>", x - 6, y); break;
	case MK_VIOLATION: fprintf(f, "<path d=\"M%.1f %.1fl3 6.5 7 1-5 5 1.5 7-6.5-3.5-6.5 3.5 1.5-7-5-5 7-1z\" fill=\"#d50000\" stroke=\"#fff\" stroke-width=\"1\"/>", x, y - 11); break;
	case MK_FAILED: fprintf(f, "<path d=\"M%.1f %.1fl8 8m0-8l-8 8\" stroke=\"#b71c1c\" stroke-width=\"2.5\"/>", x - 4, y - 4); break;
	case MK_OFFLINE: fprintf(f, "<path d=\"M%.1f %.1fl6 6-6 6z\" fill=\"#616161\"/>", x - 3, y - 6); break;
	case MK_ONLINE: fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"#43a047\" stroke=\"#1b5e20\"/>", x, y); break;
	case MK_WATCHTOWER: fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"6\" height=\"12\" fill=\"#5e35b1\"/>", x - 3, y - 6); break;
	case MK_FLOOD: fprintf(f, "<path d=\"M%.1f %.1fl6 10h-12z\" fill=\"#e64a19\"/>", x, y - 5); break;
	default: fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#777\"/>", x, y); break;
	}
}

/* The lane's marks merged by column: marks of one kind in one bucket of d->bucket
 * blocks become one (their labels joined when two, else the generic one). */
static struct dmark *lane_marks(struct draw *d, const struct svg_lane *l, uint32_t *n_out)
{
	struct dmark *out = xcalloc(l->nmarks ? l->nmarks : 1, sizeof(*out));
	uint32_t n = 0;
	for (uint32_t i = 0; i < l->nmarks; i++) {
		const struct svg_mark *m = &l->marks[i];
		uint64_t b = m->height / d->bucket;
		uint32_t j = n;
		while (j-- > 0 && out[j].height / d->bucket == b)
			if (out[j].m->kind == m->kind)
				break;
		if (j != UINT32_MAX && out[j].height / d->bucket == b && out[j].m->kind == m->kind) {
			out[j].count += m->count;
			out[j].last = m->last > out[j].last ? m->last : out[j].last;
			out[j].label = NULL;
			continue;
		}
		out[n++] = (struct dmark){ m, m->height, m->last, m->count, mark_label(d->v, m), cx(d, m->height) };
	}
	/* Marks in one column side by side, in the order they happened. */
	double colpx = d->cw * (double)d->bucket;
	for (uint32_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && out[j].height / d->bucket == out[i].height / d->bucket;)
			j++;
		double sp = colpx / (double)(j - i) < 15 ? colpx / (double)(j - i) : 15;
		for (uint32_t k = i; k < j; k++)
			out[k].x += ((double)(k - i) - (double)(j - i - 1) / 2) * sp;
	}
	*n_out = n;
	return out;
}

static int by_priority(const void *a, const void *b)
{
	const struct dmark *x = *(const struct dmark *const *)a, *y = *(const struct dmark *const *)b;
	int px = KINDS[x->m->kind].priority, py = KINDS[y->m->kind].priority;
	if (px != py)
		return px - py;
	return x->height < y->height ? -1 : x->height > y->height ? 1 : (x->m < y->m ? -1 : x->m > y->m);
}

/* Labels on two rows above the marks and one below (beside the window labels), the
 * important ones first, none overlapping; placed[i]: the row (1..3) of mark i's label
 * and its anchor, row 0 when not drawn. */
struct placed {
	int row;
	double x0, x1;
	bool end_anchor;
};

static void place_labels(const struct draw *d, struct dmark *ms, uint32_t n, struct placed *pl)
{
	struct dmark **order = xcalloc(n ? n : 1, sizeof(*order));
	for (uint32_t i = 0; i < n; i++)
		order[i] = &ms[i];
	qsort(order, n, sizeof(*order), by_priority);
	/* Payments in many columns are read from their dots: labels would be noise. */
	uint32_t per_kind[MK_KINDS] = { 0 };
	for (uint32_t i = 0; i < n; i++)
		per_kind[ms[i].m->kind]++;
	for (uint32_t k = 0; k < n; k++) {
		struct dmark *m = order[k];
		uint32_t i = (uint32_t)(m - ms);
		if ((m->m->kind == MK_PAY || m->m->kind == MK_PAY_FAILED) && per_kind[m->m->kind] > 6)
			continue;
		char gen[96];
		generic_label(gen, sizeof(gen), m);
		enum svg_mark_kind kind = m->m->kind;
		bool bold = kind == MK_VIOLATION || kind == MK_CLOSE_TAMPERED || kind == MK_CLOSE_STALE ||
			    kind == MK_PAY_FAILED || kind == MK_FAILED || kind == MK_DROPPED;
		double w = (double)shown_chars(m->label ? m->label : gen, LABEL_CHARS) * (bold ? CHAR_W * 1.15 : CHAR_W) + 4;
		bool end = m->x - 4 + w > X1;
		double a = end ? m->x + 4 - w : m->x - 4, b = a + w;
		if (a < X0 - 60)
			a = X0 - 60, b = a + w; /* (cannot happen at 1200 px: kept for narrow plots) */
		for (int row = 1; row <= 3 && !pl[i].row; row++) {
			bool free = true;
			for (uint32_t j = 0; j < n && free; j++)
				if (pl[j].row == row && !(b + 6 <= pl[j].x0 || a >= pl[j].x1 + 6))
					free = false;
			for (uint32_t j = 0; row == 3 && j < d->nbusy && free; j++)
				if (!(b + 6 <= d->busy[2 * j] || a >= d->busy[2 * j + 1] + 6))
					free = false;
			if (free)
				pl[i] = (struct placed){ row, a, b, end };
		}
	}
	free(order);
}

/* Whether a mark of kind k is drawn: within the limit, the important kinds first
 * (violations, stale and tampered closes are of the first level). */
static bool budget(struct draw *d, enum svg_mark_kind k)
{
	int level = KINDS[k].priority;
	if (level > d->cut_level || (level == d->cut_level && d->cut_left == 0)) {
		d->not_drawn++;
		return false;
	}
	if (level == d->cut_level && d->cut_left)
		d->cut_left--;
	d->drawn++;
	return true;
}

/* Sets the cut: the priority levels that fit in OBS_SVG_MAX_MARKS whole, then part of
 * the next one. */
static void plan_budget(struct draw *d, const struct svg_lane *const *lanes, uint32_t nlanes)
{
	uint64_t per_level[8] = { 0 };
	for (uint32_t i = 0; i < nlanes; i++) {
		uint32_t n;
		struct dmark *ms = lane_marks(d, lanes[i], &n);
		for (uint32_t k = 0; k < n; k++)
			per_level[KINDS[ms[k].m->kind].priority]++;
		free(ms);
	}
	uint64_t used = 0;
	d->cut_level = 8;
	for (int level = 0; level < 8; level++) {
		if (used + per_level[level] > OBS_SVG_MAX_MARKS) {
			d->cut_level = level;
			d->cut_left = OBS_SVG_MAX_MARKS - used;
			return;
		}
		used += per_level[level];
	}
}

static void lane_marks_draw(struct draw *d, const struct svg_lane *l, double y)
{
	FILE *f = d->f;
	uint32_t n;
	struct dmark *ms = lane_marks(d, l, &n);
	struct placed *pl = xcalloc(n ? n : 1, sizeof(*pl));
	place_labels(d, ms, n, pl);
	for (uint32_t i = 0; i < n; i++) {
		const struct dmark *m = &ms[i];
		enum svg_mark_kind k = m->m->kind;
		if (!budget(d, k))
			continue;
		d->used[k] = true;
		char gen[96];
		generic_label(gen, sizeof(gen), m);
		const char *lbl = m->label ? m->label : gen;
		fprintf(f, "<g class=\"mark %s\" data-block=\"%" PRIu64 "\"", KINDS[k].name, m->height);
		if (m->last != m->height)
			fprintf(f, " data-last-block=\"%" PRIu64 "\"", m->last);
		fputs("><title>", f);
		if (m->last != m->height)
			fprintf(f, "blocks %" PRIu64 "..%" PRIu64 ": ", m->height, m->last);
		else
			fprintf(f, "block %" PRIu64 ": ", m->height);
		text(d, lbl, 3 * LABEL_CHARS);
		fputs("</title>", f);
		if (k == MK_VIOLATION)
			fprintf(f, "<line class=\"violation-line\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", m->x, y + 31,
				m->x, y + MARK_DY + 12);
		shape(f, k, m->x, y + MARK_DY);
		fputs("</g>\n", f);
		if (!pl[i].row)
			continue;
		const char *cls = k == MK_VIOLATION || k == MK_CLOSE_TAMPERED || k == MK_PAY_FAILED || k == MK_FAILED ||
						  k == MK_DROPPED
					  ? "lbl-bad"
				  : k == MK_CLOSE_STALE ? "lbl-strong"
							: NULL;
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\"%s", pl[i].end_anchor ? pl[i].x1 : pl[i].x0,
			y + (pl[i].row == 1 ? 15 : pl[i].row == 2 ? 28 : LANE_H - 5), pl[i].end_anchor ? " text-anchor=\"end\"" : "");
		if (cls)
			fprintf(f, " class=\"%s\"", cls);
		fputs(">", f);
		text(d, lbl, LABEL_CHARS);
		fputs("</text>\n", f);
	}
	free(pl);
	free(ms);
}

/* Bars of counted marks (the L1 and workload lanes): each column's count per block,
 * scaled to the lane's largest (the L1 lane: to the block's tx limit); a column's
 * failed payments are stacked on its successful ones. */
static void lane_bars(struct draw *d, const struct svg_lane *l, double y, bool fill)
{
	FILE *f = d->f;
	uint32_t n;
	struct dmark *ms = lane_marks(d, l, &n);
	double top = 0;
	for (uint32_t i = 0, j; i < n; i = j) {
		uint64_t sum = 0;
		for (j = i; j < n && ms[j].height / d->bucket == ms[i].height / d->bucket; j++)
			sum += ms[j].count;
		if ((double)sum / (double)d->bucket > top)
			top = (double)sum / (double)d->bucket;
	}
	if (fill)
		top = d->v->r->chain->params.block_tx_limit;
	uint32_t tallest = UINT32_MAX;
	for (uint32_t i = 0; i < n; i++)
		if (ms[i].m->kind != MK_PAY_FAILED && (tallest == UINT32_MAX || ms[i].count > ms[tallest].count))
			tallest = i;
	double stacked = 0;
	for (uint32_t i = 0; i < n && top > 0; i++) {
		const struct dmark *m = &ms[i];
		if (i == 0 || m->height / d->bucket != ms[i - 1].height / d->bucket)
			stacked = 0;
		if (!budget(d, m->m->kind))
			continue;
		bool failed = m->m->kind == MK_PAY_FAILED;
		if (failed)
			d->used_failed_bar = true;
		else
			d->used[m->m->kind] = true;
		double per = (double)m->count / (double)d->bucket, hgt = 40 * (per > top ? 1 : per / top);
		uint64_t b = m->height / d->bucket * d->bucket;
		double w = d->cw * (double)d->bucket;
		char gen[96];
		generic_label(gen, sizeof(gen), m);
		fprintf(f, "<g class=\"mark %s\" data-block=\"%" PRIu64 "\" data-count=\"%" PRIu64 "\"><title>",
			KINDS[m->m->kind].name, m->height, m->count);
		if (d->bucket > 1)
			fprintf(f, "blocks %" PRIu64 "..%" PRIu64 ": ", b, b + d->bucket - 1);
		else
			fprintf(f, "block %" PRIu64 ": ", m->height);
		fprintf(f, "%s</title><rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></g>\n", gen,
			failed ? "bar-failed" : fill ? "bar-fill" : "bar", bx(d, b) + (w > 4 ? 1 : 0),
			y + LANE_H - 8 - stacked - hgt, w > 4 ? w - 2 : w, hgt);
		stacked += hgt;
		if (i == tallest) /* the scale: the tallest bar says what it counts */
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\"%s>%s%s</text>\n", bx(d, b) + w / 2, y + 14,
				bx(d, b) + w / 2 > X1 - 80 ? " text-anchor=\"end\"" : " text-anchor=\"middle\"", gen,
				d->bucket > 1 ? " (widest column)" : "");
	}
	free(ms);
}

/* ---- lanes ---- */

static int lane_rank(const struct svg_lane *l)
{
	switch (l->kind) {
	case LANE_L1: return 0;
	case LANE_CHANNEL: return 1;
	case LANE_OTHER_CHANNELS: return 2;
	case LANE_GENERATED: return 3;
	case LANE_PARTY: return 4;
	case LANE_OTHER_PARTIES: return 5;
	case LANE_WORKLOAD: return 6;
	}
	return 7;
}

static int by_lane(const void *a, const void *b)
{
	const struct svg_lane *x = *(const struct svg_lane *const *)a, *y = *(const struct svg_lane *const *)b;
	int rx = lane_rank(x), ry = lane_rank(y);
	if (rx != ry)
		return rx - ry;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void lane_title(struct draw *d, const struct svg_lane *l, double y)
{
	FILE *f = d->f;
	const struct runner *r = d->v->r;
	char id[SCN_ID_LEN];
	fprintf(f, "<text class=\"lane-name\" x=\"12\" y=\"%.1f\">", y + 24);
	switch (l->kind) {
	case LANE_CHANNEL: text(d, scn_channel_id(r->s, l->id, id), 26); break;
	case LANE_PARTY: text(d, runner_party_name(r, l->id), 26); break;
	case LANE_OTHER_CHANNELS: fputs("other channels", f); break;
	case LANE_OTHER_PARTIES: fputs("other parties", f); break;
	case LANE_L1: fputs("Layer1 blocks", f); break;
	case LANE_WORKLOAD: fputs("workload", f); break;
	case LANE_GENERATED: fputs("generated channels", f); break;
	}
	fprintf(f, "</text>\n<text class=\"lane-sub\" x=\"12\" y=\"%.1f\">", y + 40);
	switch (l->kind) {
	case LANE_CHANNEL: {
		uint32_t np = scn_channel_nparties(r->s, l->id);
		const uint32_t *ps = scn_channel_parties(r->s, l->id);
		struct txt_buf who = { 0 };
		for (uint32_t i = 0; i < np && who.len < 40; i++)
			txt_buf_printf(&who, "%s%s", i ? ", " : "channel: ", runner_party_name(r, ps[i]));
		text(d, who.s ? who.s : "channel", 32);
		txt_buf_free(&who);
		break;
	}
	case LANE_PARTY: fputs("party", f); break;
	case LANE_OTHER_CHANNELS:
		fprintf(f, "%" PRIu64 " more channel%s not shown", l->members, l->members == 1 ? "" : "s");
		break;
	case LANE_OTHER_PARTIES:
		fprintf(f, "%" PRIu64 " more part%s not shown", l->members, l->members == 1 ? "y" : "ies");
		break;
	case LANE_L1: fputs("share of tx slots: flood", f); break;
	case LANE_WORKLOAD: fputs("payments a block", f); break;
	case LANE_GENERATED: fprintf(f, "%" PRIu64 " opens included", l->members); break;
	}
	fputs("</text>\n", f);
}

/* One span, or several of one kind merged (their blocks closer than a column):
 * then it has no channel and no label, and `merged` says how many it stands for. */
static void span_draw(struct draw *d, const struct svg_lane *l, uint32_t lane_no, uint32_t i, const struct svg_span *s,
		      double y)
{
	FILE *f = d->f;
	char id[SCN_ID_LEN];
	uint64_t to = s->to >= d->nblocks ? d->nblocks - 1 : s->to;
	double x0 = bx(d, s->from), x1 = bx(d, to + 1);
	if (d->spans_drawn >= OBS_SVG_MAX_SPANS) {
		d->not_drawn++;
		return;
	}
	d->spans_drawn++;
	if (s->kind == SP_WINDOW) {
		d->used_window = true;
		fprintf(f, "<rect class=\"window\" id=\"window-%u-%u\" data-first-block=\"%" PRIu64 "\" data-last-block=\"%" PRIu64 "\"",
			lane_no, i, s->from, s->to);
		if (s->merged)
			fprintf(f, " data-windows=\"%" PRIu64 "\"", s->merged + 1);
		else if (l->kind == LANE_CHANNEL) {
			fputs(" data-channel=\"", f);
			text(d, scn_channel_id(d->v->r->s, l->id, id), SIZE_MAX);
			fputs("\"", f);
		}
		fprintf(f, " x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>", x0, y + 3, x1 - x0, LANE_H - 6);
		if (s->merged)
			fprintf(f, "%" PRIu64 " dispute windows within blocks %" PRIu64 "..%" PRIu64, s->merged + 1, s->from, to);
		else
			fprintf(f, "dispute window: blocks %" PRIu64 "..%" PRIu64, s->from, s->to);
		fputs("</title></rect>\n", f);
		if (x1 - x0 > 150 && !s->merged && d->nbusy < 8) {
			d->busy[2 * d->nbusy] = x0 + 3;
			d->busy[2 * d->nbusy++ + 1] = x0 + 3 + 150;
		}
		if (x1 - x0 > 150 && !s->merged)
			fprintf(f, "<text class=\"window-label\" x=\"%.1f\" y=\"%.1f\">dispute window, blocks %" PRIu64 "..%" PRIu64 "</text>\n",
				x0 + 3, y + LANE_H - 7, s->from, s->to);
		return;
	}
	bool off = s->kind == SP_OFFLINE;
	if (off)
		d->used_offline = true;
	else
		d->used_flood = true;
	fprintf(f, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"14\"><title>%s: blocks %" PRIu64 "..%" PRIu64,
		off ? "offline" : "flood-span", x0, y + MARK_DY - 7, x1 - x0, off ? "offline" : "flooding L1", s->from, to);
	if (s->merged)
		fprintf(f, " (%" PRIu64 " spans)", s->merged + 1);
	fputs("</title></rect>\n", f);
}

static void spans_draw(struct draw *d, const struct svg_lane *l, uint32_t lane_no, double y)
{
	struct svg_span pending[3];
	uint32_t first[3];
	bool has[3] = { false, false, false };
	for (uint32_t i = 0; i < l->nspans; i++) {
		struct svg_span s = l->spans[i];
		if (s.from >= d->nblocks)
			continue;
		uint64_t to = s.to >= d->nblocks ? d->nblocks - 1 : s.to;
		struct svg_span *p = &pending[s.kind];
		if (has[s.kind]) {
			uint64_t pto = p->to >= d->nblocks ? d->nblocks - 1 : p->to;
			if (bx(d, s.from) <= bx(d, pto + 1) + COLUMN_PX) {
				if (s.to > p->to)
					p->to = s.to;
				p->merged += 1 + s.merged;
				continue;
			}
			span_draw(d, l, lane_no, first[s.kind], p, y);
		}
		(void)to;
		*p = s;
		first[s.kind] = i;
		has[s.kind] = true;
	}
	for (int k = 0; k < 3; k++)
		if (has[k])
			span_draw(d, l, lane_no, first[k], &pending[k], y);
}

static void lane_draw(struct draw *d, const struct svg_lane *l, uint32_t no, double y)
{
	FILE *f = d->f;
	fprintf(f, "<g class=\"lane\" id=\"lane-%u\">\n<rect x=\"4\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"/>\n", no,
		y, OBS_SVG_WIDTH - 8, LANE_H, no % 2 ? "#ffffff" : "#f5f7f8");
	lane_title(d, l, y);
	d->nbusy = 0;
	spans_draw(d, l, no, y);
	if (l->kind == LANE_CHANNEL && l->has_open) {
		uint64_t end = l->has_settled ? l->settled_h : d->nblocks - 1;
		fprintf(f, "<line class=\"life\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"><title>open: blocks %" PRIu64 "..%" PRIu64 "</title></line>\n",
			cx(d, l->open_h), y + MARK_DY, cx(d, end), y + MARK_DY, l->open_h, end);
	}
	if (l->kind == LANE_CHANNEL && l->has_settled && l->has_final && l->final_h >= l->settled_h)
		fprintf(f, "<line class=\"confirm\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", cx(d, l->settled_h),
			y + MARK_DY + 9, cx(d, l->final_h), y + MARK_DY + 9);
	if (l->kind == LANE_L1 || l->kind == LANE_WORKLOAD)
		lane_bars(d, l, y, l->kind == LANE_L1);
	else
		lane_marks_draw(d, l, y);
	fputs("</g>\n", f);
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
			shape(f, (enum svg_mark_kind)k, x, yy);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\"%s>%s</text>\n", x + 16, yy + 4,
			k == MK_VIOLATION ? " class=\"lbl-bad\"" : "", KINDS[k].legend);
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
	text(d, s->name, 60);
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
	qsort(lanes, v->nlanes, sizeof(*lanes), by_lane);
	plan_budget(&d, lanes, v->nlanes);
	heading(&d, violations);
	double y = TOP;
	axes(&d, TOP + LANE_H * (double)(v->nlanes ? v->nlanes : 1));
	for (uint32_t i = 0; i < v->nlanes; i++, y += LANE_H)
		lane_draw(&d, lanes[i], i, y);
	if (!v->nlanes) {
		fprintf(d.f, "<text class=\"note\" x=\"%.1f\" y=\"%.1f\">nothing happened on any channel</text>\n", X0, y + 30);
		y += LANE_H;
	}
	y += 34;
	uint64_t shown = 0;
	for (uint32_t i = 0; i < v->nlanes; i++)
		if (lanes[i]->kind == LANE_OTHER_CHANNELS || lanes[i]->kind == LANE_OTHER_PARTIES) {
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
