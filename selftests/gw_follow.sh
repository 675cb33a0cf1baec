#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# seg6mig gw follow completes a migration (SPEC section 1, controller):
# the gateway holds M(s1,s2), the VM moves from s1 to s2 while the client
# streams numbered UDP datagrams to it, s2's End.BFW delivers what it held
# once the VM's port is up there, and the "arrived" event makes
# `gw follow` replace M(s1,s2) by R(s2). Both gateway modes.
#
#  - no datagram lost, duplicated or reordered (udpseq in the VM);
#  - every datagram left the gateway towards s1 or s2 (captures on gw-s1
#    and gw-s2), and once one went towards s2 (R(s2)), none went towards
#    s1 any more: highest seq to s1 < lowest seq to s2;
#  - the switch happened during the stream: it goes on until 500
#    datagrams went to s2 directly, then stops (receiver: none missing
#    from seq 0 to the last).
#
# The event comes from `seg6mig monitor -j` on s2 (the module's generic
# netlink events), piped into `seg6mig gw follow` on the gateway.
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
source "$(dirname "$0")/gw_lib.sh"
require_root
require_module
require_seg6mig

PORT=5000
RATE=500
N=120000		# at most 240 s: the stream is stopped once R(s2) holds
AFTER=500		# datagrams sent to s2 directly before it is stopped
sysctl -qw net.core.rmem_default=16777216 net.core.rmem_max=16777216

bfw() { mig_stat 2 $S2_BFW "$1"; }
fwp1() { mig_stat 1 $S1_FWP "$1"; }
fwp2() { mig_stat 2 $S2_FWP "$1"; }
at_least() { (($("$1" "$2") >= $3)); }
moved() { grep -q '"action":"moved"' "$TRAFFIC_DIR/follow.out"; }
# Progress in the log, with the guest's clock (TCG guests are slow).
step() { echo "# $(date +%T.%3N) $*"; }

test_mode() {
	local mode=$1 s1_max s2_min n1 n2
	topo_setup "$mode"
	add_fwp 1 count
	add_fwp 2 count
	# The VM's absence is a few seconds, but a guest sharing its host's
	# CPUs with others was seen away for 16 s: hold and buffer leave room
	# for a minute at RATE, so only the path under test can lose. Such a
	# guest also had datagrams on the longer path (gw, s1, s2) arrive at
	# End.BFW more than the default settle time (30 ms) after younger ones
	# on the direct path (gw, s2): End.BFW delivered them behind those
	# (6.1, reordered 8). The settle time covers that lag.
	add_bfw count hold "$(hold_ms 60000)" buffer 32768 settle 2000
	n_s1 ping -6 -c 1 -W 5 "$VIP" >/dev/null || fail "VM unreachable from s1"
	gws set "$VIP" migrate $S1_FWP $S2_BFW mode "$mode"

	{ "$SEG6MIG" -n "$NS_S2" -j monitor 2> "$TRAFFIC_DIR/monitor.err" |
		"$SEG6MIG" -n "$NS_GW" -j gw follow host $S2_BFW $S2_FWP \
		> "$TRAFFIC_DIR/follow.out" 2>&1; } &
	busywait 20000 grep -q listening "$TRAFFIC_DIR/monitor.err" ||
		fail "$mode: seg6mig monitor did not start: $(cat "$TRAFFIC_DIR/monitor.err")"

	cap_start s1 "$NS_GW" gw-s1
	cap_start s2 "$NS_GW" gw-s2
	# Idle timeout: longer than the VM is away (16 s seen, above).
	recv_start $PORT -w 30000 -t 60000
	# Not through send_udp: $! must be udpseq itself, to stop it. On one
	# CPU: a sender the scheduler moves leaves its older datagrams in the
	# first CPU's veth backlog, and the new CPU's overtake them (seen on
	# a contended 6.1 guest: 130 reordered, the VM on s1 throughout).
	ip netns exec "$NS_CLIENT" taskset -c 0 "$UDPSEQ" send -d "$VIP" -p $PORT -n $N \
		-r $RATE > /dev/null &
	local sender=$!

	# The VM runs on s1 a while, then stops there and resumes on s2.
	step "$mode: stream started"
	busywait 60000 at_least fwp1 local 200 || fail "$mode: nothing delivered on s1"
	step "$mode: delivered on s1: $(fwp1 local); VM stops on s1"
	vm_pause 1
	busywait 60000 at_least bfw buffered 50 || fail "$mode: s2 held nothing"
	step "$mode: held by s2: $(bfw buffered); VM resumes on s2"
	vm_attach 2
	busywait 60000 at_least bfw flushed 50 || fail "$mode: s2 delivered nothing held"
	step "$mode: s2 delivered what it held: $(bfw flushed)"
	busywait 60000 moved || fail "$mode: follow did not move the VIP: $(cat "$TRAFFIC_DIR/follow.out")"
	kill -0 $sender 2>/dev/null ||
		fail "$mode: the stream ended before follow moved the VIP (too slow a guest?)"
	assert_eq "$mode: location after follow" "R($S2_FWP)" "$(gw_loc)"

	step "$mode: follow: $(cat "$TRAFFIC_DIR/follow.out")"

	# A while in R(s2), then the end of the stream.
	# (s2's End.FWP counter: re-reading a growing capture is slow.)
	busywait 60000 at_least fwp2 local $AFTER ||
		fail "$mode: fewer than $AFTER datagrams went to s2"
	step "$mode: $(fwp2 local) datagrams delivered by s2's End.FWP; stream stopped"
	kill -TERM $sender 2>/dev/null || true
	wait $sender || true
	recv_wait $PORT
	cap_stop s1
	cap_stop s2
	local got
	got=$(recv_result $PORT received)
	assert_eq "$mode: lost" 0 "$(recv_result $PORT lost)"
	assert_eq "$mode: received from seq 0" 0 "$(recv_result $PORT first_seq)"
	assert_eq "$mode: received up to max_seq" $(($(recv_result $PORT max_seq) + 1)) "$got"
	assert_eq "$mode: duplicates" 0 "$(recv_result $PORT duplicates)"
	assert_eq "$mode: reordered" 0 "$(recv_result $PORT reordered)"

	cap_seqs s1 > "$TRAFFIC_DIR/s1.seqs"
	cap_seqs s2 > "$TRAFFIC_DIR/s2.seqs"
	n1=$(grep -c . "$TRAFFIC_DIR/s1.seqs" || true)
	n2=$(grep -c . "$TRAFFIC_DIR/s2.seqs" || true)
	assert_eq "$mode: datagrams to s1 + to s2" "$got" $((n1 + n2))
	((n2 > 0)) || fail "$mode: nothing went to s2 directly"
	s1_max=$(sort -n "$TRAFFIC_DIR/s1.seqs" | tail -n 1)
	s2_min=$(sort -n "$TRAFFIC_DIR/s2.seqs" | head -n 1)
	((s1_max < s2_min)) ||
		fail "$mode: seq $s1_max went to s1 after seq $s2_min went to s2"
	echo "ok: gw follow, $mode mode (seg6mig monitor event): $got datagrams, $n1 via s1 up to seq $s1_max, $n2 to s2 from seq $s2_min, none lost"
	topo_cleanup
}

for mode in inline encap; do
	test_mode $mode
done
