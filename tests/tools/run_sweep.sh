#!/usr/bin/env bash
# Checks of `l2sim sweep` as a user runs it: the CSV of a small sweep and the gains
# theory predicts, the same bytes whatever --jobs is, bad input (exit 2, nothing
# written), the chart (when gnuplot is installed) and the message when it is not, and
# Ctrl-C (exit 130, the finished rows kept, no temporary file left).
# Prints one line per check and closes with "N passed, N failed".
set -u
L2SIM=$(realpath "${L2SIM:-build/l2sim}")
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gain=docs/examples/sweep-gain.json
sec=docs/examples/sweep-security.json

# A small sweep: 2 x 2 runs, one CSV row each, the gains of SPEC/docs/metrics.md.
if "$L2SIM" sweep $gain --vary script.1.count=1,40 --vary script.2.state=latest,0 --out "$tmp/a.csv" \
	>"$tmp/table" 2>"$tmp/err"; then
	ok "sweep $gain exits 0"
else
	bad "sweep $gain: exit $?"; sed 's/^/    /' "$tmp/err"
fi
rows=$(awk -F, 'NR > 1 { printf "%s %s %s %s;", $1, $2, $7, $9 }' "$tmp/a.csv")
# count, state, throughput_gain, l1_channel_txs: (p+2)/2 with 2 channel txs, (p+3)/3 with 3.
if [ "$rows" = "1 latest 1.5 2;1 0 1.3333333333333333 3;40 latest 21 2;40 0 14.333333333333334 3;" ]; then
	ok "sweep CSV: gains (p+2)/2 and (p+3)/3"
else
	bad "sweep CSV rows: $rows"
fi
if [ "$(head -1 "$tmp/a.csv" | cut -d, -f1-4)" = "script.1.count,script.2.state,blocks,sim_time_s" ] && [ "$(wc -l <"$tmp/table")" -eq 5 ]; then
	ok "sweep CSV header and table"
else
	bad "sweep CSV header or table"; head -2 "$tmp/a.csv"; cat "$tmp/table"
fi

# The same bytes whatever --jobs is.
"$L2SIM" sweep $sec --vary script.8.blocks=11..14 --vary l1.dispute_timeout_blocks=12,13 --jobs 1 \
	--out "$tmp/j1.csv" >/dev/null 2>&1
"$L2SIM" sweep $sec --vary script.8.blocks=11..14 --vary l1.dispute_timeout_blocks=12,13 --jobs 2 \
	--out "$tmp/j2.csv" >/dev/null 2>&1
if [ -s "$tmp/j1.csv" ] && cmp -s "$tmp/j1.csv" "$tmp/j2.csv"; then
	ok "sweep --jobs 1 and --jobs 2 write the same CSV"
else
	bad "sweep --jobs 1 and --jobs 2 differ"
fi
# Violations start once the absence outlasts the window (offline blocks > T).
v=$(awk -F, 'NR > 1 { printf "%s/%s:%s ", $1, $2, $21 }' "$tmp/j1.csv")
if [ "$v" = "11/12:0 11/13:0 12/12:0 12/13:0 13/12:4 13/13:0 14/12:4 14/13:4 " ]; then
	ok "sweep: violations once offline > dispute window"
else
	bad "sweep violations: $v"
fi

# Bad input: exit 2, named, nothing written.
"$L2SIM" sweep $gain --vary l1.confirmations=2,0 --out "$tmp/bad.csv" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "sweep run 2 (l1.confirmations=0): .*l1.confirmations" "$tmp/err" &&
	[ -z "$(ls "$tmp" | grep '^bad.csv')" ]; then
	ok "sweep with a bad value exits 2 naming the run, writes nothing"
else
	bad "sweep with a bad value: exit $rc"; cat "$tmp/err"
fi
"$L2SIM" sweep $gain --vary script.1.count=1..3 --jobs 0 >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q -- "--jobs must be" "$tmp/err"; then
	ok "sweep --jobs 0 exits 2"
else
	bad "sweep --jobs 0: exit $rc"; cat "$tmp/err"
fi

# The chart: gnuplot missing is a clear error before anything runs.
PATH=/nonexistent "$L2SIM" sweep $gain --vary script.1.count=1,2 --out "$tmp/np.csv" --plot "$tmp/np.svg" \
	>/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "apt-get install gnuplot-nox" "$tmp/err" && [ -z "$(ls "$tmp" | grep '^np\.')" ]; then
	ok "sweep --plot without gnuplot exits 2 with the install command"
else
	bad "sweep --plot without gnuplot: exit $rc"; cat "$tmp/err"
fi
if command -v gnuplot >/dev/null 2>&1; then
	for n in 1 2; do
		"$L2SIM" sweep $gain --vary script.1.count=1,10,100 --vary script.2.state=latest,0 \
			--plot "$tmp/c$n.svg" --log xy >/dev/null 2>"$tmp/err$n"
	done
	if head -1 "$tmp/c1.svg" 2>/dev/null | grep -q '^<?xml' && grep -q 'script.2.state=0' "$tmp/c1.svg" &&
		cmp -s "$tmp/c1.svg" "$tmp/c2.svg" && [ "$(ls "$tmp" | grep -c '^c1\.svg')" -eq 1 ]; then
		ok "sweep --plot draws the same SVG twice"
	else
		bad "sweep --plot"; cat "$tmp/err1"
	fi
else
	echo "SKIP sweep --plot: gnuplot is not installed (bash tools/setup.sh installs gnuplot-nox)"
fi

# CSV numbers in their shortest form that reads back the same: 200/3 is
# 66.66666666666667 (it was printed 66.666666666666671).
"$L2SIM" sweep $gain --vary script.1.count=197 --vary script.2.state=0 --out - >"$tmp/short.csv" 2>"$tmp/err"
g=$(awk -F, 'NR == 2 { print $7 }' "$tmp/short.csv")
if [ "$g" = 66.66666666666667 ]; then ok "sweep CSV: shortest round-trip numbers (66.66666666666667)"; else bad "sweep CSV number: $g"; fi

# --out and --plot: a planted FILE.tmp symlink (the old fixed temporary name) is not
# followed, and a target that is not a regular file (here a pipe) is written in
# place, never replaced.
echo victim >"$tmp/victim"
ln -s "$tmp/victim" "$tmp/planted.csv.tmp"
"$L2SIM" sweep $gain --vary script.1.count=1,2 --out "$tmp/planted.csv" >/dev/null 2>&1
if [ "$(cat "$tmp/victim")" = victim ] && [ -s "$tmp/planted.csv" ]; then
	ok "sweep --out: a planted FILE.tmp symlink is not followed"
else
	bad "sweep --out followed a planted symlink: $(head -1 "$tmp/victim")"
fi
mkfifo "$tmp/out.fifo"
timeout 60 cat "$tmp/out.fifo" >"$tmp/from-fifo" &
reader=$!
"$L2SIM" sweep $gain --vary script.1.count=1,2 --out "$tmp/out.fifo" >/dev/null 2>"$tmp/err"
rc=$?
[ -p "$tmp/out.fifo" ] || kill $reader 2>/dev/null
wait $reader
if [ $rc -eq 0 ] && [ -p "$tmp/out.fifo" ] && grep -q "^script.1.count," "$tmp/from-fifo"; then
	ok "sweep --out to a pipe writes through it and leaves it a pipe"
else
	bad "sweep --out to a pipe: exit $rc"; cat "$tmp/err"
fi

if command -v gnuplot >/dev/null 2>&1; then
	mkfifo "$tmp/plot.fifo"
	timeout 60 cat "$tmp/plot.fifo" >"$tmp/plot-from-fifo" &
	reader=$!
	"$L2SIM" sweep $gain --vary script.1.count=1,2 --plot "$tmp/plot.fifo" >/dev/null 2>"$tmp/err"
	rc=$?
	[ -p "$tmp/plot.fifo" ] || kill $reader 2>/dev/null
	wait $reader
	if [ $rc -eq 0 ] && [ -p "$tmp/plot.fifo" ] && grep -q "<svg" "$tmp/plot-from-fifo"; then
		ok "sweep --plot to a pipe writes the SVG through it and leaves it a pipe"
	else
		bad "sweep --plot to a pipe: exit $rc"; cat "$tmp/err"
	fi
	# Nothing in a --vary value reaches a shell: backquotes are not expanded.
	"$L2SIM" sweep $gain --vary "description=a,\`touch $tmp/PWNED\`" --plot "$tmp/q.svg" \
		>/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ] && [ ! -e "$tmp/PWNED" ] && grep -q 'touch' "$tmp/q.svg"; then
		ok "sweep --plot: backquotes in a --vary value are not run"
	else
		bad "sweep --plot ran a command from a --vary value (exit $rc)"; cat "$tmp/err"
	fi
	# --log y with only zeros says why nothing is drawn.
	"$L2SIM" sweep $sec --vary script.8.blocks=1,2 --plot "$tmp/z.svg" --metric security_violations --log y \
		>/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q "zeros cannot go on a log axis" "$tmp/err" && [ -z "$(ls "$tmp" | grep '^z\.svg')" ]; then
		ok "sweep --log y with only zeros: says zeros cannot go on a log axis"
	else
		bad "sweep --log y with only zeros: exit $rc"; cat "$tmp/err"
	fi
	# gnuplot's warnings (an empty y range: every value 0) stay off stderr when it draws.
	"$L2SIM" sweep $sec --vary script.8.blocks=1,2 --plot "$tmp/w.svg" --metric security_violations \
		>/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ] && [ -s "$tmp/w.svg" ] && [ ! -s "$tmp/err" ]; then
		ok "sweep --plot: gnuplot's warnings are not shown when it draws"
	else
		bad "sweep --plot warnings: exit $rc"; cat "$tmp/err"
	fi
	# --label: the words reach the SVG's axis and legend; the title is the description's
	# first sentence; the CSV keeps its keys, byte for byte.
	"$L2SIM" sweep $sec --vary script.8.blocks=1,2 --vary l1.dispute_timeout_blocks=6,12 \
		--out "$tmp/l0.csv" >/dev/null 2>"$tmp/err"
	"$L2SIM" sweep $sec --vary script.8.blocks=1,2 --vary l1.dispute_timeout_blocks=6,12 \
		--metric security_violations --out "$tmp/l1.csv" --plot "$tmp/l.svg" \
		--label "script.8.blocks=blocks offline" --label "l1.dispute_timeout_blocks=dispute window" \
		--label "security_violations=violations" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ] && grep -q '>blocks offline</text>' "$tmp/l.svg" && grep -q '>dispute window=12</text>' "$tmp/l.svg" &&
		grep -q '>violations</text>' "$tmp/l.svg" && ! grep -q 'script\.8\.blocks' "$tmp/l.svg" &&
		grep -q '>Bob has a channel with each of four parties, who all paid him.</text>' "$tmp/l.svg" &&
		cmp -s "$tmp/l0.csv" "$tmp/l1.csv"; then
		ok "sweep --label: the axis and legend read the labels, the title the description; the CSV keeps its keys"
	else
		bad "sweep --label: exit $rc"; cat "$tmp/err"
	fi
	# A label with quotes, backquotes, \$( ), @macro and control bytes is drawn, never run or passed raw.
	hostile="it's \"q\" \`touch $tmp/PWNED2\` \$(touch $tmp/PWNED3) @x"$'\x01\x1b\t'"end"
	"$L2SIM" sweep $sec --vary script.8.blocks=1,2 --plot "$tmp/h.svg" --metric security_violations \
		--label "script.8.blocks=$hostile" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ] && [ ! -e "$tmp/PWNED2" ] && [ ! -e "$tmp/PWNED3" ] && grep -qF "touch $tmp/PWNED2" "$tmp/h.svg" &&
		grep -qF "@x   end" "$tmp/h.svg" && ! LC_ALL=C grep -q $'[\x01\x1b]' "$tmp/h.svg" &&
		{ ! command -v xmllint >/dev/null 2>&1 || xmllint --noout "$tmp/h.svg" 2>>"$tmp/err"; }; then
		ok "sweep --label: quotes, backquotes and control bytes are drawn, not run or passed raw"
	else
		bad "sweep --label with a hostile text: exit $rc"; cat "$tmp/err"
	fi
else
	echo "SKIP sweep --plot checks: gnuplot is not installed"
fi
# --label for a key that is not varied: one clear line, exit 2, nothing written.
"$L2SIM" sweep $sec --vary script.8.blocks=1,2 --plot "$tmp/nv.svg" --out "$tmp/nv.csv" \
	--label "l1.dispute_timeout_blocks=dispute window" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(head -1 "$tmp/err")" = "l2sim: sweep: --label l1.dispute_timeout_blocks: not a --vary key nor a charted --metric" ] &&
	[ -z "$(ls "$tmp" | grep '^nv\.')" ]; then
	ok "sweep --label for a key that is not varied: exit 2, one clear line, nothing written"
else
	bad "sweep --label for a key not varied: exit $rc"; cat "$tmp/err"
fi

# SPEC section 11: a sweep over via. The scheme_* columns follow the base ones only for
# a scenario that uses section 11 (the sweeps above have exactly 22 + their axes); the
# table shows each scheme's figures; the l1 row's gains are 2 and 1 (every transfer final),
# and l1, the rollups and the sidechain carry the same payments (one draw sequence).
cmp_file=docs/examples/schemes-compare.json
if "$L2SIM" sweep $cmp_file --vary workload.0.via=l1,channels,r1,r2,s1 --jobs 2 --out "$tmp/via.csv" >"$tmp/via.table" 2>"$tmp/err" &&
	[ "$(head -1 "$tmp/via.csv" | tr , '\n' | sed -n '24p;33p')" = "$(printf 'scheme\nscheme_violations')" ] &&
	[ "$(awk -F, 'NR == 2 { print $1, $24, $28, $29, $33 }' "$tmp/via.csv")" = "l1 l1 2 1 0" ] &&
	[ "$(awk -F, 'NR > 1 { printf "%s %s %s;", $24, $25, $22 }' "$tmp/via.csv")" = \
		"l1 1272 true;channels 1189 true;r1 1272 true;r2 1272 true;s1 1272 true;" ] &&
	head -1 "$tmp/via.table" | grep -q "gain_B" && [ -z "$(awk -F, 'NF != 24' "$tmp/a.csv")" ]; then
	ok "sweep over via: scheme columns for a section-11 scenario only, l1 gains 2 and 1"
else
	bad "sweep over via"; cat "$tmp/err" "$tmp/via.table"; head -3 "$tmp/via.csv"
fi

# Ctrl-C: exit 130, the finished rows kept, no temporary file.
"$L2SIM" sweep $sec --vary script.8.blocks=1..40 --vary l1.dispute_timeout_blocks=6,12,24,48 --jobs 2 \
	--out "$tmp/int.csv" >"$tmp/int.table" 2>"$tmp/int.err" &
pid=$!
for _ in $(seq 1 200); do
	ls "$tmp"/int.csv.?????? >/dev/null 2>&1 && break
	sleep 0.05
done
sleep 0.3
kill -INT $pid
wait $pid
rc=$?
rows=$(($(wc -l <"$tmp/int.csv" 2>/dev/null || echo 1) - 1))
if [ $rc -eq 130 ] && ! ls "$tmp"/int.csv.?????? >/dev/null 2>&1 && grep -q "sweep interrupted: $rows of 160 runs finished" "$tmp/int.err" &&
	[ $rows -lt 160 ] && [ -z "$(awk -F, 'NR > 1 && NF != 24' "$tmp/int.csv" 2>/dev/null)" ]; then
	ok "sweep interrupted: exit 130, $rows whole rows kept, no temporary file"
else
	bad "sweep interrupted: exit $rc, $rows rows"; cat "$tmp/int.err"; ls "$tmp"
fi

finish sweep
