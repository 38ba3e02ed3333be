#!/usr/bin/env bash
# Golden outputs: what l2sim prints today, pinned byte for byte.
#
#   bash tests/golden/golden.sh check   (make test) compare every output with its file
#   bash tests/golden/golden.sh write   (make golden) rewrite them all
#
# Rewrite them only in a commit that says which output changed and why.
#
# Cases: every scenario in scenarios/, docs/examples/ and the shared acceptance folder
# (when present), each as written, with --set l2.signatures=off and with
# --set l1.interval=exponential; for each, the text report (stdout, stderr and exit
# status in one file) and the JSON report with its --trace (two files). Then a few
# Poisson runs with other seeds and a generated network of three-party channels, and
# one sweep CSV. The acceptance cases live under acceptance/ and are skipped with a
# message when that folder is absent.
set -u
mode=${1:-check}
L2SIM=${L2SIM:-build/l2sim}
ACCEPTANCE=${ACCEPTANCE:-../shared/acceptance}
here=tests/golden
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
L2SIM=$(realpath "$L2SIM")
case $mode in
check | write) ;;
*)
	echo "usage: $0 check|write" >&2
	exit 2
	;;
esac

pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# put NAME FILE: write FILE as golden NAME, or compare it with NAME. Outputs over
# 256 KiB are kept as NAME.gz (gzip -n: the same bytes every time) and compared unzipped.
put() {
	local name=$1 got=$2 gold=$here/$1
	if [ "$(stat -c %s "$got")" -gt 262144 ]; then
		name=$name.gz
		gold=$here/$name
	fi
	if [ "$mode" = write ]; then
		mkdir -p "$(dirname "$gold")"
		rm -f "$here/$1" "$here/$1.gz"
		case $name in
		*.gz) gzip -n -9 <"$got" >"$gold" ;;
		*) cp "$got" "$gold" ;;
		esac
		pass=$((pass + 1))
		return
	fi
	local want=$gold
	[ -e "$want" ] || want=$here/$1
	[ -e "$want" ] || want=$here/$1.gz
	if [ ! -e "$want" ]; then
		fail=$((fail + 1))
		echo "FAIL golden $1: no such golden file (make golden writes it)"
		return
	fi
	case $want in
	*.gz) gzip -dc "$want" >"$tmp/want" ;;
	*) cp "$want" "$tmp/want" ;;
	esac
	if cmp -s "$tmp/want" "$got"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL golden $1 differs (- golden, + now):"
		diff -u "$tmp/want" "$got" | head -30 | sed 's/^/    /'
	fi
}

# one GROUP FILE VARIANT [ARGS...]: the text run and the JSON run with its trace.
one() {
	local group=$1 f=$2 variant=$3
	shift 3
	local base
	base=$(basename "$f" .json)
	local name=$group/$base.$variant
	local dir=.
	# The acceptance files run from their folder, so that their messages name them
	# the same way wherever that folder is.
	if [ "$group" = acceptance ]; then
		dir=$(dirname "$f")
		f=$(basename "$f")
	fi
	local rc=0
	(cd "$dir" && "$L2SIM" run "$f" "$@") >"$tmp/out" 2>"$tmp/err" || rc=$?
	{
		echo "exit $rc"
		echo "--- stdout"
		cat "$tmp/out"
		echo "--- stderr"
		cat "$tmp/err"
	} >"$tmp/text"
	put "$name.txt" "$tmp/text"
	rc=0
	rm -f "$tmp/trace.jsonl"
	(cd "$dir" && "$L2SIM" run "$f" "$@" --format json --trace "$tmp/trace.jsonl") >"$tmp/json" 2>"$tmp/err" || rc=$?
	{
		echo "exit $rc"
		cat "$tmp/err"
	} >"$tmp/status"
	put "$name.json" "$tmp/json"
	put "$name.json-status" "$tmp/status"
	[ -e "$tmp/trace.jsonl" ] || : >"$tmp/trace.jsonl"
	put "$name.trace.jsonl" "$tmp/trace.jsonl"
}

# Every file three times: as written, unsigned, exponential intervals.
variants() {
	local group=$1 f=$2
	one "$group" "$f" plain
	one "$group" "$f" sigoff --set l2.signatures=off
	one "$group" "$f" exp --set l1.interval=exponential
}

for f in scenarios/*.json; do
	variants scenarios "$f"
done
for f in docs/examples/*.json; do
	variants examples "$f"
done
if [ -d "$ACCEPTANCE" ]; then
	for f in "$ACCEPTANCE"/*.json; do
		variants acceptance "$f"
	done
else
	echo "SKIP golden acceptance outputs: $ACCEPTANCE not found (in CI it is ../shared/acceptance)"
fi

# Poisson workloads: explicit channels with other seeds and a faster rate, and a
# generated network of three-party channels with exponential intervals.
one poisson scenarios/poisson-many-channels.json seed7 --set seed=7 --set workload.0.rate_per_s=5
one poisson scenarios/poisson-many-channels.json seed99-exp --set seed=99 --set l1.interval=exponential
one poisson docs/examples/generated.json three-party --set generate.channel_size=3 --set seed=11 \
	--set l2.signatures=ed25519 --set generate.channels=100 --set generate.parties=40 \
	--set workload.0.rate_per_s=20
one poisson docs/examples/generated.json in-report --set generate.in_report=true --set generate.channels=20 \
	--set generate.parties=10 --set workload.0.rate_per_s=5

# One sweep: its CSV and its table.
rc=0
"$L2SIM" sweep docs/examples/sweep-gain.json --vary script.1.count=1,10,100 --vary script.2.state=latest,0 \
	--jobs 2 --out "$tmp/sweep.csv" >"$tmp/sweep.out" 2>"$tmp/sweep.err" || rc=$?
{
	echo "exit $rc"
	echo "--- stdout"
	cat "$tmp/sweep.out"
	echo "--- stderr"
	cat "$tmp/sweep.err"
} >"$tmp/sweep.text"
put sweep/sweep-gain.csv "$tmp/sweep.csv"
put sweep/sweep-gain.txt "$tmp/sweep.text"

if [ "$mode" = write ]; then
	echo "golden: $pass files written under $here"
else
	echo "golden: $pass passed, $fail failed"
	[ $fail -eq 0 ]
fi
