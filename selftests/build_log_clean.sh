#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build_log_clean.sh BUILD_LOG: the module's build for this kernel (W=1 and
# sparse, C=1) printed no warning and no error.
set -eu
log=${1:?usage: build_log_clean.sh BUILD_LOG}
[[ -f $log ]] || { echo "FAIL: no build log $log"; exit 1; }
if grep -E 'warning:|error:|\bwarning\b' "$log"; then
	echo "FAIL: the build of seg6_mig.ko printed the lines above"
	exit 1
fi
grep -q 'seg6_mig.ko' "$log" || { echo "FAIL: $log does not show seg6_mig.ko built"; exit 1; }
echo "W=1 C=1 build clean"
