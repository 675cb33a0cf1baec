#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send raw generic netlink messages to the seg6_mig family.

  genl_raw.py case NAME   one crafted request; prints "errno=N msg=TEXT"
  genl_raw.py fuzz N SEED N random requests; prints how many the kernel
                          accepted and refused (every one must be answered)
  genl_raw.py expect SID VIP [MS] / unexpect SID VIP
                          SEG6_MIG_CMD_EXPECT / _UNEXPECT; "errno=N msg=TEXT"
  genl_raw.py expected SID
                          the VIPs the End.BFW route SID expects, one a line
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
CMD_EXPECT, CMD_UNEXPECT = 8, 9
A_SID, A_SID_LEN, A_ACTION, A_VIP = 2, 3, 4, 13
A_DEADLINE_MS, A_EXPECTED, A_MAX = 20, 21, 21
VIP_ADDR = 1


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
    "expect-no-sid": (CMD_EXPECT, attr(A_VIP, VIP)),
    "expect-no-vip": (CMD_EXPECT, attr(A_SID, SID)),
    "expect-deadline-0": (CMD_EXPECT, attr(A_SID, SID) + attr(A_VIP, VIP) + attr(A_DEADLINE_MS, b"\0" * 4)),
    "expect-deadline-max": (CMD_EXPECT, attr(A_SID, SID) + attr(A_VIP, VIP) + attr(A_DEADLINE_MS, struct.pack("I", 86400001))),
    "expect-deadline-u8": (CMD_EXPECT, attr(A_SID, SID) + attr(A_VIP, VIP) + attr(A_DEADLINE_MS, b"\1")),
    "expect-multicast": (CMD_EXPECT, attr(A_SID, SID) + attr(A_VIP, in6("ff02::1"))),
    "expect-fwp": (CMD_EXPECT, attr(A_SID, in6("fc00:a2::f")) + attr(A_VIP, VIP)),
    "expect-no-route": (CMD_EXPECT, attr(A_SID, in6("fc00:a2::99")) + attr(A_VIP, VIP)),
    "unexpect-deadline": (CMD_UNEXPECT, attr(A_SID, SID) + attr(A_VIP, VIP) + attr(A_DEADLINE_MS, b"\1\0\0\0")),
    "unexpect-unknown": (CMD_UNEXPECT, attr(A_SID, SID) + attr(A_VIP, in6("2001:db8::99"))),
}


def attrs(a):
    """Yield (type, payload) of a run of netlink attributes."""
    while len(a) >= 4:
        ln, kind = struct.unpack("HH", a[:4])
        yield kind & 0x3fff, a[4:ln]
        a = a[(ln + 3) & ~3:]


def main():
    g = Genl()
    if sys.argv[1] == "case":
        cmd, payload = CASES[sys.argv[2]]
        err, msg, _ = g.talk(g.family, cmd, payload, 0)
        print("errno=%d msg=%s" % (err, msg))
        return
    if sys.argv[1] in ("expect", "unexpect"):
        payload = attr(A_SID, in6(sys.argv[2])) + attr(A_VIP, in6(sys.argv[3]))
        if len(sys.argv) > 4:
            payload += attr(A_DEADLINE_MS, struct.pack("I", int(sys.argv[4])))
        cmd = CMD_EXPECT if sys.argv[1] == "expect" else CMD_UNEXPECT
        err, msg, _ = g.talk(g.family, cmd, payload, 0)
        print("errno=%d msg=%s" % (err, msg))
        return
    if sys.argv[1] == "expected":
        err, msg, msgs = g.talk(g.family, CMD_GET, b"", NLM_F_DUMP)
        if err:
            sys.exit("dump: errno %d %s" % (err, msg))
        for m in msgs:
            top = dict(attrs(m[4:]))
            if top.get(A_SID) != in6(sys.argv[2]) or A_EXPECTED not in top:
                continue
            for _, nest in attrs(top[A_EXPECTED]):
                print(socket.inet_ntop(socket.AF_INET6, dict(attrs(nest))[VIP_ADDR]))
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
