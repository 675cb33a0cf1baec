#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End.FWP (SPEC section 2), in both gateway modes (inline, encap), on the
# topology of topology.sh. Each case sends numbered UDP datagrams from the
# client to the VIP and checks what the VM received and the SID's counters:
#
#  - VIP present: delivered without SRH, DA = VIP, none lost ("local");
#  - VIP absent, a segment after s1: leaves s1 with SL - 1 and DA = s2's
#    SID (captured on s2's link), delivered by s2 ("next", then "local");
#  - VIP absent, no further segment: dropped ("absent");
#  - presence rules: route in the configured table only; gateway route,
#    reject and blackhole routes, route out of the ingress device, port
#    admin-down, port without carrier: all absent.
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
require_root
require_module

PORT=5000
N=50

# deliver_ok WHAT: $N datagrams reach the VM whole, in order, without SRH.
expect_delivered() {
	assert_eq "$1: received" $N "$(recv_result $PORT received)"
	assert_eq "$1: lost" 0 "$(recv_result $PORT lost)"
	assert_eq "$1: reordered" 0 "$(recv_result $PORT reordered)"
	assert_eq "$1: with routing header" 0 "$(recv_result $PORT rthdr)"
	assert_eq "$1: not to the VIP" 0 "$(recv_result $PORT dst_mismatch)"
}

# one_round WHAT delivered
# one_round WHAT dropped ABSENT: dropped at s1, whose absent counter then
# reads ABSENT (the sign that every packet was handled).
one_round() {
	recv_start $PORT -n $N -w 30000 -t 3000
	send_udp $PORT $N 2000
	if [[ $2 == delivered ]]; then
		recv_wait $PORT
		expect_delivered "$1"
	else
		busywait 20000 absent_is "$3" ||
			fail "$1: absent $(mig_stat 1 $S1_FWP absent), want $3"
		recv_stop $PORT
		assert_eq "$1: received" 0 "$(recv_result $PORT received)"
	fi
}

absent_is() { [[ $(mig_stat 1 $S1_FWP absent) == "$1" ]]; }

# expect_stat HOST SID NAME VALUE
expect_stat() {
	assert_eq "$3 at s$1" "$4" "$(mig_stat "$1" "$2" "$3")"
}

test_mode() {
	local mode=$1 before
	topo_setup "$mode"
	add_fwp 1 count
	add_fwp 2 count
	# Resolve the VM's neighbour entry first: packets forwarded while the
	# kernel's neighbour layer drains what it held can overtake those,
	# End.FWP or not (seen once on 6.1 for the first datagram).
	n_s1 ping -6 -c 1 -W 5 "$VIP" >/dev/null || fail "VM unreachable from s1"

	# Present: R(s1), VM on s1.
	one_round "$mode present" delivered
	expect_stat 1 $S1_FWP local $N
	expect_stat 1 $S1_FWP errors 0

	# Absent on s1 with a next segment: M(s1, s2) through two End.FWP.
	vm_pause 1
	vm_attach 2
	n_gw ip -6 route replace "$VIP/128" encap seg6 mode "$mode" \
		segs "$S1_FWP,$S2_FWP" dev gw-s1
	ip netns exec "$NS_S2" tcpdump -i s2-s1 -nn -U -w "$TRAFFIC_DIR/s2.pcap" \
		"ip6 dst $S2_FWP" 2> "$TRAFFIC_DIR/tcpdump.err" &
	local dump=$!
	busywait 20000 grep -q listening "$TRAFFIC_DIR/tcpdump.err" ||
		fail "tcpdump did not start"
	one_round "$mode next" delivered
	kill -INT $dump
	wait $dump || true
	expect_stat 1 $S1_FWP next $N
	expect_stat 2 $S2_FWP local $N
	# SRH (routing type 4) right after the (outer) IPv6 header: SL is
	# its byte 3.
	local sl=1
	[[ $mode == encap ]] && sl=0
	assert_eq "$mode: packets s1 sent on with SL=$sl, DA=$S2_FWP" $N \
		"$(tcpdump -r "$TRAFFIC_DIR/s2.pcap" -nn \
		"ip6[6] == 43 and ip6[42] == 4 and ip6[43] == $sl" 2>/dev/null | wc -l)"

	# Absent, no further segment: R(s1) while the VM is on s2.
	gw_run 1
	one_round "$mode absent" dropped $N

	# Presence rules, VM back on s1: each makes the VIP absent.
	vm_pause 2
	vm_attach 1
	n_s1 ping -6 -c 1 -W 5 "$VIP" >/dev/null || fail "VM unreachable from s1"
	one_round "$mode present again" delivered
	before=$(mig_stat 1 $S1_FWP absent)
	local rule
	for rule in gateway unreachable blackhole ingress admin-down no-carrier; do
		case $rule in
		gateway) n_s1 ip -6 route replace "$VIP/128" via fe80::2 dev vmport ;;
		unreachable|blackhole) n_s1 ip -6 route replace $rule "$VIP/128" ;;
		ingress) n_s1 ip -6 route replace "$VIP/128" dev s1-gw ;;
		admin-down) n_s1 ip link set vmport down ;;
		no-carrier) n_vm ip link set eth0 down ;;
		esac
		before=$((before + N))
		one_round "$mode $rule" dropped $before
		n_vm ip link set eth0 up
		vm_attach 1
		busywait 20000 carrier_up || fail "vmport has no carrier again"
	done

	# The lookup is in the SID's table only.
	n_s1 ip -6 route del $S1_FWP/128
	add_fwp 1 table 100 count
	one_round "$mode route in main, SID table 100" dropped $N
	n_s1 ip -6 route add "$VIP/128" dev vmport table 100
	one_round "$mode route in table 100" delivered
	expect_stat 1 $S1_FWP local $N

	topo_cleanup
}

carrier_up() {
	[[ $(n_s1 cat /sys/class/net/vmport/carrier 2>/dev/null) == 1 ]] &&
		n_s1 ip link show vmport | grep -q 'state UP'
}

for mode in inline encap; do
	test_mode $mode
	echo "ok: End.FWP, $mode mode"
done
