#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# seg6mig gw (SPEC section 1): after each change of the VIP's location the
# gateway sends packets to the VIP with the expected SRH, on the link to
# the expected host, and the VM gets them (End.FWP / End.BFW accept them).
# Topology: topology.sh; captures on the gateway's links to s1 and s2.
#
#  - both modes: R(s1) -> M(s1,s2) -> (VM moves to s2) -> R(s2), one ping
#    each: reply received, SRH as below, nothing on the other link;
#
#      inline R(s):      DA s::fwp, SRH [0]VIP, [1]s::fwp, SL 1
#      inline M(s1,s2):  DA s1::fwp, SRH [0]VIP, [1]s2::bfw, [2]s1::fwp, SL 2
#      encap  R(s):      DA s::fwp, SRH [0]s::fwp, SL 0, inner IPv6 to VIP
#      encap  M(s1,s2):  DA s1::fwp, SRH [0]s2::bfw, [1]s1::fwp, SL 1
#
#  - the SRH is byte for byte the one `ip route ... encap seg6` gives;
#  - an IPv4 VIP (encap mode only): IPv6 + SRH + the IPv4 packet on the
#    wire. Checked at the gateway only: End.FWP/End.BFW deliver IPv6
#    inner packets only.
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
source "$(dirname "$0")/gw_lib.sh"
require_root
require_module
require_seg6mig

readonly VIP4=10.9.0.10

# one_ping WHAT LINK EXPECTED_RT6: a ping from the client to the VIP is
# answered; the gateway sent it on LINK (gw-s1 or gw-s2) with that SRH.
one_ping() {
	local what=$1 link=$2 want=$3 other=gw-s2
	[[ $link == gw-s2 ]] && other=gw-s1
	cap_start on "$NS_GW" "$link"
	cap_start off "$NS_GW" "$other"
	n_client ping -6 -c 1 -W 10 "$VIP" >/dev/null || fail "$what: no reply"
	cap_stop on
	cap_stop off
	assert_eq "$what: SRH" "$want" "$(cap_rt6 on | head -n 1)"
	if [[ $want == *"segleft=0"* || $want != *"[0]$VIP"* ]]; then
		# Encap mode: the client's packet whole inside.
		[[ $(cap_text on) == *"$CLIENT > $VIP: "*"echo request"* ]] ||
			fail "$what: inner packet: $(cap_text on)"
	fi
	assert_eq "$what: packets on $other" 0 "$(cap_count off)"
}

rt6() {
	local da=$1 n=$2 segs=$3
	echo "> $da: RT6 (len=$((2 * n)), type=4, segleft=$((n - 1)), last-entry=$((n - 1)), flags=0x0, tag=0, $segs)"
}

test_mode() {
	local mode=$1 want got
	topo_setup "$mode"
	add_fwp 1
	add_fwp 2
	add_bfw
	n_s1 ping -6 -c 1 -W 5 "$VIP" >/dev/null || fail "VM unreachable from s1"

	gws set "$VIP" run $S1_FWP mode "$mode"
	assert_eq "$mode: show R(s1)" "R($S1_FWP)" "$(gw_loc)"
	if [[ $mode == inline ]]; then
		want=$(rt6 $S1_FWP 2 "[0]$VIP, [1]$S1_FWP")
	else
		want=$(rt6 $S1_FWP 1 "[0]$S1_FWP")
	fi
	one_ping "$mode R(s1)" gw-s1 "$want"

	gws set "$VIP" migrate $S1_FWP $S2_BFW mode "$mode"
	assert_eq "$mode: show M(s1,s2)" "M($S1_FWP,$S2_BFW)" "$(gw_loc)"
	if [[ $mode == inline ]]; then
		want=$(rt6 $S1_FWP 3 "[0]$VIP, [1]$S2_BFW, [2]$S1_FWP")
	else
		want=$(rt6 $S1_FWP 2 "[0]$S2_BFW, [1]$S1_FWP")
	fi
	one_ping "$mode M(s1,s2), VM on s1" gw-s1 "$want"

	# The same SRH as ip's, from a route ip makes.
	n_gw ip -6 route replace "$VIP/128" encap seg6 mode "$mode" \
		segs "$S1_FWP,$S2_BFW" dev gw-s1
	one_ping "$mode M(s1,s2) set by ip" gw-s1 "$want"

	vm_pause 1
	vm_attach 2
	n_s2 ping -6 -c 1 -W 5 "$VIP" >/dev/null || fail "VM unreachable from s2"
	gws set "$VIP" migrate $S1_FWP $S2_BFW mode "$mode"
	one_ping "$mode M(s1,s2), VM on s2" gw-s1 "$want"

	gws set "$VIP" run $S2_FWP mode "$mode"
	assert_eq "$mode: show R(s2)" "R($S2_FWP)" "$(gw_loc)"
	if [[ $mode == inline ]]; then
		want=$(rt6 $S2_FWP 2 "[0]$VIP, [1]$S2_FWP")
	else
		want=$(rt6 $S2_FWP 1 "[0]$S2_FWP")
	fi
	one_ping "$mode R(s2)" gw-s2 "$want"

	if [[ $mode == encap ]]; then
		test_ipv4
	fi
	topo_cleanup
}

# IPv4 VIP through an IPv6 + SRH outer header: what the gateway sends.
test_ipv4() {
	local text
	n_client ip addr add 10.0.0.1/24 dev c-gw
	n_gw ip addr add 10.0.0.2/24 dev gw-c
	n_gw sysctl -qw net.ipv4.ip_forward=1
	n_client ip -4 route add default via 10.0.0.2

	gws set $VIP4 migrate $S1_FWP $S2_BFW
	assert_eq "IPv4: show" "$VIP4 M($S1_FWP,$S2_BFW) mode encap dev gw-s1 table main" \
		"$(gws show $VIP4 | sed "s/ nhid [0-9]*$//")"
	cap_start v4 "$NS_GW" gw-s1
	# No reply: the hosts' End.FWP takes IPv6 inner packets only.
	n_client ping -4 -c 1 -W 1 $VIP4 >/dev/null || true
	busywait 10000 test_cap_nonempty v4 || fail "IPv4: nothing sent to s1"
	cap_stop v4
	assert_eq "IPv4 M(s1,s2): SRH" "$(rt6 $S1_FWP 2 "[0]$S2_BFW, [1]$S1_FWP")" \
		"$(cap_rt6 v4 | head -n 1)"
	text=$(cap_text v4)
	[[ $text == *"10.0.0.1 > $VIP4: ICMP echo request"* ]] ||
		fail "IPv4: the inner packet is not the client's: $text"

	gws set $VIP4 run $S2_FWP
	cap_start v4b "$NS_GW" gw-s2
	n_client ping -4 -c 1 -W 1 $VIP4 >/dev/null || true
	busywait 10000 test_cap_nonempty v4b || fail "IPv4: nothing sent to s2"
	cap_stop v4b
	assert_eq "IPv4 R(s2): SRH" "$(rt6 $S2_FWP 1 "[0]$S2_FWP")" \
		"$(cap_rt6 v4b | head -n 1)"
	echo "ok: IPv4 VIP, encap mode, SRH on the wire"
}

# A capture has written a packet (tcpdump -U flushes each one).
test_cap_nonempty() {
	(($(cap_count "$1") > 0))
}

for mode in inline encap; do
	test_mode $mode
	echo "ok: gw set, $mode mode: SRH after each change, VM reached"
done
