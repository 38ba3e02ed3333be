/* The loader's SPEC section 10 part (issue 11): forwarding policies, the l2 routing
 * keys, send, routed and trace workloads, expect.routing, the network section, the
 * scale-free generator, and the refusal of runs that would need routing. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/scenario.h"

/* Files named relative to the scenario resolve against tests/data/routing/. */
#define LOADER_TEST_FILE "tests/data/routing/t.json"
#include "tests/tools/loader_harness.h"
#define HEAD "{\"format\": \"l2sim/1\", \"name\": \"t\", "
#define ABC "\"parties\": [{\"name\": \"a\", \"balance\": 10}, {\"name\": \"b\", \"fee_base\": 5, \"fee_ppm\": 2000, " \
	    "\"cltv_delta\": 30}, {\"name\": \"c\"}], " \
	    "\"channels\": [{\"id\": \"ab\", \"parties\": [\"a\", \"b\"], \"deposit\": {\"a\": 10}}, " \
	    "{\"id\": \"bc\", \"parties\": [\"b\", \"c\"]}]"
#define ABC_PARTIES "\"parties\": [{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"c\"}]"

/* ---- defaults ---- */

Test(scn_routing, defaults_and_no_feature)
{
	struct scenario *s = load_ok(HEAD "\"parties\": [{\"name\": \"a\"}, {\"name\": \"b\"}], "
				     "\"channels\": [{\"id\": \"ab\", \"parties\": [\"a\", \"b\"]}]}");
	cr_expect_eq(s->final_cltv_blocks, 18);
	cr_expect_eq(s->max_attempts, 3);
	cr_expect_eq(s->max_hops, 20);
	cr_expect_eq(s->go_onchain_blocks, 6);
	cr_expect_eq(s->routing, SCN_ROUTING_CHEAPEST);
	cr_expect_eq(s->parties[0].policy.fee_base.units, 0);
	cr_expect_eq(s->parties[0].policy.fee_ppm, 0);
	cr_expect_eq(s->parties[0].policy.cltv_delta, 40);
	struct scn_policy p = scn_channel_policy(s, 0, 1);
	cr_expect_eq(p.min_htlc.units, 1);
	cr_expect_eq(p.cltv_delta, 40);
	cr_expect_null(scn_uses_routing(s), "a plain scenario uses no routing");
	scn_free(s);
}

Test(scn_routing, party_policy_and_channel_override)
{
	struct scenario *s = load_ok(HEAD ABC ", \"l2\": {\"final_cltv_blocks\": 10, \"max_attempts\": 5, "
				      "\"max_hops\": 4, \"go_onchain_blocks\": 0, \"routing\": \"lnd\"}}");
	cr_expect_eq(s->parties[1].policy.fee_base.units, 5);
	cr_expect_eq(s->parties[1].policy.fee_ppm, 2000);
	cr_expect_eq(s->parties[1].policy.cltv_delta, 30);
	cr_expect_eq(s->final_cltv_blocks, 10);
	cr_expect_eq(s->max_attempts, 5);
	cr_expect_eq(s->max_hops, 4);
	cr_expect_eq(s->go_onchain_blocks, 0);
	cr_expect_eq(s->routing, SCN_ROUTING_LND);
	/* b sends over bc (direction 0) with its own policy */
	struct scn_policy p = scn_channel_policy(s, 1, 0);
	cr_expect_eq(p.fee_base.units, 5);
	cr_expect_eq(p.cltv_delta, 30);
	cr_expect_str_eq(scn_uses_routing(s), "l2.final_cltv_blocks", "the first in load order");
	scn_free(s);
	s = load_ok(HEAD "\"parties\": [{\"name\": \"a\"}, {\"name\": \"b\", \"fee_ppm\": 7}], "
		     "\"channels\": [{\"id\": \"ab\", \"parties\": [\"a\", \"b\"], "
		     "\"policy\": {\"b\": {\"fee_base\": 3, \"min_htlc\": 50}}}]}");
	p = scn_channel_policy(s, 0, 1);
	cr_expect_eq(p.fee_base.units, 3);
	cr_expect_eq(p.fee_ppm, 7, "an unset field comes from the party");
	cr_expect_eq(p.min_htlc.units, 50);
	cr_expect_eq(p.cltv_delta, 40);
	p = scn_channel_policy(s, 0, 0);
	cr_expect_eq(p.min_htlc.units, 1, "a's direction has no entry");
	cr_expect(s->channels[0].has_policy[1] && !s->channels[0].has_policy[0]);
	scn_free(s);
}

/* ---- ranges and errors ---- */

Test(scn_routing, policy_errors)
{
	refused(HEAD "\"parties\": [{\"name\": \"a\", \"fee_ppm\": 1000001}]}",
		"tests/data/routing/t.json: parties[0].fee_ppm: must be between 0 and 1000000 (got 1000001)");
	refused(HEAD "\"parties\": [{\"name\": \"a\", \"fee_base\": -1}]}",
		"parties[0].fee_base: amount must not be negative");
	refused(HEAD "\"parties\": [{\"name\": \"a\", \"cltv_delta\": 1.5}]}",
		"parties[0].cltv_delta: must be a whole number (got 1.5)");
	refused(HEAD "\"parties\": [{\"name\": \"a\", \"min_htlc\": 1}]}",
		"parties[0].min_htlc: unknown key \"min_htlc\"");
	refused(HEAD ABC_PARTIES ", \"channels\": [{\"id\": \"x\", \"parties\": [\"a\", \"b\"], \"policy\": {\"c\": {}}}]}",
		"channels[0].policy.c: \"c\" is not a party of this channel");
	refused(HEAD ABC_PARTIES ", \"channels\": [{\"id\": \"x\", \"parties\": [\"a\", \"b\", \"c\"], \"policy\": {\"a\": {}}}]}",
		"channels[0].policy: only two-party channels carry routed payments");
	refused(HEAD "\"parties\": [{\"name\": \"a\"}, {\"name\": \"b\"}], \"channels\": [{\"id\": \"x\", "
		"\"parties\": [\"a\", \"b\"], \"policy\": {\"a\": {\"fee_pmm\": 1}}}]}",
		"channels[0].policy.a.fee_pmm: unknown key \"fee_pmm\" (did you mean \"fee_ppm\"?)");
	refused(HEAD "\"parties\": [{\"name\": \"a\"}, {\"name\": \"b\"}], \"channels\": [{\"id\": \"x\", "
		"\"parties\": [\"a\", \"b\"], \"policy\": {\"a\": 5}}]}",
		"channels[0].policy.a: must be an object");
	refused(HEAD "\"parties\": [{\"name\": \"a\"}, {\"name\": \"b\"}], \"channels\": [{\"id\": \"x\", "
		"\"parties\": [\"a\", \"b\"], \"policy\": {\"zed\": {}}}]}",
		"channels[0].policy.zed: no party named \"zed\"");
}

Test(scn_routing, l2_errors)
{
	refused(HEAD ABC ", \"l2\": {\"max_hops\": 0}}", "l2.max_hops: must be between 1 and 1000 (got 0)");
	refused(HEAD ABC ", \"l2\": {\"max_attempts\": 1001}}", "l2.max_attempts: must be between 1 and 1000");
	refused(HEAD ABC ", \"l2\": {\"final_cltv_blocks\": 0}}", "l2.final_cltv_blocks: must be between 1 and");
	refused(HEAD ABC ", \"l2\": {\"go_onchain_blocks\": \"6\"}}", "l2.go_onchain_blocks: must be a whole number");
	refused(HEAD ABC ", \"l2\": {\"routing\": \"fastest\"}}",
		"l2.routing: must be one of \"cheapest\", \"lnd\" (got \"fastest\")");
}

Test(scn_routing, send_action)
{
	struct scenario *s = load_ok(HEAD ABC ", \"script\": [{\"at\": 2, \"action\": \"send\", \"from\": \"a\", "
				      "\"to\": \"c\", \"amount\": 7}, {\"at\": 3, \"action\": \"send\", \"from\": \"a\", "
				      "\"to\": \"c\", \"amount\": 9, \"count\": 4, \"max_fee\": 2, \"hold_blocks\": 5}]}");
	const struct scn_action *a = &s->script[0];
	cr_expect_eq(a->kind, SCN_SEND);
	cr_expect_eq(a->party, 0);
	cr_expect_eq(a->to, 2);
	cr_expect_eq(a->amount.units, 7);
	cr_expect_eq(a->count, 1);
	cr_expect_not(a->has_max_fee);
	cr_expect_eq(a->hold_blocks, 0);
	a = &s->script[1];
	cr_expect_eq(a->count, 4);
	cr_expect(a->has_max_fee);
	cr_expect_eq(a->max_fee.units, 2);
	cr_expect_eq(a->hold_blocks, 5);
	cr_expect_str_eq(scn_action_str(SCN_SEND), "send");
	cr_expect_str_eq(scn_uses_routing(s), "parties[1].fee_base");
	scn_free(s);
	/* from = to is a run-time no_route (SPEC), not a load error */
	s = load_ok(HEAD "\"parties\": [{\"name\": \"a\"}], \"script\": [{\"at\": 0, \"action\": \"send\", "
		     "\"from\": \"a\", \"to\": \"a\", \"amount\": 1}]}");
	cr_expect_str_eq(scn_uses_routing(s), "script[0].action");
	scn_free(s);
}

Test(scn_routing, send_errors)
{
	refused(HEAD ABC ", \"script\": [{\"at\": 0, \"action\": \"send\", \"from\": \"a\", \"to\": \"c\"}]}",
		"script[0].amount: required key is missing");
	refused(HEAD ABC ", \"script\": [{\"at\": 0, \"action\": \"send\", \"from\": \"a\", \"to\": \"c\", \"amount\": 0}]}",
		"script[0].amount: a payment must be at least 1");
	refused(HEAD ABC ", \"script\": [{\"at\": 0, \"action\": \"send\", \"from\": \"a\", \"to\": \"zz\", \"amount\": 1}]}",
		"script[0].to: no party named \"zz\"");
	refused(HEAD ABC ", \"script\": [{\"at\": 0, \"action\": \"send\", \"from\": \"a\", \"to\": \"c\", \"amount\": 1, "
		"\"count\": 1000001}]}", "script[0].count: at most 1000000 payments per send action");
	refused(HEAD ABC ", \"script\": [{\"at\": 0, \"action\": \"send\", \"from\": \"a\", \"to\": \"c\", \"amount\": 1, "
		"\"hold_blocks\": -1}]}", "script[0].hold_blocks: must be between 0 and 10000000");
	refused(HEAD ABC ", \"script\": [{\"at\": 0, \"action\": \"send\", \"from\": \"a\", \"to\": \"c\", \"amount\": 1, "
		"\"max_fee\": 1.5}]}", "script[0].max_fee: amount must be a whole number");
	refused(HEAD ABC ", \"script\": [{\"at\": 0, \"action\": \"send\", \"channel\": \"ab\", \"from\": \"a\", "
		"\"to\": \"c\", \"amount\": 1}]}", "script[0].channel: unknown key \"channel\"");
	refused(HEAD ABC ", \"script\": [{\"at\": 0, \"action\": \"pay\", \"channel\": \"ab\", \"from\": \"a\", "
		"\"to\": \"b\", \"amount\": 1, \"hold_blocks\": 1}]}", "script[0].hold_blocks: unknown key");
}

Test(scn_routing, routed_workload)
{
	struct scenario *s = load_ok(HEAD ABC ", \"workload\": [{\"kind\": \"poisson\", \"routed\": true, "
				      "\"parties\": [\"a\", \"c\"], \"rate_per_s\": 0.1, \"from_block\": 1, \"to_block\": 9, "
				      "\"amount\": {\"min\": 1, \"max\": 3}}, {\"kind\": \"poisson\", \"routed\": true, "
				      "\"parties\": \"all\", \"rate_per_s\": 0.1, \"from_block\": 1, \"to_block\": 9, "
				      "\"amount\": {\"min\": 1, \"max\": 3}}]}");
	cr_expect(s->workload[0].routed);
	cr_expect_eq(s->workload[0].kind, SCN_WL_POISSON);
	cr_expect_eq(s->workload[0].nparties, 2);
	cr_expect_eq(s->workload[0].parties[1], 2);
	cr_expect(s->workload[1].all_parties);
	scn_free(s);
	s = load_ok(HEAD ABC ", \"workload\": [{\"kind\": \"poisson\", \"routed\": false, \"channels\": \"all\", "
		     "\"rate_per_s\": 0.1, \"from_block\": 1, \"to_block\": 9, \"amount\": {\"min\": 1, \"max\": 3}}]}");
	cr_expect_not(s->workload[0].routed);
	scn_free(s);
}

Test(scn_routing, routed_workload_errors)
{
#define WL(x) HEAD ABC ", \"workload\": [{\"kind\": \"poisson\", \"rate_per_s\": 0.1, \"from_block\": 1, " \
	      "\"to_block\": 9, \"amount\": {\"min\": 1, \"max\": 3}, " x "}]}"
	refused(WL("\"routed\": true"), "workload[0].parties: required key is missing");
	refused(WL("\"routed\": true, \"parties\": \"all\", \"channels\": \"all\""),
		"workload[0].channels: a routed workload names \"parties\", not channels");
	refused(WL("\"channels\": \"all\", \"parties\": \"all\""),
		"workload[0].parties: parties applies to routed workloads (add \"routed\": true)");
	refused(WL("\"routed\": true, \"parties\": [\"a\"]"),
		"workload[0].parties: must be \"all\" or an array of at least two party names");
	refused(WL("\"routed\": true, \"parties\": [\"a\", \"a\"]"), "workload[0].parties[1]: party \"a\" is listed twice");
	refused(WL("\"routed\": true, \"parties\": [\"a\", \"q\"]"), "workload[0].parties[1]: no party named \"q\"");
	refused(WL("\"routed\": 1, \"parties\": \"all\""), "workload[0].routed: must be true or false");
	refused(HEAD "\"parties\": [{\"name\": \"a\"}], \"workload\": [{\"kind\": \"poisson\", \"routed\": true, "
		"\"parties\": \"all\", \"rate_per_s\": 0.1, \"from_block\": 1, \"to_block\": 9, \"amount\": {\"min\": 1, "
		"\"max\": 3}}]}", "workload[0].parties: a routed workload needs at least two parties (the scenario has 1)");
#undef WL
}

/* ---- expect.routing ---- */

Test(scn_routing, expect_routing)
{
	struct scenario *s = load_ok(HEAD ABC ", \"expect\": {\"routing\": {\"sent\": 2, \"ok\": 1, \"failed\": 1, "
				      "\"pending\": 0, \"attempts\": 3, \"fees\": \"8\", \"htlc_losses\": 0, \"hops\": "
				      "{\"min\": 2, \"p50\": null, \"max\": 2}, \"failures\": {\"no_route\": 1, \"expired\": 0}}}}");
	const struct scn_expect_routing *r = &s->expect.routing;
	cr_expect(r->present);
	cr_expect(r->sent.present && r->sent.u == 2);
	cr_expect(r->fees.present && r->fees.u == 8);
	cr_expect(r->hops_p50.present && r->hops_p50.is_null);
	cr_expect_not(r->hops_p95.present);
	cr_expect(r->no_route.present && r->no_route.u == 1);
	cr_expect_not(r->offline.present);
	scn_free(s);
	refused(HEAD ABC ", \"expect\": {\"routing\": {\"sent\": -1}}}", "expect.routing.sent: must be between 0 and");
	refused(HEAD ABC ", \"expect\": {\"routing\": {\"failures\": {\"timeout\": 1}}}}",
		"expect.routing.failures.timeout: unknown key \"timeout\"");
	refused(HEAD ABC ", \"expect\": {\"routing\": {\"hops\": 2}}}", "expect.routing.hops: must be an object");
	refused(HEAD ABC ", \"expect\": {\"routing\": {\"sent\": null}}}", "expect.routing.sent: must be a whole number");
	refused(HEAD ABC ", \"expect\": {\"htlcs\": {}}}", "expect.htlcs: unknown key \"htlcs\"");
}

/* ---- the acceptance files of SPEC section 10 ---- */

Test(scn_routing, acceptance_routing_files_check_clean)
{
	const char *dir = "../shared/acceptance-routing";
	DIR *d = opendir(dir);
	if (!d) {
		cr_log_warn("%s is absent: the acceptance files are not checked", dir);
		cr_skip_test("%s is absent", dir);
	}
	unsigned n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct scn_errors e = { 0 };
		struct scenario *s = scn_load(path, NULL, 0, &e);
		cr_expect_not_null(s, "%s: %s", path, e.n ? e.lines[0] : "");
		if (s) {
			cr_expect_not_null(scn_uses_routing(s), "%s uses routing", path);
		}
		scn_free(s);
		scn_errors_free(&e);
		n++;
	}
	closedir(d);
	cr_expect_geq(n, 4, "the four acceptance files at least");
}

/* ---- the budget ---- */

Test(scn_routing, budget_counts_routed_payments)
{
	/* 3 parties: 2 assumed hops, 2 signed updates each, 4 operations per update: 16 per
	 * payment; 3 x 10^6 sends are 4.8 x 10^7 operations, above 4 x 10^7. */
	const char *send = "{\"at\": 1, \"action\": \"send\", \"from\": \"a\", \"to\": \"c\", \"amount\": 1, \"count\": 1000000}";
	char text[2048];
	snprintf(text, sizeof(text), HEAD ABC ", \"script\": [%s, %s, %s]}", send, send, send);
	refused(text, "script[2].count: the run would make about 48000000 signature operations up to here");
	snprintf(text, sizeof(text), HEAD ABC ", \"script\": [%s, %s]}", send, send);
	struct scenario *s = load_ok(text);
	scn_free(s);
	/* without signatures, the routed payments' memory is still estimated */
	snprintf(text, sizeof(text), HEAD ABC ", \"l2\": {\"signatures\": \"off\"}, \"script\": [%s]}", send);
	s = load_ok(text);
	uint64_t with_sends = scn_memory_estimate(s);
	scn_free(s);
	s = load_ok(HEAD ABC ", \"l2\": {\"signatures\": \"off\"}}");
	cr_expect_geq(with_sends, scn_memory_estimate(s) + 1000000ull * (96 + 2 * 64),
		      "10^6 routed payments of 2 assumed hops add at least their records");
	scn_free(s);
}
