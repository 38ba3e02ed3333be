/* The picture observer, drawing the lanes of what obs_svg.c collected (the frame
 * around them is obs_svg_frame.c's). Marks of one kind in one column of the picture
 * (a bucket of blocks about 6 px wide) are merged into one with a count; labels go on
 * two rows above the marks of each lane and one below, where they do not overlap (the
 * important ones first), and every mark keeps its label as a tooltip (<title>). */
#include "tools/obs_svg_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"
#include "tools/runner.h"


const struct svg_kind svg_kinds[MK_KINDS] = {
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
	[MK_HTLC_ADDED] = { "htlc-added", "hop's HTLC added (off chain)", "HTLCs added", 4 },
	[MK_HTLC_SETTLED] = { "htlc-settled", "HTLC settled off chain (to payee)", "HTLCs settled", 3 },
	[MK_HTLC_REMOVED] = { "htlc-removed", "HTLC removed off chain (to payer)", "HTLCs removed", 3 },
	[MK_HTLC_CLOSE] = { "htlc-close", "channel closed for a pending HTLC", "closes for HTLCs", 1 },
	[MK_HTLC_CLAIM] = { "htlc-claim", "HTLC claimed on chain (preimage)", "HTLC claims", 1 },
	[MK_HTLC_PAID_PAYEE] = { "htlc-paid", "HTLC paid to its payee on chain", "HTLCs paid on chain", 1 },
	[MK_HTLC_PAID_PAYER] = { "htlc-refunded", "HTLC refunded to its payer on chain", "HTLCs refunded", 1 },
	[MK_ROUTED_OK] = { "routed-ok", "routed payment succeeded", "routed payments ok", 2 },
	[MK_ROUTED_FAILED] = { "routed-failed", "routed payment failed", "routed payments FAILED", 2 },
	[MK_HTLC_LOSS] = { "htlc-loss", "htlc_loss: a forwarder lost", "HTLC LOSSES", 0 },
	[MK_SCHEME_PAY] = { "scheme-pay", "scheme payments accepted (count)", "payments accepted", 4 },
	[MK_SCHEME_FINAL] = { "scheme-final", "scheme payments final (count)", "payments final", 4 },
	[MK_SCHEME_STEP] = { "scheme-step", "batch, proof, deposit, block or peg", "scheme steps", 3 },
	[MK_SCHEME_ATTACK] = { "scheme-attack", "fraud or theft, and its fraud proof", "frauds, thefts, proofs", 1 },
};

const char *svg_mark_kind_str(enum svg_mark_kind k)
{
	return k < MK_KINDS ? svg_kinds[k].name : "?";
}

/* ---- geometry ---- */

double svg_bx(const struct draw *d, uint64_t h)
{
	return X0 + (double)h * d->cw;
}

/* The centre of block h's column (of its bucket's, when blocks merge). */
double svg_cx(const struct draw *d, uint64_t h)
{
	uint64_t b = h / d->bucket * d->bucket;
	uint64_t e = b + d->bucket < d->nblocks ? b + d->bucket : d->nblocks;
	return (svg_bx(d, b) + svg_bx(d, e)) / 2;
}

/* ---- text ---- */

/* Writes s escaped for XML, cut to at most max characters ("..." ending a cut). */
void svg_text(struct draw *d, const char *s, size_t max)
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
	else if (c == 1 && k == MK_HTLC_LOSS)
		snprintf(buf, n, "1 HTLC LOSS");
	else if (c == 1 && k >= MK_HTLC_ADDED && k <= MK_HTLC_PAID_PAYER)
		snprintf(buf, n, "HTLC %s", svg_kinds[k].name + 5);
	else if (c == 1 && k == MK_ROUTED_OK)
		snprintf(buf, n, "payment ok");
	else if (c == 1 && k == MK_ROUTED_FAILED)
		snprintf(buf, n, "payment FAILED");
	else if (c == 1 && k == MK_SCHEME_PAY)
		snprintf(buf, n, "1 payment accepted");
	else if (c == 1 && k == MK_SCHEME_FINAL)
		snprintf(buf, n, "1 payment final");
	else if (c == 1)
		snprintf(buf, n, "%s", svg_kinds[k].name);
	else
		snprintf(buf, n, "%" PRIu64 " %s", c, svg_kinds[k].plural);
}

void svg_shape(FILE *f, enum svg_mark_kind k, double x, double y)
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
	case MK_HTLC_ADDED: fprintf(f, "<path d=\"M%.1f %.1fl10 5-10 5z\" fill=\"#fff\" stroke=\"#00897b\" stroke-width=\"2\"/>", x - 4, y - 5); break;
	case MK_HTLC_SETTLED: fprintf(f, "<path d=\"M%.1f %.1fl10 5-10 5z\" fill=\"#00897b\"/>", x - 4, y - 5); break;
	case MK_HTLC_REMOVED: fprintf(f, "<path d=\"M%.1f %.1fl-10 5 10 5z\" fill=\"#fff\" stroke=\"#c62828\" stroke-width=\"2\"/>", x + 4, y - 5); break;
	case MK_HTLC_CLOSE: fprintf(f, "<path d=\"M%.1f %.1fl7 7-7 7-7-7z\" fill=\"#fff\" stroke=\"#455a64\" stroke-width=\"2\"/>", x, y - 7); break;
	case MK_HTLC_CLAIM: fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5.5\" fill=\"#ffb300\" stroke=\"#6d4c41\" stroke-width=\"1.5\"/>", x, y); break;
	case MK_HTLC_PAID_PAYEE: fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"#00695c\"/>", x - 5, y - 5); break;
	case MK_HTLC_PAID_PAYER: fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"#fff\" stroke=\"#ef6c00\" stroke-width=\"2\"/>", x - 5, y - 5); break;
	case MK_ROUTED_OK: fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"#2e7d32\"/><path d=\"M%.1f %.1fl2.5 2.5 5-5.5\" fill=\"none\" stroke=\"#fff\" stroke-width=\"2\"/>", x, y, x - 3.5, y); break;
	case MK_ROUTED_FAILED: fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"#fff\" stroke=\"#c62828\" stroke-width=\"2\"/><path d=\"M%.1f %.1fl6 6m0-6l-6 6\" stroke=\"#c62828\" stroke-width=\"2\"/>", x, y, x - 3, y - 3); break;
	case MK_HTLC_LOSS: fprintf(f, "<path d=\"M%.1f %.1fl3 6.5 7 1-5 5 1.5 7-6.5-3.5-6.5 3.5 1.5-7-5-5 7-1z\" fill=\"#d50000\" stroke=\"#fff\" stroke-width=\"1\"/>", x, y - 11); break;
	case MK_SCHEME_PAY: fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#3949ab\"/>", x, y); break;
	case MK_SCHEME_FINAL: fprintf(f, "<path d=\"M%.1f %.1fl4 4 8-9\" fill=\"none\" stroke=\"#3949ab\" stroke-width=\"3\"/>", x - 6, y); break;
	case MK_SCHEME_STEP: fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" fill=\"#78909c\" stroke=\"#37474f\" stroke-width=\"1\"/>", x - 4.5, y - 4.5); break;
	case MK_SCHEME_ATTACK: fprintf(f, "<path d=\"M%.1f %.1fl8 14h-16z\" fill=\"#ff6f00\" stroke=\"#222\" stroke-width=\"1\"/>", x, y - 8); break;
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
			if (out[j].m->kind == m->kind && out[j].m->hop == m->hop)
				break;
		if (j != UINT32_MAX && out[j].height / d->bucket == b && out[j].m->kind == m->kind &&
		    out[j].m->hop == m->hop) {
			out[j].count += m->count;
			out[j].last = m->last > out[j].last ? m->last : out[j].last;
			out[j].label = NULL;
			continue;
		}
		out[n++] = (struct dmark){ m, m->height, m->last, m->count, mark_label(d->v, m), svg_cx(d, m->height) };
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
	int px = svg_kinds[x->m->kind].priority, py = svg_kinds[y->m->kind].priority;
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
			    kind == MK_PAY_FAILED || kind == MK_FAILED || kind == MK_DROPPED || kind == MK_HTLC_LOSS ||
			    kind == MK_ROUTED_FAILED;
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
	int level = svg_kinds[k].priority;
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
void svg_plan_budget(struct draw *d, const struct svg_lane *const *lanes, uint32_t nlanes)
{
	uint64_t per_level[8] = { 0 };
	for (uint32_t i = 0; i < nlanes; i++) {
		uint32_t n;
		struct dmark *ms = lane_marks(d, lanes[i], &n);
		for (uint32_t k = 0; k < n; k++)
			per_level[svg_kinds[ms[k].m->kind].priority]++;
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
		fprintf(f, "<g class=\"mark %s\" data-block=\"%" PRIu64 "\"", svg_kinds[k].name, m->height);
		if (m->last != m->height)
			fprintf(f, " data-last-block=\"%" PRIu64 "\"", m->last);
		if (m->m->hop)
			fprintf(f, " data-hop=\"%u\"", m->m->hop - 1u);
		if (l->kind == LANE_PAYMENT || l->kind == LANE_OTHER_PAYMENTS)
			fprintf(f, " data-count=\"%" PRIu64 "\"", m->count);
		fputs("><title>", f);
		if (m->last != m->height)
			fprintf(f, "blocks %" PRIu64 "..%" PRIu64 ": ", m->height, m->last);
		else
			fprintf(f, "block %" PRIu64 ": ", m->height);
		svg_text(d, lbl, 3 * LABEL_CHARS);
		fputs("</title>", f);
		if (k == MK_VIOLATION || k == MK_HTLC_LOSS)
			fprintf(f, "<line class=\"violation-line\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", m->x, y + 31,
				m->x, y + MARK_DY + 12);
		svg_shape(f, k, m->x, y + MARK_DY);
		fputs("</g>\n", f);
		if (!pl[i].row)
			continue;
		const char *cls = k == MK_VIOLATION || k == MK_CLOSE_TAMPERED || k == MK_PAY_FAILED || k == MK_FAILED ||
						  k == MK_DROPPED || k == MK_HTLC_LOSS || k == MK_ROUTED_FAILED
					  ? "lbl-bad"
				  : k == MK_CLOSE_STALE ? "lbl-strong"
							: NULL;
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\"%s", pl[i].end_anchor ? pl[i].x1 : pl[i].x0,
			y + (pl[i].row == 1 ? 15 : pl[i].row == 2 ? 28 : LANE_H - 5), pl[i].end_anchor ? " text-anchor=\"end\"" : "");
		if (cls)
			fprintf(f, " class=\"%s\"", cls);
		fputs(">", f);
		svg_text(d, lbl, LABEL_CHARS);
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
			svg_kinds[m->m->kind].name, m->height, m->count);
		if (d->bucket > 1)
			fprintf(f, "blocks %" PRIu64 "..%" PRIu64 ": ", b, b + d->bucket - 1);
		else
			fprintf(f, "block %" PRIu64 ": ", m->height);
		fprintf(f, "%s</title><rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></g>\n", gen,
			failed ? "bar-failed" : fill ? "bar-fill" : "bar", svg_bx(d, b) + (w > 4 ? 1 : 0),
			y + LANE_H - 8 - stacked - hgt, w > 4 ? w - 2 : w, hgt);
		stacked += hgt;
		if (i == tallest) /* the scale: the tallest bar says what it counts */
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\"%s>%s%s</text>\n", svg_bx(d, b) + w / 2, y + 14,
				svg_bx(d, b) + w / 2 > X1 - 80 ? " text-anchor=\"end\"" : " text-anchor=\"middle\"", gen,
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
	case LANE_PAYMENT: return 4;
	case LANE_OTHER_PAYMENTS: return 5;
	case LANE_SCHEME: return 6;
	case LANE_OTHER_SCHEMES: return 7;
	case LANE_PARTY: return 8;
	case LANE_OTHER_PARTIES: return 9;
	case LANE_WORKLOAD: return 10;
	}
	return 11;
}

int svg_by_lane(const void *a, const void *b)
{
	const struct svg_lane *x = *(const struct svg_lane *const *)a, *y = *(const struct svg_lane *const *)b;
	int rx = lane_rank(x), ry = lane_rank(y);
	if (rx != ry)
		return rx - ry;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* What a scheme lane carries (SPEC section 11), under its name. */
static void scheme_sub(struct draw *d, uint32_t k)
{
	const struct scenario *s = d->v->r->s;
	if (k == SCN_SCHEME_L1) {
		fputs("scheme l1: one L1 tx each", d->f);
	} else if (k - 2 < s->nrollups) {
		const struct scn_rollup *ro = &s->rollups[k - 2];
		fprintf(d->f, "%s rollup, operator ", scn_rollup_kind_str(ro->kind));
		svg_text(d, runner_party_name(d->v->r, ro->operator_party), 14);
	} else if (k - 2 - s->nrollups < s->nsidechains) {
		const struct scn_sidechain *sc = &s->sidechains[k - 2 - s->nrollups];
		fprintf(d->f, "sidechain, %u-of-%u federation", sc->threshold, sc->nfederation);
	}
}

static void lane_title(struct draw *d, const struct svg_lane *l, double y)
{
	FILE *f = d->f;
	const struct runner *r = d->v->r;
	char id[SCN_ID_LEN];
	fprintf(f, "<text class=\"lane-name\" x=\"12\" y=\"%.1f\">", y + 24);
	switch (l->kind) {
	case LANE_CHANNEL: svg_text(d, scn_channel_id(r->s, l->id, id), 26); break;
	case LANE_PARTY: svg_text(d, runner_party_name(r, l->id), 26); break;
	case LANE_OTHER_CHANNELS: fputs("other channels", f); break;
	case LANE_OTHER_PARTIES: fputs("other parties", f); break;
	case LANE_L1: fputs("Layer1 blocks", f); break;
	case LANE_WORKLOAD: fputs("workload", f); break;
	case LANE_GENERATED: fputs("generated channels", f); break;
	case LANE_PAYMENT: fprintf(f, "payment %u", l->id); break;
	case LANE_OTHER_PAYMENTS: fputs("other payments", f); break;
	case LANE_SCHEME: svg_text(d, l->id == SCN_SCHEME_L1 ? "L1 transfers" : scn_scheme_id(r->s, l->id), 26); break;
	case LANE_OTHER_SCHEMES: fputs("other schemes", f); break;
	}
	fprintf(f, "</text>\n<text class=\"lane-sub\" x=\"12\" y=\"%.1f\">", y + 40);
	switch (l->kind) {
	case LANE_CHANNEL: {
		uint32_t np = scn_channel_nparties(r->s, l->id);
		const uint32_t *ps = scn_channel_parties(r->s, l->id);
		struct txt_buf who = { 0 };
		for (uint32_t i = 0; i < np && who.len < 40; i++)
			txt_buf_printf(&who, "%s%s", i ? ", " : "channel: ", runner_party_name(r, ps[i]));
		svg_text(d, who.s ? who.s : "channel", 32);
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
	case LANE_PAYMENT:
		/* its outcome after the payment: read without hovering */
		svg_text(d, l->sub ? d->v->labels.s + l->sub - 1 : "routed payment", 24);
		fputs(l->outcome == MK_ROUTED_OK ? ": ok" : l->outcome == MK_ROUTED_FAILED ? ": FAILED"
			: l->outcome == MK_HTLC_LOSS ? ": HTLC LOSS" : ": pending", f);
		break;
	case LANE_OTHER_PAYMENTS:
		fprintf(f, "%" PRIu64 " more payment%s not shown", l->members, l->members == 1 ? "" : "s");
		break;
	case LANE_SCHEME: scheme_sub(d, l->id); break;
	case LANE_OTHER_SCHEMES:
		fprintf(f, "%" PRIu64 " more scheme%s not shown", l->members, l->members == 1 ? "" : "s");
		break;
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
	double x0 = svg_bx(d, s->from), x1 = svg_bx(d, to + 1);
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
			svg_text(d, scn_channel_id(d->v->r->s, l->id, id), SIZE_MAX);
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
			if (svg_bx(d, s.from) <= svg_bx(d, pto + 1) + COLUMN_PX) {
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

void svg_lane_draw(struct draw *d, const struct svg_lane *l, uint32_t no, double y)
{
	FILE *f = d->f;
	fprintf(f, "<g class=\"lane\" id=\"lane-%u\"", no);
	if (l->kind == LANE_PAYMENT)
		fprintf(f, " data-payment=\"%u\"", l->id);
	if (l->kind == LANE_SCHEME) {
		fputs(" data-scheme=\"", f);
		svg_text(d, scn_scheme_id(d->v->r->s, l->id), 64);
		fputs("\"", f);
	}
	fprintf(f, ">\n<rect x=\"4\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"/>\n", y,
		OBS_SVG_WIDTH - 8, LANE_H, no % 2 ? "#ffffff" : "#f5f7f8");
	lane_title(d, l, y);
	d->nbusy = 0;
	spans_draw(d, l, no, y);
	if (l->kind == LANE_CHANNEL && l->has_open) {
		uint64_t end = l->has_settled ? l->settled_h : d->nblocks - 1;
		fprintf(f, "<line class=\"life\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"><title>open: blocks %" PRIu64 "..%" PRIu64 "</title></line>\n",
			svg_cx(d, l->open_h), y + MARK_DY, svg_cx(d, end), y + MARK_DY, l->open_h, end);
	}
	if (l->kind == LANE_PAYMENT && l->has_open) {
		uint64_t end = l->has_settled ? l->settled_h : d->nblocks - 1;
		fprintf(f, "<line class=\"life\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"><title>payment %u: sent at block %" PRIu64 ", %s at block %" PRIu64 "</title></line>\n",
			svg_cx(d, l->open_h), y + MARK_DY, svg_cx(d, end), y + MARK_DY, l->id, l->open_h,
			l->has_settled ? "done" : "pending", end);
	}
	if (l->kind == LANE_CHANNEL && l->has_settled && l->has_final && l->final_h >= l->settled_h)
		fprintf(f, "<line class=\"confirm\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", svg_cx(d, l->settled_h),
			y + MARK_DY + 9, svg_cx(d, l->final_h), y + MARK_DY + 9);
	if (l->kind == LANE_L1 || l->kind == LANE_WORKLOAD)
		lane_bars(d, l, y, l->kind == LANE_L1);
	else
		lane_marks_draw(d, l, y);
	fputs("</g>\n", f);
}
