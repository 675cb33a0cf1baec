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

# busywait TIMEOUT_MS CMD...: run CMD until it succeeds or TIMEOUT_MS pass.
busywait() {
	local timeout_ms=$1 start
	shift
	start=$(date +%s%3N)
	until "$@"; do
		(($(date +%s%3N) - start > timeout_ms)) && return 1
		sleep 0.01
	done
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

# The module's text, [first symbol, the next symbol after its last one):
# reading /proc/kallsyms is slow under TCG, so once per test.
frees_init() {
	[[ -d $TRACEFS/instances ]] || mount -t tracefs tracefs $TRACEFS
	frees_range=$(sort /proc/kallsyms | awk '
		$2 ~ /^[tT]$/ && $4 == "[seg6_mig]" { if (!lo) lo = $1; last = NR; next }
		last && NR > last { print lo, $1; exit }')
	[[ -n $frees_range ]] || fail "seg6_mig's text is not in /proc/kallsyms"
}

frees_start() {
	[[ -n $frees_range ]] || frees_init
	rmdir "$frees_inst" 2>/dev/null || true
	mkdir "$frees_inst"
	set -- $frees_range
	echo "location >= 0x$1 && location < 0x$2" \
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
