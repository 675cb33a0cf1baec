#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's metadata: name, license, version (the one in module/version.h,
# also in sysfs), description, vermagic of the running kernel, and no
# dependency on other modules (seg6 is built into Debian's kernels).
set -eu
source "$(dirname "$0")/lib.sh"
require_module

top=$(cd "$(dirname "$0")/.." && pwd)
want_version=$(sed -n 's/^#define SEG6_MIG_VERSION "\(.*\)"$/\1/p' "$top/module/version.h")
field() { modinfo -F "$1" "$SEG6_MIG_KO"; }

assert_eq name seg6_mig "$(field name)"
assert_eq license GPL "$(field license)"
assert_eq version "$want_version" "$(field version)"
assert_eq "sysfs version" "$want_version" "$(cat /sys/module/seg6_mig/version)"
assert_eq vermagic "$(uname -r)" "$(field vermagic | cut -d' ' -f1)"
assert_eq depends "" "$(field depends)"
[[ -n $(field description) ]] || fail "no description"
[[ -n $(field srcversion) ]] || fail "no srcversion"
echo "modinfo: seg6_mig $want_version for $(uname -r)"
