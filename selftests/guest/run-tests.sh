#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest's PID 1 after switch_root (see init): set up a minimal system,
# load seg6_mig.ko, run the tests listed in $S6M_RUN/plan and write the
# results to $S6M_RUN, which the host reads as they come. Powers the guest
# off at the end, also when this script fails.
#
# plan: one test a line,
#   "NAME<TAB>TIMEOUT<TAB>FAILING-CASES<TAB>WHY<TAB>DIR<TAB>COMMAND..."
# where FAILING-CASES and WHY are "-" unless the test is an expected
# failure on this kernel (selftests/expected-failures).

set -u

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# /run is fresh (the host's netns names must not show); /tmp stays the
# overlay's, since the project itself may live under the host's /tmp.
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
[[ -e /dev/fd ]] || ln -s /proc/self/fd /dev/fd
mkdir -p /run/netns /var/run
hostname guest
ip link set lo up

run=$S6M_RUN
# Wait for the power-off without running a program: the root file system
# (9p) may already be gone, and PID 1 exiting panics the kernel, which the
# host reads as a kernel failure.
halt_wait() {
	local t=$SECONDS
	while ((SECONDS - t < 30)); do :; done
}
trap 'echo o > /proc/sysrq-trigger; halt_wait' EXIT
source "$run/env"	# PATH, SEG6_MIG_KO, SEG6_MIG_TOP, SEG6_MIG_SLOW: written by the host
export PATH SEG6_MIG_KO SEG6_MIG_TOP SEG6_MIG_SLOW
warnings=$SEG6_MIG_TOP/selftests/kernel-warnings

say() { echo "$*" >> "$run/ktap"; }

poweroff_guest() {
	dmesg > "$run/dmesg"
	echo done > "$run/finished"
	sync
	umount "$run"
	echo o > /proc/sysrq-trigger
	halt_wait
}
trap poweroff_guest EXIT

mkdir -p "$run/logs"
: > "$run/ktap"
n=$(grep -c . "$run/plan")
say "KTAP version 1"
say "# kernel $(uname -r)"
say "1..$n"

# Hold netstamp_needed_key on for the whole run: every ping (SO_TIMESTAMP)
# would otherwise switch it on and off, and each switch patches the text
# of __netif_receive_skb_core() and others (text_poke_bp: an int3, then
# the new bytes) while packets run through it. Under TCG a guest was seen
# to execute such an int3 after the patch was done: "Oops: int3", twice in
# contended runs, the one traced in __netif_receive_skb_core(). That is
# not this project's code, and not what the tests test.
/usr/bin/python3 -c 'import signal, socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_TIMESTAMP", 29), 1)
print("netstamp held", flush=True)
signal.pause()' > "$run/logs/netstamp.log" 2>&1 &
netstamp_pid=$!
until grep -q held "$run/logs/netstamp.log" 2>/dev/null; do
	kill -0 $netstamp_pid 2>/dev/null || break
	sleep 0.1
done
grep -q held "$run/logs/netstamp.log" ||
	say "# netstamp_needed_key not held: $(tail -n 1 "$run/logs/netstamp.log")"

load_error=
insmod "$SEG6_MIG_KO" 2> "$run/logs/insmod.log" ||
	load_error="insmod seg6_mig.ko failed: $(tail -n 1 "$run/logs/insmod.log")"

# End.FWP/End.BFW routes hold the module (one reference each).
module_refs() { cat /sys/module/seg6_mig/refcnt 2>/dev/null || echo 0; }
# A test must leave no such route behind, in no namespace: its namespaces'
# cleanup is asynchronous, so wait for it (30 s), then name the leftovers
# in the test's log (namespaces that still have processes) and kill the
# processes left in other namespaces than the runner's, so that the tests
# after it start clean.
left_behind() {
	local refs0=$1 log=$2 t=$SECONDS p init
	while (($(module_refs) > refs0)); do
		if ((SECONDS - t >= 30)); then
			{
				echo "runner: seg6_mig refcount $(module_refs), $refs0 before the test"
				lsns -t net -o NS,PID,COMMAND
				ps -eo pid,args
			} >> "$log" 2>&1
			echo "left seg6_mig in use: refcount $(module_refs), $refs0 before it"
			init=$(readlink /proc/1/ns/net)
			for p in /proc/[0-9]*; do
				[[ $(readlink "$p/ns/net" 2>/dev/null) == "$init" ]] ||
					kill -KILL "${p#/proc/}" 2>/dev/null
			done
			return
		fi
		sleep 0.2
	done
}

i=0
# An expected failure: it failed, and each of its "[FAIL]" lines is one of
# the known failing cases.
failed_as_expected() {
	local log=$1 cases=$2 fails
	fails=$(grep -E '\[ *FAIL *\]' "$log") || return 1
	! grep -vqE "$cases" <<< "$fails"
}

while IFS=$'\t' read -r name limit xf_cases xf_why dir cmd; do
	i=$((i + 1))
	log=$run/logs/$name.log
	if [[ -n $load_error ]]; then
		say "not ok $i $name # $load_error"
		continue
	fi
	echo "seg6_mig-selftests: start $name" > /dev/kmsg
	refs0=$(module_refs)
	start=$SECONDS
	(cd "$dir" && exec timeout -k 10 "$limit" $cmd) < /dev/null > "$log" 2>&1
	rc=$?
	secs=$((SECONDS - start))
	leak=$(left_behind "$refs0" "$log")
	splat=$(dmesg | sed -n "/seg6_mig-selftests: start $name\$/,\$p" |
		grep -E -f <(grep -v '^#' "$warnings") | head -n 3)
	say "# $name: exit $rc after ${secs}s"
	if [[ -n $splat ]]; then
		while read -r l; do say "# $l"; done <<< "$splat"
		say "not ok $i $name # kernel warning"
	elif [[ -n $leak ]]; then
		say "not ok $i $name # $leak"
	elif ((rc == 124 || rc == 137)); then
		# What was stuck: the processes left and the kernel's view.
		ps -eo pid,stat,wchan:32,args >> "$log" 2>&1
		echo w > /proc/sysrq-trigger
		say "not ok $i $name # TIMEOUT after ${limit}s"
	elif [[ $xf_cases != - ]] && ((rc == 0)); then
		say "not ok $i $name # passed, but listed as an expected failure: $xf_why"
	elif [[ $xf_cases != - ]] && ((rc != 4)) && failed_as_expected "$log" "$xf_cases"; then
		say "ok $i $name # XFAIL $xf_why"
	elif ((rc == 0)); then
		say "ok $i $name"
	elif ((rc == 4)); then
		why=$(grep -ioE 'skip(ped)?\b.*' "$log" | tail -n 1)
		say "ok $i $name # SKIP ${why:-exit 4}"
	else
		tail -n 5 "$log" | while read -r l; do say "#   $l"; done
		say "not ok $i $name # exit $rc"
	fi
	# Tests must leave the module loaded for the ones after them.
	[[ -d /sys/module/seg6_mig ]] || insmod "$SEG6_MIG_KO" ||
		load_error="seg6_mig.ko could not be reloaded after $name"
done < "$run/plan"
