#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The patched `ip` (iproute2-patch/) configures End.FWP and End.BFW routes
# and prints them back, in a network namespace of its own:
#  1. bad arguments: ip refuses them itself (exit 255, a message naming the
#     cause) and no route appears;
#  2. stock seg6local actions: the patched ip sends and prints exactly what
#     Debian's ip does (when Debian's ip is installed next to it);
#  3. End.FWP and End.BFW with every combination of their options: `ip route
#     show` prints back what was configured (End.BFW's limits and both
#     actions' presence policy: defaults included), `ip -j` gives the same
#     as JSON fields, `-s` adds the counters when `count` was given, and a
#     route ip printed, fed back to ip, is the same;
#  4. what ip cannot send, the kernel refuses with an extack message (a
#     presence policy it does not know, End.BFW's limits on End.FWP).
# Parts 1 and 2 do not need seg6_mig.ko; parts 3 and 4 do, and skip
# without it.
# shellcheck disable=SC2034 # arrays read through check()'s nameref
set -eu
source "$(dirname "$0")/lib.sh"
require_root
command -v jq > /dev/null || skip "jq is not installed"
ip route help 2>&1 | grep -q 'End\.BFW' ||
	fail "$(command -v ip) is not the patched ip (scripts/build-iproute2.sh)"

NS=s6m-syntax-$$-$RANDOM
DEV=s6m0

cleanup() {
	# Deleting the device deletes its routes now, not whenever the
	# namespace is dismantled.
	ip -n "$NS" link del "$DEV" 2> /dev/null || true
	ip netns del "$NS" 2> /dev/null || true
}
trap cleanup EXIT

ip netns add "$NS"
nsip() { ip -n "$NS" "$@"; }
nsip link set lo up
if ! nsip link add "$DEV" type dummy 2> /dev/null; then
	nsip link add "$DEV" type veth peer name s6m1 ||
		skip "cannot create a dummy or veth device"
	nsip link set s6m1 up
fi
nsip link set "$DEV" up
# Table 100 exists, with a route (End.FWP/End.BFW look VIPs up there).
nsip -6 route add fc00:100::/64 dev "$DEV" table 100

checks=0

# shown PREFIX OPTIONS...: the lines of `ip OPTIONS -6 route show root
# PREFIX` into the associative array $shown, by destination. Plain text
# lines are keyed by their first word; JSON routes are printed by jq one a
# line as [dst, {dst, dev}, the other fields], keys sorted.
declare -A shown
shown() {
	local prefix=$1 line
	shift
	shown=()
	if [[ " $* " == *" -j "* ]]; then
		while read -r line; do
			line=${line#\[\"}
			shown[${line%%\"*}]=${line#*\",}
		done < <(nsip "$@" -6 route show root "$prefix" | jq -c -S '.[] |
			[.dst, {dst, dev}, del(.dst, .dev, .metric, .flags, .pref)]')
	else
		while read -r line; do
			shown[${line%% *}]=$line
		done < <(nsip "$@" -6 route show root "$prefix")
	fi
}

# ---------------------------------------------------------------------------
# 1. Bad arguments
# ---------------------------------------------------------------------------

# bad EXPECTED_MESSAGE ARGS...: `ip -6 route add fc00:bad::N/128 encap
# seg6local ARGS` exits 255 (ip's own parser refused it: nothing reached the
# kernel) with EXPECTED_MESSAGE as the first line of its error output.
nbad=0
declare -A bad_case
bad() {
	local want=$1 rc=0 err sid
	shift
	nbad=$((nbad + 1))
	sid=fc00:bad::$(printf %x $nbad)
	bad_case[$sid]="$*"
	err=$(nsip -6 route add "$sid/128" encap seg6local "$@" 2>&1 > /dev/null) || rc=$?
	assert_eq "exit status of: ip route add $sid encap seg6local $*" 255 "$rc"
	assert_eq "error of: ip route add $sid encap seg6local $*" "$want" "${err%%$'\n'*}"
	checks=$((checks + 1))
}

# Unknown keyword after the action: not End.FWP's or End.BFW's, so ip
# route reads it as a second destination.
bad 'Error: either "to" is duplicate, or "bogus" is a garbage.' \
	action End.BFW bogus 1 dev $DEV
bad 'Error: either "to" is duplicate, or "bufer" is a garbage.' \
	action End.BFW bufer 10 dev $DEV
bad 'Error: either "to" is duplicate, or "hold-ms" is a garbage.' \
	action End.BFW hold-ms 10 dev $DEV
bad 'Error: either "to" is duplicate, or "foo" is a garbage.' \
	action End.FWP table 100 foo dev $DEV
bad 'Error: either "to" is duplicate, or "buffer" is a garbage.' \
	action End.BFW dev $DEV buffer 10
# Missing value.
bad 'Error: "buffer" requires a value (packets)' \
	action End.BFW buffer
bad 'Error: "buffer-bytes" requires a value (bytes)' \
	action End.BFW count buffer-bytes
bad 'Error: "hold" requires a value (ms)' \
	action End.BFW table 100 buffer 1 hold
# Not a number.
bad 'Error: argument "abc" is wrong: "buffer" value is not a number of packets' \
	action End.BFW buffer abc dev $DEV
bad 'Error: argument "-1" is wrong: "buffer" value is not a number of packets' \
	action End.BFW buffer -1 dev $DEV
bad 'Error: argument "10k" is wrong: "buffer" value is not a number of packets' \
	action End.BFW buffer 10k dev $DEV
bad 'Error: argument "dev" is wrong: "buffer" value is not a number of packets' \
	action End.BFW buffer dev $DEV
bad 'Error: argument "99999999999999999999" is wrong: "buffer" value is not a number of packets' \
	action End.BFW buffer 99999999999999999999 dev $DEV
bad 'Error: argument "1M" is wrong: "buffer-bytes" value is not a number of bytes' \
	action End.BFW buffer-bytes 1M dev $DEV
bad 'Error: argument "1.5" is wrong: "hold" value is not a number of ms' \
	action End.BFW hold 1.5 dev $DEV
bad 'Error: argument "1s" is wrong: "hold" value is not a number of ms' \
	action End.BFW hold 1s dev $DEV
bad 'Error: argument "" is wrong: "hold" value is not a number of ms' \
	action End.BFW hold '' dev $DEV
# Out of range.
bad 'Error: argument "1048577" is wrong: "buffer" value must be between 0 and 1048576 packets' \
	action End.BFW buffer 1048577 dev $DEV
bad 'Error: argument "4294967296" is wrong: "buffer" value must be between 0 and 1048576 packets' \
	action End.BFW buffer 4294967296 dev $DEV
bad 'Error: argument "1073741825" is wrong: "buffer-bytes" value must be between 0 and 1073741824 bytes' \
	action End.BFW buffer-bytes 1073741825 dev $DEV
bad 'Error: argument "0" is wrong: "hold" value must be between 1 and 60000 ms' \
	action End.BFW hold 0 dev $DEV
bad 'Error: argument "60001" is wrong: "hold" value must be between 1 and 60000 ms' \
	action End.BFW hold 60001 dev $DEV
bad 'Error: argument "0x10000" is wrong: "hold" value must be between 1 and 60000 ms' \
	action End.BFW hold 0x10000 dev $DEV
# End.BFW's options given to End.FWP.
bad 'Error: "buffer" is only valid for End.BFW, not for End.FWP' \
	action End.FWP buffer 10 dev $DEV
bad 'Error: "buffer-bytes" is only valid for End.BFW, not for End.FWP' \
	action End.FWP buffer-bytes 10 dev $DEV
bad 'Error: "hold" is only valid for End.BFW, not for End.FWP' \
	action End.FWP table 100 count hold 10 dev $DEV
bad 'Error: "settle" is only valid for End.BFW, not for End.FWP' \
	action End.FWP settle 10 dev $DEV
bad 'Error: argument "10001" is wrong: "settle" value must be between 0 and 10000 ms' \
	action End.BFW settle 10001 dev $DEV
bad 'Error: "settle" requires a value (ms)' \
	action End.BFW settle
# strict and vip-share: End.BFW only, once, the share within the buffer's range.
bad 'Error: "strict" is only valid for End.BFW, not for End.FWP' \
	action End.FWP strict dev $DEV
bad 'Error: "vip-share" is only valid for End.BFW, not for End.FWP' \
	action End.FWP vip-share 4 dev $DEV
bad 'Error: either "strict" is duplicate, or "strict" is a garbage.' \
	action End.BFW strict strict dev $DEV
bad 'Error: "vip-share" requires a value (packets)' \
	action End.BFW vip-share
bad 'Error: argument "1048577" is wrong: "vip-share" value must be between 0 and 1048576 packets' \
	action End.BFW vip-share 1048577 dev $DEV
bad 'Error: argument "x" is wrong: "vip-share" value is not a number of packets' \
	action End.BFW vip-share x dev $DEV
# The presence policy: carrier or announce, once, both actions only.
bad 'Error: "presence" requires a value (carrier or announce)' \
	action End.FWP presence
bad 'Error: "presence" requires a value (carrier or announce)' \
	action End.BFW count presence
bad 'Error: argument "foo" is wrong: "presence" value must be carrier or announce' \
	action End.BFW presence foo dev $DEV
bad 'Error: argument "Announce" is wrong: "presence" value must be carrier or announce' \
	action End.FWP presence Announce dev $DEV
bad 'Error: argument "1" is wrong: "presence" value must be carrier or announce' \
	action End.FWP presence 1 dev $DEV
bad 'Error: argument "dev" is wrong: "presence" value must be carrier or announce' \
	action End.BFW presence dev $DEV
bad 'Error: duplicate "presence": "carrier" is the second value.' \
	action End.FWP presence announce count presence carrier dev $DEV
bad 'Error: either "to" is duplicate, or "presence" is a garbage.' \
	action End presence announce dev $DEV
bad 'Error: either "to" is duplicate, or "presence" is a garbage.' \
	action End.DT6 table 100 presence carrier dev $DEV
# Options of the other seg6local actions.
bad 'Error: "nh6" is not valid for End.FWP' \
	action End.FWP nh6 fc00::1 dev $DEV
bad 'Error: "nh4" is not valid for End.BFW' \
	action End.BFW nh4 192.0.2.1 dev $DEV
bad 'Error: "oif" is not valid for End.BFW' \
	action End.BFW oif $DEV dev $DEV
bad 'Error: "iif" is not valid for End.FWP' \
	action End.FWP iif $DEV dev $DEV
bad 'Error: "vrftable" is not valid for End.BFW' \
	vrftable 100 action End.BFW dev $DEV
bad 'Error: "srh" is not valid for End.FWP' \
	action End.FWP srh segs fc00::1,fc00::2 dev $DEV
bad 'Error: "flavors" is not valid for End.BFW' \
	action End.BFW flavors psp dev $DEV
# Keyword given twice.
bad 'Error: duplicate "buffer": "20" is the second value.' \
	action End.BFW buffer 10 buffer 20 dev $DEV
bad 'Error: duplicate "buffer-bytes": "1" is the second value.' \
	action End.BFW buffer-bytes 1 hold 5 buffer-bytes 1 dev $DEV
bad 'Error: duplicate "hold": "7" is the second value.' \
	action End.BFW hold 5 count hold 7 dev $DEV
bad 'Error: either "table" is duplicate, or "100" is a garbage.' \
	action End.BFW table 100 table 100 dev $DEV
bad 'Error: either "count" is duplicate, or "count" is a garbage.' \
	action End.FWP count count dev $DEV
bad 'Error: either "action" is duplicate, or "End.BFW" is a garbage.' \
	action End.FWP action End.BFW dev $DEV
# Action names are case sensitive, as the stock ones.
bad 'Error: argument "End.bfw" is wrong: "action" value is invalid' \
	action End.bfw dev $DEV

# None of them added a route.
shown fc00:bad::/64
for sid in "${!shown[@]}"; do
	fail "route $sid added by: ip route add $sid encap seg6local ${bad_case[$sid]:-?}"
done
echo "# bad arguments: $nbad cases refused by ip"

# ---------------------------------------------------------------------------
# 2. Stock actions: the patched ip behaves as Debian's
# ---------------------------------------------------------------------------

stock_ip=
patched=$(readlink -f "$(command -v ip)")
for p in /usr/bin/ip /usr/sbin/ip /bin/ip /sbin/ip; do
	if [[ -x $p && $(readlink -f "$p") != "$patched" ]] &&
	   ! "$p" route help 2>&1 | grep -q 'End\.BFW'; then
		stock_ip=$p
		break
	fi
done

STOCK_ROUTES=(
	"fc00:1::1/128 encap seg6local action End dev $DEV"
	"fc00:1::2/128 encap seg6local action End count dev $DEV"
	"fc00:1::3/128 encap seg6local action End.X nh6 fc00::99 dev $DEV"
	"fc00:1::4/128 encap seg6local action End.T table 100 count dev $DEV"
	"fc00:1::5/128 encap seg6local action End.DX6 nh6 fc00::99 dev $DEV"
	"fc00:1::6/128 encap seg6local action End.DX4 nh4 192.0.2.1 count dev $DEV"
	"fc00:1::7/128 encap seg6local action End.DT6 table 100 dev $DEV"
	"fc00:1::8/128 encap seg6local action End.B6 srh segs fc00::a,fc00::b dev $DEV"
	"fc00:1::9/128 encap seg6local action End.B6.Encaps srh segs fc00::a,fc00::b count dev $DEV"
	"fc00:1::a/128 encap seg6local action End flavors next-csid lblen 32 nflen 16 dev $DEV"
	"fc00:1::b/128 encap seg6local action End.DX2 oif $DEV dev $DEV"
	"fc00:1::c/128 encap seg6local action End.DT6 table 100 dev $DEV metric 7 table 100"
)

# stock_routes IP: add STOCK_ROUTES with IP (those the kernel refuses, e.g.
# flavors on older kernels, are left out the same way for both ips).
stock_routes() {
	local r
	for r in "${STOCK_ROUTES[@]}"; do
		# shellcheck disable=SC2086 # word splitting on purpose
		"$1" -n "$NS" -6 route add $r 2> /dev/null || true
	done
}

stock_flush() {
	nsip -6 route flush root fc00:1::/64 table all
}

stock_show() {
	local o
	for o in "" "-s" "-d" "-j" "-s -j" "-s -s -d -j -p"; do
		echo "## ip $o route show"
		# shellcheck disable=SC2086 # word splitting on purpose
		"$1" -n "$NS" $o -6 route show table all
	done
}

if [[ -z $stock_ip ]]; then
	echo "# no unpatched ip installed: stock actions not compared"
else
	stock_routes "$stock_ip"
	by_stock=$(stock_show "$stock_ip")
	[[ $by_stock == *"action End.T table 100"* ]] ||
		fail "stock seg6local routes could not be added"
	assert_eq "stock routes added by Debian's ip, shown by the patched ip" \
		"$by_stock" "$(stock_show ip)"
	stock_flush
	stock_routes ip
	assert_eq "stock routes added by the patched ip, shown by Debian's ip" \
		"$by_stock" "$(stock_show "$stock_ip")"
	stock_flush
	checks=$((checks + 1))
	echo "# stock actions: the patched ip and $stock_ip agree"
fi

# ---------------------------------------------------------------------------
# 3. End.FWP and End.BFW
# ---------------------------------------------------------------------------

[[ -d /sys/module/seg6_mig ]] ||
	skip "seg6_mig is not loaded: $checks parser checks passed, routes not tested"

# Counters of a route just added (no traffic): the stock ones, then the
# action's own, all 0. Text, and JSON with sorted keys as jq -S prints it.
STATS_TEXT=" packets 0 bytes 0 errors 0"
FWP_STATS_TEXT="$STATS_TEXT local 0 next 0 absent 0 errors 0"
BFW_STATS_TEXT="$STATS_TEXT delivered 0 buffered 0 flushed 0 overflow 0"
BFW_STATS_TEXT+=" expired 0 purged 0 errors 0 qlen 0 qlen_max 0 unexpected 0 share 0"
STATS_JSON='"stats64":{"bytes":0,"errors":0,"packets":0}'
FWP_STATS_JSON='"mig_stats":{"absent":0,"errors":0,"local":0,"next":0}'
BFW_STATS_JSON='"mig_stats":{"buffered":0,"delivered":0,"errors":0,"expired":0'
BFW_STATS_JSON+=',"flushed":0,"overflow":0,"purged":0,"qlen":0,"qlen_max":0'
BFW_STATS_JSON+=',"share":0,"unexpected":0}'
D_BUF=8192 D_BYTES=33554432 D_HOLD=1000 D_SETTLE=30 D_PRESENCE=carrier

# Expected output of each route, by destination.
declare -A want_text want_json want_stext want_sjson added_by
n=0

# route ACTION TABLE BUF BYTES HOLD SETTLE PRESENCE COUNT OPTIONS...: add
# fc00:2::N with OPTIONS after "action ACTION"; TABLE BUF BYTES HOLD SETTLE
# PRESENCE are the values it must show ("" when not shown), COUNT is
# "count" or "". SHARE=N and STRICT=1 in the environment: the route must
# show vip-share N and strict.
route() {
	local action=$1 table=$2 buf=$3 bytes=$4 hold=$5 settle=$6 presence=$7
	local count=$8 sid encap json stext="" sjson=""
	shift 8
	n=$((n + 1))
	sid=fc00:2::$(printf %x $n)
	added_by[$sid]="encap seg6local action $action $*"
	nsip -6 route add "$sid/128" encap seg6local action "$action" "$@" dev "$DEV" ||
		fail "refused: ip route add $sid ${added_by[$sid]} dev $DEV"

	# Text: the options in a fixed order, whatever the order given.
	encap="action $action${table:+ table $table}"
	[[ -z $buf ]] || encap+=" buffer $buf"
	[[ -z $bytes ]] || encap+=" buffer-bytes $bytes"
	[[ -z $hold ]] || encap+=" hold $hold"
	[[ -z $settle ]] || encap+=" settle $settle"
	[[ -z ${SHARE:-} ]] || encap+=" vip-share $SHARE"
	[[ -z ${STRICT:-} ]] || encap+=" strict"
	[[ -z $presence ]] || encap+=" presence $presence"
	[[ -z $count ]] || encap+=" count"
	# -s: the counters, only with count.
	if [[ $count && $action == End.FWP ]]; then
		stext=$FWP_STATS_TEXT
		sjson=",$FWP_STATS_JSON"
	elif [[ $count ]]; then
		stext=$BFW_STATS_TEXT
		sjson=",$BFW_STATS_JSON"
	fi
	want_text[$sid]="$sid  encap seg6local $encap dev $DEV metric 1024 pref medium"
	want_stext[$sid]="$sid  encap seg6local $encap$stext dev $DEV metric 1024 pref medium"

	# JSON: exactly these fields (sorted keys).
	json="{\"action\":\"$action\""
	[[ -z $buf ]] || json+=",\"buffer\":$buf"
	[[ -z $bytes ]] || json+=",\"buffer_bytes\":$bytes"
	[[ -z $count ]] || json+=',"count":true'
	json+=',"encap":"seg6local"'
	[[ -z $hold ]] || json+=",\"hold\":$hold"
	[[ -z $count ]] || json+=$sjson
	[[ -z $presence ]] || json+=",\"presence\":\"$presence\""
	[[ -z $settle ]] || json+=",\"settle\":$settle"
	[[ -z $count ]] || json+=",$STATS_JSON"
	[[ -z ${STRICT:-} ]] || json+=',"strict":true'
	[[ -z $table ]] || json+=",\"table\":\"$table\""
	[[ -z ${SHARE:-} ]] || json+=",\"vip_share\":$SHARE"
	json+="}"
	want_sjson[$sid]="{\"dev\":\"$DEV\",\"dst\":\"$sid\"},$json]"
	json=${json/"$sjson"/}
	json=${json/",$STATS_JSON"/}
	want_json[$sid]="{\"dev\":\"$DEV\",\"dst\":\"$sid\"},$json]"
}

# End.FWP: table x presence x count; without presence it shows the default.
for table in "" 100; do
	for presence in "" carrier announce; do
		for count in "" count; do
			route End.FWP "$table" "" "" "" "" "${presence:-$D_PRESENCE}" \
				"$count" ${table:+table $table} \
				${presence:+presence $presence} $count
		done
	done
done

# End.BFW: table x buffer x buffer-bytes x hold x count, in the order of
# the syntax; what is not given shows its default (settle: below).
for table in "" 100; do
	for buf in "" 16; do
		for bytes in "" 65536; do
			for hold in "" 250; do
				for count in "" count; do
					route End.BFW "$table" "${buf:-$D_BUF}" \
						"${bytes:-$D_BYTES}" "${hold:-$D_HOLD}" \
						"$D_SETTLE" "$D_PRESENCE" "$count" \
						${table:+table $table} \
						${buf:+buffer $buf} \
						${bytes:+buffer-bytes $bytes} \
						${hold:+hold $hold} $count
				done
			done
		done
	done
done

# End.BFW: presence, alone and with the others; settle as well.
for presence in carrier announce; do
	for count in "" count; do
		route End.BFW "" "$D_BUF" "$D_BYTES" "$D_HOLD" "$D_SETTLE" "$presence" \
			"$count" presence $presence $count
		route End.BFW 100 32 65536 250 5 "$presence" "$count" \
			presence $presence settle 5 $count hold 250 table 100 \
			buffer-bytes 65536 buffer 32
	done
done

# Any order; limits; 0 turns buffering off; numbers as ip reads them.
route End.BFW 100 2 1 5 7 announce count count settle 7 presence announce hold 5 \
	table 100 buffer-bytes 1 buffer 2
route End.FWP 100 "" "" "" "" announce count count presence announce table 100
route End.BFW "" 0 0 1 0 carrier "" buffer 0 buffer-bytes 0 hold 1 settle 0
route End.BFW "" 1048576 1073741824 60000 10000 carrier "" \
	buffer 1048576 buffer-bytes 1073741824 hold 60000 settle 10000
route End.BFW "" 16 4096 250 16 carrier "" buffer 0x10 buffer-bytes 0x1000 hold 250 settle 0x10
# Strict and the per-VIP share, alone, together, in any order; 0: no share.
STRICT=1 route End.BFW "" "$D_BUF" "$D_BYTES" "$D_HOLD" "$D_SETTLE" "$D_PRESENCE" "" strict
SHARE=16 route End.BFW "" "$D_BUF" "$D_BYTES" "$D_HOLD" "$D_SETTLE" "$D_PRESENCE" "" vip-share 16
SHARE=4 STRICT=1 route End.BFW 100 32 65536 250 5 announce count \
	count strict presence announce vip-share 4 settle 5 hold 250 table 100 \
	buffer-bytes 65536 buffer 32
route End.BFW "" "$D_BUF" "$D_BYTES" "$D_HOLD" "$D_SETTLE" "$D_PRESENCE" "" vip-share 0
SHARE=1048576 route End.BFW "" "$D_BUF" "$D_BYTES" "$D_HOLD" "$D_SETTLE" "$D_PRESENCE" "" vip-share 1048576
route End.BFW main "$D_BUF" "$D_BYTES" "$D_HOLD" "$D_SETTLE" "$D_PRESENCE" count \
	table main count

# check PREFIX WHAT WANT_ARRAY OPTIONS...: the routes under PREFIX show as
# WANT_ARRAY says.
check() {
	local prefix=$1 what=$2 sid
	local -n want=$3
	shift 3
	shown "$prefix" "$@"
	assert_eq "number of routes in $what" "${#want[@]}" "${#shown[@]}"
	for sid in "${!want[@]}"; do
		assert_eq "$what of: ip route add $sid ${added_by[$sid]:-}" \
			"${want[$sid]}" "${shown[$sid]:-}"
		checks=$((checks + 1))
	done
}

check fc00:2::/64 "ip route show" want_text
check fc00:2::/64 "ip -j route show" want_json -j
check fc00:2::/64 "ip -s route show" want_stext -s
check fc00:2::/64 "ip -s -j route show" want_sjson -s -j

# What ip printed, fed back to ip, gives the same route.
shown fc00:2::/64
for sid in "${!shown[@]}"; do
	again=fc00:3::${sid#fc00:2::}
	printed=${shown[$sid]#"$sid  encap seg6local "}
	printed=${printed% metric 1024 pref medium}
	# shellcheck disable=SC2086 # word splitting on purpose
	nsip -6 route add "$again/128" encap seg6local $printed ||
		fail "ip refused its own output: ip route add $again encap seg6local $printed"
done
declare -A reprinted
for sid in "${!shown[@]}"; do
	again=fc00:3::${sid#fc00:2::}
	reprinted[$again]="${shown[$sid]/#"$sid "/"$again "}"
	added_by[$again]="(what ip printed for $sid)"
done
check fc00:3::/64 "ip route show" reprinted

echo "# End.FWP/End.BFW: $n routes printed back as configured"

# ---------------------------------------------------------------------------
# 4. The kernel refuses what ip would not send
# ---------------------------------------------------------------------------

RAW=$(dirname "$0")/tools/seg6local_raw.py
# raw CASE SID WANT_ERRNO WANT_MESSAGE: seg6local_raw.py's answer (a
# pattern: the netlink core's own messages differ between kernels).
raw() {
	local out
	out=$(ip netns exec "$NS" /usr/bin/python3 "$RAW" "$1" "$2" "$DEV")
	# shellcheck disable=SC2053 # a pattern on purpose
	[[ $out == errno=$3\ msg=$4 ]] ||
		fail "kernel's answer to $1: '$out', want 'errno=$3 msg=$4'"
	checks=$((checks + 1))
}
errno_of() { /usr/bin/python3 -c "import errno; print(errno.$1)"; }
raw fwp-presence-2 fc00:4::1 "$(errno_of EINVAL)" "presence: not carrier \(0\) or announce \(1\)"
raw bfw-presence-max fc00:4::2 "$(errno_of EINVAL)" "presence: not carrier \(0\) or announce \(1\)"
raw bfw-presence-u8 fc00:4::3 "@($(errno_of EINVAL)|$(errno_of ERANGE))" "?*"
raw fwp-buffer fc00:4::4 "$(errno_of EINVAL)" "End.FWP takes no buffer, buffer-bytes, hold, settle, strict or vip-share"
raw fwp-strict fc00:4::6 "$(errno_of EINVAL)" "End.FWP takes no buffer, buffer-bytes, hold, settle, strict or vip-share"
raw bfw-share-max fc00:4::7 "$(errno_of ERANGE)" "vip-share: more than 1048576 packets"
raw bfw-strict-value fc00:4::8 "@($(errno_of EINVAL)|$(errno_of ERANGE))" "?*"
raw fwp-announce fc00:4::5 0 ""
shown fc00:4::/64
assert_eq "routes the kernel took" "fc00:4::5" "${!shown[*]}"
assert_eq "the route it took" \
	"fc00:4::5  encap seg6local action End.FWP presence announce dev $DEV metric 1024 pref medium" \
	"${shown[fc00:4::5]}"
echo "# kernel refusals: 7 cases, with their extack messages"

# 10,000 random End.FWP/End.BFW routes, created then replaced on one SID:
# each answer is the one module/lwt.c must give (accepted, or the errno of
# the first bad attribute), every refusal has an extack message, and the
# route left can be deleted.
out=$(ip netns exec "$NS" /usr/bin/python3 "$RAW" fuzz 10000 "${FUZZ_SEED:-8}" fc00:5::1 "$DEV")
echo "# config fuzz: $out"
[[ $out == "sent=10000 "*" wrong=0" ]] || fail "config fuzz: $out"
checks=$((checks + 1))
if ip -n "$NS" -6 route show fc00:5::1/128 | grep -q seg6local; then
	ip -n "$NS" -6 route del fc00:5::1/128 || fail "config fuzz: the route left cannot be deleted"
fi
echo "ok: $checks checks"
