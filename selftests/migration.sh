#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A VM migrates s1 -> s2 with a 150 ms downtime (longer if moving its port
# takes longer) while the client pings it every 1 ms and sends it 10k UDP
# datagrams a second (testbed.sh), in both gateway modes:
#
#  - sr-buffer: nothing lost, duplicated or reordered, for the ping and the
#    UDP stream; End.BFW held packets and flushed them (the VM got packets
#    sent while it was paused);
#  - baseline and sr-drop: both meters lose packets (the bed can see loss),
#    sr-drop through End.BFW's zero buffer (its overflow counter);
#  - none: no loss (the meters' floor on this machine).
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/testbed.sh"
require_root
require_module

DOWNTIME_MS=150
CTRL_DELAY_MS=200
RATE=10000
# Under TCG on a busy machine the move alone can take a second: a buffer
# for several seconds at RATE, held long enough, so that the downtime the
# machine imposes cannot overflow or expire it.
TB_BUFFER=65536
TB_HOLD=10000

run() {
	tb_setup "$1" "$2"
	tb_ping_start
	tb_udp_start $RATE
	tb_wait_flowing
	tb_migrate $DOWNTIME_MS $CTRL_DELAY_MS
	tb_finish 1000
	echo "# $(tb_result)"
}

# expect_clean WHAT: no loss, duplicate or reordering on either meter, and
# every datagram as the client sent it.
expect_clean() {
	local m
	for m in ping udp; do
		assert_eq "$1: $m lost" 0 "$(tb_get $m.lost)"
		assert_eq "$1: $m duplicates" 0 "$(tb_get $m.duplicates)"
		assert_eq "$1: $m reordered" 0 "$(tb_get $m.reordered)"
	done
	assert_eq "$1: udp received" "$(tb_get udp_sent)" "$(tb_get udp.received)"
	assert_eq "$1: udp with routing header" 0 "$(tb_get udp.rthdr)"
	assert_eq "$1: udp not to the VIP" 0 "$(tb_get udp.dst_mismatch)"
	assert_eq "$1: udp socket drops" 0 "$(tb_get udp.sock_drops)"
}

# expect_loss WHAT: both meters lost packets.
expect_loss() {
	local m
	for m in ping udp; do
		(($(tb_get $m.lost) > 0)) || fail "$1: $m lost nothing"
	done
	(($(tb_get udp.gaps) >= 1)) || fail "$1: no gap in the UDP stream"
}

for mode in inline encap; do
	run sr-buffer $mode
	expect_clean "sr-buffer $mode"
	(($(tb_get udp.held) > 0)) || fail "sr-buffer $mode: no datagram held over the downtime"
	(($(tb_get ping.held) > 0)) || fail "sr-buffer $mode: no echo request held over the downtime"
	(($(tb_bfw_stat flushed) > 0)) || fail "sr-buffer $mode: End.BFW flushed nothing"
	assert_eq "sr-buffer $mode: End.BFW overflow" 0 "$(tb_bfw_stat overflow)"
	assert_eq "sr-buffer $mode: End.BFW expired" 0 "$(tb_bfw_stat expired)"
	assert_eq "sr-buffer $mode: End.BFW qlen" 0 "$(tb_bfw_stat qlen)"
	topo_cleanup

	run sr-drop $mode
	expect_loss "sr-drop $mode"
	(($(tb_bfw_stat overflow) > 0)) || fail "sr-drop $mode: End.BFW dropped nothing"
	assert_eq "sr-drop $mode: End.BFW buffered" 0 "$(tb_bfw_stat buffered)"
	topo_cleanup

	run baseline $mode
	expect_loss "baseline $mode"
	(($(mig_stat 1 $S1_FWP absent) > 0)) || fail "baseline $mode: s1 dropped nothing"
	topo_cleanup

	run none $mode
	expect_clean "none $mode"
	topo_cleanup
	echo "ok: migration, $mode mode"
done
