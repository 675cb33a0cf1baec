#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: `make bench`. On a Debian 12 machine, as root: boots one QEMU
# guest on Debian's 6.12 kernel (selftests/vm.sh -x selftests/bench -t
# bench -t scenarios), runs bench.sh and scenarios.sh there, then writes
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
while getopts "k:r:h" opt; do
	case $opt in
	k) series=$OPTARG ;;
	r) res=$(cd "$OPTARG" && pwd) ;;
	*) sed -n '4,14s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done

"$top/scripts/install-deps.sh"
rel=$("$top/scripts/fetch-kernel.sh" "$series")
SECONDS=0
if [[ -z $res ]]; then
	res=$cache/runs/$rel/bench
	"$top/selftests/vm.sh" -k "$series" -x "$top/selftests/bench" -t bench -t "scenario_*" -T 4000 |
		sed 's/^/# /'
fi
took=$SECONDS
[[ -s $res/results.json ]] || { echo "bench: no results in $res" >&2; exit 1; }
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
	  guest: "QEMU TCG, 2 vCPUs, 2 GiB", runs: .}' "$res/results.json" |
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

{
	echo "# Benchmarks"
	echo
	echo "Written by \`make bench\` ($((took / 60)) min $((took % 60)) s) on $(date -u +%Y-%m-%d):"
	echo "host $machine, $cpus CPUs (shared with other work), guest Debian $rel"
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
	[[ $scen == /dev/null ]] || "$top/selftests/bench/scenarios_md.sh" "$scen"
	echo "## Not measured yet"
	echo
	echo "HTTP with Poisson arrivals, iperf3 with 50 flows; several runs per cell"
	echo "with spread."
} > "$doc/benchmarks.md"
echo "bench: Documentation/benchmarks.md, benchmarks.json, bench/*.png written"
