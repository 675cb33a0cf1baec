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

NETLINK_ROUTE = 0
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
NLMSG_ERROR = 2
NETLINK_EXT_ACK, NETLINK_CAP_ACK, SOL_NETLINK = 11, 10, 270
NLMSGERR_ATTR_MSG = 1
NLA_F_NESTED = 0x8000
RTM_NEWROUTE = 24
RTA_DST, RTA_OIF, RTA_ENCAP, RTA_ENCAP_TYPE = 1, 4, 22, 21
LWTUNNEL_ENCAP_SEG6_LOCAL = 7
SEG6_LOCAL_ACTION = 1
# uapi/linux/seg6_mig.h
SEG6_LOCAL_MIG = 0x3F00
END_FWP, END_BFW = 0x80000001, 0x80000002
ATTR_BUF_PKTS, ATTR_PRESENCE = 1, 6


def attr(kind, data):
    return struct.pack("HH", 4 + len(data), kind) + data + b"\0" * (-len(data) % 4)


def u32(kind, val):
    return attr(kind, struct.pack("I", val))


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
    # What ip sends for "presence announce": accepted.
    "fwp-announce": mig(END_FWP, u32(ATTR_PRESENCE, 1)),
}


def extack(msg, flags):
    off = 4 + (16 if flags & 0x100 else struct.unpack("I", msg[4:8])[0])
    a = msg[off:]
    while len(a) >= 4:
        ln, kind = struct.unpack("HH", a[:4])
        if ln < 4:
            break
        if kind == NLMSGERR_ATTR_MSG:
            return a[4:ln].rstrip(b"\0").decode()
        a = a[(ln + 3) & ~3:]
    return ""


def main():
    case, sid, dev = sys.argv[1:4]
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    s.bind((0, 0))
    s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    s.settimeout(5)
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
