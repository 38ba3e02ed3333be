/* Parties: an L1 account each, keys derived from (seed, name), online or offline,
 * with or without a watchtower. */
#ifndef L2SIM_L2_PARTY_H
#define L2SIM_L2_PARTY_H

#include <stdbool.h>
#include <stdint.h>

#include "l1sim/amount.h"
#include "l1sim/chain.h"
#include "result.h"

struct l2_net;

enum l2_signatures { L2_SIG_ED25519 = 0, L2_SIG_OFF };

struct l2_party {
	uint32_t account;          /* its L1 account */
	bool online;
	bool watchtower;
	uint64_t back_at;          /* block whose phase 2 brings it back; UINT64_MAX: none */
	struct amount challenge_fee;
	uint8_t pk[L1_PUBKEY_LEN];
	uint8_t sk[L1_SECKEY_LEN]; /* zero when signatures are off */
};

/* Derives a party's Ed25519 key pair from (seed, name): the libsodium seed is
 * BLAKE2b-256("l2sim/key/1" || u64le seed || name). */
void l2_keys_derive(uint64_t seed, const char *name, uint8_t pk[L1_PUBKEY_LEN],
		    uint8_t sk[L1_SECKEY_LEN]);

/* Adds a party with an L1 account holding `balance`; its keys come from (seed, name)
 * unless signatures are off. Fails like l1_chain_add_account, changing nothing. */
enum l1_result l2_party_add(struct l2_net *n, uint64_t seed, const char *name,
			    struct amount balance, struct amount challenge_fee, uint32_t *id_out);

/* The party whose L1 account is `account`, or UINT32_MAX when it is none of the net's
 * (the chain may hold accounts added without the net: ids need not agree). O(1). */
uint32_t l2_party_of_account(const struct l2_net *n, uint32_t account);
/* Turns party p's watchtower on or off: while p is offline it still challenges. */
void l2_party_set_watchtower(struct l2_net *n, uint32_t p, bool on);
/* Party p checks the signatures of every other party on s (counted); false if any fails. */
bool l2_party_accepts(struct l2_net *n, uint32_t ch, uint32_t p, const struct l1_state *s);
void l2_party_set_offline(struct l2_net *n, uint32_t p, uint64_t back_at);
void l2_party_set_online(struct l2_net *n, uint32_t p);

#endif
