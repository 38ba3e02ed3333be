/* Unit tests of the scenario loader's `generate` section and of runs over generated
 * networks: names and order, seeded members, errors naming the path, the report rule. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tools/report.h"
#include "tools/obs_metrics.h"
#include "tools/runner.h"
#include "tools/scenario.h"

static struct scenario *load(const char *text, struct scn_errors *errs)
{
	return scn_load_buffer("t.json", text, strlen(text), NULL, 0, errs);
}

/* True when some error line contains `want`. */
static bool has_error(const struct scn_errors *e, const char *want)
{
	for (size_t i = 0; i < e->n; i++)
		if (strstr(e->lines[i], want))
			return true;
	return false;
}

#define HEAD "{\"format\": \"l2sim/1\", \"name\": \"g\", "

Test(generate, names_follow_the_explicit_ones)
{
	struct scn_errors e = { 0 };
	struct scenario *s = load(HEAD "\"parties\": [{\"name\": \"alice\"}], "
				  "\"channels\": [{\"id\": \"x\", \"parties\": [\"alice\", \"p2\"]}], "
				  "\"generate\": {\"parties\": 4, \"channels\": 3, \"balance\": 7, \"deposit\": 2}}", &e);
	cr_assert_not_null(s, "%s", e.n ? e.lines[0] : "");
	cr_assert_eq(s->nparties, 5);
	cr_assert_eq(s->nchannels, 4);
	cr_assert_eq(scn_party_index(s, "alice"), 0);
	cr_assert_eq(scn_party_index(s, "p0"), 1);
	cr_assert_eq(scn_party_index(s, "p3"), 4);
	cr_assert_eq(scn_party_index(s, "p4"), SCN_NONE);
	cr_assert_eq(scn_party_index(s, "p03"), SCN_NONE);
	cr_assert_eq(scn_channel_index(s, "x"), 0);
	cr_assert_eq(scn_channel_index(s, "c0"), 1);
	cr_assert_eq(scn_channel_index(s, "c2"), 3);
	cr_assert_eq(scn_channel_index(s, "c3"), SCN_NONE);
	char buf[SCN_ID_LEN];
	cr_assert_str_eq(scn_channel_id(s, 0, buf), "x");
	cr_assert_str_eq(scn_channel_id(s, 3, buf), "c2");
	cr_assert_eq(s->parties[2].balance.units, 7);
	cr_assert_eq(scn_channel_parties(s, 0)[1], 3); /* "p2" */
	for (uint32_t ch = 1; ch < 4; ch++) {
		cr_assert_eq(scn_channel_nparties(s, ch), 2);
		const uint32_t *m = scn_channel_parties(s, ch);
		cr_assert(m[0] != m[1]);
		cr_assert(m[0] >= 1 && m[0] <= 4 && m[1] >= 1 && m[1] <= 4);
		cr_assert_eq(scn_channel_deposits(s, ch)[1].units, 2);
	}
	scn_free(s);
	scn_errors_free(&e);
}

Test(generate, members_repeat_with_the_seed_and_change_with_it)
{
#define MEMBERS_FMT HEAD "\"seed\": %d, \"generate\": {\"parties\": 50, \"channels\": 200, \"channel_size\": 5}}"
	char t1[256], t2[256];
	snprintf(t1, sizeof(t1), MEMBERS_FMT, 9);
	snprintf(t2, sizeof(t2), MEMBERS_FMT, 10);
	struct scn_errors e = { 0 };
	struct scenario *a = load(t1, &e), *b = load(t1, &e), *c = load(t2, &e);
	cr_assert(a && b && c);
	size_t n = 200 * 5;
	cr_assert_eq(memcmp(a->generate.members, b->generate.members, n * sizeof(uint32_t)), 0);
	cr_assert_neq(memcmp(a->generate.members, c->generate.members, n * sizeof(uint32_t)), 0);
	for (uint32_t ch = 0; ch < 200; ch++) {
		const uint32_t *m = scn_channel_parties(a, ch);
		for (int i = 0; i < 5; i++)
			for (int j = 0; j < i; j++)
				cr_assert_neq(m[i], m[j], "channel %u repeats a party", ch);
	}
	scn_free(a);
	scn_free(b);
	scn_free(c);
	scn_errors_free(&e);
}

Test(generate, parties_key_is_optional_with_generate_only)
{
	struct scn_errors e = { 0 };
	struct scenario *s = load(HEAD "\"generate\": {\"parties\": 2, \"channels\": 1}}", &e);
	cr_assert_not_null(s);
	scn_free(s);
	s = load(HEAD "\"channels\": []}", &e);
	cr_assert_null(s);
	cr_assert(has_error(&e, "t.json: parties: required key is missing"));
	scn_errors_free(&e);
}

Test(generate, every_bad_field_is_named)
{
	struct scn_errors e = { 0 };
	struct scenario *s = load(HEAD "\"generate\": {\"parties\": 0, \"channels\": -1, \"channel_size\": 65, "
				  "\"balance\": 1.5, \"deposit\": \"x\", \"open_at\": 10000001, \"in_report\": 1, \"extra\": 1}}",
				  &e);
	cr_assert_null(s);
	cr_assert(has_error(&e, "generate.parties: must be between 1 and 10000000 (got 0)"));
	cr_assert(has_error(&e, "generate.channels: must be between 0 and 10000000"));
	cr_assert(has_error(&e, "generate.channel_size: must be between 2 and 64 (got 65)"));
	cr_assert(has_error(&e, "generate.balance: amount must be a whole number"));
	cr_assert(has_error(&e, "generate.deposit: amount must be a decimal string"));
	cr_assert(has_error(&e, "generate.open_at: must be between 0 and 10000000"));
	cr_assert(has_error(&e, "generate.in_report: must be true or false"));
	cr_assert(has_error(&e, "generate.extra: unknown key \"extra\""));
	scn_errors_free(&e);
	s = load(HEAD "\"generate\": {\"parties\": 3, \"channels\": 1, \"channel_size\": 4}}", &e);
	cr_assert_null(s);
	cr_assert(has_error(&e, "generate.parties: a channel needs 4 distinct parties"));
	scn_errors_free(&e);
	s = load(HEAD "\"generate\": {\"channels\": 1}}", &e);
	cr_assert_null(s);
	cr_assert(has_error(&e, "generate.parties: required key is missing"));
	scn_errors_free(&e);
	s = load(HEAD "\"generate\": [1]}", &e);
	cr_assert_null(s);
	cr_assert(has_error(&e, "generate: must be an object (got an array)"));
	scn_errors_free(&e);
}

Test(generate, explicit_names_must_not_clash)
{
	struct scn_errors e = { 0 };
	struct scenario *s = load(HEAD "\"parties\": [{\"name\": \"p1\"}, {\"name\": \"p007\"}], "
				  "\"channels\": [{\"id\": \"c0\", \"parties\": [\"p1\", \"p007\"]}], "
				  "\"generate\": {\"parties\": 5, \"channels\": 1}}", &e);
	cr_assert_null(s);
	cr_assert(has_error(&e, "parties[0].name: \"p1\" is also the name of a generated party"));
	cr_assert(!has_error(&e, "p007"));
	cr_assert(has_error(&e, "channels[0].id: channel id \"c0\" is also the name of a generated channel"));
	scn_errors_free(&e);
}

Test(generate, supply_must_fit)
{
	struct scn_errors e = { 0 };
	struct scenario *s = load(HEAD "\"generate\": {\"parties\": 2, \"channels\": 0, "
				  "\"balance\": \"18446744073709551615\"}}", &e);
	cr_assert_null(s);
	cr_assert(has_error(&e, "add up to more than 18446744073709551615"));
	scn_errors_free(&e);
}

static char *report_of(const struct runner *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct scn_errors fails = { 0 };
	report_check_expect(r, &fails);
	report_json(f, r, &fails);
	fclose(f);
	scn_errors_free(&fails);
	return buf;
}

Test(generate, runs_open_all_at_open_at_and_report_by_the_rule)
{
#define RUN_FMT HEAD "\"l1\": {\"block_interval_s\": 1, \"confirmations\": 1, \"block_tx_limit\": 4}, " \
		"\"l2\": {\"signatures\": \"off\"}, \"parties\": [{\"name\": \"zed\"}], " \
		"\"generate\": {\"parties\": 6, \"channels\": 10, \"balance\": 100, \"deposit\": 10, \"open_at\": 2, " \
		"\"in_report\": %s}, " \
		"\"workload\": [{\"kind\": \"poisson\", \"rate_per_s\": 20, \"channels\": \"all\", \"from_block\": 6, " \
		"\"to_block\": 9, \"amount\": {\"min\": 1, \"max\": 2}}], " \
		"\"expect\": {\"channels\": {\"c9\": {\"status\": \"open\", \"latest_seq\": %s}}}}"
	char text[1024];
	snprintf(text, sizeof(text), RUN_FMT, "false", "0");
	struct scn_errors e = { 0 };
	struct scenario *s = load(text, &e);
	cr_assert_not_null(s, "%s", e.n ? e.lines[0] : "");
	struct runner *r = runner_new(s, NULL, false);
	runner_run(r);
	/* 10 opens submitted at block 2, 4 a block: included in 3, 4 and 5. */
	cr_assert_eq(l1_channel_txs(l2_net_l1_channels(r->net)), 10);
	cr_assert_eq(l1_channel_open_height(l2_net_l1_channels(r->net), s->generate.first_channel + 3), 3);
	cr_assert_eq(l1_channel_open_height(l2_net_l1_channels(r->net), s->generate.first_channel + 9), 5);
	cr_assert_gt(runner_metrics(r)->payments_ok, 0);
	char *json = report_of(r);
	cr_assert(strstr(json, "\"generated\":"));
	cr_assert(strstr(json, "\"open\":\t10"), "%s", json);
	cr_assert(strstr(json, "\"zed\":"));
	cr_assert_null(strstr(json, "\"p0\":"));
	cr_assert_null(strstr(json, "\"c0\":"));
	free(json);
	uint64_t seq9 = r->net->channels[s->generate.first_channel + 9].latest->seq;
	runner_free(r);
	scn_free(s);

	char seq[32];
	snprintf(seq, sizeof(seq), "%llu", (unsigned long long)seq9);
	snprintf(text, sizeof(text), RUN_FMT, "true", seq);
	s = load(text, &e);
	cr_assert_not_null(s);
	r = runner_new(s, NULL, false);
	runner_run(r);
	struct scn_errors fails = { 0 };
	cr_assert_eq(report_check_expect(r, &fails), 0, "%s", fails.n ? fails.lines[0] : "");
	scn_errors_free(&fails);
	json = report_of(r);
	cr_assert(strstr(json, "\"p5\":"));
	cr_assert(strstr(json, "\"c9\":"));
	free(json);
	runner_free(r);
	scn_free(s);
	scn_errors_free(&e);
}

/* Issue 14 item 2: members were redrawn until distinct. Now member i is one draw among
 * the parties not yet taken: these values pin that draw (they changed with it). */
Test(generate, members_are_drawn_without_rejection)
{
	struct scn_errors e = { 0 };
	struct scenario *s = load(HEAD "\"seed\": 7, \"generate\": {\"parties\": 6, \"channels\": 4, \"channel_size\": 3}}", &e);
	cr_assert_not_null(s, "%s", e.n ? e.lines[0] : "");
	static const uint32_t want[4][3] = { { 3, 2, 1 }, { 2, 0, 5 }, { 4, 1, 2 }, { 2, 3, 1 } };
	for (uint32_t c = 0; c < 4; c++)
		for (uint32_t i = 0; i < 3; i++)
			cr_assert_eq(scn_channel_parties(s, c)[i], want[c][i], "c%u member %u", c, i);
	scn_free(s);
	/* Every party in every channel: each channel is a permutation of all of them. */
	s = load(HEAD "\"generate\": {\"parties\": 64, \"channels\": 200, \"channel_size\": 64}}", &e);
	cr_assert_not_null(s, "%s", e.n ? e.lines[0] : "");
	for (uint32_t c = 0; c < 200; c++) {
		uint64_t seen = 0;
		for (uint32_t i = 0; i < 64; i++)
			seen |= 1ull << scn_channel_parties(s, c)[i];
		cr_assert_eq(seen, UINT64_MAX, "c%u", c);
	}
	scn_free(s);
	scn_errors_free(&e);
}

/* 10^7 channels of 64 took 135 s and 2.5 GB in check alone. */
Test(generate, channels_times_channel_size_is_bounded)
{
	struct scn_errors e = { 0 };
	cr_assert_null(load(HEAD "\"generate\": {\"parties\": 100, \"channels\": 10000000, \"channel_size\": 64}}", &e));
	cr_assert(has_error(&e, "t.json: generate.channels: 10000000 channels x channel_size 64 = 640000000 channel "
				"memberships, above the limit of 20000000; generate fewer or smaller channels"),
		  "%s", e.n ? e.lines[0] : "");
	scn_errors_free(&e);
	struct scenario *s = load(HEAD "\"l2\": {\"signatures\": \"off\"}, "
				  "\"generate\": {\"parties\": 100, \"channels\": 312500, \"channel_size\": 64}}", &e);
	cr_assert_not_null(s, "at the limit: %s", e.n ? e.lines[0] : "");
	scn_free(s);
	scn_errors_free(&e);
}
