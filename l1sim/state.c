#include "state.h"

#include <sodium.h>
#include <string.h>

#include "util.h"

/* The empty set of every unsigned state without HTLCs: never written (cap 0, so the
 * first append allocates the state's own set). */
static struct l1_htlc_set unsigned_none = { .n = 0, .cap = 0, .unsigned_state = true };

static const uint8_t zero_sigs[L1_UNSIGNED_MAX_PARTIES][L1_SIG_LEN];

/* The arrays follow the struct in the same allocation: balances, included, then the
 * signatures when there is room for them. */
struct l1_state *l1_state_new(uint32_t channel, uint64_t seq, uint32_t nparties)
{
	size_t n = nparties;
	size_t bytes = sizeof(struct l1_state) + n * (2 * sizeof(struct amount) + L1_SIG_LEN);
	struct l1_state *s = xcalloc(1, bytes);
	s->channel = channel;
	s->seq = seq;
	s->nparties = nparties;
	s->balances = (struct amount *)(s + 1);
	s->included = s->balances + n;
	s->htlcs = NULL;
	return s;
}

struct l1_state *l1_state_new_unsigned(uint32_t channel, uint64_t seq, uint32_t nparties)
{
	if (nparties > L1_UNSIGNED_MAX_PARTIES)
		return l1_state_new(channel, seq, nparties);
	size_t n = nparties;
	struct l1_state *s = xcalloc(1, sizeof(struct l1_state) + n * 2 * sizeof(struct amount));
	s->channel = channel;
	s->seq = seq;
	s->nparties = nparties;
	s->balances = (struct amount *)(s + 1);
	s->included = s->balances + n;
	s->htlcs = &unsigned_none;
	return s;
}

bool l1_state_is_unsigned(const struct l1_state *s)
{
	return s->htlcs && s->htlcs->unsigned_state;
}

uint8_t *l1_state_sig(const struct l1_state *s, uint32_t i)
{
	if (l1_state_is_unsigned(s))
		return (uint8_t *)(uintptr_t)zero_sigs[i];
	return (uint8_t *)(s->included + s->nparties) + (size_t)i * L1_SIG_LEN;
}

static void free_set(struct l1_state *s)
{
	if (s->htlcs && s->htlcs != &unsigned_none)
		free(s->htlcs);
}

/* Room for at least `need` HTLCs in s's own set, keeping its contents. */
static void reserve(struct l1_state *s, uint32_t need)
{
	uint32_t cap = s->htlcs ? s->htlcs->cap : 0;
	if (need <= cap)
		return;
	uint32_t ncap = cap ? 2 * cap : 2;
	if (ncap < need)
		ncap = need;
	bool uns = l1_state_is_unsigned(s);
	struct l1_htlc_set *old = s->htlcs == &unsigned_none ? NULL : s->htlcs;
	struct l1_htlc_set *set = xreallocarray(old, 1, sizeof(*set) + (size_t)ncap * sizeof(struct l1_htlc));
	if (!old)
		set->n = 0;
	set->cap = ncap;
	set->unsigned_state = uns;
	s->htlcs = set;
}

void l1_state_assign(struct l1_state *dst, const struct l1_state *src)
{
	if (dst->nparties != src->nparties)
		fatal_invariant("l1_state_assign: party counts differ");
	size_t n = src->nparties;
	dst->channel = src->channel;
	dst->seq = src->seq;
	memcpy(dst->balances, src->balances, n * sizeof(struct amount));
	memcpy(dst->included, src->included, n * sizeof(struct amount));
	if (!l1_state_is_unsigned(dst))
		memcpy(l1_state_sig(dst, 0), l1_state_sig(src, 0), n * L1_SIG_LEN);
	uint32_t m = l1_state_nhtlcs(src);
	if (m) {
		reserve(dst, m);
		memcpy(dst->htlcs->v, src->htlcs->v, m * sizeof(struct l1_htlc));
		dst->htlcs->n = m;
	} else if (l1_state_nhtlcs(dst)) {
		dst->htlcs->n = 0; /* keeps its room: the next HTLC of this state needs it */
	}
}

struct l1_state *l1_state_copy(const struct l1_state *s)
{
	struct l1_state *c = l1_state_is_unsigned(s) ? l1_state_new_unsigned(s->channel, s->seq, s->nparties)
						     : l1_state_new(s->channel, s->seq, s->nparties);
	l1_state_assign(c, s);
	return c;
}

void l1_state_free(struct l1_state *s)
{
	if (!s)
		return;
	free_set(s);
	free(s);
}

/* ---- HTLCs ---- */

void l1_state_htlc_append(struct l1_state *s, const struct l1_htlc *h)
{
	uint32_t m = l1_state_nhtlcs(s);
	if (m && s->htlcs->v[m - 1].id >= h->id)
		fatal_invariant("HTLC ids must rise within a state");
	reserve(s, m + 1);
	s->htlcs->v[m] = *h;
	s->htlcs->n = m + 1;
}

void l1_state_htlc_remove(struct l1_state *s, uint32_t k)
{
	uint32_t m = l1_state_nhtlcs(s);
	if (k >= m)
		fatal_invariant("removing an HTLC the state does not hold");
	memmove(&s->htlcs->v[k], &s->htlcs->v[k + 1], (m - k - 1) * sizeof(struct l1_htlc));
	s->htlcs->n = m - 1;
}

int l1_state_htlc_find(const struct l1_state *s, uint64_t id)
{
	uint32_t lo = 0, hi = l1_state_nhtlcs(s);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint64_t v = s->htlcs->v[mid].id;
		if (v == id)
			return (int)mid;
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

bool l1_state_htlc_total(const struct l1_state *s, struct amount *out)
{
	struct amount t = AMOUNT(0);
	for (uint32_t k = 0; k < l1_state_nhtlcs(s); k++)
		if (!amount_add_to(&t, s->htlcs->v[k].amount))
			return false;
	*out = t;
	return true;
}

/* ---- encoding ---- */

size_t l1_state_encoded_len(uint32_t nparties)
{
	return L1_STATE_TAG_LEN + 4 + 8 + 4 + (size_t)nparties * 16;
}

size_t l1_state_encoded_size(const struct l1_state *s)
{
	uint32_t m = l1_state_nhtlcs(s);
	size_t len = l1_state_encoded_len(s->nparties);
	return m ? len + 4 + (size_t)m * L1_HTLC_ENCODED_LEN : len;
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

size_t l1_state_encode(const struct l1_state *s, uint8_t *buf)
{
	uint8_t *p = buf;
	uint32_t m = l1_state_nhtlcs(s);
	memcpy(p, m ? L1_STATE_HTLC_TAG : L1_STATE_TAG, L1_STATE_TAG_LEN);
	p += L1_STATE_TAG_LEN;
	p = put_u32(p, s->channel);
	p = put_u64(p, s->seq);
	p = put_u32(p, s->nparties);
	for (uint32_t i = 0; i < s->nparties; i++) {
		p = put_u64(p, s->balances[i].units);
		p = put_u64(p, s->included[i].units);
	}
	if (m) {
		p = put_u32(p, m);
		for (uint32_t k = 0; k < m; k++) {
			const struct l1_htlc *h = &s->htlcs->v[k];
			p = put_u64(p, h->id);
			p = put_u64(p, h->amount.units);
			p = put_u64(p, h->expiry);
			p = put_u32(p, h->payer);
			p = put_u32(p, h->payee);
			memcpy(p, h->hash, L1_HASH_LEN);
			p += L1_HASH_LEN;
		}
	}
	return (size_t)(p - buf);
}

/* Small states (up to 16 parties, up to 4 HTLCs) are encoded on the stack; larger
 * ones on the heap. */
#define STACK_BYTES (L1_STATE_TAG_LEN + 16 + 16 * 16 + 4 + 4 * L1_HTLC_ENCODED_LEN)

void l1_state_sign(struct l1_state *s, uint32_t i, const uint8_t sk[L1_SECKEY_LEN])
{
	if (l1_state_is_unsigned(s))
		fatal_invariant("signing a state made without room for signatures");
	uint8_t stack[STACK_BYTES];
	size_t len = l1_state_encoded_size(s);
	uint8_t *buf = len <= sizeof(stack) ? stack : xmalloc(len);
	l1_state_encode(s, buf);
	crypto_sign_detached(l1_state_sig(s, i), NULL, buf, len, sk);
	if (buf != stack)
		free(buf);
}

bool l1_state_verify(const struct l1_state *s, uint32_t i, const uint8_t pk[L1_PUBKEY_LEN])
{
	uint8_t stack[STACK_BYTES];
	size_t len = l1_state_encoded_size(s);
	uint8_t *buf = len <= sizeof(stack) ? stack : xmalloc(len);
	l1_state_encode(s, buf);
	bool ok = crypto_sign_verify_detached(l1_state_sig(s, i), buf, len, pk) == 0;
	if (buf != stack)
		free(buf);
	return ok;
}

bool l1_state_total(const struct l1_state *s, struct amount *out)
{
	struct amount t = AMOUNT(0);
	for (uint32_t i = 0; i < s->nparties; i++)
		if (!amount_add_to(&t, s->balances[i]))
			return false;
	*out = t;
	return true;
}
