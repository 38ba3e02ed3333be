/* `l2sim sweep`: the values of a --vary (lists and ranges) and the order of the
 * combinations. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"
#include "tools/sweep_internal.h"

bool sweep_parse_double(const char *s, size_t len, double *out)
{
	char buf[64];
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == ' ' || buf[0] == '\t' || buf[0] == '+')
		return false;
	char *end;
	errno = 0;
	double d = strtod(buf, &end);
	if (*end != '\0' || errno != 0 || !isfinite(d))
		return false;
	/* Only plain decimal numbers: no hex, inf or nan spellings. */
	for (const char *p = buf; *p; p++) {
		if (!strchr("0123456789.-eE", *p))
			return false;
	}
	*out = d;
	return true;
}

static bool parse_whole(const char *s, size_t len, long long *out)
{
	double d;
	if (!sweep_parse_double(s, len, &d) || d != floor(d) || fabs(d) > 9007199254740992.0)
		return false;
	*out = (long long)d;
	return true;
}

static void push_value(struct sweep_axis *a, size_t *cap, char *v)
{
	if (a->nvalues == *cap)
		a->values = xreallocarray(a->values, *cap = *cap ? 2 * *cap : 8, sizeof(*a->values));
	a->values[a->nvalues++] = v;
}

__attribute__((format(printf, 3, 4))) static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* Expands one item of the comma list into a. */
static bool expand_item(struct sweep_axis *a, size_t *cap, const char *item, size_t len, char *err,
			size_t errlen)
{
	const char *dots = NULL;
	for (size_t i = 0; i + 1 < len; i++) {
		if (item[i] == '.' && item[i + 1] == '.') {
			dots = item + i;
			break;
		}
	}
	size_t colons = 0;
	const char *c1 = NULL, *c2 = NULL;
	for (size_t i = 0; i < len; i++) {
		if (item[i] == ':') {
			colons++;
			if (!c1)
				c1 = item + i;
			else if (!c2)
				c2 = item + i;
		}
	}
	double x, y, z;
	if (dots && colons == 0) {
		size_t la = (size_t)(dots - item), lb = len - la - 2;
		if (sweep_parse_double(item, la, &x) && sweep_parse_double(dots + 2, lb, &y)) {
			long long lo, hi;
			if (!parse_whole(item, la, &lo) || !parse_whole(dots + 2, lb, &hi))
				return fail(err, errlen, "--vary %s: range %.*s: A..B takes whole numbers (use A:B:STEP for others)",
					    a->key, (int)len, item);
			if (lo > hi)
				return fail(err, errlen, "--vary %s: range %.*s: the start is above the end", a->key,
					    (int)len, item);
			if ((unsigned long long)(hi - lo) >= SWEEP_MAX_VALUES - a->nvalues)
				return fail(err, errlen, "--vary %s: more than %u values", a->key, SWEEP_MAX_VALUES);
			for (long long v = lo; v <= hi; v++) {
				char buf[32];
				snprintf(buf, sizeof(buf), "%lld", v);
				push_value(a, cap, xstrdup(buf));
			}
			return true;
		}
	} else if (colons == 1 && sweep_parse_double(item, (size_t)(c1 - item), &x) &&
		   sweep_parse_double(c1 + 1, len - (size_t)(c1 - item) - 1, &y)) {
		return fail(err, errlen, "--vary %s: range %.*s needs a step: START:END:STEP", a->key, (int)len, item);
	} else if (colons == 2 && sweep_parse_double(item, (size_t)(c1 - item), &x) &&
		   sweep_parse_double(c1 + 1, (size_t)(c2 - c1 - 1), &y) &&
		   sweep_parse_double(c2 + 1, len - (size_t)(c2 - item) - 1, &z)) {
		if (!(z > 0))
			return fail(err, errlen, "--vary %s: range %.*s: the step must be above 0", a->key, (int)len, item);
		if (x > y)
			return fail(err, errlen, "--vary %s: range %.*s: the start is above the end", a->key, (int)len,
				    item);
		/* The tolerance keeps B itself when (B - A) / S is whole but not exactly so in
		 * binary (0:1:0.1). */
		double steps = floor((y - x) / z + 1e-9);
		if (steps >= (double)(SWEEP_MAX_VALUES - a->nvalues))
			return fail(err, errlen, "--vary %s: more than %u values", a->key, SWEEP_MAX_VALUES);
		for (size_t i = 0; i <= (size_t)steps; i++) {
			char buf[40];
			double v = x + (double)i * z;
			if (v == 0)
				v = 0; /* no "-0" */
			snprintf(buf, sizeof(buf), "%.15g", v);
			push_value(a, cap, xstrdup(buf));
		}
		return true;
	}
	if (a->nvalues >= SWEEP_MAX_VALUES)
		return fail(err, errlen, "--vary %s: more than %u values", a->key, SWEEP_MAX_VALUES);
	char *v = xmalloc(len + 1);
	memcpy(v, item, len);
	v[len] = '\0';
	push_value(a, cap, v);
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool sweep_axis_parse(const char *arg, struct sweep_axis *axis, char *err, size_t errlen)
{
	memset(axis, 0, sizeof(*axis));
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return fail(err, errlen, "--vary needs KEY=V1,V2,... (got \"%s\")", arg);
	axis->key = xmalloc((size_t)(eq - arg) + 1);
	memcpy(axis->key, arg, (size_t)(eq - arg));
	axis->key[eq - arg] = '\0';
	const char *p = eq + 1;
	if (*p == '\0') {
		fail(err, errlen, "--vary %s: no values", axis->key);
		goto bad;
	}
	size_t cap = 0, pos = 1;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0) {
			fail(err, errlen, "--vary %s: value %zu is empty", axis->key, pos);
			goto bad;
		}
		if (!expand_item(axis, &cap, p, len, err, errlen))
			goto bad;
		if (!comma)
			break;
		p = comma + 1;
		pos++;
	}
	/* A value listed twice would give two identical rows: sort a copy to find one. */
	char **sorted = xreallocarray(NULL, axis->nvalues, sizeof(*sorted));
	memcpy(sorted, axis->values, axis->nvalues * sizeof(*sorted));
	qsort(sorted, axis->nvalues, sizeof(*sorted), cmp_str);
	for (size_t i = 1; i < axis->nvalues; i++) {
		if (strcmp(sorted[i - 1], sorted[i]) == 0) {
			fail(err, errlen, "--vary %s: value %s is listed twice", axis->key, sorted[i]);
			free(sorted);
			goto bad;
		}
	}
	free(sorted);
	return true;
bad:
	sweep_axis_free(axis);
	return false;
}

void sweep_axis_free(struct sweep_axis *axis)
{
	for (size_t i = 0; i < axis->nvalues; i++)
		free(axis->values[i]);
	free(axis->values);
	free(axis->key);
	memset(axis, 0, sizeof(*axis));
}

bool sweep_count(const struct sweep_axis *axes, size_t naxes, size_t *n)
{
	size_t total = 1;
	for (size_t i = 0; i < naxes; i++) {
		if (axes[i].nvalues == 0 || total > SWEEP_MAX_RUNS / axes[i].nvalues)
			return false;
		total *= axes[i].nvalues;
	}
	*n = total;
	return true;
}

void sweep_combination(const struct sweep_axis *axes, size_t naxes, size_t i, size_t *idx)
{
	for (size_t k = naxes; k-- > 0;) {
		idx[k] = i % axes[k].nvalues;
		i /= axes[k].nvalues;
	}
}
