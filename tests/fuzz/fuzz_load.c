/* Fuzz target: the scenario loader and validator (scn_load_buffer), without and with
 * --set overrides taken from the input (see fuzz_input.h). Any crash, sanitizer report,
 * leak, or broken invariant of an accepted scenario is a finding. */
#include "tests/fuzz/fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	fuzz_input_split(&in, data, size);
	scn_free(fuzz_load(in.json, in.json_len, NULL, 0));
	if (in.nov)
		scn_free(fuzz_load(in.json, in.json_len, in.ov, in.nov));
	fuzz_input_free(&in);
	return 0;
}
