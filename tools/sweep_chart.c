/* `l2sim sweep --plot`: the chart, drawn by gnuplot from a script written here.
 *
 * Every string in the script (titles, labels, the values of a --vary) is in single
 * quotes: gnuplot expands backquotes (a shell command) and @macros in double-quoted
 * strings, never in single-quoted ones. gnuplot writes the SVG on its standard
 * output, straight into the output file (tools/output.h), so it is given no file
 * name at all; its messages are kept and shown only when it fails. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "l1sim/util.h"
#include "tools/sweep_internal.h"

/* The longest chart title, in bytes: one line across a 900 px chart. */
#define SWEEP_TITLE_MAX 90u


/* The path of an executable named `name` on PATH, or NULL. The caller frees. */
char *sweep_find_on_path(const char *name)
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

/* A gnuplot string in single quotes: nothing inside is expanded; a quote is doubled,
 * and a control byte (a line break would end the command; the others are not allowed
 * in the SVG's XML) becomes a space. */
static void gp_string(FILE *f, const char *s)
{
	fputc('\'', f);
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\'')
			fputc('\'', f);
		fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
	}
	fputc('\'', f);
}

const char *sweep_label(const struct sweep *sw, const char *key)
{
	size_t klen = strlen(key);
	for (size_t l = 0; l < sw->nlabels; l++) {
		if (strncmp(sw->labels[l], key, klen) == 0 && sw->labels[l][klen] == '=')
			return sw->labels[l] + klen + 1;
	}
	return key;
}

char *sweep_title_sentence(const char *description, size_t max)
{
	const char *s = description;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t len = 0;
	/* The first sentence ends at a '.', '!' or '?' followed by a space or the end. */
	while (s[len] && !(strchr(".!?", s[len]) && (s[len + 1] == '\0' || strchr(" \t\n\r", s[len + 1]))))
		len++;
	if (s[len])
		len++; /* keep its full stop */
	if (len <= max) {
		char *whole = xmalloc(len + 1);
		memcpy(whole, s, len);
		whole[len] = '\0';
		return whole;
	}
	size_t cut = max > 3 ? max - 3 : 0;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--; /* not inside a UTF-8 character */
	size_t word = cut;
	while (word > 0 && s[word] != ' ')
		word--;
	if (word > cut / 2)
		cut = word; /* at a word, unless that loses most of it */
	while (cut > 0 && (s[cut - 1] == ' ' || s[cut - 1] == ',' || s[cut - 1] == ';'))
		cut--;
	char *t = xmalloc(cut + 4);
	memcpy(t, s, cut);
	memcpy(t + cut, "...", 4);
	return t;
}

/* What chart_script found. */
struct chart_lines {
	size_t lines;       /* lines with at least one point */
	size_t off_log;     /* numbers left out because they are <= 0 on a log y axis */
};

/* Writes the gnuplot script of the chart into f. x is the first axis (its values as
 * numbers, or as categories when one is not a number); one line per metric and per
 * combination of the other axes. */
static struct chart_lines chart_script(FILE *f, const struct sweep *sw)
{
	struct chart_lines found = { 0, 0 };
	const struct sweep_axis *xa = &sw->axes[0];
	bool numeric = true;
	double *xs = xcalloc(xa->nvalues, sizeof(*xs));
	for (size_t v = 0; v < xa->nvalues; v++)
		numeric = numeric && sweep_parse_double(xa->values[v], strlen(xa->values[v]), &xs[v]);
	size_t nseries = sw->nruns / xa->nvalues; /* combinations of the other axes */
	fputs("set terminal svg size 900,560 noenhanced font 'sans,12' background rgb 'white'\n", f);
	char *title = NULL;
	size_t tlen = 0;
	FILE *t = open_memstream(&title, &tlen);
	if (!t)
		fatal_invariant("out of memory");
	if (sw->description && *sw->description) {
		/* The scenario says what it shows: its first sentence is the title. */
		char *sentence = sweep_title_sentence(sw->description, SWEEP_TITLE_MAX);
		fputs(sentence, t);
		free(sentence);
	} else {
		fprintf(t, "%s: ", sw->scenario_name ? sw->scenario_name : sw->file);
		for (size_t m = 0; m < sw->nmetrics; m++)
			fprintf(t, "%s%s", m ? ", " : "", sweep_label(sw, SWEEP_METRICS[sw->metrics[m]]));
		fprintf(t, " against %s", sweep_label(sw, xa->key));
	}
	fclose(t);
	fputs("set title ", f);
	gp_string(f, title);
	fputs("\nset xlabel ", f);
	gp_string(f, sweep_label(sw, xa->key));
	fputs("\nset ylabel ", f);
	gp_string(f, sw->nmetrics == 1 ? sweep_label(sw, SWEEP_METRICS[sw->metrics[0]]) : "value");
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
				const struct sweep_row *row = &sw->rows[v * nseries + s];
				double y;
				const char *val = row->done ? row->fields[sw->metrics[m]] : "";
				if (strcmp(val, "true") == 0)
					y = 1;
				else if (strcmp(val, "false") == 0)
					y = 0;
				else if (!sweep_parse_double(val, strlen(val), &y))
					continue;
				if (sw->log_y && !(y > 0)) {
					found.off_log++; /* no place on a log scale */
					continue;
				}
				if (points++ == 0)
					fprintf(f, "$line%zu << EOD\n", found.lines);
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
				fputs(sweep_label(sw, SWEEP_METRICS[sw->metrics[m]]), lf);
			sweep_combination(sw->axes, sw->naxes, s, idx); /* s < nseries: axis 0 index is 0 */
			for (size_t k = 1; k < sw->naxes; k++)
				fprintf(lf, "%s%s=%s", (k > 1 || sw->nmetrics > 1) ? ", " : "", sweep_label(sw, sw->axes[k].key),
					sw->axes[k].values[idx[k]]);
			fclose(lf);
			/* A colour per combination of the other axes, a dash and point type per metric. */
			static const int POINTS[] = { 7, 5, 9, 11, 13, 15 };
			fprintf(pl, "%s$line%zu using 1:2 with linespoints lw 2 lc %zu dt %zu pt %d title ",
				found.lines ? ", \\\n  " : "plot ", found.lines, s % 8 + 1, m % 5 + 1, POINTS[m % 6]);
			gp_string(pl, lt);
			free(lt);
			found.lines++;
		}
	}
	fclose(pl);
	if (found.lines)
		fprintf(f, "%s\n", plot);
	free(plot);
	free(xs);
	return found;
}

/* Copies what gnuplot said (kept in errf) to stderr. */
static void show_messages(FILE *errf)
{
	if (!errf)
		return;
	rewind(errf);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), errf)) > 0)
		fwrite(buf, 1, n, stderr);
}

static bool nothing_to_plot(struct chart_lines found)
{
	if (found.lines)
		return false;
	if (found.off_log)
		fprintf(stderr,
			"l2sim: sweep: nothing to plot: every value of the metric is 0 or below, and zeros cannot go on a "
			"log axis (drop --log y, or plot another --metric)\n");
	else
		fprintf(stderr, "l2sim: sweep: nothing to plot: the metric is empty (null) in every finished run\n");
	return true;
}

bool sweep_draw_chart(const struct sweep *sw, FILE *out)
{
	char *script = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&script, &len);
	if (!f)
		fatal_invariant("out of memory");
	struct chart_lines found = chart_script(f, sw);
	fclose(f);
	if (nothing_to_plot(found)) {
		free(script);
		return false;
	}
	int p[2];
	if (pipe(p) != 0) {
		fprintf(stderr, "l2sim: sweep: cannot create a pipe: %s\n", strerror(errno));
		free(script);
		return false;
	}
	/* gnuplot's warnings (a font it lacks, a range it widened) are noise when the
	 * chart is drawn: keep them in an unnamed file, shown only when it fails. */
	FILE *errf = tmpfile();
	fflush(stdout);
	fflush(stderr);
	fflush(out);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "l2sim: sweep: cannot start gnuplot: %s\n", strerror(errno));
		close(p[0]);
		close(p[1]);
		if (errf)
			fclose(errf);
		free(script);
		return false;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		dup2(p[0], STDIN_FILENO);
		close(p[0]);
		close(p[1]);
		dup2(fileno(out), STDOUT_FILENO);
		if (errf)
			dup2(fileno(errf), STDERR_FILENO);
		execl(sw->gnuplot, "gnuplot", (char *)NULL);
		fprintf(stderr, "l2sim: sweep: cannot run %s: %s\n", sw->gnuplot, strerror(errno));
		_exit(127);
	}
	close(p[0]);
	/* gnuplot reads the whole script; if it dies early the write fails with EPIPE. */
	struct sigaction ign, old_pipe;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old_pipe);
	bool wrote = true;
	for (size_t off = 0; off < len && !sweep_stop_signal;) {
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
	sigaction(SIGPIPE, &old_pipe, NULL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
		if (sweep_stop_signal)
			kill(pid, SIGKILL);
	}
	free(script);
	bool ok = !sweep_stop_signal && status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && wrote;
	if (!ok && !sweep_stop_signal) {
		show_messages(errf);
		fprintf(stderr, "l2sim: sweep: gnuplot failed to draw the chart%s\n",
			errf ? " (its messages are above)" : "");
	}
	if (errf)
		fclose(errf);
	return ok;
}
