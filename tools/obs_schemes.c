#include "obs_schemes.h"

#include <stdlib.h>

#include "l1sim/util.h"
#include "tools/runner_internal.h"

static void on_event(void *ctx, const struct runner *r, const struct run_event *ev)
{
	struct obs_schemes *o = ctx;
	(void)r;
	switch (ev->kind) {
	case RUN_EV_SCHEME_PAY: {
		if (ev->u.scheme_pay.scheme >= o->n)
			return;
		struct obs_scheme_row *w = &o->row[ev->u.scheme_pay.scheme];
		switch (ev->u.scheme_pay.step) {
		case RUN_SCHEME_PAY_OK:
			w->ok++;
			if (ev->u.scheme_pay.scheme >= 2 && ev->u.scheme_pay.scheme < 2 + r->s->nrollups)
				samples_add(&w->soft_us, ms_to_us(ev->u.scheme_pay.soft_ms), 1);
			break;
		case RUN_SCHEME_PAY_FAILED:
			w->failed++;
			break;
		case RUN_SCHEME_PAY_FINAL: {
			w->final++;
			uint64_t at = ms_to_us(ev->u.scheme_pay.final_ms);
			samples_add(&w->final_us, at > ev->u.scheme_pay.t_us ? at - ev->u.scheme_pay.t_us : 0, 1);
			break;
		}
		}
		break;
	}
	case RUN_EV_SCHEME_TX:
	case RUN_EV_TX_INCLUDED:
		if (ev->u.tx.scheme < o->n && (ev->kind == RUN_EV_TX_INCLUDED || ev->u.tx.included)) {
			o->row[ev->u.tx.scheme].l1_txs++;
			o->row[ev->u.tx.scheme].l1_bytes += ev->u.tx.bytes;
		}
		break;
	case RUN_EV_SCHEME_VIOLATION:
		if (ev->u.scheme_violation.scheme < o->n)
			o->row[ev->u.scheme_violation.scheme].violations++;
		break;
	case RUN_EV_RUN_END:
		for (uint32_t k = 0; k < o->n; k++) {
			samples_sort(&o->row[k].soft_us);
			samples_sort(&o->row[k].final_us);
		}
		break;
	default:
		break;
	}
}

struct obs_schemes *obs_schemes_new(struct runner *r)
{
	struct obs_schemes *o = xcalloc(1, sizeof(*o));
	o->n = scn_nschemes(r->s);
	o->row = xcalloc(o->n, sizeof(*o->row));
	uint32_t mask = RUN_EV_MASK(RUN_EV_SCHEME_PAY) | RUN_EV_MASK(RUN_EV_SCHEME_TX) |
			RUN_EV_MASK(RUN_EV_TX_INCLUDED) | RUN_EV_MASK(RUN_EV_SCHEME_VIOLATION) |
			RUN_EV_MASK(RUN_EV_RUN_END);
	runner_subscribe(r, mask, on_event, o);
	return o;
}

void obs_schemes_free(struct obs_schemes *o)
{
	if (!o)
		return;
	for (uint32_t k = 0; k < o->n; k++) {
		free(o->row[k].soft_us.v);
		free(o->row[k].final_us.v);
	}
	free(o->row);
	free(o);
}
