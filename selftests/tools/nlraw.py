# SPDX-License-Identifier: GPL-2.0
"""Netlink by hand, for the tools that send what ip and seg6mig refuse to:
attributes, a socket asking for extended acks, the extack message of an
NLMSG_ERROR."""
import socket
import struct

NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
NLM_F_DUMP = 0x300
NLM_F_CAPPED = 0x100
NLMSG_ERROR, NLMSG_DONE = 2, 3
NETLINK_EXT_ACK, NETLINK_CAP_ACK, SOL_NETLINK = 11, 10, 270
NLMSGERR_ATTR_MSG = 1
NLA_F_NESTED = 0x8000


def attr(kind, data):
    return struct.pack("HH", 4 + len(data), kind) + data + b"\0" * (-len(data) % 4)


def u32(kind, val):
    return attr(kind, struct.pack("I", val))


def nl_socket(bus):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, bus)
    s.bind((0, 0))
    s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    s.settimeout(5)
    return s


def extack(msg, flags):
    """The message of an NLMSG_ERROR payload @msg (after the header)."""
    off = 4 + (16 if flags & NLM_F_CAPPED else struct.unpack("I", msg[4:8])[0])
    a = msg[off:]
    while len(a) >= 4:
        ln, kind = struct.unpack("HH", a[:4])
        if ln < 4:
            break
        if kind == NLMSGERR_ATTR_MSG:
            return a[4:ln].rstrip(b"\0").decode()
        a = a[(ln + 3) & ~3:]
    return ""
