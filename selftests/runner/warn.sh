#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A test that passes but makes the kernel WARN: the run must fail.
ko=$SEG6_MIG_TOP/.cache/runner-warn/$(uname -r)/seg6_mig_warn.ko
insmod "$ko" 2>/dev/null	# its init WARNs and refuses to load
exit 0
