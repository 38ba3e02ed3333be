/* --set KEY=VALUE (SPEC 1): dotted paths through objects, arrays by index or by name,
 * names that themselves contain dots, and the errors for paths that name nothing. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <string.h>

#include "tools/scenario.h"

static const char FILE_TEXT[] =
	"{\"format\": \"l2sim/1\", \"name\": \"dots\","
	" \"parties\": [{\"name\": \"bob\", \"balance\": 1}, {\"name\": \"bob.2\", \"balance\": 2}],"
	" \"channels\": [{\"id\": \"c.1\", \"parties\": [\"bob\", \"bob.2\"], \"deposit\": {\"bob.2\": 1}}],"
	" \"expect\": {\"l1_balances\": {\"bob.2\": 2}}}";

static struct scenario *load1(const char *key, const char *value, struct scn_errors *errs)
{
	struct scn_override ov = { key, value };
	return scn_load_buffer("dots.json", FILE_TEXT, strlen(FILE_TEXT), &ov, 1, errs);
}

static uint64_t balance_after(const char *key, const char *value, uint32_t party)
{
	struct scn_errors errs = { 0 };
	struct scenario *s = load1(key, value, &errs);
	cr_assert_not_null(s, "--set %s=%s: %s", key, value, errs.n ? errs.lines[0] : "");
	uint64_t b = s->parties[party].balance.units;
	scn_free(s);
	scn_errors_free(&errs);
	return b;
}

Test(scn_override, a_party_by_name_by_index_and_a_name_with_a_dot)
{
	cr_assert_eq(balance_after("parties.bob.balance", "7", 0), 7);
	cr_assert_eq(balance_after("parties.bob.2.balance", "8", 1), 8, "the longest name that matches wins");
	cr_assert_eq(balance_after("parties.1.balance", "9", 1), 9);
	cr_assert_eq(balance_after("parties.bob.2.balance", "\"18446744073709551614\"", 1), UINT64_MAX - 1,
		     "bob holds 1: the supply is then exactly 2^64-1");
}

Test(scn_override, object_keys_with_dots_and_a_channel_id_with_a_dot)
{
	struct scn_errors errs = { 0 };
	struct scenario *s = load1("expect.l1_balances.bob.2", "5", &errs);
	cr_assert_not_null(s);
	cr_assert_eq(s->expect.nbalances, 1);
	cr_assert_eq(s->expect.balance[0].units, 5);
	scn_free(s);
	s = load1("channels.c.1.deposit.bob.2", "0", &errs);
	cr_assert_not_null(s);
	cr_assert_eq(s->channels[0].deposit[1].units, 0);
	scn_free(s);
	scn_errors_free(&errs);
}

Test(scn_override, l1_and_l2_objects_are_created_when_absent)
{
	struct scn_errors errs = { 0 };
	struct scenario *s = load1("l1.dispute_timeout_blocks", "3", &errs);
	cr_assert_not_null(s);
	cr_assert_eq(s->l1.dispute_timeout_blocks, 3);
	scn_free(s);
	s = load1("l2.signatures", "off", &errs);
	cr_assert_not_null(s);
	cr_assert_not(s->signatures);
	scn_free(s);
	scn_errors_free(&errs);
}

static void assert_refused(const char *key, const char *value, const char *want)
{
	struct scn_errors errs = { 0 };
	struct scenario *s = load1(key, value, &errs);
	cr_assert_null(s, "--set %s=%s must be refused", key, value);
	cr_assert_geq(errs.n, 1);
	cr_assert_not_null(strstr(errs.lines[0], want), "--set %s=%s: got \"%s\", want \"%s\"", key, value,
			   errs.lines[0], want);
	scn_errors_free(&errs);
}

Test(scn_override, paths_that_name_nothing_are_refused_with_the_segment)
{
	assert_refused("parties.zed.balance", "1", "\"zed\" does not name anything");
	assert_refused("parties.5.balance", "1", "\"5\" does not name anything");
	assert_refused("parties", "1", "names an object or array");
	assert_refused("l1..fee", "1", "not a dotted path");
	assert_refused("l1.fee", "[1]", "only a scalar");
	assert_refused("parties.bob.2", "7", "unknown key \"2\"");
}

/* Issue 14 item 6: VALUE is JSON only when all of it parses as JSON. cJSON alone kept
 * the prefix ("3000abc" was 3000, "5 # five" was 5) and read "007" as 7, so these names
 * were refused. */
static const char *name_after(const char *value, char *buf, size_t n)
{
	struct scn_errors errs = { 0 };
	struct scenario *s = load1("name", value, &errs);
	cr_assert_not_null(s, "--set name=%s: %s", value, errs.n ? errs.lines[0] : "");
	snprintf(buf, n, "%s", s->name);
	scn_free(s);
	scn_errors_free(&errs);
	return buf;
}

Test(scn_override, a_value_is_json_only_when_all_of_it_is)
{
	char buf[80];
	cr_assert_str_eq(name_after("1abc", buf, sizeof(buf)), "1abc");
	cr_assert_str_eq(name_after("007", buf, sizeof(buf)), "007");
	cr_assert_str_eq(name_after("true-story", buf, sizeof(buf)), "true-story");
	cr_assert_str_eq(name_after("\"quoted\"", buf, sizeof(buf)), "quoted");
	assert_refused("parties.bob.balance", "3000abc", "--set parties.bob.balance: amount must be a decimal string");
	assert_refused("parties.bob.balance", "3000abc", "(got \"3000abc\")");
	assert_refused("l1.fee", "5 # five", "(got \"5 # five\")");
	assert_refused("l1.fee", "+5", "(got \"+5\")");
	cr_assert_eq(balance_after("parties.bob.balance", " 7 ", 0), 7, "white space around JSON is JSON");
	cr_assert_eq(balance_after("parties.bob.balance", "7e0", 0), 7);
}

static bool error_holds(const char *key, const char *value, const char *want)
{
	struct scn_errors errs = { 0 };
	struct scenario *s = load1(key, value, &errs);
	bool found = false;
	for (size_t i = 0; i < errs.n; i++)
		found |= strstr(errs.lines[i], want) != NULL;
	for (size_t i = 0; !found && i < errs.n; i++)
		cr_log_info("%s", errs.lines[i]);
	scn_free(s);
	scn_errors_free(&errs);
	return found;
}

/* A VALUE that is not JSON is a string as written: a literal backslash-u-0000 holds no
 * NUL, and 600 unclosed brackets are text, not nesting. Both were refused with "the
 * value holds \u0000 (a NUL character)". A NUL written in a JSON string is refused. */
Test(scn_override, a_string_value_is_refused_only_for_a_real_nul)
{
	struct scn_errors errs = { 0 };
	struct scenario *s = load1("description", "a\\u0000b", &errs);
	cr_assert_not_null(s, "%s", errs.n ? errs.lines[0] : "");
	cr_assert_str_eq(s->description, "a\\u0000b");
	scn_free(s);
	scn_errors_free(&errs);
	char deep[700];
	memset(deep, '[', 600);
	deep[600] = '\0';
	cr_assert(!error_holds("parties.bob.balance", deep, "NUL"));
	cr_assert(error_holds("parties.bob.balance", deep, "amount must be"));
	cr_assert(error_holds("description", "\"a\\u0000b\"", "NUL character"));
}

/* A number too long to print exactly is shown as written: 2^64-1 was shown as
 * 18446744073709551616 in "amount above 2^53-1 must be written as a decimal string". */
Test(scn_override, a_large_number_is_shown_as_written)
{
	cr_assert(error_holds("parties.bob.balance", "18446744073709551615", "(got 18446744073709551615)"));
	cr_assert(error_holds("parties.bob.balance", "9007199254740993", "(got 9007199254740993)"));
	struct scn_errors errs = { 0 };
	const char text[] = "{\"format\": \"l2sim/1\", \"name\": \"n\", \"parties\": [{\"name\": \"a\", "
			    "\"balance\": 18446744073709551615}]}";
	cr_assert_null(scn_load_buffer("n.json", text, strlen(text), NULL, 0, &errs));
	cr_assert(errs.n >= 1);
	cr_assert(strstr(errs.lines[0], "(got 18446744073709551615)"), "%s", errs.lines[0]);
	scn_errors_free(&errs);
}
