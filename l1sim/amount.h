/* Money: whole base units in 64 bits, with overflow-checked arithmetic.
 * Every sum or difference of amounts in l2sim goes through amount_add/amount_sub;
 * a raw + or - on money elsewhere is a bug. */
#ifndef L2SIM_L1SIM_AMOUNT_H
#define L2SIM_L1SIM_AMOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AMOUNT_WARN_UNUSED __attribute__((warn_unused_result))

struct amount {
	uint64_t units;
};

#define AMOUNT(u) ((struct amount){ .units = (u) })
#define AMOUNT_MAX_JSON_INT 9007199254740991ULL /* 2^53-1: exact in a JSON number */

/* *out = a + b. Returns false (and leaves *out unchanged) on overflow. */
bool amount_add(struct amount *out, struct amount a, struct amount b) AMOUNT_WARN_UNUSED;
/* *out = a - b. Returns false (and leaves *out unchanged) when b > a. */
bool amount_sub(struct amount *out, struct amount a, struct amount b) AMOUNT_WARN_UNUSED;
/* *acc += a; false and unchanged on overflow. */
bool amount_add_to(struct amount *acc, struct amount a) AMOUNT_WARN_UNUSED;
/* *acc -= a; false and unchanged when a > *acc. */
bool amount_sub_from(struct amount *acc, struct amount a) AMOUNT_WARN_UNUSED;

static inline bool amount_eq(struct amount a, struct amount b) { return a.units == b.units; }
static inline bool amount_lt(struct amount a, struct amount b) { return a.units < b.units; }
static inline bool amount_le(struct amount a, struct amount b) { return a.units <= b.units; }
static inline bool amount_is_zero(struct amount a) { return a.units == 0; }

/* Parses a whole decimal number "0".."18446744073709551615" (no sign, no spaces,
 * no leading zeros except "0" itself). Returns false on anything else. */
bool amount_parse(struct amount *out, const char *s) AMOUNT_WARN_UNUSED;

/* Writes the decimal form of a into buf (at least AMOUNT_FMT_LEN bytes); returns buf. */
#define AMOUNT_FMT_LEN 21
char *amount_fmt(char buf[AMOUNT_FMT_LEN], struct amount a);

#endif
