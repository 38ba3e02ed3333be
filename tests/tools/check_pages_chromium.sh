#!/usr/bin/env bash
# The pages of `l2sim run --html` in a real browser (issue 12): each example scenario's
# page loads in headless Chromium with no console message (an error, a blocked fetch)
# and a screenshot is taken, into DIR (default build/screenshots/). Run by .ci/run;
# skipped with a message when no Chromium is installed (Debian: chromium).
#   bash tests/tools/check_pages_chromium.sh [DIR]
set -u
cd "$(dirname "$0")/../.."
. tests/tools/lib.sh
L2SIM=${L2SIM:-build/l2sim}
dir=${1:-build/screenshots}
browser=
for b in chromium chromium-browser google-chrome; do
	command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
if [ -z "$browser" ]; then
	echo "SKIP the pages in a browser: no Chromium (Debian: apt-get install chromium)"
	exit 0
fi
mkdir -p "$dir"
for f in scenarios/*.json; do
	b=$(basename "$f" .json)
	"$L2SIM" run "$f" --html "$tmp/$b.html" >/dev/null 2>&1
	rm -f "$dir/$b.png"
	# A profile of its own: nothing of the user's browser is read or written.
	# No background networking, sync or updates: this machine has no network, and
	# Chromium's own connections would fail (and log) otherwise.
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-quic --disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 --hide-scrollbars \
		--window-size=1280,1600 --screenshot="$dir/$b.png" "file://$tmp/$b.html" \
		>/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ] && [ -s "$dir/$b.png" ] && ! grep -q ':CONSOLE' "$tmp/err"; then
		ok "$b.html loads in $browser with no console message ($dir/$b.png)"
	else
		bad "$b.html in $browser: exit $rc"; grep ':CONSOLE' "$tmp/err" | head -5
	fi
done
finish "pages in a browser"
