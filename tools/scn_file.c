/* Reading a scenario file, and the checks on its text before cJSON parses it. */
#include "scn_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "l1sim/util.h"

#define STR_(x) #x
#define STR(x) STR_(x)
/* The limits as plain numbers for messages built at compile time. */
#define SCN_MAX_DEPTH_N 32
#define SCN_MAX_JSON_VALUES_N 5000000
_Static_assert(SCN_MAX_DEPTH == SCN_MAX_DEPTH_N && SCN_MAX_JSON_VALUES == SCN_MAX_JSON_VALUES_N,
	       "keep the message numbers in step with scenario.h");

void scn_line_col(const char *text, size_t off, size_t *line, size_t *col)
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

static bool number_char(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* Checks the nesting depth and the number of values before cJSON builds a tree: a
 * deep file would make cJSON stop with a bare "not valid JSON", and a file of tiny
 * values costs about 100 bytes of tree per 2 bytes of text. Values are counted as
 * commas + opening brackets + 1 outside strings (an empty array or object counts 2).
 * A string may not hold \u0000: cJSON would cut it there ("nul\u0000evil" would be
 * "nul"), so a name or key would pass its checks as something else.
 * Returns false with the offset and a message when a limit is exceeded; *sh says how
 * the text ends and whether it has numbers worth scn_note_numbers. */
bool scn_json_shape_ok(const char *text, size_t len, struct scn_shape *sh, size_t *off, const char **why)
{
	size_t depth = 0, values = 1;
	bool in_string = false;
	*sh = (struct scn_shape){ 0 };
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\') {
				if (i + 5 < len && text[i + 1] == 'u' && memcmp(text + i + 2, "0000", 4) == 0) {
					*off = i;
					*why = "a string holds \\u0000 (a NUL character), which no name, key or text may hold";
					return false;
				}
				i++;
			} else if (c == '"') {
				in_string = false;
			}
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
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t start = i;
			bool exponent = false;
			while (i + 1 < len && number_char(text[i + 1]))
				exponent |= text[++i] == 'e' || text[i] == 'E';
			if (exponent || i + 1 - start > SCN_NUM_EXACT_MAX)
				sh->numbers_to_note++;
		}
		if (values > SCN_MAX_JSON_VALUES) {
			*off = i;
			*why = "more than the limit of " STR(SCN_MAX_JSON_VALUES_N) " JSON values in one file";
			return false;
		}
	}
	sh->truncated = in_string || depth > 0;
	return true;
}

/* The next number token at or after *pos outside strings (*pos starts outside one). */
static bool next_number(const char *text, size_t len, size_t *pos, size_t *start, size_t *n)
{
	bool in_string = false;
	for (size_t i = *pos; i < len; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			*start = i;
			while (i < len && number_char(text[i]))
				i++;
			*n = i - *start;
			*pos = i;
			return true;
		}
	}
	return false;
}

static void note_numbers(cJSON *j, const char *text, size_t len, size_t *pos)
{
	for (; j; j = j->next) {
		size_t start, n;
		if (cJSON_IsNumber(j) && next_number(text, len, pos, &start, &n))
			scn_note_number_text(j, text + start, n);
		if (cJSON_IsObject(j) || cJSON_IsArray(j))
			note_numbers(j->child, text, len, pos); /* at most SCN_MAX_DEPTH deep */
	}
}

void scn_note_numbers(cJSON *root, const char *text, size_t len)
{
	size_t pos = 0;
	note_numbers(root, text, len, &pos);
}

static bool read_file(const char *path, const char *shown, char **text, size_t *len, struct scn_errors *errs)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		scn_errors_add(errs, "%s: cannot open: %s", shown, strerror(errno));
		return false;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		scn_errors_add(errs, "%s: is a directory, not a scenario file", shown);
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
				scn_errors_add(errs, "%s: the file is larger than the limit of %u MiB", shown,
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
		scn_errors_add(errs, "%s: cannot read: %s", shown, read_errno ? strerror(read_errno) : "read error");
		free(buf);
		return false;
	}
	*text = buf;
	*len = n;
	return true;
}

bool scn_read_file(const char *path, char **text, size_t *len, struct scn_errors *errs)
{
	/* The name is printed: no control character may reach a terminal. */
	char *shown = scn_escape_dup(path);
	bool ok = read_file(path, shown, text, len, errs);
	free(shown);
	return ok;
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
