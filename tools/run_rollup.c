/* STUB (issue 15 skeleton): rollups[] of SPEC section 11. Replaced by the rollup work. */
#include <stdlib.h>

#include "tools/run_schemes.h"
#include "tools/runner_internal.h"

void run_rollups_new(struct runner *r) { r->rollups = NULL; }
void run_rollups_free(struct runner *r) { (void)r; }
void run_rollups_action(struct runner *r, const struct scn_action *a) { (void)r; (void)a; abort(); }
void run_rollups_pay(struct runner *r, uint32_t rollup, uint32_t from, uint32_t to, struct amount amount,
		     uint64_t t_us)
{
	(void)r; (void)rollup; (void)from; (void)to; (void)amount; (void)t_us;
	abort();
}
void run_rollups_phase2(struct runner *r) { (void)r; }
void run_rollups_phase3(struct runner *r) { (void)r; }
bool run_rollups_busy(const struct runner *r) { (void)r; return false; }
void run_rollups_finish(struct runner *r) { (void)r; }
struct amount run_rollup_balance(const struct runner *r, uint32_t rollup, uint32_t party)
{
	(void)r; (void)rollup; (void)party;
	return AMOUNT(0);
}
struct amount run_rollup_holdings(const struct runner *r, uint32_t rollup)
{
	(void)r; (void)rollup;
	return AMOUNT(0);
}
