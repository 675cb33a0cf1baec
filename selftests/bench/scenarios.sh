#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Migration scenarios beyond one VM and one move (issue 6, "also measured"),
# guest side, run by bench/run.sh through vm.sh -x selftests/bench -t
# 'scenario_*' (scenario_three.sh etc.: `scenarios.sh three`, one scenario
# a test). `scenarios.sh [SCENARIO...]` (default SCEN_LIST). Writes
# $S6M_RUN/scenarios/results.json (or $SCEN_OUT): one
# JSON line per run (bench "scenario"), with each VM's ping and UDP
# summaries, held and lost per migration, and the counters of every SID.
#
#  three   three VMs (SCEN_RATE / 3 datagrams a second each, the UDP load
#          of one VM: 3 x 10k did not even start flowing on a loaded TCG
#          guest; VIPs 2001:db8::10, ::11, ::12, ports vmport, vmport2,
#          vmport3) migrate s1 -> s2 together: one pause, one
#          resume; s2's one End.BFW serves the three VIPs, the gateway
#          M(s1,s2) for each, then R(s2);
#  b2b     back to back: s1 -> s2 -> s1. s1 has an End.BFW too; the gateway
#          M(s1,s2), R(s2), then SCEN_B2B_GAP_MS later (default 0)
#          M(s2,s1), R(s1);
#  abort   an aborted migration: M(s1,s2), the VM pauses on s1 and resumes
#          on s1 (its port never moves), then R(s1). What End.FWP on s1
#          passed on to s2 during the pause waits in s2's End.BFW, where the
#          VIP never appears: it expires after the hold time (SCEN_HOLD_MS,
#          default 1000, the module's default). Variants (sr-buffer):
#          none; release-src: `seg6mig release VIP sid S1_BFW` on s1 at the
#          resume, as tools/libvirt's listener does on the source of an
#          aborted migration; release-dst: the same on s2, where the
#          packets are.
#
# Per scenario the mechanisms SCEN_MECHS (default baseline sr-buffer;
# sr-drop and none work too), inline mode (SCEN_MODE), 1 ms ping and
# SCEN_RATE (default 10000) UDP datagrams a second to each VIP (three: above), SCEN_DOWNTIME_MS (150) of
# downtime, SCEN_DELAY_MS (200) of controller delay, End.BFW buffer 65536
# packets, hold 10000 ms (abort: SCEN_HOLD_MS). SCEN_LIST picks scenarios.
#
# Fails only when a run could not be measured.
set -eu
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../testbed.sh"
require_root
require_module

MECHS=${SCEN_MECHS:-baseline sr-buffer}
MODE=${SCEN_MODE:-inline}
RATE=${SCEN_RATE:-10000}
DOWNTIME_MS=${SCEN_DOWNTIME_MS:-150}
DELAY_MS=${SCEN_DELAY_MS:-200}
B2B_GAP_MS=${SCEN_B2B_GAP_MS:-0}
HOLD_MS=${SCEN_HOLD_MS:-1000}
LIST=${*:-${SCEN_LIST:-three b2b abort}}
out=${SCEN_OUT:-${S6M_RUN:?SCEN_OUT or S6M_RUN}/scenarios}
mkdir -p "$out"
# The lines of the scenarios run now are replaced, the others kept (the
# scenario_*.sh wrappers run one each, within the runner's 900 s a test).
touch "$out/results.json"
jq -c --arg l " $LIST " '. as $r | select($l | contains(" " + $r.scenario + " ") | not)' \
	"$out/results.json" > "$out/results.json.tmp"
mv "$out/results.json.tmp" "$out/results.json"
# A TCG guest under load can take long to show the first fifth of a second.
TB_FLOW_WAIT_MS=120000
TB_BUFFER=65536
# A release of thousands of datagrams at once reaches the VM's sockets.
sysctl -qw net.core.rmem_default=16777216 net.core.rmem_max=16777216

VARIANT=none
RELEASE_OUT=

# Progress, with the guest's time, in the test's log.
say() { echo "# $(date +%T.%3N) $*"; }

# The listener's abort path, or the same where the packets are held.
release_hook() {
	local host i ns sid
	host=$1
	shift
	case $VARIANT in
	release-src) ns=$(ns_of "$host") sid=$(tb_bfw_sid "$host") ;;
	release-dst) ns=$(ns_of $((3 - host))) sid=$(tb_bfw_sid $((3 - host))) ;;
	*) return 0 ;;
	esac
	for i in "$@"; do
		RELEASE_OUT+="$("$SEG6MIG" -n "$ns" release "$(tb_vip "$i")" sid "$sid" 2>&1 || true) "
	done
}

bfw_empty() {
	local h q
	for h in 1 2; do
		q=$(mig_stat $h "$(tb_bfw_sid $h)" qlen)
		[[ -z $q || $q == 0 ]] || return 1
	done
}

# result SCENARIO VMS...: the run as one JSON line, appended to results.json.
result() {
	local scen=$1 i vms=() sids
	shift
	for i in "$@"; do vms+=("$(tb_vm_result "$i")"); done
	sids=$(jq -c -n --argjson s1_fwp "$(tb_sid_stats 1 $S1_FWP)" \
		--argjson s1_bfw "$(tb_sid_stats 1 $S1_BFW)" \
		--argjson s2_fwp "$(tb_sid_stats 2 $S2_FWP)" \
		--argjson s2_bfw "$(tb_sid_stats 2 $S2_BFW)" \
		'{s1_fwp: $s1_fwp, s1_bfw: $s1_bfw, s2_fwp: $s2_fwp, s2_bfw: $s2_bfw}')
	printf '%s\n' "${vms[@]}" | jq -c -s --arg scen "$scen" --arg mech "$TB_MECH" \
		--arg mode "$GW_MODE" --arg variant "$VARIANT" --argjson sids "$sids" \
		--arg release "$RELEASE_OUT" --argjson hold "$TB_HOLD" \
		--argjson migs "$(jq -R -s -c 'split("\n") | map(select(length > 0) | split(" ") | map(tonumber)) |
			def ms: . / 1e6 | . * 1000 | round / 1000;
			. as $m | [range(length)] | map(. as $i | $m[$i] |
			    {downtime_ms: (.[1] - .[0] | ms),
			     switch_after_resume_ms: (.[2] - .[1] | ms)} +
			    (if $i > 0 then {pause_after_previous_switch_ms: (.[0] - $m[$i - 1][2] | ms)}
			     else {} end))' \
			"$TRAFFIC_DIR/migrations")" \
		'{bench: "scenario", scenario: $scen, mechanism: $mech, mode: $mode, variant: $variant,
		  hold_ms: $hold, release: $release, migrations: $migs, vms: ., sids: $sids}' |
		tee -a "$out/results.json"
}

# start_meters RATE I...: ping and RATE UDP datagrams a second per VM.
start_meters() {
	local i rate=$1
	shift
	for i in "$@"; do tb_vm_ping_start "$i"; done
	for i in "$@"; do tb_vm_udp_start "$i" "$rate"; done
	tb_vm_wait_flowing "$@"
}

three() {
	tb_vm_setup "$1" "$MODE" 3
	say "three $1: set up"
	start_meters $((RATE / 3)) 1 2 3
	say "three $1: flowing"
	tb_vm_migrate 1 2 "$DOWNTIME_MS" "$DELAY_MS" 1 2 3
	say "three $1: migrated"
	tb_vm_finish 1000 1 2 3
	say "three $1: finished"
	result three 1 2 3
}

b2b() {
	tb_vm_setup "$1" "$MODE" 1
	tb_add_bfw 1
	start_meters "$RATE" 1
	say "b2b $1: flowing"
	tb_vm_migrate 1 2 "$DOWNTIME_MS" "$DELAY_MS" 1
	sleep "$(tb_secs $((B2B_GAP_MS * 1000000)))"
	tb_vm_migrate 2 1 "$DOWNTIME_MS" "$DELAY_MS" 1
	say "b2b $1: migrated twice"
	tb_vm_finish 1000 1
	# What End.BFW still holds when the meters stop (End.FWP's packets
	# queued behind a release that the VM left before it ended) expires
	# after the hold time: wait, so that the counters say where it went.
	busywait $((TB_HOLD + 10000)) bfw_empty || fail "b2b: End.BFW still holds packets"
	result b2b 1
}

abort() {
	tb_vm_setup "$1" "$MODE" 1
	tb_add_bfw 1
	start_meters "$RATE" 1
	say "abort $1 $VARIANT: flowing"
	tb_vm_abort 1 2 "$DOWNTIME_MS" "$DELAY_MS" 1
	tb_vm_finish 1000 1
	say "abort $1 $VARIANT: finished"
	# What s2 holds expires after the hold time: count it.
	busywait $((TB_HOLD + 10000)) bfw_empty || fail "abort: End.BFW still holds packets"
	result abort 1
}

TB_VM_RESUME_HOOK=release_hook
for scen in $LIST; do
	for mech in $MECHS; do
		TB_HOLD=10000
		[[ $scen == abort ]] && TB_HOLD=$HOLD_MS
		variants=none
		[[ $scen == abort && $mech == sr-buffer ]] && variants="none release-src release-dst"
		for VARIANT in $variants; do
			RELEASE_OUT=
			$scen "$mech"
			topo_cleanup
			say "$scen $mech $VARIANT: done"
		done
	done
done
