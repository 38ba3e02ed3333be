#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "l1sim/util.h"

struct output {
	FILE *f;
	char *path;
	char *tmp;      /* NULL: written in place */
	unsigned flags;
	size_t slot;    /* its place in the registry, when tmp */
};

/* The registry of temporaries. Changed only with every signal blocked, so the handler
 * sees each slot either empty or holding a whole name; read by the handler with no
 * call that is not async-signal-safe. `owner` keeps a forked child (a sweep worker,
 * gnuplot before exec) from removing its parent's files. */
static char *volatile registry[OUTPUT_MAX_OPEN];
static volatile pid_t owner;

static void block_all(sigset_t *old)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, old);
}

static void restore(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

void output_remove_temporaries(void)
{
	if (owner != getpid())
		return;
	for (size_t i = 0; i < OUTPUT_MAX_OPEN; i++) {
		char *p = registry[i];
		if (p)
			unlink(p);
	}
}

static void on_fatal(int sig)
{
	int e = errno;
	output_remove_temporaries();
	/* xmalloc reports "out of memory" and aborts: with the temporaries gone, that is
	 * an ordinary failure (exit 2), not a crash. Any other abort stays one. */
	if (sig == SIGABRT && e == ENOMEM)
		_exit(2);
	signal(sig, SIG_DFL);
	raise(sig);
}

void output_catch_signals(void)
{
	static bool installed;
	if (installed)
		return;
	installed = true;
	owner = getpid();
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGABRT };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_fatal;
		sigemptyset(&sa.sa_mask);
		for (size_t k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++)
			sigaddset(&sa.sa_mask, sigs[k]);
		sigaction(sigs[i], &sa, NULL);
	}
}

/* The temporary's template: "PATH.XXXXXX", or "DIR/.l2sim-XXXXXX" when the first
 * would be a name longer than the directory allows (a 250-character target). */
static char *temp_template(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t baselen = strlen(path) - dirlen;
	long name_max = 255;
	char *dir = xmalloc(dirlen + 2);
	if (dirlen)
		memcpy(dir, path, dirlen);
	else
		dir[dirlen++] = '.';
	dir[dirlen] = '\0';
	errno = 0;
	long n = pathconf(dir, _PC_NAME_MAX);
	if (n > 0)
		name_max = n;
	free(dir);
	if (baselen + 7 <= (size_t)name_max) {
		size_t len = strlen(path) + 8;
		char *t = xmalloc(len);
		snprintf(t, len, "%s.XXXXXX", path);
		return t;
	}
	static const char FIXED[] = ".l2sim-XXXXXX";
	dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	char *t = xmalloc(dirlen + sizeof(FIXED));
	memcpy(t, path, dirlen);
	memcpy(t + dirlen, FIXED, sizeof(FIXED));
	return t;
}

/* A target that exists and is not a regular file, opened in place; -1 otherwise
 * (errno 0: use a temporary). */
static int open_in_place(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0 || S_ISREG(st.st_mode)) {
		errno = 0;
		return -1;
	}
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* Checked again on what was opened: it may have changed since the stat. */
	if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode)) {
		close(fd);
		errno = 0;
		return -1;
	}
	return fd;
}

static void unregister(struct output *o)
{
	registry[o->slot] = NULL;
}

struct output *output_open(const char *path, unsigned flags)
{
	output_catch_signals();
	struct output *o = xcalloc(1, sizeof(*o));
	o->path = xstrdup(path);
	o->flags = flags;
	int fd = open_in_place(path);
	if (fd < 0 && errno != 0)
		goto fail;
	if (fd < 0) {
		o->tmp = temp_template(path);
		sigset_t old;
		block_all(&old);
		size_t slot = 0;
		while (slot < OUTPUT_MAX_OPEN && registry[slot])
			slot++;
		if (slot == OUTPUT_MAX_OPEN) {
			restore(&old);
			errno = EMFILE;
			goto fail;
		}
		/* No signal between creating the file and recording its name. */
		fd = mkstemp(o->tmp);
		if (fd >= 0) {
			registry[slot] = o->tmp;
			o->slot = slot;
		}
		restore(&old);
		if (fd < 0)
			goto fail;
		/* mkstemp creates the file 0600; give it the mode a plain fopen would (0666
		 * less the umask), as it replaces what the user asked for. */
		mode_t mask = umask(0);
		umask(mask);
		(void)fchmod(fd, 0666 & ~mask);
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		int e = errno;
		close(fd);
		errno = e;
		output_discard(o);
		return NULL;
	}
	return o;
fail:;
	int e = errno;
	free(o->tmp);
	free(o->path);
	free(o);
	errno = e;
	return NULL;
}

FILE *output_file(const struct output *o)
{
	return o->f;
}

const char *output_path(const struct output *o)
{
	return o->path;
}

bool output_in_place(const struct output *o)
{
	return o->tmp == NULL;
}

bool output_finish(struct output *o)
{
	if (!o->f)
		return true; /* finished before */
	int err = 0;
	if (fflush(o->f) != 0)
		err = errno ? errno : EIO;
	else if (ferror(o->f))
		err = EIO;
	if (!err && o->tmp && (o->flags & OUTPUT_FSYNC) && fsync(fileno(o->f)) != 0)
		err = errno;
	if (fclose(o->f) != 0 && !err)
		err = errno ? errno : EIO;
	o->f = NULL;
	if (err) {
		errno = err;
		return false;
	}
	return true;
}

bool output_commit(struct output *o)
{
	int err = 0;
	if (!output_finish(o))
		err = errno;
	if (!err && o->tmp) {
		sigset_t old;
		block_all(&old);
		if (rename(o->tmp, o->path) == 0)
			unregister(o);
		else
			err = errno;
		restore(&old);
	}
	if (err) {
		output_discard(o);
		errno = err;
		return false;
	}
	free(o->tmp);
	free(o->path);
	free(o);
	return true;
}

void output_discard(struct output *o)
{
	if (!o)
		return;
	int e = errno;
	if (o->f)
		fclose(o->f);
	if (o->tmp) {
		sigset_t old;
		block_all(&old);
		if (registry[o->slot] == o->tmp) {
			unlink(o->tmp);
			unregister(o);
		}
		restore(&old);
	}
	free(o->tmp);
	free(o->path);
	free(o);
	errno = e;
}

int output_check_stdout(void)
{
	errno = 0;
	if (fflush(stdout) != 0)
		return errno ? errno : EIO;
	if (ferror(stdout))
		return EIO;
	return 0;
}

/* Splits `path` into its folder (stat'ed into `folder`) and its last component
 * (*base). False when the folder does not exist or the name ends in "/", "." or "..". */
static bool split_name(const char *path, struct stat *folder, const char **base)
{
	const char *slash = strrchr(path, '/');
	*base = slash ? slash + 1 : path;
	if (!**base || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0)
		return false;
	if (!slash)
		return stat(".", folder) == 0;
	size_t len = slash == path ? 1 : (size_t)(slash - path);
	char *dir = xmalloc(len + 1);
	memcpy(dir, path, len);
	dir[len] = '\0';
	bool ok = stat(dir, folder) == 0;
	free(dir);
	return ok;
}

bool output_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (strcmp(a, b) == 0)
		return true;
	bool has_a = stat(a, &sa) == 0, has_b = stat(b, &sb) == 0;
	if (has_a && has_b)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	if (has_a || has_b)
		return false;
	/* Neither exists yet ("x" and "./x"): the same name in the same folder. */
	struct stat fa, fb;
	const char *base_a, *base_b;
	return split_name(a, &fa, &base_a) && split_name(b, &fb, &base_b) && fa.st_dev == fb.st_dev &&
	       fa.st_ino == fb.st_ino && strcmp(base_a, base_b) == 0;
}
