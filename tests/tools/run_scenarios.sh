#!/usr/bin/env bash
# Scenario tests: the shared acceptance scenarios, the bad inputs, and every example
# in scenarios/. Prints one line per check and closes with "N passed, N failed".
set -u
L2SIM=${L2SIM:-build/l2sim}
ACCEPTANCE=${ACCEPTANCE:-../shared/acceptance}
ACCEPTANCE_ROUTING=${ACCEPTANCE_ROUTING:-../shared/acceptance-routing}
ACCEPTANCE_SCHEMES=${ACCEPTANCE_SCHEMES:-../shared/acceptance-schemes}
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A scenario that must run with every expectation holding, twice with the same bytes.
run_good() {
	local f=$1
	if "$L2SIM" run "$f" >"$tmp/text" 2>"$tmp/err"; then
		ok "run $f"
	else
		bad "run $f (exit $?)"; sed 's/^/    /' "$tmp/err"
	fi
	"$L2SIM" run "$f" --format json >"$tmp/a.json" 2>/dev/null
	"$L2SIM" run "$f" --format json >"$tmp/b.json" 2>/dev/null
	if [ -s "$tmp/a.json" ] && cmp -s "$tmp/a.json" "$tmp/b.json"; then
		ok "deterministic $f"
	else
		bad "deterministic $f: two runs differ"
	fi
}

if [ -d "$ACCEPTANCE" ]; then
	for f in "$ACCEPTANCE"/*.json; do
		run_good "$f"
	done
	expected="$ACCEPTANCE/bad/EXPECTED.json"
	for f in "$ACCEPTANCE"/bad/*.json; do
		name=$(basename "$f")
		[ "$name" = EXPECTED.json ] && continue
		# EXPECTED.json maps a file name to the text its error must contain.
		want=$(tr ',{}' '\n\n\n' <"$expected" | sed -n "s/^ *\"$name\" *: *\"\(.*\)\" *\$/\1/p")
		if [ -z "$want" ]; then
			bad "bad/$name: not listed in EXPECTED.json"
			continue
		fi
		for cmd in check run; do
			"$L2SIM" $cmd "$f" >/dev/null 2>"$tmp/err"
			rc=$?
			if [ $rc -eq 2 ] && grep -qF -- "$want" "$tmp/err"; then
				ok "$cmd bad/$name exits 2 naming '$want'"
			else
				bad "$cmd bad/$name: exit $rc, stderr:"; sed 's/^/    /' "$tmp/err"
			fi
		done
	done
else
	echo "SKIP acceptance scenarios: $ACCEPTANCE not found (in CI it is ../shared/acceptance)"
fi

# Routed payments (SPEC section 10): the shared acceptance scenarios, run like the others.
if [ -d "$ACCEPTANCE_ROUTING" ]; then
	for f in "$ACCEPTANCE_ROUTING"/*.json; do
		[ -e "$f" ] || continue
		run_good "$f"
	done
else
	echo "SKIP routed acceptance scenarios: $ACCEPTANCE_ROUTING not found (in CI it is ../shared/acceptance-routing)"
fi

# L1 transfers, rollups and a sidechain (SPEC section 11), run like the others. A
# file that needs a part of section 11 this build does not have yet (its loader says
# "not implemented yet") is skipped by name, so that each part can land on its own.
if [ -d "$ACCEPTANCE_SCHEMES" ]; then
	for f in "$ACCEPTANCE_SCHEMES"/*.json; do
		[ -e "$f" ] || continue
		if "$L2SIM" check "$f" >/dev/null 2>"$tmp/err" || ! grep -q "not implemented yet" "$tmp/err"; then
			run_good "$f"
		else
			echo "SKIP $f: $(grep -m1 "not implemented yet" "$tmp/err")"
		fi
	done
else
	echo "SKIP section-11 acceptance scenarios: $ACCEPTANCE_SCHEMES not found (in CI it is ../shared/acceptance-schemes)"
fi

for f in scenarios/*.json docs/examples/*.json; do
	[ -e "$f" ] || continue
	run_good "$f"
done

# SPEC section 11 rule by rule, each outcome worked out by hand from SPEC alone (the
# working is each file's description): phase-3 order, block bytes, fraud proofs at the
# window's edges, the victim's tie, validity delays, sidechain slots, signers, thefts.
for f in tests/data/schemes-review/*.json; do
	[ -e "$f" ] || continue
	run_good "$f"
done

# A wrong expectation: exit status 1, and stderr names the field (expect_fails, lib.sh).
# The quickstart's expectations were worked out for a 10-block window; with 2 blocks
# Bob is too late. The same for the signed tampering lesson run with signatures off.
expect_fails scenarios/quickstart.json l1.dispute_timeout_blocks=2 \
	"expectation failed: channels.alice-bob.registered_seq: expected 4, got 0"
expect_fails scenarios/tampered-state-signed.json l2.signatures=off \
	"expectation failed: security_violations: expected 0, got 1"

# Doc examples (check_doc, lib.sh).
check_doc docs/teaching-disputes.md
check_doc docs/teaching-htlcs.md

finish scenarios
