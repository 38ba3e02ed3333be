/* Unit tests of l2/: keys, the update protocol, payment failures, deposits, closes,
 * honest parties in phase 2 (watchers, watchtowers, pending challenges, the penalty
 * rule), memory of old states, and a seeded randomized property test.
 *
 * Blocks are driven exactly as tools/runner.c drives them: l1_chain_produce_block
 * (phase 1), then phase 2 (parties whose back_at is this block come back online, then
 * l2_react_all), then the test's own actions play phase 3. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <inttypes.h>
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "l1sim/amount.h"
#include "l1sim/chain.h"
#include "l1sim/channel.h"
#include "l1sim/rng.h"
#include "l1sim/state.h"
#include "l2/l2.h"

/* ---- a small harness: chain + net + an event log ---- */

struct rec {
	enum l1_event_kind kind;
	uint32_t tx_kind;             /* the channel contract's op */
	uint64_t height, tx_id, seq;
	enum l1_result reason;
	uint32_t submitter, channel;
};

struct sub {
	uint32_t party, ch;
	uint64_t tx, height;
};

struct env {
	struct l1_chain *chain;
	struct l2_net *net;
	struct rec *log;
	size_t nlog, cap_log;
	struct sub *subs;          /* challenges submitted by l2_react_* */
	size_t nsubs, cap_subs;
	uint64_t violations;       /* settlements paying a non-cheater less than owed */
	char first_violation[256];
};

static void on_event(void *ctx, const struct l1_event *ev)
{
	struct env *e = ctx; /* added after the net's listener: L2 has seen ev */
	if (e->nlog == e->cap_log) {
		e->cap_log = e->cap_log ? 2 * e->cap_log : 64;
		e->log = realloc(e->log, e->cap_log * sizeof(*e->log));
		if (!e->log)
			abort();
	}
	struct rec r = { .kind = ev->kind, .height = ev->height, .reason = ev->reason,
			 .channel = ev->target };
	if (ev->tx) {
		r.tx_kind = ev->tx->op;
		r.tx_id = ev->tx->id;
		r.submitter = ev->tx->submitter;
		r.seq = l1_channel_tx_state(ev->tx) ? l1_channel_tx_state(ev->tx)->seq : UINT64_MAX;
		r.channel = l1_channel_tx_channel(ev->tx);
	}
	e->log[e->nlog++] = r;
	if (!l1_channel_is_settled_event(e->net->l1, ev))
		return;
	/* SPEC 7 security_violations: a party that did not cheat must be paid at least
	 * what the channel's latest state owes it (balance + deposited - included). */
	uint32_t k = ev->target; /* the L1 channel id */
	const struct l2_channel *c = &e->net->channels[ev->target];
	for (uint32_t i = 0; i < l1_channel_nparties(e->net->l1, k); i++) {
		struct amount owed, extra;
		if (!c->latest)
			continue;
		if (!amount_sub(&extra, l1_channel_deposited(e->net->l1, k, i), c->latest->included[i]) ||
		    !amount_add(&owed, c->latest->balances[i], extra))
			owed = AMOUNT(UINT64_MAX);
		if (!l2_channel_cheated(c, i) && amount_lt(l1_channel_payout(e->net->l1, k, i), owed)) {
			if (e->violations++ == 0)
				snprintf(e->first_violation, sizeof(e->first_violation),
					 "channel %u party %u paid %" PRIu64 " < owed %" PRIu64
					 " (latest seq %" PRIu64 ", registered %" PRIu64 ")",
					 ev->target, i, l1_channel_payout(e->net->l1, k, i).units, owed.units, c->latest->seq,
					 l1_channel_registered(e->net->l1, k) ? l1_channel_registered_seq(e->net->l1, k) : UINT64_MAX);
		}
	}
}

static void on_submit(void *ctx, uint32_t party, uint32_t ch, uint64_t tx)
{
	struct env *e = ctx;
	if (e->nsubs == e->cap_subs) {
		e->cap_subs = e->cap_subs ? 2 * e->cap_subs : 16;
		e->subs = realloc(e->subs, e->cap_subs * sizeof(*e->subs));
		if (!e->subs)
			abort();
	}
	e->subs[e->nsubs++] = (struct sub){ party, ch, tx, e->chain->height };
}

static void params_for_test(struct l1_params *p, uint32_t confirmations, uint64_t timeout)
{
	l1_params_default(p);
	p->confirmations = confirmations;
	p->dispute_timeout_blocks = timeout;
	p->check_conservation = true;
}

static struct env *env_new(struct l1_params *p, enum l2_signatures sig, uint64_t fee)
{
	struct env *e = calloc(1, sizeof(*e));
	cr_assert_not_null(e);
	p->check_conservation = true;
	if (sig == L2_SIG_OFF)
		p->verify_signatures = false;
	e->chain = l1_chain_new(p);
	cr_assert_not_null(e->chain);
	e->net = l2_net_new(e->chain, sig, AMOUNT(fee));
	cr_assert_not_null(e->net);
	l1_chain_add_listener(e->chain, on_event, e);
	return e;
}

static void env_free(struct env *e)
{
	l2_net_free(e->net);
	l1_chain_free(e->chain);
	free(e->log);
	free(e->subs);
	free(e);
}

static uint32_t add_party(struct env *e, uint64_t seed, const char *name, uint64_t balance,
			  uint64_t challenge_fee)
{
	uint32_t id;
	cr_assert_eq(l2_party_add(e->net, seed, name, AMOUNT(balance), AMOUNT(challenge_fee), &id), L1_OK);
	return id;
}

static uint32_t add_channel(struct env *e, uint32_t np, const uint32_t *parties, const uint64_t *deps)
{
	struct amount d[8];
	cr_assert(np <= 8);
	for (uint32_t i = 0; i < np; i++)
		d[i] = AMOUNT(deps[i]);
	uint32_t id;
	cr_assert_eq(l2_channel_add(e->net, np, parties, d, &id), L1_OK);
	return id;
}

/* One block as the runner does it: phase 1, then phase 2. Phase 3 is the caller's. */
static void step(struct env *e)
{
	l1_chain_produce_block(e->chain);
	cr_assert(l1_chain_conserved(e->chain), "conservation broken at block %" PRIu64, e->chain->height);
	uint64_t h = e->chain->height;
	for (uint32_t p = 0; p < e->net->nparties; p++)
		if (!e->net->parties[p].online && e->net->parties[p].back_at == h)
			l2_party_set_online(e->net, p);
	l2_react_all(e->net, on_submit, e);
}

static void run_to(struct env *e, uint64_t height)
{
	while (e->chain->height < height)
		step(e);
}

/* The last event about tx `id`, or NULL while it is pending. */
static const struct rec *tx_event(const struct env *e, uint64_t id)
{
	for (size_t i = e->nlog; i-- > 0;)
		if (e->log[i].kind != L1_EV_CONTRACT && e->log[i].tx_id == id)
			return &e->log[i];
	return NULL;
}

static size_t mempool_count(const struct env *e, enum l1_channel_op kind, uint32_t submitter)
{
	size_t n = 0;
	for (size_t i = 0; i < e->chain->mempool_len; i++)
		if (l1_channel_op_of(e->net->l1, &e->chain->mempool[i]) == kind && e->chain->mempool[i].submitter == submitter)
			n++;
	return n;
}

static uint64_t l1_bal(const struct env *e, uint32_t party)
{
	return e->chain->accounts[e->net->parties[party].account].balance.units;
}

/* The L1 channel id of L2 channel ch (through the net's map, not by identity). */
static uint32_t l1_id_of(const struct env *e, uint32_t ch)
{
	return e->net->channels[ch].l1_id;
}

static const struct l1_state *latest(const struct env *e, uint32_t ch)
{
	return e->net->channels[ch].latest;
}

static void pay_ok(struct env *e, uint32_t ch, uint32_t from, uint32_t to, uint64_t amount)
{
	enum l2_result r = l2_channel_pay(e->net, ch, from, to, AMOUNT(amount));
	cr_assert_eq(r, L2_OK, "payment %u -> %u of %" PRIu64 " failed: %s", from, to, amount, l2_result_str(r));
}

/* Everything a failed payment must leave alone. */
struct snap {
	uint64_t seq;
	uint64_t bal[8], inc[8];
	uint8_t sigs[8][L1_SIG_LEN];
	uint64_t signs, verifies;
	size_t mempool;
	bool close_submitted;
};

static void snap_take(const struct env *e, uint32_t ch, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	const struct l1_state *l = latest(e, ch);
	cr_assert_not_null(l);
	s->seq = l->seq;
	for (uint32_t i = 0; i < l->nparties && i < 8; i++) {
		s->bal[i] = l->balances[i].units;
		s->inc[i] = l->included[i].units;
		memcpy(s->sigs[i], l1_state_sig(l, i), L1_SIG_LEN);
	}
	s->signs = e->net->signs;
	s->verifies = e->net->verifies;
	s->mempool = e->chain->mempool_len;
	s->close_submitted = e->net->channels[ch].close_submitted;
}

static void assert_unchanged(const struct env *e, uint32_t ch, const struct snap *before, bool crypto_too)
{
	struct snap now;
	snap_take(e, ch, &now);
	if (!crypto_too) {
		now.signs = before->signs;
		now.verifies = before->verifies;
	}
	cr_assert_eq(now.seq, before->seq, "latest seq moved from %" PRIu64 " to %" PRIu64, before->seq, now.seq);
	cr_assert_eq(memcmp(now.bal, before->bal, sizeof(now.bal)), 0, "balances changed");
	cr_assert_eq(memcmp(now.inc, before->inc, sizeof(now.inc)), 0, "included deposits changed");
	cr_assert_eq(memcmp(now.sigs, before->sigs, sizeof(now.sigs)), 0, "signatures changed");
	cr_assert_eq(now.signs, before->signs, "signs counter changed");
	cr_assert_eq(now.verifies, before->verifies, "verifies counter changed");
	cr_assert_eq(now.mempool, before->mempool, "a tx was submitted");
	cr_assert_eq(now.close_submitted, before->close_submitted);
}

/* alice and bob (L1 1000 each), channel deposits 100/100, opened at block 0 and run to
 * the block it becomes usable (1 + confirmations - 1). */
static struct env *two_party(uint32_t confirmations, uint64_t timeout, enum l2_signatures sig,
			     uint32_t *a, uint32_t *b, uint32_t *ch)
{
	struct l1_params p;
	params_for_test(&p, confirmations, timeout);
	struct env *e = env_new(&p, sig, 0);
	*a = add_party(e, 1, "alice", 1000, 0);
	*b = add_party(e, 1, "bob", 1000, 0);
	uint32_t ps[2] = { *a, *b };
	uint64_t deps[2] = { 100, 100 };
	*ch = add_channel(e, 2, ps, deps);
	cr_assert_eq(l2_channel_open(e->net, *ch, NULL), L2_OK);
	run_to(e, confirmations);
	cr_assert(l2_channel_usable(e->net, *ch));
	return e;
}

static bool all_sigs_verify(const struct env *e, uint32_t ch, const struct l1_state *s)
{
	const struct l2_channel *c = &e->net->channels[ch];
	for (uint32_t i = 0; i < c->nparties; i++)
		if (!l1_state_verify(s, i, e->net->parties[c->parties[i]].pk))
			return false;
	return true;
}

/* ---- keys ---- */

Test(l2_channel, keys_same_seed_and_name_give_same_keys)
{
	cr_assert(sodium_init() >= 0);
	uint8_t pk1[L1_PUBKEY_LEN], sk1[L1_SECKEY_LEN], pk2[L1_PUBKEY_LEN], sk2[L1_SECKEY_LEN];
	l2_keys_derive(42, "alice", pk1, sk1);
	l2_keys_derive(42, "alice", pk2, sk2);
	cr_assert_eq(memcmp(pk1, pk2, sizeof(pk1)), 0);
	cr_assert_eq(memcmp(sk1, sk2, sizeof(sk1)), 0);

	/* Two nets built from the same seed give their parties the same keys. */
	struct l1_params p;
	params_for_test(&p, 1, 1);
	struct env *e1 = env_new(&p, L2_SIG_ED25519, 0);
	struct env *e2 = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t x = add_party(e1, 42, "alice", 0, 0), y = add_party(e2, 42, "alice", 0, 0);
	cr_assert_eq(memcmp(e1->net->parties[x].pk, pk1, L1_PUBKEY_LEN), 0);
	cr_assert_eq(memcmp(e2->net->parties[y].sk, sk1, L1_SECKEY_LEN), 0);
	/* and the L1 account carries the public key the contract verifies with */
	cr_assert_eq(memcmp(e1->chain->accounts[e1->net->parties[x].account].pubkey, pk1, L1_PUBKEY_LEN), 0);
	env_free(e1);
	env_free(e2);
}

Test(l2_channel, keys_differ_by_seed_and_by_name)
{
	cr_assert(sodium_init() >= 0);
	uint8_t pk[4][L1_PUBKEY_LEN], sk[4][L1_SECKEY_LEN];
	l2_keys_derive(1, "alice", pk[0], sk[0]);
	l2_keys_derive(2, "alice", pk[1], sk[1]);
	l2_keys_derive(1, "bob", pk[2], sk[2]);
	l2_keys_derive(1ULL << 32, "alice", pk[3], sk[3]); /* a high seed byte matters too */
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++) {
			cr_assert_neq(memcmp(pk[i], pk[j], L1_PUBKEY_LEN), 0, "keys %d and %d equal", i, j);
			cr_assert_neq(memcmp(sk[i], sk[j], L1_SECKEY_LEN), 0);
		}
}

Test(l2_channel, keys_follow_the_documented_derivation)
{
	cr_assert(sodium_init() >= 0);
	/* docs/l2.md: seed = BLAKE2b-256("l2sim/key/1" || u64le seed || name) */
	uint64_t seed = 0x0102030405060708ULL;
	uint8_t msg[11 + 8 + 5], s[32], pk[L1_PUBKEY_LEN], sk[L1_SECKEY_LEN];
	memcpy(msg, "l2sim/key/1", 11);
	for (int i = 0; i < 8; i++)
		msg[11 + i] = (uint8_t)(seed >> (8 * i));
	memcpy(msg + 19, "carol", 5);
	crypto_generichash(s, sizeof(s), msg, sizeof(msg), NULL, 0);
	crypto_sign_seed_keypair(pk, sk, s);
	uint8_t pk2[L1_PUBKEY_LEN], sk2[L1_SECKEY_LEN];
	l2_keys_derive(seed, "carol", pk2, sk2);
	cr_assert_eq(memcmp(pk, pk2, sizeof(pk)), 0);
	cr_assert_eq(memcmp(sk, sk2, sizeof(sk)), 0);
}

Test(l2_channel, derived_keys_sign_states_that_verify)
{
	cr_assert(sodium_init() >= 0);
	uint8_t pka[L1_PUBKEY_LEN], ska[L1_SECKEY_LEN], pkb[L1_PUBKEY_LEN], skb[L1_SECKEY_LEN];
	l2_keys_derive(7, "alice", pka, ska);
	l2_keys_derive(7, "bob", pkb, skb);
	struct l1_state *s = l1_state_new(3, 9, 2);
	s->balances[0] = s->included[0] = AMOUNT(5);
	s->balances[1] = s->included[1] = AMOUNT(6);
	l1_state_sign(s, 0, ska);
	l1_state_sign(s, 1, skb);
	cr_assert(l1_state_verify(s, 0, pka));
	cr_assert(l1_state_verify(s, 1, pkb));
	cr_assert_not(l1_state_verify(s, 0, pkb), "alice's signature must not verify under bob's key");
	cr_assert_not(l1_state_verify(s, 1, pka));
	s->seq++; /* any change of the signed content breaks both */
	cr_assert_not(l1_state_verify(s, 0, pka));
	cr_assert_not(l1_state_verify(s, 1, pkb));
	l1_state_free(s);
}

Test(l2_channel, no_keys_when_signatures_are_off)
{
	struct l1_params p;
	params_for_test(&p, 1, 1);
	struct env *e = env_new(&p, L2_SIG_OFF, 0);
	uint32_t a = add_party(e, 1, "alice", 10, 0);
	static const uint8_t zero[L1_SECKEY_LEN];
	cr_assert_eq(memcmp(e->net->parties[a].sk, zero, L1_SECKEY_LEN), 0);
	cr_assert_eq(memcmp(e->net->parties[a].pk, zero, L1_PUBKEY_LEN), 0);
	env_free(e);
}

/* ---- the update protocol ---- */

Test(l2_channel, open_signs_state_zero_and_counts_crypto)
{
	struct l1_params p;
	params_for_test(&p, 1, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 3);
	uint32_t a = add_party(e, 1, "alice", 1000, 0), b = add_party(e, 1, "bob", 1000, 0);
	uint32_t c3 = add_party(e, 1, "carol", 1000, 0);
	uint32_t ps[3] = { a, b, c3 };
	uint64_t deps[3] = { 10, 20, 30 };
	uint32_t ch = add_channel(e, 3, ps, deps);
	uint64_t tx;
	cr_assert_eq(l2_channel_open(e->net, ch, &tx), L2_OK);
	const struct l1_state *s = latest(e, ch);
	cr_assert_not_null(s);
	cr_assert_eq(s->seq, 0);
	for (uint32_t i = 0; i < 3; i++) {
		cr_assert_eq(s->balances[i].units, deps[i]);
		cr_assert_eq(s->included[i].units, deps[i]);
	}
	cr_assert(all_sigs_verify(e, ch, s));
	cr_assert_eq(e->net->signs, 3);
	cr_assert_eq(e->net->verifies, 6);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_ERR_ALREADY_OPENED);
	cr_assert_eq(e->chain->mempool_len, 1);
	step(e);
	const struct rec *r = tx_event(e, tx);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, L1_EV_TX_INCLUDED);
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_OPEN);
	cr_assert_eq(l1_channel_holdings(e->net->l1, l1_id_of(e, ch)).units, 60);
	cr_assert_eq(l1_bal(e, a), 1000 - 10 - 3, "the first party pays the open fee");
	cr_assert_eq(l1_bal(e, b), 1000 - 20);
	cr_assert_eq(l1_bal(e, c3), 1000 - 30);
	env_free(e);
}

Test(l2_channel, open_fails_with_a_party_offline)
{
	struct l1_params p;
	params_for_test(&p, 1, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 1, "alice", 1000, 0), b = add_party(e, 1, "bob", 1000, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 1, 1 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	l2_party_set_offline(e->net, b, UINT64_MAX);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_ERR_OFFLINE);
	cr_assert_null(latest(e, ch));
	cr_assert_not(e->net->channels[ch].open_submitted);
	cr_assert_eq(e->chain->mempool_len, 0);
	cr_assert_eq(e->net->signs, 0);
	l2_party_set_online(e->net, b);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	env_free(e);
}

Test(l2_channel, dropped_open_lets_the_channel_be_opened_again)
{
	struct l1_params p;
	params_for_test(&p, 1, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 1, "alice", 1000, 0), b = add_party(e, 1, "bob", 50, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 }; /* bob lacks 100 */
	uint32_t ch = add_channel(e, 2, ps, deps);
	uint64_t tx;
	cr_assert_eq(l2_channel_open(e->net, ch, &tx), L2_OK);
	step(e);
	const struct rec *r = tx_event(e, tx);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, L1_EV_TX_DROPPED);
	cr_assert_eq(r->reason, L1_ERR_NO_FUNDS);
	cr_assert_eq(l1_bal(e, a), 1000, "nothing moves when the open is dropped");
	cr_assert_eq(l1_bal(e, b), 50);
	cr_assert_null(latest(e, ch));
	cr_assert_not(e->net->channels[ch].open_submitted);
	cr_assert_not(l2_channel_usable(e->net, ch));
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_ERR_NOT_USABLE);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false, NULL),
		     L2_ERR_NOT_OPEN_ON_L1);
	/* l2 accepts a new open and submits it (L1 decides again when it is reached) */
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	cr_assert_eq(e->chain->mempool_len, 1);
	env_free(e);
}

Test(l2_channel, two_party_update_moves_balances_and_counts_2_signs_2_verifies)
{
	uint32_t a, b, ch;
	struct env *e = two_party(1, 5, L2_SIG_ED25519, &a, &b, &ch);
	uint64_t signs = e->net->signs, verifies = e->net->verifies;
	uint64_t seq = latest(e, ch)->seq;
	pay_ok(e, ch, a, b, 30);
	const struct l1_state *s = latest(e, ch);
	cr_assert_eq(s->seq, seq + 1);
	cr_assert_eq(s->balances[0].units, 70);
	cr_assert_eq(s->balances[1].units, 130);
	cr_assert_eq(s->included[0].units, 100);
	cr_assert_eq(s->included[1].units, 100);
	cr_assert_eq(s->channel, e->net->channels[ch].l1_id);
	cr_assert(all_sigs_verify(e, ch, s));
	cr_assert_eq(e->net->signs - signs, 2);
	cr_assert_eq(e->net->verifies - verifies, 2);
	pay_ok(e, ch, b, a, 130);
	s = latest(e, ch);
	cr_assert_eq(s->seq, seq + 2);
	cr_assert_eq(s->balances[0].units, 200);
	cr_assert_eq(s->balances[1].units, 0);
	cr_assert(all_sigs_verify(e, ch, s));
	cr_assert_eq(e->net->signs - signs, 4);
	cr_assert_eq(e->net->verifies - verifies, 4);
	cr_assert_eq(e->chain->mempool_len, 0, "payments are off-chain");
	env_free(e);
}

Test(l2_channel, four_party_update_counts_4_signs_12_verifies)
{
	struct l1_params p;
	params_for_test(&p, 2, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	const char *names[4] = { "a", "b", "c", "d" };
	uint32_t ps[4];
	uint64_t deps[4] = { 10, 20, 30, 40 };
	for (int i = 0; i < 4; i++)
		ps[i] = add_party(e, 9, names[i], 1000, 0);
	uint32_t ch = add_channel(e, 4, ps, deps);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	cr_assert_eq(e->net->signs, 4);
	cr_assert_eq(e->net->verifies, 12);
	run_to(e, 2);
	for (int k = 1; k <= 3; k++) {
		uint64_t signs = e->net->signs, verifies = e->net->verifies;
		pay_ok(e, ch, ps[3], ps[k - 1], (uint64_t)k);
		const struct l1_state *s = latest(e, ch);
		cr_assert_eq(s->seq, (uint64_t)k);
		cr_assert(all_sigs_verify(e, ch, s));
		cr_assert_eq(e->net->signs - signs, 4);
		cr_assert_eq(e->net->verifies - verifies, 12);
	}
	const struct l1_state *s = latest(e, ch);
	cr_assert_eq(s->balances[0].units, 11);
	cr_assert_eq(s->balances[1].units, 22);
	cr_assert_eq(s->balances[2].units, 33);
	cr_assert_eq(s->balances[3].units, 34);
	env_free(e);
}

/* ---- refusing bad signatures ---- */

Test(l2_channel, party_refuses_a_state_with_a_corrupted_signature)
{
	uint32_t a, b, ch;
	struct env *e = two_party(1, 5, L2_SIG_ED25519, &a, &b, &ch);
	pay_ok(e, ch, a, b, 1);
	struct l1_state *s = l1_state_copy(latest(e, ch));
	cr_assert(l2_party_accepts(e->net, ch, a, s));
	cr_assert(l2_party_accepts(e->net, ch, b, s));

	uint64_t v = e->net->verifies;
	l1_state_sig(s, 1)[5] ^= 0x01; /* bob's signature */
	cr_assert_not(l2_party_accepts(e->net, ch, a, s), "alice must refuse bob's bad signature");
	cr_assert_eq(e->net->verifies - v, 1, "the check is counted");
	l1_state_sig(s, 1)[5] ^= 0x01;
	l1_state_sig(s, 0)[63] ^= 0x80; /* alice's signature */
	cr_assert_not(l2_party_accepts(e->net, ch, b, s), "bob must refuse alice's bad signature");
	l1_state_sig(s, 0)[63] ^= 0x80;
	cr_assert(l2_party_accepts(e->net, ch, b, s));

	/* content altered after signing: nobody accepts */
	s->balances[0] = AMOUNT(s->balances[0].units + 1);
	s->balances[1] = AMOUNT(s->balances[1].units - 1);
	cr_assert_not(l2_party_accepts(e->net, ch, a, s));
	cr_assert_not(l2_party_accepts(e->net, ch, b, s));
	l1_state_free(s);
	env_free(e);
}

Test(l2_channel, update_with_a_bad_counter_signature_changes_nothing)
{
	uint32_t a, b, ch;
	struct env *e = two_party(1, 5, L2_SIG_ED25519, &a, &b, &ch);
	pay_ok(e, ch, a, b, 10);
	struct snap before;
	snap_take(e, ch, &before);
	/* bob's signing key is replaced by another: his counter-signature will not verify */
	uint8_t saved[L1_SECKEY_LEN], pk[L1_PUBKEY_LEN];
	memcpy(saved, e->net->parties[b].sk, sizeof(saved));
	l2_keys_derive(1, "mallory", pk, e->net->parties[b].sk);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(5)), L2_ERR_BAD_SIGNATURE);
	assert_unchanged(e, ch, &before, false);
	cr_assert_eq(e->net->signs - before.signs, 2, "both signed before the check");
	/* restored: the same payment goes through with seq + 1 */
	memcpy(e->net->parties[b].sk, saved, sizeof(saved));
	pay_ok(e, ch, a, b, 5);
	cr_assert_eq(latest(e, ch)->seq, before.seq + 1);
	cr_assert_eq(latest(e, ch)->balances[0].units, 85);
	env_free(e);
}

Test(l2_channel, contract_drops_unilateral_close_with_corrupted_signature)
{
	struct l1_params p;
	params_for_test(&p, 1, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 2);
	uint32_t a = add_party(e, 1, "alice", 1000, 0), b = add_party(e, 1, "bob", 1000, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, a, b, 40);
	uint64_t bal_a = l1_bal(e, a), fees = e->chain->fees.units;
	struct l1_state *s = l1_state_copy(latest(e, ch));
	l1_state_sig(s, 1)[0] ^= 0xff;
	uint64_t tx = l1_chain_submit(e->chain, l1_channel_tx(e->net->l1, L1_CHANNEL_UNILATERAL_CLOSE, e->net->parties[a].account, e->net->channels[ch].l1_id, AMOUNT(2), AMOUNT(0), s));
	step(e);
	const struct rec *r = tx_event(e, tx);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, L1_EV_TX_DROPPED);
	cr_assert_eq(r->reason, L1_ERR_BAD_SIGNATURE);
	uint32_t k = l1_id_of(e, ch);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_OPEN);
	cr_assert_null(l1_channel_registered(e->net->l1, k));
	cr_assert_eq(l1_channel_holdings(e->net->l1, k).units, 200);
	cr_assert_eq(l1_bal(e, a), bal_a, "a dropped tx pays no fee");
	cr_assert_eq(e->chain->fees.units, fees);
	cr_assert_eq(e->net->ndisputes, 0);
	cr_assert(l2_channel_usable(e->net, ch));
	env_free(e);
}

Test(l2_channel, contract_drops_challenge_with_corrupted_signature)
{
	struct l1_params p;
	params_for_test(&p, 1, 10);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 1, "alice", 1000, 0), b = add_party(e, 1, "bob", 1000, 3);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	l2_channel_keep_seq(e->net, ch, 1);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, b, a, 10); /* seq 1: alice 110 */
	pay_ok(e, ch, a, b, 60); /* seq 2: alice 50 */
	l2_party_set_offline(e->net, b, UINT64_MAX); /* bob does not challenge by himself */
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 1, false, NULL), L2_OK);
	step(e);
	uint32_t k = l1_id_of(e, ch);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_DISPUTE);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, k), 1);
	uint64_t bal_b = l1_bal(e, b);

	struct l1_state *bad = l1_state_copy(latest(e, ch));
	l1_state_sig(bad, 0)[10] ^= 0x04; /* alice's signature on the newer state */
	uint64_t tx = l1_chain_submit(e->chain, l1_channel_tx(e->net->l1, L1_CHANNEL_CHALLENGE, e->net->parties[b].account, e->net->channels[ch].l1_id, AMOUNT(3), AMOUNT(0), bad));
	step(e);
	const struct rec *r = tx_event(e, tx);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, L1_EV_TX_DROPPED);
	cr_assert_eq(r->reason, L1_ERR_BAD_SIGNATURE);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_DISPUTE);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, k), 1);
	cr_assert_not(l1_channel_challenged(e->net->l1, k));
	cr_assert_eq(l1_bal(e, b), bal_b);

	/* the genuine state is accepted */
	tx = l1_chain_submit(e->chain, l1_channel_tx(e->net->l1, L1_CHANNEL_CHALLENGE, e->net->parties[b].account, e->net->channels[ch].l1_id, AMOUNT(3), AMOUNT(0), l1_state_copy(latest(e, ch))));
	step(e);
	r = tx_event(e, tx);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, L1_EV_TX_INCLUDED);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, k), 2);
	cr_assert_eq(l1_bal(e, b), bal_b - 3);
	env_free(e);
}

/* ---- payment failures: each changes nothing ---- */

Test(l2_channel, payment_fails_until_open_is_final_exact_block)
{
	const uint32_t confs[] = { 1, 2, 6 };
	for (size_t t = 0; t < sizeof(confs) / sizeof(confs[0]); t++) {
		uint32_t c = confs[t];
		struct l1_params p;
		params_for_test(&p, c, 5);
		struct env *e = env_new(&p, L2_SIG_ED25519, 0);
		uint32_t a = add_party(e, 1, "alice", 1000, 0), b = add_party(e, 1, "bob", 1000, 0);
		uint32_t ps[2] = { a, b };
		uint64_t deps[2] = { 100, 100 };
		uint32_t ch = add_channel(e, 2, ps, deps);
		/* before the open: no state at all */
		cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_ERR_NOT_USABLE);
		cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK); /* submitted at block 0 */
		struct snap before;
		snap_take(e, ch, &before);
		cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_ERR_NOT_USABLE, "c=%u block 0", c);
		assert_unchanged(e, ch, &before, true);
		step(e); /* block 1 includes the open */
		snap_take(e, ch, &before);
		cr_assert_eq(l1_channel_open_height(e->net->l1, l1_id_of(e, ch)), 1);
		cr_assert_eq(l1_channel_usable_height(e->net->l1, e->net->channels[ch].l1_id), c);
		while (e->chain->height < c) {
			cr_assert_not(l2_channel_usable(e->net, ch));
			cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_ERR_NOT_USABLE,
				     "c=%u: block %" PRIu64 " is before 1 + c - 1", c, e->chain->height);
			cr_assert_eq(l2_channel_spendable(e->net, ch, 0).units, 0, "open deposit not final yet");
			assert_unchanged(e, ch, &before, true);
			step(e);
		}
		cr_assert_eq(e->chain->height, c);
		cr_assert(l2_channel_usable(e->net, ch));
		cr_assert_eq(l2_channel_spendable(e->net, ch, 0).units, 100);
		pay_ok(e, ch, a, b, 1);
		cr_assert_eq(latest(e, ch)->seq, 1);
		env_free(e);
	}
}

Test(l2_channel, payment_fails_once_a_close_is_submitted)
{
	/* unilateral: from submission (still in the mempool), through the window, after settlement */
	uint32_t a, b, ch;
	struct env *e = two_party(1, 3, L2_SIG_ED25519, &a, &b, &ch);
	pay_ok(e, ch, a, b, 10);
	cr_assert_eq(l2_channel_close(e->net, ch, b, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false, NULL), L2_OK);
	struct snap before;
	snap_take(e, ch, &before);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_ERR_NOT_USABLE);
	cr_assert_eq(l2_channel_pay(e->net, ch, b, a, AMOUNT(1)), L2_ERR_NOT_USABLE);
	assert_unchanged(e, ch, &before, true);
	step(e);
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_DISPUTE);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_ERR_NOT_USABLE);
	run_to(e, e->chain->height + 3);
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_CLOSED);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_ERR_NOT_USABLE);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_COOPERATIVE, L2_STATE_LATEST, false, NULL),
		     L2_ERR_CLOSE_SUBMITTED);
	env_free(e);

	/* cooperative: the final state is latest + 1 and no payment follows it */
	e = two_party(1, 3, L2_SIG_ED25519, &a, &b, &ch);
	pay_ok(e, ch, a, b, 10);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_COOPERATIVE, L2_STATE_LATEST, false, NULL), L2_OK);
	cr_assert_eq(latest(e, ch)->seq, 2);
	snap_take(e, ch, &before);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_ERR_NOT_USABLE);
	assert_unchanged(e, ch, &before, true);
	env_free(e);
}

Test(l2_channel, payment_fails_from_equal_to_and_non_members)
{
	uint32_t a, b, ch;
	struct env *e = two_party(1, 5, L2_SIG_ED25519, &a, &b, &ch);
	uint32_t d = add_party(e, 1, "dave", 1000, 0);
	pay_ok(e, ch, a, b, 1);
	struct snap before;
	snap_take(e, ch, &before);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, a, AMOUNT(1)), L2_ERR_NOT_MEMBERS);
	cr_assert_eq(l2_channel_pay(e->net, ch, b, b, AMOUNT(1)), L2_ERR_NOT_MEMBERS);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, d, AMOUNT(1)), L2_ERR_NOT_MEMBERS);
	cr_assert_eq(l2_channel_pay(e->net, ch, d, b, AMOUNT(1)), L2_ERR_NOT_MEMBERS);
	cr_assert_eq(l2_channel_pay(e->net, ch, d, d, AMOUNT(1)), L2_ERR_NOT_MEMBERS);
	assert_unchanged(e, ch, &before, true);
	cr_assert_eq(l2_channel_index(e->net, ch, d), -1);
	cr_assert_eq(l2_channel_index(e->net, ch, b), 1);
	env_free(e);
}

Test(l2_channel, payment_fails_while_any_member_is_offline)
{
	struct l1_params p;
	params_for_test(&p, 1, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 1, "alice", 1000, 0), b = add_party(e, 1, "bob", 1000, 0);
	uint32_t c3 = add_party(e, 1, "carol", 1000, 0);
	uint32_t ps[3] = { a, b, c3 };
	uint64_t deps[3] = { 100, 100, 100 };
	uint32_t ch = add_channel(e, 3, ps, deps);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, a, b, 1);
	struct snap before;
	snap_take(e, ch, &before);
	/* carol is neither payer nor payee, but every party signs */
	l2_party_set_offline(e->net, c3, UINT64_MAX);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_ERR_OFFLINE);
	assert_unchanged(e, ch, &before, true);
	l2_party_set_online(e->net, c3);
	l2_party_set_offline(e->net, b, e->chain->height + 2);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_ERR_OFFLINE);
	cr_assert_eq(l2_channel_pay(e->net, ch, b, a, AMOUNT(1)), L2_ERR_OFFLINE);
	assert_unchanged(e, ch, &before, true);
	step(e);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_ERR_OFFLINE, "back only at phase 2 of +2");
	step(e);
	cr_assert(e->net->parties[b].online);
	pay_ok(e, ch, a, b, 1);
	env_free(e);
}

Test(l2_channel, payment_fails_above_spendable_and_for_zero)
{
	uint32_t a, b, ch;
	struct env *e = two_party(1, 5, L2_SIG_ED25519, &a, &b, &ch);
	pay_ok(e, ch, a, b, 30); /* alice 70, bob 130 */
	struct snap before;
	snap_take(e, ch, &before);
	cr_assert_eq(l2_channel_spendable(e->net, ch, 0).units, 70);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(71)), L2_ERR_NO_FUNDS);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(UINT64_MAX)), L2_ERR_NO_FUNDS);
	cr_assert_eq(l2_channel_pay(e->net, ch, b, a, AMOUNT(131)), L2_ERR_NO_FUNDS);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(0)), L2_ERR_ZERO_AMOUNT);
	cr_assert_eq(l2_channel_pay(e->net, ch, b, a, AMOUNT(0)), L2_ERR_ZERO_AMOUNT);
	assert_unchanged(e, ch, &before, true);
	/* exactly the spendable amount is fine; then nothing is left */
	pay_ok(e, ch, a, b, 70);
	cr_assert_eq(latest(e, ch)->balances[0].units, 0);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_ERR_NO_FUNDS);
	env_free(e);
}

Test(l2_channel, full_64_bit_range_payment_and_settlement)
{
	struct l1_params p;
	params_for_test(&p, 1, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 1, "alice", UINT64_MAX - 1, 0), b = add_party(e, 1, "bob", 1, 0);
	uint32_t id;
	cr_assert_eq(l2_party_add(e->net, 1, "carol", AMOUNT(1), AMOUNT(0), &id), L1_ERR_SUPPLY_OVERFLOW);
	cr_assert_eq(e->net->nparties, 2, "a refused party changes nothing");
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { UINT64_MAX - 1, 1 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, a, b, UINT64_MAX - 1);
	cr_assert_eq(latest(e, ch)->balances[1].units, UINT64_MAX);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_ERR_NO_FUNDS);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_COOPERATIVE, L2_STATE_LATEST, false, NULL), L2_OK);
	step(e);
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_CLOSED);
	cr_assert_eq(l1_bal(e, b), UINT64_MAX);
	cr_assert_eq(l1_bal(e, a), 0);
	env_free(e);
}

Test(l2_channel, payment_at_the_last_sequence_number_overflows_cleanly)
{
	uint32_t a, b, ch;
	struct env *e = two_party(1, 5, L2_SIG_OFF, &a, &b, &ch);
	e->net->channels[ch].latest->seq = UINT64_MAX; /* only reachable by 2^64 payments */
	struct snap before;
	snap_take(e, ch, &before);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_ERR_OVERFLOW);
	assert_unchanged(e, ch, &before, true);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_COOPERATIVE, L2_STATE_LATEST, false, NULL),
		     L2_ERR_OVERFLOW);
	assert_unchanged(e, ch, &before, true);
	env_free(e);
}

/* ---- closes: failures ---- */

Test(l2_channel, close_failures_change_nothing)
{
	struct l1_params p;
	params_for_test(&p, 3, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 1, "alice", 1000, 0), b = add_party(e, 1, "bob", 1000, 0);
	uint32_t d = add_party(e, 1, "dave", 1000, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false, NULL),
		     L2_ERR_NOT_OPEN_ON_L1, "never opened");
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false, NULL),
		     L2_ERR_NOT_OPEN_ON_L1, "open submitted, not included");
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_COOPERATIVE, L2_STATE_LATEST, false, NULL),
		     L2_ERR_NOT_OPEN_ON_L1);
	run_to(e, 3);
	pay_ok(e, ch, a, b, 5);
	struct snap before;
	snap_take(e, ch, &before);
	cr_assert_eq(l2_channel_close(e->net, ch, d, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false, NULL),
		     L2_ERR_NOT_MEMBERS);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 2, false, NULL), L2_ERR_FUTURE_STATE);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 0, false, NULL), L2_ERR_STATE_NOT_KEPT);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_COOPERATIVE, L2_STATE_LATEST, true, NULL),
		     L2_ERR_TAMPER_COOP);
	l2_party_set_offline(e->net, b, UINT64_MAX);
	cr_assert_eq(l2_channel_close(e->net, ch, b, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false, NULL),
		     L2_ERR_OFFLINE, "the closer is offline");
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_COOPERATIVE, L2_STATE_LATEST, false, NULL),
		     L2_ERR_OFFLINE, "a cooperative close needs everyone");
	assert_unchanged(e, ch, &before, true);
	cr_assert_not(l2_channel_cheated(&e->net->channels[ch], 0));
	cr_assert_not(l2_channel_cheated(&e->net->channels[ch], 1));
	/* a unilateral close does not need the others */
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false, NULL), L2_OK);
	cr_assert_not(l2_channel_cheated(&e->net->channels[ch], 0), "closing with the latest state is not cheating");
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false, NULL),
		     L2_ERR_CLOSE_SUBMITTED);
	env_free(e);
}

/* SPEC 5 / docs/l2.md: a close "fails unless the open tx is included". Between the
 * open's inclusion (block 1) and its finality (block confirmations) the close is
 * therefore allowed; a cooperative one must either succeed or fail cleanly. */
Test(l2_channel, cooperative_close_after_open_included_before_final)
{
	struct l1_params p;
	params_for_test(&p, 6, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 1, "alice", 1000, 0), b = add_party(e, 1, "bob", 1000, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e); /* block 1: open included, final only at block 6 */
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_OPEN);
	enum l2_result r = l2_channel_close(e->net, ch, a, L2_CLOSE_COOPERATIVE, L2_STATE_LATEST, false, NULL);
	cr_assert_eq(r, L2_OK, "cooperative close with the open included: %s", l2_result_str(r));
	step(e);
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_CLOSED);
	cr_assert_eq(l1_bal(e, a), 1000);
	cr_assert_eq(l1_bal(e, b), 1000);
	env_free(e);
}

Test(l2_channel, unilateral_close_after_open_included_before_final)
{
	struct l1_params p;
	params_for_test(&p, 6, 2);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 1, "alice", 1000, 0), b = add_party(e, 1, "bob", 1000, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 50 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	cr_assert_eq(l2_channel_close(e->net, ch, b, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false, NULL), L2_OK);
	step(e); /* block 2: included, window 2..4 */
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_DISPUTE);
	run_to(e, 4);
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_settled_height(e->net->l1, l1_id_of(e, ch)), 4);
	cr_assert_eq(l1_bal(e, a), 1000);
	cr_assert_eq(l1_bal(e, b), 1000);
	cr_assert_eq(e->violations, 0, "%s", e->first_violation);
	env_free(e);
}

Test(l2_channel, cooperative_close_settles_in_its_block_on_latest_plus_one)
{
	struct l1_params p;
	params_for_test(&p, 2, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 4);
	uint32_t a = add_party(e, 1, "alice", 1000, 0), b = add_party(e, 1, "bob", 1000, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	run_to(e, 2);
	pay_ok(e, ch, a, b, 25);
	uint64_t signs = e->net->signs;
	uint64_t tx;
	cr_assert_eq(l2_channel_close(e->net, ch, b, L2_CLOSE_COOPERATIVE, L2_STATE_LATEST, false, &tx), L2_OK);
	cr_assert_eq(latest(e, ch)->seq, 2, "the final state is latest + 1");
	cr_assert_eq(latest(e, ch)->balances[0].units, 75);
	cr_assert(all_sigs_verify(e, ch, latest(e, ch)));
	cr_assert_eq(e->net->signs - signs, 2);
	cr_assert(e->net->channels[ch].close_submitted);
	cr_assert_not_null(e->net->channels[ch].cold);
	cr_assert_eq(e->net->channels[ch].cold->close_tx, tx);
	step(e);
	uint32_t k = l1_id_of(e, ch);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_close_kind(e->net->l1, k), L1_CLOSE_COOPERATIVE);
	cr_assert_eq(l1_channel_settled_height(e->net->l1, k), 3);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, k), 2);
	cr_assert_eq(l1_bal(e, a), 1000 - 100 - 4 + 75, "alice paid the open fee");
	cr_assert_eq(l1_bal(e, b), 1000 - 100 - 4 + 125, "bob paid the close fee");
	cr_assert_eq(e->violations, 0, "%s", e->first_violation);
	env_free(e);
}

/* ---- deposits ---- */

Test(l2_channel, deposit_is_spendable_only_once_final_and_the_next_state_includes_it)
{
	uint32_t a, b, ch;
	struct env *e = two_party(3, 10, L2_SIG_ED25519, &a, &b, &ch); /* usable at block 3 */
	uint64_t tx;
	cr_assert_eq(l2_channel_deposit(e->net, ch, a, AMOUNT(50), &tx), L2_OK); /* submitted at 3 */
	cr_assert_eq(l2_channel_spendable(e->net, ch, 0).units, 100);
	step(e); /* 4: included, final at 4 + 3 - 1 = 6 */
	const struct rec *r = tx_event(e, tx);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, L1_EV_TX_INCLUDED);
	cr_assert_eq(r->height, 4);
	cr_assert_eq(l1_channel_deposited(e->net->l1, l1_id_of(e, ch), 0).units, 150);
	cr_assert_eq(l1_channel_holdings(e->net->l1, l1_id_of(e, ch)).units, 250);
	cr_assert_eq(l1_bal(e, a), 1000 - 100 - 50);
	struct snap before;
	snap_take(e, ch, &before);
	for (; e->chain->height < 6; step(e)) {
		cr_assert_eq(l2_channel_spendable(e->net, ch, 0).units, 100, "block %" PRIu64, e->chain->height);
		cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(101)), L2_ERR_NO_FUNDS);
		assert_unchanged(e, ch, &before, true);
	}
	cr_assert_eq(l2_channel_spendable(e->net, ch, 0).units, 150);
	cr_assert_eq(l2_channel_spendable(e->net, ch, 1).units, 100);
	cr_assert_eq(latest(e, ch)->included[0].units, 100, "the latest state predates the deposit");
	pay_ok(e, ch, a, b, 150);
	const struct l1_state *s = latest(e, ch);
	cr_assert_eq(s->included[0].units, 150);
	cr_assert_eq(s->included[1].units, 100);
	cr_assert_eq(s->balances[0].units, 0);
	cr_assert_eq(s->balances[1].units, 250);
	cr_assert(all_sigs_verify(e, ch, s));
	cr_assert_eq(l2_channel_spendable(e->net, ch, 0).units, 0);
	env_free(e);
}

Test(l2_channel, deposit_failures)
{
	struct l1_params p;
	params_for_test(&p, 1, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 1);
	uint32_t a = add_party(e, 1, "alice", 1000, 0), b = add_party(e, 1, "bob", 1000, 0);
	uint32_t d = add_party(e, 1, "dave", 1000, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	cr_assert_eq(l2_channel_deposit(e->net, ch, d, AMOUNT(5), NULL), L2_ERR_NOT_MEMBERS);
	l2_party_set_offline(e->net, b, UINT64_MAX);
	cr_assert_eq(l2_channel_deposit(e->net, ch, b, AMOUNT(5), NULL), L2_ERR_OFFLINE);
	cr_assert_eq(e->chain->mempool_len, 0);
	l2_party_set_online(e->net, b);
	/* before any open the contract drops it and nothing moves */
	uint64_t tx;
	cr_assert_eq(l2_channel_deposit(e->net, ch, b, AMOUNT(5), &tx), L2_OK);
	step(e);
	const struct rec *r = tx_event(e, tx);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, L1_EV_TX_DROPPED);
	cr_assert_eq(r->reason, L1_ERR_NOT_OPEN);
	cr_assert_eq(l1_bal(e, b), 1000);
	/* more than the depositor has */
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	cr_assert_eq(l2_channel_deposit(e->net, ch, b, AMOUNT(900), &tx), L2_OK);
	step(e);
	r = tx_event(e, tx);
	cr_assert_not_null(r);
	cr_assert_eq(r->reason, L1_ERR_NO_FUNDS, "900 + fee 1 > 1000 - 100");
	cr_assert_eq(l1_channel_deposited(e->net->l1, l1_id_of(e, ch), 1).units, 100);
	env_free(e);
}

Test(l2_channel, settlement_pays_deposits_the_latest_state_does_not_include)
{
	uint32_t a, b, ch;
	struct env *e = two_party(2, 4, L2_SIG_ED25519, &a, &b, &ch); /* usable at 2 */
	pay_ok(e, ch, a, b, 20);     /* seq 1: alice 80, bob 120 */
	cr_assert_eq(l2_channel_deposit(e->net, ch, b, AMOUNT(70), NULL), L2_OK);
	step(e);                     /* 3: bob's deposit included, final at 4 */
	run_to(e, 4);
	cr_assert_eq(l2_channel_spendable(e->net, ch, 1).units, 190);
	cr_assert_eq(latest(e, ch)->included[1].units, 100);
	/* and one more, included but not final when the close is */
	cr_assert_eq(l2_channel_deposit(e->net, ch, a, AMOUNT(5), NULL), L2_OK);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false, NULL), L2_OK);
	step(e);                     /* 5: deposit then close included; window 5..9 */
	uint32_t k = l1_id_of(e, ch);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_DISPUTE);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, k), 1);
	cr_assert_eq(l1_channel_deposited(e->net->l1, k, 0).units, 105);
	cr_assert_eq(l1_channel_deposited(e->net->l1, k, 1).units, 170);
	cr_assert_eq(e->nsubs, 0, "nobody has a newer state");
	run_to(e, 9);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 0).units, 80 + 5);
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 1).units, 120 + 70);
	cr_assert_eq(l1_bal(e, a), 1000 - 100 - 5 + 85);
	cr_assert_eq(l1_bal(e, b), 1000 - 100 - 70 + 190);
	cr_assert_eq(e->violations, 0, "%s", e->first_violation);
	env_free(e);
}

/* ---- honest parties in phase 2 ---- */

/* alice (the cheater) and bob; T = 20, one confirmation. Payments make seq 1 good for
 * alice and seq 2 the latest. bob goes offline at block a = 2 for `blocks`; alice's
 * stale close (seq 1) is submitted at a + 1 = 3, included at a + 2 = 4: window 4..24. */
static struct env *watcher_scenario(uint64_t blocks, uint32_t *a, uint32_t *b, uint32_t *ch)
{
	struct l1_params p;
	params_for_test(&p, 1, 20);
	struct env *e = env_new(&p, L2_SIG_ED25519, 1);
	*a = add_party(e, 5, "alice", 1000, 2);
	*b = add_party(e, 5, "bob", 1000, 3);
	uint32_t ps[2] = { *a, *b };
	uint64_t deps[2] = { 100, 100 };
	*ch = add_channel(e, 2, ps, deps);
	l2_channel_keep_seq(e->net, *ch, 1);
	cr_assert_eq(l2_channel_open(e->net, *ch, NULL), L2_OK); /* block 0 */
	step(e);                                                 /* 1: included and usable */
	pay_ok(e, *ch, *b, *a, 10);                               /* seq 1: alice 110, bob 90 */
	pay_ok(e, *ch, *a, *b, 60);                              /* seq 2: alice 50, bob 150 */
	step(e);                                                 /* a = 2 */
	l2_party_set_offline(e->net, *b, e->chain->height + blocks);
	step(e);                                                 /* a + 1 = 3 */
	cr_assert_eq(l2_channel_close(e->net, *ch, *a, L2_CLOSE_UNILATERAL, 1, false, NULL), L2_OK);
	cr_assert(l2_channel_cheated(&e->net->channels[*ch], 0));
	step(e);                                                 /* a + 2 = 4 */
	uint32_t k = l1_id_of(e, *ch);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_DISPUTE);
	cr_assert_eq(l1_channel_close_height(e->net->l1, k), 4);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, k), 1);
	return e;
}

Test(l2_channel, watcher_back_at_the_last_block_of_the_window_is_in_time)
{
	uint32_t a, b, ch;
	struct env *e = watcher_scenario(21, &a, &b, &ch);
	cr_assert_eq(e->net->parties[b].back_at, 23);
	uint32_t k = l1_id_of(e, ch);
	while (e->chain->height < 22) {
		cr_assert_eq(e->nsubs, 0, "no challenge while bob is away (block %" PRIu64 ")", e->chain->height);
		cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_DISPUTE);
		step(e);
	}
	step(e); /* 23 = a + 21: bob is back in phase 2 and challenges at once */
	cr_assert(e->net->parties[b].online);
	cr_assert_eq(e->nsubs, 1);
	cr_assert_eq(e->subs[0].party, b);
	cr_assert_eq(e->subs[0].height, 23);
	cr_assert(l2_channel_challenge_pending(&e->net->channels[ch], 1));
	uint64_t bal_b = l1_bal(e, b);
	step(e); /* 24 = a + 22: included, then the window ends */
	const struct rec *r = tx_event(e, e->subs[0].tx);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, L1_EV_TX_INCLUDED);
	cr_assert_eq(r->height, 24);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_settled_height(e->net->l1, k), 24);
	cr_assert(l1_channel_challenged(e->net->l1, k));
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, k), 2);
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 0).units, 50);
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 1).units, 150);
	cr_assert_eq(l1_bal(e, b), bal_b - 3 + 150, "challenge fee 3, then the payout");
	cr_assert_not(l2_channel_challenge_pending(&e->net->channels[ch], 1));
	cr_assert_eq(e->net->ndisputes, 0);
	cr_assert_eq(e->violations, 0, "%s", e->first_violation);
	env_free(e);
}

Test(l2_channel, watcher_back_one_block_after_the_window_is_too_late)
{
	uint32_t a, b, ch;
	struct env *e = watcher_scenario(22, &a, &b, &ch);
	cr_assert_eq(e->net->parties[b].back_at, 24);
	uint32_t k = l1_id_of(e, ch);
	run_to(e, 23);
	cr_assert_eq(e->nsubs, 0);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_DISPUTE);
	step(e); /* 24: settles in phase 1; bob is back in phase 2, with nothing to do */
	cr_assert(e->net->parties[b].online);
	cr_assert_eq(e->nsubs, 0);
	cr_assert_eq(e->chain->mempool_len, 0);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_settled_height(e->net->l1, k), 24);
	cr_assert_not(l1_channel_challenged(e->net->l1, k));
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, k), 1, "the stale state settles");
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 0).units, 110);
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 1).units, 90);
	cr_assert_eq(e->violations, 1, "bob was away too long and lost 60");
	step(e);
	cr_assert_eq(e->nsubs, 0);
	env_free(e);
}

Test(l2_channel, online_party_reacts_in_the_block_the_close_is_included)
{
	uint32_t a, b, ch;
	struct env *e = watcher_scenario(1, &a, &b, &ch); /* bob back at block 3 */
	/* bob was back at 3; the close was included at 4 and he challenged in phase 2 of 4 */
	cr_assert_eq(e->nsubs, 1);
	cr_assert_eq(e->subs[0].height, 4);
	step(e);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, l1_id_of(e, ch)), 2);
	run_to(e, 24);
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_CLOSED);
	cr_assert_eq(e->nsubs, 1, "one challenge is enough");
	cr_assert_eq(e->violations, 0, "%s", e->first_violation);
	env_free(e);
}

Test(l2_channel, watchtower_challenges_for_an_offline_party)
{
	struct l1_params p;
	params_for_test(&p, 1, 6);
	struct env *e = env_new(&p, L2_SIG_ED25519, 1);
	uint32_t a = add_party(e, 5, "alice", 1000, 2), b = add_party(e, 5, "bob", 1000, 7);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	l2_channel_keep_seq(e->net, ch, 1);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, b, a, 10); /* seq 1 */
	pay_ok(e, ch, a, b, 60); /* seq 2 */
	e->net->parties[b].watchtower = true;
	l2_party_set_offline(e->net, b, UINT64_MAX);
	uint64_t bal_b = l1_bal(e, b);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 1, false, NULL), L2_OK);
	step(e); /* 2: close included; the watchtower challenges in phase 2 */
	cr_assert_not(e->net->parties[b].online);
	cr_assert_eq(e->nsubs, 1);
	cr_assert_eq(e->subs[0].party, b);
	cr_assert_eq(mempool_count(e, L1_CHANNEL_CHALLENGE, e->net->parties[b].account), 1);
	cr_assert_eq(e->chain->mempool[0].fee.units, 7, "the party's challenge fee");
	step(e); /* 3: accepted */
	const struct rec *r = tx_event(e, e->subs[0].tx);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, L1_EV_TX_INCLUDED);
	cr_assert_eq(l1_bal(e, b), bal_b - 7, "the fee comes from the party's own L1 balance");
	uint32_t k = l1_id_of(e, ch);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, k), 2);
	run_to(e, 8);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_CLOSED);
	cr_assert_eq(l1_bal(e, b), bal_b - 7 + 150);
	cr_assert_eq(e->nsubs, 1);
	cr_assert_eq(e->violations, 0, "%s", e->first_violation);
	env_free(e);
}

Test(l2_channel, offline_party_without_watchtower_does_nothing)
{
	struct l1_params p;
	params_for_test(&p, 1, 3);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 5, "alice", 1000, 0), b = add_party(e, 5, "bob", 1000, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	l2_channel_keep_seq(e->net, ch, 1);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, b, a, 10);
	pay_ok(e, ch, a, b, 60);
	l2_party_set_offline(e->net, b, UINT64_MAX);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 1, false, NULL), L2_OK);
	run_to(e, 5);
	cr_assert_eq(e->nsubs, 0);
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, l1_id_of(e, ch)), 1);
	/* an `online` action reacts at once, but the channel has settled */
	l2_party_set_online(e->net, b);
	l2_react_party(e->net, b, on_submit, e);
	cr_assert_eq(e->nsubs, 0);
	env_free(e);
}

Test(l2_channel, online_action_reacts_at_once_with_l2_react_party)
{
	struct l1_params p;
	params_for_test(&p, 1, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 5, "alice", 1000, 0), b = add_party(e, 5, "bob", 1000, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	l2_channel_keep_seq(e->net, ch, 1);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, b, a, 10);
	pay_ok(e, ch, a, b, 60);
	l2_party_set_offline(e->net, b, UINT64_MAX);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 1, false, NULL), L2_OK);
	run_to(e, 4);
	cr_assert_eq(e->nsubs, 0);
	/* phase 3 of block 4: `online` */
	l2_party_set_online(e->net, b);
	l2_react_party(e->net, b, on_submit, e);
	cr_assert_eq(e->nsubs, 1);
	cr_assert_eq(e->subs[0].height, 4);
	l2_react_party(e->net, b, on_submit, e);
	cr_assert_eq(e->nsubs, 1, "its challenge is pending");
	step(e);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, l1_id_of(e, ch)), 2);
	run_to(e, 7);
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_CLOSED);
	cr_assert_eq(e->violations, 0, "%s", e->first_violation);
	env_free(e);
}

Test(l2_channel, no_second_challenge_while_the_first_is_pending)
{
	struct l1_params p;
	params_for_test(&p, 1, 20);
	p.block_tx_limit = 1;
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 5, "alice", 1000, 0), b = add_party(e, 5, "bob", 1000, 2);
	uint32_t f = add_party(e, 5, "flooder", 1000, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	l2_channel_keep_seq(e->net, ch, 1);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, b, a, 10);
	pay_ok(e, ch, a, b, 60);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 1, false, NULL), L2_OK);
	step(e); /* 2: close included; bob challenges in phase 2 */
	cr_assert_eq(e->nsubs, 1);
	/* phase 3: higher-fee fillers take the single slot of the next 3 blocks */
	for (int i = 0; i < 3; i++)
		(void)l1_chain_submit(e->chain, l1_tx_fee_only(e->net->parties[f].account, AMOUNT(10)));
	for (int i = 0; i < 3; i++) {
		step(e);
		cr_assert_eq(l1_channel_registered_seq(e->net->l1, l1_id_of(e, ch)), 1);
		cr_assert(l2_channel_challenge_pending(&e->net->channels[ch], 1));
		cr_assert_eq(e->nsubs, 1, "block %" PRIu64 ": no second challenge while one is pending",
			     e->chain->height);
		cr_assert_eq(mempool_count(e, L1_CHANNEL_CHALLENGE, e->net->parties[b].account), 1);
	}
	/* the same phase run twice does not duplicate either */
	l2_react_all(e->net, on_submit, e);
	cr_assert_eq(e->nsubs, 1);
	step(e); /* 6: the challenge gets in */
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, l1_id_of(e, ch)), 2);
	cr_assert_not(l2_channel_challenge_pending(&e->net->channels[ch], 1));
	cr_assert_eq(e->chain->mempool_len, 0);
	cr_assert_eq(e->nsubs, 1);
	run_to(e, 22);
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_CLOSED);
	cr_assert_eq(e->violations, 0, "%s", e->first_violation);
	env_free(e);
}

Test(l2_channel, dropped_challenge_clears_pending_and_is_resubmitted_if_still_needed)
{
	/* bob cannot pay his challenge fee at first: the challenge is dropped, the pending
	 * flag clears, and once he can pay he challenges again. */
	struct l1_params p;
	params_for_test(&p, 1, 10);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 5, "alice", 1000, 0), b = add_party(e, 5, "bob", 100, 5);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 }; /* bob keeps 0 on L1 */
	uint32_t ch = add_channel(e, 2, ps, deps);
	l2_channel_keep_seq(e->net, ch, 1);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, b, a, 10);
	pay_ok(e, ch, a, b, 60);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 1, false, NULL), L2_OK);
	step(e); /* 2: close included, bob challenges */
	cr_assert_eq(e->nsubs, 1);
	step(e); /* 3: dropped for lack of funds; bob tries again in phase 2 */
	const struct rec *r = tx_event(e, e->subs[0].tx);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, L1_EV_TX_DROPPED);
	cr_assert_eq(r->reason, L1_ERR_NO_FUNDS);
	cr_assert_eq(e->nsubs, 2);
	cr_assert(l2_channel_challenge_pending(&e->net->channels[ch], 1));
	env_free(e);
}

Test(l2_channel, party_does_not_challenge_its_own_close)
{
	struct l1_params p;
	params_for_test(&p, 1, 4);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 5, "alice", 1000, 0), b = add_party(e, 5, "bob", 1000, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	l2_channel_keep_seq(e->net, ch, 1);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, b, a, 10);
	pay_ok(e, ch, a, b, 60);
	/* alice's latest (seq 2) is newer than what she registers (seq 1), she is online,
	 * and bob, the only other watcher, is away */
	l2_party_set_offline(e->net, b, UINT64_MAX);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 1, false, NULL), L2_OK);
	step(e); /* 2: included, window 2..6 */
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_DISPUTE);
	cr_assert(e->net->parties[a].online);
	l2_react_party(e->net, a, on_submit, e);
	for (; e->chain->height < 6; step(e)) {
		cr_assert_eq(e->nsubs, 0, "alice must not challenge her own close");
		cr_assert_eq(e->chain->mempool_len, 0);
	}
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, l1_id_of(e, ch)), 1);
	env_free(e);
}

Test(l2_channel, penalty_first_challenger_is_accepted_and_takes_the_closers_payout)
{
	struct l1_params p;
	params_for_test(&p, 1, 5);
	p.dispute_rule = L1_RULE_PENALTY;
	struct env *e = env_new(&p, L2_SIG_ED25519, 1);
	uint32_t a = add_party(e, 3, "alice", 1000, 2), b = add_party(e, 3, "bob", 1000, 2);
	uint32_t c3 = add_party(e, 3, "carol", 1000, 2);
	uint32_t ps[3] = { a, b, c3 };
	uint64_t deps[3] = { 100, 100, 100 };
	uint32_t ch = add_channel(e, 3, ps, deps);
	l2_channel_keep_seq(e->net, ch, 1);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, a, c3, 10); /* seq 1: 90 100 110 */
	pay_ok(e, ch, a, b, 60);  /* seq 2: 30 160 110 */
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 1, false, NULL), L2_OK);
	step(e); /* 2: close included; bob then carol challenge with seq 2 */
	cr_assert_eq(e->nsubs, 2);
	cr_assert_eq(e->subs[0].party, b);
	cr_assert_eq(e->subs[1].party, c3);
	cr_assert_lt(e->subs[0].tx, e->subs[1].tx);
	uint64_t bal_b = l1_bal(e, b), bal_c = l1_bal(e, c3);
	step(e); /* 3 */
	const struct rec *rb = tx_event(e, e->subs[0].tx), *rc = tx_event(e, e->subs[1].tx);
	cr_assert_not_null(rb);
	cr_assert_not_null(rc);
	cr_assert_eq(rb->kind, L1_EV_TX_INCLUDED);
	cr_assert_eq(rc->kind, L1_EV_TX_DROPPED);
	cr_assert_eq(rc->reason, L1_ERR_STALE_SEQ);
	cr_assert_eq(l1_bal(e, b), bal_b - 2);
	cr_assert_eq(l1_bal(e, c3), bal_c, "a dropped challenge costs nothing");
	uint32_t k = l1_id_of(e, ch);
	cr_assert(l1_channel_challenged(e->net->l1, k));
	cr_assert_eq(l1_channel_first_challenger(e->net->l1, k), 1);
	cr_assert_not(l2_channel_challenge_pending(&e->net->channels[ch], 1));
	cr_assert_not(l2_channel_challenge_pending(&e->net->channels[ch], 2));
	run_to(e, 7); /* window 2..7 */
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_CLOSED);
	cr_assert_eq(e->nsubs, 2, "nobody challenges again");
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 0).units, 0, "the stale closer gets nothing");
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 1).units, 160 + 30);
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 2).units, 110);
	cr_assert_eq(l1_bal(e, a), 1000 - 100 - 1 - 1, "open fee and close fee, no payout");
	cr_assert_eq(l1_bal(e, b), bal_b - 2 + 190);
	cr_assert_eq(l1_bal(e, c3), bal_c + 110);
	cr_assert_eq(e->violations, 0, "%s", e->first_violation);
	env_free(e);
}

Test(l2_channel, latest_state_rule_pays_the_stale_closer_its_latest_balance)
{
	struct l1_params p;
	params_for_test(&p, 1, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 3, "alice", 1000, 0), b = add_party(e, 3, "bob", 1000, 0);
	uint32_t c3 = add_party(e, 3, "carol", 1000, 0);
	uint32_t ps[3] = { a, b, c3 };
	uint64_t deps[3] = { 100, 100, 100 };
	uint32_t ch = add_channel(e, 3, ps, deps);
	l2_channel_keep_seq(e->net, ch, 1);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, a, c3, 10);
	pay_ok(e, ch, a, b, 60);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 1, false, NULL), L2_OK);
	run_to(e, 7);
	uint32_t k = l1_id_of(e, ch);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 0).units, 30);
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 1).units, 160);
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 2).units, 110);
	env_free(e);
}

/* ---- tampered closes ---- */

Test(l2_channel, tampered_close_is_dropped_with_signatures_and_the_channel_is_usable_again)
{
	uint32_t a, b, ch;
	struct env *e = two_party(1, 5, L2_SIG_ED25519, &a, &b, &ch);
	pay_ok(e, ch, a, b, 30); /* 70 / 130 */
	uint64_t tx;
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, true, &tx), L2_OK);
	cr_assert(l2_channel_cheated(&e->net->channels[ch], 0));
	cr_assert_not(l2_channel_cheated(&e->net->channels[ch], 1));
	cr_assert_not(l2_channel_usable(e->net, ch));
	cr_assert_eq(latest(e, ch)->balances[0].units, 70, "the tampering is on the tx's copy only");
	const struct l1_tx *mt = &e->chain->mempool[0];
	cr_assert_eq(l1_channel_tx_state(mt)->balances[0].units, 200);
	cr_assert_eq(l1_channel_tx_state(mt)->balances[1].units, 0);
	step(e);
	const struct rec *r = tx_event(e, tx);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, L1_EV_TX_DROPPED);
	cr_assert_eq(r->reason, L1_ERR_BAD_SIGNATURE);
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_OPEN);
	cr_assert_not(e->net->channels[ch].close_submitted);
	cr_assert(l2_channel_usable(e->net, ch));
	pay_ok(e, ch, b, a, 5);
	cr_assert_eq(latest(e, ch)->seq, 2);
	cr_assert(l2_channel_cheated(&e->net->channels[ch], 0), "still the cheater of this channel");
	/* and it can be closed properly */
	cr_assert_eq(l2_channel_close(e->net, ch, b, L2_CLOSE_COOPERATIVE, L2_STATE_LATEST, false, NULL), L2_OK);
	step(e);
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_payout(e->net->l1, l1_id_of(e, ch), 0).units, 75);
	cr_assert_eq(l1_channel_payout(e->net->l1, l1_id_of(e, ch), 1).units, 125);
	env_free(e);
}

Test(l2_channel, tampered_close_is_accepted_with_signatures_off)
{
	uint32_t a, b, ch;
	struct env *e = two_party(1, 3, L2_SIG_OFF, &a, &b, &ch);
	cr_assert_not(e->chain->params.verify_signatures);
	pay_ok(e, ch, a, b, 30);
	cr_assert_eq(e->net->signs, 0);
	cr_assert_eq(e->net->verifies, 0);
	uint64_t tx;
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, true, &tx), L2_OK);
	step(e);
	const struct rec *r = tx_event(e, tx);
	cr_assert_not_null(r);
	cr_assert_eq(r->kind, L1_EV_TX_INCLUDED);
	uint32_t k = l1_id_of(e, ch);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_DISPUTE);
	cr_assert_eq(l1_channel_registered(e->net->l1, k)->balances[0].units, 200);
	cr_assert_eq(l1_channel_verifies(e->net->l1), 0);
	/* same seq as bob's latest: nothing newer to challenge with */
	run_to(e, e->chain->height + 3);
	cr_assert_eq(e->nsubs, 0);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 0).units, 200);
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 1).units, 0);
	env_free(e);
}

Test(l2_channel, tampered_stale_close_with_signatures_off_is_caught_by_a_challenge)
{
	struct l1_params p;
	params_for_test(&p, 1, 3);
	struct env *e = env_new(&p, L2_SIG_OFF, 0);
	uint32_t a = add_party(e, 1, "alice", 1000, 0), b = add_party(e, 1, "bob", 1000, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	l2_channel_keep_seq(e->net, ch, 1);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, a, b, 10);
	pay_ok(e, ch, a, b, 10);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 1, true, NULL), L2_OK);
	run_to(e, 5);
	uint32_t k = l1_id_of(e, ch);
	cr_assert_eq(e->nsubs, 1);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, k), 2);
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 0).units, 80);
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 1).units, 120);
	cr_assert_eq(e->violations, 0, "%s", e->first_violation);
	env_free(e);
}

/* ---- memory: only the latest state and the kept ones ---- */

Test(l2_channel, ten_thousand_payments_keep_only_latest_and_requested_states)
{
	struct l1_params p;
	params_for_test(&p, 1, 3);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 1, "alice", 20000, 0), b = add_party(e, 1, "bob", 0, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 20000, 0 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	const uint64_t want[] = { 9999, 0, 5000, 1, 10000, 20000 };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		l2_channel_keep_seq(e->net, ch, want[i]);
	l2_channel_keep_seq(e->net, ch, 5000); /* a duplicate is kept once */
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	/* warm up (the net's spare state is allocated by the first updates), then measure
	 * the heap across the rest: it must not grow with the payments (glibc's counter;
	 * under ASan's allocator it does not move, and the check is vacuous there) */
	uint32_t failed = 0;
	for (int i = 0; i < 10; i++)
		failed += l2_channel_pay(e->net, ch, a, b, AMOUNT(1)) != L2_OK;
	size_t heap_before = mallinfo2().uordblks;
	for (int i = 10; i < 10000; i++)
		failed += l2_channel_pay(e->net, ch, a, b, AMOUNT(1)) != L2_OK;
	size_t heap_after = mallinfo2().uordblks;
	cr_assert_eq(failed, 0);
	/* two kept copies (5000 and 9999) of a 2-party state are a few hundred bytes */
	cr_assert_lt(heap_after > heap_before ? heap_after - heap_before : 0, 2048,
		     "heap grew by %zu bytes over 9990 payments", heap_after - heap_before);
	l2_channel_keep_seq(e->net, ch, 7); /* asked for too late: that state is gone */
	const struct l2_channel *c = &e->net->channels[ch];
	cr_assert_eq(c->latest->seq, 10000);
	cr_assert_eq(c->latest->balances[0].units, 10000);
	cr_assert_eq(c->latest->balances[1].units, 10000);
	cr_assert_eq(c->nkeep, 7);
	const uint64_t sorted[] = { 0, 1, 7, 5000, 9999, 10000, 20000 };
	uint32_t held = 0;
	for (uint32_t i = 0; i < c->nkeep; i++) {
		cr_assert_eq(c->cold->keep_seqs[i], sorted[i]);
		if (sorted[i] == 7 || sorted[i] == 20000) {
			cr_assert_null(c->cold->kept[i], "seq %" PRIu64 " must not be held", sorted[i]);
			continue;
		}
		held++;
		cr_assert_not_null(c->cold->kept[i], "seq %" PRIu64, sorted[i]);
		cr_assert_eq(c->cold->kept[i]->seq, sorted[i]);
		cr_assert_eq(c->cold->kept[i]->balances[0].units, 20000 - sorted[i]);
		cr_assert_eq(c->cold->kept[i]->balances[1].units, sorted[i]);
		cr_assert_eq(c->cold->kept[i]->included[0].units, 20000);
		cr_assert(all_sigs_verify(e, ch, c->cold->kept[i]), "kept seq %" PRIu64 " carries valid signatures", sorted[i]);
		cr_assert_neq(c->cold->kept[i], c->latest, "a kept state is its own copy");
	}
	cr_assert_eq(held, 5);
	cr_assert_eq(e->net->signs, 2 * 10001);

	/* a stale close with a state nobody kept fails, changing nothing */
	struct snap before;
	snap_take(e, ch, &before);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 2, false, NULL), L2_ERR_STATE_NOT_KEPT);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 7, false, NULL), L2_ERR_STATE_NOT_KEPT);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 9998, false, NULL), L2_ERR_STATE_NOT_KEPT);
	assert_unchanged(e, ch, &before, true);
	cr_assert_not(l2_channel_cheated(c, 0));
	/* a kept one works, is stale, and loses to bob's challenge */
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 1, false, NULL), L2_OK);
	cr_assert(l2_channel_cheated(c, 0));
	run_to(e, e->chain->height + 5);
	uint32_t k = l1_id_of(e, ch);
	cr_assert_eq(l1_channel_status(e->net->l1, k), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, k), 10000);
	cr_assert_eq(l1_channel_payout(e->net->l1, k, 1).units, 10000);
	env_free(e);
}

Test(l2_channel, keep_seq_of_the_current_latest_is_kept_at_once)
{
	uint32_t a, b, ch;
	struct env *e = two_party(1, 3, L2_SIG_ED25519, &a, &b, &ch);
	pay_ok(e, ch, a, b, 3);
	pay_ok(e, ch, a, b, 4);
	l2_channel_keep_seq(e->net, ch, 2);
	const struct l2_channel *c = &e->net->channels[ch];
	cr_assert_eq(c->nkeep, 1);
	cr_assert_not_null(c->cold->kept[0]);
	cr_assert_eq(c->cold->kept[0]->seq, 2);
	cr_assert_eq(c->cold->kept[0]->balances[0].units, 93);
	pay_ok(e, ch, b, a, 50);
	cr_assert_eq(c->cold->kept[0]->balances[0].units, 93, "later updates do not touch it");
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 2, false, NULL), L2_OK);
	env_free(e);
}

Test(l2_channel, parties_act_in_party_order_then_channel_order)
{
	/* ch0 = {carol, alice, bob}, ch1 = {bob, alice, carol}; carol cheats on ch0, bob on
	 * ch1, and ch1's close is submitted (and included) first. Phase 2 must still go
	 * alice/ch0, alice/ch1, bob/ch0, carol/ch1. */
	struct l1_params p;
	params_for_test(&p, 1, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 2, "alice", 1000, 0), b = add_party(e, 2, "bob", 1000, 0);
	uint32_t c3 = add_party(e, 2, "carol", 1000, 0);
	uint32_t p0[3] = { c3, a, b }, p1[3] = { b, a, c3 };
	uint64_t deps[3] = { 100, 100, 100 };
	uint32_t ch0 = add_channel(e, 3, p0, deps), ch1 = add_channel(e, 3, p1, deps);
	l2_channel_keep_seq(e->net, ch0, 0);
	l2_channel_keep_seq(e->net, ch1, 0);
	cr_assert_eq(l2_channel_open(e->net, ch0, NULL), L2_OK);
	cr_assert_eq(l2_channel_open(e->net, ch1, NULL), L2_OK);
	step(e);
	pay_ok(e, ch0, c3, a, 50);
	pay_ok(e, ch1, b, a, 50);
	cr_assert_eq(l2_channel_close(e->net, ch1, b, L2_CLOSE_UNILATERAL, 0, false, NULL), L2_OK);
	cr_assert_eq(l2_channel_close(e->net, ch0, c3, L2_CLOSE_UNILATERAL, 0, false, NULL), L2_OK);
	step(e);
	cr_assert_eq(e->nsubs, 4);
	const uint32_t want_party[4] = { a, a, b, c3 }, want_ch[4] = { ch0, ch1, ch0, ch1 };
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(e->subs[i].party, want_party[i], "submission %d", i);
		cr_assert_eq(e->subs[i].ch, want_ch[i], "submission %d", i);
		if (i)
			cr_assert_lt(e->subs[i - 1].tx, e->subs[i].tx);
	}
	run_to(e, 7);
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch0)), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch1)), L1_CH_CLOSED);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, l1_id_of(e, ch0)), 1);
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, l1_id_of(e, ch1)), 1);
	cr_assert_eq(e->violations, 0, "%s", e->first_violation);
	env_free(e);
}

Test(l2_channel, channel_add_failures_change_nothing)
{
	struct l1_params p;
	params_for_test(&p, 1, 5);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 2, "alice", 1000, 0), b = add_party(e, 2, "bob", 1000, 0);
	struct amount d[3] = { AMOUNT(1), AMOUNT(1), AMOUNT(1) };
	uint32_t id = 77;
	uint32_t dup[2] = { a, a }, unknown[2] = { a, 9 };
	cr_assert_eq(l2_channel_add(e->net, 0, dup, d, &id), L1_ERR_BAD_PARAMS);
	cr_assert_eq(l2_channel_add(e->net, 2, dup, d, &id), L1_ERR_BAD_PARAMS);
	cr_assert_eq(l2_channel_add(e->net, 2, unknown, d, &id), L1_ERR_NO_SUCH_ACCOUNT);
	cr_assert_eq(id, 77);
	cr_assert_eq(e->net->nchannels, 0);
	cr_assert_eq(l1_channel_count(e->net->l1), 0);
	uint32_t ok[2] = { b, a };
	cr_assert_eq(l2_channel_add(e->net, 2, ok, d, &id), L1_OK);
	cr_assert_eq(id, 0);
	cr_assert_eq(l2_channel_index(e->net, id, b), 0);
	cr_assert_eq(l2_channel_index(e->net, id, a), 1);
	env_free(e);
}

/* l2_channel.l1_id is "the contract's channel id", and every call that submits a tx
 * uses it, but l2_net_on_l1_event maps an event's L1 channel back to an l2 channel by
 * identity (channel_of_l1). On a chain that already holds a contract the two differ,
 * the net never hears of its own channel's close, and honest parties never challenge. */
Test(l2_channel, events_are_mapped_through_l1_id_when_the_chain_has_other_contracts)
{
	struct l1_params p;
	params_for_test(&p, 1, 4);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 2, "alice", 1000, 0), b = add_party(e, 2, "bob", 1000, 0);
	/* a contract registered on L1 directly, before the net's channel */
	uint32_t accts[1] = { e->net->parties[a].account }, other;
	cr_assert_eq(l1_channel_add(e->net->l1, 1, accts, NULL, &other), L1_OK);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	cr_assert_eq(e->net->channels[ch].l1_id, 1);
	l2_channel_keep_seq(e->net, ch, 0);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, a, b, 60);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 0, false, NULL), L2_OK);
	step(e); /* the stale close is included: bob is online and must challenge */
	cr_expect_eq(l1_channel_status(e->net->l1, l1_id_of(e, ch)), L1_CH_DISPUTE);
	cr_expect_eq(e->net->ndisputes, 1, "the net must track its channel's dispute");
	cr_expect_eq(e->nsubs, 1, "bob must challenge the stale close");
	env_free(e);
}

/* ---- the seeded randomized property test ---- */

struct prop_stats {
	uint64_t fail_by[16];
	uint64_t runs, pays_ok, pays_failed, deposits, coop, unilateral, stale, tampered, challenges;
};

static void prop_act(struct env *e, struct rng *g, uint32_t nch, bool sigs, struct prop_stats *st)
{
	/* mostly act on channels that can take payments: closes end channels for good */
	uint32_t ch = (uint32_t)rng_below(g, nch);
	if (!l2_channel_usable(e->net, ch) && rng_below(g, 10) != 0)
		for (uint32_t k = 0; k < nch; k++)
			if (l2_channel_usable(e->net, (ch + k) % nch)) {
				ch = (ch + k) % nch;
				break;
			}
	struct l2_channel *c = &e->net->channels[ch];
	uint32_t i = (uint32_t)rng_below(g, c->nparties);
	uint32_t j = (uint32_t)rng_below(g, c->nparties - 1);
	if (j >= i)
		j++;
	uint32_t pi = c->parties[i], pj = c->parties[j];
	uint64_t roll = rng_below(g, 1000);
	if (roll < 800) {
		uint64_t sp = l2_channel_spendable(e->net, ch, i).units;
		uint64_t amt = rng_below(g, 4) == 0 ? rng_range(g, 0, sp + 10) : rng_range(g, 1, sp ? sp : 1);
		struct snap before;
		bool had = c->latest != NULL;
		if (had)
			snap_take(e, ch, &before);
		enum l2_result r = l2_channel_pay(e->net, ch, pi, pj, AMOUNT(amt));
		if (r == L2_OK) {
			st->pays_ok++;
			cr_assert(amt >= 1 && amt <= sp, "paid %" PRIu64 " with %" PRIu64 " spendable", amt, sp);
		} else {
			st->pays_failed++;
			st->fail_by[r < 16 ? r : 15]++;
			cr_assert_neq(r, L2_ERR_BAD_SIGNATURE);
			if (had)
				assert_unchanged(e, ch, &before, true);
			if (r == L2_ERR_NO_FUNDS)
				cr_assert_gt(amt, sp);
		}
		/* sometimes remember this state for a later stale close */
		if (c->latest && rng_below(g, 8) == 0)
			l2_channel_keep_seq(e->net, ch, c->latest->seq);
	} else if (roll < 960) {
		if (l2_channel_deposit(e->net, ch, pi, AMOUNT(rng_range(g, 0, 300)), NULL) == L2_OK)
			st->deposits++;
	} else if (roll < 966) {
		/* cooperative closes only on usable channels (see the test
		 * cooperative_close_after_open_included_before_final) */
		if (l2_channel_usable(e->net, ch) &&
		    l2_channel_close(e->net, ch, pi, L2_CLOSE_COOPERATIVE, L2_STATE_LATEST, false, NULL) == L2_OK)
			st->coop++;
	} else if (roll < 972) {
		if (l2_channel_close(e->net, ch, pi, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, false, NULL) == L2_OK)
			st->unilateral++;
	} else if (roll < 990) {
		/* stale: the oldest kept state below the latest, or a random kept one */
		if (!c->latest || c->nkeep == 0)
			return;
		uint32_t k = (uint32_t)rng_below(g, c->nkeep);
		if (!c->cold->kept[k] || c->cold->keep_seqs[k] >= c->latest->seq)
			return;
		if (l2_channel_close(e->net, ch, pi, L2_CLOSE_UNILATERAL, c->cold->keep_seqs[k], false, NULL) == L2_OK) {
			cr_assert(l2_channel_cheated(c, i));
			st->stale++;
		}
	} else if (roll < 995 && sigs) {
		/* tampered (with signatures on the contract drops it) */
		if (l2_channel_close(e->net, ch, pi, L2_CLOSE_UNILATERAL, L2_STATE_LATEST, true, NULL) == L2_OK)
			st->tampered++;
	}
}

static bool prop_all_settled(const struct env *e, uint32_t nch)
{
	for (uint32_t ch = 0; ch < nch; ch++)
		if (l1_channel_status(e->net->l1, l1_id_of(e, ch)) != L1_CH_CLOSED)
			return false;
	return e->chain->mempool_len == 0;
}

static void prop_run(uint64_t seed, bool sigs, struct prop_stats *st)
{
	struct rng g;
	rng_init(&g, seed, 0x6c32746573ULL /* "l2tes" */);
	struct l1_params p;
	params_for_test(&p, (uint32_t)rng_range(&g, 1, 3), rng_range(&g, 1, 6));
	p.dispute_rule = rng_below(&g, 2) ? L1_RULE_PENALTY : L1_RULE_LATEST_STATE;
	p.seed = seed;
	struct env *e = env_new(&p, sigs ? L2_SIG_ED25519 : L2_SIG_OFF, rng_range(&g, 0, 3));
	uint32_t np = (uint32_t)rng_range(&g, 3, 6);
	for (uint32_t i = 0; i < np; i++) {
		char name[16];
		snprintf(name, sizeof(name), "p%u", i);
		add_party(e, seed, name, 1000000, rng_range(&g, 0, 5));
	}
	uint32_t nch = (uint32_t)rng_range(&g, 2, 4);
	for (uint32_t ch = 0; ch < nch; ch++) {
		uint32_t n = (uint32_t)rng_range(&g, 2, np < 4 ? np : 4);
		uint32_t perm[6];
		for (uint32_t i = 0; i < np; i++)
			perm[i] = i;
		for (uint32_t i = np - 1; i > 0; i--) {
			uint32_t k = (uint32_t)rng_below(&g, i + 1), t = perm[i];
			perm[i] = perm[k];
			perm[k] = t;
		}
		uint64_t deps[4];
		for (uint32_t i = 0; i < n; i++)
			deps[i] = rng_range(&g, 0, 1000);
		add_channel(e, n, perm, deps);
		if (rng_below(&g, 2))
			l2_channel_keep_seq(e->net, ch, rng_range(&g, 0, 10));
	}
	uint64_t opened = 0, active = rng_range(&g, 10, 80);
	while (e->chain->height < active) {
		/* open each channel at some block of the first few */
		for (uint32_t ch = 0; ch < nch; ch++)
			if (!(opened & (1u << ch)) && rng_below(&g, 3) == 0) {
				cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
				opened |= 1u << ch;
			}
		uint64_t nact = rng_below(&g, 12);
		for (uint64_t k = 0; k < nact; k++)
			prop_act(e, &g, nch, sigs, st);
		step(e);
		cr_assert(l1_chain_conserved(e->chain));
		bool any_left = false;
		for (uint32_t ch = 0; ch < nch; ch++)
			if (!(opened & (1u << ch)) || !e->net->channels[ch].close_submitted)
				any_left = true;
		if (!any_left)
			break; /* every channel is closing or closed */
	}
	/* wind down: open what never was, close what is still open (latest state) */
	for (uint64_t guard = 0; !prop_all_settled(e, nch); guard++) {
		cr_assert_lt(guard, 200, "seed %" PRIu64 ": channels do not settle", seed);
		for (uint32_t ch = 0; ch < nch; ch++) {
			struct l2_channel *c = &e->net->channels[ch];
			if (!(opened & (1u << ch))) {
				cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
				opened |= 1u << ch;
			}
			if (!c->close_submitted && l2_channel_usable(e->net, ch)) {
				enum l2_close_mode mode = rng_below(&g, 2) ? L2_CLOSE_COOPERATIVE : L2_CLOSE_UNILATERAL;
				uint32_t by = c->parties[rng_below(&g, c->nparties)];
				cr_assert_eq(l2_channel_close(e->net, ch, by, mode, L2_STATE_LATEST, false, NULL), L2_OK);
			}
		}
		step(e);
		cr_assert(l1_chain_conserved(e->chain));
	}
	st->challenges += e->nsubs;
	cr_assert_eq(e->violations, 0, "seed %" PRIu64 " (signatures %s): %s", seed, sigs ? "on" : "off",
		     e->first_violation);
	/* every unit is back on L1 or in fees */
	struct amount sum = e->chain->fees;
	for (uint32_t i = 0; i < e->chain->naccounts; i++)
		cr_assert(amount_add_to(&sum, e->chain->accounts[i].balance));
	cr_assert_eq(sum.units, e->chain->supply.units);
	st->runs++;
	env_free(e);
}

Test(l2_channel, randomized_honest_parties_are_always_paid_what_they_are_owed)
{
	struct prop_stats st = { 0 };
	/* signatures off for most runs (fast), on for every 8th */
	for (uint64_t seed = 1; seed <= 600; seed++)
		prop_run(seed, seed % 8 == 0, &st);
	cr_assert_eq(st.runs, 600);
	/* the runs did exercise what they are meant to */
	cr_assert_gt(st.pays_ok, 1000);
	cr_assert_gt(st.pays_failed, 100);
	cr_assert_gt(st.deposits, 100);
	cr_assert_gt(st.coop, 20);
	cr_assert_gt(st.unilateral, 20);
	cr_assert_gt(st.stale, 20);
	cr_assert_gt(st.tampered, 0);
	cr_assert_gt(st.challenges, 20);
	for (int r = 1; r < 16; r++)
		if (st.fail_by[r])
			cr_log_info("payments failed with \"%s\": %" PRIu64, l2_result_str((enum l2_result)r), st.fail_by[r]);
	cr_log_info("property runs: %" PRIu64 " payments ok, %" PRIu64 " failed, %" PRIu64 " deposits, %" PRIu64
		    " coop, %" PRIu64 " unilateral, %" PRIu64 " stale, %" PRIu64 " tampered, %" PRIu64 " challenges",
		    st.pays_ok, st.pays_failed, st.deposits, st.coop, st.unilateral, st.stale, st.tampered,
		    st.challenges);
}

/* ---- paying by party index ---- */

Test(l2_pay, by_index_is_the_same_payment_as_by_id)
{
	for (int sig = 0; sig < 2; sig++) {
		uint32_t a, b, ch;
		struct env *e = two_party(2, 5, sig ? L2_SIG_OFF : L2_SIG_ED25519, &a, &b, &ch);
		cr_assert_eq(l2_channel_pay_index(e->net, ch, 0, 1, AMOUNT(30)), L2_OK);
		cr_assert_eq(l2_channel_pay(e->net, ch, b, a, AMOUNT(5)), L2_OK);
		cr_assert_eq(latest(e, ch)->seq, 2);
		cr_assert_eq(latest(e, ch)->balances[0].units, 75);
		cr_assert_eq(latest(e, ch)->balances[1].units, 125);
		struct snap before;
		snap_take(e, ch, &before);
		cr_assert_eq(l2_channel_pay_index(e->net, ch, 1, 1, AMOUNT(1)), L2_ERR_NOT_MEMBERS);
		cr_assert_eq(l2_channel_pay_index(e->net, ch, 0, 2, AMOUNT(1)), L2_ERR_NOT_MEMBERS);
		cr_assert_eq(l2_channel_pay_index(e->net, ch, 0, 1, AMOUNT(0)), L2_ERR_ZERO_AMOUNT);
		cr_assert_eq(l2_channel_pay_index(e->net, ch, 0, 1, AMOUNT(76)), L2_ERR_NO_FUNDS);
		assert_unchanged(e, ch, &before, true);
		env_free(e);
	}
}

Test(l2_pay, unsigned_states_have_no_signature_room_and_read_as_zeros)
{
	uint32_t a, b, ch;
	struct env *e = two_party(1, 5, L2_SIG_OFF, &a, &b, &ch);
	cr_assert_eq(l2_channel_pay(e->net, ch, a, b, AMOUNT(1)), L2_OK);
	const struct l1_state *s = latest(e, ch);
	cr_assert(l1_state_is_unsigned(s));
	for (int i = 0; i < L1_SIG_LEN; i++)
		cr_assert_eq(l1_state_sig(s, 1)[i], 0);
	struct l1_state *c = l1_state_copy(s);
	cr_assert(l1_state_is_unsigned(c));
	cr_assert_eq(c->balances[1].units, 101);
	struct l1_state *signed_copy = l1_state_new(s->channel, 0, 2);
	l1_state_assign(signed_copy, s);
	cr_assert_not(l1_state_is_unsigned(signed_copy));
	cr_assert_eq(signed_copy->seq, s->seq);
	l1_state_free(c);
	l1_state_free(signed_copy);
	env_free(e);
}

/* Account ids are the chain's, party ids the net's: with accounts added on L1 before
 * the net's parties they differ, and l2 maps between them explicitly (a challenge's
 * inclusion clears the pending flag of the party that submitted it, found through
 * l2_party_of_account, not by taking the account id for a party id). */
Test(l2_party, accounts_and_parties_are_mapped_explicitly)
{
	struct l1_params p;
	params_for_test(&p, 1, 4);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t stray[3];
	for (int i = 0; i < 3; i++)
		cr_assert_eq(l1_chain_add_account(e->chain, AMOUNT(5), NULL, &stray[i]), L1_OK);
	uint32_t a = add_party(e, 2, "alice", 1000, 0), b = add_party(e, 2, "bob", 1000, 0);
	cr_assert_eq(e->net->parties[a].account, 3);
	cr_assert_eq(l2_party_of_account(e->net, 3), a);
	cr_assert_eq(l2_party_of_account(e->net, 4), b);
	cr_assert_eq(l2_party_of_account(e->net, stray[1]), UINT32_MAX);
	cr_assert_eq(l2_party_of_account(e->net, 1000), UINT32_MAX);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	l2_channel_keep_seq(e->net, ch, 0);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, a, b, 60);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 0, false, NULL), L2_OK);
	step(e); /* the stale close is included; bob challenges */
	cr_assert_eq(e->nsubs, 1);
	cr_assert(l2_channel_challenge_pending(&e->net->channels[ch], 1));
	step(e); /* the challenge is included: bob's flag is cleared */
	cr_assert_eq(l1_channel_registered_seq(e->net->l1, l1_id_of(e, ch)), 1);
	cr_assert_not(l2_channel_challenge_pending(&e->net->channels[ch], 1));
	env_free(e);
}

Test(l2_party, watchtower_setter_lets_an_offline_party_challenge)
{
	struct l1_params p;
	params_for_test(&p, 1, 4);
	struct env *e = env_new(&p, L2_SIG_ED25519, 0);
	uint32_t a = add_party(e, 2, "alice", 1000, 0), b = add_party(e, 2, "bob", 1000, 0);
	uint32_t ps[2] = { a, b };
	uint64_t deps[2] = { 100, 100 };
	uint32_t ch = add_channel(e, 2, ps, deps);
	l2_channel_keep_seq(e->net, ch, 0);
	cr_assert_eq(l2_channel_open(e->net, ch, NULL), L2_OK);
	step(e);
	pay_ok(e, ch, a, b, 60);
	l2_party_set_offline(e->net, b, UINT64_MAX);
	l2_party_set_watchtower(e->net, b, true);
	cr_assert(e->net->parties[b].watchtower);
	cr_assert_eq(l2_channel_close(e->net, ch, a, L2_CLOSE_UNILATERAL, 0, false, NULL), L2_OK);
	step(e);
	cr_assert_eq(e->nsubs, 1, "bob's watchtower challenges");
	l2_party_set_watchtower(e->net, b, false);
	cr_assert_not(e->net->parties[b].watchtower);
	env_free(e);
}
