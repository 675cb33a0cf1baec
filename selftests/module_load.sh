#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# seg6_mig.ko loads and unloads cleanly, 20 times in a row: each load logs
# the version, each unload logs it too (the messages pair up), nothing is
# left pinning the module, and the kernel logs no warning (checked here and
# again by the runner).
set -eu
source "$(dirname "$0")/lib.sh"
require_root
require_module

ROUNDS=20
version=$(modinfo -F version "$SEG6_MIG_KO")

kmsg_mark
for i in $(seq $ROUNDS); do
	if [[ -d /sys/module/seg6_mig ]]; then
		assert_eq "refcount before rmmod ($i)" 0 "$(cat /sys/module/seg6_mig/refcnt)"
		rmmod seg6_mig
	fi
	[[ ! -d /sys/module/seg6_mig ]] || fail "seg6_mig still loaded after rmmod ($i)"
	insmod "$SEG6_MIG_KO"
	[[ -d /sys/module/seg6_mig ]] || fail "seg6_mig not loaded after insmod ($i)"
	assert_eq "state ($i)" live "$(cat /sys/module/seg6_mig/initstate)"
done

log=$(kmsg_since_mark)
loaded=$(grep -c "seg6_mig: version $version loaded" <<< "$log" || true)
unloaded=$(grep -c "seg6_mig: version $version unloaded" <<< "$log" || true)
assert_eq "load messages" $ROUNDS "$loaded"
assert_eq "unload messages" $ROUNDS "$unloaded"
if grep -E -f <(grep -v '^#' "$(dirname "$0")/kernel-warnings") <<< "$log"; then
	fail "kernel warning during load/unload"
fi
echo "$ROUNDS load/unload rounds clean"
