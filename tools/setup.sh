#!/usr/bin/env bash
# Installs what l2sim needs to build and test, on Debian or Ubuntu, when it is missing.
# Run by the Makefile when pkg-config cannot find a dependency; safe to run again.
#
# Two groups: what the build needs (a failure to install it fails), and what only a
# feature needs: gnuplot-nox (the charts of `sweep --plot`), Open MPI
# (libopenmpi-dev, openmpi-bin: `sweep --mpi`, found by the Makefile through
# pkg-config ompi-c), and the test tools of the pictures of `run --svg` (libxml2-utils:
# xmllint parses them; librsvg2-bin: rsvg-convert renders them; make test skips those
# checks with a message without them). When the optional ones cannot be installed (no apt-get, no root
# and no password-less sudo, no network) this says so and exits 1 only if a required
# package is missing too; the Makefile then builds without --mpi.
set -euo pipefail

required=(build-essential pkg-config libsodium-dev libcjson-dev libcriterion-dev)
optional=(gnuplot-nox libopenmpi-dev openmpi-bin libxml2-utils librsvg2-bin)
missing_of() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
	done
}
if command -v dpkg-query >/dev/null 2>&1; then
	mapfile -t missing < <(missing_of "${required[@]}")
	mapfile -t missing_opt < <(missing_of "${optional[@]}")
else
	missing=(unknown)
	missing_opt=()
fi
if [ ${#missing[@]} -eq 0 ] && [ ${#missing_opt[@]} -eq 0 ]; then
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	if [ ${#missing[@]} -eq 0 ]; then
		echo "l2sim: not a Debian-like system: install Open MPI (pkg-config ompi-c) for sweep --mpi and gnuplot for --plot; building without them" >&2
		exit 1
	fi
	echo "l2sim: this is not a Debian-like system: install libsodium, cJSON and Criterion (with pkg-config files) and run make again" >&2
	exit 1
fi
all=("${missing[@]}" "${missing_opt[@]}")
. "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
if [ ${#missing[@]} -eq 0 ]; then
	# Only optional packages are missing: never fail hard for them.
	if ! apt_can_sudo; then
		echo "l2sim: optional ${missing_opt[*]} not installed (sweep --plot, sweep --mpi, the picture tests); to add them:" >&2
		echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing_opt[*]}" >&2
		exit 1
	fi
	echo "l2sim: installing ${missing_opt[*]} with apt-get (optional: sweep --plot, sweep --mpi, the picture tests)" >&2
	if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing_opt[@]}"; } >&2; then
		echo "l2sim: could not install ${missing_opt[*]}; building without them" >&2
		exit 1
	fi
	exit 0
fi
cmd="apt-get install -y --no-install-recommends ${all[*]}"
apt_sudo "missing ${missing[*]}" make "$cmd"
echo "l2sim: installing ${all[*]} with apt-get" >&2
"${sudo[@]}" apt-get update -qq >&2
if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${all[@]}" >&2; then
	# The optional ones may be what failed (a mirror without Open MPI): retry without.
	"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	echo "l2sim: could not install ${missing_opt[*]}; building without them" >&2
fi
