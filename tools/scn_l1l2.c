/* The `l1` and `l2` sections. */
#include "scn_internal.h"

#include <math.h>
#include <stddef.h>

static const char *const L1_KEYS[] = { "block_interval_s", "interval", "block_tx_limit", "confirmations",
				       "fee", "dispute_timeout_blocks", "dispute_rule", "block_bytes", NULL };
static const char *const L2_KEYS[] = { "latency_ms", "signatures", "final_cltv_blocks", "max_attempts",
				       "max_hops", "go_onchain_blocks", "routing", NULL };

void scn_load_l1(struct scn_vctx *v, const cJSON *l1)
{
	struct scenario *s = v->s;
	size_t old;
	const cJSON *j;
	if (!cJSON_IsObject(l1)) {
		scn_verr(v, "must be an object (got %s)", scn_type_name(l1));
		return;
	}
	scn_check_keys(v, l1, L1_KEYS);
	if ((j = scn_enter(v, l1, "block_interval_s", &old))) {
		double d;
		if (scn_as_number(v, j, 0, 1e6, &d)) {
			/* Blocks are produced on a 1 ms grid: a value off the grid would run
			 * rounded while the report and capacity_tps used it unrounded. */
			double ms = d * 1000.0;
			if (ms < 1.0 - 1e-9)
				scn_verr(v, "must be at least 0.001 (the resolution is 1 ms; got %s)", scn_num_text(j));
			else if (fabs(ms - nearbyint(ms)) > 1e-6)
				scn_verr(v, "must be a whole number of milliseconds (the resolution is 1 ms; got %s)",
					 scn_num_text(j));
			else {
				s->block_interval_s = d;
				s->l1.block_interval_ms = (uint64_t)llround(ms);
			}
		}
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, l1, "interval", &old))) {
		static const char *const c[] = { "fixed", "exponential", NULL };
		int k = scn_as_choice(v, j, c);
		s->l1.exponential = k == 1;
		scn_leave(v, old);
	}
	uint64_t u;
	if ((j = scn_enter(v, l1, "block_tx_limit", &old))) {
		if (scn_as_uint(v, j, 1, 100000000, &u))
			s->l1.block_tx_limit = (uint32_t)u;
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, l1, "confirmations", &old))) {
		if (scn_as_uint(v, j, 1, 1000000, &u))
			s->l1.confirmations = (uint32_t)u;
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, l1, "fee", &old))) {
		(void)scn_as_amount(v, j, &s->fee);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, l1, "dispute_timeout_blocks", &old))) {
		if (scn_as_uint(v, j, 0, MAX_BLOCK, &u))
			s->l1.dispute_timeout_blocks = u;
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, l1, "block_bytes", &old))) { /* SPEC section 11 */
		scn_note_schemes(v);
		if (cJSON_IsNull(j))
			s->l1.block_bytes = 0; /* no limit, the default */
		else if (scn_as_uint(v, j, SCN_MIN_BLOCK_BYTES, SCN_MAX_BLOCK_BYTES, &u))
			s->l1.block_bytes = u;
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, l1, "dispute_rule", &old))) {
		static const char *const c[] = { "latest_state", "penalty", NULL };
		int k = scn_as_choice(v, j, c);
		s->l1.dispute_rule = k == 1 ? L1_RULE_PENALTY : L1_RULE_LATEST_STATE;
		scn_leave(v, old);
	}
}

void scn_load_l2(struct scn_vctx *v, const cJSON *l2)
{
	size_t old;
	const cJSON *j;
	if (!cJSON_IsObject(l2)) {
		scn_verr(v, "must be an object (got %s)", scn_type_name(l2));
		return;
	}
	scn_check_keys(v, l2, L2_KEYS);
	if ((j = scn_enter(v, l2, "latency_ms", &old))) {
		if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble))
			scn_verr(v, "must be a number (got %s)", cJSON_IsNumber(j) ? scn_num_text(j) : scn_type_name(j));
		else if (j->valuedouble < 0 || j->valuedouble > 1e9)
			scn_verr(v, "must be from 0 to 1e9 (got %s)", scn_num_text(j));
		else
			v->s->latency_ms = j->valuedouble;
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, l2, "signatures", &old))) {
		static const char *const c[] = { "ed25519", "off", NULL };
		v->s->signatures = scn_as_choice(v, j, c) != 1;
		scn_leave(v, old);
	}
	/* SPEC section 10: each a whole number in [min, max]. */
	static const struct {
		const char *key;
		uint64_t min, max;
		size_t off;
	} nums[] = {
		{ "final_cltv_blocks", 1, MAX_BLOCK, offsetof(struct scenario, final_cltv_blocks) },
		{ "max_attempts", 1, SCN_MAX_ATTEMPTS, offsetof(struct scenario, max_attempts) },
		{ "max_hops", 1, SCN_MAX_HOPS, offsetof(struct scenario, max_hops) },
		{ "go_onchain_blocks", 0, MAX_BLOCK, offsetof(struct scenario, go_onchain_blocks) },
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if ((j = scn_enter(v, l2, nums[i].key, &old))) {
			uint64_t u;
			scn_note_routing(v);
			if (scn_as_uint(v, j, nums[i].min, nums[i].max, &u))
				*(uint32_t *)((char *)v->s + nums[i].off) = (uint32_t)u;
			scn_leave(v, old);
		}
	if ((j = scn_enter(v, l2, "routing", &old))) {
		static const char *const c[] = { "cheapest", "lnd", NULL };
		scn_note_routing(v);
		v->s->routing = scn_as_choice(v, j, c) == 1 ? SCN_ROUTING_LND : SCN_ROUTING_CHEAPEST;
		scn_leave(v, old);
	}
}
