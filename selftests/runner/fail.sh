#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A test that fails: the run must fail.
echo "FAIL: deliberately broken test"
exit 1
