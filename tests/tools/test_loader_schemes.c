/* The loader's SPEC section 11 common part (issue 15): the nine actions, a workload's
 * via and parties, l1.block_bytes, expect.schemes/rollups/sidechains, schemes_feature
 * and the refusals that are not rollups[]'s or sidechains[]'s own. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <string.h>

#include "tools/scenario.h"
#include "tests/tools/loader_harness.h"

#define HEAD "{\"format\": \"l2sim/1\", \"name\": \"t\", "
#define AB "\"parties\": [{\"name\": \"a\", \"balance\": 1000}, {\"name\": \"b\"}, {\"name\": \"c\"}]"
#define ABCH AB ", \"channels\": [{\"id\": \"ab\", \"parties\": [\"a\", \"b\"], \"deposit\": {\"a\": 10}}]"
#define SCRIPT(x) HEAD AB ", \"script\": [" x "]}"
#define WL(x) HEAD ABCH ", \"workload\": [{\"kind\": \"poisson\", \"rate_per_s\": 0.01, \"from_block\": 1, " \
		"\"to_block\": 3, \"amount\": {\"min\": 1, \"max\": 5}, " x "}]}"

/* ---- no section 11: nothing changes ---- */

Test(scn_schemes, a_plain_scenario_uses_none_of_section_11)
{
	struct scenario *s = load_ok(HEAD ABCH ", \"script\": [{\"at\": 1, \"action\": \"pay\", \"channel\": \"ab\", "
				     "\"from\": \"a\", \"to\": \"b\", \"amount\": 1}]}");
	cr_expect_null(s->schemes_feature);
	cr_expect_eq(s->l1.block_bytes, 0, "no limit by default");
	cr_expect_eq(s->script[0].scheme, SCN_NONE);
	cr_expect_eq(scn_nschemes(s), 2);
	cr_expect_str_eq(scn_scheme_id(s, SCN_SCHEME_L1), "l1");
	cr_expect_str_eq(scn_scheme_id(s, SCN_SCHEME_CHANNELS), "channels");
	scn_free(s);
}

/* ---- l1.block_bytes ---- */

Test(scn_schemes, block_bytes_range_and_feature)
{
	struct scenario *s = load_ok(HEAD AB ", \"l1\": {\"block_bytes\": 500}}");
	cr_expect_eq(s->l1.block_bytes, 500);
	cr_expect_str_eq(s->schemes_feature, "l1.block_bytes");
	scn_free(s);
	refused(HEAD AB ", \"l1\": {\"block_bytes\": 499}}", "l1.block_bytes: must be between 500 and 1000000000");
	refused(HEAD AB ", \"l1\": {\"block_bytes\": 0}}", "l1.block_bytes: must be between 500 and 1000000000");
	refused(HEAD AB ", \"l1\": {\"block_bytes\": \"big\"}}", "l1.block_bytes");
	s = load_ok(HEAD AB ", \"l1\": {\"block_bytes\": null}}");
	cr_expect_eq(s->l1.block_bytes, 0, "null: no limit, as without the key");
	scn_free(s);
}

/* ---- transfer ---- */

Test(scn_schemes, transfer_loads_with_its_defaults)
{
	struct scenario *s = load_ok(SCRIPT("{\"at\": 2, \"action\": \"transfer\", \"from\": \"a\", \"to\": \"b\", "
					    "\"amount\": 7}, {\"at\": 3, \"action\": \"transfer\", \"from\": \"b\", "
					    "\"to\": \"c\", \"amount\": 1, \"count\": 4}"));
	const struct scn_action *a = &s->script[0];
	cr_expect_eq(a->kind, SCN_TRANSFER);
	cr_expect_eq(a->at, 2);
	cr_expect_eq(a->party, 0);
	cr_expect_eq(a->to, 1);
	cr_expect_eq(a->amount.units, 7);
	cr_expect_eq(a->count, 1, "count defaults to 1");
	cr_expect_eq(a->scheme, SCN_NONE);
	cr_expect_eq(s->script[1].count, 4);
	cr_expect_str_eq(s->schemes_feature, "script[0].action");
	cr_expect_str_eq(scn_action_str(SCN_TRANSFER), "transfer");
	scn_free(s);
}

Test(scn_schemes, transfer_refusals)
{
	refused(SCRIPT("{\"at\": 1, \"action\": \"transfer\", \"from\": \"a\", \"to\": \"b\", \"amount\": 0}"),
		"script[0].amount: an amount of transfer must be at least 1");
	refused(SCRIPT("{\"at\": 1, \"action\": \"transfer\", \"from\": \"a\", \"amount\": 3}"),
		"script[0].to: required key is missing");
	refused(SCRIPT("{\"at\": 1, \"action\": \"transfer\", \"from\": \"a\", \"to\": \"b\", \"amount\": 3, "
		       "\"channel\": \"ab\"}"),
		"script[0].channel");
	refused(SCRIPT("{\"at\": 1, \"action\": \"transfer\", \"from\": \"a\", \"to\": \"zed\", \"amount\": 3}"),
		"script[0].to");
	refused(SCRIPT("{\"at\": 1, \"action\": \"transfer\", \"from\": \"a\", \"to\": \"b\", \"amount\": 3, "
		       "\"count\": 0}"),
		"script[0].count");
	refused(SCRIPT("{\"at\": 1, \"action\": \"transfer\", \"from\": \"a\", \"to\": \"b\", \"amount\": 3, "
		       "\"count\": 1000001}"),
		"at most 1000000 payments per transfer action");
}

Test(scn_schemes, transfer_from_to_the_same_party_is_a_run_time_failure)
{
	/* SPEC: every action of the section fails (a failed payment) when from = to. */
	struct scenario *s = load_ok(SCRIPT("{\"at\": 1, \"action\": \"transfer\", \"from\": \"a\", \"to\": \"a\", "
					    "\"amount\": 3}"));
	cr_expect_eq(s->script[0].party, s->script[0].to);
	scn_free(s);
}

/* ---- the rollup and sidechain actions: references and keys ---- */

Test(scn_schemes, scheme_actions_name_an_existing_scheme)
{
	refused(SCRIPT("{\"at\": 1, \"action\": \"rollup_pay\", \"rollup\": \"r1\", \"from\": \"a\", \"to\": \"b\", "
		       "\"amount\": 1}"),
		"script[0].rollup: no rollup with id \"r1\"");
	refused(SCRIPT("{\"at\": 1, \"action\": \"rollup_deposit\", \"rollup\": \"r1\", \"party\": \"a\", \"amount\": 1}"),
		"no rollup with id \"r1\"");
	refused(SCRIPT("{\"at\": 1, \"action\": \"rollup_withdraw\", \"rollup\": \"r1\", \"party\": \"a\", \"amount\": 1}"),
		"no rollup with id \"r1\"");
	refused(SCRIPT("{\"at\": 1, \"action\": \"rollup_fraud\", \"rollup\": \"r1\", \"amount\": 1}"),
		"no rollup with id \"r1\"");
	refused(SCRIPT("{\"at\": 1, \"action\": \"peg_in\", \"sidechain\": \"s1\", \"party\": \"a\", \"amount\": 1}"),
		"script[0].sidechain: no sidechain with id \"s1\"");
	refused(SCRIPT("{\"at\": 1, \"action\": \"side_pay\", \"sidechain\": \"s1\", \"from\": \"a\", \"to\": \"b\", "
		       "\"amount\": 1}"),
		"no sidechain with id \"s1\"");
	refused(SCRIPT("{\"at\": 1, \"action\": \"peg_out\", \"sidechain\": \"s1\", \"party\": \"a\", \"amount\": 1}"),
		"no sidechain with id \"s1\"");
	refused(SCRIPT("{\"at\": 1, \"action\": \"federation_steal\", \"sidechain\": \"s1\", \"by\": [\"a\"], "
		       "\"amount\": 1}"),
		"no sidechain with id \"s1\"");
	refused(SCRIPT("{\"at\": 1, \"action\": \"rollup_pay\", \"from\": \"a\", \"to\": \"b\", \"amount\": 1}"),
		"script[0].rollup: required key is missing");
	refused(SCRIPT("{\"at\": 1, \"action\": \"rollup_fraud\", \"rollup\": \"r1\", \"amount\": 1, \"party\": \"a\"}"),
		"script[0].party");
	refused(SCRIPT("{\"at\": 1, \"action\": \"peg_in\", \"rollup\": \"r1\", \"party\": \"a\", \"amount\": 1}"),
		"script[0].rollup");
}

Test(scn_schemes, federation_steal_by)
{
	refused(SCRIPT("{\"at\": 1, \"action\": \"federation_steal\", \"sidechain\": \"s1\", \"by\": [], \"amount\": 1}"),
		"script[0].by: must be a non-empty array of party names");
	refused(SCRIPT("{\"at\": 1, \"action\": \"federation_steal\", \"sidechain\": \"s1\", \"by\": [\"a\", \"a\"], "
		       "\"amount\": 1}"),
		"script[0].by[1]: party \"a\" is listed twice");
	refused(SCRIPT("{\"at\": 1, \"action\": \"federation_steal\", \"sidechain\": \"s1\", \"by\": \"a\", \"amount\": 1}"),
		"script[0].by: must be a non-empty array");
}

/* ---- a workload's via ---- */

Test(scn_schemes, via_l1_with_parties)
{
	struct scenario *s = load_ok(WL("\"via\": \"l1\", \"parties\": [\"a\", \"c\"]"));
	const struct scn_workload *w = &s->workload[0];
	cr_expect_eq(w->via, SCN_VIA_L1);
	cr_expect(!w->routed);
	cr_expect_eq(w->nparties, 2);
	cr_expect_eq(w->parties[0], 0);
	cr_expect_eq(w->parties[1], 2);
	cr_expect_str_eq(s->schemes_feature, "workload[0].via");
	cr_expect_str_eq(scn_via_str(w->via), "l1");
	scn_free(s);
	s = load_ok(WL("\"via\": \"l1\", \"parties\": \"all\""));
	cr_expect(s->workload[0].all_parties);
	scn_free(s);
}

Test(scn_schemes, via_channels_is_the_default)
{
	struct scenario *s = load_ok(WL("\"channels\": \"all\""));
	cr_expect_eq(s->workload[0].via, SCN_VIA_CHANNELS);
	cr_expect_null(s->schemes_feature);
	scn_free(s);
	s = load_ok(WL("\"via\": \"channels\", \"channels\": [\"ab\"]"));
	cr_expect_eq(s->workload[0].via, SCN_VIA_CHANNELS);
	cr_expect_eq(s->workload[0].nchannels, 1);
	cr_expect_str_eq(s->schemes_feature, "workload[0].via", "naming via is a section-11 feature");
	scn_free(s);
}

Test(scn_schemes, via_with_both_keys_so_that_one_set_switches_schemes)
{
	/* --set workload.0.via=l1 on a file that names channels and parties */
	const char *text = WL("\"via\": \"channels\", \"channels\": \"all\", \"parties\": \"all\"");
	struct scn_override ov = { "workload.0.via", "l1" };
	struct scn_errors e = { 0 };
	struct scenario *s = scn_load_buffer("t.json", text, strlen(text), &ov, 1, &e);
	cr_assert_not_null(s, "%s", e.n ? e.lines[0] : "");
	cr_expect_eq(s->workload[0].via, SCN_VIA_L1);
	cr_expect(s->workload[0].all_parties);
	scn_free(s);
	scn_errors_free(&e);
}

Test(scn_schemes, via_refusals)
{
	refused(WL("\"via\": \"l1\", \"routed\": true, \"parties\": \"all\""),
		"workload[0].via: a workload names either \"routed\" or \"via\", not both");
	refused(WL("\"via\": \"l1\", \"channels\": \"all\""), "workload[0].parties: required key is missing");
	refused(WL("\"via\": \"l1\", \"parties\": [\"a\"]"), "workload[0].parties: must be \"all\" or an array of at least two");
	refused(WL("\"via\": \"l1\", \"parties\": [\"a\", \"a\"]"), "party \"a\" is listed twice");
	refused(WL("\"via\": \"r9\", \"parties\": \"all\""),
		"workload[0].via: must be \"channels\", \"l1\", or the id of a rollup or a sidechain (got \"r9\")");
	refused(WL("\"via\": 3, \"parties\": \"all\""), "workload[0].via");
	refused(WL("\"channels\": \"all\", \"parties\": \"all\""), "parties applies to routed workloads");
	refused(HEAD "\"parties\": [{\"name\": \"a\"}], \"workload\": [{\"kind\": \"poisson\", \"rate_per_s\": 1, "
		     "\"from_block\": 1, \"to_block\": 2, \"amount\": {\"min\": 1, \"max\": 1}, \"via\": \"l1\", "
		     "\"parties\": \"all\"}]}",
		"a via workload needs at least two parties (the scenario has 1)");
}

/* ---- expect ---- */

Test(scn_schemes, expect_schemes_fields)
{
	struct scenario *s = load_ok(HEAD ABCH ", \"expect\": {\"schemes\": {\"l1\": {\"kind\": \"l1\", "
				     "\"payments_ok\": 3, \"payments_failed\": 1, \"payments_final\": 3, \"l1_txs\": 3, "
				     "\"l1_bytes\": 330, \"soft_ms\": null, \"final_s\": {\"min\": 600, \"p50\": 1200.5, "
				     "\"p95\": 1800, \"max\": null}, \"gain_txs\": 2, \"gain_bytes\": null, "
				     "\"violations\": 0}, \"channels\": {\"gain_bytes\": 4.230769}}}}");
	const struct scn_expect *e = &s->expect;
	cr_assert_eq(e->nschemes, 2);
	const struct scn_expect_scheme *x = &e->schemes[0];
	cr_expect_eq(x->scheme, SCN_SCHEME_L1);
	cr_expect_str_eq(x->kind.s, "l1");
	cr_expect(x->payments_ok.present && x->payments_ok.u == 3);
	cr_expect_eq(x->payments_failed.u, 1);
	cr_expect_eq(x->payments_final.u, 3);
	cr_expect_eq(x->l1_txs.u, 3);
	cr_expect_eq(x->l1_bytes.u, 330);
	cr_expect_eq(x->violations.u, 0);
	cr_expect(x->violations.present);
	for (int i = 0; i < SCN_PCTS; i++)
		cr_expect(x->soft_ms[i].present && x->soft_ms[i].is_null, "null stands for all four");
	cr_expect(x->final_s[SCN_PCT_P50].present && x->final_s[SCN_PCT_P50].d == 1200.5);
	cr_expect(x->final_s[SCN_PCT_MAX].is_null);
	cr_expect(x->gain_txs.present && x->gain_txs.d == 2);
	cr_expect(x->gain_bytes.is_null);
	cr_expect_eq(e->schemes[1].scheme, SCN_SCHEME_CHANNELS);
	cr_expect(!e->schemes[1].payments_ok.present);
	cr_expect_str_eq(s->schemes_feature, "expect.schemes");
	scn_free(s);
}

Test(scn_schemes, expect_refusals)
{
	refused(HEAD AB ", \"expect\": {\"schemes\": {\"r1\": {}}}}",
		"expect.schemes.r1: no scheme \"r1\" (\"l1\", \"channels\", or a rollup's or sidechain's id)");
	refused(HEAD AB ", \"expect\": {\"schemes\": {\"l1\": {\"payments\": 1}}}}", "expect.schemes.l1.payments");
	refused(HEAD AB ", \"expect\": {\"schemes\": {\"l1\": {\"kind\": \"lightning\"}}}}", "expect.schemes.l1.kind");
	refused(HEAD AB ", \"expect\": {\"schemes\": {\"l1\": {\"final_s\": {\"p99\": 1}}}}}", "expect.schemes.l1.final_s.p99");
	refused(HEAD AB ", \"expect\": {\"schemes\": {\"l1\": {\"final_s\": 3}}}}", "expect.schemes.l1.final_s: must be an object");
	refused(HEAD AB ", \"expect\": {\"schemes\": [1]}}", "expect.schemes: must be an object");
	refused(HEAD AB ", \"expect\": {\"rollups\": {\"r1\": {\"holdings\": 1}}}}", "expect.rollups.r1: no rollup with id \"r1\"");
	refused(HEAD AB ", \"expect\": {\"sidechains\": {\"s1\": {}}}}", "expect.sidechains.s1: no sidechain with id \"s1\"");
	refused(HEAD AB ", \"expect\": {\"rollups\": 1}}", "expect.rollups: must be an object");
}

Test(scn_schemes, empty_expect_sections_load_and_count_as_the_feature)
{
	struct scenario *s = load_ok(HEAD AB ", \"expect\": {\"rollups\": {}, \"sidechains\": {}}}");
	cr_expect_eq(s->expect.nrollups, 0);
	cr_expect_eq(s->expect.nsidechains, 0);
	cr_expect_str_eq(s->schemes_feature, "expect.rollups");
	scn_free(s);
}

/* ---- with rollups[] and sidechains[] (skipped while this build has neither) ---- */

#define RS HEAD "\"parties\": [{\"name\": \"a\", \"balance\": 1000}, {\"name\": \"b\"}, {\"name\": \"c\"}, " \
	"{\"name\": \"d\"}, {\"name\": \"e\"}], " \
	"\"rollups\": [{\"id\": \"r1\", \"kind\": \"optimistic\", \"operator\": \"a\"}], " \
	"\"sidechains\": [{\"id\": \"s1\", \"federation\": [\"a\", \"b\", \"c\", \"d\", \"e\"], \"threshold\": 5}]"

/* text loads, or the test is skipped when this build cannot load rollups[] or
 * sidechains[] yet; NULL with the errors in *e otherwise. */
static struct scenario *load_rs(const char *text, struct scn_errors *e)
{
	struct scenario *s = load(text, e);
	if (!s && has_line(e, "not implemented yet")) {
		scn_errors_free(e);
		cr_skip_test("this build has no rollups[] or sidechains[] yet");
	}
	return s;
}

Test(scn_schemes, scheme_actions_and_via_with_rollups_and_sidechains)
{
	struct scn_errors e = { 0 };
	struct scenario *s = load_rs(RS ", \"script\": [{\"at\": 1, \"action\": \"rollup_pay\", \"rollup\": \"r1\", "
				     "\"from\": \"a\", \"to\": \"b\", \"amount\": 3, \"count\": 2}, "
				     "{\"at\": 2, \"action\": \"federation_steal\", \"sidechain\": \"s1\", "
				     "\"by\": [\"c\", \"b\"], \"amount\": 9}], "
				     "\"workload\": [{\"kind\": \"poisson\", \"rate_per_s\": 0.01, \"from_block\": 1, "
				     "\"to_block\": 3, \"amount\": {\"min\": 1, \"max\": 5}, \"via\": \"s1\", \"parties\": \"all\"}], "
				     "\"expect\": {\"schemes\": {\"r1\": {\"kind\": \"optimistic\"}, \"s1\": {\"violations\": 0}}, "
				     "\"rollups\": {\"r1\": {\"balances\": {\"b\": 6}, \"holdings\": 6}}, "
				     "\"sidechains\": {\"s1\": {\"holdings\": 0}}}}",
				     &e);
	cr_assert_not_null(s, "%s", e.n ? e.lines[0] : "");
	cr_expect_eq(s->script[0].scheme, 0);
	cr_expect_eq(s->script[0].count, 2);
	cr_expect_eq(s->script[1].scheme, 0);
	cr_expect_eq(s->script[1].nby, 2);
	cr_expect_eq(s->script[1].party, 2, "party = by[0]");
	cr_expect_eq(s->workload[0].via, SCN_VIA_SIDECHAIN);
	cr_expect_eq(s->workload[0].via_index, 0);
	cr_expect_eq(s->expect.nschemes, 2);
	cr_expect_eq(s->expect.schemes[0].scheme, scn_scheme_rollup(0));
	cr_expect_eq(s->expect.schemes[1].scheme, scn_scheme_sidechain(s, 0));
	cr_expect_eq(s->expect.nrollups, 1);
	cr_expect_eq(s->expect.rollups[0].h.balance[0].units, 6);
	cr_expect(s->expect.rollups[0].h.holdings.present && s->expect.rollups[0].h.holdings.u == 6);
	cr_expect_eq(s->expect.nsidechains, 1);
	cr_expect_str_eq(s->schemes_feature, "rollups", "the first section-11 feature in load order");
	scn_free(s);
	scn_errors_free(&e);
}

Test(scn_schemes, a_rollup_is_not_a_sidechain)
{
	struct scn_errors e = { 0 };
	struct scenario *s = load_rs(RS ", \"script\": [{\"at\": 1, \"action\": \"peg_in\", \"sidechain\": \"r1\", "
				     "\"party\": \"a\", \"amount\": 1}]}",
				     &e);
	cr_expect_null(s);
	cr_expect(has_line(&e, "script[0].sidechain: \"r1\" is a rollup, not a sidechain"));
	scn_free(s);
	scn_errors_free(&e);
}

Test(scn_schemes, block_bytes_holds_the_largest_peg_release)
{
	/* threshold 5: a release of 250 + 5 x 64 = 570 bytes */
	struct scn_errors e = { 0 };
	struct scenario *s = load_rs(RS ", \"l1\": {\"block_bytes\": 570}}", &e);
	cr_assert_not_null(s, "%s", e.n ? e.lines[0] : "");
	scn_free(s);
	scn_errors_free(&e);
	s = load_rs(RS ", \"l1\": {\"block_bytes\": 569}}", &e);
	cr_expect_null(s);
	cr_expect(has_line(&e, "l1.block_bytes: must be at least 570, the size of sidechain \"s1\"'s peg release"));
	scn_free(s);
	scn_errors_free(&e);
}
