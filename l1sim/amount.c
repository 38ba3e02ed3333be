#include "amount.h"

#include <stdio.h>
#include <string.h>

bool amount_add(struct amount *out, struct amount a, struct amount b)
{
	uint64_t r;
	if (__builtin_add_overflow(a.units, b.units, &r))
		return false;
	out->units = r;
	return true;
}

bool amount_sub(struct amount *out, struct amount a, struct amount b)
{
	if (b.units > a.units)
		return false;
	out->units = a.units - b.units;
	return true;
}

bool amount_add_to(struct amount *acc, struct amount a)
{
	return amount_add(acc, *acc, a);
}

bool amount_sub_from(struct amount *acc, struct amount a)
{
	return amount_sub(acc, *acc, a);
}

bool amount_parse(struct amount *out, const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (__builtin_mul_overflow(v, 10u, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
			return false;
	}
	out->units = v;
	return true;
}

char *amount_fmt(char buf[AMOUNT_FMT_LEN], struct amount a)
{
	snprintf(buf, AMOUNT_FMT_LEN, "%llu", (unsigned long long)a.units);
	return buf;
}
