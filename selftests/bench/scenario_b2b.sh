#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scenarios.sh's "b2b" scenario alone (a test of its own: the runner gives
# each 900 s).
exec "$(dirname "$0")/scenarios.sh" b2b
