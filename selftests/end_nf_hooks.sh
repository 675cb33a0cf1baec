#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# With net.netfilter.nf_hooks_lwtunnel=1, End.FWP honours netfilter as the
# kernel's seg6local does: a packet for the SID passes NF_INET_LOCAL_IN
# (where a rule can drop it), and the delivered packet, the client's
# again, passes NF_INET_PRE_ROUTING, as after End.DX6. Both gateway modes.
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
require_root
require_module

PORT=5000
N=20

modprobe nf_conntrack 2>/dev/null || true
modprobe nf_tables 2>/dev/null || true

counter_is() { [[ $(nft_counter "$1") == "$2" ]]; }

# nft_counter CHAIN: packets counted by the rules of that chain in s1.
nft_counter() {
	n_s1 nft -j list chain inet s6m "$1" |
		jq '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | add'
}

for mode in inline encap; do
	topo_setup $mode
	n_s1 test -e /proc/sys/net/netfilter/nf_hooks_lwtunnel ||
		skip "no net.netfilter.nf_hooks_lwtunnel on this kernel"
	n_s1 sysctl -qw net.netfilter.nf_hooks_lwtunnel=1
	add_fwp 1 count
	n_s1 nft -f - <<-EOT
		table inet s6m {
			chain in {
				type filter hook input priority 0;
				ip6 daddr $S1_FWP counter
			}
			chain pre {
				type filter hook prerouting priority 0;
				ip6 daddr $VIP udp dport $PORT counter
			}
		}
	EOT

	recv_start $PORT -n $N -w 30000 -t 3000
	send_udp $PORT $N 2000
	recv_wait $PORT
	assert_eq "$mode: delivered" $N "$(recv_result $PORT received)"
	assert_eq "$mode: LOCAL_IN saw the packets for the SID" $N "$(nft_counter in)"
	assert_eq "$mode: PRE_ROUTING saw them delivered to the VIP" $N "$(nft_counter pre)"

	# A LOCAL_IN rule that drops them: End.FWP never sees them.
	n_s1 nft add rule inet s6m in ip6 daddr $S1_FWP drop
	send_udp $PORT $N 2000
	busywait 20000 counter_is in $((2 * N)) || fail "$mode: LOCAL_IN did not see the second round"
	assert_eq "$mode: End.FWP packets after a LOCAL_IN drop" $N \
		"$(n_s1 ip -s -j -6 route show $S1_FWP/128 | jq '.[0].stats64.packets')"
	topo_cleanup
	echo "ok: netfilter hooks, $mode mode"
done
