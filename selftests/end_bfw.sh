#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End.BFW (SPEC section 2), both gateway modes. The gateway holds
# M(s1, s2): s1's End.FWP finds the VM absent and passes packets to s2's
# End.BFW, which holds them until the VM's port on s2 is up and routed.
#
#  - absent: queued (buffered, qlen); port up: every packet delivered, in
#    order, none lost or duplicated (flushed, qlen back to 0);
#  - two senders on two CPUs while the port comes up: no flow reordered;
#  - over the packet limit and over the byte limit: overflow;
#  - held longer than hold: expired, and not delivered later;
#  - queue freed with the ingress device, the route, the namespace:
#    purged, each queued skb freed by the module as purged (the kfree_skb
#    tracepoint), nothing delivered later (no warning: the runner checks).
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
require_root
require_module

PORT=5000
# The VM's sockets take a whole release: thousands of datagrams at once.
sysctl -qw net.core.rmem_default=16777216 net.core.rmem_max=16777216

stat() { mig_stat 2 $S2_BFW "$1"; }
stat_is() { [[ $(stat "$1") == "$2" ]]; }

# setup_migrating MODE [BFW OPTIONS]: a VM migrating to s2: paused on s1,
# its port in s2 and down. Packets are held 10 s unless the options say
# otherwise: under TCG the test's own steps take longer than the default 1 s.
setup_migrating() {
	topo_setup "$1"
	add_fwp 1 count
	shift
	if [[ " $* " == *" hold "* ]]; then
		add_bfw count "$@"
	else
		add_bfw count hold "$(hold_ms 10000)" "$@"
	fi
	vm_pause 1
	vm_attach 2
	vm_pause 2
	gw_migrate
}

test_release_in_order() {
	local mode=$1 n=200
	setup_migrating "$mode"
	recv_start $PORT -n $n -w 30000 -t 3000
	send_udp $PORT $n 2000
	busywait 20000 stat_is buffered $n || fail "$mode: buffered $(stat buffered), want $n"
	assert_eq "$mode: qlen while absent" $n "$(stat qlen)"
	assert_eq "$mode: received while absent" 0 "$(n_vm cat /proc/net/snmp6 | awk '/^Udp6InDatagrams/ {print $2}')"
	vm_attach 2
	recv_wait $PORT
	assert_eq "$mode: received" $n "$(recv_result $PORT received)"
	assert_eq "$mode: lost" 0 "$(recv_result $PORT lost)"
	assert_eq "$mode: duplicates" 0 "$(recv_result $PORT duplicates)"
	assert_eq "$mode: reordered" 0 "$(recv_result $PORT reordered)"
	assert_eq "$mode: with routing header" 0 "$(recv_result $PORT rthdr)"
	assert_eq "$mode: flushed" $n "$(stat flushed)"
	assert_eq "$mode: qlen after release" 0 "$(stat qlen)"
	assert_eq "$mode: qlen_max" $n "$(stat qlen_max)"
	assert_eq "$mode: s1 passed them on" $n "$(mig_stat 1 $S1_FWP next)"
	topo_cleanup
}

# Two flows, each sent from its own CPU, while the port comes up.
test_two_cpus() {
	local mode=$1 n=3000 p
	setup_migrating "$mode"
	for p in 5001 5002; do
		recv_start $p -n $n -w 30000 -t 3000
	done
	ip netns exec "$NS_CLIENT" taskset -c 0 "$UDPSEQ" send -d "$VIP" -p 5001 -n $n -r 3000 >/dev/null &
	local s1=$!
	ip netns exec "$NS_CLIENT" taskset -c 1 "$UDPSEQ" send -d "$VIP" -p 5002 -n $n -r 3000 >/dev/null &
	local s2=$!
	busywait 20000 qlen_over 500 || fail "$mode: nothing queued"
	vm_attach 2
	wait $s1 $s2
	recv_wait 5001 5002
	for p in 5001 5002; do
		assert_eq "$mode: flow $p received" $n "$(recv_result $p received)"
		assert_eq "$mode: flow $p reordered" 0 "$(recv_result $p reordered)"
		assert_eq "$mode: flow $p duplicates" 0 "$(recv_result $p duplicates)"
	done
	local delivered flushed
	delivered=$(stat delivered)
	flushed=$(stat flushed)
	assert_eq "$mode: delivered + flushed" $((2 * n)) $((delivered + flushed))
	((flushed >= 500)) || fail "$mode: only $flushed flushed"
	topo_cleanup
}


# The VM reachable from s2 (and so anything released would have reached it).
ping_vm() { n_s2 ping -6 -c 1 -W 5 "$VIP" >/dev/null; }
neigh_valid() { ping_vm; }

qlen_over() { (($(stat qlen) > $1)); }

test_overflow() {
	local mode=$1
	setup_migrating "$mode" buffer 10
	recv_start $PORT -n 10 -w 30000 -t 3000
	send_udp $PORT 30 2000
	busywait 20000 stat_is overflow 20 || fail "$mode: overflow $(stat overflow), want 20"
	assert_eq "$mode: buffered at 10 packets" 10 "$(stat buffered)"
	vm_attach 2
	recv_wait $PORT
	assert_eq "$mode: the 10 queued delivered" 10 "$(recv_result $PORT received)"
	assert_eq "$mode: ... the first ten" 9 "$(recv_result $PORT max_seq)"
	topo_cleanup

	setup_migrating "$mode" buffer-bytes 8192
	send_udp $PORT 30 2000
	busywait 20000 sum_is 30 || fail "$mode: buffered + overflow != 30"
	local b
	b=$(stat buffered)
	((b >= 1 && b < 30)) || fail "$mode: $b buffered with an 8192-byte limit"
	topo_cleanup
}

sum_is() { (($(stat buffered) + $(stat overflow) == $1)); }

test_expiry() {
	local mode=$1
	setup_migrating "$mode" hold 200
	recv_start $PORT -w 30000 -t 30000
	send_udp $PORT 20 2000
	busywait 20000 stat_is expired 20 || fail "$mode: expired $(stat expired), want 20"
	assert_eq "$mode: qlen after expiry" 0 "$(stat qlen)"
	vm_attach 2
	busywait 20000 neigh_valid || fail "$mode: the VM's neighbour entry never resolved"
	recv_stop $PORT
	assert_eq "$mode: expired packets delivered" 0 "$(recv_result $PORT received)"
	topo_cleanup
}

frees_are() { (($(frees_count) == $1)); }

# frees_purged WHAT N: N skbs freed by the module since frees_start, every
# one of them as purged.
frees_purged() {
	busywait 20000 frees_are "$2" || fail "$1: $(frees_count) skbs freed, want $2"
	assert_eq "$1: freed as purged" "$2" "$(frees_count "$(purge_reason)")"
	frees_stop
}

test_purge() {
	local mode=$1
	frees_init
	# The ingress device goes: its packets are purged, the route (on
	# another device) stays. Held a minute: nothing expires meanwhile.
	setup_migrating "$mode" hold "$(hold_ms 60000)"
	n_s2 ip -6 route replace $S2_BFW/128 encap seg6local action End.BFW \
		count hold "$(hold_ms 60000)" dev s2-gw
	send_udp $PORT 20 2000
	busywait 20000 stat_is qlen 20 || fail "$mode: qlen $(stat qlen), want 20"
	frees_start
	n_s2 ip link del s2-s1	# s1's End.FWP sends them over this link
	assert_eq "$mode: purged with the device" 20 "$(stat purged)"
	assert_eq "$mode: qlen after purge" 0 "$(stat qlen)"
	frees_purged "$mode: device deleted" 20
	topo_cleanup

	# The route goes, then the namespace, each with a full queue: no
	# counter survives them, the skbs freed by the module show the queue
	# went back.
	setup_migrating "$mode" hold "$(hold_ms 60000)"
	recv_start $PORT -w 30000 -t 30000
	send_udp $PORT 20 2000
	busywait 20000 stat_is qlen 20 || fail "$mode: qlen $(stat qlen), want 20"
	frees_start
	n_s2 ip -6 route del $S2_BFW/128
	frees_purged "$mode: route deleted" 20
	add_bfw count hold "$(hold_ms 60000)"
	vm_attach 2
	ping_vm || fail "$mode: the VM is not reachable on s2"
	recv_stop $PORT
	assert_eq "$mode: delivered after the route was deleted" 0 \
		"$(recv_result $PORT received)"
	vm_pause 2
	send_udp $PORT 20 2000
	busywait 20000 stat_is qlen 20 || fail "$mode: qlen $(stat qlen), want 20"
	frees_start
	ip netns del "$NS_S2"
	NS_S2=
	frees_purged "$mode: namespace deleted" 20
	topo_cleanup
}

for mode in inline encap; do
	for t in release_in_order two_cpus overflow expiry purge; do
		echo "# $mode: $t"
		test_$t $mode
	done
	echo "ok: End.BFW, $mode mode"
done
