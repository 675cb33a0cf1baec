#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Add End.FWP/End.BFW routes with attributes that ip refuses to send.

  seg6local_raw.py CASE SID DEV   one RTM_NEWROUTE SID/128 dev DEV (create,
                                  exclusive); prints "errno=N msg=TEXT"
                                  (errno 0: the kernel took it)
  seg6local_raw.py fuzz N SEED SID DEV
                                  N random End.FWP/End.BFW routes (create or
                                  replace), each checked against what
                                  module/lwt.c must answer; prints
                                  "sent=N accepted=A refused=R wrong=W" and
                                  each wrong answer

Cases: see CASES below. Used by iproute2_syntax.sh to check that the
kernel itself refuses what a user could send without ip's checks.
"""
import errno
import random
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
ATTR_BUF_BYTES, ATTR_HOLD, ATTR_STATS, ATTR_SETTLE = 2, 3, 4, 5
SEG6_LOCAL_TABLE, SEG6_LOCAL_COUNTERS = 3, 10
NLM_F_REPLACE = 0x100
# Each u32 parameter's accepted range, the errno past it (module/lwt.c).
RANGES = {ATTR_PRESENCE: (0, 1, errno.EINVAL), ATTR_BUF_PKTS: (0, 1 << 20, errno.ERANGE),
          ATTR_BUF_BYTES: (0, 1 << 30, errno.ERANGE), ATTR_HOLD: (1, 60000, errno.ERANGE),
          ATTR_SETTLE: (0, 10000, errno.ERANGE), ATTR_VIP_SHARE: (0, 1 << 20, errno.ERANGE)}
ANY = -1  # refused, errno not predicted (the netlink policy's own checks)


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


def boundary(r, lo, hi):
    return r.choice((lo, hi, hi + 1, max(lo - 1, 0), 0, 1, 0xFFFFFFFF,
                     r.randrange(hi + 2), r.randrange(1 << 32)))


def gen_params(r, action):
    """(bytes of a SEG6_LOCAL_MIG nest's content, predicted errno)."""
    out, policy_err, val = b"", False, {}
    for _ in range(r.randrange(7)):
        kind = r.choice(list(RANGES) + [ATTR_STRICT, ATTR_STATS, 0, 9, r.randrange(10, 300)])
        if kind in RANGES:
            if r.random() < 0.1:
                out += attr(kind, bytes(r.choice((0, 1, 2, 8))))
                policy_err = True
                continue
            v = boundary(r, *RANGES[kind][:2])
            out += u32(kind, v)
            val[kind] = v
        elif kind == ATTR_STRICT:
            data = b"" if r.random() < 0.9 else b"\1"
            out += attr(kind, data)
            policy_err |= bool(data)
            val[kind] = True
        else:  # dumps only, or unknown
            out += attr(kind, bytes(r.choice((0, 4, 8))))
            policy_err = True
    if policy_err:
        return out, ANY
    if ATTR_PRESENCE in val and val[ATTR_PRESENCE] > 1:
        return out, errno.EINVAL
    if action == END_FWP:
        return out, errno.EINVAL if set(val) - {ATTR_PRESENCE} else 0
    for kind in (ATTR_BUF_PKTS, ATTR_BUF_BYTES, ATTR_HOLD, ATTR_SETTLE, ATTR_VIP_SHARE):
        lo, hi, err = RANGES[kind]
        if kind in val and not lo <= val[kind] <= hi:
            return out, err
    return out, 0


def gen_encap(r):
    """(encap nest content, predicted errno): End.FWP or End.BFW first."""
    action = r.choice((END_FWP, END_BFW))
    out, want = u32(SEG6_LOCAL_ACTION, action), 0
    for _ in range(r.randrange(5)):
        k = r.randrange(10)
        if k <= 4:
            params, err = gen_params(r, action)
            nested = r.random() < 0.95
            out += attr(SEG6_LOCAL_MIG | (NLA_F_NESTED if nested else 0), params)
            err = err if nested else ANY
        elif k == 5:
            table = r.choice((0, 1, 254, 0xFFFFFFFF))
            if r.random() < 0.2:
                out += attr(SEG6_LOCAL_TABLE, b"\0\0")
                err = errno.EINVAL
            else:
                out += u32(SEG6_LOCAL_TABLE, table)
                err = errno.EINVAL if table == 0 else 0
        elif k == 6:
            out += attr(SEG6_LOCAL_COUNTERS | NLA_F_NESTED, b"")
            err = 0
        elif k == 7:  # a stock attribute, or one nobody knows
            out += attr(r.choice((2, 4, 5, 6, 7, 8, 9, 11, 0, 0x3EFF)), bytes(r.choice((0, 4, 16))))
            err = errno.EINVAL
        elif k == 8:  # a second action: the first decides
            out += u32(SEG6_LOCAL_ACTION, r.choice((1, END_FWP, END_BFW, 0xFFFFFFFF)))
            err = 0
        else:  # bytes that are not an attribute: ignored, as rtnetlink does
            out += bytes(r.randrange(256) for _ in range(r.choice((1, 2, 3))))
            return out, want
        if not want:
            want = err
    return out, want


def request(s, seq, sid, dev, encap, flags):
    # struct rtmsg: AF_INET6, /128, main table, boot, universe, unicast.
    rtm = struct.pack("BBBBBBBBI", socket.AF_INET6, 128, 0, 0, 254, 3, 0, 1, 0)
    body = rtm + attr(RTA_DST, socket.inet_pton(socket.AF_INET6, sid)) + \
        u32(RTA_OIF, socket.if_nametoindex(dev)) + \
        attr(RTA_ENCAP_TYPE, struct.pack("H", LWTUNNEL_ENCAP_SEG6_LOCAL)) + \
        attr(RTA_ENCAP | NLA_F_NESTED, encap)
    s.send(struct.pack("IHHII", 16 + len(body), RTM_NEWROUTE,
                       NLM_F_REQUEST | NLM_F_ACK | flags, seq, 0) + body)
    while True:
        buf = s.recv(65536)
        ln, kind, mflags, rseq, _ = struct.unpack("IHHII", buf[:16])
        if rseq == seq and kind == NLMSG_ERROR:
            msg = buf[16:ln]
            return -struct.unpack("i", msg[:4])[0], extack(msg, mflags)


def fuzz(n, seed, sid, dev):
    r = random.Random(seed)
    s = nl_socket(NETLINK_ROUTE)
    accepted = refused = 0
    wrong = []
    for i in range(n):
        encap, want = gen_encap(r)
        err, msg = request(s, i + 1, sid, dev, encap, NLM_F_CREATE | NLM_F_REPLACE)
        accepted += not err
        refused += bool(err)
        if (err != want and not (want == ANY and err)) or (err and not msg):
            wrong.append("%d: want %s got errno=%d msg=%s encap=%s" % (
                i, "refused" if want == ANY else want, err, msg, encap.hex()))
    print("sent=%d accepted=%d refused=%d wrong=%d" % (n, accepted, refused, len(wrong)))
    for w in wrong[:20]:
        print(w)


def main():
    if sys.argv[1] == "fuzz":
        fuzz(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
        return
    case, sid, dev = sys.argv[1:4]
    err, msg = request(nl_socket(NETLINK_ROUTE), 1, sid, dev, CASES[case],
                       NLM_F_CREATE | NLM_F_EXCL)
    print("errno=%d msg=%s" % (err, msg))


main()
