#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send raw generic netlink messages to the seg6_mig family.

  genl_raw.py case NAME   one crafted request; prints "errno=N msg=TEXT"
  genl_raw.py fuzz N SEED N random requests; prints how many the kernel
                          accepted and refused (every one must be answered)
"""
import errno
import os
import random
import socket
import struct
import sys

from nlraw import (NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE,
                   NLMSG_ERROR, attr, extack, nl_socket)

NETLINK_GENERIC = 16
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2

# uapi/linux/seg6_mig.h
CMD_GET, CMD_RELEASE, CMD_PURGE, CMD_ARRIVED = 1, 2, 3, 4
A_SID, A_SID_LEN, A_ACTION, A_VIP, A_MAX = 2, 3, 4, 13, 17


class Genl:
    def __init__(self):
        self.s = nl_socket(NETLINK_GENERIC)
        self.seq = 0
        err, _, msgs = self.talk(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                                 attr(CTRL_ATTR_FAMILY_NAME, b"seg6_mig\0"), 0)
        if err:
            sys.exit("no seg6_mig family: errno %d" % err)
        a = msgs[0][4:]
        while a:
            ln, kind = struct.unpack("HH", a[:4])
            if kind == CTRL_ATTR_FAMILY_ID:
                self.family = struct.unpack("H", a[4:6])[0]
            a = a[(ln + 3) & ~3:]

    def talk(self, family, cmd, payload, flags, version=1, reserved=0):
        """Send one request; return (errno, extack message, data messages)."""
        self.seq += 1
        body = struct.pack("BBH", cmd, version, reserved) + payload
        hdr = struct.pack("IHHII", 16 + len(body), family,
                          NLM_F_REQUEST | NLM_F_ACK | flags, self.seq, 0)
        self.s.send(hdr + body)
        msgs = []
        while True:
            buf = self.s.recv(65536)
            while buf:
                ln, kind, mflags, seq, _ = struct.unpack("IHHII", buf[:16])
                msg, buf = buf[16:ln], buf[(ln + 3) & ~3:]
                if seq != self.seq:
                    continue
                if kind == NLMSG_DONE:
                    return 0, "", msgs
                if kind == NLMSG_ERROR:
                    err = -struct.unpack("i", msg[:4])[0]
                    return err, extack(msg, mflags), msgs
                msgs.append(msg)


def in6(text):
    return socket.inet_pton(socket.AF_INET6, text)


SID, VIP = in6("fc00:a2::b"), in6("2001:db8::10")
CASES = {
    "no-sid": (CMD_RELEASE, attr(A_VIP, VIP)),
    "no-vip": (CMD_PURGE, attr(A_SID, SID)),
    "sid-short": (CMD_RELEASE, attr(A_SID, SID[:15]) + attr(A_VIP, VIP)),
    "sid-long": (CMD_RELEASE, attr(A_SID, SID + b"\0") + attr(A_VIP, VIP)),
    "sid-u32": (CMD_PURGE, attr(A_SID, b"\1\0\0\0") + attr(A_VIP, VIP)),
    "vip-empty": (CMD_PURGE, attr(A_SID, SID) + attr(A_VIP, b"")),
    "unknown-attr": (CMD_RELEASE, attr(A_SID, SID) + attr(A_VIP, VIP) + attr(A_MAX + 1, b"\0" * 4)),
    "output-attr": (CMD_RELEASE, attr(A_SID, SID) + attr(A_VIP, VIP) + attr(A_ACTION, b"\0" * 4)),
    "unknown-cmd": (99, b""),
    "event-cmd": (CMD_ARRIVED, attr(A_SID, SID)),
}


def main():
    g = Genl()
    if sys.argv[1] == "case":
        cmd, payload = CASES[sys.argv[2]]
        err, msg, _ = g.talk(g.family, cmd, payload, 0)
        print("errno=%d msg=%s" % (err, msg))
        return
    if sys.argv[1] == "reserved":
        err, msg, _ = g.talk(g.family, CMD_GET, b"", NLM_F_DUMP, reserved=1)
        print("errno=%d msg=%s" % (err, msg))
        return
    # fuzz N SEED: random commands, flags, attribute types, lengths, bytes.
    n, rnd = int(sys.argv[2]), random.Random(int(sys.argv[3]))
    accepted = refused = 0
    for _ in range(n):
        cmd = rnd.choice([0, CMD_GET, CMD_RELEASE, CMD_PURGE, CMD_ARRIVED, 7, 8, rnd.randrange(256)])
        payload = b""
        for _ in range(rnd.randrange(5)):
            kind = rnd.choice([A_SID, A_VIP, A_SID_LEN, A_ACTION, rnd.randrange(0x8000)])
            ln = rnd.choice([0, 1, 4, 8, 15, 16, 17, rnd.randrange(64)])
            data = SID if ln == 16 and rnd.random() < 0.5 else os.urandom(ln)
            payload += attr(kind, data)
        if rnd.random() < 0.1:
            payload = os.urandom(rnd.randrange(32))
        flags = NLM_F_DUMP if rnd.random() < 0.3 else 0
        err, _, _ = g.talk(g.family, cmd, payload, flags,
                           version=rnd.choice([1, 1, 0, 2]),
                           reserved=rnd.choice([0, 0, 0, 1]))
        if err:
            refused += 1
        else:
            accepted += 1
    print("sent=%d accepted=%d refused=%d" % (n, accepted, refused))


main()
