#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The generic netlink family seg6_mig through the seg6mig CLI (issue 4):
#
#  - show -j: the End.FWP/End.BFW routes of a namespace, their limits,
#    counters and queued VIPs, as known traffic left them (and as ip -s
#    reports them);
#  - monitor -j: a VIP-arrived event with the VIP and packet count when the
#    VM's port comes up (the delay is printed); purge and release events;
#    overflow events (rate-limited) adding up to the counter; expiry;
#  - release and purge of one VIP's queue, and their errors;
#  - namespaces: each sees its own routes and events only;
#  - permissions: release/purge need CAP_NET_ADMIN in the namespace's user
#    namespace: EPERM otherwise, printed;
#  - bad requests: missing, oversized, wrong-typed and unknown attributes,
#    unknown commands: refused with an extack message; 10,000 random
#    requests: all answered, counters untouched (warnings: the runner).
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
require_root
require_module

SEG6MIG=$SEG6_MIG_TOP/tools/seg6mig
GENL_RAW=$SEG6_MIG_TOP/selftests/tools/genl_raw.py
PORT=5000
sysctl -qw net.core.rmem_default=16777216 net.core.rmem_max=16777216

s6m() { "$SEG6MIG" "$@"; }
stat() { mig_stat 2 $S2_BFW "$1"; }
stat_is() { [[ $(stat "$1") == "$2" ]]; }

# ip monitor is subscribed once it holds a netlink socket.
route_monitor_ready() {
	local pid
	pid=$(pgrep -n -f -- "-ts monitor route") || return 1
	ls -l /proc/$pid/fd 2>/dev/null | grep -q 'socket:'
}

# show_field NS JQ: one value of `seg6mig show -s -j` in a namespace.
show_field() { s6m -n "$1" -j -s show | jq -r "$2"; }
# show_snap NS, then snap_field NS JQ: values of one `seg6mig show -s -j`
# (many checks of one state, without a dump each: a debug guest is slow).
show_snap() { s6m -n "$1" -j -s show > "$TRAFFIC_DIR/show.$1"; }
snap_field() { jq -r "$2" < "$TRAFFIC_DIR/show.$1"; }
bfw() { echo ".[] | select(.action == \"End.BFW\" and .sid == \"$S2_BFW\")"; }

# monitor_start NAME NS: seg6mig monitor -j in NS, once it listens.
monitor_start() {
	local out=$TRAFFIC_DIR/mon.$1
	"$SEG6MIG" -n "$2" monitor -j > "$out" 2> "$out.err" &
	echo $! > "$out.pid"
	busywait 20000 grep -q listening "$out.err" ||
		fail "monitor $1 did not start: $(cat "$out.err")"
}

monitor_lines() { grep -c . "$TRAFFIC_DIR/mon.$1" || true; }
monitor_has() { (($(monitor_lines "$1") >= $2)); }
# monitor_event NAME N JQ: a field of the Nth event (1-based).
monitor_event() { sed -n "$2p" "$TRAFFIC_DIR/mon.$1" | jq -r "$3"; }

# setup [HOLD_MS]: the VM paused on s1, the gateway in M(s1, s2). Packets
# are held a minute by default: the checks take seconds under TCG.
setup() {
	topo_setup inline
	add_fwp 1 count
	add_bfw count hold "${1:-$(hold_ms 60000)}"
	vm_pause 1
	gw_migrate
}

test_show_and_arrival() {
	local t0 t1
	setup
	recv_start $PORT -n 20 -w 30000 -t 3000
	monitor_start s2 "$NS_S2"
	send_udp $PORT 20 2000
	busywait 20000 stat_is qlen 20 || fail "qlen $(stat qlen), want 20"

	# What show reports, against the traffic and ip -s.
	show_snap "$NS_S2"
	show_snap "$NS_S1"
	assert_eq "show: End.BFW routes" 1 "$(snap_field "$NS_S2" "[$(bfw)] | length")"
	assert_eq "show: sid_len" 128 "$(snap_field "$NS_S2" "$(bfw).sid_len")"
	assert_eq "show: dev" s2-gw "$(snap_field "$NS_S2" "$(bfw).dev")"
	assert_eq "show: table" main "$(snap_field "$NS_S2" "$(bfw).table")"
	assert_eq "show: presence" carrier "$(snap_field "$NS_S2" "$(bfw).presence")"
	assert_eq "show: buffer" 8192 "$(snap_field "$NS_S2" "$(bfw).buffer")"
	assert_eq "show: hold_ms" "$(hold_ms 60000)" "$(snap_field "$NS_S2" "$(bfw).hold_ms")"
	assert_eq "show: settle_ms" 30 "$(snap_field "$NS_S2" "$(bfw).settle_ms")"
	assert_eq "show: qlen" 20 "$(snap_field "$NS_S2" "$(bfw).qlen")"
	assert_eq "show: buffered" 20 "$(snap_field "$NS_S2" "$(bfw).stats.buffered")"
	assert_eq "show: buffered = ip -s" "$(stat buffered)" \
		"$(snap_field "$NS_S2" "$(bfw).stats.buffered")"
	assert_eq "show: one VIP queued" 1 "$(snap_field "$NS_S2" "$(bfw).vips | length")"
	assert_eq "show: the VIP" "$VIP" "$(snap_field "$NS_S2" "$(bfw).vips[0].vip")"
	assert_eq "show: its packets" 20 "$(snap_field "$NS_S2" "$(bfw).vips[0].packets")"
	(($(snap_field "$NS_S2" "$(bfw).vips[0].age_us") > 0)) || fail "show: age_us is 0"
	(($(snap_field "$NS_S2" "$(bfw).qbytes") >= 20 * 1000)) ||
		fail "show: qbytes $(snap_field "$NS_S2" "$(bfw).qbytes") for 20 packets"
	assert_eq "show: s1's End.FWP passed them on" 20 \
		"$(snap_field "$NS_S1" '.[] | select(.action == "End.FWP") | .stats.next')"
	assert_eq "show: s1 sees only its own route" 1 "$(snap_field "$NS_S1" 'length')"
	s6m -n "$NS_S2" -s show | grep -q "^End.BFW $S2_BFW/128 dev s2-gw table main presence carrier buffer 8192 buffer-bytes 33554432 hold $(hold_ms 60000) settle 30\$" ||
		fail "show (text): $(s6m -n "$NS_S2" -s show)"

	# The VM resumes on s2: its port there comes up, and its route, which
	# makes it present. One arrived event, for the 20; its delay after
	# the route's notification, both as listeners read them.
	ip -n "$NS_S1" link set vmport netns "$NS_S2"
	n_s2 ip addr replace fe80::1/64 dev vmport nodad
	n_s2 ip link set vmport up
	ip -n "$NS_S2" -ts monitor route > "$TRAFFIC_DIR/routes" &
	busywait 20000 route_monitor_ready || fail "ip monitor did not start"
	n_s2 ip -6 route replace "$VIP/128" dev vmport
	busywait 20000 monitor_has s2 1 || fail "no event after the VM's route appeared"
	busywait 20000 grep -q "^\[.*\] $VIP dev vmport" "$TRAFFIC_DIR/routes" ||
		fail "ip monitor saw no route: $(cat "$TRAFFIC_DIR/routes")"
	t0=$(grep -m1 "^\[.*\] $VIP dev vmport" "$TRAFFIC_DIR/routes" |
		sed -n 's/^\[\([^]]*\)\].*/\1/p' | xargs -I{} date -d {} +%s%6N)
	recv_wait $PORT
	assert_eq "received" 20 "$(recv_result $PORT received)"
	assert_eq "reordered" 0 "$(recv_result $PORT reordered)"
	assert_eq "event" arrived "$(monitor_event s2 1 .event)"
	assert_eq "event: sid" "$S2_BFW" "$(monitor_event s2 1 .sid)"
	assert_eq "event: vip" "$VIP" "$(monitor_event s2 1 .vip)"
	assert_eq "event: packets" 20 "$(monitor_event s2 1 .packets)"
	(($(monitor_event s2 1 .wait_us) > 0)) || fail "event: wait_us is 0"
	t1=$(monitor_event s2 1 .time_us)
	echo "# arrived event read $(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f", d / 1000 }') ms after the VM's route notification was read (ip -ts monitor route)"
	assert_eq "events" 1 "$(monitor_lines s2)"
	assert_eq "show: nothing queued" 0 "$(show_field "$NS_S2" "$(bfw).vips | length")"
	assert_eq "show: flushed" 20 "$(show_field "$NS_S2" "$(bfw).stats.flushed")"
	topo_cleanup
}

# The VM's port in s2 is a dummy without carrier: absent for the data plane,
# but a usable route for an explicit release.
setup_no_carrier() {
	setup "$@"
	n_s2 ip link add vmd type dummy
	n_s2 ip link set vmd up
	n_s2 ip link set vmd carrier off
	n_s2 ip -6 route replace "$VIP/128" dev vmd
}

test_release_purge() {
	local out
	setup_no_carrier
	monitor_start s2 "$NS_S2"
	monitor_start s1 "$NS_S1"
	send_udp $PORT 20 2000
	busywait 20000 stat_is qlen 20 || fail "qlen $(stat qlen), want 20"
	assert_eq "no carrier: nothing flushed" 0 "$(stat flushed)"

	out=$(s6m -n "$NS_S2" release "$VIP" sid "$S2_BFW")
	assert_eq "release" "$VIP sid $S2_BFW: 20 packets released" "$out"
	busywait 20000 stat_is flushed 20 || fail "flushed $(stat flushed) after release"
	assert_eq "qlen after release" 0 "$(stat qlen)"
	busywait 20000 monitor_has s2 1 || fail "no event after release"
	assert_eq "release: event" arrived "$(monitor_event s2 1 .event)"
	assert_eq "release: event packets" 20 "$(monitor_event s2 1 .packets)"

	# Released once: the next packets wait again (the port has no carrier).
	send_udp $PORT 10 2000
	busywait 20000 stat_is qlen 10 || fail "qlen $(stat qlen), want 10"
	out=$(s6m -n "$NS_S2" -j purge "$VIP" sid "$S2_BFW")
	assert_eq "purge: purged" 10 "$(jq -r .purged <<< "$out")"
	assert_eq "purge: counter" 10 "$(stat purged)"
	assert_eq "qlen after purge" 0 "$(stat qlen)"
	busywait 20000 monitor_has s2 2 || fail "no event after purge"
	assert_eq "purge: event" purged "$(monitor_event s2 2 .event)"
	assert_eq "purge: event vip" "$VIP" "$(monitor_event s2 2 .vip)"
	assert_eq "purge: event packets" 10 "$(monitor_event s2 2 .packets)"
	out=$(s6m -n "$NS_S2" purge "$VIP" sid "$S2_BFW")
	assert_eq "purge, nothing queued" "$VIP sid $S2_BFW: 0 packets purged" "$out"

	# s1 saw none of s2's events: an event of its own comes first.
	n_s1 ip -6 route add fc00:a1::b/128 encap seg6local action End.BFW \
		count hold "$(hold_ms 60000)" presence announce dev s1-gw
	assert_eq "show: s1's End.BFW, presence" announce \
		"$(show_field "$NS_S1" '.[] | select(.sid == "fc00:a1::b") | .presence')"
	assert_eq "show: s1's End.FWP, presence" carrier \
		"$(show_field "$NS_S1" '.[] | select(.action == "End.FWP") | .presence')"
	n_gw ip -6 route replace "$VIP/128" encap seg6 mode inline \
		segs fc00:a1::b dev gw-s1
	send_udp $PORT 5 2000
	busywait 20000 s1_bfw_qlen 5 || fail "s1's End.BFW did not queue 5"
	s6m -n "$NS_S1" purge "$VIP" sid fc00:a1::b > /dev/null
	busywait 20000 monitor_has s1 1 || fail "s1: no event after its own purge"
	assert_eq "s1: its own event first" "purged fc00:a1::b 5" \
		"$(monitor_event s1 1 '"\(.event) \(.sid) \(.packets)"')"
	assert_eq "s1: events" 1 "$(monitor_lines s1)"

	# Errors: the kernel's message, exit 1; bad usage, exit 2.
	expect_error 1 "No End.BFW route with this SID" -n "$NS_S2" release "$VIP" sid fc00:a2::99
	expect_error 1 "is End.FWP, which holds no packets" -n "$NS_S1" release "$VIP" sid "$S1_FWP"
	expect_error 2 '"2001:db8::zz" is not an IPv6 address' -n "$NS_S2" release 2001:db8::zz sid "$S2_BFW"
	expect_error 2 'expected "sid"' -n "$NS_S2" purge "$VIP" seg "$S2_BFW"
	expect_error 2 'missing SID' -n "$NS_S2" purge "$VIP" sid
	expect_error 2 'unknown command "frobnicate"' frobnicate
	expect_error 1 'cannot open network namespace "nonexistent"' -n nonexistent show

	# Permissions: a user without CAP_NET_ADMIN, and a user namespace that
	# does not own the network namespace.
	expect_error_in 1 "Operation not permitted" \
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$SEG6MIG" release "$VIP" sid "$S2_BFW"
	expect_error_in 1 "Operation not permitted" \
		unshare -U -r "$SEG6MIG" purge "$VIP" sid "$S2_BFW"
	# ... while reading needs no privilege.
	n_s2 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$SEG6MIG" -j show | jq -e 'length == 1' > /dev/null ||
		fail "show as an unprivileged user"
	# A user namespace with its own network namespace may: not EPERM.
	expect_error_in 1 "No End.BFW route with this SID" \
		unshare -U -r -n "$SEG6MIG" purge "$VIP" sid "$S2_BFW"
	topo_cleanup
}

s1_bfw_qlen() {
	[[ $(n_s1 ip -s -j -6 route show fc00:a1::b/128 | jq -r '.[0].mig_stats.qlen') == "$1" ]]
}

# expect_error CODE TEXT ARGS...: seg6mig ARGS fails with CODE, saying TEXT.
expect_error() {
	local code=$1 text=$2 rc=0 err
	shift 2
	err=$("$SEG6MIG" "$@" 2>&1 >/dev/null) || rc=$?
	assert_eq "seg6mig $*: exit code" "$code" "$rc"
	[[ $err == *"$text"* ]] || fail "seg6mig $*: said '$err', want '$text'"
}

# expect_error_in CODE TEXT CMD...: the same, for a command run in s2.
expect_error_in() {
	local code=$1 text=$2 rc=0 err
	shift 2
	err=$(n_s2 "$@" 2>&1 >/dev/null) || rc=$?
	assert_eq "$*: exit code" "$code" "$rc"
	[[ $err == *"$text"* ]] || fail "$*: said '$err', want '$text'"
}

test_bad_requests() {
	local c out before after held
	setup_no_carrier "$(hold_ms 60000)"	# the queue outlives the fuzzing
	send_udp $PORT 20 2000
	busywait 20000 stat_is qlen 20 || fail "qlen $(stat qlen), want 20"
	# Refused with EINVAL, or ERANGE for a wrong length (the policy's
	# exact length), and a message saying why.
	for c in no-sid no-vip sid-short sid-long sid-u32 vip-empty unknown-attr \
		 output-attr; do
		out=$(n_s2 /usr/bin/python3 "$GENL_RAW" case $c)
		[[ $out == "errno=$(errno_of EINVAL) msg="?* ||
		   $out == "errno=$(errno_of ERANGE) msg="?* ]] ||
			fail "bad request $c: $out (want EINVAL/ERANGE with a message)"
		echo "# $c: $out"
	done
	for c in unknown-cmd event-cmd; do
		out=$(n_s2 /usr/bin/python3 "$GENL_RAW" case $c)
		[[ $out == "errno=$(errno_of EOPNOTSUPP) "* ]] ||
			fail "bad request $c: $out (want EOPNOTSUPP)"
		echo "# $c: $out"
	done
	out=$(n_s2 /usr/bin/python3 "$GENL_RAW" reserved)
	[[ $out == "errno=$(errno_of EINVAL) msg="?* ]] ||
		fail "reserved header field set: $out"
	echo "# reserved: $out"

	# Held or expired, one figure: on the debug kernel the fuzzing can
	# outlast the longest hold (60 s), and expiry is no request's doing.
	held='[.[] | .stats | .held = .qlen + .expired | del(.qlen, .expired)]'
	before=$(s6m -n "$NS_S2" -j -s show | jq -c "$held")
	out=$(n_s2 /usr/bin/python3 "$GENL_RAW" fuzz 10000 "${FUZZ_SEED:-4}")
	echo "# fuzz: $out"
	[[ $out == "sent=10000 "* ]] || fail "fuzz: $out"
	after=$(s6m -n "$NS_S2" -j -s show | jq -c "$held")
	assert_eq "counters after fuzzing" "$before" "$after"
	# The 20 are still queued, or expired (debug kernel): none released,
	# purged or lost to a request.
	assert_eq "queued or expired after fuzzing" 20 $(($(stat qlen) + $(stat expired)))
	topo_cleanup
}

# monitor_sum NAME EVENT: packets in all EVENT events so far.
monitor_sum() {
	jq -s "[.[] | select(.event == \"$2\") | .packets] | add // 0" \
		"$TRAFFIC_DIR/mon.$1"
}
monitor_sum_is() { [[ $(monitor_sum "$1" "$2") == "$3" ]]; }

# Overflow events add up to the overflow counter, at most ten a second;
# expired packets are reported per VIP.
test_overflow_expiry_events() {
	local n
	topo_setup inline
	add_fwp 1 count
	add_bfw count buffer 10 hold 300
	vm_pause 1
	gw_migrate
	monitor_start s2 "$NS_S2"
	send_udp $PORT 30 2000
	busywait 20000 stat_is overflow 20 || fail "overflow $(stat overflow), want 20"
	busywait 20000 monitor_sum_is s2 overflow 20 ||
		fail "overflow events report $(monitor_sum s2 overflow) packets, want 20"
	n=$(jq -s '[.[] | select(.event == "overflow")] | length' "$TRAFFIC_DIR/mon.s2")
	# The burst lasts ~15 ms: one event at once, the rest 100 ms later
	# (a slow guest may stretch it over one more period).
	((n >= 1 && n <= 3)) || fail "$n overflow events for one burst of 20 drops"
	busywait 20000 monitor_sum_is s2 expired 10 ||
		fail "expired events report $(monitor_sum s2 expired) packets, want 10"
	assert_eq "expired event: vip" "$VIP" \
		"$(jq -rs '[.[] | select(.event == "expired")][0].vip' "$TRAFFIC_DIR/mon.s2")"
	assert_eq "expired counter" 10 "$(stat expired)"
	topo_cleanup
}

# errno_of NAME: the number of an errno name (one Python run for all).
declare -A ERRNOS
eval "$(/usr/bin/python3 -c 'import errno
for n in ("EINVAL", "ERANGE", "EOPNOTSUPP", "EPERM", "ENOENT"): print(f"ERRNOS[{n}]={getattr(errno, n)}")')"
errno_of() { echo "${ERRNOS[$1]:?errno $1 not looked up}"; }

test_show_and_arrival
echo "ok: show, arrived event"
test_release_purge
echo "ok: release, purge, namespaces, permissions, errors"
test_overflow_expiry_events
echo "ok: overflow and expiry events"
test_bad_requests
echo "ok: bad requests, fuzz"
