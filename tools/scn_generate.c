/* The `generate` section: large synthetic networks. */
#include "scn_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/rng.h"
#include "l1sim/util.h"

/* ---- generate: large synthetic networks ---- */

static const char *const GENERATE_KEYS[] = { "parties", "channels", "channel_size", "balance", "deposit",
					     "open_at", "in_report", "topology", "channels_per_party", NULL };

const char *scn_topology_str(enum scn_topology t)
{
	return t == SCN_TOPO_SCALE_FREE ? "scale_free" : t == SCN_TOPO_RANDOM ? "random" : "?";
}

uint64_t scn_scale_free_channels(uint64_t n, uint64_t m)
{
	if (n < 2)
		return 0;
	if (n - 1 <= m)
		return (n - 1) * n / 2;
	return m * (m + 1) / 2 + (n - 1 - m) * m;
}

/* Reads the section and appends the generated parties (their names are needed by the
 * channels and the script that follow); the channels are placed by place_generated. */
void scn_load_generate(struct scn_vctx *v, const cJSON *g)
{
	struct scenario *s = v->s;
	struct scn_generate *gen = &s->generate;
	size_t old;
	const cJSON *j;
	uint64_t u;
	bool ok = true;
	if (!cJSON_IsObject(g)) {
		scn_verr(v, "must be an object (got %s)", scn_type_name(g));
		return;
	}
	scn_check_keys(v, g, GENERATE_KEYS);
	if ((j = scn_enter(v, g, "topology", &old))) {
		static const char *const c[] = { "random", "scale_free", NULL };
		int k = scn_as_choice(v, j, c);
		ok = k >= 0;
		gen->topology = k == 1 ? SCN_TOPO_SCALE_FREE : SCN_TOPO_RANDOM;
		scn_leave(v, old);
	}
	bool sf = gen->topology == SCN_TOPO_SCALE_FREE;
	scn_require(v, g, "parties");
	scn_require(v, g, sf ? "channels_per_party" : "channels");
	ok = ok && cJSON_GetObjectItemCaseSensitive(g, "parties") &&
	     cJSON_GetObjectItemCaseSensitive(g, sf ? "channels_per_party" : "channels");
	static const char *const sf_not[] = { "channels", "channel_size", NULL };
	for (size_t i = 0; sf && sf_not[i]; i++)
		if ((j = scn_enter(v, g, sf_not[i], &old))) {
			scn_verr(v, "a scale_free topology makes two-party channels, channels_per_party of each "
				 "new party; %s is not given", sf_not[i]);
			ok = false;
			scn_leave(v, old);
		}
	if ((j = scn_enter(v, g, "channels_per_party", &old))) {
		if (!sf) {
			scn_verr(v, "applies to \"topology\": \"scale_free\" only");
			ok = false;
		} else if (scn_as_uint(v, j, 1, SCN_MAX_CHANNELS_PER_PARTY, &u))
			gen->channels_per_party = (uint32_t)u;
		else
			ok = false;
		scn_leave(v, old);
	}
	gen->channel_size = 2;
	if ((j = scn_enter(v, g, "parties", &old))) {
		if (scn_as_uint(v, j, 1, SCN_MAX_GENERATED, &u))
			gen->parties = (uint32_t)u;
		else
			ok = false;
		scn_leave(v, old);
	}
	if (sf && ok) {
		uint64_t c = scn_scale_free_channels(gen->parties, gen->channels_per_party);
		if (c > SCN_MAX_GENERATED) {
			size_t o = scn_path_push_key(v, "channels_per_party");
			scn_verr(v, "%u parties x %u channels per party make %llu channels, above the limit of %u",
				 gen->parties, gen->channels_per_party, (unsigned long long)c, SCN_MAX_GENERATED);
			scn_path_pop(v, o);
			ok = false;
		} else {
			gen->channels = (uint32_t)c;
		}
	}
	if (!sf && (j = scn_enter(v, g, "channels", &old))) {
		if (scn_as_uint(v, j, 0, SCN_MAX_GENERATED, &u))
			gen->channels = (uint32_t)u;
		else
			ok = false;
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, g, "channel_size", &old))) {
		if (scn_as_uint(v, j, 2, SCN_MAX_CHANNEL_PARTIES, &u))
			gen->channel_size = (uint32_t)u;
		else
			ok = false;
		scn_leave(v, old);
	}
	if (ok && !sf && gen->channels > 0 && gen->parties < gen->channel_size) {
		size_t o = scn_path_push_key(v, "parties");
		scn_verr(v, "a channel needs %u distinct parties, so at least %u parties must be generated (got %u)",
		     gen->channel_size, gen->channel_size, gen->parties);
		scn_path_pop(v, o);
		ok = false;
	}
	if (ok && (uint64_t)gen->channels * gen->channel_size > SCN_MAX_GENERATED_MEMBERS) {
		size_t o = scn_path_push_key(v, "channels");
		scn_verr(v, "%u channels x channel_size %u = %llu channel memberships, above the limit of %u; "
			 "generate fewer or smaller channels", gen->channels, gen->channel_size,
			 (unsigned long long)gen->channels * gen->channel_size, SCN_MAX_GENERATED_MEMBERS);
		scn_path_pop(v, o);
		ok = false;
	}
	if ((j = scn_enter(v, g, "balance", &old))) {
		ok = scn_as_amount(v, j, &gen->balance) && ok;
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, g, "deposit", &old))) {
		ok = scn_as_amount(v, j, &gen->deposit) && ok;
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, g, "open_at", &old))) {
		ok = scn_as_uint(v, j, 0, MAX_BLOCK, &gen->open_at) && ok;
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, g, "in_report", &old))) {
		ok = scn_as_bool(v, j, &gen->in_report) && ok;
		scn_leave(v, old);
	}
	if (!ok || !scn_check_generate_memory(v))
		return;
	/* Explicit parties come first; none may take a generated name. */
	uint32_t nexp = s->nparties;
	for (uint32_t i = 0; i < nexp; i++) {
		uint32_t k;
		if (s->parties[i].name && scn_generated_name(s->parties[i].name, 'p', gen->parties, &k)) {
			/* Through scn_verr_at, so that SCN_MAX_ERRORS holds here too. */
			char where[48];
			snprintf(where, sizeof(where), "parties[%u].name", i);
			scn_verr_at(v, where, "\"%s\" is also the name of a generated party (generate.parties is %u)",
				    s->parties[i].name, gen->parties);
		}
	}
	s->parties = xreallocarray(s->parties, (size_t)nexp + gen->parties, sizeof(*s->parties));
	for (uint32_t k = 0; k < gen->parties; k++) {
		char name[16];
		snprintf(name, sizeof(name), "p%u", k);
		s->parties[nexp + k] = (struct scn_party){ .name = xstrdup(name), .balance = gen->balance,
							   .policy = scn_policy_default() };
	}
	gen->first_party = nexp;
	s->nparties = nexp + gen->parties;
	gen->present = true;
}

/* Places the generated channels after the explicit ones: c_k joins channel_size
 * distinct parties drawn uniformly with the scenario's seeded generator (its own
 * stream), channel after channel, member after member. Member i is drawn among the
 * parties - i not yet taken (one draw each, no rejection: a redraw-until-distinct
 * loop took 135 s for 10^7 channels of 64): r, then shifted past every taken index
 * at or below it, in increasing order. O(channel_size^2) per channel. */
/* Preferential attachment (docs/scenario-format.md, "Scale-free"): party k = 1..n-1
 * opens min(m, k) channels, each to an endpoint drawn uniformly from the channels made
 * before party k (so a party is drawn in proportion to its degree), redrawn at most 7
 * times when this party already took it, then the smallest party number not taken.
 * Channel c joins (p_k, p_t) in that order. O(channels): a stamp per party marks the
 * ones this party took. */
static void place_scale_free(struct scenario *s)
{
	struct scn_generate *gen = &s->generate;
	uint32_t n = gen->parties, m = gen->channels_per_party;
	uint32_t *ends = xcalloc((size_t)gen->channels * 2 + 1, sizeof(uint32_t));
	uint32_t *stamp = xcalloc((size_t)n + 1, sizeof(uint32_t)); /* k + 1 when party k took it */
	uint32_t *taken = xcalloc((size_t)m + 1, sizeof(uint32_t));
	struct rng g;
	rng_init(&g, s->seed, 0x53464700u /* "SF" */);
	size_t e = 0, c = 0;
	for (uint32_t k = 1; k < n; k++) {
		uint32_t want = k < m ? k : m;
		size_t base = e;
		for (uint32_t i = 0; i < want; i++) {
			uint32_t t = 0;
			bool found = false;
			for (int draw = 0; draw < 8 && base > 0 && !found; draw++) {
				t = ends[rng_below(&g, base)];
				found = stamp[t] != k + 1;
			}
			if (!found)
				for (t = 0; stamp[t] == k + 1; t++)
					;
			stamp[t] = k + 1;
			taken[i] = t;
			gen->members[2 * c] = gen->first_party + k;
			gen->members[2 * c + 1] = gen->first_party + t;
			c++;
		}
		for (uint32_t i = 0; i < want; i++) {
			ends[e++] = k;
			ends[e++] = taken[i];
		}
	}
	free(ends);
	free(stamp);
	free(taken);
}

void scn_place_generated(struct scenario *s)
{
	struct scn_generate *gen = &s->generate;
	size_t size = gen->channel_size;
	gen->members = xcalloc((size_t)gen->channels * size + 1, sizeof(uint32_t));
	gen->deposits = xcalloc(size, sizeof(struct amount));
	for (size_t i = 0; i < size; i++)
		gen->deposits[i] = gen->deposit;
	if (gen->topology == SCN_TOPO_SCALE_FREE) {
		place_scale_free(s);
		gen->first_channel = s->nchannels;
		s->nchannels += gen->channels;
		gen->placed = true;
		return;
	}
	struct rng g;
	rng_init(&g, s->seed, 0x47454e00u /* "GEN" */);
	uint32_t taken[SCN_MAX_CHANNEL_PARTIES]; /* this channel's members so far, increasing */
	for (size_t k = 0; k < gen->channels; k++) {
		uint32_t *m = gen->members + k * size;
		for (size_t i = 0; i < size; i++) {
			uint32_t r = (uint32_t)rng_below(&g, gen->parties - (uint32_t)i);
			size_t at = 0;
			while (at < i && taken[at] <= r) {
				r++;
				at++;
			}
			memmove(taken + at + 1, taken + at, (i - at) * sizeof(uint32_t));
			taken[at] = r;
			m[i] = gen->first_party + r;
		}
	}
	gen->first_channel = s->nchannels;
	s->nchannels += gen->channels;
	gen->placed = true;
}
