#include "scenario.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "l1sim/rng.h"
#include "l1sim/util.h"

#define MAX_JSON_INT 9007199254740991.0 /* 2^53-1 */
#define STR_(x) #x
#define STR(x) STR_(x)
/* The limits as plain numbers for messages built at compile time. */
#define SCN_MAX_DEPTH_N 32
#define SCN_MAX_JSON_VALUES_N 5000000
_Static_assert(SCN_MAX_DEPTH == SCN_MAX_DEPTH_N && SCN_MAX_JSON_VALUES == SCN_MAX_JSON_VALUES_N,
	       "keep the message numbers in step with scenario.h");

void scn_errors_add(struct scn_errors *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *line = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(line, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (e->n == e->cap)
		e->lines = xreallocarray(e->lines, e->cap = e->cap ? 2 * e->cap : 8, sizeof(char *));
	e->lines[e->n++] = line;
}

void scn_errors_free(struct scn_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->lines[i]);
	free(e->lines);
	e->lines = NULL;
	e->n = e->cap = 0;
}

const char *scn_action_str(enum scn_action_kind k)
{
	static const char *names[] = { "open", "deposit", "pay", "close", "offline", "online",
				       "watchtower", "flood" };
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

/* ---- validation context: the file, the JSON path being checked, the errors ---- */

/* Names to indices in O(1): open addressing over borrowed name pointers, so that a
 * file with many parties, channels or references loads in linear time. */
struct name_index {
	const char **names;      /* [cap]: NULL = empty slot */
	uint32_t *idx;           /* [cap] */
	size_t cap;              /* a power of two, at least twice the entries */
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void name_index_init(struct name_index *x, size_t entries)
{
	x->cap = 16;
	while (x->cap < 2 * entries + 2)
		x->cap *= 2;
	x->names = xcalloc(x->cap, sizeof(*x->names));
	x->idx = xcalloc(x->cap, sizeof(*x->idx));
}

static void name_index_free(struct name_index *x)
{
	free(x->names);
	free(x->idx);
}

static uint32_t name_index_find(const struct name_index *x, const char *name)
{
	if (!x->cap)
		return SCN_NONE;
	for (size_t i = name_hash(name) & (x->cap - 1);; i = (i + 1) & (x->cap - 1)) {
		if (!x->names[i])
			return SCN_NONE;
		if (strcmp(x->names[i], name) == 0)
			return x->idx[i];
	}
}

/* name must not be in x yet; it must outlive x. */
static void name_index_add(struct name_index *x, const char *name, uint32_t idx)
{
	size_t i = name_hash(name) & (x->cap - 1);
	while (x->names[i])
		i = (i + 1) & (x->cap - 1);
	x->names[i] = name;
	x->idx[i] = idx;
}

struct vctx {
	const char *file;
	struct scn_errors *errs;
	char path[768];
	size_t plen;
	struct scenario *s;
	struct name_index parties, channels;
	size_t nerrs, dropped;   /* problems listed, and those past SCN_MAX_ERRORS */
	double payments;         /* the run's payments so far: counts, workload means */
	double flood_txs;        /* txs x blocks of the floods so far */
};

static size_t path_push_key(struct vctx *v, const char *key)
{
	size_t old = v->plen;
	int n = snprintf(v->path + v->plen, sizeof(v->path) - v->plen, "%s%s", v->plen ? "." : "", key);
	if (n > 0)
		v->plen = v->plen + (size_t)n < sizeof(v->path) ? v->plen + (size_t)n : sizeof(v->path) - 1;
	return old;
}

static size_t path_push_index(struct vctx *v, size_t i)
{
	size_t old = v->plen;
	int n = snprintf(v->path + v->plen, sizeof(v->path) - v->plen, "[%zu]", i);
	if (n > 0)
		v->plen = v->plen + (size_t)n < sizeof(v->path) ? v->plen + (size_t)n : sizeof(v->path) - 1;
	return old;
}

static void path_pop(struct vctx *v, size_t old)
{
	v->plen = old;
	v->path[old] = '\0';
}

__attribute__((format(printf, 2, 3))) static void verr(struct vctx *v, const char *fmt, ...)
{
	if (v->nerrs >= SCN_MAX_ERRORS) {
		v->dropped++;
		return;
	}
	v->nerrs++;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	scn_errors_add(v->errs, "%s: %s: %s", v->file, v->plen ? v->path : "(top level)", msg);
}

static const char *type_name(const cJSON *j)
{
	if (cJSON_IsNull(j)) return "null";
	if (cJSON_IsBool(j)) return "a boolean";
	if (cJSON_IsNumber(j)) return "a number";
	if (cJSON_IsString(j)) return "a string";
	if (cJSON_IsArray(j)) return "an array";
	if (cJSON_IsObject(j)) return "an object";
	return "invalid";
}

/* The edit distance of a and b (insertions, deletions, substitutions), or 3 when it
 * is above 2 or either is longer than 64: enough to suggest a key for a typo. */
static unsigned small_edit_distance(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na > 64 || nb > 64 || (na > nb ? na - nb : nb - na) > 2)
		return 3;
	unsigned row[65];
	for (size_t j = 0; j <= nb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= na; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= nb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb] > 2 ? 3 : row[nb];
}

/* Reports keys of obj not in `allowed` (NULL-terminated, at most 32) and keys given
 * twice. O(keys x allowed), so an object with a million unknown keys costs no more
 * than a million errors (of which SCN_MAX_ERRORS are kept). */
static void check_keys(struct vctx *v, const cJSON *obj, const char *const *allowed)
{
	bool seen[32] = { false };
	for (const cJSON *it = obj->child; it; it = it->next) {
		int k = -1;
		for (int a = 0; a < 32 && allowed[a]; a++)
			if (strcmp(allowed[a], it->string) == 0)
				k = a;
		size_t old = path_push_key(v, it->string);
		if (k < 0) {
			/* A near miss gets a suggestion (only for the problems that are listed). */
			const char *near = NULL;
			unsigned best = 3;
			for (int a = 0; v->nerrs < SCN_MAX_ERRORS && a < 32 && allowed[a]; a++) {
				unsigned d = small_edit_distance(it->string, allowed[a]);
				if (d < best) {
					best = d;
					near = allowed[a];
				}
			}
			if (near)
				verr(v, "unknown key \"%.64s\" (did you mean \"%s\"?)", it->string, near);
			else
				verr(v, "unknown key \"%.64s\"", it->string);
		}
		else if (seen[k])
			verr(v, "key given twice");
		else
			seen[k] = true;
		path_pop(v, old);
	}
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > SCN_MAX_NAME_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* The checkers below report at the current path (the caller pushed the key) and
 * return false when the value is unusable. */

static bool as_uint(struct vctx *v, const cJSON *j, uint64_t min, uint64_t max, uint64_t *out)
{
	if (!cJSON_IsNumber(j)) {
		verr(v, "must be a whole number (got %s)", type_name(j));
		return false;
	}
	double d = j->valuedouble;
	if (!isfinite(d) || d != floor(d)) {
		verr(v, "must be a whole number (got %.15g)", d);
		return false;
	}
	if (d < (double)min || d > (double)max || d > MAX_JSON_INT) {
		verr(v, "must be between %llu and %llu (got %.0f)", (unsigned long long)min,
		     (unsigned long long)(max > (uint64_t)MAX_JSON_INT ? (uint64_t)MAX_JSON_INT : max), d);
		return false;
	}
	*out = (uint64_t)d;
	return true;
}

static bool as_amount(struct vctx *v, const cJSON *j, struct amount *out)
{
	if (cJSON_IsString(j)) {
		if (!amount_parse(out, j->valuestring)) {
			verr(v, "amount must be a decimal string from \"0\" to \"18446744073709551615\" (got \"%.40s\")",
			     j->valuestring);
			return false;
		}
		return true;
	}
	if (!cJSON_IsNumber(j)) {
		verr(v, "amount must be a whole number or a decimal string (got %s)", type_name(j));
		return false;
	}
	double d = j->valuedouble;
	if (!isfinite(d) || d != floor(d)) {
		verr(v, "amount must be a whole number (got %.15g)", d);
		return false;
	}
	if (d < 0) {
		verr(v, "amount must not be negative (got %.0f)", d);
		return false;
	}
	if (d > MAX_JSON_INT) {
		verr(v, "amount above 2^53-1 must be written as a decimal string (got %.0f)", d);
		return false;
	}
	out->units = (uint64_t)d;
	return true;
}

static bool as_number(struct vctx *v, const cJSON *j, double min_excl, double max, double *out)
{
	if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble)) {
		verr(v, "must be a number (got %s)", type_name(j));
		return false;
	}
	if (!(j->valuedouble > min_excl) || j->valuedouble > max) {
		verr(v, "must be above %.15g and at most %.15g (got %.15g)", min_excl, max, j->valuedouble);
		return false;
	}
	*out = j->valuedouble;
	return true;
}

static bool as_bool(struct vctx *v, const cJSON *j, bool *out)
{
	if (!cJSON_IsBool(j)) {
		verr(v, "must be true or false (got %s)", type_name(j));
		return false;
	}
	*out = cJSON_IsTrue(j);
	return true;
}

static const char *as_string(struct vctx *v, const cJSON *j)
{
	if (!cJSON_IsString(j)) {
		verr(v, "must be a string (got %s)", type_name(j));
		return NULL;
	}
	return j->valuestring;
}

/* One of `choices` (NULL-terminated); returns its index or -1. */
static int as_choice(struct vctx *v, const cJSON *j, const char *const *choices)
{
	const char *s = as_string(v, j);
	if (!s)
		return -1;
	for (int i = 0; choices[i]; i++)
		if (strcmp(s, choices[i]) == 0)
			return i;
	char list[256] = "";
	for (int i = 0; choices[i]; i++) {
		strncat(list, i ? ", \"" : "\"", sizeof(list) - strlen(list) - 1);
		strncat(list, choices[i], sizeof(list) - strlen(list) - 1);
		strncat(list, "\"", sizeof(list) - strlen(list) - 1);
	}
	verr(v, "must be one of %s (got \"%.40s\")", list, s);
	return -1;
}

/* The item at obj.key with its path pushed, or NULL (nothing pushed). Pair with leave(). */
static const cJSON *enter(struct vctx *v, const cJSON *obj, const char *key, size_t *old)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (j)
		*old = path_push_key(v, key);
	return j;
}

static void leave(struct vctx *v, size_t old)
{
	path_pop(v, old);
}

static void require(struct vctx *v, const cJSON *obj, const char *key)
{
	if (!cJSON_GetObjectItemCaseSensitive(obj, key)) {
		size_t old = path_push_key(v, key);
		verr(v, "required key is missing");
		path_pop(v, old);
	}
}

/* True when `name` is prefix followed by a decimal k < count without leading zeros
 * ("c0", "c17"; not "c017"): a generated name; *k is its number. */
static bool generated_name(const char *name, char prefix, uint32_t count, uint32_t *k)
{
	if (name[0] != prefix || name[1] < '0' || name[1] > '9' || (name[1] == '0' && name[2] != '\0'))
		return false;
	uint64_t v = 0;
	for (const char *p = name + 1; *p; p++) {
		if (*p < '0' || *p > '9' || p - name > 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v >= count)
		return false;
	*k = (uint32_t)v;
	return true;
}

/* A reference to a party or channel by name: an explicit one (through the loader's
 * hash index) or a generated one (p<k>, c<k>). SCN_NONE when neither. */
static uint32_t find_party(const struct vctx *v, const char *name)
{
	uint32_t i = name_index_find(&v->parties, name), k;
	if (i == SCN_NONE && v->s->generate.present && generated_name(name, 'p', v->s->generate.parties, &k))
		i = v->s->generate.first_party + k;
	return i;
}

static uint32_t find_channel(const struct vctx *v, const char *id)
{
	uint32_t i = name_index_find(&v->channels, id), k;
	if (i == SCN_NONE && v->s->generate.placed && generated_name(id, 'c', v->s->generate.channels, &k))
		i = v->s->generate.first_channel + k;
	return i;
}

static uint32_t party_ref(struct vctx *v, const cJSON *j)
{
	const char *name = as_string(v, j);
	if (!name)
		return SCN_NONE;
	uint32_t i = find_party(v, name);
	if (i == SCN_NONE)
		verr(v, "no party named \"%.64s\"", name);
	return i;
}

static uint32_t channel_ref(struct vctx *v, const cJSON *j)
{
	const char *id = as_string(v, j);
	if (!id)
		return SCN_NONE;
	uint32_t i = find_channel(v, id);
	if (i == SCN_NONE)
		verr(v, "no channel with id \"%.64s\"", id);
	return i;
}

static uint32_t explicit_parties(const struct scenario *s)
{
	return s->generate.present ? s->generate.first_party : s->nparties;
}

static uint32_t explicit_channels(const struct scenario *s)
{
	return s->generate.placed ? s->generate.first_channel : s->nchannels;
}

uint32_t scn_party_index(const struct scenario *s, const char *name)
{
	uint32_t k;
	if (s->generate.present && generated_name(name, 'p', s->generate.parties, &k))
		return s->generate.first_party + k;
	for (uint32_t i = 0; i < explicit_parties(s); i++)
		if (s->parties[i].name && strcmp(s->parties[i].name, name) == 0)
			return i;
	return SCN_NONE;
}

uint32_t scn_channel_index(const struct scenario *s, const char *id)
{
	uint32_t k;
	if (s->generate.placed && generated_name(id, 'c', s->generate.channels, &k))
		return s->generate.first_channel + k;
	for (uint32_t i = 0; i < explicit_channels(s); i++)
		if (s->channels[i].id && strcmp(s->channels[i].id, id) == 0)
			return i;
	return SCN_NONE;
}

const char *scn_channel_id(const struct scenario *s, uint32_t ch, char buf[SCN_ID_LEN])
{
	if (!scn_channel_is_generated(s, ch))
		return s->channels[ch].id;
	snprintf(buf, SCN_ID_LEN, "c%u", ch - s->generate.first_channel);
	return buf;
}

uint32_t scn_channel_nparties(const struct scenario *s, uint32_t ch)
{
	return scn_channel_is_generated(s, ch) ? s->generate.channel_size : s->channels[ch].nparties;
}

const uint32_t *scn_channel_parties(const struct scenario *s, uint32_t ch)
{
	if (!scn_channel_is_generated(s, ch))
		return s->channels[ch].parties;
	return s->generate.members + (size_t)(ch - s->generate.first_channel) * s->generate.channel_size;
}

const struct amount *scn_channel_deposits(const struct scenario *s, uint32_t ch)
{
	return scn_channel_is_generated(s, ch) ? s->generate.deposits : s->channels[ch].deposit;
}

/* ---- sections ---- */

static const char *const TOP_KEYS[] = { "format", "name", "description", "seed", "l1", "l2", "parties",
					"generate", "channels", "script", "workload", "until_block", "expect", NULL };
static const char *const L1_KEYS[] = { "block_interval_s", "interval", "block_tx_limit", "confirmations",
				       "fee", "dispute_timeout_blocks", "dispute_rule", NULL };
static const char *const L2_KEYS[] = { "latency_ms", "signatures", NULL };
static const char *const PARTY_KEYS[] = { "name", "balance", "watchtower", "challenge_fee", NULL };
static const char *const CHANNEL_KEYS[] = { "id", "parties", "deposit", NULL };

#define MAX_BLOCK ((uint64_t)SCN_MAX_BLOCK) /* a run never goes past block 10^7 */

/* Refuses an array longer than max (at the current path); true when it is within. */
static bool array_within(struct vctx *v, const cJSON *arr, uint32_t max, const char *what)
{
	int n = cJSON_GetArraySize(arr);
	if (n >= 0 && (unsigned)n <= max)
		return true;
	verr(v, "too many %s: %d, the limit is %u", what, n, max);
	return false;
}

static void load_l1(struct vctx *v, const cJSON *l1)
{
	struct scenario *s = v->s;
	size_t old;
	const cJSON *j;
	if (!cJSON_IsObject(l1)) {
		verr(v, "must be an object (got %s)", type_name(l1));
		return;
	}
	check_keys(v, l1, L1_KEYS);
	if ((j = enter(v, l1, "block_interval_s", &old))) {
		double d;
		if (as_number(v, j, 0, 1e6, &d)) {
			if (llround(d * 1000.0) < 1)
				verr(v, "must be at least 0.001 (the resolution is 1 ms; got %.15g)", d);
			s->block_interval_s = d;
			s->l1.block_interval_ms = (uint64_t)llround(d * 1000.0);
		}
		leave(v, old);
	}
	if ((j = enter(v, l1, "interval", &old))) {
		static const char *const c[] = { "fixed", "exponential", NULL };
		int k = as_choice(v, j, c);
		s->l1.exponential = k == 1;
		leave(v, old);
	}
	uint64_t u;
	if ((j = enter(v, l1, "block_tx_limit", &old))) {
		if (as_uint(v, j, 1, 100000000, &u))
			s->l1.block_tx_limit = (uint32_t)u;
		leave(v, old);
	}
	if ((j = enter(v, l1, "confirmations", &old))) {
		if (as_uint(v, j, 1, 1000000, &u))
			s->l1.confirmations = (uint32_t)u;
		leave(v, old);
	}
	if ((j = enter(v, l1, "fee", &old))) {
		(void)as_amount(v, j, &s->fee);
		leave(v, old);
	}
	if ((j = enter(v, l1, "dispute_timeout_blocks", &old))) {
		if (as_uint(v, j, 0, MAX_BLOCK, &u))
			s->l1.dispute_timeout_blocks = u;
		leave(v, old);
	}
	if ((j = enter(v, l1, "dispute_rule", &old))) {
		static const char *const c[] = { "latest_state", "penalty", NULL };
		int k = as_choice(v, j, c);
		s->l1.dispute_rule = k == 1 ? L1_RULE_PENALTY : L1_RULE_LATEST_STATE;
		leave(v, old);
	}
}

static void load_l2(struct vctx *v, const cJSON *l2)
{
	size_t old;
	const cJSON *j;
	if (!cJSON_IsObject(l2)) {
		verr(v, "must be an object (got %s)", type_name(l2));
		return;
	}
	check_keys(v, l2, L2_KEYS);
	if ((j = enter(v, l2, "latency_ms", &old))) {
		if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble))
			verr(v, "must be a number (got %s)", type_name(j));
		else if (j->valuedouble < 0 || j->valuedouble > 1e9)
			verr(v, "must be from 0 to 1e9 (got %.15g)", j->valuedouble);
		else
			v->s->latency_ms = j->valuedouble;
		leave(v, old);
	}
	if ((j = enter(v, l2, "signatures", &old))) {
		static const char *const c[] = { "ed25519", "off", NULL };
		v->s->signatures = as_choice(v, j, c) != 1;
		leave(v, old);
	}
}

static void load_parties(struct vctx *v, const cJSON *arr)
{
	struct scenario *s = v->s;
	if (!cJSON_IsArray(arr)) {
		verr(v, "must be an array of parties (got %s)", type_name(arr));
		return;
	}
	int n = cJSON_GetArraySize(arr);
	if (n < 1) {
		verr(v, "at least one party is required");
		return;
	}
	if (!array_within(v, arr, SCN_MAX_PARTIES, "parties"))
		return;
	s->parties = xcalloc((size_t)n, sizeof(*s->parties));
	name_index_init(&v->parties, (size_t)n);
	size_t idx = 0;
	for (const cJSON *p = arr->child; p; p = p->next, idx++) {
		size_t o1 = path_push_index(v, idx), old;
		struct scn_party *party = &s->parties[idx];
		const cJSON *j;
		if (!cJSON_IsObject(p)) {
			verr(v, "must be an object (got %s)", type_name(p));
			path_pop(v, o1);
			continue;
		}
		check_keys(v, p, PARTY_KEYS);
		require(v, p, "name");
		if ((j = enter(v, p, "name", &old))) {
			const char *name = as_string(v, j);
			if (name && !valid_name(name))
				verr(v, "name must match [A-Za-z0-9._-]{1,%u} (got \"%.70s\")", SCN_MAX_NAME_LEN, name);
			else if (name && name_index_find(&v->parties, name) != SCN_NONE)
				verr(v, "party name \"%s\" is used twice", name);
			else if (name) {
				party->name = xstrdup(name);
				name_index_add(&v->parties, party->name, (uint32_t)idx);
			}
			leave(v, old);
		}
		if ((j = enter(v, p, "balance", &old))) {
			(void)as_amount(v, j, &party->balance);
			leave(v, old);
		}
		if ((j = enter(v, p, "watchtower", &old))) {
			(void)as_bool(v, j, &party->watchtower);
			leave(v, old);
		}
		if ((j = enter(v, p, "challenge_fee", &old))) {
			party->has_challenge_fee = as_amount(v, j, &party->challenge_fee);
			leave(v, old);
		}
		path_pop(v, o1);
		s->nparties = (uint32_t)idx + 1;
	}
	s->nparties = (uint32_t)n;
}

static void load_channels(struct vctx *v, const cJSON *arr)
{
	struct scenario *s = v->s;
	if (!cJSON_IsArray(arr)) {
		verr(v, "must be an array of channels (got %s)", type_name(arr));
		return;
	}
	if (!array_within(v, arr, SCN_MAX_CHANNELS, "channels"))
		return;
	int n = cJSON_GetArraySize(arr);
	s->channels = xcalloc((size_t)n + 1, sizeof(*s->channels));
	name_index_init(&v->channels, (size_t)n);
	size_t idx = 0;
	for (const cJSON *c = arr->child; c; c = c->next, idx++) {
		size_t o1 = path_push_index(v, idx), old;
		struct scn_channel *ch = &s->channels[idx];
		const cJSON *j;
		uint32_t listed = 0;
		s->nchannels = (uint32_t)idx + 1;
		if (!cJSON_IsObject(c)) {
			verr(v, "must be an object (got %s)", type_name(c));
			path_pop(v, o1);
			continue;
		}
		check_keys(v, c, CHANNEL_KEYS);
		require(v, c, "id");
		require(v, c, "parties");
		if ((j = enter(v, c, "id", &old))) {
			const char *id = as_string(v, j);
			if (id && !valid_name(id))
				verr(v, "id must match [A-Za-z0-9._-]{1,%u} (got \"%.70s\")", SCN_MAX_NAME_LEN, id);
			else if (id && name_index_find(&v->channels, id) != SCN_NONE)
				verr(v, "channel id \"%s\" is used twice", id);
			else if (id && s->generate.present && generated_name(id, 'c', s->generate.channels, &(uint32_t){ 0 }))
				verr(v, "channel id \"%s\" is also the name of a generated channel (generate.channels is %u)",
				     id, s->generate.channels);
			else if (id) {
				ch->id = xstrdup(id);
				name_index_add(&v->channels, ch->id, (uint32_t)idx);
			}
			leave(v, old);
		}
		if ((j = enter(v, c, "parties", &old))) {
			if (!cJSON_IsArray(j)) {
				verr(v, "must be an array of party names (got %s)", type_name(j));
			} else if (!array_within(v, j, SCN_MAX_CHANNEL_PARTIES, "parties in one channel")) {
				/* nothing more to check */
			} else {
				int np = cJSON_GetArraySize(j);
				if (np < 2)
					verr(v, "a channel needs at least 2 parties (got %d)", np);
				listed = (uint32_t)np;
				ch->parties = xcalloc((size_t)np + 1, sizeof(uint32_t));
				ch->deposit = xcalloc((size_t)np + 1, sizeof(struct amount));
				size_t k = 0;
				bool ok = true;
				for (const cJSON *pn = j->child; pn; pn = pn->next, k++) {
					size_t o2 = path_push_index(v, k);
					uint32_t pi = party_ref(v, pn);
					for (size_t m = 0; m < k && pi != SCN_NONE; m++)
						if (ch->parties[m] == pi) {
							verr(v, "party \"%s\" is listed twice", s->parties[pi].name);
							pi = SCN_NONE;
						}
					ok = ok && pi != SCN_NONE;
					ch->parties[k] = pi;
					path_pop(v, o2);
				}
				if (ok && np >= 2)
					ch->nparties = (uint32_t)np;
			}
			leave(v, old);
		}
		if ((j = enter(v, c, "deposit", &old))) {
			if (!cJSON_IsObject(j)) {
				verr(v, "must be an object {party: amount} (got %s)", type_name(j));
			} else {
				bool seen[SCN_MAX_CHANNEL_PARTIES] = { false };
				for (const cJSON *d = j->child; d; d = d->next) {
					size_t o2 = path_push_key(v, d->string);
					uint32_t pi = find_party(v, d->string);
					int at = -1;
					for (uint32_t m = 0; pi != SCN_NONE && m < listed && ch->parties; m++)
						if (ch->parties[m] == pi)
							at = (int)m;
					struct amount a;
					bool good = as_amount(v, d, &a);
					if (at >= 0 && seen[at])
						verr(v, "key given twice");
					else if (pi == SCN_NONE)
						verr(v, "no party named \"%.64s\"", d->string);
					else if (at < 0 && ch->parties)
						verr(v, "\"%s\" is not a party of this channel", d->string);
					else if (good && at >= 0)
						ch->deposit[at] = a;
					if (at >= 0)
						seen[at] = true;
					path_pop(v, o2);
				}
			}
			leave(v, old);
		}
		path_pop(v, o1);
	}
	s->nchannels = (uint32_t)n;
}

static const char *const ACTION_NAMES[] = { "open", "deposit", "pay", "close", "offline", "online",
					    "watchtower", "flood", NULL };
static const char *const *const ACTION_KEYS[] = {
	(const char *const[]){ "at", "action", "channel", NULL },
	(const char *const[]){ "at", "action", "channel", "party", "amount", NULL },
	(const char *const[]){ "at", "action", "channel", "from", "to", "amount", "count", NULL },
	(const char *const[]){ "at", "action", "channel", "by", "mode", "state", "tamper", NULL },
	(const char *const[]){ "at", "action", "party", "blocks", NULL },
	(const char *const[]){ "at", "action", "party", NULL },
	(const char *const[]){ "at", "action", "party", "enabled", NULL },
	(const char *const[]){ "at", "action", "by", "txs", "fee", "blocks", NULL },
};
/* Keys each action requires besides at and action. */
static const char *const *const ACTION_REQUIRED[] = {
	(const char *const[]){ "channel", NULL },
	(const char *const[]){ "channel", "party", "amount", NULL },
	(const char *const[]){ "channel", "from", "to", "amount", NULL },
	(const char *const[]){ "channel", "by", NULL },
	(const char *const[]){ "party", NULL },
	(const char *const[]){ "party", NULL },
	(const char *const[]){ "party", "enabled", NULL },
	(const char *const[]){ "by", "txs", "fee", "blocks", NULL },
};


static void load_action(struct vctx *v, const cJSON *a, struct scn_action *act)
{
	size_t old;
	const cJSON *j;
	uint64_t u;
	require(v, a, "at");
	require(v, a, "action");
	if ((j = enter(v, a, "at", &old))) {
		(void)as_uint(v, j, 0, MAX_BLOCK, &act->at);
		leave(v, old);
	}
	int kind = -1;
	if ((j = enter(v, a, "action", &old))) {
		kind = as_choice(v, j, ACTION_NAMES);
		leave(v, old);
	}
	if (kind < 0) {
		/* Without a known action only the common keys can be checked. */
		static const char *const common[] = { "at", "action", "channel", "party", "from", "to", "amount",
						      "count", "by", "mode", "state", "tamper", "blocks", "enabled",
						      "txs", "fee", NULL };
		check_keys(v, a, common);
		return;
	}
	act->kind = (enum scn_action_kind)kind;
	check_keys(v, a, ACTION_KEYS[kind]);
	for (const char *const *r = ACTION_REQUIRED[kind]; *r; r++)
		require(v, a, *r);
	act->channel = act->party = act->to = SCN_NONE;
	act->count = 1;
	act->state = SCN_LATEST;
	if ((j = enter(v, a, "channel", &old))) {
		act->channel = channel_ref(v, j);
		leave(v, old);
	}
	static const char *const party_keys[] = { "party", "from", "by", NULL };
	for (const char *const *k = party_keys; *k; k++)
		if ((j = enter(v, a, *k, &old))) {
			act->party = party_ref(v, j);
			leave(v, old);
		}
	if ((j = enter(v, a, "to", &old))) {
		act->to = party_ref(v, j);
		leave(v, old);
	}
	if ((j = enter(v, a, "amount", &old))) {
		if (as_amount(v, j, &act->amount) && kind == SCN_PAY && act->amount.units == 0)
			verr(v, "a payment must be at least 1");
		leave(v, old);
	}
	if ((j = enter(v, a, "count", &old))) {
		if (as_uint(v, j, 1, (uint64_t)MAX_JSON_INT, &u) && u > SCN_MAX_PAY_COUNT)
			verr(v, "at most %u payments per pay action (got %llu); use a workload for more",
			     SCN_MAX_PAY_COUNT, (unsigned long long)u);
		else
			act->count = u;
		leave(v, old);
	}
	if ((j = enter(v, a, "txs", &old))) {
		if (as_uint(v, j, 1, (uint64_t)MAX_JSON_INT, &u) && u > SCN_MAX_FLOOD_TXS)
			verr(v, "at most %u txs per flood batch (got %llu)", SCN_MAX_FLOOD_TXS, (unsigned long long)u);
		else
			act->count = u;
		leave(v, old);
	}
	if ((j = enter(v, a, "mode", &old))) {
		static const char *const c[] = { "cooperative", "unilateral", NULL };
		act->unilateral = as_choice(v, j, c) == 1;
		leave(v, old);
	}
	if ((j = enter(v, a, "state", &old))) {
		if (cJSON_IsString(j) && strcmp(j->valuestring, "latest") == 0)
			act->state = SCN_LATEST;
		else if (cJSON_IsString(j))
			verr(v, "must be a sequence number or \"latest\" (got \"%.40s\")", j->valuestring);
		else if (as_uint(v, j, 0, (uint64_t)MAX_JSON_INT, &u))
			act->state = u;
		leave(v, old);
	}
	if ((j = enter(v, a, "tamper", &old))) {
		if (as_bool(v, j, &act->tamper) && act->tamper && !act->unilateral)
			verr(v, "tamper applies to unilateral closes only (add \"mode\": \"unilateral\")");
		leave(v, old);
	}
	if (kind == SCN_CLOSE && !act->unilateral && act->state != SCN_LATEST &&
	    cJSON_GetObjectItemCaseSensitive(a, "state")) {
		size_t o = path_push_key(v, "state");
		verr(v, "a cooperative close always signs a new final state; state applies to unilateral closes only");
		path_pop(v, o);
	}
	if ((j = enter(v, a, "blocks", &old))) {
		act->has_blocks = as_uint(v, j, 1, MAX_BLOCK, &act->blocks);
		leave(v, old);
	}
	if ((j = enter(v, a, "enabled", &old))) {
		(void)as_bool(v, j, &act->enabled);
		leave(v, old);
	}
	if ((j = enter(v, a, "fee", &old))) {
		(void)as_amount(v, j, &act->fee);
		leave(v, old);
	}
}

static void load_script(struct vctx *v, const cJSON *arr)
{
	struct scenario *s = v->s;
	if (!cJSON_IsArray(arr)) {
		verr(v, "must be an array of actions (got %s)", type_name(arr));
		return;
	}
	if (!array_within(v, arr, SCN_MAX_SCRIPT, "script actions"))
		return;
	int n = cJSON_GetArraySize(arr);
	s->script = xcalloc((size_t)n + 1, sizeof(*s->script));
	size_t idx = 0;
	for (const cJSON *a = arr->child; a; a = a->next, idx++) {
		size_t o1 = path_push_index(v, idx);
		if (!cJSON_IsObject(a))
			verr(v, "must be an object (got %s)", type_name(a));
		else
			load_action(v, a, &s->script[idx]);
		path_pop(v, o1);
	}
	s->nscript = (uint32_t)n;
}

static const char *const WORKLOAD_KEYS[] = { "kind", "rate_per_s", "channels", "from_block", "to_block",
					     "amount", NULL };

static void load_workload(struct vctx *v, const cJSON *arr)
{
	struct scenario *s = v->s;
	if (!cJSON_IsArray(arr)) {
		verr(v, "must be an array of workloads (got %s)", type_name(arr));
		return;
	}
	if (!array_within(v, arr, SCN_MAX_WORKLOADS, "workloads"))
		return;
	int n = cJSON_GetArraySize(arr);
	s->workload = xcalloc((size_t)n + 1, sizeof(*s->workload));
	size_t idx = 0;
	for (const cJSON *w = arr->child; w; w = w->next, idx++) {
		size_t o1 = path_push_index(v, idx), old;
		struct scn_workload *wl = &s->workload[idx];
		const cJSON *j;
		s->nworkload = (uint32_t)idx + 1;
		if (!cJSON_IsObject(w)) {
			verr(v, "must be an object (got %s)", type_name(w));
			path_pop(v, o1);
			continue;
		}
		check_keys(v, w, WORKLOAD_KEYS);
		static const char *const req[] = { "kind", "rate_per_s", "channels", "from_block", "to_block", "amount", NULL };
		for (const char *const *r = req; *r; r++)
			require(v, w, *r);
		if ((j = enter(v, w, "kind", &old))) {
			static const char *const c[] = { "poisson", NULL };
			(void)as_choice(v, j, c);
			leave(v, old);
		}
		if ((j = enter(v, w, "rate_per_s", &old))) {
			(void)as_number(v, j, 0, 1e8, &wl->rate_per_s);
			leave(v, old);
		}
		if ((j = enter(v, w, "channels", &old))) {
			if (cJSON_IsString(j) && strcmp(j->valuestring, "all") == 0) {
				wl->all_channels = true;
			} else if (cJSON_IsArray(j) && cJSON_GetArraySize(j) > 0 &&
				   array_within(v, j, SCN_MAX_CHANNELS, "channel ids")) {
				int nc = cJSON_GetArraySize(j);
				wl->channels = xcalloc((size_t)nc, sizeof(uint32_t));
				size_t k = 0;
				for (const cJSON *c = j->child; c; c = c->next, k++) {
					size_t o2 = path_push_index(v, k);
					wl->channels[k] = channel_ref(v, c);
					path_pop(v, o2);
				}
				wl->nchannels = (uint32_t)nc;
			} else if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) == 0) {
				verr(v, "must be \"all\" or a non-empty array of channel ids (got %s)", type_name(j));
			}
			leave(v, old);
		}
		if ((j = enter(v, w, "from_block", &old))) {
			(void)as_uint(v, j, 0, MAX_BLOCK, &wl->from_block);
			leave(v, old);
		}
		if ((j = enter(v, w, "to_block", &old))) {
			if (as_uint(v, j, 0, MAX_BLOCK, &wl->to_block) && wl->to_block < wl->from_block)
				verr(v, "must not be before from_block (%llu)", (unsigned long long)wl->from_block);
			leave(v, old);
		}
		if ((j = enter(v, w, "amount", &old))) {
			if (!cJSON_IsObject(j)) {
				verr(v, "must be an object {\"min\": amount, \"max\": amount} (got %s)", type_name(j));
			} else {
				static const char *const k[] = { "min", "max", NULL };
				check_keys(v, j, k);
				require(v, j, "min");
				require(v, j, "max");
				size_t o2;
				const cJSON *m;
				bool okmin = false, okmax = false;
				if ((m = enter(v, j, "min", &o2))) {
					okmin = as_amount(v, m, &wl->min);
					if (okmin && wl->min.units == 0)
						verr(v, "a payment must be at least 1");
					leave(v, o2);
				}
				if ((m = enter(v, j, "max", &o2))) {
					okmax = as_amount(v, m, &wl->max);
					if (okmin && okmax && wl->max.units < wl->min.units)
						verr(v, "must not be below min");
					leave(v, o2);
				}
			}
			leave(v, old);
		}
		path_pop(v, o1);
	}
	s->nworkload = (uint32_t)n;
}


/* ---- generate: large synthetic networks ---- */

static const char *const GENERATE_KEYS[] = { "parties", "channels", "channel_size", "balance", "deposit",
					     "open_at", "in_report", NULL };

/* Reads the section and appends the generated parties (their names are needed by the
 * channels and the script that follow); the channels are placed by place_generated. */
static void load_generate(struct vctx *v, const cJSON *g)
{
	struct scenario *s = v->s;
	struct scn_generate *gen = &s->generate;
	size_t old;
	const cJSON *j;
	uint64_t u;
	bool ok = true;
	if (!cJSON_IsObject(g)) {
		verr(v, "must be an object (got %s)", type_name(g));
		return;
	}
	check_keys(v, g, GENERATE_KEYS);
	require(v, g, "parties");
	require(v, g, "channels");
	ok = cJSON_GetObjectItemCaseSensitive(g, "parties") && cJSON_GetObjectItemCaseSensitive(g, "channels");
	gen->channel_size = 2;
	if ((j = enter(v, g, "parties", &old))) {
		if (as_uint(v, j, 1, SCN_MAX_GENERATED, &u))
			gen->parties = (uint32_t)u;
		else
			ok = false;
		leave(v, old);
	}
	if ((j = enter(v, g, "channels", &old))) {
		if (as_uint(v, j, 0, SCN_MAX_GENERATED, &u))
			gen->channels = (uint32_t)u;
		else
			ok = false;
		leave(v, old);
	}
	if ((j = enter(v, g, "channel_size", &old))) {
		if (as_uint(v, j, 2, SCN_MAX_CHANNEL_PARTIES, &u))
			gen->channel_size = (uint32_t)u;
		else
			ok = false;
		leave(v, old);
	}
	if (ok && gen->channels > 0 && gen->parties < gen->channel_size) {
		size_t o = path_push_key(v, "parties");
		verr(v, "a channel needs %u distinct parties, so at least %u parties must be generated (got %u)",
		     gen->channel_size, gen->channel_size, gen->parties);
		path_pop(v, o);
		ok = false;
	}
	if ((j = enter(v, g, "balance", &old))) {
		ok = as_amount(v, j, &gen->balance) && ok;
		leave(v, old);
	}
	if ((j = enter(v, g, "deposit", &old))) {
		ok = as_amount(v, j, &gen->deposit) && ok;
		leave(v, old);
	}
	if ((j = enter(v, g, "open_at", &old))) {
		ok = as_uint(v, j, 0, MAX_BLOCK, &gen->open_at) && ok;
		leave(v, old);
	}
	if ((j = enter(v, g, "in_report", &old))) {
		ok = as_bool(v, j, &gen->in_report) && ok;
		leave(v, old);
	}
	if (!ok)
		return;
	/* Explicit parties come first; none may take a generated name. */
	uint32_t nexp = s->nparties;
	for (uint32_t i = 0; i < nexp; i++) {
		uint32_t k;
		if (s->parties[i].name && generated_name(s->parties[i].name, 'p', gen->parties, &k))
			scn_errors_add(v->errs, "%s: parties[%u].name: \"%s\" is also the name of a generated party "
				       "(generate.parties is %u)", v->file, i, s->parties[i].name, gen->parties);
	}
	s->parties = xreallocarray(s->parties, (size_t)nexp + gen->parties, sizeof(*s->parties));
	for (uint32_t k = 0; k < gen->parties; k++) {
		char name[16];
		snprintf(name, sizeof(name), "p%u", k);
		s->parties[nexp + k] = (struct scn_party){ .name = xstrdup(name), .balance = gen->balance };
	}
	gen->first_party = nexp;
	s->nparties = nexp + gen->parties;
	gen->present = true;
}

/* Places the generated channels after the explicit ones: c_k joins channel_size
 * distinct parties drawn uniformly with the scenario's seeded generator (its own
 * stream), channel after channel, member after member. */
static void place_generated(struct scenario *s)
{
	struct scn_generate *gen = &s->generate;
	size_t size = gen->channel_size;
	gen->members = xcalloc((size_t)gen->channels * size + 1, sizeof(uint32_t));
	gen->deposits = xcalloc(size, sizeof(struct amount));
	for (size_t i = 0; i < size; i++)
		gen->deposits[i] = gen->deposit;
	struct rng g;
	rng_init(&g, s->seed, 0x47454e00u /* "GEN" */);
	for (size_t k = 0; k < gen->channels; k++) {
		uint32_t *m = gen->members + k * size;
		for (size_t i = 0; i < size; i++) {
			bool dup;
			do {
				m[i] = gen->first_party + (uint32_t)rng_below(&g, gen->parties);
				dup = false;
				for (size_t j = 0; j < i; j++)
					dup = dup || m[j] == m[i];
			} while (dup);
		}
	}
	gen->first_channel = s->nchannels;
	s->nchannels += gen->channels;
	gen->placed = true;
}

/* ---- expect ---- */

static void opt_uint(struct vctx *v, const cJSON *obj, const char *key, bool nullable, struct scn_opt *o)
{
	size_t old;
	const cJSON *j = enter(v, obj, key, &old);
	if (!j)
		return;
	o->present = true;
	if (nullable && cJSON_IsNull(j))
		o->is_null = true;
	else
		(void)as_uint(v, j, 0, (uint64_t)MAX_JSON_INT, &o->u);
	leave(v, old);
}

static void opt_choice(struct vctx *v, const cJSON *obj, const char *key, const char *const *choices,
		       struct scn_opt *o)
{
	size_t old;
	const cJSON *j = enter(v, obj, key, &old);
	if (!j)
		return;
	o->present = true;
	if (cJSON_IsNull(j))
		o->is_null = true;
	else if (as_choice(v, j, choices) >= 0)
		o->s = xstrdup(j->valuestring);
	leave(v, old);
}

/* An object {party name: amount}: every name must be a party, given once. */
static void party_amounts(struct vctx *v, const cJSON *c, uint32_t **parties, struct amount **amounts,
			  uint32_t *n)
{
	if (!cJSON_IsObject(c)) {
		verr(v, "must be an object {party: amount} (got %s)", type_name(c));
		return;
	}
	/* Only parties' names are kept, each once: at most nparties entries. */
	uint32_t np = v->s->nparties;
	*parties = xcalloc((size_t)np + 1, sizeof(uint32_t));
	*amounts = xcalloc((size_t)np + 1, sizeof(struct amount));
	bool *seen = xcalloc((size_t)np + 1, sizeof(bool));
	for (const cJSON *p = c->child; p; p = p->next) {
		size_t old = path_push_key(v, p->string);
		uint32_t pi = find_party(v, p->string);
		struct amount a;
		if (pi == SCN_NONE)
			verr(v, "no party named \"%.64s\"", p->string);
		else if (seen[pi])
			verr(v, "key given twice");
		else if (as_amount(v, p, &a)) {
			(*parties)[*n] = pi;
			(*amounts)[(*n)++] = a;
		}
		if (pi != SCN_NONE)
			seen[pi] = true;
		path_pop(v, old);
	}
	free(seen);
}

static void load_expect_channel(struct vctx *v, const cJSON *j, struct scn_expect_channel *ec)
{
	static const char *const keys[] = { "status", "close", "challenged", "latest_seq", "registered_seq",
					    "settled_block", "payouts", NULL };
	static const char *const statuses[] = { "none", "opening", "open", "closing", "closed", NULL };
	static const char *const closes[] = { "cooperative", "unilateral", NULL };
	if (!cJSON_IsObject(j)) {
		verr(v, "must be an object (got %s)", type_name(j));
		return;
	}
	check_keys(v, j, keys);
	opt_choice(v, j, "status", statuses, &ec->status);
	opt_choice(v, j, "close", closes, &ec->close);
	size_t old;
	const cJSON *c;
	if ((c = enter(v, j, "challenged", &old))) {
		ec->challenged.present = true;
		bool b = false;
		if (cJSON_IsNull(c))
			ec->challenged.is_null = true;
		else if (as_bool(v, c, &b))
			ec->challenged.u = b;
		leave(v, old);
	}
	opt_uint(v, j, "latest_seq", true, &ec->latest_seq);
	opt_uint(v, j, "registered_seq", true, &ec->registered_seq);
	opt_uint(v, j, "settled_block", true, &ec->settled_block);
	if ((c = enter(v, j, "payouts", &old))) {
		ec->has_payouts = true;
		if (cJSON_IsNull(c)) {
			ec->payouts_null = true;
		} else {
			party_amounts(v, c, &ec->payout_party, &ec->payout, &ec->npayouts);
		}
		leave(v, old);
	}
}

static void load_expect(struct vctx *v, const cJSON *j)
{
	static const char *const keys[] = { "l1_balances", "payments", "security_violations", "throughput_gain",
					    "channels", NULL };
	struct scenario *s = v->s;
	struct scn_expect *e = &s->expect;
	if (!cJSON_IsObject(j)) {
		verr(v, "must be an object (got %s)", type_name(j));
		return;
	}
	e->present = true;
	check_keys(v, j, keys);
	size_t old;
	const cJSON *c;
	if ((c = enter(v, j, "l1_balances", &old))) {
		party_amounts(v, c, &e->balance_party, &e->balance, &e->nbalances);
		leave(v, old);
	}
	if ((c = enter(v, j, "payments", &old))) {
		static const char *const k[] = { "ok", "failed", NULL };
		if (!cJSON_IsObject(c))
			verr(v, "must be an object {\"ok\": n, \"failed\": n} (got %s)", type_name(c));
		else {
			check_keys(v, c, k);
			opt_uint(v, c, "ok", false, &e->payments_ok);
			opt_uint(v, c, "failed", false, &e->payments_failed);
		}
		leave(v, old);
	}
	opt_uint(v, j, "security_violations", false, &e->security_violations);
	if ((c = enter(v, j, "throughput_gain", &old))) {
		static const char *const k[] = { "min", "max", NULL };
		if (!cJSON_IsObject(c))
			verr(v, "must be an object {\"min\": x, \"max\": y} (got %s)", type_name(c));
		else {
			check_keys(v, c, k);
			size_t o2;
			const cJSON *m;
			if ((m = enter(v, c, "min", &o2))) {
				e->has_gain_min = as_number(v, m, -1e300, 1e300, &e->gain_min);
				leave(v, o2);
			}
			if ((m = enter(v, c, "max", &o2))) {
				e->has_gain_max = as_number(v, m, -1e300, 1e300, &e->gain_max);
				leave(v, o2);
			}
		}
		leave(v, old);
	}
	if ((c = enter(v, j, "channels", &old))) {
		if (!cJSON_IsObject(c)) {
			verr(v, "must be an object {channel id: fields} (got %s)", type_name(c));
		} else {
			/* Each channel once: at most nchannels entries. */
			e->channels = xcalloc((size_t)s->nchannels + 1, sizeof(*e->channels));
			bool *seen = xcalloc((size_t)s->nchannels + 1, sizeof(bool));
			for (const cJSON *ch = c->child; ch; ch = ch->next) {
				size_t o2 = path_push_key(v, ch->string);
				uint32_t ci = find_channel(v, ch->string);
				if (ci == SCN_NONE) {
					verr(v, "no channel with id \"%.64s\"", ch->string);
				} else if (seen[ci]) {
					verr(v, "key given twice");
				} else {
					seen[ci] = true;
					struct scn_expect_channel *ec = &e->channels[e->nchannels++];
					ec->channel = ci;
					load_expect_channel(v, ch, ec);
				}
				path_pop(v, o2);
			}
			free(seen);
		}
		leave(v, old);
	}
}

/* ---- what a run would cost ---- */

/* Payments and flood txs are the work a file can ask for without being large: a count,
 * a rate, a number of blocks. Their totals are bounded so that every run ends and its
 * mempool fits in memory (SCN_MAX_PAYMENTS, SCN_MAX_FLOOD_TOTAL; docs/security.md).
 * Workload payments are counted by their mean, rate x interval x blocks, up to
 * until_block when the run stops there. Each limit is reported once, at the entry
 * that crosses it. */
static void check_budget(struct vctx *v)
{
	const struct scenario *s = v->s;
	double limit = s->signatures ? SCN_MAX_SIGNED_PAYMENTS : SCN_MAX_PAYMENTS;
	const char *sig = s->signatures ? "\"ed25519\"" : "\"off\"";
	bool pay_over = false, flood_over = false;
	size_t o = path_push_key(v, "script");
	for (uint32_t i = 0; i < s->nscript; i++) {
		const struct scn_action *a = &s->script[i];
		size_t o1 = path_push_index(v, i);
		size_t o2 = path_push_key(v, a->kind == SCN_FLOOD ? "txs" : "count");
		if (a->kind == SCN_PAY) {
			v->payments += (double)a->count;
			if (!pay_over && v->payments > limit) {
				pay_over = true;
				verr(v, "the run would make %.0f payments up to here, above the limit of %.0f with l2.signatures %s",
				     v->payments, limit, sig);
			}
		}
		if (a->kind == SCN_FLOOD) {
			v->flood_txs += (double)a->count * (double)a->blocks;
			if (!flood_over && v->flood_txs > SCN_MAX_FLOOD_TOTAL) {
				flood_over = true;
				verr(v, "floods would submit %.0f txs (txs x blocks) up to here, above the limit of %.0f",
				     v->flood_txs, SCN_MAX_FLOOD_TOTAL);
			}
		}
		path_pop(v, o2);
		path_pop(v, o1);
	}
	path_pop(v, o);
	o = path_push_key(v, "workload");
	for (uint32_t i = 0; i < s->nworkload; i++) {
		const struct scn_workload *w = &s->workload[i];
		size_t o1 = path_push_index(v, i);
		size_t o2 = path_push_key(v, "rate_per_s");
		double per_block = w->rate_per_s * s->block_interval_s;
		uint64_t to = s->has_until_block && s->until_block < w->to_block ? s->until_block : w->to_block;
		double blocks = to > w->from_block ? (double)(to - w->from_block) : 0;
		if (per_block > SCN_MAX_BLOCK_PAYMENTS) {
			verr(v, "%.15g per second x l1.block_interval_s %.15g = %.0f payments per block, above the limit of %.0f",
			     w->rate_per_s, s->block_interval_s, per_block, SCN_MAX_BLOCK_PAYMENTS);
		}
		v->payments += per_block * blocks;
		if (!pay_over && v->payments > limit) {
			pay_over = true;
			verr(v, "the run would make about %.0f payments up to here (workload means: rate x interval x blocks), above the limit of %.0f with l2.signatures %s",
			     v->payments, limit, sig);
		}
		path_pop(v, o2);
		path_pop(v, o1);
	}
	path_pop(v, o);
}

/* ---- the whole file ---- */

static void load_root(struct vctx *v, const cJSON *root)
{
	struct scenario *s = v->s;
	size_t old;
	const cJSON *j;
	if (!cJSON_IsObject(root)) {
		verr(v, "a scenario must be a JSON object (got %s)", type_name(root));
		return;
	}
	check_keys(v, root, TOP_KEYS);
	require(v, root, "format");
	require(v, root, "name");
	if (!cJSON_GetObjectItemCaseSensitive(root, "generate"))
		require(v, root, "parties");
	if ((j = enter(v, root, "format", &old))) {
		const char *f = as_string(v, j);
		if (f && strcmp(f, "l2sim/1") != 0)
			verr(v, "must be \"l2sim/1\" (got \"%.40s\")", f);
		leave(v, old);
	}
	if ((j = enter(v, root, "name", &old))) {
		const char *name = as_string(v, j);
		if (name && !valid_name(name))
			verr(v, "name must match [A-Za-z0-9._-]{1,%u} (got \"%.70s\")", SCN_MAX_NAME_LEN, name);
		else if (name)
			s->name = xstrdup(name);
		leave(v, old);
	}
	if ((j = enter(v, root, "description", &old))) {
		const char *d = as_string(v, j);
		if (d && strlen(d) > SCN_MAX_DESCRIPTION_LEN)
			verr(v, "must be at most %u characters (got %zu)", SCN_MAX_DESCRIPTION_LEN, strlen(d));
		else if (d) {
			free(s->description);
			s->description = xstrdup(d);
		}
		leave(v, old);
	}
	if ((j = enter(v, root, "seed", &old))) {
		(void)as_uint(v, j, 0, (uint64_t)MAX_JSON_INT, &s->seed);
		leave(v, old);
	}
	if ((j = enter(v, root, "l1", &old))) {
		load_l1(v, j);
		leave(v, old);
	}
	if ((j = enter(v, root, "l2", &old))) {
		load_l2(v, j);
		leave(v, old);
	}
	if ((j = enter(v, root, "parties", &old))) {
		load_parties(v, j);
		leave(v, old);
	}
	if ((j = enter(v, root, "generate", &old))) {
		load_generate(v, j);
		leave(v, old);
	}
	if ((j = enter(v, root, "channels", &old))) {
		load_channels(v, j);
		leave(v, old);
	}
	if (s->generate.present)
		place_generated(s);
	if ((j = enter(v, root, "script", &old))) {
		load_script(v, j);
		leave(v, old);
	}
	if ((j = enter(v, root, "workload", &old))) {
		load_workload(v, j);
		leave(v, old);
	}
	if ((j = enter(v, root, "until_block", &old))) {
		s->has_until_block = as_uint(v, j, 0, MAX_BLOCK, &s->until_block);
		leave(v, old);
	}
	if ((j = enter(v, root, "expect", &old))) {
		load_expect(v, j);
		leave(v, old);
	}
	check_budget(v);
	/* The whole supply must fit in 64 bits; then no sum of money in the run can overflow. */
	struct amount supply = AMOUNT(0);
	for (uint32_t i = 0; i < s->nparties; i++)
		if (!amount_add_to(&supply, s->parties[i].balance)) {
			size_t o = path_push_key(v, "parties");
			verr(v, "the parties' balances add up to more than 18446744073709551615");
			path_pop(v, o);
			break;
		}
}

/* Line and column (1-based) of byte offset `off` in text. */
static void line_col(const char *text, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static bool is_scalar(const cJSON *j)
{
	return !cJSON_IsObject(j) && !cJSON_IsArray(j);
}

/* Finds the element of an array named by `seg`: an index, or the element whose
 * "name" (parties) or "id" (channels) is seg. */
static cJSON *array_member(cJSON *arr, const char *seg)
{
	char *end;
	errno = 0;
	unsigned long idx = strtoul(seg, &end, 10);
	if (*seg >= '0' && *seg <= '9' && *end == '\0' && errno == 0)
		return idx < (unsigned long)cJSON_GetArraySize(arr) ? cJSON_GetArrayItem(arr, (int)idx) : NULL;
	for (cJSON *e = arr->child; e; e = e->next) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "name");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
		if ((cJSON_IsString(n) && strcmp(n->valuestring, seg) == 0) ||
		    (cJSON_IsString(id) && strcmp(id->valuestring, seg) == 0))
			return e;
	}
	return NULL;
}

/* The member of an object (by key) or of an array (array_member) named seg, or NULL. */
static cJSON *member(cJSON *cur, const char *seg)
{
	if (cJSON_IsObject(cur))
		return cJSON_GetObjectItemCaseSensitive(cur, seg);
	if (cJSON_IsArray(cur))
		return array_member(cur, seg);
	return NULL;
}

/* Segments i..j of a split key are contiguous in one buffer, each ended by the NUL
 * that replaced its dot: joined puts the dots back (segs[i] then names the run),
 * !joined splits them again. */
static void join_segs(char **segs, size_t i, size_t j, bool joined)
{
	for (size_t k = i + 1; k <= j; k++)
		segs[k][-1] = joined ? '.' : '\0';
}

static void apply_override(const char *file, cJSON *root, const struct scn_override *o,
			   struct scn_errors *errs)
{
	char *key = xstrdup(o->key);
	char *segs[64];
	size_t n = 0;
	bool bad = key[0] == '\0';
	for (char *p = key, *start = key; !bad; p++) {
		if (*p == '.' || *p == '\0') {
			bool last = *p == '\0';
			*p = '\0';
			if (*start == '\0' || n == 64)
				bad = true;
			else
				segs[n++] = start;
			start = p + 1;
			if (last)
				break;
		}
	}
	if (bad || !cJSON_IsObject(root)) {
		scn_errors_add(errs, "%s: --set %s: not a dotted path like l1.fee or parties.alice.balance",
			       file, o->key);
		free(key);
		return;
	}
	cJSON *value = cJSON_Parse(o->value);
	if (!value)
		value = cJSON_CreateString(o->value);
	if (!value)
		fatal_invariant("out of memory");
	if (!is_scalar(value)) {
		scn_errors_add(errs, "%s: --set %s: only a scalar (number, string, boolean, null) can be set",
			       file, o->key);
		goto out;
	}
	/* Names may contain dots (bob.2), so a step may span several segments: at each
	 * level the longest run of segments that names something wins, and a run that
	 * reaches the end names the scalar to set. */
	cJSON *cur = root;
	size_t i = 0;
	while (i + 1 < n) {
		if (cJSON_IsObject(cur) || cJSON_IsArray(cur)) {
			join_segs(segs, i, n - 1, true);
			cJSON *whole = member(cur, segs[i]);
			join_segs(segs, i, n - 1, false);
			if (whole && is_scalar(whole))
				break;
		}
		cJSON *next = NULL;
		size_t j = n - 1;
		while (!next && j-- > i) {
			join_segs(segs, i, j, true);
			next = member(cur, segs[i]);
			join_segs(segs, i, j, false);
		}
		if (!next && cJSON_IsObject(cur) && cur == root && (strcmp(segs[i], "l1") == 0 || strcmp(segs[i], "l2") == 0)) {
			next = cJSON_AddObjectToObject(cur, segs[i]);
			j = i;
		}
		if (!next) {
			scn_errors_add(errs, "%s: --set %s: \"%s\" does not name anything in this scenario",
				       file, o->key, segs[i]);
			goto out;
		}
		cur = next;
		i = j + 1;
	}
	join_segs(segs, i, n - 1, true);
	const char *last = segs[i];
	if (cJSON_IsObject(cur)) {
		cJSON *existing = cJSON_GetObjectItemCaseSensitive(cur, last);
		if (existing && !is_scalar(existing)) {
			scn_errors_add(errs, "%s: --set %s: names an object or array, not a scalar",
				       file, o->key);
			goto out;
		}
		if (existing)
			cJSON_ReplaceItemInObjectCaseSensitive(cur, last, value);
		else
			cJSON_AddItemToObject(cur, last, value);
		value = NULL;
	} else if (cJSON_IsArray(cur)) {
		cJSON *existing = array_member(cur, last);
		if (!existing || !is_scalar(existing)) {
			scn_errors_add(errs, "%s: --set %s: \"%s\" does not name a scalar in this scenario",
				       file, o->key, last);
			goto out;
		}
		cJSON_ReplaceItemViaPointer(cur, existing, value);
		value = NULL;
	} else {
		scn_errors_add(errs, "%s: --set %s: \"%s\" is inside a scalar", file, o->key, last);
	}
out:
	cJSON_Delete(value);
	free(key);
}

static void scenario_defaults(struct scenario *s)
{
	l1_params_default(&s->l1);
	s->seed = 1;
	s->block_interval_s = 600;
	s->latency_ms = 50;
	s->signatures = true;
	s->description = xstrdup("");
}

/* Checks the nesting depth and the number of values before cJSON builds a tree: a
 * deep file would make cJSON stop with a bare "not valid JSON", and a file of tiny
 * values costs about 100 bytes of tree per 2 bytes of text. Values are counted as
 * commas + opening brackets + 1 outside strings (an empty array or object counts 2).
 * Returns false with the offset and a message when a limit is exceeded. */
static bool json_shape_ok(const char *text, size_t len, size_t *off, const char **why)
{
	size_t depth = 0, values = 1;
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			values++;
			if (++depth > SCN_MAX_DEPTH) {
				*off = i;
				*why = "objects and arrays nested deeper than the limit of " STR(SCN_MAX_DEPTH_N) " levels";
				return false;
			}
		} else if (c == '}' || c == ']') {
			depth -= depth > 0;
		} else if (c == ',') {
			values++;
		}
		if (values > SCN_MAX_JSON_VALUES) {
			*off = i;
			*why = "more than the limit of " STR(SCN_MAX_JSON_VALUES_N) " JSON values in one file";
			return false;
		}
	}
	return true;
}

struct scenario *scn_load_buffer(const char *file, const char *text, size_t len,
				 const struct scn_override *ov, size_t nov, struct scn_errors *errs)
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
	size_t bad_at;
	const char *why;
	if (!json_shape_ok(text, len, &bad_at, &why)) {
		size_t line, col;
		line_col(text, bad_at, &line, &col);
		scn_errors_add(errs, "%s: line %zu, column %zu: %s", file, line, col, why);
		return NULL;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!root) {
		size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : len;
		size_t line, col;
		line_col(text, off, &line, &col);
		scn_errors_add(errs, "%s: line %zu, column %zu: not valid JSON%s", file, line, col,
			       off >= len ? " (unexpected end of file)" : "");
		return NULL;
	}
	/* Only white space may follow the value. */
	const char *p = end;
	while (p && p < text + len && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	if (p && p < text + len) {
		size_t line, col;
		line_col(text, (size_t)(p - text), &line, &col);
		scn_errors_add(errs, "%s: line %zu, column %zu: not valid JSON (text after the end of the object)",
			       file, line, col);
		cJSON_Delete(root);
		return NULL;
	}
	size_t before = errs->n;
	for (size_t i = 0; i < nov; i++)
		apply_override(file, root, &ov[i], errs);
	struct scenario *s = xcalloc(1, sizeof(*s));
	s->file = xstrdup(file);
	scenario_defaults(s);
	struct vctx v = { .file = file, .errs = errs, .s = s };
	load_root(&v, root);
	cJSON_Delete(root);
	name_index_free(&v.parties);
	name_index_free(&v.channels);
	if (v.dropped)
		scn_errors_add(errs, "%s: ... and %zu more problems not listed", file, v.dropped);
	s->l1.seed = s->seed;
	s->l1.verify_signatures = s->signatures;
	if (errs->n > before) {
		scn_free(s);
		return NULL;
	}
	return s;
}

bool scn_read_file(const char *path, char **text, size_t *len, struct scn_errors *errs)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		scn_errors_add(errs, "%s: cannot open: %s", path, strerror(errno));
		return false;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		scn_errors_add(errs, "%s: is a directory, not a scenario file", path);
		fclose(f);
		return false;
	}
	/* Read at most one byte past the limit: enough to know the file is too large. */
	size_t cap = 1 << 16, n = 0;
	char *buf = xmalloc(cap);
	int read_errno = 0;
	for (;;) {
		if (n == cap) {
			if (cap > SCN_MAX_FILE_BYTES) {
				scn_errors_add(errs, "%s: the file is larger than the limit of %u MiB", path,
					       SCN_MAX_FILE_BYTES >> 20);
				fclose(f);
				free(buf);
				return false;
			}
			cap = cap * 2 > SCN_MAX_FILE_BYTES ? (size_t)SCN_MAX_FILE_BYTES + 1 : cap * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		errno = 0;
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			read_errno = errno;
			break;
		}
	}
	bool err = ferror(f);
	fclose(f);
	if (err) {
		scn_errors_add(errs, "%s: cannot read: %s", path, read_errno ? strerror(read_errno) : "read error");
		free(buf);
		return false;
	}
	*text = buf;
	*len = n;
	return true;
}

struct scenario *scn_load(const char *path, const struct scn_override *ov, size_t nov,
			  struct scn_errors *errs)
{
	char *buf;
	size_t len;
	if (!scn_read_file(path, &buf, &len, errs))
		return NULL;
	struct scenario *s = scn_load_buffer(path, buf, len, ov, nov, errs);
	free(buf);
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
	for (uint32_t i = 0; i < explicit_channels(s); i++) {
		free(s->channels[i].id);
		free(s->channels[i].parties);
		free(s->channels[i].deposit);
	}
	free(s->channels);
	free(s->generate.members);
	free(s->generate.deposits);
	free(s->script);
	for (uint32_t i = 0; i < s->nworkload; i++)
		free(s->workload[i].channels);
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
