/* The scenario loader's modules and what they share (not for use outside the loader).
 *
 *   scn_json.c      the generic JSON validator: path, errors and their cap, type checks,
 *                   unknown keys with suggestions, the name index
 *   scn_file.c      reading a file; the checks on its text before cJSON parses it
 *   scn_override.c  --set KEY=VALUE: the dotted path language
 *   scn_l1l2.c, scn_parties.c, scn_channels.c, scn_generate.c, scn_script.c,
 *   scn_workload.c, scn_expect.c   one section each
 *   scn_policy.c    SPEC section 10: forwarding policies, scn_channel_policy, and which
 *                   section-10 feature a file uses (scn_uses_routing)
 *   scn_network.c   the `network` section: graphs imported through tools/import.h
 *   scn_trace.c     a `trace` workload's CSV (CLoTH's payments)
 *   scn_budget.c    what a run would cost (work, memory) and its limits
 *   scenario.c      the top level: the whole file in order, scn_load*, scn_free */
#ifndef L2SIM_TOOLS_SCN_INTERNAL_H
#define L2SIM_TOOLS_SCN_INTERNAL_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

#define MAX_JSON_INT 9007199254740991.0     /* 2^53-1 */
#define MAX_BLOCK ((uint64_t)SCN_MAX_BLOCK) /* a run never goes past block 10^7 */

/* Names to indices in O(1): open addressing over borrowed name pointers, so that a
 * file with many parties, channels or references loads in linear time. */
struct scn_names {
	const char **names;      /* [cap]: NULL = empty slot */
	uint32_t *idx;           /* [cap] */
	size_t cap;              /* a power of two, at least twice the entries */
};
void scn_names_init(struct scn_names *x, size_t entries);
void scn_names_free(struct scn_names *x);
uint32_t scn_names_find(const struct scn_names *x, const char *name);
/* name must not be in x yet; it must outlive x. */
void scn_names_add(struct scn_names *x, const char *name, uint32_t idx);

/* The validation context: the file, the JSON path being checked, the errors. */
struct scn_vctx {
	const char *file;
	struct scn_errors *errs;
	char path[768];
	size_t plen;
	struct scenario *s;
	struct scn_names parties, channels;
	struct scn_names schemes; /* section 11: rollup and sidechain ids (one namespace) */
	size_t nerrs, dropped;   /* problems listed, and those past SCN_MAX_ERRORS */
	double payments;         /* the run's payments so far: counts, workload means */
	double flood_txs;        /* txs x blocks of the floods so far */
	double sig_ops;          /* signature operations so far (signs + verifies) */
	const struct scn_override *ov; /* the overrides, and the path each set (or NULL) */
	size_t nov;
	char **ov_paths;
};

/* ---- scn_json.c ---- */
#define SCN_SHOW_MAX 100u      /* characters of a name, key or value echoed in a message */
#define SCN_NUM_TEXT_MAX 24u   /* a number written longer is shortened in messages */
#define SCN_NUM_EXACT_MAX 15u  /* a number written longer may not print as written (2^53) */
/* Writes text into out (cap bytes) with control characters, C1 controls and bytes that
 * are not UTF-8 escaped (\x1b, \u0085), cut after max_chars characters ("..."); a
 * message built from it cannot move a terminal's cursor or change its title. */
size_t scn_escape(char *out, size_t cap, const char *text, size_t max_chars);
/* scn_escape into one of a few rotating buffers (valid until six more calls). */
const char *scn_show(const char *text, size_t max_chars);
/* scn_escape of all of text, allocated; the caller frees. */
char *scn_escape_dup(const char *text);
/* A number as written in the file or the override, shortened when long, else %.15g. */
const char *scn_num_text(const cJSON *j);
/* Remembers the written text of number j (len bytes at text) when printing its value
 * might not show it: longer than SCN_NUM_EXACT_MAX (18446744073709551615 is the double
 * 18446744073709551616), or not finite (1e999); shortened past SCN_NUM_TEXT_MAX. */
void scn_note_number_text(cJSON *j, const char *text, size_t len);
size_t scn_path_push_key(struct scn_vctx *v, const char *key);
size_t scn_path_push_index(struct scn_vctx *v, size_t i);
void scn_path_pop(struct scn_vctx *v, size_t old);
/* One problem at the current path; past SCN_MAX_ERRORS it is only counted. */
void scn_verr(struct scn_vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same at `where` instead of the path. */
void scn_verr_at(struct scn_vctx *v, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *scn_type_name(const cJSON *j);
unsigned scn_small_edit_distance(const char *a, const char *b);
void scn_check_keys(struct scn_vctx *v, const cJSON *obj, const char *const *allowed);
bool scn_valid_name(const char *s);
/* The checkers report at the current path (the caller pushed the key) and return
 * false (or NULL, or -1) when the value is unusable; *out is then unchanged. */
bool scn_as_uint(struct scn_vctx *v, const cJSON *j, uint64_t min, uint64_t max, uint64_t *out);
bool scn_as_amount(struct scn_vctx *v, const cJSON *j, struct amount *out);
bool scn_as_number(struct scn_vctx *v, const cJSON *j, double min_excl, double max, double *out);
bool scn_as_bool(struct scn_vctx *v, const cJSON *j, bool *out);
const char *scn_as_string(struct scn_vctx *v, const cJSON *j);
int scn_as_choice(struct scn_vctx *v, const cJSON *j, const char *const *choices);
/* The item at obj.key with its path pushed, or NULL (nothing pushed). Pair with scn_leave(). */
const cJSON *scn_enter(struct scn_vctx *v, const cJSON *obj, const char *key, size_t *old);
void scn_leave(struct scn_vctx *v, size_t old);
void scn_require(struct scn_vctx *v, const cJSON *obj, const char *key);
/* Refuses an array longer than max (at the current path); true when it is within. */
bool scn_array_within(struct scn_vctx *v, const cJSON *arr, uint32_t max, const char *what);
/* The elements of arr (an array already checked for its type, size and
 * scn_array_within) as party indices: every name that is no party, or that is listed
 * twice, is an error at its element's path and sets *ok false (its slot SCN_NONE).
 * Returns cJSON_GetArraySize(arr) indices, owned by the caller. */
uint32_t *scn_party_names(struct scn_vctx *v, const cJSON *arr, bool *ok);

/* ---- scn_parties.c, scn_channels.c: references by name ---- */
bool scn_generated_name(const char *name, char prefix, uint32_t count, uint32_t *k);
/* The same with a prefix of any length ("ch" for imported channels). */
bool scn_prefixed_name(const char *name, const char *prefix, uint32_t count, uint32_t *k);
uint32_t scn_find_party(const struct scn_vctx *v, const char *name);
uint32_t scn_find_channel(const struct scn_vctx *v, const char *id);
uint32_t scn_party_ref(struct scn_vctx *v, const cJSON *j);
uint32_t scn_channel_ref(struct scn_vctx *v, const cJSON *j);

static inline uint32_t scn_explicit_parties(const struct scenario *s)
{
	return s->generate.present ? s->generate.first_party
	       : s->network.present ? s->network.first_party : s->nparties;
}

static inline uint32_t scn_explicit_channels(const struct scenario *s)
{
	return s->generate.placed ? s->generate.first_channel
	       : s->network.placed ? s->network.first_channel : s->nchannels;
}

/* ---- the sections, in the order scenario.c loads them ---- */
void scn_load_l1(struct scn_vctx *v, const cJSON *l1);
void scn_load_l2(struct scn_vctx *v, const cJSON *l2);
void scn_load_parties(struct scn_vctx *v, const cJSON *arr);
void scn_load_generate(struct scn_vctx *v, const cJSON *g);
void scn_load_channels(struct scn_vctx *v, const cJSON *arr);
void scn_place_generated(struct scenario *s);
void scn_load_script(struct scn_vctx *v, const cJSON *arr);
void scn_load_workload(struct scn_vctx *v, const cJSON *arr);
void scn_load_expect(struct scn_vctx *v, const cJSON *j);
void scn_check_budget(struct scn_vctx *v);
/* Refuses (false) generated parties and channels whose memory alone is over the
 * limit, before they are allocated. */
bool scn_check_generate_memory(struct scn_vctx *v);

/* ---- scn_policy.c ---- */
/* Records the current path as the file's first section-10 feature (if none yet). */
void scn_note_routing(struct scn_vctx *v);
struct scn_policy scn_policy_default(void);
void scn_load_policy_keys(struct scn_vctx *v, const cJSON *obj, struct scn_policy *p, bool with_min);
void scn_load_channel_policy(struct scn_vctx *v, const cJSON *j, struct scn_channel *ch);

/* ---- scn_network.c ---- */
void scn_load_network(struct scn_vctx *v, const cJSON *n);
void scn_place_network(struct scenario *s);
/* A path from the file relative to the scenario's folder (absolute ones as they are);
 * allocated. */
char *scn_resolve_path(const struct scenario *s, const char *rel);
/* The file string j names, resolved, if it is a regular file of at most max_bytes;
 * else NULL with the problem at the current path. */
char *scn_input_file(struct scn_vctx *v, const cJSON *j, unsigned long long max_bytes);

/* ---- scn_trace.c ---- */
/* Reads the trace CSV of workload w (w->file set); problems at the current path. */
void scn_load_trace(struct scn_vctx *v, struct scn_workload *w);

/* ---- SPEC section 11 ---- */
/* scn_schemes.c: the section's actions (everything after the common at/action), a
 * poisson workload's via and parties, expect.schemes/rollups/sidechains, and which
 * section-11 feature a file uses (scn_note_schemes records the current path). */
void scn_load_scheme_action(struct scn_vctx *v, const cJSON *a, struct scn_action *act);
void scn_load_expect_schemes(struct scn_vctx *v, const cJSON *j);
void scn_load_expect_rollups(struct scn_vctx *v, const cJSON *j);
void scn_load_expect_sidechains(struct scn_vctx *v, const cJSON *j);
void scn_note_schemes(struct scn_vctx *v);
/* After every section: the refusals of section 11 that span sections (l1.block_bytes
 * against the largest peg release). */
void scn_check_schemes(struct scn_vctx *v);
/* A poisson workload's via (j: "channels", "l1", a rollup's or a sidechain's id) into
 * wl->via and via_index; false (problem at the current path) when it names none. */
bool scn_via_ref(struct scn_vctx *v, const cJSON *j, struct scn_workload *wl);
/* scn_expect.c's field readers, for expect.schemes/rollups/sidechains: each reads
 * obj.key (when present) into *o, reporting problems at its path. */
void scn_expect_party_amounts(struct scn_vctx *v, const cJSON *c, uint32_t **parties, struct amount **amounts,
			      uint32_t *n);
void scn_expect_uint(struct scn_vctx *v, const cJSON *obj, const char *key, bool nullable, struct scn_opt *o);
void scn_expect_choice(struct scn_vctx *v, const cJSON *obj, const char *key, const char *const *choices,
		       struct scn_opt *o);
void scn_expect_amount(struct scn_vctx *v, const cJSON *obj, const char *key, struct scn_opt *o);
void scn_free_schemes(struct scenario *s); /* the actions' by[], the expectations */
/* scn_rollup.c: rollups[] (ids go into v->schemes). */
void scn_load_rollups(struct scn_vctx *v, const cJSON *arr);
void scn_free_rollups(struct scenario *s);
/* scn_sidechain.c: sidechains[] (ids go into v->schemes). */
void scn_load_sidechains(struct scn_vctx *v, const cJSON *arr);
void scn_free_sidechains(struct scenario *s);

/* ---- scn_override.c ---- */
/* Applies override number idx to the tree; returns the validator's path of the value it
 * set (allocated), or NULL with the problem in errs. */
char *scn_apply_override(const char *file, cJSON *root, const struct scn_override *ov, size_t idx,
			 struct scn_errors *errs);
/* True when all of text is one JSON value by RFC 8259 (cJSON alone also takes "007",
 * "1abc" as 1 and "+5"). */
bool scn_is_json(const char *text);

/* ---- scn_file.c ---- */
/* Line and column (1-based) of byte offset `off` in text. */
void scn_line_col(const char *text, size_t off, size_t *line, size_t *col);
struct scn_shape {
	bool truncated;          /* the text ends inside a string, object or array */
	size_t numbers_to_note;  /* long numbers, or numbers with an exponent */
};
bool scn_json_shape_ok(const char *text, size_t len, struct scn_shape *sh, size_t *off, const char **why);
/* Pairs the number tokens of text with the number nodes of root (both in document
 * order) and notes the written text of those scn_note_number_text keeps. */
void scn_note_numbers(cJSON *root, const char *text, size_t len);

#endif
