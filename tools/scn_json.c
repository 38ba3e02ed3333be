/* The generic JSON validator: the path being checked, the error list and its cap,
 * type checks, unknown keys with suggestions, and the name index. Knows no section. */
#include "scn_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

static void errors_vadd(struct scn_errors *e, struct scn_origin o, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	char *line = xmalloc((size_t)n + 1);
	vsnprintf(line, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 8;
		e->lines = xreallocarray(e->lines, e->cap, sizeof(char *));
		e->origin = xreallocarray(e->origin, e->cap, sizeof(*e->origin));
	}
	/* A list grown before origins existed (lines without origin) cannot occur: both
	 * arrays grow together here. */
	e->origin[e->n] = o;
	e->lines[e->n++] = line;
}

void scn_errors_add(struct scn_errors *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	errors_vadd(e, (struct scn_origin){ SCN_FROM_FILE, 0 }, fmt, ap);
	va_end(ap);
}

void scn_errors_add_origin(struct scn_errors *e, struct scn_origin o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	errors_vadd(e, o, fmt, ap);
	va_end(ap);
}

void scn_errors_free(struct scn_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->lines[i]);
	free(e->lines);
	free(e->origin);
	e->lines = NULL;
	e->origin = NULL;
	e->n = e->cap = 0;
}

/* ---- text from the file, made safe to print ---- */

/* The length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one
 * (overlong forms, surrogates and code points above U+10FFFF are not). */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (n == 0 || s[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) || (s[0] == 0xf0 && s[1] < 0x90) ||
	    (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

size_t scn_escape(char *out, size_t cap, const char *text, size_t max_chars)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t o = 0, chars = 0;
	/* Each character takes at most 6 bytes ("\u0085"); "..." and the NUL 4 more. */
	for (; *s && chars < max_chars && o + 10 < cap; chars++) {
		size_t n = utf8_len(s);
		if (n == 1 && *s >= 0x20 && *s != 0x7f) {
			out[o++] = (char)*s++;
		} else if (n == 1 || n == 0) {
			/* Control characters (ESC, CR, ...) and bytes that are not UTF-8. */
			static const char hex[] = "0123456789abcdef";
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 15];
			s++;
		} else if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) {
			/* C1 controls (U+0080..U+009F): some terminals obey them too. */
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", (unsigned)s[1]);
			s += 2;
		} else {
			memcpy(out + o, s, n);
			o += n;
			s += n;
		}
	}
	if (*s) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return o;
}

const char *scn_show(const char *text, size_t max_chars)
{
	/* A few at once in one message; the loader runs on one thread per process. */
	static _Thread_local char ring[6][SCN_SHOW_MAX * 6 + 8];
	static _Thread_local unsigned next;
	char *buf = ring[next++ % 6];
	scn_escape(buf, sizeof(ring[0]), text, max_chars < SCN_SHOW_MAX ? max_chars : SCN_SHOW_MAX);
	return buf;
}

char *scn_escape_dup(const char *text)
{
	size_t n = strlen(text);
	char *out = xmalloc(6 * n + 8);
	scn_escape(out, 6 * n + 8, text, SIZE_MAX);
	return out;
}

const char *scn_num_text(const cJSON *j)
{
	if (j->valuestring)
		return j->valuestring;
	static _Thread_local char ring[4][32];
	static _Thread_local unsigned next;
	char *buf = ring[next++ % 4];
	snprintf(buf, sizeof(ring[0]), "%.15g", j->valuedouble);
	return buf;
}

void scn_note_number_text(cJSON *j, const char *text, size_t len)
{
	/* Short ones print as they were written (near enough) with %.15g. */
	if (len <= SCN_NUM_EXACT_MAX && isfinite(j->valuedouble))
		return;
	char buf[SCN_NUM_TEXT_MAX + 40];
	if (len <= SCN_NUM_TEXT_MAX)
		snprintf(buf, sizeof(buf), "%.*s", (int)len, text);
	else
		snprintf(buf, sizeof(buf), "%.20s... (%zu characters)", text, len);
	char *copy = cJSON_malloc(strlen(buf) + 1);
	if (!copy)
		fatal_invariant("out of memory");
	strcpy(copy, buf);
	cJSON_free(j->valuestring);
	j->valuestring = copy;
}

static uint64_t names_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

void scn_names_init(struct scn_names *x, size_t entries)
{
	x->cap = 16;
	while (x->cap < 2 * entries + 2)
		x->cap *= 2;
	x->names = xcalloc(x->cap, sizeof(*x->names));
	x->idx = xcalloc(x->cap, sizeof(*x->idx));
}

void scn_names_free(struct scn_names *x)
{
	free(x->names);
	free(x->idx);
}

uint32_t scn_names_find(const struct scn_names *x, const char *name)
{
	if (!x->cap)
		return SCN_NONE;
	for (size_t i = names_hash(name) & (x->cap - 1);; i = (i + 1) & (x->cap - 1)) {
		if (!x->names[i])
			return SCN_NONE;
		if (strcmp(x->names[i], name) == 0)
			return x->idx[i];
	}
}

/* name must not be in x yet; it must outlive x. */
void scn_names_add(struct scn_names *x, const char *name, uint32_t idx)
{
	size_t i = names_hash(name) & (x->cap - 1);
	while (x->names[i])
		i = (i + 1) & (x->cap - 1);
	x->names[i] = name;
	x->idx[i] = idx;
}
size_t scn_path_push_key(struct scn_vctx *v, const char *key)
{
	size_t old = v->plen;
	int n = snprintf(v->path + v->plen, sizeof(v->path) - v->plen, "%s%s", v->plen ? "." : "",
			 scn_show(key, SCN_SHOW_MAX));
	if (n > 0)
		v->plen = v->plen + (size_t)n < sizeof(v->path) ? v->plen + (size_t)n : sizeof(v->path) - 1;
	return old;
}

size_t scn_path_push_index(struct scn_vctx *v, size_t i)
{
	size_t old = v->plen;
	int n = snprintf(v->path + v->plen, sizeof(v->path) - v->plen, "[%zu]", i);
	if (n > 0)
		v->plen = v->plen + (size_t)n < sizeof(v->path) ? v->plen + (size_t)n : sizeof(v->path) - 1;
	return old;
}

void scn_path_pop(struct scn_vctx *v, size_t old)
{
	v->plen = old;
	v->path[old] = '\0';
}

void scn_verr(struct scn_vctx *v, const char *fmt, ...)
{
	if (v->nerrs >= SCN_MAX_ERRORS) {
		v->dropped++;
		return;
	}
	v->nerrs++;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A value an override set is the option's problem, not the file's. */
	for (size_t i = 0; i < v->nov; i++)
		if (v->ov_paths[i] && strcmp(v->ov_paths[i], v->path) == 0) {
			int at = snprintf(NULL, 0, "%s: --set %s: ", v->file, scn_show(v->ov[i].key, SCN_SHOW_MAX));
			scn_errors_add_origin(v->errs, (struct scn_origin){ i, (size_t)at }, "%s: --set %s: %s", v->file,
					      scn_show(v->ov[i].key, SCN_SHOW_MAX), msg);
			return;
		}
	int at = snprintf(NULL, 0, "%s: %s: ", v->file, v->plen ? v->path : "(top level)");
	scn_errors_add_origin(v->errs, (struct scn_origin){ SCN_FROM_FILE, (size_t)at }, "%s: %s: %s", v->file,
			      v->plen ? v->path : "(top level)", msg);
}

/* A problem of the file as a whole (no path), counted against SCN_MAX_ERRORS too. */
void scn_verr_at(struct scn_vctx *v, const char *where, const char *fmt, ...)
{
	if (v->nerrs >= SCN_MAX_ERRORS) {
		v->dropped++;
		return;
	}
	v->nerrs++;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int at = snprintf(NULL, 0, "%s: %s: ", v->file, where);
	scn_errors_add_origin(v->errs, (struct scn_origin){ SCN_FROM_FILE, (size_t)at }, "%s: %s: %s", v->file, where, msg);
}

const char *scn_type_name(const cJSON *j)
{
	if (cJSON_IsNull(j)) return "null";
	if (cJSON_IsBool(j)) return "a boolean";
	if (cJSON_IsNumber(j)) return "a number";
	if (cJSON_IsString(j)) return "a string";
	if (cJSON_IsArray(j)) return "an array";
	if (cJSON_IsObject(j)) return "an object";
	return "invalid";
}

/* The edit distance of a and b (insertions, deletions, substitutions), or 3 when it
 * is above 2 or either is longer than 64: enough to suggest a key for a typo. */
unsigned scn_small_edit_distance(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na > 64 || nb > 64 || (na > nb ? na - nb : nb - na) > 2)
		return 3;
	unsigned row[65];
	for (size_t j = 0; j <= nb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= na; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= nb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb] > 2 ? 3 : row[nb];
}

/* Reports keys of obj not in `allowed` (NULL-terminated, at most 32) and keys given
 * twice. O(keys x allowed), so an object with a million unknown keys costs no more
 * than a million errors (of which SCN_MAX_ERRORS are kept). */
void scn_check_keys(struct scn_vctx *v, const cJSON *obj, const char *const *allowed)
{
	bool seen[32] = { false };
	for (const cJSON *it = obj->child; it; it = it->next) {
		int k = -1;
		for (int a = 0; a < 32 && allowed[a]; a++)
			if (strcmp(allowed[a], it->string) == 0)
				k = a;
		size_t old = scn_path_push_key(v, it->string);
		if (k < 0) {
			/* A near miss gets a suggestion (only for the problems that are listed). */
			const char *near = NULL;
			unsigned best = 3;
			for (int a = 0; v->nerrs < SCN_MAX_ERRORS && a < 32 && allowed[a]; a++) {
				unsigned d = scn_small_edit_distance(it->string, allowed[a]);
				if (d < best) {
					best = d;
					near = allowed[a];
				}
			}
			if (near)
				scn_verr(v, "unknown key \"%s\" (did you mean \"%s\"?)", scn_show(it->string, 64), near);
			else
				scn_verr(v, "unknown key \"%s\"", scn_show(it->string, 64));
		}
		else if (seen[k])
			scn_verr(v, "key given twice");
		else
			seen[k] = true;
		scn_path_pop(v, old);
	}
}

bool scn_valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > SCN_MAX_NAME_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* The checkers below report at the current path (the caller pushed the key) and
 * return false when the value is unusable. */

bool scn_as_uint(struct scn_vctx *v, const cJSON *j, uint64_t min, uint64_t max, uint64_t *out)
{
	if (!cJSON_IsNumber(j)) {
		scn_verr(v, "must be a whole number (got %s)", scn_type_name(j));
		return false;
	}
	double d = j->valuedouble;
	char got[32];
	if (isnan(d) || (isfinite(d) && d != floor(d))) {
		scn_verr(v, "must be a whole number (got %s)", scn_num_text(j));
		return false;
	}
	if (d < (double)min || d > (double)max || d > MAX_JSON_INT) {
		scn_verr(v, "must be between %llu and %llu (got %s)", (unsigned long long)min,
		     (unsigned long long)(max > (uint64_t)MAX_JSON_INT ? (uint64_t)MAX_JSON_INT : max),
		     j->valuestring ? j->valuestring : (snprintf(got, sizeof(got), "%.0f", d), got));
		return false;
	}
	*out = (uint64_t)d;
	return true;
}

bool scn_as_amount(struct scn_vctx *v, const cJSON *j, struct amount *out)
{
	if (cJSON_IsString(j)) {
		if (!amount_parse(out, j->valuestring)) {
			scn_verr(v, "amount must be a decimal string from \"0\" to \"18446744073709551615\" (got \"%s\")",
			     scn_show(j->valuestring, 40));
			return false;
		}
		return true;
	}
	if (!cJSON_IsNumber(j)) {
		scn_verr(v, "amount must be a whole number or a decimal string (got %s)", scn_type_name(j));
		return false;
	}
	double d = j->valuedouble;
	char got[32];
	if (isnan(d) || (isfinite(d) && d != floor(d))) {
		scn_verr(v, "amount must be a whole number (got %s)", scn_num_text(j));
		return false;
	}
	if (d < 0) {
		scn_verr(v, "amount must not be negative (got %s)", scn_num_text(j));
		return false;
	}
	if (d > MAX_JSON_INT) {
		scn_verr(v, "amount above 2^53-1 must be written as a decimal string (got %s)",
			 j->valuestring ? j->valuestring : (snprintf(got, sizeof(got), "%.0f", d), got));
		/* (1e999 is infinite: its written text is in valuestring) */
		return false;
	}
	out->units = (uint64_t)d;
	return true;
}

bool scn_as_number(struct scn_vctx *v, const cJSON *j, double min_excl, double max, double *out)
{
	if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble)) {
		scn_verr(v, "must be a number (got %s)", cJSON_IsNumber(j) ? scn_num_text(j) : scn_type_name(j));
		return false;
	}
	if (!(j->valuedouble > min_excl) || j->valuedouble > max) {
		scn_verr(v, "must be above %.15g and at most %.15g (got %s)", min_excl, max, scn_num_text(j));
		return false;
	}
	*out = j->valuedouble;
	return true;
}

bool scn_as_bool(struct scn_vctx *v, const cJSON *j, bool *out)
{
	if (!cJSON_IsBool(j)) {
		scn_verr(v, "must be true or false (got %s)", scn_type_name(j));
		return false;
	}
	*out = cJSON_IsTrue(j);
	return true;
}

const char *scn_as_string(struct scn_vctx *v, const cJSON *j)
{
	if (!cJSON_IsString(j)) {
		scn_verr(v, "must be a string (got %s)", scn_type_name(j));
		return NULL;
	}
	return j->valuestring;
}

/* One of `choices` (NULL-terminated); returns its index or -1. */
int scn_as_choice(struct scn_vctx *v, const cJSON *j, const char *const *choices)
{
	const char *s = scn_as_string(v, j);
	if (!s)
		return -1;
	for (int i = 0; choices[i]; i++)
		if (strcmp(s, choices[i]) == 0)
			return i;
	char list[256] = "";
	for (int i = 0; choices[i]; i++) {
		strncat(list, i ? ", \"" : "\"", sizeof(list) - strlen(list) - 1);
		strncat(list, choices[i], sizeof(list) - strlen(list) - 1);
		strncat(list, "\"", sizeof(list) - strlen(list) - 1);
	}
	scn_verr(v, "must be one of %s (got \"%s\")", list, scn_show(s, 40));
	return -1;
}

/* The item at obj.key with its path pushed, or NULL (nothing pushed). Pair with scn_leave(). */
const cJSON *scn_enter(struct scn_vctx *v, const cJSON *obj, const char *key, size_t *old)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (j)
		*old = scn_path_push_key(v, key);
	return j;
}

void scn_leave(struct scn_vctx *v, size_t old)
{
	scn_path_pop(v, old);
}

void scn_require(struct scn_vctx *v, const cJSON *obj, const char *key)
{
	if (!cJSON_GetObjectItemCaseSensitive(obj, key)) {
		size_t old = scn_path_push_key(v, key);
		scn_verr(v, "required key is missing");
		scn_path_pop(v, old);
	}
}

/* Refuses an array longer than max (at the current path); true when it is within. */
bool scn_array_within(struct scn_vctx *v, const cJSON *arr, uint32_t max, const char *what)
{
	int n = cJSON_GetArraySize(arr);
	if (n >= 0 && (unsigned)n <= max)
		return true;
	scn_verr(v, "too many %s: %d, the limit is %u", what, n, max);
	return false;
}

uint32_t *scn_party_names(struct scn_vctx *v, const cJSON *arr, bool *ok)
{
	const struct scenario *s = v->s;
	int n = cJSON_GetArraySize(arr);
	uint32_t *out = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*out));
	bool *seen = xcalloc((size_t)s->nparties + 1, sizeof(*seen));
	*ok = true;
	size_t k = 0;
	for (const cJSON *p = arr->child; p; p = p->next, k++) {
		size_t o = scn_path_push_index(v, k);
		uint32_t pi = scn_party_ref(v, p);
		if (pi != SCN_NONE && seen[pi]) {
			scn_verr(v, "party \"%s\" is listed twice", s->parties[pi].name);
			pi = SCN_NONE;
		} else if (pi != SCN_NONE) {
			seen[pi] = true;
		}
		*ok &= pi != SCN_NONE;
		out[k] = pi;
		scn_path_pop(v, o);
	}
	free(seen);
	return out;
}
