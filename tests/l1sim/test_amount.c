/* Unit tests of l1sim/amount: checked arithmetic at 0 and 2^64-1, outputs left
 * unchanged on failure, the strict decimal parser and the formatter. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "l1sim/amount.h"

#define MAX UINT64_MAX
#define SENTINEL 0x5a5a5a5a5a5a5a5aULL

Test(amount, add_in_range)
{
	struct amount out = AMOUNT(SENTINEL);
	cr_assert(amount_add(&out, AMOUNT(2), AMOUNT(3)));
	cr_assert_eq(out.units, 5);
	cr_assert(amount_add(&out, AMOUNT(0), AMOUNT(0)));
	cr_assert_eq(out.units, 0);
}

Test(amount, add_reaches_max_exactly)
{
	struct amount out = AMOUNT(SENTINEL);
	cr_assert(amount_add(&out, AMOUNT(MAX - 1), AMOUNT(1)));
	cr_assert_eq(out.units, MAX);
	cr_assert(amount_add(&out, AMOUNT(MAX), AMOUNT(0)));
	cr_assert_eq(out.units, MAX);
	cr_assert(amount_add(&out, AMOUNT(0), AMOUNT(MAX)));
	cr_assert_eq(out.units, MAX);
}

Test(amount, add_overflow_fails_and_leaves_output)
{
	struct amount out = AMOUNT(SENTINEL);
	cr_assert_not(amount_add(&out, AMOUNT(MAX), AMOUNT(1)));
	cr_assert_eq(out.units, SENTINEL);
	cr_assert_not(amount_add(&out, AMOUNT(1), AMOUNT(MAX)));
	cr_assert_eq(out.units, SENTINEL);
	cr_assert_not(amount_add(&out, AMOUNT(MAX), AMOUNT(MAX)));
	cr_assert_eq(out.units, SENTINEL);
	cr_assert_not(amount_add(&out, AMOUNT(1ULL << 63), AMOUNT(1ULL << 63)));
	cr_assert_eq(out.units, SENTINEL);
}

Test(amount, sub_in_range)
{
	struct amount out = AMOUNT(SENTINEL);
	cr_assert(amount_sub(&out, AMOUNT(5), AMOUNT(3)));
	cr_assert_eq(out.units, 2);
	cr_assert(amount_sub(&out, AMOUNT(MAX), AMOUNT(MAX)));
	cr_assert_eq(out.units, 0);
	cr_assert(amount_sub(&out, AMOUNT(MAX), AMOUNT(0)));
	cr_assert_eq(out.units, MAX);
	cr_assert(amount_sub(&out, AMOUNT(0), AMOUNT(0)));
	cr_assert_eq(out.units, 0);
}

Test(amount, sub_underflow_fails_and_leaves_output)
{
	struct amount out = AMOUNT(SENTINEL);
	cr_assert_not(amount_sub(&out, AMOUNT(0), AMOUNT(1)));
	cr_assert_eq(out.units, SENTINEL);
	cr_assert_not(amount_sub(&out, AMOUNT(MAX - 1), AMOUNT(MAX)));
	cr_assert_eq(out.units, SENTINEL);
	cr_assert_not(amount_sub(&out, AMOUNT(3), AMOUNT(4)));
	cr_assert_eq(out.units, SENTINEL);
}

Test(amount, add_to_and_sub_from)
{
	struct amount acc = AMOUNT(10);
	cr_assert(amount_add_to(&acc, AMOUNT(5)));
	cr_assert_eq(acc.units, 15);
	cr_assert(amount_sub_from(&acc, AMOUNT(15)));
	cr_assert_eq(acc.units, 0);
	cr_assert_not(amount_sub_from(&acc, AMOUNT(1)));
	cr_assert_eq(acc.units, 0);
	acc = AMOUNT(MAX);
	cr_assert_not(amount_add_to(&acc, AMOUNT(1)));
	cr_assert_eq(acc.units, MAX);
	cr_assert(amount_add_to(&acc, AMOUNT(0)));
	cr_assert_eq(acc.units, MAX);
}

Test(amount, comparisons)
{
	cr_assert(amount_eq(AMOUNT(MAX), AMOUNT(MAX)));
	cr_assert_not(amount_eq(AMOUNT(0), AMOUNT(1)));
	cr_assert(amount_lt(AMOUNT(MAX - 1), AMOUNT(MAX)));
	cr_assert_not(amount_lt(AMOUNT(MAX), AMOUNT(MAX)));
	cr_assert(amount_le(AMOUNT(MAX), AMOUNT(MAX)));
	cr_assert_not(amount_le(AMOUNT(1), AMOUNT(0)));
	cr_assert(amount_is_zero(AMOUNT(0)));
	cr_assert_not(amount_is_zero(AMOUNT(1)));
}

static void parse_ok(const char *s, uint64_t want)
{
	struct amount out = AMOUNT(SENTINEL);
	cr_assert(amount_parse(&out, s), "\"%s\" should parse", s);
	cr_assert_eq(out.units, want, "\"%s\" parsed as %llu", s, (unsigned long long)out.units);
}

static void parse_bad(const char *s)
{
	struct amount out = AMOUNT(SENTINEL);
	cr_assert_not(amount_parse(&out, s), "\"%s\" should be rejected", s);
	cr_assert_eq(out.units, SENTINEL, "\"%s\": output changed on failure", s);
}

Test(amount, parse_valid)
{
	parse_ok("0", 0);
	parse_ok("1", 1);
	parse_ok("10", 10);
	parse_ok("9007199254740991", AMOUNT_MAX_JSON_INT);
	parse_ok("9007199254740992", AMOUNT_MAX_JSON_INT + 1);
	parse_ok("18446744073709551614", MAX - 1);
	parse_ok("18446744073709551615", MAX);
}

Test(amount, parse_rejects_overflow)
{
	parse_bad("18446744073709551616");     /* 2^64 */
	parse_bad("18446744073709551620");
	parse_bad("99999999999999999999");     /* 20 digits, overflows in the multiply */
	parse_bad("100000000000000000000");    /* 21 digits */
	parse_bad("184467440737095516150");
}

Test(amount, parse_rejects_malformed)
{
	parse_bad("");
	parse_bad("01");
	parse_bad("00");
	parse_bad("-1");
	parse_bad("-0");
	parse_bad("+1");
	parse_bad("1.5");
	parse_bad("1.0");
	parse_bad(" 1");
	parse_bad("1 ");
	parse_bad("1e3");
	parse_bad("0x10");
	parse_bad("12a");
	parse_bad("a");
}

static void fmt_is(uint64_t v, const char *want)
{
	char buf[AMOUNT_FMT_LEN];
	memset(buf, 'x', sizeof(buf));
	char *r = amount_fmt(buf, AMOUNT(v));
	cr_assert_eq(r, buf);
	cr_assert_str_eq(buf, want);
}

Test(amount, fmt)
{
	fmt_is(0, "0");
	fmt_is(1, "1");
	fmt_is(1234567890, "1234567890");
	fmt_is(MAX, "18446744073709551615"); /* 20 digits + NUL fill AMOUNT_FMT_LEN exactly */
	cr_assert_eq(AMOUNT_FMT_LEN, strlen("18446744073709551615") + 1);
}

Test(amount, fmt_parse_round_trip)
{
	const uint64_t vals[] = { 0, 1, 9, 10, 99, 100, AMOUNT_MAX_JSON_INT, 1ULL << 63, MAX - 1, MAX };
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		char buf[AMOUNT_FMT_LEN];
		struct amount back;
		cr_assert(amount_parse(&back, amount_fmt(buf, AMOUNT(vals[i]))));
		cr_assert_eq(back.units, vals[i]);
	}
}
