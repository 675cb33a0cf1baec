#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: `make bench`. On a Debian 12 machine, as root: boots one QEMU
# guest on Debian's 6.12 kernel (selftests/vm.sh -x selftests/bench -t
# bench -t workloads -t 'scenario_*'), runs bench.sh, workloads.sh and
# scenarios.sh there, then writes
#   Documentation/benchmarks.json   every run, one JSON object
#   Documentation/benchmarks.md     the command, the machine, the tables
#   Documentation/bench/*.png       the plots (gnuplot)
#
#   run.sh [-k SERIES] [-r RESULTS_DIR]
#   -r: only write the documents from an earlier run's results directory
#       (.cache/runs/<release>/bench)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${SEG6_MIG_CACHE:-$top/.cache}
series=6.12
res=
redo=0
while getopts "k:r:h" opt; do
	case $opt in
	k) series=$OPTARG ;;
	r) res=$(cd "$OPTARG" && pwd); redo=1 ;;
	*) sed -n '4,14s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done

"$top/scripts/install-deps.sh"
rel=$("$top/scripts/fetch-kernel.sh" "$series")
SECONDS=0
if [[ -z $res ]]; then
	res=$cache/runs/$rel/bench
	"$top/selftests/vm.sh" -k "$series" -x "$top/selftests/bench" -t bench -t workloads \
		-t "scenario_*" -T 5400 |
		sed 's/^/# /'
fi
# How long the guest run took, kept with its results for -r.
if [[ $redo == 0 ]]; then
	echo "$SECONDS" > "$res/took"
fi
took=$(cat "$res/took" 2>/dev/null || echo 0)
[[ -s $res/results.json ]] || { echo "bench: no results in $res" >&2; exit 1; }
# workloads.sh's lines (HTTP, iperf3), when it ran.
work=
[[ -s $res/workloads.json ]] && work=$res/workloads.json
# scenarios.sh's results, next to bench.sh's (none: no section).
scen=$res/../scenarios/results.json
[[ -s $scen ]] || scen=/dev/null

doc=$top/Documentation
mkdir -p "$doc/bench"
machine=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
cpus=$(nproc)
jq -s --arg kernel "$rel" --arg machine "$machine" --argjson cpus "$cpus" \
	--arg date "$(date -u +%Y-%m-%dT%H:%MZ)" \
	'{kernel: $kernel, host_cpu: $machine, host_cpus: $cpus, date: $date,
	  guest: "QEMU TCG, 2 vCPUs, 2 GiB", runs: .}' "$res/results.json" $work |
	jq --slurpfile scen "$scen" '. + {scenarios: $scen}' \
	> "$doc/benchmarks.json"

# Plot 1: every ping's round trip against its send time (relative to the
# VM's resume), per mechanism, at 10k pkt/s of UDP alongside.
plot_rate=10000
[[ -f $res/ping-sr-buffer-$plot_rate.dat ]] || plot_rate=$(ls "$res"/ping-sr-buffer-*.dat | head -n 1 | sed 's/.*-\([0-9]*\)\.dat/\1/')
gnuplot <<-EOF
	set terminal pngcairo size 1000,600 noenhanced
	set output "$doc/bench/ping_rtt.png"
	set title "1 ms ping during the migration (UDP $plot_rate pkt/s alongside): round trip vs send time"
	set xlabel "send time, ms from the VM's resume"
	set ylabel "round trip, ms (log)"
	set logscale y
	set xrange [-800:800]
	set key top left
	plot "$res/ping-none-$plot_rate.dat" using 2:3 with points pt 7 ps 0.3 title "none", \
	     "$res/ping-baseline-$plot_rate.dat" using 2:3 with points pt 7 ps 0.3 title "baseline", \
	     "$res/ping-sr-drop-$plot_rate.dat" using 2:3 with points pt 7 ps 0.3 title "sr-drop", \
	     "$res/ping-sr-buffer-$plot_rate.dat" using 2:3 with points pt 7 ps 0.3 title "sr-buffer"
EOF

# Plot 2: UDP loss window per mechanism and rate.
jq -r -s '[.[] | select(.bench == "migration")] | group_by(.udp_rate)[] |
	"\(.[0].udp_rate) " + ([.[] | .udp.loss_window_ms | tostring] | join(" "))' \
	"$res/results.json" > "$doc/bench/.loss.dat"
gnuplot <<-EOF
	set terminal pngcairo size 1000,600 noenhanced
	set output "$doc/bench/udp_loss_window.png"
	set title "UDP loss window per mechanism and rate (150 ms downtime asked, 200 ms controller delay)"
	set style data histograms
	set style histogram clustered gap 1
	set style fill solid border -1
	set xlabel "UDP rate, pkt/s"
	set ylabel "loss window, ms"
	set key top left
	plot "$doc/bench/.loss.dat" using 2:xtic(1) title "none", '' using 3 title "baseline", \
	     '' using 4 title "sr-drop", '' using 5 title "sr-buffer"
EOF
rm -f "$doc/bench/.loss.dat"

# Plot 3: HTTP response-time CDF per mechanism, over every request (the
# failed ones never reach 1). Plot 4: iperf3's aggregate throughput per
# 0.5 s report, per mechanism. Times relative to the VM's resume. One of
# each per gateway mode.
mechs="none baseline sr-drop sr-buffer"
modes=
if [[ -n $work ]]; then
	modes=$(jq -r .mode "$work" | awk '!seen[$0]++')
	for mode in $modes; do
		for m in $mechs; do
			[[ -f $res/http-$mode-$m.dat ]] || continue
			n=$(wc -l < "$res/http-$mode-$m.dat")
			awk '$3 == "ok" { print $2 }' "$res/http-$mode-$m.dat" | sort -g |
				awk -v n="$n" '{ printf "%s %.6f\n", $1, NR / n }' > "$doc/bench/.cdf-$m.dat"
		done
		ls "$doc/bench"/.cdf-*.dat > /dev/null 2>&1 && gnuplot <<-EOF
			set terminal pngcairo size 1000,600 noenhanced
			set output "$doc/bench/http_cdf-$mode.png"
			set title "HTTP response time during the migration, $mode mode: CDF over all requests (Poisson arrivals, 12 KB answers)"
			set xlabel "response time, ms (log)"
			set ylabel "share of requests answered within"
			set logscale x
			set xrange [0.5:20000]
			set yrange [0:1.02]
			set key bottom right
			set arrow from 1000, graph 0 to 1000, graph 1 nohead dashtype 2
			set arrow from 200, graph 0 to 200, graph 1 nohead dashtype 3
			plot $(for m in $mechs; do [[ -f $doc/bench/.cdf-$m.dat ]] &&
				printf '"%s" using 1:2 with steps lw 2 title "%s", ' "$doc/bench/.cdf-$m.dat" "$m"; done | sed 's/, $//')
		EOF
		rm -f "$doc/bench"/.cdf-*.dat
		ls "$res"/iperf-"$mode"-*.dat > /dev/null 2>&1 && gnuplot <<-EOF
			set terminal pngcairo size 1000,600 noenhanced
			set output "$doc/bench/iperf_throughput-$mode.png"
			set title "iperf3, 50 flows client -> VM, $mode mode: aggregate throughput per 0.5 s report"
			set xlabel "time, s from the VM's resume (none: from when it would have started)"
			set ylabel "Mbit/s"
			set yrange [0:*]
			set key bottom right
			set arrow from 0, graph 0 to 0, graph 1 nohead dashtype 2
			plot $(for m in $mechs; do [[ -f $res/iperf-$mode-$m.dat ]] &&
				printf '"%s" using ($1 / 1000):3 with steps lw 2 title "%s", ' "$res/iperf-$mode-$m.dat" "$m"; done | sed 's/, $//')
		EOF
	done
fi

{
	echo "# Benchmarks"
	echo
	if ((redo)); then
		echo "Written by \`selftests/bench/run.sh -r\` from the results of a \`make bench\` run ($((took / 60)) min $((took % 60)) s) of $(date -u -r "$res/results.json" +%Y-%m-%d):"
	else
		echo "Written by \`make bench\` ($((took / 60)) min $((took % 60)) s) on $(date -u +%Y-%m-%d):"
	fi
	echo "host $machine, $cpus CPUs, guest Debian $rel"
	echo "under QEMU TCG (2 vCPUs, 2 GiB): every figure is a TCG figure, far from"
	echo "what hardware does; compare mechanisms with each other, not with the paper's"
	echo "absolute numbers. Raw data: \`benchmarks.json\`. One run per cell."
	echo
	echo "## Migration: loss per mechanism and UDP rate"
	echo
	echo "Inline mode, 150 ms downtime asked (measured below: moving the port is slow"
	echo "under TCG), controller delay 200 ms, End.BFW buffer 65536, ping every 1 ms"
	echo "alongside. Release: from the \`ip\` run that brings the port up to the last"
	echo "held datagram's arrival."
	echo
	echo "| UDP pkt/s | mechanism | UDP sent | UDP lost | UDP loss window ms | UDP reordered | UDP dup | UDP held | held latency max ms | release ms | ping lost | ping loss window ms | ping reordered | downtime ms | socket drops |"
	echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	jq -r 'select(.bench == "migration") | "| \(.udp_rate) | \(.mechanism) | \(.udp_sent) | \(.udp.lost) | \(.udp.loss_window_ms) | \(.udp.reordered) | \(.udp.duplicates) | \(.udp.held) | \(.udp.held_lat_max_ms) | \(.udp.release_ms) | \(.ping.lost) | \(.ping.loss_window_ms) | \(.ping.reordered) | \(.downtime_ms) | \(.udp.sock_drops) |"' "$res/results.json"
	echo
	echo "![ping round trip vs send time](bench/ping_rtt.png)"
	echo
	echo "![UDP loss window](bench/udp_loss_window.png)"
	echo
	echo "## Data-plane cost"
	echo
	echo "Datagrams sent as fast as the client can (64-byte payload) to the VM on s1,"
	echo "gateway in encap mode; rate = received / (last arrival - first arrival). On"
	echo "TCG the sender and the forwarding share 2 vCPUs: the rates compare paths,"
	echo "they are not line rates."
	echo
	echo "| path | sent | received | lost | reordered | pkt/s | latency p50 ms | p99 ms |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	jq -r 'select(.bench == "dataplane") | "| \(.path) | \(.sent) | \(.received) | \(.lost) | \(.reordered) | \(.pps) | \(.lat_p50_ms) | \(.lat_p99_ms) |"' "$res/results.json"
	echo
	if [[ -n $work ]]; then
		echo "## TCP workloads: HTTP and iperf3"
		echo
		echo "workloads.sh: inline and encap mode, 150 ms downtime asked, controller delay 200 ms,"
		echo "End.BFW buffer 65536, links between gateway and hosts at MTU 1600 (room for"
		echo "the SRH on full-sized packets). The servers in the VM answer through its"
		echo "own link to the gateway: only the client's packets take the migrating path."
		echo "TCG rates: HTTP at $(jq -r -s 'map(select(.bench == "http"))[0].http_rate' "$work") req/s (the paper: 1500 on hardware), iperf3"
		echo "throughput is what 2 emulated vCPUs carry; a lost SYN costs TCP's 1 s SYN"
		echo "timer, lost data a retransmission timeout (>= 200 ms)."
		echo
		echo "### HTTP: 12 KB answers, Poisson arrivals, one connection per request"
		echo
		echo "Shares over all requests; a failed request (no answer within 10 s) counts"
		echo "as slower than 1 s. Percentiles over the answered ones."
		echo
		echo "| mode | mechanism | requests | failed | > 1 s % | < 200 ms % | p50 ms | p99 ms | max ms | client late max ms | downtime ms |"
		echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		jq -r 'select(.bench == "http") | "| \(.mode) | \(.mechanism) | \(.http.requests) | \(.http.failed) | \(.http.share_over_1s * 100 | . * 100 | round / 100) | \(.http.share_under_200ms * 100 | . * 100 | round / 100) | \(.http.p50_ms) | \(.http.p99_ms) | \(.http.max_ms) | \(.http.late_max_ms) | \(.downtime_ms) |"' "$work"
		echo
		for mode in $modes; do
			echo "![HTTP response-time CDF, $mode mode](bench/http_cdf-$mode.png)"
			echo
		done
		echo "### iperf3: 50 flows client -> VM, a report every 0.5 s"
		echo
		echo "Aggregate throughput over all reports but the first second's (slow start) and over those that overlap the"
		echo "migration (its start to 3 s after the resume: \"window\"); ratios to the"
		echo "none run's mean."
		echo
		echo "| mode | mechanism | mean Mbit/s | min | p5 | window min | window p5 | window min / none | window p5 / none | p5 / none | retransmits | downtime ms |"
		echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		jq -r 'select(.bench == "iperf") | "| \(.mode) | \(.mechanism) | \(.iperf.mean_mbps) | \(.iperf.min_mbps) | \(.iperf.p5_mbps) | \(.iperf.window_min_mbps) | \(.iperf.window_p5_mbps) | \(.iperf.vs_none.window_min) | \(.iperf.vs_none.window_p5) | \(.iperf.vs_none.p5) | \(.iperf.retransmits) | \(.downtime_ms) |"' "$work"
		echo
		for mode in $modes; do
			echo "![iperf3 throughput over time, $mode mode](bench/iperf_throughput-$mode.png)"
			echo
		done
	fi
	[[ $scen == /dev/null ]] || "$top/selftests/bench/scenarios_md.sh" "$scen"
	echo "## Not measured yet"
	echo
	echo "Several runs per cell with spread."
	[[ -n $work ]] || echo "HTTP and iperf3: workloads.sh did not run."
} > "$doc/benchmarks.md"
echo "bench: Documentation/benchmarks.md, benchmarks.json, bench/*.png written"
