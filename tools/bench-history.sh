#!/usr/bin/env bash
# Measures earlier commits with today's benchmark: for each COMMIT, builds that tree
# with the current tools/bench.[ch] dropped in (so every commit is measured the same
# way) and prints one line of `l2sim bench --format json` figures.
#   tools/bench-history.sh COMMIT...      (run from the checkout; needs git, make)
set -eu
here=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-9s %12s %7s %12s %7s %10s %8s\n' commit off_pay/s ratio ed_pay/s ratio bytes/ch growth
for c in "$@"; do
	d="$tmp/$c"
	mkdir -p "$d"
	git -C "$here" archive "$c" | tar -x -C "$d"
	cp "$here/tools/bench.c" "$here/tools/bench.h" "$d/tools/"
	make -C "$d" -j2 build/l2sim >/dev/null 2>&1 || { echo "$c: does not build with today's bench"; continue; }
	"$d/build/l2sim" bench --format json >"$d/bench.json" 2>/dev/null
	python3 - "$c" "$d/bench.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[2]))
print('%-9s %12.0f %7.3f %12.0f %7.3f %10.0f %7.1f%%' % (sys.argv[1][:9], b['off']['payments_per_s'], b['off']['ratio'],
      b['ed25519']['payments_per_s'], b['ed25519']['ratio'], b['memory']['bytes_per_channel'],
      100 * b['memory']['rss_growth_10x_payments']))
PY
done
