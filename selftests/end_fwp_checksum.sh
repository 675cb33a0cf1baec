#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Delivery keeps the L4 checksum right (SPEC section 2): the VM's port is a
# tap read by tapcsum, which checks every UDP checksum as a virtio guest
# would (completing CHECKSUM_PARTIAL from csum_start/csum_offset, else the
# full checksum against the packet's destination). The client's veth hands
# its packets on with checksum offload, so they reach s1's End.FWP as
# CHECKSUM_PARTIAL; then again with offload off (checksum complete). Both
# gateway modes; also through End.BFW after a hold.
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
require_root
require_module

TAPCSUM=$SEG6_MIG_TOP/selftests/tools/tapcsum
modprobe tun || skip "no tun module"
PORT=6000
N=40

# tap_vm 1|2: the VM is now a tap in that host, read by tapcsum.
tap_vm() {
	local ns
	ns=$(ns_of "$1")
	ip netns exec "$ns" "$TAPCSUM" -i vmtap -n $N -t 30000 -p $PORT -j \
		> "$TRAFFIC_DIR/tap.out" 2>/dev/null &
	TAP_PID=$!
	busywait 20000 grep -q ready "$TRAFFIC_DIR/tap.out" || fail "tapcsum did not start"
	ip -n "$ns" link set vmtap up
	# Nobody answers neighbour solicitations on the tap.
	ip -n "$ns" -6 neigh replace "$VIP" lladdr 02:00:00:00:00:10 dev vmtap nud permanent
	ip -n "$ns" -6 route replace "$VIP/128" dev vmtap
}

tap_wait() {
	wait $TAP_PID || fail "tapcsum failed: $(cat "$TRAFFIC_DIR/tap.out")"
}

tap_result() {
	tail -n 1 "$TRAFFIC_DIR/tap.out" | jq -r ".$1"
}

bfw_qlen_is() { [[ $(mig_stat 2 $S2_BFW qlen) == "$1" ]]; }

expect_checksums() {
	tap_wait
	assert_eq "$1: UDP packets at the VM" $N "$(tap_result ipv6_l4)"
	assert_eq "$1: good checksums" $N "$(tap_result csum_ok)"
	assert_eq "$1: bad checksums" 0 "$(tap_result csum_bad)"
	assert_eq "$1: with routing header" 0 "$(tap_result with_rthdr)"
	assert_eq "$1: csum_start not at L4" 0 "$(tap_result csum_start_bad)"
}

for mode in inline encap; do
	for offload in on off; do
		what="$mode, client tx checksum offload $offload"
		topo_setup $mode
		n_client ethtool -K c-gw tx $offload >/dev/null
		add_fwp 1 count
		vm_pause 1
		tap_vm 1
		send_udp $PORT $N 2000
		expect_checksums "End.FWP, $what"
		[[ $offload == off ]] ||
			(($(tap_result partial) > 0)) || fail "$what: no CHECKSUM_PARTIAL reached the tap"

		# Through End.BFW's queue: the VM's tap appears on s2 later.
		add_bfw count hold "$(hold_ms 10000)"
		gw_migrate
		send_udp $PORT $N 2000
		busywait 20000 bfw_qlen_is $N || fail "$what: not queued"
		tap_vm 2
		expect_checksums "End.BFW, $what"
		topo_cleanup
	done
	echo "ok: checksums after delivery, $mode mode"
done
