/* Scenarios (`l2sim/1`, SPEC sections 2-6 and 8): the loader and validator.
 *
 * Only tools/ touches cJSON: a file is parsed, checked completely (every problem is
 * collected, one line each, naming the file and the JSON path), converted into the
 * plain structs below, and the cJSON tree is freed. The libraries never see JSON.
 * This header is the loader's whole interface; its modules (tools/scn_*.c: the
 * generic validator, file reading, the --set paths, the budget, one per section) share
 * tools/scn_internal.h, which says what each owns. */
#ifndef L2SIM_TOOLS_SCENARIO_H
#define L2SIM_TOOLS_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "l1sim/amount.h"
#include "l1sim/chain.h"
#include "tools/import.h"

#define SCN_NONE UINT32_MAX
#define SCN_LATEST UINT64_MAX

/* Limits. Scenario files are untrusted input (people share them): whatever a file says,
 * loading it takes time and memory linear in its size, and running it ends. A file
 * beyond a limit is refused like any bad input: one line naming the file and the JSON
 * path, exit status 2. The limits are generous for hand-written and machine-written
 * files alike (docs/security.md says why each is what it is); the ones on arrays
 * count the entries written in the file. */
#define SCN_MAX_FILE_BYTES (64u << 20)     /* bytes of a scenario file */
#define SCN_MAX_JSON_VALUES 5000000u       /* values (objects, arrays, scalars) in a file */
#define SCN_MAX_DEPTH 32u                  /* nesting of objects and arrays (valid files use 5) */
#define SCN_MAX_NAME_LEN 64u               /* party names, channel ids, the scenario name */
#define SCN_MAX_DESCRIPTION_LEN 4096u
#define SCN_MAX_PARTIES 100000u            /* entries of parties[] */
#define SCN_MAX_CHANNELS 100000u           /* entries of channels[] */
#define SCN_MAX_CHANNEL_PARTIES 64u        /* parties of one channel */
#define SCN_MAX_GENERATED 10000000u        /* generate.parties, generate.channels */
#define SCN_MAX_SCRIPT 1000000u            /* entries of script[] */
#define SCN_MAX_WORKLOADS 1000u            /* entries of workload[] */
#define SCN_MAX_BLOCK 10000000u            /* at, until_block, from/to_block, T: SPEC's 10^7 */
#define SCN_MAX_PAY_COUNT 1000000u         /* count of one pay action */
#define SCN_MAX_BLOCK_PAYMENTS 1000000.0   /* a workload's mean payments per block (rate x interval) */
#define SCN_MAX_PAYMENTS 100000000.0       /* payments of a whole run: counts + workload means */
#define SCN_MAX_SIGNED_PAYMENTS 10000000.0 /* two-party payments SCN_MAX_SIGNATURE_OPS allows */
/* Signature operations of a run with l2.signatures "ed25519": every signed update of a
 * channel of n parties costs n signs and n(n-1) verifies, n^2 in all (payments, opens,
 * generated opens included, deposits and cooperative closes). 4 x 10^7 is 10^7
 * two-party payments, about half an hour of CPU. */
#define SCN_MAX_SIGNATURE_OPS 40000000.0
#define SCN_MAX_GENERATED_MEMBERS 20000000u /* generate.channels x generate.channel_size */
/* The memory a run may need (scn_memory_estimate); the lower of this, the address-
 * space and data limits of the process (setrlimit) and the machine's memory applies. */
#define SCN_MAX_MEMORY_BYTES (16ull << 30)
#define SCN_MAX_FLOOD_TXS 1000000u         /* txs of one flood batch */
#define SCN_MAX_FLOOD_TOTAL 10000000.0     /* txs x blocks, over all floods of a file */
#define SCN_MAX_ERRORS 100u                /* problems listed for one file; the rest are counted */
/* Section 10 (routed payments) and the graphs of issue 11. */
#define SCN_MAX_FEE_PPM 1000000u           /* fee_ppm: SPEC's 0..10^6 */
#define SCN_MAX_HOPS 1000u                 /* l2.max_hops */
#define SCN_MAX_ATTEMPTS 1000u             /* l2.max_attempts */
#define SCN_MAX_SEND_COUNT 1000000u        /* count of one send action */
#define SCN_MAX_IMPORTED 10000000u         /* nodes and channels of an imported graph */
#define SCN_MAX_GRAPH_FILE_BYTES (1ull << 30) /* each file of a network section */
#define SCN_MAX_TRACE_FILE_BYTES (1ull << 30) /* a trace workload's CSV */
#define SCN_MAX_TRACE_ROWS 10000000u       /* payments of one trace workload */
#define SCN_MAX_CHANNELS_PER_PARTY 1000u   /* generate.channels_per_party (scale_free) */
/* Section 11. */
#define SCN_MAX_SCHEMES 256u               /* entries of rollups[], and of sidechains[] */
#define SCN_MIN_BLOCK_BYTES 500u           /* l1.block_bytes (and the largest peg release) */
#define SCN_MAX_BLOCK_BYTES 1000000000u

/* Where an error line comes from: the file, or the override (--set KEY=VALUE, index
 * into the array given to scn_load) that caused it. The loader writes such a line as
 * "FILE: --set KEY: PROBLEM"; `msg` is the offset of PROBLEM in the line, so that a
 * caller that took the override from elsewhere (sweep's --vary) can name it its way. */
#define SCN_FROM_FILE SIZE_MAX
struct scn_origin {
	size_t override;         /* SCN_FROM_FILE or the override's index */
	size_t msg;              /* offset of the problem's text in the line */
};

/* A list of error lines; the loader appends, the caller prints. A zeroed struct is an
 * empty list. */
struct scn_errors {
	char **lines;
	size_t n, cap;
	struct scn_origin *origin; /* [n]: where lines[i] comes from */
};
/* Appends a line from the file (origin SCN_FROM_FILE, msg 0). */
void scn_errors_add(struct scn_errors *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void scn_errors_add_origin(struct scn_errors *e, struct scn_origin o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void scn_errors_free(struct scn_errors *e);

/* A forwarding policy (SPEC section 10): what a party charges, and the expiry margin
 * it keeps, to forward a payment out over a channel, and the least HTLC it sends. */
struct scn_policy {
	struct amount fee_base;  /* default 0 */
	uint32_t fee_ppm;        /* 0..10^6, default 0 */
	uint32_t cltv_delta;     /* blocks, default 40 */
	struct amount min_htlc;  /* default 1 (channel policies only; a party's is always 1) */
	bool disabled;           /* imported lnd direction marked disabled (never set by a scenario) */
};
#define SCN_DEFAULT_CLTV_DELTA 40u

struct scn_party {
	char *name;
	struct amount balance;
	bool watchtower;
	bool has_challenge_fee;
	struct amount challenge_fee;
	struct scn_policy policy; /* fee_base, fee_ppm, cltv_delta of parties[]; min_htlc 1 */
};

struct scn_channel {
	char *id;
	uint32_t nparties;
	uint32_t *parties;       /* party indices */
	struct amount *deposit;  /* [nparties] */
	/* "policy" of a two-party channel: has_policy[d] when parties[d] has an entry;
	 * then policy[d] is its policy (unset fields from the party's). */
	bool has_policy[2];
	struct scn_policy policy[2];
};

enum scn_action_kind {
	SCN_OPEN, SCN_DEPOSIT, SCN_PAY, SCN_CLOSE, SCN_OFFLINE, SCN_ONLINE, SCN_WATCHTOWER, SCN_FLOOD,
	SCN_SEND,                /* a routed payment (SPEC section 10) */
	/* SPEC section 11 (tools/scn_schemes.c loads them all) */
	SCN_TRANSFER,            /* L1 transfers: party = from, to, amount, count */
	SCN_ROLLUP_DEPOSIT,      /* scheme = rollup; party, amount */
	SCN_ROLLUP_PAY,          /* scheme = rollup; party = from, to, amount, count */
	SCN_ROLLUP_WITHDRAW,     /* scheme = rollup; party, amount */
	SCN_ROLLUP_FRAUD,        /* scheme = rollup; amount */
	SCN_PEG_IN,              /* scheme = sidechain; party, amount */
	SCN_SIDE_PAY,            /* scheme = sidechain; party = from, to, amount, count */
	SCN_PEG_OUT,             /* scheme = sidechain; party, amount */
	SCN_FEDERATION_STEAL,    /* scheme = sidechain; by[nby], amount; party = by[0] */
};
const char *scn_action_str(enum scn_action_kind k);

struct scn_action {
	uint64_t at;
	enum scn_action_kind kind;
	uint32_t channel;        /* open, deposit, pay, close */
	uint32_t party;          /* deposit, offline, online, watchtower: party; pay, send: from; close, flood: by */
	uint32_t to;             /* pay, send */
	struct amount amount;    /* deposit, pay, send */
	uint64_t count;          /* pay, send (>= 1); flood: txs */
	bool has_max_fee;        /* send: max_fee given (default: no limit) */
	struct amount max_fee;   /* send */
	uint64_t hold_blocks;    /* send (default 0) */
	bool unilateral;         /* close */
	uint64_t state;          /* close: seq or SCN_LATEST */
	bool tamper;             /* close */
	bool has_blocks;         /* offline */
	uint64_t blocks;         /* offline, flood */
	bool enabled;            /* watchtower */
	struct amount fee;       /* flood */
	uint32_t scheme;         /* section 11: the rollup's or the sidechain's index (rollups[],
	                          * sidechains[]), SCN_NONE for the others */
	uint32_t *by;            /* federation_steal: the members (party indices), owned */
	uint32_t nby;
};

enum scn_topology { SCN_TOPO_RANDOM = 0, SCN_TOPO_SCALE_FREE };
const char *scn_topology_str(enum scn_topology t);

/* The `generate` section: parties p0..p<parties-1> and channels c0..c<channels-1>,
 * appended after the explicit ones (see docs/scenario-format.md). Generated parties
 * are ordinary entries of scenario.parties; generated channels are not stored in
 * scenario.channels (10^6 of them would not fit there cheaply): reach every channel
 * through scn_channel_id/_nparties/_parties/_deposits. */
struct scn_generate {
	bool present;
	uint32_t parties, channels, channel_size;
	enum scn_topology topology; /* "random" (default) or "scale_free" */
	uint32_t channels_per_party; /* scale_free: m (channels = scn_scale_free_channels) */
	struct amount balance, deposit;
	uint64_t open_at;
	bool in_report;          /* list generated parties and channels in the JSON report */
	uint32_t first_party;    /* scenario index of p0 */
	uint32_t first_channel;  /* scenario index of c0 (= the number of explicit channels) */
	bool placed;             /* first_channel and members are set */
	uint32_t *members;       /* [channels * channel_size]: the parties of c_k at k * channel_size */
	struct amount *deposits; /* [channel_size], every one `deposit` */
};

/* The `network` section: a graph imported from files (tools/import.h). Imported node
 * k is party n<k> (scenario index first_party + k), channel j is ch<j> (index
 * first_channel + j). Like generated channels they are not in scenario.channels: the
 * scn_channel_* accessors reach them in graph.channels (whose node[] hold scenario
 * party indices after loading, and balance[] the deposits). */
enum scn_net_format { SCN_NET_CLOTH = 0, SCN_NET_LND };
const char *scn_net_format_str(enum scn_net_format f);
struct scn_network {
	bool present;
	enum scn_net_format format;
	char *files[3];          /* cloth: nodes, channels, edges; lnd: file (files[0]); as resolved */
	bool split_node1;        /* lnd "split": "node1" (default "half") */
	uint64_t open_at;        /* block of every imported channel's open (default 0) */
	struct amount balance;   /* each imported party's L1 balance beyond its deposits */
	uint32_t first_party, first_channel;
	bool placed;             /* first_channel is set */
	uint32_t nnodes, nchannels;
	struct import_channel *channels; /* [nchannels], owned */
};

/* One row of a trace workload (CLoTH's payments CSV). */
struct scn_trace_payment {
	uint64_t id;
	uint32_t from, to;       /* party indices */
	struct amount amount;    /* msat = units */
	uint64_t start_ms;       /* after from_block's time */
};

enum scn_workload_kind { SCN_WL_POISSON = 0, SCN_WL_TRACE };
/* A poisson workload's `via` (SPEC section 11): channels (the default), L1 transfers,
 * a rollup or a sidechain (via_index into rollups[] or sidechains[]). */
enum scn_via { SCN_VIA_CHANNELS = 0, SCN_VIA_L1, SCN_VIA_ROLLUP, SCN_VIA_SIDECHAIN };
const char *scn_via_str(enum scn_via v);
struct scn_workload {
	enum scn_workload_kind kind;
	double rate_per_s;       /* poisson */
	bool all_channels;
	uint32_t *channels;
	uint32_t nchannels;
	uint64_t from_block, to_block; /* trace: to_block = from_block + the last start's block (estimate) */
	struct amount min, max;
	bool routed;             /* poisson "routed": true (section 10), and every trace */
	enum scn_via via;        /* poisson: section 11's `via` */
	uint32_t via_index;      /* SCN_VIA_ROLLUP, SCN_VIA_SIDECHAIN: the scheme's index */
	bool all_parties;        /* routed, or a via other than channels: "parties": "all" */
	uint32_t *parties;       /* routed, via: the named parties (distinct) */
	uint32_t nparties;
	char *file;              /* trace: the CSV as resolved */
	struct scn_trace_payment *trace; /* trace: [ntrace], in file order (start_ms non-decreasing) */
	uint32_t ntrace;
};

enum scn_routing { SCN_ROUTING_CHEAPEST = 0, SCN_ROUTING_LND };
const char *scn_routing_str(enum scn_routing r);

/* A value an expectation compares with a report field that may be null. */
struct scn_opt {
	bool present;            /* the expectation names this field */
	bool is_null;            /* it expects null */
	uint64_t u;              /* numbers, amounts, booleans (0/1) */
	char *s;                 /* status, close */
};

struct scn_expect_channel {
	uint32_t channel;
	struct scn_opt status, close, challenged, latest_seq, registered_seq, settled_block;
	bool has_payouts, payouts_null;
	uint32_t npayouts;
	uint32_t *payout_party;
	struct amount *payout;
};

/* expect.routing (SPEC section 10): any subset of the report's routing fields. */
struct scn_expect_routing {
	bool present;
	struct scn_opt sent, ok, failed, pending, attempts, fees, htlc_losses;
	struct scn_opt hops_min, hops_p50, hops_p95, hops_max; /* may expect null */
	struct scn_opt no_route, insufficient_balance, offline, expired; /* failures */
};

/* ---- SPEC section 11: rollups and sidechains ---- */

enum scn_rollup_kind { SCN_ROLLUP_OPTIMISTIC = 0, SCN_ROLLUP_VALIDITY };
const char *scn_rollup_kind_str(enum scn_rollup_kind k);

/* rollups[] (tools/scn_rollup.c): SPEC's defaults in the comments. */
struct scn_rollup {
	char *id;
	enum scn_rollup_kind kind;
	uint32_t operator_party;
	struct amount bond;            /* 0 */
	uint64_t batch_every_blocks;   /* 1 */
	uint64_t batch_max_txs;        /* 1000 */
	uint64_t batch_base_bytes;     /* 200 */
	uint64_t bytes_per_tx;         /* 12 */
	uint64_t challenge_blocks;     /* 20 (optimistic) */
	uint64_t prove_blocks;         /* 1 (validity) */
	uint64_t proof_bytes;          /* 300 (validity) */
	uint32_t *verifiers;           /* optimistic: party indices */
	uint32_t nverifiers;
};

/* sidechains[] (tools/scn_sidechain.c). */
struct scn_sidechain {
	char *id;
	uint32_t *federation;          /* party indices, distinct */
	uint32_t nfederation;
	uint32_t threshold;            /* m: 1..nfederation */
	uint64_t block_interval_ms;    /* 60 s */
	uint64_t block_tx_limit;       /* 10000 */
	uint64_t confirmations;        /* 2 */
	uint64_t pegin_confirmations;  /* 100 */
};

/* Schemes are numbered for the report: l1, channels, then rollups in file order, then
 * sidechains in file order. */
#define SCN_SCHEME_L1 0u
#define SCN_SCHEME_CHANNELS 1u
static inline uint32_t scn_scheme_rollup(uint32_t i) { return 2u + i; }
#define scn_scheme_sidechain(s, i) (2u + (s)->nrollups + (i))

/* expect.schemes, expect.rollups, expect.sidechains: each owner defines its struct
 * (tools/scn_schemes.c, scn_rollup.c, scn_sidechain.c). */
struct scn_expect_scheme;
struct scn_expect_rollup;
struct scn_expect_sidechain;

/* ---- expect.schemes (tools/scn_schemes.c) ---- */

/* A number an expectation compares with a report field that may be null (a
 * percentile, a gain): equal when within a relative 1e-6 of it, so that a value
 * written with seven significant digits matches. */
struct scn_opt_num {
	bool present, is_null;
	double d;
};
/* Percentiles {min, p50, p95, max}, as the report's finality figures. */
enum { SCN_PCT_MIN, SCN_PCT_P50, SCN_PCT_P95, SCN_PCT_MAX, SCN_PCTS };
struct scn_expect_scheme {
	uint32_t scheme;               /* SCN_SCHEME_L1, SCN_SCHEME_CHANNELS, scn_scheme_rollup(i), ... */
	struct scn_opt kind;           /* "l1", "channels", "optimistic", "validity", "sidechain" */
	struct scn_opt payments_ok, payments_failed, payments_final, l1_txs, l1_bytes, violations;
	struct scn_opt_num soft_ms[SCN_PCTS], final_s[SCN_PCTS];
	struct scn_opt_num gain_txs, gain_bytes;
};

/* ---- expect.rollups, expect.sidechains (tools/scn_schemes.c) ---- */

/* {id: {"balances": {party: amount}, "holdings": amount}}: any subset. */
struct scn_expect_holder {
	uint32_t index;                /* into rollups[] or sidechains[] */
	uint32_t nbalances;
	uint32_t *balance_party;
	struct amount *balance;
	struct scn_opt holdings;       /* units in u */
	struct scn_opt kind;           /* s: "optimistic"/"validity" (rollups), "sidechain" */
};
struct scn_expect_rollup {
	struct scn_expect_holder h;    /* first: the loader reads both through it */
};
struct scn_expect_sidechain {
	struct scn_expect_holder h;
};

struct scn_expect {
	bool present;
	struct scn_expect_routing routing;
	struct scn_expect_scheme *schemes;       /* section 11 */
	uint32_t nschemes;
	struct scn_expect_rollup *rollups;
	uint32_t nrollups;
	struct scn_expect_sidechain *sidechains;
	uint32_t nsidechains;
	uint32_t nbalances;
	uint32_t *balance_party;
	struct amount *balance;
	struct scn_opt payments_ok, payments_failed, security_violations;
	bool has_gain_min, has_gain_max;
	double gain_min, gain_max;
	uint32_t nchannels;
	struct scn_expect_channel *channels;
};

struct scenario {
	char *file;              /* as given, for messages */
	char *name;
	char *description;
	uint64_t seed;
	struct l1_params l1;     /* seed filled from `seed` */
	double block_interval_s;
	struct amount fee;       /* l1.fee */
	double latency_ms;
	bool signatures;         /* l2.signatures == "ed25519" */
	/* l2's section-10 keys */
	uint32_t final_cltv_blocks; /* 18 */
	uint32_t max_attempts;   /* 3 */
	uint32_t max_hops;       /* 20 */
	uint32_t go_onchain_blocks; /* 6 */
	enum scn_routing routing; /* "cheapest" */
	/* The JSON path of the first section-10 feature the file uses (a policy key, an
	 * l2 routing key, send, a routed or trace workload, network, expect.routing), or
	 * NULL: see scn_uses_routing. */
	char *routing_feature;
	struct scn_party *parties;
	uint32_t nparties;
	struct scn_channel *channels; /* the explicit ones: [generate.first_channel] with generate */
	uint32_t nchannels;      /* explicit + generated */
	struct scn_generate generate;
	struct scn_network network;
	struct scn_rollup *rollups;  /* section 11 */
	uint32_t nrollups;
	struct scn_sidechain *sidechains;
	uint32_t nsidechains;
	/* The JSON path of the first section-11 feature the file uses (block_bytes, a
	 * transfer or scheme action, a via, rollups, sidechains, expect.schemes/rollups/
	 * sidechains), or NULL: the report has `schemes`, `rollups` and `sidechains` only
	 * then, so that a file using none of section 11 reports as before. */
	char *schemes_feature;
	struct scn_action *script;
	uint32_t nscript;
	struct scn_workload *workload;
	uint32_t nworkload;
	bool has_until_block;
	uint64_t until_block;
	struct scn_expect expect;
};

/* The index of a rollup or sidechain by id, or SCN_NONE. */
uint32_t scn_rollup_index(const struct scenario *s, const char *id);
uint32_t scn_sidechain_index(const struct scenario *s, const char *id);
/* The id of scheme k (SCN_SCHEME_L1: "l1", SCN_SCHEME_CHANNELS: "channels"). */
const char *scn_scheme_id(const struct scenario *s, uint32_t k);
static inline uint32_t scn_nschemes(const struct scenario *s) { return 2u + s->nrollups + s->nsidechains; }

/* An override from --set KEY=VALUE. */
struct scn_override {
	const char *key;
	const char *value;
};

/* Reads, overrides, validates and converts `path`. On success returns a scenario the
 * caller frees with scn_free; otherwise NULL with every problem in *errs. Never
 * aborts on bad input. */
struct scenario *scn_load(const char *path, const struct scn_override *ov, size_t nov,
			  struct scn_errors *errs);
/* Reads a whole scenario file (at most SCN_MAX_FILE_BYTES) into *text, which the
 * caller frees; false with the problem (cannot open, a directory, too large, a read
 * error) in *errs. */
bool scn_read_file(const char *path, char **text, size_t *len, struct scn_errors *errs);
/* The same from a buffer; `file` names it in messages. */
struct scenario *scn_load_buffer(const char *file, const char *text, size_t len,
				 const struct scn_override *ov, size_t nov, struct scn_errors *errs);
void scn_free(struct scenario *s);

/* The bytes a run of s would need at its peak, estimated from its parties, channels
 * (explicit and generated, by their number of parties), payments and flood txs
 * (docs/security.md gives the figures). The loader refuses a file whose estimate is
 * above scn_memory_limit(), so a run never starts what it cannot finish. */
uint64_t scn_memory_estimate(const struct scenario *s);
/* SCN_MAX_MEMORY_BYTES, or less when the process's limits or the machine say so. */
uint64_t scn_memory_limit(void);

/* NULL when s uses nothing of SPEC section 10, otherwise a short text naming the first
 * feature it uses (its JSON path). Runs no longer refuse such a scenario (the runner
 * routes payments: tools/run_routing.c); kept for tools that want to know. */
const char *scn_uses_routing(const struct scenario *s);
/* The channels a scale-free generation of n parties with m channels per party makes:
 * sum over k = 1..n-1 of min(m, k). */
uint64_t scn_scale_free_channels(uint64_t n, uint64_t m);

/* The forwarding policy of parties[d] of two-party channel ch (explicit, generated or
 * imported) when it sends over ch: the channel's "policy" entry, else the party's. */
struct scn_policy scn_channel_policy(const struct scenario *s, uint32_t ch, uint32_t d);

/* The index of a party or channel by name, or SCN_NONE. O(1) for generated names,
 * O(explicit ones) otherwise. */
uint32_t scn_party_index(const struct scenario *s, const char *name);
uint32_t scn_channel_index(const struct scenario *s, const char *id);

/* Channel ch (explicit or generated) of a loaded scenario. scn_channel_id returns the
 * explicit id, or writes the generated one ("c<k>") into buf. */
#define SCN_ID_LEN 66
const char *scn_channel_id(const struct scenario *s, uint32_t ch, char buf[SCN_ID_LEN]);
uint32_t scn_channel_nparties(const struct scenario *s, uint32_t ch);
const uint32_t *scn_channel_parties(const struct scenario *s, uint32_t ch);
const struct amount *scn_channel_deposits(const struct scenario *s, uint32_t ch);
static inline bool scn_channel_is_generated(const struct scenario *s, uint32_t ch)
{
	return s->generate.placed && ch >= s->generate.first_channel;
}
static inline bool scn_channel_is_imported(const struct scenario *s, uint32_t ch)
{
	return s->network.placed && ch >= s->network.first_channel;
}
static inline bool scn_party_is_imported(const struct scenario *s, uint32_t p)
{
	return s->network.present && p >= s->network.first_party;
}
static inline bool scn_party_is_generated(const struct scenario *s, uint32_t p)
{
	return s->generate.present && p >= s->generate.first_party;
}

#endif
