#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A test that passes but leaves an End.BFW route behind, in a namespace a
# process it left running keeps alive: the run must fail.
set -eu
ns=s6m-leak-$$
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" -6 route add fc00:bf::100/128 encap seg6local action End.BFW dev lo
ip netns exec "$ns" sleep 600 < /dev/null > /dev/null 2>&1 &
# Once it runs in the namespace: deleting the name first would fail it.
until ip netns pids "$ns" | grep -qx $!; do
	kill -0 $! || exit 1
done
ip netns del "$ns"
exit 0
