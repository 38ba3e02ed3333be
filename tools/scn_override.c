/* --set KEY=VALUE: the dotted path language (SPEC section 1). */
#include "scn_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

static bool is_scalar(const cJSON *j)
{
	return !cJSON_IsObject(j) && !cJSON_IsArray(j);
}

/* Finds the element of an array named by `seg`: an index, or the element whose
 * "name" (parties) or "id" (channels) is seg. */
static cJSON *array_member(cJSON *arr, const char *seg)
{
	char *end;
	errno = 0;
	unsigned long idx = strtoul(seg, &end, 10);
	if (*seg >= '0' && *seg <= '9' && *end == '\0' && errno == 0)
		return idx < (unsigned long)cJSON_GetArraySize(arr) ? cJSON_GetArrayItem(arr, (int)idx) : NULL;
	for (cJSON *e = arr->child; e; e = e->next) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "name");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
		if ((cJSON_IsString(n) && strcmp(n->valuestring, seg) == 0) ||
		    (cJSON_IsString(id) && strcmp(id->valuestring, seg) == 0))
			return e;
	}
	return NULL;
}

/* The member of an object (by key) or of an array (array_member) named seg, or NULL. */
static cJSON *member(cJSON *cur, const char *seg)
{
	if (cJSON_IsObject(cur))
		return cJSON_GetObjectItemCaseSensitive(cur, seg);
	if (cJSON_IsArray(cur))
		return array_member(cur, seg);
	return NULL;
}

/* Segments i..j of a split key are contiguous in one buffer, each ended by the NUL
 * that replaced its dot: joined puts the dots back (segs[i] then names the run),
 * !joined splits them again. */
static void join_segs(char **segs, size_t i, size_t j, bool joined)
{
	for (size_t k = i + 1; k <= j; k++)
		segs[k][-1] = joined ? '.' : '\0';
}

void scn_apply_override(const char *file, cJSON *root, const struct scn_override *o,
			   struct scn_errors *errs)
{
	char *key = xstrdup(o->key);
	char *segs[64];
	size_t n = 0;
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
		scn_errors_add(errs, "%s: --set %s: not a dotted path like l1.fee or parties.alice.balance",
			       file, o->key);
		free(key);
		return;
	}
	cJSON *value = cJSON_Parse(o->value);
	if (!value)
		value = cJSON_CreateString(o->value);
	if (!value)
		fatal_invariant("out of memory");
	if (!is_scalar(value)) {
		scn_errors_add(errs, "%s: --set %s: only a scalar (number, string, boolean, null) can be set",
			       file, o->key);
		goto out;
	}
	/* Names may contain dots (bob.2), so a step may span several segments: at each
	 * level the longest run of segments that names something wins, and a run that
	 * reaches the end names the scalar to set. */
	cJSON *cur = root;
	size_t i = 0;
	while (i + 1 < n) {
		if (cJSON_IsObject(cur) || cJSON_IsArray(cur)) {
			join_segs(segs, i, n - 1, true);
			cJSON *whole = member(cur, segs[i]);
			join_segs(segs, i, n - 1, false);
			if (whole && is_scalar(whole))
				break;
		}
		cJSON *next = NULL;
		size_t j = n - 1;
		while (!next && j-- > i) {
			join_segs(segs, i, j, true);
			next = member(cur, segs[i]);
			join_segs(segs, i, j, false);
		}
		if (!next && cJSON_IsObject(cur) && cur == root && (strcmp(segs[i], "l1") == 0 || strcmp(segs[i], "l2") == 0)) {
			next = cJSON_AddObjectToObject(cur, segs[i]);
			j = i;
		}
		if (!next) {
			scn_errors_add(errs, "%s: --set %s: \"%s\" does not name anything in this scenario",
				       file, o->key, segs[i]);
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
			scn_errors_add(errs, "%s: --set %s: names an object or array, not a scalar",
				       file, o->key);
			goto out;
		}
		if (existing)
			cJSON_ReplaceItemInObjectCaseSensitive(cur, last, value);
		else
			cJSON_AddItemToObject(cur, last, value);
		value = NULL;
	} else if (cJSON_IsArray(cur)) {
		cJSON *existing = array_member(cur, last);
		if (!existing || !is_scalar(existing)) {
			scn_errors_add(errs, "%s: --set %s: \"%s\" does not name a scalar in this scenario",
				       file, o->key, last);
			goto out;
		}
		cJSON_ReplaceItemViaPointer(cur, existing, value);
		value = NULL;
	} else {
		scn_errors_add(errs, "%s: --set %s: \"%s\" is inside a scalar", file, o->key, last);
	}
out:
	cJSON_Delete(value);
	free(key);
}
