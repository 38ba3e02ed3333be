/* `l2sim sweep --mpi` under mpirun: rank 0 expands and checks the grid exactly as the
 * one-machine sweep does (tools/sweep.c), then hands the runs to the ranks as they
 * become free (runs differ a lot in length), gathers the rows and writes the same
 * CSV, byte for byte. Built only when the Makefile finds Open MPI (L2SIM_HAVE_MPI),
 * and linked only into l2sim: the library and the tests never see MPI.
 *
 * Every rank, rank 0 included, runs one run at a time in a forked child (as the local
 * pool does, sweep_worker_run): a run that crashes kills only its child, and its rank
 * reports the run as failed. Only rank 0 reads the scenario; it sends the text to the
 * others, which build the grid from their own (identical) command line.
 *
 * Messages (all from or to rank 0): START (the scenario text) or QUIT before any run;
 * RUN (the run index, as text); RESULT ("R<run>\n<row>" or "E<run>\n<why>"); QUIT ends
 * a worker, killing its run if one is in flight. Waiting is MPI_Iprobe and a short
 * sleep, not a blocking receive: Open MPI spins in MPI_Recv, which would take a core
 * from the runs, and rank 0 must notice Ctrl-C.
 *
 * Faults: a worker rank that dies makes mpirun stop the job, sending SIGTERM to the
 * others; rank 0 then stops as on Ctrl-C (tools/sweep.c): it writes the rows that
 * finished, names the runs left in flight and on which rank, and exits 143. */
#include <mpi.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "l1sim/util.h"
#include "tools/options.h"
#include "tools/output.h"
#include "tools/sweep_internal.h"

enum { TAG_START = 1, TAG_QUIT, TAG_RUN, TAG_RESULT };

/* ---- one run in a forked child ---- */

struct slot {
	pid_t pid; /* 0: idle */
	int fd;
	size_t run;
	char *buf;
	size_t len, cap;
};

static bool slot_start(const struct sweep *sw, struct slot *s, size_t run)
{
	int p[2];
	if (pipe(p) != 0)
		return false;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (pid == 0) {
		/* The child dies with its rank (mpirun kills ranks, not their children), and
		 * leaves interruptions to rank 0. It never calls MPI. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_DFL);
		close(p[0]);
		_exit(sweep_worker_run(sw, run, p[1]));
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	s->pid = pid;
	s->fd = p[0];
	s->run = run;
	s->len = 0;
	return true;
}

/* Reads what the child wrote, waiting up to ms; true once it closed its pipe. */
static bool slot_poll(struct slot *s, int ms)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	if (poll(&pfd, 1, ms) <= 0)
		return false;
	for (;;) {
		if (s->len == s->cap)
			s->buf = xreallocarray(s->buf, s->cap = s->cap ? 2 * s->cap : 4096, 1);
		ssize_t got = read(s->fd, s->buf + s->len, s->cap - s->len);
		if (got > 0) {
			s->len += (size_t)got;
			continue;
		}
		if (got < 0 && errno == EINTR)
			continue;
		return got == 0;
	}
}

/* Reaps the child after its pipe closed: the RESULT message of its run (the caller
 * frees). */
static char *slot_finish(struct slot *s, size_t *len)
{
	int status = 0;
	while (waitpid(s->pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	close(s->fd);
	s->pid = 0;
	char *msg = NULL;
	FILE *f = open_memstream(&msg, len);
	if (!f)
		fatal_invariant("out of memory");
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		fprintf(f, "R%zu\n", s->run);
		fwrite(s->buf, 1, s->len, f);
	} else if (status != -1 && WIFSIGNALED(status)) {
		fprintf(f, "E%zu\nthe run died of signal %d", s->run, WTERMSIG(status));
	} else {
		fprintf(f, "E%zu\nthe run failed (exit %d)", s->run,
			status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	fclose(f);
	return msg;
}

static void slot_kill(struct slot *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(s->fd);
	s->pid = 0;
}

static void nap(long us)
{
	struct timespec ts = { 0, us * 1000 };
	nanosleep(&ts, NULL);
}

/* Waits for a message from rank 0 (any tag). */
static void wait_message(MPI_Status *st)
{
	for (;;) {
		int flag = 0;
		MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, st);
		if (flag)
			return;
		nap(2000);
	}
}

/* Receives a message of st's size as bytes; the caller frees. */
static char *receive(const MPI_Status *st, int *count)
{
	MPI_Get_count(st, MPI_CHAR, count);
	char *buf = xmalloc((size_t)*count + 1);
	MPI_Recv(buf, *count, MPI_CHAR, st->MPI_SOURCE, st->MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
	buf[*count] = '\0';
	return buf;
}

/* ---- a worker rank ---- */

static void worker(const struct cli_options *o)
{
	struct sweep sw = { 0 };
	sw.file = cli_input_name(o->files[0]);
	/* Rank 0 checks the same command line and says what is wrong; a grid that does
	 * not set up here is one rank 0 refused too, and it sends QUIT. */
	bool grid_ok = sweep_setup_grid(&sw, o);
	struct slot s = { 0 };
	MPI_Status st;
	int count;
	wait_message(&st);
	if (st.MPI_TAG != TAG_START || !grid_ok) {
		free(receive(&st, &count));
		goto out;
	}
	sw.text = receive(&st, &count);
	sw.text_len = (size_t)count;
	for (;;) {
		wait_message(&st);
		char *m = receive(&st, &count);
		if (st.MPI_TAG != TAG_RUN) {
			free(m);
			break;
		}
		size_t run = strtoull(m, NULL, 10);
		free(m);
		char *msg;
		size_t len;
		if (!slot_start(&sw, &s, run)) {
			char why[160];
			len = (size_t)snprintf(why, sizeof(why), "E%zu\ncannot start the run: %s", run, strerror(errno));
			msg = xstrdup(why);
		} else {
			bool quit = false;
			while (!slot_poll(&s, 2)) {
				int flag = 0;
				MPI_Iprobe(0, TAG_QUIT, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
				if (flag) {
					quit = true;
					break;
				}
			}
			if (quit) {
				slot_kill(&s);
				MPI_Recv(NULL, 0, MPI_CHAR, 0, TAG_QUIT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
				break;
			}
			msg = slot_finish(&s, &len);
		}
		MPI_Send(msg, (int)len, MPI_CHAR, 0, TAG_RESULT, MPI_COMM_WORLD);
		free(msg);
	}
out:
	slot_kill(&s);
	free(s.buf);
	sweep_free(&sw);
}

/* ---- rank 0 ---- */

static int nranks;
static bool quit_sent;

static void send_quit(void)
{
	if (quit_sent)
		return;
	quit_sent = true;
	for (int r = 1; r < nranks; r++)
		MPI_Send(NULL, 0, MPI_CHAR, r, TAG_QUIT, MPI_COMM_WORLD);
}

/* Records a RESULT message of rank r; false when the run failed (said on stderr). */
static bool take_result(struct sweep *sw, int r, char *msg, size_t len, size_t *run)
{
	char *nl = memchr(msg, '\n', len);
	*run = strtoull(msg + 1, NULL, 10);
	if (!nl || *run >= sw->nruns)
		fatal_invariant("a malformed result from an MPI rank");
	char *body = nl + 1;
	size_t blen = len - (size_t)(body - msg);
	if (msg[0] == 'R' && sweep_take_row(&sw->rows[*run], body, blen))
		return true;
	char *label = sweep_run_label(sw, *run);
	if (msg[0] == 'R')
		fprintf(stderr, "l2sim: sweep run %zu (%s) on rank %d: the run wrote no whole row\n", *run + 1, label, r);
	else
		fprintf(stderr, "l2sim: sweep run %zu (%s) on rank %d: %.*s\n", *run + 1, label, r, (int)blen, body);
	free(label);
	return false;
}

/* The terminal of mpirun, when rank 0 is its child and mpirun's stderr is one: the
 * ranks' own stderr is a pipe to mpirun, so the progress bar goes there directly
 * (and nowhere when mpirun's output is redirected, or rank 0 runs on another node). */
static FILE *mpirun_terminal(void)
{
	char link[64], target[256];
	snprintf(link, sizeof(link), "/proc/%ld/fd/2", (long)getppid());
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	if (strncmp(target, "/dev/pts/", 9) != 0 && strncmp(target, "/dev/tty", 8) != 0)
		return NULL;
	int fd = open(target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (!isatty(fd)) {
		close(fd);
		return NULL;
	}
	FILE *f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

/* ---- checkpoints ---- */

/* mpirun follows its SIGTERM with SIGKILL after odls_base_sigkill_timeout, and at
 * times within milliseconds: too soon, now and then, for rank 0 to write the rows.
 * So rank 0 also rewrites --out with the rows finished so far, whole (through
 * tools/output.c), at most about once a second and never taking more than a twentieth
 * of the time: if it is killed, the file holds every row finished up to the last
 * checkpoint (docs/benchmarks.md shows how to give rank 0 more time). The end of the
 * sweep writes the file once more, as without --mpi. Not
 * for --out - or a file that is not a regular one (written in place, only once). */
struct checkpoint {
	bool off;
	double last, cost;
	size_t rows; /* finished rows in the file */
};

static void checkpoint(struct sweep *sw, struct checkpoint *c, size_t finished)
{
	double t = sweep_now();
	if (c->off || !sw->out || strcmp(sw->out, "-") == 0 || finished == c->rows)
		return;
	if (t - c->last < 1.0 || t - c->last < 20 * c->cost)
		return;
	struct output *o = output_open(sw->out, OUTPUT_DEFAULT);
	if (!o || output_in_place(o)) {
		output_discard(o);
		c->off = true;
		return;
	}
	sweep_write_csv(output_file(o), sw);
	if (!output_commit(o))
		c->off = true; /* the end says why, when it cannot write either */
	c->rows = finished;
	c->last = sweep_now();
	c->cost = c->last - t;
}

static size_t mpi_run_all(struct sweep *sw)
{
	struct checkpoint ck = { .last = sweep_now() };
	FILE *tty = sw->progress ? NULL : mpirun_terminal();
	if (tty) {
		sweep_progress_file = tty;
		sw->progress = true;
	}
	/* busy[r]: the run rank r is on, or SIZE_MAX; rank 0's own is `local`. */
	size_t *busy = xcalloc((size_t)nranks, sizeof(*busy));
	for (int r = 0; r < nranks; r++)
		busy[r] = SIZE_MAX;
	for (int r = 1; r < nranks; r++)
		MPI_Send(sw->text, (int)sw->text_len, MPI_CHAR, r, TAG_START, MPI_COMM_WORLD);
	struct slot local = { 0 };
	size_t next = 0, finished = 0, failed = 0, active = 0;
	double t0 = sweep_now(), last_draw = -1;
	for (;;) {
		for (int r = nranks - 1; r >= 0 && !sweep_stop_signal && next < sw->nsel; r--) {
			if (busy[r] != SIZE_MAX)
				continue;
			size_t run = sweep_sel_run(sw, next);
			if (r == 0) {
				if (!slot_start(sw, &local, run)) {
					/* Rank 0 cannot fork: the other ranks go on alone. */
					if (nranks > 1)
						continue;
					fprintf(stderr, "l2sim: sweep: cannot start a run: %s\n", strerror(errno));
					failed += sw->nsel - next;
					next = sw->nsel;
					break;
				}
			} else {
				char m[32];
				int n = snprintf(m, sizeof(m), "%zu", run);
				MPI_Send(m, n, MPI_CHAR, r, TAG_RUN, MPI_COMM_WORLD);
			}
			busy[r] = run;
			next++;
			active++;
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
		if (local.pid > 0 ? slot_poll(&local, 1) : (nap(1000), false)) {
			size_t len, run;
			char *msg = slot_finish(&local, &len);
			failed += !take_result(sw, 0, msg, len, &run);
			free(msg);
			busy[0] = SIZE_MAX;
			finished++;
			active--;
		}
		for (;;) {
			int flag = 0;
			MPI_Status st;
			MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &st);
			if (!flag) {
				checkpoint(sw, &ck, finished - failed);
				break;
			}
			int count;
			size_t run;
			char *msg = receive(&st, &count);
			failed += !take_result(sw, st.MPI_SOURCE, msg, (size_t)count, &run);
			free(msg);
			busy[st.MPI_SOURCE] = SIZE_MAX;
			finished++;
			active--;
		}
	}
	if (sw->progress) {
		if (!sweep_stop_signal)
			sweep_progress_draw(finished, sw->nsel, sweep_now() - t0);
		sweep_progress_clear();
	}
	if (tty) {
		fclose(tty);
		sweep_progress_file = NULL;
	}
	if (sweep_stop_signal && active > 0) {
		/* mpirun turns Ctrl-C into SIGTERM for every rank, and sends SIGTERM when a
		 * rank died: either way these runs did not finish. */
		fprintf(stderr,
			"l2sim: sweep --mpi stopped by signal %d (Ctrl-C, or mpirun stopping the job because a rank "
			"died) with %zu run%s unfinished:",
			(int)sweep_stop_signal, active, active == 1 ? "" : "s");
		for (int r = 0; r < nranks; r++) {
			if (busy[r] == SIZE_MAX)
				continue;
			char *label = sweep_run_label(sw, busy[r]);
			fprintf(stderr, "\n  run %zu (%s) on rank %d", busy[r] + 1, label, r);
			free(label);
		}
		fputc('\n', stderr);
	}
	slot_kill(&local);
	free(local.buf);
	free(busy);
	/* After a signal the other ranks may be gone: rank 0 writes its files first and
	 * tells them afterwards (sweep_mpi_main). */
	if (!sweep_stop_signal)
		send_quit();
	return failed;
}

int sweep_mpi_main(const struct cli_options *o)
{
	/* The runs fork; Open MPI warns about fork() for transports that pin memory,
	 * which a child that never calls MPI does not touch. */
	setenv("OMPI_MCA_mpi_warn_on_fork", "0", 0);
	MPI_Init(NULL, NULL);
	int rank;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	if (rank != 0) {
		signal(SIGINT, SIG_IGN); /* rank 0 decides what Ctrl-C does */
		worker(o);
		MPI_Finalize();
		return 0;
	}
	int rc = sweep_command_with(o, mpi_run_all);
	if (sweep_stop_signal) {
		/* Some ranks may be dead (the reason for the signal): no collective
		 * MPI_Finalize, which would wait for them. */
		fflush(NULL);
		return rc;
	}
	send_quit();
	MPI_Finalize();
	return rc;
}
