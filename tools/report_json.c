/* The JSON helpers of the report (report_json.h). */
#include "tools/report_json.h"

#include "l1sim/util.h"

cJSON *report_json_checked(cJSON *j)
{
	if (!j)
		fatal_invariant("out of memory building the report");
	return j;
}

cJSON *report_json_amount(struct amount a)
{
	char buf[AMOUNT_FMT_LEN];
	amount_fmt(buf, a);
	return report_json_checked(a.units <= AMOUNT_MAX_JSON_INT ? cJSON_CreateRaw(buf) : cJSON_CreateString(buf));
}

cJSON *report_json_u64(uint64_t v)
{
	return report_json_amount(AMOUNT(v));
}

cJSON *report_json_stats(const struct report_stats *st)
{
	if (!st->has)
		return report_json_checked(cJSON_CreateNull());
	cJSON *o = report_json_checked(cJSON_CreateObject());
	cJSON_AddNumberToObject(o, "min", st->min);
	cJSON_AddNumberToObject(o, "p50", st->p50);
	cJSON_AddNumberToObject(o, "p95", st->p95);
	cJSON_AddNumberToObject(o, "max", st->max);
	return o;
}

cJSON *report_json_num(bool has, double v)
{
	return report_json_checked(has ? cJSON_CreateNumber(v) : cJSON_CreateNull());
}
