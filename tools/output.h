/* Output files written whole or not at all: every file l2sim writes (--trace, sweep
 * --out and --plot) goes through here.
 *
 * A regular file, or a name that does not exist yet, is written to a temporary
 * created with mkstemp beside it (same directory, so the rename stays on one file
 * system; O_EXCL, so a planted file or symlink is never followed) and renamed over
 * the target when output_commit succeeds. A target that exists and is not a regular
 * file (/dev/null, /dev/stdout, a FIFO, a terminal) is opened and written in place:
 * renaming over it would replace the device or the pipe.
 *
 * Every temporary is in a registry that a fatal signal handler walks with
 * async-signal-safe calls only (unlink, then re-raise): Ctrl-C, SIGTERM, SIGHUP,
 * SIGPIPE and an allocation failure (SIGABRT from xmalloc, exit 2) leave no
 * temporary behind. A forked child never removes its parent's temporaries. */
#ifndef L2SIM_TOOLS_OUTPUT_H
#define L2SIM_TOOLS_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* At most this many outputs open at once (l2sim run needs four: --trace, --svg,
 * --html, --payments). */
#define OUTPUT_MAX_OPEN 8u

enum output_flags {
	OUTPUT_DEFAULT = 0,
	OUTPUT_FSYNC = 1 << 0, /* fsync the data before the rename */
};

struct output;

/* Opens `path` for writing as above. On failure returns NULL with errno set and
 * creates nothing. The caller ends it with output_commit or output_discard. Installs
 * the fatal signal handlers (output_catch_signals) on first use. */
struct output *output_open(const char *path, unsigned flags);
/* The stream to write to; owned by the output. */
FILE *output_file(const struct output *o);
/* The target's name, as given. */
const char *output_path(const struct output *o);
/* True when the target is written in place (not a regular file). */
bool output_in_place(const struct output *o);
/* Flushes, checks every write, optionally fsyncs and closes the stream, but does not
 * rename yet: a caller with several outputs finishes them all first and commits them
 * only when every one finished, so that one failure leaves every target as it was.
 * False with errno set on a failed write (the output stays for output_discard). */
bool output_finish(struct output *o);
/* Finishes o (when output_finish has not) and renames the temporary
 * over the target. Frees o. On failure removes the temporary, leaves the target as
 * it was (a regular one), and returns false with errno set (EIO when a write failed
 * without a better reason). */
bool output_commit(struct output *o);
/* Closes and removes the temporary; the target is left as it was. Frees o; NULL is
 * a no-op. errno is preserved. */
void output_discard(struct output *o);

/* Installs the handlers of SIGINT, SIGTERM, SIGHUP, SIGPIPE (remove the temporaries,
 * then die of the signal as before) and SIGABRT (remove them; an abort after a failed
 * allocation, errno ENOMEM, exits 2 instead of dumping core). A caller may install its
 * own SIGINT/SIGTERM handler afterwards (sweep does, to stop gracefully) as long as it
 * discards or commits its outputs itself. Idempotent. */
void output_catch_signals(void);
/* Removes every registered temporary now; async-signal-safe. */
void output_remove_temporaries(void);

/* True when `a` and `b` name the same file (the same name, the same device and inode,
 * or, when neither exists yet, the same name once their folders are resolved: "x" and
 * "./x"): an output that would replace its own input or another output is refused by
 * the callers. */
bool output_same_file(const char *a, const char *b);

/* Flushes standard output and checks that everything written to it arrived (a full
 * disk, a closed pipe). Returns 0, or the errno of the failure (EIO when unknown). */
int output_check_stdout(void);

#endif
