/* The sidechains[] section (tools/scn_sidechain.c, SPEC section 11): defaults, ranges,
 * members, ids, and every refusal with its line. */
#include "loader_harness.h"

#include <stdio.h>
#include <stdlib.h>

#define HEAD                                                                                               \
	"{\"format\":\"l2sim/1\",\"name\":\"s\",\"parties\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}," \
	"{\"name\":\"d\"}],\"sidechains\":"

/* HEAD + sidechains + "}" */
static char *doc(const char *sidechains)
{
	size_t n = strlen(HEAD) + strlen(sidechains) + 2;
	char *t = malloc(n);
	snprintf(t, n, "%s%s}", HEAD, sidechains);
	return t;
}

static void refused_sc(const char *sidechains, const char *want)
{
	char *t = doc(sidechains);
	refused(t, want);
	free(t);
}

static struct scenario *ok_sc(const char *sidechains)
{
	char *t = doc(sidechains);
	struct scenario *s = load_ok(t);
	free(t);
	return s;
}

Test(loader_sidechain, defaults_of_spec_section_11)
{
	struct scenario *s = ok_sc("[{\"id\":\"liquid\",\"federation\":[\"c\",\"a\",\"b\"],\"threshold\":2}]");
	cr_assert_eq(s->nsidechains, 1);
	const struct scn_sidechain *sc = &s->sidechains[0];
	cr_assert_str_eq(sc->id, "liquid");
	cr_assert_eq(sc->nfederation, 3);
	cr_assert_eq(sc->federation[0], 2, "federation order is the file's");
	cr_assert_eq(sc->federation[1], 0);
	cr_assert_eq(sc->threshold, 2);
	cr_assert_eq(sc->block_interval_ms, 60000);
	cr_assert_eq(sc->block_tx_limit, 10000);
	cr_assert_eq(sc->confirmations, 2);
	cr_assert_eq(sc->pegin_confirmations, 100);
	cr_assert_eq(scn_sidechain_index(s, "liquid"), 0);
	cr_assert_eq(scn_sidechain_index(s, "other"), SCN_NONE);
	cr_assert_str_eq(scn_scheme_id(s, scn_scheme_sidechain(s, 0)), "liquid");
	cr_assert_not_null(s->schemes_feature, "a sidechain is a section-11 feature");
	cr_assert_str_eq(s->schemes_feature, "sidechains");
	scn_free(s);
}

Test(loader_sidechain, every_key_set)
{
	struct scenario *s = ok_sc("[{\"id\":\"x\",\"federation\":[\"a\"],\"threshold\":1,\"block_interval_s\":0.5,"
				   "\"block_tx_limit\":7,\"confirmations\":1,\"pegin_confirmations\":102},"
				   "{\"id\":\"y\",\"federation\":[\"a\",\"b\",\"c\",\"d\"],\"threshold\":4}]");
	cr_assert_eq(s->nsidechains, 2);
	cr_assert_eq(s->sidechains[0].block_interval_ms, 500);
	cr_assert_eq(s->sidechains[0].block_tx_limit, 7);
	cr_assert_eq(s->sidechains[0].confirmations, 1);
	cr_assert_eq(s->sidechains[0].pegin_confirmations, 102);
	cr_assert_eq(s->sidechains[1].threshold, 4);
	cr_assert_eq(scn_sidechain_index(s, "y"), 1);
	scn_free(s);
}

Test(loader_sidechain, an_empty_array_is_no_sidechain)
{
	struct scenario *s = ok_sc("[]");
	cr_assert_eq(s->nsidechains, 0);
	cr_assert_str_eq(s->schemes_feature, "sidechains", "the key alone is a section-11 feature");
	scn_free(s);
}

Test(loader_sidechain, required_keys)
{
	refused_sc("[{\"federation\":[\"a\"],\"threshold\":1}]", "sidechains[0].id: required key is missing");
	refused_sc("[{\"id\":\"x\",\"threshold\":1}]", "sidechains[0].federation: required key is missing");
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\"]}]", "sidechains[0].threshold: required key is missing");
}

Test(loader_sidechain, threshold_between_one_and_the_federations_size)
{
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\",\"b\"],\"threshold\":0}]", "sidechains[0].threshold");
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\",\"b\"],\"threshold\":3}]",
		   "sidechains[0].threshold: must be at most the federation's size, 2 (got 3)");
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\",\"b\"],\"threshold\":1.5}]", "sidechains[0].threshold");
}

Test(loader_sidechain, members_are_distinct_parties)
{
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\",\"zed\"],\"threshold\":1}]",
		   "sidechains[0].federation[1]: no party named \"zed\"");
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\",\"b\",\"a\"],\"threshold\":1}]",
		   "sidechains[0].federation[2]: party \"a\" is listed twice");
	refused_sc("[{\"id\":\"x\",\"federation\":[],\"threshold\":1}]",
		   "sidechains[0].federation: must be a non-empty array of party names");
	refused_sc("[{\"id\":\"x\",\"federation\":\"a\",\"threshold\":1}]",
		   "sidechains[0].federation: must be a non-empty array of party names (got a string)");
	refused_sc("[{\"id\":\"x\",\"federation\":[3],\"threshold\":1}]", "sidechains[0].federation[0]");
}

Test(loader_sidechain, ids_are_names_unique_and_not_reserved)
{
	refused_sc("[{\"id\":\"l1\",\"federation\":[\"a\"],\"threshold\":1}]", "id \"l1\" is reserved");
	refused_sc("[{\"id\":\"channels\",\"federation\":[\"a\"],\"threshold\":1}]", "id \"channels\" is reserved");
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\"],\"threshold\":1},{\"id\":\"x\",\"federation\":[\"b\"],"
		   "\"threshold\":1}]",
		   "sidechains[1].id: id \"x\" is used twice");
	refused_sc("[{\"id\":\"a b\",\"federation\":[\"a\"],\"threshold\":1}]", "sidechains[0].id: id must match");
	refused_sc("[{\"id\":7,\"federation\":[\"a\"],\"threshold\":1}]", "sidechains[0].id");
}

Test(loader_sidechain, intervals_on_the_millisecond_grid)
{
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\"],\"threshold\":1,\"block_interval_s\":0}]",
		   "sidechains[0].block_interval_s");
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\"],\"threshold\":1,\"block_interval_s\":0.0004}]",
		   "must be at least 0.001");
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\"],\"threshold\":1,\"block_interval_s\":1.0005}]",
		   "must be a whole number of milliseconds");
}

Test(loader_sidechain, counts_in_range)
{
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\"],\"threshold\":1,\"block_tx_limit\":0}]",
		   "sidechains[0].block_tx_limit");
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\"],\"threshold\":1,\"confirmations\":0}]",
		   "sidechains[0].confirmations");
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\"],\"threshold\":1,\"pegin_confirmations\":0}]",
		   "sidechains[0].pegin_confirmations");
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\"],\"threshold\":1,\"confirmations\":-1}]",
		   "sidechains[0].confirmations");
}

Test(loader_sidechain, shape_and_unknown_keys)
{
	refused_sc("{}", "sidechains: must be an array of sidechains (got an object)");
	refused_sc("[7]", "sidechains[0]: must be an object (got a number)");
	refused_sc("[{\"id\":\"x\",\"federation\":[\"a\"],\"threshold\":1,\"treshold\":1}]", "treshold");
}

Test(loader_sidechain, at_most_256_sidechains)
{
	size_t cap = 300 * 64 + 64;
	char *arr = malloc(cap), *p = arr;
	*p++ = '[';
	for (int i = 0; i < 257; i++)
		p += snprintf(p, cap - (size_t)(p - arr), "%s{\"id\":\"s%d\",\"federation\":[\"a\"],\"threshold\":1}",
			      i ? "," : "", i);
	snprintf(p, cap - (size_t)(p - arr), "]");
	refused_sc(arr, "sidechains");
	free(arr);
}

/* l1.block_bytes must hold the largest peg release: 250 + 64 x threshold (checked
 * across sections by scn_schemes.c once l1 and sidechains are loaded). */
#define BB_FMT                                                                                               \
	"{\"format\":\"l2sim/1\",\"name\":\"s\",\"l1\":{\"block_bytes\":%d},\"parties\":[{\"name\":\"a\"},"        \
	"{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"d\"}],\"sidechains\":[{\"id\":\"x\",\"federation\":"       \
	"[\"a\",\"b\",\"c\",\"d\"],\"threshold\":4}]}"
Test(loader_sidechain, block_bytes_hold_the_largest_release)
{
	char text[512];
	snprintf(text, sizeof(text), BB_FMT, 505);
	refused(text, "l1.block_bytes: must be at least 506");
	snprintf(text, sizeof(text), BB_FMT, 506);
	scn_free(load_ok(text));
}
