#include "state.h"

#include <sodium.h>
#include <string.h>

#include "util.h"

/* The arrays follow the struct in the same allocation. */
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
	s->sigs = (uint8_t(*)[L1_SIG_LEN])(s->included + n);
	return s;
}

static const uint8_t zero_sigs[L1_UNSIGNED_MAX_PARTIES][L1_SIG_LEN];

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
	/* Never written: l1_state_sign refuses unsigned states and assign skips them. */
	s->sigs = (uint8_t(*)[L1_SIG_LEN])(uintptr_t)zero_sigs;
	return s;
}

bool l1_state_is_unsigned(const struct l1_state *s)
{
	return (const void *)s->sigs == (const void *)zero_sigs;
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
		memcpy(dst->sigs, src->sigs, n * L1_SIG_LEN);
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
	free(s);
}

size_t l1_state_encoded_len(uint32_t nparties)
{
	return L1_STATE_TAG_LEN + 4 + 8 + 4 + (size_t)nparties * 16;
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
	memcpy(p, L1_STATE_TAG, L1_STATE_TAG_LEN);
	p += L1_STATE_TAG_LEN;
	p = put_u32(p, s->channel);
	p = put_u64(p, s->seq);
	p = put_u32(p, s->nparties);
	for (uint32_t i = 0; i < s->nparties; i++) {
		p = put_u64(p, s->balances[i].units);
		p = put_u64(p, s->included[i].units);
	}
	return (size_t)(p - buf);
}

/* Small states (up to 16 parties) are encoded on the stack; larger ones on the heap. */
#define STACK_PARTIES 16

void l1_state_sign(struct l1_state *s, uint32_t i, const uint8_t sk[L1_SECKEY_LEN])
{
	if (l1_state_is_unsigned(s))
		fatal_invariant("signing a state made without room for signatures");
	uint8_t stack[L1_STATE_TAG_LEN + 16 + STACK_PARTIES * 16];
	size_t len = l1_state_encoded_len(s->nparties);
	uint8_t *buf = s->nparties <= STACK_PARTIES ? stack : xmalloc(len);
	l1_state_encode(s, buf);
	crypto_sign_detached(s->sigs[i], NULL, buf, len, sk);
	if (buf != stack)
		free(buf);
}

bool l1_state_verify(const struct l1_state *s, uint32_t i, const uint8_t pk[L1_PUBKEY_LEN])
{
	uint8_t stack[L1_STATE_TAG_LEN + 16 + STACK_PARTIES * 16];
	size_t len = l1_state_encoded_len(s->nparties);
	uint8_t *buf = s->nparties <= STACK_PARTIES ? stack : xmalloc(len);
	l1_state_encode(s, buf);
	bool ok = crypto_sign_verify_detached(s->sigs[i], buf, len, pk) == 0;
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
