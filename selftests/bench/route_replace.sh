#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# route_replace.sh [FLIPS]: a measurement, not a test (issue 5). Does one
# NLM_F_REPLACE of an IPv6 route lose packets forwarded at that moment,
# and does replacing a nexthop object instead (what seg6mig gw does)?
# Plain `ip -batch` of `route replace` or `nexthop replace` lines, no
# seg6mig: a ping flood from the client to the VM (on s1) while the
# gateway's route to the VIP, or its nexthop, flips FLIPS times (default
# 3000) each way between two versions:
#   seg6 R<->M      route: encap seg6 segs s1::fwp  <->  segs s1::fwp,s2::bfw
#                   (inline and encap; needs the module for End.FWP)
#   nexthop R<->M   the same encaps on the route's nexthop object
#   plain, mtu      via s1  <->  via s1 mtu 1400
#   plain, proto    via s1 proto static  <->  via s1 proto boot
# Prints, per variant, ping's loss line and how many packets the
# gateway counted as meeting no route (Ip6InNoRoutes). The loss of the
# route variants is the kernel's (6.1, 6.12): the replace drops the old
# route's last reference while a lookup on another CPU holds it without
# one, whose per-CPU copy then cannot be made (fib6_info_hold_safe() in
# ip6_rt_pcpu_alloc() fails) and the packet gets the null route.
# Runs as root in a guest (or, plain variants only, on the build host).
set -eu
cd "$(dirname "$0")/.."
source ./lib.sh
source ./topology.sh
require_root
FLIPS=${1:-3000}

noroutes() { n_gw awk '$1 == "Ip6InNoRoutes" {print $2}' /proc/net/snmp6; }

# variant NAME A B [WHAT]: flip WHAT (default "route replace $VIP/128")
# between A and B.
variant() {
	local name=$1 a=$2 b=$3 what=${4:-"route replace $VIP/128"} i nr0 pid
	for ((i = 0; i < FLIPS; i++)); do
		echo "$what $a"
		echo "$what $b"
	done > "$TRAFFIC_DIR/flips"
	nr0=$(noroutes)
	n_client ping -6 -f -c 20000 -W 1 "$VIP" > "$TRAFFIC_DIR/ping.out" 2>&1 &
	pid=$!
	n_gw ip -6 -b "$TRAFFIC_DIR/flips"
	wait $pid || true
	echo "$name: $(grep -o '[0-9]* packets transmitted.*loss' "$TRAFFIC_DIR/ping.out")," \
		"gateway Ip6InNoRoutes +$(($(noroutes) - nr0))"
}

if [[ -d /sys/module/seg6_mig ]]; then
	for mode in inline encap; do
		topo_setup $mode
		add_fwp 1
		variant "seg6 $mode R<->M" \
			"encap seg6 mode $mode segs $S1_FWP dev gw-s1" \
			"encap seg6 mode $mode segs $S1_FWP,$S2_BFW dev gw-s1"
		n_gw ip -6 nexthop add id 1000 encap seg6 mode $mode \
			segs $S1_FWP dev gw-s1
		n_gw ip -6 route replace $VIP/128 nhid 1000
		variant "nexthop $mode R<->M" \
			"encap seg6 mode $mode segs $S1_FWP dev gw-s1" \
			"encap seg6 mode $mode segs $S1_FWP,$S2_BFW dev gw-s1" \
			"nexthop replace id 1000"
		topo_cleanup
	done
fi
topo_setup inline
variant "plain, mtu" "via fc00:1::1 dev gw-s1" "via fc00:1::1 dev gw-s1 mtu 1400"
variant "plain, proto" "via fc00:1::1 dev gw-s1 proto static" "via fc00:1::1 dev gw-s1 proto boot"
topo_cleanup
