/* The loader's limits (tools/scenario.h, docs/security.md): each is accepted at the
 * limit and refused one past it, with one clear line naming the file and the JSON path,
 * and the files that once cost minutes and gigabytes (a 64 MiB array of zeros, a
 * million unknown keys) are refused after one pass over the text. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/scenario.h"

/* A growable string. */
struct text {
	char *s;
	size_t len;
	FILE *f;
};

static void text_open(struct text *t)
{
	t->s = NULL;
	t->len = 0;
	t->f = open_memstream(&t->s, &t->len);
	cr_assert(t->f);
}

__attribute__((format(printf, 2, 3))) static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(t->f, fmt, ap);
	va_end(ap);
}

static void text_close(struct text *t)
{
	cr_assert(fclose(t->f) == 0);
}

/* Loads t; returns the scenario or NULL, errors in *e. */
static struct scenario *load(struct text *t, struct scn_errors *e)
{
	return scn_load_buffer("lim.json", t->s, t->len, NULL, 0, e);
}

static bool has_line(const struct scn_errors *e, const char *want)
{
	for (size_t i = 0; i < e->n; i++)
		if (strstr(e->lines[i], want))
			return true;
	return false;
}

static void show(const struct scn_errors *e)
{
	for (size_t i = 0; i < e->n && i < 5; i++)
		cr_log_info("%s", e->lines[i]);
}

/* Refused with a line containing `want`. */
static void refused(struct text *t, const char *want)
{
	struct scn_errors e = { 0 };
	struct scenario *s = load(t, &e);
	if (s || !has_line(&e, want))
		show(&e);
	cr_assert_null(s);
	cr_assert(has_line(&e, want), "no error line containing: %s", want);
	scn_errors_free(&e);
	free(t->s);
}

static void accepted(struct text *t)
{
	struct scn_errors e = { 0 };
	struct scenario *s = load(t, &e);
	if (!s)
		show(&e);
	cr_assert_not_null(s);
	scn_free(s);
	scn_errors_free(&e);
	free(t->s);
}

#define HEAD "{\"format\":\"l2sim/1\",\"name\":\"lim\","

/* n parties p0..p(n-1), each with balance 1, and channels c0.. between p0 and p1. */
static void parties_and_channels(struct text *t, unsigned np, unsigned nc)
{
	put(t, HEAD "\"parties\":[");
	for (unsigned i = 0; i < np; i++)
		put(t, "%s{\"name\":\"p%u\",\"balance\":1}", i ? "," : "", i);
	put(t, "],\"channels\":[");
	for (unsigned i = 0; i < nc; i++)
		put(t, "%s{\"id\":\"c%u\",\"parties\":[\"p%u\",\"p%u\"]}", i ? "," : "", i, i % np, (i + 1) % np);
	put(t, "]");
}

Test(scn_limits, parties_at_the_limit_and_past_it)
{
	struct text t;
	text_open(&t);
	parties_and_channels(&t, SCN_MAX_PARTIES, 0);
	put(&t, "}");
	text_close(&t);
	accepted(&t);
	text_open(&t);
	parties_and_channels(&t, SCN_MAX_PARTIES + 1, 0);
	put(&t, "}");
	text_close(&t);
	refused(&t, "lim.json: parties: too many parties: 100001, the limit is 100000");
}

Test(scn_limits, channels_at_the_limit_and_past_it)
{
	struct text t;
	text_open(&t);
	parties_and_channels(&t, 1000, SCN_MAX_CHANNELS);
	put(&t, "}");
	text_close(&t);
	accepted(&t);
	text_open(&t);
	parties_and_channels(&t, 1000, SCN_MAX_CHANNELS + 1);
	put(&t, "}");
	text_close(&t);
	refused(&t, "lim.json: channels: too many channels: 100001, the limit is 100000");
}

Test(scn_limits, parties_of_one_channel)
{
	for (unsigned n = SCN_MAX_CHANNEL_PARTIES; n <= SCN_MAX_CHANNEL_PARTIES + 1; n++) {
		struct text t;
		text_open(&t);
		parties_and_channels(&t, n, 0);
		put(&t, ",\"channels\":[{\"id\":\"big\",\"parties\":[");
		for (unsigned i = 0; i < n; i++)
			put(&t, "%s\"p%u\"", i ? "," : "", i);
		put(&t, "]}]}");
		text_close(&t);
		/* parties_and_channels wrote an empty channels array: replace it. */
		char *first = strstr(t.s, "\"channels\":[]");
		cr_assert(first);
		memcpy(first, "\"zzzzzzzz\":[]", 13);
		char *fix = strstr(t.s, ",\"zzzzzzzz\":[]");
		memmove(fix, fix + 14, strlen(fix + 14) + 1);
		t.len = strlen(t.s);
		if (n == SCN_MAX_CHANNEL_PARTIES)
			accepted(&t);
		else
			refused(&t, "lim.json: channels[0].parties: too many parties in one channel: 65, the limit is 64");
	}
}

Test(scn_limits, script_entries)
{
	struct text t;
	text_open(&t);
	parties_and_channels(&t, 1, 0);
	put(&t, ",\"script\":[");
	for (unsigned i = 0; i <= SCN_MAX_SCRIPT; i++)
		put(&t, "%s{\"at\":0,\"action\":\"online\",\"party\":\"p0\"}", i ? "," : "");
	put(&t, "]}");
	text_close(&t);
	refused(&t, "lim.json: script: too many script actions: 1000001, the limit is 1000000");
}

static void one_channel(struct text *t, const char *signatures)
{
	put(t, HEAD "\"l2\":{\"signatures\":\"%s\"},\"parties\":[{\"name\":\"a\",\"balance\":10},{\"name\":\"b\"}],"
		   "\"channels\":[{\"id\":\"ab\",\"parties\":[\"a\",\"b\"],\"deposit\":{\"a\":10}}]", signatures);
}

Test(scn_limits, pay_count)
{
	struct text t;
	text_open(&t);
	one_channel(&t, "ed25519");
	put(&t, ",\"script\":[{\"at\":1,\"action\":\"pay\",\"channel\":\"ab\",\"from\":\"a\",\"to\":\"b\",\"amount\":1,\"count\":%u}]}",
	    SCN_MAX_PAY_COUNT);
	text_close(&t);
	accepted(&t);
	text_open(&t);
	one_channel(&t, "ed25519");
	put(&t, ",\"script\":[{\"at\":1,\"action\":\"pay\",\"channel\":\"ab\",\"from\":\"a\",\"to\":\"b\",\"amount\":1,\"count\":%u}]}",
	    SCN_MAX_PAY_COUNT + 1);
	text_close(&t);
	refused(&t, "lim.json: script[0].count: at most 1000000 payments per pay action (got 1000001)");
}

/* Eleven actions of 10^6 payments: 1.1 x 10^7, above the signed budget, within the unsigned one. */
static void eleven_million(struct text *t, const char *signatures)
{
	text_open(t);
	one_channel(t, signatures);
	put(t, ",\"script\":[");
	for (int i = 0; i < 11; i++)
		put(t, "%s{\"at\":1,\"action\":\"pay\",\"channel\":\"ab\",\"from\":\"a\",\"to\":\"b\",\"amount\":1,\"count\":1000000}",
		    i ? "," : "");
	put(t, "]}");
	text_close(t);
}

Test(scn_limits, payments_of_a_run)
{
	struct text t;
	eleven_million(&t, "off");
	accepted(&t);
	eleven_million(&t, "ed25519");
	refused(&t, "lim.json: script[10].count: the run would make about 44000000 signature operations up to here "
		    "(n signs + n(n-1) verifies per signed update of a channel of n parties), above the limit of 40000000: "
		    "lower the counts or rates, use channels of fewer parties, or set l2.signatures to \"off\"");
}

/* Issue 14 item 1: one 64-party channel with 10^6 payments passed check (about 60 hours
 * of signatures); the budget now weighs each update by n^2. */
Test(scn_limits, signature_operations_of_many_party_channels)
{
	struct text t;
	for (int sig = 0; sig < 2; sig++) {
		text_open(&t);
		parties_and_channels(&t, 64, 0);
		put(&t, ",\"l2\":{\"signatures\":\"%s\"}", sig ? "ed25519" : "off");
		put(&t, ",\"channels\":[{\"id\":\"big\",\"parties\":[");
		for (unsigned i = 0; i < 64; i++)
			put(&t, "%s\"p%u\"", i ? "," : "", i);
		put(&t, "]}],\"script\":[{\"at\":1,\"action\":\"pay\",\"channel\":\"big\",\"from\":\"p0\",\"to\":\"p1\","
			"\"amount\":1,\"count\":1000000}]}");
		text_close(&t);
		/* parties_and_channels wrote an empty channels array: drop it. */
		char *empty = strstr(t.s, ",\"channels\":[]");
		cr_assert(empty);
		memmove(empty, empty + 14, strlen(empty + 14) + 1);
		t.len = strlen(t.s);
		if (sig)
			refused(&t, "lim.json: script[0].count: the run would make about 4096000000 signature operations");
		else
			accepted(&t);
	}
	/* 10^6 generated opens of 8 parties: 6.4 x 10^7 operations. */
	text_open(&t);
	put(&t, HEAD "\"generate\":{\"parties\":1000,\"channels\":1000000,\"channel_size\":8}}");
	text_close(&t);
	refused(&t, "lim.json: generate.channels: the run would make about 64000000 signature operations");
}

Test(scn_limits, workload_rate)
{
	/* 1000 per second x 1000 s = 10^6 per block: the limit; for 100 blocks, 10^8 in
	 * all: the unsigned budget. 10^7 blocks of 0.6 per block are not. */
	struct text t;
	text_open(&t);
	one_channel(&t, "off");
	put(&t, ",\"l1\":{\"block_interval_s\":1000},\"workload\":[{\"kind\":\"poisson\",\"rate_per_s\":1000,\"channels\":\"all\","
		"\"from_block\":0,\"to_block\":100,\"amount\":{\"min\":1,\"max\":1}}]}");
	text_close(&t);
	accepted(&t);
	text_open(&t);
	one_channel(&t, "off");
	put(&t, ",\"l1\":{\"block_interval_s\":1000},\"workload\":[{\"kind\":\"poisson\",\"rate_per_s\":1000.5,\"channels\":\"all\","
		"\"from_block\":0,\"to_block\":1,\"amount\":{\"min\":1,\"max\":1}}]}");
	text_close(&t);
	refused(&t, "lim.json: workload[0].rate_per_s: 1000.5 per second x l1.block_interval_s 1000 = 1000500 payments per block, above the limit of 1000000");
	text_open(&t);
	one_channel(&t, "off");
	put(&t, ",\"workload\":[{\"kind\":\"poisson\",\"rate_per_s\":1,\"channels\":\"all\","
		"\"from_block\":0,\"to_block\":10000000,\"amount\":{\"min\":1,\"max\":1}}]}");
	text_close(&t);
	refused(&t, "lim.json: workload[0].rate_per_s: the run would make about 6000000000 payments up to here");
}

Test(scn_limits, workload_budget_counts_up_to_until_block)
{
	struct text t;
	text_open(&t);
	one_channel(&t, "off");
	put(&t, ",\"until_block\":100,\"workload\":[{\"kind\":\"poisson\",\"rate_per_s\":1,\"channels\":\"all\","
		"\"from_block\":0,\"to_block\":10000000,\"amount\":{\"min\":1,\"max\":1}}]}");
	text_close(&t);
	accepted(&t);
}

Test(scn_limits, flood_txs)
{
	struct text t;
	text_open(&t);
	one_channel(&t, "off");
	put(&t, ",\"script\":[{\"at\":0,\"action\":\"flood\",\"by\":\"a\",\"txs\":%u,\"fee\":0,\"blocks\":1}]}",
	    SCN_MAX_FLOOD_TXS + 1);
	text_close(&t);
	refused(&t, "lim.json: script[0].txs: at most 1000000 txs per flood batch (got 1000001)");
	text_open(&t);
	one_channel(&t, "off");
	put(&t, ",\"script\":[{\"at\":0,\"action\":\"flood\",\"by\":\"a\",\"txs\":1000000,\"fee\":0,\"blocks\":10},"
		"{\"at\":5,\"action\":\"flood\",\"by\":\"b\",\"txs\":1,\"fee\":0,\"blocks\":1}]}");
	text_close(&t);
	refused(&t, "lim.json: script[1].txs: floods would submit 10000001 txs (txs x blocks) up to here, above the limit of 10000000");
}

Test(scn_limits, workloads)
{
	struct text t;
	text_open(&t);
	one_channel(&t, "off");
	put(&t, ",\"workload\":[");
	for (unsigned i = 0; i <= SCN_MAX_WORKLOADS; i++)
		put(&t, "%s{}", i ? "," : "");
	put(&t, "]}");
	text_close(&t);
	refused(&t, "lim.json: workload: too many workloads: 1001, the limit is 1000");
}

Test(scn_limits, names_and_description)
{
	char name[SCN_MAX_NAME_LEN + 2];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	struct text t;
	text_open(&t);
	put(&t, "{\"format\":\"l2sim/1\",\"name\":\"%s\",\"parties\":[{\"name\":\"%.64s\"}]}", name, name);
	text_close(&t);
	refused(&t, "lim.json: name: name must match [A-Za-z0-9._-]{1,64}");
	text_open(&t);
	put(&t, HEAD "\"description\":\"%04097d\",\"parties\":[{\"name\":\"%.64s\"}]}", 0, name);
	text_close(&t);
	refused(&t, "lim.json: description: must be at most 4096 characters (got 4097)");
}

Test(scn_limits, nesting_depth)
{
	struct text t;
	text_open(&t);
	put(&t, HEAD "\"parties\":[{\"name\":\"a\"}],\"expect\":");
	for (unsigned i = 0; i < SCN_MAX_DEPTH; i++)
		put(&t, "[");
	for (unsigned i = 0; i < SCN_MAX_DEPTH; i++)
		put(&t, "]");
	put(&t, "}");
	text_close(&t);
	/* depth 33 counting the top-level object: refused before cJSON sees it */
	refused(&t, "lim.json: line 1, column 99: objects and arrays nested deeper than the limit of 32 levels");
	/* 10^5 levels: cJSON alone would refuse at 1000 with a bare "not valid JSON". */
	text_open(&t);
	for (int i = 0; i < 100000; i++)
		put(&t, "[");
	text_close(&t);
	refused(&t, "lim.json: line 1, column 33: objects and arrays nested deeper than the limit of 32 levels");
}

Test(scn_limits, brackets_inside_strings_do_not_count)
{
	struct text t;
	text_open(&t);
	put(&t, HEAD "\"description\":\"");
	for (int i = 0; i < 100; i++)
		put(&t, "[{\\\"");
	put(&t, "\",\"parties\":[{\"name\":\"a\"}]}");
	text_close(&t);
	accepted(&t);
}

/* Once: 480 s and 6.6 GB (33 million cJSON nodes and as many error lines). */
Test(scn_limits, a_file_of_tiny_values_is_refused_after_one_pass)
{
	size_t n = SCN_MAX_FILE_BYTES - 100;
	char *buf = malloc(n);
	cr_assert(buf);
	int head = snprintf(buf, n, HEAD "\"parties\":[");
	for (size_t i = (size_t)head; i + 2 < n; i += 2)
		memcpy(buf + i, "0,", 2);
	memcpy(buf + n - 4, "0]}", 3);
	struct scn_errors e = { 0 };
	struct scenario *s = scn_load_buffer("lim.json", buf, n - 1, NULL, 0, &e);
	cr_assert_null(s);
	cr_assert_eq(e.n, 1);
	cr_assert(has_line(&e, "more than the limit of 5000000 JSON values in one file"), "%s", e.lines[0]);
	scn_errors_free(&e);
	free(buf);
}

Test(scn_limits, file_size)
{
	size_t n = (size_t)SCN_MAX_FILE_BYTES + 1;
	char *buf = malloc(n);
	cr_assert(buf);
	memset(buf, ' ', n);
	memcpy(buf, "{}", 2);
	struct scn_errors e = { 0 };
	cr_assert_null(scn_load_buffer("lim.json", buf, n, NULL, 0, &e));
	cr_assert(has_line(&e, "lim.json: the file has 67108865 bytes, above the limit of 64 MiB"));
	scn_errors_free(&e);
	free(buf);
}

/* A million unknown keys: every one is a problem, 100 are listed, the rest counted. */
Test(scn_limits, errors_are_capped)
{
	struct text t;
	text_open(&t);
	put(&t, HEAD "\"parties\":[{\"name\":\"a\"}],\"l1\":{");
	for (int i = 0; i < 1000000; i++)
		put(&t, "%s\"k%d\":0", i ? "," : "", i);
	put(&t, "}}");
	text_close(&t);
	struct scn_errors e = { 0 };
	cr_assert_null(load(&t, &e));
	cr_assert_eq(e.n, SCN_MAX_ERRORS + 1);
	cr_assert(has_line(&e, "lim.json: l1.k0: unknown key \"k0\""));
	cr_assert_str_eq(e.lines[SCN_MAX_ERRORS], "lim.json: ... and 999900 more problems not listed");
	scn_errors_free(&e);
	free(t.s);
}

Test(scn_limits, map_keys_given_twice)
{
	struct text t;
	text_open(&t);
	one_channel(&t, "off");
	put(&t, ",\"expect\":{\"l1_balances\":{\"a\":1,\"b\":2,\"a\":3},\"channels\":{\"ab\":{},\"ab\":{}}}}");
	text_close(&t);
	struct scn_errors e = { 0 };
	cr_assert_null(load(&t, &e));
	cr_assert(has_line(&e, "lim.json: expect.l1_balances.a: key given twice"));
	cr_assert(has_line(&e, "lim.json: expect.channels.ab: key given twice"));
	scn_errors_free(&e);
	free(t.s);
}
