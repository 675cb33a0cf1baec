#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# runner_selftest.sh [-k KERNEL]: the runner itself. Each case of
# selftests/runner/ must make vm.sh fail, for the right reason:
#   fail  a test exits 1              -> "not ok ... fail"
#   warn  the guest kernel WARNs      -> "not ok ... warn # kernel warning"
#   hang  the guest never powers off  -> "guest did not power off"
#   leak  a test leaves an End.BFW route behind
#                                     -> "not ok ... leak # left seg6_mig in use"
# The first three run in two shards (-S 2), which must both report.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${SEG6_MIG_CACHE:-$top/.cache}
kernel=6.12
while getopts "k:" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	*) exit 2 ;;
	esac
done

rel=$("$top/scripts/fetch-kernel.sh" "$kernel")
out=$cache/runner-warn/$rel
rm -rf "$out"
mkdir -p "$out"
cp "$top"/selftests/runner/warn_module/* "$out/"
make -s -C "$cache/kernels/$rel/build" M="$out" modules >/dev/null

failures=0
# run LIMIT SHARDS CASE...: guests running the cases; the run must fail.
run() {
	local limit=$1 shards=$2 args=() t
	shift 2
	for t in "$@"; do args+=(-t "$t"); done
	log=$(mktemp)
	if "$top/selftests/vm.sh" -k "$rel" -x "$top/selftests/runner" \
		"${args[@]}" -S "$shards" -T "$limit" > "$log" 2>&1; then
		echo "not ok - the run of $* passed"
		failures=$((failures + 1))
	fi
}

# expect NAME PATTERN: the last run's output says why it failed.
expect() {
	if grep -qE "$2" "$log"; then
		echo "ok - $1: $(grep -m1 -E "$2" "$log")"
	else
		echo "not ok - $1: no line matches /$2/:"
		tail -n 20 "$log"
		failures=$((failures + 1))
	fi
}

run 300 2 fail warn leak
rel_re=$(sed 's/[.+]/\\&/g' <<< "$rel")	# 6.12.118+deb12-amd64 as a regex
expect "shard 1 (fail, leak)" "^$rel_re\\.1of2: 0 passed, 2 failed, "
expect "shard 2 (warn)" "^$rel_re\\.2of2: 0 passed, 1 failed, "
expect fail '^not ok [0-9]+ fail # exit 1$'
expect warn '^not ok [0-9]+ warn # kernel warning$'
expect leak '^not ok [0-9]+ leak # left seg6_mig in use: refcount 1, 0 before it$'
run 45 1 hang
expect hang 'guest did not power off within 45s'
rm -f "$log"
echo "runner self-test: $((6 - failures)) passed, $failures failed"
((failures == 0))
