#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile SRv6 packets at End.FWP (s1, VM present) and End.BFW (s2, VM
# absent): tools/srv6_fuzz.py sends random and edge-case packets and says,
# from its model of SPEC section 2 and of the kernel's End checks, what each
# must become. In six phases of COUNT/4 packets (the ports'
# seg6_require_hmac 0 four times, then 1 and -1) this test asserts:
# - every counter of both SIDs is what the model says (local, next, absent,
#   errors, buffered), and the kernels counted what they dropped: the
#   gateway's header/length drops, the unreachable next segments on s1 and
#   on the gateway; no CPU backlog drop (which would be the harness's);
# - the VM received exactly the packets the model delivers (by flow label,
#   which numbers them), nothing else;
# - once the VM's port is on s2, End.BFW releases exactly the VM's packets
#   it queued, in arrival order, and holds the other VIPs' until the route
#   goes. Then the VM goes back to s1 and End.BFW's route is replaced
#   for the next phase: its queue only ever holds one phase's packets,
#   younger than its hold (60 s, the most the module takes) also on the
#   debug kernel, where the whole test takes minutes.
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
require_root
require_module

FUZZ=$SEG6_MIG_TOP/selftests/tools/srv6_fuzz.py
COUNT=${FUZZ_COUNT:-8000}   # a quarter in each of the six phases: 12000 packets
SEED=${FUZZ_SEED:-1}
KEYID=7
SECRET=seg6-mig-fuzz

# The model's figure NAME from the phase's JSON line.
want() { jq -r ".$1" <<<"$model"; }
# The SIDs' counters, one dump each (a debug guest takes seconds a
# dump, and End.BFW's hold, 60 s at most, runs meanwhile): read into
# $fwp_now and $bfw_now, then fwp NAME / bfw NAME.
stats_read() { fwp_now=$(mig_stats 1 $S1_FWP) bfw_now=$(mig_stats 2 $S2_BFW); }
fwp() { jq -r ".$1" <<<"$fwp_now"; }
bfw() { jq -r ".$1" <<<"$bfw_now"; }
fwp_total() { jq '.local + .next + .absent + .errors' <<<"$fwp_now"; }
bfw_total() { jq '.buffered + .errors' <<<"$bfw_now"; }
# A fresh End.BFW: new counters, an empty queue.
bfw_route() {
	n_s2 ip -6 route "$1" "$S2_BFW/128" encap seg6local action End.BFW count \
		buffer 65536 buffer-bytes 1073741824 hold 60000 dev s2-gw
}
vm_oper_up() { [[ $(n_s1 cat /sys/class/net/vmport/operstate) == up ]]; }
# The VM back on s1, its neighbour entry there set (no NDP, whose
# resolution would queue, and could drop, the phase's first packets).
vm_back() {
	vm_attach 1
	n_s1 ip -6 neigh replace "$VIP" lladdr "$VM_MAC" dev vmport nud permanent
	busywait 10000 vm_oper_up || fail "vmport on s1 not operationally up"
}
totals_are() { stats_read; [[ $(fwp_total) == "$1" && $(bfw_total) == "$2" ]]; }

topo_setup inline
add_fwp 1 count
bfw_route add
VM_MAC=$(n_vm cat /sys/class/net/eth0/address)
n_s1 ip -6 route add unreachable fc00:dead::/64
for ns in "$NS_S1" "$NS_S2"; do
	setsid -w ip -n "$ns" sr hmac set $KEYID sha256 <<<"$SECRET" >/dev/null 2>&1
	ip -n "$ns" sr hmac show | grep -q "hmac $KEYID algo sha256" ||
		fail "HMAC key $KEYID not set in $ns"
done

coproc SNIFF { n_vm /usr/bin/python3 "$FUZZ" sniff --dev eth0; }
read -r -t "$(slow_ms 60)" line <&"${SNIFF[0]}" && [[ $line == ready ]] ||
	fail "sniffer not ready: ${line:-nothing}"
# One CPU: a sender moved between CPUs can reorder its own packets.
coproc FUZZER { n_client taskset -c 0 /usr/bin/python3 "$FUZZ" send --dev c-gw \
	--gw-mac "$(n_gw cat /sys/class/net/gw-c/address)" --src "$CLIENT" \
	--vip "$VIP" --fwp $S1_FWP --bfw $S2_BFW --key "$KEYID:$SECRET"; }

# vm_got: what the VM's sniffer holds, into $got.
vm_got() {
	echo x >&"${SNIFF[1]}"
	read -r -t "$(slow_ms 60)" got <&"${SNIFF[0]}" || fail "sniffer did not answer"
}
labels_are() { vm_got; [[ $(jq '.labels | length' <<<"$got") -ge $1 ]]; }
flushed_is() { [[ $(mig_stat 2 $S2_BFW flushed) == "$1" ]]; }

declare -A sum=() b=()
seen=0		# labels the VM got in the phases before
net0=$(softnet_drops)
phase=0
for require in 0 0 0 0 1 -1; do
	phase=$((phase + 1))
	n=$((COUNT / 4))
	((phase == 1)) || bfw_route replace
	n_s1 sysctl -qw net.ipv6.conf.s1-gw.seg6_require_hmac=$require
	n_s2 sysctl -qw net.ipv6.conf.s2-gw.seg6_require_hmac=$require
	gw_hdr0=$(($(snmp6 "$NS_GW" Ip6InHdrErrors) + $(snmp6 "$NS_GW" Ip6InTruncatedPkts)))
	gw_nr0=$(snmp6 "$NS_GW" Ip6InNoRoutes)
	s1_nr0=$(snmp6 "$NS_S1" Ip6InNoRoutes)

	echo "$((SEED + phase)) $n $require" >&"${FUZZER[1]}"
	read -r -t "$(slow_ms 600)" model <&"${FUZZER[0]}" || fail "srv6_fuzz.py did not answer"
	# End.FWP's counters add up over the phases, End.BFW's are the phase's.
	for k in fwp_errors fwp_local fwp_next fwp_absent bfw_errors bfw_buffered \
		bfw_buffered_vip; do
		sum[$k]=$((${sum[$k]:-0} + $(want $k)))
		b[$k]=$(want $k)
	done
	mapfile -t vm_now < <(jq -r '.vm_now[]' <<<"$model")
	mapfile -t vm_release < <(jq -r '.vm_release[]' <<<"$model")

	fwp=$((sum[fwp_errors] + sum[fwp_local] + sum[fwp_next] + sum[fwp_absent]))
	bfw=$((b[bfw_errors] + b[bfw_buffered]))
	busywait 60000 totals_are $fwp $bfw ||
		fail "phase $phase: End.FWP counted $(fwp_total) of $fwp, End.BFW $(bfw_total) of $bfw (softnet drops $(($(softnet_drops) - net0)))"
	busywait 30000 labels_are $((seen + ${#vm_now[@]})) ||
		fail "phase $phase: the VM got $(($(jq '.labels | length' <<<"$got") - seen)) of ${#vm_now[@]}"
	vm_early=$got

	# The VM moves to s2: End.BFW releases its packets, in arrival order.
	# First, as the hold time runs: the counters' checks follow, from the
	# dump that showed the totals (nothing reaches s1 meanwhile; the
	# release changes End.BFW's qlen and flushed only).
	vm_attach 2
	for k in local next absent errors; do
		assert_eq "phase $phase: End.FWP $k" "${sum[fwp_$k]}" "$(fwp $k)"
	done
	for k in buffered errors; do
		assert_eq "phase $phase: End.BFW $k" "${b[bfw_$k]}" "$(bfw $k)"
	done
	assert_eq "phase $phase: End.BFW queue" "${b[bfw_buffered]}" "$(bfw qlen)"
	gw_hdr=$(($(snmp6 "$NS_GW" Ip6InHdrErrors) + $(snmp6 "$NS_GW" Ip6InTruncatedPkts) - gw_hdr0))
	(($(want gw_dropped) <= gw_hdr)) ||
		fail "phase $phase: the gateway dropped $(want gw_dropped) before any SID, counted $gw_hdr"
	assert_eq "phase $phase: next segments unreachable on s1" "$(want s1_noroute)" \
		$(($(snmp6 "$NS_S1" Ip6InNoRoutes) - s1_nr0))
	assert_eq "phase $phase: next segments unreachable at the gateway" "$(want gw_noroute)" \
		$(($(snmp6 "$NS_GW" Ip6InNoRoutes) - gw_nr0))
	assert_eq "phase $phase: packets the VM's sniffer missed" 0 "$(jq -r .dropped <<<"$vm_early")"
	assert_eq "phase $phase: packets the VM got without a label" 0 "$(jq -r .unlabelled <<<"$vm_early")"
	assert_eq "phase $phase: the packets the VM got (End.FWP local)" \
		"$(printf '%s\n' "${vm_now[@]}" | sort -n | tr '\n' ' ')" \
		"$(jq -r ".labels[$seen:][]" <<<"$vm_early" | sort -n | tr '\n' ' ')"
	seen=$((seen + ${#vm_now[@]}))

	busywait 30000 flushed_is "${b[bfw_buffered_vip]}" ||
		fail "phase $phase: End.BFW flushed $(mig_stat 2 $S2_BFW flushed), want ${b[bfw_buffered_vip]}"
	busywait 30000 labels_are $((seen + ${#vm_release[@]})) ||
		fail "phase $phase: the VM got $(($(jq '.labels | length' <<<"$got") - seen)) of the ${#vm_release[@]} released"
	assert_eq "phase $phase: End.BFW's released packets, in order" \
		"$(printf '%s ' "${vm_release[@]}")" \
		"$(jq -r ".labels[$seen:][]" <<<"$got" | tr '\n' ' ')"
	assert_eq "phase $phase: packets the VM got without a label" 0 "$(jq -r .unlabelled <<<"$got")"
	# Held until the hold time: on the debug kernel some expire first.
	stats_read
	assert_eq "phase $phase: End.BFW still holds the other VIPs' (or they expired)" \
		$((b[bfw_buffered] - b[bfw_buffered_vip])) $(($(bfw qlen) + $(bfw expired)))
	seen=$((seen + ${#vm_release[@]}))
	vm_back
	echo "ok: phase $phase (seg6_require_hmac $require): $(jq -c 'del(.vm_now, .vm_release)' <<<"$model"); the VM got End.FWP's ${#vm_now[@]}, then End.BFW's ${#vm_release[@]} in order"
done
assert_eq "softnet backlog drops" 0 $(($(softnet_drops) - net0))

sent=$(((COUNT / 4) * phase))
echo "fuzz: sent $sent; End.FWP local ${sum[fwp_local]} next ${sum[fwp_next]} absent ${sum[fwp_absent]} errors ${sum[fwp_errors]}; End.BFW buffered ${sum[bfw_buffered]} (VM ${sum[bfw_buffered_vip]}) errors ${sum[bfw_errors]}"
