#!/usr/bin/env bash
# Installs what l2sim needs to build and test, on Debian or Ubuntu, when it is missing.
# Run by the Makefile when pkg-config cannot find a dependency; safe to run again.
set -euo pipefail

# gnuplot-nox draws the charts of `l2sim sweep --plot`; nothing else needs it, and the
# Makefile does not check for it, so running this script is how to add it later.
pkgs=(build-essential pkg-config libsodium-dev libcjson-dev libcriterion-dev gnuplot-nox)
# Optional test tools: make test checks the pictures of run --svg with them (xmllint
# parses them, rsvg-convert renders them) and skips those checks with a message when
# they are missing; failing to install them never fails this script.
optional=(libxml2-utils librsvg2-bin)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
missing_optional=()
for p in "${optional[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing_optional+=("$p")
done
install_optional() {
	[ ${#missing_optional[@]} -gt 0 ] || return 0
	local s=()
	[ "$(id -u)" -eq 0 ] || s=(sudo)
	if command -v apt-get >/dev/null 2>&1 &&
		{ [ ${#s[@]} -eq 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; }; then
		echo "l2sim: installing the optional test tools ${missing_optional[*]} with apt-get" >&2
		DEBIAN_FRONTEND=noninteractive "${s[@]}" apt-get install -y -qq --no-install-recommends "${missing_optional[@]}" >&2 ||
			echo "l2sim: the optional ${missing_optional[*]} could not be installed: make test skips the checks that need them" >&2
	else
		echo "l2sim: optional test tools missing: ${missing_optional[*]} (sudo apt-get install ${missing_optional[*]})" >&2
	fi
	return 0
}
if [ ${#missing[@]} -eq 0 ]; then
	install_optional
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
install_optional
