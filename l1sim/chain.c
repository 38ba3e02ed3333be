#include "chain.h"

#include <math.h>
#include <sodium.h>
#include <string.h>

#include "contract.h"
#include "util.h"

const char *l1_result_str(enum l1_result r)
{
	switch (r) {
	case L1_OK: return "ok";
	case L1_ERR_NO_FUNDS: return "insufficient funds";
	case L1_ERR_OVERFLOW: return "amount overflow";
	case L1_ERR_NO_SUCH_ACCOUNT: return "no such account";
	case L1_ERR_NO_SUCH_CHANNEL: return "no such channel";
	case L1_ERR_NOT_MEMBER: return "submitter is not a party of the channel";
	case L1_ERR_NOT_OPENER: return "only the channel's first party may open it";
	case L1_ERR_ALREADY_OPEN: return "channel was already opened";
	case L1_ERR_NOT_OPEN: return "channel is not open";
	case L1_ERR_NO_DISPUTE: return "no dispute window is open";
	case L1_ERR_STALE_SEQ: return "sequence number not above the registered one";
	case L1_ERR_BAD_SIGNATURE: return "invalid signature";
	case L1_ERR_BAD_STATE: return "malformed state";
	case L1_ERR_BAD_PARAMS: return "invalid parameters";
	case L1_ERR_SUPPLY_OVERFLOW: return "total supply would exceed 2^64-1";
	}
	return "unknown error";
}

const char *l1_tx_kind_str(enum l1_tx_kind k)
{
	switch (k) {
	case L1_TX_OPEN: return "open";
	case L1_TX_DEPOSIT: return "deposit";
	case L1_TX_COOP_CLOSE: return "cooperative_close";
	case L1_TX_UNILATERAL_CLOSE: return "unilateral_close";
	case L1_TX_CHALLENGE: return "challenge";
	case L1_TX_FILLER: return "filler";
	}
	return "?";
}

void l1_params_default(struct l1_params *p)
{
	*p = (struct l1_params){
		.block_interval_ms = 600000,
		.exponential = false,
		.block_tx_limit = 4000,
		.confirmations = 6,
		.dispute_timeout_blocks = 144,
		.dispute_rule = L1_RULE_LATEST_STATE,
		.verify_signatures = true,
		.check_conservation = false,
		.seed = 1,
	};
}

static uint64_t draw_gap(struct l1_chain *c)
{
	if (!c->params.exponential)
		return c->params.block_interval_ms;
	double g = rng_exp(&c->rng, (double)c->params.block_interval_ms);
	/* Round to the 1 ms resolution; at least 1 ms; clamp absurd tails. */
	if (!(g < 1e15))
		g = 1e15;
	uint64_t ms = (uint64_t)llround(g);
	return ms ? ms : 1;
}

struct l1_chain *l1_chain_new(const struct l1_params *p)
{
	if (p->block_interval_ms == 0 || p->block_tx_limit == 0 || p->confirmations == 0)
		return NULL;
	if (sodium_init() < 0)
		fatal_invariant("libsodium could not be initialised");
	struct l1_chain *c = xcalloc(1, sizeof(*c));
	c->params = *p;
	rng_init(&c->rng, p->seed, 0x4c31 /* "L1" */);
	c->next_time_ms = draw_gap(c);
	return c;
}

static void channel_free(struct l1_channel *k)
{
	/* the per-party arrays belong to the chain's arena */
	l1_channel_cold_free(k);
}

void l1_chain_free(struct l1_chain *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->mempool_len; i++)
		l1_state_free(c->mempool[i].state);
	free(c->mempool);
	for (uint32_t i = 0; i < c->nchannels; i++)
		channel_free(&c->channels[i]);
	free(c->channels);
	arena_free(&c->channel_arrays);
	free(c->accounts);
	free(c->windows);
	free(c);
}

void l1_chain_set_listener(struct l1_chain *c, l1_event_fn fn, void *ctx)
{
	c->on_event = fn;
	c->event_ctx = ctx;
}

enum l1_result l1_chain_add_account(struct l1_chain *c, struct amount balance,
				    const uint8_t pubkey[L1_PUBKEY_LEN], uint32_t *id_out)
{
	struct amount supply;
	if (c->naccounts == UINT32_MAX)
		return L1_ERR_BAD_PARAMS;
	if (!amount_add(&supply, c->supply, balance))
		return L1_ERR_SUPPLY_OVERFLOW;
	if (c->naccounts == c->cap_accounts)
		c->accounts = xreallocarray(c->accounts, c->cap_accounts = c->cap_accounts ? 2 * c->cap_accounts : 8,
					    sizeof(*c->accounts));
	struct l1_account *a = &c->accounts[c->naccounts];
	a->balance = balance;
	if (pubkey)
		memcpy(a->pubkey, pubkey, L1_PUBKEY_LEN);
	else
		memset(a->pubkey, 0, L1_PUBKEY_LEN);
	c->supply = supply;
	*id_out = c->naccounts++;
	return L1_OK;
}

enum l1_result l1_chain_add_channel(struct l1_chain *c, uint32_t n, const uint32_t *accounts,
				    const struct amount *deposits, uint32_t *id_out)
{
	if (n == 0 || c->nchannels == UINT32_MAX)
		return L1_ERR_BAD_PARAMS;
	for (uint32_t i = 0; i < n; i++) {
		if (accounts[i] >= c->naccounts)
			return L1_ERR_NO_SUCH_ACCOUNT;
		for (uint32_t j = 0; j < i; j++)
			if (accounts[j] == accounts[i])
				return L1_ERR_BAD_PARAMS;
	}
	if (c->nchannels == c->cap_channels)
		c->channels = xreallocarray(c->channels, c->cap_channels = c->cap_channels ? 2 * c->cap_channels : 8,
					    sizeof(*c->channels));
	struct l1_channel *k = &c->channels[c->nchannels];
	memset(k, 0, sizeof(*k));
	k->nparties = n;
	/* One piece of the arena: the amounts first (8-byte aligned), then the account ids. */
	struct amount *amounts = arena_alloc(&c->channel_arrays, (size_t)n * (2 * sizeof(struct amount) + sizeof(uint32_t)));
	k->amounts = amounts;
	memcpy(amounts + 2 * (size_t)n, accounts, n * sizeof(uint32_t));
	for (uint32_t i = 0; i < n; i++)
		amounts[i] = deposits ? deposits[i] : AMOUNT(0);
	*id_out = c->nchannels++;
	return L1_OK;
}

/* ---- mempool: a binary heap, highest fee first, then earliest submission ---- */

static bool tx_before(const struct l1_tx *a, const struct l1_tx *b)
{
	return a->fee.units > b->fee.units || (a->fee.units == b->fee.units && a->id < b->id);
}

/* Inserts tx (id and submit_height already set). */
static void mempool_push(struct l1_chain *c, struct l1_tx tx)
{
	if (c->mempool_len == c->mempool_cap)
		c->mempool = xreallocarray(c->mempool, c->mempool_cap = c->mempool_cap ? 2 * c->mempool_cap : 64,
					   sizeof(*c->mempool));
	size_t i = c->mempool_len++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!tx_before(&tx, &c->mempool[parent]))
			break;
		c->mempool[i] = c->mempool[parent];
		i = parent;
	}
	c->mempool[i] = tx;
}

uint64_t l1_chain_submit(struct l1_chain *c, struct l1_tx tx)
{
	tx.id = c->next_tx_id++;
	tx.submit_height = c->height;
	mempool_push(c, tx);
	return tx.id;
}

static struct l1_tx mempool_pop(struct l1_chain *c)
{
	struct l1_tx top = c->mempool[0];
	struct l1_tx last = c->mempool[--c->mempool_len];
	size_t i = 0, n = c->mempool_len;
	for (;;) {
		size_t ch = 2 * i + 1;
		if (ch >= n)
			break;
		if (ch + 1 < n && tx_before(&c->mempool[ch + 1], &c->mempool[ch]))
			ch++;
		if (!tx_before(&c->mempool[ch], &last))
			break;
		c->mempool[i] = c->mempool[ch];
		i = ch;
	}
	if (n)
		c->mempool[i] = last;
	return top;
}

/* ---- block production ---- */

static void emit(struct l1_chain *c, struct l1_event ev)
{
	ev.height = c->height;
	ev.time_ms = c->time_ms;
	if (c->on_event)
		c->on_event(c->event_ctx, &ev);
}

static enum l1_result execute(struct l1_chain *c, const struct l1_tx *tx)
{
	switch (tx->kind) {
	case L1_TX_OPEN: return l1_contract_open(c, tx);
	case L1_TX_DEPOSIT: return l1_contract_deposit(c, tx);
	case L1_TX_COOP_CLOSE: return l1_contract_coop_close(c, tx);
	case L1_TX_UNILATERAL_CLOSE: return l1_contract_unilateral_close(c, tx);
	case L1_TX_CHALLENGE: return l1_contract_challenge(c, tx);
	case L1_TX_FILLER:
		if (tx->submitter >= c->naccounts)
			return L1_ERR_NO_SUCH_ACCOUNT;
		if (!amount_sub_from(&c->accounts[tx->submitter].balance, tx->fee))
			return L1_ERR_NO_FUNDS;
		return L1_OK;
	}
	return L1_ERR_BAD_PARAMS;
}

static void push_window(struct l1_chain *c, uint32_t channel)
{
	if (c->windows_head + c->windows_len == c->windows_cap) {
		if (c->windows_head > 0) { /* slide the live part to the front */
			memmove(c->windows, c->windows + c->windows_head, c->windows_len * sizeof(*c->windows));
			c->windows_head = 0;
		}
		if (c->windows_len == c->windows_cap)
			c->windows = xreallocarray(c->windows, c->windows_cap = c->windows_cap ? 2 * c->windows_cap : 16,
						   sizeof(*c->windows));
	}
	c->windows[c->windows_head + c->windows_len++] = channel;
}

void l1_chain_produce_block(struct l1_chain *c)
{
	c->height++;
	c->time_ms = c->next_time_ms;
	uint64_t gap = draw_gap(c);
	if (__builtin_add_overflow(c->time_ms, gap, &c->next_time_ms))
		c->next_time_ms = UINT64_MAX;

	/* Phase 1a: execute. A dropped tx takes no space, so keep reaching. A tx that a
	 * listener submits during this block was submitted at this height: it waits for
	 * the next block, so it is set aside and put back afterwards. */
	uint32_t included = 0;
	uint64_t first_new_id = c->next_tx_id;
	struct l1_tx *later = NULL;
	size_t nlater = 0, cap_later = 0;
	while (included < c->params.block_tx_limit && c->mempool_len > 0) {
		struct l1_tx tx = mempool_pop(c);
		if (tx.id >= first_new_id) {
			if (nlater == cap_later)
				later = xreallocarray(later, cap_later = cap_later ? 2 * cap_later : 8, sizeof(*later));
			later[nlater++] = tx;
			continue;
		}
		enum l1_result r = execute(c, &tx);
		if (r == L1_OK) {
			if (!amount_add_to(&c->fees, tx.fee))
				fatal_invariant("fees exceed the supply");
			included++;
			c->txs_included++;
			if (tx.kind != L1_TX_FILLER)
				c->channel_txs++;
			if (tx.kind == L1_TX_UNILATERAL_CLOSE)
				push_window(c, tx.channel);
			emit(c, (struct l1_event){ .kind = L1_EV_TX_INCLUDED, .tx = &tx, .channel = tx.channel });
			if (tx.kind == L1_TX_COOP_CLOSE)
				emit(c, (struct l1_event){ .kind = L1_EV_SETTLED, .channel = tx.channel });
		} else {
			c->txs_dropped++;
			emit(c, (struct l1_event){ .kind = L1_EV_TX_DROPPED, .tx = &tx, .reason = r,
						   .channel = tx.channel });
		}
		l1_state_free(tx.state);
	}
	for (size_t i = 0; i < nlater; i++)
		mempool_push(c, later[i]);
	free(later);

	/* Phase 1b: settle the windows that end here (registered at height - T). */
	while (c->windows_len > 0) {
		uint32_t ch = c->windows[c->windows_head];
		const struct l1_channel *k = &c->channels[ch];
		/* The window ends at close_height + T; compared without the sum, which may wrap. */
		if (c->height - k->cold->close_height < c->params.dispute_timeout_blocks)
			break;
		c->windows_head++;
		c->windows_len--;
		l1_contract_settle(c, ch);
		emit(c, (struct l1_event){ .kind = L1_EV_SETTLED, .channel = ch });
	}
	if (c->windows_len == 0)
		c->windows_head = 0;

	if (c->params.check_conservation && !l1_chain_conserved(c))
		fatal_invariant("conservation broken: balances + contracts + fees != supply");
}

bool l1_chain_is_final(const struct l1_chain *c, uint64_t height)
{
	/* height + confirmations - 1 <= c->height, without overflow */
	return height <= c->height && c->height - height >= (uint64_t)c->params.confirmations - 1;
}

bool l1_chain_conserved(const struct l1_chain *c)
{
	struct amount sum = c->fees;
	for (uint32_t i = 0; i < c->naccounts; i++)
		if (!amount_add_to(&sum, c->accounts[i].balance))
			return false;
	for (uint32_t i = 0; i < c->nchannels; i++)
		if (!amount_add_to(&sum, c->channels[i].holdings))
			return false;
	return amount_eq(sum, c->supply);
}

static void hash_u64(crypto_generichash_state *h, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	crypto_generichash_update(h, b, 8);
}

void l1_chain_state_hash(const struct l1_chain *c, uint8_t out[32])
{
	crypto_generichash_state h;
	crypto_generichash_init(&h, NULL, 0, 32);
	crypto_generichash_update(&h, (const uint8_t *)"l2sim/l1state/1", 15);
	hash_u64(&h, c->height);
	hash_u64(&h, c->time_ms);
	hash_u64(&h, c->fees.units);
	hash_u64(&h, c->naccounts);
	for (uint32_t i = 0; i < c->naccounts; i++)
		hash_u64(&h, c->accounts[i].balance.units);
	hash_u64(&h, c->nchannels);
	for (uint32_t i = 0; i < c->nchannels; i++) {
		const struct l1_channel *k = &c->channels[i];
		hash_u64(&h, k->status);
		hash_u64(&h, k->holdings.units);
		const struct l1_state *reg = l1_channel_cold(k)->registered;
		hash_u64(&h, reg ? reg->seq : UINT64_MAX);
		for (uint32_t j = 0; j < k->nparties; j++)
			hash_u64(&h, l1_channel_deposited(k)[j].units);
	}
	crypto_generichash_final(&h, out, 32);
}
