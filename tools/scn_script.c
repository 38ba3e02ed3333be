/* The `script` section: actions, the keys each takes and requires. */
#include "scn_internal.h"

#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

const char *scn_action_str(enum scn_action_kind k)
{
	static const char *names[] = { "open", "deposit", "pay", "close", "offline", "online",
				       "watchtower", "flood", "send", "transfer", "rollup_deposit", "rollup_pay",
				       "rollup_withdraw", "rollup_fraud", "peg_in", "side_pay", "peg_out",
				       "federation_steal" };
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}
static const char *const ACTION_NAMES[] = { "open", "deposit", "pay", "close", "offline", "online",
					    "watchtower", "flood", "send", "transfer", "rollup_deposit", "rollup_pay",
					    "rollup_withdraw", "rollup_fraud", "peg_in", "side_pay", "peg_out",
					    "federation_steal", NULL };
static const char *const *const ACTION_KEYS[] = {
	(const char *const[]){ "at", "action", "channel", NULL },
	(const char *const[]){ "at", "action", "channel", "party", "amount", NULL },
	(const char *const[]){ "at", "action", "channel", "from", "to", "amount", "count", NULL },
	(const char *const[]){ "at", "action", "channel", "by", "mode", "state", "tamper", NULL },
	(const char *const[]){ "at", "action", "party", "blocks", NULL },
	(const char *const[]){ "at", "action", "party", NULL },
	(const char *const[]){ "at", "action", "party", "enabled", NULL },
	(const char *const[]){ "at", "action", "by", "txs", "fee", "blocks", NULL },
	(const char *const[]){ "at", "action", "from", "to", "amount", "count", "max_fee", "hold_blocks", NULL },
};
/* Keys each action requires besides at and action. */
static const char *const *const ACTION_REQUIRED[] = {
	(const char *const[]){ "channel", NULL },
	(const char *const[]){ "channel", "party", "amount", NULL },
	(const char *const[]){ "channel", "from", "to", "amount", NULL },
	(const char *const[]){ "channel", "by", NULL },
	(const char *const[]){ "party", NULL },
	(const char *const[]){ "party", NULL },
	(const char *const[]){ "party", "enabled", NULL },
	(const char *const[]){ "by", "txs", "fee", "blocks", NULL },
	(const char *const[]){ "from", "to", "amount", NULL },
};


/* True when party p is one of channel ch's; a channel whose parties had errors
 * (nparties 0) counts as having every party, so that no second error follows. */
static bool member_of(const struct scenario *s, uint32_t ch, uint32_t p)
{
	uint32_t n = scn_channel_nparties(s, ch);
	const uint32_t *m = scn_channel_parties(s, ch);
	for (uint32_t i = 0; i < n; i++)
		if (m[i] == p)
			return true;
	return n == 0;
}

static void load_action(struct scn_vctx *v, const cJSON *a, struct scn_action *act)
{
	size_t old;
	const cJSON *j;
	uint64_t u;
	scn_require(v, a, "at");
	scn_require(v, a, "action");
	if ((j = scn_enter(v, a, "at", &old))) {
		(void)scn_as_uint(v, j, 0, MAX_BLOCK, &act->at);
		scn_leave(v, old);
	}
	int kind = -1;
	if ((j = scn_enter(v, a, "action", &old))) {
		kind = scn_as_choice(v, j, ACTION_NAMES);
		scn_leave(v, old);
	}
	if (kind < 0) {
		/* Without a known action only the common keys can be checked. */
		static const char *const common[] = { "at", "action", "channel", "party", "from", "to", "amount",
						      "count", "by", "mode", "state", "tamper", "blocks", "enabled",
						      "txs", "fee", "max_fee", "hold_blocks", "rollup", "sidechain", NULL };
		scn_check_keys(v, a, common);
		return;
	}
	act->kind = (enum scn_action_kind)kind;
	act->scheme = SCN_NONE;
	if (kind >= SCN_TRANSFER) { /* SPEC section 11: tools/scn_schemes.c */
		scn_load_scheme_action(v, a, act);
		return;
	}
	if (kind == SCN_SEND) {
		size_t o = scn_path_push_key(v, "action");
		scn_note_routing(v);
		scn_path_pop(v, o);
	}
	scn_check_keys(v, a, ACTION_KEYS[kind]);
	for (const char *const *r = ACTION_REQUIRED[kind]; *r; r++)
		scn_require(v, a, *r);
	act->channel = act->party = act->to = SCN_NONE;
	act->count = 1;
	act->state = SCN_LATEST;
	if ((j = scn_enter(v, a, "channel", &old))) {
		act->channel = scn_channel_ref(v, j);
		scn_leave(v, old);
	}
	static const char *const party_keys[] = { "party", "from", "by", NULL };
	for (const char *const *k = party_keys; *k; k++)
		if ((j = scn_enter(v, a, *k, &old))) {
			act->party = scn_party_ref(v, j);
			/* A deposit or close by an outsider would fail only at run time. */
			if ((kind == SCN_DEPOSIT || kind == SCN_CLOSE) && act->party != SCN_NONE &&
			    act->channel != SCN_NONE && !member_of(v->s, act->channel, act->party)) {
				char id[SCN_ID_LEN];
				scn_verr(v, "\"%s\" is not a party of channel \"%s\"", v->s->parties[act->party].name,
					 scn_channel_id(v->s, act->channel, id));
			}
			scn_leave(v, old);
		}
	if ((j = scn_enter(v, a, "to", &old))) {
		act->to = scn_party_ref(v, j);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, a, "amount", &old))) {
		if (scn_as_amount(v, j, &act->amount) && (kind == SCN_PAY || kind == SCN_SEND) && act->amount.units == 0)
			scn_verr(v, "a payment must be at least 1");
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, a, "count", &old))) {
		/* u is set only when the value is a number in range. */
		if (!scn_as_uint(v, j, 1, (uint64_t)MAX_JSON_INT, &u))
			act->count = 0;
		else if (u > (kind == SCN_SEND ? SCN_MAX_SEND_COUNT : SCN_MAX_PAY_COUNT))
			scn_verr(v, "at most %u payments per %s action (got %llu); use a workload for more",
				 kind == SCN_SEND ? SCN_MAX_SEND_COUNT : SCN_MAX_PAY_COUNT, scn_action_str(act->kind),
				 (unsigned long long)u);
		else
			act->count = u;
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, a, "txs", &old))) {
		if (!scn_as_uint(v, j, 1, (uint64_t)MAX_JSON_INT, &u))
			act->count = 0;
		else if (u > SCN_MAX_FLOOD_TXS)
			scn_verr(v, "at most %u txs per flood batch (got %llu)", SCN_MAX_FLOOD_TXS, (unsigned long long)u);
		else
			act->count = u;
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, a, "mode", &old))) {
		static const char *const c[] = { "cooperative", "unilateral", NULL };
		act->unilateral = scn_as_choice(v, j, c) == 1;
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, a, "state", &old))) {
		if (cJSON_IsString(j) && strcmp(j->valuestring, "latest") == 0)
			act->state = SCN_LATEST;
		else if (cJSON_IsString(j))
			scn_verr(v, "must be a sequence number or \"latest\" (got \"%s\")", scn_show(j->valuestring, 40));
		else if (scn_as_uint(v, j, 0, (uint64_t)MAX_JSON_INT, &u))
			act->state = u;
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, a, "tamper", &old))) {
		if (scn_as_bool(v, j, &act->tamper) && act->tamper && !act->unilateral)
			scn_verr(v, "tamper applies to unilateral closes only (add \"mode\": \"unilateral\")");
		scn_leave(v, old);
	}
	if (kind == SCN_CLOSE && !act->unilateral && act->state != SCN_LATEST &&
	    cJSON_GetObjectItemCaseSensitive(a, "state")) {
		size_t o = scn_path_push_key(v, "state");
		scn_verr(v, "a cooperative close always signs a new final state; state applies to unilateral closes only");
		scn_path_pop(v, o);
	}
	if ((j = scn_enter(v, a, "blocks", &old))) {
		act->has_blocks = scn_as_uint(v, j, 1, MAX_BLOCK, &act->blocks);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, a, "max_fee", &old))) {
		act->has_max_fee = scn_as_amount(v, j, &act->max_fee);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, a, "hold_blocks", &old))) {
		(void)scn_as_uint(v, j, 0, MAX_BLOCK, &act->hold_blocks);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, a, "enabled", &old))) {
		(void)scn_as_bool(v, j, &act->enabled);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, a, "fee", &old))) {
		(void)scn_as_amount(v, j, &act->fee);
		scn_leave(v, old);
	}
}

void scn_load_script(struct scn_vctx *v, const cJSON *arr)
{
	struct scenario *s = v->s;
	if (!cJSON_IsArray(arr)) {
		scn_verr(v, "must be an array of actions (got %s)", scn_type_name(arr));
		return;
	}
	if (!scn_array_within(v, arr, SCN_MAX_SCRIPT, "script actions"))
		return;
	int n = cJSON_GetArraySize(arr);
	s->script = xcalloc((size_t)n + 1, sizeof(*s->script));
	size_t idx = 0;
	for (const cJSON *a = arr->child; a; a = a->next, idx++) {
		size_t o1 = scn_path_push_index(v, idx);
		if (!cJSON_IsObject(a))
			scn_verr(v, "must be an object (got %s)", scn_type_name(a));
		else
			load_action(v, a, &s->script[idx]);
		scn_path_pop(v, o1);
	}
	s->nscript = (uint32_t)n;
}
