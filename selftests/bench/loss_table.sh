#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo's guest side: for each mechanism (none, baseline, sr-drop,
# sr-buffer) a VM migrates s1 -> s2 with DEMO_DOWNTIME_MS of downtime while
# the client pings it every 1 ms and sends it DEMO_RATE UDP datagrams a
# second (../testbed.sh). Prints the loss table; with $S6M_RUN (set in the
# guest by vm.sh) also writes it to $S6M_RUN/demo/table.txt and the raw
# results, one JSON line per run, to $S6M_RUN/demo/results.json.
#
# Fails only when a run could not be measured (no mechanism's figures are
# judged here: migration.sh does that).
set -eu
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../testbed.sh"
require_root
require_module

DOWNTIME_MS=${DEMO_DOWNTIME_MS:-150}
CTRL_DELAY_MS=${DEMO_CTRL_DELAY_MS:-200}
RATE=${DEMO_RATE:-10000}
MODES=${DEMO_MODES:-inline encap}
out=${S6M_RUN:+$S6M_RUN/demo}
results=$(mktemp)

for mode in $MODES; do
	for mech in none baseline sr-drop sr-buffer; do
		tb_setup $mech $mode
		tb_ping_start
		tb_udp_start "$RATE"
		tb_wait_flowing
		tb_migrate "$DOWNTIME_MS" "$CTRL_DELAY_MS"
		tb_finish 1000
		tb_result | tee -a "$results"
		topo_cleanup
	done
done

table() {
	echo "Kernel $(uname -r), QEMU guest; VM downtime ${DOWNTIME_MS} ms (sleep; measured below)," \
		"controller delay ${CTRL_DELAY_MS} ms," \
		"End.BFW buffer $TB_BUFFER packets; ping every 1 ms, UDP ${RATE} pkt/s, until 1 s after R(s2)."
	echo
	echo "| mode | mechanism | ping lost | ping loss window ms | UDP lost | UDP loss window ms | reordered (ping/UDP) | duplicated (ping/UDP) | UDP held | release ms | downtime ms |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	jq -r '"| \(.mode) | \(.mechanism) | \(.ping.lost) | \(.ping.loss_window_ms) | \(.udp.lost) | \(.udp.loss_window_ms) | \(.ping.reordered)/\(.udp.reordered) | \(.ping.duplicates)/\(.udp.duplicates) | \(.udp.held) | \(.udp.release_ms) | \(.downtime_ms) |"' "$results"
}

table
if [[ -n $out ]]; then
	mkdir -p "$out"
	cp "$results" "$out/results.json"
	table > "$out/table.txt"
fi
rm -f "$results"
