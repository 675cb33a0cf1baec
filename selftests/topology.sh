#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The data-plane test topology (sourced by the tests; needs lib.sh):
#
#   client            gw                 s1                    s2
#  +--------+    +-----------+    +-------------+      +-------------+
#  | c-gw   |----| gw-c      |    | End.FWP     |      | End.FWP     |
#  |fc00:c::1    |  fc00:c::2|    | fc00:a1::f  |      | fc00:a2::f  |
#  +--------+    |      gw-s1|----|s1-gw   s1-s2|------|s2-s1        |
#                |  fc00:1::2|    |fc00:1::1    |      | End.BFW     |
#                |      gw-s2|----|-------------|------|s2-gw        |
#                |  fc00:2::2|    | fc00:12::1  |      | fc00:a2::b  |
#                +-----------+    |   vmport    |      |   (vmport)  |
#                                 +------|------+      +-------------+
#                                     +--|----------+
#                                     | eth0  vm    |  VIP 2001:db8::10
#                                     +-------------+
#
# The VM's port is a veth whose host end (vmport) lives in s1 or s2, with a
# route VIP/128 dev vmport there. The gateway holds VIP/128 with a seg6
# encap towards the hosts (R(s) or M(s1,s2), SPEC section 1).

readonly VIP=2001:db8::10
readonly CLIENT=fc00:c::1
readonly S1_FWP=fc00:a1::f
readonly S2_FWP=fc00:a2::f
readonly S2_BFW=fc00:a2::b

NS_CLIENT=
NS_GW=
NS_S1=
NS_S2=
NS_VM=
# Namespaces added on top of these (testbed.sh's extra VMs), deleted with them.
TOPO_EXTRA_NS=()

n_client() { ip netns exec "$NS_CLIENT" "$@"; }
n_gw() { ip netns exec "$NS_GW" "$@"; }
n_s1() { ip netns exec "$NS_S1" "$@"; }
n_s2() { ip netns exec "$NS_S2" "$@"; }
n_vm() { ip netns exec "$NS_VM" "$@"; }
# n_host 1|2 CMD...: run in s1 or s2.
n_host() { local h=$1; shift; if [[ $h == 1 ]]; then n_s1 "$@"; else n_s2 "$@"; fi; }
ns_of() { if [[ $1 == 1 ]]; then echo "$NS_S1"; else echo "$NS_S2"; fi; }

topo_cleanup() {
	local ns p
	for p in $(jobs -p); do
		kill_tree "$p"
	done
	wait 2>/dev/null
	[[ -n ${TRAFFIC_DIR:-} ]] && rm -rf "$TRAFFIC_DIR"
	for ns in "$NS_CLIENT" "$NS_GW" "$NS_S1" "$NS_S2" "$NS_VM" "${TOPO_EXTRA_NS[@]}"; do
		[[ -n $ns ]] && ip netns del "$ns" 2>/dev/null
	done
	NS_CLIENT= NS_GW= NS_S1= NS_S2= NS_VM= TRAFFIC_DIR=
	TOPO_EXTRA_NS=()
	return 0
}

topo_new_ns() {
	local ns=s6m-$1-$$-$RANDOM

	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.forwarding=1 \
		net.ipv6.conf.all.keep_addr_on_down=1
	echo "$ns"
}

# topo_link NS_A IF_A ADDR_A NS_B IF_B ADDR_B
topo_link() {
	ip -n "$1" link add "$2" type veth peer name "$5" netns "$4"
	ip -n "$1" addr add "$3/64" dev "$2" nodad
	ip -n "$4" addr add "$6/64" dev "$5" nodad
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

# topo_setup [inline|encap]: build the topology, VM attached to s1, gateway
# in R(s1) with the given seg6 mode.
topo_setup() {
	GW_MODE=${1:-inline}
	trap topo_cleanup EXIT
	FAIL_HOOK=topo_dump
	TRAFFIC_DIR=$(mktemp -d)
	NS_CLIENT=$(topo_new_ns client)
	NS_GW=$(topo_new_ns gw)
	NS_S1=$(topo_new_ns s1)
	NS_S2=$(topo_new_ns s2)
	NS_VM=$(topo_new_ns vm)

	topo_link "$NS_CLIENT" c-gw fc00:c::1 "$NS_GW" gw-c fc00:c::2
	topo_link "$NS_GW" gw-s1 fc00:1::2 "$NS_S1" s1-gw fc00:1::1
	topo_link "$NS_GW" gw-s2 fc00:2::2 "$NS_S2" s2-gw fc00:2::1
	topo_link "$NS_S1" s1-s2 fc00:12::1 "$NS_S2" s2-s1 fc00:12::2

	n_client ip -6 route add default via fc00:c::2
	n_gw ip -6 route add fc00:a1::/64 via fc00:1::1
	n_gw ip -6 route add fc00:a2::/64 via fc00:2::1
	n_gw ip sr tunsrc set fc00:c::2
	n_s1 ip -6 route add default via fc00:1::2
	n_s1 ip -6 route add fc00:a2::/64 via fc00:12::2
	n_s2 ip -6 route add default via fc00:2::2
	n_s2 ip -6 route add fc00:a1::/64 via fc00:12::1

	ip -n "$NS_VM" link add eth0 type veth peer name vmport netns "$NS_S1"
	n_vm ip addr add "$VIP/128" dev eth0 nodad
	n_vm ip link set eth0 up
	n_vm ip -6 route add fe80::1 dev eth0
	n_vm ip -6 route add default via fe80::1 dev eth0
	vm_attach 1
	gw_run 1
	topo_resolve
}

# topo_resolve: every link's neighbours resolved. The first packets of a
# flow that meet an unresolved neighbour wait in its queue and leave from
# the CPU that gets the answer: two flows sent from two CPUs could be
# reordered by the kernel before they reach a SID.
topo_resolve() {
	local ns addr
	while read -r ns addr; do
		ip netns exec "$ns" ping -6 -c 1 -W 5 "$addr" >/dev/null ||
			fail "topo_resolve: $addr unreachable from $ns"
	done <<-EOF
		$NS_CLIENT fc00:c::2
		$NS_GW fc00:1::1
		$NS_GW fc00:2::1
		$NS_S1 fc00:1::2
		$NS_S1 fc00:12::2
		$NS_S2 fc00:2::2
		$NS_S2 fc00:12::1
	EOF
}

# For FAIL_HOOK: the hosts' routes and counters, the VM's port.
topo_dump() {
	local h
	for h in 1 2; do
		[[ -n $(ns_of $h) ]] || continue
		echo "--- s$h"
		n_host $h ip -s -6 route show
		n_host $h ip -br link
	done
	[[ -n $NS_GW ]] && { echo "--- gw"; n_gw ip -6 route show; }
	local f
	for f in "$TRAFFIC_DIR"/recv.[0-9]*; do
		[[ -e $f && $f != *.pid ]] && echo "--- receiver ${f##*.}: $(cat "$f")"
	done
	[[ -n $NS_VM ]] && { echo "--- vm"; n_vm grep -E '^Udp6' /proc/net/snmp6; }
	return 0
}

# vm_attach 1|2: the VM runs on that host: its port there, up, routed.
vm_attach() {
	local ns
	ns=$(ns_of "$1")
	if ! ip -n "$ns" link show vmport >/dev/null 2>&1; then
		local other
		other=$(ns_of $((3 - $1)))
		ip -n "$other" link set vmport netns "$ns"
	fi
	ip -n "$ns" addr replace fe80::1/64 dev vmport nodad
	ip -n "$ns" link set vmport up
	ip -n "$ns" -6 route replace "$VIP/128" dev vmport
}

# vm_pause 1|2: the VM stops on that host (its port goes down).
vm_pause() {
	ip -n "$(ns_of "$1")" link set vmport down
}

# The gateway's changes go through seg6mig gw (tools/): after the first,
# each replaces the VIP's nexthop, which no packet in flight notices (a
# plain `ip route replace` can drop one: Documentation/gateway.md).
SEG6MIG=${SEG6MIG:-${SEG6_MIG_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}/tools/seg6mig}

# gw_run S: L(VIP) = R(S).
gw_run() {
	local sid=$S1_FWP dev=gw-s1
	[[ $1 == 2 ]] && sid=$S2_FWP dev=gw-s2
	"$SEG6MIG" -n "$NS_GW" gw set "$VIP" run "$sid" mode "$GW_MODE" dev "$dev"
}

# gw_migrate: L(VIP) = M(s1, s2).
gw_migrate() {
	"$SEG6MIG" -n "$NS_GW" gw set "$VIP" migrate "$S1_FWP" "$S2_BFW" \
		mode "$GW_MODE" dev gw-s1
}

# add_fwp 1|2 [ARGS...] and add_bfw [ARGS...]: the hosts' SIDs.
add_fwp() {
	local h=$1 sid=$S1_FWP dev=s1-gw
	shift
	[[ $h == 2 ]] && sid=$S2_FWP dev=s2-gw
	n_host "$h" ip -6 route add "$sid/128" encap seg6local \
		action End.FWP "$@" dev "$dev"
}

add_bfw() {
	n_s2 ip -6 route add "$S2_BFW/128" encap seg6local \
		action End.BFW "$@" dev s2-gw
}

# mig_stats 1|2 SID: all counters of a SID's route as one JSON object
# (null: no such route). mig_stat 1|2 SID NAME: one of them.
mig_stats() {
	n_host "$1" ip -s -j -6 route show "$2/128" | jq -c '.[0].mig_stats // null'
}
mig_stat() {
	n_host "$1" ip -s -j -6 route show "$2/128" |
		jq -r ".[0].mig_stats.$3 // empty"
}

# Traffic: sequence-numbered UDP from the client to the VIP (udpseq).
UDPSEQ=${SEG6_MIG_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}/selftests/tools/udpseq
TRAFFIC_DIR=

# recv_start PORT [ARGS...]: the VM listens on PORT; returns once bound.
recv_start() {
	local port=$1 args=()
	shift
	# Its timeouts (-w, -t) stretch on slow kernels as busywait's do.
	while (($#)); do
		case $1 in
		-w | -t) args+=("$1" "$(slow_ms "$2")"); shift 2 ;;
		*) args+=("$1"); shift ;;
		esac
	done
	# Not through n_vm: $! must be the receiver itself.
	ip netns exec "$NS_VM" "$UDPSEQ" recv -p "$port" -j -e "$VIP" "${args[@]}" \
		> "$TRAFFIC_DIR/recv.$port" 2>&1 &
	echo $! > "$TRAFFIC_DIR/recv.$port.pid"
	busywait 20000 udp_bound "$port" || fail "receiver on port $port did not start"
}

udp_bound() {
	[[ -n $(n_vm ss -Hlun "sport = :$1") ]]
}

# recv_wait PORT...: wait for the receivers to end (not from a subshell).
recv_wait() {
	local port pidf
	for port in "$@"; do
		pidf=$TRAFFIC_DIR/recv.$port.pid
		[[ -f $pidf ]] || continue
		wait "$(cat "$pidf")" ||
			fail "receiver on port $port failed: $(cat "$TRAFFIC_DIR/recv.$port")"
		rm -f "$pidf"
	done
}

# recv_stop PORT: end a receiver now (it prints its summary).
recv_stop() {
	local pidf=$TRAFFIC_DIR/recv.$1.pid
	[[ -f $pidf ]] && kill -TERM "$(cat "$pidf")" 2>/dev/null
	recv_wait "$1"
}

# recv_result PORT FIELD: one field of an ended receiver's summary.
recv_result() {
	[[ ! -f $TRAFFIC_DIR/recv.$1.pid ]] || fail "recv_result $1 before recv_wait $1"
	jq -r ".$2" < "$TRAFFIC_DIR/recv.$1"
}

# send_udp PORT COUNT [RATE] [ARGS...]: the client sends to the VIP.
send_udp() {
	local port=$1 count=$2 rate=${3:-2000}
	shift 3 || shift $#
	n_client "$UDPSEQ" send -d "$VIP" -p "$port" -n "$count" -r "$rate" "$@" >/dev/null
}
