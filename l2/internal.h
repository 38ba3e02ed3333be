/* What the l2 modules share and nobody else needs. */
#ifndef L2SIM_L2_INTERNAL_H
#define L2SIM_L2_INTERNAL_H

#include "l2.h"

/* c's cold part, allocated at its first use (channel.c). */
struct l2_channel_cold *l2_channel_cold_of(struct l2_channel *c);

#endif
