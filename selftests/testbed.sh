#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The migration test bed (SPEC section 5), on the namespaces of topology.sh
# (sourced by the migration test and the benchmarks; needs lib.sh):
#
#   client ---- gw ---- s1 (End.FWP)  -- vmport --+
#                 \      |                        |  vm: VIP, its sockets
#                  ---- s2 (End.FWP, End.BFW)     |  survive the move
#                               vmport <- moved --+
#
# A migration: the VM's port (the host end of its veth, vmport) goes down
# in s1 (VM paused), the downtime passes, the port moves into s2, v/128 is
# routed there and the port comes up (VM resumed); once its side of the
# link carries frames again, the VM announces itself (unsolicited NA), as
# a guest does after a live migration.
#
# The VM answers echo requests from user space (udpseq pong, see
# tb_setup), through a link of its own to the gateway,
# vm-ret, which does not move: a namespace keeps running while its port is
# down and drops the replies it was computing at the pause, which a paused
# VM would send after it resumes. So the meters see the path to the VM,
# the one seg6_mig handles, and not an artefact of the emulated pause.
#
# Mechanisms (paper section IV):
#   none       no migration (the meters' floor)
#   baseline   gateway R(s1); the controller sets R(s2) a controller delay
#              after the VM resumed
#   sr-drop    gateway M(s1,s2) before the migration, End.BFW buffer 0;
#              R(s2) a controller delay after the VM resumed
#   sr-buffer  the same with End.BFW buffering (buffer TB_BUFFER packets)
# Gateway modes: inline (T.Insert) and encap (T.Encaps). The gateway is set
# with seg6mig gw (gw_run, gw_migrate): one nexthop replace per change.
#
# Meters, run from the client towards the VIP while the VM migrates, both
# udpseq (selftests/tools), both with -R (packets held over the downtime,
# their latency, the release delay after the port came up) and -o (every
# arrival: seq, send and receive time, in $TRAFFIC_DIR/*.arrivals):
#   ping   ICMPv6 echo every TB_PING_MS, answered by the VM's kernel;
#   udp    datagrams at a rate, to a receiver in the VM.
#
# Use:
#   tb_setup MECH MODE
#   tb_ping_start; tb_udp_start RATE
#   tb_wait_flowing
#   tb_migrate DOWNTIME_MS CTRL_DELAY_MS
#   tb_finish [TAIL_MS]      # stops the meters TAIL_MS later, waits for them
#   tb_result                # one JSON line: mechanism, mode, downtime, ping, udp
#   tb_get ping.lost ...     # fields of that result
#
# TCP workloads (HTTP, iperf3), each on its own, the same migration:
#   tb_setup MECH MODE; tb_fabric_mtu
#   tb_http_start RATE  or  tb_iperf_start SECONDS
#   tb_http_wait_flowing / tb_iperf_wait_flowing
#   tb_migrate DOWNTIME_MS CTRL_DELAY_MS
#   tb_http_finish [TAIL_MS]  or  tb_iperf_finish
#   tb_load_result           # one JSON line: mechanism, mode, downtime, http, iperf

source "$(dirname "${BASH_SOURCE[0]}")/topology.sh"

# Tunables (environment): ping interval, End.BFW buffer, hold time and
# settle time, UDP port. The settle time covers how much later packets
# through s1 may arrive than those sent straight to s2 after the gateway's
# switch: under TCG, guests stall for tens of milliseconds.
TB_PING_MS=${TB_PING_MS:-1}
TB_BUFFER=${TB_BUFFER:-8192}
TB_HOLD=${TB_HOLD:-5000}
TB_SETTLE=${TB_SETTLE:-300}
TB_PORT=${TB_PORT:-6000}

TB_MECH=
TB_RATE=0
TB_PING_PID=
TB_SEND_PID=

# Time in ns, CLOCK_REALTIME, without a fork (what udpseq and ping stamp).
tb_now_ns() {
	local t=$EPOCHREALTIME
	echo "${t/./}000"
}

# tb_setup MECH MODE: the topology with the VM on s1, the hosts' SIDs, the
# gateway in R(s1), every neighbour on the path resolved.
tb_setup() {
	TB_MECH=$1
	case $TB_MECH in
	none | baseline | sr-drop | sr-buffer) ;;
	*) fail "tb_setup: unknown mechanism '$TB_MECH'" ;;
	esac
	TB_RATE=0 TB_PING_PID= TB_SEND_PID= TB_ANNOUNCE_PID=
	TB_HTTP_RATE=0 TB_HTTP_PID= TB_HTTP_SRV_PID= TB_IPERF_PID= TB_IPERF_SRV_PID=
	topo_setup "$2"
	FAIL_HOOK=tb_dump
	topo_link "$NS_VM" vm-ret fc00:f::2 "$NS_GW" gw-vm fc00:f::1
	n_vm ip -6 route replace default via fc00:f::1 dev vm-ret
	# The VM answers from the CPU that received the request; each veth hop
	# queues to that CPU's backlog, so replies to requests received on two
	# CPUs could swap on the way back. Received on CPU 0 at the gateway
	# (RPS), they stay in the order the VM sent them.
	n_gw sh -c 'echo 1 > /sys/class/net/gw-vm/queues/rx-0/rps_cpus'
	# The VM answers echo requests from user space (udpseq pong): the
	# kernel's replies would wait, charged to a per-CPU ICMP socket with a
	# fixed 128 KiB send buffer, until the gateway's CPU takes them, and
	# those that do not fit are dropped (Icmp6OutErrors) when that CPU
	# stalls or a release hands over hundreds of held requests at once.
	n_vm sysctl -qw net.ipv6.icmp.echo_ignore_all=1
	n_vm "$UDPSEQ" pong -a "$VIP" > "$TRAFFIC_DIR/pong.out" 2>&1 &
	busywait 10000 tb_pong_listens || fail "udpseq pong did not start: $(cat "$TRAFFIC_DIR/pong.out")"
	add_fwp 1 count
	add_fwp 2 count
	case $TB_MECH in
	sr-drop) add_bfw count buffer 0 ;;
	sr-buffer) add_bfw count buffer "$TB_BUFFER" hold "$TB_HOLD" settle "$TB_SETTLE" ;;
	esac
	# A release of rate x downtime packets at once: room in the backlog
	# (global, but the guest runs nothing else).
	sysctl -qw net.core.netdev_max_backlog=100000
	n_client ping -6 -c 1 -W 5 "$VIP" >/dev/null || fail "$TB_MECH: VM unreachable"
	echo 0 > "$TRAFFIC_DIR/resume"
	echo 0 > "$TRAFFIC_DIR/pause"
}

tb_pong_listens() { n_vm ss -Hwan | grep -q ':58 '; }

# tb_reorders METER: the arrivals that came after a higher seq, with their
# send and receive times relative to the resume time (ms), and the time the
# gateway was set to R(s2), also relative to the resume.
tb_reorders() {
	local f=$TRAFFIC_DIR/$1.arrivals
	[[ -f $f ]] || return 0
	awk -v r="$(cat "$TRAFFIC_DIR/resume")" -v sw="$(cat "$TRAFFIC_DIR/switch" 2>/dev/null || echo 0)" -v m="$1" '
		NR == 1 { if (sw > 0) printf "%s: gateway R(s2) at %+.3f ms\n", m, (sw - r) / 1e6 }
		NR > 1 && $1 < max && n++ < 10 {
			printf "%s: seq %d after %d: sent %+.3f ms, received %+.3f ms (from the resume)\n",
				m, $1, max, ($2 - r) / 1e6, ($3 - r) / 1e6
		}
		$1 > max { max = $1 }' "$f"
}

# tb_gaps METER: the runs of seqs that never arrived, with the send times
# of the arrivals on either side, relative to the pause, the resume and
# the gateway's switch to R(s2) (ms).
tb_gaps() {
	local f=$TRAFFIC_DIR/$1.arrivals
	[[ -f $f ]] || return 0
	sort -n -k1,1 "$f" | awk -v p="$(cat "$TRAFFIC_DIR/pause")" \
		-v r="$(cat "$TRAFFIC_DIR/resume")" \
		-v sw="$(cat "$TRAFFIC_DIR/switch" 2>/dev/null || echo 0)" \
		-v tm="$(cat "$TRAFFIC_DIR/to_m" 2>/dev/null || echo 0)" -v m="$1" '
		function rel(t) { return sprintf("M(s1,s2) %+.1f, pause %+.1f, resume %+.1f, switch %+.1f", (t - tm) / 1e6, (t - p) / 1e6, (t - r) / 1e6, (t - sw) / 1e6) }
		NR > 1 && $1 > prev + 1 && n++ < 10 {
			printf "%s: seqs %d-%d lost: sent after %s; before %s\n", m, prev + 1, $1 - 1, rel(prev_t), rel($2)
		}
		{ prev = $1; prev_t = $2 }'
}

tb_dump() {
	topo_dump
	tb_reorders udp
	tb_reorders ping
	tb_gaps ping
	tb_gaps udp
	echo "--- vm: Icmp6InEchos $(vm_counter Icmp6InEchos) Udp6InDatagrams $(vm_counter Udp6InDatagrams)"
	echo "--- vm: $(n_vm awk '$2 != 0 && $1 ~ /^(Ip6|Icmp6)/ { printf "%s %s ", $1, $2 }' /proc/net/snmp6)"
	echo "--- vm: $(n_vm awk '/^Icmp:/ { if (!h) { split($0, k); h = 1 } else for (i = 2; i <= NF; i++) if ($i != 0) printf "%s %s ", k[i], $i }' /proc/net/snmp)"
	# Where else a packet can go: the client's sends, the gateway's drops.
	echo "--- client: $(n_client awk '$2 != 0 && $1 ~ /^(Ip6Out|Icmp6Out|Icmp6In|Ip6InNo)/ { printf "%s %s ", $1, $2 }' /proc/net/snmp6)"
	echo "--- gw: $(n_gw awk '$2 != 0 && $1 ~ /(Discards|NoRoutes|Errors|TooBig|Icmp6Out)/ { printf "%s %s ", $1, $2 }' /proc/net/snmp6)"
	# Below IPv6: the CPUs' backlogs, the veths' own drops.
	echo "--- softnet dropped (all CPUs, since boot): $(softnet_drops)"
	local ns
	for ns in "$NS_GW" "$NS_S1" "$NS_S2" "$NS_VM"; do
		echo "--- link drops in ${ns%%-[0-9]*}: $(ip -n "$ns" -s -j link show |
			jq -r '.[] | select(.stats64.rx.dropped + .stats64.tx.dropped > 0) |
				"\(.ifname) rx \(.stats64.rx.dropped) tx \(.stats64.tx.dropped)"' | tr '\n' ' ')"
	done
	[[ -f $TRAFFIC_DIR/ping.out ]] && echo "--- ping: $(cat "$TRAFFIC_DIR/ping.out")"
	[[ -s $TRAFFIC_DIR/ping.err ]] && echo "--- ping stderr: $(cat "$TRAFFIC_DIR/ping.err")"
	[[ -s $TRAFFIC_DIR/send.out ]] && echo "--- udp sender: $(cat "$TRAFFIC_DIR/send.out")"
	return 0
}

# Meters run until tb_finish stops them (at most TB_MAX_SECONDS). Both
# senders are pinned to CPU 0: a sender that moves to another CPU while
# the first one's backlog still holds its packets (a TCG vCPU can stall
# for 200 ms) reorders its own flow through the veths, before any SID.

TB_MAX_SECONDS=${TB_MAX_SECONDS:-60}

# tb_ping_start: the client pings the VIP every TB_PING_MS (udpseq ping:
# ICMPv6 echo at a rate that holds while replies are missing).
tb_ping_start() {
	local rate=$((1000 / TB_PING_MS))
	ip netns exec "$NS_CLIENT" taskset -c 0 "$UDPSEQ" ping -d "$VIP" -n $((rate * TB_MAX_SECONDS)) \
		-r $rate -w 3000 -j -R "$TRAFFIC_DIR/resume" \
		-o "$TRAFFIC_DIR/ping.arrivals" > "$TRAFFIC_DIR/ping.out" 2> "$TRAFFIC_DIR/ping.err" &
	TB_PING_PID=$!
}

# tb_udp_start RATE: udpseq from the client to the VM at RATE pkt/s. The
# receiver runs until tb_finish stops it: a migration under TCG can leave
# it without a datagram for seconds (baseline), which must show as loss.
tb_udp_start() {
	TB_RATE=$1
	recv_start "$TB_PORT" -w 30000 -t 120000 -R "$TRAFFIC_DIR/resume" \
		-o "$TRAFFIC_DIR/udp.arrivals"
	ip netns exec "$NS_CLIENT" taskset -c 0 "$UDPSEQ" send -d "$VIP" -p "$TB_PORT" \
		-n $((TB_RATE * TB_MAX_SECONDS)) -r "$TB_RATE" > "$TRAFFIC_DIR/send.out" 2>&1 &
	TB_SEND_PID=$!
}

vm_counter() {
	n_vm awk -v k="$1" '$1 == k { print $2 }' /proc/net/snmp6
}

tb_flowing() {
	[[ -z $TB_PING_PID ]] || (($(vm_counter Icmp6InEchos) >= 100 / TB_PING_MS)) || return 1
	((TB_RATE == 0)) || (($(vm_counter Udp6InDatagrams) >= TB_RATE / 5)) || return 1
}

# tb_wait_flowing: the meters' traffic reaches the VM (a fifth of a second
# of it), the point from which a migration is measured.
tb_wait_flowing() {
	busywait 30000 tb_flowing || fail "$TB_MECH: traffic does not reach the VM"
}

# tb_migrate DOWNTIME_MS CTRL_DELAY_MS: migrate the VM s1 -> s2 with the
# controller of the mechanism (nothing for none). The pause and resume times
# go to $TRAFFIC_DIR/pause and resume (ns); the resume time is taken just
# before the `ip` run that sets the port up and routes v/128, so the release
# delay measured from it includes that command's own run time (reported as
# resume_cmd_ms). The downtime is pause to resume, the move included; a
# move slower than DOWNTIME_MS makes it longer (the result says).
tb_migrate() {
	local downtime=$1 delay=$2 t0 left
	# When it would start, for none too (the TCP workloads' time origin).
	tb_now_ns > "$TRAFFIC_DIR/migrate"
	[[ $TB_MECH == none ]] && return 0
	if [[ $TB_MECH == sr-* ]]; then
		tb_now_ns > "$TRAFFIC_DIR/to_m"
		gw_migrate
	fi
	ip -n "$NS_S1" link set vmport down
	t0=$(tb_now_ns)
	echo "$t0" > "$TRAFFIC_DIR/pause"
	# The move itself (slow under TCG) counts towards the downtime.
	ip -n "$NS_S1" link set vmport netns "$NS_S2"
	left=$((downtime * 1000000 - ($(tb_now_ns) - t0)))
	((left <= 0)) || sleep "$(tb_secs $left)"
	# Address, up and routed in one `ip` run (a route needs the port up).
	tb_now_ns > "$TRAFFIC_DIR/resume.tmp"
	printf '%s\n' "addr replace fe80::1/64 dev vmport nodad" "link set vmport up" \
		"route replace $VIP/128 dev vmport" | ip -n "$NS_S2" -b -
	tb_now_ns > "$TRAFFIC_DIR/resumed"
	mv "$TRAFFIC_DIR/resume.tmp" "$TRAFFIC_DIR/resume"
	tb_announce &
	TB_ANNOUNCE_PID=$!
	sleep "$(tb_secs $((delay * 1000000)))"
	gw_run 2
	tb_now_ns > "$TRAFFIC_DIR/switch"
}

vm_link_up() {
	[[ $(n_vm cat /sys/class/net/eth0/operstate) == up ]]
}

# tb_announce: the resumed VM announces its address twice, 50 ms apart (a
# guest's announce rounds), once its link is up again.
tb_announce() {
	busywait 10000 vm_link_up || fail "$TB_MECH: the VM's link stays down"
	n_vm "$UDPSEQ" announce -a "$VIP" -i eth0
	sleep 0.05
	n_vm "$UDPSEQ" announce -a "$VIP" -i eth0
}

# tb_quiet: the VM received no datagram for 500 ms.
tb_quiet() {
	local before
	before=$(vm_counter Udp6InDatagrams)
	sleep 0.5
	(($(vm_counter Udp6InDatagrams) == before))
}

# tb_secs NS: nanoseconds as seconds for sleep (no fork).
tb_secs() {
	printf '%d.%09d' $(($1 / 1000000000)) $(($1 % 1000000000))
}

# tb_finish [TAIL_MS]: let the meters run TAIL_MS more (default 1000),
# stop them and wait for their results.
tb_finish() {
	sleep "$(tb_secs $((${1:-1000} * 1000000)))"
	[[ -z $TB_ANNOUNCE_PID ]] || wait "$TB_ANNOUNCE_PID" ||
		fail "$TB_MECH: the VM did not announce itself"
	[[ -z $TB_PING_PID ]] || kill -TERM "$TB_PING_PID"
	if [[ -n $TB_SEND_PID ]]; then
		kill -TERM "$TB_SEND_PID"
		wait "$TB_SEND_PID" || fail "$TB_MECH: udpseq send failed: $(cat "$TRAFFIC_DIR/send.out")"
		# What is still in flight arrives, then the receiver stops.
		busywait 30000 tb_quiet ||
			fail "$TB_MECH: datagrams keep arriving after the sender stopped"
		recv_stop "$TB_PORT"
	fi
	if [[ -n $TB_PING_PID ]]; then
		wait "$TB_PING_PID" || fail "$TB_MECH: udpseq ping failed: $(cat "$TRAFFIC_DIR/ping.err")"
	fi
}

# tb_result: the run as one JSON line, also kept in $TRAFFIC_DIR/result.json
# for tb_get.
tb_result() {
	local pause resume resumed ping=null udp=null sent=0
	pause=$(cat "$TRAFFIC_DIR/pause")
	resume=$(cat "$TRAFFIC_DIR/resume")
	resumed=$(cat "$TRAFFIC_DIR/resumed" 2>/dev/null || echo 0)
	[[ -n $TB_PING_PID ]] && ping=$(cat "$TRAFFIC_DIR/ping.out")
	if [[ -n $TB_SEND_PID ]]; then
		udp=$(cat "$TRAFFIC_DIR/recv.$TB_PORT")
		sent=$(awk '/^sent/ { print $2 }' "$TRAFFIC_DIR/send.out")
	fi
	jq -c -n --arg mech "$TB_MECH" --arg mode "$GW_MODE" \
		--argjson rate "$TB_RATE" --argjson pause "$pause" --argjson resume "$resume" \
		--argjson resumed "$resumed" --argjson ping "$ping" --argjson udp "$udp" \
		--argjson sent "$sent" \
		'def ms: . / 1e6 | . * 1000 | round / 1000;
		 {mechanism: $mech, mode: $mode, udp_rate: $rate, udp_sent: $sent,
		  downtime_ms: (if $resume > 0 then ($resume - $pause | ms) else 0 end),
		  resume_cmd_ms: (if $resume > 0 then ($resumed - $resume | ms) else 0 end),
		  ping: $ping, udp: $udp}' > "$TRAFFIC_DIR/result.json"
	cat "$TRAFFIC_DIR/result.json"
}

# tb_get FIELD: a field of the last tb_result (jq path without the dot).
tb_get() {
	jq -r ".$1" < "$TRAFFIC_DIR/result.json"
}

# tb_bfw_stat NAME: a counter of s2's End.BFW (sr-drop, sr-buffer).
tb_bfw_stat() {
	mig_stat 2 $S2_BFW "$1"
}

# ---------------------------------------------------------------- TCP
#
# HTTP (httpload, selftests/tools) and iperf3, client -> VM: the server in
# the VM answers through vm-ret (see above), so only the client's packets
# (SYNs, requests, data) take the path that migrates; a lost one costs a
# TCP retransmission timer (1 s for a SYN, >= 200 ms for data).

HTTPLOAD=${SEG6_MIG_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}/selftests/tools/httpload
TB_HTTP_PORT=${TB_HTTP_PORT:-8080}
TB_HTTP_TIMEOUT=${TB_HTTP_TIMEOUT:-10000}
TB_IPERF_PORT=${TB_IPERF_PORT:-5201}
TB_IPERF_FLOWS=${TB_IPERF_FLOWS:-50}
# The interval of "during the migration": from its start to this long
# after the resume (TCP's recovery included).
TB_IPERF_WINDOW_MS=${TB_IPERF_WINDOW_MS:-3000}
TB_IPERF_SKIP_MS=${TB_IPERF_SKIP_MS:-1000}

TB_HTTP_PID=
TB_HTTP_SRV_PID=
TB_HTTP_RATE=0
TB_IPERF_PID=
TB_IPERF_SRV_PID=

# tb_fabric_mtu [MTU]: the links between gateway and hosts carry MTU
# bytes (default 1600), room for the SRH on full-sized client packets as a
# data-center fabric has. At 1500 the gateway could not add it (inline:
# the packet too big is reported to a client already at 1500; encap: to
# the gateway itself), and TCP at full size would stall.
tb_fabric_mtu() {
	local mtu=${1:-1600} l
	for l in "$NS_GW gw-s1" "$NS_GW gw-s2" "$NS_S1 s1-gw" "$NS_S2 s2-gw" \
		 "$NS_S1 s1-s2" "$NS_S2 s2-s1"; do
		ip -n "${l% *}" link set "${l#* }" mtu "$mtu"
	done
}

tb_tcp_listens() { [[ -n $(n_vm ss -Hltn "sport = :$1") ]]; }

# vm_tcp_counter NAME: the VM's Tcp counter NAME (/proc/net/snmp).
vm_tcp_counter() {
	n_vm awk -v k="$1" '/^Tcp:/ { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 } else print $c[k] }' \
		/proc/net/snmp
}

# tb_http_start RATE: httpload serve in the VM (12 KB answers), httpload
# get in the client with Poisson arrivals at RATE req/s, until
# tb_http_finish (at most TB_MAX_SECONDS). Every request's times go to
# $TRAFFIC_DIR/http.requests.
tb_http_start() {
	TB_HTTP_RATE=$1
	# Not through n_vm: $! must be the program itself.
	ip netns exec "$NS_VM" "$HTTPLOAD" serve -b "$VIP" -p "$TB_HTTP_PORT" -j \
		> "$TRAFFIC_DIR/http.srv" 2>&1 &
	TB_HTTP_SRV_PID=$!
	busywait 10000 tb_tcp_listens "$TB_HTTP_PORT" ||
		fail "httpload serve did not start: $(cat "$TRAFFIC_DIR/http.srv")"
	ip netns exec "$NS_CLIENT" "$HTTPLOAD" get -d "$VIP" -p "$TB_HTTP_PORT" \
		-r "$TB_HTTP_RATE" -T $((TB_MAX_SECONDS * 1000)) -t "$TB_HTTP_TIMEOUT" -j \
		-o "$TRAFFIC_DIR/http.requests" > "$TRAFFIC_DIR/http.out" 2> "$TRAFFIC_DIR/http.err" &
	TB_HTTP_PID=$!
}

tb_http_flowing() {
	(($(vm_tcp_counter PassiveOpens) >= TB_HTTP_RATE / 5 + 1))
}

# tb_http_wait_flowing: the VM accepted a fifth of a second of requests.
tb_http_wait_flowing() {
	busywait 30000 tb_http_flowing || fail "$TB_MECH: HTTP requests do not reach the VM"
}

# tb_http_finish [TAIL_MS]: arrivals go on TAIL_MS more (default 2000),
# then stop; the requests in flight end (answered or timed out), then the
# server stops.
tb_http_finish() {
	sleep "$(tb_secs $((${1:-2000} * 1000000)))"
	[[ -z $TB_ANNOUNCE_PID ]] || wait "$TB_ANNOUNCE_PID" ||
		fail "$TB_MECH: the VM did not announce itself"
	TB_ANNOUNCE_PID=
	kill -TERM "$TB_HTTP_PID"
	wait "$TB_HTTP_PID" || fail "$TB_MECH: httpload get failed: $(cat "$TRAFFIC_DIR/http.err")"
	kill -TERM "$TB_HTTP_SRV_PID"
	wait "$TB_HTTP_SRV_PID" || fail "$TB_MECH: httpload serve failed: $(cat "$TRAFFIC_DIR/http.srv")"
}

# tb_iperf_start SECONDS: iperf3 server in the VM (one test), client with
# TB_IPERF_FLOWS parallel flows towards it for SECONDS, a report every
# 0.5 s (JSON, $TRAFFIC_DIR/iperf.json). The client's exit time goes to
# $TRAFFIC_DIR/iperf.end: iperf3's intervals are relative to its test's
# start, which is that minus the test's duration (to within the results
# exchange at the end, milliseconds).
tb_iperf_start() {
	ip netns exec "$NS_VM" iperf3 -s -1 -B "$VIP" -p "$TB_IPERF_PORT" \
		> "$TRAFFIC_DIR/iperf.srv" 2>&1 &
	TB_IPERF_SRV_PID=$!
	busywait 10000 tb_tcp_listens "$TB_IPERF_PORT" ||
		fail "iperf3 -s did not start: $(cat "$TRAFFIC_DIR/iperf.srv")"
	tb_now_ns > "$TRAFFIC_DIR/iperf.launch"
	{
		ip netns exec "$NS_CLIENT" iperf3 -c "$VIP" -p "$TB_IPERF_PORT" \
			-P "$TB_IPERF_FLOWS" -t "$1" -i 0.5 -J > "$TRAFFIC_DIR/iperf.json" \
			2> "$TRAFFIC_DIR/iperf.err"
		echo $? > "$TRAFFIC_DIR/iperf.rc"
		tb_now_ns > "$TRAFFIC_DIR/iperf.end"
	} &
	TB_IPERF_PID=$!
}

tb_iperf_flowing() {
	(($(n_vm ss -Htn state established "sport = :$TB_IPERF_PORT" | wc -l) > TB_IPERF_FLOWS))
}

# tb_iperf_wait_flowing: the control connection and every flow are up.
tb_iperf_wait_flowing() {
	busywait 30000 tb_iperf_flowing || fail "$TB_MECH: iperf3's flows do not reach the VM"
}

# tb_iperf_finish: the test ends at its duration; the server with it.
tb_iperf_finish() {
	[[ -z $TB_ANNOUNCE_PID ]] || wait "$TB_ANNOUNCE_PID" ||
		fail "$TB_MECH: the VM did not announce itself"
	TB_ANNOUNCE_PID=
	wait "$TB_IPERF_PID"
	[[ $(cat "$TRAFFIC_DIR/iperf.rc") == 0 ]] ||
		fail "$TB_MECH: iperf3 -c failed: $(cat "$TRAFFIC_DIR/iperf.err") $(jq -r .error "$TRAFFIC_DIR/iperf.json" 2>/dev/null)"
	wait "$TB_IPERF_SRV_PID" || fail "$TB_MECH: iperf3 -s failed: $(tail -n 3 "$TRAFFIC_DIR/iperf.srv")"
}

# tb_ref_ns: the times of the TCP workloads are relative to the VM's
# resume, or for none to the moment the migration would have started.
tb_ref_ns() {
	local r
	r=$(cat "$TRAFFIC_DIR/resume")
	((r > 0)) || r=$(cat "$TRAFFIC_DIR/migrate")
	echo "$r"
}

# tb_http_requests: one line per request, 'start_ms response_ms result'
# (start relative to tb_ref_ns; response time of a failed request: the
# time it failed after).
tb_http_requests() {
	awk -v r="$(tb_ref_ns)" '{ printf "%.3f %.3f %s\n", ($2 - r) / 1e6, ($3 - $2) / 1e6, $4 }' \
		"$TRAFFIC_DIR/http.requests"
}

# tb_iperf_intervals: one line per report, 'start_ms end_ms Mbit/s'
# (relative to tb_ref_ns), aggregate of all flows.
tb_iperf_intervals() {
	local origin
	origin=$(jq -r --argjson e "$(cat "$TRAFFIC_DIR/iperf.end")" \
		'$e - (.["end"].sum_sent["end"] * 1e9) | floor' "$TRAFFIC_DIR/iperf.json")
	jq -r --argjson o "$origin" --argjson r "$(tb_ref_ns)" \
		'.intervals[].sum | "\(($o + .start * 1e9 - $r) / 1e6 | floor) \(($o + .end * 1e9 - $r) / 1e6 | floor) \(.bits_per_second / 1e6 * 1000 | round / 1000)"' \
		"$TRAFFIC_DIR/iperf.json"
}

# tb_iperf_summary: the aggregate throughput's mean, minimum and 5th
# percentile (nearest rank) over the whole test and over the reports that
# overlap the migration (its start to TB_IPERF_WINDOW_MS after the resume).
# A last report shorter than 250 ms (the test's end cuts it) is left out,
# and so are those of the first TB_IPERF_SKIP_MS (1000: 50 flows' slow
# start).
tb_iperf_summary() {
	local mig
	mig=$((($(cat "$TRAFFIC_DIR/migrate") - $(tb_ref_ns)) / 1000000))
	tb_iperf_intervals | jq -R -s -c --argjson mig "$mig" --argjson win "$TB_IPERF_WINDOW_MS" \
		--argjson skip "$TB_IPERF_SKIP_MS" \
		--slurpfile j "$TRAFFIC_DIR/iperf.json" '
		def p5: sort | .[((length * 0.05) | ceil | if . < 1 then 1 else . end) - 1];
		def r3: . * 1000 | round / 1000;
		[split("\n")[] | select(length > 0) | split(" ") | map(tonumber)
		 | {t0: .[0], t1: .[1], mbps: .[2]} | select(.t1 - .t0 >= 250)]
		| (.[0].t0 // 0) as $s | map(select(.t0 >= $s + $skip)) as $iv
		| ($iv | map(.mbps)) as $all
		| ($iv | map(select(.t1 > $mig and .t0 < $win)) | map(.mbps)) as $w
		| {flows: ($j[0].start.test_start.num_streams), intervals: ($iv | length),
		   mean_mbps: ($all | add / length | r3), min_mbps: ($all | min), p5_mbps: ($all | p5),
		   window_intervals: ($w | length), window_mean_mbps: (if ($w | length) > 0 then ($w | add / length | r3) else null end),
		   window_min_mbps: ($w | min), window_p5_mbps: (if ($w | length) > 0 then ($w | p5) else null end),
		   sent_mbps: ($j[0]["end"].sum_sent.bits_per_second / 1e6 | r3),
		   received_mbps: ($j[0]["end"].sum_received.bits_per_second / 1e6 | r3),
		   retransmits: $j[0]["end"].sum_sent.retransmits}'
}

# tb_load_result: the run of a TCP workload as one JSON line (mechanism,
# mode, downtime, the HTTP client's summary and the server's, the iperf3
# summary), also kept in $TRAFFIC_DIR/result.json for tb_get.
tb_load_result() {
	local pause resume resumed http=null srv=null iperf=null
	pause=$(cat "$TRAFFIC_DIR/pause")
	resume=$(cat "$TRAFFIC_DIR/resume")
	resumed=$(cat "$TRAFFIC_DIR/resumed" 2>/dev/null || echo 0)
	if [[ -n $TB_HTTP_PID ]]; then
		http=$(cat "$TRAFFIC_DIR/http.out")
		srv=$(cat "$TRAFFIC_DIR/http.srv")
	fi
	[[ -z $TB_IPERF_PID ]] || iperf=$(tb_iperf_summary)
	jq -c -n --arg mech "$TB_MECH" --arg mode "$GW_MODE" --argjson rate "$TB_HTTP_RATE" \
		--argjson pause "$pause" --argjson resume "$resume" --argjson resumed "$resumed" \
		--argjson http "$http" --argjson srv "$srv" --argjson iperf "$iperf" \
		'def ms: . / 1e6 | . * 1000 | round / 1000;
		 {mechanism: $mech, mode: $mode,
		  downtime_ms: (if $resume > 0 then ($resume - $pause | ms) else 0 end),
		  resume_cmd_ms: (if $resume > 0 then ($resumed - $resume | ms) else 0 end)}
		 + (if $http != null then {http_rate: $rate, http: $http, http_server: $srv} else {} end)
		 + (if $iperf != null then {iperf: $iperf} else {} end)' > "$TRAFFIC_DIR/result.json"
	cat "$TRAFFIC_DIR/result.json"
}

# --- Several VMs, several migrations (bench/scenarios.sh) -----------------
#
# The single-VM API above stays as it is; VM 1 below is its VM (NS_VM,
# vmport, VIP). tb_vm_add I adds VM I (2, 3, ...) on s1, built as VM 1 is:
# namespace TB_VM_NS[I], port vmport$I, VIP tb_vip I, its own return link
# to the gateway (vm-ret, gw-vm$I), its own udpseq pong, the gateway in
# R(s1) for it. Meters per VM (tb_vm_ping_start, tb_vm_udp_start: files
# ping.I.* and udp.I.* in $TRAFFIC_DIR), migrations of any set of VMs
# between any two hosts (tb_vm_migrate), an aborted one (tb_vm_abort).
# Each migration appends "pause resume switch" (ns) to
# $TRAFFIC_DIR/migrations; pause and resume hold the last one's, as for
# tb_migrate.
#
#   tb_setup MECH MODE; tb_vm_add 2; tb_vm_add 3; tb_add_bfw 1
#   tb_vm_ping_start I; tb_vm_udp_start I RATE     (each I)
#   tb_vm_wait_flowing I...
#   tb_vm_migrate FROM TO DOWNTIME_MS CTRL_DELAY_MS I...
#   tb_vm_finish TAIL_MS I...
#   tb_vm_result I            # one JSON object: vm, vip, ping, udp, held per migration

readonly S1_BFW=fc00:a1::b

declare -A TB_VM_NS=()
declare -A TB_VM_PING_PID=() TB_VM_SEND_PID=() TB_VM_RECV_PID=() TB_VM_RATE=()
TB_VM_ANNOUNCE_PIDS=
# Run after each resume of tb_vm_migrate/tb_vm_abort: HOOK HOST I...
TB_VM_RESUME_HOOK=

# tb_vm_setup MECH MODE N: tb_setup, then VMs 2..N on s1 (VM 1 is tb_setup's).
tb_vm_setup() {
	local i
	tb_setup "$1" "$2"
	TB_VM_NS=() TB_VM_PING_PID=() TB_VM_SEND_PID=() TB_VM_RECV_PID=() TB_VM_RATE=()
	TB_VM_ANNOUNCE_PIDS=
	for ((i = 2; i <= $3; i++)); do tb_vm_add $i; done
}

tb_vip() {
	if (($1 == 1)); then echo "$VIP"; else printf '2001:db8::%x\n' $((0x10 + $1 - 1)); fi
}
tb_port() {
	if (($1 == 1)); then echo vmport; else echo "vmport$1"; fi
}
tb_vm_ns() {
	if (($1 == 1)); then echo "$NS_VM"; else echo "${TB_VM_NS[$1]}"; fi
}
# n_vmi I CMD...: run in VM I's namespace.
n_vmi() {
	local ns
	ns=$(tb_vm_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}
tb_fwp_sid() { if (($1 == 1)); then echo "$S1_FWP"; else echo "$S2_FWP"; fi; }
tb_bfw_sid() { if (($1 == 1)); then echo "$S1_BFW"; else echo "$S2_BFW"; fi; }

# tb_vm_add I: VM I on s1, answering pings, the gateway in R(s1) for it.
tb_vm_add() {
	local i=$1 ns vip port
	vip=$(tb_vip "$i") port=$(tb_port "$i")
	ns=$(topo_new_ns "vm$i")
	TOPO_EXTRA_NS+=("$ns")
	TB_VM_NS[$i]=$ns
	ip -n "$ns" link add eth0 type veth peer name "$port" netns "$NS_S1"
	ip -n "$ns" addr add "$vip/128" dev eth0 nodad
	ip -n "$ns" link set eth0 up
	ip -n "$ns" -6 route add fe80::1 dev eth0
	topo_link "$ns" vm-ret "fc00:f$i::2" "$NS_GW" "gw-vm$i" "fc00:f$i::1"
	ip -n "$ns" -6 route add default via "fc00:f$i::1" dev vm-ret
	n_gw sh -c "echo 1 > /sys/class/net/gw-vm$i/queues/rx-0/rps_cpus"
	n_vmi "$i" sysctl -qw net.ipv6.icmp.echo_ignore_all=1
	n_vmi "$i" "$UDPSEQ" pong -a "$vip" > "$TRAFFIC_DIR/pong.$i.out" 2>&1 &
	busywait 10000 tb_vm_pong_listens "$i" ||
		fail "VM $i: udpseq pong did not start: $(cat "$TRAFFIC_DIR/pong.$i.out")"
	ip -n "$NS_S1" addr replace fe80::1/64 dev "$port" nodad
	ip -n "$NS_S1" link set "$port" up
	ip -n "$NS_S1" -6 route replace "$vip/128" dev "$port"
	tb_gw_run "$i" 1
	n_client ping -6 -c 1 -W 5 "$vip" > /dev/null || fail "VM $i unreachable"
}

tb_vm_pong_listens() { n_vmi "$1" ss -Hwan | grep -q ':58 '; }

# tb_bfw_args: End.BFW's parameters for the mechanism (as tb_setup's).
tb_bfw_args() {
	case $TB_MECH in
	sr-drop) echo count buffer 0 ;;
	sr-buffer) echo count buffer "$TB_BUFFER" hold "$TB_HOLD" settle "$TB_SETTLE" ;;
	esac
}

# tb_add_bfw 1: an End.BFW on s1 too (migrations back to s1), with the
# mechanism's parameters; none for none and baseline.
tb_add_bfw() {
	local args
	args=$(tb_bfw_args)
	[[ -n $args ]] || return 0
	# shellcheck disable=SC2086
	n_host "$1" ip -6 route add "$(tb_bfw_sid "$1")/128" encap seg6local \
		action End.BFW $args dev "s$1-gw"
}

# tb_gw_run I S: L(VIP of I) = R(S). tb_gw_migrate I FROM TO: M(FROM, TO).
tb_gw_run() {
	"$SEG6MIG" -n "$NS_GW" gw set "$(tb_vip "$1")" run "$(tb_fwp_sid "$2")" \
		mode "$GW_MODE" dev "gw-s$2"
}
tb_gw_migrate() {
	"$SEG6MIG" -n "$NS_GW" gw set "$(tb_vip "$1")" migrate "$(tb_fwp_sid "$2")" \
		"$(tb_bfw_sid "$3")" mode "$GW_MODE" dev "gw-s$2"
}

# tb_vm_ping_start I: ping VM I every TB_PING_MS (as tb_ping_start).
tb_vm_ping_start() {
	local i=$1 rate=$((1000 / TB_PING_MS))
	ip netns exec "$NS_CLIENT" taskset -c 0 "$UDPSEQ" ping -d "$(tb_vip "$i")" \
		-n $((rate * TB_MAX_SECONDS)) -r $rate -w 3000 -j -R "$TRAFFIC_DIR/resume" \
		-o "$TRAFFIC_DIR/ping.$i.arrivals" > "$TRAFFIC_DIR/ping.$i.out" \
		2> "$TRAFFIC_DIR/ping.$i.err" &
	TB_VM_PING_PID[$i]=$!
}

# tb_vm_udp_start I RATE: RATE datagrams a second to VM I (as tb_udp_start).
tb_vm_udp_start() {
	local i=$1 vip
	vip=$(tb_vip "$i")
	TB_VM_RATE[$i]=$2
	ip netns exec "$(tb_vm_ns "$i")" "$UDPSEQ" recv -p "$TB_PORT" -j -e "$vip" \
		-w 30000 -t 120000 -R "$TRAFFIC_DIR/resume" -o "$TRAFFIC_DIR/udp.$i.arrivals" \
		> "$TRAFFIC_DIR/udp.$i.out" 2>&1 &
	TB_VM_RECV_PID[$i]=$!
	busywait 20000 tb_vm_udp_bound "$i" || fail "VM $i: receiver did not start"
	ip netns exec "$NS_CLIENT" taskset -c 0 "$UDPSEQ" send -d "$vip" -p "$TB_PORT" \
		-n $(($2 * TB_MAX_SECONDS)) -r "$2" > "$TRAFFIC_DIR/send.$i.out" 2>&1 &
	TB_VM_SEND_PID[$i]=$!
}

tb_vm_udp_bound() { [[ -n $(n_vmi "$1" ss -Hlun "sport = :$TB_PORT") ]]; }

tb_vm_counter() {
	n_vmi "$1" awk -v k="$2" '$1 == k { print $2 }' /proc/net/snmp6
}

tb_vm_flowing() {
	local i
	for i in "$@"; do
		[[ -z ${TB_VM_PING_PID[$i]:-} ]] ||
			(($(tb_vm_counter "$i" Icmp6InEchos) >= 100 / TB_PING_MS)) || return 1
		[[ -z ${TB_VM_SEND_PID[$i]:-} ]] ||
			(($(tb_vm_counter "$i" Udp6InDatagrams) >= TB_VM_RATE[$i] / 5)) || return 1
	done
}

# tb_vm_wait_flowing I...: every VM gets a fifth of a second of its meters
# (within TB_FLOW_WAIT_MS, default 30000).
tb_vm_wait_flowing() {
	busywait "${TB_FLOW_WAIT_MS:-30000}" tb_vm_flowing "$@" || fail "$TB_MECH: traffic does not reach VMs $*"
}

# tb_vm_resume_batch HOST I...: the `ip -b` lines that resume the VMs on
# HOST: address, up, route, per port.
tb_vm_resume_batch() {
	local i port
	shift
	for i in "$@"; do
		port=$(tb_port "$i")
		printf '%s\n' "addr replace fe80::1/64 dev $port nodad" "link set $port up" \
			"route replace $(tb_vip "$i")/128 dev $port"
	done
}

# tb_vm_resumed HOST I...: after the resume, each VM announces itself once
# its link is up (as tb_announce), in the background.
tb_vm_resumed() {
	local i
	shift
	for i in "$@"; do
		tb_vm_announce "$i" &
		TB_VM_ANNOUNCE_PIDS+=" $!"
	done
}

tb_vm_link_up() { [[ $(n_vmi "$1" cat /sys/class/net/eth0/operstate) == up ]]; }

tb_vm_announce() {
	busywait 10000 tb_vm_link_up "$1" || fail "$TB_MECH: VM $1's link stays down"
	n_vmi "$1" "$UDPSEQ" announce -a "$(tb_vip "$1")" -i eth0
	sleep 0.05
	n_vmi "$1" "$UDPSEQ" announce -a "$(tb_vip "$1")" -i eth0
}

# tb_vm_migrate FROM TO DOWNTIME_MS CTRL_DELAY_MS I...: the VMs migrate
# FROM -> TO together (as tb_migrate: M(FROM,TO) for sr-*, every port down,
# moved, the rest of the downtime, one `ip -b` run that resumes them all,
# the controller's delay, R(TO) for all but none).
tb_vm_migrate() {
	local from=$1 to=$2 downtime=$3 delay=$4 t0 left i p r sw
	shift 4
	[[ $TB_MECH == none ]] && return 0
	if [[ $TB_MECH == sr-* ]]; then
		for i in "$@"; do tb_gw_migrate "$i" "$from" "$to"; done
	fi
	printf 'link set %s down\n' $(for i in "$@"; do tb_port "$i"; done) |
		ip -n "$(ns_of "$from")" -b -
	t0=$(tb_now_ns)
	p=$t0
	printf 'link set %s netns '"$(ns_of "$to")"'\n' $(for i in "$@"; do tb_port "$i"; done) |
		ip -n "$(ns_of "$from")" -b -
	left=$((downtime * 1000000 - ($(tb_now_ns) - t0)))
	((left <= 0)) || sleep "$(tb_secs $left)"
	r=$(tb_now_ns)
	tb_vm_resume_batch "$to" "$@" | ip -n "$(ns_of "$to")" -b -
	tb_now_ns > "$TRAFFIC_DIR/resumed"
	echo "$p" > "$TRAFFIC_DIR/pause"
	echo "$r" > "$TRAFFIC_DIR/resume"
	tb_vm_resumed "$to" "$@"
	[[ -z $TB_VM_RESUME_HOOK ]] || $TB_VM_RESUME_HOOK "$to" "$@"
	sleep "$(tb_secs $((delay * 1000000)))"
	for i in "$@"; do tb_gw_run "$i" "$to"; done
	sw=$(tb_now_ns)
	echo "$sw" > "$TRAFFIC_DIR/switch"
	echo "$p $r $sw" >> "$TRAFFIC_DIR/migrations"
}

# tb_vm_abort HOST DEST DOWNTIME_MS CTRL_DELAY_MS I...: a migration HOST ->
# DEST that is aborted: M(HOST,DEST) for sr-*, the VMs pause on HOST
# (ports down) and after DOWNTIME_MS resume there (ports up, routed,
# announce); their ports never move. The controller's delay, then R(HOST)
# again (also for baseline, which never left it).
tb_vm_abort() {
	local host=$1 dest=$2 downtime=$3 delay=$4 t0 left i r sw
	shift 4
	[[ $TB_MECH == none ]] && return 0
	if [[ $TB_MECH == sr-* ]]; then
		for i in "$@"; do tb_gw_migrate "$i" "$host" "$dest"; done
	fi
	printf 'link set %s down\n' $(for i in "$@"; do tb_port "$i"; done) |
		ip -n "$(ns_of "$host")" -b -
	t0=$(tb_now_ns)
	left=$((downtime * 1000000 - ($(tb_now_ns) - t0)))
	((left <= 0)) || sleep "$(tb_secs $left)"
	r=$(tb_now_ns)
	tb_vm_resume_batch "$host" "$@" | ip -n "$(ns_of "$host")" -b -
	tb_now_ns > "$TRAFFIC_DIR/resumed"
	echo "$t0" > "$TRAFFIC_DIR/pause"
	echo "$r" > "$TRAFFIC_DIR/resume"
	tb_vm_resumed "$host" "$@"
	[[ -z $TB_VM_RESUME_HOOK ]] || $TB_VM_RESUME_HOOK "$host" "$@"
	sleep "$(tb_secs $((delay * 1000000)))"
	for i in "$@"; do tb_gw_run "$i" "$host"; done
	sw=$(tb_now_ns)
	echo "$sw" > "$TRAFFIC_DIR/switch"
	echo "$t0 $r $sw" >> "$TRAFFIC_DIR/migrations"
}

tb_vm_quiet() {
	local i before=() n=0
	for i in "$@"; do before+=("$(tb_vm_counter "$i" Udp6InDatagrams)"); done
	sleep 0.5
	for i in "$@"; do
		(($(tb_vm_counter "$i" Udp6InDatagrams) == before[n++])) || return 1
	done
}

# tb_vm_finish TAIL_MS I...: as tb_finish, for the meters of these VMs.
tb_vm_finish() {
	local tail=$1 i pid
	shift
	sleep "$(tb_secs $((tail * 1000000)))"
	for pid in $TB_VM_ANNOUNCE_PIDS; do
		wait "$pid" || fail "$TB_MECH: a VM did not announce itself"
	done
	TB_VM_ANNOUNCE_PIDS=
	for i in "$@"; do
		[[ -z ${TB_VM_PING_PID[$i]:-} ]] || kill -TERM "${TB_VM_PING_PID[$i]}"
		[[ -z ${TB_VM_SEND_PID[$i]:-} ]] || kill -TERM "${TB_VM_SEND_PID[$i]}"
	done
	for i in "$@"; do
		[[ -z ${TB_VM_SEND_PID[$i]:-} ]] || wait "${TB_VM_SEND_PID[$i]}" ||
			fail "$TB_MECH: VM $i: udpseq send failed: $(cat "$TRAFFIC_DIR/send.$i.out")"
	done
	busywait 30000 tb_vm_quiet "$@" ||
		fail "$TB_MECH: datagrams keep arriving after the senders stopped"
	for i in "$@"; do
		if [[ -n ${TB_VM_RECV_PID[$i]:-} ]]; then
			kill -TERM "${TB_VM_RECV_PID[$i]}" 2> /dev/null
			wait "${TB_VM_RECV_PID[$i]}" ||
				fail "VM $i: receiver failed: $(cat "$TRAFFIC_DIR/udp.$i.out")"
		fi
		[[ -z ${TB_VM_PING_PID[$i]:-} ]] || wait "${TB_VM_PING_PID[$i]}" ||
			fail "$TB_MECH: VM $i: udpseq ping failed: $(cat "$TRAFFIC_DIR/ping.$i.err")"
	done
}

# tb_vm_per_migration METER I: per migration of $TRAFFIC_DIR/migrations, the
# arrivals sent between its pause and its resume and received after the
# resume (held over its downtime), and the seqs lost in gaps whose next
# arrival was sent after its pause (and before the next one's): a JSON
# array of {held, lost}.
tb_vm_per_migration() {
	local f=$TRAFFIC_DIR/$1.$2.arrivals
	[[ -s $f && -s $TRAFFIC_DIR/migrations ]] || { echo '[]'; return 0; }
	sort -n -k1,1 "$f" | awk -v mf="$TRAFFIC_DIR/migrations" '
		BEGIN { while ((getline l < mf) > 0) { split(l, a, " "); n++; p[n] = a[1]; r[n] = a[2] } }
		function mig(t,   k, m) { m = 0; for (k = 1; k <= n; k++) if (t >= p[k]) m = k; return m }
		{ for (k = 1; k <= n; k++) if ($2 >= p[k] && $2 < r[k] && $3 >= r[k]) held[k]++ }
		NR > 1 && $1 > prev + 1 { lost[mig($2)] += $1 - prev - 1 }
		{ prev = $1 }
		END {
			printf "["
			for (k = 1; k <= n; k++)
				printf "%s{\"held\":%d,\"lost\":%d}", (k > 1 ? "," : ""), held[k] + 0, lost[k] + 0
			printf "]\n"
		}'
}

# tb_vm_result I: VM I's meters as one JSON object.
tb_vm_result() {
	local i=$1 ping=null udp=null sent=0
	[[ -n ${TB_VM_PING_PID[$i]:-} ]] && ping=$(cat "$TRAFFIC_DIR/ping.$i.out")
	if [[ -n ${TB_VM_SEND_PID[$i]:-} ]]; then
		udp=$(cat "$TRAFFIC_DIR/udp.$i.out")
		sent=$(awk '/^sent/ { print $2 }' "$TRAFFIC_DIR/send.$i.out")
	fi
	jq -c -n --argjson vm "$i" --arg vip "$(tb_vip "$i")" --argjson ping "$ping" \
		--argjson udp "$udp" --argjson sent "$sent" \
		--argjson rate "${TB_VM_RATE[$i]:-0}" \
		--argjson ping_mig "$(tb_vm_per_migration ping "$i")" \
		--argjson udp_mig "$(tb_vm_per_migration udp "$i")" \
		'{vm: $vm, vip: $vip, udp_rate: $rate, udp_sent: $sent, ping: $ping, udp: $udp,
		  per_migration: {ping: $ping_mig, udp: $udp_mig}}'
}

# tb_sid_stats HOST SID: the SID's counters (route with `count`) as JSON,
# null when the host has no such SID.
tb_sid_stats() { mig_stats "$@"; }
