#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile SRv6 packets at End.FWP (s1, VM present) and End.BFW (s2, VM
# absent): tools/srv6_fuzz.py sends random and edge-case packets and says,
# from its model of SPEC section 2 and of the kernel's End checks, what each
# must become. In three phases (the ports' seg6_require_hmac 0, 1 and -1)
# this test asserts:
# - every counter of both SIDs is what the model says (local, next, absent,
#   errors, buffered), and the kernels counted what they dropped: the
#   gateway's header/length drops, the unreachable next segments on s1 and
#   on the gateway; no CPU backlog drop (which would be the harness's);
# - the VM received exactly the packets the model delivers (by flow label,
#   which numbers them), nothing else;
# - once the VM's port is on s2, End.BFW releases exactly the VM's packets
#   it queued, in arrival order, and holds the other VIPs' until the route
#   goes.
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
require_root
require_module

FUZZ=$SEG6_MIG_TOP/selftests/tools/srv6_fuzz.py
COUNT=${FUZZ_COUNT:-8000}   # packets in the first phase, a quarter in the others
SEED=${FUZZ_SEED:-1}
KEYID=7
SECRET=seg6-mig-fuzz

# The model's figure NAME from the phase's JSON line.
want() { jq -r ".$1" <<<"$model"; }
# total FIELD...: the sum of a SID's counters.
fwp_total() { echo $(($(mig_stat 1 $S1_FWP local) + $(mig_stat 1 $S1_FWP next) +
	$(mig_stat 1 $S1_FWP absent) + $(mig_stat 1 $S1_FWP errors))); }
bfw_total() { echo $(($(mig_stat 2 $S2_BFW buffered) + $(mig_stat 2 $S2_BFW errors))); }
totals_are() { [[ $(fwp_total) == "$1" && $(bfw_total) == "$2" ]]; }

topo_setup inline
add_fwp 1 count
add_bfw count buffer 65536 buffer-bytes 1073741824 hold 60000
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

declare -A sum=()
vm_now=()
vm_release=()
net0=$(softnet_drops)
phase=0
for require in 0 1 -1; do
	phase=$((phase + 1))
	n=$COUNT
	((phase == 1)) || n=$((COUNT / 4))
	n_s1 sysctl -qw net.ipv6.conf.s1-gw.seg6_require_hmac=$require
	n_s2 sysctl -qw net.ipv6.conf.s2-gw.seg6_require_hmac=$require
	gw_hdr0=$(($(snmp6 "$NS_GW" Ip6InHdrErrors) + $(snmp6 "$NS_GW" Ip6InTruncatedPkts)))
	gw_nr0=$(snmp6 "$NS_GW" Ip6InNoRoutes)
	s1_nr0=$(snmp6 "$NS_S1" Ip6InNoRoutes)

	echo "$((SEED + phase)) $n $require" >&"${FUZZER[1]}"
	read -r -t "$(slow_ms 600)" model <&"${FUZZER[0]}" || fail "srv6_fuzz.py did not answer"
	for k in fwp_errors fwp_local fwp_next fwp_absent bfw_errors bfw_buffered \
		bfw_buffered_vip; do
		sum[$k]=$((${sum[$k]:-0} + $(want $k)))
	done
	mapfile -t -O ${#vm_now[@]} vm_now < <(jq -r '.vm_now[]' <<<"$model")
	mapfile -t -O ${#vm_release[@]} vm_release < <(jq -r '.vm_release[]' <<<"$model")

	fwp=$((sum[fwp_errors] + sum[fwp_local] + sum[fwp_next] + sum[fwp_absent]))
	bfw=$((sum[bfw_errors] + sum[bfw_buffered]))
	busywait 60000 totals_are $fwp $bfw ||
		fail "phase $phase: End.FWP counted $(fwp_total) of $fwp, End.BFW $(bfw_total) of $bfw (softnet drops $(($(softnet_drops) - net0)))"
	for k in local next absent errors; do
		assert_eq "phase $phase: End.FWP $k" "${sum[fwp_$k]}" "$(mig_stat 1 $S1_FWP $k)"
	done
	for k in buffered errors; do
		assert_eq "phase $phase: End.BFW $k" "${sum[bfw_$k]}" "$(mig_stat 2 $S2_BFW $k)"
	done
	assert_eq "phase $phase: End.BFW queue" "${sum[bfw_buffered]}" "$(mig_stat 2 $S2_BFW qlen)"
	gw_hdr=$(($(snmp6 "$NS_GW" Ip6InHdrErrors) + $(snmp6 "$NS_GW" Ip6InTruncatedPkts) - gw_hdr0))
	(($(want gw_dropped) <= gw_hdr)) ||
		fail "phase $phase: the gateway dropped $(want gw_dropped) before any SID, counted $gw_hdr"
	assert_eq "phase $phase: next segments unreachable on s1" "$(want s1_noroute)" \
		$(($(snmp6 "$NS_S1" Ip6InNoRoutes) - s1_nr0))
	assert_eq "phase $phase: next segments unreachable at the gateway" "$(want gw_noroute)" \
		$(($(snmp6 "$NS_GW" Ip6InNoRoutes) - gw_nr0))
	echo "ok: phase $phase (seg6_require_hmac $require): $(jq -c 'del(.vm_now, .vm_release)' <<<"$model")"
done

# vm_got: what the VM's sniffer holds, into $got.
vm_got() {
	echo x >&"${SNIFF[1]}"
	read -r -t "$(slow_ms 60)" got <&"${SNIFF[0]}" || fail "sniffer did not answer"
}
vm_got
assert_eq "packets the VM's sniffer missed" 0 "$(jq -r .dropped <<<"$got")"
assert_eq "packets the VM got without a label" 0 "$(jq -r .unlabelled <<<"$got")"
assert_eq "the packets the VM got (End.FWP local)" \
	"$(printf '%s\n' "${vm_now[@]}" | sort -n | tr '\n' ' ')" \
	"$(jq -r '.labels[]' <<<"$got" | sort -n | tr '\n' ' ')"
echo "ok: the VM got the ${#vm_now[@]} packets End.FWP delivered, nothing else"

assert_eq "softnet backlog drops" 0 $(($(softnet_drops) - net0))

# The VM moves to s2: End.BFW releases its packets, in arrival order.
vm_attach 2
flushed_is() { [[ $(mig_stat 2 $S2_BFW flushed) == "$1" ]]; }
busywait 30000 flushed_is "${sum[bfw_buffered_vip]}" ||
	fail "End.BFW flushed $(mig_stat 2 $S2_BFW flushed), want ${sum[bfw_buffered_vip]}"
all=$((${#vm_now[@]} + ${#vm_release[@]}))
labels_are() { vm_got; [[ $(jq '.labels | length' <<<"$got") -ge $1 ]]; }
busywait 30000 labels_are $all ||
	fail "the VM got $(jq '.labels | length' <<<"$got") of $all (sniffer missed $(jq .dropped <<<"$got"))"
assert_eq "End.BFW's released packets, in order" \
	"$(printf '%s ' "${vm_release[@]}")" \
	"$(jq -r ".labels[${#vm_now[@]}:][]" <<<"$got" | tr '\n' ' ')"
assert_eq "packets the VM got without a label" 0 "$(jq -r .unlabelled <<<"$got")"
assert_eq "End.BFW still holds the other VIPs'" \
	$((sum[bfw_buffered] - sum[bfw_buffered_vip])) "$(mig_stat 2 $S2_BFW qlen)"
echo "ok: End.BFW released the VM's ${#vm_release[@]} packets in order, holds $(mig_stat 2 $S2_BFW qlen) for absent VIPs"

sent=$((COUNT + 2 * (COUNT / 4)))
echo "fuzz: sent $sent; End.FWP local ${sum[fwp_local]} next ${sum[fwp_next]} absent ${sum[fwp_absent]} errors ${sum[fwp_errors]}; End.BFW buffered ${sum[bfw_buffered]} (VM ${sum[bfw_buffered_vip]}) errors ${sum[bfw_errors]}"
