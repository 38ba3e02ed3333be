/* STUB (issue 15 skeleton): sidechains[] of SPEC section 11. Replaced by the sidechain work. */
#include <stdlib.h>

#include "tools/run_schemes.h"
#include "tools/runner_internal.h"

void run_sidechains_new(struct runner *r) { r->sidechains = NULL; }
void run_sidechains_free(struct runner *r) { (void)r; }
void run_sidechains_action(struct runner *r, const struct scn_action *a) { (void)r; (void)a; abort(); }
void run_sidechains_pay(struct runner *r, uint32_t sidechain, uint32_t from, uint32_t to, struct amount amount,
		     uint64_t t_us)
{
	(void)r; (void)sidechain; (void)from; (void)to; (void)amount; (void)t_us;
	abort();
}
void run_sidechains_phase3(struct runner *r) { (void)r; }
bool run_sidechains_busy(const struct runner *r) { (void)r; return false; }
void run_sidechains_finish(struct runner *r) { (void)r; }
struct amount run_sidechain_balance(const struct runner *r, uint32_t sidechain, uint32_t party)
{
	(void)r; (void)sidechain; (void)party;
	return AMOUNT(0);
}
struct amount run_sidechain_holdings(const struct runner *r, uint32_t sidechain)
{
	(void)r; (void)sidechain;
	return AMOUNT(0);
}
