#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: `make demo`. On a Debian 12 machine, as root: installs what it
# needs, builds the module, `ip` and the test programs, boots one QEMU guest
# on Debian's 6.12 kernel (selftests/vm.sh -x selftests/bench), migrates a VM
# under each mechanism (none, baseline, sr-drop, sr-buffer; gateway inline
# and encap) with a 1 ms ping and a 10k pkt/s UDP stream, and prints the
# loss table. The table and the raw results (JSON lines) stay in
# .cache/runs/<release>/demo/.
#
#   demo.sh [-k SERIES]      kernel (default 6.12)
# Environment passed to the guest: none (see loss_table.sh for DEMO_*).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SEG6_MIG_CACHE:-$top/.cache}
series=6.12
while getopts "k:h" opt; do
	case $opt in
	k) series=$OPTARG ;;
	*) sed -n '4,13s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done

SECONDS=0
"$top/scripts/install-deps.sh"
rel=$("$top/scripts/fetch-kernel.sh" "$series")
run=$cache/runs/$rel
rc=0
"$top/selftests/vm.sh" -k "$series" -x "$top/selftests/bench" -t loss_table -T 900 |
	sed 's/^/# /' || rc=$?
if [[ ! -f $run/demo/table.txt ]]; then
	echo "demo: no loss table (see $run/logs/loss_table.log)" >&2
	exit 1
fi
echo
cat "$run/demo/table.txt"
echo
echo "demo: ${SECONDS}s; raw results in $run/demo/results.json"
exit "$rc"
