/* Tests of `l2sim sweep` (tools/sweep.c): the values of --vary and their ranges, the
 * cartesian order, the argument errors (exit 2, nothing written), the CSV of a small
 * sweep checked against in-process runs of the same scenario, and byte-identical CSV
 * files whatever --jobs is. */
#include <cJSON.h>
#include <dirent.h>
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/options.h"
#include "tools/report.h"
#include "tools/runner.h"
#include "tools/scenario.h"
#include "tools/sweep.h"
#include "tools/sweep_internal.h"

/* ---- helpers ---- */

static const char SCENARIO[] =
	"{\"format\": \"l2sim/1\", \"name\": \"sweep-test\",\n"
	" \"l1\": {\"block_interval_s\": 60, \"confirmations\": 2, \"fee\": 5, \"dispute_timeout_blocks\": 4},\n"
	" \"parties\": [{\"name\": \"alice\", \"balance\": 2000}, {\"name\": \"bob\", \"balance\": 1500}],\n"
	" \"channels\": [{\"id\": \"ab\", \"parties\": [\"alice\", \"bob\"], \"deposit\": {\"alice\": 1200, \"bob\": 400}}],\n"
	" \"script\": [\n"
	"  {\"at\": 0, \"action\": \"open\", \"channel\": \"ab\"},\n"
	"  {\"at\": 2, \"action\": \"pay\", \"channel\": \"ab\", \"from\": \"alice\", \"to\": \"bob\", \"amount\": 3, \"count\": 10},\n"
	"  {\"at\": 3, \"action\": \"close\", \"channel\": \"ab\", \"by\": \"bob\"}\n"
	" ]}\n";

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/l2sim-sweep-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/s.json", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(SCENARIO, f);
	fclose(f);
}

/* Removes the test folder and what the sweep wrote in it. */
static void remove_dir(void)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static char *path_in(const char *name)
{
	static char buf[4][160];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static int sweep(const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return sweep_main(argc, argv);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* The number of files in the test folder (temporaries included, whatever their name). */
static int files_in_dir(void)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Nothing but the scenario in the test folder. */
static void assert_only_scenario(void)
{
	cr_assert(!exists(path_in("out.csv")), "out.csv was written");
	cr_assert_eq(files_in_dir(), 1, "a file (a temporary?) was left beside the scenario");
}

static void free_axis(struct sweep_axis *a)
{
	sweep_axis_free(a);
}

/* ---- values and ranges ---- */

Test(sweep_values, comma_list_in_order)
{
	struct sweep_axis a;
	char err[256];
	cr_assert(sweep_axis_parse("l1.fee=5,1,\"x\",exponential", &a, err, sizeof(err)), "%s", err);
	cr_assert_str_eq(a.key, "l1.fee");
	cr_assert_eq(a.nvalues, 4);
	cr_assert_str_eq(a.values[0], "5");
	cr_assert_str_eq(a.values[1], "1");
	cr_assert_str_eq(a.values[2], "\"x\"");
	cr_assert_str_eq(a.values[3], "exponential");
	free_axis(&a);
}

Test(sweep_values, ranges_expand_and_mix_with_values)
{
	struct sweep_axis a;
	char err[256];
	cr_assert(sweep_axis_parse("seed=1,3..5,10:30:10,0:0.75:0.25", &a, err, sizeof(err)), "%s", err);
	const char *want[] = { "1", "3", "4", "5", "10", "20", "30", "0", "0.25", "0.5", "0.75" };
	cr_assert_eq(a.nvalues, 11, "got %zu values", a.nvalues);
	for (size_t i = 0; i < 11; i++)
		cr_assert_str_eq(a.values[i], want[i], "value %zu", i);
	free_axis(&a);
}

Test(sweep_values, step_range_keeps_an_end_that_binary_misses)
{
	struct sweep_axis a;
	char err[256];
	cr_assert(sweep_axis_parse("k=0:0.3:0.1", &a, err, sizeof(err)), "%s", err);
	cr_assert_eq(a.nvalues, 4);
	cr_assert_str_eq(a.values[3], "0.3");
	free_axis(&a);
	cr_assert(sweep_axis_parse("k=2:7:2", &a, err, sizeof(err)), "%s", err);
	cr_assert_eq(a.nvalues, 3); /* 2 4 6: the end need not be on a step */
	cr_assert_str_eq(a.values[2], "6");
	free_axis(&a);
	cr_assert(sweep_axis_parse("k=-2..1", &a, err, sizeof(err)), "%s", err);
	cr_assert_eq(a.nvalues, 4);
	cr_assert_str_eq(a.values[0], "-2");
	free_axis(&a);
}

Test(sweep_values, one_value_range)
{
	struct sweep_axis a;
	char err[256];
	cr_assert(sweep_axis_parse("k=7..7", &a, err, sizeof(err)), "%s", err);
	cr_assert_eq(a.nvalues, 1);
	cr_assert_str_eq(a.values[0], "7");
	free_axis(&a);
}

Test(sweep_values, text_that_only_looks_like_a_range_is_a_value)
{
	struct sweep_axis a;
	char err[256];
	cr_assert(sweep_axis_parse("name=a..b,x:y:z", &a, err, sizeof(err)), "%s", err);
	cr_assert_eq(a.nvalues, 2);
	cr_assert_str_eq(a.values[0], "a..b");
	cr_assert_str_eq(a.values[1], "x:y:z");
	free_axis(&a);
}

static void parse_fails(const char *arg, const char *want)
{
	struct sweep_axis a;
	char err[256] = "";
	cr_assert(!sweep_axis_parse(arg, &a, err, sizeof(err)), "%s parsed", arg);
	cr_assert(strstr(err, want), "%s: message \"%s\" lacks \"%s\"", arg, err, want);
	cr_assert_null(a.key);
	cr_assert_null(a.values);
}

Test(sweep_values, bad_specs_are_named)
{
	parse_fails("l1.fee", "needs KEY=V1,V2");
	parse_fails("=1,2", "needs KEY=V1,V2");
	parse_fails("l1.fee=", "l1.fee: no values");
	parse_fails("l1.fee=1,,2", "value 2 is empty");
	parse_fails("l1.fee=1,", "value 2 is empty");
	parse_fails("l1.fee=5..1", "start is above the end");
	parse_fails("l1.fee=1..2.5", "whole numbers");
	parse_fails("l1.fee=1:5", "needs a step");
	parse_fails("l1.fee=1:5:0", "step must be above 0");
	parse_fails("l1.fee=1:5:-1", "step must be above 0");
	parse_fails("l1.fee=5:1:1", "start is above the end");
	parse_fails("l1.fee=1,2,1", "value 1 is listed twice");
	parse_fails("l1.fee=1,1..3", "listed twice");
	parse_fails("l1.fee=1..100,77", "value 77 is listed twice");
	parse_fails("l1.fee=0:10:2.5,5", "value 5 is listed twice");
	parse_fails("l1.fee=0..100000", "more than 100000 values");
	parse_fails("l1.fee=0:1:0.000001", "more than 100000 values");
}

/* ---- the cartesian order ---- */

Test(sweep_order, first_axis_outermost)
{
	struct sweep_axis ax[3];
	char err[256];
	cr_assert(sweep_axis_parse("a=1,2", &ax[0], err, sizeof(err)));
	cr_assert(sweep_axis_parse("b=x,y,z", &ax[1], err, sizeof(err)));
	cr_assert(sweep_axis_parse("c=7", &ax[2], err, sizeof(err)));
	size_t n = 0;
	cr_assert(sweep_count(ax, 3, &n));
	cr_assert_eq(n, 6);
	size_t idx[3];
	const size_t want[6][2] = { { 0, 0 }, { 0, 1 }, { 0, 2 }, { 1, 0 }, { 1, 1 }, { 1, 2 } };
	for (size_t i = 0; i < n; i++) {
		sweep_combination(ax, 3, i, idx);
		cr_assert_eq(idx[0], want[i][0], "run %zu", i);
		cr_assert_eq(idx[1], want[i][1], "run %zu", i);
		cr_assert_eq(idx[2], 0);
	}
	for (int k = 0; k < 3; k++)
		free_axis(&ax[k]);
}

Test(sweep_order, too_many_runs_is_refused)
{
	struct sweep_axis ax[2];
	char err[256];
	cr_assert(sweep_axis_parse("a=1..1000", &ax[0], err, sizeof(err)));
	cr_assert(sweep_axis_parse("b=1..1001", &ax[1], err, sizeof(err)));
	size_t n = 0;
	cr_assert(!sweep_count(ax, 2, &n)); /* 1001000 > SWEEP_MAX_RUNS */
	cr_assert(sweep_count(ax, 1, &n));
	cr_assert_eq(n, 1000);
	free_axis(&ax[0]);
	free_axis(&ax[1]);
}

Test(sweep_order, metric_names)
{
	cr_assert_eq(sweep_metric_index("throughput_gain"), 4);
	cr_assert_str_eq(SWEEP_METRICS[sweep_metric_index("security_violations")], "security_violations");
	cr_assert_eq(sweep_metric_index("nope"), -1);
	for (size_t n = 0; SWEEP_METRICS[n]; n++)
		cr_assert_eq(sweep_metric_index(SWEEP_METRICS[n]), (int)n, "%s", SWEEP_METRICS[n]);
}

/* ---- arguments: every error exits 2 and writes nothing ---- */

Test(sweep_args, usage_errors_exit_2_and_write_nothing, .init = make_dir, .fini = remove_dir)
{
	char *s = path_in("s.json"), *out = path_in("out.csv");
	cr_redirect_stderr();
	cr_assert_eq(sweep(NULL), 2, "no FILE");
	cr_assert_eq(sweep(s, "--out", out, NULL), 2, "no --vary");
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--bogus", "--out", out, NULL), 2);
	cr_assert_eq(sweep(s, s, "--vary", "l1.fee=1", "--out", out, NULL), 2, "two files");
	cr_assert_eq(sweep(s, "--vary", NULL), 2, "--vary without a value");
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--jobs", "0", "--out", out, NULL), 2);
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--jobs", "2x", "--out", out, NULL), 2);
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "-j", "1025", "--out", out, NULL), 2);
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--vary", "l1.fee=3", "--out", out, NULL), 2);
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--set", "l1.fee=3", "--out", out, NULL), 2);
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--metric", "fees", "--out", out, NULL), 2, "--metric without --plot");
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--log", "x", "--out", out, NULL), 2, "--log without --plot");
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--plot", path_in("c.svg"), "--metric", "nope", NULL), 2);
	cr_assert_eq(sweep(s, "--vary", "l1.fee=0,2", "--plot", path_in("c.svg"), "--log", "x", NULL), 2);
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--out", s, NULL), 2, "--out names the scenario");
	cr_assert_eq(sweep(path_in("missing.json"), "--vary", "l1.fee=1", "--out", out, NULL), 2);
	assert_only_scenario();
	cr_assert(!exists(path_in("c.svg")));
}

Test(sweep_args, label_usage_errors_exit_2_and_write_nothing, .init = make_dir, .fini = remove_dir)
{
	char *s = path_in("s.json"), *out = path_in("out.csv"), *svg = path_in("c.svg");
	cr_redirect_stderr();
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--plot", svg, "--label", "l1.confirmations=c", NULL), 2,
		     "a key that is not varied");
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--plot", svg, "--label", "fees=f", NULL), 2,
		     "a metric that is not charted");
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--plot", svg, "--label", "l1.fee", NULL), 2, "no =");
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--plot", svg, "--label", "=fee", NULL), 2, "no KEY");
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--plot", svg, "--label", "l1.fee=", NULL), 2, "no TEXT");
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--plot", svg, "--label", "l1.fee=a", "--label", "l1.fee=b", NULL),
		     2, "twice");
	cr_assert_eq(sweep(s, "--vary", "l1.fee=1,2", "--out", out, "--label", "l1.fee=fee", NULL), 2, "without --plot");
	assert_only_scenario();
}

Test(sweep_chart, title_is_the_first_sentence_shortened)
{
	char *t = sweep_title_sentence("  Bob goes offline. Then he is robbed.", 90);
	cr_assert_str_eq(t, "Bob goes offline.");
	free(t);
	t = sweep_title_sentence("No full stop at all", 90);
	cr_assert_str_eq(t, "No full stop at all");
	free(t);
	t = sweep_title_sentence("script.8.blocks is a path, not a sentence end. Next.", 90);
	cr_assert_str_eq(t, "script.8.blocks is a path, not a sentence end.");
	free(t);
	t = sweep_title_sentence("one two three four five six", 16);
	cr_assert_str_eq(t, "one two three...");
	free(t);
	/* "ééééé": 2 bytes each; a cut never splits one. */
	t = sweep_title_sentence("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8);
	cr_assert_str_eq(t, "\xc3\xa9\xc3\xa9...");
	free(t);
}

static char *redirected_stderr(void)
{
	fflush(stderr);
	FILE *f = cr_get_redirected_stderr();
	char *buf = calloc(1, 1 << 16);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	return buf;
}

Test(sweep_args, a_bad_combination_is_named_before_anything_runs, .init = make_dir, .fini = remove_dir)
{
	char *s = path_in("s.json"), *out = path_in("out.csv");
	cr_redirect_stderr();
	/* confirmations 0 is invalid: the first combination that has it is named, once. */
	cr_assert_eq(sweep(s, "--vary", "script.1.count=1,2", "--vary", "l1.confirmations=2,0", "--out", out, NULL), 2);
	assert_only_scenario();
	char *err = redirected_stderr();
	cr_assert(strstr(err, "l2sim: sweep run 2 (script.1.count=1, l1.confirmations=0): "), "%s", err);
	cr_assert(strstr(err, "s.json: --vary l1.confirmations: must be"), "%s", err);
	cr_assert(strstr(err, "2 of 4 runs would have bad input; nothing ran"), "%s", err);
	cr_assert_null(strstr(err, "sweep run 4"), "a problem is reported once: %s", err);
	free(err);
}

Test(sweep_args, a_key_that_names_nothing_is_a_vary_error, .init = make_dir, .fini = remove_dir)
{
	char *s = path_in("s.json"), *out = path_in("out.csv");
	cr_redirect_stderr();
	cr_assert_eq(sweep(s, "--vary", "parties.zed.balance=1,2", "--out", out, NULL), 2);
	assert_only_scenario();
	char *err = redirected_stderr();
	cr_assert(strstr(err, "--vary parties.zed.balance: \"zed\" does not name anything"), "%s", err);
	free(err);
}

/* ---- the CSV ---- */

/* The JSON report of the scenario with overrides, run in this process. */
static cJSON *report_of(const char *file, const struct scn_override *ov, size_t nov)
{
	struct scn_errors errs = { 0 }, failures = { 0 };
	struct scenario *sc = scn_load(file, ov, nov, &errs);
	cr_assert_not_null(sc);
	struct runner *r = runner_new(sc, NULL, false);
	runner_run(r);
	report_check_expect(r, &failures);
	char *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	report_json(f, r, &failures);
	fclose(f);
	cJSON *rep = cJSON_Parse(json);
	free(json);
	runner_free(r);
	scn_free(sc);
	scn_errors_free(&errs);
	scn_errors_free(&failures);
	return rep;
}

static const cJSON *get(const cJSON *o, const char *a, const char *b, const char *c)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
	if (b)
		x = cJSON_GetObjectItemCaseSensitive(x, b);
	if (c)
		x = cJSON_GetObjectItemCaseSensitive(x, c);
	return x;
}

/* The CSV field of a report value: numbers in the shortest form that reads back the
 * same (whole ones as integers), null empty. */
static char *field_of(const cJSON *x)
{
	if (!x || cJSON_IsNull(x))
		return strdup("");
	if (cJSON_IsBool(x))
		return strdup(cJSON_IsTrue(x) ? "true" : "false");
	if (cJSON_IsString(x))
		return strdup(x->valuestring);
	char buf[40];
	double d = x->valuedouble;
	if (d == (double)(int)d) {
		snprintf(buf, sizeof(buf), "%d", (int)d);
		return strdup(buf);
	}
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buf, sizeof(buf), "%.*g", digits, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return strdup(buf);
}

Test(sweep_csv, numbers_in_shortest_round_trip_form, .init = make_dir, .fini = remove_dir)
{
	/* 200/3: 66.66666666666667 reads back the same double as 66.666666666666671. */
	char *s = path_in("s.json"), *out = path_in("out.csv");
	cr_redirect_stdout();
	cr_assert_eq(sweep(s, "--vary", "l1.block_interval_s=0.03", "--out", out, NULL), 0);
	char *csv = slurp(out, NULL);
	cr_assert_not_null(csv);
	cr_assert(strstr(csv, ",66.66666666666667,"), "%s", csv);
	cr_assert_null(strstr(csv, "66.666666666666671"), "%s", csv);
	free(csv);
}

Test(sweep_csv, rows_match_runs_of_the_same_scenario, .init = make_dir, .fini = remove_dir)
{
	char *s = path_in("s.json"), *out = path_in("out.csv");
	cr_redirect_stdout();
	cr_assert_eq(sweep(s, "--vary", "script.1.count=1,10", "--vary", "l1.confirmations=1,2", "--jobs", "2",
			   "--out", out, NULL), 0);
	cr_assert_eq(files_in_dir(), 2, "s.json and out.csv, and no temporary");
	char *csv = slurp(out, NULL);
	cr_assert_not_null(csv);
	/* The header: the varied keys, then every metric up to hit_block_cap (the scheme_*
	 * ones are columns only when the scenario uses SPEC section 11). */
	char *line = strtok(csv, "\n");
	char want[1024] = "script.1.count,l1.confirmations";
	for (size_t m = 0; SWEEP_METRICS[m] && m <= (size_t)sweep_metric_index("hit_block_cap"); m++) {
		strcat(want, ",");
		strcat(want, SWEEP_METRICS[m]);
	}
	cr_assert_str_eq(line, want);
	const char *counts[] = { "1", "1", "10", "10" }, *confs[] = { "1", "2", "1", "2" };
	int col_gain = sweep_metric_index("throughput_gain") + 2;
	for (int row = 0; row < 4; row++) {
		line = strtok(NULL, "\n");
		cr_assert_not_null(line, "row %d is missing", row);
		char *fields[64];
		int n = 0;
		/* No field of this sweep is quoted or holds a comma. */
		for (char *p = line;; n++) {
			fields[n] = p;
			char *comma = strchr(p, ',');
			if (!comma)
				break;
			*comma = '\0';
			p = comma + 1;
		}
		n++;
		cr_assert_eq(n, sweep_metric_index("hit_block_cap") + 3, "row %d has %d fields", row, n);
		cr_assert_str_eq(fields[0], counts[row]);
		cr_assert_str_eq(fields[1], confs[row]);
		struct scn_override ov[2] = { { "script.1.count", counts[row] }, { "l1.confirmations", confs[row] } };
		cJSON *rep = report_of(s, ov, 2);
		const struct {
			const char *metric;
			const cJSON *value;
		} checks[] = {
			{ "blocks", get(rep, "blocks", NULL, NULL) },
			{ "sim_time_s", get(rep, "sim_time_s", NULL, NULL) },
			{ "payments_ok", get(rep, "l2", "payments_ok", NULL) },
			{ "payments_failed", get(rep, "l2", "payments_failed", NULL) },
			{ "throughput_gain", get(rep, "throughput_gain", NULL, NULL) },
			{ "l1_capacity_tps", get(rep, "l1", "capacity_tps", NULL) },
			{ "l2_tps", get(rep, "l2", "tps", NULL) },
			{ "finality_l1_blocks_min", get(rep, "finality", "l1_blocks", "min") },
			{ "finality_l1_blocks_p50", get(rep, "finality", "l1_blocks", "p50") },
			{ "finality_l1_blocks_p95", get(rep, "finality", "l1_blocks", "p95") },
			{ "finality_l1_s_p50", get(rep, "finality", "l1_s", "p50") },
			{ "finality_l1_s_p95", get(rep, "finality", "l1_s", "p95") },
			{ "security_violations", get(rep, "security_violations", NULL, NULL) },
			{ "fees", get(rep, "l1", "fees", NULL) },
			{ "expect_ok", get(rep, "expect", "ok", NULL) },
		};
		for (size_t c = 0; c < sizeof(checks) / sizeof(checks[0]); c++) {
			char *v = field_of(checks[c].value);
			cr_assert_str_eq(fields[sweep_metric_index(checks[c].metric) + 2], v, "row %d, %s", row,
					 checks[c].metric);
			free(v);
		}
		/* And what theory says of this scenario: a cooperative close after p
		 * payments gains (p + 2) / 2; a payment in block 2, closed in block 3, is
		 * final confirmations + 1 blocks later. */
		double p = atof(counts[row]);
		cr_assert_float_eq(atof(fields[col_gain]), (p + 2) / 2, 1e-12, "row %d", row);
		cr_assert_eq(atoi(fields[sweep_metric_index("finality_l1_blocks_p50") + 2]), atoi(confs[row]) + 1);
		cr_assert_str_eq(fields[sweep_metric_index("hit_block_cap") + 2], "false");
		cJSON_Delete(rep);
	}
	cr_assert_null(strtok(NULL, "\n"), "more rows than runs");
	free(csv);
}

Test(sweep_csv, same_bytes_whatever_jobs, .init = make_dir, .fini = remove_dir)
{
	char *s = path_in("s.json");
	cr_redirect_stdout();
	cr_assert_eq(sweep(s, "--vary", "script.1.count=1:61:20", "--vary", "l1.dispute_timeout_blocks=1,4",
			   "--vary", "script.2.mode=cooperative,unilateral", "--jobs", "1", "--out", path_in("j1.csv"), NULL), 0);
	cr_assert_eq(sweep(s, "--vary", "script.1.count=1:61:20", "--vary", "l1.dispute_timeout_blocks=1,4",
			   "--vary", "script.2.mode=cooperative,unilateral", "--jobs", "2", "--out", path_in("j2.csv"), NULL), 0);
	cr_assert_eq(sweep(s, "--vary", "script.1.count=1:61:20", "--vary", "l1.dispute_timeout_blocks=1,4",
			   "--vary", "script.2.mode=cooperative,unilateral", "--jobs", "5", "--out", path_in("j5.csv"), NULL), 0);
	size_t n1, n2, n5;
	char *a = slurp(path_in("j1.csv"), &n1), *b = slurp(path_in("j2.csv"), &n2), *c = slurp(path_in("j5.csv"), &n5);
	cr_assert(a && b && c);
	size_t lines = 0;
	for (char *p = a; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 1 + 4 * 2 * 2);
	cr_assert(n1 == n2 && memcmp(a, b, n1) == 0, "--jobs 1 and --jobs 2 differ");
	cr_assert(n1 == n5 && memcmp(a, c, n1) == 0, "--jobs 1 and --jobs 5 differ");
	free(a);
	free(b);
	free(c);
}

Test(sweep_csv, fields_with_commas_or_quotes_are_quoted, .init = make_dir, .fini = remove_dir)
{
	char *s = path_in("s.json");
	cr_redirect_stdout();
	cr_assert_eq(sweep(s, "--vary", "l1.interval=fixed,\"exponential\"", "--out", path_in("q.csv"), NULL), 0);
	char *csv = slurp(path_in("q.csv"), NULL);
	cr_assert(strstr(csv, "\nfixed,"), "%s", csv);
	cr_assert(strstr(csv, "\n\"\"\"exponential\"\"\","), "%s", csv);
	free(csv);
}

Test(sweep_csv, out_dash_writes_the_csv_to_stdout, .init = make_dir, .fini = remove_dir)
{
	char *s = path_in("s.json");
	cr_redirect_stdout();
	cr_assert_eq(sweep(s, "--vary", "script.1.count=2,4", "--out", path_in("f.csv"), NULL), 0);
	cr_assert_eq(sweep(s, "--vary", "script.1.count=2,4", "--out", "-", NULL), 0);
	fflush(stdout);
	/* stdout holds the table of the first sweep, then the CSV of the second. */
	char *want = slurp(path_in("f.csv"), NULL);
	FILE *f = cr_get_redirected_stdout();
	char *got = calloc(1, 1 << 16);
	size_t n = fread(got, 1, (1 << 16) - 1, f);
	size_t wl = strlen(want);
	cr_assert(n > wl && strcmp(got + n - wl, want) == 0, "stdout:\n%s", got);
	cr_assert_eq(strncmp(got, "script.1.count  ", 16), 0, "the table first: %s", got);
	free(want);
	free(got);
}

/* ---- --shard and sweep-merge ---- */

static int merge(const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	struct cli_options o;
	int rc = cli_parse(CLI_SWEEP_MERGE, argc, argv, &o) == CLI_PARSED ? sweep_merge_command(&o) : 2;
	cli_options_free(&o);
	return rc;
}

/* Values with a newline, a comma and quotes: a CSV row spans two lines, and the merge
 * must cut records, not lines. */
#define SHARD_VARY "--vary", "description=a\nb,\"q\",c", "--vary", "script.1.count=1..2"

Test(sweep_shard, merged_shards_are_the_one_machine_csv, .init = make_dir, .fini = remove_dir)
{
	char s[160]; /* path_in reuses 4 buffers */
	snprintf(s, sizeof(s), "%s", path_in("s.json"));
	cr_redirect_stdout();
	cr_assert_eq(sweep(s, SHARD_VARY, "--jobs", "1", "--out", path_in("all.csv"), NULL), 0);
	cr_assert_eq(sweep(s, SHARD_VARY, "--shard", "0/4", "--out", path_in("p0.csv"), NULL), 0);
	cr_assert_eq(sweep(s, SHARD_VARY, "--shard", "1/4", "--out", path_in("p1.csv"), NULL), 0);
	cr_assert_eq(sweep(s, SHARD_VARY, "--shard", "2/4", "--out", path_in("p2.csv"), NULL), 0);
	cr_assert_eq(sweep(s, SHARD_VARY, "--shard", "3/4", "--out", path_in("p3.csv"), NULL), 0);
	char *p1 = slurp(path_in("p1.csv"), NULL);
	const char *head = "# l2sim sweep shard 1/4: runs=6 scenario=blake2b:";
	cr_assert_eq(strncmp(p1, head, strlen(head)), 0, "%s", p1);
	cr_assert(strstr(p1, " --vary description=a\\x0ab,\"q\",c --vary script.1.count=1..2\n"), "%s", p1);
	char out[160], part[4][160];
	snprintf(out, sizeof(out), "%s", path_in("m.csv"));
	for (int k = 0; k < 4; k++)
		snprintf(part[k], sizeof(part[k]), "%s/p%d.csv", dir, k);
	cr_assert_eq(merge(out, part[3], part[1], part[0], part[2], NULL), 0);
	size_t na, nm;
	char *all = slurp(path_in("all.csv"), &na), *m = slurp(path_in("m.csv"), &nm);
	cr_assert(strstr(all, "\"a\nb\","), "a value with a newline is quoted: %s", all);
	cr_assert(na == nm && memcmp(all, m, na) == 0, "merged:\n%s\none machine:\n%s", m, all);
	free(p1);
	free(all);
	free(m);
}

Test(sweep_shard, a_shard_past_the_last_run_is_empty_and_merges, .init = make_dir, .fini = remove_dir)
{
	char s[160]; /* path_in reuses 4 buffers */
	snprintf(s, sizeof(s), "%s", path_in("s.json"));
	cr_redirect_stdout();
	cr_assert_eq(sweep(s, "--vary", "script.1.count=1..2", "--out", path_in("all.csv"), NULL), 0);
	cr_assert_eq(sweep(s, "--vary", "script.1.count=1..2", "--shard", "0/3", "--out", path_in("p0.csv"), NULL), 0);
	cr_assert_eq(sweep(s, "--vary", "script.1.count=1..2", "--shard", "1/3", "--out", path_in("p1.csv"), NULL), 0);
	cr_assert_eq(sweep(s, "--vary", "script.1.count=1..2", "--shard", "2/3", "--out", path_in("p2.csv"), NULL), 0);
	cr_assert_eq(merge(path_in("m.csv"), path_in("p0.csv"), path_in("p1.csv"), path_in("p2.csv"), NULL), 0);
	size_t na, nm;
	char *all = slurp(path_in("all.csv"), &na), *m = slurp(path_in("m.csv"), &nm);
	cr_assert(na == nm && memcmp(all, m, na) == 0);
	free(all);
	free(m);
}

Test(sweep_shard, usage_errors, .init = make_dir, .fini = remove_dir)
{
	char s[160]; /* path_in reuses 4 buffers */
	snprintf(s, sizeof(s), "%s", path_in("s.json"));
	cr_redirect_stderr();
	cr_assert_eq(sweep(s, "--vary", "script.1.count=1..2", "--shard", "2/2", NULL), 2);
	cr_assert_eq(sweep(s, "--vary", "script.1.count=1..2", "--shard", "1", NULL), 2);
	cr_assert_eq(sweep(s, "--vary", "script.1.count=1..2", "--shard", "-1/2", NULL), 2);
	cr_assert_eq(sweep(s, "--vary", "script.1.count=1..2", "--shard", "0/2", "--plot", path_in("c.svg"), NULL), 2);
	cr_assert_eq(merge(path_in("m.csv"), NULL), 2);
	/* OUT that is also a PART would be overwritten. */
	cr_assert_eq(merge(s, s, NULL), 2);
	assert_only_scenario();
}
