#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed SRv6 packets at End.FWP and End.BFW (SPEC section 2, step 1):
# each is dropped and counted under "errors", and never delivered. The
# client sends them straight to each SID (tools/srv6_craft.py, scapy);
# a well-formed packet built the same way is delivered, so the harness is
# shown to reach the VM.
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
require_root
require_module
/usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "python3-scapy not installed"

CRAFT=$SEG6_MIG_TOP/selftests/tools/srv6_craft.py
CASES="sl0 sl_beyond last_entry type0 hdrlen_beyond truncated fragment"
K=5

udp_in_is() { [[ $(vm_udp_in) == "$1" ]]; }
stat_is() { [[ $(mig_stat "$1" "$2" "$3") == "$4" ]]; }

# UDP datagrams that reached the VM's stack (nobody listens: NoPorts),
# with a good checksum or not.
vm_udp_in() {
	n_vm awk '/^Udp6(InDatagrams|NoPorts|InErrors) / {n += $2} END {print n}' \
		/proc/net/snmp6
}

# craft SID CASE: K packets of CASE to SID, from one srv6_craft.py for the
# whole test (importing scapy takes seconds under TCG).
craft() {
	local line
	echo "$1 $2" >&"${CRAFTER[1]}"
	read -r -t 120 line <&"${CRAFTER[0]}" || fail "srv6_craft.py did not answer for $1 $2"
	[[ $line == "sent $1 $2" ]] || fail "srv6_craft.py: $line"
}

topo_setup inline
coproc CRAFTER { n_client /usr/bin/python3 "$CRAFT" --src "$CLIENT" --vip "$VIP" \
	--count $K --serve 2>/dev/null; }
add_fwp 1 count
add_bfw count hold "$(hold_ms 10000)"

# The control: a valid packet crafted the same way reaches the VM.
in0=$(vm_udp_in)
craft $S1_FWP good
busywait 20000 udp_in_is $((in0 + K)) ||
	fail "crafted valid packets not delivered ($(vm_udp_in) - $in0)"
assert_eq "valid crafted packets counted local" $K "$(mig_stat 1 $S1_FWP local)"
assert_eq "... with a good checksum" 0 \
	"$(n_vm awk '/^Udp6InCsumErrors/ {print $2}' /proc/net/snmp6)"

in0=$(vm_udp_in)
errors_fwp=0 errors_bfw=0
for c in $CASES; do
	craft $S1_FWP $c
	errors_fwp=$((errors_fwp + K))
	busywait 20000 stat_is 1 $S1_FWP errors $errors_fwp ||
		fail "End.FWP, $c: errors $(mig_stat 1 $S1_FWP errors), want $errors_fwp"
	craft $S2_BFW $c
	errors_bfw=$((errors_bfw + K))
	busywait 20000 stat_is 2 $S2_BFW errors $errors_bfw ||
		fail "End.BFW, $c: errors $(mig_stat 2 $S2_BFW errors), want $errors_bfw"
	echo "ok: $c dropped and counted at End.FWP and End.BFW"
done
assert_eq "End.FWP delivered none of them" $K "$(mig_stat 1 $S1_FWP local)"
assert_eq "End.BFW queued none of them" 0 "$(mig_stat 2 $S2_BFW buffered)"
assert_eq "the VM received none of them" "$in0" "$(vm_udp_in)"
