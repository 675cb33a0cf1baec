#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The seg6local extension (SPEC section 3): loading and unloading the
# module swaps the encap ops under live traffic without losing a packet,
# stock seg6local routes work across load and unload whenever they were
# made, they never pin the module, and each End.FWP/End.BFW route does, so
# rmmod is refused while one exists.
#
#   a (fc00:1::1) --- r: End fc00:e::1, fc00:e::2 --- b (fc00:2::2)
#
# a reaches b through r's End SID (seg6 inline); b answers directly.
set -eu
source "$(dirname "$0")/lib.sh"
require_root
require_module

A=s6m-a-$$ R=s6m-r-$$ B=s6m-b-$$
cleanup() {
	ip netns del $A 2>/dev/null
	ip netns del $R 2>/dev/null
	ip netns del $B 2>/dev/null
	[[ -d /sys/module/seg6_mig ]] || insmod "$SEG6_MIG_KO"
}
trap cleanup EXIT

loaded() { [[ -d /sys/module/seg6_mig ]]; }
refcnt() { cat /sys/module/seg6_mig/refcnt; }
refcnt_is() { [[ $(refcnt) == "$1" ]]; }
load() { loaded || insmod "$SEG6_MIG_KO"; }
unload() {
	# Routes are freed after an RCU grace period: wait for their teardown.
	busywait 20000 refcnt_is 0 || fail "refcount stays $(refcnt)"
	rmmod seg6_mig
}

# ping_ok COUNT: every echo through r's End route answered.
ping_ok() {
	local out
	out=$(ip netns exec $A ping -6 -q -n -c "$1" -i 0.01 -W 2 fc00:2::2) ||
		fail "ping through End failed: $out"
	grep -q " $1 received, 0% packet loss" <<< "$out" || fail "$out"
}

setup() {
	local ns
	for ns in $A $R $B; do
		ip netns add $ns
		ip -n $ns link set lo up
		ip netns exec $ns sysctl -qw net.ipv6.conf.all.forwarding=1 \
			net.ipv6.conf.all.seg6_enabled=1 \
			net.ipv6.conf.default.seg6_enabled=1 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
	ip -n $A link add a-r type veth peer name r-a netns $R
	ip -n $B link add b-r type veth peer name r-b netns $R
	ip -n $A addr add fc00:1::1/64 dev a-r nodad
	ip -n $R addr add fc00:1::2/64 dev r-a nodad
	ip -n $R addr add fc00:2::1/64 dev r-b nodad
	ip -n $B addr add fc00:2::2/64 dev b-r nodad
	ip -n $A link set a-r up
	ip -n $R link set r-a up
	ip -n $R link set r-b up
	ip -n $B link set b-r up
	ip -n $A -6 route add fc00:e::/64 via fc00:1::2
	ip -n $A -6 route add fc00:2::2/128 encap seg6 mode inline segs fc00:e::1 via fc00:1::2
	ip -n $B -6 route add default via fc00:2::1
}

# r's End SID N, stock action.
add_end() {
	ip -n $R -6 route add "fc00:e::$1/128" encap seg6local action End dev r-a
}

rmmod seg6_mig
setup
add_end 1			# made before the module is there
ping_ok 10

# Load and unload 10 times during one flood of pings: none may be lost.
ip netns exec $A ping -6 -q -n -c 1500 -i 0.002 -W 2 fc00:2::2 \
	> /tmp/s6m-flood.$$ 2>&1 &
flood=$!
for _ in $(seq 10); do
	load
	unload
done
load
wait $flood || true
out=$(cat /tmp/s6m-flood.$$)
rm -f /tmp/s6m-flood.$$
grep -q ' 1500 received, 0% packet loss' <<< "$out" ||
	fail "packets lost while the module was loaded and unloaded: $out"
echo "ping flood across 10 load/unload cycles: 1500/1500 answered"

# A route made before load works after load; one made while loaded works
# after unload; neither pins the module.
ping_ok 10
add_end 2
assert_eq "refcount with stock routes only" 0 "$(refcnt)"
ip -n $A -6 route replace fc00:2::2/128 encap seg6 mode inline segs fc00:e::2 via fc00:1::2
ping_ok 10
unload
ping_ok 10
load
ping_ok 10

# Each End.FWP/End.BFW route holds the module.
ip -n $R -6 route add fc00:f::b/128 encap seg6local action End.BFW dev r-a
ip -n $R -6 route add fc00:f::f/128 encap seg6local action End.FWP dev r-a
assert_eq "refcount with two seg6_mig routes" 2 "$(refcnt)"
if rmmod seg6_mig 2>/dev/null; then
	fail "rmmod succeeded while End.FWP/End.BFW routes exist"
fi
ip -n $R -6 route del fc00:f::b/128
ip -n $R -6 route del fc00:f::f/128
unload
load
ping_ok 10
echo "rmmod refused while End.FWP/End.BFW routes exist; allowed after"
