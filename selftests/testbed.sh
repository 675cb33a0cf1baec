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
# routed there and the port comes up (VM resumed).
#
# Mechanisms (paper section IV):
#   none       no migration (the meters' floor)
#   baseline   gateway R(s1); the controller sets R(s2) a controller delay
#              after the VM resumed
#   sr-drop    gateway M(s1,s2) before the migration, End.BFW buffer 0;
#              R(s2) a controller delay after the VM resumed
#   sr-buffer  the same with End.BFW buffering (buffer TB_BUFFER packets)
# Gateway modes: inline (T.Insert) and encap (T.Encaps). The gateway is set
# with plain `ip route replace` (gw_run, gw_migrate).
#
# Meters, run from the client towards the VIP while the VM migrates:
#   ping   iputils ping every TB_PING_MS (-D), analysed by tb_ping_summary;
#   udp    udpseq at a rate, its receiver in the VM (with -R: held packets,
#          their latency, the release delay after the port came up).
#
# Use:
#   tb_setup MECH MODE
#   tb_ping_start; tb_udp_start RATE
#   tb_wait_flowing
#   tb_migrate DOWNTIME_MS CTRL_DELAY_MS
#   tb_finish                # waits for the meters
#   tb_result                # one JSON line: mechanism, mode, downtime, ping, udp
#   tb_get ping.lost ...     # fields of that result

source "$(dirname "${BASH_SOURCE[0]}")/topology.sh"

# Tunables (environment): seconds of traffic, ping interval, End.BFW buffer
# and hold time, UDP port.
TB_SECONDS=${TB_SECONDS:-3}
TB_PING_MS=${TB_PING_MS:-1}
TB_BUFFER=${TB_BUFFER:-8192}
TB_HOLD=${TB_HOLD:-5000}
TB_PORT=${TB_PORT:-6000}

TB_MECH=
TB_RATE=0
TB_PING_PID=
TB_SEND_PID=
TB_RESULT=

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
	TB_RATE=0 TB_PING_PID= TB_SEND_PID= TB_RESULT=
	topo_setup "$2"
	FAIL_HOOK=tb_dump
	add_fwp 1 count
	add_fwp 2 count
	case $TB_MECH in
	sr-drop) add_bfw count buffer 0 ;;
	sr-buffer) add_bfw count buffer "$TB_BUFFER" hold "$TB_HOLD" ;;
	esac
	# A release of rate x downtime packets at once: room in the backlog
	# (global, but the guest runs nothing else).
	sysctl -qw net.core.netdev_max_backlog=100000
	n_client ping -6 -c 1 -W 5 "$VIP" >/dev/null || fail "$TB_MECH: VM unreachable"
	echo 0 > "$TRAFFIC_DIR/resume"
	echo 0 > "$TRAFFIC_DIR/pause"
}

tb_dump() {
	topo_dump
	[[ -f $TRAFFIC_DIR/ping.out ]] && { echo "--- ping"; tail -n 3 "$TRAFFIC_DIR/ping.out"; }
	return 0
}

# tb_ping_start: the client pings the VIP every TB_PING_MS for TB_SECONDS.
tb_ping_start() {
	local count=$((TB_SECONDS * 1000 / TB_PING_MS))
	ip netns exec "$NS_CLIENT" ping -6 -D -n -i "$(awk "BEGIN {print $TB_PING_MS / 1000}")" \
		-c "$count" -W 2 "$VIP" > "$TRAFFIC_DIR/ping.out" 2>&1 &
	TB_PING_PID=$!
}

# tb_udp_start RATE: udpseq from the client to the VM at RATE pkt/s for
# TB_SECONDS; the receiver expects every seq and ends 3 s after the last.
tb_udp_start() {
	TB_RATE=$1
	local n=$((TB_RATE * TB_SECONDS))
	recv_start "$TB_PORT" -n "$n" -w 30000 -t 3000 -R "$TRAFFIC_DIR/resume"
	ip netns exec "$NS_CLIENT" "$UDPSEQ" send -d "$VIP" -p "$TB_PORT" -n "$n" \
		-r "$TB_RATE" > "$TRAFFIC_DIR/send.out" 2>&1 &
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
# delay measured from it includes that command's own run time.
tb_migrate() {
	local downtime=$1 delay=$2 s
	[[ $TB_MECH == none ]] && return 0
	[[ $TB_MECH == sr-* ]] && gw_migrate
	ip -n "$NS_S1" link set vmport down
	tb_now_ns > "$TRAFFIC_DIR/pause"
	s=$(awk "BEGIN {print $downtime / 1000}")
	sleep "$s"
	ip -n "$NS_S1" link set vmport netns "$NS_S2"
	ip -n "$NS_S2" addr replace fe80::1/64 dev vmport nodad
	# Up and routed in one `ip` run (a route needs the port up).
	tb_now_ns > "$TRAFFIC_DIR/resume.tmp"
	printf '%s\n' "link set vmport up" "route replace $VIP/128 dev vmport" |
		ip -n "$NS_S2" -b -
	mv "$TRAFFIC_DIR/resume.tmp" "$TRAFFIC_DIR/resume"
	sleep "$(awk "BEGIN {print $delay / 1000}")"
	gw_run 2
}

# tb_finish: wait for the meters to end.
tb_finish() {
	if [[ -n $TB_SEND_PID ]]; then
		wait "$TB_SEND_PID" || fail "$TB_MECH: udpseq send failed: $(cat "$TRAFFIC_DIR/send.out")"
		recv_wait "$TB_PORT"
	fi
	if [[ -n $TB_PING_PID ]]; then
		# ping exits 1 when replies are missing: that is a result.
		wait "$TB_PING_PID" || true
		grep -q 'packets transmitted' "$TRAFFIC_DIR/ping.out" ||
			fail "$TB_MECH: ping failed: $(tail -n 3 "$TRAFFIC_DIR/ping.out")"
	fi
}

# tb_ping_summary FILE: iputils `ping -D` output as one JSON object:
# transmitted, received (unique replies), lost, duplicates, reordered
# (replies whose seq is below one seen before), loss_window_ms (as udpseq:
# per gap, send time of the first reply after it minus that of the last
# before it, send time = receive stamp - rtt; open gaps extrapolated at the
# mean interval), rtt_max_ms, and held / held_rtt_max_ms / release_ms
# against the resume time in $TRAFFIC_DIR/resume (ns, 0 = none).
tb_ping_summary() {
	awk -v resume="$(cat "$TRAFFIC_DIR/resume")" '
	/packets transmitted/ {
		tx = $1
		if (match($0, /time [0-9]+ms/))
			elapsed = substr($0, RSTART + 5, RLENGTH - 7) / 1000.0
	}
	/icmp_seq=/ && /time=/ {
		ts = substr($1, 2, length($1) - 2) + 0
		match($0, /icmp_seq=[0-9]+/); seq = substr($0, RSTART + 9, RLENGTH - 9) + 0
		match($0, /time=[0-9.]+/); rtt = substr($0, RSTART + 5, RLENGTH - 5) / 1000.0
		if (/DUP!/ || (seq in sent)) { dup++; if (seq < maxseq) reord++; next }
		if (n && seq < maxseq) reord++
		if (seq > maxseq) maxseq = seq
		n++
		sent[seq] = ts - rtt
		if (rtt > rttmax) rttmax = rtt
		r = resume / 1e9
		if (resume > 0 && ts - rtt < r && ts >= r) {
			held++
			if (rtt > hrttmax) hrttmax = rtt
			if (ts - r > rel) rel = ts - r
		}
	}
	END {
		iv = tx ? elapsed / tx : 0
		for (s = 1; s <= tx; s++) {
			if (s in sent) continue
			a = s
			while (s <= tx && !(s in sent)) s++
			lost += s - a
			if ((a - 1) in sent && s in sent) w += sent[s] - sent[a - 1]
			else w += iv * (s - a + 1)
		}
		printf "{\"transmitted\":%d,\"received\":%d,\"lost\":%d,\"duplicates\":%d,", tx, n, lost, dup
		printf "\"reordered\":%d,\"loss_window_ms\":%.3f,\"rtt_max_ms\":%.3f,", reord, w * 1000, rttmax * 1000
		printf "\"held\":%d,\"held_rtt_max_ms\":%.3f,\"release_ms\":%.3f}\n", held, hrttmax * 1000, rel * 1000
	}' "$1"
}

# tb_result: the run as one JSON line (also kept for tb_get).
tb_result() {
	local pause resume ping=null udp=null
	pause=$(cat "$TRAFFIC_DIR/pause")
	resume=$(cat "$TRAFFIC_DIR/resume")
	[[ -n $TB_PING_PID ]] && ping=$(tb_ping_summary "$TRAFFIC_DIR/ping.out")
	[[ -n $TB_SEND_PID ]] && udp=$(cat "$TRAFFIC_DIR/recv.$TB_PORT")
	TB_RESULT=$(jq -c -n --arg mech "$TB_MECH" --arg mode "$GW_MODE" \
		--argjson rate "$TB_RATE" --argjson pause "$pause" --argjson resume "$resume" \
		--argjson ping "$ping" --argjson udp "$udp" \
		'{mechanism: $mech, mode: $mode, udp_rate: $rate,
		  downtime_ms: (if $resume > 0 then (($resume - $pause) / 1e6 | . * 1000 | round / 1000) else 0 end),
		  ping: $ping, udp: $udp}')
	echo "$TB_RESULT"
}

# tb_get FIELD: a field of the last tb_result (jq path without the dot).
tb_get() {
	jq -r ".$1" <<< "$TB_RESULT"
}

# tb_bfw_stat NAME: a counter of s2's End.BFW (sr-drop, sr-buffer).
tb_bfw_stat() {
	mig_stat 2 $S2_BFW "$1"
}
