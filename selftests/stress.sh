#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stress.sh: seg6_mig under churn, STRESS_SECONDS of guest time (default
# 60; `make bench` runs 600). Three hosts s1..s3, each with an End.FWP and
# an End.BFW SID; three VMs, whose VIPs the client sends numbered UDP to at
# STRESS_RATE datagrams/s each (one VIP inline, two encap). Meanwhile, at
# random, one at a time:
#   migrate  a VM moves to another host: M(from, to), port down, a downtime,
#            port moved and up there, R(to);
#   flap     a VM's port goes down and up where it runs;
#   abort    a migration aborts with End.BFW holding the VIP's packets, and
#            that End.BFW route is replaced or deleted (and added back);
#   netns    two namespaces are made, one with an End.BFW holding a burst
#            of datagrams for a VIP it never gets, and destroyed;
#   read     seg6mig show and ip -s route on a host.
# The run is cut into rounds of STRESS_ROUND seconds; after each, every
# seg6_mig route is deleted, the module's refcount must fall to 0, and it is
# unloaded and loaded again. Where fault injection exists (the debug
# kernel: failslab), one kernel allocation of every configuration command
# of the churn (routes, the gateway) fails: the Nth, N random in
# 1..STRESS_FAIL_NTH (200; fail-nth).
#
# Asserted for each round: every datagram sent (to the VMs and in the
# netns bursts) was delivered to a VM's socket, or freed by the kernel with
# a drop reason (skb:kfree_skb, a histogram trigger by location and reason;
# drops in the ICMPv6/ND/MLD code are control traffic, not datagrams, and
# are left out), and each exactly once: sent = delivered + dropped, what
# the VMs' sockets took is what the receivers read, and none twice. At the
# end: every namespace gone, the net_namespace and skbuff slab caches back
# to their object counts at the start, and no kernel warning (the runner).
set -eu
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topology.sh"
require_root
require_module

SECONDS_TOTAL=${STRESS_SECONDS:-60}
ROUND=${STRESS_ROUND:-30}
RATE=${STRESS_RATE:-$((1000 / SLOW))}
FAIL_NTH=${STRESS_FAIL_NTH:-200}
HOLD=$(slow_ms 1000)
NVM=3
NHOST=3
PORT0=7000
# Slab caches whose objects must all come back (checked where they are not
# merged into another cache, which would count its objects too).
SLABS="net_namespace skbuff_head_cache skbuff_fclone_cache"

T=$TRACEFS/instances/seg6_mig_stress
FS=/sys/kernel/debug/failslab
# Fault injection: /proc/PID/fail-nth, with failslab the only kind built.
FAULTS=
[[ -d $FS && -e /proc/self/fail-nth ]] && FAULTS=1
declare -A NS_H=() NS_V=() HOST=() MODE=() VM_MAC=()
rounds=$(((SECONDS_TOTAL + ROUND - 1) / ROUND))

fwp() { echo "fc00:a$1::f"; }
bfw() { echo "fc00:a$1::b"; }
vip() { echo "2001:db8:5::$1"; }
hip() { local h=$1; shift; ip -n "${NS_H[$h]}" "$@"; }

cleanup() {
	local ns
	[[ -d $T ]] && { echo 0 > "$T/tracing_on"; rmdir "$T" 2>/dev/null || true; }
	[[ -z $FAULTS ]] || echo 0 > "$FS/probability"
	for ns in "${NS_H[@]}" "${NS_V[@]}" ${SIDE_NS:-}; do
		TOPO_EXTRA_NS+=("$ns")
	done
	topo_cleanup
}

# cfg CMD... <<< LINES: a configuration command of the churn, which reads
# what to do from its standard input (ip -b -, seg6mig gw -batch -). With
# fault injection, CMD's fail-nth is set once it waits on that input: what
# fails is one allocation of the kernel's work on the requests (the
# module's route parsing and state, rtnetlink, the FIB), not CMD's exec
# and loading, nor its exit: fail-nth is taken back once CMD read its
# input and waits for more. ip -b works line by line, so its requests
# come before that; seg6mig gw -batch reads to the end of its input
# first, so it gets no failure injected. Failures are counted, not
# fatal: the churn must survive them.
cfg_ok=0
cfg_failed=0
cfg_injected=0
cfg() {
	local rc=0 pid left in=$TRAFFIC_DIR/cfg.in sw0
	if [[ -z $FAULTS ]]; then
		"$@" >/dev/null 2>&1 || rc=$?
	else
		rm -f "$in"
		mkfifo "$in"
		"$@" < "$in" >/dev/null 2>&1 &
		pid=$!
		exec 3> "$in"
		busywait 10000 reading "$pid" || true
		echo $((RANDOM % FAIL_NTH + 1)) > "/proc/$pid/fail-nth" 2>/dev/null || true
		sw0=$(nvcsw "$pid")
		# Not a builtin: if CMD is gone, cat takes the SIGPIPE.
		cat >&3 || true
		# Once CMD has read it all and waits for more, its work on the
		# requests is done: take the fail-nth back before it exits, so
		# that no allocation of its exit fails (closing files on the
		# guest's 9p root: one that failed there left the guest unable
		# to open any file). It counts down to 0 when the fault was
		# injected.
		busywait 10000 consumed "$pid" "$sw0" || true
		left=$(cat "/proc/$pid/fail-nth" 2>/dev/null) || left=
		echo 0 > "/proc/$pid/fail-nth" 2>/dev/null || true
		exec 3>&-
		[[ $left != 0 ]] || cfg_injected=$((cfg_injected + 1))
		wait "$pid" || rc=$?
	fi
	if ((rc == 0)); then cfg_ok=$((cfg_ok + 1)); else cfg_failed=$((cfg_failed + 1)); fi
	return 0
}

# reading PID: PID waits in read(2) (syscall 0), its exec long done.
reading() { [[ $(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null) == 0 ]]; }
# nvcsw PID: how often PID has blocked so far; consumed PID N: having
# blocked since then (woken by its input, it works through it, then waits
# in read(2) for more), it waits in read(2) again, or it ended (ip -b
# stops at an error). Not /proc/PID/io: the debug kernel has no task I/O
# accounting.
nvcsw() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
ended() { [[ ! -e /proc/$1/stat || $(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) == Z ]]; }
consumed() { local n; ended "$1" || { n=$(nvcsw "$1"); ((${n:-0} > $2)) && reading "$1"; }; }

# The objects of a slab cache in use, per-CPU slabs flushed first; nothing
# when the cache is merged into another (no line of its own in slabinfo).
# The last namespace deleted stays allocated until the next one's cleanup
# (net_complete_free), so the counts are taken after a throwaway namespace
# was deleted (netns_flush), and end at the same one deferred.
slab_objs() {
	echo 1 > "/sys/kernel/slab/$1/shrink" 2>/dev/null || true
	awk -v n="$1" '$1 == n { print $2 }' /proc/slabinfo
}

# Tracing: skb:kfree_skb of IPv6 packets, counted by location and reason.
hist_start() {
	[[ -d $TRACEFS/instances ]] || mount -t tracefs tracefs "$TRACEFS"
	[[ -d $T ]] || mkdir "$T"
	echo 'hist:keys=location.sym,reason:vals=hitcount:size=4096 if protocol == 34525' \
		> "$T/events/skb/kfree_skb/trigger" ||
		skip "no histogram triggers on skb:kfree_skb (CONFIG_HIST_TRIGGERS)"
	# What went out of each port, by length, printed when the packets do
	# not add up: every datagram has one length on a VM's port, anything
	# else there is a packet the accounting did not expect.
	echo 'hist:keys=name,len:vals=hitcount' > "$T/events/net/net_dev_queue/trigger"
}

hist_stop() {
	echo '!hist:keys=location.sym,reason:vals=hitcount:size=4096 if protocol == 34525' \
		> "$T/events/skb/kfree_skb/trigger"
	echo '!hist:keys=name,len:vals=hitcount' > "$T/events/net/net_dev_queue/trigger"
}

# "COUNT REASON LOCATION" per histogram entry, reasons by name.
hist_rows() {
	local names
	names=$(grep -o '{ [0-9]*, "[A-Z0-9_]*" }' "$TRACEFS/events/skb/kfree_skb/format" |
		tr -d '{},"' | awk '{ print $1, $2 }')
	awk -v names="$names" '
		BEGIN { n = split(names, a, "\n"); for (i = 1; i <= n; i++) {
			split(a[i], p, " "); name[p[1]] = p[2] } }
		/^{ location:/ {
			loc = $0; sub(/^[^]]*\] /, "", loc); sub(/ *,? *reason:.*/, "", loc)
			sub(/\+.*/, "", loc)
			r = $0; sub(/.*reason: */, "", r); sub(/ .*/, "", r)
			c = $0; sub(/.*hitcount: */, "", c)
			print c, (r in name ? name[r] : r), loc
		}' "$T/events/skb/kfree_skb/hist"
}

# control REASON LOCATION: a drop of ICMPv6, not of a datagram: at the
# namespaces' output (new_ns), or in the ICMPv6 code (what the host's own
# stack gets, such as an error a drop made and the output rule missed).
control() { [[ $1 == NETFILTER_DROP || $2 =~ icmp|ndisc|mld|igmp6|ip6_mc_input ]]; }

drops() {
	local c r l sum=0
	while read -r c r l; do
		control "$r" "$l" || sum=$((sum + c))
	done < <(hist_rows)
	echo $sum
}

delivered() {
	local v sum=0
	for v in $(seq $NVM); do
		sum=$((sum + $(snmp6 "${NS_V[$v]}" Udp6InDatagrams)))
	done
	echo $sum
}

# -- The topology --------------------------------------------------------

mac() { ip -n "$1" -j link show "$2" | jq -r '.[0].address'; }

# new_ns NAME: a namespace of topo_new_ns that sends no ICMPv6: no
# neighbour discovery (neighbours are permanent, see link), no MLD report,
# no ICMPv6 error. Dropped at its output, these are counted apart
# (NETFILTER_DROP); elsewhere they would be dropped where the datagrams are
# (a port going down) and could not be told apart from them.
new_ns() {
	local ns
	ns=$(topo_new_ns "$1")
	ip netns exec "$ns" nft -f - <<-EOF
		table inet stress {
			chain out {
				type filter hook output priority 0;
				meta l4proto ipv6-icmp drop
			}
		}
	EOF
	echo "$ns"
}

# link NS_A IF_A ADDR_A NS_B IF_B ADDR_B: topo_link with permanent
# neighbours on both sides.
link() {
	topo_link "$@"
	ip -n "$1" neigh replace "$6" lladdr "$(mac "$4" "$5")" dev "$2" nud permanent
	ip -n "$4" neigh replace "$3" lladdr "$(mac "$1" "$2")" dev "$5" nud permanent
}

setup() {
	local h v
	trap cleanup EXIT
	TRAFFIC_DIR=$(mktemp -d)
	NS_CLIENT=$(new_ns client)
	NS_GW=$(new_ns gw)
	link "$NS_CLIENT" c-gw fc00:c::1 "$NS_GW" gw-c fc00:c::2
	n_client ip -6 route add default via fc00:c::2
	n_gw ip sr tunsrc set fc00:c::2
	for h in $(seq $NHOST); do
		NS_H[$h]=$(new_ns "s$h")
		link "$NS_GW" "gw-s$h" "fc00:$h::2" "${NS_H[$h]}" "s$h-gw" "fc00:$h::1"
		n_gw ip -6 route add "fc00:a$h::/64" via "fc00:$h::1"
		hip "$h" -6 route add default via "fc00:$h::2"
		# A deleted SID is then a counted no-route drop, not a loop.
		hip "$h" -6 route add unreachable "fc00:a$h::/64"
	done
	for v in $(seq $NVM); do
		NS_V[$v]=$(new_ns "vm$v")
		MODE[$v]=encap
		((v == 1)) && MODE[$v]=inline
		ip -n "${NS_V[$v]}" link add eth0 type veth peer name "vm$v" netns "${NS_H[$v]}"
		ip -n "${NS_V[$v]}" addr add "$(vip $v)/128" dev eth0 nodad
		ip -n "${NS_V[$v]}" link set eth0 up
		ip -n "${NS_V[$v]}" -6 route add fe80::1 dev eth0
		ip -n "${NS_V[$v]}" -6 route add default via fe80::1 dev eth0
		HOST[$v]=$v
		VM_MAC[$v]=$(mac "${NS_V[$v]}" eth0)
		port_up "$v"
	done
}

add_sids() {
	local h
	for h in $(seq $NHOST); do
		hip "$h" -6 route replace "$(fwp $h)/128" encap seg6local action End.FWP \
			count dev "s$h-gw"
		hip "$h" -6 route replace "$(bfw $h)/128" encap seg6local action End.BFW \
			buffer 2048 hold "$HOLD" count dev "s$h-gw"
	done
}

del_sids() {
	local h
	for h in $(seq $NHOST); do
		hip "$h" -6 route del "$(fwp $h)/128" 2>/dev/null || true
		hip "$h" -6 route del "$(bfw $h)/128" 2>/dev/null || true
	done
}

# port_up V: the VM's port up where it runs, its neighbour entry
# permanent (see new_ns), routed.
port_up() {
	local v=$1 h=${HOST[$1]}
	# One ip process: forks are what the churn spends its time on.
	hip "$h" -b - <<-EOF
		addr replace fe80::1/64 dev vm$v nodad
		link set vm$v up
		neigh replace $(vip $v) lladdr ${VM_MAC[$v]} dev vm$v nud permanent
		route replace $(vip $v)/128 dev vm$v
	EOF
}

# The gateway's changes, as seg6mig gw lines: V runs on H; V migrates
# from H to G.
run_line() { echo "set $(vip $1) run $(fwp $2) mode ${MODE[$1]} dev gw-s$2"; }
migrate_line() { echo "set $(vip $1) migrate $(fwp $2) $(bfw $3) mode ${MODE[$1]} dev gw-s$2"; }
gw_batch() { "$SEG6MIG" -n "$NS_GW" gw -batch -; }
gw_run_at() { gw_batch <<< "$(run_line "$1" "$2")"; }
cfg_gw() { cfg "$SEG6MIG" -n "$NS_GW" gw -batch -; }

bfw_qlen() {
	hip "$1" -s -j -6 route show "$(bfw $1)/128" | jq -r '.[0].mig_stats.qlen // 0'
}
bfw_holds() { (($(bfw_qlen "$1") > 0)); }
bfw_empty() { (($(bfw_qlen "$1") == 0)); }

# A random host other than V's.
other_host() {
	local g
	g=$((RANDOM % (NHOST - 1) + 1))
	((g >= HOST[$1])) && g=$((g + 1))
	echo $g
}

# -- The churn -------------------------------------------------------------

declare -A did=() took=()
side_sent=0

op_migrate() {
	local v=$1 h=${HOST[$1]} g
	g=$(other_host "$v")
	cfg_gw <<< "$(migrate_line "$v" "$h" "$g")"
	hip "$h" link set "vm$v" down
	# The downtime: the VM is paused (not a synchronisation).
	sleep "0.0$((RANDOM % 10))"
	hip "$h" link set "vm$v" netns "${NS_H[$g]}"
	HOST[$v]=$g
	port_up "$v"
	cfg_gw <<< "$(run_line "$v" "$g")"
}

op_flap() {
	local v=$1 h=${HOST[$1]}
	hip "$h" link set "vm$v" down
	sleep "0.0$((RANDOM % 5))"
	port_up "$v"
}

op_abort() {
	local v=$1 h=${HOST[$1]} g
	g=$(other_host "$v")
	cfg_gw <<< "$(migrate_line "$v" "$h" "$g")"
	hip "$h" link set "vm$v" down
	# Until End.BFW holds some of the VIP's packets (unless failslab kept
	# the gateway from steering them there).
	busywait 1000 bfw_holds "$g" || true
	if ((RANDOM % 2)); then
		cfg ip -n "${NS_H[$g]}" -b - <<< "route replace $(bfw $g)/128 encap seg6local \
action End.BFW buffer $((RANDOM % 4096)) hold $HOLD count dev s$g-gw"
	else
		cfg ip -n "${NS_H[$g]}" -b - <<< "route del $(bfw $g)/128"
		cfg ip -n "${NS_H[$g]}" -b - <<< "route add $(bfw $g)/128 encap seg6local \
action End.BFW buffer 2048 hold $HOLD count dev s$g-gw"
	fi
	port_up "$v"
	cfg_gw <<< "$(run_line "$v" "$h")"
}

SIDE_NS=
op_netns() {
	local a b n
	a=$(new_ns sidec)
	b=$(new_ns sideh)
	SIDE_NS="$a $b"
	link "$a" sc fc00:99::1 "$b" sh fc00:99::2
	cfg ip -n "$b" -b - <<< "route add fc00:99:b::b/128 encap seg6local action End.BFW \
buffer $((RANDOM % 512)) hold 60000 count dev sh"
	ip -n "$a" sr tunsrc set fc00:99::1
	ip -n "$a" -6 route add 2001:db8:99::1/128 encap seg6 mode encap \
		segs fc00:99:b::b via fc00:99::2 dev sc
	ip -n "$a" -6 route add fc00:99:b::/64 via fc00:99::2 dev sc
	ip netns exec "$a" "$UDPSEQ" send -d 2001:db8:99::1 -p 9 -n 300 -r 0 \
		> "$TRAFFIC_DIR/side" 2>&1
	n=$(awk '/^sent/ { print $2 }' "$TRAFFIC_DIR/side")
	[[ -n $n ]] && ! grep -q error "$TRAFFIC_DIR/side" ||
		fail "netns burst: $(cat "$TRAFFIC_DIR/side")"
	side_sent=$((side_sent + n))
	ip netns del "$a"
	ip netns del "$b"
	SIDE_NS=
}

op_read() {
	local h=$1
	"$SEG6MIG" -n "${NS_H[$h]}" show >/dev/null
	ip -n "${NS_H[$h]}" -s route show >/dev/null
}

churn() {
	local op v t0
	while senders_run; do
		v=$((RANDOM % NVM + 1))
		case $((RANDOM % 8)) in
		0 | 1 | 2) op="migrate" ;;
		3) op="flap" ;;
		4 | 5) op="abort" ;;
		6) op="netns" ;;
		7) op="read"; v=$((RANDOM % NHOST + 1)) ;;
		esac
		t0=$(date +%s%3N)
		"op_$op" "$v"
		did[$op]=$((${did[$op]:-0} + 1))
		took[$op]=$((${took[$op]:-0} + $(date +%s%3N) - t0))
	done
}

senders=()
senders_run() {
	local p
	for p in "${senders[@]}"; do
		kill -0 "$p" 2>/dev/null && return 0
	done
	return 1
}

# -- A round ---------------------------------------------------------------

recv_bound() { [[ -n $(ip netns exec "${NS_V[$1]}" ss -Hlun "sport = :$((PORT0 + $1))") ]]; }
refcnt_zero() { [[ $(cat /sys/module/seg6_mig/refcnt) == 0 ]]; }
# What holds the module: each End.FWP/End.BFW route holds one reference,
# until its teardown. Namespaces are found by their processes and names; one
# with neither, still alive, is only counted (net_namespace objects).
holders() {
	local pid ns n
	echo "seg6_mig refcount $(cat /sys/module/seg6_mig/refcnt)," \
		"net_namespace objects $(slab_objs net_namespace)," \
		"named namespaces $(ip netns list | wc -l)"
	for pid in $(lsns -t net -n -o PID); do
		n=$(nsenter -t "$pid" -n ip -6 route show table all | grep -cE 'End\.(FWP|BFW)')
		((n == 0)) || echo "  netns of pid $pid ($(cat "/proc/$pid/cmdline" | tr '\0' ' ')): $n route(s)"
	done
	for ns in $(ip netns list | awk '{ print $1 }'); do
		n=$(ip -n "$ns" -6 route show table all | grep -cE 'End\.(FWP|BFW)')
		((n == 0)) || echo "  netns $ns: $n route(s)"
	done
}
slab_back() { (($(slab_objs "$1") <= slab0[$1])); }
netns_flush() {
	ip netns add "s6m-flush-$$"
	ip netns del "s6m-flush-$$"
}
netns_flushed() { (($(slab_objs net_namespace) <= $(ip netns list | wc -l) + 1)); }

recv_empty() {
	local v
	for v in $(seq $NVM); do
		[[ $(ip netns exec "${NS_V[$v]}" ss -Hlun "sport = :$((PORT0 + v))" |
			awk '{ print $2 }') == 0 ]] || return 1
	done
}

adds_up() { (($(delivered) + $(drops) == want)); }

round() {
	local r=$1 v h n sent=0 d0 got=0 uniq=0 dropped reasons op t0=$SECONDS
	cfg_ok=0 cfg_failed=0 cfg_injected=0 side_sent=0
	did=() took=()
	senders=()
	insmod "$SEG6_MIG_KO"
	add_sids
	for v in $(seq $NVM); do
		port_up "$v"
		gw_run_at "$v" "${HOST[$v]}"
	done
	d0=$(delivered)
	hist_start
	for v in $(seq $NVM); do
		ip netns exec "${NS_V[$v]}" "$UDPSEQ" recv -p $((PORT0 + v)) -j \
			-w 600000 -t 600000 > "$TRAFFIC_DIR/recv.$v" &
		echo $! > "$TRAFFIC_DIR/recv.$v.pid"
	done
	for v in $(seq $NVM); do
		busywait 20000 recv_bound "$v" || fail "receiver of vm$v did not start"
	done
	for v in $(seq $NVM); do
		n_client nice -n 10 "$UDPSEQ" send -d "$(vip $v)" -p $((PORT0 + v)) \
			-n $((RATE * ROUND)) -r "$RATE" > "$TRAFFIC_DIR/send.$v" 2>&1 &
		senders+=($!)
	done
	churn
	wait "${senders[@]}"
	for v in $(seq $NVM); do
		n=$(awk '/^sent/ { print $2 }' "$TRAFFIC_DIR/send.$v")
		[[ -n $n ]] && ! grep -q error "$TRAFFIC_DIR/send.$v" ||
			fail "sender to vm$v: $(cat "$TRAFFIC_DIR/send.$v")"
		sent=$((sent + n))
	done
	sent=$((sent + side_sent))
	# The VMs where they are, the gateway on them, End.BFW's queues out;
	# then every SID goes, with what it still holds.
	add_sids
	for v in $(seq $NVM); do
		port_up "$v"
		gw_run_at "$v" "${HOST[$v]}"
	done
	for h in $(seq $NHOST); do
		busywait $((HOLD * 2)) bfw_empty "$h" || true
	done
	del_sids
	busywait 20000 refcnt_zero ||
		fail "round $r: seg6_mig in use with no route: $(holders)"
	want=$((sent + d0))
	if ! busywait 20000 adds_up; then
		hist_rows >&2
		grep -E '^\{ name: +vm' "$T/events/net/net_dev_queue/hist" >&2 || true
		fail "round $r: sent $sent (netns bursts $side_sent), delivered $(($(delivered) - d0)), dropped $(drops)"
	fi
	dropped=$(drops)
	reasons=$(hist_rows | while read -r n h v; do control "$h" "$v" || echo "$h $n"; done |
		awk '{ s[$1] += $2 } END { for (k in s) printf "%s %d, ", k, s[k] }')
	hist_stop
	busywait 20000 recv_empty || fail "round $r: a receiver left datagrams unread"
	for v in $(seq $NVM); do
		kill -TERM "$(cat "$TRAFFIC_DIR/recv.$v.pid")"
		wait "$(cat "$TRAFFIC_DIR/recv.$v.pid")" || fail "receiver of vm$v failed"
		got=$((got + $(jq -r .received < "$TRAFFIC_DIR/recv.$v")))
		uniq=$((uniq + $(jq -r .unique < "$TRAFFIC_DIR/recv.$v")))
	done
	assert_eq "round $r: datagrams the receivers read, against what the sockets took" \
		$(($(delivered) - d0)) $got
	assert_eq "round $r: duplicates" 0 $((got - uniq))
	rmmod seg6_mig
	echo "round $r: sent $sent (netns bursts $side_sent), delivered $got, dropped $dropped (${reasons%, })"
	printf 'round %d: churn' "$r"
	for op in "${!did[@]}"; do
		printf ' %s %d (%d ms each)' "$op" "${did[$op]}" $((took[$op] / did[$op]))
	done
	printf '; config commands %d ok, %d failed' "$cfg_ok" "$cfg_failed"
	[[ -z $FAULTS ]] || printf ' (%d had an allocation failed)' "$cfg_injected"
	printf '; %d s\n' $((SECONDS - t0))
	total_sent=$((total_sent + sent))
	total_delivered=$((total_delivered + got))
	total_dropped=$((total_dropped + dropped))
}

# -- The run ---------------------------------------------------------------

declare -A slab0=()
netns_flush
busywait 20000 netns_flushed || true
for s in $SLABS; do
	slab0[$s]=$(slab_objs "$s")
done
kmsg_mark
setup
# Routes of the previous tests' namespaces hold the module until those
# namespaces' cleanup (asynchronous) is done.
if [[ -d /sys/module/seg6_mig ]]; then
	busywait 30000 refcnt_zero ||
		fail "seg6_mig in use before the first round: $(holders)"
	rmmod seg6_mig
fi
# Failslab on (its static key follows the probability), failing nothing by
# itself (no task has make-it-fail), GFP_KERNEL allocations included: only
# fail-nth injects.
if [[ -n $FAULTS ]]; then
	echo 0 > "$FS/verbose"
	echo Y > "$FS/task-filter"
	echo N > "$FS/ignore-gfp-wait"
	echo 100 > "$FS/probability"
	echo "fault injection: the Nth allocation of each configuration command fails, N random in 1..$FAIL_NTH"
fi
total_sent=0 total_delivered=0 total_dropped=0
echo "$rounds round(s) of ${ROUND}s, $NVM VMs at $RATE datagrams/s each, $NHOST hosts"
for r in $(seq "$rounds"); do
	round "$r"
done
insmod "$SEG6_MIG_KO"
trap - EXIT
cleanup
netns_flush
for s in $SLABS; do
	[[ -n ${slab0[$s]} ]] || { echo "slab $s: merged into another cache, not checked"; continue; }
	busywait 30000 slab_back "$s" ||
		fail "slab $s: $(slab_objs "$s") objects in use, ${slab0[$s]} at the start; namespaces: $(ip netns list | tr '\n' ' ')$(lsns -t net -n 2>&1 | tr '\n' ';')"
	echo "slab $s: $(slab_objs "$s") objects in use, ${slab0[$s]} at the start"
done
echo "total: sent $total_sent, delivered $total_delivered, dropped with a reason $total_dropped"
