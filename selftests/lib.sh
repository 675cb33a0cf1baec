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
