/* Layer2: parties, their keys, and state channels of two or more parties driven over
 * the Layer1 channel contract (SPEC section 4). Depends on l1sim/, never the other
 * way round, and reads it only through its headers' functions.
 *
 * One header per job; this one includes them all:
 *   result.h   l2's result enum
 *   party.h    parties and keys
 *   channel.h  channels and their states (open, pay, deposit, close)
 *   htlc.h     HTLCs off chain: add, fail, settle, the pending-HTLC rules
 *   react.h    honest reactions and watchtowers (phase 2)
 *   net.h      the net: life cycle, id maps, the chain's events
 */
#ifndef L2SIM_L2_L2_H
#define L2SIM_L2_L2_H

#include "channel.h"
#include "htlc.h"
#include "net.h"
#include "party.h"
#include "react.h"
#include "result.h"

#endif
