#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# runner_selftest.sh [-k KERNEL]: the runner itself. Each case of
# selftests/runner/ must make vm.sh fail, for the right reason:
#   fail  a test exits 1              -> "not ok ... fail"
#   warn  the guest kernel WARNs      -> "not ok ... warn # kernel warning"
#   hang  the guest never powers off  -> "guest did not power off"
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
# expect CASE LIMIT PATTERN
expect() {
	local name=$1 limit=$2 pattern=$3 log rc=0
	log=$(mktemp)
	"$top/selftests/vm.sh" -k "$rel" -x "$top/selftests/runner" -t "$name" \
		-T "$limit" > "$log" 2>&1 || rc=$?
	if ((rc == 0)); then
		echo "not ok - $name: the run passed"
		failures=$((failures + 1))
	elif ! grep -qE "$pattern" "$log"; then
		echo "not ok - $name: failed, but without /$pattern/:"
		tail -n 20 "$log"
		failures=$((failures + 1))
	else
		echo "ok - $name: the run failed: $(grep -m1 -E "$pattern" "$log")"
	fi
	rm -f "$log"
}

expect fail 300 '^not ok [0-9]+ fail # exit 1$'
expect warn 300 '^not ok [0-9]+ warn # kernel warning$'
expect hang 60 'guest did not power off within 60s'
echo "runner self-test: $((3 - failures)) passed, $failures failed"
((failures == 0))
