/* The `sidechains` section (SPEC section 11): federated sidechains, each with its own
 * blocks on the run's clock and a peg contract on L1. The ids share one index with the
 * rollups' (v->schemes). l1.block_bytes against the largest peg release is checked
 * across sections, in scn_schemes.c. */
#include "scn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

/* Members of one federation: a release carries up to threshold signatures of 64 bytes. */
#define SCN_MAX_FEDERATION 1000u

static const char *const SIDECHAIN_KEYS[] = { "id", "federation", "threshold", "block_interval_s", "block_tx_limit",
					      "confirmations", "pegin_confirmations", NULL };

static void load_id(struct scn_vctx *v, const cJSON *j, struct scn_sidechain *sc, uint32_t i)
{
	const char *id = scn_as_string(v, j);
	if (!id)
		return;
	if (!scn_valid_name(id))
		scn_verr(v, "id must match [A-Za-z0-9._-]{1,%u} (got \"%s\")", SCN_MAX_NAME_LEN, scn_show(id, 70));
	else if (strcmp(id, "l1") == 0 || strcmp(id, "channels") == 0)
		scn_verr(v, "id \"%s\" is reserved (the scheme of plain L1 transfers or of channels)", id);
	else if (scn_names_find(&v->schemes, id) != SCN_NONE)
		scn_verr(v, "id \"%s\" is used twice (rollups and sidechains share ids)", id);
	else {
		free(sc->id);
		sc->id = xstrdup(id);
		scn_names_add(&v->schemes, sc->id, scn_scheme_sidechain(v->s, i));
	}
}

static void load_federation(struct scn_vctx *v, const cJSON *j, struct scn_sidechain *sc)
{
	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) < 1) {
		scn_verr(v, "must be a non-empty array of party names (got %s)", scn_type_name(j));
		return;
	}
	if (!scn_array_within(v, j, SCN_MAX_FEDERATION, "members"))
		return;
	uint32_t n = (uint32_t)cJSON_GetArraySize(j);
	bool ok;
	uint32_t *fed = scn_party_names(v, j, &ok);
	if (!ok) {
		free(fed);
		return;
	}
	sc->federation = fed;
	sc->nfederation = n;
}

/* Seconds on the 1 ms grid the run's clock has, as l1.block_interval_s. */
static void load_interval(struct scn_vctx *v, const cJSON *j, struct scn_sidechain *sc)
{
	double d;
	if (!scn_as_number(v, j, 0, 1e6, &d))
		return;
	double ms = d * 1000.0;
	if (ms < 1.0 - 1e-9)
		scn_verr(v, "must be at least 0.001 (the resolution is 1 ms; got %s)", scn_num_text(j));
	else if (fabs(ms - nearbyint(ms)) > 1e-6)
		scn_verr(v, "must be a whole number of milliseconds (the resolution is 1 ms; got %s)", scn_num_text(j));
	else
		sc->block_interval_ms = (uint64_t)llround(ms);
}

static void load_one(struct scn_vctx *v, const cJSON *o, struct scn_sidechain *sc, uint32_t i)
{
	size_t old;
	const cJSON *j;
	sc->block_interval_ms = 60000;
	sc->block_tx_limit = 10000;
	sc->confirmations = 2;
	sc->pegin_confirmations = 100;
	if (!cJSON_IsObject(o)) {
		scn_verr(v, "must be an object (got %s)", scn_type_name(o));
		return;
	}
	scn_check_keys(v, o, SIDECHAIN_KEYS);
	scn_require(v, o, "id");
	scn_require(v, o, "federation");
	scn_require(v, o, "threshold");
	if ((j = scn_enter(v, o, "id", &old))) {
		load_id(v, j, sc, i);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, o, "federation", &old))) {
		load_federation(v, j, sc);
		scn_leave(v, old);
	}
	uint64_t u;
	if ((j = scn_enter(v, o, "threshold", &old))) {
		if (scn_as_uint(v, j, 1, SCN_MAX_FEDERATION, &u)) {
			if (sc->nfederation && u > sc->nfederation)
				scn_verr(v, "must be at most the federation's size, %u (got %llu)", sc->nfederation,
					 (unsigned long long)u);
			else
				sc->threshold = (uint32_t)u;
		}
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, o, "block_interval_s", &old))) {
		load_interval(v, j, sc);
		scn_leave(v, old);
	}
	static const struct {
		const char *key;
		uint64_t min, max;
		size_t off;
	} nums[] = {
		{ "block_tx_limit", 1, 100000000, offsetof(struct scn_sidechain, block_tx_limit) },
		{ "confirmations", 1, 1000000, offsetof(struct scn_sidechain, confirmations) },
		{ "pegin_confirmations", 1, 1000000, offsetof(struct scn_sidechain, pegin_confirmations) },
	};
	for (size_t k = 0; k < sizeof(nums) / sizeof(nums[0]); k++)
		if ((j = scn_enter(v, o, nums[k].key, &old))) {
			if (scn_as_uint(v, j, nums[k].min, nums[k].max, &u))
				*(uint64_t *)((char *)sc + nums[k].off) = u;
			scn_leave(v, old);
		}
}

void scn_load_sidechains(struct scn_vctx *v, const cJSON *arr)
{
	struct scenario *s = v->s;
	if (!cJSON_IsArray(arr)) {
		scn_verr(v, "must be an array of sidechains (got %s)", scn_type_name(arr));
		return;
	}
	if (!scn_array_within(v, arr, SCN_MAX_SCHEMES, "sidechains"))
		return;
	uint32_t n = (uint32_t)cJSON_GetArraySize(arr);
	if (n == 0)
		return;
	s->sidechains = xcalloc(n, sizeof(*s->sidechains));
	s->nsidechains = n;
	uint32_t i = 0;
	for (const cJSON *o = arr->child; o; o = o->next, i++) {
		size_t o1 = scn_path_push_index(v, i);
		load_one(v, o, &s->sidechains[i], i);
		if (!s->sidechains[i].id) /* refused: an id nothing can name, for lookups */
			s->sidechains[i].id = xstrdup("");
		scn_path_pop(v, o1);
	}
}

void scn_free_sidechains(struct scenario *s)
{
	for (uint32_t i = 0; i < s->nsidechains; i++) {
		free(s->sidechains[i].id);
		free(s->sidechains[i].federation);
	}
	free(s->sidechains);
	s->sidechains = NULL;
	s->nsidechains = 0;
}
