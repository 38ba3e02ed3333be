/* What the picture observer keeps of a run (obs_svg.c collects it from the events,
 * obs_svg_draw.c lays it out). Private to those two files. */
#ifndef L2SIM_TOOLS_OBS_SVG_INTERNAL_H
#define L2SIM_TOOLS_OBS_SVG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/obs_svg.h"
#include "tools/textout.h"

enum svg_mark_kind {
	MK_OPEN,            /* open included */
	MK_DEPOSIT,         /* deposit included */
	MK_PAY,             /* off-chain payments that succeeded (count) */
	MK_PAY_FAILED,      /* ... that failed */
	MK_COOP_CLOSE,      /* cooperative close included */
	MK_CLOSE,           /* unilateral close with the latest state included */
	MK_CLOSE_STALE,     /* ... with an older state */
	MK_CLOSE_TAMPERED,  /* ... with a state altered after signing */
	MK_CHALLENGE_SENT,  /* an honest party (or its watchtower) submits a challenge */
	MK_CHALLENGE,       /* a challenge included */
	MK_DROPPED,         /* a channel tx dropped by L1 */
	MK_SETTLED,
	MK_FINAL,           /* the settlement has its confirmations */
	MK_VIOLATION,       /* Theorem 2.1 broken at a settlement */
	MK_FAILED,          /* a script action failed */
	MK_OFFLINE,         /* party lanes: goes offline (its span is drawn too) */
	MK_ONLINE,
	MK_WATCHTOWER,
	MK_FLOOD,
	MK_FILL,            /* the L1 lane: flood txs included (count) */
	MK_WORKLOAD,        /* the workload lane: payments of the block (count) */
	/* payment lanes (routed payments, SPEC section 10): one hop's HTLC each */
	MK_HTLC_ADDED,      /* added off chain */
	MK_HTLC_SETTLED,    /* settled off chain: to its payee */
	MK_HTLC_REMOVED,    /* removed off chain: back to its payer */
	MK_HTLC_CLOSE,      /* a pending-HTLC rule closed its channel */
	MK_HTLC_CLAIM,      /* its payee claimed it on chain with the preimage */
	MK_HTLC_PAID_PAYEE, /* the contract paid it to its payee */
	MK_HTLC_PAID_PAYER, /* the contract refunded it to its payer */
	MK_ROUTED_OK,       /* the payment's outcome */
	MK_ROUTED_FAILED,
	MK_HTLC_LOSS,       /* an htlc_loss (the run's end), in the violation colour */
	/* scheme lanes (SPEC section 11): L1 transfers, a rollup, a sidechain */
	MK_SCHEME_PAY,      /* payments accepted (count): included, accepted by the operator, in a sidechain block */
	MK_SCHEME_FINAL,    /* payments that reached their finality (count) */
	MK_SCHEME_STEP,     /* a batch, a proof, a deposit, a sidechain block, a peg (its own label) */
	MK_SCHEME_ATTACK,   /* a fraud or a federation theft, and what answers it */
	MK_KINDS
};

struct svg_mark {
	uint64_t height, last;  /* first and last block merged into it */
	uint64_t count;         /* events merged (payments, txs: their number) */
	uint32_t label;         /* offset+1 of its own label in obs_svg.labels; 0: generic */
	uint16_t hop;           /* payment lanes: the hop's index + 1 (marks of different
	                         * hops never merge); 0: none */
	uint8_t kind;
};

enum svg_span_kind { SP_WINDOW, SP_OFFLINE, SP_FLOOD };

struct svg_span {
	uint64_t from, to;      /* blocks, inclusive; to = UINT64_MAX: to the run's end */
	uint64_t merged;        /* spans merged into this one (beyond the lane's limit) */
	uint8_t kind;
};

/* A generated network's opens share one lane (LANE_GENERATED): a generated channel
 * gets a lane of its own only for something else (a close, a failure). A routed
 * payment gets a lane (LANE_PAYMENT, its hops' HTLCs) while there are fewer than
 * OBS_SVG_PAYMENT_LANES; later ones share LANE_OTHER_PAYMENTS. */
enum svg_lane_kind {
	LANE_CHANNEL, LANE_PARTY, LANE_OTHER_CHANNELS, LANE_OTHER_PARTIES, LANE_L1, LANE_WORKLOAD, LANE_GENERATED,
	LANE_PAYMENT, LANE_OTHER_PAYMENTS, LANE_SCHEME, LANE_OTHER_SCHEMES
};

struct svg_lane {
	enum svg_lane_kind kind;
	uint32_t id;            /* channel, party or payment index (the first one's for "other"
	                         * lanes) */
	uint64_t members;       /* channels or parties in an "other" lane */
	struct svg_mark *marks;
	uint32_t nmarks, cap_marks;
	struct svg_span *spans;
	uint32_t nspans, cap_spans;
	bool has_open, has_settled, has_final;
	uint64_t open_h, settled_h, final_h; /* payment lanes: sent, done (has_settled) */
	uint32_t sub;           /* payment lanes: offset+1 of "from to to, amount" in labels */
	uint8_t outcome;        /* payment lanes: MK_ROUTED_OK, MK_ROUTED_FAILED or MK_HTLC_LOSS
	                         * (the worst seen), 0 while pending */
};

/* A block's time, kept for the time axis (every 2^tshift-th block). */
struct svg_time {
	uint64_t height, time_ms;
};

#define SVG_LANE_NONE 0xffffu

struct obs_svg {
	const struct runner *r;
	struct svg_lane *lanes; /* in order of first appearance; "other" lanes too */
	uint32_t nlanes, cap_lanes;
	uint32_t channel_lanes, party_lanes;
	uint16_t *ch_lane, *party_lane; /* index -> lane + 1, 0 when not seen yet */
	uint32_t nch, nparties;
	uint32_t other_ch, other_party, l1_lane, wl_lane, gen_lane; /* lane index or SVG_LANE_NONE */
	uint16_t *pay_lane;     /* payment id -> lane + 1 (0: not sent yet) */
	uint16_t *scheme_lane;  /* section 11: scheme (SCN_SCHEME_L1, ...) -> lane + 1 */
	uint32_t nschemes, scheme_lanes, other_scheme;
	uint32_t npay_map, payment_lanes, other_pay;
	uint64_t htlc_losses;
	uint64_t total_marks;
	unsigned shift;         /* marks in one bucket of 2^shift blocks merge */
	struct txt_buf labels;  /* escaped labels, each ending in NUL */
	struct svg_time *times;
	uint32_t ntimes, cap_times;
	unsigned tshift;
	uint64_t max_height;
	struct txt_buf scratch;
};

/* Kept marks and spans before they are coarsened (obs_svg.c). */
#define SVG_KEEP_MARKS 16384u
#define SVG_LANE_SPANS 256u
#define SVG_KEEP_TIMES 4096u
#define SVG_LABELS_MAX (1u << 20)

/* ---- drawing: obs_svg_draw.c (the lanes), obs_svg_frame.c (the rest) ---- */

#define X0 200.0           /* the plot's left edge: lane names are left of it */
#define X1 1176.0          /* its right edge */
#define TOP 96.0           /* the first lane */
#define LANE_H 68.0
#define MARK_DY 44.0       /* a lane's marks, below its top */
#define LABEL_CHARS 56     /* longer labels end in "..." (the tooltip has them whole) */
#define CHAR_W 5.6         /* a label's character, estimated, at font-size 10 */
#define COLUMN_PX 6.0      /* marks of one kind closer than this merge */
#define OBS_SVG_MAX_SPANS 400

/* One drawing in progress. */
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

/* What each mark kind is called (its CSS class), says in the legend and, merged, with
 * a count; its priority: labels and the limit take lower values first. */
struct svg_kind {
	const char *name, *legend, *plural;
	int priority;
};
extern const struct svg_kind svg_kinds[MK_KINDS];
const char *svg_mark_kind_str(enum svg_mark_kind k);

/* Block h's left edge; the centre of its column (of its bucket's, when blocks merge). */
double svg_bx(const struct draw *d, uint64_t h);
double svg_cx(const struct draw *d, uint64_t h);
/* Writes s escaped for XML, cut to at most max characters ("..." ending a cut). */
void svg_text(struct draw *d, const char *s, size_t max);
/* A mark of kind k centred at (x, y). */
void svg_shape(FILE *f, enum svg_mark_kind k, double x, double y);
/* Sets d's limit of marks over the sorted lanes, the important kinds first. */
void svg_plan_budget(struct draw *d, const struct svg_lane *const *lanes, uint32_t nlanes);
/* qsort order of lanes: L1, channels, shared channels, generated, parties, workload. */
int svg_by_lane(const void *a, const void *b);
/* Draws lane l (number no) with its top at y. */
void svg_lane_draw(struct draw *d, const struct svg_lane *l, uint32_t no, double y);

#endif
