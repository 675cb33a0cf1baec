#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scenarios_md.sh RESULTS_JSON: the Markdown section of benchmarks.md for
# the runs of scenarios.sh (three VMs at once, back to back, aborted): a
# table per scenario, one row per run and VM, then per run a "why" line
# derived from the SIDs' counters (where each lost packet went).
set -euo pipefail

res=$1

# Counters of all SIDs of a run, lost packets of all its VMs, and the why.
# The module's drops are End.FWP's absent (no next segment, VIP absent),
# End.BFW's overflow, expired and purged; the meters' packets are the only
# ones through the SIDs after setup, so drops = lost when every loss is the
# module's, and a loss outside it shows as lost > drops. What End.BFW still
# holds (qlen) when the counters are read counts with the drops.
why='
def n: . // 0;
def st($k): [.sids[] | select(. != null) | .[$k] | n] | add // 0;
def name: .mechanism + (if .variant != "none" then " (" + .variant + ")" else "" end);
([.vms[] | (.ping.lost | n) + (.udp.lost | n)] | add) as $lost |
([.vms[] | (.ping.held | n) + (.udp.held | n)] | add) as $held |
((.sids.s1_fwp.absent | n) + (.sids.s2_fwp.absent | n)) as $absent |
st("overflow") as $ovf | st("expired") as $exp | st("purged") as $pur |
st("qlen") as $held_yet |
($absent + $ovf + $exp + $pur) as $dropped | ($dropped + $held_yet) as $drops |
"- **\(name)**: \($lost) lost (ping + UDP, \(.vms | length) VM(s)), \($held) held then delivered. " +
"The module dropped \($dropped): End.FWP absent \($absent) (s1 \(.sids.s1_fwp.absent | n), s2 \(.sids.s2_fwp.absent | n))" +
", End.BFW overflow \($ovf), expired \($exp), purged \($pur)" +
(if $held_yet > 0 then "; End.BFW still held \($held_yet) when the meters stopped (End.FWP\u0027s packets queued behind a release the VM left before it ended)" else "" end) +
(if $lost == 0 and $drops == 0 then ": nothing lost."
 elif $lost == $drops then ": every lost packet is one of these."
 elif $lost > $drops then "; \($lost - $drops) lost outside the module (no SID dropped them: in flight to a port as it went down, echo replies lost on their way back, or a meter that fell behind)."
 else "; \($drops - $lost) of those drops are not the meters\u0027 (other packets to the VIPs)." end) +
" End.FWP passed on (next): s1 \(.sids.s1_fwp.next | n), s2 \(.sids.s2_fwp.next | n)" +
(if .sids.s2_bfw != null then "; End.BFW s2 delivered on arrival \(.sids.s2_bfw.delivered | n), buffered \(.sids.s2_bfw.buffered | n), flushed \(.sids.s2_bfw.flushed | n), qlen_max \(.sids.s2_bfw.qlen_max | n)" else "" end) +
(if .sids.s1_bfw != null then "; End.BFW s1 delivered on arrival \(.sids.s1_bfw.delivered | n), buffered \(.sids.s1_bfw.buffered | n), flushed \(.sids.s1_bfw.flushed | n), qlen_max \(.sids.s1_bfw.qlen_max | n)" else "" end) +
(if .release != "" then "; seg6mig release printed: " + .release else "" end) + "."
'

row='
def ms: tostring;
. as $r | .vms[] |
"| \($r.mechanism) | \($r.variant) | \(.vip) | \([$r.migrations[].downtime_ms | tostring] | join(", ")) | " +
"\(.ping.lost) | \(.ping.reordered) | \(.ping.duplicates) | \(.ping.loss_window_ms) | \([.per_migration.ping[].held | tostring] | join(", ")) | \([.per_migration.ping[].lost | tostring] | join(", ")) | " +
"\(.udp_sent) | \(.udp.lost) | \(.udp.reordered) | \(.udp.duplicates) | \(.udp.loss_window_ms) | \([.per_migration.udp[].held | tostring] | join(", ")) | \([.per_migration.udp[].lost | tostring] | join(", ")) | \(.udp.release_ms) |"
'

section() {
	local scen=$1 title=$2 text=$3
	jq -s -e --arg s "$scen" 'any(.[]; .scenario == $s)' "$res" > /dev/null || return 0
	echo "### $title"
	echo
	echo "$text"
	echo
	echo "| mechanism | variant | VIP | downtime ms | ping lost | ping reord | ping dup | ping loss window ms | ping held | ping lost per migration | UDP sent | UDP lost | UDP reord | UDP dup | UDP loss window ms | UDP held | UDP lost per migration | release ms |"
	echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	jq -r --arg s "$scen" "select(.scenario == \$s) | $row" "$res"
	echo
	echo "Where the lost packets went (SID counters, ping and UDP together):"
	echo
	jq -r --arg s "$scen" "select(.scenario == \$s) | $why" "$res"
	echo
}

r0=$(jq -s -r '[.[] | select(.scenario != "three")][0] // .[0] |
	"\(.mode) mode, UDP \(.vms[0].udp_rate) pkt/s (three VMs: a third each) and a 1 ms ping to each VIP"' "$res")
echo "## Migration scenarios"
echo
echo "\`selftests/bench/scenarios.sh\`: $r0; controller delay 200 ms,"
echo "150 ms downtime asked (the measured one is in the table: moving ports is slow"
echo "under TCG). Held = sent between a migration's pause and its resume and"
echo "received after the resume (one figure per migration); lost per migration ="
echo "the seqs of the gaps whose next arrival was sent after that migration's pause"
echo "(a gap before the first pause, or at the end, counts in lost only)."
echo "One run per row."
echo
section three "Three VMs migrating at once, s1 -> s2" \
	"Three VMs pause together on s1 and resume together on s2 (one \`ip -b\` run); s2's one End.BFW SID holds the three VIPs' packets in one buffer (65536 packets) and releases each VIP's queue when its port is present. The gateway sets M(s1,s2) for each VIP, then R(s2)."
section b2b "Back-to-back migrations, s1 -> s2 -> s1" \
	"M(s1,s2), pause on s1, resume on s2, R(s2), then at once M(s2,s1), pause on s2, resume on s1, R(s1). s1 has an End.BFW too. Two figures per cell: first migration, second."
section abort "An aborted migration: the VM resumes on s1" \
	"M(s1,s2), the VM pauses on s1 and resumes on s1 (port back up, never moved), then R(s1). End.BFW hold time 1000 ms (the module's default). During the pause s1's End.FWP finds the VIP absent and passes the packets on to s2's End.BFW, where the VIP never appears. Variants: release-src runs \`seg6mig release VIP sid S1_BFW\` on s1 at the resume, as tools/libvirt's listener does on the source of an aborted migration; release-dst the same on s2's End.BFW, which holds the packets."
