#!/usr/bin/env bash
# Regenerates the output of every ```console example of a doc in place: keeps each
# block's "$ COMMAND" line and replaces the rest of the block with what the command
# prints now (standard error included). Run from the top of the checkout after `make`,
# then read the diff: tests/tools/run_scenarios.sh checks that the examples match.
#   bash tests/tools/fill_doc_examples.sh docs/teaching-disputes.md
set -eu
doc=$1
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
inblk=0
first=0
while IFS= read -r line; do
	if [ $inblk -eq 0 ]; then
		printf '%s\n' "$line"
		if [ "$line" = '```console' ]; then
			inblk=1
			first=1
		fi
	elif [ $first -eq 1 ]; then
		printf '%s\n' "$line"
		first=0
		bash -c "${line#\$ }" 2>&1 || true
	elif [ "$line" = '```' ]; then
		printf '%s\n' "$line"
		inblk=0
	fi
done <"$doc" >"$tmp"
cat "$tmp" >"$doc"
