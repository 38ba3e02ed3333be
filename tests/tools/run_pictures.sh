#!/usr/bin/env bash
# The pictures of `l2sim run --svg/--html` (issue 12, docs/teaching-disputes.md): every
# example scenario's picture parses as XML (xmllint) and renders (rsvg-convert); the
# picture of quickstart holds its dispute window at the blocks the text report gives;
# a routed payment's lane holds each hop's HTLC step at the block and hop its trace
# gives, its outcome and its htlc_loss;
# a huge run and a pathological one stay under the size limit (1 MiB, at most 6000
# elements); the same run gives the same bytes; bad paths get the errors of --trace.
# xmllint (Debian libxml2-utils) and rsvg-convert (librsvg2-bin) are optional: tools/
# setup.sh installs them; without them their checks are skipped with a message.
set -u
cd "$(dirname "$0")/../.."
. tests/tools/lib.sh
L2SIM=${L2SIM:-build/l2sim}
LIMIT_BYTES=1048576
LIMIT_ELEMENTS=6000

# The pictures the docs show (docs/teaching-disputes.md, docs/teaching-htlcs.md,
# README.md): NAME and the run's
# arguments. `make pictures` (this script with --write) redraws them; make test checks
# that the committed ones are what the current build draws.
PICTURES=(
	"quickstart scenarios/quickstart.json"
	"quickstart-window-2 scenarios/quickstart.json --set l1.dispute_timeout_blocks=2"
	"flood-blocks-challenge scenarios/flood-blocks-challenge.json"
	"htlc-cltv-short docs/examples/htlc-cltv-short.json"
)
if [ "${1:-}" = --write ]; then
	for p in "${PICTURES[@]}"; do
		set -- $p
		name=$1
		shift
		"$L2SIM" run "$@" --svg "docs/img/$name.svg" >/dev/null 2>&1
		[ $? -le 1 ] || { echo "l2sim: cannot draw docs/img/$name.svg" >&2; exit 1; }
		echo "drew docs/img/$name.svg"
	done
	exit 0
fi
for p in "${PICTURES[@]}"; do
	set -- $p
	name=$1
	shift
	"$L2SIM" run "$@" --svg "$tmp/doc-$name.svg" >/dev/null 2>&1
	if cmp -s "$tmp/doc-$name.svg" "docs/img/$name.svg"; then
		ok "docs/img/$name.svg is current"
	else
		bad "docs/img/$name.svg is not what the build draws: run make pictures"
	fi
done

have_xmllint=false have_rsvg=false
command -v xmllint >/dev/null 2>&1 && have_xmllint=true
command -v rsvg-convert >/dev/null 2>&1 && have_rsvg=true
$have_xmllint || echo "SKIP the XML checks: xmllint is missing (Debian libxml2-utils; tools/setup.sh installs it)"
$have_rsvg || echo "SKIP the rendering checks: rsvg-convert is missing (Debian librsvg2-bin; tools/setup.sh installs it)"

elements() { grep -o '<[a-zA-Z]' "$1" | wc -l; }

# Every example scenario: a picture and a page, valid XML, rendered.
for f in scenarios/*.json docs/examples/*.json; do
	b=$(basename "$f" .json)
	"$L2SIM" run "$f" --svg "$tmp/$b.svg" --html "$tmp/$b.html" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -gt 1 ] || [ ! -s "$tmp/$b.svg" ] || [ ! -s "$tmp/$b.html" ]; then
		bad "$f: run --svg --html: exit $rc"; cat "$tmp/err"; continue
	fi
	if $have_xmllint; then
		if xmllint --noout "$tmp/$b.svg" 2>"$tmp/err"; then ok "$b.svg parses as XML"; else bad "$b.svg is not XML"; head -5 "$tmp/err"; fi
		# The page is written as well-formed XML too, so the XML parser checks it whole.
		if xmllint --noout "$tmp/$b.html" 2>"$tmp/err"; then ok "$b.html is well-formed"; else bad "$b.html"; head -5 "$tmp/err"; fi
	fi
	if $have_rsvg; then
		if rsvg-convert "$tmp/$b.svg" -o "$tmp/$b.png" 2>"$tmp/err" && [ -s "$tmp/$b.png" ]; then ok "$b.svg renders"; else bad "$b.svg does not render"; head -5 "$tmp/err"; fi
	fi
done

# The window of quickstart, read from the picture's own elements, at the blocks the text
# report gives ("dispute window: blocks 4..14"), and the settlement and its finality.
q=scenarios/quickstart.json
"$L2SIM" run "$q" --svg "$tmp/q.svg" >"$tmp/q.txt"
span=$(sed -n 's/.*dispute window: blocks \([0-9]*\)\.\.\([0-9]*\);.*/\1 \2/p' "$tmp/q.txt")
settled=$(sed -n 's/^ *\([0-9]*\) .*dispute window over: settled.*/\1/p' "$tmp/q.txt")
final=$(sed -n 's/^ *\([0-9]*\) .*settlement is final.*/\1/p' "$tmp/q.txt")
if $have_xmllint; then
	first=$(xmllint --xpath 'string(//*[local-name()="rect"][@class="window"][@data-first-block]/@data-first-block)' "$tmp/q.svg")
	last=$(xmllint --xpath 'string(//*[local-name()="rect"][@class="window"][@data-first-block]/@data-last-block)' "$tmp/q.svg")
	chan=$(xmllint --xpath 'string(//*[local-name()="rect"][@class="window"][@data-first-block]/@data-channel)' "$tmp/q.svg")
	nwin=$(xmllint --xpath 'count(//*[local-name()="rect"][@class="window"][@data-first-block])' "$tmp/q.svg")
else
	first=$(sed -n 's/.*class="window" [^>]*data-first-block="\([0-9]*\)".*/\1/p' "$tmp/q.svg")
	last=$(sed -n 's/.*class="window" [^>]*data-last-block="\([0-9]*\)".*/\1/p' "$tmp/q.svg")
	chan=$(sed -n 's/.*class="window" [^>]*data-channel="\([^"]*\)".*/\1/p' "$tmp/q.svg")
	nwin=$(grep -c 'class="window" [^>]*data-first-block' "$tmp/q.svg")
fi
if [ -n "$span" ] && [ "$first $last" = "$span" ] && [ "$chan" = alice-bob ] && [ "$nwin" = 1 ]; then
	ok "quickstart: the window's rect spans blocks $first..$last of alice-bob, as the report says"
else
	bad "quickstart window: picture '$first..$last' on '$chan' ($nwin), report '$span'"
fi
# The rect covers the columns of those blocks: x from block 4's left edge to block 15's.
if grep -q "<g class=\"mark settled\" data-block=\"$settled\"" "$tmp/q.svg" &&
	grep -q "<g class=\"mark final\" data-block=\"$final\"" "$tmp/q.svg" &&
	grep -q '<g class="mark close-stale" data-block="4"' "$tmp/q.svg" &&
	grep -q '<g class="mark challenge" data-block="10"' "$tmp/q.svg"; then
	ok "quickstart: stale close at 4, challenge at 10, settled at $settled, final at $final"
else
	bad "quickstart marks (settled '$settled', final '$final')"
fi

# A huge run (10^5 generated channels) and a pathological one (60 channels, 4000 blocks,
# 300 offline spans) stay under the limit.
"$L2SIM" run docs/examples/generated.json --set generate.channels=100000 --format json \
	--svg "$tmp/huge.svg" >/dev/null 2>&1
size=$(stat -c %s "$tmp/huge.svg" 2>/dev/null || echo 0)
n=$(elements "$tmp/huge.svg")
if [ "$size" -gt 0 ] && [ "$size" -le $LIMIT_BYTES ] && [ "$n" -le $LIMIT_ELEMENTS ] &&
	grep -q 'generated channels' "$tmp/huge.svg"; then
	ok "10^5 generated channels: $size bytes, $n elements"
else
	bad "10^5 generated channels: $size bytes, $n elements"
fi
{
	printf '{"format":"l2sim/1","name":"stress","seed":1,"l1":{"block_interval_s":60,"confirmations":2,"fee":1,"dispute_timeout_blocks":10},\n"parties":['
	for i in $(seq 0 60); do printf '%s{"name":"p%d","balance":100000}' "$([ $i -gt 0 ] && echo ,)" $i; done
	printf '],\n"channels":['
	for i in $(seq 0 59); do printf '%s{"id":"ch%d","parties":["p%d","p%d"],"deposit":{"p%d":1000,"p%d":1000}}' "$([ $i -gt 0 ] && echo ,)" $i $i $((i + 1)) $i $((i + 1)); done
	printf '],\n"script":['
	for i in $(seq 0 59); do printf '{"at":0,"action":"open","channel":"ch%d"},' $i; done
	for k in $(seq 0 299); do printf '{"at":%d,"action":"offline","party":"p0","blocks":3},' $((1 + k * 7)); done
	for k in $(seq 0 49); do for i in $(seq 0 59); do printf '{"at":%d,"action":"pay","channel":"ch%d","from":"p%d","to":"p%d","amount":1},' $((2200 + k * 3)) $i $i $((i + 1)); done; done
	for i in $(seq 0 59); do printf '{"at":%d,"action":"offline","party":"p%d","blocks":5},' $((2400 + i * 30)) $((i + 1)); done
	for i in $(seq 0 59); do printf '%s{"at":%d,"action":"close","channel":"ch%d","by":"p%d","mode":"unilateral","state":0}' "$([ $i -gt 0 ] && echo ,)" $((2400 + i * 30)) $i $i; done
	printf ']}\n'
} >"$tmp/stress.json"
"$L2SIM" run "$tmp/stress.json" --svg "$tmp/stress.svg" --html "$tmp/stress.html" >/dev/null 2>"$tmp/err"
rc=$?
size=$(stat -c %s "$tmp/stress.svg" 2>/dev/null || echo 0)
n=$(elements "$tmp/stress.svg")
if [ $rc -le 1 ] && [ "$size" -gt 0 ] && [ "$size" -le $LIMIT_BYTES ] && [ "$n" -le $LIMIT_ELEMENTS ] &&
	grep -q '44 more channels not shown' "$tmp/stress.svg"; then
	ok "60 channels over 4000 blocks: $size bytes, $n elements, the lanes bounded"
else
	bad "stress picture: exit $rc, $size bytes, $n elements"; head -3 "$tmp/err"
fi
if $have_xmllint && ! xmllint --noout "$tmp/stress.svg" 2>/dev/null; then bad "the stress picture is not XML"; fi

# Routed payments: a lane per payment whose marks are its hops' HTLC steps, each at the
# block and on the hop the run's own trace gives (data-block, data-hop: the hop's
# index in the route), its outcome, and an htlc_loss in the violation colour; nothing
# more in the lane than the trace has. The picture parses and renders.
xp() { xmllint --xpath "$1" "$2" 2>/dev/null; }
for f in scenarios/routing-onchain-claim.json scenarios/routing-htlc-loss.json scenarios/routing-retry-drained.json; do
	b=$(basename "$f" .json)
	"$L2SIM" run "$f" --svg "$tmp/r-$b.svg" --trace "$tmp/r-$b.jsonl" >/dev/null 2>&1
	$have_xmllint || break
	if xmllint --noout "$tmp/r-$b.svg" 2>/dev/null; then ok "$b: the picture parses"; else bad "$b: the picture is not XML"; fi
	if $have_rsvg; then
		if rsvg-convert "$tmp/r-$b.svg" -o "$tmp/r-$b.png" 2>/dev/null && [ -s "$tmp/r-$b.png" ]; then ok "$b: the picture renders"; else bad "$b: the picture does not render"; fi
	fi
	lane='//*[local-name()="g"][@class="lane"][@data-payment="0"]'
	if [ "$(xp "count($lane)" "$tmp/r-$b.svg")" != 1 ]; then bad "$b: no lane of payment 0"; continue; fi
	# Each step's hop: an attempt adds its HTLCs hop by hop from the sender's (so the
	# k-th add of a run of adds is hop k); the later steps of a channel are those of
	# the hop it was added as. Steps of one kind, hop and block are one mark (a retry
	# may add hop 0 twice in a block).
	unset hopof
	declare -A hopof
	k=0 prev=""
	while read -r line; do
		blk=$(echo "$line" | sed -n 's/^{"block":\([0-9]*\),.*/\1/p')
		step=$(echo "$line" | sed -n 's/.*"step":"\([a-z_]*\)".*/\1/p')
		ch=$(echo "$line" | sed -n 's/.*"channel":"\([^"]*\)".*/\1/p')
		if [ "$step" = added ]; then
			[ "$prev" = added ] || k=0
			hopof[$ch]=$k
			k=$((k + 1))
		fi
		prev=$step
		case $step in
		added) cls=htlc-added ;; settled) cls=htlc-settled ;; removed) cls=htlc-removed ;; close) cls=htlc-close ;;
		claim) cls=htlc-claim ;; paid_payee) cls=htlc-paid ;; paid_payer) cls=htlc-refunded ;; *) cls=? ;;
		esac
		echo "$cls $blk ${hopof[$ch]:--1}"
	done < <(grep '"event":"htlc","payment":0,' "$tmp/r-$b.jsonl") | sort -u >"$tmp/r-$b.want"
	want=$(wc -l <"$tmp/r-$b.want") miss=""
	while read -r cls blk hop; do
		n=$(xp "count($lane//*[local-name()=\"g\"][@class=\"mark $cls\"][@data-block=\"$blk\"][@data-hop=\"$hop\"])" "$tmp/r-$b.svg")
		[ "$n" = 1 ] || miss="$miss $cls@$blk(hop $hop)"
	done <"$tmp/r-$b.want"
	got=$(xp "count($lane//*[local-name()=\"g\"][starts-with(@class,\"mark htlc-\")][@data-hop])" "$tmp/r-$b.svg")
	if [ -z "$miss" ] && [ "$want" -gt 0 ] && [ "$got" = "$want" ]; then
		ok "$b: payment 0's lane has its HTLC steps at the trace's blocks and hops ($want marks)"
	else
		bad "$b: payment 0's lane: missing$miss; $got hop marks for $want trace steps"
	fi
	outcome=$(grep '"event":"routed","payment":0,"step":"\(ok\|failed\)"' "$tmp/r-$b.jsonl" | tail -1)
	oblk=$(echo "$outcome" | sed -n 's/^{"block":\([0-9]*\),.*/\1/p')
	ostep=$(echo "$outcome" | sed -n 's/.*"step":"\([a-z]*\)".*/\1/p')
	if [ -n "$oblk" ] && [ "$(xp "count($lane//*[local-name()=\"g\"][@class=\"mark routed-$ostep\"][@data-block=\"$oblk\"])" "$tmp/r-$b.svg")" = 1 ]; then
		ok "$b: the payment's outcome ($ostep) at block $oblk"
	else
		bad "$b: outcome '$ostep' at '$oblk' not in the lane"
	fi
	nloss=$(grep -c '"event":"htlc_loss","payment":0,' "$tmp/r-$b.jsonl")
	lblk=$(grep '"event":"htlc_loss","payment":0,' "$tmp/r-$b.jsonl" | head -1 | sed -n 's/^{"block":\([0-9]*\),.*/\1/p')
	gotloss=$(xp "count($lane//*[local-name()=\"g\"][@class=\"mark htlc-loss\"])" "$tmp/r-$b.svg")
	if [ "$nloss" = 0 ] && [ "$gotloss" = 0 ]; then
		ok "$b: no htlc_loss, none drawn"
	elif [ "$gotloss" = 1 ] && [ "$(xp "count($lane//*[local-name()=\"g\"][@class=\"mark htlc-loss\"][@data-block=\"$lblk\"]//*[local-name()=\"path\"][@fill=\"#d50000\"])" "$tmp/r-$b.svg")" = 1 ] &&
		grep -q "class=\"alarm\"[^>]*>$nloss htlc_loss" "$tmp/r-$b.svg"; then
		ok "$b: the htlc_loss at block $lblk, in the violation colour, and counted in the heading"
	else
		bad "$b: htlc_loss: $nloss in the trace (block $lblk), $gotloss drawn"
	fi
done
# Many routed payments: 8 lanes of their own, the rest in one shared lane, bounded.
printf '%s' '{"format":"l2sim/1","name":"many-routed","seed":1,"l1":{"block_interval_s":1,"confirmations":1,"block_tx_limit":100000},"l2":{"signatures":"off"},"generate":{"parties":300,"topology":"scale_free","channels_per_party":3,"balance":"100000000000","deposit":100000000,"open_at":0},"workload":[{"kind":"poisson","routed":true,"parties":"all","rate_per_s":400,"from_block":2,"to_block":12,"amount":{"min":1000,"max":1000}}]}' >"$tmp/many.json"
"$L2SIM" run "$tmp/many.json" --svg "$tmp/many.svg" >/dev/null 2>&1
size=$(stat -c %s "$tmp/many.svg" 2>/dev/null || echo 0)
n=$(elements "$tmp/many.svg")
lanes=$(grep -c '<g class="lane" id="lane-[0-9]*" data-payment=' "$tmp/many.svg")
marks=$(grep -c '<g class="mark' "$tmp/many.svg")
if [ "$size" -gt 0 ] && [ "$size" -le $LIMIT_BYTES ] && [ "$n" -le $LIMIT_ELEMENTS ] && [ "$lanes" = 8 ] &&
	[ "$marks" -le 800 ] && grep -q 'more routed payments not shown in lanes of their own' "$tmp/many.svg"; then
	ok "many routed payments: $lanes payment lanes, the rest shared; $size bytes, $n elements, $marks marks"
else
	bad "many routed payments: $size bytes, $n elements, $lanes payment lanes, $marks marks"
fi

# The same run, the same bytes.
"$L2SIM" run "$tmp/stress.json" --svg "$tmp/stress2.svg" --html "$tmp/stress2.html" >/dev/null 2>&1
"$L2SIM" run "$q" --svg "$tmp/q2.svg" >/dev/null 2>&1
if cmp -s "$tmp/stress.svg" "$tmp/stress2.svg" && cmp -s "$tmp/stress.html" "$tmp/stress2.html" &&
	cmp -s "$tmp/q.svg" "$tmp/q2.svg"; then
	ok "two runs draw the same bytes"
else
	bad "the pictures differ between two runs"
fi

# Bad paths: the errors of --trace, exit 2, nothing left behind.
for opt in svg html; do
	what=$([ $opt = svg ] && echo "the picture" || echo "the page")
	"$L2SIM" run "$q" --$opt "$tmp/no/such/dir/x.$opt" --trace "$tmp/bad-$opt.jsonl" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q "^l2sim: $tmp/no/such/dir/x.$opt: cannot write $what: No such file or directory" "$tmp/err" &&
		[ ! -e "$tmp/bad-$opt.jsonl" ]; then
		ok "--$opt to a missing folder: exit 2, \"cannot write $what\", no trace"
	else
		bad "--$opt to a missing folder: exit $rc"; cat "$tmp/err"
	fi
	cp "$q" "$tmp/self.json"
	"$L2SIM" run "$tmp/self.json" --$opt "$tmp/self.json" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q "would overwrite the scenario" "$tmp/err" && cmp -s "$q" "$tmp/self.json"; then
		ok "--$opt naming the scenario: exit 2, the scenario unchanged"
	else
		bad "--$opt naming the scenario: exit $rc"; cat "$tmp/err"
	fi
	"$L2SIM" run "$q" --$opt "" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q "^l2sim: run: --$opt needs a file name" "$tmp/err"; then ok "--$opt with no name: usage error"; else bad "--$opt '': exit $rc"; fi
done
"$L2SIM" run "$q" --svg "$tmp/same.out" --html "$tmp/same.out" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "name the same file" "$tmp/err" && [ ! -e "$tmp/same.out" ]; then
	ok "--svg and --html naming one file: exit 2"
else
	bad "--svg and --html naming one file: exit $rc"; cat "$tmp/err"
fi
if ls -a "$tmp" | grep -q 'XXXXXX\|\.l2sim-\|\.svg\.\|\.html\.'; then bad "a temporary was left: $(ls -a "$tmp" | grep '\.svg\.\|\.html\.\|\.l2sim-')"; else ok "no temporary left behind"; fi

# SPEC section 11: a lane per scheme (data-scheme) holding a mark at the block of every
# step and violation its own trace tells (batches, proofs, pegs, thefts), the
# violations in the heading; the picture parses and renders.
if $have_xmllint; then
	for f in scenarios/rollup-fraud-caught.json scenarios/rollup-fraud-missed.json scenarios/sidechain-theft.json \
		scenarios/sidechain-peg-pay-out.json scenarios/l1-vs-channels.json; do
		b=$(basename "$f" .json)
		"$L2SIM" run "$f" --svg "$tmp/s-$b.svg" --trace "$tmp/s-$b.jsonl" >/dev/null 2>&1
		if ! xmllint --noout "$tmp/s-$b.svg" 2>/dev/null; then bad "$b: the picture is not XML"; continue; fi
		if $have_rsvg && ! { rsvg-convert "$tmp/s-$b.svg" -o "$tmp/s-$b.png" 2>/dev/null && [ -s "$tmp/s-$b.png" ]; }; then
			bad "$b: the picture does not render"; continue
		fi
		miss="" steps=0
		while read -r blk scheme kind; do
			lane="//*[local-name()=\"g\"][@class=\"lane\"][@data-scheme=\"$scheme\"]"
			case $kind in
			scheme_step) cond='[@class="mark scheme-step" or @class="mark scheme-attack"]' ;;
			scheme_violation) cond='[@class="mark violation"]' ;;
			esac
			n=$(xp "count($lane//*[local-name()=\"g\"]$cond[@data-block=\"$blk\"])" "$tmp/s-$b.svg")
			[ "${n:-0}" -ge 1 ] || miss="$miss $kind@$blk($scheme)"
			steps=$((steps + 1))
		done < <(sed -n 's/^{"block":\([0-9]*\),"time_s":[0-9.]*,"event":"\(scheme_step\|scheme_violation\)","scheme":"\([^"]*\)".*/\1 \3 \2/p' \
			"$tmp/s-$b.jsonl" | sort -u)
		nviol=$(grep -c '"event":"scheme_violation"' "$tmp/s-$b.jsonl")
		if [ "$nviol" -gt 0 ]; then heading="Theorem 2.1 broken: $nviol security violation"; else heading="no security violation"; fi
		if [ -z "$miss" ] && [ "$steps" -gt 0 ] && grep -q "$heading" "$tmp/s-$b.svg"; then
			ok "$b: every scheme step and violation of the trace has its mark at its block ($steps), heading \"$heading\""
		else
			bad "$b: missing$miss ($steps steps); heading \"$heading\" $(grep -c "$heading" "$tmp/s-$b.svg")"
		fi
	done
fi

finish "run_pictures"
