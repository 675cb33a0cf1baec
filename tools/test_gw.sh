#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_gw.sh: seg6mig gw on the build host's kernel (root, network
# namespaces and the kernel's seg6 encap; no seg6_mig module needed).
#
#   gw (namespace)                       sink (namespace)
#   +---------------------+              +-----------------+
#   | d0 fc00:1::2/64     |--------------| d1 fc00:1::1/64 |  tcpdump here:
#   |    10.0.0.1/24      |              |                 |  the SRH on the
#   | fc00:a1::/64, fc00:a2::/64 via fc00:1::1             |  wire
#   | dn0: a veth, down   |              +-----------------+
#   +---------------------+
#
# For each command: its effect on the kernel's routes (ip -j route show),
# the same routes as `ip route ... encap seg6` makes, the SRH the kernel
# then puts on packets, show's output, and the error cases' exit codes
# and messages. Exit 0 pass, 1 fail, 4 skip.
set -eu

top=$(cd "$(dirname "$0")" && pwd)
SEG6MIG=${SEG6MIG:-$top/seg6mig}
IP=${IP:-ip}

readonly VIP=2001:db8::10
readonly VIP2=2001:db8::11
readonly VIP3=2001:db8::13
readonly VIP4=10.1.0.5
readonly S1_FWP=fc00:a1::f
readonly S2_FWP=fc00:a2::f
readonly S2_BFW=fc00:a2::b

NS=s6m-gwt-$$
SINK=s6m-gws-$$
TMP=$(mktemp -d)
failures=0
checks=0

cleanup() {
	jobs -p | xargs -r kill 2>/dev/null || true
	wait 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	ip netns del "$SINK" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# check WHAT EXPECTED ACTUAL
check() {
	checks=$((checks + 1))
	[[ $2 == "$3" ]] || fail "$1: expected '$2', got '$3'"
}

[[ $(id -u) == 0 ]] || { echo "SKIP: needs root"; exit 4; }
[[ -x $SEG6MIG ]] || { echo "SKIP: $SEG6MIG not built (make -C tools)"; exit 4; }
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit 4; }

ip netns add "$NS"
ip netns add "$SINK"
ipg() { $IP -n "$NS" "$@"; }
gw() { "$SEG6MIG" -n "$NS" gw "$@"; }
ipg link set lo up
ipg link add d0 type veth peer name d1 netns "$SINK"
ipg addr add fc00:1::2/64 dev d0 nodad
ipg addr add 10.0.0.1/24 dev d0
ipg link set d0 up
ip -n "$SINK" addr add fc00:1::1/64 dev d1 nodad
ip -n "$SINK" link set d1 up
ipg -6 route add fc00:a1::/64 via fc00:1::1 dev d0
ipg -6 route add fc00:a2::/64 via fc00:1::1 dev d0
ipg link add dn0 type veth peer name dn1	# down: the kernel refuses it

# run RC CMD...: CMD's exit status must be RC; its stderr in $TMP/err.
run() {
	local want=$1 rc=0
	shift
	"$@" > "$TMP/out" 2> "$TMP/err" || rc=$?
	checks=$((checks + 1))
	((rc == want)) || fail "$* exited $rc, want $want: $(cat "$TMP/err")"
}

# err_has TEXT: the last run's stderr contains TEXT.
err_has() {
	checks=$((checks + 1))
	grep -qF -- "$1" "$TMP/err" || fail "stderr lacks '$1': $(cat "$TMP/err")"
}

# route_json VIP [table ID]: the kernel's route to VIP, without the fields
# that depend on who made it (dst, protocol).
route_json() {
	local fam=-6
	[[ $1 == *.* ]] && fam=-4
	ipg -j $fam route show "$1" table "${2:-main}" |
		jq -c 'map(del(.dst, .protocol))'
}

routes_of() {
	local fam=-6
	[[ $1 == *.* ]] && fam=-4
	ipg $fam route show "$1" table "${2:-main}" | grep -c . || true
}

### set: a route of its own to a nexthop of its own, the encap as ip makes it

# nh_json ID: the kernel's nexthop ID, without what depends on who made it.
nh_json() {
	ipg -j nexthop show id "$1" | jq -c 'map(del(.id, .protocol))'
}

# nhid_of VIP [table ID]: the nexthop the VIP's route uses.
nhid_of() {
	local fam=-6
	[[ $1 == *.* ]] && fam=-4
	ipg -j $fam route show "$1" table "${2:-main}" | jq -r '.[0].nhid // empty'
}

# own_nhs: the nexthops seg6mig made (protocol 83, seg6mig).
own_nhs() {
	ipg -j nexthop show | jq -r '.[] | select(.protocol == "83" or .protocol == "seg6mig") | .id' |
		sort -n | tr '\n' ' ' | sed 's/ $//'
}

# same_as_ip WHAT GW_ARGS... -- IP_ENCAP_ARGS...: seg6mig's route for VIP
# carries what ip's route for VIP2 made with the given encap arguments
# does, through a nexthop of its own that equals ip's nexthop.
same_as_ip() {
	local what=$1 gwargs=() ipargs=() id
	shift
	while [[ $1 != -- ]]; do gwargs+=("$1"); shift; done
	shift
	ipargs=("$@")
	run 0 gw set "$VIP" "${gwargs[@]}"
	ipg -6 route replace "$VIP2/128" "${ipargs[@]}"
	check "$what: same route as ip" "$(route_json "$VIP2")" \
		"$(route_json "$VIP" | jq -c 'map(del(.nhid))')"
	check "$what: one route" 1 "$(routes_of "$VIP")"
	id=$(nhid_of "$VIP")
	ipg -6 nexthop replace id 999 "${ipargs[@]}"
	check "$what: same nexthop as ip" "$(nh_json 999)" "$(nh_json "$id")"
	ipg nexthop del id 999
}

# Record the gateway's route and nexthop notifications while CMD runs.
monitor_start() {
	# Appending: the file is emptied below while ip writes to it.
	ipg monitor route nexthop >> "$TMP/mon" 2>&1 &
	echo $! > "$TMP/mon.pid"
	# The monitor is subscribed once it reports a change made after it.
	for ((i = 0; i < 500; i++)); do
		ipg -6 route replace 2001:db8:ffff::1/128 dev d0
		grep -aq 'ffff::1' "$TMP/mon" && break
		sleep 0.01
	done
	ipg -6 route del 2001:db8:ffff::1/128
	: > "$TMP/mon"
}
monitor_stop() {
	# Flushed once it reports the marker route.
	ipg -6 route replace 2001:db8:fffe::1/128 dev d0
	for ((i = 0; i < 500; i++)); do
		grep -aq 'fffe::1' "$TMP/mon" && break
		sleep 0.01
	done
	kill "$(cat "$TMP/mon.pid")"
	wait "$(cat "$TMP/mon.pid")" 2>/dev/null || true
	ipg -6 route del 2001:db8:fffe::1/128
	grep -av 'fffe::1' "$TMP/mon" > "$TMP/mon.events" || true
}

same_as_ip "R inline" run $S1_FWP -- \
	encap seg6 mode inline segs $S1_FWP dev d0
check "R inline segs" '["fc00:a1::f","::"]' \
	"$(ipg -j -6 route show $VIP | jq -c '.[0].segs')"
nh1=$(nhid_of "$VIP")
check "own nexthop" "$nh1" "$(own_nhs)"
# Every change from now on is a nexthop replace: the route stays.
monitor_start
same_as_ip "M inline" migrate $S1_FWP $S2_BFW -- \
	encap seg6 mode inline segs $S1_FWP,$S2_BFW dev d0
check "M inline segs" '["fc00:a1::f","fc00:a2::b","::"]' \
	"$(ipg -j -6 route show $VIP | jq -c '.[0].segs')"
same_as_ip "R encap" run $S2_FWP mode encap -- \
	encap seg6 mode encap segs $S2_FWP dev d0
same_as_ip "M encap" migrate $S1_FWP $S2_BFW mode encap dev d0 -- \
	encap seg6 mode encap segs $S1_FWP,$S2_BFW dev d0
check "M encap segs" '["fc00:a1::f","fc00:a2::b"]' \
	"$(ipg -j -6 route show $VIP | jq -c '.[0].segs')"
monitor_stop
check "changes: same nexthop" "$nh1" "$(nhid_of "$VIP")"
check "changes: one nexthop of ours" "$nh1" "$(own_nhs)"
# Of the VIP: 3 nexthop replaces (each also notified as a route update
# of the route using it); the route never pointed anywhere else and was
# never deleted. (ip's own routes for VIP2 and nexthop 999 come and go.)
check "changes: nexthop replaced in place" 3 \
	"$(grep -ac "^id $nh1 " "$TMP/mon.events" || true)"
check "changes: the route kept its nexthop" "" \
	"$(grep -a "$VIP " "$TMP/mon.events" | grep -av "^$VIP nhid $nh1 " || true)"
check "protocol seg6mig" '"83" "83"' "$(tr '\n' ' ' <<< "$(ipg -j -6 route show $VIP | jq -c '.[0].protocol'
ipg -j nexthop show id "$nh1" | jq -c '.[0].protocol')" | sed 's/ $//')"
ipg -6 route del "$VIP2/128"

# Without the nexthop compat mode routes carry only their nhid: the same.
ipg link set lo up
ip netns exec "$NS" sysctl -qw net.ipv4.nexthop_compat_mode=0
run 0 gw show "$VIP"
check "show without compat mode" "2001:db8::10 M(fc00:a1::f,fc00:a2::b) mode encap dev d0 table main nhid $nh1" "$(cat "$TMP/out")"
run 0 gw set "$VIP" run $S1_FWP mode encap
check "set without compat mode" "$nh1" "$(nhid_of "$VIP")"
ip netns exec "$NS" sysctl -qw net.ipv4.nexthop_compat_mode=1
check "set without compat mode: encap" '["fc00:a1::f"]' \
	"$(ipg -j -6 route show $VIP | jq -c '.[0].segs')"

# A route seg6mig did not make: replaced once by one of its own, to a
# nexthop of its own; another's nexthop is left as it is.
ipg -6 route replace "$VIP2/128" encap seg6 mode inline segs $S1_FWP dev d0
run 0 gw set "$VIP2" migrate $S1_FWP $S2_BFW
check "ip's route: taken over" 1 "$(routes_of "$VIP2")"
nh2=$(nhid_of "$VIP2")
check "ip's route: own nexthop" "$nh1 $nh2" "$(own_nhs)"
run 0 gw del "$VIP2"
check "del: its nexthop too" "$nh1" "$(own_nhs)"
check "del: its route" 0 "$(routes_of "$VIP2")"
ipg -6 nexthop add id 998 encap seg6 mode inline segs $S2_FWP dev d0
ipg -6 route replace "$VIP3/128" nhid 998
run 0 gw set "$VIP3" run $S1_FWP
check "another's nexthop: not used" '["fc00:a1::f","::"]' \
	"$(ipg -j -6 route show $VIP3 | jq -c '.[0].segs')"
check "another's nexthop: untouched" '["fc00:a2::f","::"]' \
	"$(ipg -j nexthop show id 998 | jq -c '.[0].segs')"
nh3=$(nhid_of "$VIP3")
check "another's nexthop: own one instead" "$nh1 $nh3" "$(own_nhs)"
run 0 gw del "$VIP3"
check "del: another's nexthop stays" 998 "$(ipg -j nexthop show id 998 | jq -r '.[0].id')"
ipg nexthop del id 998

# Another table.
run 0 gw set "$VIP" run $S1_FWP table 100
check "table 100" '["fc00:a1::f","::"]' \
	"$(ipg -j -6 route show $VIP table 100 | jq -c '.[0].segs')"
run 0 gw set "$VIP" migrate $S1_FWP $S2_BFW table 100000
check "table 100000" '["fc00:a1::f","fc00:a2::b","::"]' \
	"$(ipg -j -6 route show $VIP table 100000 | jq -c '.[0].segs')"

# IPv4 VIPs: encap mode only (the default for them).
run 0 gw set "$VIP4" migrate $S1_FWP $S2_BFW
check "IPv4 M" '"encap" ["fc00:a1::f","fc00:a2::b"] "d0"' \
	"$(ipg -j -4 route show $VIP4 | jq -c '.[0] | .mode, .segs, .dev' | tr '\n' ' ' | sed 's/ $//')"
run 2 gw set "$VIP4" run $S1_FWP mode inline
err_has "an IPv4 VIP needs mode encap"

### show

run 0 gw set "$VIP" migrate $S1_FWP $S2_BFW
run 0 gw set "$VIP2" run $S2_FWP mode encap dev d0
run 0 gw show
check "show" "10.1.0.5 M(fc00:a1::f,fc00:a2::b) mode encap dev d0 table main
2001:db8::10 M(fc00:a1::f,fc00:a2::b) mode inline dev d0 table 100000
2001:db8::10 M(fc00:a1::f,fc00:a2::b) mode inline dev d0 table main
2001:db8::10 R(fc00:a1::f) mode inline dev d0 table 100
2001:db8::11 R(fc00:a2::f) mode encap dev d0 table main" "$(sed 's/ nhid [0-9]*$//' "$TMP/out" | LC_ALL=C sort)"
run 0 gw show "$VIP" table 100
check "show VIP table" "2001:db8::10 R(fc00:a1::f) mode inline dev d0 table 100 nhid $(nhid_of "$VIP" 100)" "$(cat "$TMP/out")"
run 0 "$SEG6MIG" -n "$NS" -j gw show "$VIP2"
check "-j gw show VIP" "[{\"vip\":\"2001:db8::11\",\"state\":\"run\",\"fwp\":\"fc00:a2::f\",\"segs\":[\"fc00:a2::f\"],\"nsegs\":1,\"mode\":\"encap\",\"dev\":\"d0\",\"table\":254,\"nhid\":$(nhid_of "$VIP2")}]" \
	"$(cat "$TMP/out")"
run 0 gw show -j "$VIP" table main
check "gw show -j VIP" 'migrate fc00:a1::f fc00:a2::b inline' \
	"$(jq -r '.[] | "\(.state) \(.fwp) \(.bfw) \(.mode)"' "$TMP/out")"
run 0 gw show -j 2001:db8::99
check "show, no such VIP" '[]' "$(cat "$TMP/out")"
# Routes with other segment lists are shown, not hidden.
ipg -6 route replace 2001:db8::12/128 encap seg6 mode encap segs $S1_FWP,$S2_FWP,$S2_BFW dev d0
run 0 gw show 2001:db8::12
check "show other" "2001:db8::12 segs 3 (not R or M) mode encap dev d0 table main" "$(cat "$TMP/out")"
ipg -6 route del 2001:db8::12/128

### del

run 0 gw del "$VIP" table 100000
check "del table 100000" 0 "$(routes_of "$VIP" 100000)"
check "del: main untouched" 1 "$(routes_of "$VIP")"
run 1 gw del "$VIP" table 100000
err_has "del 2001:db8::10: "
run 0 gw del "$VIP4"
check "del IPv4" 0 "$(routes_of "$VIP4")"

### errors: usage (2), kernel (1)

run 2 gw set 2001:db8::zz run $S1_FWP
err_has 'VIP: "2001:db8::zz" is not an IPv6 or IPv4 address'
run 2 gw set "$VIP" run nope
err_has 'FWP_SID: "nope" is not an IPv6 address'
run 2 gw set "$VIP" migrate $S1_FWP
err_has "missing BFW_SID"
run 2 gw set "$VIP" walk $S1_FWP
err_has '"walk": expected run or migrate'
run 2 gw set "$VIP" run $S1_FWP mode insert
err_has 'mode "insert": inline or encap'
run 2 gw set "$VIP" run $S1_FWP dev nosuchdev
err_has 'dev "nosuchdev": No such device'
run 2 gw set "$VIP" run $S1_FWP table 0
err_has "0 is not a table ID"
run 2 gw set "$VIP" run $S1_FWP extra
err_has 'unexpected "extra"'
run 2 gw frobnicate
err_has 'unknown command "frobnicate"'
run 2 gw
run 2 gw show 1.2.3
run 2 gw follow
err_has "no host BFW_SID FWP_SID"
# No route to the SID to take the device from: the kernel says so.
run 1 gw set "$VIP" run fc00:ff::f
err_has "the route to fc00:ff::f: Network is unreachable"
# The kernel refuses, with its extended ack.
run 1 gw set "$VIP" run $S1_FWP dev dn0
err_has "Nexthop device is not up"
check "refused: route unchanged" '["fc00:a1::f","fc00:a2::b","::"]' \
	"$(ipg -j -6 route show $VIP | jq -c '.[0].segs')"

### -batch

cat > "$TMP/batch" <<-EOF
	# comments and blank lines are skipped

	set 2001:db8::100 run $S1_FWP
	set 2001:db8::101 migrate $S1_FWP $S2_BFW mode encap   # trailing comment
	set 10.1.0.100 run $S2_FWP table 100
	del 2001:db8::11
EOF
run 0 gw -batch "$TMP/batch"
check "batch R" '["fc00:a1::f","::"]' "$(ipg -j -6 route show 2001:db8::100 | jq -c '.[0].segs')"
check "batch M encap" '["fc00:a1::f","fc00:a2::b"]' "$(ipg -j -6 route show 2001:db8::101 | jq -c '.[0].segs')"
check "batch IPv4 table" 1 "$(routes_of 10.1.0.100 100)"
check "batch del" 0 "$(routes_of "$VIP2")"

# A bad line anywhere: nothing applied, every bad line named.
printf 'set 2001:db8::200 run %s\nset 2001:db8::201 run xx\ndel\nset 2001:db8::202 run %s mode foo\n' \
	$S1_FWP $S1_FWP > "$TMP/bad"
run 2 gw -batch "$TMP/bad"
err_has 'line 2: FWP_SID: "xx" is not an IPv6 address'
err_has "line 3: missing VIP"
err_has 'line 4: mode "foo"'
err_has "3 bad line(s), nothing applied"
check "bad batch: nothing applied" 0 "$(routes_of 2001:db8::200)"
printf 'set 2001:db8::200 run %s\nset 2001:db8::201 run fc00:ff::f\n' $S1_FWP > "$TMP/bad"
run 1 gw -batch "$TMP/bad"
err_has "line 2: the route to fc00:ff::f"
check "unresolvable batch: nothing applied" 0 "$(routes_of 2001:db8::200)"
run 2 gw -batch /nonexistent
err_has "/nonexistent: No such file or directory"

# The kernel refuses a line: it is named, the others are applied.
printf 'set 2001:db8::300 run %s\ndel 2001:db8::399\nset 2001:db8::301 run %s dev dn0\nset 2001:db8::302 run %s\n' \
	$S1_FWP $S1_FWP $S1_FWP > "$TMP/kbad"
run 1 gw -batch - < "$TMP/kbad"
err_has "line 2: del 2001:db8::399: No such process"
err_has "line 3: set 2001:db8::301 run $S1_FWP dev dn0: Nexthop device is not up"
err_has "2 of 4 line(s) applied, 2 refused"
check "refused batch: line 1 applied" 1 "$(routes_of 2001:db8::300)"
check "refused batch: line 4 applied" 1 "$(routes_of 2001:db8::302)"
check "refused batch: no nexthop left for line 3" 0 "$(routes_of 2001:db8::301)"

# A VIP's first set refused: its next line is its first (planned again).
printf 'set 2001:db8::303 run %s dev dn0\nset 2001:db8::303 migrate %s %s\nset 2001:db8::304 run %s\n' \
	$S1_FWP $S1_FWP $S2_BFW $S1_FWP > "$TMP/kbad"
run 1 gw -batch "$TMP/kbad"
err_has "line 1: set 2001:db8::303 run $S1_FWP dev dn0: Nexthop device is not up"
err_has "2 of 3 line(s) applied, 1 refused"
check "first set refused: the next applied" '["fc00:a1::f","fc00:a2::b","::"]' \
	"$(ipg -j -6 route show 2001:db8::303 | jq -c '.[0].segs')"
# Every nexthop of ours is some route's, one each.
own_used() {
	{ ipg -j -6 route show table all; ipg -j -4 route show table all; } |
		jq -r '.[] | select(.protocol == "83" or .protocol == "seg6mig") | .nhid' |
		sort -n | tr '\n' ' ' | sed 's/ $//'
}
check "batches: no nexthop left over" "$(own_used)" "$(own_nhs)"

# Many lines (several sendmsg chunks), a VIP set twice: the last one holds.
for ((i = 0; i < 5000; i++)); do
	printf 'set 2001:db8:1::%x run %s\n' $i $S1_FWP
done > "$TMP/many"
echo "set 2001:db8:1::0 migrate $S1_FWP $S2_BFW" >> "$TMP/many"
run 0 gw -batch "$TMP/many"
check "5001 lines: routes" 5000 "$(ipg -6 route show | grep -c '^2001:db8:1::')"
check "5001 lines: last wins" '["fc00:a1::f","fc00:a2::b","::"]' \
	"$(ipg -j -6 route show 2001:db8:1:: | jq -c '.[0].segs')"
check "5001 lines: a nexthop per VIP" "$(own_used)" "$(own_nhs)"
sed 's/^set \([^ ]*\) .*/del \1/' "$TMP/many" | head -n 5000 > "$TMP/many.del"
run 0 gw -batch "$TMP/many.del"
check "5000 dels" 0 "$(ipg -6 route show | grep -c '^2001:db8:1::' || true)"
check "5000 dels: their nexthops too" "$(own_used)" "$(own_nhs)"

### follow

run 0 gw set "$VIP" migrate $S1_FWP $S2_BFW mode encap table 100
run 0 gw set 2001:db8::20 migrate $S1_FWP $S2_BFW table 100
run 0 gw set 2001:db8::21 run $S1_FWP table 100
cat > "$TMP/events" <<-EOF
	{"event":"overflow","sid":"$S2_BFW","vip":"2001:db8::20"}
	not json at all
	{"event":"arrived","sid":"$S2_BFW","vip":"$VIP","packets":175,"wait_us":173000}
	{"event":"arrived","sid":"$S2_BFW","vip":"$VIP","packets":0,"wait_us":0}
	{"event":"arrived","sid":"fc00:a9::b","vip":"2001:db8::20"}
	{"event":"arrived","sid":"$S2_BFW","vip":"2001:db8::21"}
	{"event":"arrived","sid":"$S2_BFW","vip":"2001:db8::77"}
	{"event":"expired","sid":"$S2_BFW","vip":"2001:db8::20"}
EOF
run 0 gw follow host fc00:a1::b $S1_FWP host $S2_BFW $S2_FWP table 100 < "$TMP/events"
check "follow output" "2001:db8::10: M(fc00:a1::f,fc00:a2::b) -> R(fc00:a2::f)
2001:db8::10: left alone: holds R(fc00:a2::f), not M(*,fc00:a2::b)
2001:db8::20: left alone: no host with BFW SID fc00:a9::b given
2001:db8::21: left alone: holds R(fc00:a1::f), not M(*,fc00:a2::b)
2001:db8::77: left alone: no seg6 route" "$(cat "$TMP/out")"
err_has "stdin line 2: not a JSON object, ignored"
check "follow: R(s2), mode kept" '"encap" ["fc00:a2::f"]' \
	"$(ipg -j -6 route show $VIP table 100 | jq -c '.[0] | .mode, .segs' | tr '\n' ' ' | sed 's/ $//')"
check "follow: overflow ignored" '["fc00:a1::f","fc00:a2::b","::"]' \
	"$(ipg -j -6 route show 2001:db8::20 table 100 | jq -c '.[0].segs')"
# -j: one JSON object per handled event.
echo "{\"event\":\"arrived\",\"sid\":\"$S2_BFW\",\"vip\":\"2001:db8::20\"}" > "$TMP/events"
run 0 "$SEG6MIG" -n "$NS" -j gw follow host $S2_BFW $S2_FWP table 100 < "$TMP/events"
check "follow -j" '{"vip":"2001:db8::20","action":"moved","from":"M(fc00:a1::f,fc00:a2::b)","to":"R(fc00:a2::f)"}' \
	"$(cat "$TMP/out")"
# No route to the new FWP SID: nothing changed, exit 1, message.
run 0 gw set 2001:db8::22 migrate $S1_FWP fc00:ff::b
echo "{\"event\":\"arrived\",\"sid\":\"fc00:ff::b\",\"vip\":\"2001:db8::22\"}" > "$TMP/events"
run 1 "$SEG6MIG" -n "$NS" gw follow host fc00:ff::b fc00:ff::f < "$TMP/events"
err_has "the route to fc00:ff::f: Network is unreachable"
check "follow refused: unchanged" '["fc00:a1::f","fc00:ff::b","::"]' \
	"$(ipg -j -6 route show 2001:db8::22 | jq -c '.[0].segs')"

### the SRH on the wire (the kernel's seg6 encap from our routes)

# capture CMD...: the first SRv6 packet d1 receives while CMD runs, as
# tcpdump -v prints it (one line).
capture() {
	ip netns exec "$SINK" tcpdump -i d1 -nn -v -l -c 1 'ip6[6] == 43' \
		> "$TMP/cap" 2> "$TMP/cap.err" &
	local pid=$! i
	for ((i = 0; i < 500; i++)); do
		grep -q listening "$TMP/cap.err" && break
		sleep 0.01
	done
	for ((i = 0; i < 50; i++)); do
		"$@" >/dev/null 2>&1 || true
		[[ -s $TMP/cap ]] && break
	done
	wait $pid || true
	tr '\n' ' ' < "$TMP/cap"
}

srh_is() {
	local what=$1 want=$2 got
	shift 2
	got=$(capture "$@")
	checks=$((checks + 1))
	[[ $got == *"$want"* ]] || fail "$what: want '$want' in: $got"
}

ping6_vip() { ip netns exec "$NS" ping -6 -c 1 -W 0.2 "$1"; }
ping4_vip() { ip netns exec "$NS" ping -4 -c 1 -W 0.2 "$1"; }

run 0 gw set "$VIP" run $S1_FWP
srh_is "R inline" "> fc00:a1::f: RT6 (len=4, type=4, segleft=1, last-entry=1, flags=0x0, tag=0, [0]2001:db8::10, [1]fc00:a1::f)" ping6_vip "$VIP"
run 0 gw set "$VIP" migrate $S1_FWP $S2_BFW
srh_is "M inline" "> fc00:a1::f: RT6 (len=6, type=4, segleft=2, last-entry=2, flags=0x0, tag=0, [0]2001:db8::10, [1]fc00:a2::b, [2]fc00:a1::f)" ping6_vip "$VIP"
run 0 gw set "$VIP" migrate $S1_FWP $S2_BFW mode encap
srh_is "M encap" "> fc00:a1::f: RT6 (len=4, type=4, segleft=1, last-entry=1, flags=0x0, tag=0, [0]fc00:a2::b, [1]fc00:a1::f) IP6" ping6_vip "$VIP"
run 0 gw set "$VIP4" migrate $S1_FWP $S2_BFW
srh_is "IPv4 M encap" "> fc00:a1::f: RT6 (len=4, type=4, segleft=1, last-entry=1, flags=0x0, tag=0, [0]fc00:a2::b, [1]fc00:a1::f) IP " ping4_vip "$VIP4"
srh_is "IPv4 inner" "10.0.0.1 > 10.1.0.5: ICMP echo request" ping4_vip "$VIP4"

if ((failures)); then
	echo "test_gw: $failures of $checks checks failed"
	exit 1
fi
echo "test_gw: all $checks checks passed"
