#include "contract.h"

#include <string.h>

#include "util.h"

const char *l1_channel_status_str(enum l1_channel_status s)
{
	switch (s) {
	case L1_CH_NONE: return "none";
	case L1_CH_OPEN: return "open";
	case L1_CH_DISPUTE: return "dispute";
	case L1_CH_CLOSED: return "closed";
	}
	return "?";
}

int l1_contract_party_index(const struct l1_chain *c, uint32_t ch, uint32_t acct)
{
	const struct l1_channel *k = &c->channels[ch];
	for (uint32_t i = 0; i < k->nparties; i++)
		if (l1_channel_accounts(k)[i] == acct)
			return (int)i;
	return -1;
}

/* k's deposits, to write (l1_channel_deposited reads them). */
static struct amount *deposited_of(struct l1_channel *k)
{
	return k->amounts + k->nparties;
}

/* Looks up the channel and the submitter's party index; the common first checks. */
static enum l1_result member(struct l1_chain *c, const struct l1_tx *tx, struct l1_channel **k,
			     uint32_t *idx)
{
	if (tx->channel >= c->nchannels)
		return L1_ERR_NO_SUCH_CHANNEL;
	if (tx->submitter >= c->naccounts)
		return L1_ERR_NO_SUCH_ACCOUNT;
	*k = &c->channels[tx->channel];
	int i = l1_contract_party_index(c, tx->channel, tx->submitter);
	if (i < 0)
		return L1_ERR_NOT_MEMBER;
	*idx = (uint32_t)i;
	return L1_OK;
}

static enum l1_result acceptable(struct l1_chain *c, const struct l1_channel *k, uint32_t ch,
				 const struct l1_state *s)
{
	if (!s || s->channel != ch || s->nparties != k->nparties)
		return L1_ERR_BAD_STATE;
	struct amount bal = AMOUNT(0), inc = AMOUNT(0);
	for (uint32_t i = 0; i < s->nparties; i++) {
		if (!amount_add_to(&bal, s->balances[i]) || !amount_add_to(&inc, s->included[i]))
			return L1_ERR_BAD_STATE;
		if (amount_lt(l1_channel_deposited(k)[i], s->included[i]))
			return L1_ERR_BAD_STATE;
	}
	if (!amount_eq(bal, inc))
		return L1_ERR_BAD_STATE;
	if (c->params.verify_signatures) {
		for (uint32_t i = 0; i < s->nparties; i++) {
			c->verifies++;
			if (!l1_state_verify(s, i, c->accounts[l1_channel_accounts(k)[i]].pubkey))
				return L1_ERR_BAD_SIGNATURE;
		}
	}
	return L1_OK;
}

/* Checks that the submitter can pay its fee (and `extra`); returns its new balance. */
static enum l1_result can_pay(const struct l1_chain *c, uint32_t acct, struct amount fee,
			      struct amount extra, struct amount *after)
{
	struct amount need;
	if (!amount_add(&need, fee, extra))
		return L1_ERR_OVERFLOW;
	if (!amount_sub(after, c->accounts[acct].balance, need))
		return L1_ERR_NO_FUNDS;
	return L1_OK;
}

enum l1_result l1_contract_open(struct l1_chain *c, const struct l1_tx *tx)
{
	struct l1_channel *k;
	uint32_t me;
	enum l1_result r = member(c, tx, &k, &me);
	if (r)
		return r;
	if (k->status != L1_CH_NONE)
		return L1_ERR_ALREADY_OPEN;
	if (me != 0)
		return L1_ERR_NOT_OPENER;
	struct amount total = AMOUNT(0), after;
	for (uint32_t i = 0; i < k->nparties; i++) {
		struct amount fee = i == 0 ? tx->fee : AMOUNT(0);
		r = can_pay(c, l1_channel_accounts(k)[i], fee, l1_channel_open_deposit(k)[i], &after);
		if (r)
			return r;
		if (!amount_add_to(&total, l1_channel_open_deposit(k)[i]))
			return L1_ERR_OVERFLOW;
	}
	for (uint32_t i = 0; i < k->nparties; i++) {
		struct amount fee = i == 0 ? tx->fee : AMOUNT(0);
		if (can_pay(c, l1_channel_accounts(k)[i], fee, l1_channel_open_deposit(k)[i], &c->accounts[l1_channel_accounts(k)[i]].balance))
			fatal_invariant("open: funds checked above");
		deposited_of(k)[i] = l1_channel_open_deposit(k)[i];
	}
	k->holdings = total;
	k->status = L1_CH_OPEN;
	k->open_height = c->height;
	return L1_OK;
}

const struct l1_channel_cold l1_channel_cold_none = { .close_kind = L1_CLOSE_NONE };

/* k's cold part, allocated at its first use: the record, then its payouts, in one
 * allocation. */
static struct l1_channel_cold *cold_of(struct l1_channel *k)
{
	if (!k->cold) {
		k->cold = xcalloc(1, sizeof(*k->cold) + (size_t)k->nparties * sizeof(struct amount));
		k->cold->payouts = (struct amount *)(k->cold + 1);
	}
	return k->cold;
}

void l1_channel_cold_free(struct l1_channel *k)
{
	if (!k->cold)
		return;
	l1_state_free(k->cold->registered);
	free(k->cold->topups);
	free(k->cold);
	k->cold = NULL;
}

enum l1_result l1_contract_deposit(struct l1_chain *c, const struct l1_tx *tx)
{
	struct l1_channel *k;
	uint32_t me;
	enum l1_result r = member(c, tx, &k, &me);
	if (r)
		return r;
	if (k->status != L1_CH_OPEN)
		return L1_ERR_NOT_OPEN;
	struct amount after, holdings, dep;
	if ((r = can_pay(c, tx->submitter, tx->fee, tx->amount, &after)))
		return r;
	if (!amount_add(&holdings, k->holdings, tx->amount) ||
	    !amount_add(&dep, l1_channel_deposited(k)[me], tx->amount))
		return L1_ERR_OVERFLOW;
	struct l1_channel_cold *x = cold_of(k);
	if (x->ntopups == x->cap_topups)
		x->topups = xreallocarray(x->topups, x->cap_topups = x->cap_topups ? 2 * x->cap_topups : 2,
					  sizeof(*x->topups));
	x->topups[x->ntopups++] = (struct l1_deposit_rec){ c->height, me, tx->amount };
	c->accounts[tx->submitter].balance = after;
	k->holdings = holdings;
	deposited_of(k)[me] = dep;
	return L1_OK;
}

/* Payouts of the registered state; under penalty, a proven-stale closer's go to the
 * first challenger. Acceptability guarantees they add up to the holdings. */
static void compute_payouts(const struct l1_chain *c, struct l1_channel *k)
{
	struct l1_channel_cold *x = k->cold; /* registered: allocated */
	const struct l1_state *s = x->registered;
	struct amount total = AMOUNT(0);
	for (uint32_t i = 0; i < k->nparties; i++) {
		struct amount extra;
		if (!amount_sub(&extra, l1_channel_deposited(k)[i], s->included[i]) ||
		    !amount_add(&x->payouts[i], s->balances[i], extra) ||
		    !amount_add_to(&total, x->payouts[i]))
			fatal_invariant("payout of an acceptable state");
	}
	if (!amount_eq(total, k->holdings))
		fatal_invariant("payouts differ from the contract's holdings");
	if (c->params.dispute_rule == L1_RULE_PENALTY && x->close_kind == L1_CLOSE_UNILATERAL &&
	    x->penalty_claimed) {
		if (!amount_add_to(&x->payouts[x->first_challenger], x->payouts[x->closer]))
			fatal_invariant("penalty payout");
		x->payouts[x->closer] = AMOUNT(0);
	}
}

static void pay_out(struct l1_chain *c, struct l1_channel *k)
{
	for (uint32_t i = 0; i < k->nparties; i++)
		if (!amount_add_to(&c->accounts[l1_channel_accounts(k)[i]].balance, k->cold->payouts[i]))
			fatal_invariant("payout overflows an account (supply is bounded)");
	k->holdings = AMOUNT(0);
	k->status = L1_CH_CLOSED;
	k->cold->settled_height = c->height;
}

static enum l1_result register_state(struct l1_chain *c, const struct l1_tx *tx, bool coop)
{
	struct l1_channel *k;
	uint32_t me;
	enum l1_result r = member(c, tx, &k, &me);
	if (r)
		return r;
	if (k->status != L1_CH_OPEN)
		return L1_ERR_NOT_OPEN;
	struct amount after;
	if ((r = can_pay(c, tx->submitter, tx->fee, AMOUNT(0), &after)))
		return r;
	if ((r = acceptable(c, k, tx->channel, tx->state)))
		return r;
	c->accounts[tx->submitter].balance = after;
	struct l1_channel_cold *x = cold_of(k);
	x->registered = l1_state_copy(tx->state);
	x->close_height = c->height;
	x->closer = me;
	if (coop) {
		x->close_kind = L1_CLOSE_COOPERATIVE;
		compute_payouts(c, k);
		pay_out(c, k);
	} else {
		x->close_kind = L1_CLOSE_UNILATERAL;
		k->status = L1_CH_DISPUTE;
	}
	return L1_OK;
}

enum l1_result l1_contract_coop_close(struct l1_chain *c, const struct l1_tx *tx)
{
	return register_state(c, tx, true);
}

enum l1_result l1_contract_unilateral_close(struct l1_chain *c, const struct l1_tx *tx)
{
	return register_state(c, tx, false);
}

enum l1_result l1_contract_challenge(struct l1_chain *c, const struct l1_tx *tx)
{
	struct l1_channel *k;
	uint32_t me;
	enum l1_result r = member(c, tx, &k, &me);
	if (r)
		return r;
	if (k->status != L1_CH_DISPUTE)
		return L1_ERR_NO_DISPUTE;
	struct l1_channel_cold *x = k->cold; /* DISPUTE: allocated */
	if (!tx->state || tx->state->seq <= x->registered->seq)
		return tx->state ? L1_ERR_STALE_SEQ : L1_ERR_BAD_STATE;
	struct amount after;
	if ((r = can_pay(c, tx->submitter, tx->fee, AMOUNT(0), &after)))
		return r;
	if ((r = acceptable(c, k, tx->channel, tx->state)))
		return r;
	c->accounts[tx->submitter].balance = after;
	l1_state_assign(x->registered, tx->state);
	/* The penalty goes to the first challenger other than the closer: a closer that
	 * challenges its own stale close must not shield it from an honest challenge. */
	x->challenged = true;
	if (!x->penalty_claimed && me != x->closer) {
		x->penalty_claimed = true;
		x->first_challenger = me;
	}
	return L1_OK;
}

void l1_contract_settle(struct l1_chain *c, uint32_t channel)
{
	struct l1_channel *k = &c->channels[channel];
	if (k->status != L1_CH_DISPUTE)
		fatal_invariant("settling a channel that is not in dispute");
	compute_payouts(c, k);
	pay_out(c, k);
}

uint64_t l1_contract_usable_height(const struct l1_chain *c, uint32_t ch)
{
	const struct l1_channel *k = &c->channels[ch];
	if (k->status == L1_CH_NONE)
		return UINT64_MAX;
	return k->open_height + c->params.confirmations - 1;
}

struct amount l1_contract_final_deposit(const struct l1_chain *c, uint32_t ch, uint32_t i)
{
	const struct l1_channel *k = &c->channels[ch];
	struct amount sum = AMOUNT(0);
	if (k->status == L1_CH_NONE || !l1_chain_is_final(c, k->open_height))
		return sum;
	sum = l1_channel_open_deposit(k)[i];
	const struct l1_channel_cold *x = l1_channel_cold(k);
	for (uint32_t j = 0; j < x->ntopups && l1_chain_is_final(c, x->topups[j].height); j++)
		if (x->topups[j].party == i && !amount_add_to(&sum, x->topups[j].amount))
			fatal_invariant("deposits exceed the supply");
	return sum;
}
