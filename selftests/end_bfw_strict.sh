#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A closed SID (issue 8, part 5): End.BFW with strict and vip-share.
# The gateway holds M(s1, s2) (encap mode) for the VM's VIP, for
# VIP2 (expected at s2, but no VM: a flood for it) and for the junk
# prefix 2001:db8:bad::/64 (nobody expects it):
#
#  - junk for 20 VIPs: dropped as unexpected, never queued (qlen, no VIP
#    tracked for them);
#  - VIP2 flooded beyond its share: dropped as share, its share queued;
#  - meanwhile the VM migrates: every one of its packets arrives, in order;
#  - an expected VIP whose deadline passed is no longer expected (dump),
#    and its packets count as unexpected;
#  - the family's refusals of EXPECT/UNEXPECT, with their extack texts;
#  - seg6mig expect/unexpect/show: what they send, print and refuse.
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
require_root
require_module

readonly VIP2=2001:db8::20
readonly JUNK=2001:db8:bad::
readonly PORT=5000 N=100 NJUNK=20 JUNK_EACH=25 BUF=300 SHARE=150 FLOOD=400
GENL_RAW=$SEG6_MIG_TOP/selftests/tools/genl_raw.py
sysctl -qw net.core.rmem_default=16777216 net.core.rmem_max=16777216

stat() { mig_stat 2 $S2_BFW "$1"; }
stat_is() { [[ $(stat "$1") == "$2" ]]; }
no_expected() { [[ -z $(genl expected $S2_BFW) ]]; }
s6m() { "$SEG6MIG" "$@"; }
genl() { n_s2 /usr/bin/python3 "$GENL_RAW" "$@"; }
# gw_migrate_to DEST: DEST (a /128 or a prefix) is M(s1, s2) too.
gw_migrate_to() {
	n_gw ip -6 route add "$1" encap seg6 mode encap \
		segs "$S1_FWP,$S2_BFW" dev gw-s1
}

test_flood() {
	local i out
	topo_setup encap
	add_fwp 1 count
	add_bfw count hold "$(hold_ms 60000)" buffer $BUF vip-share $SHARE strict
	# One through the CLI, one through the raw family.
	assert_eq "seg6mig expect VIP" "$VIP sid $S2_BFW: expected" \
		"$(s6m -n "$NS_S2" expect $VIP sid $S2_BFW deadline 3600000)"
	assert_eq "expect VIP2" "errno=0 msg=" "$(genl expect $S2_BFW $VIP2 3600000)"
	assert_eq "expected set" "$(printf '%s\n' $VIP $VIP2 | sort)" \
		"$(genl expected $S2_BFW | sort)"
	test_cli_show
	gw_migrate_to $VIP2/128
	gw_migrate_to $JUNK/64
	vm_pause 1
	vm_attach 2
	vm_pause 2
	gw_migrate

	recv_start $PORT -n $N -w 30000 -t 3000
	# The flood for VIP2, the junk, then the VM's own packets.
	n_client "$UDPSEQ" send -d $VIP2 -p 6000 -n $FLOOD -r 4000 >/dev/null
	for ((i = 1; i <= NJUNK; i++)); do
		n_client "$UDPSEQ" send -d "$JUNK$(printf %x $i)" -p 6001 \
			-n $JUNK_EACH -r 4000 >/dev/null
	done
	send_udp $PORT $N 2000
	busywait 20000 stat_is buffered $((SHARE + N)) ||
		fail "buffered $(stat buffered), want $((SHARE + N))"
	assert_eq "unexpected" $((NJUNK * JUNK_EACH)) "$(stat unexpected)"
	assert_eq "share" $((FLOOD - SHARE)) "$(stat share)"
	assert_eq "overflow" 0 "$(stat overflow)"
	assert_eq "qlen" $((SHARE + N)) "$(stat qlen)"
	# Only the two expected VIPs hold packets.
	out=$(s6m -n "$NS_S2" -j show | jq -r '.[] | select(.sid == "'$S2_BFW'") | .vips[]?.vip' | sort)
	assert_eq "VIPs queued" "$(printf '%s\n' $VIP $VIP2 | sort)" "$out"

	vm_attach 2
	recv_wait $PORT
	assert_eq "received" $N "$(recv_result $PORT received)"
	assert_eq "lost" 0 "$(recv_result $PORT lost)"
	assert_eq "duplicates" 0 "$(recv_result $PORT duplicates)"
	assert_eq "reordered" 0 "$(recv_result $PORT reordered)"
	assert_eq "flushed" $N "$(stat flushed)"
	assert_eq "qlen: VIP2's share still held" $SHARE "$(stat qlen)"
	# Release does not end an expectation; unexpect does.
	assert_eq "VIP still expected" "$(printf '%s\n' $VIP $VIP2 | sort)" \
		"$(genl expected $S2_BFW | sort)"
	assert_eq "seg6mig unexpect VIP2" '{"vip":"'$VIP2'","sid":"'$S2_BFW'","unexpected":true}' \
		"$(s6m -n "$NS_S2" -j unexpect $VIP2 sid $S2_BFW)"
	assert_eq "expected after unexpect" "$VIP" "$(genl expected $S2_BFW)"
	topo_cleanup
}

# seg6mig show of the strict route expecting VIP and VIP2 (test_flood).
test_cli_show() {
	local bfw='.[] | select(.sid == "'$S2_BFW'")' left
	assert_eq "show -j: strict" true "$(s6m -n "$NS_S2" -j show | jq "$bfw | .strict")"
	assert_eq "show -j: vip_share" $SHARE "$(s6m -n "$NS_S2" -j show | jq "$bfw | .vip_share")"
	assert_eq "show -j: expected" "$(printf '%s\n' $VIP $VIP2 | sort)" \
		"$(s6m -n "$NS_S2" -j show | jq -r "$bfw | .expected[].vip" | sort)"
	left=$(s6m -n "$NS_S2" -j show | jq "$bfw | .expected[] | select(.vip == \"$VIP\") | .left_ms")
	((left > 3500000 && left <= 3600000)) || fail "show -j: $VIP left_ms $left, want about 3600000"
	assert_eq "show -j: End.FWP has no strict" null \
		"$(s6m -n "$NS_S1" -j show | jq '.[] | select(.sid == "'$S1_FWP'") | .strict')"
	[[ $(s6m -n "$NS_S2" show) == *"End.BFW $S2_BFW/128 dev s2-gw table main presence carrier buffer $BUF buffer-bytes "*" strict vip-share $SHARE"* ]] ||
		fail "show: no strict vip-share: $(s6m -n "$NS_S2" show)"
	[[ $(s6m -n "$NS_S2" show) == *"    expect $VIP for "*" ms"* ]] ||
		fail "show: no expect line: $(s6m -n "$NS_S2" show)"
	[[ $(s6m -n "$NS_S2" -s show) == *" unexpected 0 share 0"* ]] ||
		fail "show -s: no unexpected/share counters: $(s6m -n "$NS_S2" -s show)"
}

# cli_refusal NAME STATUS TEXT ARGS...: seg6mig ARGS exits STATUS and says TEXT.
cli_refusal() {
	local name=$1 want_rc=$2 text=$3 rc=0 out
	shift 3
	out=$(s6m -n "$NS_S2" "$@" 2>&1) || rc=$?
	assert_eq "seg6mig $name: exit status" "$want_rc" "$rc"
	[[ $out == *"$text"* ]] || fail "seg6mig $name: \"$text\" not in: $out"
}

test_cli_refusals() {
	topo_setup encap
	add_fwp 2 count
	add_bfw count strict
	cli_refusal "expect, no such SID" 1 "No End.BFW route with this SID in the namespace" \
		expect $VIP sid $S1_FWP
	cli_refusal "expect at End.FWP" 1 "The route with this SID is End.FWP, which expects no VIPs" \
		expect $VIP sid $S2_FWP
	cli_refusal "expect, deadline 0" 1 "deadline: not within 1..86400000 ms" \
		expect $VIP sid $S2_BFW deadline 0
	cli_refusal "unexpect, not expected" 1 "This VIP is not expected at this SID" \
		unexpect $VIP sid $S2_BFW
	cli_refusal "expect, deadline missing" 2 "missing deadline MS" \
		expect $VIP sid $S2_BFW deadline
	cli_refusal "expect, deadline not a number" 2 'deadline: "soon" is not a number' \
		expect $VIP sid $S2_BFW deadline soon
	cli_refusal "unexpect, deadline" 2 'unexpected argument "deadline"' \
		unexpect $VIP sid $S2_BFW deadline 5
	assert_eq "nothing expected after the refusals" "" "$(genl expected $S2_BFW)"
	topo_cleanup
}

test_deadline() {
	topo_setup encap
	add_fwp 1 count
	add_bfw count hold "$(hold_ms 10000)" strict
	gw_migrate_to $VIP2/128
	# 3 s (x SEG6_MIG_SLOW: the next check must see it before it passes).
	assert_eq "expect VIP2 3 s" "errno=0 msg=" "$(genl expect $S2_BFW $VIP2 "$(slow_ms 3000)")"
	assert_eq "expected" "$VIP2" "$(genl expected $S2_BFW)"
	busywait 20000 no_expected || fail "still expected after the deadline: $(genl expected $S2_BFW)"
	n_client "$UDPSEQ" send -d $VIP2 -p 6000 -n 10 -r 1000 >/dev/null
	busywait 20000 stat_is unexpected 10 || fail "unexpected $(stat unexpected), want 10"
	assert_eq "buffered" 0 "$(stat buffered)"
	# Expected again (a new deadline): held.
	assert_eq "expect VIP2 again" "errno=0 msg=" "$(genl expect $S2_BFW $VIP2 3600000)"
	n_client "$UDPSEQ" send -d $VIP2 -p 6000 -n 10 -r 1000 >/dev/null
	busywait 20000 stat_is buffered 10 || fail "buffered $(stat buffered), want 10"
	topo_cleanup
}

# genl_case NAME ERRNO TEXT: genl_raw.py's answer.
genl_case() {
	local out
	out=$(genl case "$1")
	assert_eq "refusal $1" "errno=$2 msg=$3" "$out"
	echo "# $1: $out"
}

test_refusals() {
	local i
	topo_setup encap
	add_fwp 2 count
	add_bfw count
	genl_case expect-no-sid "$(errno_of EINVAL)" "Missing SEG6_MIG_A_SID: the End.BFW route's SID"
	genl_case expect-no-vip "$(errno_of EINVAL)" "Missing SEG6_MIG_A_VIP: the VM's address"
	genl_case expect-deadline-0 "$(errno_of ERANGE)" "deadline: not within 1..86400000 ms"
	genl_case expect-deadline-max "$(errno_of ERANGE)" "deadline: not within 1..86400000 ms"
	out=$(genl case expect-deadline-u8)
	[[ $out == "errno=$(errno_of ERANGE) msg="?* || $out == "errno=$(errno_of EINVAL) msg="?* ]] ||
		fail "deadline u8: $out"
	genl_case expect-multicast "$(errno_of EINVAL)" "The VIP must be a unicast address"
	genl_case expect-fwp "$(errno_of EOPNOTSUPP)" "The route with this SID is End.FWP, which expects no VIPs"
	genl_case expect-no-route "$(errno_of ENOENT)" "No End.BFW route with this SID in the namespace"
	genl_case unexpect-deadline "$(errno_of EINVAL)" "A deadline applies to SEG6_MIG_CMD_EXPECT only"
	genl_case unexpect-unknown "$(errno_of ESRCH)" "This VIP is not expected at this SID"
	for ((i = 1; i <= 64; i++)); do
		[[ $(genl expect $S2_BFW "2001:db8:e::$(printf %x $i)" 3600000) == "errno=0 msg=" ]] ||
			fail "expect VIP $i of 64"
	done
	assert_eq "65th expected VIP" \
		"errno=$(errno_of ENOSPC) msg=The route expects 64 VIPs already (SEG6_MIG_EXPECT_MAX)" \
		"$(genl expect $S2_BFW 2001:db8:e::1000)"
	assert_eq "re-expecting one of them" "errno=0 msg=" "$(genl expect $S2_BFW 2001:db8:e::1 5)"
	# Without CAP_NET_ADMIN.
	out=$(n_s2 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		/usr/bin/python3 "$GENL_RAW" expect $S2_BFW $VIP 2>&1) || true
	[[ $out == "errno=$(errno_of EPERM) "* ]] || fail "expect without CAP_NET_ADMIN: $out"
	topo_cleanup
}

declare -A ERRNOS
eval "$(/usr/bin/python3 -c 'import errno
for n in ("EINVAL", "ERANGE", "EOPNOTSUPP", "EPERM", "ENOENT", "ENOSPC", "ESRCH"): print(f"ERRNOS[{n}]={getattr(errno, n)}")')"
errno_of() { echo "${ERRNOS[$1]:?errno $1 not looked up}"; }

test_flood
echo "ok: junk unexpected, a flood over its share, the VM's packets all in order"
test_deadline
echo "ok: deadline"
test_refusals
echo "ok: refusals"
test_cli_refusals
echo "ok: seg6mig expect/unexpect refusals"
