/* SPEC section 11 in the loader: the nine actions of the section (everything after
 * the common at/action), which section-11 feature a file uses (scn_note_schemes),
 * expect.schemes/rollups/sidechains, and the refusals that span sections. rollups[]
 * and sidechains[] are scn_rollup.c's and scn_sidechain.c's; a workload's via is
 * scn_workload.c's, with the scheme lookup here (scn_via_ref). */
#include "scn_internal.h"

#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

const char *scn_via_str(enum scn_via v)
{
	static const char *const names[] = { "channels", "l1", "rollup", "sidechain" };
	return (unsigned)v < 4 ? names[v] : "?";
}

const char *scn_rollup_kind_str(enum scn_rollup_kind k)
{
	return k == SCN_ROLLUP_OPTIMISTIC ? "optimistic" : k == SCN_ROLLUP_VALIDITY ? "validity" : "?";
}

void scn_note_schemes(struct scn_vctx *v)
{
	if (!v->s->schemes_feature)
		v->s->schemes_feature = xstrdup(v->plen ? v->path : "(top level)");
}

/* ---- actions ---- */

/* Per action, from SCN_TRANSFER on: the keys it takes, and those it requires besides
 * at and action. */
#define NKINDS (SCN_FEDERATION_STEAL - SCN_TRANSFER + 1)
static const char *const *const KEYS[NKINDS] = {
	(const char *const[]){ "at", "action", "from", "to", "amount", "count", NULL },
	(const char *const[]){ "at", "action", "rollup", "party", "amount", NULL },
	(const char *const[]){ "at", "action", "rollup", "from", "to", "amount", "count", NULL },
	(const char *const[]){ "at", "action", "rollup", "party", "amount", NULL },
	(const char *const[]){ "at", "action", "rollup", "amount", NULL },
	(const char *const[]){ "at", "action", "sidechain", "party", "amount", NULL },
	(const char *const[]){ "at", "action", "sidechain", "from", "to", "amount", "count", NULL },
	(const char *const[]){ "at", "action", "sidechain", "party", "amount", NULL },
	(const char *const[]){ "at", "action", "sidechain", "by", "amount", NULL },
};
static const char *const *const REQUIRED[NKINDS] = {
	(const char *const[]){ "from", "to", "amount", NULL },
	(const char *const[]){ "rollup", "party", "amount", NULL },
	(const char *const[]){ "rollup", "from", "to", "amount", NULL },
	(const char *const[]){ "rollup", "party", "amount", NULL },
	(const char *const[]){ "rollup", "amount", NULL },
	(const char *const[]){ "sidechain", "party", "amount", NULL },
	(const char *const[]){ "sidechain", "from", "to", "amount", NULL },
	(const char *const[]){ "sidechain", "party", "amount", NULL },
	(const char *const[]){ "sidechain", "by", "amount", NULL },
};

/* The index of the rollup (want_rollup) or sidechain j names, or SCN_NONE with the
 * problem at the current path. */
static uint32_t scheme_ref(struct scn_vctx *v, const cJSON *j, bool want_rollup)
{
	const char *id = scn_as_string(v, j);
	if (!id)
		return SCN_NONE;
	const struct scenario *s = v->s;
	uint32_t i = want_rollup ? scn_rollup_index(s, id) : scn_sidechain_index(s, id);
	if (i != SCN_NONE)
		return i;
	if ((want_rollup ? scn_sidechain_index(s, id) : scn_rollup_index(s, id)) != SCN_NONE)
		scn_verr(v, "\"%s\" is a %s, not a %s", scn_show(id, 64), want_rollup ? "sidechain" : "rollup",
			 want_rollup ? "rollup" : "sidechain");
	else
		scn_verr(v, "no %s with id \"%s\"", want_rollup ? "rollup" : "sidechain", scn_show(id, 64));
	return SCN_NONE;
}

/* federation_steal's by: a non-empty array of distinct party names. Members of the
 * federation or not: the contract drops a release without m members' signatures
 * (SPEC), so an outsider is a run-time failure, not a load error. */
static void load_by(struct scn_vctx *v, const cJSON *j, struct scn_action *act)
{
	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) < 1) {
		scn_verr(v, "must be a non-empty array of party names (got %s)", scn_type_name(j));
		return;
	}
	if (!scn_array_within(v, j, SCN_MAX_PARTIES, "party names"))
		return;
	bool ok; /* a problem is reported; the file is refused */
	int n = cJSON_GetArraySize(j);
	act->by = scn_party_names(v, j, &ok);
	act->nby = (uint32_t)n;
	act->party = act->by[0];
}

void scn_load_scheme_action(struct scn_vctx *v, const cJSON *a, struct scn_action *act)
{
	unsigned k = (unsigned)(act->kind - SCN_TRANSFER);
	size_t old;
	const cJSON *j;
	{
		size_t o = scn_path_push_key(v, "action");
		scn_note_schemes(v);
		scn_path_pop(v, o);
	}
	scn_check_keys(v, a, KEYS[k]);
	for (const char *const *r = REQUIRED[k]; *r; r++)
		scn_require(v, a, *r);
	act->channel = act->party = act->to = SCN_NONE;
	act->scheme = SCN_NONE;
	act->count = 1;
	if ((j = scn_enter(v, a, "rollup", &old))) {
		act->scheme = scheme_ref(v, j, true);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, a, "sidechain", &old))) {
		act->scheme = scheme_ref(v, j, false);
		scn_leave(v, old);
	}
	static const char *const party_keys[] = { "party", "from", NULL };
	for (const char *const *pk = party_keys; *pk; pk++)
		if ((j = scn_enter(v, a, *pk, &old))) {
			act->party = scn_party_ref(v, j);
			scn_leave(v, old);
		}
	if ((j = scn_enter(v, a, "to", &old))) {
		act->to = scn_party_ref(v, j);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, a, "by", &old))) {
		load_by(v, j, act);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, a, "amount", &old))) {
		if (scn_as_amount(v, j, &act->amount) && act->amount.units == 0)
			scn_verr(v, "an amount of %s must be at least 1", scn_action_str(act->kind));
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, a, "count", &old))) {
		uint64_t u;
		if (!scn_as_uint(v, j, 1, (uint64_t)MAX_JSON_INT, &u))
			act->count = 0;
		else if (u > SCN_MAX_PAY_COUNT)
			scn_verr(v, "at most %u payments per %s action (got %llu); use a workload for more",
				 SCN_MAX_PAY_COUNT, scn_action_str(act->kind), (unsigned long long)u);
		else
			act->count = u;
		scn_leave(v, old);
	}
}

/* ---- a workload's via ---- */

bool scn_via_ref(struct scn_vctx *v, const cJSON *j, struct scn_workload *wl)
{
	const char *id = scn_as_string(v, j);
	if (!id)
		return false;
	scn_note_schemes(v);
	uint32_t i;
	if (strcmp(id, "channels") == 0)
		wl->via = SCN_VIA_CHANNELS;
	else if (strcmp(id, "l1") == 0)
		wl->via = SCN_VIA_L1;
	else if ((i = scn_rollup_index(v->s, id)) != SCN_NONE) {
		wl->via = SCN_VIA_ROLLUP;
		wl->via_index = i;
	} else if ((i = scn_sidechain_index(v->s, id)) != SCN_NONE) {
		wl->via = SCN_VIA_SIDECHAIN;
		wl->via_index = i;
	} else {
		scn_verr(v, "must be \"channels\", \"l1\", or the id of a rollup or a sidechain (got \"%s\")",
			 scn_show(id, 64));
		return false;
	}
	return true;
}

/* ---- expect.schemes ---- */

static void opt_num(struct scn_vctx *v, const cJSON *obj, const char *key, struct scn_opt_num *o)
{
	size_t old;
	const cJSON *j = scn_enter(v, obj, key, &old);
	if (!j)
		return;
	o->present = true;
	if (cJSON_IsNull(j))
		o->is_null = true;
	else
		(void)scn_as_number(v, j, -1e300, 1e300, &o->d);
	scn_leave(v, old);
}

static void opt_pcts(struct scn_vctx *v, const cJSON *obj, const char *key, struct scn_opt_num *o)
{
	static const char *const k[] = { "min", "p50", "p95", "max", NULL };
	size_t old;
	const cJSON *c = scn_enter(v, obj, key, &old);
	if (!c)
		return;
	if (cJSON_IsNull(c)) {
		for (unsigned i = 0; i < SCN_PCTS; i++)
			o[i] = (struct scn_opt_num){ .present = true, .is_null = true };
	} else if (!cJSON_IsObject(c)) {
		scn_verr(v, "must be an object {\"min\", \"p50\", \"p95\", \"max\"} or null (got %s)", scn_type_name(c));
	} else {
		scn_check_keys(v, c, k);
		for (unsigned i = 0; i < SCN_PCTS; i++)
			opt_num(v, c, k[i], &o[i]);
	}
	scn_leave(v, old);
}

/* The scheme number of an id of the report's `schemes`, or SCN_NONE. */
static uint32_t scheme_number(const struct scenario *s, const char *id)
{
	uint32_t i;
	if (strcmp(id, "l1") == 0)
		return SCN_SCHEME_L1;
	if (strcmp(id, "channels") == 0)
		return SCN_SCHEME_CHANNELS;
	if ((i = scn_rollup_index(s, id)) != SCN_NONE)
		return scn_scheme_rollup(i);
	if ((i = scn_sidechain_index(s, id)) != SCN_NONE)
		return scn_scheme_sidechain(s, i);
	return SCN_NONE;
}

static void load_expect_scheme(struct scn_vctx *v, const cJSON *j, struct scn_expect_scheme *es)
{
	static const char *const keys[] = { "kind", "payments_ok", "payments_failed", "payments_final", "l1_txs",
					    "l1_bytes", "soft_ms", "final_s", "gain_txs", "gain_bytes", "violations",
					    NULL };
	static const char *const kinds[] = { "l1", "channels", "optimistic", "validity", "sidechain", NULL };
	if (!cJSON_IsObject(j)) {
		scn_verr(v, "must be an object (got %s)", scn_type_name(j));
		return;
	}
	scn_check_keys(v, j, keys);
	scn_expect_choice(v, j, "kind", kinds, &es->kind);
	scn_expect_uint(v, j, "payments_ok", false, &es->payments_ok);
	scn_expect_uint(v, j, "payments_failed", false, &es->payments_failed);
	scn_expect_uint(v, j, "payments_final", false, &es->payments_final);
	scn_expect_uint(v, j, "l1_txs", false, &es->l1_txs);
	scn_expect_uint(v, j, "l1_bytes", false, &es->l1_bytes);
	scn_expect_uint(v, j, "violations", false, &es->violations);
	opt_pcts(v, j, "soft_ms", es->soft_ms);
	opt_pcts(v, j, "final_s", es->final_s);
	opt_num(v, j, "gain_txs", &es->gain_txs);
	opt_num(v, j, "gain_bytes", &es->gain_bytes);
}

void scn_load_expect_schemes(struct scn_vctx *v, const cJSON *j)
{
	struct scenario *s = v->s;
	struct scn_expect *e = &s->expect;
	scn_note_schemes(v);
	if (!cJSON_IsObject(j)) {
		scn_verr(v, "must be an object {scheme id: fields} (got %s)", scn_type_name(j));
		return;
	}
	uint32_t n = scn_nschemes(s);
	e->schemes = xcalloc((size_t)n, sizeof(*e->schemes));
	bool *seen = xcalloc((size_t)n, sizeof(bool));
	for (const cJSON *c = j->child; c; c = c->next) {
		size_t o = scn_path_push_key(v, c->string);
		uint32_t k = scheme_number(s, c->string);
		if (k == SCN_NONE)
			scn_verr(v, "no scheme \"%s\" (\"l1\", \"channels\", or a rollup's or sidechain's id)",
				 scn_show(c->string, 64));
		else if (seen[k])
			scn_verr(v, "key given twice");
		else {
			seen[k] = true;
			struct scn_expect_scheme *es = &e->schemes[e->nschemes++];
			es->scheme = k;
			load_expect_scheme(v, c, es);
		}
		scn_path_pop(v, o);
	}
	free(seen);
}

/* ---- expect.rollups, expect.sidechains ---- */

/* {id: {"balances", "holdings"}} into arr (elements of elem bytes, each starting with
 * a struct scn_expect_holder; at most count of them), ids found by find. */
static void *load_holders(struct scn_vctx *v, const cJSON *j, uint32_t count, size_t elem, uint32_t *narr,
			  uint32_t (*find)(const struct scenario *, const char *), const char *what)
{
	static const char *const keys[] = { "kind", "balances", "holdings", NULL };
	static const char *const rollup_kinds[] = { "optimistic", "validity", NULL };
	static const char *const side_kinds[] = { "sidechain", NULL };
	scn_note_schemes(v);
	if (!cJSON_IsObject(j)) {
		scn_verr(v, "must be an object {%s id: fields} (got %s)", what, scn_type_name(j));
		return NULL;
	}
	char *arr = xcalloc((size_t)count + 1, elem);
	bool *seen = xcalloc((size_t)count + 1, sizeof(bool));
	for (const cJSON *c = j->child; c; c = c->next) {
		size_t o = scn_path_push_key(v, c->string);
		uint32_t i = find(v->s, c->string);
		if (i == SCN_NONE)
			scn_verr(v, "no %s with id \"%s\"", what, scn_show(c->string, 64));
		else if (seen[i])
			scn_verr(v, "key given twice");
		else if (!cJSON_IsObject(c))
			scn_verr(v, "must be an object {\"kind\", \"balances\", \"holdings\"} (got %s)", scn_type_name(c));
		else {
			seen[i] = true;
			struct scn_expect_holder *x = (struct scn_expect_holder *)(void *)(arr + (size_t)(*narr)++ * elem);
			x->index = i;
			scn_check_keys(v, c, keys);
			size_t o2;
			const cJSON *b;
			if ((b = scn_enter(v, c, "balances", &o2))) {
				scn_expect_party_amounts(v, b, &x->balance_party, &x->balance, &x->nbalances);
				scn_leave(v, o2);
			}
			scn_expect_amount(v, c, "holdings", &x->holdings);
			scn_expect_choice(v, c, "kind", strcmp(what, "rollup") == 0 ? rollup_kinds : side_kinds,
					  &x->kind);
		}
		scn_path_pop(v, o);
	}
	free(seen);
	return arr;
}

void scn_load_expect_rollups(struct scn_vctx *v, const cJSON *j)
{
	struct scn_expect *e = &v->s->expect;
	e->rollups = load_holders(v, j, v->s->nrollups, sizeof(*e->rollups), &e->nrollups, scn_rollup_index, "rollup");
}

void scn_load_expect_sidechains(struct scn_vctx *v, const cJSON *j)
{
	struct scn_expect *e = &v->s->expect;
	e->sidechains = load_holders(v, j, v->s->nsidechains, sizeof(*e->sidechains), &e->nsidechains,
				     scn_sidechain_index, "sidechain");
}

/* ---- across sections ---- */

void scn_check_schemes(struct scn_vctx *v)
{
	const struct scenario *s = v->s;
	uint64_t bb = s->l1.block_bytes;
	if (bb == 0)
		return;
	/* A peg release carries one signature per member of the threshold (a theft one
	 * per member of by): a block must be able to hold the largest. */
	uint64_t need = 0;
	const char *why = NULL;
	for (uint32_t i = 0; i < s->nsidechains; i++) {
		uint64_t b = 250 + 64 * (uint64_t)s->sidechains[i].threshold;
		if (b > need) {
			need = b;
			why = s->sidechains[i].id;
		}
	}
	if (need > bb) {
		size_t o = scn_path_push_key(v, "l1");
		size_t o1 = scn_path_push_key(v, "block_bytes");
		scn_verr(v, "must be at least %llu, the size of sidechain \"%s\"'s peg release (250 + 64 x its threshold; got %llu)",
			 (unsigned long long)need, scn_show(why, 64), (unsigned long long)bb);
		scn_path_pop(v, o1);
		scn_path_pop(v, o);
	}
}

void scn_free_schemes(struct scenario *s)
{
	for (uint32_t i = 0; i < s->nscript; i++)
		if (s->script) {
			free(s->script[i].by);
			s->script[i].by = NULL;
		}
	struct scn_expect *e = &s->expect;
	for (uint32_t i = 0; i < e->nschemes; i++)
		free(e->schemes[i].kind.s);
	free(e->schemes);
	for (uint32_t i = 0; i < e->nrollups; i++) {
		free(e->rollups[i].h.balance_party);
		free(e->rollups[i].h.balance);
		free(e->rollups[i].h.kind.s);
	}
	free(e->rollups);
	for (uint32_t i = 0; i < e->nsidechains; i++) {
		free(e->sidechains[i].h.balance_party);
		free(e->sidechains[i].h.balance);
		free(e->sidechains[i].h.kind.s);
	}
	free(e->sidechains);
}
