/* Phase 2 of a block: honest parties, and the watchtowers of offline ones, watch
 * the chain and challenge stale closes. */
#ifndef L2SIM_L2_REACT_H
#define L2SIM_L2_REACT_H

#include <stdint.h>

struct l2_net;

/* Phase 2 for one party (online or with a watchtower): challenges each channel in
 * dispute, other than one it closed itself, whose registered state is older than
 * its latest, unless its own challenge is pending. Calls `on_submit` per challenge. */
typedef void (*l2_submit_fn)(void *ctx, uint32_t party, uint32_t ch, uint64_t tx);
void l2_react_party(struct l2_net *n, uint32_t p, l2_submit_fn on_submit, void *ctx);
/* Phase 2 for every party in order. */
void l2_react_all(struct l2_net *n, l2_submit_fn on_submit, void *ctx);

#endif
