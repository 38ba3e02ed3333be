/* Parties and their keys: accounts on L1, online or not, watchtowers. */
#include "l2.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "l1sim/util.h"

void l2_keys_derive(uint64_t seed, const char *name, uint8_t pk[L1_PUBKEY_LEN],
		    uint8_t sk[L1_SECKEY_LEN])
{
	uint8_t s[crypto_sign_SEEDBYTES], le[8];
	for (int i = 0; i < 8; i++)
		le[i] = (uint8_t)(seed >> (8 * i));
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, sizeof(s));
	crypto_generichash_update(&h, (const uint8_t *)"l2sim/key/1", 11);
	crypto_generichash_update(&h, le, 8);
	crypto_generichash_update(&h, (const uint8_t *)name, strlen(name));
	crypto_generichash_final(&h, s, sizeof(s));
	crypto_sign_seed_keypair(pk, sk, s);
	sodium_memzero(s, sizeof(s));
}

enum l1_result l2_party_add(struct l2_net *n, uint64_t seed, const char *name,
			    struct amount balance, struct amount challenge_fee, uint32_t *id_out)
{
	struct l2_party p = { .online = true, .back_at = UINT64_MAX, .challenge_fee = challenge_fee };
	if (n->signatures == L2_SIG_ED25519)
		l2_keys_derive(seed, name, p.pk, p.sk);
	enum l1_result r = l1_chain_add_account(n->chain, balance, p.pk, &p.account);
	if (r)
		return r;
	if (n->nparties == n->cap_parties)
		n->parties = xreallocarray(n->parties, n->cap_parties = n->cap_parties ? 2 * n->cap_parties : 8,
					   sizeof(*n->parties));
	if (p.account >= n->nacct_map) {
		uint32_t cap = p.account + 1 > 2 * n->nacct_map ? p.account + 1 : 2 * n->nacct_map;
		n->acct_map = xreallocarray(n->acct_map, cap, sizeof(*n->acct_map));
		for (uint32_t j = n->nacct_map; j < cap; j++)
			n->acct_map[j] = UINT32_MAX;
		n->nacct_map = cap;
	}
	n->acct_map[p.account] = n->nparties;
	n->parties[n->nparties] = p;
	*id_out = n->nparties++;
	return L1_OK;
}

void l2_party_set_offline(struct l2_net *n, uint32_t p, uint64_t back_at)
{
	if (n->parties[p].online)
		n->noffline++;
	n->parties[p].online = false;
	n->parties[p].back_at = back_at;
}

void l2_party_set_online(struct l2_net *n, uint32_t p)
{
	if (!n->parties[p].online)
		n->noffline--;
	n->parties[p].online = true;
	n->parties[p].back_at = UINT64_MAX;
}

uint32_t l2_party_of_account(const struct l2_net *n, uint32_t account)
{
	return account < n->nacct_map ? n->acct_map[account] : UINT32_MAX;
}

void l2_party_set_watchtower(struct l2_net *n, uint32_t p, bool on)
{
	n->parties[p].watchtower = on;
}
