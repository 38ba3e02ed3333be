/* STUB (issue 15 skeleton): L1 transfers, via, the contract -> scheme map. */
#include <stdlib.h>

#include "tools/run_schemes.h"
#include "tools/runner_internal.h"

void run_schemes_new(struct runner *r) { r->schemes = NULL; }
void run_schemes_free(struct runner *r) { (void)r; }
void run_transfer_action(struct runner *r, const struct scn_action *a) { (void)r; (void)a; abort(); }
bool run_schemes_busy(const struct runner *r) { (void)r; return false; }
void runner_set_contract_scheme(struct runner *r, uint32_t contract, uint32_t scheme)
{
	(void)r; (void)contract; (void)scheme;
}
uint32_t runner_tx_scheme(const struct runner *r, const struct l1_tx *tx)
{
	(void)r; (void)tx;
	return SCN_NONE;
}
