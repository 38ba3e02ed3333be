/* The payments observer (run --payments FILE.csv): one CSV row per routed payment
 * (SPEC section 10), in send order, written when the run is over:
 *   id,from,to,amount,start_s,end_s,ok,attempts,hops,route,fee,reason
 * start_s is the payment's own time (a workload's arrival, else its block's), end_s
 * the time it succeeded or failed (empty while it is still pending); hops, route
 * (channel names joined by '-') and fee are those of the path whose HTLCs were all
 * added, and are 0, empty and empty when no attempt got that far; reason is empty when
 * ok. Times are seconds in their shortest round-trip form, amounts whole units; names
 * are CSV-quoted when they hold a comma, a quote or a line break. */
#ifndef L2SIM_TOOLS_OBS_PAYMENTS_H
#define L2SIM_TOOLS_OBS_PAYMENTS_H

#include <stdio.h>

struct runner;
struct obs_payments;

/* Subscribes to r's routed-payment events; free it with obs_payments_free, and write
 * it before runner_free (it keeps pointers to the runner's payments). */
struct obs_payments *obs_payments_new(struct runner *r);
/* Writes the header and one row per payment sent so far to f. */
void obs_payments_write(const struct obs_payments *o, const struct runner *r, FILE *f);
void obs_payments_free(struct obs_payments *o);

#endif
