/* The `rollups` section (SPEC section 11): each rollup's kind, operator, bond, batch
 * schedule and sizes, window or proof delay, and verifiers, with SPEC's defaults and
 * the load-time refusals that are the section's own. Ids share one index with the
 * sidechains' (v->schemes). */
#include "scn_internal.h"

#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

/* Generous bounds: a batch of 10^7 payments, 10^6 bytes per part. */
#define ROLLUP_MAX_BATCH_TXS 10000000u
#define ROLLUP_MAX_BYTES 1000000u

static const char *const ROLLUP_KEYS[] = { "id", "kind", "operator", "bond", "batch_every_blocks", "batch_max_txs",
					   "batch_base_bytes", "bytes_per_tx", "challenge_blocks", "prove_blocks",
					   "proof_bytes", "verifiers", NULL };

static void load_id(struct scn_vctx *v, const cJSON *j, struct scn_rollup *r, uint32_t idx)
{
	const char *id = scn_as_string(v, j);
	if (!id)
		return;
	if (!scn_valid_name(id))
		scn_verr(v, "id must match [A-Za-z0-9._-]{1,%u} (got \"%s\")", SCN_MAX_NAME_LEN, scn_show(id, 70));
	else if (strcmp(id, "l1") == 0 || strcmp(id, "channels") == 0)
		scn_verr(v, "id \"%s\" is reserved: it names a scheme of its own", id);
	else if (scn_names_find(&v->schemes, id) != SCN_NONE)
		scn_verr(v, "id \"%s\" is used twice (rollup and sidechain ids share one namespace)", id);
	else {
		r->id = xstrdup(id);
		scn_names_add(&v->schemes, r->id, scn_scheme_rollup(idx));
	}
}

static void load_verifiers(struct scn_vctx *v, const cJSON *j, struct scn_rollup *r)
{
	if (!cJSON_IsArray(j)) {
		scn_verr(v, "must be an array of party names (got %s)", scn_type_name(j));
		return;
	}
	if (!scn_array_within(v, j, SCN_MAX_PARTIES, "verifiers"))
		return;
	int n = cJSON_GetArraySize(j);
	r->verifiers = xcalloc((size_t)n + 1, sizeof(*r->verifiers));
	size_t i = 0;
	for (const cJSON *e = j->child; e; e = e->next, i++) {
		size_t o = scn_path_push_index(v, i);
		uint32_t p = scn_party_ref(v, e);
		if (p != SCN_NONE) {
			bool dup = false;
			for (uint32_t k = 0; k < r->nverifiers; k++)
				dup |= r->verifiers[k] == p;
			if (dup)
				scn_verr(v, "verifier \"%s\" is listed twice", scn_show(e->valuestring, 64));
			else if (p == r->operator_party)
				scn_verr(v, "the operator cannot be one of its rollup's verifiers");
			else
				r->verifiers[r->nverifiers++] = p;
		}
		scn_path_pop(v, o);
	}
}

/* An optional count at key, within [min, max]; present sets *seen. */
static void load_count(struct scn_vctx *v, const cJSON *obj, const char *key, uint64_t min, uint64_t max,
		       uint64_t *out, bool *seen)
{
	size_t old;
	const cJSON *j = scn_enter(v, obj, key, &old);
	if (!j)
		return;
	(void)scn_as_uint(v, j, min, max, out);
	if (seen)
		*seen = true;
	scn_leave(v, old);
}

static void load_one(struct scn_vctx *v, const cJSON *c, struct scn_rollup *r, uint32_t idx)
{
	static const char *const KINDS[] = { "optimistic", "validity", NULL };
	const cJSON *j;
	size_t old;
	r->operator_party = SCN_NONE;
	r->batch_every_blocks = 1;
	r->batch_max_txs = 1000;
	r->batch_base_bytes = 200;
	r->bytes_per_tx = 12;
	r->challenge_blocks = 20;
	r->prove_blocks = 1;
	r->proof_bytes = 300;
	scn_check_keys(v, c, ROLLUP_KEYS);
	scn_require(v, c, "id");
	scn_require(v, c, "kind");
	scn_require(v, c, "operator");
	if ((j = scn_enter(v, c, "id", &old))) {
		load_id(v, j, r, idx);
		scn_leave(v, old);
	}
	bool kind_ok = false;
	if ((j = scn_enter(v, c, "kind", &old))) {
		int k = scn_as_choice(v, j, KINDS);
		if (k >= 0) {
			r->kind = (enum scn_rollup_kind)k;
			kind_ok = true;
		}
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, c, "operator", &old))) {
		r->operator_party = scn_party_ref(v, j);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, c, "bond", &old))) {
		(void)scn_as_amount(v, j, &r->bond);
		scn_leave(v, old);
	}
	bool seen_cb = false, seen_pb = false, seen_proof = false;
	load_count(v, c, "batch_every_blocks", 1, MAX_BLOCK, &r->batch_every_blocks, NULL);
	load_count(v, c, "batch_max_txs", 1, ROLLUP_MAX_BATCH_TXS, &r->batch_max_txs, NULL);
	load_count(v, c, "batch_base_bytes", 0, ROLLUP_MAX_BYTES, &r->batch_base_bytes, NULL);
	load_count(v, c, "bytes_per_tx", 0, ROLLUP_MAX_BYTES, &r->bytes_per_tx, NULL);
	load_count(v, c, "challenge_blocks", 0, MAX_BLOCK, &r->challenge_blocks, &seen_cb);
	load_count(v, c, "prove_blocks", 0, MAX_BLOCK, &r->prove_blocks, &seen_pb);
	load_count(v, c, "proof_bytes", 0, ROLLUP_MAX_BYTES, &r->proof_bytes, &seen_proof);
	bool optimistic = r->kind == SCN_ROLLUP_OPTIMISTIC;
	if (kind_ok && optimistic && (seen_pb || seen_proof))
		scn_verr(v, "%s is only for a validity rollup (this one is optimistic)",
			 seen_pb ? "prove_blocks" : "proof_bytes");
	if (kind_ok && !optimistic && (seen_cb || cJSON_GetObjectItemCaseSensitive(c, "verifiers")))
		scn_verr(v, "%s is only for an optimistic rollup (this one is validity)",
			 seen_cb ? "challenge_blocks" : "verifiers");
	if ((j = scn_enter(v, c, "verifiers", &old))) {
		load_verifiers(v, j, r);
		scn_leave(v, old);
	}
	/* A batch of even one payment must fit in a block, or the operator never cuts one. */
	uint64_t one = r->batch_base_bytes + r->bytes_per_tx + (optimistic ? 0 : r->proof_bytes);
	if (kind_ok && v->s->l1.block_bytes && one > v->s->l1.block_bytes)
		scn_verr(v, "a batch of one payment takes %llu bytes, more than l1.block_bytes (%llu)",
			 (unsigned long long)one, (unsigned long long)v->s->l1.block_bytes);
	/* Without block_bytes only batch_max_txs bounds a batch, and a tx's size is 32 bits
	 * (l1_chain_tx_bytes): a larger batch would be counted short. (< 10^6 + 10^7 x 10^6
	 * + 10^6: no wrap.) */
	uint64_t most = one + (r->batch_max_txs - 1) * r->bytes_per_tx;
	if (kind_ok && !v->s->l1.block_bytes && most > UINT32_MAX)
		scn_verr(v, "a batch of batch_max_txs (%llu) payments would take %llu bytes, more than %llu (the "
			 "largest L1 tx); lower batch_max_txs or bytes_per_tx, or set l1.block_bytes",
			 (unsigned long long)r->batch_max_txs, (unsigned long long)most, (unsigned long long)UINT32_MAX);
}

/* Bonds are taken from operators' L1 balances at block 0: together, an operator's
 * bonds must fit in its balance. */
static void check_bonds(struct scn_vctx *v)
{
	struct scenario *s = v->s;
	for (uint32_t i = 0; i < s->nrollups; i++) {
		const struct scn_rollup *r = &s->rollups[i];
		if (r->operator_party == SCN_NONE || r->operator_party >= s->nparties)
			continue;
		struct amount sum = AMOUNT(0);
		bool over = false;
		for (uint32_t k = 0; k <= i; k++) {
			const struct scn_rollup *q = &s->rollups[k];
			if (q->operator_party != r->operator_party)
				continue;
			over |= !amount_add_to(&sum, q->bond);
		}
		if (over || amount_lt(s->parties[r->operator_party].balance, sum)) {
			char b[AMOUNT_FMT_LEN], have[AMOUNT_FMT_LEN];
			size_t o = scn_path_push_index(v, i), o2 = scn_path_push_key(v, "bond");
			scn_verr(v, "the operator's bonds (%s with the ones before) exceed its balance (%s)",
				 over ? "more than 2^64-1" : amount_fmt(b, sum),
				 amount_fmt(have, s->parties[r->operator_party].balance));
			scn_path_pop(v, o2);
			scn_path_pop(v, o);
		}
	}
}

void scn_load_rollups(struct scn_vctx *v, const cJSON *arr)
{
	struct scenario *s = v->s;
	if (!cJSON_IsArray(arr)) {
		scn_verr(v, "must be an array of rollups (got %s)", scn_type_name(arr));
		return;
	}
	if (!scn_array_within(v, arr, SCN_MAX_SCHEMES, "rollups"))
		return;
	int n = cJSON_GetArraySize(arr);
	if (n == 0)
		return;
	scn_note_schemes(v);
	s->rollups = xcalloc((size_t)n, sizeof(*s->rollups));
	uint32_t idx = 0;
	for (const cJSON *c = arr->child; c; c = c->next, idx++) {
		size_t o = scn_path_push_index(v, idx);
		s->nrollups = idx + 1;
		if (!cJSON_IsObject(c))
			scn_verr(v, "must be an object (got %s)", scn_type_name(c));
		else
			load_one(v, c, &s->rollups[idx], idx);
		/* Refused (no id, or not an object): an id nothing can name, so that lookups
		 * by id (scn_rollup_index, from actions, a via, expect) never meet NULL. */
		if (!s->rollups[idx].id)
			s->rollups[idx].id = xstrdup("");
		scn_path_pop(v, o);
	}
	check_bonds(v);
}

void scn_free_rollups(struct scenario *s)
{
	for (uint32_t i = 0; i < s->nrollups; i++) {
		free(s->rollups[i].id);
		free(s->rollups[i].verifiers);
	}
	free(s->rollups);
	s->rollups = NULL;
	s->nrollups = 0;
}
