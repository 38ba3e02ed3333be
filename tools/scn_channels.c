/* The `channels` section, references to channels by id, and the accessors that reach
 * explicit and generated channels alike. */
#include "scn_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

uint32_t scn_find_channel(const struct scn_vctx *v, const char *id)
{
	uint32_t i = scn_names_find(&v->channels, id), k;
	if (i == SCN_NONE && v->s->generate.placed && scn_generated_name(id, 'c', v->s->generate.channels, &k))
		i = v->s->generate.first_channel + k;
	if (i == SCN_NONE && v->s->network.placed && scn_prefixed_name(id, "ch", v->s->network.nchannels, &k))
		i = v->s->network.first_channel + k;
	return i;
}

uint32_t scn_channel_ref(struct scn_vctx *v, const cJSON *j)
{
	const char *id = scn_as_string(v, j);
	if (!id)
		return SCN_NONE;
	uint32_t i = scn_find_channel(v, id);
	if (i == SCN_NONE)
		scn_verr(v, "no channel with id \"%s\"", scn_show(id, 64));
	return i;
}
uint32_t scn_channel_index(const struct scenario *s, const char *id)
{
	uint32_t k;
	if (s->generate.placed && scn_generated_name(id, 'c', s->generate.channels, &k))
		return s->generate.first_channel + k;
	if (s->network.placed && scn_prefixed_name(id, "ch", s->network.nchannels, &k))
		return s->network.first_channel + k;
	for (uint32_t i = 0; i < scn_explicit_channels(s); i++)
		if (s->channels[i].id && strcmp(s->channels[i].id, id) == 0)
			return i;
	return SCN_NONE;
}

const char *scn_channel_id(const struct scenario *s, uint32_t ch, char buf[SCN_ID_LEN])
{
	if (scn_channel_is_imported(s, ch)) {
		snprintf(buf, SCN_ID_LEN, "ch%u", ch - s->network.first_channel);
		return buf;
	}
	if (!scn_channel_is_generated(s, ch))
		return s->channels[ch].id;
	snprintf(buf, SCN_ID_LEN, "c%u", ch - s->generate.first_channel);
	return buf;
}

uint32_t scn_channel_nparties(const struct scenario *s, uint32_t ch)
{
	if (scn_channel_is_imported(s, ch))
		return 2;
	return scn_channel_is_generated(s, ch) ? s->generate.channel_size : s->channels[ch].nparties;
}

const uint32_t *scn_channel_parties(const struct scenario *s, uint32_t ch)
{
	if (scn_channel_is_imported(s, ch))
		return s->network.channels[ch - s->network.first_channel].node;
	if (!scn_channel_is_generated(s, ch))
		return s->channels[ch].parties;
	return s->generate.members + (size_t)(ch - s->generate.first_channel) * s->generate.channel_size;
}

const struct amount *scn_channel_deposits(const struct scenario *s, uint32_t ch)
{
	if (scn_channel_is_imported(s, ch))
		return s->network.channels[ch - s->network.first_channel].balance;
	return scn_channel_is_generated(s, ch) ? s->generate.deposits : s->channels[ch].deposit;
}
static const char *const CHANNEL_KEYS[] = { "id", "parties", "deposit", "policy", NULL };
void scn_load_channels(struct scn_vctx *v, const cJSON *arr)
{
	struct scenario *s = v->s;
	if (!cJSON_IsArray(arr)) {
		scn_verr(v, "must be an array of channels (got %s)", scn_type_name(arr));
		return;
	}
	if (!scn_array_within(v, arr, SCN_MAX_CHANNELS, "channels"))
		return;
	int n = cJSON_GetArraySize(arr);
	s->channels = xcalloc((size_t)n + 1, sizeof(*s->channels));
	scn_names_init(&v->channels, (size_t)n);
	size_t idx = 0;
	for (const cJSON *c = arr->child; c; c = c->next, idx++) {
		size_t o1 = scn_path_push_index(v, idx), old;
		struct scn_channel *ch = &s->channels[idx];
		const cJSON *j;
		uint32_t listed = 0;
		s->nchannels = (uint32_t)idx + 1;
		if (!cJSON_IsObject(c)) {
			scn_verr(v, "must be an object (got %s)", scn_type_name(c));
			scn_path_pop(v, o1);
			continue;
		}
		scn_check_keys(v, c, CHANNEL_KEYS);
		scn_require(v, c, "id");
		scn_require(v, c, "parties");
		if ((j = scn_enter(v, c, "id", &old))) {
			const char *id = scn_as_string(v, j);
			if (id && !scn_valid_name(id))
				scn_verr(v, "id must match [A-Za-z0-9._-]{1,%u} (got \"%s\")", SCN_MAX_NAME_LEN, scn_show(id, 70));
			else if (id && scn_names_find(&v->channels, id) != SCN_NONE)
				scn_verr(v, "channel id \"%s\" is used twice", id);
			else if (id && s->network.present && scn_prefixed_name(id, "ch", s->network.nchannels, &(uint32_t){ 0 }))
				scn_verr(v, "channel id \"%s\" is also the name of an imported channel (the network has %u)",
				     id, s->network.nchannels);
			else if (id && s->generate.present && scn_generated_name(id, 'c', s->generate.channels, &(uint32_t){ 0 }))
				scn_verr(v, "channel id \"%s\" is also the name of a generated channel (generate.channels is %u)",
				     id, s->generate.channels);
			else if (id) {
				ch->id = xstrdup(id);
				scn_names_add(&v->channels, ch->id, (uint32_t)idx);
			}
			scn_leave(v, old);
		}
		if ((j = scn_enter(v, c, "parties", &old))) {
			if (!cJSON_IsArray(j)) {
				scn_verr(v, "must be an array of party names (got %s)", scn_type_name(j));
			} else if (!scn_array_within(v, j, SCN_MAX_CHANNEL_PARTIES, "parties in one channel")) {
				/* nothing more to check */
			} else {
				int np = cJSON_GetArraySize(j);
				if (np < 2)
					scn_verr(v, "a channel needs at least 2 parties (got %d)", np);
				listed = (uint32_t)np;
				ch->parties = xcalloc((size_t)np + 1, sizeof(uint32_t));
				ch->deposit = xcalloc((size_t)np + 1, sizeof(struct amount));
				size_t k = 0;
				bool ok = true;
				for (const cJSON *pn = j->child; pn; pn = pn->next, k++) {
					size_t o2 = scn_path_push_index(v, k);
					uint32_t pi = scn_party_ref(v, pn);
					for (size_t m = 0; m < k && pi != SCN_NONE; m++)
						if (ch->parties[m] == pi) {
							scn_verr(v, "party \"%s\" is listed twice", s->parties[pi].name);
							pi = SCN_NONE;
						}
					ok = ok && pi != SCN_NONE;
					ch->parties[k] = pi;
					scn_path_pop(v, o2);
				}
				if (ok && np >= 2)
					ch->nparties = (uint32_t)np;
			}
			scn_leave(v, old);
		}
		if ((j = scn_enter(v, c, "deposit", &old))) {
			if (!cJSON_IsObject(j)) {
				scn_verr(v, "must be an object {party: amount} (got %s)", scn_type_name(j));
			} else {
				bool seen[SCN_MAX_CHANNEL_PARTIES] = { false };
				for (const cJSON *d = j->child; d; d = d->next) {
					size_t o2 = scn_path_push_key(v, d->string);
					uint32_t pi = scn_find_party(v, d->string);
					int at = -1;
					for (uint32_t m = 0; pi != SCN_NONE && m < listed && ch->parties; m++)
						if (ch->parties[m] == pi)
							at = (int)m;
					struct amount a;
					bool good = scn_as_amount(v, d, &a);
					if (at >= 0 && seen[at])
						scn_verr(v, "key given twice");
					else if (pi == SCN_NONE)
						scn_verr(v, "no party named \"%s\"", scn_show(d->string, 64));
					else if (at < 0 && ch->parties)
						scn_verr(v, "\"%s\" is not a party of this channel", scn_show(d->string, 64));
					else if (good && at >= 0)
						ch->deposit[at] = a;
					if (at >= 0)
						seen[at] = true;
					scn_path_pop(v, o2);
				}
			}
			scn_leave(v, old);
		}
		if ((j = scn_enter(v, c, "policy", &old))) {
			scn_load_channel_policy(v, j, ch);
			scn_leave(v, old);
		}
		scn_path_pop(v, o1);
	}
	s->nchannels = (uint32_t)n;
}
