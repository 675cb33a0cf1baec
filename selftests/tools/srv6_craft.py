#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send SRv6 packets to a SID, well formed or broken in one named way.

    srv6_craft.py --src ADDR --sid SID --vip VIP --case CASE [--count N]
    srv6_craft.py --src ADDR --vip VIP --serve [--count N]

--serve reads "SID CASE" lines from standard input and answers each with
"sent SID CASE" once its packets are out: one Python (and scapy import,
seconds under TCG) for a whole test.

Cases (inline mode: Segment List = [VIP, SID], as seg6 inline would build):
  good            SL = 1: a valid packet (the harness's control case)
  sl0             SL = 0 in inline mode: the VIP is not ahead
  sl_beyond       SL = 3 > last entry + 1
  last_entry      Last Entry = 5, but the header holds 2 segments
  type0           routing type 0, not an SRH
  hdrlen_beyond   Hdr Ext Len says 8 segments, the packet ends after 2
  truncated       the packet ends in the middle of the SRH
  fragment        a Fragment header before the SRH (first fragment)
"""
import argparse
import sys

from scapy.all import (IPv6, IPv6ExtHdrFragment, IPv6ExtHdrRouting,
                       IPv6ExtHdrSegmentRouting, UDP, Raw, bytes_encode, send)

PAYLOAD = b"seg6_mig-malformed-test"


def build(case, src, sid, vip, dport):
    udp = UDP(sport=4242, dport=dport) / Raw(PAYLOAD)
    segs = [vip, sid]
    if case == "good":
        return IPv6(src=src, dst=sid) / IPv6ExtHdrSegmentRouting(
            addresses=segs, segleft=1, lastentry=1) / udp
    if case == "sl0":
        return IPv6(src=src, dst=sid) / IPv6ExtHdrSegmentRouting(
            addresses=segs, segleft=0, lastentry=1) / udp
    if case == "sl_beyond":
        return IPv6(src=src, dst=sid) / IPv6ExtHdrSegmentRouting(
            addresses=segs, segleft=3, lastentry=1) / udp
    if case == "last_entry":
        return IPv6(src=src, dst=sid) / IPv6ExtHdrSegmentRouting(
            addresses=segs, segleft=1, lastentry=5) / udp
    if case == "type0":
        return IPv6(src=src, dst=sid) / IPv6ExtHdrRouting(
            addresses=[vip], segleft=1) / udp
    if case == "hdrlen_beyond":
        return IPv6(src=src, dst=sid) / IPv6ExtHdrSegmentRouting(
            addresses=segs, segleft=1, lastentry=1, len=16, nh=59)
    if case == "truncated":
        whole = bytes_encode(IPv6(src=src, dst=sid) / IPv6ExtHdrSegmentRouting(
            addresses=segs, segleft=1, lastentry=1) / udp)
        return IPv6(src=src, dst=sid, nh=43) / Raw(whole[40:60])
    if case == "fragment":
        return IPv6(src=src, dst=sid) / IPv6ExtHdrFragment(
            m=1, id=0x5366) / IPv6ExtHdrSegmentRouting(
            addresses=segs, segleft=1, lastentry=1) / udp
    sys.exit(f"unknown case {case}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--sid")
    ap.add_argument("--vip", required=True)
    ap.add_argument("--case")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--dport", type=int, default=7000)
    ap.add_argument("--serve", action="store_true")
    a = ap.parse_args()
    if not a.serve:
        if not a.sid or not a.case:
            ap.error("--sid and --case, or --serve")
        send(build(a.case, a.src, a.sid, a.vip, a.dport), count=a.count,
             verbose=False)
        return
    for line in sys.stdin:
        sid, case = line.split()
        send(build(case, a.src, sid, a.vip, a.dport), count=a.count,
             verbose=False)
        print(f"sent {sid} {case}", flush=True)


if __name__ == "__main__":
    main()
