/* Channels and their states: registration, open, payments, deposits and closes. */
#include "l2.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "l1sim/util.h"

enum l1_result l2_channel_add(struct l2_net *n, uint32_t np, const uint32_t *parties,
			      const struct amount *deposits, uint32_t *id_out)
{
	if (np == 0)
		return L1_ERR_BAD_PARAMS;
	uint32_t *accounts = xmalloc(np * sizeof(uint32_t));
	for (uint32_t i = 0; i < np; i++) {
		if (parties[i] >= n->nparties) {
			free(accounts);
			return L1_ERR_NO_SUCH_ACCOUNT;
		}
		accounts[i] = n->parties[parties[i]].account;
	}
	uint32_t l1_id;
	enum l1_result r = l1_channel_add(n->l1, np, accounts, deposits, &l1_id);
	free(accounts);
	if (r)
		return r;
	if (n->nchannels == n->cap_channels)
		n->channels = xreallocarray(n->channels, n->cap_channels = n->cap_channels ? 2 * n->cap_channels : 8,
					    sizeof(*n->channels));
	if (l1_id >= n->nl1map) {
		uint32_t cap = l1_id + 1 > 2 * n->nl1map ? l1_id + 1 : 2 * n->nl1map;
		n->l1map = xreallocarray(n->l1map, cap, sizeof(*n->l1map));
		for (uint32_t j = n->nl1map; j < cap; j++)
			n->l1map[j] = UINT32_MAX;
		n->nl1map = cap;
	}
	n->l1map[l1_id] = n->nchannels;
	struct l2_channel *c = &n->channels[n->nchannels];
	memset(c, 0, sizeof(*c));
	c->l1_id = l1_id;
	c->nparties = np;
	c->usable_from = UINT64_MAX;
	c->parties = arena_alloc(&n->channel_arrays, np * sizeof(uint32_t));
	memcpy(c->parties, parties, np * sizeof(uint32_t));
	*id_out = n->nchannels++;
	return L1_OK;
}

/* c's cold part, allocated at its first use: the record, then the two per-party flag
 * arrays, in one allocation. */
struct l2_channel_cold *l2_channel_cold_of(struct l2_channel *c)
{
	if (!c->cold) {
		c->cold = xcalloc(1, sizeof(*c->cold) + 2 * (size_t)c->nparties);
		c->cold->challenge_pending = (uint8_t *)(c->cold + 1);
		c->cold->cheated = c->cold->challenge_pending + c->nparties;
	}
	return c->cold;
}

void l2_channel_keep_seq(struct l2_net *n, uint32_t ch, uint64_t seq)
{
	struct l2_channel *c = &n->channels[ch];
	struct l2_channel_cold *k = l2_channel_cold_of(c);
	uint32_t i = 0;
	while (i < c->nkeep && k->keep_seqs[i] < seq)
		i++;
	if (i < c->nkeep && k->keep_seqs[i] == seq)
		return;
	k->keep_seqs = xreallocarray(k->keep_seqs, c->nkeep + 1, sizeof(*k->keep_seqs));
	k->kept = xreallocarray(k->kept, c->nkeep + 1, sizeof(*k->kept));
	memmove(k->keep_seqs + i + 1, k->keep_seqs + i, (c->nkeep - i) * sizeof(*k->keep_seqs));
	memmove(k->kept + i + 1, k->kept + i, (c->nkeep - i) * sizeof(*k->kept));
	k->keep_seqs[i] = seq;
	k->kept[i] = NULL;
	c->nkeep++;
	/* A state that already exists can be kept at once. */
	if (c->latest && c->latest->seq == seq)
		k->kept[i] = l1_state_copy(c->latest);
}

int l2_channel_index(const struct l2_net *n, uint32_t ch, uint32_t p)
{
	const struct l2_channel *c = &n->channels[ch];
	for (uint32_t i = 0; i < c->nparties; i++)
		if (c->parties[i] == p)
			return (int)i;
	return -1;
}

bool l2_channel_all_online(const struct l2_net *n, const struct l2_channel *c)
{
	if (n->noffline == 0)
		return true;
	for (uint32_t i = 0; i < c->nparties; i++)
		if (!n->parties[c->parties[i]].online)
			return false;
	return true;
}

bool l2_party_accepts(struct l2_net *n, uint32_t ch, uint32_t p, const struct l1_state *s)
{
	const struct l2_channel *c = &n->channels[ch];
	if (n->signatures == L2_SIG_OFF)
		return true;
	for (uint32_t j = 0; j < c->nparties; j++) {
		if (c->parties[j] == p)
			continue;
		n->verifies++;
		if (!l1_state_verify(s, j, n->parties[c->parties[j]].pk))
			return false;
	}
	return true;
}

/* Everyone signs s; then everyone verifies the others. False if anyone refuses. */
bool l2_channel_sign_and_accept(struct l2_net *n, uint32_t ch, struct l1_state *s)
{
	const struct l2_channel *c = &n->channels[ch];
	if (n->signatures == L2_SIG_OFF)
		return true;
	for (uint32_t i = 0; i < c->nparties; i++) {
		l1_state_sign(s, i, n->parties[c->parties[i]].sk);
		n->signs++;
	}
	for (uint32_t i = 0; i < c->nparties; i++)
		if (!l2_party_accepts(n, ch, c->parties[i], s))
			return false;
	return true;
}

/* States carry room for signatures only when the net signs. */
static struct l1_state *new_state(const struct l2_net *n, uint32_t channel, uint64_t seq, uint32_t np)
{
	return n->signatures == L2_SIG_OFF ? l1_state_new_unsigned(channel, seq, np) : l1_state_new(channel, seq, np);
}

/* The net's spare state for np parties: the next state is built there, and once
 * everyone accepts it the channel's old latest becomes the spare (no allocation). */
static struct l1_state *scratch_for(struct l2_net *n, uint32_t np)
{
	if (np >= n->nscratch) {
		n->scratch = xreallocarray(n->scratch, np + 1, sizeof(*n->scratch));
		memset(n->scratch + n->nscratch, 0, (np + 1 - n->nscratch) * sizeof(*n->scratch));
		n->nscratch = np + 1;
	}
	if (!n->scratch[np])
		n->scratch[np] = new_state(n, 0, 0, np);
	return n->scratch[np];
}

static void keep_if_wanted(struct l2_channel *c)
{
	struct l2_channel_cold *k = c->cold; /* nkeep > 0: allocated */
	for (uint32_t i = 0; i < c->nkeep; i++)
		if (k->keep_seqs[i] == c->latest->seq && !k->kept[i])
			k->kept[i] = l1_state_copy(c->latest);
}

/* Makes `next` (the net's scratch) the latest state of c. */
void l2_channel_install(struct l2_net *n, struct l2_channel *c, struct l1_state *next)
{
	struct l1_state *old = c->latest;
	c->latest = next;
	n->scratch[next->nparties] = old; /* may be NULL: the next update allocates */
	if (c->nkeep)
		keep_if_wanted(c);
}

/* Party i's final deposits that c's latest state does not include yet. The opening
 * state includes the open's deposits before the open is final, so this is 0 (not an
 * error) while the final deposits are below what the state includes. */
static struct amount unincluded_final_deposit(const struct l2_net *n, const struct l2_channel *c, uint32_t i)
{
	struct amount fd = l1_channel_final_deposit(n->l1, c->l1_id, i), extra;
	if (!c->latest || !amount_sub(&extra, fd, c->latest->included[i]))
		return AMOUNT(0);
	return extra;
}

/* Builds the next state of c in scratch: seq + 1 and every final deposit included. */
enum l2_result l2_channel_next_state(struct l2_net *n, uint32_t ch, struct l1_state **out)
{
	struct l2_channel *c = &n->channels[ch];
	struct l1_state *s = scratch_for(n, c->nparties);
	l1_state_assign(s, c->latest);
	if (s->seq == UINT64_MAX)
		return L2_ERR_OVERFLOW;
	s->seq++;
	if (!l1_state_is_unsigned(s))
		memset(l1_state_sig(s, 0), 0, (size_t)s->nparties * L1_SIG_LEN);
	/* Without top-ups the latest state already includes every deposit (the opening
	 * state includes the open's): nothing to add, and no need to look. */
	if (!c->topped_up) {
		*out = s;
		return L2_OK;
	}
	for (uint32_t i = 0; i < c->nparties; i++) {
		struct amount extra = unincluded_final_deposit(n, c, i);
		if (!amount_add_to(&s->balances[i], extra) || !amount_add_to(&s->included[i], extra))
			return L2_ERR_OVERFLOW;
	}
	*out = s;
	return L2_OK;
}

enum l2_result l2_channel_open(struct l2_net *n, uint32_t ch, uint64_t *tx_out)
{
	struct l2_channel *c = &n->channels[ch];
	if (c->open_submitted || c->latest)
		return L2_ERR_ALREADY_OPENED;
	if (!l2_channel_all_online(n, c))
		return L2_ERR_OFFLINE;
	struct l1_state *s = new_state(n, c->l1_id, 0, c->nparties);
	for (uint32_t i = 0; i < c->nparties; i++)
		s->balances[i] = s->included[i] = l1_channel_open_deposit(n->l1, c->l1_id, i);
	if (!l2_channel_sign_and_accept(n, ch, s)) {
		l1_state_free(s);
		return L2_ERR_BAD_SIGNATURE;
	}
	c->latest = s;
	if (c->nkeep)
		keep_if_wanted(c);
	c->open_submitted = true;
	uint64_t id = l1_chain_submit(n->chain, l1_channel_tx(n->l1, L1_CHANNEL_OPEN, n->parties[c->parties[0]].account,
							       c->l1_id, n->fee, AMOUNT(0), NULL));
	if (tx_out)
		*tx_out = id;
	return L2_OK;
}

bool l2_channel_usable(const struct l2_net *n, uint32_t ch)
{
	const struct l2_channel *c = &n->channels[ch];
	return c->latest && !c->close_submitted && c->usable_from <= n->chain->height;
}

struct amount l2_channel_spendable(const struct l2_net *n, uint32_t ch, uint32_t i)
{
	const struct l2_channel *c = &n->channels[ch];
	struct amount sp;
	if (!c->latest || c->usable_from > n->chain->height || !amount_add(&sp, c->latest->balances[i], unincluded_final_deposit(n, c, i)))
		return AMOUNT(0);
	return sp;
}

static enum l2_result pay(struct l2_net *n, uint32_t ch, int fi, int ti, struct amount amount)
{
	struct l2_channel *c = &n->channels[ch];
	if (fi < 0 || ti < 0 || fi == ti)
		return L2_ERR_NOT_MEMBERS;
	if (!l2_channel_all_online(n, c))
		return L2_ERR_OFFLINE;
	struct l1_state *s;
	enum l2_result r = l2_channel_next_state(n, ch, &s);
	if (r)
		return r;
	if (!amount_sub_from(&s->balances[fi], amount))
		return L2_ERR_NO_FUNDS;
	if (!amount_add_to(&s->balances[ti], amount))
		return L2_ERR_OVERFLOW;
	if (!l2_channel_sign_and_accept(n, ch, s))
		return L2_ERR_BAD_SIGNATURE;
	l2_channel_install(n, c, s);
	return L2_OK;
}

enum l2_result l2_channel_pay(struct l2_net *n, uint32_t ch, uint32_t from, uint32_t to,
			      struct amount amount)
{
	/* A party not in the channel becomes an index past its parties: NOT_MEMBERS. */
	int fi = l2_channel_index(n, ch, from), ti = l2_channel_index(n, ch, to);
	return l2_channel_pay_index(n, ch, fi < 0 ? UINT32_MAX : (uint32_t)fi, ti < 0 ? UINT32_MAX : (uint32_t)ti,
				    amount);
}

enum l2_result l2_channel_pay_index(struct l2_net *n, uint32_t ch, uint32_t from_index, uint32_t to_index,
				    struct amount amount)
{
	if (amount_is_zero(amount))
		return L2_ERR_ZERO_AMOUNT;
	if (!l2_channel_usable(n, ch))
		return L2_ERR_NOT_USABLE;
	uint32_t np = n->channels[ch].nparties;
	return pay(n, ch, from_index < np ? (int)from_index : -1, to_index < np ? (int)to_index : -1, amount);
}

enum l2_result l2_channel_deposit(struct l2_net *n, uint32_t ch, uint32_t party,
				  struct amount amount, uint64_t *tx_out)
{
	struct l2_channel *c = &n->channels[ch];
	if (l2_channel_index(n, ch, party) < 0)
		return L2_ERR_NOT_MEMBERS;
	if (!n->parties[party].online)
		return L2_ERR_OFFLINE;
	uint64_t id = l1_chain_submit(n->chain, l1_channel_tx(n->l1, L1_CHANNEL_DEPOSIT, n->parties[party].account,
							       c->l1_id, n->fee, amount, NULL));
	if (tx_out)
		*tx_out = id;
	return L2_OK;
}

static const struct l1_state *find_kept(const struct l2_channel *c, uint64_t seq)
{
	for (uint32_t i = 0; i < c->nkeep; i++)
		if (c->cold->keep_seqs[i] == seq)
			return c->cold->kept[i];
	return NULL;
}

enum l2_result l2_channel_close(struct l2_net *n, uint32_t ch, uint32_t by,
				enum l2_close_mode mode, uint64_t state, bool tamper,
				uint64_t *tx_out)
{
	return l2_channel_close_fee(n, ch, by, mode, state, tamper, n->fee, tx_out);
}

enum l2_result l2_channel_close_fee(struct l2_net *n, uint32_t ch, uint32_t by, enum l2_close_mode mode,
				    uint64_t state, bool tamper, struct amount fee, uint64_t *tx_out)
{
	struct l2_channel *c = &n->channels[ch];
	int bi = l2_channel_index(n, ch, by);
	if (bi < 0)
		return L2_ERR_NOT_MEMBERS;
	if (!n->parties[by].online)
		return L2_ERR_OFFLINE;
	if (!c->latest || l1_channel_status(n->l1, c->l1_id) == L1_CH_NONE)
		return L2_ERR_NOT_OPEN_ON_L1;
	if (c->close_submitted)
		return L2_ERR_CLOSE_SUBMITTED;
	enum l1_channel_op op;
	struct l1_state *state_copy;
	if (mode == L2_CLOSE_COOPERATIVE) {
		if (tamper)
			return L2_ERR_TAMPER_COOP;
		/* As in Lightning (BOLT 2): HTLCs are resolved before a cooperative close. */
		if (l1_state_nhtlcs(c->latest))
			return L2_ERR_HTLC_PENDING;
		if (!l2_channel_all_online(n, c))
			return L2_ERR_OFFLINE;
		struct l1_state *s;
		enum l2_result r = l2_channel_next_state(n, ch, &s);
		if (r)
			return r;
		if (!l2_channel_sign_and_accept(n, ch, s))
			return L2_ERR_BAD_SIGNATURE;
		l2_channel_install(n, c, s);
		op = L1_CHANNEL_COOP_CLOSE;
		state_copy = l1_state_copy(c->latest);
	} else {
		uint64_t seq = state == L2_STATE_LATEST ? c->latest->seq : state;
		if (seq > c->latest->seq)
			return L2_ERR_FUTURE_STATE;
		const struct l1_state *src = seq == c->latest->seq ? c->latest : find_kept(c, seq);
		if (!src)
			return L2_ERR_STATE_NOT_KEPT;
		op = L1_CHANNEL_UNILATERAL_CLOSE;
		state_copy = l1_state_copy(src);
		if (tamper) {
			struct amount total;
			if (!l1_state_total(state_copy, &total))
				fatal_invariant("an accepted state's balances overflow");
			for (uint32_t i = 0; i < c->nparties; i++)
				state_copy->balances[i] = AMOUNT(0);
			state_copy->balances[bi] = total;
		}
		if (tamper || seq < c->latest->seq)
			l2_channel_cold_of(c)->cheated[bi] = 1;
	}
	c->close_submitted = true;
	l2_channel_cold_of(c)->close_tx = l1_chain_submit(n->chain, l1_channel_tx(n->l1, op, n->parties[by].account, c->l1_id,
										fee, AMOUNT(0), state_copy));
	if (tx_out)
		*tx_out = c->cold->close_tx;
	return L2_OK;
}
