/* Shared by the fuzz targets and their replay driver: how a fuzz input is read, and
 * the invariants every loaded scenario must satisfy (the runner relies on them).
 *
 * An input is the scenario text, optionally followed by --set overrides, each after
 * a NUL byte: "JSON\0l1.fee=5\0parties.0.balance=\"7\"". The overrides exercise
 * apply_override and the validation of overridden values, as `l2sim run --set` does.
 * Header-only (static functions) so that each target is one translation unit. */
#ifndef L2SIM_TESTS_FUZZ_INPUT_H
#define L2SIM_TESTS_FUZZ_INPUT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/scenario.h"

#define FUZZ_MAX_OVERRIDES 8

/* Aborts (a crash to libFuzzer, a failure to the replay driver) when c is false. */
#define FUZZ_ASSERT(c)                                                                     \
	do {                                                                               \
		if (!(c)) {                                                                \
			fprintf(stderr, "fuzz: invariant failed at %s:%d: %s\n", __FILE__,  \
				__LINE__, #c);                                             \
			abort();                                                           \
		}                                                                          \
	} while (0)

struct fuzz_input {
	char *buf;               /* a NUL-terminated copy of the whole input */
	const char *json;        /* the scenario text: the first segment */
	size_t json_len;
	struct scn_override ov[FUZZ_MAX_OVERRIDES];
	char *keys[FUZZ_MAX_OVERRIDES];
	size_t nov;
};

static void fuzz_input_split(struct fuzz_input *in, const uint8_t *data, size_t size)
{
	memset(in, 0, sizeof(*in));
	in->buf = malloc(size + 1);
	FUZZ_ASSERT(in->buf);
	if (size)
		memcpy(in->buf, data, size);
	in->buf[size] = '\0';
	in->json = in->buf;
	in->json_len = strnlen(in->buf, size);
	/* Each later segment is one KEY=VALUE, taken as `l2sim run --set` takes it. */
	for (size_t at = in->json_len + 1; at < size && in->nov < FUZZ_MAX_OVERRIDES;) {
		const char *seg = in->buf + at;
		size_t n = strnlen(seg, size - at);
		const char *eq = memchr(seg, '=', n);
		if (eq && eq != seg) {
			char *key = malloc((size_t)(eq - seg) + 1);
			FUZZ_ASSERT(key);
			memcpy(key, seg, (size_t)(eq - seg));
			key[eq - seg] = '\0';
			in->keys[in->nov] = key;
			in->ov[in->nov].key = key;
			in->ov[in->nov++].value = eq + 1;
		}
		at += n + 1;
	}
}

static void fuzz_input_free(struct fuzz_input *in)
{
	for (size_t i = 0; i < in->nov; i++)
		free(in->keys[i]);
	free(in->buf);
}

/* What the runner and the reports assume of a scenario the loader accepted. */
static void fuzz_check_scenario(const struct scenario *s)
{
	FUZZ_ASSERT(s->name && s->description && s->file);
	FUZZ_ASSERT(s->nparties >= 1 && s->parties);
	for (uint32_t i = 0; i < s->nparties; i++) {
		FUZZ_ASSERT(s->parties[i].name);
		FUZZ_ASSERT(scn_party_index(s, s->parties[i].name) == i);
	}
	/* Explicit and generated channels alike, through the accessors. */
	for (uint32_t i = 0; i < s->nchannels; i++) {
		char buf[SCN_ID_LEN];
		const char *id = scn_channel_id(s, i, buf);
		uint32_t np = scn_channel_nparties(s, i);
		const uint32_t *parties = scn_channel_parties(s, i);
		FUZZ_ASSERT(id && scn_channel_index(s, id) == i);
		FUZZ_ASSERT(np >= 2 && parties && scn_channel_deposits(s, i));
		for (uint32_t k = 0; k < np; k++) {
			FUZZ_ASSERT(parties[k] < s->nparties);
			for (uint32_t m = 0; m < k; m++)
				FUZZ_ASSERT(parties[m] != parties[k]);
		}
	}
	for (uint32_t i = 0; i < s->nscript; i++) {
		const struct scn_action *a = &s->script[i];
		switch (a->kind) {
		case SCN_PAY:
			FUZZ_ASSERT(a->to < s->nparties && a->count >= 1 && a->amount.units >= 1);
			/* fall through */
		case SCN_DEPOSIT:
		case SCN_CLOSE:
			FUZZ_ASSERT(a->party < s->nparties);
			/* fall through */
		case SCN_OPEN:
			FUZZ_ASSERT(a->channel < s->nchannels);
			break;
		case SCN_SEND:
			FUZZ_ASSERT(a->party < s->nparties && a->to < s->nparties && a->count >= 1 && a->amount.units >= 1);
			break;
		case SCN_FLOOD:
			FUZZ_ASSERT(a->count >= 1 && a->blocks >= 1);
			/* fall through */
		case SCN_OFFLINE:
		case SCN_ONLINE:
		case SCN_WATCHTOWER:
			FUZZ_ASSERT(a->party < s->nparties);
			break;
		case SCN_TRANSFER:
			FUZZ_ASSERT(a->party < s->nparties && a->to < s->nparties && a->count >= 1 && a->amount.units >= 1);
			break;
		case SCN_ROLLUP_PAY:
			FUZZ_ASSERT(a->to < s->nparties && a->count >= 1);
			/* fall through */
		case SCN_ROLLUP_DEPOSIT:
		case SCN_ROLLUP_WITHDRAW:
			FUZZ_ASSERT(a->party < s->nparties);
			/* fall through */
		case SCN_ROLLUP_FRAUD:
			FUZZ_ASSERT(a->scheme < s->nrollups && a->amount.units >= 1);
			break;
		case SCN_SIDE_PAY:
			FUZZ_ASSERT(a->to < s->nparties && a->count >= 1);
			/* fall through */
		case SCN_PEG_IN:
		case SCN_PEG_OUT:
			FUZZ_ASSERT(a->party < s->nparties && a->scheme < s->nsidechains && a->amount.units >= 1);
			break;
		case SCN_FEDERATION_STEAL:
			FUZZ_ASSERT(a->scheme < s->nsidechains && a->amount.units >= 1 && a->nby >= 1 && a->by &&
				    a->party == a->by[0]);
			for (uint32_t k = 0; k < a->nby; k++)
				FUZZ_ASSERT(a->by[k] < s->nparties);
			break;
		default:
			FUZZ_ASSERT(!"unknown action kind");
		}
	}
	for (uint32_t i = 0; i < s->nrollups; i++) {
		const struct scn_rollup *r = &s->rollups[i];
		FUZZ_ASSERT(r->id && scn_rollup_index(s, r->id) == i);
		FUZZ_ASSERT(r->operator_party < s->nparties && r->batch_every_blocks >= 1 && r->batch_max_txs >= 1);
		for (uint32_t k = 0; k < r->nverifiers; k++)
			FUZZ_ASSERT(r->verifiers[k] < s->nparties && r->verifiers[k] != r->operator_party);
	}
	for (uint32_t i = 0; i < s->nsidechains; i++) {
		const struct scn_sidechain *sc = &s->sidechains[i];
		FUZZ_ASSERT(sc->id && scn_sidechain_index(s, sc->id) == i);
		FUZZ_ASSERT(sc->nfederation >= 1 && sc->federation);
		FUZZ_ASSERT(sc->threshold >= 1 && sc->threshold <= sc->nfederation);
		FUZZ_ASSERT(sc->block_interval_ms >= 1 && sc->block_tx_limit >= 1);
		FUZZ_ASSERT(sc->confirmations >= 1 && sc->pegin_confirmations >= 1);
		for (uint32_t k = 0; k < sc->nfederation; k++) {
			FUZZ_ASSERT(sc->federation[k] < s->nparties);
			for (uint32_t m = 0; m < k; m++)
				FUZZ_ASSERT(sc->federation[m] != sc->federation[k]);
		}
	}
	for (uint32_t i = 0; i < s->nworkload; i++) {
		const struct scn_workload *w = &s->workload[i];
		FUZZ_ASSERT(w->kind == SCN_WL_TRACE || w->rate_per_s > 0);
		FUZZ_ASSERT(w->from_block <= w->to_block);
		FUZZ_ASSERT(w->min.units >= 1 && w->min.units <= w->max.units);
		FUZZ_ASSERT(w->via != SCN_VIA_CHANNELS || w->all_channels || (w->nchannels >= 1 && w->channels));
		for (uint32_t k = 0; !w->all_channels && k < w->nchannels; k++)
			FUZZ_ASSERT(w->channels[k] < s->nchannels);
	}
	for (uint32_t i = 0; i < s->expect.nbalances; i++)
		FUZZ_ASSERT(s->expect.balance_party[i] < s->nparties);
	for (uint32_t i = 0; i < s->expect.nchannels; i++) {
		const struct scn_expect_channel *ec = &s->expect.channels[i];
		FUZZ_ASSERT(ec->channel < s->nchannels);
		for (uint32_t k = 0; k < ec->npayouts; k++)
			FUZZ_ASSERT(ec->payout_party[k] < s->nparties);
	}
}

/* Loads text with overrides; checks that a refusal names at least one problem, each
 * naming the file (or the --set), and that an acceptance satisfies the invariants. */
static struct scenario *fuzz_load(const char *json, size_t len, const struct scn_override *ov, size_t nov)
{
	struct scn_errors errs = { 0 };
	struct scenario *s = scn_load_buffer("fuzz.json", json, len, ov, nov, &errs);
	if (s) {
		FUZZ_ASSERT(errs.n == 0);
		fuzz_check_scenario(s);
	} else {
		FUZZ_ASSERT(errs.n > 0);
		for (size_t i = 0; i < errs.n; i++) {
			FUZZ_ASSERT(strncmp(errs.lines[i], "fuzz.json: ", 11) == 0 ||
				    strncmp(errs.lines[i], "--set ", 6) == 0);
			/* each line says where it comes from, and echoes nothing raw */
			FUZZ_ASSERT(errs.origin[i].override == SCN_FROM_FILE || errs.origin[i].override < nov);
			FUZZ_ASSERT(errs.origin[i].msg <= strlen(errs.lines[i]));
			for (const unsigned char *c = (const unsigned char *)errs.lines[i]; *c; c++)
				FUZZ_ASSERT(*c >= 0x20 && *c != 0x7f);
		}
	}
	scn_errors_free(&errs);
	return s;
}

#endif
