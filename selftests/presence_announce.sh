#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Presence policy "announce" (issue 7) against a real tap that has carrier
# long before the VM behind it runs, as QEMU's tap on the destination host
# of a live migration:
#
#   client - gw - s1 (End.FWP) - s2 (End.BFW, End.FWP)
#                                 vmtap  tap, held open by tapvm (QEMU)
#                                   |    tapvm: drops (or, -q, leaves queued)
#                                   |    what the paused VM gets; at the
#                                   |    resume, announces and forwards
#                                 vmfwd ===== eth0 (vm)  VIP 2001:db8::10
#
# The gateway holds M(s1,s2); the VM's port on s1 is gone, so s1's End.FWP
# passes everything to s2's End.BFW. On s2 the route VIP/128 dev vmtap and
# the tap's carrier are there from the start.
#
#  - carrier (the default): End.BFW delivers into the tap at once, while
#    the VM is paused: tapvm drops those packets and the VM never gets them
#    (why "announce" exists). Once with QEMU's RARP, once with a VM that
#    announces by unsolicited NA only;
#  - announce: End.BFW holds them (the rx hook on vmtap is registered,
#    /proc/net/ptype) until the announce; then every packet arrives, in
#    order, after the resume, none went into the tap before it, and the
#    hook is gone. RARP, and NA only; also with QEMU's queueing (-q) and
#    the host resolving the VM's address through the tap;
#  - carrier with a tap made with IFF_NO_CARRIER and switched on at the
#    resume (the zero-code alternative): held until then, none lost;
#  - a VM that announced itself before anything waited on its port is
#    solicited, answers, and gets its packets;
#  - seg6mig release marks the port present for End.FWP and End.BFW with
#    announce, until the port next goes down;
#  - a VM running on s1, whose port was up before the first route with
#    announce: End.FWP delivers to it.
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
require_root
require_module

TAPVM=$SEG6_MIG_TOP/selftests/tools/tapvm
SEG6MIG=$SEG6_MIG_TOP/tools/seg6mig
[[ -x $TAPVM ]] || skip "tapvm is not built (make -C selftests/tools)"
modprobe tun 2> /dev/null || [[ -c /dev/net/tun ]] || skip "no tun device"
readonly VMMAC=02:00:00:00:00:10
PORT=5000
sysctl -qw net.core.rmem_default=16777216 net.core.rmem_max=16777216

bfw() { mig_stat 2 $S2_BFW "$1"; }
bfw_is() { [[ $(bfw "$1") == "$2" ]]; }
fwp2() { mig_stat 2 $S2_FWP "$1"; }
fwp2_is() { [[ $(fwp2 "$1") == "$2" ]]; }

# The rx hook of seg6_mig on vmtap, as /proc/net/ptype lists it in s2.
hooked() { n_s2 grep -Eq "^ALL +vmtap +seg6_mig_port_rcv" /proc/net/ptype; }
unhooked() { ! hooked; }

tapvm_out() { echo "$TRAFFIC_DIR/tapvm.out"; }
tapvm_ready() { grep -qx ready "$(tapvm_out)"; }
tapvm_resumed() { grep -qx resumed "$(tapvm_out)"; }

# migrated_setup: the topology, End.FWP on s1, the gateway in M(s1,s2),
# and the VM gone from s1 (its old port goes, and with it the VM's eth0),
# once for the cases that follow.
migrated_setup() {
	topo_setup inline
	add_fwp 1 count
	n_s1 ip link del vmport
}

# setup POLICY TAPVM_ARGS...: End.BFW and End.FWP on s2 with POLICY, made
# afresh (counters at 0, no port announced), the gateway in M(s1,s2), and
# the VM behind tap vmtap in s2, paused (tapvm TAPVM_ARGS), its route there.
setup() {
	local policy=$1
	shift
	n_s2 ip -6 route del $S2_BFW/128 2> /dev/null || true
	n_s2 ip -6 route del $S2_FWP/128 2> /dev/null || true
	add_fwp 2 count presence "$policy"
	add_bfw count hold "$(hold_ms 30000)" presence "$policy"
	gw_migrate
	rm -f "$TRAFFIC_DIR"/resume "$TRAFFIC_DIR"/arrivals.* "$TRAFFIC_DIR"/recv.*
	ip -n "$NS_VM" link add eth0 type veth peer name vmfwd netns "$NS_S2"
	n_vm ip link set eth0 address $VMMAC
	n_vm ip addr add "$VIP/128" dev eth0 nodad
	n_vm ip link set eth0 up
	n_vm ip -6 route add fe80::1 dev eth0
	n_vm ip -6 route add default via fe80::1 dev eth0
	# vmfwd is tapvm's side of the VM's link: a bare port.
	n_s2 sysctl -qw net.ipv6.conf.vmfwd.disable_ipv6=1
	n_s2 ip link set vmfwd up
	ip netns exec "$NS_S2" "$TAPVM" -t vmtap -i vmfwd -m $VMMAC \
		-r "$TRAFFIC_DIR/resume" -j "$@" > "$(tapvm_out)" 2> "$TRAFFIC_DIR/tapvm.err" &
	TAPVM_PID=$!
	busywait 20000 tapvm_ready || fail "tapvm did not start: $(cat "$TRAFFIC_DIR/tapvm.err")"
	n_s2 ip addr add fe80::1/64 dev vmtap nodad
	n_s2 ip link set vmtap up
	n_s2 ip -6 route replace "$VIP/128" dev vmtap
}

# vm_gone: the case's VM goes (tapvm stopped by the case: the tap with it).
vm_gone() {
	n_s2 ip link del vmfwd
}

# The host knows the VM's MAC: nothing solicits it (only an announce or a
# release can then make the port present).
static_neigh() {
	n_s2 ip -6 neigh replace "$VIP" lladdr $VMMAC dev vmtap nud permanent
}

# resume: the VM runs (tapvm announces as it was told, then forwards).
resume() {
	touch "$TRAFFIC_DIR/resume"
	busywait 20000 tapvm_resumed || fail "tapvm did not resume"
}

# tapvm_stop: its summary (JSON) into $TAPVM_JSON.
tapvm_stop() {
	kill -TERM "$TAPVM_PID"
	wait "$TAPVM_PID" || fail "tapvm failed: $(cat "$TRAFFIC_DIR/tapvm.err")"
	TAPVM_JSON=$(tail -n 1 "$(tapvm_out)")
}
tapvm_result() { jq -r ".$1" <<< "$TAPVM_JSON"; }

# The receiver's arrivals: "seq send_ns recv_ns", in arrival order.
arrivals() { echo "$TRAFFIC_DIR/arrivals.$PORT"; }

# early_release ANNOUNCE: policy carrier, the VM paused: End.BFW delivers
# the packets on arrival, into the tap, and they are lost.
test_early_release() {
	local ann=$1 n=40 m=10
	setup carrier -a "$ann" -A "$VIP"
	static_neigh
	recv_start $PORT -n $((n + m)) -w 60000 -t 3000
	send_udp $PORT $n 1000
	busywait 20000 bfw_is delivered $n ||
		fail "carrier, $ann: delivered $(bfw delivered), want $n"
	assert_eq "carrier, $ann: buffered while the VM is paused" 0 "$(bfw buffered)"
	resume
	send_udp $PORT $m 1000 -f $n
	recv_wait $PORT
	tapvm_stop
	assert_eq "carrier, $ann: delivered into the paused VM's tap, lost there" \
		$n "$(tapvm_result dropped_udp_echo)"
	assert_eq "carrier, $ann: received (only those sent after the resume)" \
		$m "$(recv_result $PORT received)"
	assert_eq "carrier, $ann: first received" $n "$(recv_result $PORT first_seq)"
	assert_eq "carrier, $ann: lost" $n "$(recv_result $PORT lost)"
	assert_eq "carrier, $ann: no hook without the policy" 0 \
		"$(n_s2 grep -c seg6_mig /proc/net/ptype || true)"
	echo "# carrier, $ann: $n packets released into the paused VM's tap and lost"
	vm_gone
}

# held_until_announce ANNOUNCE [TAPVM_ARGS...]: policy announce: nothing
# leaves End.BFW before the VM announced itself, nothing is lost, all in
# order. Without TAPVM_ARGS the host knows the VM's MAC (only the announce
# counts); with -q tapvm leaves frames queued, as QEMU does, and the host
# resolves the VM through the tap (its solicitations wait in the queue).
test_held_until_announce() {
	local ann=$1 n=200 m=20 what
	shift
	what="announce, $ann${*:+ $*}"
	setup announce -a "$ann" -A "$VIP" "$@"
	(($#)) || static_neigh
	recv_start $PORT -n $((n + m)) -w 60000 -t 30000 -o "$(arrivals)"
	send_udp $PORT $n 1000
	busywait 20000 bfw_is buffered $n ||
		fail "$what: buffered $(bfw buffered), want $n"
	# Each packet found the port not announced: it is watched.
	busywait 20000 hooked || fail "$what: no hook on vmtap: $(n_s2 cat /proc/net/ptype)"
	assert_eq "$what: qlen before the resume" $n "$(bfw qlen)"
	assert_eq "$what: flushed before the resume" 0 "$(bfw flushed)"
	assert_eq "$what: delivered before the resume" 0 "$(bfw delivered)"
	resume
	busywait 20000 bfw_is flushed $n ||
		fail "$what: flushed $(bfw flushed) after the announce, want $n"
	busywait 20000 unhooked || fail "$what: hook still on vmtap after the announce"
	# The port is announced: what comes now is delivered on arrival (or
	# flushed, if the release is still making sure of the order).
	send_udp $PORT $m 1000 -f $n
	recv_wait $PORT
	tapvm_stop
	assert_eq "$what: delivered + flushed" $((n + m)) $(($(bfw delivered) + $(bfw flushed)))
	assert_eq "$what: flushed = buffered" "$(bfw buffered)" "$(bfw flushed)"
	assert_eq "$what: received" $((n + m)) "$(recv_result $PORT received)"
	assert_eq "$what: lost" 0 "$(recv_result $PORT lost)"
	assert_eq "$what: reordered" 0 "$(recv_result $PORT reordered)"
	assert_eq "$what: duplicates" 0 "$(recv_result $PORT duplicates)"
	assert_eq "$what: first received" 0 "$(recv_result $PORT first_seq)"
	assert_eq "$what: UDP into the tap before the resume" 0 \
		"$(tapvm_result dropped_udp_echo)"
	assert_eq "$what: announces written" 1 "$(tapvm_result announces)"
	# Every packet reached the VM after the resume.
	local resume_ns first_ns
	resume_ns=$(tapvm_result resume_ns)
	first_ns=$(awk 'NR == 1 || $3 < min { min = $3 } END { print min }' "$(arrivals)")
	((first_ns > resume_ns)) ||
		fail "$what: a packet arrived $(((resume_ns - first_ns) / 1000)) us before the resume"
	echo "# $what: $n held until the announce, first one $(((first_ns - resume_ns) / 1000)) us after the resume"
	vm_gone
}

# The zero-code alternative (tools/libvirt/README.md): the tap is created
# with IFF_NO_CARRIER (Linux >= 6.0) and its carrier switched on at the
# resume (TUNSETCARRIER, tapvm -c), so policy carrier is right: End.BFW
# holds everything until then, nothing goes into the paused VM's tap.
test_no_carrier_tap() {
	local n=100 what="carrier, IFF_NO_CARRIER tap"
	setup carrier -a rarp -A "$VIP" -c
	static_neigh
	recv_start $PORT -n $n -w 60000 -t 30000
	send_udp $PORT $n 1000
	busywait 20000 bfw_is buffered $n ||
		fail "$what: buffered $(bfw buffered), want $n"
	assert_eq "$what: delivered before the resume" 0 "$(bfw delivered)"
	resume
	busywait 20000 bfw_is flushed $n || fail "$what: flushed $(bfw flushed), want $n"
	recv_wait $PORT
	tapvm_stop
	assert_eq "$what: received" $n "$(recv_result $PORT received)"
	assert_eq "$what: lost" 0 "$(recv_result $PORT lost)"
	assert_eq "$what: reordered" 0 "$(recv_result $PORT reordered)"
	assert_eq "$what: UDP into the tap before the resume" 0 \
		"$(tapvm_result dropped_udp_echo)"
	assert_eq "$what: no hook without announce" 0 \
		"$(n_s2 grep -c seg6_mig /proc/net/ptype || true)"
	echo "# $what: $n held until the carrier came on at the resume"
	vm_gone
}

# The VM resumed and announced itself before anything waited on its port
# (nothing watched for the RARP): End.BFW's first packets find the port not
# announced and solicit the VM, which runs and answers: they leave.
test_announced_unwatched() {
	local n=50
	setup announce -a rarp
	resume
	recv_start $PORT -n $n -w 60000 -t 30000
	send_udp $PORT $n 1000
	recv_wait $PORT
	tapvm_stop
	assert_eq "announced unwatched: received" $n "$(recv_result $PORT received)"
	assert_eq "announced unwatched: reordered" 0 "$(recv_result $PORT reordered)"
	assert_eq "announced unwatched: delivered + flushed" $n \
		$(($(bfw delivered) + $(bfw flushed)))
	(($(bfw buffered) > 0)) ||
		fail "announced unwatched: nothing held before the VM answered"
	echo "# announced unwatched: $(bfw buffered) held until the VM answered a solicitation"
	vm_gone
}

# Explicit activation: seg6mig release, for End.BFW and End.FWP; a VM that
# runs but announces nothing (and is never solicited: static neighbour).
test_release() {
	local n1=30 n2=20 n3=25 n4=15 out
	setup announce -a none
	static_neigh
	resume
	recv_start $PORT -n $((n1 + n3)) -w 60000 -t 30000
	send_udp $PORT $n1 1000
	busywait 20000 bfw_is buffered $n1 || fail "release: buffered $(bfw buffered), want $n1"
	busywait 20000 hooked || fail "release: no hook on vmtap"
	# R(s2): s2's End.FWP finds the VM not announced: absent, dropped.
	# (Seqs of their own: the receiver ends once 0..n1+n3-1 are in.)
	gw_run 2
	send_udp $PORT $n2 1000 -f 1000
	busywait 20000 fwp2_is absent $n2 || fail "release: End.FWP absent $(fwp2 absent), want $n2"
	assert_eq "release: End.FWP delivered before the release" 0 "$(fwp2 local)"
	assert_eq "release: End.BFW held" $n1 "$(bfw qlen)"

	out=$("$SEG6MIG" -n "$NS_S2" release "$VIP" sid "$S2_BFW")
	assert_eq "release" "$VIP sid $S2_BFW: $n1 packets released" "$out"
	busywait 20000 bfw_is flushed $n1 || fail "release: flushed $(bfw flushed), want $n1"
	busywait 20000 unhooked || fail "release: hook still on vmtap"
	send_udp $PORT $n3 1000 -f $n1
	busywait 20000 fwp2_is local $n3 || fail "release: End.FWP local $(fwp2 local), want $n3"
	recv_wait $PORT
	assert_eq "release: received (End.BFW's, then End.FWP's after the release)" \
		$((n1 + n3)) "$(recv_result $PORT received)"
	assert_eq "release: none of End.FWP's before it" $((n1 + n3 - 1)) \
		"$(recv_result $PORT max_seq)"
	assert_eq "release: lost" 0 "$(recv_result $PORT lost)"
	assert_eq "release: reordered" 0 "$(recv_result $PORT reordered)"

	# The port goes down and up: the release no longer holds.
	n_s2 ip link set vmtap down
	n_s2 ip link set vmtap up
	n_s2 ip -6 route replace "$VIP/128" dev vmtap
	static_neigh
	send_udp $PORT $n4 1000 -f 2000
	busywait 20000 fwp2_is absent $((n2 + n4)) ||
		fail "release: End.FWP absent $(fwp2 absent) after down/up, want $((n2 + n4))"
	assert_eq "release: End.FWP delivered after down/up" $n3 "$(fwp2 local)"
	busywait 20000 hooked || fail "release: no hook on vmtap after down/up"
	tapvm_stop
	echo "# release: End.BFW's $n1 released, End.FWP $n2 absent before, $n3 delivered after, $n4 absent after down/up"
	vm_gone
}

# A VM running on s1, its port up before s1's first route with announce:
# that port counts as announced, End.FWP delivers.
test_running_source() {
	local n=30
	topo_setup inline
	n_s1 ip -6 route add $S1_FWP/128 encap seg6local action End.FWP \
		presence announce count dev s1-gw
	recv_start $PORT -n $n -w 60000 -t 3000
	send_udp $PORT $n 1000
	recv_wait $PORT
	assert_eq "running on s1: received" $n "$(recv_result $PORT received)"
	assert_eq "running on s1: End.FWP local" $n "$(mig_stat 1 $S1_FWP local)"
	assert_eq "running on s1: End.FWP absent" 0 "$(mig_stat 1 $S1_FWP absent)"
	assert_eq "running on s1: no hook" 0 "$(n_s1 grep -c seg6_mig /proc/net/ptype || true)"
	topo_cleanup
}

test_running_source
echo "ok: a running VM's port, up before the policy, is present"
migrated_setup
for ann in rarp na; do
	test_early_release $ann
	test_held_until_announce $ann
done
echo "ok: carrier releases into the paused VM's tap; announce holds until RARP / NA"
test_held_until_announce na -q
echo "ok: announce, NA only, QEMU's tap queue, address resolved through the tap"
test_no_carrier_tap
echo "ok: a tap without carrier until the resume: carrier holds until then"
test_announced_unwatched
echo "ok: a VM that announced before anything waited is solicited and found"
test_release
echo "ok: seg6mig release marks the port present until it goes down"
topo_cleanup
