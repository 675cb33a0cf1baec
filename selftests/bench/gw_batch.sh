#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gw_batch.sh [N] [ROUNDS]: a benchmark, not a test. How fast the gateway
# applies N VIP changes (default 100000) from a file:
#   seg6mig gw -batch   (many requests per sendmsg, one ack per send)
#   ip -force -batch    (one request, one ack per line)
# in a fresh network namespace each time, two phases per run:
#   create:  N new VIPs in R(s1)            (set VIP run / route replace)
#   flip:    the same N VIPs to M(s1,s2)     (one replace each)
# Prints per run the time, changes/s counted on the routes really
# installed (ip -force goes on past refused lines; seg6mig retries ENOMEM),
# then the best of ROUNDS (default 2) per tool and phase and the ratio
# seg6mig/ip.
# Runs as root on the build host's kernel or in a guest; needs no module.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
SEG6MIG=${SEG6MIG:-$top/tools/seg6mig}
IP=${IP:-ip}
N=${1:-100000}
ROUNDS=${2:-2}

[[ $(id -u) == 0 ]] || { echo "SKIP: needs root"; exit 4; }
[[ -x $SEG6MIG ]] || { echo "SKIP: $SEG6MIG not built (make -C tools)"; exit 4; }

tmp=$(mktemp -d)
ns=
cleanup() {
	[[ -n $ns ]] && ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# VIP i: 2001:db8:<hi>::<lo>
vips() {
	awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++)
		printf "2001:db8:%x::%x\n", int(i / 65536), i % 65536 }'
}
vips | awk '{ print "set " $1 " run fc00:a1::f dev d0" }' > "$tmp/gw.create"
vips | awk '{ print "set " $1 " migrate fc00:a1::f fc00:a2::b dev d0" }' > "$tmp/gw.flip"
vips | awk '{ print "route replace " $1 "/128 encap seg6 mode inline segs fc00:a1::f dev d0" }' > "$tmp/ip.create"
vips | awk '{ print "route replace " $1 "/128 encap seg6 mode inline segs fc00:a1::f,fc00:a2::b dev d0" }' > "$tmp/ip.flip"

new_ns() {
	ns=s6m-bench-$$-$RANDOM
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link add d0 type veth peer name d1
	ip -n "$ns" link set d0 up
	ip -n "$ns" link set d1 up
	ip -n "$ns" addr add fc00:1::2/64 dev d0 nodad
	ip -n "$ns" -6 route add fc00:a1::/64 via fc00:1::1 dev d0
	ip -n "$ns" -6 route add fc00:a2::/64 via fc00:1::1 dev d0
}

# Routes of the VIPs with N segments (1: R, 2: M) in inline mode.
installed() {
	ip -n "$ns" -6 route show | grep -c "^2001:db8:.* segs $(($1 + 1)) " || true
}

now_ns() { date +%s%N; }

# run TOOL PHASE: apply one file; prints "seconds installed".
run() {
	local tool=$1 phase=$2 t0 t1 segs=1
	[[ $phase == flip ]] && segs=2
	t0=$(now_ns)
	if [[ $tool == seg6mig ]]; then
		"$SEG6MIG" -n "$ns" gw -batch "$tmp/gw.$phase" 2> "$tmp/err" || true
	else
		$IP -n "$ns" -force -batch "$tmp/ip.$phase" > /dev/null 2> "$tmp/err" || true
	fi
	t1=$(now_ns)
	echo "$(( (t1 - t0) / 1000 )) $(installed $segs) $(grep -c . "$tmp/err" || true)"
}

declare -A best=() incomplete=()
echo "# gw_batch: $N VIP changes per phase, kernel $(uname -r), $(nproc) CPUs"
printf '%-8s %-7s %5s %10s %12s %10s %8s\n' tool phase round seconds changes/s installed errlines
for ((r = 1; r <= ROUNDS; r++)); do
	for tool in seg6mig ip; do
		new_ns
		for phase in create flip; do
			read -r us inst errs < <(run $tool $phase)
			rate=$(awk -v n="$inst" -v us="$us" 'BEGIN { printf "%d", n / (us / 1e6) }')
			printf '%-8s %-7s %5d %10.3f %12d %10d %8d\n' $tool $phase $r \
				"$(awk -v us="$us" 'BEGIN { print us / 1e6 }')" "$rate" "$inst" "$errs"
			key=$tool.$phase
			if ((${best[$key]:-0} < rate)); then
				best[$key]=$rate
			fi
			((inst == N)) || incomplete[$key]=1
		done
		ip netns del "$ns"
		ns=
	done
done

for phase in create flip; do
	g=${best[seg6mig.$phase]:-0} i=${best[ip.$phase]:-0} note=
	[[ -n ${incomplete[seg6mig.$phase]:-} ]] && note+=" (seg6mig: some run left VIPs out)"
	[[ -n ${incomplete[ip.$phase]:-} ]] && note+=" (ip: some run left VIPs out, refused lines)"
	if ((g == 0 || i == 0)); then
		echo "$phase: no rate for one of the tools"
		continue
	fi
	echo "$phase: seg6mig gw -batch $g changes/s, ip -batch $i changes/s, ratio $(awk -v g="$g" -v i="$i" 'BEGIN { printf "%.2f", g / i }')$note"
done
