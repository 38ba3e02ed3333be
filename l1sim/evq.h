/* Event queue: a binary min-heap ordered by (time, sequence number). Events at the
 * same time come out in the order they were pushed (the ns-3 rule), so runs repeat. */
#ifndef L2SIM_L1SIM_EVQ_H
#define L2SIM_L1SIM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evq_event {
	uint64_t time_ms;
	uint64_t seq;     /* assigned by evq_push */
	uint32_t kind;    /* the caller's */
	uint32_t arg32;   /* the caller's */
	uint64_t arg;     /* the caller's */
};

struct evq {
	struct evq_event *heap;
	size_t len, cap;
	uint64_t next_seq;
};

void evq_init(struct evq *q);
void evq_free(struct evq *q);
/* Adds an event, O(log n). Aborts on allocation failure. */
void evq_push(struct evq *q, uint64_t time_ms, uint32_t kind, uint32_t arg32, uint64_t arg);
/* The earliest event, or NULL when empty. The pointer is valid until the next push/pop. */
const struct evq_event *evq_peek(const struct evq *q);
/* Removes the earliest event into *out; false when empty. O(log n). */
bool evq_pop(struct evq *q, struct evq_event *out);
static inline size_t evq_len(const struct evq *q) { return q->len; }

#endif
