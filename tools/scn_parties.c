/* The `parties` section, and references to parties by name (explicit or generated). */
#include "scn_internal.h"

#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

/* True when `name` is prefix followed by a decimal k < count without leading zeros
 * ("c0", "c17"; not "c017"): a generated name; *k is its number. */
bool scn_generated_name(const char *name, char prefix, uint32_t count, uint32_t *k)
{
	const char pre[2] = { prefix, '\0' };
	return scn_prefixed_name(name, pre, count, k);
}

bool scn_prefixed_name(const char *name, const char *prefix, uint32_t count, uint32_t *k)
{
	size_t pl = strlen(prefix);
	if (strncmp(name, prefix, pl) != 0)
		return false;
	name += pl;
	if (name[0] < '0' || name[0] > '9' || (name[0] == '0' && name[1] != '\0'))
		return false;
	uint64_t v = 0;
	for (const char *p = name; *p; p++) {
		if (*p < '0' || *p > '9' || p - name > 9)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v >= count)
		return false;
	*k = (uint32_t)v;
	return true;
}

/* A reference to a party or channel by name: an explicit one (through the loader's
 * hash index) or a generated one (p<k>, c<k>). SCN_NONE when neither. */
uint32_t scn_find_party(const struct scn_vctx *v, const char *name)
{
	uint32_t i = scn_names_find(&v->parties, name), k;
	if (i == SCN_NONE && v->s->generate.present && scn_generated_name(name, 'p', v->s->generate.parties, &k))
		i = v->s->generate.first_party + k;
	if (i == SCN_NONE && v->s->network.present && scn_prefixed_name(name, "n", v->s->network.nnodes, &k))
		i = v->s->network.first_party + k;
	return i;
}

uint32_t scn_party_ref(struct scn_vctx *v, const cJSON *j)
{
	const char *name = scn_as_string(v, j);
	if (!name)
		return SCN_NONE;
	uint32_t i = scn_find_party(v, name);
	if (i == SCN_NONE)
		scn_verr(v, "no party named \"%s\"", scn_show(name, 64));
	return i;
}

uint32_t scn_party_index(const struct scenario *s, const char *name)
{
	uint32_t k;
	if (s->generate.present && scn_generated_name(name, 'p', s->generate.parties, &k))
		return s->generate.first_party + k;
	if (s->network.present && scn_prefixed_name(name, "n", s->network.nnodes, &k))
		return s->network.first_party + k;
	for (uint32_t i = 0; i < scn_explicit_parties(s); i++)
		if (s->parties[i].name && strcmp(s->parties[i].name, name) == 0)
			return i;
	return SCN_NONE;
}

static const char *const PARTY_KEYS[] = { "name", "balance", "watchtower", "challenge_fee",
					  "fee_base", "fee_ppm", "cltv_delta", NULL };
void scn_load_parties(struct scn_vctx *v, const cJSON *arr)
{
	struct scenario *s = v->s;
	if (!cJSON_IsArray(arr)) {
		scn_verr(v, "must be an array of parties (got %s)", scn_type_name(arr));
		return;
	}
	int n = cJSON_GetArraySize(arr);
	if (n < 1) {
		scn_verr(v, "at least one party is required");
		return;
	}
	if (!scn_array_within(v, arr, SCN_MAX_PARTIES, "parties"))
		return;
	s->parties = xcalloc((size_t)n, sizeof(*s->parties));
	scn_names_init(&v->parties, (size_t)n);
	size_t idx = 0;
	for (const cJSON *p = arr->child; p; p = p->next, idx++) {
		size_t o1 = scn_path_push_index(v, idx), old;
		struct scn_party *party = &s->parties[idx];
		const cJSON *j;
		party->policy = scn_policy_default();
		if (!cJSON_IsObject(p)) {
			scn_verr(v, "must be an object (got %s)", scn_type_name(p));
			scn_path_pop(v, o1);
			continue;
		}
		scn_check_keys(v, p, PARTY_KEYS);
		scn_require(v, p, "name");
		if ((j = scn_enter(v, p, "name", &old))) {
			const char *name = scn_as_string(v, j);
			if (name && !scn_valid_name(name))
				scn_verr(v, "name must match [A-Za-z0-9._-]{1,%u} (got \"%s\")", SCN_MAX_NAME_LEN, scn_show(name, 70));
			else if (name && scn_names_find(&v->parties, name) != SCN_NONE)
				scn_verr(v, "party name \"%s\" is used twice", name);
			else if (name) {
				party->name = xstrdup(name);
				scn_names_add(&v->parties, party->name, (uint32_t)idx);
			}
			scn_leave(v, old);
		}
		if ((j = scn_enter(v, p, "balance", &old))) {
			(void)scn_as_amount(v, j, &party->balance);
			scn_leave(v, old);
		}
		if ((j = scn_enter(v, p, "watchtower", &old))) {
			(void)scn_as_bool(v, j, &party->watchtower);
			scn_leave(v, old);
		}
		if ((j = scn_enter(v, p, "challenge_fee", &old))) {
			party->has_challenge_fee = scn_as_amount(v, j, &party->challenge_fee);
			scn_leave(v, old);
		}
		scn_load_policy_keys(v, p, &party->policy, false);
		scn_path_pop(v, o1);
		s->nparties = (uint32_t)idx + 1;
	}
	s->nparties = (uint32_t)n;
}
