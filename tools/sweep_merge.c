/* `l2sim sweep-merge OUT.csv PART...`: joins the partial CSVs of `sweep --shard I/N`
 * into the CSV one machine writes for the same sweep, byte for byte.
 *
 * Shard I of N holds runs I, I+N, I+2N, ... in order, so run j is row j/N of shard
 * j%N. Everything is checked before OUT is written (exit 2, OUT untouched): each
 * PART starts with the header line of a shard (tools/sweep_shard.c), all of them of
 * one sweep (the same line past "shard I/N") and of one N, every shard 0..N-1 given
 * once, each complete (a shard whose run failed or that was interrupted lacks rows)
 * and with the same column line. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "l1sim/util.h"
#include "tools/options.h"
#include "tools/output.h"
#include "tools/sweep_internal.h"
#include "tools/textout.h"

#define SHARD_PREFIX "# l2sim sweep shard "
#define SWEEP_MAX_PART_BYTES (1ull << 30)

struct part {
	const char *path;
	char *text;
	size_t len;
	size_t i, n, runs;
	const char *rest;        /* the header past "I/N" */
	size_t rest_len;
	const char *columns;     /* the column line, with its newline */
	size_t columns_len;
	const char **rows;       /* each record with its newline (quoted newlines inside) */
	size_t *row_len;
	size_t nrows;
};

/* Reads a PART whole. Only a regular file is read (opened without blocking, so a FIFO
 * with no writer cannot hang the merge, nor /dev/zero fill memory), of at most
 * SWEEP_MAX_PART_BYTES; otherwise false with *why set (errno's text when NULL). */
static bool read_all(const char *path, char **text, size_t *len, const char **why)
{
	*why = NULL;
	int fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return false;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return false;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > SWEEP_MAX_PART_BYTES) {
		*why = S_ISDIR(st.st_mode)    ? "is a directory"
		       : !S_ISREG(st.st_mode) ? "not a regular file"
					      : "larger than 1 GiB";
		close(fd);
		return false;
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		close(fd);
		return false;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n == cap) {
			if (cap > SWEEP_MAX_PART_BYTES) {
				*why = "larger than 1 GiB";
				break;
			}
			buf = xreallocarray(buf, cap *= 2, 1);
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	bool ok = !ferror(f) && !*why;
	int saved = errno;
	fclose(f);
	if (!ok) {
		free(buf);
		errno = saved;
		return false;
	}
	*text = buf;
	*len = n;
	return true;
}

/* The end of the CSV record starting at p (past its newline); a newline inside a
 * quoted field does not end it. NULL when the text ends without a newline. */
static const char *record_end(const char *p, const char *end)
{
	bool quoted = false;
	for (; p < end; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '\n' && !quoted)
			return p + 1;
	}
	return NULL;
}

/* Parses a PART; false after saying what is wrong with it. */
static bool parse_part(struct part *pt)
{
	const char *p = pt->text, *end = pt->text + pt->len;
	const char *nl = memchr(p, '\n', pt->len);
	size_t plen = strlen(SHARD_PREFIX);
	if (!nl || (size_t)(nl - p) < plen || memcmp(p, SHARD_PREFIX, plen) != 0) {
		fprintf(stderr,
			"l2sim: sweep-merge: %s: not the CSV of a shard (its first line is not \"%s...\": "
			"write it with l2sim sweep --shard I/N --out FILE)\n",
			pt->path, SHARD_PREFIX);
		return false;
	}
	char *after;
	const char *q = p + plen;
	errno = 0;
	unsigned long long i = strtoull(q, &after, 10), n = 0;
	bool ok = after != q && *after == '/' && errno == 0;
	if (ok) {
		q = after + 1;
		n = strtoull(q, &after, 10);
		ok = after != q && errno == 0 && n >= 1 && i < n && n <= SWEEP_MAX_RUNS;
	}
	const char *runs = ok ? strstr(after, ": runs=") : NULL;
	ok = ok && runs == after && runs < nl;
	unsigned long long r = ok ? strtoull(runs + 7, NULL, 10) : 0;
	if (!ok || r > SWEEP_MAX_RUNS) {
		fprintf(stderr, "l2sim: sweep-merge: %s: its shard header line is damaged\n", pt->path);
		return false;
	}
	pt->i = (size_t)i;
	pt->n = (size_t)n;
	pt->runs = (size_t)r;
	pt->rest = after;
	pt->rest_len = (size_t)(nl + 1 - after);
	p = nl + 1;
	const char *e = record_end(p, end);
	if (!e) {
		fprintf(stderr, "l2sim: sweep-merge: %s: no column line after the shard header\n", pt->path);
		return false;
	}
	pt->columns = p;
	pt->columns_len = (size_t)(e - p);
	p = e;
	size_t cap = 0;
	while (p < end) {
		e = record_end(p, end);
		if (!e) {
			fprintf(stderr, "l2sim: sweep-merge: %s: its last row is cut short (no newline at the end)\n",
				pt->path);
			return false;
		}
		if (pt->nrows == cap) {
			cap = cap ? 2 * cap : 64;
			pt->rows = xreallocarray(pt->rows, cap, sizeof(*pt->rows));
			pt->row_len = xreallocarray(pt->row_len, cap, sizeof(*pt->row_len));
		}
		pt->rows[pt->nrows] = p;
		pt->row_len[pt->nrows++] = (size_t)(e - p);
		p = e;
	}
	return true;
}

/* The checks across the parts; false after saying what is wrong. by_shard[i] is the
 * part of shard i. */
static bool check_parts(struct part *pts, size_t np, struct part **by_shard)
{
	const struct part *a = &pts[0];
	for (size_t k = 1; k < np; k++) {
		const struct part *b = &pts[k];
		if (b->n != a->n) {
			fprintf(stderr, "l2sim: sweep-merge: %s is a shard of %zu but %s of %zu: not the same split\n",
				b->path, b->n, a->path, a->n);
			return false;
		}
		if (b->rest_len != a->rest_len || memcmp(b->rest, a->rest, a->rest_len) != 0) {
			/* The lines come from files others wrote: escaped, so that no control byte
			 * (a CR of a CRLF copy, an ESC sequence) reaches the terminal. */
			fprintf(stderr,
				"l2sim: sweep-merge: %s and %s are shards of different sweeps (their header lines differ "
				"past \"shard I/N\": the scenario, --set or --vary):\n  %s: ",
				a->path, b->path, a->path);
			txt_write_escaped(stderr, a->rest, a->rest_len - 1, false);
			fprintf(stderr, "\n  %s: ", b->path);
			txt_write_escaped(stderr, b->rest, b->rest_len - 1, false);
			fputc('\n', stderr);
			return false;
		}
		if (b->columns_len != a->columns_len || memcmp(b->columns, a->columns, a->columns_len) != 0) {
			fprintf(stderr, "l2sim: sweep-merge: %s and %s have different column lines\n", a->path, b->path);
			return false;
		}
	}
	for (size_t k = 0; k < np; k++) {
		struct part *p = &pts[k];
		if (by_shard[p->i]) {
			fprintf(stderr, "l2sim: sweep-merge: shard %zu/%zu is given twice: %s and %s\n", p->i, p->n,
				by_shard[p->i]->path, p->path);
			return false;
		}
		by_shard[p->i] = p;
	}
	bool ok = true;
	for (size_t i = 0; i < a->n; i++) {
		if (!by_shard[i]) {
			fprintf(stderr, "l2sim: sweep-merge: shard %zu/%zu is missing\n", i, a->n);
			ok = false;
			continue;
		}
		size_t want = i < a->runs ? (a->runs - 1 - i) / a->n + 1 : 0;
		if (by_shard[i]->nrows > want) {
			fprintf(stderr,
				"l2sim: sweep-merge: %s: shard %zu/%zu has %zu rows, more than its %zu (rows were added or "
				"joined from another file)\n",
				by_shard[i]->path, i, a->n, by_shard[i]->nrows, want);
			ok = false;
		} else if (by_shard[i]->nrows != want) {
			fprintf(stderr,
				"l2sim: sweep-merge: %s: shard %zu/%zu has %zu of its %zu rows (a run failed or it was "
				"interrupted): run that shard again\n",
				by_shard[i]->path, i, a->n, by_shard[i]->nrows, want);
			ok = false;
		}
	}
	return ok;
}

int sweep_merge_command(const struct cli_options *o)
{
	const char *out_path = o->files[0];
	size_t np = o->nfiles - 1;
	struct part *pts = xcalloc(np, sizeof(*pts));
	struct part **by_shard = NULL;
	int rc = 2;
	for (size_t k = 0; k < np; k++) {
		pts[k].path = o->files[k + 1];
		if (strcmp(out_path, "-") != 0 && output_same_file(out_path, pts[k].path)) {
			cli_usage(CLI_SWEEP_MERGE, "OUT %s is also a PART: it would be overwritten", out_path);
			goto out;
		}
	}
	for (size_t k = 0; k < np; k++) {
		const char *why;
		if (!read_all(pts[k].path, &pts[k].text, &pts[k].len, &why)) {
			fprintf(stderr, "l2sim: sweep-merge: %s: cannot read: %s\n", pts[k].path, why ? why : strerror(errno));
			goto out;
		}
		if (!parse_part(&pts[k]))
			goto out;
	}
	by_shard = xcalloc(pts[0].n, sizeof(*by_shard));
	if (!check_parts(pts, np, by_shard))
		goto out;
	struct output *out = NULL;
	FILE *f = stdout;
	if (strcmp(out_path, "-") != 0) {
		if (!(out = output_open(out_path, OUTPUT_DEFAULT))) {
			fprintf(stderr, "l2sim: sweep-merge: %s: cannot write: %s\n", out_path, strerror(errno));
			goto out;
		}
		f = output_file(out);
	}
	fwrite(pts[0].columns, 1, pts[0].columns_len, f);
	size_t n = pts[0].n;
	for (size_t j = 0; j < pts[0].runs; j++) {
		const struct part *p = by_shard[j % n];
		fwrite(p->rows[j / n], 1, p->row_len[j / n], f);
	}
	if (out) {
		if (!output_commit(out)) {
			fprintf(stderr, "l2sim: sweep-merge: %s: cannot write: %s\n", out_path, strerror(errno));
			goto out;
		}
	} else if (output_check_stdout()) {
		fprintf(stderr, "l2sim: sweep-merge: cannot write to standard output\n");
		goto out;
	}
	rc = 0;
out:
	for (size_t k = 0; k < np; k++) {
		free(pts[k].text);
		free(pts[k].rows);
		free(pts[k].row_len);
	}
	free(pts);
	free(by_shard);
	return rc;
}
