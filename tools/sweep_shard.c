/* `l2sim sweep --shard I/N`: the header line that names the sweep a partial CSV
 * belongs to. sweep-merge (sweep_merge.c) joins only shards whose headers agree past
 * "shard I/N", so the line holds everything that decides the rows: the number of
 * runs, a hash of the scenario text (not its path: the same file copied to each node
 * is the same sweep) and the --set and --vary arguments, in order. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "l1sim/util.h"
#include "tools/options.h"
#include "tools/sweep_internal.h"

/* An argument on the header line: control characters and backslashes escaped, so
 * the line stays one line whatever the argument holds. */
static void put_arg(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
}

char *sweep_shard_header(const struct sweep *sw, const struct cli_options *o)
{
	unsigned char hash[crypto_generichash_BYTES];
	crypto_generichash(hash, sizeof(hash), (const unsigned char *)sw->text, sw->text_len, NULL, 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		fatal_invariant("out of memory");
	fprintf(f, "# l2sim sweep shard %zu/%zu: runs=%zu scenario=blake2b:", sw->shard_i, sw->shard_n, sw->nruns);
	for (size_t k = 0; k < sizeof(hash); k++)
		fprintf(f, "%02x", hash[k]);
	for (size_t k = 0; k < o->nsets; k++) {
		fputs(" --set ", f);
		put_arg(f, o->sets[k].key);
		fputc('=', f);
		put_arg(f, o->sets[k].value);
	}
	for (size_t k = 0; k < o->nvary; k++) {
		fputs(" --vary ", f);
		put_arg(f, o->vary[k]);
	}
	fclose(f);
	return buf;
}
