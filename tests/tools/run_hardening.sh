#!/usr/bin/env bash
# Hardening checks of the l2sim command (docs/security.md): options that once crashed,
# --max-blocks, and that an error or a fatal signal mid-run leaves neither a partial
# trace nor a temporary file. Prints one line per check, then "N passed, N failed".
set -u
L2SIM=${L2SIM:-build/l2sim}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
hello=docs/examples/hello.json

# Options are matched exactly: --formatx once passed a NULL value to strcmp (SIGSEGV).
for opt in --formatx --setx --tracex --max-blocksx --format=xml; do
	"$L2SIM" run "$hello" "$opt" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q "^Try 'l2sim run --help'" "$tmp/err"; then ok "run $opt: usage error, exit 2"; else bad "run $opt: exit $rc"; fi
done

# --max-blocks N stops the run at block N with a message; the report covers N blocks.
"$L2SIM" run "$hello" --format json --max-blocks 3 >"$tmp/r.json" 2>"$tmp/err"
if grep -q "stopped at block 3 by --max-blocks" "$tmp/err" && grep -q '"blocks":[[:space:]]*3,' "$tmp/r.json"; then
	ok "--max-blocks 3 stops at block 3 with a message"
else
	bad "--max-blocks 3"; cat "$tmp/err"
fi
if "$L2SIM" run "$hello" --max-blocks 1000 >/dev/null 2>"$tmp/err" && ! grep -q "max-blocks" "$tmp/err"; then
	ok "--max-blocks above the run's length changes nothing"
else
	bad "--max-blocks 1000"; cat "$tmp/err"
fi
for n in -1 x 10000001 ""; do
	"$L2SIM" run "$hello" --max-blocks "$n" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- "--max-blocks must be a whole number from 0 to 10000000" "$tmp/err"; then
		ok "--max-blocks '$n' refused"
	else
		bad "--max-blocks '$n': exit $rc"
	fi
done

# A trace is complete or absent.
"$L2SIM" run "$hello" --trace "$tmp/hello.jsonl" >/dev/null 2>&1
if [ -s "$tmp/hello.jsonl" ] && [ "$(ls "$tmp" | grep -c '^hello.jsonl')" -eq 1 ]; then
	ok "--trace writes FILE and no temporary"
else
	bad "--trace"; ls -la "$tmp"
fi
echo '{"format": "l2sim/1"}' >"$tmp/bad.json"
"$L2SIM" run "$tmp/bad.json" --trace "$tmp/bad.jsonl" >/dev/null 2>&1
rc=$?
if [ $rc -eq 2 ] && ! ls "$tmp" | grep -q '^bad.jsonl'; then ok "bad input with --trace: exit 2, no trace"; else bad "bad input with --trace: exit $rc"; fi
"$L2SIM" run "$hello" --trace "$tmp/no/such/dir/t.jsonl" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "cannot write the trace" "$tmp/err"; then ok "unwritable trace: exit 2 with a message"; else bad "unwritable trace: exit $rc"; fi

# --trace naming the scenario itself is refused: the trace would replace it.
cp "$hello" "$tmp/self.json"
"$L2SIM" run "$tmp/self.json" --trace "$tmp/self.json" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "would overwrite the scenario" "$tmp/err" && cmp -s "$hello" "$tmp/self.json"; then
	ok "--trace FILE naming the scenario: exit 2, the scenario unchanged"
else
	bad "--trace naming the scenario: exit $rc"; cat "$tmp/err"
fi

# The trace gets the mode a plain fopen would give it (0666 less the umask), not the
# 0600 of its temporary.
(umask 022 && "$L2SIM" run "$hello" --trace "$tmp/mode.jsonl" >/dev/null 2>&1)
if [ "$(stat -c %a "$tmp/mode.jsonl" 2>/dev/null)" = 644 ]; then ok "--trace under umask 022 is 0644"; else bad "--trace mode: $(stat -c %a "$tmp/mode.jsonl" 2>&1)"; fi

# Usual mistakes: each is one line naming the file, exit 2, nothing on stdout.
mkdir "$tmp/adir"
: >"$tmp/empty.json"
sed 's/"dispute_timeout_blocks"/"dispute_timout_blocks"/' scenarios/quickstart.json >"$tmp/typo.json"
while IFS='|' read -r what file want; do
	"$L2SIM" run "$file" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && [ ! -s "$tmp/out" ] && grep -qF -- "$file: $want" "$tmp/err"; then
		ok "$what: exit 2 naming the file"
	else
		bad "$what: exit $rc, stderr:"; sed 's/^/    /' "$tmp/err"
	fi
done <<END
a directory|$tmp/adir|is a directory, not a scenario file
an empty file|$tmp/empty.json|the file is empty
a missing file|$tmp/missing.json|cannot open: No such file or directory
a typo in a key|$tmp/typo.json|l1.dispute_timout_blocks: unknown key "dispute_timout_blocks" (did you mean "dispute_timeout_blocks"?)
END
"$L2SIM" run scenarios/quickstart.json --set parties.carol.balance=1 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -qF 'scenarios/quickstart.json: --set parties.carol.balance: "carol" does not name anything' "$tmp/err"; then
	ok "--set on a missing path: exit 2 naming the file and the key"
else
	bad "--set on a missing path: exit $rc"; cat "$tmp/err"
fi
# Every option the parsers know is in --help and in the man page.
man_text=$(sed 's/\\-/-/g' docs/l2sim.1)
help_text=$("$L2SIM" --help)
for o in $(grep -ohE '"--?[a-z][a-z-]*' tools/options.c tools/l2sim.c tools/sweep*.c | tr -d '"' | grep -vx -- '--name' | sort -u); do
	if grep -qe "$o\b" <<<"$help_text" && grep -qe "$o\b" <<<"$man_text"; then
		ok "$o is in --help and the man page"
	else
		bad "$o is missing from --help or the man page"
	fi
done
for cmd in run check sweep bench; do
	if "$L2SIM" $cmd --help | grep -q "^Exit status"; then ok "$cmd --help prints the help"; else bad "$cmd --help"; fi
done

# Usage errors are one line and a pointer to the command's --help, not the synopsis.
"$L2SIM" run "$hello" --bogus >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 2 ] && grep -qx "l2sim: run: unknown option --bogus" "$tmp/err" &&
	grep -qx "Try 'l2sim run --help'." "$tmp/err"; then
	ok "usage error: one line and a pointer to run --help"
else
	bad "usage error: exit $rc"; cat "$tmp/err"
fi
# CMD --help prints that command's help, not every command's.
for cmd in run check sweep bench; do
	"$L2SIM" $cmd --help >"$tmp/help" 2>&1
	others=$(grep -c "^usage: l2sim \|^Options of " "$tmp/help")
	if head -1 "$tmp/help" | grep -q "^usage: l2sim $cmd " && [ "$others" -eq 1 ]; then
		ok "$cmd --help prints the help of $cmd only"
	else
		bad "$cmd --help"; head -3 "$tmp/help"
	fi
done

# FILE - is standard input, for run and check.
"$L2SIM" run "$hello" --format json >"$tmp/file.json" 2>&1
"$L2SIM" run - --format json <"$hello" >"$tmp/stdin.json" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ -s "$tmp/stdin.json" ] && cmp -s "$tmp/file.json" "$tmp/stdin.json"; then
	ok "run - reads the scenario from standard input"
else
	bad "run -: exit $rc"; head -3 "$tmp/stdin.json"
fi
if "$L2SIM" check - <"$hello" 2>&1 | grep -q "^<stdin>: ok"; then ok "check - reads standard input"; else bad "check -"; fi

# check takes --set, as run does.
"$L2SIM" check scenarios/quickstart.json --set l1.confirmations=0 >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "l1.confirmations" "$tmp/err" &&
	"$L2SIM" check scenarios/quickstart.json --set l1.confirmations=3 >/dev/null 2>&1; then
	ok "check --set: the override is validated"
else
	bad "check --set: exit $rc"; cat "$tmp/err"
fi

# A full disk: run and check exit 2 saying the report could not be written.
if [ -w /dev/full ]; then
	for args in "run $hello" "run $hello --format json" "check $hello"; do
		"$L2SIM" $args >/dev/full 2>"$tmp/err"
		rc=$?
		if [ $rc -eq 2 ] && grep -q "cannot write the report: No space left on device" "$tmp/err"; then
			ok "$args >/dev/full: exit 2, cannot write the report"
		else
			bad "$args >/dev/full: exit $rc"; cat "$tmp/err"
		fi
	done
else
	echo "SKIP /dev/full: not available"
fi

# A 250-character --trace name: its temporary's name must still fit (NAME_MAX 255).
long=$(printf 'x%.0s' $(seq 244)).jsonl
"$L2SIM" run "$hello" --trace "$tmp/$long" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ -s "$tmp/$long" ] && [ "$(ls -A "$tmp" | grep -c -- '^x\|^\.l2sim')" -eq 1 ]; then
	ok "--trace with a 250-character name: written, no temporary left"
else
	bad "--trace with a 250-character name: exit $rc"; cat "$tmp/err"
fi

# A planted temporary is never followed: the temporary's name is unpredictable and
# created with O_EXCL, so a symlink at FILE.tmp (the old fixed name) changes nothing.
echo "victim" >"$tmp/victim"
ln -s "$tmp/victim" "$tmp/planted.jsonl.tmp"
"$L2SIM" run "$hello" --trace "$tmp/planted.jsonl" >/dev/null 2>&1
if [ "$(cat "$tmp/victim")" = victim ] && [ -s "$tmp/planted.jsonl" ] && [ ! -L "$tmp/planted.jsonl" ]; then
	ok "--trace: a planted FILE.tmp symlink is not followed"
else
	bad "--trace followed a planted symlink"
fi

# Out of memory (here a small address-space limit): exit 2, and the trace's temporary
# removed (it was SIGABRT, exit 134, and a temporary left). The loader's memory
# estimate now refuses this network before allocating it ("of memory" in both
# messages); an allocation that fails anyway is tested directly by
# tests/tools/test_output.c (an_allocation_failure_exits_2_and_removes_the_temporary).
big='{"format":"l2sim/1","name":"big","l2":{"signatures":"off"},
 "generate":{"parties":1000000,"channels":3000000,"channel_size":2,"balance":10,"deposit":1}}'
echo "$big" >"$tmp/big.json"
if bash -c 'ulimit -v 400000 && "$0" --version; exit $?' "$L2SIM" >/dev/null 2>&1; then
	(ulimit -v 400000 && exec "$L2SIM" run "$tmp/big.json" --trace "$tmp/big.jsonl") >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q "of memory" "$tmp/err" && [ -z "$(ls "$tmp" | grep '^big.jsonl')" ]; then
		ok "out of memory: exit 2, no temporary left"
	else
		bad "out of memory: exit $rc, files: $(ls "$tmp" | grep '^big.jsonl')"; cat "$tmp/err"
	fi
else
	echo "SKIP out of memory: this build cannot start under ulimit -v (a sanitizer build)"
fi

# One version string: --version, the text report's first line and the man page agree.
v=$("$L2SIM" --version)
first=$("$L2SIM" run "$hello" | head -1)
th=$(grep '^\.TH' docs/l2sim.1 | grep -o '"l2sim [^"]*"' | tr -d '"')
if [ -n "$v" ] && [ "$v" = "$th" ] && [ "${first%%:*}" = "$v" ]; then
	ok "one version: --version, the report and the man page say $v"
else
	bad "versions differ: --version '$v', report '${first%%:*}', man '$th'"
fi

# A trace to something other than a regular file (here a pipe; /dev/stdout is the
# same) is written in place: renaming a temporary over it would replace it.
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/from-fifo" &
reader=$!
"$L2SIM" run "$hello" --trace "$tmp/fifo" >/dev/null 2>"$tmp/err"
rc=$?
wait $reader
if [ $rc -eq 0 ] && [ -p "$tmp/fifo" ] && [ -s "$tmp/from-fifo" ] && [ "$(ls "$tmp" | grep -c '^fifo')" -eq 1 ]; then
	ok "--trace to a pipe writes through it and leaves it a pipe"
else
	bad "--trace to a pipe: exit $rc"; cat "$tmp/err"; ls -la "$tmp"
fi

# A long run (5 x 10^6 signed payments, minutes) killed mid-run leaves the old FILE as
# it was and no temporary.
{
	echo '{"format":"l2sim/1","name":"long","parties":[{"name":"a","balance":"1000000000000"},{"name":"b"}],'
	echo ' "channels":[{"id":"ab","parties":["a","b"],"deposit":{"a":"1000000000000"}}],'
	echo ' "script":[{"at":0,"action":"open","channel":"ab"}'
	for i in 1 2 3 4 5; do
		echo ',{"at":7,"action":"pay","channel":"ab","from":"a","to":"b","amount":1,"count":1000000}'
	done
	echo ']}'
} >"$tmp/long.json"
for sig in INT TERM HUP; do
	echo "old trace" >"$tmp/long.jsonl"
	"$L2SIM" run "$tmp/long.json" --trace "$tmp/long.jsonl" >/dev/null 2>&1 &
	pid=$!
	# Wait until the run has written part of its temporary trace.
	for _ in $(seq 100); do
		t=$(ls "$tmp"/long.jsonl.?????? 2>/dev/null | head -n 1)
		[ -n "$t" ] && [ -s "$t" ] && break
		sleep 0.1
	done
	kill -s "$sig" $pid
	wait $pid
	rc=$?
	left=$(ls "$tmp" | grep -c '^long.jsonl')
	if [ -n "$t" ] && [ $rc -gt 128 ] && [ "$left" -eq 1 ] && [ "$(cat "$tmp/long.jsonl")" = "old trace" ]; then
		ok "SIG$sig mid-run: old trace kept, temporary removed (exit $rc)"
	else
		bad "SIG$sig mid-run: exit $rc, temporary '$t', files:"; ls -la "$tmp"
	fi
done

# Issue 14 item 3: 10^7 generated parties and channels under a 1 GB address-space cap
# aborted (SIGABRT, exit 134). check and run refuse them before allocating: exit 2, the
# estimate, the limit, and no trace or temporary. (A sanitizer build cannot start
# under such a cap: then the check is skipped, and test_loader.c says the same.)
echo '{"format":"l2sim/1","name":"huge","generate":{"parties":10000000,"channels":10000000}}' >"$tmp/huge.json"
if (ulimit -v 1000000 && "$L2SIM" --version) >/dev/null 2>&1; then
	for cmd in check run; do
		extra=()
		[ $cmd = run ] && extra=(--trace "$tmp/huge.jsonl")
		(ulimit -v 1000000 && "$L2SIM" $cmd "$tmp/huge.json" "${extra[@]}") >/dev/null 2>"$tmp/err"
		rc=$?
		if [ $rc -eq 2 ] && grep -q "generate: the run would need about 7.0 GB of memory .*(ulimit -v)" "$tmp/err" &&
			[ -z "$(ls "$tmp" | grep huge.jsonl)" ]; then
			ok "$cmd of 10^7 generated channels under ulimit -v 1000000: refused with the estimate, exit 2"
		else
			bad "$cmd under ulimit -v: exit $rc"; cat "$tmp/err"; ls "$tmp"
		fi
	done
else
	ok "memory limit under ulimit -v: skipped (this build cannot start under an address-space cap)"
fi

# Routed payments (SPEC section 10) run: check accepts a routed scenario, run writes
# its routing figures and the trace its HTLC steps, and a sweep runs it too.
routed=tests/data/routing/send.json
if "$L2SIM" check "$routed" >/dev/null 2>&1; then ok "check accepts a routed scenario"; else bad "check $routed"; fi
"$L2SIM" run "$routed" --format json --trace "$tmp/routed.jsonl" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -q '"routing"' "$tmp/out" && grep -q '"htlc"' "$tmp/routed.jsonl"; then
	ok "run of a routed scenario: exit 0, routing in the report, HTLC steps in the trace"
else
	bad "run $routed: exit $rc"; cat "$tmp/err"
fi
"$L2SIM" sweep "$routed" --vary seed=1,2 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ -s "$tmp/out" ]; then
	ok "sweep of a routed scenario runs"
else
	bad "sweep $routed: exit $rc"; cat "$tmp/err"
fi

# --payments (SPEC section 10): routing-line-fees.json's rows, field by field, against
# the figures worked by hand in docs/scenarios.md: at block 2 (120 s) Ann pays Cat 666
# over ab-bc for a fee of 1, then 667 for a fee of 2, each ok at its first attempt.
"$L2SIM" run scenarios/routing-line-fees.json --payments "$tmp/pay.csv" >/dev/null 2>"$tmp/err"
rc=$?
want_rows=("0|ann|cat|666|120|120|true|1|2|ab-bc|1|" "1|ann|cat|667|120|120|true|1|2|ab-bc|2|")
got_rows=()
if [ -f "$tmp/pay.csv" ]; then
	while IFS=, read -r id from to amount start end okf attempts hops route fee reason; do
		got_rows+=("$id|$from|$to|$amount|$start|$end|$okf|$attempts|$hops|$route|$fee|$reason")
	done < <(tail -n +2 "$tmp/pay.csv")
fi
if [ $rc -eq 0 ] && [ "$(head -n 1 "$tmp/pay.csv")" = "id,from,to,amount,start_s,end_s,ok,attempts,hops,route,fee,reason" ] &&
	[ "${#got_rows[@]}" -eq 2 ] && [ "${got_rows[0]}" = "${want_rows[0]}" ] && [ "${got_rows[1]}" = "${want_rows[1]}" ]; then
	ok "--payments: routing-line-fees rows match docs/scenarios.md field by field"
else
	bad "--payments routing-line-fees: exit $rc, rows: ${got_rows[*]:-none}"; cat "$tmp/err"
fi
# A failed payment: its reason, no end time missing, no route when no attempt added.
"$L2SIM" run scenarios/routing-no-route.json --payments "$tmp/noroute.csv" >/dev/null 2>"$tmp/err"
if grep -q '^0,ann,cat,[0-9]*,120,120,false,1,0,,,no_route$' "$tmp/noroute.csv"; then
	ok "--payments: a payment with no route has ok false, no route and reason no_route"
else
	bad "--payments no-route: $(cat "$tmp/noroute.csv" 2>&1)"
fi
"$L2SIM" run "$hello" --payments "$tmp/none.csv" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(cat "$tmp/none.csv")" = "id,from,to,amount,start_s,end_s,ok,attempts,hops,route,fee,reason" ]; then
	ok "--payments of a scenario without routing: just the header"
else
	bad "--payments without routing: exit $rc: $(cat "$tmp/none.csv" 2>&1)"
fi
"$L2SIM" run "$hello" --payments "$tmp/no/such/dir/p.csv" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "cannot write the payments" "$tmp/err"; then ok "unwritable --payments: exit 2 with a message"; else bad "unwritable --payments: exit $rc"; fi
cp "$hello" "$tmp/pself.json"
"$L2SIM" run "$tmp/pself.json" --payments "$tmp/pself.json" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && cmp -s "$hello" "$tmp/pself.json"; then ok "--payments naming the scenario: exit 2, unchanged"; else bad "--payments naming the scenario: exit $rc"; fi
"$L2SIM" run "$hello" --payments "" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q -- "--payments needs a file name" "$tmp/err"; then ok "--payments '': usage error"; else bad "--payments '': exit $rc"; fi
"$L2SIM" run "$hello" --trace "$tmp/pall.jsonl" --payments /dev/full >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "cannot write the payments" "$tmp/err" && [ ! -e "$tmp/pall.jsonl" ]; then
	ok "run --trace --payments /dev/full: exit 2, no trace left"
else
	bad "run --payments /dev/full: exit $rc"; cat "$tmp/err"
fi

# Several outputs are all or nothing: when the page cannot be written (a full disk),
# the picture and the trace, which could, are not left behind either.
"$L2SIM" run "$hello" --trace "$tmp/all.jsonl" --svg "$tmp/all.svg" --html /dev/full >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "cannot write the page" "$tmp/err" && [ -z "$(ls "$tmp" | grep '^all\.')" ]; then
	ok "run --trace --svg --html /dev/full: exit 2, no trace and no picture left"
else
	bad "run with one output on a full disk: exit $rc, files: $(ls "$tmp" | grep '^all\.')"; cat "$tmp/err"
fi

# The harness's own checks fail on a missing file (they returned 0 silently once): run
# in a subshell with their own counts, both must count a failure and no pass.
if (pass=0; fail=0
	expect_fails "$tmp/no-such.json" seed=1 "anything" >/dev/null
	check_doc "$tmp/no-such.md" >/dev/null
	[ $fail -eq 2 ] && [ $pass -eq 0 ]); then
	ok "expect_fails and check_doc fail on a missing file"
else
	bad "expect_fails or check_doc passed a missing file"
fi

finish hardening
