/* `l2sim sweep`: validating every combination before anything runs, the pool of
 * worker processes (sweep_worker.c computes one row), and the CSV. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "l1sim/util.h"
#include "tools/scenario.h"
#include "tools/sweep_internal.h"

#define NMETRICS SWEEP_NMETRICS

/* "k1=v1, k2=v2" of run i; the caller frees. */
char *sweep_run_label(const struct sweep *sw, size_t i)
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

/* Prints problem e of run i's load. The loader says which override caused a line (the
 * --set ones come first in ov, then the --vary ones) and where its problem starts:
 * a --vary one is named as such. */
static void print_load_error(const struct sweep *sw, size_t i, const char *label, const struct scn_errors *errs,
			     size_t e, const struct scn_override *ov)
{
	const char *line = errs->lines[e];
	const struct scn_origin *o = &errs->origin[e];
	if (o->override != SCN_FROM_FILE && o->override >= sw->nsets)
		fprintf(stderr, "l2sim: sweep run %zu (%s): %s: --vary %s: %s\n", i + 1, label, sw->file,
			ov[o->override].key, line + o->msg);
	else
		fprintf(stderr, "l2sim: sweep run %zu (%s): %s\n", i + 1, label, line);
}

/* Loads every combination; prints each distinct problem once (with the first
 * combination that shows it). Returns the number of invalid combinations. */
size_t sweep_validate_all(struct sweep *sw)
{
	struct scn_override *ov = xcalloc(sw->nsets + sw->naxes + 1, sizeof(*ov));
	struct scn_errors seen = { 0 };
	size_t bad = 0;
	for (size_t k = 0; k < sw->nsel; k++) {
		size_t i = sweep_sel_run(sw, k);
		struct scn_errors errs = { 0 };
		sweep_run_overrides(sw, i, ov);
		struct scenario *s = scn_load_buffer(sw->file, sw->text, sw->text_len, ov, sw->nsets + sw->naxes, &errs);
		if (s) {
			if (!sw->scenario_name)
				sw->scenario_name = xstrdup(s->name);
			if (!sw->description && s->description)
				sw->description = xstrdup(s->description);
			if (s->schemes_feature)
				sw->schemes = true;
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
					label = sweep_run_label(sw, i);
				print_load_error(sw, i, label, &errs, e, ov);
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

/* ---- signals: a flag and a self-pipe, so poll wakes at once ---- */

volatile sig_atomic_t sweep_stop_signal;
static int signal_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	sweep_stop_signal = sig;
	if (signal_pipe[1] >= 0) {
		char c = 0;
		ssize_t w = write(signal_pipe[1], &c, 1);
		(void)w;
	}
	errno = saved;
}

void sweep_signals_install(struct sweep_saved_signals *saved)
{
	sweep_stop_signal = 0;
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

void sweep_signals_restore(const struct sweep_saved_signals *saved)
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

double sweep_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

FILE *sweep_progress_file;

void sweep_progress_draw(size_t done, size_t total, double elapsed)
{
	FILE *out = sweep_progress_file ? sweep_progress_file : stderr;
	enum { WIDTH = 30 };
	size_t fill = total ? done * WIDTH / total : WIDTH;
	char bar[WIDTH + 1];
	for (size_t k = 0; k < WIDTH; k++)
		bar[k] = k < fill ? '#' : '.';
	bar[WIDTH] = '\0';
	unsigned e = (unsigned)elapsed;
	fprintf(out, "\r\033[K[%s] %zu/%zu runs  %u:%02u elapsed", bar, done, total, e / 60, e % 60);
	if (done > 0 && done < total) {
		unsigned left = (unsigned)(elapsed / (double)done * (double)(total - done));
		fprintf(out, "  ~%u:%02u left", left / 60, left % 60);
	}
	fflush(out);
}

void sweep_progress_clear(void)
{
	FILE *out = sweep_progress_file ? sweep_progress_file : stderr;
	fputs("\r\033[K", out);
	fflush(out);
}

static bool spawn(struct sweep *sw, struct sweep_worker *w, size_t run, const struct sweep_worker *all, size_t nall)
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
		int rc = sweep_worker_run(sw, run, p[1]);
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
bool sweep_take_row(struct sweep_row *row, char *buf, size_t len)
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
static bool reap(struct sweep *sw, struct sweep_worker *w)
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
		  sweep_take_row(&sw->rows[w->run], w->buf, w->len);
	if (!ok) {
		char *label = sweep_run_label(sw, w->run);
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
size_t sweep_run_all(struct sweep *sw)
{
	unsigned nw = sw->jobs < sw->nsel ? sw->jobs : (unsigned)sw->nsel;
	/* Kept in sw, not only here: a worker that exits inside spawn() still reaches
	 * them (valgrind --trace-children sees no leak). */
	struct sweep_worker *ws = sw->workers = xcalloc(nw, sizeof(*ws));
	struct pollfd *pfd = sw->pollfds = xcalloc(nw + 1, sizeof(*pfd));
	size_t next = 0, finished = 0, failed = 0, active = 0;
	double t0 = sweep_now(), last_draw = -1;
	bool spawn_failed = false;
	for (;;) {
		while (!sweep_stop_signal && !spawn_failed && active < nw && next < sw->nsel) {
			size_t k = 0;
			while (ws[k].pid > 0)
				k++;
			if (!spawn(sw, &ws[k], sweep_sel_run(sw, next), ws, nw)) {
				spawn_failed = true;
				break;
			}
			next++;
			active++;
		}
		if (spawn_failed && active == 0) {
			failed += sw->nsel - next;
			break;
		}
		if (active == 0 || sweep_stop_signal)
			break;
		if (sw->progress) {
			double t = sweep_now();
			if (t - last_draw >= 0.1) {
				sweep_progress_draw(finished, sw->nsel, t - t0);
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
			struct sweep_worker *w = &ws[map[j]];
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
		if (!sweep_stop_signal)
			sweep_progress_draw(finished, sw->nsel, sweep_now() - t0);
		sweep_progress_clear();
	}
	for (size_t k = 0; k < nw; k++)
		free(ws[k].buf);
	free(ws);
	free(pfd);
	sw->workers = NULL;
	sw->pollfds = NULL;
	return failed;
}
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

void sweep_write_csv(FILE *f, const struct sweep *sw)
{
	if (sw->sharded)
		fprintf(f, "%s\n", sw->shard_header);
	for (size_t k = 0; k < sw->naxes; k++) {
		csv_field(f, sw->axes[k].key);
		fputc(',', f);
	}
	size_t ncols = sweep_ncolumns(sw);
	for (size_t m = 0; m < ncols; m++)
		fprintf(f, "%s%s", SWEEP_METRICS[m], m + 1 < ncols ? "," : "\n");
	size_t idx[64];
	for (size_t i = 0; i < sw->nruns; i++) {
		const struct sweep_row *row = &sw->rows[i];
		if (!row->done)
			continue;
		sweep_combination(sw->axes, sw->naxes, i, idx);
		for (size_t k = 0; k < sw->naxes; k++) {
			csv_field(f, sw->axes[k].values[idx[k]]);
			fputc(',', f);
		}
		for (size_t m = 0; m < ncols; m++) {
			csv_field(f, row->fields[m]);
			fputc(m + 1 < ncols ? ',' : '\n', f);
		}
	}
}

