#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Wait for one incoming Ethernet frame of a given ethertype on an interface.

    ethwait.py IFNAME ETHERTYPE [TIMEOUT_MS]

Prints `ready` (flushed) once the packet socket is bound, then the first
matching frame as one line of hex, and exits 0; exits 1 after TIMEOUT_MS
(default 5000) without one. test_tools.sh uses it to see tapvm's announce
from the host side of the tap, independently of tapvm's own counters.
"""
import socket
import sys
import time

ifname, ethertype = sys.argv[1], int(sys.argv[2], 0)
timeout = int(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 5.0
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ethertype))
s.bind((ifname, ethertype))
print("ready", flush=True)
end = time.monotonic() + timeout
while (left := end - time.monotonic()) > 0:
    s.settimeout(left)
    try:
        frame, addr = s.recvfrom(65536)
    except socket.timeout:
        break
    if addr[2] != socket.PACKET_OUTGOING:
        print(frame.hex(), flush=True)
        sys.exit(0)
sys.exit(1)
