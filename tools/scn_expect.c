/* The `expect` section. */
#include "scn_internal.h"

#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

/* ---- expect ---- */

static void opt_uint(struct scn_vctx *v, const cJSON *obj, const char *key, bool nullable, struct scn_opt *o)
{
	size_t old;
	const cJSON *j = scn_enter(v, obj, key, &old);
	if (!j)
		return;
	o->present = true;
	if (nullable && cJSON_IsNull(j))
		o->is_null = true;
	else
		(void)scn_as_uint(v, j, 0, (uint64_t)MAX_JSON_INT, &o->u);
	scn_leave(v, old);
}

static void opt_choice(struct scn_vctx *v, const cJSON *obj, const char *key, const char *const *choices,
		       struct scn_opt *o)
{
	size_t old;
	const cJSON *j = scn_enter(v, obj, key, &old);
	if (!j)
		return;
	o->present = true;
	if (cJSON_IsNull(j))
		o->is_null = true;
	else if (scn_as_choice(v, j, choices) >= 0)
		o->s = xstrdup(j->valuestring);
	scn_leave(v, old);
}

/* An object {party name: amount}: every name must be a party, given once. */
static void party_amounts(struct scn_vctx *v, const cJSON *c, uint32_t **parties, struct amount **amounts,
			  uint32_t *n)
{
	if (!cJSON_IsObject(c)) {
		scn_verr(v, "must be an object {party: amount} (got %s)", scn_type_name(c));
		return;
	}
	/* Only parties' names are kept, each once: at most nparties entries. */
	uint32_t np = v->s->nparties;
	*parties = xcalloc((size_t)np + 1, sizeof(uint32_t));
	*amounts = xcalloc((size_t)np + 1, sizeof(struct amount));
	bool *seen = xcalloc((size_t)np + 1, sizeof(bool));
	for (const cJSON *p = c->child; p; p = p->next) {
		size_t old = scn_path_push_key(v, p->string);
		uint32_t pi = scn_find_party(v, p->string);
		struct amount a;
		if (pi == SCN_NONE)
			scn_verr(v, "no party named \"%s\"", scn_show(p->string, 64));
		else if (seen[pi])
			scn_verr(v, "key given twice");
		else if (scn_as_amount(v, p, &a)) {
			(*parties)[*n] = pi;
			(*amounts)[(*n)++] = a;
		}
		if (pi != SCN_NONE)
			seen[pi] = true;
		scn_path_pop(v, old);
	}
	free(seen);
}

static void load_expect_channel(struct scn_vctx *v, const cJSON *j, struct scn_expect_channel *ec)
{
	static const char *const keys[] = { "status", "close", "challenged", "latest_seq", "registered_seq",
					    "settled_block", "payouts", NULL };
	static const char *const statuses[] = { "none", "opening", "open", "closing", "closed", NULL };
	static const char *const closes[] = { "cooperative", "unilateral", NULL };
	if (!cJSON_IsObject(j)) {
		scn_verr(v, "must be an object (got %s)", scn_type_name(j));
		return;
	}
	scn_check_keys(v, j, keys);
	opt_choice(v, j, "status", statuses, &ec->status);
	opt_choice(v, j, "close", closes, &ec->close);
	size_t old;
	const cJSON *c;
	if ((c = scn_enter(v, j, "challenged", &old))) {
		ec->challenged.present = true;
		bool b = false;
		if (cJSON_IsNull(c))
			ec->challenged.is_null = true;
		else if (scn_as_bool(v, c, &b))
			ec->challenged.u = b;
		scn_leave(v, old);
	}
	opt_uint(v, j, "latest_seq", true, &ec->latest_seq);
	opt_uint(v, j, "registered_seq", true, &ec->registered_seq);
	opt_uint(v, j, "settled_block", true, &ec->settled_block);
	if ((c = scn_enter(v, j, "payouts", &old))) {
		ec->has_payouts = true;
		if (cJSON_IsNull(c)) {
			ec->payouts_null = true;
		} else {
			party_amounts(v, c, &ec->payout_party, &ec->payout, &ec->npayouts);
		}
		scn_leave(v, old);
	}
}

static void opt_amount(struct scn_vctx *v, const cJSON *obj, const char *key, struct scn_opt *o)
{
	size_t old;
	const cJSON *j = scn_enter(v, obj, key, &old);
	if (!j)
		return;
	struct amount a;
	o->present = true;
	if (scn_as_amount(v, j, &a))
		o->u = a.units;
	scn_leave(v, old);
}

/* expect.routing: any subset of the report's routing object (SPEC section 10). */
static void load_expect_routing(struct scn_vctx *v, const cJSON *j, struct scn_expect_routing *er)
{
	static const char *const keys[] = { "sent", "ok", "failed", "pending", "attempts", "hops", "fees",
					    "failures", "htlc_losses", NULL };
	scn_note_routing(v);
	if (!cJSON_IsObject(j)) {
		scn_verr(v, "must be an object (got %s)", scn_type_name(j));
		return;
	}
	er->present = true;
	scn_check_keys(v, j, keys);
	opt_uint(v, j, "sent", false, &er->sent);
	opt_uint(v, j, "ok", false, &er->ok);
	opt_uint(v, j, "failed", false, &er->failed);
	opt_uint(v, j, "pending", false, &er->pending);
	opt_uint(v, j, "attempts", false, &er->attempts);
	opt_amount(v, j, "fees", &er->fees);
	opt_uint(v, j, "htlc_losses", false, &er->htlc_losses);
	size_t old;
	const cJSON *c;
	if ((c = scn_enter(v, j, "hops", &old))) {
		static const char *const k[] = { "min", "p50", "p95", "max", NULL };
		if (!cJSON_IsObject(c))
			scn_verr(v, "must be an object {\"min\", \"p50\", \"p95\", \"max\"} (got %s)", scn_type_name(c));
		else {
			scn_check_keys(v, c, k);
			opt_uint(v, c, "min", true, &er->hops_min);
			opt_uint(v, c, "p50", true, &er->hops_p50);
			opt_uint(v, c, "p95", true, &er->hops_p95);
			opt_uint(v, c, "max", true, &er->hops_max);
		}
		scn_leave(v, old);
	}
	if ((c = scn_enter(v, j, "failures", &old))) {
		static const char *const k[] = { "no_route", "insufficient_balance", "offline", "expired", NULL };
		if (!cJSON_IsObject(c))
			scn_verr(v, "must be an object {\"no_route\", \"insufficient_balance\", \"offline\", \"expired\"} (got %s)",
				 scn_type_name(c));
		else {
			scn_check_keys(v, c, k);
			opt_uint(v, c, "no_route", false, &er->no_route);
			opt_uint(v, c, "insufficient_balance", false, &er->insufficient_balance);
			opt_uint(v, c, "offline", false, &er->offline);
			opt_uint(v, c, "expired", false, &er->expired);
		}
		scn_leave(v, old);
	}
}

void scn_load_expect(struct scn_vctx *v, const cJSON *j)
{
	static const char *const keys[] = { "l1_balances", "payments", "security_violations", "throughput_gain",
					    "channels", "routing", "schemes", "rollups", "sidechains", NULL };
	struct scenario *s = v->s;
	struct scn_expect *e = &s->expect;
	if (!cJSON_IsObject(j)) {
		scn_verr(v, "must be an object (got %s)", scn_type_name(j));
		return;
	}
	e->present = true;
	scn_check_keys(v, j, keys);
	size_t old;
	const cJSON *c;
	if ((c = scn_enter(v, j, "l1_balances", &old))) {
		party_amounts(v, c, &e->balance_party, &e->balance, &e->nbalances);
		scn_leave(v, old);
	}
	if ((c = scn_enter(v, j, "payments", &old))) {
		static const char *const k[] = { "ok", "failed", NULL };
		if (!cJSON_IsObject(c))
			scn_verr(v, "must be an object {\"ok\": n, \"failed\": n} (got %s)", scn_type_name(c));
		else {
			scn_check_keys(v, c, k);
			opt_uint(v, c, "ok", false, &e->payments_ok);
			opt_uint(v, c, "failed", false, &e->payments_failed);
		}
		scn_leave(v, old);
	}
	opt_uint(v, j, "security_violations", false, &e->security_violations);
	if ((c = scn_enter(v, j, "routing", &old))) {
		load_expect_routing(v, c, &e->routing);
		scn_leave(v, old);
	}
	if ((c = scn_enter(v, j, "schemes", &old))) {
		scn_load_expect_schemes(v, c);
		scn_leave(v, old);
	}
	if ((c = scn_enter(v, j, "rollups", &old))) {
		scn_load_expect_rollups(v, c);
		scn_leave(v, old);
	}
	if ((c = scn_enter(v, j, "sidechains", &old))) {
		scn_load_expect_sidechains(v, c);
		scn_leave(v, old);
	}
	if ((c = scn_enter(v, j, "throughput_gain", &old))) {
		static const char *const k[] = { "min", "max", NULL };
		if (!cJSON_IsObject(c))
			scn_verr(v, "must be an object {\"min\": x, \"max\": y} (got %s)", scn_type_name(c));
		else {
			scn_check_keys(v, c, k);
			size_t o2;
			const cJSON *m;
			if ((m = scn_enter(v, c, "min", &o2))) {
				e->has_gain_min = scn_as_number(v, m, -1e300, 1e300, &e->gain_min);
				scn_leave(v, o2);
			}
			if ((m = scn_enter(v, c, "max", &o2))) {
				e->has_gain_max = scn_as_number(v, m, -1e300, 1e300, &e->gain_max);
				scn_leave(v, o2);
			}
		}
		scn_leave(v, old);
	}
	if ((c = scn_enter(v, j, "channels", &old))) {
		if (!cJSON_IsObject(c)) {
			scn_verr(v, "must be an object {channel id: fields} (got %s)", scn_type_name(c));
		} else {
			/* Each channel once: at most nchannels entries. */
			e->channels = xcalloc((size_t)s->nchannels + 1, sizeof(*e->channels));
			bool *seen = xcalloc((size_t)s->nchannels + 1, sizeof(bool));
			for (const cJSON *ch = c->child; ch; ch = ch->next) {
				size_t o2 = scn_path_push_key(v, ch->string);
				uint32_t ci = scn_find_channel(v, ch->string);
				if (ci == SCN_NONE) {
					scn_verr(v, "no channel with id \"%s\"", scn_show(ch->string, 64));
				} else if (seen[ci]) {
					scn_verr(v, "key given twice");
				} else {
					seen[ci] = true;
					struct scn_expect_channel *ec = &e->channels[e->nchannels++];
					ec->channel = ci;
					load_expect_channel(v, ch, ec);
				}
				scn_path_pop(v, o2);
			}
			free(seen);
		}
		scn_leave(v, old);
	}
}

/* For the other expect modules (tools/scn_schemes.c). */
void scn_expect_party_amounts(struct scn_vctx *v, const cJSON *c, uint32_t **parties, struct amount **amounts,
			      uint32_t *n)
{
	party_amounts(v, c, parties, amounts, n);
}

void scn_expect_uint(struct scn_vctx *v, const cJSON *obj, const char *key, bool nullable, struct scn_opt *o)
{
	opt_uint(v, obj, key, nullable, o);
}

void scn_expect_choice(struct scn_vctx *v, const cJSON *obj, const char *key, const char *const *choices,
		       struct scn_opt *o)
{
	opt_choice(v, obj, key, choices, o);
}

void scn_expect_amount(struct scn_vctx *v, const cJSON *obj, const char *key, struct scn_opt *o)
{
	opt_amount(v, obj, key, o);
}
