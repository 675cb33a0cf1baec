#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmarks' guest side (`make bench`, run by bench/run.sh through
# vm.sh -x selftests/bench -t bench). Writes to $S6M_RUN/bench/ (or
# $BENCH_OUT): results.json (one JSON line per run) and, per migration run,
# the ping's arrivals (seq, send ns, receive ns) for the plots.
#
#  1. migration: each mechanism x UDP rate (BENCH_RATES, default 1000 10000
#     100000 pkt/s), 1 ms ping alongside, inline mode, 150 ms downtime,
#     200 ms controller delay, End.BFW buffer 65536 (the paper's sizing
#     rule, rate x downtime, with the downtime TCG imposes);
#  2. data-plane cost: BENCH_BLAST datagrams (default 100000) sent as fast
#     as the client can towards the VM on s1, gateway encap mode, through
#     plain IPv6 (no SRH), stock End.DT6, End.FWP and End.BFW (VM present);
#     rate = datagrams received / (last arrival - first arrival).
#
# Fails only when a run could not be measured.
set -eu
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../testbed.sh"
require_root
require_module

RATES=${BENCH_RATES:-1000 10000 100000}
BLAST=${BENCH_BLAST:-100000}
out=${BENCH_OUT:-${S6M_RUN:?BENCH_OUT or S6M_RUN}/bench}
mkdir -p "$out"
: > "$out/results.json"
TB_BUFFER=65536
TB_HOLD=10000

for rate in $RATES; do
	for mech in none baseline sr-drop sr-buffer; do
		tb_setup $mech inline
		tb_ping_start
		tb_udp_start "$rate"
		tb_wait_flowing
		tb_migrate 150 200
		tb_finish 1000
		tb_result | jq -c '. + {bench: "migration"}' | tee -a "$out/results.json"
		awk -v r="$(cat "$TRAFFIC_DIR/resume")" \
			'{ printf "%d %.3f %.3f\n", $1, ($2 - r) / 1e6, ($3 - $2) / 1e6 }' \
			"$TRAFFIC_DIR/ping.arrivals" > "$out/ping-$mech-$rate.dat"
		topo_cleanup
	done
done

# blast PATH: the client's datagrams through PATH, received by the VM.
blast() {
	local path=$1 t
	recv_start 7000 -n "$BLAST" -w 30000 -t 2000 -o "$TRAFFIC_DIR/blast.arrivals"
	n_client "$UDPSEQ" send -d "$VIP" -p 7000 -n "$BLAST" -r 0 > "$TRAFFIC_DIR/blast.sent"
	recv_wait 7000
	t=$(awk 'NR == 1 { a = $3 } { b = $3 } END { printf "%.6f", (b - a) / 1e9 }' \
		"$TRAFFIC_DIR/blast.arrivals")
	jq -c --arg path "$path" --arg sent "$(cat "$TRAFFIC_DIR/blast.sent")" --argjson t "$t" \
		'{bench: "dataplane", path: $path, sent: $sent, received, lost, reordered,
		  seconds: $t, pps: (if $t > 0 then (.received / $t | floor) else 0 end),
		  lat_p50_ms, lat_p99_ms}' "$TRAFFIC_DIR/recv.7000" | tee -a "$out/results.json"
}

topo_setup encap
add_fwp 1
n_s1 ip -6 route add fc00:a1::d/128 encap seg6local action End.DT6 table 254 dev s1-gw
n_s1 ip -6 route add fc00:a1::b/128 encap seg6local action End.BFW dev s1-gw
n_client ping -6 -c 1 -W 5 "$VIP" > /dev/null || fail "VM unreachable"
n_gw ip -6 route replace "$VIP/128" via fc00:1::1 dev gw-s1
blast "IPv6, no SRH"
for sid in fc00:a1::d:End.DT6 $S1_FWP:End.FWP fc00:a1::b:End.BFW; do
	n_gw ip -6 route replace "$VIP/128" encap seg6 mode encap segs "${sid%:*}" dev gw-s1
	blast "${sid##*:} (encap)"
done
topo_cleanup
