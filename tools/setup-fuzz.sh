#!/usr/bin/env bash
# Installs what `make fuzz` needs when it is missing: clang and its libFuzzer and
# sanitizer runtimes (Debian packages clang and libclang-rt-N-dev; the latter is only
# a recommendation of clang, so a --no-install-recommends system lacks it).
# Run by the Makefile for the fuzz targets; safe to run again.
set -euo pipefail
CC=${FUZZ_CC:-clang}

fuzzer_links() {
	command -v "$CC" >/dev/null 2>&1 || return 1
	local d
	d=$(mktemp -d)
	printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$d/t.c"
	local ok=1
	"$CC" -fsanitize=fuzzer,address,undefined "$d/t.c" -o "$d/t" >/dev/null 2>&1 && ok=0
	rm -rf "$d"
	return $ok
}

fuzzer_links && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
	echo "l2sim: $CC cannot build libFuzzer targets; install clang with its compiler-rt (libFuzzer, ASan, UBSan) and run make fuzz again" >&2
	exit 1
fi
. "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
apt_sudo "$CC cannot build libFuzzer targets" "make fuzz" \
	"apt-get install -y clang libclang-rt-\$(clang -dumpversion | cut -d. -f1)-dev"
echo "l2sim: installing clang and its fuzzer runtime with apt-get" >&2
"${sudo[@]}" apt-get update -qq >&2
command -v "$CC" >/dev/null 2>&1 || "${sudo[@]}" apt-get install -y -qq --no-install-recommends clang >&2
major=$("$CC" -dumpversion | cut -d. -f1)
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "libclang-rt-$major-dev" >&2
fuzzer_links || { echo "l2sim: $CC still cannot link -fsanitize=fuzzer" >&2; exit 1; }
