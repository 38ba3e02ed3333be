/* Routing over a channel graph (SPEC section 10, "Route"): a compact graph of
 * parties and two-party channels, and the route search a sender runs before each
 * attempt of a routed payment.
 *
 * The graph is arrays only: per channel its two parties, capacity and flags; per
 * direction (the payer's side of a channel) the payer's forwarding policy and spendable
 * balance; and, per party, its incoming hops in one CSR array (l2_graph_in), which is
 * what a search from the receiver backwards walks. No pointer per edge.
 *
 * A search context (l2_route_ctx) is made once per graph and reused: a search
 * allocates nothing, and it costs O(visited hops * log) rather than O(graph), because
 * per-party labels are invalidated by a generation stamp instead of being cleared.
 *
 * Two orders (enum l2_route_mode):
 *  - L2_ROUTE_CHEAPEST: SPEC's rule exactly (least total fee, then earliest first-hop
 *    expiry, then fewest hops, then the channel indices read from the receiver's end).
 *  - L2_ROUTE_LND: lnd's path weights as CLoTH reproduces them (l2/route_lnd.c and
 *    docs/routing.md say what and where from). Not exact in SPEC's sense.
 * Both give hops whose amounts and expiries follow SPEC's rule, so either route can be
 * added hop by hop as SPEC section 10 says.
 */
#ifndef L2SIM_L2_ROUTE_H
#define L2SIM_L2_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "l1sim/amount.h"

/* What the payer of a direction charges to forward out over it, and its least HTLC. */
struct l2_policy {
	struct amount fee_base;
	uint32_t fee_ppm;        /* any uint32: imported graphs exceed SPEC's 10^6 */
	uint32_t cltv_delta;     /* blocks */
	struct amount min_htlc;
};

/* One channel as the caller describes it to l2_graph_new. Direction d (0 or 1) is the
 * hop paid by party[d] to party[1 - d]. */
struct l2_graph_channel {
	uint32_t party[2];
	struct amount capacity;        /* all the channel's funds */
	struct amount spendable[2];    /* party[d]'s spendable balance */
	struct l2_policy policy[2];    /* party[d]'s policy when it sends over it */
	bool disabled[2];              /* direction d is never used (lnd's "disabled") */
};

/* An incoming hop of a party v: paid by `payer` over direction `dir` (= 2 * channel +
 * d) into v. The payer's policy, min_htlc and the capacity are copies kept together so
 * that the inner loop of a search reads one record, in order. */
struct l2_graph_in {
	uint32_t payer;
	uint32_t dir;                  /* | L2_GRAPH_DEAD_END: every channel of payer goes
	                                * to v, so a path through payer ends there */
	uint64_t min_htlc;             /* UINT64_MAX while the direction is not open */
	uint64_t capacity;             /* 0 while the direction is not open */
	uint64_t fee_base;
	uint32_t fee_ppm, cltv_delta;
};
#define L2_GRAPH_DEAD_END 0x80000000u

struct l2_graph {
	uint32_t nparties, nchannels;
	uint32_t *payer;               /* [2n] payer of each direction; payee = payer[dir ^ 1] */
	struct l2_policy *policy;      /* [2n] */
	struct amount *spendable;      /* [2n] */
	struct amount *capacity;       /* [n] */
	uint8_t *open;                 /* [2n] 1: direction usable (channel usable and the
	                                * direction not disabled) */
	uint8_t *disabled;             /* [2n] as given to l2_graph_new */
	uint32_t *in_start;            /* [nparties + 1] CSR offsets into in[] */
	struct l2_graph_in *in;        /* [2n] incoming hops, by payee, in channel order */
	uint32_t *in_pos;              /* [2n] position of direction dir in in[] */
};

enum l2_graph_result {
	L2_GRAPH_OK = 0,
	L2_GRAPH_ERR_PARTY,            /* a party index >= nparties */
	L2_GRAPH_ERR_SELF,             /* both parties of a channel are the same */
	L2_GRAPH_ERR_TOO_BIG,          /* 2^30 channels or more */
};
const char *l2_graph_result_str(enum l2_graph_result r);

/* Builds the graph of chans[0..nchannels) (channel i keeps index i). Every channel
 * starts usable. *out is set on success only; the caller owns it (l2_graph_free).
 * Cost O(nparties + nchannels). Allocation failure aborts. */
enum l2_graph_result l2_graph_new(struct l2_graph **out, uint32_t nparties,
				  uint32_t nchannels, const struct l2_graph_channel *chans);
void l2_graph_free(struct l2_graph *g);

/* SPEC's "usable two-party channel": open, no close submitted. */
void l2_graph_set_usable(struct l2_graph *g, uint32_t channel, bool usable);
/* party[d]'s spendable balance, as the sender of a payment knows its own channels. */
void l2_graph_set_spendable(struct l2_graph *g, uint32_t channel, unsigned d,
			    struct amount spendable);
void l2_graph_set_capacity(struct l2_graph *g, uint32_t channel, struct amount capacity);
static inline uint32_t l2_graph_party(const struct l2_graph *g, uint32_t channel, unsigned d)
{
	return g->payer[2 * channel + d];
}

enum l2_route_mode { L2_ROUTE_CHEAPEST = 0, L2_ROUTE_LND };
const char *l2_route_mode_str(enum l2_route_mode m);

enum l2_route_result {
	L2_ROUTE_OK = 0,
	L2_ROUTE_NO_ROUTE,             /* no path under the rules */
	L2_ROUTE_SAME_PARTY,           /* from == to */
	L2_ROUTE_BAD_PARTY,            /* from or to >= nparties */
};
const char *l2_route_result_str(enum l2_route_result r);

struct l2_route_query {
	uint32_t from, to;
	struct amount amount;          /* what the receiver gets */
	uint64_t height;               /* h: the last hop expires at h + final_cltv */
	uint32_t final_cltv;
	uint32_t max_hops;
	enum l2_route_mode mode;
	uint64_t now_ms;               /* L2_ROUTE_LND only: the age of learned failures */
};

struct l2_route_hop {
	uint32_t channel, payer, payee;
	struct amount amount;
	uint64_t expiry;
};

/* A found route, from the sender's hop to the receiver's. hops points into the search
 * context and stays valid until its next search. fee = hops[0].amount - amount. */
struct l2_route {
	uint32_t nhops;
	struct amount fee;
	const struct l2_route_hop *hops;
};

struct l2_route_ctx;
struct l2_route_mc;

/* A search context for g (borrowed: it must outlive the context and keep its size).
 * Holds O(nparties + nchannels) memory; allocation failure aborts. */
struct l2_route_ctx *l2_route_ctx_new(const struct l2_graph *g);
void l2_route_ctx_free(struct l2_route_ctx *ctx);

/* The excluded channels: a set that survives searches (SPEC: channels that failed in
 * an earlier attempt of this payment). clear is O(1). */
void l2_route_exclude_clear(struct l2_route_ctx *ctx);
void l2_route_exclude_add(struct l2_route_ctx *ctx, uint32_t channel);
bool l2_route_excluded(const struct l2_route_ctx *ctx, uint32_t channel);

/* L2_ROUTE_LND learns from the sender's earlier attempts through mc (NULL: nothing
 * learned yet; see l2_route_mc_new). Ignored in L2_ROUTE_CHEAPEST. */
void l2_route_set_mc(struct l2_route_ctx *ctx, const struct l2_route_mc *mc);

/* Searches a route for q. On L2_ROUTE_OK fills *out; on failure leaves it unchanged.
 * Stops as soon as the sender's label is final. Never allocates. */
enum l2_route_result l2_route_find(struct l2_route_ctx *ctx, const struct l2_route_query *q,
				   struct l2_route *out);

/* The forwarding fee of policy p for an outgoing amount a: fee_base + floor(a * fee_ppm
 * / 10^6). Returns false when it would pass 2^64-1 (and leaves *fee unchanged). */
bool l2_route_fee(struct amount *fee, const struct l2_policy *p, struct amount a)
	AMOUNT_WARN_UNUSED;

/* lnd's mission control, the part CLoTH keeps: per (sender, from, to) party pair the
 * largest amount that went through and the smallest that failed, with the failure's
 * time. Memory grows with the reports (amortised O(1) each); lookups are O(log k) in
 * the pairs reported for (sender, from). */
struct l2_route_mc *l2_route_mc_new(void);
void l2_route_mc_free(struct l2_route_mc *mc);
/* Hop from -> to of a route of `sender` failed with amount at now_ms. */
void l2_route_mc_fail(struct l2_route_mc *mc, uint32_t sender, uint32_t from, uint32_t to,
		      struct amount amount, uint64_t now_ms);
/* The first nhops hops of r (a route of `sender`) carried their amounts (all of them on
 * success; those before the failing hop on a failure). */
void l2_route_mc_success(struct l2_route_mc *mc, uint32_t sender, const struct l2_route *r,
			 uint32_t nhops);
/* The success probability L2_ROUTE_LND gives hop from -> to of sender's payments
 * (mc NULL: nothing learned, the a-priori 0.6). */
double l2_route_mc_probability(const struct l2_route_mc *mc, uint32_t sender, uint32_t from,
			       uint32_t to, struct amount amount, uint64_t now_ms);

#endif
