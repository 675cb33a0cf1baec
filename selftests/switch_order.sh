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
stat_is() { [[ $(stat "$1") == "$2" ]]; }
fwp2() { mig_stat 2 $S2_FWP local; }
fwp2_over() { (($(fwp2) > $1)); }

# End.FWP's held packets leave once End.BFW got nothing for the VIP for the
# settle time (6 s here), counted from End.BFW's last packet, not from an
# earlier one. The gateway is R(s2) throughout; the client sends A and B
# to s2's End.BFW itself (an SRH, udpseq -S), which delivers them (VIP
# present) and tracks the VIP; C, once B was delivered, goes through the
# gateway to s2's End.FWP and waits. C leaves no sooner than 6 s after B
# was sent, and within 6 s + 2 s (x SEG6_MIG_SLOW: the guest and the
# counters' polling) of B's delivery. The settle timer, armed at A, must
# not wait for a second period (C about 11.5 s after B, as before
# 2026-12-04) when no other event kicks the release work.
test_settle_time() {
	local settle=6000 slack t_b t_seen t_c
	slack=$(slow_ms 2000)
	topo_setup inline
	add_fwp 1 count
	add_fwp 2 count
	add_bfw count hold "$(hold_ms 20000)" settle $settle
	vm_pause 1
	vm_attach 2
	gw_run 2
	recv_start $PORT -n 3 -w 30000 -t 30000
	send_udp $PORT 1 2000 -S "$S2_BFW"
	busywait 10000 stat_is delivered 1 || fail "settle: End.BFW delivered $(stat delivered) of A"
	t_b=$(date +%s%3N)
	send_udp $PORT 1 2000 -f 1 -S "$S2_BFW"
	busywait 10000 stat_is delivered 2 || fail "settle: End.BFW delivered $(stat delivered) of A, B"
	t_seen=$(date +%s%3N)
	send_udp $PORT 1 2000 -f 2
	busywait 10000 fwp2_over 0 || fail "settle: End.FWP on s2 got nothing of C"
	assert_eq "settle: C held (buffered)" 1 "$(stat buffered)"
	busywait 30000 stat_is flushed 1 || fail "settle: C was not released"
	t_c=$(date +%s%3N)
	echo "# settle: C left $((t_c - t_b)) ms after B was sent, $((t_c - t_seen)) ms after it was seen delivered (settle $settle ms)"
	((t_c - t_b >= settle)) || fail "settle: C left $((t_c - t_b)) ms after B was sent"
	((t_c - t_seen <= settle + slack)) ||
		fail "settle: C left $((t_c - t_seen)) ms after B, not within $slack ms of the settle time"
	recv_wait $PORT
	assert_eq "settle: received" 3 "$(recv_result $PORT received)"
	assert_eq "settle: reordered" 0 "$(recv_result $PORT reordered)"
	topo_cleanup
}

test_settle_time
echo "ok: End.FWP's held packets leave a settle time after End.BFW's last"
for mode in inline encap; do
	test_switch_order $mode
	echo "ok: switch M(s1, s2) -> R(s2), $mode mode"
done
