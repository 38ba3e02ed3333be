/* The HTLC half of the channel contract (SPEC section 10): checking a state's HTLCs,
 * the htlc claim, paying HTLCs at settlement, and the refund timers after it.
 *
 * A channel's HTLC part (struct l1_channel_htlcs) is allocated only when it needs
 * one, through a table that itself exists only once a state with HTLCs has been
 * registered or a claim included: a run without HTLCs allocates nothing here. */
#include "channel_record.h"

#include <sodium.h>
#include <string.h>

#include "util.h"

const char *l1_htlc_outcome_str(enum l1_htlc_outcome o)
{
	switch (o) {
	case L1_HTLC_NOT_HELD: return "not_held";
	case L1_HTLC_HELD: return "held";
	case L1_HTLC_PAID_PAYEE: return "paid_payee";
	case L1_HTLC_PAID_PAYER: return "paid_payer";
	}
	return "?";
}

enum l1_result l1_chhtlc_check(const struct l1_state *s, struct amount *total)
{
	struct amount t = AMOUNT(0);
	for (uint32_t k = 0; k < l1_state_nhtlcs(s); k++) {
		const struct l1_htlc *h = l1_state_htlc(s, k);
		if (amount_is_zero(h->amount) || h->payer >= s->nparties || h->payee >= s->nparties ||
		    h->payer == h->payee || (k > 0 && l1_state_htlc(s, k - 1)->id >= h->id))
			return L1_ERR_BAD_STATE;
		if (!amount_add_to(&t, h->amount))
			return L1_ERR_BAD_STATE;
	}
	*total = t;
	return L1_OK;
}

struct l1_channel_htlcs *l1_chhtlc_part(const struct l1_channel_contract *cc, uint32_t ch)
{
	return ch < cc->nhtlc ? cc->htlc[ch] : NULL;
}

/* ch's part, allocated at its first use (and the table, grown to cover ch). */
static struct l1_channel_htlcs *part_of(struct l1_channel_contract *cc, uint32_t ch)
{
	if (ch >= cc->nhtlc) {
		uint32_t cap = cc->nchannels > ch ? cc->nchannels : ch + 1;
		cc->htlc = xreallocarray(cc->htlc, cap, sizeof(*cc->htlc));
		memset(cc->htlc + cc->nhtlc, 0, (size_t)(cap - cc->nhtlc) * sizeof(*cc->htlc));
		cc->nhtlc = cap;
	}
	if (!cc->htlc[ch]) {
		uint32_t n = cc->channels[ch].nparties;
		struct l1_channel_htlcs *x = xcalloc(1, sizeof(*x) + (size_t)n * sizeof(struct amount));
		x->payouts = (struct amount *)(x + 1);
		cc->htlc[ch] = x;
	}
	return cc->htlc[ch];
}

void l1_chhtlc_on_register(struct l1_channel_contract *cc, uint32_t ch, const struct l1_state *old,
			   const struct l1_state *s)
{
	uint32_t before = old ? l1_state_nhtlcs(old) : 0, after = l1_state_nhtlcs(s);
	if (after)
		(void)part_of(cc, ch);
	cc->htlcs_held = cc->htlcs_held - before + after;
}

/* The included claim of HTLC h (same id and hash), or NULL. */
static const struct l1_htlc_claim_rec *claim_of(const struct l1_channel_htlcs *x, const struct l1_htlc *h)
{
	for (uint32_t j = 0; x && j < x->nclaims; j++)
		if (x->claims[j].id == h->id && memcmp(x->claims[j].hash, h->hash, L1_HASH_LEN) == 0)
			return &x->claims[j];
	return NULL;
}

/* Pays HTLC k of ch's settled state to its payee (or payer) and records it. */
static void pay_htlc(struct l1_channel_contract *cc, uint32_t ch, uint32_t k, bool to_payee)
{
	struct l1_chain *c = cc->chain;
	struct l1_channel *rec = &cc->channels[ch];
	struct l1_channel_htlcs *x = cc->htlc[ch];
	const struct l1_htlc *h = l1_state_htlc(rec->cold->registered, k);
	uint32_t to = to_payee ? h->payee : h->payer;
	if (x->outcome[k] != L1_HTLC_HELD)
		fatal_invariant("paying an HTLC that is not held");
	if (!amount_sub_from(&rec->holdings, h->amount) ||
	    !amount_add_to(&c->accounts[l1_chrec_accounts(rec)[to]].balance, h->amount) ||
	    !amount_add_to(&x->payouts[to], h->amount))
		fatal_invariant("an HTLC payout the holdings do not cover");
	x->outcome[k] = to_payee ? L1_HTLC_PAID_PAYEE : L1_HTLC_PAID_PAYER;
	cc->htlcs_held--;
	if (!to_payee)
		cc->refunded_onchain++;
	l1_chain_emit(c, cc->id, to_payee ? L1_CHANNEL_EV_HTLC_PAID : L1_CHANNEL_EV_HTLC_REFUNDED, ch);
}

void l1_chhtlc_settle(struct l1_channel_contract *cc, uint32_t ch)
{
	const struct l1_state *s = cc->channels[ch].cold->registered;
	uint32_t m = l1_state_nhtlcs(s);
	if (m == 0)
		return;
	struct l1_channel_htlcs *x = part_of(cc, ch);
	x->outcome = xmalloc(m);
	memset(x->outcome, L1_HTLC_HELD, m);
	x->noutcome = m;
	uint64_t h = cc->chain->height;
	for (uint32_t k = 0; k < m; k++) {
		const struct l1_htlc *t = l1_state_htlc(s, k);
		if (claim_of(x, t))
			pay_htlc(cc, ch, k, true);
		else if (h >= t->expiry)
			pay_htlc(cc, ch, k, false);
		else if (k <= 0x7fffffffu)
			l1_chain_add_timer(cc->chain, cc->id, t->expiry, L1_CHHTLC_TIMER_BIT | ((uint64_t)k << 32) | ch);
		else
			fatal_invariant("more HTLCs in a state than a timer can name");
	}
}

void l1_chhtlc_timer(struct l1_channel_contract *cc, uint64_t arg)
{
	uint32_t ch = (uint32_t)arg, k = (uint32_t)((arg & ~L1_CHHTLC_TIMER_BIT) >> 32);
	const struct l1_channel_htlcs *x = l1_chhtlc_part(cc, ch);
	if (!x || k >= x->noutcome)
		fatal_invariant("a refund timer of an HTLC the contract never held");
	if (x->outcome[k] == L1_HTLC_HELD) /* else a claim paid it before its expiry */
		pay_htlc(cc, ch, k, false);
}

enum l1_result l1_chhtlc_claim(struct l1_channel_contract *cc, const struct l1_tx *tx)
{
	struct l1_chain *c = cc->chain;
	if (tx->target >= cc->nchannels)
		return L1_ERR_NO_SUCH_CHANNEL;
	if (tx->submitter >= c->naccounts)
		return L1_ERR_NO_SUCH_ACCOUNT;
	int me = l1_channel_party_index(cc, tx->target, tx->submitter);
	if (me < 0)
		return L1_ERR_NOT_MEMBER;
	const struct l1_htlc_claim_data *d = l1_channel_tx_claim(tx);
	if (!d)
		return L1_ERR_BAD_PARAMS;
	const struct l1_channel *rec = &cc->channels[tx->target];
	const struct l1_state *s = l1_chrec_cold(rec)->registered;
	int k = s && rec->status != L1_CH_OPEN ? l1_state_htlc_find(s, d->htlc_id) : -1;
	if (k < 0)
		return L1_ERR_NO_SUCH_HTLC;
	const struct l1_htlc *h = l1_state_htlc(s, (uint32_t)k);
	if (h->payee != (uint32_t)me)
		return L1_ERR_NOT_PAYEE;
	const struct l1_channel_htlcs *x = l1_chhtlc_part(cc, tx->target);
	if (c->height > h->expiry)
		return L1_ERR_HTLC_EXPIRED;
	if (claim_of(x, h) || (x && x->outcome && x->outcome[k] != L1_HTLC_HELD))
		return L1_ERR_HTLC_RESOLVED;
	uint8_t digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, d->preimage, L1_PREIMAGE_LEN);
	if (memcmp(digest, h->hash, L1_HASH_LEN) != 0)
		return L1_ERR_BAD_PREIMAGE;
	struct amount after;
	enum l1_result r = l1_chain_can_pay(c, tx->submitter, tx->fee, AMOUNT(0), &after);
	if (r)
		return r;
	/* Checked: from here on nothing fails. */
	c->accounts[tx->submitter].balance = after;
	struct l1_channel_htlcs *w = part_of(cc, tx->target);
	if (w->nclaims == w->cap_claims)
		w->claims = xreallocarray(w->claims, w->cap_claims = w->cap_claims ? 2 * w->cap_claims : 2,
					  sizeof(*w->claims));
	struct l1_htlc_claim_rec *cr = &w->claims[w->nclaims++];
	cr->id = h->id;
	cr->height = c->height;
	cr->payee = (uint32_t)me;
	memcpy(cr->hash, h->hash, L1_HASH_LEN);
	memcpy(cr->preimage, d->preimage, L1_PREIMAGE_LEN);
	cc->claimed_onchain++;
	l1_chain_emit(c, cc->id, L1_CHANNEL_EV_HTLC_CLAIMED, tx->target);
	if (rec->status == L1_CH_CLOSED)
		pay_htlc(cc, tx->target, (uint32_t)k, true);
	return L1_OK;
}

void l1_chhtlc_hash(const struct l1_channel_contract *cc, uint32_t ch, struct l1_hasher *h)
{
	const struct l1_channel_htlcs *x = l1_chhtlc_part(cc, ch);
	if (!x)
		return;
	l1_hasher_u64(h, x->nclaims);
	l1_hasher_u64(h, x->noutcome);
	for (uint32_t k = 0; k < x->noutcome; k++)
		l1_hasher_u64(h, x->outcome[k]);
}

void l1_chhtlc_free(struct l1_channel_contract *cc)
{
	for (uint32_t i = 0; i < cc->nhtlc; i++)
		if (cc->htlc[i]) {
			free(cc->htlc[i]->claims);
			free(cc->htlc[i]->outcome);
			free(cc->htlc[i]);
		}
	free(cc->htlc);
}

/* ---- reading ---- */

struct l1_tx l1_channel_claim_tx(const struct l1_channel_contract *cc, uint32_t submitter, uint32_t ch,
				 struct amount fee, uint64_t htlc_id, const uint8_t preimage[L1_PREIMAGE_LEN])
{
	struct l1_htlc_claim_data *d = xmalloc(sizeof(*d));
	d->htlc_id = htlc_id;
	memcpy(d->preimage, preimage, L1_PREIMAGE_LEN);
	return (struct l1_tx){ .submitter = submitter, .contract = l1_channel_contract_id(cc),
			       .op = L1_CHANNEL_HTLC_CLAIM, .target = ch, .fee = fee, .data = d };
}

enum l1_htlc_outcome l1_channel_htlc_outcome(const struct l1_channel_contract *cc, uint32_t ch, uint64_t id)
{
	const struct l1_channel *rec = &cc->channels[ch];
	const struct l1_state *s = l1_chrec_cold(rec)->registered;
	int k = s && rec->status != L1_CH_OPEN ? l1_state_htlc_find(s, id) : -1;
	if (k < 0)
		return L1_HTLC_NOT_HELD;
	const struct l1_channel_htlcs *x = l1_chhtlc_part(cc, ch);
	if (rec->status != L1_CH_CLOSED || !x || !x->outcome)
		return L1_HTLC_HELD;
	return (enum l1_htlc_outcome)x->outcome[k];
}

bool l1_channel_holds_htlc(const struct l1_channel_contract *cc, uint32_t ch)
{
	const struct l1_channel *rec = &cc->channels[ch];
	const struct l1_state *s = l1_chrec_cold(rec)->registered;
	if (!s || rec->status == L1_CH_OPEN || l1_state_nhtlcs(s) == 0)
		return false;
	const struct l1_channel_htlcs *x = l1_chhtlc_part(cc, ch);
	if (rec->status != L1_CH_CLOSED || !x || !x->outcome)
		return true;
	for (uint32_t k = 0; k < x->noutcome; k++)
		if (x->outcome[k] == L1_HTLC_HELD)
			return true;
	return false;
}

uint64_t l1_channel_htlcs_held(const struct l1_channel_contract *cc) { return cc->htlcs_held; }
uint64_t l1_channel_claimed_onchain(const struct l1_channel_contract *cc) { return cc->claimed_onchain; }
uint64_t l1_channel_refunded_onchain(const struct l1_channel_contract *cc) { return cc->refunded_onchain; }

uint32_t l1_channel_claim_count(const struct l1_channel_contract *cc, uint32_t ch)
{
	const struct l1_channel_htlcs *x = l1_chhtlc_part(cc, ch);
	return x ? x->nclaims : 0;
}

const struct l1_htlc_claim_rec *l1_channel_claim(const struct l1_channel_contract *cc, uint32_t ch, uint32_t k)
{
	return &l1_chhtlc_part(cc, ch)->claims[k];
}

bool l1_channel_preimage(const struct l1_channel_contract *cc, uint32_t ch, const uint8_t hash[L1_HASH_LEN],
			 uint8_t out[L1_PREIMAGE_LEN])
{
	const struct l1_channel_htlcs *x = l1_chhtlc_part(cc, ch);
	for (uint32_t j = 0; x && j < x->nclaims; j++)
		if (memcmp(x->claims[j].hash, hash, L1_HASH_LEN) == 0) {
			memcpy(out, x->claims[j].preimage, L1_PREIMAGE_LEN);
			return true;
		}
	return false;
}
