#include "channel_record.h"

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

const char *l1_channel_op_str(enum l1_channel_op op)
{
	switch (op) {
	case L1_CHANNEL_OPEN: return "open";
	case L1_CHANNEL_DEPOSIT: return "deposit";
	case L1_CHANNEL_COOP_CLOSE: return "cooperative_close";
	case L1_CHANNEL_UNILATERAL_CLOSE: return "unilateral_close";
	case L1_CHANNEL_CHALLENGE: return "challenge";
	case L1_CHANNEL_HTLC_CLAIM: return "htlc_claim";
	case L1_CHANNEL_OP_NONE: break;
	}
	return NULL;
}

int l1_channel_party_index(const struct l1_channel_contract *cc, uint32_t ch, uint32_t acct)
{
	const struct l1_channel *k = &cc->channels[ch];
	for (uint32_t i = 0; i < k->nparties; i++)
		if (l1_chrec_accounts(k)[i] == acct)
			return (int)i;
	return -1;
}

/* k's deposits, to write (l1_chrec_deposited reads them). */
static struct amount *deposited_of(struct l1_channel *k)
{
	return k->amounts + k->nparties;
}

enum l1_result l1_channel_add(struct l1_channel_contract *cc, uint32_t n, const uint32_t *accounts,
			      const struct amount *deposits, uint32_t *id_out)
{
	if (n == 0 || cc->nchannels == UINT32_MAX)
		return L1_ERR_BAD_PARAMS;
	for (uint32_t i = 0; i < n; i++) {
		if (accounts[i] >= cc->chain->naccounts)
			return L1_ERR_NO_SUCH_ACCOUNT;
		for (uint32_t j = 0; j < i; j++)
			if (accounts[j] == accounts[i])
				return L1_ERR_BAD_PARAMS;
	}
	if (cc->nchannels == cc->cap_channels)
		cc->channels = xreallocarray(cc->channels, cc->cap_channels = cc->cap_channels ? 2 * cc->cap_channels : 8,
					     sizeof(*cc->channels));
	struct l1_channel *k = &cc->channels[cc->nchannels];
	memset(k, 0, sizeof(*k));
	k->nparties = n;
	/* One piece of the arena: the amounts first (8-byte aligned), then the account ids. */
	struct amount *amounts = arena_alloc(&cc->arrays, (size_t)n * (2 * sizeof(struct amount) + sizeof(uint32_t)));
	k->amounts = amounts;
	memcpy(amounts + 2 * (size_t)n, accounts, n * sizeof(uint32_t));
	for (uint32_t i = 0; i < n; i++)
		amounts[i] = deposits ? deposits[i] : AMOUNT(0);
	*id_out = cc->nchannels++;
	return L1_OK;
}

/* Looks up the channel and the submitter's party index; the common first checks. */
static enum l1_result member(struct l1_channel_contract *cc, const struct l1_tx *tx, struct l1_channel **k,
			     uint32_t *idx)
{
	if (tx->target >= cc->nchannels)
		return L1_ERR_NO_SUCH_CHANNEL;
	if (tx->submitter >= cc->chain->naccounts)
		return L1_ERR_NO_SUCH_ACCOUNT;
	*k = &cc->channels[tx->target];
	int i = l1_channel_party_index(cc, tx->target, tx->submitter);
	if (i < 0)
		return L1_ERR_NOT_MEMBER;
	*idx = (uint32_t)i;
	return L1_OK;
}

static enum l1_result acceptable(struct l1_channel_contract *cc, const struct l1_channel *k, uint32_t ch,
				 const struct l1_state *s)
{
	if (!s || s->channel != ch || s->nparties != k->nparties)
		return L1_ERR_BAD_STATE;
	struct amount bal = AMOUNT(0), inc = AMOUNT(0);
	for (uint32_t i = 0; i < s->nparties; i++) {
		if (!amount_add_to(&bal, s->balances[i]) || !amount_add_to(&inc, s->included[i]))
			return L1_ERR_BAD_STATE;
		if (amount_lt(l1_chrec_deposited(k)[i], s->included[i]))
			return L1_ERR_BAD_STATE;
	}
	/* Balances plus HTLCs add up to the included deposits (SPEC section 10). */
	struct amount htlcs;
	enum l1_result r = l1_chhtlc_check(s, &htlcs);
	if (r)
		return r;
	if (!amount_add_to(&bal, htlcs) || !amount_eq(bal, inc))
		return L1_ERR_BAD_STATE;
	if (cc->chain->params.verify_signatures) {
		for (uint32_t i = 0; i < s->nparties; i++) {
			cc->verifies++;
			if (!l1_state_verify(s, i, cc->chain->accounts[l1_chrec_accounts(k)[i]].pubkey))
				return L1_ERR_BAD_SIGNATURE;
		}
	}
	return L1_OK;
}

static enum l1_result op_open(struct l1_channel_contract *cc, const struct l1_tx *tx)
{
	struct l1_chain *c = cc->chain;
	struct l1_channel *k;
	uint32_t me;
	enum l1_result r = member(cc, tx, &k, &me);
	if (r)
		return r;
	if (k->status != L1_CH_NONE)
		return L1_ERR_ALREADY_OPEN;
	if (me != 0)
		return L1_ERR_NOT_OPENER;
	struct amount total = AMOUNT(0), after;
	for (uint32_t i = 0; i < k->nparties; i++) {
		struct amount fee = i == 0 ? tx->fee : AMOUNT(0);
		r = l1_chain_can_pay(c, l1_chrec_accounts(k)[i], fee, l1_chrec_open_deposit(k)[i], &after);
		if (r)
			return r;
		if (!amount_add_to(&total, l1_chrec_open_deposit(k)[i]))
			return L1_ERR_OVERFLOW;
	}
	for (uint32_t i = 0; i < k->nparties; i++) {
		struct amount fee = i == 0 ? tx->fee : AMOUNT(0);
		if (l1_chain_can_pay(c, l1_chrec_accounts(k)[i], fee, l1_chrec_open_deposit(k)[i],
				     &c->accounts[l1_chrec_accounts(k)[i]].balance))
			fatal_invariant("open: funds checked above");
		deposited_of(k)[i] = l1_chrec_open_deposit(k)[i];
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

static void cold_free(struct l1_channel *k)
{
	if (!k->cold)
		return;
	l1_state_free(k->cold->registered);
	if (k->cold->by_party)
		for (uint32_t i = 0; i < k->nparties; i++)
			free(k->cold->by_party[i].idx);
	free(k->cold->by_party);
	free(k->cold->topups);
	free(k->cold);
	k->cold = NULL;
}

static void append_u32(struct l1_party_topups *t, uint32_t v)
{
	if (t->n == t->cap)
		t->idx = xreallocarray(t->idx, t->cap = t->cap ? 2 * t->cap : 2, sizeof(*t->idx));
	t->idx[t->n++] = v;
}

static enum l1_result op_deposit(struct l1_channel_contract *cc, const struct l1_tx *tx)
{
	struct l1_chain *c = cc->chain;
	struct l1_channel *k;
	uint32_t me;
	enum l1_result r = member(cc, tx, &k, &me);
	if (r)
		return r;
	if (k->status != L1_CH_OPEN)
		return L1_ERR_NOT_OPEN;
	struct amount after, holdings, dep, party_total;
	if ((r = l1_chain_can_pay(c, tx->submitter, tx->fee, tx->amount, &after)))
		return r;
	if (!amount_add(&holdings, k->holdings, tx->amount) ||
	    !amount_add(&dep, l1_chrec_deposited(k)[me], tx->amount))
		return L1_ERR_OVERFLOW;
	/* A party's top-ups are at most its deposits, which did not overflow. */
	struct l1_channel_cold *x = cold_of(k);
	if (!x->by_party)
		x->by_party = xcalloc(k->nparties, sizeof(*x->by_party));
	struct l1_party_topups *mine = &x->by_party[me];
	party_total = mine->n ? x->topups[mine->idx[mine->n - 1]].party_total : AMOUNT(0);
	if (!amount_add_to(&party_total, tx->amount))
		fatal_invariant("top-ups exceed the deposits");
	if (x->ntopups == x->cap_topups)
		x->topups = xreallocarray(x->topups, x->cap_topups = x->cap_topups ? 2 * x->cap_topups : 2,
					  sizeof(*x->topups));
	append_u32(mine, x->ntopups);
	x->topups[x->ntopups++] = (struct l1_deposit_rec){ c->height, me, tx->amount, party_total };
	c->accounts[tx->submitter].balance = after;
	k->holdings = holdings;
	deposited_of(k)[me] = dep;
	return L1_OK;
}

/* Payouts of the registered state's balances and deposits; under penalty, a
 * proven-stale closer's go to the first challenger. Acceptability guarantees that
 * they and the state's HTLCs add up to the holdings. */
static void compute_payouts(const struct l1_channel_contract *cc, struct l1_channel *k)
{
	struct l1_channel_cold *x = k->cold; /* registered: allocated */
	const struct l1_state *s = x->registered;
	struct amount total;
	if (!l1_state_htlc_total(s, &total))
		fatal_invariant("HTLCs of an acceptable state");
	for (uint32_t i = 0; i < k->nparties; i++) {
		struct amount extra;
		if (!amount_sub(&extra, l1_chrec_deposited(k)[i], s->included[i]) ||
		    !amount_add(&x->payouts[i], s->balances[i], extra) ||
		    !amount_add_to(&total, x->payouts[i]))
			fatal_invariant("payout of an acceptable state");
	}
	if (!amount_eq(total, k->holdings))
		fatal_invariant("payouts differ from the contract's holdings");
	if (cc->chain->params.dispute_rule == L1_RULE_PENALTY && x->close_kind == L1_CLOSE_UNILATERAL &&
	    x->penalty_claimed) {
		if (!amount_add_to(&x->payouts[x->first_challenger], x->payouts[x->closer]))
			fatal_invariant("penalty payout");
		x->payouts[x->closer] = AMOUNT(0);
	}
}

/* Pays the balance payouts; what stays in the holdings is the HTLCs' (l1_chhtlc_settle). */
static void pay_out(struct l1_channel_contract *cc, struct l1_channel *k)
{
	struct l1_chain *c = cc->chain;
	for (uint32_t i = 0; i < k->nparties; i++)
		if (!amount_add_to(&c->accounts[l1_chrec_accounts(k)[i]].balance, k->cold->payouts[i]) ||
		    !amount_sub_from(&k->holdings, k->cold->payouts[i]))
			fatal_invariant("payout overflows an account (supply is bounded)");
	k->status = L1_CH_CLOSED;
	k->cold->settled_height = c->height;
}

uint64_t l1_channel_window_end(const struct l1_channel_contract *cc, uint32_t ch)
{
	uint64_t T = cc->chain->params.dispute_timeout_blocks, h = l1_chrec_cold(&cc->channels[ch])->close_height;
	return h > UINT64_MAX - T ? UINT64_MAX : h + T;
}

static enum l1_result register_state(struct l1_channel_contract *cc, const struct l1_tx *tx, bool coop)
{
	struct l1_chain *c = cc->chain;
	struct l1_channel *k;
	uint32_t me;
	enum l1_result r = member(cc, tx, &k, &me);
	if (r)
		return r;
	if (k->status != L1_CH_OPEN)
		return L1_ERR_NOT_OPEN;
	struct amount after;
	if ((r = l1_chain_can_pay(c, tx->submitter, tx->fee, AMOUNT(0), &after)))
		return r;
	/* As in Lightning (BOLT 2): a cooperative close of a state with HTLCs fails. */
	if (coop && l1_channel_tx_state(tx) && l1_state_nhtlcs(l1_channel_tx_state(tx)))
		return L1_ERR_HTLC_PENDING;
	if ((r = acceptable(cc, k, tx->target, l1_channel_tx_state(tx))))
		return r;
	c->accounts[tx->submitter].balance = after;
	if (!coop)
		l1_chhtlc_on_register(cc, tx->target, NULL, l1_channel_tx_state(tx));
	struct l1_channel_cold *x = cold_of(k);
	x->registered = l1_state_copy(l1_channel_tx_state(tx));
	x->close_height = c->height;
	x->closer = me;
	if (coop) {
		x->close_kind = L1_CLOSE_COOPERATIVE;
		compute_payouts(cc, k);
		pay_out(cc, k);
		l1_chain_emit(c, cc->id, L1_CHANNEL_EV_SETTLED, tx->target);
	} else {
		x->close_kind = L1_CLOSE_UNILATERAL;
		k->status = L1_CH_DISPUTE;
		/* The window's last block is close + T: settlement at the end of its phase 1. */
		l1_chain_add_timer(c, cc->id, l1_channel_window_end(cc, tx->target), tx->target);
	}
	return L1_OK;
}

static enum l1_result op_challenge(struct l1_channel_contract *cc, const struct l1_tx *tx)
{
	struct l1_chain *c = cc->chain;
	struct l1_channel *k;
	uint32_t me;
	enum l1_result r = member(cc, tx, &k, &me);
	if (r)
		return r;
	if (k->status != L1_CH_DISPUTE)
		return L1_ERR_NO_DISPUTE;
	struct l1_channel_cold *x = k->cold; /* DISPUTE: allocated */
	const struct l1_state *s = l1_channel_tx_state(tx);
	if (!s || s->seq <= x->registered->seq)
		return s ? L1_ERR_STALE_SEQ : L1_ERR_BAD_STATE;
	struct amount after;
	if ((r = l1_chain_can_pay(c, tx->submitter, tx->fee, AMOUNT(0), &after)))
		return r;
	if ((r = acceptable(cc, k, tx->target, s)))
		return r;
	c->accounts[tx->submitter].balance = after;
	l1_chhtlc_on_register(cc, tx->target, x->registered, s);
	l1_state_assign(x->registered, s);
	/* The penalty goes to the first challenger other than the closer: a closer that
	 * challenges its own stale close must not shield it from an honest challenge. */
	x->challenged = true;
	if (!x->penalty_claimed && me != x->closer) {
		x->penalty_claimed = true;
		x->first_challenger = me;
	}
	return L1_OK;
}

/* ---- the operations table ---- */

static enum l1_result cc_execute(void *self, struct l1_chain *c, const struct l1_tx *tx)
{
	struct l1_channel_contract *cc = self;
	(void)c;
	enum l1_result r;
	switch (tx->op) {
	case L1_CHANNEL_OPEN: r = op_open(cc, tx); break;
	case L1_CHANNEL_DEPOSIT: r = op_deposit(cc, tx); break;
	case L1_CHANNEL_COOP_CLOSE: r = register_state(cc, tx, true); break;
	case L1_CHANNEL_UNILATERAL_CLOSE: r = register_state(cc, tx, false); break;
	case L1_CHANNEL_CHALLENGE: r = op_challenge(cc, tx); break;
	case L1_CHANNEL_HTLC_CLAIM: r = l1_chhtlc_claim(cc, tx); break;
	default: return L1_ERR_NO_SUCH_OP;
	}
	if (r == L1_OK)
		cc->txs++;
	return r;
}

/* The dispute window of channel `arg` has ended: settle on the registered state.
 * Or an HTLC held after settlement has reached its expiry (the timer bit). */
static void cc_timer(void *self, struct l1_chain *c, uint64_t arg)
{
	struct l1_channel_contract *cc = self;
	if (arg & L1_CHHTLC_TIMER_BIT) {
		l1_chhtlc_timer(cc, arg);
		return;
	}
	struct l1_channel *k = &cc->channels[arg];
	if (k->status != L1_CH_DISPUTE)
		fatal_invariant("settling a channel that is not in dispute");
	compute_payouts(cc, k);
	pay_out(cc, k);
	l1_chain_emit(c, cc->id, L1_CHANNEL_EV_SETTLED, (uint32_t)arg);
	l1_chhtlc_settle(cc, (uint32_t)arg);
}

static bool cc_holdings(const void *self, struct amount *sum)
{
	const struct l1_channel_contract *cc = self;
	for (uint32_t i = 0; i < cc->nchannels; i++)
		if (!amount_add_to(sum, cc->channels[i].holdings))
			return false;
	return true;
}

/* Every channel's status, holdings, registered seq and deposits. */
static void cc_hash(const void *self, struct l1_hasher *h)
{
	const struct l1_channel_contract *cc = self;
	l1_hasher_u64(h, cc->nchannels);
	for (uint32_t i = 0; i < cc->nchannels; i++) {
		const struct l1_channel *k = &cc->channels[i];
		l1_hasher_u64(h, k->status);
		l1_hasher_u64(h, k->holdings.units);
		const struct l1_state *reg = l1_chrec_cold(k)->registered;
		l1_hasher_u64(h, reg ? reg->seq : UINT64_MAX);
		for (uint32_t j = 0; j < k->nparties; j++)
			l1_hasher_u64(h, l1_chrec_deposited(k)[j].units);
		l1_chhtlc_hash(cc, i, h);
	}
}

static const char *cc_op_str(uint32_t op)
{
	return op < L1_CHANNEL_OP_NONE ? l1_channel_op_str((enum l1_channel_op)op) : NULL;
}

static void cc_free_tx_data(uint32_t op, void *data)
{
	if (op == L1_CHANNEL_HTLC_CLAIM)
		free(data);
	else
		l1_state_free(data);
}

static void cc_free(void *self)
{
	struct l1_channel_contract *cc = self;
	for (uint32_t i = 0; i < cc->nchannels; i++)
		cold_free(&cc->channels[i]); /* the per-party arrays belong to the arena */
	l1_chhtlc_free(cc);
	free(cc->channels);
	arena_free(&cc->arrays);
	free(cc);
}

static const struct l1_contract_ops channel_ops = {
	.name = "channel",
	.execute = cc_execute,
	.timer = cc_timer,
	.holdings = cc_holdings,
	.hash = cc_hash,
	.op_str = cc_op_str,
	.free_tx_data = cc_free_tx_data,
	.free = cc_free,
};

struct l1_channel_contract *l1_channel_contract_new(struct l1_chain *c)
{
	struct l1_channel_contract *cc = xcalloc(1, sizeof(*cc));
	cc->chain = c;
	l1_chain_add_contract(c, &channel_ops, cc, &cc->id);
	return cc;
}

uint32_t l1_channel_contract_id(const struct l1_channel_contract *cc)
{
	return cc->id;
}

struct l1_tx l1_channel_tx(const struct l1_channel_contract *cc, enum l1_channel_op op, uint32_t submitter,
			   uint32_t ch, struct amount fee, struct amount amount, struct l1_state *state)
{
	return (struct l1_tx){ .submitter = submitter, .contract = cc->id, .op = op, .target = ch,
			       .fee = fee, .amount = amount, .data = state };
}

enum l1_channel_op l1_channel_op_of(const struct l1_channel_contract *cc, const struct l1_tx *tx)
{
	if (tx->contract != cc->id || tx->op >= L1_CHANNEL_OP_NONE)
		return L1_CHANNEL_OP_NONE;
	return (enum l1_channel_op)tx->op;
}

bool l1_channel_is_settled_event(const struct l1_channel_contract *cc, const struct l1_event *ev)
{
	return ev->kind == L1_EV_CONTRACT && ev->contract == cc->id && ev->code == L1_CHANNEL_EV_SETTLED;
}

/* ---- reading ---- */

uint32_t l1_channel_count(const struct l1_channel_contract *cc) { return cc->nchannels; }
uint32_t l1_channel_nparties(const struct l1_channel_contract *cc, uint32_t ch) { return cc->channels[ch].nparties; }
enum l1_channel_status l1_channel_status(const struct l1_channel_contract *cc, uint32_t ch)
{
	return cc->channels[ch].status;
}
uint32_t l1_channel_account(const struct l1_channel_contract *cc, uint32_t ch, uint32_t i)
{
	return l1_chrec_accounts(&cc->channels[ch])[i];
}
struct amount l1_channel_open_deposit(const struct l1_channel_contract *cc, uint32_t ch, uint32_t i)
{
	return l1_chrec_open_deposit(&cc->channels[ch])[i];
}
struct amount l1_channel_deposited(const struct l1_channel_contract *cc, uint32_t ch, uint32_t i)
{
	return l1_chrec_deposited(&cc->channels[ch])[i];
}
struct amount l1_channel_holdings(const struct l1_channel_contract *cc, uint32_t ch)
{
	return cc->channels[ch].holdings;
}
uint64_t l1_channel_open_height(const struct l1_channel_contract *cc, uint32_t ch)
{
	return cc->channels[ch].open_height;
}
enum l1_close_kind l1_channel_close_kind(const struct l1_channel_contract *cc, uint32_t ch)
{
	return l1_chrec_cold(&cc->channels[ch])->close_kind;
}
uint64_t l1_channel_close_height(const struct l1_channel_contract *cc, uint32_t ch)
{
	return l1_chrec_cold(&cc->channels[ch])->close_height;
}
uint32_t l1_channel_closer(const struct l1_channel_contract *cc, uint32_t ch)
{
	return l1_chrec_cold(&cc->channels[ch])->closer;
}
bool l1_channel_challenged(const struct l1_channel_contract *cc, uint32_t ch)
{
	return l1_chrec_cold(&cc->channels[ch])->challenged;
}
bool l1_channel_penalty_claimed(const struct l1_channel_contract *cc, uint32_t ch)
{
	return l1_chrec_cold(&cc->channels[ch])->penalty_claimed;
}
uint32_t l1_channel_first_challenger(const struct l1_channel_contract *cc, uint32_t ch)
{
	return l1_chrec_cold(&cc->channels[ch])->first_challenger;
}
const struct l1_state *l1_channel_registered(const struct l1_channel_contract *cc, uint32_t ch)
{
	return l1_chrec_cold(&cc->channels[ch])->registered;
}
uint64_t l1_channel_registered_seq(const struct l1_channel_contract *cc, uint32_t ch)
{
	const struct l1_state *s = l1_channel_registered(cc, ch);
	return s ? s->seq : UINT64_MAX;
}
uint64_t l1_channel_settled_height(const struct l1_channel_contract *cc, uint32_t ch)
{
	return l1_chrec_cold(&cc->channels[ch])->settled_height;
}
struct amount l1_channel_balance_payout(const struct l1_channel_contract *cc, uint32_t ch, uint32_t i)
{
	return l1_chrec_payout(&cc->channels[ch], i);
}
struct amount l1_channel_htlc_payout(const struct l1_channel_contract *cc, uint32_t ch, uint32_t i)
{
	const struct l1_channel_htlcs *x = l1_chhtlc_part(cc, ch);
	return x ? x->payouts[i] : AMOUNT(0);
}
struct amount l1_channel_payout(const struct l1_channel_contract *cc, uint32_t ch, uint32_t i)
{
	struct amount p = l1_chrec_payout(&cc->channels[ch], i);
	if (!amount_add_to(&p, l1_channel_htlc_payout(cc, ch, i)))
		fatal_invariant("a payout above the supply");
	return p;
}
uint64_t l1_channel_txs(const struct l1_channel_contract *cc) { return cc->txs; }
uint64_t l1_channel_verifies(const struct l1_channel_contract *cc) { return cc->verifies; }

uint64_t l1_channel_usable_height(const struct l1_channel_contract *cc, uint32_t ch)
{
	const struct l1_channel *k = &cc->channels[ch];
	if (k->status == L1_CH_NONE)
		return UINT64_MAX;
	return k->open_height + cc->chain->params.confirmations - 1;
}

struct amount l1_channel_final_deposit(const struct l1_channel_contract *cc, uint32_t ch, uint32_t i)
{
	const struct l1_chain *c = cc->chain;
	const struct l1_channel *k = &cc->channels[ch];
	struct amount sum = AMOUNT(0);
	if (k->status == L1_CH_NONE || !l1_chain_is_final(c, k->open_height))
		return sum;
	sum = l1_chrec_open_deposit(k)[i];
	const struct l1_channel_cold *x = l1_chrec_cold(k);
	if (!x->by_party || x->by_party[i].n == 0)
		return sum;
	/* Finality is monotone in the height and the top-ups are in block order: find
	 * the number of final ones by bisection, and take the running total of the last. */
	const struct l1_party_topups *t = &x->by_party[i];
	uint32_t lo = 0, hi = t->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (l1_chain_is_final(c, x->topups[t->idx[mid]].height))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && !amount_add_to(&sum, x->topups[t->idx[lo - 1]].party_total))
		fatal_invariant("deposits exceed the supply");
	return sum;
}
