/* What the text outputs show people (issue 14, items 8 and 13, and the usability
 * points; issue 10 item 5): scenario strings are escaped in every text output and the
 * JSON stays valid UTF-8; text wraps by characters; a settlement of 64 parties names
 * every payout; "1 confirmation"; timeline columns past block 10^6; a tamper that
 * changes nothing says so. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/report.h"
#include "tools/runner.h"
#include "tools/scenario.h"
#include "tools/textout.h"

/* ---- helpers ---- */

struct out {
	char *text;  /* the text report */
	char *json;  /* the JSON report */
	char *trace;
};

/* Runs the scenario `src` (its bytes as they are) and keeps its three outputs. */
static struct out run(const char *src)
{
	struct scn_errors errs = { 0 }, failures = { 0 };
	struct scenario *s = scn_load_buffer("text.json", src, strlen(src), NULL, 0, &errs);
	cr_assert_not_null(s, "the scenario must load: %s", errs.n ? errs.lines[0] : "?");
	struct out o = { 0 };
	size_t n;
	FILE *tf = open_memstream(&o.trace, &n);
	cr_assert(tf);
	struct runner *r = runner_new(s, tf, true);
	runner_run(r);
	cr_assert_eq(fclose(tf), 0);
	struct report_model m;
	report_model_build(&m, r);
	report_expect(&m, &failures);
	FILE *f = open_memstream(&o.text, &n);
	cr_assert(f);
	report_write_text(f, &m, &failures);
	cr_assert_eq(fclose(f), 0);
	f = open_memstream(&o.json, &n);
	cr_assert(f);
	report_write_json(f, &m, &failures);
	cr_assert_eq(fclose(f), 0);
	runner_free(r);
	scn_free(s);
	scn_errors_free(&errs);
	scn_errors_free(&failures);
	return o;
}

static void out_free(struct out *o)
{
	free(o->text);
	free(o->json);
	free(o->trace);
}

/* Every byte is printable or a newline, and the whole is valid UTF-8. */
static void expect_printable(const char *what, const char *s)
{
	cr_expect(txt_utf8_valid(s), "%s is not valid UTF-8", what);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f) {
			cr_expect_fail("%s holds control byte 0x%02x at %zu", what, *p, (size_t)(p - (const unsigned char *)s));
			return;
		}
}

/* The text of lines (NULL-terminated copy) between the lines starting "Timeline" and
 * "Summary". */
static char *timeline_of(const char *text)
{
	const char *a = strstr(text, "\nTimeline\n"), *b = strstr(text, "\nSummary");
	cr_assert(a && b && a < b);
	return strndup(a, (size_t)(b - a));
}

/* ---- textout ---- */

Test(textout, control_characters_and_invalid_utf8_are_escaped)
{
	const char in[] = "a\x1b]0;x\x07 b\r c\xff d\xc2\x9b e\xc3\xa9 f\xe2\x82 \n";
	struct txt_buf b = { 0 };
	txt_escape(&b, in, sizeof(in) - 1, false);
	cr_expect_str_eq(b.s, "a\\x1b]0;x\\x07 b\\x0d c\\xff d\\u009b e\xc3\xa9 f\\xe2\\x82 \\x0a");
	txt_buf_free(&b);
	txt_escape(&b, "x\ny", 3, true);
	cr_expect_str_eq(b.s, "x\ny", "a newline is kept when asked");
	txt_buf_free(&b);
}

Test(textout, overlong_forms_and_surrogates_are_invalid)
{
	cr_expect(!txt_utf8_valid("\xc0\xaf"));
	cr_expect(!txt_utf8_valid("\xed\xa0\x80"));
	cr_expect(!txt_utf8_valid("\xf4\x90\x80\x80"));
	cr_expect(txt_utf8_valid("\xf0\x9f\x98\x80 ok"));
	cr_expect_eq(txt_chars("\xc3\xa9t\xc3\xa9"), 3);
}

Test(textout, json_strings_stay_valid_json)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	cr_assert(f);
	txt_json_string(f, "q\"b\\s\x01\xff\xc3\xa9");
	fclose(f);
	cr_expect_str_eq(buf, "\"q\\\"b\\\\s\\u0001\\ufffd\xc3\xa9\"");
	free(buf);
}

/* 30 words of three two-byte characters: a byte count would cut one in half. */
Test(textout, wrapping_counts_characters_and_never_splits_one)
{
	char text[30 * 7 + 1] = "";
	for (int i = 0; i < 30; i++)
		strcat(text, i ? " \xc3\xa9\xc3\xa9\xc3\xa9" : "\xc3\xa9\xc3\xa9\xc3\xa9");
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	cr_assert(f);
	txt_wrap(f, text, 20);
	fclose(f);
	cr_expect(txt_utf8_valid(buf), "a character was split: %s", buf);
	int lines = 0;
	for (char *line = buf, *nl; (nl = strchr(line, '\n')); line = nl + 1, lines++) {
		*nl = '\0';
		cr_expect_eq(txt_chars(line), 19, "line %d has %zu characters: five words a line", lines, txt_chars(line));
		if (lines == 5)
			break;
	}
	free(buf);
}

/* ---- the reports ---- */

/* A description with terminal escapes, a carriage return that would overwrite a line
 * with a fake verdict, a C1 CSI and invalid UTF-8: none reaches the terminal raw, and
 * the JSON report stays valid UTF-8. */
Test(report_text, scenario_strings_cannot_take_the_terminal_over)
{
	struct out o = run("{\"format\":\"l2sim/1\",\"name\":\"esc\","
			   "\"description\":\"x\\u001b]0;pwned\\u0007\\u001b[2J\\rExpectations: all held \\u009b1m \xff\xfe end\","
			   "\"parties\":[{\"name\":\"alice\"}]}");
	expect_printable("the text report", o.text);
	cr_expect(strstr(o.text, "x\\x1b]0;pwned\\x07\\x1b[2J\\x0dExpectations: all held \\u009b1m \\xff\\xfe end"),
		  "%s", o.text);
	cr_expect(txt_utf8_valid(o.json), "the JSON report is not valid UTF-8");
	out_free(&o);
}

/* Descriptions are wrapped at 88 characters, not bytes. */
Test(report_text, description_wraps_by_characters)
{
	char src[4096];
	char desc[2048] = "";
	for (int i = 0; i < 40; i++)
		strcat(desc, "\xc3\xa9t\xc3\xa9 ");
	snprintf(src, sizeof(src), "{\"format\":\"l2sim/1\",\"name\":\"wrap\",\"description\":\"%s\","
		 "\"parties\":[{\"name\":\"alice\"}]}", desc);
	struct out o = run(src);
	expect_printable("the text report", o.text);
	char *p = strchr(o.text, '\n') + 1; /* the description's first line */
	char *nl = strchr(p, '\n');
	*nl = '\0';
	cr_expect_eq(txt_chars(p), 87, "22 words of 3 characters and their spaces: %zu characters", txt_chars(p));
	out_free(&o);
}

/* One cooperative close of a 64-party channel whose parties have 64-character names:
 * its settlement line names every payout in full (it was cut at 768 bytes, mid-name). */
Test(timeline, a_settlement_of_64_parties_names_every_payout)
{
	size_t cap = 64 * 400 + 1024, len = 0;
	char *src = malloc(cap);
	cr_assert(src);
	char names[64][65];
	for (int i = 0; i < 64; i++) {
		memset(names[i], 'a' + i % 26, 60);
		names[i][60] = (char)('0' + i / 10 % 10); /* 64 characters, the longest name allowed */
		names[i][61] = (char)('0' + i % 10);
		names[i][62] = names[i][63] = 'z';
		names[i][64] = '\0';
	}
	len += (size_t)snprintf(src + len, cap - len, "{\"format\":\"l2sim/1\",\"name\":\"wide\",\"l2\":{\"signatures\":\"off\"},\"parties\":[");
	for (int i = 0; i < 64; i++)
		len += (size_t)snprintf(src + len, cap - len, "%s{\"name\":\"%s\",\"balance\":1000}", i ? "," : "", names[i]);
	len += (size_t)snprintf(src + len, cap - len, "],\"channels\":[{\"id\":\"big\",\"parties\":[");
	for (int i = 0; i < 64; i++)
		len += (size_t)snprintf(src + len, cap - len, "%s\"%s\"", i ? "," : "", names[i]);
	len += (size_t)snprintf(src + len, cap - len, "],\"deposit\":{");
	for (int i = 0; i < 64; i++)
		len += (size_t)snprintf(src + len, cap - len, "%s\"%s\":%d", i ? "," : "", names[i], 100 + i);
	snprintf(src + len, cap - len, "}}],\"script\":[{\"at\":0,\"action\":\"open\",\"channel\":\"big\"},"
		 "{\"at\":9,\"action\":\"close\",\"channel\":\"big\",\"by\":\"%s\"}]}", names[0]);
	struct out o = run(src);
	char *tl = timeline_of(o.text);
	for (int i = 0; i < 64; i++) {
		char want[200];
		snprintf(want, sizeof(want), "%.64s %d", names[i], 100 + i);
		cr_expect(strstr(tl, want), "the settlement does not show \"%s\"", want);
	}
	for (char *line = tl, *nl; (nl = strchr(line, '\n')); line = nl + 1)
		cr_expect(nl - line <= 200, "a timeline line of %td characters", nl - line);
	free(tl);
	out_free(&o);
	free(src);
}

Test(timeline, one_confirmation_is_singular)
{
	struct out o = run("{\"format\":\"l2sim/1\",\"name\":\"one\",\"l1\":{\"confirmations\":1},"
			   "\"parties\":[{\"name\":\"alice\",\"balance\":100},{\"name\":\"bob\",\"balance\":100}],"
			   "\"channels\":[{\"id\":\"ab\",\"parties\":[\"alice\",\"bob\"],\"deposit\":{\"alice\":50}}],"
			   "\"script\":[{\"at\":0,\"action\":\"open\",\"channel\":\"ab\"},"
			   "{\"at\":2,\"action\":\"close\",\"channel\":\"ab\",\"by\":\"bob\"}]}");
	cr_expect(strstr(o.text, "ab: settlement is final (1 confirmation)\n"), "%s", o.text);
	cr_expect_null(strstr(o.text, "1 confirmations"));
	out_free(&o);
}

/* Lines of blocks 999999 and 1000000 start their text in the same column, under the
 * header's. */
Test(timeline, columns_stay_aligned_past_block_one_million)
{
	struct out o = run("{\"format\":\"l2sim/1\",\"name\":\"long\",\"l1\":{\"block_interval_s\":1},"
			   "\"parties\":[{\"name\":\"alice\"}],"
			   "\"script\":[{\"at\":999999,\"action\":\"offline\",\"party\":\"alice\"},"
			   "{\"at\":1000000,\"action\":\"online\",\"party\":\"alice\"}]}");
	char *tl = timeline_of(o.text);
	const char *head = strstr(tl, "what happened"), *off = strstr(tl, "alice goes offline"),
		   *on = strstr(tl, "alice is back online");
	cr_assert(head && off && on, "%s", tl);
	const char *head_line = head, *off_line = off, *on_line = on;
	while (head_line[-1] != '\n')
		head_line--;
	while (off_line[-1] != '\n')
		off_line--;
	while (on_line[-1] != '\n')
		on_line--;
	cr_expect_eq(head - head_line, off - off_line, "%s", tl);
	cr_expect_eq(on - on_line, off - off_line, "%s", tl);
	cr_expect(strstr(tl, " 1000000  1000000.000  alice is back online"), "%s", tl);
	free(tl);
	out_free(&o);
}

/* Alice already holds the whole channel: her tamper rewrites nothing. The timeline
 * says so instead of "TAMPERED ... rewritten"; the close is her signed latest state. */
Test(timeline, a_tamper_that_changes_nothing_says_so)
{
	struct out o = run("{\"format\":\"l2sim/1\",\"name\":\"noop\","
			   "\"parties\":[{\"name\":\"alice\",\"balance\":1000},{\"name\":\"bob\",\"balance\":1000}],"
			   "\"channels\":[{\"id\":\"ab\",\"parties\":[\"alice\",\"bob\"],\"deposit\":{\"alice\":400}}],"
			   "\"script\":[{\"at\":0,\"action\":\"open\",\"channel\":\"ab\"},"
			   "{\"at\":6,\"action\":\"close\",\"channel\":\"ab\",\"by\":\"alice\",\"mode\":\"unilateral\",\"tamper\":true}]}");
	cr_expect_null(strstr(o.text, "TAMPERED"), "%s", o.text);
	cr_expect(strstr(o.text, "tamper asked for, but nothing changed: state 0 already pays everything to alice"),
		  "%s", o.text);
	cr_expect(strstr(o.text, "unilateral close by alice included with state 0 (the latest)"), "%s", o.text);
	out_free(&o);
}

/* The same tamper when Bob is owed something still rewrites the state. */
Test(timeline, a_tamper_that_moves_money_is_named)
{
	struct out o = run("{\"format\":\"l2sim/1\",\"name\":\"tamper\",\"l2\":{\"signatures\":\"off\"},"
			   "\"parties\":[{\"name\":\"alice\",\"balance\":1000},{\"name\":\"bob\",\"balance\":1000}],"
			   "\"channels\":[{\"id\":\"ab\",\"parties\":[\"alice\",\"bob\"],\"deposit\":{\"alice\":400,\"bob\":1}}],"
			   "\"script\":[{\"at\":0,\"action\":\"open\",\"channel\":\"ab\"},"
			   "{\"at\":6,\"action\":\"close\",\"channel\":\"ab\",\"by\":\"alice\",\"mode\":\"unilateral\",\"tamper\":true}]}");
	cr_expect(strstr(o.text, "TAMPERED: after signing, the state is rewritten to pay everything to alice"), "%s", o.text);
	out_free(&o);
}
