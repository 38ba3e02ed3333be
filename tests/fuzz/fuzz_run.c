/* Fuzz target: a whole run of a small scenario: load, run, check expectations, write
 * the JSON and text reports and a trace, twice, and require the same bytes (SPEC:
 * same scenario, same output).
 *
 * So that one input runs in milliseconds, scenarios above the small limits below are
 * skipped (they are the loader target's business) and runs stop at FUZZ_MAX_BLOCKS. */
#include <math.h>

#include "tests/fuzz/fuzz_input.h"
#include "tools/report.h"
#include "tools/runner.h"

#define FUZZ_MAX_BLOCKS 3000
#define FUZZ_MAX_PARTIES 8
#define FUZZ_MAX_CHANNELS 8
#define FUZZ_MAX_SCRIPT 64
#define FUZZ_MAX_PAYMENTS 300.0   /* script counts + expected workload payments */
#define FUZZ_MAX_FLOOD_TXS 2000.0 /* txs x blocks, summed */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool small_enough(const struct scenario *s)
{
	if (s->nparties > FUZZ_MAX_PARTIES || s->nchannels > FUZZ_MAX_CHANNELS || s->nscript > FUZZ_MAX_SCRIPT)
		return false;
	double payments = 0, flood = 0;
	for (uint32_t i = 0; i < s->nscript; i++) {
		const struct scn_action *a = &s->script[i];
		if (a->kind == SCN_PAY)
			payments += (double)a->count;
		else if (a->kind == SCN_FLOOD)
			flood += (double)a->count * (double)a->blocks;
	}
	for (uint32_t i = 0; i < s->nworkload; i++) {
		const struct scn_workload *w = &s->workload[i];
		uint64_t to = w->to_block < FUZZ_MAX_BLOCKS ? w->to_block : FUZZ_MAX_BLOCKS;
		uint64_t blocks = to > w->from_block ? to - w->from_block : 0;
		/* With exponential intervals a block gap can be far above the mean: allow 20x. */
		payments += w->rate_per_s * s->block_interval_s * (double)blocks * (s->l1.exponential ? 20 : 1);
	}
	return payments <= FUZZ_MAX_PAYMENTS && flood <= FUZZ_MAX_FLOOD_TXS;
}

/* One run; returns the JSON report (malloc'd) and its length. */
static char *run_once(const struct scenario *s, size_t *len)
{
	static FILE *devnull;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	FUZZ_ASSERT(devnull);
	struct runner *r = runner_new(s, devnull, true);
	r->max_blocks = FUZZ_MAX_BLOCKS;
	runner_run(r);
	FUZZ_ASSERT(r->chain->height <= FUZZ_MAX_BLOCKS);
	struct scn_errors failures = { 0 };
	report_check_expect(r, &failures);
	char *json = NULL, *text = NULL;
	size_t tlen = 0;
	FILE *f = open_memstream(&json, len);
	FUZZ_ASSERT(f);
	report_json(f, r, &failures);
	FUZZ_ASSERT(fclose(f) == 0);
	f = open_memstream(&text, &tlen);
	FUZZ_ASSERT(f);
	report_text(f, r, &failures);
	FUZZ_ASSERT(fclose(f) == 0);
	FUZZ_ASSERT(*len > 0 && tlen > 0);
	free(text);
	scn_errors_free(&failures);
	runner_free(r);
	return json;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	fuzz_input_split(&in, data, size);
	struct scenario *s = fuzz_load(in.json, in.json_len, in.ov, in.nov);
	if (s && small_enough(s)) {
		size_t n1, n2;
		char *a = run_once(s, &n1);
		char *b = run_once(s, &n2);
		FUZZ_ASSERT(n1 == n2 && memcmp(a, b, n1) == 0);
		free(a);
		free(b);
	}
	scn_free(s);
	fuzz_input_free(&in);
	return 0;
}
