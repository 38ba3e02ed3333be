/* The peg contract (peg.h): peg-ins, and releases checked against the federation's
 * keys with libsodium. */
#include "peg.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct l1_peg_contract {
	struct l1_chain *chain;     /* the owner */
	uint32_t id;                /* on the chain */
	uint32_t nmembers, threshold;
	uint8_t (*pks)[L1_PUBKEY_LEN]; /* [nmembers] */
	struct amount holdings;
	uint64_t *paid;             /* release numbers paid, ascending */
	size_t npaid, cap_paid;
	uint64_t verifies;
};

const char *l1_peg_op_str(enum l1_peg_op op)
{
	switch (op) {
	case L1_PEG_IN: return "peg_in";
	case L1_PEG_RELEASE: return "peg_release";
	case L1_PEG_OP_NONE: break;
	}
	return NULL;
}

static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

void l1_peg_message(const struct l1_peg_contract *pc, uint32_t recipient, struct amount amount, uint64_t number,
		    uint8_t out[L1_PEG_MSG_LEN])
{
	uint8_t *p = out;
	memcpy(p, L1_PEG_TAG, L1_PEG_TAG_LEN);
	p += L1_PEG_TAG_LEN;
	p = put_u32(p, pc->id);
	p = put_u32(p, recipient);
	p = put_u64(p, amount.units);
	(void)put_u64(p, number);
}

struct l1_peg_release *l1_peg_release_new(uint64_t number, uint32_t nsigs)
{
	if (nsigs > L1_PEG_MAX_SIGS)
		fatal_invariant("a peg release with too many signatures");
	struct l1_peg_release *rel = xcalloc(1, sizeof(*rel) + (size_t)nsigs * sizeof(rel->sigs[0]));
	rel->number = number;
	rel->nsigs = nsigs;
	return rel;
}

void l1_peg_release_sign(const struct l1_peg_contract *pc, struct l1_peg_release *rel, uint32_t i, uint32_t recipient,
			 struct amount amount, const uint8_t pk[L1_PUBKEY_LEN], const uint8_t sk[L1_SECKEY_LEN])
{
	uint8_t msg[L1_PEG_MSG_LEN];
	l1_peg_message(pc, recipient, amount, rel->number, msg);
	memcpy(rel->sigs[i].pk, pk, L1_PUBKEY_LEN);
	crypto_sign_detached(rel->sigs[i].sig, NULL, msg, sizeof(msg), sk);
}

/* The index of the member with key pk, or -1. O(members): federations are small. */
static int member_of(const struct l1_peg_contract *pc, const uint8_t pk[L1_PUBKEY_LEN])
{
	for (uint32_t i = 0; i < pc->nmembers; i++)
		if (memcmp(pc->pks[i], pk, L1_PUBKEY_LEN) == 0)
			return (int)i;
	return -1;
}

/* Where number is, or would go, in pc->paid. */
static size_t paid_slot(const struct l1_peg_contract *pc, uint64_t number)
{
	size_t lo = 0, hi = pc->npaid;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pc->paid[mid] < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Counts the valid signatures of distinct members until the threshold is met: a
 * non-member's key, a member already counted, or a signature that does not verify
 * adds nothing. */
static bool quorum(struct l1_peg_contract *pc, const struct l1_tx *tx, const struct l1_peg_release *rel)
{
	uint8_t msg[L1_PEG_MSG_LEN];
	l1_peg_message(pc, tx->target, tx->amount, rel->number, msg);
	bool stack_counted[64] = { false };
	bool *counted = pc->nmembers <= 64 ? stack_counted : xcalloc(pc->nmembers, sizeof(*counted));
	uint32_t valid = 0;
	for (uint32_t i = 0; i < rel->nsigs && valid < pc->threshold; i++) {
		int m = member_of(pc, rel->sigs[i].pk);
		if (m < 0 || counted[m])
			continue;
		pc->verifies++;
		if (crypto_sign_verify_detached(rel->sigs[i].sig, msg, sizeof(msg), pc->pks[m]) == 0) {
			counted[m] = true;
			valid++;
		}
	}
	if (counted != stack_counted)
		free(counted);
	return valid >= pc->threshold;
}

static enum l1_result op_in(struct l1_peg_contract *pc, const struct l1_tx *tx)
{
	struct l1_chain *c = pc->chain;
	if (tx->submitter >= c->naccounts)
		return L1_ERR_NO_SUCH_ACCOUNT;
	if (amount_is_zero(tx->amount) || tx->data)
		return L1_ERR_BAD_PARAMS;
	struct amount after, held = pc->holdings;
	enum l1_result r = l1_chain_can_pay(c, tx->submitter, tx->fee, tx->amount, &after);
	if (r)
		return r;
	if (!amount_add_to(&held, tx->amount))
		return L1_ERR_OVERFLOW;
	c->accounts[tx->submitter].balance = after;
	pc->holdings = held;
	return L1_OK;
}

static enum l1_result op_release(struct l1_peg_contract *pc, const struct l1_tx *tx)
{
	struct l1_chain *c = pc->chain;
	const struct l1_peg_release *rel = tx->data;
	if (tx->submitter >= c->naccounts || tx->target >= c->naccounts)
		return L1_ERR_NO_SUCH_ACCOUNT;
	if (!rel || amount_is_zero(tx->amount))
		return L1_ERR_BAD_PARAMS;
	struct amount after;
	enum l1_result r = l1_chain_can_pay(c, tx->submitter, tx->fee, AMOUNT(0), &after);
	if (r)
		return r;
	size_t slot = paid_slot(pc, rel->number);
	if (slot < pc->npaid && pc->paid[slot] == rel->number)
		return L1_ERR_PEG_REPLAY;
	if (!quorum(pc, tx, rel))
		return L1_ERR_PEG_QUORUM;
	struct amount held;
	if (!amount_sub(&held, pc->holdings, tx->amount))
		return L1_ERR_PEG_SHORT;
	/* The recipient may be the submitter: credit the balance left after the fee. */
	struct amount to = tx->target == tx->submitter ? after : c->accounts[tx->target].balance;
	if (!amount_add_to(&to, tx->amount))
		return L1_ERR_OVERFLOW;
	c->accounts[tx->submitter].balance = after;
	c->accounts[tx->target].balance = to;
	pc->holdings = held;
	if (pc->npaid == pc->cap_paid)
		pc->paid = xreallocarray(pc->paid, pc->cap_paid = pc->cap_paid ? 2 * pc->cap_paid : 8, sizeof(*pc->paid));
	memmove(pc->paid + slot + 1, pc->paid + slot, (pc->npaid - slot) * sizeof(*pc->paid));
	pc->paid[slot] = rel->number;
	pc->npaid++;
	return L1_OK;
}

/* ---- the operations table ---- */

static enum l1_result pc_execute(void *self, struct l1_chain *c, const struct l1_tx *tx)
{
	(void)c;
	switch (tx->op) {
	case L1_PEG_IN: return op_in(self, tx);
	case L1_PEG_RELEASE: return op_release(self, tx);
	default: return L1_ERR_NO_SUCH_OP;
	}
}

static bool pc_holdings(const void *self, struct amount *sum)
{
	return amount_add_to(sum, ((const struct l1_peg_contract *)self)->holdings);
}

/* Holdings and the release numbers paid (which decide what a replay is). */
static void pc_hash(const void *self, struct l1_hasher *h)
{
	const struct l1_peg_contract *pc = self;
	l1_hasher_u64(h, pc->holdings.units);
	l1_hasher_u64(h, pc->npaid);
	for (size_t i = 0; i < pc->npaid; i++)
		l1_hasher_u64(h, pc->paid[i]);
}

static const char *pc_op_str(uint32_t op)
{
	return op < L1_PEG_OP_NONE ? l1_peg_op_str((enum l1_peg_op)op) : NULL;
}

static void pc_free_tx_data(uint32_t op, void *data)
{
	(void)op;
	free(data);
}

static void pc_free(void *self)
{
	struct l1_peg_contract *pc = self;
	free(pc->pks);
	free(pc->paid);
	free(pc);
}

static uint32_t pc_tx_bytes(const void *self, const struct l1_tx *tx)
{
	(void)self;
	if (tx->op == L1_PEG_RELEASE && tx->data)
		return (uint32_t)l1_peg_release_bytes(((const struct l1_peg_release *)tx->data)->nsigs);
	return L1_PEG_IN_BYTES;
}

static const struct l1_contract_ops peg_ops = {
	.name = "peg",
	.execute = pc_execute,
	.holdings = pc_holdings,
	.hash = pc_hash,
	.op_str = pc_op_str,
	.free_tx_data = pc_free_tx_data,
	.free = pc_free,
	.tx_bytes = pc_tx_bytes,
};

struct l1_peg_contract *l1_peg_contract_new(struct l1_chain *c, uint32_t n, const uint8_t (*pks)[L1_PUBKEY_LEN],
					    uint32_t m)
{
	if (n == 0 || n > L1_PEG_MAX_SIGS || m == 0 || m > n || !pks)
		return NULL;
	struct l1_peg_contract *pc = xcalloc(1, sizeof(*pc));
	pc->chain = c;
	pc->nmembers = n;
	pc->threshold = m;
	pc->pks = xreallocarray(NULL, n, sizeof(*pc->pks));
	memcpy(pc->pks, pks, (size_t)n * sizeof(*pc->pks));
	l1_chain_add_contract(c, &peg_ops, pc, &pc->id);
	return pc;
}

uint32_t l1_peg_contract_id(const struct l1_peg_contract *pc) { return pc->id; }
struct amount l1_peg_holdings(const struct l1_peg_contract *pc) { return pc->holdings; }
uint64_t l1_peg_releases(const struct l1_peg_contract *pc) { return pc->npaid; }
uint64_t l1_peg_verifies(const struct l1_peg_contract *pc) { return pc->verifies; }

struct l1_tx l1_peg_in_tx(const struct l1_peg_contract *pc, uint32_t submitter, struct amount amount,
			  struct amount fee)
{
	return (struct l1_tx){ .submitter = submitter, .contract = pc->id, .op = L1_PEG_IN, .target = submitter,
			       .fee = fee, .amount = amount };
}

struct l1_tx l1_peg_release_tx(const struct l1_peg_contract *pc, uint32_t submitter, uint32_t recipient,
			       struct amount amount, struct amount fee, struct l1_peg_release *rel)
{
	return (struct l1_tx){ .submitter = submitter, .contract = pc->id, .op = L1_PEG_RELEASE, .target = recipient,
			       .fee = fee, .amount = amount, .data = rel };
}

enum l1_peg_op l1_peg_op_of(const struct l1_peg_contract *pc, const struct l1_tx *tx)
{
	if (tx->contract != pc->id || tx->op >= L1_PEG_OP_NONE)
		return L1_PEG_OP_NONE;
	return (enum l1_peg_op)tx->op;
}
