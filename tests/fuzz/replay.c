/* Replays fuzz inputs through a fuzz target without libFuzzer: linked with one target
 * in the normal build (with sanitizers under `make SAN=1`), it runs every FILE given
 * and fails on the first crash or broken invariant. `make test` runs it over
 * tests/fuzz/regressions/, the inputs that once found a bug. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 2;
		}
		size_t cap = 4096, len = 0;
		uint8_t *buf = malloc(cap);
		size_t got;
		while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0)
			if ((len += got) == cap)
				buf = realloc(buf, cap *= 2);
		if (!buf || ferror(f)) {
			fprintf(stderr, "%s: cannot read\n", argv[i]);
			return 2;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
	}
	printf("replayed %d input%s\n", argc - 1, argc == 2 ? "" : "s");
	return 0;
}
