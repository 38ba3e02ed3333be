#include "chain.h"

#include <math.h>
#include <sodium.h>
#include <string.h>

#include "util.h"

/* ---- the ledger's own operations (contract 0) ---- */

struct l1_tx l1_tx_transfer(uint32_t from, uint32_t to, struct amount amount, struct amount fee)
{
	return (struct l1_tx){ .submitter = from, .contract = L1_CONTRACT_LEDGER, .op = L1_LEDGER_TRANSFER,
			       .target = to, .amount = amount, .fee = fee };
}

struct l1_tx l1_tx_fee_only(uint32_t submitter, struct amount fee)
{
	return (struct l1_tx){ .submitter = submitter, .contract = L1_CONTRACT_LEDGER,
			       .op = L1_LEDGER_FEE_ONLY, .fee = fee };
}

enum l1_result l1_chain_can_pay(const struct l1_chain *c, uint32_t acct, struct amount fee,
				struct amount extra, struct amount *after)
{
	struct amount need;
	if (!amount_add(&need, fee, extra))
		return L1_ERR_OVERFLOW;
	if (!amount_sub(after, c->accounts[acct].balance, need))
		return L1_ERR_NO_FUNDS;
	return L1_OK;
}

static enum l1_result ledger_execute(void *self, struct l1_chain *c, const struct l1_tx *tx)
{
	(void)self;
	if (tx->op != L1_LEDGER_TRANSFER && tx->op != L1_LEDGER_FEE_ONLY)
		return L1_ERR_NO_SUCH_OP;
	if (tx->submitter >= c->naccounts)
		return L1_ERR_NO_SUCH_ACCOUNT;
	if (tx->op == L1_LEDGER_FEE_ONLY) {
		if (!amount_sub_from(&c->accounts[tx->submitter].balance, tx->fee))
			return L1_ERR_NO_FUNDS;
		return L1_OK;
	}
	if (tx->target >= c->naccounts)
		return L1_ERR_NO_SUCH_ACCOUNT;
	struct amount after, to_after;
	enum l1_result r = l1_chain_can_pay(c, tx->submitter, tx->fee, tx->amount, &after);
	if (r)
		return r;
	if (tx->target == tx->submitter) {
		c->accounts[tx->submitter].balance = after;
		if (!amount_add_to(&c->accounts[tx->submitter].balance, tx->amount))
			fatal_invariant("transfer to oneself: paid above");
		return L1_OK;
	}
	/* Cannot overflow while the supply fits in 64 bits; checked all the same. */
	if (!amount_add(&to_after, c->accounts[tx->target].balance, tx->amount))
		return L1_ERR_OVERFLOW;
	c->accounts[tx->submitter].balance = after;
	c->accounts[tx->target].balance = to_after;
	return L1_OK;
}

static const char *ledger_op_str(uint32_t op)
{
	switch (op) {
	case L1_LEDGER_TRANSFER: return "transfer";
	case L1_LEDGER_FEE_ONLY: return "filler";
	}
	return NULL;
}

static const struct l1_contract_ops ledger_ops = {
	.name = "ledger",
	.execute = ledger_execute,
	.op_str = ledger_op_str,
};

/* ---- the chain ---- */

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
	c->contracts = xmalloc(sizeof(*c->contracts));
	c->contracts[0] = (struct l1_contract_slot){ &ledger_ops, NULL };
	c->ncontracts = 1;
	c->min_tx_bytes = L1_MIN_TX_BYTES;
	return c;
}

static void free_tx_data(const struct l1_chain *c, struct l1_tx *tx)
{
	if (!tx->data)
		return;
	const struct l1_contract_ops *ops = c->contracts[tx->contract].ops; /* checked at submit */
	if (ops->free_tx_data)
		ops->free_tx_data(tx->op, tx->data);
	tx->data = NULL;
}

void l1_chain_free(struct l1_chain *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->mempool_len; i++)
		free_tx_data(c, &c->mempool[i]);
	free(c->mempool);
	for (uint32_t i = 0; i < c->ncontracts; i++)
		if (c->contracts[i].ops->free)
			c->contracts[i].ops->free(c->contracts[i].self);
	free(c->contracts);
	free(c->accounts);
	free(c->timers);
	free(c->listeners);
	free(c->deferred);
	free(c);
}

void l1_chain_add_listener(struct l1_chain *c, l1_event_fn fn, void *ctx)
{
	c->listeners = xreallocarray(c->listeners, c->nlisteners + 1, sizeof(*c->listeners));
	c->listeners[c->nlisteners++] = (struct l1_listener){ fn, ctx };
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

void l1_chain_add_contract(struct l1_chain *c, const struct l1_contract_ops *ops, void *self,
			   uint32_t *id_out)
{
	if (!ops || !ops->execute || c->ncontracts == UINT32_MAX)
		fatal_invariant("a contract needs an execute operation");
	c->contracts = xreallocarray(c->contracts, c->ncontracts + 1, sizeof(*c->contracts));
	c->contracts[c->ncontracts] = (struct l1_contract_slot){ ops, self };
	*id_out = c->ncontracts++;
}

void *l1_chain_contract(const struct l1_chain *c, uint32_t id, const struct l1_contract_ops *ops)
{
	if (id >= c->ncontracts || c->contracts[id].ops != ops)
		return NULL;
	return c->contracts[id].self;
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
	if (tx.data && tx.contract >= c->ncontracts)
		fatal_invariant("a tx with data names a contract that does not exist");
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

/* ---- timers: a binary heap by (height, seq) ---- */

static bool timer_before(const struct l1_timer *a, const struct l1_timer *b)
{
	return a->height < b->height || (a->height == b->height && a->seq < b->seq);
}

void l1_chain_add_timer(struct l1_chain *c, uint32_t contract, uint64_t height, uint64_t arg)
{
	if (c->ntimers == c->cap_timers)
		c->timers = xreallocarray(c->timers, c->cap_timers = c->cap_timers ? 2 * c->cap_timers : 16,
					  sizeof(*c->timers));
	struct l1_timer t = { height, c->next_timer_seq++, arg, contract };
	size_t i = c->ntimers++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!timer_before(&t, &c->timers[parent]))
			break;
		c->timers[i] = c->timers[parent];
		i = parent;
	}
	c->timers[i] = t;
}

static struct l1_timer timer_pop(struct l1_chain *c)
{
	struct l1_timer top = c->timers[0];
	struct l1_timer last = c->timers[--c->ntimers];
	size_t i = 0, n = c->ntimers;
	for (;;) {
		size_t ch = 2 * i + 1;
		if (ch >= n)
			break;
		if (ch + 1 < n && timer_before(&c->timers[ch + 1], &c->timers[ch]))
			ch++;
		if (!timer_before(&c->timers[ch], &last))
			break;
		c->timers[i] = c->timers[ch];
		i = ch;
	}
	if (n)
		c->timers[i] = last;
	return top;
}

/* ---- events ---- */

static void emit(struct l1_chain *c, struct l1_event ev)
{
	ev.height = c->height;
	ev.time_ms = c->time_ms;
	for (uint32_t i = 0; i < c->nlisteners; i++)
		c->listeners[i].fn(c->listeners[i].ctx, &ev);
}

void l1_chain_emit(struct l1_chain *c, uint32_t contract, uint32_t code, uint32_t target)
{
	struct l1_event ev = { .kind = L1_EV_CONTRACT, .contract = contract, .code = code, .target = target };
	if (!c->executing) {
		emit(c, ev);
		return;
	}
	if (c->ndeferred == c->cap_deferred)
		c->deferred = xreallocarray(c->deferred, c->cap_deferred = c->cap_deferred ? 2 * c->cap_deferred : 4,
					    sizeof(*c->deferred));
	c->deferred[c->ndeferred++] = ev;
}

/* ---- block production ---- */

static enum l1_result execute(struct l1_chain *c, const struct l1_tx *tx)
{
	if (tx->contract >= c->ncontracts)
		return L1_ERR_NO_SUCH_CONTRACT;
	const struct l1_contract_slot *k = &c->contracts[tx->contract];
	c->executing = true;
	c->ndeferred = 0;
	enum l1_result r = k->ops->execute(k->self, c, tx);
	c->executing = false;
	if (r != L1_OK && c->ndeferred)
		fatal_invariant("a contract emitted an event for a tx it refused");
	return r;
}

static bool conservation_due(const struct l1_chain *c)
{
	return (c->height & (c->height - 1)) == 0 || c->height % L1_CONSERVATION_EVERY == 0;
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
	uint64_t bytes_left = c->params.block_bytes ? c->params.block_bytes : UINT64_MAX;
	while (included < c->params.block_tx_limit && c->mempool_len > 0 && bytes_left >= c->min_tx_bytes) {
		struct l1_tx tx = mempool_pop(c);
		uint32_t size = 0;
		bool wait = tx.id >= first_new_id;
		if (!wait && tx.contract < c->ncontracts) {
			const struct l1_contract_slot *k = &c->contracts[tx.contract];
			wait = k->ops->passed_over && k->ops->passed_over(k->self, c, &tx);
			if (!wait) {
				size = l1_chain_tx_bytes(c, &tx);
				wait = size > bytes_left;
			}
		}
		if (wait) {
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
			bytes_left -= size;
			c->bytes_included += size;
			size_t nev = c->ndeferred;
			emit(c, (struct l1_event){ .kind = L1_EV_TX_INCLUDED, .tx = &tx, .contract = tx.contract,
						   .target = tx.target });
			/* A listener may submit, never execute: the deferred events are intact. */
			for (size_t i = 0; i < nev; i++)
				emit(c, c->deferred[i]);
		} else {
			c->txs_dropped++;
			emit(c, (struct l1_event){ .kind = L1_EV_TX_DROPPED, .tx = &tx, .reason = r,
						   .contract = tx.contract, .target = tx.target });
		}
		if (tx.contract < c->ncontracts)
			free_tx_data(c, &tx);
	}
	for (size_t i = 0; i < nlater; i++)
		mempool_push(c, later[i]);
	free(later);

	/* Phase 1b: the timers that come at this height, in the order they were set. */
	while (c->ntimers > 0 && c->timers[0].height <= c->height) {
		struct l1_timer t = timer_pop(c);
		const struct l1_contract_slot *k = &c->contracts[t.contract];
		if (!k->ops->timer)
			fatal_invariant("a timer of a contract without a timer operation");
		k->ops->timer(k->self, c, t.arg);
	}

	if (c->params.check_conservation && conservation_due(c) && !l1_chain_conserved(c))
		fatal_invariant("conservation broken: balances + contracts + fees != supply");
}

uint32_t l1_chain_tx_bytes(const struct l1_chain *c, const struct l1_tx *tx)
{
	if (tx->contract == L1_CONTRACT_LEDGER || tx->contract >= c->ncontracts)
		return L1_TX_BYTES_TRANSFER;
	const struct l1_contract_slot *k = &c->contracts[tx->contract];
	if (!k->ops->tx_bytes)
		return L1_TX_BYTES_CONTRACT;
	uint32_t b = k->ops->tx_bytes(k->self, tx);
	if (b < c->min_tx_bytes)
		fatal_invariant("a contract's tx is smaller than it said its txs can be");
	return b;
}

void l1_chain_allow_tx_bytes(struct l1_chain *c, uint32_t least)
{
	if (least < c->min_tx_bytes)
		c->min_tx_bytes = least;
}

size_t l1_chain_remove_pending(struct l1_chain *c, bool (*pred)(void *ctx, const struct l1_tx *tx),
			       void *ctx)
{
	size_t kept = 0, removed = 0;
	for (size_t i = 0; i < c->mempool_len; i++) {
		if (pred(ctx, &c->mempool[i])) {
			free_tx_data(c, &c->mempool[i]);
			removed++;
		} else {
			c->mempool[kept++] = c->mempool[i];
		}
	}
	if (removed == 0)
		return 0;
	/* Rebuild the heap over what is left: (fee desc, id asc) is a total order, so the
	 * order txs are reached in does not depend on how the heap was built. */
	size_t n = kept;
	c->mempool_len = 0;
	struct l1_tx *old = c->mempool;
	c->mempool = xreallocarray(NULL, c->mempool_cap, sizeof(*c->mempool));
	for (size_t i = 0; i < n; i++)
		mempool_push(c, old[i]);
	free(old);
	return removed;
}

bool l1_chain_is_final(const struct l1_chain *c, uint64_t height)
{
	/* height + confirmations - 1 <= c->height, without overflow */
	return height <= c->height && c->height - height >= (uint64_t)c->params.confirmations - 1;
}

const char *l1_chain_op_str(const struct l1_chain *c, const struct l1_tx *tx)
{
	if (tx->contract >= c->ncontracts || !c->contracts[tx->contract].ops->op_str)
		return "?";
	const char *s = c->contracts[tx->contract].ops->op_str(tx->op);
	return s ? s : "?";
}

bool l1_chain_conserved(const struct l1_chain *c)
{
	struct amount sum = c->fees;
	for (uint32_t i = 0; i < c->naccounts; i++)
		if (!amount_add_to(&sum, c->accounts[i].balance))
			return false;
	for (uint32_t i = 0; i < c->ncontracts; i++) {
		const struct l1_contract_slot *k = &c->contracts[i];
		if (k->ops->holdings && !k->ops->holdings(k->self, &sum))
			return false;
	}
	return amount_eq(sum, c->supply);
}

struct l1_hasher {
	crypto_generichash_state st;
};

void l1_hasher_u64(struct l1_hasher *h, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	crypto_generichash_update(&h->st, b, 8);
}

void l1_chain_state_hash(const struct l1_chain *c, uint8_t out[32])
{
	struct l1_hasher h;
	crypto_generichash_init(&h.st, NULL, 0, 32);
	crypto_generichash_update(&h.st, (const uint8_t *)"l2sim/l1state/1", 15);
	l1_hasher_u64(&h, c->height);
	l1_hasher_u64(&h, c->time_ms);
	l1_hasher_u64(&h, c->fees.units);
	l1_hasher_u64(&h, c->naccounts);
	for (uint32_t i = 0; i < c->naccounts; i++)
		l1_hasher_u64(&h, c->accounts[i].balance.units);
	for (uint32_t i = 0; i < c->ncontracts; i++) {
		const struct l1_contract_slot *k = &c->contracts[i];
		if (k->ops->hash)
			k->ops->hash(k->self, &h);
	}
	crypto_generichash_final(&h.st, out, 32);
}
