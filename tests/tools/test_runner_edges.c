/* Runner edge cases found by the property test (tests/tools/test_property.c). */
#include <criterion/criterion.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/report.h"
#include "tools/runner.h"
#include "tools/scenario.h"

/* Loads and runs `text`, and returns its JSON report as text (the caller frees it). */
static char *run_to_json_text(const char *text)
{
	struct scn_errors errs = { 0 }, failures = { 0 };
	struct scenario *s = scn_load_buffer("edge.json", text, strlen(text), NULL, 0, &errs);
	cr_assert(s, "loader refused: %s", errs.n ? errs.lines[0] : "?");
	struct runner *r = runner_new(s, NULL, false);
	runner_run(r);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert(f);
	report_json(f, r, &failures);
	fclose(f);
	runner_free(r);
	scn_free(s);
	scn_errors_free(&errs);
	scn_errors_free(&failures);
	return buf;
}

static cJSON *run_to_report(const char *text)
{
	char *buf = run_to_json_text(text);
	cJSON *root = cJSON_Parse(buf);
	cr_assert(root);
	free(buf);
	return root;
}

/* No payment reaches a final settlement: the finality samples stay empty (their
 * array NULL), and sorting them must not hand qsort a NULL pointer (UBSan caught it). */
Test(runner, run_without_settled_payments_has_null_finality)
{
	cJSON *root = run_to_report("{\"format\":\"l2sim/1\",\"name\":\"edge\",\"parties\":[{\"name\":\"a\"}]}");
	const cJSON *fin = cJSON_GetObjectItemCaseSensitive(root, "finality");
	cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(fin, "l1_blocks")));
	cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(fin, "l1_s")));
	cr_assert_eq(cJSON_GetObjectItemCaseSensitive(root, "blocks")->valuedouble, 0);
	cJSON_Delete(root);
}

/* Amounts and counts from 10^15 to 2^53-1 are JSON numbers in the report, written
 * exactly: cJSON's own number printing rounded them to 15 significant digits. */
Test(report, large_whole_numbers_are_written_exactly)
{
	const char *text = "{\"format\":\"l2sim/1\",\"name\":\"edge\",\"seed\":9007199254740991,"
			   "\"parties\":[{\"name\":\"a\",\"balance\":8557498998980739},"
			   "{\"name\":\"b\",\"balance\":\"9007199254740991\"},"
			   "{\"name\":\"c\",\"balance\":\"9007199254740992\"}]}";
	char *buf = run_to_json_text(text);
	cr_assert(strstr(buf, "\"seed\":\t9007199254740991,"), "%s", buf);
	cr_assert(strstr(buf, "\"a\":\t8557498998980739,"), "%s", buf);
	cr_assert(strstr(buf, "\"b\":\t9007199254740991,"), "%s", buf);
	cr_assert(strstr(buf, "\"c\":\t\"9007199254740992\""), "%s", buf); /* above 2^53-1: a string */
	cJSON *root = cJSON_Parse(buf);
	cr_assert(root, "the report must stay valid JSON");
	const cJSON *bal = cJSON_GetObjectItemCaseSensitive(root, "l1_balances");
	cr_assert_eq((uint64_t)cJSON_GetObjectItemCaseSensitive(bal, "a")->valuedouble, 8557498998980739ULL);
	cJSON_Delete(root);
	free(buf);
}
