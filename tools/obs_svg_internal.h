/* What the picture observer keeps of a run (obs_svg.c collects it from the events,
 * obs_svg_draw.c lays it out). Private to those two files. */
#ifndef L2SIM_TOOLS_OBS_SVG_INTERNAL_H
#define L2SIM_TOOLS_OBS_SVG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

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
	MK_KINDS
};

struct svg_mark {
	uint64_t height, last;  /* first and last block merged into it */
	uint64_t count;         /* events merged (payments, txs: their number) */
	uint32_t label;         /* offset+1 of its own label in obs_svg.labels; 0: generic */
	uint8_t kind;
};

enum svg_span_kind { SP_WINDOW, SP_OFFLINE, SP_FLOOD };

struct svg_span {
	uint64_t from, to;      /* blocks, inclusive; to = UINT64_MAX: to the run's end */
	uint64_t merged;        /* spans merged into this one (beyond the lane's limit) */
	uint8_t kind;
};

/* A generated network's opens share one lane (LANE_GENERATED): a generated channel
 * gets a lane of its own only for something else (a close, a failure). */
enum svg_lane_kind {
	LANE_CHANNEL, LANE_PARTY, LANE_OTHER_CHANNELS, LANE_OTHER_PARTIES, LANE_L1, LANE_WORKLOAD, LANE_GENERATED
};

struct svg_lane {
	enum svg_lane_kind kind;
	uint32_t id;            /* channel or party index (the first one's for "other" lanes) */
	uint64_t members;       /* channels or parties in an "other" lane */
	struct svg_mark *marks;
	uint32_t nmarks, cap_marks;
	struct svg_span *spans;
	uint32_t nspans, cap_spans;
	bool has_open, has_settled, has_final;
	uint64_t open_h, settled_h, final_h;
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

/* Drawing (obs_svg_draw.c). */
const char *svg_mark_kind_str(enum svg_mark_kind k);

#endif
