#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Add End.FWP/End.BFW routes with attributes that ip refuses to send.

  seg6local_raw.py CASE SID DEV   one RTM_NEWROUTE SID/128 dev DEV (create,
                                  exclusive); prints "errno=N msg=TEXT"
                                  (errno 0: the kernel took it)

Cases: see CASES below. Used by iproute2_syntax.sh to check that the
kernel itself refuses what a user could send without ip's checks.
"""
import socket
import struct
import sys

from nlraw import (NLA_F_NESTED, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL,
                   NLM_F_REQUEST, NLMSG_ERROR, attr, extack, nl_socket, u32)

NETLINK_ROUTE = 0
RTM_NEWROUTE = 24
RTA_DST, RTA_OIF, RTA_ENCAP, RTA_ENCAP_TYPE = 1, 4, 22, 21
LWTUNNEL_ENCAP_SEG6_LOCAL = 7
SEG6_LOCAL_ACTION = 1
# uapi/linux/seg6_mig.h
SEG6_LOCAL_MIG = 0x3F00
END_FWP, END_BFW = 0x80000001, 0x80000002
ATTR_BUF_PKTS, ATTR_PRESENCE, ATTR_STRICT, ATTR_VIP_SHARE = 1, 6, 7, 8


def mig(action, *params):
    """The encap nest: the action, and SEG6_LOCAL_MIG with @params."""
    return u32(SEG6_LOCAL_ACTION, action) + \
        attr(SEG6_LOCAL_MIG | NLA_F_NESTED, b"".join(params))


CASES = {
    # A presence policy the module does not know.
    "fwp-presence-2": mig(END_FWP, u32(ATTR_PRESENCE, 2)),
    "bfw-presence-max": mig(END_BFW, u32(ATTR_PRESENCE, 0xFFFFFFFF)),
    # Not a u32.
    "bfw-presence-u8": mig(END_BFW, attr(ATTR_PRESENCE, b"\1")),
    # End.BFW's parameters on End.FWP, with a valid presence.
    "fwp-buffer": mig(END_FWP, u32(ATTR_PRESENCE, 1), u32(ATTR_BUF_PKTS, 10)),
    # strict and vip-share are End.BFW's; the share within the buffer's range.
    "fwp-strict": mig(END_FWP, attr(ATTR_STRICT, b"")),
    "bfw-share-max": mig(END_BFW, u32(ATTR_VIP_SHARE, 1048577)),
    "bfw-strict-value": mig(END_BFW, attr(ATTR_STRICT, b"\1")),
    # What ip sends for "presence announce": accepted.
    "fwp-announce": mig(END_FWP, u32(ATTR_PRESENCE, 1)),
}


def main():
    case, sid, dev = sys.argv[1:4]
    s = nl_socket(NETLINK_ROUTE)
    # struct rtmsg: AF_INET6, /128, main table, boot, universe, unicast.
    rtm = struct.pack("BBBBBBBBI", socket.AF_INET6, 128, 0, 0, 254, 3, 0, 1, 0)
    body = rtm + attr(RTA_DST, socket.inet_pton(socket.AF_INET6, sid)) + \
        u32(RTA_OIF, socket.if_nametoindex(dev)) + \
        attr(RTA_ENCAP_TYPE, struct.pack("H", LWTUNNEL_ENCAP_SEG6_LOCAL)) + \
        attr(RTA_ENCAP | NLA_F_NESTED, CASES[case])
    flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL
    s.send(struct.pack("IHHII", 16 + len(body), RTM_NEWROUTE, flags, 1, 0) + body)
    while True:
        buf = s.recv(65536)
        ln, kind, mflags, seq, _ = struct.unpack("IHHII", buf[:16])
        if seq == 1 and kind == NLMSG_ERROR:
            msg = buf[16:ln]
            err = -struct.unpack("i", msg[:4])[0]
            print("errno=%d msg=%s" % (err, extack(msg, mflags)))
            return


main()
