/* The loader's top level: the whole file, section by section, and freeing. */
#include "scenario.h"
#include "scn_internal.h"

#include <stdlib.h>
#include <string.h>

#include "l1sim/util.h"

static const char *const TOP_KEYS[] = { "format", "name", "description", "seed", "l1", "l2", "parties",
					"generate", "network", "channels", "rollups", "sidechains", "script", "workload",
					"until_block", "expect", NULL };
/* ---- the whole file ---- */

static void load_root(struct scn_vctx *v, const cJSON *root)
{
	struct scenario *s = v->s;
	size_t old;
	const cJSON *j;
	if (!cJSON_IsObject(root)) {
		scn_verr(v, "a scenario must be a JSON object (got %s)", scn_type_name(root));
		return;
	}
	scn_check_keys(v, root, TOP_KEYS);
	scn_require(v, root, "format");
	scn_require(v, root, "name");
	if (!cJSON_GetObjectItemCaseSensitive(root, "generate") && !cJSON_GetObjectItemCaseSensitive(root, "network"))
		scn_require(v, root, "parties");
	if ((j = scn_enter(v, root, "format", &old))) {
		const char *f = scn_as_string(v, j);
		if (f && strcmp(f, "l2sim/1") != 0)
			scn_verr(v, "must be \"l2sim/1\" (got \"%s\")", scn_show(f, 40));
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, root, "name", &old))) {
		const char *name = scn_as_string(v, j);
		if (name && !scn_valid_name(name))
			scn_verr(v, "name must match [A-Za-z0-9._-]{1,%u} (got \"%s\")", SCN_MAX_NAME_LEN, scn_show(name, 70));
		else if (name)
			s->name = xstrdup(name);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, root, "description", &old))) {
		const char *d = scn_as_string(v, j);
		if (d && strlen(d) > SCN_MAX_DESCRIPTION_LEN)
			scn_verr(v, "must be at most %u characters (got %zu)", SCN_MAX_DESCRIPTION_LEN, strlen(d));
		else if (d) {
			free(s->description);
			s->description = xstrdup(d);
		}
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, root, "seed", &old))) {
		(void)scn_as_uint(v, j, 0, (uint64_t)MAX_JSON_INT, &s->seed);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, root, "l1", &old))) {
		scn_load_l1(v, j);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, root, "l2", &old))) {
		scn_load_l2(v, j);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, root, "parties", &old))) {
		scn_load_parties(v, j);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, root, "generate", &old))) {
		scn_load_generate(v, j);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, root, "network", &old))) {
		if (cJSON_GetObjectItemCaseSensitive(root, "generate"))
			scn_verr(v, "a scenario takes either generate or network, not both");
		else
			scn_load_network(v, j);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, root, "channels", &old))) {
		scn_load_channels(v, j);
		scn_leave(v, old);
	}
	if (s->generate.present)
		scn_place_generated(s);
	if (s->network.present)
		scn_place_network(s);
	/* Section 11's schemes before the script and workloads that name them; their ids
	 * share one index (a workload's via names either). */
	{
		const cJSON *ra = cJSON_GetObjectItemCaseSensitive(root, "rollups");
		const cJSON *sa = cJSON_GetObjectItemCaseSensitive(root, "sidechains");
		size_t n = (cJSON_IsArray(ra) ? (size_t)cJSON_GetArraySize(ra) : 0) +
			   (cJSON_IsArray(sa) ? (size_t)cJSON_GetArraySize(sa) : 0);
		scn_names_init(&v->schemes, n < 2 * SCN_MAX_SCHEMES ? n : 2 * SCN_MAX_SCHEMES);
	}
	if ((j = scn_enter(v, root, "rollups", &old))) {
		scn_note_schemes(v);
		scn_load_rollups(v, j);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, root, "sidechains", &old))) {
		scn_note_schemes(v);
		scn_load_sidechains(v, j);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, root, "script", &old))) {
		scn_load_script(v, j);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, root, "workload", &old))) {
		scn_load_workload(v, j);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, root, "until_block", &old))) {
		s->has_until_block = scn_as_uint(v, j, 0, MAX_BLOCK, &s->until_block);
		scn_leave(v, old);
	}
	if ((j = scn_enter(v, root, "expect", &old))) {
		scn_load_expect(v, j);
		scn_leave(v, old);
	}
	scn_check_schemes(v);
	scn_check_budget(v);
	/* The whole supply must fit in 64 bits; then no sum of money in the run can overflow. */
	struct amount supply = AMOUNT(0);
	for (uint32_t i = 0; i < s->nparties; i++)
		if (!amount_add_to(&supply, s->parties[i].balance)) {
			size_t o = scn_path_push_key(v, "parties");
			scn_verr(v, "the parties' balances add up to more than 18446744073709551615");
			scn_path_pop(v, o);
			break;
		}
}

static void scenario_defaults(struct scenario *s)
{
	l1_params_default(&s->l1);
	s->seed = 1;
	s->block_interval_s = 600;
	s->latency_ms = 50;
	s->signatures = true;
	s->final_cltv_blocks = 18;
	s->max_attempts = 3;
	s->max_hops = 20;
	s->go_onchain_blocks = 6;
	s->routing = SCN_ROUTING_CHEAPEST;
	s->description = xstrdup("");
}

/* The checks on the text and the parse; NULL with the problem in errs. */
static cJSON *parse(const char *file, const char *text, size_t len, struct scn_errors *errs)
{
	if (len > SCN_MAX_FILE_BYTES) {
		scn_errors_add(errs, "%s: the file has %zu bytes, above the limit of %u MiB", file, len,
			       SCN_MAX_FILE_BYTES >> 20);
		return NULL;
	}
	size_t blank = 0;
	while (blank < len && (text[blank] == ' ' || text[blank] == '\t' || text[blank] == '\n' || text[blank] == '\r'))
		blank++;
	if (blank == len) {
		scn_errors_add(errs, "%s: the file is empty (a scenario is a JSON object)", file);
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		scn_errors_add(errs, "%s: not a text file (it contains a NUL byte)", file);
		return NULL;
	}
	size_t bad_at, line, col;
	const char *why;
	struct scn_shape sh;
	if (!scn_json_shape_ok(text, len, &sh, &bad_at, &why)) {
		scn_line_col(text, bad_at, &line, &col);
		scn_errors_add(errs, "%s: line %zu, column %zu: %s", file, line, col, why);
		return NULL;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!root) {
		size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
		/* cJSON points at the last character of a truncated file: say what happened,
		 * at the end of the file. */
		if (sh.truncated)
			off = len;
		scn_line_col(text, off, &line, &col);
		scn_errors_add(errs, "%s: line %zu, column %zu: not valid JSON%s", file, line, col,
			       off >= len ? " (unexpected end of file)" : "");
		return NULL;
	}
	/* Only white space may follow the value. */
	const char *p = end;
	while (p && p < text + len && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	if (p && p < text + len) {
		scn_line_col(text, (size_t)(p - text), &line, &col);
		scn_errors_add(errs, "%s: line %zu, column %zu: not valid JSON (text after the end of the object)",
			       file, line, col);
		cJSON_Delete(root);
		return NULL;
	}
	if (sh.numbers_to_note)
		scn_note_numbers(root, text, len);
	return root;
}

struct scenario *scn_load_buffer(const char *file, const char *text, size_t len,
				 const struct scn_override *ov, size_t nov, struct scn_errors *errs)
{
	/* The name is printed in every message: no control character may reach a terminal. */
	char *shown = scn_escape_dup(file);
	size_t before = errs->n;
	cJSON *root = parse(shown, text, len, errs);
	if (!root) {
		free(shown);
		return NULL;
	}
	char **ov_paths = xcalloc(nov + 1, sizeof(char *));
	for (size_t i = 0; i < nov; i++)
		ov_paths[i] = scn_apply_override(shown, root, ov, i, errs);
	struct scenario *s = xcalloc(1, sizeof(*s));
	s->file = xstrdup(file);
	scenario_defaults(s);
	struct scn_vctx v = { .file = shown, .errs = errs, .s = s, .ov = ov, .nov = nov, .ov_paths = ov_paths };
	load_root(&v, root);
	cJSON_Delete(root);
	scn_names_free(&v.parties);
	scn_names_free(&v.channels);
	scn_names_free(&v.schemes);
	if (v.dropped)
		scn_errors_add(errs, "%s: ... and %zu more problems not listed", shown, v.dropped);
	for (size_t i = 0; i < nov; i++)
		free(ov_paths[i]);
	free(ov_paths);
	free(shown);
	s->l1.seed = s->seed;
	s->l1.verify_signatures = s->signatures;
	if (errs->n > before) {
		scn_free(s);
		return NULL;
	}
	return s;
}

static void free_opt(struct scn_opt *o)
{
	free(o->s);
}

void scn_free(struct scenario *s)
{
	if (!s)
		return;
	for (uint32_t i = 0; i < s->nparties; i++)
		free(s->parties[i].name);
	free(s->parties);
	for (uint32_t i = 0; i < scn_explicit_channels(s); i++) {
		free(s->channels[i].id);
		free(s->channels[i].parties);
		free(s->channels[i].deposit);
	}
	free(s->channels);
	free(s->generate.members);
	free(s->generate.deposits);
	for (int k = 0; k < 3; k++)
		free(s->network.files[k]);
	free(s->network.channels);
	free(s->routing_feature);
	scn_free_schemes(s); /* before the script: the actions' by[] */
	scn_free_rollups(s);
	scn_free_sidechains(s);
	free(s->schemes_feature);
	free(s->script);
	for (uint32_t i = 0; i < s->nworkload; i++) {
		free(s->workload[i].channels);
		free(s->workload[i].parties);
		free(s->workload[i].file);
		free(s->workload[i].trace);
	}
	free(s->workload);
	struct scn_expect *e = &s->expect;
	free(e->balance_party);
	free(e->balance);
	for (uint32_t i = 0; i < e->nchannels; i++) {
		struct scn_expect_channel *ec = &e->channels[i];
		free_opt(&ec->status);
		free_opt(&ec->close);
		free(ec->payout_party);
		free(ec->payout);
	}
	free(e->channels);
	free(s->file);
	free(s->name);
	free(s->description);
	free(s);
}

uint32_t scn_rollup_index(const struct scenario *s, const char *id)
{
	for (uint32_t i = 0; i < s->nrollups; i++)
		if (strcmp(s->rollups[i].id, id) == 0)
			return i;
	return SCN_NONE;
}

uint32_t scn_sidechain_index(const struct scenario *s, const char *id)
{
	for (uint32_t i = 0; i < s->nsidechains; i++)
		if (strcmp(s->sidechains[i].id, id) == 0)
			return i;
	return SCN_NONE;
}

const char *scn_scheme_id(const struct scenario *s, uint32_t k)
{
	if (k == SCN_SCHEME_L1)
		return "l1";
	if (k == SCN_SCHEME_CHANNELS)
		return "channels";
	k -= 2;
	if (k < s->nrollups)
		return s->rollups[k].id;
	k -= s->nrollups;
	return k < s->nsidechains ? s->sidechains[k].id : "?";
}
