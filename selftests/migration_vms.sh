#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Three VMs migrate s1 -> s2 at once (one pause, one resume: testbed.sh's
# tb_vm_migrate), sr-buffer, in both gateway modes, while the client pings
# each VIP every 1 ms and sends each 10k UDP datagrams a second. s2's one
# End.BFW SID holds the three VIPs' packets in one buffer. Per VIP: nothing
# lost, duplicated or reordered on either meter, datagrams held over the
# downtime and delivered; End.BFW flushed, nothing overflowed, expired or
# is left queued. Not in TEST_PROGS: not yet run on either kernel.
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/testbed.sh"
require_root
require_module

DOWNTIME_MS=150
CTRL_DELAY_MS=200
RATE=10000
# As migration.sh: room for seconds of the three streams, held long enough.
TB_BUFFER=65536
TB_HOLD=10000
sysctl -qw net.core.rmem_default=16777216 net.core.rmem_max=16777216

for mode in inline encap; do
	tb_vm_setup sr-buffer $mode 3
	for i in 1 2 3; do tb_vm_ping_start $i; done
	for i in 1 2 3; do tb_vm_udp_start $i $RATE; done
	tb_vm_wait_flowing 1 2 3
	tb_vm_migrate 1 2 $DOWNTIME_MS $CTRL_DELAY_MS 1 2 3
	tb_vm_finish 1000 1 2 3
	for i in 1 2 3; do
		r=$(tb_vm_result $i)
		echo "# $r"
		what="$mode, VIP $(tb_vip $i)"
		for m in ping udp; do
			assert_eq "$what: $m lost" 0 "$(jq -r .$m.lost <<< "$r")"
			assert_eq "$what: $m duplicates" 0 "$(jq -r .$m.duplicates <<< "$r")"
			assert_eq "$what: $m reordered" 0 "$(jq -r .$m.reordered <<< "$r")"
		done
		assert_eq "$what: udp received" "$(jq -r .udp_sent <<< "$r")" "$(jq -r .udp.received <<< "$r")"
		assert_eq "$what: udp not to the VIP" 0 "$(jq -r .udp.dst_mismatch <<< "$r")"
		assert_eq "$what: udp socket drops" 0 "$(jq -r .udp.sock_drops <<< "$r")"
		(($(jq -r .udp.held <<< "$r") > 0)) || fail "$what: no datagram held over the downtime"
	done
	echo "# s2 End.BFW: $(tb_sid_stats 2 $S2_BFW)"
	(($(tb_bfw_stat flushed) > 0)) || fail "$mode: End.BFW flushed nothing"
	assert_eq "$mode: End.BFW overflow" 0 "$(tb_bfw_stat overflow)"
	assert_eq "$mode: End.BFW expired" 0 "$(tb_bfw_stat expired)"
	assert_eq "$mode: End.BFW qlen" 0 "$(tb_bfw_stat qlen)"
	topo_cleanup
	echo "ok: three VMs, $mode mode"
done
