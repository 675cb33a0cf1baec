#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/test_gw.sh (seg6mig gw against the kernel's seg6 encap) in the
# guest: the build host's kernel may have no seg6 lwtunnel
# (CONFIG_IPV6_SEG6_LWTUNNEL), the guest's Debian kernel has it.
exec "$(dirname "$0")/../tools/test_gw.sh"
