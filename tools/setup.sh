#!/usr/bin/env bash
# Installs what l2sim needs to build and test, on Debian or Ubuntu, when it is missing.
# Run by the Makefile when pkg-config cannot find a dependency; safe to run again.
set -euo pipefail

# gnuplot-nox draws the charts of `l2sim sweep --plot`; nothing else needs it, and the
# Makefile does not check for it, so running this script is how to add it later.
pkgs=(build-essential pkg-config libsodium-dev libcjson-dev libcriterion-dev gnuplot-nox)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
	echo "l2sim: missing ${missing[*]}; this is not a Debian-like system: install libsodium, cJSON and Criterion (with pkg-config files) and run make again" >&2
	exit 1
fi
. "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
apt_sudo "missing ${missing[*]}" make "$cmd"
echo "l2sim: installing ${missing[*]} with apt-get" >&2
"${sudo[@]}" apt-get update -qq >&2
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
