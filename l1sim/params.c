#include "chain.h"

void l1_params_default(struct l1_params *p)
{
	*p = (struct l1_params){
		.block_interval_ms = 600000,
		.exponential = false,
		.block_tx_limit = 4000,
		.confirmations = 6,
		.check_conservation = false,
		.seed = 1,
		.dispute_timeout_blocks = 144,
		.dispute_rule = L1_RULE_LATEST_STATE,
		.verify_signatures = true,
	};
}
