# The harness shared by the shell tests (run_scenarios.sh, run_sweep.sh,
# run_hardening.sh): a scratch folder removed on exit, PASS/FAIL lines, and the
# closing count. Sourced, not run.
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "PASS $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# Prints "NAME: N passed, N failed" and fails when a check did.
finish() {
	echo "$1: $pass passed, $fail failed"
	[ $fail -eq 0 ]
}
