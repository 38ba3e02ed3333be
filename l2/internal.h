/* What the l2 modules share and nobody else needs. */
#ifndef L2SIM_L2_INTERNAL_H
#define L2SIM_L2_INTERNAL_H

#include "l2.h"

/* c's cold part, allocated at its first use (channel.c). */
struct l2_channel_cold *l2_channel_cold_of(struct l2_channel *c);
/* Every party of c is online. */
bool l2_channel_all_online(const struct l2_net *n, const struct l2_channel *c);
/* Builds ch's next state (seq + 1, final deposits included, no signatures) in the
 * net's scratch; the caller changes it, then l2_channel_sign_and_accept and
 * l2_channel_install (or drops it: the scratch is simply reused). */
enum l2_result l2_channel_next_state(struct l2_net *n, uint32_t ch, struct l1_state **out);
/* Everyone signs s; then everyone verifies the others (counted). False if anyone refuses. */
bool l2_channel_sign_and_accept(struct l2_net *n, uint32_t ch, struct l1_state *s);
/* Makes `next` (the net's scratch) the latest state of c. */
void l2_channel_install(struct l2_net *n, struct l2_channel *c, struct l1_state *next);

#endif
