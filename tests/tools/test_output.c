/* tools/output.c: every output file is whole or absent, a device is written in place,
 * and the temporaries go away on a fatal signal or an allocation failure. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tools/output.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/l2sim-output-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static char *path_in(const char *name)
{
	static char buf[2][512];
	static int k;
	k ^= 1;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

/* The number of entries of the folder, temporaries (hidden ones too) included. */
static int entries(void)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

Test(output, commit_renames_the_whole_file_and_leaves_no_temporary, .init = make_dir, .fini = remove_dir)
{
	struct output *o = output_open(path_in("out.txt"), OUTPUT_FSYNC);
	cr_assert_not_null(o);
	cr_assert(!output_in_place(o));
	fputs("hello\n", output_file(o));
	cr_assert_eq(entries(), 1, "the temporary, and not yet the file");
	cr_assert_null(slurp(path_in("out.txt")));
	cr_assert(output_commit(o));
	cr_assert_str_eq(slurp(path_in("out.txt")), "hello\n");
	cr_assert_eq(entries(), 1);
}

Test(output, discard_keeps_the_old_file, .init = make_dir, .fini = remove_dir)
{
	FILE *f = fopen(path_in("out.txt"), "w");
	fputs("old\n", f);
	fclose(f);
	struct output *o = output_open(path_in("out.txt"), OUTPUT_DEFAULT);
	cr_assert_not_null(o);
	fputs("new\n", output_file(o));
	output_discard(o);
	cr_assert_str_eq(slurp(path_in("out.txt")), "old\n");
	cr_assert_eq(entries(), 1);
}

Test(output, a_name_at_the_length_limit_gets_a_short_temporary, .init = make_dir, .fini = remove_dir)
{
	char name[251];
	memset(name, 'x', 250);
	name[250] = '\0';
	struct output *o = output_open(path_in(name), OUTPUT_DEFAULT);
	cr_assert_not_null(o, "%s", strerror(errno));
	fputs("long\n", output_file(o));
	cr_assert(output_commit(o));
	cr_assert_str_eq(slurp(path_in(name)), "long\n");
	cr_assert_eq(entries(), 1);
}

Test(output, a_device_is_written_in_place)
{
	struct output *o = output_open("/dev/null", OUTPUT_DEFAULT);
	cr_assert_not_null(o);
	bool in_place = output_in_place(o);
	if (!in_place)
		output_discard(o); /* never rename anything over /dev/null */
	cr_assert(in_place);
	fputs("nothing\n", output_file(o));
	cr_assert(output_commit(o));
	struct stat st;
	cr_assert_eq(stat("/dev/null", &st), 0);
	cr_assert(S_ISCHR(st.st_mode));
}

Test(output, a_missing_directory_fails_and_creates_nothing, .init = make_dir, .fini = remove_dir)
{
	errno = 0;
	cr_assert_null(output_open(path_in("no/such/file"), OUTPUT_DEFAULT));
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(entries(), 0);
}

/* In a child: an output half written, then `how` ends the process. */
static int die_with_a_temporary(void (*how)(void))
{
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		struct output *o = output_open(path_in("t.jsonl"), OUTPUT_DEFAULT);
		if (!o || entries() != 1)
			_exit(99);
		fputs("partial\n", output_file(o));
		fflush(output_file(o));
		how();
		_exit(98);
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static void out_of_memory(void)
{
	errno = ENOMEM; /* as malloc leaves it before xmalloc aborts */
	abort();
}

static void sigterm(void)
{
	raise(SIGTERM);
}

Test(output, an_allocation_failure_exits_2_and_removes_the_temporary, .init = make_dir, .fini = remove_dir)
{
	int status = die_with_a_temporary(out_of_memory);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %#x", status);
	cr_assert_eq(entries(), 0, "the temporary was left");
}

Test(output, a_fatal_signal_removes_the_temporary_and_kills, .init = make_dir, .fini = remove_dir)
{
	int status = die_with_a_temporary(sigterm);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "status %#x", status);
	cr_assert_eq(entries(), 0, "the temporary was left");
}

Test(output, a_forked_child_never_removes_its_parents_temporaries, .init = make_dir, .fini = remove_dir)
{
	struct output *o = output_open(path_in("p.txt"), OUTPUT_DEFAULT);
	cr_assert_not_null(o);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		raise(SIGTERM); /* the parent's handler, inherited */
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	cr_assert(WIFSIGNALED(status));
	cr_assert_eq(entries(), 1, "the child removed the parent's temporary");
	fputs("kept\n", output_file(o));
	cr_assert(output_commit(o));
	cr_assert_str_eq(slurp(path_in("p.txt")), "kept\n");
}

/* Two names of one file that does not exist yet ("x" and "./x", "d/../x") are the same
 * output: --svg x --html ./x once wrote the page over the picture and exited 0. */
Test(output, two_spellings_of_a_new_file_are_the_same_file, .init = make_dir, .fini = remove_dir)
{
	char a[600], b[600], c[600], d[600];
	snprintf(a, sizeof(a), "%s/new.svg", dir);
	snprintf(b, sizeof(b), "%s/./new.svg", dir);
	snprintf(c, sizeof(c), "%s/../%s/new.svg", dir, strrchr(dir, '/') + 1);
	snprintf(d, sizeof(d), "%s/other.svg", dir);
	cr_assert(output_same_file(a, b));
	cr_assert(output_same_file(a, c));
	cr_assert(!output_same_file(a, d));
	cr_assert(!output_same_file(a, "/no/such/dir/new.svg"));
	cr_assert(access(a, F_OK) != 0, "nothing was created");
}
