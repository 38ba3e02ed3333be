#include "rollup.h"

#include <string.h>

#include "util.h"

/* A batch included and not yet final (optimistic): the window of its fraud proofs.
 * Batches are included in seq order and become final in that order, so they form a
 * FIFO; a revert cuts it from the reverted batch on. */
struct rollup_live {
	uint64_t seq;
	uint64_t included;         /* height */
	bool fraud;
	uint32_t nwithdrawals;
	struct l1_rollup_withdrawal *withdrawals; /* owned */
};

struct l1_rollup {
	uint32_t id;
	struct l1_chain *chain;
	struct l1_rollup_params p;
	uint32_t operator_account;
	struct amount bond;
	struct amount deposits;    /* deposited and not paid out by withdrawals */
	uint64_t next_seq;         /* the batch it takes next; UINT64_MAX: none until resumed */
	struct rollup_live *live;  /* [head, nlive): included, not final */
	size_t head, nlive, cap_live;
	uint64_t nfinal, nreverted, nproofs;
};

const char *l1_rollup_op_str(enum l1_rollup_op op)
{
	switch (op) {
	case L1_ROLLUP_DEPOSIT: return "rollup_deposit";
	case L1_ROLLUP_BATCH: return "rollup_batch";
	case L1_ROLLUP_FRAUD_PROOF: return "fraud_proof";
	case L1_ROLLUP_OP_NONE: break;
	}
	return NULL;
}

struct l1_rollup_batch *l1_rollup_batch_new(uint64_t seq, uint64_t ntxs, bool fraud,
					    const struct l1_rollup_withdrawal *w, uint32_t n)
{
	struct l1_rollup_batch *b = xcalloc(1, sizeof(*b));
	b->seq = seq;
	b->ntxs = ntxs;
	b->fraud = fraud;
	b->nwithdrawals = n;
	if (n) {
		b->withdrawals = xreallocarray(NULL, n, sizeof(*w));
		memcpy(b->withdrawals, w, (size_t)n * sizeof(*w));
	}
	return b;
}

static void batch_free(struct l1_rollup_batch *b)
{
	if (b) {
		free(b->withdrawals);
		free(b);
	}
}

uint64_t l1_rollup_batch_bytes(const struct l1_rollup_params *p, uint64_t n)
{
	uint64_t extra = p->kind == L1_ROLLUP_VALIDITY ? p->proof_bytes : 0;
	if (p->batch_base_bytes > UINT32_MAX || extra > UINT32_MAX ||
	    (p->bytes_per_tx && n > UINT32_MAX / p->bytes_per_tx))
		return UINT32_MAX;
	uint64_t b = p->batch_base_bytes + extra + n * p->bytes_per_tx; /* < 3 x 2^32: no wrap */
	return b > UINT32_MAX ? UINT32_MAX : b;
}

/* Pays w[0..n) from the deposits, in order, each only if the contract still holds it
 * (it never pays out more than it holds). */
static void pay_withdrawals(struct l1_rollup *k, const struct l1_rollup_withdrawal *w, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (w[i].account >= k->chain->naccounts)
			continue;
		struct amount *bal = &k->chain->accounts[w[i].account].balance;
		struct amount after;
		if (!amount_le(w[i].amount, k->deposits) || !amount_add(&after, *bal, w[i].amount))
			continue;
		if (!amount_sub_from(&k->deposits, w[i].amount))
			fatal_invariant("rollup withdrawal above the deposits");
		*bal = after;
	}
}

static void finalize(struct l1_rollup *k, struct l1_chain *c, uint64_t seq, const struct l1_rollup_withdrawal *w,
		     uint32_t n)
{
	pay_withdrawals(k, w, n);
	k->nfinal++;
	l1_chain_emit(c, k->id, L1_ROLLUP_EV_FINAL, (uint32_t)seq);
}

static enum l1_result pay_fee(struct l1_chain *c, const struct l1_tx *tx, struct amount extra)
{
	struct amount after;
	enum l1_result r = l1_chain_can_pay(c, tx->submitter, tx->fee, extra, &after);
	if (r == L1_OK)
		c->accounts[tx->submitter].balance = after;
	return r;
}

static enum l1_result op_deposit(struct l1_rollup *k, struct l1_chain *c, const struct l1_tx *tx)
{
	struct amount held;
	if (!amount_add(&held, k->deposits, tx->amount) || !amount_add(&(struct amount){ 0 }, held, k->bond))
		return L1_ERR_OVERFLOW;
	enum l1_result r = pay_fee(c, tx, tx->amount);
	if (r)
		return r;
	k->deposits = held;
	return L1_OK;
}

static enum l1_result op_batch(struct l1_rollup *k, struct l1_chain *c, const struct l1_tx *tx)
{
	const struct l1_rollup_batch *b = tx->data;
	if (!b || b->seq != k->next_seq)
		return L1_ERR_BATCH_ORDER;
	if (tx->submitter != k->operator_account)
		return L1_ERR_NOT_OPERATOR;
	if (k->p.kind == L1_ROLLUP_VALIDITY && b->fraud)
		return L1_ERR_BAD_PROOF; /* no valid proof of a wrong state exists */
	enum l1_result r = pay_fee(c, tx, AMOUNT(0));
	if (r)
		return r;
	k->next_seq++;
	if (k->p.kind == L1_ROLLUP_VALIDITY) {
		finalize(k, c, b->seq, b->withdrawals, b->nwithdrawals);
		return L1_OK;
	}
	if (k->nlive == k->cap_live) {
		/* Reclaim the slots of batches already final before growing. */
		if (k->head > 0) {
			memmove(k->live, k->live + k->head, (k->nlive - k->head) * sizeof(*k->live));
			k->nlive -= k->head;
			k->head = 0;
		}
		if (k->nlive == k->cap_live)
			k->live = xreallocarray(k->live, k->cap_live = k->cap_live ? 2 * k->cap_live : 8, sizeof(*k->live));
	}
	struct rollup_live *x = &k->live[k->nlive++];
	*x = (struct rollup_live){ .seq = b->seq, .included = c->height, .fraud = b->fraud,
				   .nwithdrawals = b->nwithdrawals };
	if (b->nwithdrawals) {
		x->withdrawals = xreallocarray(NULL, b->nwithdrawals, sizeof(*x->withdrawals));
		memcpy(x->withdrawals, b->withdrawals, (size_t)b->nwithdrawals * sizeof(*x->withdrawals));
	}
	uint64_t at = c->height > UINT64_MAX - k->p.challenge_blocks ? UINT64_MAX : c->height + k->p.challenge_blocks;
	l1_chain_add_timer(c, k->id, at, b->seq);
	return L1_OK;
}

static struct rollup_live *find_live(const struct l1_rollup *k, uint64_t seq)
{
	for (size_t i = k->head; i < k->nlive; i++)
		if (k->live[i].seq == seq)
			return &k->live[i];
	return NULL;
}

static enum l1_result op_fraud_proof(struct l1_rollup *k, struct l1_chain *c, const struct l1_tx *tx)
{
	if (k->p.kind != L1_ROLLUP_OPTIMISTIC)
		return L1_ERR_NO_SUCH_OP;
	struct rollup_live *x = find_live(k, tx->target);
	if (!x)
		return L1_ERR_NOT_CHALLENGEABLE;
	if (!x->fraud)
		return L1_ERR_NO_FRAUD;
	struct amount *bal = &c->accounts[tx->submitter].balance, after_fee, after_bond;
	enum l1_result r = l1_chain_can_pay(c, tx->submitter, tx->fee, AMOUNT(0), &after_fee);
	if (r)
		return r;
	if (!amount_add(&after_bond, after_fee, k->bond))
		return L1_ERR_OVERFLOW;
	*bal = after_bond;
	k->bond = AMOUNT(0); /* slashed once: a later proof pays nothing more */
	k->nproofs++;
	/* This batch and every later one included are undone: none of them becomes final. */
	size_t from = (size_t)(x - k->live);
	for (size_t i = from; i < k->nlive; i++) {
		free(k->live[i].withdrawals);
		k->nreverted++;
	}
	k->nlive = from;
	k->next_seq = UINT64_MAX; /* nothing pending goes in until the cutter resumes */
	l1_chain_emit(c, k->id, L1_ROLLUP_EV_REVERTED, tx->target);
	return L1_OK;
}

/* ---- the operations table ---- */

static enum l1_result rl_execute(void *self, struct l1_chain *c, const struct l1_tx *tx)
{
	struct l1_rollup *k = self;
	switch (tx->op) {
	case L1_ROLLUP_DEPOSIT: return op_deposit(k, c, tx);
	case L1_ROLLUP_BATCH: return op_batch(k, c, tx);
	case L1_ROLLUP_FRAUD_PROOF: return op_fraud_proof(k, c, tx);
	default: return L1_ERR_NO_SUCH_OP;
	}
}

/* The window of batch `arg` has ended: final unless a fraud proof reverted it. */
static void rl_timer(void *self, struct l1_chain *c, uint64_t arg)
{
	struct l1_rollup *k = self;
	if (k->head >= k->nlive || k->live[k->head].seq != arg)
		return; /* reverted */
	struct rollup_live *x = &k->live[k->head++];
	finalize(k, c, x->seq, x->withdrawals, x->nwithdrawals);
	free(x->withdrawals);
	x->withdrawals = NULL;
	if (k->head == k->nlive)
		k->head = k->nlive = 0;
}

static bool rl_holdings(const void *self, struct amount *sum)
{
	const struct l1_rollup *k = self;
	return amount_add_to(sum, k->bond) && amount_add_to(sum, k->deposits);
}

static void rl_hash(const void *self, struct l1_hasher *h)
{
	const struct l1_rollup *k = self;
	l1_hasher_u64(h, k->bond.units);
	l1_hasher_u64(h, k->deposits.units);
	l1_hasher_u64(h, k->next_seq);
	l1_hasher_u64(h, k->nfinal);
	l1_hasher_u64(h, k->nreverted);
	l1_hasher_u64(h, k->nlive - k->head);
	for (size_t i = k->head; i < k->nlive; i++) {
		l1_hasher_u64(h, k->live[i].seq);
		l1_hasher_u64(h, k->live[i].included);
		l1_hasher_u64(h, k->live[i].fraud);
	}
}

static const char *rl_op_str(uint32_t op)
{
	return op < L1_ROLLUP_OP_NONE ? l1_rollup_op_str((enum l1_rollup_op)op) : NULL;
}

static void rl_free_tx_data(uint32_t op, void *data)
{
	if (op == L1_ROLLUP_BATCH)
		batch_free(data);
}

static void rl_free(void *self)
{
	struct l1_rollup *k = self;
	for (size_t i = k->head; i < k->nlive; i++)
		free(k->live[i].withdrawals);
	free(k->live);
	free(k);
}

static uint32_t rl_tx_bytes(const void *self, const struct l1_tx *tx)
{
	const struct l1_rollup *k = self;
	switch (tx->op) {
	case L1_ROLLUP_BATCH: {
		const struct l1_rollup_batch *b = tx->data;
		return (uint32_t)l1_rollup_batch_bytes(&k->p, b ? b->ntxs : 0);
	}
	case L1_ROLLUP_FRAUD_PROOF: return L1_ROLLUP_FRAUD_PROOF_BYTES;
	default: return L1_ROLLUP_DEPOSIT_BYTES;
	}
}

/* A batch waits while an earlier batch of the rollup is pending: the contract takes
 * batches in seq order only. */
static bool rl_passed_over(const void *self, const struct l1_chain *c, const struct l1_tx *tx)
{
	const struct l1_rollup *k = self;
	(void)c;
	const struct l1_rollup_batch *b = tx->op == L1_ROLLUP_BATCH ? tx->data : NULL;
	return b && b->seq != k->next_seq;
}

static const struct l1_contract_ops rollup_ops = {
	.name = "rollup",
	.execute = rl_execute,
	.timer = rl_timer,
	.holdings = rl_holdings,
	.hash = rl_hash,
	.op_str = rl_op_str,
	.free_tx_data = rl_free_tx_data,
	.free = rl_free,
	.tx_bytes = rl_tx_bytes,
	.passed_over = rl_passed_over,
};

enum l1_result l1_rollup_new(struct l1_chain *c, const struct l1_rollup_params *p, uint32_t operator_account,
			     struct amount bond, struct l1_rollup **out)
{
	if (p->kind != L1_ROLLUP_OPTIMISTIC && p->kind != L1_ROLLUP_VALIDITY)
		return L1_ERR_BAD_PARAMS;
	if (operator_account >= c->naccounts)
		return L1_ERR_NO_SUCH_ACCOUNT;
	struct amount after;
	if (!amount_sub(&after, c->accounts[operator_account].balance, bond))
		return L1_ERR_NO_FUNDS;
	c->accounts[operator_account].balance = after;
	struct l1_rollup *k = xcalloc(1, sizeof(*k));
	k->chain = c;
	k->p = *p;
	k->operator_account = operator_account;
	k->bond = bond;
	l1_chain_add_contract(c, &rollup_ops, k, &k->id);
	/* SPEC's size of a batch has no floor: one of a few bytes is that few bytes. */
	l1_chain_allow_tx_bytes(c, (uint32_t)l1_rollup_batch_bytes(p, 0));
	*out = k;
	return L1_OK;
}

uint32_t l1_rollup_id(const struct l1_rollup *k) { return k->id; }

struct l1_tx l1_rollup_deposit_tx(const struct l1_rollup *k, uint32_t account, struct amount amount,
				  struct amount fee)
{
	return (struct l1_tx){ .submitter = account, .contract = k->id, .op = L1_ROLLUP_DEPOSIT, .fee = fee,
			       .amount = amount };
}

struct l1_tx l1_rollup_batch_tx(const struct l1_rollup *k, uint32_t operator_account, struct amount fee,
				struct l1_rollup_batch *batch)
{
	return (struct l1_tx){ .submitter = operator_account, .contract = k->id, .op = L1_ROLLUP_BATCH,
			       .target = (uint32_t)batch->seq, .fee = fee, .data = batch };
}

struct l1_tx l1_rollup_fraud_proof_tx(const struct l1_rollup *k, uint32_t account, uint64_t seq,
				      struct amount fee)
{
	return (struct l1_tx){ .submitter = account, .contract = k->id, .op = L1_ROLLUP_FRAUD_PROOF,
			       .target = (uint32_t)seq, .fee = fee };
}

void l1_rollup_resume(struct l1_rollup *k, uint64_t next_seq) { k->next_seq = next_seq; }

enum l1_rollup_op l1_rollup_op_of(const struct l1_rollup *k, const struct l1_tx *tx)
{
	return tx->contract == k->id && tx->op < L1_ROLLUP_OP_NONE ? (enum l1_rollup_op)tx->op : L1_ROLLUP_OP_NONE;
}

const struct l1_rollup_batch *l1_rollup_tx_batch(const struct l1_tx *tx)
{
	return tx->op == L1_ROLLUP_BATCH ? tx->data : NULL;
}

struct amount l1_rollup_bond(const struct l1_rollup *k) { return k->bond; }

struct amount l1_rollup_holdings(const struct l1_rollup *k)
{
	struct amount s = AMOUNT(0);
	if (!rl_holdings(k, &s))
		fatal_invariant("rollup holdings overflow");
	return s;
}

bool l1_rollup_batch_open(const struct l1_rollup *k, uint64_t seq) { return find_live(k, seq) != NULL; }
uint64_t l1_rollup_batches_final(const struct l1_rollup *k) { return k->nfinal; }
uint64_t l1_rollup_batches_reverted(const struct l1_rollup *k) { return k->nreverted; }
