/* SPEC section 11 at the end of a run, for the report: the rollups' and sidechains'
 * balances and their contracts' holdings (tools/run_rollup.c, run_sidechain.c). The
 * schemes table itself is built from run events (RUN_EV_SCHEME_*, RUN_EV_TX_*). */
#ifndef L2SIM_TOOLS_RUN_SCHEMES_H
#define L2SIM_TOOLS_RUN_SCHEMES_H

#include "l1sim/amount.h"
#include "tools/runner.h"

/* Party p's balance on rollup i: credited deposits and final batches only (SPEC's
 * `rollups.<id>.balances`). */
struct amount run_rollup_balance(const struct runner *r, uint32_t rollup, uint32_t party);
/* What rollup i's contract holds on L1 (deposits not withdrawn, and the bond). */
struct amount run_rollup_holdings(const struct runner *r, uint32_t rollup);
/* Party p's balance on sidechain i at the end. */
struct amount run_sidechain_balance(const struct runner *r, uint32_t sidechain, uint32_t party);
/* What sidechain i's peg contract holds on L1. */
struct amount run_sidechain_holdings(const struct runner *r, uint32_t sidechain);

#endif
