# The harness shared by the shell tests (run_scenarios.sh, run_sweep.sh,
# run_hardening.sh): a scratch folder removed on exit, PASS/FAIL lines, and the
# closing count. Sourced, not run.
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "PASS $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# expect_fails FILE KEY=VALUE TEXT: the run with --set KEY=VALUE exits 1 and its
# stderr holds TEXT. A missing FILE fails (it passed silently once).
expect_fails() {
	local f=$1 set=$2 want=$3
	if [ ! -e "$f" ]; then
		bad "run $f --set $set: no such file (a check of a missing file must not pass)"
		return
	fi
	"$L2SIM" run "$f" --set "$set" >/dev/null 2>"$tmp/err"
	local rc=$?
	if [ $rc -eq 1 ] && grep -qF -- "$want" "$tmp/err"; then
		ok "run $f --set $set exits 1 naming '$want'"
	else
		bad "run $f --set $set: exit $rc, stderr:"; sed 's/^/    /' "$tmp/err"
	fi
}

# check_doc DOC: every console example of DOC runs and prints what it shows. A missing
# DOC fails (it passed silently once). Every ```console block starts with "$ COMMAND";
# the command is run from the top of the checkout (build/l2sim meaning $L2SIM) and what
# it prints, standard error included, must be the rest of the block.
check_doc() {
	local doc=$1
	if [ ! -e "$doc" ]; then
		bad "$doc: no such file (a check of a missing file must not pass)"
		return
	fi
	rm -rf "$tmp/doc"
	mkdir -p "$tmp/doc"
	awk -v dir="$tmp/doc" '
		/^```console$/ { inblk = 1; first = 1; n++; next }
		inblk && /^```$/ { inblk = 0; next }
		inblk && first { sub(/^\$ /, ""); print > (dir "/" n ".cmd"); printf "" > (dir "/" n ".out"); first = 0; next }
		inblk { print > (dir "/" n ".out") }
	' "$doc"
	local n=1 cmdf out cmd
	while [ -e "$tmp/doc/$n.cmd" ]; do
		cmdf=$tmp/doc/$n.cmd
		out=$tmp/doc/$n.out
		cmd=$(cat "$cmdf")
		cmd=${cmd//build\/l2sim/$L2SIM}
		bash -c "$cmd" >"$tmp/doc/got" 2>&1
		if cmp -s "$out" "$tmp/doc/got"; then
			ok "$doc example $n: $(cut -c1-60 "$cmdf")"
		else
			bad "$doc example $n: $(cat "$cmdf") (if the new output is right: bash tests/tools/fill_doc_examples.sh $doc)"
			diff -u "$out" "$tmp/doc/got" | sed 's/^/    /' | head -40
		fi
		n=$((n + 1))
	done
}
# Prints "NAME: N passed, N failed" and fails when a check did.
finish() {
	echo "$1: $pass passed, $fail failed"
	[ $fail -eq 0 ]
}
