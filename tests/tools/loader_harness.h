/* What the loader's Criterion tests share (test_loader*.c): load a scenario from a
 * string, and check that it is refused with a given line or accepted. A test file
 * defines LOADER_TEST_FILE (the name the text is loaded as: files it names resolve
 * against that name's folder) before including this. */
#ifndef L2SIM_TESTS_TOOLS_LOADER_HARNESS_H
#define L2SIM_TESTS_TOOLS_LOADER_HARNESS_H

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdbool.h>
#include <string.h>

#include "tools/scenario.h"

#ifndef LOADER_TEST_FILE
#define LOADER_TEST_FILE "t.json"
#endif

static inline struct scenario *load(const char *text, struct scn_errors *e)
{
	return scn_load_buffer(LOADER_TEST_FILE, text, strlen(text), NULL, 0, e);
}

/* True when a line of e contains want. */
static inline bool has_line(const struct scn_errors *e, const char *want)
{
	for (size_t i = 0; i < e->n; i++)
		if (strstr(e->lines[i], want))
			return true;
	return false;
}

/* text is refused with a line containing want (the lines are logged when not). */
static inline void refused(const char *text, const char *want)
{
	struct scn_errors e = { 0 };
	struct scenario *s = load(text, &e);
	for (size_t i = 0; i < e.n && !has_line(&e, want); i++)
		cr_log_info("%s", e.lines[i]);
	cr_assert_null(s, "accepted: %s", text);
	cr_assert(has_line(&e, want), "no line containing: %s", want);
	scn_errors_free(&e);
}

/* text loads; the caller frees the scenario. */
static inline struct scenario *load_ok(const char *text)
{
	struct scn_errors e = { 0 };
	struct scenario *s = load(text, &e);
	cr_assert_not_null(s, "%s: %s", text, e.n ? e.lines[0] : "");
	scn_errors_free(&e);
	return s;
}

#endif
