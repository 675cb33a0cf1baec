#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The last test of a debug kernel's run (vm.sh -k debug): a kmemleak scan
# after the whole suite. Any suspected leak fails it, with kmemleak's
# report (backtrace of each allocation) in the log. kmemleak reports an
# object only when it is older than 5 s and was seen unreferenced by two
# scans, hence two scans with a wait between them.
set -eu

km=/sys/kernel/debug/kmemleak
[[ -e $km ]] || { echo "no $km: the debug kernel must have CONFIG_DEBUG_KMEMLEAK"; exit 1; }
echo scan > "$km"
sleep 6
echo scan > "$km"
report=$(cat "$km")
if [[ -n $report ]]; then
	echo "kmemleak: $(grep -c '^unreferenced object' <<< "$report") suspected leak(s)"
	echo "$report"
	exit 1
fi
echo "kmemleak: no leak"
