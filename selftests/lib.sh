#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the selftests (sourced). Tests run with `set -e`, so a
# failing command is a failing test; the helpers below make the remaining
# assertions read as one line each.

ksft_skip=4

# Text printed on failure, then exit 1. A test may set FAIL_HOOK to a
# function that prints the state worth seeing (routes, counters).
FAIL_HOOK=
fail() {
	echo "FAIL: $*" >&2
	if [[ -n $FAIL_HOOK ]]; then
		local hook=$FAIL_HOOK
		FAIL_HOOK=
		$hook >&2 || true
	fi
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit $ksft_skip
}

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	[[ $2 == "$3" ]] || fail "$1: expected '$2', got '$3'"
}

require_root() {
	[[ $(id -u) == 0 ]] || skip "needs root"
}

require_module() {
	[[ -n ${SEG6_MIG_KO:-} && -f $SEG6_MIG_KO ]] ||
		skip "SEG6_MIG_KO does not name the built module"
}

# How much slower than a stock kernel under TCG this guest is (vm.sh sets
# SEG6_MIG_SLOW for the debug kernel: KASAN, lockdep and kmemleak). Time
# limits scale with it: busywait's, the receivers', and the hold times of
# End.BFW routes whose expiry is not what a test looks at (slow_ms).
SLOW=${SEG6_MIG_SLOW:-1}
slow_ms() { echo $(($1 * SLOW)); }
# hold_ms MS: slow_ms for End.BFW's hold, at most its 60000 ms.
hold_ms() { local ms=$(($1 * SLOW)); echo $((ms > 60000 ? 60000 : ms)); }

# busywait TIMEOUT_MS CMD...: run CMD until it succeeds or TIMEOUT_MS pass
# (times SLOW).
busywait() {
	local timeout_ms=$(($1 * SLOW)) start
	shift
	start=$(date +%s%3N)
	until "$@"; do
		(($(date +%s%3N) - start > timeout_ms)) && return 1
		sleep 0.01
	done
}

# kill_tree PID: PID and every process below it. A background job is a
# subshell (a pipeline, a function, `ip netns exec`): killing it alone
# leaves its children running, and they keep their namespaces alive.
# (Not stopped first: stopping members of an orphaned process group gets
# the whole group, the test too, a SIGHUP.)
kill_tree() {
	local c
	for c in $(pgrep -P "$1"); do
		kill_tree "$c"
	done
	kill -TERM "$1" 2>/dev/null || true
}

# snmp6 NS NAME: one IPv6 SNMP counter of a namespace.
snmp6() { ip netns exec "$1" awk -v k="$2" '$1 == k { print $2 }' /proc/net/snmp6; }

# Packets the CPUs' backlogs dropped (softnet_stat, all namespaces): a
# harness that sends faster than a contended guest forwards loses them
# before any SID.
softnet_drops() {
	local sum=0 d
	for d in $(awk '{ print $2 }' /proc/net/softnet_stat); do
		sum=$((sum + 16#$d))
	done
	echo $sum
}

# Kernel log lines written since the last kmsg_mark.
kmsg_mark() {
	kmsg_tag="seg6_mig-selftests: mark $$-$RANDOM"
	echo "$kmsg_tag" > /dev/kmsg
}

kmsg_since_mark() {
	dmesg | sed -n "/$kmsg_tag\$/,\$p" | tail -n +2
}

# The skbs seg6_mig.ko frees, by drop reason: the skb:kfree_skb tracepoint,
# filtered on a caller inside the module's text. Evidence that a queue's
# memory went back where no counter survives (route or namespace deleted).
TRACEFS=/sys/kernel/tracing
frees_inst=$TRACEFS/instances/seg6_mig_selftests

frees_range=

# The module's .text: its address from sysfs, its size from the .ko (reading
# /proc/kallsyms takes minutes under TCG).
frees_init() {
	local start size
	[[ -d $TRACEFS/instances ]] || mount -t tracefs tracefs $TRACEFS
	start=$(cat /sys/module/seg6_mig/sections/.text)
	size=$(readelf -SW "$SEG6_MIG_KO" |
		awk '{ for (i = 1; i < NF; i++) if ($i == ".text") print $(i + 4) }')
	[[ $start == 0x* && -n $size ]] || fail "no .text address/size for seg6_mig"
	frees_range=$(printf '%s 0x%x' "$start" $((start + 0x$size)))
}

frees_start() {
	[[ -n $frees_range ]] || frees_init
	rmdir "$frees_inst" 2>/dev/null || true
	mkdir "$frees_inst"
	set -- $frees_range
	echo "location >= $1 && location < $2" \
		> "$frees_inst/events/skb/kfree_skb/filter"
	echo 1 > "$frees_inst/events/skb/kfree_skb/enable"
}

# frees_count [REASON]: skbs freed since frees_start (with that reason).
frees_count() {
	grep -c "kfree_skb:.*reason: ${1:-}" "$frees_inst/trace" || true
}

frees_stop() {
	echo 0 > "$frees_inst/events/skb/kfree_skb/enable"
	rmdir "$frees_inst"
}

# The drop reason seg6_mig gives purged packets on this kernel.
purge_reason() {
	if grep -q QUEUE_PURGE "$TRACEFS/events/skb/kfree_skb/format"; then
		echo QUEUE_PURGE
	else
		echo NOT_SPECIFIED
	fi
}
