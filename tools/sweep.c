#include "sweep.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "l1sim/util.h"
#include "tools/report.h"
#include "tools/runner.h"
#include "tools/scenario.h"

/* ---- the metrics of a row ---- */

/* Where each metric is in the JSON report (SPEC section 7); NULL: computed here. */
static const struct {
	const char *name;
	const char *path;
} METRIC_DEFS[] = {
	{ "blocks", "blocks" },
	{ "sim_time_s", "sim_time_s" },
	{ "payments_ok", "l2.payments_ok" },
	{ "payments_failed", "l2.payments_failed" },
	{ "throughput_gain", "throughput_gain" },
	{ "l1_txs", "l1.txs" },
	{ "l1_channel_txs", "l1.channel_txs" },
	{ "l1_tps", NULL },
	{ "l1_capacity_tps", "l1.capacity_tps" },
	{ "l2_tps", "l2.tps" },
	{ "finality_l1_blocks_min", "finality.l1_blocks.min" },
	{ "finality_l1_blocks_p50", "finality.l1_blocks.p50" },
	{ "finality_l1_blocks_p95", "finality.l1_blocks.p95" },
	{ "finality_l1_s_p50", "finality.l1_s.p50" },
	{ "finality_l1_s_p95", "finality.l1_s.p95" },
	{ "unsettled_payments", "finality.unsettled_payments" },
	{ "stale_closes", "disputes.stale_closes" },
	{ "challenges", "disputes.challenges" },
	{ "security_violations", "security_violations" },
	{ "fees", "l1.fees" },
	{ "expect_ok", "expect.ok" },
	{ "hit_block_cap", NULL },
};
#define NMETRICS (sizeof(METRIC_DEFS) / sizeof(METRIC_DEFS[0]))

const char *const SWEEP_METRICS[NMETRICS + 1] = {
	"blocks", "sim_time_s", "payments_ok", "payments_failed", "throughput_gain", "l1_txs",
	"l1_channel_txs", "l1_tps", "l1_capacity_tps", "l2_tps", "finality_l1_blocks_min", "finality_l1_blocks_p50",
	"finality_l1_blocks_p95", "finality_l1_s_p50", "finality_l1_s_p95", "unsettled_payments",
	"stale_closes", "challenges", "security_violations", "fees", "expect_ok", "hit_block_cap", NULL,
};

int sweep_metric_index(const char *name)
{
	for (size_t i = 0; i < NMETRICS; i++) {
		if (strcmp(METRIC_DEFS[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

/* The columns of the table on stdout: a short header and the metric. */
static const struct {
	const char *header;
	const char *metric;
} TABLE_COLS[] = {
	{ "gain", "throughput_gain" },
	{ "l1_tps", "l1_tps" },
	{ "l2_tps", "l2_tps" },
	{ "fin_blk_p50", "finality_l1_blocks_p50" },
	{ "fin_blk_p95", "finality_l1_blocks_p95" },
	{ "fin_s_p50", "finality_l1_s_p50" },
	{ "fin_s_p95", "finality_l1_s_p95" },
	{ "violations", "security_violations" },
	{ "fees", "fees" },
	{ "expect", "expect_ok" },
};
#define NTABLE_COLS (sizeof(TABLE_COLS) / sizeof(TABLE_COLS[0]))

/* ---- values and ranges ---- */

static bool parse_double(const char *s, size_t len, double *out)
{
	char buf[64];
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == ' ' || buf[0] == '\t' || buf[0] == '+')
		return false;
	char *end;
	errno = 0;
	double d = strtod(buf, &end);
	if (*end != '\0' || errno != 0 || !isfinite(d))
		return false;
	/* Only plain decimal numbers: no hex, inf or nan spellings. */
	for (const char *p = buf; *p; p++) {
		if (!strchr("0123456789.-eE", *p))
			return false;
	}
	*out = d;
	return true;
}

static bool parse_whole(const char *s, size_t len, long long *out)
{
	double d;
	if (!parse_double(s, len, &d) || d != floor(d) || fabs(d) > 9007199254740992.0)
		return false;
	*out = (long long)d;
	return true;
}

static void push_value(struct sweep_axis *a, size_t *cap, char *v)
{
	if (a->nvalues == *cap)
		a->values = xreallocarray(a->values, *cap = *cap ? 2 * *cap : 8, sizeof(*a->values));
	a->values[a->nvalues++] = v;
}

__attribute__((format(printf, 3, 4))) static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* Expands one item of the comma list into a. */
static bool expand_item(struct sweep_axis *a, size_t *cap, const char *item, size_t len, char *err,
			size_t errlen)
{
	const char *dots = NULL;
	for (size_t i = 0; i + 1 < len; i++) {
		if (item[i] == '.' && item[i + 1] == '.') {
			dots = item + i;
			break;
		}
	}
	size_t colons = 0;
	const char *c1 = NULL, *c2 = NULL;
	for (size_t i = 0; i < len; i++) {
		if (item[i] == ':') {
			colons++;
			if (!c1)
				c1 = item + i;
			else if (!c2)
				c2 = item + i;
		}
	}
	double x, y, z;
	if (dots && colons == 0) {
		size_t la = (size_t)(dots - item), lb = len - la - 2;
		if (parse_double(item, la, &x) && parse_double(dots + 2, lb, &y)) {
			long long lo, hi;
			if (!parse_whole(item, la, &lo) || !parse_whole(dots + 2, lb, &hi))
				return fail(err, errlen, "--vary %s: range %.*s: A..B takes whole numbers (use A:B:STEP for others)",
					    a->key, (int)len, item);
			if (lo > hi)
				return fail(err, errlen, "--vary %s: range %.*s: the start is above the end", a->key,
					    (int)len, item);
			if ((unsigned long long)(hi - lo) >= SWEEP_MAX_VALUES - a->nvalues)
				return fail(err, errlen, "--vary %s: more than %u values", a->key, SWEEP_MAX_VALUES);
			for (long long v = lo; v <= hi; v++) {
				char buf[32];
				snprintf(buf, sizeof(buf), "%lld", v);
				push_value(a, cap, xstrdup(buf));
			}
			return true;
		}
	} else if (colons == 1 && parse_double(item, (size_t)(c1 - item), &x) &&
		   parse_double(c1 + 1, len - (size_t)(c1 - item) - 1, &y)) {
		return fail(err, errlen, "--vary %s: range %.*s needs a step: START:END:STEP", a->key, (int)len, item);
	} else if (colons == 2 && parse_double(item, (size_t)(c1 - item), &x) &&
		   parse_double(c1 + 1, (size_t)(c2 - c1 - 1), &y) &&
		   parse_double(c2 + 1, len - (size_t)(c2 - item) - 1, &z)) {
		if (!(z > 0))
			return fail(err, errlen, "--vary %s: range %.*s: the step must be above 0", a->key, (int)len, item);
		if (x > y)
			return fail(err, errlen, "--vary %s: range %.*s: the start is above the end", a->key, (int)len,
				    item);
		/* The tolerance keeps B itself when (B - A) / S is whole but not exactly so in
		 * binary (0:1:0.1). */
		double steps = floor((y - x) / z + 1e-9);
		if (steps >= (double)(SWEEP_MAX_VALUES - a->nvalues))
			return fail(err, errlen, "--vary %s: more than %u values", a->key, SWEEP_MAX_VALUES);
		for (size_t i = 0; i <= (size_t)steps; i++) {
			char buf[40];
			double v = x + (double)i * z;
			if (v == 0)
				v = 0; /* no "-0" */
			snprintf(buf, sizeof(buf), "%.15g", v);
			push_value(a, cap, xstrdup(buf));
		}
		return true;
	}
	if (a->nvalues >= SWEEP_MAX_VALUES)
		return fail(err, errlen, "--vary %s: more than %u values", a->key, SWEEP_MAX_VALUES);
	char *v = xmalloc(len + 1);
	memcpy(v, item, len);
	v[len] = '\0';
	push_value(a, cap, v);
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool sweep_axis_parse(const char *arg, struct sweep_axis *axis, char *err, size_t errlen)
{
	memset(axis, 0, sizeof(*axis));
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return fail(err, errlen, "--vary needs KEY=V1,V2,... (got \"%s\")", arg);
	axis->key = xmalloc((size_t)(eq - arg) + 1);
	memcpy(axis->key, arg, (size_t)(eq - arg));
	axis->key[eq - arg] = '\0';
	const char *p = eq + 1;
	if (*p == '\0') {
		fail(err, errlen, "--vary %s: no values", axis->key);
		goto bad;
	}
	size_t cap = 0, pos = 1;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0) {
			fail(err, errlen, "--vary %s: value %zu is empty", axis->key, pos);
			goto bad;
		}
		if (!expand_item(axis, &cap, p, len, err, errlen))
			goto bad;
		if (!comma)
			break;
		p = comma + 1;
		pos++;
	}
	/* A value listed twice would give two identical rows: sort a copy to find one. */
	char **sorted = xreallocarray(NULL, axis->nvalues, sizeof(*sorted));
	memcpy(sorted, axis->values, axis->nvalues * sizeof(*sorted));
	qsort(sorted, axis->nvalues, sizeof(*sorted), cmp_str);
	for (size_t i = 1; i < axis->nvalues; i++) {
		if (strcmp(sorted[i - 1], sorted[i]) == 0) {
			fail(err, errlen, "--vary %s: value %s is listed twice", axis->key, sorted[i]);
			free(sorted);
			goto bad;
		}
	}
	free(sorted);
	return true;
bad:
	sweep_axis_free(axis);
	return false;
}

void sweep_axis_free(struct sweep_axis *axis)
{
	for (size_t i = 0; i < axis->nvalues; i++)
		free(axis->values[i]);
	free(axis->values);
	free(axis->key);
	memset(axis, 0, sizeof(*axis));
}

bool sweep_count(const struct sweep_axis *axes, size_t naxes, size_t *n)
{
	size_t total = 1;
	for (size_t i = 0; i < naxes; i++) {
		if (axes[i].nvalues == 0 || total > SWEEP_MAX_RUNS / axes[i].nvalues)
			return false;
		total *= axes[i].nvalues;
	}
	*n = total;
	return true;
}

void sweep_combination(const struct sweep_axis *axes, size_t naxes, size_t i, size_t *idx)
{
	for (size_t k = naxes; k-- > 0;) {
		idx[k] = i % axes[k].nvalues;
		i /= axes[k].nvalues;
	}
}

/* ---- a sweep ---- */

struct worker {
	pid_t pid;
	int fd;
	size_t run;
	char *buf;
	size_t len, cap;
};

struct row {
	bool done;
	char *line;              /* the worker's line, split in place */
	char *fields[NMETRICS];
};

struct sweep {
	const char *file;
	char *text;              /* the scenario file */
	size_t text_len;
	struct sweep_axis *axes;
	size_t naxes;
	struct scn_override *sets;
	size_t nsets;
	size_t nruns;
	unsigned jobs;
	const char *out;         /* NULL, "-" or a path */
	const char *plot;
	int *metrics;            /* for the chart */
	size_t nmetrics;
	bool progress;
	bool log_x, log_y;       /* --log */
	char *scenario_name;
	struct row *rows;
	const char *gnuplot;     /* its path, when --plot */
	struct worker *workers;  /* run_all's pool */
	struct pollfd *pollfds;
};

/* The overrides of run i: every --set, then one per axis. ov has nsets + naxes slots. */
static void run_overrides(const struct sweep *sw, size_t i, struct scn_override *ov)
{
	size_t idx[64];
	sweep_combination(sw->axes, sw->naxes, i, idx);
	for (size_t k = 0; k < sw->nsets; k++)
		ov[k] = sw->sets[k];
	for (size_t k = 0; k < sw->naxes; k++) {
		ov[sw->nsets + k].key = sw->axes[k].key;
		ov[sw->nsets + k].value = sw->axes[k].values[idx[k]];
	}
}

/* "k1=v1, k2=v2" of run i; the caller frees. */
static char *run_label(const struct sweep *sw, size_t i)
{
	size_t idx[64];
	sweep_combination(sw->axes, sw->naxes, i, idx);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		fatal_invariant("out of memory");
	for (size_t k = 0; k < sw->naxes; k++)
		fprintf(f, "%s%s=%s", k ? ", " : "", sw->axes[k].key, sw->axes[k].values[idx[k]]);
	if (sw->naxes == 0)
		fputs("the file as it is", f);
	fclose(f);
	return buf;
}

/* Loads every combination; prints each distinct problem once (with the first
 * combination that shows it). Returns the number of invalid combinations. */
static size_t validate_all(struct sweep *sw)
{
	struct scn_override *ov = xcalloc(sw->nsets + sw->naxes + 1, sizeof(*ov));
	struct scn_errors seen = { 0 };
	size_t bad = 0;
	for (size_t i = 0; i < sw->nruns; i++) {
		struct scn_errors errs = { 0 };
		run_overrides(sw, i, ov);
		struct scenario *s = scn_load_buffer(sw->file, sw->text, sw->text_len, ov, sw->nsets + sw->naxes, &errs);
		if (s) {
			if (!sw->scenario_name)
				sw->scenario_name = xstrdup(s->name);
		} else {
			bad++;
			char *label = NULL;
			for (size_t e = 0; e < errs.n; e++) {
				const char *line = errs.lines[e];
				bool dup = false;
				for (size_t j = 0; j < seen.n && !dup; j++)
					dup = strcmp(seen.lines[j], line) == 0;
				if (dup)
					continue;
				scn_errors_add(&seen, "%s", line);
				if (!label)
					label = run_label(sw, i);
				/* The loader says which override caused a line (the --set ones come
				 * first in ov, then the --vary ones) and where its problem starts. */
				const struct scn_origin *o = &errs.origin[e];
				if (o->override != SCN_FROM_FILE && o->override >= sw->nsets)
					fprintf(stderr, "l2sim: sweep run %zu (%s): %s: --vary %s: %s\n", i + 1, label,
						sw->file, ov[o->override].key, line + o->msg);
				else
					fprintf(stderr, "l2sim: sweep run %zu (%s): %s\n", i + 1, label, line);
			}
			free(label);
		}
		scn_free(s);
		scn_errors_free(&errs);
	}
	scn_errors_free(&seen);
	free(ov);
	return bad;
}

/* ---- a worker: one run, its metrics on a pipe ---- */

static const cJSON *json_path(const cJSON *root, const char *path)
{
	char buf[96];
	snprintf(buf, sizeof(buf), "%s", path);
	const cJSON *cur = root;
	for (char *seg = strtok(buf, "."); seg && cur; seg = strtok(NULL, "."))
		cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, seg) : NULL;
	return cur;
}

/* A report value as text: numbers as cJSON prints them (as in the report), strings
 * bare, null (or absent) empty. */
static void put_item(FILE *f, const cJSON *it)
{
	if (!it || cJSON_IsNull(it))
		return;
	if (cJSON_IsString(it)) {
		fputs(it->valuestring, f);
	} else if (cJSON_IsBool(it)) {
		fputs(cJSON_IsTrue(it) ? "true" : "false", f);
	} else {
		char *s = cJSON_PrintUnformatted(it);
		if (!s)
			fatal_invariant("out of memory");
		fputs(s, f);
		cJSON_free(s);
	}
}

static void put_number(FILE *f, double d)
{
	cJSON *n = cJSON_CreateNumber(d);
	if (!n)
		fatal_invariant("out of memory");
	put_item(f, n);
	cJSON_Delete(n);
}

/* Runs run i and writes its row (metrics separated by tabs, then a newline) to fd.
 * Returns the exit status of the worker. */
static int worker_run(const struct sweep *sw, size_t i, int fd)
{
	struct scn_override *ov = xcalloc(sw->nsets + sw->naxes + 1, sizeof(*ov));
	struct scn_errors errs = { 0 }, failures = { 0 };
	run_overrides(sw, i, ov);
	struct scenario *s = scn_load_buffer(sw->file, sw->text, sw->text_len, ov, sw->nsets + sw->naxes, &errs);
	free(ov);
	if (!s) {
		scn_errors_free(&errs);
		return 2;
	}
	struct runner *r = runner_new(s, NULL, false);
	r->progress = false;
	runner_run(r);
	report_check_expect(r, &failures);
	char *json = NULL, *row = NULL;
	size_t json_len = 0, row_len = 0;
	FILE *f = open_memstream(&json, &json_len);
	if (!f)
		fatal_invariant("out of memory");
	report_json(f, r, &failures);
	fclose(f);
	cJSON *rep = cJSON_ParseWithLength(json, json_len);
	if (!rep)
		fatal_invariant("the report is not valid JSON");
	f = open_memstream(&row, &row_len);
	if (!f)
		fatal_invariant("out of memory");
	for (size_t m = 0; m < NMETRICS; m++) {
		if (m)
			fputc('\t', f);
		if (METRIC_DEFS[m].path) {
			put_item(f, json_path(rep, METRIC_DEFS[m].path));
		} else if (strcmp(METRIC_DEFS[m].name, "hit_block_cap") == 0) {
			fputs(r->hit_block_cap ? "true" : "false", f);
		} else { /* l1_tps: included txs per second, as l2.tps is for payments */
			const cJSON *txs = json_path(rep, "l1.txs"), *t = json_path(rep, "sim_time_s");
			if (cJSON_IsNumber(txs) && cJSON_IsNumber(t) && t->valuedouble > 0)
				put_number(f, txs->valuedouble / t->valuedouble);
		}
	}
	fputc('\n', f);
	fclose(f);
	int rc = 0;
	for (size_t off = 0; off < row_len;) {
		ssize_t w = write(fd, row + off, row_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = 1;
			break;
		}
		off += (size_t)w;
	}
	free(row);
	free(json);
	cJSON_Delete(rep);
	runner_free(r);
	scn_free(s);
	scn_errors_free(&errs);
	scn_errors_free(&failures);
	return rc;
}

/* ---- signals: a flag and a self-pipe, so poll wakes at once ---- */

static volatile sig_atomic_t stop_signal;
static int signal_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	stop_signal = sig;
	if (signal_pipe[1] >= 0) {
		char c = 0;
		ssize_t w = write(signal_pipe[1], &c, 1);
		(void)w;
	}
	errno = saved;
}

struct saved_signals {
	struct sigaction intr, term;
};

static void signals_install(struct saved_signals *saved)
{
	stop_signal = 0;
	if (pipe(signal_pipe) != 0) {
		signal_pipe[0] = signal_pipe[1] = -1;
	} else {
		for (int k = 0; k < 2; k++) {
			fcntl(signal_pipe[k], F_SETFL, fcntl(signal_pipe[k], F_GETFL) | O_NONBLOCK);
			fcntl(signal_pipe[k], F_SETFD, FD_CLOEXEC);
		}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: waitpid and poll return EINTR */
	sigaction(SIGINT, &sa, &saved->intr);
	sigaction(SIGTERM, &sa, &saved->term);
}

static void signals_restore(const struct saved_signals *saved)
{
	sigaction(SIGINT, &saved->intr, NULL);
	sigaction(SIGTERM, &saved->term, NULL);
	for (int k = 0; k < 2; k++) {
		if (signal_pipe[k] >= 0)
			close(signal_pipe[k]);
		signal_pipe[k] = -1;
	}
}

/* ---- the pool of workers ---- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void progress_draw(size_t done, size_t total, double elapsed)
{
	enum { WIDTH = 30 };
	size_t fill = total ? done * WIDTH / total : WIDTH;
	char bar[WIDTH + 1];
	for (size_t k = 0; k < WIDTH; k++)
		bar[k] = k < fill ? '#' : '.';
	bar[WIDTH] = '\0';
	unsigned e = (unsigned)elapsed;
	fprintf(stderr, "\r\033[K[%s] %zu/%zu runs  %u:%02u elapsed", bar, done, total, e / 60, e % 60);
	if (done > 0 && done < total) {
		unsigned left = (unsigned)(elapsed / (double)done * (double)(total - done));
		fprintf(stderr, "  ~%u:%02u left", left / 60, left % 60);
	}
	fflush(stderr);
}

static void progress_clear(void)
{
	fputs("\r\033[K", stderr);
	fflush(stderr);
}

static bool spawn(struct sweep *sw, struct worker *w, size_t run, const struct worker *all, size_t nall)
{
	int p[2];
	if (pipe(p) != 0) {
		fprintf(stderr, "l2sim: sweep: cannot create a pipe: %s\n", strerror(errno));
		return false;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "l2sim: sweep: cannot start a worker: %s\n", strerror(errno));
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (pid == 0) {
		/* The worker: the parent alone decides what an interruption does. */
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_DFL);
		close(p[0]);
		for (size_t k = 0; k < nall; k++) {
			if (all[k].pid > 0)
				close(all[k].fd);
		}
		if (signal_pipe[0] >= 0) {
			close(signal_pipe[0]);
			close(signal_pipe[1]);
		}
		int rc = worker_run(sw, run, p[1]);
		close(p[1]);
		_exit(rc);
	}
	close(p[1]);
	w->pid = pid;
	w->fd = p[0];
	w->run = run;
	w->len = 0;
	return true;
}

/* Splits a worker's line into the row's fields; false when it is not a whole row. */
static bool take_row(struct row *row, char *buf, size_t len)
{
	if (len == 0 || buf[len - 1] != '\n' || memchr(buf, '\0', len))
		return false;
	char *line = xmalloc(len);
	memcpy(line, buf, len - 1);
	line[len - 1] = '\0';
	size_t n = 0;
	char *p = line;
	for (;;) {
		if (n == NMETRICS) {
			free(line);
			return false;
		}
		row->fields[n++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	if (n != NMETRICS) {
		free(line);
		return false;
	}
	row->line = line;
	row->done = true;
	return true;
}

/* Reaps worker w after its pipe closed; records its row. Returns false when the run
 * failed (and says why). */
static bool reap(struct sweep *sw, struct worker *w)
{
	int status = 0;
	while (waitpid(w->pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	close(w->fd);
	w->pid = 0;
	bool ok = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		  take_row(&sw->rows[w->run], w->buf, w->len);
	if (!ok) {
		char *label = run_label(sw, w->run);
		if (status != -1 && WIFSIGNALED(status))
			fprintf(stderr, "l2sim: sweep run %zu (%s): the worker died of signal %d\n", w->run + 1, label,
				WTERMSIG(status));
		else
			fprintf(stderr, "l2sim: sweep run %zu (%s): the worker failed (exit %d)\n", w->run + 1, label,
				status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		free(label);
	}
	return ok;
}

/* Runs every combination on up to sw->jobs workers. Returns the number of runs that
 * failed; stops early (killing the workers) when a signal arrives. */
static size_t run_all(struct sweep *sw)
{
	unsigned nw = sw->jobs < sw->nruns ? sw->jobs : (unsigned)sw->nruns;
	/* Kept in sw, not only here: a worker that exits inside spawn() still reaches
	 * them (valgrind --trace-children sees no leak). */
	struct worker *ws = sw->workers = xcalloc(nw, sizeof(*ws));
	struct pollfd *pfd = sw->pollfds = xcalloc(nw + 1, sizeof(*pfd));
	size_t next = 0, finished = 0, failed = 0, active = 0;
	double t0 = now_s(), last_draw = -1;
	bool spawn_failed = false;
	for (;;) {
		while (!stop_signal && !spawn_failed && active < nw && next < sw->nruns) {
			size_t k = 0;
			while (ws[k].pid > 0)
				k++;
			if (!spawn(sw, &ws[k], next, ws, nw)) {
				spawn_failed = true;
				break;
			}
			next++;
			active++;
		}
		if (spawn_failed && active == 0) {
			failed += sw->nruns - next;
			break;
		}
		if (active == 0 || stop_signal)
			break;
		if (sw->progress) {
			double t = now_s();
			if (t - last_draw >= 0.1) {
				progress_draw(finished, sw->nruns, t - t0);
				last_draw = t;
			}
		}
		size_t np = 0;
		size_t map[SWEEP_MAX_JOBS];
		for (size_t k = 0; k < nw; k++) {
			if (ws[k].pid > 0) {
				pfd[np].fd = ws[k].fd;
				pfd[np].events = POLLIN;
				map[np++] = k;
			}
		}
		size_t nworkers = np;
		if (signal_pipe[0] >= 0) {
			pfd[np].fd = signal_pipe[0];
			pfd[np++].events = POLLIN;
		}
		int pr = poll(pfd, (nfds_t)np, sw->progress ? 1000 : -1);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			fatal_invariant("poll failed");
		}
		for (size_t j = 0; j < nworkers; j++) {
			if (!(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			struct worker *w = &ws[map[j]];
			if (w->len == w->cap)
				w->buf = xreallocarray(w->buf, w->cap = w->cap ? 2 * w->cap : 4096, 1);
			ssize_t got = read(w->fd, w->buf + w->len, w->cap - w->len);
			if (got < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (got > 0) {
				w->len += (size_t)got;
				continue;
			}
			/* End of file: the worker is done. */
			if (!reap(sw, w))
				failed++;
			finished++;
			active--;
		}
	}
	if (active > 0) {
		for (size_t k = 0; k < nw; k++) {
			if (ws[k].pid > 0)
				kill(ws[k].pid, SIGKILL);
		}
		for (size_t k = 0; k < nw; k++) {
			if (ws[k].pid > 0) {
				while (waitpid(ws[k].pid, NULL, 0) < 0 && errno == EINTR)
					;
				close(ws[k].fd);
				ws[k].pid = 0;
			}
		}
	}
	if (sw->progress) {
		if (!stop_signal)
			progress_draw(finished, sw->nruns, now_s() - t0);
		progress_clear();
	}
	for (size_t k = 0; k < nw; k++)
		free(ws[k].buf);
	free(ws);
	free(pfd);
	sw->workers = NULL;
	sw->pollfds = NULL;
	return failed;
}

/* ---- output: the table, the CSV, the chart ---- */

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

static void write_csv(FILE *f, const struct sweep *sw)
{
	for (size_t k = 0; k < sw->naxes; k++) {
		csv_field(f, sw->axes[k].key);
		fputc(',', f);
	}
	for (size_t m = 0; m < NMETRICS; m++)
		fprintf(f, "%s%s", METRIC_DEFS[m].name, m + 1 < NMETRICS ? "," : "\n");
	size_t idx[64];
	for (size_t i = 0; i < sw->nruns; i++) {
		const struct row *row = &sw->rows[i];
		if (!row->done)
			continue;
		sweep_combination(sw->axes, sw->naxes, i, idx);
		for (size_t k = 0; k < sw->naxes; k++) {
			csv_field(f, sw->axes[k].values[idx[k]]);
			fputc(',', f);
		}
		for (size_t m = 0; m < NMETRICS; m++) {
			csv_field(f, row->fields[m]);
			fputc(m + 1 < NMETRICS ? ',' : '\n', f);
		}
	}
}

/* A table cell: null as "-", non-whole numbers to 6 significant digits. */
static void table_cell(char *buf, size_t n, const char *v)
{
	double d;
	if (!*v)
		snprintf(buf, n, "-");
	else if (parse_double(v, strlen(v), &d) && d != floor(d))
		snprintf(buf, n, "%.6g", d);
	else
		snprintf(buf, n, "%s", v);
}

static void print_table(FILE *f, const struct sweep *sw)
{
	size_t ncols = sw->naxes + NTABLE_COLS;
	size_t *width = xcalloc(ncols, sizeof(*width));
	int *metric = xcalloc(NTABLE_COLS, sizeof(*metric));
	for (size_t c = 0; c < NTABLE_COLS; c++)
		metric[c] = sweep_metric_index(TABLE_COLS[c].metric);
	for (size_t k = 0; k < sw->naxes; k++)
		width[k] = strlen(sw->axes[k].key);
	for (size_t c = 0; c < NTABLE_COLS; c++)
		width[sw->naxes + c] = strlen(TABLE_COLS[c].header);
	size_t idx[64];
	char cell[64];
	for (size_t i = 0; i < sw->nruns; i++) {
		if (!sw->rows[i].done)
			continue;
		sweep_combination(sw->axes, sw->naxes, i, idx);
		for (size_t k = 0; k < sw->naxes; k++) {
			size_t l = strlen(sw->axes[k].values[idx[k]]);
			if (l > width[k])
				width[k] = l;
		}
		for (size_t c = 0; c < NTABLE_COLS; c++) {
			table_cell(cell, sizeof(cell), sw->rows[i].fields[metric[c]]);
			if (strlen(cell) > width[sw->naxes + c])
				width[sw->naxes + c] = strlen(cell);
		}
	}
	for (size_t k = 0; k < sw->naxes; k++)
		fprintf(f, "%-*s  ", (int)width[k], sw->axes[k].key);
	for (size_t c = 0; c < NTABLE_COLS; c++)
		fprintf(f, "%*s%s", (int)width[sw->naxes + c], TABLE_COLS[c].header, c + 1 < NTABLE_COLS ? "  " : "\n");
	for (size_t i = 0; i < sw->nruns; i++) {
		if (!sw->rows[i].done)
			continue;
		sweep_combination(sw->axes, sw->naxes, i, idx);
		for (size_t k = 0; k < sw->naxes; k++)
			fprintf(f, "%-*s  ", (int)width[k], sw->axes[k].values[idx[k]]);
		for (size_t c = 0; c < NTABLE_COLS; c++) {
			table_cell(cell, sizeof(cell), sw->rows[i].fields[metric[c]]);
			fprintf(f, "%*s%s", (int)width[sw->naxes + c], cell, c + 1 < NTABLE_COLS ? "  " : "\n");
		}
	}
	free(width);
	free(metric);
}

/* The path of an executable named `name` on PATH, or NULL. The caller frees. */
static char *find_on_path(const char *name)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		return NULL;
	char *copy = xstrdup(path);
	char *found = NULL;
	for (char *dir = copy, *end; dir && !found; dir = end ? end + 1 : NULL) {
		end = strchr(dir, ':');
		if (end)
			*end = '\0';
		size_t n = strlen(dir) + strlen(name) + 2;
		char *cand = xmalloc(n);
		snprintf(cand, n, "%s/%s", *dir ? dir : ".", name);
		struct stat st;
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
			found = cand;
		else
			free(cand);
	}
	free(copy);
	return found;
}

/* A gnuplot string in double quotes. */
static void gp_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const char *p = s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		if (*p == '\n' || *p == '\r')
			fputc(' ', f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* A gnuplot string in single quotes (no escapes but '' for '): for file names. */
static void gp_path(FILE *f, const char *s)
{
	fputc('\'', f);
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			fputc('\'', f);
		fputc(*p, f);
	}
	fputc('\'', f);
}

/* Writes the gnuplot script of the chart into f. x is the first axis (its values as
 * numbers, or as categories when one is not a number); one line per metric and per
 * combination of the other axes. Returns the number of lines with at least one point. */
static size_t chart_script(FILE *f, const struct sweep *sw, const char *output)
{
	const struct sweep_axis *xa = &sw->axes[0];
	bool numeric = true;
	double *xs = xcalloc(xa->nvalues, sizeof(*xs));
	for (size_t v = 0; v < xa->nvalues; v++)
		numeric = numeric && parse_double(xa->values[v], strlen(xa->values[v]), &xs[v]);
	size_t nseries = sw->nruns / xa->nvalues; /* combinations of the other axes */
	fputs("set terminal svg size 900,560 noenhanced font 'sans,12' background rgb 'white'\n", f);
	fputs("set output ", f);
	gp_path(f, output);
	fputc('\n', f);
	char *title = NULL;
	size_t tlen = 0;
	FILE *t = open_memstream(&title, &tlen);
	if (!t)
		fatal_invariant("out of memory");
	fprintf(t, "%s: ", sw->scenario_name ? sw->scenario_name : sw->file);
	for (size_t m = 0; m < sw->nmetrics; m++)
		fprintf(t, "%s%s", m ? ", " : "", METRIC_DEFS[sw->metrics[m]].name);
	fprintf(t, " against %s", xa->key);
	fclose(t);
	fputs("set title ", f);
	gp_string(f, title);
	fputs("\nset xlabel ", f);
	gp_string(f, xa->key);
	fputs("\nset ylabel ", f);
	gp_string(f, sw->nmetrics == 1 ? METRIC_DEFS[sw->metrics[0]].name : "value");
	fputs("\nset grid\nset key below\nset autoscale xfix\nset pointsize 0.8\n", f);
	if (sw->log_x)
		fputs("set logscale x\n", f);
	if (sw->log_y)
		fputs("set logscale y\nset offsets graph 0.03, graph 0.03, 0, 0\n", f);
	else
		fputs("set yrange [0:*]\nset offsets graph 0.03, graph 0.03, graph 0.05, 0\n", f);
	free(title);
	if (!numeric) {
		fputs("set xtics (", f);
		for (size_t v = 0; v < xa->nvalues; v++) {
			if (v)
				fputs(", ", f);
			gp_string(f, xa->values[v]);
			fprintf(f, " %zu", v);
		}
		fputs(")\n", f);
	}
	/* One data block per line of the chart. */
	size_t nlines = 0;
	char *plot = NULL;
	size_t plot_len = 0;
	FILE *pl = open_memstream(&plot, &plot_len);
	if (!pl)
		fatal_invariant("out of memory");
	size_t idx[64];
	for (size_t m = 0; m < sw->nmetrics; m++) {
		for (size_t s = 0; s < nseries; s++) {
			size_t points = 0;
			for (size_t v = 0; v < xa->nvalues; v++) {
				const struct row *row = &sw->rows[v * nseries + s];
				double y;
				const char *val = row->done ? row->fields[sw->metrics[m]] : "";
				if (strcmp(val, "true") == 0)
					y = 1;
				else if (strcmp(val, "false") == 0)
					y = 0;
				else if (!parse_double(val, strlen(val), &y))
					continue;
				if (sw->log_y && !(y > 0))
					continue; /* no place on a log scale */
				if (points++ == 0)
					fprintf(f, "$line%zu << EOD\n", nlines);
				fprintf(f, "%.17g %.17g\n", numeric ? xs[v] : (double)v, y);
			}
			if (points == 0)
				continue;
			fputs("EOD\n", f);
			/* Its title: the metric (when there are several) and the other axes. */
			char *lt = NULL;
			size_t ltlen = 0;
			FILE *lf = open_memstream(&lt, &ltlen);
			if (!lf)
				fatal_invariant("out of memory");
			if (sw->nmetrics > 1 || sw->naxes == 1)
				fputs(METRIC_DEFS[sw->metrics[m]].name, lf);
			sweep_combination(sw->axes, sw->naxes, s, idx); /* s < nseries: axis 0 index is 0 */
			for (size_t k = 1; k < sw->naxes; k++)
				fprintf(lf, "%s%s=%s", (k > 1 || sw->nmetrics > 1) ? ", " : "", sw->axes[k].key,
					sw->axes[k].values[idx[k]]);
			fclose(lf);
			/* A colour per combination of the other axes, a dash and point type per metric. */
			static const int POINTS[] = { 7, 5, 9, 11, 13, 15 };
			fprintf(pl, "%s$line%zu using 1:2 with linespoints lw 2 lc %zu dt %zu pt %d title ",
				nlines ? ", \\\n  " : "plot ", nlines, s % 8 + 1, m % 5 + 1, POINTS[m % 6]);
			gp_string(pl, lt);
			free(lt);
			nlines++;
		}
	}
	fclose(pl);
	if (nlines)
		fprintf(f, "%s\n", plot);
	free(plot);
	free(xs);
	return nlines;
}

/* Draws the chart into tmp with gnuplot. Returns true when it did. */
static bool draw_chart(const struct sweep *sw, const char *tmp)
{
	char *script = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&script, &len);
	if (!f)
		fatal_invariant("out of memory");
	size_t nlines = chart_script(f, sw, tmp);
	fclose(f);
	if (nlines == 0) {
		fprintf(stderr, "l2sim: sweep: nothing to plot: the metric is empty (null) in every finished run\n");
		free(script);
		return false;
	}
	int p[2];
	if (pipe(p) != 0) {
		fprintf(stderr, "l2sim: sweep: cannot create a pipe: %s\n", strerror(errno));
		free(script);
		return false;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "l2sim: sweep: cannot start gnuplot: %s\n", strerror(errno));
		close(p[0]);
		close(p[1]);
		free(script);
		return false;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		dup2(p[0], STDIN_FILENO);
		close(p[0]);
		close(p[1]);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, STDOUT_FILENO);
			close(devnull);
		}
		execl(sw->gnuplot, "gnuplot", (char *)NULL);
		fprintf(stderr, "l2sim: sweep: cannot run %s: %s\n", sw->gnuplot, strerror(errno));
		_exit(127);
	}
	close(p[0]);
	/* gnuplot reads the whole script; if it dies early the write fails with EPIPE. */
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
	bool wrote = true;
	for (size_t off = 0; off < len && !stop_signal;) {
		ssize_t w = write(p[1], script + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			wrote = false;
			break;
		}
		off += (size_t)w;
	}
	close(p[1]);
	signal(SIGPIPE, old_pipe);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
		if (stop_signal)
			kill(pid, SIGKILL);
	}
	free(script);
	if (stop_signal)
		return false;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || !wrote) {
		fprintf(stderr, "l2sim: sweep: gnuplot failed to draw the chart (see its messages above)\n");
		return false;
	}
	return true;
}

/* ---- the command ---- */

static const char SWEEP_USAGE[] =
	"usage: l2sim sweep FILE --vary KEY=V1,V2,... [--vary ...] [--set KEY=VALUE]...\n"
	"                  [--jobs N] [--out FILE.csv|-]\n"
	"                  [--plot FILE.svg [--metric NAME[,NAME]...] [--log x|y|xy]]\n"
	"l2sim --help describes every command and option.\n";

__attribute__((format(printf, 1, 2))) static int sweep_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("l2sim: sweep: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs(SWEEP_USAGE, stderr);
	return 2;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (strcmp(a, b) == 0)
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static char *tmp_name(const char *path)
{
	size_t n = strlen(path) + 5;
	char *t = xmalloc(n);
	snprintf(t, n, "%s.tmp", path);
	return t;
}

static unsigned default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > (long)SWEEP_MAX_JOBS ? SWEEP_MAX_JOBS : (unsigned)n;
}

/* Takes the value of option `name` at argv[*i] ("--name=V" or "--name V"); NULL when
 * argv[*i] is not that option. *missing is set when it has no value. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, const char *short_name,
			     bool *missing)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, name, n) == 0 && a[n] == '=')
		return a + n + 1;
	if (strcmp(a, name) == 0 || (short_name && strcmp(a, short_name) == 0)) {
		if (*i + 1 >= argc) {
			*missing = true;
			return NULL;
		}
		return argv[++*i];
	}
	return NULL;
}

int sweep_main(int argc, char **argv)
{
	struct sweep sw = { 0 };
	int rc = 2;
	char *csv_tmp = NULL, *plot_tmp = NULL, *metric_arg = NULL;
	FILE *csv = NULL;
	bool plot_tmp_made = false, have_signals = false, log_given = false, interrupted_in_chart = false;
	struct saved_signals saved;
	sw.jobs = 0;
	sw.sets = xcalloc((size_t)argc + 1, sizeof(*sw.sets));
	sw.axes = xcalloc((size_t)argc + 1, sizeof(*sw.axes));

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v;
		bool missing = false;
		char err[256];
		if ((v = opt_value(argc, argv, &i, "--vary", NULL, &missing))) {
			if (sw.naxes == 64) {
				sweep_usage("at most 64 --vary");
				goto out;
			}
			if (!sweep_axis_parse(v, &sw.axes[sw.naxes], err, sizeof(err))) {
				sweep_usage("%s", err);
				goto out;
			}
			sw.naxes++;
		} else if ((v = opt_value(argc, argv, &i, "--set", NULL, &missing))) {
			const char *eq = strchr(v, '=');
			if (!eq || eq == v) {
				sweep_usage("--set needs KEY=VALUE (got \"%s\")", v);
				goto out;
			}
			char *key = xmalloc((size_t)(eq - v) + 1);
			memcpy(key, v, (size_t)(eq - v));
			key[eq - v] = '\0';
			sw.sets[sw.nsets].key = key;
			sw.sets[sw.nsets++].value = eq + 1;
		} else if ((v = opt_value(argc, argv, &i, "--jobs", "-j", &missing))) {
			char *end;
			errno = 0;
			unsigned long n = strtoul(v, &end, 10);
			if (!(*v >= '0' && *v <= '9') || *end || errno || n < 1 || n > SWEEP_MAX_JOBS) {
				sweep_usage("--jobs must be a whole number from 1 to %u (got \"%s\")", SWEEP_MAX_JOBS, v);
				goto out;
			}
			sw.jobs = (unsigned)n;
		} else if ((v = opt_value(argc, argv, &i, "--out", "-o", &missing))) {
			if (!*v) {
				sweep_usage("--out needs a file name (or - for standard output)");
				goto out;
			}
			sw.out = v;
		} else if ((v = opt_value(argc, argv, &i, "--plot", NULL, &missing))) {
			if (!*v || strcmp(v, "-") == 0) {
				sweep_usage("--plot needs a file name");
				goto out;
			}
			sw.plot = v;
		} else if ((v = opt_value(argc, argv, &i, "--log", NULL, &missing))) {
			if (strcmp(v, "x") != 0 && strcmp(v, "y") != 0 && strcmp(v, "xy") != 0) {
				sweep_usage("--log must be x, y or xy (got \"%s\")", v);
				goto out;
			}
			sw.log_x = strchr(v, 'x') != NULL;
			sw.log_y = strchr(v, 'y') != NULL;
			log_given = true;
		} else if ((v = opt_value(argc, argv, &i, "--metric", NULL, &missing))) {
			free(metric_arg);
			metric_arg = xstrdup(v);
		} else if (missing) {
			sweep_usage("%s needs a value", a);
			goto out;
		} else if (a[0] == '-' && a[1] != '\0') {
			sweep_usage("unknown option %s", a);
			goto out;
		} else if (sw.file) {
			sweep_usage("takes one FILE (got a second: %s)", a);
			goto out;
		} else {
			sw.file = a;
		}
	}
	if (!sw.file) {
		sweep_usage("needs a scenario FILE");
		goto out;
	}
	if (sw.naxes == 0) {
		sweep_usage("needs at least one --vary KEY=V1,V2,...");
		goto out;
	}
	for (size_t k = 0; k < sw.naxes; k++) {
		for (size_t j = 0; j < k; j++) {
			if (strcmp(sw.axes[k].key, sw.axes[j].key) == 0) {
				sweep_usage("--vary %s is given twice", sw.axes[k].key);
				goto out;
			}
		}
		for (size_t j = 0; j < sw.nsets; j++) {
			if (strcmp(sw.axes[k].key, sw.sets[j].key) == 0) {
				sweep_usage("%s is both varied (--vary) and fixed (--set)", sw.axes[k].key);
				goto out;
			}
		}
	}
	if (!sweep_count(sw.axes, sw.naxes, &sw.nruns)) {
		sweep_usage("more than %u runs", SWEEP_MAX_RUNS);
		goto out;
	}
	if ((metric_arg || log_given) && !sw.plot) {
		sweep_usage("%s shapes the chart; give --plot FILE.svg too", metric_arg ? "--metric" : "--log");
		goto out;
	}
	for (size_t v = 0; sw.log_x && v < sw.axes[0].nvalues; v++) {
		double d;
		const char *x = sw.axes[0].values[v];
		if (!parse_double(x, strlen(x), &d) || !(d > 0)) {
			sweep_usage("--log x needs numbers above 0 for %s (got \"%s\")", sw.axes[0].key, x);
			goto out;
		}
	}
	if (sw.plot) {
		const char *list = metric_arg ? metric_arg : "throughput_gain";
		sw.metrics = xcalloc(strlen(list) / 2 + 2, sizeof(*sw.metrics));
		char *copy = xstrdup(list);
		for (char *p = copy, *comma;; p = comma + 1) {
			comma = strchr(p, ',');
			if (comma)
				*comma = '\0';
			int m = sweep_metric_index(p);
			if (m < 0) {
				fprintf(stderr, "l2sim: sweep: --metric: unknown metric \"%s\"; the metrics are:", p);
				for (size_t j = 0; j < NMETRICS; j++)
					fprintf(stderr, " %s", METRIC_DEFS[j].name);
				fputc('\n', stderr);
				free(copy);
				goto out;
			}
			sw.metrics[sw.nmetrics++] = m;
			if (!comma)
				break;
		}
		free(copy);
	}
	if (sw.out && strcmp(sw.out, "-") != 0 && same_file(sw.out, sw.file)) {
		sweep_usage("--out %s would overwrite the scenario", sw.out);
		goto out;
	}
	if (sw.plot && same_file(sw.plot, sw.file)) {
		sweep_usage("--plot %s would overwrite the scenario", sw.plot);
		goto out;
	}
	if (sw.plot && sw.out && same_file(sw.plot, sw.out)) {
		sweep_usage("--out and --plot name the same file");
		goto out;
	}
	if (sw.jobs == 0)
		sw.jobs = default_jobs();

	/* Everything is checked before anything runs. */
	struct scn_errors read_errs = { 0 };
	bool read_ok = scn_read_file(sw.file, &sw.text, &sw.text_len, &read_errs);
	for (size_t e = 0; e < read_errs.n; e++)
		fprintf(stderr, "%s\n", read_errs.lines[e]);
	scn_errors_free(&read_errs);
	if (!read_ok)
		goto out;
	size_t bad = validate_all(&sw);
	if (bad) {
		fprintf(stderr, "l2sim: sweep: %zu of %zu runs would have bad input; nothing ran\n", bad, sw.nruns);
		goto out;
	}
	if (sw.plot) {
		char *gp = find_on_path("gnuplot");
		if (!gp) {
			fprintf(stderr,
				"l2sim: sweep: --plot needs gnuplot, which is not installed (nothing ran).\n"
				"  On Debian or Ubuntu: %sapt-get install gnuplot-nox\n"
				"  (or run `bash tools/setup.sh` in the l2sim sources)\n",
				getuid() == 0 ? "" : "sudo ");
			goto out;
		}
		sw.gnuplot = gp;
	}

	signals_install(&saved);
	have_signals = true;
	/* The output files are opened first, so a path that cannot be written is an error
	 * before the runs, not after them. */
	if (sw.out && strcmp(sw.out, "-") != 0) {
		csv_tmp = tmp_name(sw.out);
		csv = fopen(csv_tmp, "w");
		if (!csv) {
			fprintf(stderr, "l2sim: sweep: --out %s: cannot write its temporary %s: %s\n", sw.out, csv_tmp,
				strerror(errno));
			goto out;
		}
	}
	if (sw.plot) {
		plot_tmp = tmp_name(sw.plot);
		FILE *pf = fopen(plot_tmp, "w");
		if (!pf) {
			fprintf(stderr, "l2sim: sweep: --plot %s: cannot write its temporary %s: %s\n", sw.plot,
				plot_tmp, strerror(errno));
			goto out;
		}
		plot_tmp_made = true;
		fclose(pf);
	}

	sw.rows = xcalloc(sw.nruns, sizeof(*sw.rows));
	sw.progress = isatty(STDERR_FILENO);
	size_t failed = run_all(&sw);
	size_t finished = 0;
	for (size_t i = 0; i < sw.nruns; i++)
		finished += sw.rows[i].done;
	rc = failed ? 1 : 0;
	if (stop_signal)
		rc = 128 + stop_signal;

	if (csv) {
		if (stop_signal && finished == 0) {
			/* Nothing to keep: leave any earlier file as it was. */
			fclose(csv);
		} else {
			write_csv(csv, &sw);
			bool bad_write = ferror(csv) != 0;
			bad_write = fclose(csv) != 0 || bad_write;
			if (bad_write || rename(csv_tmp, sw.out) != 0) {
				fprintf(stderr, "l2sim: sweep: %s: cannot write: %s\n", sw.out, strerror(errno));
				if (rc == 0)
					rc = 1;
			}
		}
		csv = NULL;
	}
	if (sw.plot && finished > 0 && !stop_signal) {
		if (draw_chart(&sw, plot_tmp) && !stop_signal) {
			if (rename(plot_tmp, sw.plot) != 0) {
				fprintf(stderr, "l2sim: sweep: %s: cannot write: %s\n", sw.plot, strerror(errno));
				if (rc == 0)
					rc = 1;
			} else {
				plot_tmp_made = false;
			}
		} else if (stop_signal) {
			rc = 128 + stop_signal;
			interrupted_in_chart = true;
			fprintf(stderr, "l2sim: sweep interrupted while drawing the chart; no chart drawn\n");
		} else if (rc == 0) {
			rc = 1;
		}
	}
	/* The files first, standard output last: a reader that stops early (| head)
	 * cannot leave a temporary file behind. */
	if (!sw.out || strcmp(sw.out, "-") != 0)
		print_table(stdout, &sw);
	else
		write_csv(stdout, &sw);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "l2sim: sweep: cannot write to standard output: %s\n", strerror(errno));
		if (rc == 0)
			rc = 1;
	}
	if (stop_signal && !interrupted_in_chart) {
		fprintf(stderr, "l2sim: sweep interrupted: %zu of %zu runs finished%s%s%s\n", finished, sw.nruns,
			sw.out && strcmp(sw.out, "-") != 0 && finished ? "; their rows are in " : "",
			sw.out && strcmp(sw.out, "-") != 0 && finished ? sw.out : "", sw.plot ? "; no chart drawn" : "");
	}
out:
	if (csv)
		fclose(csv);
	if (csv_tmp)
		remove(csv_tmp); /* renamed already, or to be dropped */
	if (plot_tmp_made)
		remove(plot_tmp);
	if (have_signals)
		signals_restore(&saved);
	free(csv_tmp);
	free(plot_tmp);
	free(metric_arg);
	for (size_t i = 0; sw.rows && i < sw.nruns; i++)
		free(sw.rows[i].line);
	free(sw.rows);
	for (size_t k = 0; k < sw.naxes; k++)
		sweep_axis_free(&sw.axes[k]);
	free(sw.axes);
	for (size_t k = 0; k < sw.nsets; k++)
		free((char *)sw.sets[k].key);
	free(sw.sets);
	free(sw.metrics);
	free(sw.text);
	free(sw.scenario_name);
	free((char *)sw.gnuplot);
	return rc;
}
