#include "bench.h"

#include <cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "l1sim/chain.h"
#include "l1sim/rng.h"
#include "l1sim/state.h"
#include "l1sim/util.h"
#include "tools/bench_schemes.h"
#include "tools/report.h"
#include "tools/obs_metrics.h"
#include "tools/runner.h"
#include "tools/scenario.h"

/* The 2020 Lightning snapshot's size (issue 11): 6,006 parties; scale-free with 5
 * channels a party gives 30,015 channels, near its 30,457. */
#define SNAPSHOT_PARTIES 6006u
#define SNAPSHOT_DIR "../shared/data/ln-snapshot-2020"
#define ROUTED_BOUND 3400.0    /* 100 x CLoTH's 34 payments/s on the snapshot */
#define ROUTED_AMOUNT 100000u  /* msat, CLoTH's workload */

/* Sizes of the full run and of the quick (smoke) one. */
struct sizes {
	uint32_t ed_payments;      /* signed payments timed */
	uint32_t ed_bound_ops;     /* signs and verifies timed for the bound */
	uint32_t channels;         /* the "off" network */
	uint32_t parties;
	uint64_t payments;         /* "off" payments of the timed run; the memory base run has a tenth */
	uint64_t bare_moves;       /* iterations of the bare loop */
	uint32_t empty_blocks, full_blocks;
	uint32_t routed_parties;   /* the generated scale-free graph of the routed figures */
	uint64_t routed_payments;  /* signatures off */
	uint64_t routed_ed_payments;
};

static const struct sizes FULL = { 15000, 15000, 1000000, 100000, 10000000, 150000000, 1000000, 100, SNAPSHOT_PARTIES, 5000, 1000 };
static const struct sizes QUICK = { 300, 300, 10000, 1000, 200000, 3000000, 10000, 3, 300, 200, 40 };

#define FULL_BLOCK_TXS 4000
#define OFF_BLOCKS 10u /* the off workload spreads its payments over this many 1-second blocks */
#define ROUNDS 3       /* rounds of each timed measurement; each figure keeps its best */

/* CPU time of this process: on a machine shared with other work, time spent waiting
 * for a core is not the simulator's. Every figure and every bound uses this clock. */
static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress(FILE *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(FILE *err, const char *fmt, ...)
{
	if (!err)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("l2sim bench: ", err);
	vfprintf(err, fmt, ap);
	fputc('\n', err);
	va_end(ap);
	fflush(err);
}

/* ---- simulated payments through the runner ---- */

struct sim_result {
	uint64_t payments;   /* attempted in the timed blocks (ok + failed) */
	uint64_t failed;
	double seconds;      /* CPU time of the timed blocks */
	double best_per_s;   /* payments per second of the best of ROUNDS runs of blocks */
};

static struct scenario *bench_scenario(const char *text)
{
	struct scn_errors errs = { 0 };
	struct scenario *s = scn_load_buffer("bench", text, strlen(text), NULL, 0, &errs);
	if (!s) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.lines[i]);
		fatal_invariant("the benchmark's own scenario was refused");
	}
	scn_errors_free(&errs);
	return s;
}

/* Runs a scenario whose workload spans blocks [2, 2 + blocks): the set-up (loading,
 * channel creation, the opens submitted in block 0 and included in block 1) is not
 * timed; the blocks of the workload are. Then the run ends as `l2sim run` would and the
 * JSON report is written to `report` (so a child's peak RSS covers a whole run). */
static struct sim_result run_timed(const char *text, uint64_t blocks, FILE *report)
{
	struct scenario *s = bench_scenario(text);
	struct runner *r = runner_new(s, NULL, false);
	struct sim_result res = { 0 };
	runner_start(r);
	while (r->chain->height < 1 && runner_step(r))
		;
	uint64_t before = runner_metrics(r)->payments_ok + runner_metrics(r)->payments_failed, failed = runner_metrics(r)->payments_failed;
	/* The timed blocks in ROUNDS runs of consecutive blocks; the best run is kept too. */
	for (int k = 0; k < ROUNDS; k++) {
		uint64_t until = 1 + blocks * (uint64_t)(k + 1) / ROUNDS;
		uint64_t p0 = runner_metrics(r)->payments_ok + runner_metrics(r)->payments_failed;
		double t0 = now_s();
		while (r->chain->height < until && runner_step(r))
			;
		double dt = now_s() - t0;
		uint64_t n = runner_metrics(r)->payments_ok + runner_metrics(r)->payments_failed - p0;
		res.seconds += dt;
		if (dt > 0 && (double)n / dt > res.best_per_s)
			res.best_per_s = (double)n / dt;
	}
	res.payments = runner_metrics(r)->payments_ok + runner_metrics(r)->payments_failed - before;
	res.failed = runner_metrics(r)->payments_failed - failed;
	while (runner_step(r))
		;
	runner_finish(r);
	if (report) {
		struct scn_errors failures = { 0 };
		report_check_expect(r, &failures);
		report_json(report, r, &failures);
		scn_errors_free(&failures);
	}
	runner_free(r);
	scn_free(s);
	return res;
}

/* The "off" network: generated two-party channels, signatures off, opened at block 0
 * (one block takes them all), a Poisson workload of `payments` in expectation over
 * OFF_BLOCKS one-second blocks that never runs out of funds. */
static char *off_scenario(uint32_t channels, uint32_t parties, uint64_t payments)
{
	char *text = xmalloc(1024);
	snprintf(text, 1024,
		 "{\"format\": \"l2sim/1\", \"name\": \"bench-off\", \"seed\": 1,"
		 " \"l1\": {\"block_interval_s\": 1, \"confirmations\": 1, \"block_tx_limit\": %u},"
		 " \"l2\": {\"signatures\": \"off\"},"
		 " \"generate\": {\"parties\": %u, \"channels\": %u, \"balance\": \"100000000000000\","
		 " \"deposit\": 1000000000, \"open_at\": 0},"
		 " \"workload\": [{\"kind\": \"poisson\", \"rate_per_s\": %.17g, \"channels\": \"all\","
		 " \"from_block\": 2, \"to_block\": %u, \"amount\": {\"min\": 1, \"max\": 10}}]}",
		 channels, parties, channels, (double)payments / OFF_BLOCKS, 2 + OFF_BLOCKS);
	return text;
}

/* One two-party channel with Ed25519 signatures and `payments` payments expected in
 * 10 one-second blocks. */
static char *ed_scenario(uint32_t payments)
{
	char *text = xmalloc(1024);
	snprintf(text, 1024,
		 "{\"format\": \"l2sim/1\", \"name\": \"bench-ed25519\", \"seed\": 1,"
		 " \"l1\": {\"block_interval_s\": 1, \"confirmations\": 1},"
		 " \"generate\": {\"parties\": 2, \"channels\": 1, \"balance\": \"100000000000000\","
		 " \"deposit\": 1000000000000, \"open_at\": 0},"
		 " \"workload\": [{\"kind\": \"poisson\", \"rate_per_s\": %.17g, \"channels\": \"all\","
		 " \"from_block\": 2, \"to_block\": 12, \"amount\": {\"min\": 1, \"max\": 10}}]}",
		 (double)payments / 10);
	return text;
}

/* ---- routed payments (SPEC section 10) through the runner ---- */

struct routed_result {
	double setup_s, run_s;     /* CPU: load, build and opens (to block 1); the rest */
	uint64_t sent, ok, failed, attempts;
	uint64_t signs, verifies;  /* done after the set-up */
	uint32_t channels;
	double sign_s, verify_s;   /* signed runs: a sign's and a verify's cost, timed right
	                            * before and right after the run (their mean) */
};

static void ed_ops(uint32_t n, double *sign_s, double *verify_s);

/* A whole run of a routed scenario: the set-up (loading, the graph, the opens included
 * in block 1) is timed apart from the rest of the run (the payments, from block 2, to
 * the run's end). With ed_ops_n > 0, the costs of a sign and a verify are timed
 * (ed_ops, ed_ops_n of each) right before and right after the run and their mean kept:
 * the bound is then measured under the same load as the run it bounds. False, with
 * the loader's messages on stderr, if the scenario was refused (an imported graph can
 * be). */
static bool run_routed(const char *text, uint32_t ed_ops_n, struct routed_result *out)
{
	struct routed_result res = { 0 };
	double t0 = now_s();
	struct scn_errors errs = { 0 };
	struct scenario *s = scn_load_buffer("bench-routed", text, strlen(text), NULL, 0, &errs);
	if (!s) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.lines[i]);
		scn_errors_free(&errs);
		return false;
	}
	scn_errors_free(&errs);
	struct runner *r = runner_new(s, NULL, false);
	runner_start(r);
	while (r->chain->height < 1 && runner_step(r))
		;
	double t_setup = now_s(), s0 = 0, v0 = 0, s1 = 0, v1 = 0;
	if (ed_ops_n)
		ed_ops(ed_ops_n, &s0, &v0);
	double t1 = now_s();
	uint64_t signs = r->net->signs, verifies = r->net->verifies;
	while (runner_step(r))
		;
	runner_finish(r);
	double t2 = now_s();
	if (ed_ops_n)
		ed_ops(ed_ops_n, &s1, &v1);
	res.sign_s = (s0 + s1) / 2;
	res.verify_s = (v0 + v1) / 2;
	const struct obs_routing *rt = &runner_metrics(r)->rt;
	res.setup_s = t_setup - t0;
	res.run_s = t2 - t1;
	res.sent = rt->sent;
	res.ok = rt->ok;
	res.failed = rt->failed;
	res.attempts = rt->attempts;
	res.signs = r->net->signs - signs;
	res.verifies = r->net->verifies - verifies;
	res.channels = r->net->nchannels;
	runner_free(r);
	scn_free(s);
	*out = res;
	return true;
}

/* The body shared by the routed scenarios: a routed Poisson workload of `payments` in
 * expectation over 10 one-second blocks, every payment of ROUTED_AMOUNT between two
 * distinct parties, with room for every open in block 0. */
static char *routed_scenario(const char *graph, const char *signatures, uint64_t payments)
{
	size_t cap = 1024 + strlen(graph);
	char *text = xmalloc(cap);
	snprintf(text, cap,
		 "{\"format\": \"l2sim/1\", \"name\": \"bench-routed\", \"seed\": 1,"
		 " \"l1\": {\"block_interval_s\": 1, \"confirmations\": 1, \"block_tx_limit\": 1000000},"
		 " \"l2\": {\"signatures\": \"%s\"}, %s,"
		 " \"workload\": [{\"kind\": \"poisson\", \"routed\": true, \"parties\": \"all\","
		 " \"rate_per_s\": %.17g, \"from_block\": 2, \"to_block\": 12,"
		 " \"amount\": {\"min\": %u, \"max\": %u}}]}",
		 signatures, graph, (double)payments / 10, ROUTED_AMOUNT, ROUTED_AMOUNT);
	return text;
}

static char *generated_routed(uint32_t parties, const char *signatures, uint64_t payments)
{
	char graph[512];
	snprintf(graph, sizeof(graph),
		 "\"generate\": {\"parties\": %u, \"topology\": \"scale_free\", \"channels_per_party\": 5,"
		 " \"balance\": \"100000000000000\", \"deposit\": 1000000000, \"open_at\": 0}",
		 parties);
	return routed_scenario(graph, signatures, payments);
}

/* The snapshot in CLoTH's format, or NULL when its folder is not there. */
static char *snapshot_routed(uint64_t payments)
{
	/* Absolute, since an in-memory scenario has no folder of its own. */
	char cwd[4096], dir[4200];
	if (access(SNAPSHOT_DIR "/nodes.csv", R_OK) != 0 || !getcwd(cwd, sizeof(cwd)))
		return NULL;
	snprintf(dir, sizeof(dir), "%s/%s", cwd, SNAPSHOT_DIR);
	size_t cap = 3 * strlen(dir) + 256;
	char *graph = xmalloc(cap);
	snprintf(graph, cap,
		 "\"network\": {\"format\": \"cloth\", \"nodes\": \"%s/nodes.csv\", \"channels\": \"%s/channels.csv\","
		 " \"edges\": \"%s/edges.csv\", \"open_at\": 0}",
		 dir, dir, dir);
	char *text = routed_scenario(graph, "off", payments);
	free(graph);
	return text;
}

/* The bound of a signed run: payments per second if the run did nothing but the signs
 * and verifies its hops did, at the costs timed around it. */
static double routed_ed_bound(const struct routed_result *r)
{
	double ops_s = (double)r->signs * r->sign_s + (double)r->verifies * r->verify_s;
	return ops_s > 0 ? (double)r->sent / ops_s : 0;
}

/* Best of ROUNDS whole runs: by payments per second of the run's CPU time, or, with
 * ed_ops_n > 0 (signed runs), by the ratio to the bound timed around each run. */
static bool routed_best(const char *text, uint32_t ed_ops_n, struct routed_result *best)
{
	bool any = false;
	for (int k = 0; k < ROUNDS; k++) {
		struct routed_result res;
		if (!run_routed(text, ed_ops_n, &res))
			return false;
		double x = (double)res.sent / res.run_s, y = (double)best->sent / best->run_s;
		if (ed_ops_n && any) {
			x /= routed_ed_bound(&res);
			y /= routed_ed_bound(best);
		}
		if (!any || x > y)
			*best = res;
		any = true;
	}
	return any;
}

/* ---- peak RSS of a fresh process per configuration ---- */

struct child_result {
	struct sim_result sim;
	long maxrss_kb;      /* the child's own ru_maxrss when it is done */
};

/* Forks; the child runs `text` (NULL: nothing, the baseline) and sends back its timing
 * and its peak RSS (getrusage of itself, at the end). The parent is small when it
 * forks, and the baseline child starts from the same state, so subtracting the
 * baseline leaves what the run itself needed. */
static bool in_child(const char *text, uint64_t blocks, struct child_result *out)
{
	int fd[2];
	if (pipe(fd) != 0)
		return false;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return false;
	}
	if (pid == 0) {
		close(fd[0]);
		struct child_result res = { 0 };
		if (text) {
			FILE *devnull = fopen("/dev/null", "w");
			res.sim = run_timed(text, blocks, devnull);
			if (devnull)
				fclose(devnull);
		}
		struct rusage ru;
		if (getrusage(RUSAGE_SELF, &ru) != 0)
			_exit(1);
		res.maxrss_kb = ru.ru_maxrss;
		ssize_t w = write(fd[1], &res, sizeof(res));
		_exit(w == (ssize_t)sizeof(res) ? 0 : 1);
	}
	close(fd[1]);
	struct child_result res;
	ssize_t got = read(fd[0], &res, sizeof(res));
	close(fd[0]);
	int status;
	pid_t w;
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (w != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != (ssize_t)sizeof(res))
		return false;
	*out = res;
	return true;
}

/* ---- the bounds ---- */

/* Moves an amount between the two balances of a random channel of an array of
 * `channels`, `moves` times; returns moves per second. Plain integers on purpose: this
 * is the floor under any simulator of the same network, not simulated money. */
static double bare_loop(uint32_t channels, uint64_t moves, uint64_t *checksum)
{
	uint64_t (*bal)[2] = xcalloc(channels, sizeof(*bal));
	for (uint32_t i = 0; i < channels; i++)
		bal[i][0] = bal[i][1] = 1000000000;
	struct rng g;
	rng_init(&g, 1, 0x42415245u /* "BARE" */);
	double t0 = now_s();
	for (uint64_t k = 0; k < moves; k++) {
		uint64_t x = rng_next(&g);
		uint32_t ch = (uint32_t)(((x >> 32) * (uint64_t)channels) >> 32);
		unsigned from = (unsigned)(x & 1);
		uint64_t amt = 1 + ((x >> 1) & 7);
		if (bal[ch][from] >= amt) {
			bal[ch][from] -= amt;
			bal[ch][!from] += amt;
		}
	}
	double dt = now_s() - t0;
	uint64_t sum = 0;
	for (uint32_t i = 0; i < channels; i++)
		sum += bal[i][0] ^ bal[i][1];
	*checksum = sum; /* keeps the loop from being optimised away */
	free(bal);
	return (double)moves / dt;
}

/* Seconds per Ed25519 sign and per verify of a two-party state's encoding, timed with
 * a bare libsodium loop. Every message differs, and so every signature verified: a
 * verify is variable-time, and verifying one signature over and over lets the branch
 * predictors learn it (on the machine of docs/performance.md, 43 us a verify instead
 * of 45 to 48 us: a bound 5 to 10% too fast). */
static void ed_ops(uint32_t n, double *sign_s, double *verify_s)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	size_t len = l1_state_encoded_len(2);
	enum { MSG = 64 };
	if (len > MSG)
		fatal_invariant("state encoding larger than expected");
	uint8_t *msgs = xmalloc((size_t)n * MSG), *sigs = xmalloc((size_t)n * crypto_sign_BYTES);
	struct rng g;
	rng_init(&g, 1, 0x4544u /* "ED" */);
	for (size_t i = 0; i < (size_t)n * MSG; i++)
		msgs[i] = (uint8_t)rng_next(&g);
	uint8_t seed[crypto_sign_SEEDBYTES] = { 1 };
	crypto_sign_seed_keypair(pk, sk, seed);
	double t0 = now_s();
	for (uint32_t i = 0; i < n; i++)
		crypto_sign_detached(sigs + (size_t)i * crypto_sign_BYTES, NULL, msgs + (size_t)i * MSG, len, sk);
	double t1 = now_s();
	int bad = 0;
	for (uint32_t i = 0; i < n; i++)
		bad |= crypto_sign_verify_detached(sigs + (size_t)i * crypto_sign_BYTES, msgs + (size_t)i * MSG, len, pk);
	double t2 = now_s();
	if (bad)
		fatal_invariant("a fresh Ed25519 signature did not verify");
	free(msgs);
	free(sigs);
	*sign_s = (t1 - t0) / n;
	*verify_s = (t2 - t1) / n;
}

/* ---- L1 blocks ---- */

static double empty_blocks(uint32_t n)
{
	struct l1_params p;
	l1_params_default(&p);
	struct l1_chain *c = l1_chain_new(&p);
	double t0 = now_s();
	for (uint32_t i = 0; i < n; i++)
		l1_chain_produce_block(c);
	double dt = now_s() - t0;
	l1_chain_free(c);
	return n / dt;
}

/* Blocks of FULL_BLOCK_TXS txs each (fillers paying fees of 1..7, from 100 accounts):
 * the submissions and the block production are timed together. */
static double full_blocks(uint32_t n)
{
	struct l1_params p;
	l1_params_default(&p);
	p.block_tx_limit = FULL_BLOCK_TXS;
	struct l1_chain *c = l1_chain_new(&p);
	uint32_t acct[100];
	for (int i = 0; i < 100; i++)
		if (l1_chain_add_account(c, AMOUNT(1000000000000), NULL, &acct[i]) != L1_OK)
			fatal_invariant("bench account refused");
	double t0 = now_s();
	for (uint32_t b = 0; b < n; b++) {
		for (uint32_t i = 0; i < FULL_BLOCK_TXS; i++)
			(void)l1_chain_submit(c, l1_tx_fee_only(acct[i % 100], AMOUNT(1 + i % 7)));
		l1_chain_produce_block(c);
	}
	double dt = now_s() - t0;
	if (c->txs_included != (uint64_t)n * FULL_BLOCK_TXS)
		fatal_invariant("a full block was not full");
	l1_chain_free(c);
	return n / dt;
}

/* ---- which figures ---- */

enum bench_figure { FIG_ED25519, FIG_OFF, FIG_MEMORY, FIG_ROUTED, FIG_SNAPSHOT, FIG_ROUTED_ED, FIG_L1, FIG_SCHEMES, FIG_COUNT };

static const char *const FIGURE_NAMES[FIG_COUNT] = { "ed25519", "off", "memory", "routed", "routed_snapshot",
						     "routed_ed25519", "l1", "schemes" };

/* The figures of --only ("a,b"; NULL: all) as a bit set; false (said on stderr) for a
 * name that is none. off and memory are one measurement, so either gives both. */
static bool parse_only(const char *only, unsigned *set)
{
	if (!only) {
		*set = (1u << FIG_COUNT) - 1;
		return true;
	}
	*set = 0;
	for (const char *p = only;;) {
		size_t n = strcspn(p, ",");
		int k = -1;
		for (int i = 0; i < FIG_COUNT; i++)
			if (strlen(FIGURE_NAMES[i]) == n && strncmp(p, FIGURE_NAMES[i], n) == 0)
				k = i;
		if (k < 0) {
			fprintf(stderr,
				"l2sim bench: --only: no figure \"%.*s\" (ed25519, off, memory, routed, routed_snapshot, "
				"routed_ed25519, l1)\n",
				(int)n, p);
			return false;
		}
		*set |= 1u << k;
		if (!p[n])
			break;
		p += n + 1;
	}
	if (*set & (1u << FIG_OFF | 1u << FIG_MEMORY))
		*set |= 1u << FIG_OFF | 1u << FIG_MEMORY;
	return true;
}

/* ---- the report ---- */

struct figures {
	unsigned set;      /* the figures measured (bits of enum bench_figure) */
	bool quick;
	double ed_pps, ed_bound, ed_sign_s, ed_verify_s;
	uint64_t ed_payments;
	uint32_t channels, parties;
	double off_pps, off_bound;
	uint64_t off_payments, off_failed;
	long base_kb, run_kb, run10_kb;
	uint64_t mem_payments;
	double bytes_per_channel, growth;
	double empty_bps, full_bps;
	struct routed_result routed, routed_ed, snapshot;
	bool have_snapshot;
	double routed_ed_bound;
	struct bench_schemes schemes; /* tools/bench_schemes.c */
};

static cJSON *num(double v)
{
	return cJSON_CreateNumber(v);
}

static double per_s(const struct routed_result *r)
{
	return r->run_s > 0 ? (double)r->sent / r->run_s : 0;
}

static void add_routed(cJSON *o, const char *name, const struct routed_result *r, double bound)
{
	cJSON *x = cJSON_AddObjectToObject(o, name);
	cJSON_AddItemToObject(x, "payments_per_s", num(per_s(r)));
	cJSON_AddItemToObject(x, "bound_per_s", num(bound));
	cJSON_AddItemToObject(x, "ratio", num(bound > 0 ? per_s(r) / bound : 0));
	cJSON_AddItemToObject(x, "channels", num(r->channels));
	cJSON_AddItemToObject(x, "payments", num((double)r->sent));
	cJSON_AddItemToObject(x, "payments_ok", num((double)r->ok));
	cJSON_AddItemToObject(x, "attempts", num((double)r->attempts));
	cJSON_AddItemToObject(x, "run_cpu_s", num(r->run_s));
	cJSON_AddItemToObject(x, "setup_cpu_s", num(r->setup_s));
	cJSON_AddItemToObject(x, "signs", num((double)r->signs));
	cJSON_AddItemToObject(x, "verifies", num((double)r->verifies));
	if (r->sign_s > 0) { /* the costs its bound was timed at, around the run */
		cJSON_AddItemToObject(x, "sign_us", num(r->sign_s * 1e6));
		cJSON_AddItemToObject(x, "verify_us", num(r->verify_s * 1e6));
	}
}

static bool has(const struct figures *f, enum bench_figure k)
{
	return f->set & (1u << k);
}

static void write_json(FILE *out, const struct figures *f)
{
	cJSON *o = cJSON_CreateObject();
	if (has(f, FIG_ED25519)) {
		cJSON *ed = cJSON_AddObjectToObject(o, "ed25519");
		cJSON_AddItemToObject(ed, "payments_per_s", num(f->ed_pps));
		cJSON_AddItemToObject(ed, "bound_per_s", num(f->ed_bound));
		cJSON_AddItemToObject(ed, "ratio", num(f->ed_pps / f->ed_bound));
		cJSON_AddItemToObject(ed, "payments", num((double)f->ed_payments));
		cJSON_AddItemToObject(ed, "sign_us", num(f->ed_sign_s * 1e6));
		cJSON_AddItemToObject(ed, "verify_us", num(f->ed_verify_s * 1e6));
	} else {
		cJSON_AddNullToObject(o, "ed25519");
	}
	if (has(f, FIG_OFF)) {
		cJSON *off = cJSON_AddObjectToObject(o, "off");
		cJSON_AddItemToObject(off, "channels", num(f->channels));
		cJSON_AddItemToObject(off, "payments_per_s", num(f->off_pps));
		cJSON_AddItemToObject(off, "bound_per_s", num(f->off_bound));
		cJSON_AddItemToObject(off, "ratio", num(f->off_pps / f->off_bound));
		cJSON_AddItemToObject(off, "parties", num(f->parties));
		cJSON_AddItemToObject(off, "payments", num((double)f->off_payments));
		cJSON_AddItemToObject(off, "payments_failed", num((double)f->off_failed));
	} else {
		cJSON_AddNullToObject(o, "off");
	}
	if (has(f, FIG_ROUTED))
		add_routed(o, "routed", &f->routed, ROUTED_BOUND);
	else
		cJSON_AddNullToObject(o, "routed");
	if (f->have_snapshot)
		add_routed(o, "routed_snapshot", &f->snapshot, ROUTED_BOUND);
	else
		cJSON_AddNullToObject(o, "routed_snapshot");
	if (has(f, FIG_ROUTED_ED))
		add_routed(o, "routed_ed25519", &f->routed_ed, f->routed_ed_bound);
	else
		cJSON_AddNullToObject(o, "routed_ed25519");
	if (has(f, FIG_MEMORY)) {
		cJSON *m = cJSON_AddObjectToObject(o, "memory");
		cJSON_AddItemToObject(m, "bytes_per_channel", num(f->bytes_per_channel));
		cJSON_AddItemToObject(m, "rss_growth_10x_payments", num(f->growth));
		cJSON_AddItemToObject(m, "channels", num(f->channels));
		cJSON_AddItemToObject(m, "payments", num((double)f->mem_payments));
		cJSON_AddItemToObject(m, "baseline_rss_bytes", num((double)f->base_kb * 1024));
		cJSON_AddItemToObject(m, "peak_rss_bytes", num((double)f->run_kb * 1024));
		cJSON_AddItemToObject(m, "peak_rss_10x_payments_bytes", num((double)f->run10_kb * 1024));
	} else {
		cJSON_AddNullToObject(o, "memory");
	}
	if (has(f, FIG_L1)) {
		cJSON *l1 = cJSON_AddObjectToObject(o, "l1");
		cJSON_AddItemToObject(l1, "empty_blocks_per_s", num(f->empty_bps));
		cJSON_AddItemToObject(l1, "full_blocks_per_s", num(f->full_bps));
		cJSON_AddItemToObject(l1, "full_block_txs", num(FULL_BLOCK_TXS));
	} else {
		cJSON_AddNullToObject(o, "l1");
	}
	if (has(f, FIG_SCHEMES))
		bench_schemes_json(o, &f->schemes);
	else
		cJSON_AddNullToObject(o, "schemes");
	cJSON_AddBoolToObject(o, "quick", f->quick);
	char *s = cJSON_Print(o);
	if (!s)
		fatal_invariant("out of memory printing the benchmark");
	fprintf(out, "%s\n", s);
	cJSON_free(s);
	cJSON_Delete(o);
}

static const char *verdict(bool met)
{
	return met ? "met" : "NOT met";
}

/* A routed figure's line and its detail line; the goal is ratio >= goal (1: the bound
 * itself, 100 x CLoTH). */
static void write_routed(FILE *out, const char *label, const struct routed_result *r, double bound, double goal)
{
	double ratio = bound > 0 ? per_s(r) / bound : 0;
	fprintf(out, "%-34s %13.0f %13.0f %7.3f  ratio >= %.2f: %s\n", label, per_s(r), bound, ratio, goal,
		verdict(ratio >= goal));
	fprintf(out, "%-34s   (%" PRIu64 " payments, %" PRIu64 " ok, %u channels: %.3f s CPU; set-up %.3f s apart)\n",
		"", r->sent, r->ok, r->channels, r->run_s, r->setup_s);
}

static void skipped(FILE *out, const char *label)
{
	fprintf(out, "%-34s   (not measured: --only)\n", label);
}

static void write_table(FILE *out, const struct figures *f)
{
	double edr = f->ed_pps / f->ed_bound, offr = f->off_pps / f->off_bound;
	fprintf(out, "l2sim bench%s: each figure beside the bound measured in the same run\n\n",
		f->quick ? " --quick (a smoke run: its sizes are too small to judge the goals)" : "");
	fprintf(out, "%-34s %13s %13s %7s  %s\n", "figure", "measured", "bound", "ratio", "goal");
	if (has(f, FIG_ED25519)) {
		fprintf(out, "%-34s %13.0f %13.0f %7.3f  ratio >= 0.85: %s\n", "ed25519 signed payments/s", f->ed_pps,
			f->ed_bound, edr, verdict(edr >= 0.85));
		fprintf(out, "%-34s   (bound: 1 / (2 signs of %.1f us + 2 verifies of %.1f us), bare libsodium)\n", "",
			f->ed_sign_s * 1e6, f->ed_verify_s * 1e6);
	} else {
		skipped(out, "ed25519 signed payments/s");
	}
	char label[64];
	snprintf(label, sizeof(label), "off payments/s, %u channels", f->channels);
	if (has(f, FIG_OFF)) {
		fprintf(out, "%-34s %13.0f %13.0f %7.3f  ratio >= 0.25: %s\n", label, f->off_pps, f->off_bound, offr,
			verdict(offr >= 0.25));
		fprintf(out, "%-34s   (bound: the bare loop over %u channels; %" PRIu64 " payments timed)\n", "",
			f->channels, f->off_payments);
		snprintf(label, sizeof(label), "memory bytes/channel, %u ch.", f->channels);
		fprintf(out, "%-34s %13.0f %13d %7.3f  <= 256: %s\n", label, f->bytes_per_channel, 256,
			f->bytes_per_channel / 256, verdict(f->bytes_per_channel <= 256));
		fprintf(out, "%-34s %12.1f%% %12d%% %7.3f  <= 10%%: %s\n", "memory growth with 10x payments",
			100 * f->growth, 10, f->growth / 0.10, verdict(f->growth <= 0.10));
		fprintf(out,
			"%-34s   (peak RSS %.1f MB with %" PRIu64 " payments, %.1f MB with 10x; baseline %.1f MB subtracted)\n",
			"", f->run_kb / 1024.0, f->mem_payments, f->run10_kb / 1024.0, f->base_kb / 1024.0);
	} else {
		skipped(out, label);
		skipped(out, "memory bytes/channel");
	}
	if (has(f, FIG_ROUTED))
		write_routed(out, "routed payments/s, scale-free", &f->routed, ROUTED_BOUND, 1.0);
	else
		skipped(out, "routed payments/s, scale-free");
	if (f->have_snapshot)
		write_routed(out, "routed payments/s, 2020 snapshot", &f->snapshot, ROUTED_BOUND, 1.0);
	else if (!has(f, FIG_SNAPSHOT))
		skipped(out, "routed payments/s, 2020 snapshot");
	else
		fprintf(out, "%-34s   (skipped: %s is %s)\n", "routed payments/s, 2020 snapshot", SNAPSHOT_DIR,
			f->quick ? "not used by --quick" : "not there");
	if (has(f, FIG_ROUTED_ED)) {
		write_routed(out, "routed ed25519 payments/s", &f->routed_ed, f->routed_ed_bound, 0.85);
		fprintf(out, "%-34s   (bound: 1 / the %" PRIu64 " signs of %.1f us and %" PRIu64 " verifies of %.1f us its hops did,\n"
			"%-34s    timed right before and after the run)\n", "", f->routed_ed.signs, f->routed_ed.sign_s * 1e6,
			f->routed_ed.verifies, f->routed_ed.verify_s * 1e6, "");
	} else {
		skipped(out, "routed ed25519 payments/s");
	}
	if (has(f, FIG_L1)) {
		fprintf(out, "%-34s %13.0f %13s %7s\n", "l1 empty blocks/s", f->empty_bps, "-", "-");
		fprintf(out, "%-34s %13.1f %13s %7s\n", "l1 full blocks/s (4000 txs)", f->full_bps, "-", "-");
	} else {
		skipped(out, "l1 blocks/s");
	}
	if (has(f, FIG_SCHEMES))
		bench_schemes_table(out, &f->schemes);
	else
		skipped(out, "schemes");
}

int bench_run(const struct bench_options *o, FILE *out, FILE *err)
{
	const struct sizes *z = o->quick ? &QUICK : &FULL;
	struct figures f = { .quick = o->quick, .channels = z->channels, .parties = z->parties };
	if (!parse_only(o->only, &f.set))
		return 2;
	if (sodium_init() < 0)
		fatal_invariant("libsodium could not be initialised");
	bool ok = true;

	/* Memory first, while this process is small: a baseline child, then the network with
	 * a tenth of the payments, then with all of them (that run also times "off"). */
	if (has(&f, FIG_MEMORY)) {
		struct child_result base, run, run10;
		char *t1 = off_scenario(z->channels, z->parties, z->payments / 10);
		char *t10 = off_scenario(z->channels, z->parties, z->payments);
		progress(err, "memory: baseline process");
		ok = in_child(NULL, 0, &base);
		progress(err, "memory: %u channels, %" PRIu64 " payments", z->channels, z->payments / 10);
		ok = ok && in_child(t1, OFF_BLOCKS, &run);
		progress(err, "off: %u channels, %" PRIu64 " payments (timed; also the 10x memory run)", z->channels,
			 z->payments);
		ok = ok && in_child(t10, OFF_BLOCKS, &run10);
		free(t1);
		free(t10);
		if (!ok) {
			fprintf(stderr, "l2sim bench: a measuring child process failed\n");
			return 2;
		}
		f.base_kb = base.maxrss_kb;
		f.run_kb = run.maxrss_kb;
		f.run10_kb = run10.maxrss_kb;
		f.mem_payments = run.sim.payments;
		f.bytes_per_channel = (double)(run.maxrss_kb - base.maxrss_kb) * 1024.0 / z->channels;
		f.growth = (double)(run10.maxrss_kb - run.maxrss_kb) / (double)(run.maxrss_kb - base.maxrss_kb);
		f.off_payments = run10.sim.payments;
		f.off_failed = run10.sim.failed;
		f.off_pps = run10.sim.best_per_s;

		/* The bounds and the signed payments are measured in alternating rounds, and
		 * each keeps its best round: other work on a shared machine (a busy sibling
		 * hyperthread, a polluted cache) slows a round down, never speeds it up. */
		progress(err, "off bound: bare loop, %" PRIu64 " moves over %u channels, best of %d", z->bare_moves,
			 z->channels, ROUNDS);
		for (int k = 0; k < ROUNDS; k++) {
			uint64_t checksum;
			double b = bare_loop(z->channels, z->bare_moves / ROUNDS, &checksum);
			(void)checksum;
			if (b > f.off_bound)
				f.off_bound = b;
		}
	}

	if (has(&f, FIG_ED25519)) {
		progress(err, "ed25519: %u signed payments and %u signs and verifies, best of %d", z->ed_payments,
			 z->ed_bound_ops, ROUNDS);
		char *te = ed_scenario(z->ed_payments / ROUNDS);
		f.ed_sign_s = f.ed_verify_s = 1e9;
		for (int k = 0; k < ROUNDS; k++) {
			struct sim_result ed = run_timed(te, 10, NULL);
			if (ed.best_per_s > f.ed_pps) {
				f.ed_pps = ed.best_per_s;
				f.ed_payments = ed.payments;
			}
			double s, v;
			ed_ops(z->ed_bound_ops / ROUNDS, &s, &v);
			if (2 * s + 2 * v < 2 * f.ed_sign_s + 2 * f.ed_verify_s) {
				f.ed_sign_s = s;
				f.ed_verify_s = v;
			}
		}
		free(te);
		f.ed_bound = 1.0 / (2 * f.ed_sign_s + 2 * f.ed_verify_s);
	}

	/* Routed payments: whole runs, set-up apart; the Ed25519 one against the bound of
	 * the signs and verifies its hops did, at the costs measured just above. */
	char *tr;
	if (has(&f, FIG_ROUTED)) {
		progress(err, "routed: scale-free, %u parties, %" PRIu64 " payments, signatures off, best of %d",
			 z->routed_parties, z->routed_payments, ROUNDS);
		tr = generated_routed(z->routed_parties, "off", z->routed_payments);
		ok = routed_best(tr, 0, &f.routed);
		free(tr);
	}
	if (has(&f, FIG_ROUTED_ED)) {
		progress(err, "routed: the same graph, %" PRIu64 " payments, Ed25519, best of %d",
			 z->routed_ed_payments, ROUNDS);
		tr = generated_routed(z->routed_parties, "ed25519", z->routed_ed_payments);
		ok = ok && routed_best(tr, z->ed_bound_ops / ROUNDS, &f.routed_ed);
		free(tr);
		f.routed_ed_bound = routed_ed_bound(&f.routed_ed);
	}
	/* The snapshot is a measurement of the full run only: make test never needs it. */
	tr = o->quick || !has(&f, FIG_SNAPSHOT) ? NULL : snapshot_routed(z->routed_payments);
	if (tr) {
		progress(err, "routed: %s, %" PRIu64 " payments, signatures off, best of %d", SNAPSHOT_DIR,
			 z->routed_payments, ROUNDS);
		ok = ok && routed_best(tr, 0, &f.snapshot);
		f.have_snapshot = true;
		free(tr);
	}
	if (!ok) {
		fprintf(stderr, "l2sim bench: a routed scenario was refused\n");
		return 2;
	}

	if (has(&f, FIG_L1)) {
		progress(err, "l1: %u empty blocks, %u full blocks", z->empty_blocks, z->full_blocks);
		f.empty_bps = empty_blocks(z->empty_blocks);
		f.full_bps = full_blocks(z->full_blocks);
	}
	if (has(&f, FIG_SCHEMES))
		bench_schemes_run(o->quick, err, &f.schemes);

	if (o->json)
		write_json(out, &f);
	else
		write_table(out, &f);
	return 0;
}
