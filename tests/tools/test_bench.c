/* The benchmark's smoke run (l2sim bench --quick): the JSON has every figure and each
 * is a positive finite number. Behaviour only: no test here judges speed. */
#include <criterion/criterion.h>
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/bench.h"

static double field(const cJSON *root, const char *section, const char *key)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, section);
	cr_assert(cJSON_IsObject(s), "missing section %s", section);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, key);
	cr_assert(cJSON_IsNumber(v), "missing number %s.%s", section, key);
	cr_assert(isfinite(v->valuedouble), "%s.%s is not finite", section, key);
	return v->valuedouble;
}

Test(bench, quick_json_has_every_figure)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct bench_options o = { .quick = true, .json = true };
	cr_assert_eq(bench_run(&o, f, NULL), 0);
	fclose(f);
	cJSON *root = cJSON_Parse(buf);
	cr_assert_not_null(root, "not JSON: %s", buf);
	static const char *const ratios[][2] = { { "ed25519", "payments_per_s" }, { "ed25519", "bound_per_s" },
						 { "ed25519", "ratio" }, { "off", "channels" },
						 { "off", "payments_per_s" }, { "off", "bound_per_s" }, { "off", "ratio" },
						 { "memory", "bytes_per_channel" }, { "l1", "empty_blocks_per_s" },
						 { "l1", "full_blocks_per_s" }, { "routed", "payments_per_s" },
						 { "routed", "bound_per_s" }, { "routed", "channels" },
						 { "routed", "payments" }, { "routed", "run_cpu_s" },
						 { "routed", "setup_cpu_s" }, { "routed_ed25519", "payments_per_s" },
						 { "routed_ed25519", "bound_per_s" }, { "routed_ed25519", "ratio" },
						 { "routed_ed25519", "signs" }, { "routed_ed25519", "verifies" } };
	for (size_t i = 0; i < sizeof(ratios) / sizeof(ratios[0]); i++)
		cr_assert_gt(field(root, ratios[i][0], ratios[i][1]), 0, "%s.%s is not positive", ratios[i][0],
			     ratios[i][1]);
	/* Growth may be 0 (or, with page-granular RSS, a hair below): it must be a number. */
	(void)field(root, "memory", "rss_growth_10x_payments");
	cr_assert_eq(field(root, "off", "payments_failed"), 0);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "quick")));
	/* The routed runs send with signatures off (none signed) and do reach their payees. */
	cr_assert_eq(field(root, "routed", "signs"), 0);
	cr_assert_eq(field(root, "routed", "bound_per_s"), 3400);
	cr_assert_gt(field(root, "routed", "payments_ok"), 0);
	cr_assert_gt(field(root, "routed_ed25519", "payments_ok"), 0);
	/* --quick never reads the snapshot, present or not. */
	cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "routed_snapshot")));
	cJSON_Delete(root);
	free(buf);
}

Test(bench, quick_table_names_every_goal)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct bench_options o = { .quick = true };
	cr_assert_eq(bench_run(&o, f, NULL), 0);
	fclose(f);
	cr_assert(strstr(buf, "ed25519 signed payments/s"));
	cr_assert(strstr(buf, "ratio >= 0.85"));
	cr_assert(strstr(buf, "ratio >= 0.25"));
	cr_assert(strstr(buf, "<= 256"));
	cr_assert(strstr(buf, "<= 10%"));
	cr_assert(strstr(buf, "l1 full blocks/s"));
	cr_assert(strstr(buf, "routed payments/s, scale-free"));
	cr_assert(strstr(buf, "ratio >= 1.00"));
	cr_assert(strstr(buf, "routed payments/s, 2020 snapshot"));
	cr_assert(strstr(buf, "routed ed25519 payments/s"));
	free(buf);
}

/* --only: the figures named are measured, the others are null; a name that is no
 * figure is refused (exit status 2) before anything is measured. */
Test(bench, only_measures_the_figures_named)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct bench_options o = { .quick = true, .json = true, .only = "routed,l1" };
	cr_assert_eq(bench_run(&o, f, NULL), 0);
	fclose(f);
	cJSON *root = cJSON_Parse(buf);
	cr_assert_not_null(root, "not JSON: %s", buf);
	cr_assert_gt(field(root, "routed", "payments_per_s"), 0);
	cr_assert_gt(field(root, "l1", "empty_blocks_per_s"), 0);
	static const char *const skipped[] = { "ed25519", "off", "memory", "routed_snapshot", "routed_ed25519" };
	for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
		cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, skipped[i])), "%s was measured", skipped[i]);
	cJSON_Delete(root);
	free(buf);
}

/* routed_ed25519 alone times its own bound around its run: the sign and verify costs
 * are there, and the bound follows from them and the counts. */
Test(bench, only_routed_ed25519_times_its_bound)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct bench_options o = { .quick = true, .json = true, .only = "routed_ed25519" };
	cr_assert_eq(bench_run(&o, f, NULL), 0);
	fclose(f);
	cJSON *root = cJSON_Parse(buf);
	cr_assert_not_null(root, "not JSON: %s", buf);
	double sign = field(root, "routed_ed25519", "sign_us"), verify = field(root, "routed_ed25519", "verify_us");
	double signs = field(root, "routed_ed25519", "signs"), verifies = field(root, "routed_ed25519", "verifies");
	cr_assert_gt(sign, 0);
	cr_assert_gt(verify, 0);
	double want = field(root, "routed_ed25519", "payments") / ((signs * sign + verifies * verify) / 1e6);
	cr_assert(fabs(field(root, "routed_ed25519", "bound_per_s") - want) <= 1e-6 * want);
	cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "ed25519")));
	cJSON_Delete(root);
	free(buf);
}

Test(bench, only_refuses_an_unknown_figure)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct bench_options o = { .quick = true, .only = "routed,nope" };
	cr_assert_eq(bench_run(&o, f, NULL), 2);
	fclose(f);
	cr_assert_eq(len, 0, "something was written: %s", buf);
	free(buf);
}
