#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The TCP workloads of the benchmark (guest side, run by bench/run.sh with
# bench.sh): per gateway mode (BENCH_MODES, default inline and encap) and
# mechanism (none, baseline, sr-drop, sr-buffer), 150 ms downtime, 200 ms
# controller delay, links to the hosts at MTU 1600 (tb_fabric_mtu: room
# for the SRH, and in encap mode for the outer header as well):
#
#  1. HTTP: httpload, 12 KB answers, Poisson arrivals at BENCH_HTTP_RATE
#     req/s (default 50; the paper ran 1500 on hardware) for 1 s before
#     the migration and 2 s after it. A TCG guest alone on its host
#     answers 100 req/s in tens of ms, but one sharing 2 host CPUs with
#     two more guests fell behind at 100 (none: p50 884 ms, the client
#     up to 2 s late): 50 leaves room;
#  2. iperf3: BENCH_IPERF_FLOWS (default 50) flows client -> VM for
#     BENCH_IPERF_SECONDS (default 12), a report every 0.5 s, the
#     migration 2.5 s after every flow is up (TCP's backed-off
#     retransmission timers need seconds to bring the flows back).
#
# Appends one JSON line per run (with its mode) to
# $S6M_RUN/bench/workloads.json (or $BENCH_OUT), copied into results.json
# by run.sh, and writes per run http-MODE-MECH.dat ('start_ms response_ms
# result', per request) and iperf-MODE-MECH.dat ('start_ms end_ms
# Mbit/s', per report), times relative to the VM's resume (none: to when
# the migration would have started). The iperf3 lines carry the minimum
# and 5th percentile relative to the mean of the none run in the same
# mode (vs_none).
#
# Fails only when a run could not be measured.
set -eu
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../testbed.sh"
require_root
require_module
command -v iperf3 > /dev/null || skip "needs iperf3 (scripts/install-deps.sh)"
[[ -x $HTTPLOAD ]] || skip "needs $HTTPLOAD (make -C selftests/tools)"

HTTP_RATE=${BENCH_HTTP_RATE:-50}
IPERF_SECONDS=${BENCH_IPERF_SECONDS:-12}
TB_IPERF_FLOWS=${BENCH_IPERF_FLOWS:-50}
MECHS=${BENCH_MECHS:-none baseline sr-drop sr-buffer}
MODES=${BENCH_MODES:-inline encap}
WORKLOADS=${BENCH_WORKLOADS:-http iperf}
out=${BENCH_OUT:-${S6M_RUN:?BENCH_OUT or S6M_RUN}/bench}
mkdir -p "$out"
: > "$out/workloads.json"
TB_BUFFER=65536
TB_HOLD=10000

http_run() {
	local mode=$1 mech=$2

	tb_setup "$mech" "$mode"
	tb_fabric_mtu
	tb_http_start "$HTTP_RATE"
	tb_http_wait_flowing
	sleep 1
	tb_migrate 150 200
	tb_http_finish 2000
	tb_load_result | jq -c '. + {bench: "http"}' | tee -a "$out/workloads.json"
	tb_http_requests > "$out/http-$mode-$mech.dat"
	topo_cleanup
}

# iperf_run MODE MECH NONE_MEAN: NONE_MEAN, the none run's mean (or null).
iperf_run() {
	local mode=$1 mech=$2 none_mean=$3

	tb_setup "$mech" "$mode"
	tb_fabric_mtu
	tb_iperf_start "$IPERF_SECONDS"
	tb_iperf_wait_flowing
	sleep 2.5
	tb_migrate 150 200
	tb_iperf_finish
	tb_load_result > /dev/null
	jq -c --argjson n "$none_mean" '. + {bench: "iperf"} |
		if $n != null and $n > 0 then .iperf.vs_none = {
			none_mean_mbps: $n,
			window_min: (.iperf.window_min_mbps / $n * 1000 | round / 1000),
			window_p5: (.iperf.window_p5_mbps / $n * 1000 | round / 1000),
			p5: (.iperf.p5_mbps / $n * 1000 | round / 1000)} else . end' \
		"$TRAFFIC_DIR/result.json" | tee -a "$out/workloads.json"
	tb_iperf_intervals > "$out/iperf-$mode-$mech.dat"
	topo_cleanup
}

for mode in $MODES; do
	if [[ " $WORKLOADS " == *" http "* ]]; then
		for mech in $MECHS; do
			http_run "$mode" "$mech"
		done
	fi
	if [[ " $WORKLOADS " == *" iperf "* ]]; then
		none_mean=null
		for mech in $MECHS; do
			iperf_run "$mode" "$mech" "$none_mean"
			[[ $mech != none ]] ||
				none_mean=$(jq -r '.iperf.mean_mbps' <<<"$(tail -n 1 "$out/workloads.json")")
		done
	fi
done
