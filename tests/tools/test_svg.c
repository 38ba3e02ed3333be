/* The picture and the page (issue 12): XML escaping of every text from other people
 * (entities, control characters, invalid UTF-8, the non-characters XML refuses), the
 * picture's own elements for a dispute (the window's blocks, the stale close, the
 * violation), and a description that tries to be markup stays text on the page. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/obs_svg.h"
#include "tools/report.h"
#include "tools/report_html.h"
#include "tools/runner.h"
#include "tools/scenario.h"

static char *escaped(const char *s)
{
	struct txt_buf b = { 0 };
	xml_escape(&b, s, strlen(s));
	char *out = strdup(b.s ? b.s : "");
	txt_buf_free(&b);
	return out;
}

Test(svg_escape, entities)
{
	char *e = escaped("a<b>&\"c'");
	cr_assert_str_eq(e, "a&lt;b&gt;&amp;&quot;c&#39;");
	free(e);
}

Test(svg_escape, controls_and_invalid_utf8)
{
	char *e = escaped("x\x01y\nz\xff\xc3(\x7f");
	cr_assert_str_eq(e, "x\\x01y\\x0az\\xff\\xc3(\\x7f");
	free(e);
}

Test(svg_escape, keeps_valid_utf8_but_not_xml_noncharacters)
{
	char *e = escaped("caf\xc3\xa9 \xe2\x82\xac \xef\xbf\xbe\xef\xbf\xbf");
	cr_assert_str_eq(e, "caf\xc3\xa9 \xe2\x82\xac \\ufffe\\uffff");
	free(e);
}

/* ---- a run drawn ---- */

static const char STALE_MISSED[] =
	"{\"format\":\"l2sim/1\",\"name\":\"missed\","
	"\"description\":\"<script>alert('x')</script> & \\u0007bell \\ud83d\\ude00\","
	"\"seed\":1,\"l1\":{\"block_interval_s\":60,\"confirmations\":2,\"fee\":5,\"dispute_timeout_blocks\":6},"
	"\"parties\":[{\"name\":\"alice\",\"balance\":1000},{\"name\":\"bob\",\"balance\":1000}],"
	"\"channels\":[{\"id\":\"alice-bob\",\"parties\":[\"alice\",\"bob\"],\"deposit\":{\"alice\":500,\"bob\":500}}],"
	"\"script\":[{\"at\":0,\"action\":\"open\",\"channel\":\"alice-bob\"},"
	"{\"at\":2,\"action\":\"pay\",\"channel\":\"alice-bob\",\"from\":\"alice\",\"to\":\"bob\",\"amount\":200,\"count\":2},"
	"{\"at\":3,\"action\":\"offline\",\"party\":\"bob\"},"
	"{\"at\":3,\"action\":\"close\",\"channel\":\"alice-bob\",\"by\":\"alice\",\"mode\":\"unilateral\",\"state\":0}]}";

struct drawn {
	char *svg, *html;
};

static struct drawn draw(const char *src)
{
	struct scn_errors errs = { 0 }, failures = { 0 };
	struct scenario *s = scn_load_buffer("svg.json", src, strlen(src), NULL, 0, &errs);
	cr_assert_not_null(s, "the scenario must load: %s", errs.n ? errs.lines[0] : "?");
	struct runner *r = runner_new(s, NULL, false);
	struct obs_svg *v = obs_svg_new(r);
	runner_run(r);
	struct drawn d = { 0 };
	size_t n;
	FILE *f = open_memstream(&d.svg, &n);
	obs_svg_write(v, f, false);
	cr_assert_eq(fclose(f), 0);
	struct report_model m;
	report_model_build(&m, r);
	report_expect(&m, &failures);
	f = open_memstream(&d.html, &n);
	report_write_html(f, &m, &failures, v);
	cr_assert_eq(fclose(f), 0);
	obs_svg_free(v);
	runner_free(r);
	scn_free(s);
	scn_errors_free(&errs);
	scn_errors_free(&failures);
	return d;
}

Test(svg_run, stale_close_missed_is_drawn_with_its_window_and_violation)
{
	struct drawn d = draw(STALE_MISSED);
	/* Included in block 4, T = 6: the window is blocks 4..10, the settlement at 10. */
	cr_assert(strstr(d.svg, "class=\"window\" id=\"window-0-0\" data-first-block=\"4\" data-last-block=\"10\" "
				"data-channel=\"alice-bob\""),
		  "%s", d.svg);
	cr_assert(strstr(d.svg, "<g class=\"mark close-stale\" data-block=\"4\""));
	cr_assert(strstr(d.svg, "<g class=\"mark violation\" data-block=\"10\""));
	cr_assert(strstr(d.svg, "<g class=\"mark settled\" data-block=\"10\""));
	cr_assert(strstr(d.svg, "<g class=\"mark final\" data-block=\"11\""));
	cr_assert(strstr(d.svg, "Theorem 2.1 broken: 1 security violation"));
	cr_assert(strstr(d.svg, "VIOLATION: bob paid 500, owed 900"));
	free(d.svg);
	free(d.html);
}

Test(svg_run, the_page_keeps_markup_in_the_description_as_text)
{
	struct drawn d = draw(STALE_MISSED);
	cr_assert_null(strstr(d.html, "<script"), "the description became markup");
	cr_assert(strstr(d.html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; \\x07bell \xf0\x9f\x98\x80"),
		  "%s", d.html);
	/* Self-contained: nothing is fetched. */
	cr_assert_null(strstr(d.html, "src="));
	cr_assert_null(strstr(d.html, "href="));
	cr_assert_null(strstr(d.html, "@import"));
	cr_assert(strstr(d.html, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	cr_assert_null(strstr(d.html, "<?xml"), "the inline picture has no XML declaration");
	cr_assert(strstr(d.html, "<td class=\"fails\">FAILS</td>"));
	free(d.svg);
	free(d.html);
}

Test(svg_run, the_same_run_draws_the_same_bytes)
{
	struct drawn a = draw(STALE_MISSED), b = draw(STALE_MISSED);
	cr_assert_str_eq(a.svg, b.svg);
	cr_assert_str_eq(a.html, b.html);
	free(a.svg);
	free(a.html);
	free(b.svg);
	free(b.html);
}
