#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every gateway change after the first replaces the VIP's nexthop in
# place: a packet to the VIP meets the old location or the new one, never
# none (a route replace can lose one: Documentation/gateway.md). The VM
# stays on s1; the gateway's VIP flips R(s1) -> M(s1,s2) -> R(s1) at least
# 1000 times
# (seg6mig gw -batch files of 200 flips and single `gw set` commands, and
# on until the ping flood is over) while the client sends
#  - a ping flood (ping -f): every echo answered, and
#  - numbered UDP datagrams (udpseq): none lost, duplicated or reordered.
# Both gateway modes. The gateway's Ip6InNoRoutes is logged (a packet that
# met no route during a replace would show there).
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
source "$(dirname "$0")/gw_lib.sh"
require_root
require_module
require_seg6mig

PORT=5000
FLIPS=1000		# R -> M -> R cycles required while traffic flows
UDP_N=400000		# at 2000/s at most 200 s: stopped after the flips
PING_N=5000
sysctl -qw net.core.rmem_default=16777216 net.core.rmem_max=16777216

# Where a lost packet went: the gateway's "no route" counters (a replace
# that left a gap), and the CPUs' backlog drops (softnet_stat, global).
gw_snmp() { snmp6 "$NS_GW" "$1"; }
drops() {
	echo "Ip6InNoRoutes $(gw_snmp Ip6InNoRoutes) Ip6OutNoRoutes $(gw_snmp Ip6OutNoRoutes) Ip6InDiscards $(gw_snmp Ip6InDiscards) softnet_dropped $(softnet_drops)"
}

test_mode() {
	local mode=$1 cycles=0 i pings udp sent recvd udp_got nhid
	topo_setup "$mode"
	add_fwp 1 count
	add_bfw count
	n_s1 ping -6 -c 1 -W 5 "$VIP" >/dev/null || fail "VM unreachable from s1"
	gws set "$VIP" run $S1_FWP mode "$mode"
	nhid=$(n_gw ip -j -6 route show "$VIP/128" | jq -r '.[0].nhid')
	[[ $nhid =~ ^[0-9]+$ ]] || fail "$mode: the VIP's route has no nexthop: $(n_gw ip -6 route show "$VIP/128")"

	for ((i = 0; i < 200; i++)); do
		echo "set $VIP migrate $S1_FWP $S2_BFW mode $mode"
		echo "set $VIP run $S1_FWP mode $mode"
	done > "$TRAFFIC_DIR/flips"

	local before noroute
	before=$(drops)
	noroute=$(gw_snmp Ip6InNoRoutes)
	recv_start $PORT -w 30000 -t 5000
	# Not through send_udp: $! must be udpseq itself, to stop it. On one
	# CPU: a sender the scheduler moves leaves its older datagrams in the
	# first CPU's veth backlog, and the new CPU's overtake them (seen on
	# a contended 6.1 guest: 130 reordered, the VM on s1 throughout).
	ip netns exec "$NS_CLIENT" taskset -c 0 "$UDPSEQ" send -d "$VIP" -p $PORT -n $UDP_N \
		-r 2000 > /dev/null &
	udp=$!
	n_client ping -6 -f -c $PING_N -W "$(slow_ms 10)" "$VIP" > "$TRAFFIC_DIR/ping" 2>&1 &
	pings=$!

	# Flip until FLIPS are done and the ping flood is over; the UDP
	# stream, long enough for a slow guest, runs throughout.
	while ((cycles < FLIPS)) || kill -0 $pings 2>/dev/null; do
		kill -0 $udp 2>/dev/null ||
			fail "$mode: the UDP stream ended after $cycles flips (too slow a guest?)"
		gws -batch "$TRAFFIC_DIR/flips"
		cycles=$((cycles + 200))
		# And single commands, one replace each.
		gws set "$VIP" migrate $S1_FWP $S2_BFW mode "$mode"
		gws set "$VIP" run $S1_FWP mode "$mode"
		cycles=$((cycles + 1))
	done
	kill -TERM $udp
	wait $udp || true
	assert_eq "$mode: location after the flips" "R($S1_FWP)" "$(gw_loc)"
	assert_eq "$mode: the route's nexthop after the flips" "$nhid" \
		"$(n_gw ip -j -6 route show "$VIP/128" | jq -r '.[0].nhid')"

	echo "# $mode: before: $before"
	echo "# $mode: after:  $(drops)"
	# A gap between two routes would show here; logged, not asserted:
	# the gateway also counts 2 such packets around the topology's setup
	# on 6.1, sometimes after the snapshot above. Loss is asserted below.
	echo "# $mode: gateway Ip6InNoRoutes during the flips: +$(($(gw_snmp Ip6InNoRoutes) - noroute))"
	wait $pings || fail "$mode: ping lost packets: $(cat "$TRAFFIC_DIR/ping")"
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$TRAFFIC_DIR/ping")
	recvd=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TRAFFIC_DIR/ping")
	assert_eq "$mode: ping replies" "$sent" "$recvd"
	recv_wait $PORT
	udp_got=$(recv_result $PORT received)
	assert_eq "$mode: udp lost" 0 "$(recv_result $PORT lost)"
	assert_eq "$mode: udp from seq 0" 0 "$(recv_result $PORT first_seq)"
	assert_eq "$mode: udp received up to max_seq" $(($(recv_result $PORT max_seq) + 1)) "$udp_got"
	assert_eq "$mode: udp reordered" 0 "$(recv_result $PORT reordered)"
	echo "ok: $mode mode: $cycles R->M->R flips during traffic; ping $recvd/$sent answered; udp $udp_got/$udp_got, in order"
	topo_cleanup
}

for mode in inline encap; do
	test_mode $mode
done
