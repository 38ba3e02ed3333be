/* Fuzz target: the graph importers (tools/import*.c) through import_fuzz_one. The
 * first byte picks the importer: even, CLoTH's three CSVs (nodes, channels, edges)
 * separated by 0 bytes; odd, lnd describegraph JSON (bit 1: split node1, else half).
 * Seeds are in tests/fuzz/seeds-import/. Any crash, sanitizer report or leak is a
 * finding. */
#include <stddef.h>
#include <stdint.h>

#include "tools/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return import_fuzz_one(data, size);
}
