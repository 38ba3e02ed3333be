/* Unit tests of l1sim/evq: ordering by time, FIFO among equal times (the ns-3 rule),
 * payloads, the empty queue, and 10^4 random interleaved pushes and pops checked
 * against a sorted reference. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/evq.h"
#include "l1sim/rng.h"

Test(evq, empty_queue)
{
	struct evq q;
	evq_init(&q);
	struct evq_event ev = { .time_ms = 7, .seq = 7, .kind = 7, .arg32 = 7, .arg = 7 };
	cr_assert_eq(evq_len(&q), 0);
	cr_assert_null(evq_peek(&q));
	cr_assert_not(evq_pop(&q, &ev));
	cr_assert_eq(ev.time_ms, 7, "a failed pop leaves *out alone");
	cr_assert_eq(ev.arg, 7);
	evq_free(&q);
	evq_free(&q); /* freeing an empty (freed) queue is harmless */
	cr_assert_eq(evq_len(&q), 0);
}

Test(evq, pops_until_empty_then_false)
{
	struct evq q;
	evq_init(&q);
	evq_push(&q, 5, 0, 0, 0);
	struct evq_event ev;
	cr_assert(evq_pop(&q, &ev));
	cr_assert_not(evq_pop(&q, &ev));
	cr_assert_null(evq_peek(&q));
	/* reusable after draining */
	evq_push(&q, 1, 2, 3, 4);
	cr_assert(evq_pop(&q, &ev));
	cr_assert_eq(ev.kind, 2);
	evq_free(&q);
}

Test(evq, orders_by_time)
{
	struct evq q;
	evq_init(&q);
	const uint64_t times[] = { 50, 10, 40, 0, UINT64_MAX, 30, 20, 1 };
	const uint64_t sorted[] = { 0, 1, 10, 20, 30, 40, 50, UINT64_MAX };
	for (size_t i = 0; i < 8; i++)
		evq_push(&q, times[i], (uint32_t)i, 0, 0);
	cr_assert_eq(evq_len(&q), 8);
	cr_assert_eq(evq_peek(&q)->time_ms, 0);
	for (size_t i = 0; i < 8; i++) {
		struct evq_event ev;
		cr_assert(evq_pop(&q, &ev));
		cr_assert_eq(ev.time_ms, sorted[i]);
		cr_assert_eq(times[ev.kind], ev.time_ms, "payload travels with its time");
	}
	cr_assert_eq(evq_len(&q), 0);
	evq_free(&q);
}

Test(evq, same_time_is_fifo)
{
	struct evq q;
	evq_init(&q);
	/* 100 events at time 9 pushed between events at other times. */
	for (uint32_t i = 0; i < 100; i++) {
		evq_push(&q, 9, i, 0, 0);
		evq_push(&q, i % 2 ? 3 : 20, 1000 + i, 0, 0);
	}
	struct evq_event ev;
	for (int i = 0; i < 50; i++) {
		cr_assert(evq_pop(&q, &ev));
		cr_assert_eq(ev.time_ms, 3);
		cr_assert_eq(ev.kind, 1000u + 2u * (uint32_t)i + 1u, "time-3 events in push order");
	}
	for (uint32_t i = 0; i < 100; i++) {
		cr_assert(evq_pop(&q, &ev));
		cr_assert_eq(ev.time_ms, 9);
		cr_assert_eq(ev.kind, i, "same-time events pop in push order");
	}
	for (int i = 0; i < 50; i++) {
		cr_assert(evq_pop(&q, &ev));
		cr_assert_eq(ev.time_ms, 20);
	}
	evq_free(&q);
}

Test(evq, payload_and_sequence_numbers)
{
	struct evq q;
	evq_init(&q);
	evq_push(&q, 2, 0xdeadbeef, UINT32_MAX, UINT64_MAX);
	evq_push(&q, 1, 1, 2, 3);
	struct evq_event ev;
	cr_assert(evq_pop(&q, &ev));
	cr_assert_eq(ev.time_ms, 1);
	cr_assert_eq(ev.seq, 1, "seq is the push order");
	cr_assert_eq(ev.kind, 1);
	cr_assert_eq(ev.arg32, 2);
	cr_assert_eq(ev.arg, 3);
	cr_assert(evq_pop(&q, &ev));
	cr_assert_eq(ev.seq, 0);
	cr_assert_eq(ev.kind, 0xdeadbeef);
	cr_assert_eq(ev.arg32, UINT32_MAX);
	cr_assert_eq(ev.arg, UINT64_MAX);
	evq_free(&q);
}

/* The reference: pending (time, id) pairs kept sorted by (time, id). */
struct ref_ev {
	uint64_t time, id;
};

static size_t ref_insert_pos(const struct ref_ev *a, size_t n, struct ref_ev e)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid].time < e.time || (a[mid].time == e.time && a[mid].id < e.id))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

Test(evq, random_interleaving_matches_sorted_reference)
{
	enum { N = 10000 };
	struct ref_ev *ref = calloc(N, sizeof(*ref));
	cr_assert_not_null(ref);
	size_t nref = 0, head = 0; /* ref[head..nref) are pending */
	struct evq q;
	evq_init(&q);
	struct rng r;
	rng_init(&r, 2024, 0);
	uint64_t pushed = 0, popped = 0, now = 0;
	while (pushed < N || popped < pushed) {
		bool push = pushed < N && (popped == pushed || rng_below(&r, 3) != 0);
		if (push) {
			/* Times never go below what was popped (a simulator's clock), with many
			 * ties: only 50 distinct offsets. */
			struct ref_ev e = { now + rng_below(&r, 50), pushed };
			evq_push(&q, e.time, 0, (uint32_t)pushed, pushed * 3);
			size_t pos = ref_insert_pos(ref + head, nref - head, e) + head;
			memmove(ref + pos + 1, ref + pos, (nref - pos) * sizeof(*ref));
			ref[pos] = e;
			nref++;
			pushed++;
		} else {
			struct evq_event ev;
			const struct evq_event *peek = evq_peek(&q);
			cr_assert_not_null(peek);
			cr_assert_eq(peek->arg, ref[head].id * 3);
			cr_assert(evq_pop(&q, &ev));
			cr_assert_eq(ev.time_ms, ref[head].time, "pop %llu", (unsigned long long)popped);
			cr_assert_eq(ev.arg32, ref[head].id, "pop %llu: wrong event among equal times",
				     (unsigned long long)popped);
			cr_assert_eq(ev.arg, ref[head].id * 3);
			cr_assert_geq(ev.time_ms, now);
			now = ev.time_ms;
			head++;
			popped++;
		}
		cr_assert_eq(evq_len(&q), nref - head);
	}
	struct evq_event ev;
	cr_assert_not(evq_pop(&q, &ev));
	evq_free(&q);
	free(ref);
}

/* Arbitrary (not monotone) times as well: the heap alone must order them. */
Test(evq, random_times_pop_sorted)
{
	enum { N = 10000 };
	struct evq q;
	evq_init(&q);
	struct rng r;
	rng_init(&r, 99, 1);
	for (uint32_t i = 0; i < N; i++)
		evq_push(&q, rng_below(&r, 200), 0, i, 0);
	struct evq_event prev, ev;
	cr_assert(evq_pop(&q, &prev));
	for (uint32_t i = 1; i < N; i++) {
		cr_assert(evq_pop(&q, &ev));
		cr_assert(prev.time_ms < ev.time_ms || (prev.time_ms == ev.time_ms && prev.seq < ev.seq),
			  "out of order at %u", i);
		prev = ev;
	}
	cr_assert_eq(evq_len(&q), 0);
	evq_free(&q);
}
