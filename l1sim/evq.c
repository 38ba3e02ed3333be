#include "evq.h"

#include "util.h"

void evq_init(struct evq *q)
{
	q->heap = NULL;
	q->len = q->cap = 0;
	q->next_seq = 0;
}

void evq_free(struct evq *q)
{
	free(q->heap);
	evq_init(q);
}

static bool before(const struct evq_event *a, const struct evq_event *b)
{
	return a->time_ms < b->time_ms || (a->time_ms == b->time_ms && a->seq < b->seq);
}

void evq_push(struct evq *q, uint64_t time_ms, uint32_t kind, uint32_t arg32, uint64_t arg)
{
	if (q->len == q->cap)
		q->heap = xreallocarray(q->heap, q->cap = q->cap ? q->cap * 2 : 16, sizeof(*q->heap));
	struct evq_event ev = { time_ms, q->next_seq++, kind, arg32, arg };
	size_t i = q->len++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(&ev, &q->heap[parent]))
			break;
		q->heap[i] = q->heap[parent];
		i = parent;
	}
	q->heap[i] = ev;
}

const struct evq_event *evq_peek(const struct evq *q)
{
	return q->len ? &q->heap[0] : NULL;
}

bool evq_pop(struct evq *q, struct evq_event *out)
{
	if (!q->len)
		return false;
	*out = q->heap[0];
	struct evq_event last = q->heap[--q->len];
	size_t i = 0, n = q->len;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!before(&q->heap[c], &last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (n)
		q->heap[i] = last;
	return true;
}
