/* --set KEY=VALUE: the dotted path language (SPEC section 1). */
#include "scn_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

static bool is_scalar(const cJSON *j)
{
	return !cJSON_IsObject(j) && !cJSON_IsArray(j);
}

/* Finds the element of an array named by `seg`: an index, or the element whose
 * "name" (parties) or "id" (channels) is seg; *at is its index. */
static cJSON *array_member(cJSON *arr, const char *seg, size_t *at)
{
	char *end;
	errno = 0;
	unsigned long idx = strtoul(seg, &end, 10);
	if (*seg >= '0' && *seg <= '9' && *end == '\0' && errno == 0) {
		*at = idx;
		return idx < (unsigned long)cJSON_GetArraySize(arr) ? cJSON_GetArrayItem(arr, (int)idx) : NULL;
	}
	*at = 0;
	for (cJSON *e = arr->child; e; e = e->next, (*at)++) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "name");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
		if ((cJSON_IsString(n) && strcmp(n->valuestring, seg) == 0) ||
		    (cJSON_IsString(id) && strcmp(id->valuestring, seg) == 0))
			return e;
	}
	return NULL;
}

/* The member of an object (by key) or of an array (array_member) named seg, or NULL;
 * on success the validator's path `at` is extended by it. */
static cJSON *member(cJSON *cur, const char *seg, struct scn_vctx *at)
{
	cJSON *m = NULL;
	size_t idx;
	if (cJSON_IsObject(cur) && (m = cJSON_GetObjectItemCaseSensitive(cur, seg)))
		scn_path_push_key(at, seg);
	else if (cJSON_IsArray(cur) && (m = array_member(cur, seg, &idx)))
		scn_path_push_index(at, idx);
	return m;
}

/* Segments i..j of a split key are contiguous in one buffer, each ended by the NUL
 * that replaced its dot: joined puts the dots back (segs[i] then names the run),
 * !joined splits them again. */
static void join_segs(char **segs, size_t i, size_t j, bool joined)
{
	for (size_t k = i + 1; k <= j; k++)
		segs[k][-1] = joined ? '.' : '\0';
}

/* RFC 8259's number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static const char *json_number_end(const char *p)
{
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		if (!(*++p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

static bool json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool scn_is_json(const char *text)
{
	const char *p = text;
	while (json_space(*p))
		p++;
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		p = json_number_end(p);
		if (!p)
			return false;
		while (json_space(*p))
			p++;
		return *p == '\0';
	}
	if (!(*p == '"' || *p == '[' || *p == '{' || *p == 't' || *p == 'f' || *p == 'n'))
		return false;
	cJSON *j = cJSON_ParseWithOpts(text, NULL, true);
	cJSON_Delete(j);
	return j != NULL;
}

__attribute__((format(printf, 5, 6))) static void ov_err(struct scn_errors *errs, const char *file,
							 const struct scn_override *o, size_t idx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const char *key = scn_show(o->key, SCN_SHOW_MAX);
	int at = snprintf(NULL, 0, "%s: --set %s: ", file, key);
	scn_errors_add_origin(errs, (struct scn_origin){ idx, (size_t)at }, "%s: --set %s: %s", file, key, msg);
}

char *scn_apply_override(const char *file, cJSON *root, const struct scn_override *ov, size_t idx,
			 struct scn_errors *errs)
{
	const struct scn_override *o = &ov[idx];
	char *key = xstrdup(o->key);
	char *segs[64];
	size_t n = 0;
	char *path = NULL;
	bool bad = key[0] == '\0';
	for (char *p = key, *start = key; !bad; p++) {
		if (*p == '.' || *p == '\0') {
			bool last = *p == '\0';
			*p = '\0';
			if (*start == '\0' || n == 64)
				bad = true;
			else
				segs[n++] = start;
			start = p + 1;
			if (last)
				break;
		}
	}
	if (bad || !cJSON_IsObject(root)) {
		ov_err(errs, file, o, idx, "not a dotted path like l1.fee or parties.alice.balance");
		free(key);
		return NULL;
	}
	/* VALUE is JSON only when all of it is (SPEC section 1): "3000abc", "5 # five",
	 * "007" and "true-story" are strings. */
	bool is_json = scn_is_json(o->value);
	cJSON *value = is_json ? cJSON_ParseWithOpts(o->value, NULL, true) : cJSON_CreateString(o->value);
	if (!value)
		fatal_invariant("out of memory");
	struct scn_vctx at = { 0 };
	if (!is_scalar(value)) {
		ov_err(errs, file, o, idx, "only a scalar (number, string, boolean, null) can be set");
		goto out;
	}
	struct scn_shape sh;
	size_t nul_at;
	const char *why;
	/* Only a JSON string can hold \u0000 (cJSON would cut it there); a VALUE that is no
	 * JSON is kept as written, backslashes and brackets included. */
	if (is_json && cJSON_IsString(value) && !scn_json_shape_ok(o->value, strlen(o->value), &sh, &nul_at, &why)) {
		ov_err(errs, file, o, idx, "the value holds \\u0000 (a NUL character), which no string may hold");
		goto out;
	}
	if (cJSON_IsNumber(value))
		scn_note_number_text(value, o->value, strlen(o->value));
	/* Names may contain dots (bob.2), so a step may span several segments: at each
	 * level the longest run of segments that names something wins, and a run that
	 * reaches the end names the scalar to set. */
	cJSON *cur = root;
	size_t i = 0;
	while (i + 1 < n) {
		if (cJSON_IsObject(cur) || cJSON_IsArray(cur)) {
			struct scn_vctx probe = { 0 };
			join_segs(segs, i, n - 1, true);
			cJSON *whole = member(cur, segs[i], &probe);
			join_segs(segs, i, n - 1, false);
			if (whole && is_scalar(whole))
				break;
		}
		cJSON *next = NULL;
		size_t j = n - 1;
		while (!next && j-- > i) {
			join_segs(segs, i, j, true);
			next = member(cur, segs[i], &at);
			join_segs(segs, i, j, false);
		}
		if (!next && cJSON_IsObject(cur) && cur == root && (strcmp(segs[i], "l1") == 0 || strcmp(segs[i], "l2") == 0)) {
			next = cJSON_AddObjectToObject(cur, segs[i]);
			scn_path_push_key(&at, segs[i]);
			j = i;
		}
		if (!next) {
			ov_err(errs, file, o, idx, "\"%s\" does not name anything in this scenario",
			       scn_show(segs[i], SCN_SHOW_MAX));
			goto out;
		}
		cur = next;
		i = j + 1;
	}
	join_segs(segs, i, n - 1, true);
	const char *last = segs[i];
	if (cJSON_IsObject(cur)) {
		cJSON *existing = cJSON_GetObjectItemCaseSensitive(cur, last);
		if (existing && !is_scalar(existing)) {
			ov_err(errs, file, o, idx, "names an object or array, not a scalar");
			goto out;
		}
		if (existing)
			cJSON_ReplaceItemInObjectCaseSensitive(cur, last, value);
		else
			cJSON_AddItemToObject(cur, last, value);
		scn_path_push_key(&at, last);
		value = NULL;
	} else if (cJSON_IsArray(cur)) {
		size_t k;
		cJSON *existing = array_member(cur, last, &k);
		if (!existing || !is_scalar(existing)) {
			ov_err(errs, file, o, idx, "\"%s\" does not name a scalar in this scenario",
			       scn_show(last, SCN_SHOW_MAX));
			goto out;
		}
		cJSON_ReplaceItemViaPointer(cur, existing, value);
		scn_path_push_index(&at, k);
		value = NULL;
	} else {
		ov_err(errs, file, o, idx, "\"%s\" is inside a scalar", scn_show(last, SCN_SHOW_MAX));
	}
	if (!value)
		path = xstrdup(at.path);
out:
	cJSON_Delete(value);
	free(key);
	return path;
}
