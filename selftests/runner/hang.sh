#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A test that never ends: the guest must be stopped at its time limit and
# the run must fail.
while :; do sleep 1; done
