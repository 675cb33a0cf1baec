#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The gateway's switch M(s1, s2) -> R(s2) keeps a VIP's order (SPEC
# section 2, order; Documentation/seg6_mig.md): packets sent before the
# switch still on the longer path through s1 reach s2's End.BFW after the
# first ones sent after it reach s2's End.FWP, which holds those behind
# End.BFW's until End.BFW got nothing for the VIP for its settle time.
# Both gateway modes: none lost, duplicated or reordered, and End.FWP's
# packets did wait (End.BFW's buffered). The settle time is 300 ms: under
# TCG, with two guests on two host CPUs, s1 stalls for tens of ms (with
# the default 30 ms, 1-4 of 3000 datagrams were reordered there).
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
require_root
require_module

PORT=5000
sysctl -qw net.core.rmem_default=16777216 net.core.rmem_max=16777216

stat() { mig_stat 2 $S2_BFW "$1"; }

# The VM runs on s2 and the gateway switches M(s1, s2) -> R(s2) mid-stream.
# Packets sent before the switch come through s1, 30 ms slower (netem on
# s1 -> s2), those after it straight to s2's End.FWP, which must hold them
# until End.BFW got nothing more for the VM for its settle time.
test_switch_order() {
	local mode=$1 n=120000 rate=1000 sender held got
	topo_setup "$mode"
	add_fwp 1 count
	add_fwp 2 count
	add_bfw count hold "$(hold_ms 10000)" settle 300
	vm_pause 1
	vm_attach 2
	gw_migrate
	n_s1 tc qdisc add dev s1-s2 root netem delay 30ms limit 100000
	# netem hands packets to the veth from whichever CPU its timer fires
	# on, and the veth to that CPU's backlog: receive them all on CPU 0,
	# in the order netem sent them, or the test bed itself reorders.
	n_s2 sh -c 'echo 1 > /sys/class/net/s2-s1/queues/rx-0/rps_cpus'
	recv_start $PORT -w 30000 -t 3000
	# The stream runs until the switch is behind it (at most 120 s): a
	# slow guest must not end it before the gateway switches.
	# Not through send_udp: $! must be udpseq itself, to stop it.
	ip netns exec "$NS_CLIENT" "$UDPSEQ" send -d "$VIP" -p $PORT -n $n \
		-r $rate > /dev/null &
	sender=$!
	busywait 20000 delivered_over 300 || fail "$mode: End.BFW delivered $(stat delivered)"
	gw_run 2
	busywait 60000 fwp2_over 300 || fail "$mode: End.FWP on s2 delivered $(fwp2)"
	kill -0 $sender 2>/dev/null || fail "$mode: the stream ended before the switch"
	kill -TERM $sender
	wait $sender || true
	recv_wait $PORT
	got=$(recv_result $PORT received)
	assert_eq "$mode: lost" 0 "$(recv_result $PORT lost)"
	assert_eq "$mode: received from seq 0" 0 "$(recv_result $PORT first_seq)"
	assert_eq "$mode: received up to max_seq" $(($(recv_result $PORT max_seq) + 1)) "$got"
	assert_eq "$mode: reordered" 0 "$(recv_result $PORT reordered)"
	assert_eq "$mode: duplicates" 0 "$(recv_result $PORT duplicates)"
	# Those of End.FWP's that waited count as End.BFW's buffered/flushed.
	held=$(stat buffered)
	((held > 0)) || fail "$mode: End.FWP held nothing behind End.BFW"
	assert_eq "$mode: flushed" "$held" "$(stat flushed)"
	assert_eq "$mode: qlen" 0 "$(stat qlen)"
	assert_eq "$mode: End.BFW + End.FWP" "$got" \
		$(($(stat delivered) + $(fwp2)))
	echo "# $mode: $got datagrams, $held of End.FWP's waited behind End.BFW's"
	topo_cleanup
}
delivered_over() { (($(stat delivered) > $1)); }
fwp2() { mig_stat 2 $S2_FWP local; }
fwp2_over() { (($(fwp2) > $1)); }

for mode in inline encap; do
	test_switch_order $mode
	echo "ok: switch M(s1, s2) -> R(s2), $mode mode"
done
