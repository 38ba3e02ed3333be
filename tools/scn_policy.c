/* SPEC section 10 in the loader: forwarding policies (of parties and of a channel's
 * directions), the effective policy of a channel direction, and which section-10
 * feature a file uses (runs refuse those until the runner routes payments). */
#include "scn_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

const char *scn_routing_str(enum scn_routing r)
{
	return r == SCN_ROUTING_LND ? "lnd" : r == SCN_ROUTING_CHEAPEST ? "cheapest" : "?";
}

void scn_note_routing(struct scn_vctx *v)
{
	if (!v->s->routing_feature)
		v->s->routing_feature = xstrdup(v->plen ? v->path : "(top level)");
}

struct scn_policy scn_policy_default(void)
{
	return (struct scn_policy){ .cltv_delta = SCN_DEFAULT_CLTV_DELTA, .min_htlc = AMOUNT(1) };
}

/* fee_base, fee_ppm, cltv_delta (and min_htlc when with_min) of obj into *p; keys not
 * given leave *p as it is. The caller checked obj's keys. */
void scn_load_policy_keys(struct scn_vctx *v, const cJSON *obj, struct scn_policy *p, bool with_min)
{
	size_t old;
	const cJSON *j;
	uint64_t u;
	if ((j = scn_enter(v, obj, "fee_base", &old))) {
		scn_note_routing(v);
		(void)scn_as_amount(v, j, &p->fee_base);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, obj, "fee_ppm", &old))) {
		scn_note_routing(v);
		if (scn_as_uint(v, j, 0, SCN_MAX_FEE_PPM, &u))
			p->fee_ppm = (uint32_t)u;
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, obj, "cltv_delta", &old))) {
		scn_note_routing(v);
		if (scn_as_uint(v, j, 0, MAX_BLOCK, &u))
			p->cltv_delta = (uint32_t)u;
		scn_leave(v, old);
	}
	if (with_min && (j = scn_enter(v, obj, "min_htlc", &old))) {
		scn_note_routing(v);
		(void)scn_as_amount(v, j, &p->min_htlc);
		scn_leave(v, old);
	}
}

/* A channel's "policy": {name: {fee_base, fee_ppm, cltv_delta, min_htlc}}, for
 * two-party channels only; each name a party of the channel, once. */
void scn_load_channel_policy(struct scn_vctx *v, const cJSON *j, struct scn_channel *ch)
{
	static const char *const keys[] = { "fee_base", "fee_ppm", "cltv_delta", "min_htlc", NULL };
	struct scenario *s = v->s;
	scn_note_routing(v);
	if (!cJSON_IsObject(j)) {
		scn_verr(v, "must be an object {party: {\"fee_base\", \"fee_ppm\", \"cltv_delta\", \"min_htlc\"}} (got %s)",
			 scn_type_name(j));
		return;
	}
	if (ch->parties && ch->nparties != 2 && ch->nparties != 0) {
		scn_verr(v, "only two-party channels carry routed payments, so only they take a policy (this one has %u parties)",
			 ch->nparties);
		return;
	}
	for (const cJSON *d = j->child; d; d = d->next) {
		size_t o = scn_path_push_key(v, d->string);
		uint32_t pi = scn_find_party(v, d->string);
		int at = -1;
		for (uint32_t m = 0; pi != SCN_NONE && m < ch->nparties; m++)
			if (ch->parties[m] == pi)
				at = (int)m;
		if (pi == SCN_NONE)
			scn_verr(v, "no party named \"%s\"", scn_show(d->string, 64));
		else if (at < 0 && ch->nparties)
			scn_verr(v, "\"%s\" is not a party of this channel", scn_show(d->string, 64));
		else if (at >= 0 && ch->has_policy[at])
			scn_verr(v, "key given twice");
		else if (!cJSON_IsObject(d))
			scn_verr(v, "must be an object {\"fee_base\", \"fee_ppm\", \"cltv_delta\", \"min_htlc\"} (got %s)",
				 scn_type_name(d));
		else {
			scn_check_keys(v, d, keys);
			struct scn_policy p = s->parties[pi].policy;
			p.min_htlc = AMOUNT(1);
			scn_load_policy_keys(v, d, &p, true);
			if (at >= 0) {
				ch->has_policy[at] = true;
				ch->policy[at] = p;
			}
		}
		scn_path_pop(v, o);
	}
}

struct scn_policy scn_channel_policy(const struct scenario *s, uint32_t ch, uint32_t d)
{
	if (scn_channel_is_imported(s, ch)) {
		const struct import_channel *c = &s->network.channels[ch - s->network.first_channel];
		const struct import_policy *ip = &c->policy[d & 1];
		return (struct scn_policy){ .fee_base = ip->fee_base, .fee_ppm = ip->fee_ppm,
					    .cltv_delta = ip->cltv_delta, .min_htlc = ip->min_htlc,
					    .disabled = c->disabled[d & 1] };
	}
	if (!scn_channel_is_generated(s, ch) && d < 2 && s->channels[ch].has_policy[d])
		return s->channels[ch].policy[d];
	struct scn_policy p = s->parties[scn_channel_parties(s, ch)[d]].policy;
	p.min_htlc = AMOUNT(1);
	return p;
}

const char *scn_uses_routing(const struct scenario *s)
{
	return s->routing_feature;
}
