/* The loader's `rollups` section (SPEC section 11, tools/scn_rollup.c): defaults, the
 * refusals that are the section's own, and ids shared with sidechains. */
#include "loader_harness.h"

#define HEAD "{\"format\":\"l2sim/1\",\"name\":\"t\",\"parties\":[{\"name\":\"op\",\"balance\":1000}," \
	     "{\"name\":\"ann\",\"balance\":10},{\"name\":\"bob\"}],"

Test(scn_rollup, defaults)
{
	struct scenario *s = load_ok(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\"}]}");
	cr_assert_eq(s->nrollups, 1);
	const struct scn_rollup *r = &s->rollups[0];
	cr_assert_str_eq(r->id, "r");
	cr_assert_eq(r->kind, SCN_ROLLUP_OPTIMISTIC);
	cr_assert_eq(r->operator_party, 0);
	cr_assert_eq(r->bond.units, 0);
	cr_assert_eq(r->batch_every_blocks, 1);
	cr_assert_eq(r->batch_max_txs, 1000);
	cr_assert_eq(r->batch_base_bytes, 200);
	cr_assert_eq(r->bytes_per_tx, 12);
	cr_assert_eq(r->challenge_blocks, 20);
	cr_assert_eq(r->prove_blocks, 1);
	cr_assert_eq(r->proof_bytes, 300);
	cr_assert_eq(r->nverifiers, 0);
	cr_assert_eq(scn_rollup_index(s, "r"), 0);
	cr_assert_str_eq(scn_scheme_id(s, scn_scheme_rollup(0)), "r");
	scn_free(s);
}

Test(scn_rollup, every_key)
{
	struct scenario *s = load_ok(HEAD "\"rollups\":[{\"id\":\"o\",\"kind\":\"optimistic\",\"operator\":\"op\","
				     "\"bond\":600,\"batch_every_blocks\":3,\"batch_max_txs\":7,\"batch_base_bytes\":100,"
				     "\"bytes_per_tx\":16,\"challenge_blocks\":0,\"verifiers\":[\"bob\",\"ann\"]},"
				     "{\"id\":\"v\",\"kind\":\"validity\",\"operator\":\"ann\",\"bond\":\"10\","
				     "\"prove_blocks\":0,\"proof_bytes\":500}]}");
	cr_assert_eq(s->nrollups, 2);
	cr_assert_eq(s->rollups[0].bond.units, 600);
	cr_assert_eq(s->rollups[0].batch_every_blocks, 3);
	cr_assert_eq(s->rollups[0].batch_max_txs, 7);
	cr_assert_eq(s->rollups[0].batch_base_bytes, 100);
	cr_assert_eq(s->rollups[0].bytes_per_tx, 16);
	cr_assert_eq(s->rollups[0].challenge_blocks, 0);
	cr_assert_eq(s->rollups[0].nverifiers, 2);
	cr_assert_eq(s->rollups[0].verifiers[0], 2);
	cr_assert_eq(s->rollups[0].verifiers[1], 1);
	cr_assert_eq(s->rollups[1].kind, SCN_ROLLUP_VALIDITY);
	cr_assert_eq(s->rollups[1].operator_party, 1);
	cr_assert_eq(s->rollups[1].prove_blocks, 0);
	cr_assert_eq(s->rollups[1].proof_bytes, 500);
	cr_assert_eq(scn_rollup_index(s, "v"), 1);
	scn_free(s);
}

Test(scn_rollup, refusals)
{
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\",\"verifiers\":[\"op\"]}]}",
		"rollups[0].verifiers[0]: the operator cannot be one of its rollup's verifiers");
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\",\"bond\":1001}]}",
		"rollups[0].bond: the operator's bonds (1001 with the ones before) exceed its balance (1000)");
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\",\"bond\":600},"
		"{\"id\":\"s\",\"kind\":\"validity\",\"operator\":\"op\",\"bond\":600}]}",
		"rollups[1].bond: the operator's bonds (1200 with the ones before) exceed its balance (1000)");
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"zed\"}]}",
		"rollups[0].operator");
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\"},"
		"{\"id\":\"r\",\"kind\":\"validity\",\"operator\":\"op\"}]}",
		"rollups[1].id: id \"r\" is used twice");
	refused(HEAD "\"rollups\":[{\"id\":\"l1\",\"kind\":\"optimistic\",\"operator\":\"op\"}]}",
		"rollups[0].id: id \"l1\" is reserved");
	refused(HEAD "\"rollups\":[{\"id\":\"channels\",\"kind\":\"optimistic\",\"operator\":\"op\"}]}",
		"id \"channels\" is reserved");
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"validity\",\"operator\":\"op\",\"verifiers\":[\"ann\"]}]}",
		"verifiers is only for an optimistic rollup");
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"validity\",\"operator\":\"op\",\"challenge_blocks\":3}]}",
		"challenge_blocks is only for an optimistic rollup");
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\",\"prove_blocks\":3}]}",
		"prove_blocks is only for a validity rollup");
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\",\"proof_bytes\":3}]}",
		"proof_bytes is only for a validity rollup");
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"zk\",\"operator\":\"op\"}]}", "rollups[0].kind");
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"operator\":\"op\"}]}", "kind");
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\",\"batch_every_blocks\":0}]}",
		"rollups[0].batch_every_blocks");
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\",\"batch_max_txs\":0}]}",
		"rollups[0].batch_max_txs");
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\",\"verifiers\":[\"ann\",\"ann\"]}]}",
		"verifier \"ann\" is listed twice");
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\",\"colour\":1}]}",
		"rollups[0]");
	refused(HEAD "\"rollups\":{}}", "rollups: must be an array of rollups");
	refused(HEAD "\"rollups\":[{\"id\":\"bad id\",\"kind\":\"optimistic\",\"operator\":\"op\"}]}",
		"id must match");
}

Test(scn_rollup, a_batch_must_fit_in_block_bytes)
{
	refused("{\"format\":\"l2sim/1\",\"name\":\"t\",\"l1\":{\"block_bytes\":500},\"parties\":[{\"name\":\"op\"}],"
		"\"rollups\":[{\"id\":\"r\",\"kind\":\"validity\",\"operator\":\"op\"}]}",
		"rollups[0]: a batch of one payment takes 512 bytes, more than l1.block_bytes (500)");
}

/* A rollups[] entry that is not an object has no id: a later lookup by id (an action,
 * a via, an expectation) compared against it and crashed (NULL id). */
Test(scn_rollup, a_non_object_entry_is_refused_without_a_crash)
{
	refused(HEAD "\"rollups\":[5],\"script\":[{\"at\":0,\"action\":\"rollup_pay\",\"rollup\":\"r\","
		"\"from\":\"ann\",\"to\":\"bob\",\"amount\":1}]}",
		"rollups[0]: must be an object (got a number)");
	refused(HEAD "\"rollups\":[\"r\"],\"workload\":[{\"kind\":\"poisson\",\"rate_per_s\":1,\"via\":\"r\","
		"\"parties\":\"all\",\"from_block\":0,\"to_block\":1,\"amount\":{\"min\":1,\"max\":1}}]}",
		"workload[0].via: must be \"channels\", \"l1\", or the id of a rollup or a sidechain (got \"r\")");
	refused(HEAD "\"rollups\":[null],\"expect\":{\"rollups\":{\"r\":{}}}}", "expect.rollups.r: no rollup with id");
}

/* Without l1.block_bytes nothing bounds a batch but batch_max_txs: one larger than
 * 2^32-1 bytes was counted as 2^32-1 (l1_bytes and gain_bytes silently wrong). */
Test(scn_rollup, a_batch_beyond_2_32_bytes_is_refused)
{
	refused(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\",\"bytes_per_tx\":1000000,"
		"\"batch_max_txs\":5000}]}",
		"rollups[0]: a batch of batch_max_txs (5000) payments would take 5000000200 bytes, more than 4294967295");
	struct scenario *s = load_ok(HEAD "\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\","
				     "\"bytes_per_tx\":1000000,\"batch_max_txs\":4294}]}");
	scn_free(s);
	s = load_ok("{\"format\":\"l2sim/1\",\"name\":\"t\",\"l1\":{\"block_bytes\":1000000000},"
		    "\"parties\":[{\"name\":\"op\"}],\"rollups\":[{\"id\":\"r\",\"kind\":\"optimistic\",\"operator\":\"op\","
		    "\"bytes_per_tx\":1000000,\"batch_max_txs\":5000}]}");
	scn_free(s); /* block_bytes bounds every cut */
}
