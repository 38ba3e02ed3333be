#include "obs_payments.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"
#include "tools/runner.h"
#include "tools/textout.h"

struct obs_payments {
	const struct run_payment **pay; /* in send order (the runner keeps them alive) */
	bool *added;                    /* [npay]: all HTLCs of one attempt were added */
	uint32_t npay, cap;
};

static void on_event(void *ctx, const struct runner *r, const struct run_event *ev)
{
	(void)r;
	struct obs_payments *o = ctx;
	const struct run_payment *p = ev->u.routed.p;
	if (ev->u.routed.step == RUN_ROUTED_SENT) {
		if (o->npay == o->cap) {
			o->cap = o->cap ? 2 * o->cap : 16;
			o->pay = xreallocarray(o->pay, o->cap, sizeof(*o->pay));
			o->added = xreallocarray(o->added, o->cap, sizeof(*o->added));
		}
		o->pay[o->npay] = p;
		o->added[o->npay++] = false;
	} else if (ev->u.routed.step == RUN_ROUTED_ADDED) {
		/* ids are the send order, so p is at index p->id */
		if (p->id >= o->npay || o->pay[p->id] != p)
			fatal_invariant("a routed payment was added before it was sent");
		o->added[p->id] = true;
	}
}

struct obs_payments *obs_payments_new(struct runner *r)
{
	struct obs_payments *o = xcalloc(1, sizeof(*o));
	runner_subscribe(r, RUN_EV_MASK(RUN_EV_ROUTED), on_event, o);
	return o;
}

void obs_payments_free(struct obs_payments *o)
{
	if (!o)
		return;
	free(o->pay);
	free(o->added);
	free(o);
}

/* A name as a CSV field: quoted (quotes doubled) only when it needs it. */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (const char *c = s; *c; c++) {
		if (*c == '"')
			fputc('"', f);
		fputc(*c, f);
	}
	fputc('"', f);
}

/* Seconds in the shortest form that reads back as the same double, as the sweep CSV
 * writes its numbers (whole numbers as integers). */
static void put_seconds(FILE *f, double d)
{
	if (d >= 0 && d <= (double)INT_MAX && d == (double)(int)d) {
		fprintf(f, "%d", (int)d);
		return;
	}
	char buf[40];
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buf, sizeof(buf), "%.*g", digits, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	fputs(buf, f);
}

void obs_payments_write(const struct obs_payments *o, const struct runner *r, FILE *f)
{
	char idbuf[SCN_ID_LEN];
	fputs("id,from,to,amount,start_s,end_s,ok,attempts,hops,route,fee,reason\n", f);
	for (uint32_t i = 0; i < o->npay; i++) {
		const struct run_payment *p = o->pay[i];
		bool done = p->status == RUN_ROUTED_OK || p->status == RUN_ROUTED_FAILED;
		bool ok = p->status == RUN_ROUTED_OK;
		fprintf(f, "%" PRIu32 ",", p->id);
		csv_field(f, runner_party_name(r, p->from));
		fputc(',', f);
		csv_field(f, runner_party_name(r, p->to));
		fprintf(f, ",%" PRIu64 ",", p->amount.units);
		put_seconds(f, (double)p->t_us / 1e6);
		fputc(',', f);
		if (done)
			put_seconds(f, (double)p->done_ms / 1e3);
		fprintf(f, ",%s,%" PRIu32 ",%" PRIu32 ",", ok ? "true" : "false", p->attempts,
			o->added[i] ? p->nhops : 0);
		if (o->added[i]) {
			/* one field: quoted as a whole when any name needs it */
			struct txt_buf route = { 0 };
			txt_buf_put(&route, "", 0);
			for (uint32_t k = 0; k < p->nhops; k++) {
				const char *name = scn_channel_id(r->s, p->hops[k].ch, idbuf);
				if (k)
					txt_buf_put(&route, "-", 1);
				txt_buf_put(&route, name, strlen(name));
			}
			csv_field(f, route.s);
			txt_buf_free(&route);
			fprintf(f, ",%" PRIu64, p->fee.units);
		} else {
			fputc(',', f);
		}
		fputc(',', f);
		if (done && !ok)
			fputs(run_route_fail_str(p->reason), f);
		fputc('\n', f);
	}
}
