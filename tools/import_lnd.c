/* lnd's `lncli describegraph` JSON into an import_graph: nodes[] (pub_key) in file
 * order, edges[] (channel_id, node1_pub, node2_pub, capacity in sat, node1_policy and
 * node2_policy). lnd writes 64-bit numbers as strings and 32-bit ones as numbers; both
 * forms are accepted for every field. The cJSON tree is converted at once and freed.
 * Errors name the file and the JSON path, e.g. "g.json: edges[3].node2_policy: null". */
#include "tools/import.h"

#include <cJSON.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

#define MAX_JSON_INT 9007199254740991.0 /* 2^53 - 1: larger JSON numbers are inexact */

struct lnd {
	const char *name;
	char *err;
};

static bool failf(struct lnd *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool failf(struct lnd *l, const char *fmt, ...)
{
	int k = snprintf(l->err, IMPORT_ERR_LEN, "%s: ", l->name);
	if (k < 0 || k >= IMPORT_ERR_LEN)
		return false;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->err + k, IMPORT_ERR_LEN - (size_t)k, fmt, ap);
	va_end(ap);
	return false;
}

/* A whole number at most max, from a string of digits or a JSON integer. */
static bool get_u64(struct lnd *l, const cJSON *obj, const char *key, const char *path,
		    uint64_t max, uint64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v)
		return failf(l, "%s.%s: missing", path, key);
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (!(d >= 0 && d <= MAX_JSON_INT) || (double)(uint64_t)d != d)
			return failf(l, "%s.%s: not a whole number from 0 to 2^53-1", path, key);
		if ((uint64_t)d > max)
			return failf(l, "%s.%s: above %" PRIu64, path, key, max);
		*out = (uint64_t)d;
		return true;
	}
	if (!cJSON_IsString(v) || !v->valuestring[0])
		return failf(l, "%s.%s: not a number", path, key);
	uint64_t x = 0;
	for (const char *s = v->valuestring; *s; s++) {
		if (*s < '0' || *s > '9')
			return failf(l, "%s.%s: \"%.40s\" is not a whole number", path, key,
				     v->valuestring);
		if (__builtin_mul_overflow(x, 10, &x) ||
		    __builtin_add_overflow(x, (uint64_t)(*s - '0'), &x) || x > max)
			return failf(l, "%s.%s: above %" PRIu64, path, key, max);
	}
	*out = x;
	return true;
}

static bool get_policy(struct lnd *l, const cJSON *edge, const char *key, const char *path,
		       struct import_policy *p, bool *disabled)
{
	const cJSON *pol = cJSON_GetObjectItemCaseSensitive(edge, key);
	char sub[64];
	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	if (!pol || cJSON_IsNull(pol))
		return failf(l, "%s: null (no policy for this direction)", sub);
	if (!cJSON_IsObject(pol))
		return failf(l, "%s: not an object", sub);
	uint64_t lock, min, base, rate;
	if (!get_u64(l, pol, "time_lock_delta", sub, UINT32_MAX, &lock) ||
	    !get_u64(l, pol, "min_htlc", sub, UINT64_MAX, &min) ||
	    !get_u64(l, pol, "fee_base_msat", sub, UINT64_MAX, &base) ||
	    !get_u64(l, pol, "fee_rate_milli_msat", sub, UINT32_MAX, &rate))
		return false;
	const cJSON *dis = cJSON_GetObjectItemCaseSensitive(pol, "disabled");
	if (dis && !cJSON_IsBool(dis))
		return failf(l, "%s.disabled: not true or false", sub);
	*disabled = dis && cJSON_IsTrue(dis);
	*p = (struct import_policy){ .fee_base = AMOUNT(base), .fee_ppm = (uint32_t)rate,
				     .cltv_delta = (uint32_t)lock, .min_htlc = AMOUNT(min) };
	return true;
}

struct pub {
	const char *key;
	uint32_t index;
};

static int pub_cmp(const void *a, const void *b)
{
	const struct pub *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

struct scid {
	uint64_t id;
	uint32_t index;
};

static int scid_cmp(const void *a, const void *b)
{
	const struct scid *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

static bool find_pub(struct lnd *l, const struct pub *pubs, uint32_t n, const cJSON *edge,
		     const char *key, const char *path, uint32_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(edge, key);
	if (!cJSON_IsString(v))
		return failf(l, "%s.%s: missing or not a string", path, key);
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (strcmp(pubs[mid].key, v->valuestring) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || strcmp(pubs[lo].key, v->valuestring) != 0)
		return failf(l, "%s.%s: \"%.70s\" is not in nodes[]", path, key, v->valuestring);
	*out = pubs[lo].index;
	return true;
}

static bool convert(struct lnd *l, const cJSON *root, enum import_split split,
		    struct import_graph *g)
{
	const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(root, "nodes");
	const cJSON *edges = cJSON_GetObjectItemCaseSensitive(root, "edges");
	if (!cJSON_IsObject(root))
		return failf(l, "the top level is not an object");
	if (!cJSON_IsArray(nodes))
		return failf(l, "nodes: missing or not an array");
	if (!cJSON_IsArray(edges))
		return failf(l, "edges: missing or not an array");
	int nn = cJSON_GetArraySize(nodes), ne = cJSON_GetArraySize(edges);
	struct pub *pubs = xcalloc((size_t)nn, sizeof(*pubs));
	bool ok = true;
	uint32_t k = 0;
	for (const cJSON *n = nodes->child; n && ok; n = n->next, k++) {
		const cJSON *pk = cJSON_GetObjectItemCaseSensitive(n, "pub_key");
		if (!cJSON_IsString(pk) || !pk->valuestring[0])
			ok = failf(l, "nodes[%" PRIu32 "].pub_key: missing or not a string", k);
		else
			pubs[k] = (struct pub){ pk->valuestring, k };
	}
	if (ok)
		qsort(pubs, (size_t)nn, sizeof(*pubs), pub_cmp);
	for (int i = 1; ok && i < nn; i++)
		if (strcmp(pubs[i - 1].key, pubs[i].key) == 0)
			ok = failf(l, "nodes[%" PRIu32 "].pub_key: duplicate of nodes[%" PRIu32 "]",
				   pubs[i].index, pubs[i - 1].index);
	struct import_channel *chs = xcalloc((size_t)ne, sizeof(*chs));
	struct scid *ids = xcalloc((size_t)ne, sizeof(*ids));
	k = 0;
	for (const cJSON *e = edges->child; e && ok; e = e->next, k++) {
		char path[32];
		snprintf(path, sizeof(path), "edges[%" PRIu32 "]", k);
		struct import_channel *ch = &chs[k];
		uint64_t cap_sat;
		if (!cJSON_IsObject(e)) {
			ok = failf(l, "%s: not an object", path);
			break;
		}
		ok = get_u64(l, e, "channel_id", path, UINT64_MAX, &ch->scid) &&
		     find_pub(l, pubs, (uint32_t)nn, e, "node1_pub", path, &ch->node[0]) &&
		     find_pub(l, pubs, (uint32_t)nn, e, "node2_pub", path, &ch->node[1]) &&
		     get_u64(l, e, "capacity", path, UINT64_MAX / 1000, &cap_sat) &&
		     get_policy(l, e, "node1_policy", path, &ch->policy[0], &ch->disabled[0]) &&
		     get_policy(l, e, "node2_policy", path, &ch->policy[1], &ch->disabled[1]);
		if (ok && ch->node[0] == ch->node[1])
			ok = failf(l, "%s.node2_pub: the channel joins a node to itself", path);
		if (!ok)
			break;
		ch->capacity = AMOUNT(cap_sat * 1000);
		uint64_t first = split == IMPORT_SPLIT_NODE1 ? ch->capacity.units
							      : ch->capacity.units / 2;
		ch->balance[0] = AMOUNT(first);
		ch->balance[1] = AMOUNT(ch->capacity.units - first);
		ids[k] = (struct scid){ ch->scid, k };
	}
	if (ok)
		qsort(ids, (size_t)ne, sizeof(*ids), scid_cmp);
	for (int i = 1; ok && i < ne; i++)
		if (ids[i - 1].id == ids[i].id)
			ok = failf(l, "edges[%" PRIu32 "].channel_id: duplicate of edges[%" PRIu32
				   "]", ids[i].index, ids[i - 1].index);
	free(ids);
	free(pubs);
	if (!ok) {
		free(chs);
		return false;
	}
	*g = (struct import_graph){ .nnodes = (uint32_t)nn, .nchannels = (uint32_t)ne,
				    .channels = chs };
	return true;
}

enum import_result import_lnd_buffer(const char *name, const char *buf, size_t len,
				     enum import_split split, struct import_graph *out,
				     char err[IMPORT_ERR_LEN])
{
	struct lnd l = { name, err };
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, false);
	if (root && end) { /* only white space may follow the value */
		while (end < buf + len && (*end == ' ' || *end == '\t' || *end == '\r' ||
					   *end == '\n'))
			end++;
		if (end < buf + len) {
			cJSON_Delete(root);
			root = NULL;
		}
	}
	if (!root) {
		size_t at = end && end >= buf && end <= buf + len ? (size_t)(end - buf) : 0;
		size_t line = 1, col = 1;
		for (size_t i = 0; i < at; i++, col++)
			if (buf[i] == '\n') {
				line++;
				col = 0;
			}
		snprintf(err, IMPORT_ERR_LEN, "%s:%zu:%zu: not valid JSON", name, line, col);
		return IMPORT_ERR_FORMAT;
	}
	struct import_graph g;
	bool ok = convert(&l, root, split, &g);
	cJSON_Delete(root);
	if (!ok)
		return IMPORT_ERR_FORMAT;
	*out = g;
	return IMPORT_OK;
}

enum import_result import_lnd(const char *path, enum import_split split,
			      struct import_graph *out, char err[IMPORT_ERR_LEN])
{
	char *buf;
	size_t len;
	enum import_result r = import_read_file(path, &buf, &len, err);
	if (r != IMPORT_OK)
		return r;
	r = import_lnd_buffer(path, buf, len, split, out, err);
	free(buf);
	return r;
}
