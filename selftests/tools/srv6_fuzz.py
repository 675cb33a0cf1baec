#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Hostile SRv6 packets at End.FWP and End.BFW, each with the outcome it must
have: a model of SPEC section 2 and of the checks the kernel's End makes.

    srv6_fuzz.py send --dev IF --gw-mac MAC --src ADDR --vip VIP \\
                      --fwp SID --bfw SID --key ID:SECRET
        Reads "SEED COUNT REQUIRE_HMAC" lines. For each, sends COUNT random
        packets (half to each SID, interleaved) out of IF to the gateway
        and prints one JSON line: what End.FWP's and End.BFW's counters,
        the kernels' and the VM must show, as the model computes them.
    srv6_fuzz.py sniff --dev IF
        Prints "ready", then records the flow label of every IPv6 packet
        received on IF (not ND/MLD); on a line on standard input, prints
        them as a JSON list, in arrival order.

The packets: every SRH field at and past its limits (Segments Left, Last
Entry, Hdr Ext Len, routing type, flags), TLVs (PadN, Pad1, unknown, a
length running past the header, HMAC right, wrong, with an unknown key, or
flagged but absent), extension headers before and after the SRH
(Hop-by-Hop that the kernel keeps or drops, Destination Options, first and
later fragments), inline and encap mode, reduced encapsulation, nested
encapsulation, IPv4 and other inner protocols, zero-length payloads, and
IPv6 lengths that are short, long, zero or jumbo. Each packet's flow label
(outer and inner) is its number, so the VM's copy names it.

The model (route_at) follows the packet: the gateway's IPv6 input (what it
drops before any SID), the module's parse (module/packet.c, which mirrors
the kernel's seg6_validate_srh, ipv6_find_hdr and seg6_hmac_validate_skb),
End.FWP's and End.BFW's decision, and where a packet passed to its next
segment goes. The VIP is present on s1 (End.FWP) and absent on s2
(End.BFW); every other VIP is absent everywhere.
"""
import argparse
import hashlib
import hmac
import ipaddress
import json
import random
import socket
import struct
import sys
import time

ETH_P_IPV6 = 0x86DD
SO_RCVBUFFORCE, SOL_PACKET, PACKET_STATISTICS = 33, 263, 6
EXT_HDRS = (0, 43, 44, 51, 59, 60)  # ipv6_ext_hdr()
HOP, ROUTING, FRAG, NONE, DEST, IPV6, IPIP, UDP, ICMP6 = 0, 43, 44, 59, 60, 41, 4, 17, 58
SRH_TYPE, TLV_PAD1, TLV_PADN, TLV_HMAC, FLAG_HMAC = 4, 0, 4, 5, 0x08
DEAD = "fc00:dead::"  # next segments: unreachable on s1
OTHER_VIPS = 16       # absent VIPs besides the VM's


def a6(s):
    return ipaddress.IPv6Address(s).packed


def ip6(src, dst, nh, payload, fl, plen=None, ver=6):
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB", (ver << 28) | fl, plen & 0xFFFF, nh, 64) + \
        src + dst + payload


def padn(n):
    """n >= 2 bytes of padding, as the kernel reads TLVs (type, length)."""
    return struct.pack("BB", TLV_PADN, n - 2) + b"\0" * (n - 2)


def hmac_text(src, last, flags, keyid, segs):
    return src + struct.pack("!BBI", last, flags, keyid) + b"".join(segs)


class Gen:
    """Random packets; every choice in one place, seeded."""

    def __init__(self, a, rng):
        self.a, self.r = a, rng
        self.src = a6(a.src)
        self.vip = a6(a.vip)
        base = int(ipaddress.IPv6Address(a.vip)) & ~0xFFFF
        self.vips = [self.vip] + [
            ipaddress.IPv6Address(base + 0x1000 + i).packed for i in range(OTHER_VIPS)]
        self.dead = int(ipaddress.IPv6Address(DEAD))

    def pick_vip(self):
        return self.vip if self.r.random() < 0.5 else self.r.choice(self.vips)

    def seg(self):
        """A segment that is neither a SID nor the VM."""
        if self.r.random() < 0.2:
            return self.r.choice(self.vips[1:])
        return ipaddress.IPv6Address(self.dead + self.r.randrange(1, 1 << 16)).packed

    def upper(self):
        """(next header, bytes) of an upper layer, possibly empty."""
        r = self.r
        k = r.randrange(8)
        data = bytes(r.randrange(256) for _ in range(r.choice((0, 0, 1, 7, 32))))
        if k <= 2:
            return UDP, struct.pack("!HHHH", 4242, 7000, 8 + len(data), 0xFFFF) + data
        if k == 3:
            return NONE, b""
        if k == 4:
            return ICMP6, struct.pack("!BBHHH", 128, 0, 0, 0x5366, 1) + data
        if k == 5:  # IPv4 inside
            v4 = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 17, 0,
                             bytes((10, 0, 0, 1)), bytes((10, 0, 0, 2)))
            return IPIP, v4 + struct.pack("!HHHH", 1, 2, 8, 0)
        if k == 6:  # a fragment after the SRH: the VM's problem, not ours
            return FRAG, struct.pack("!BBHI", UDP, 0, r.choice((0, 8, 1)), 7) + \
                struct.pack("!HHHH", 1, 2, 8, 0)
        return r.randrange(256), data

    def inner(self, fl):
        """An inner packet for encap mode."""
        r = self.r
        nh, up = self.upper()
        if r.random() < 0.15:  # nested: an SRH inside too
            up = self.srh(nh, [self.vip, self.seg()], 1, b"")
            nh = ROUTING
        elif r.random() < 0.05:  # IPv6 in IPv6 in IPv6
            up = ip6(self.src, self.pick_vip(), nh, up, fl)
            nh = IPV6
        pkt = ip6(self.src, self.pick_vip(), nh, up, fl,
                  ver=6 if r.random() < 0.95 else r.choice((0, 4, 15)))
        if r.random() < 0.05:
            pkt = pkt[:r.randrange(40)]
        return pkt

    def srh(self, nh, segs, sl, tail, last=None, hdrlen=None, typ=SRH_TYPE,
            flags=0, tag=0):
        body = b"".join(segs) + tail
        if hdrlen is None:
            hdrlen = (8 + len(body)) // 8 - 1
        if last is None:
            last = len(segs) - 1
        return struct.pack("!BBBBBBH", nh, hdrlen & 0xFF, typ, sl & 0xFF,
                           last & 0xFF, flags, tag) + body

    def tlvs(self, segs, flags, last):
        """(TLV bytes, flags): a multiple of 8 bytes unless broken on purpose."""
        r = self.r
        k = r.randrange(10)
        if k <= 3:
            return b"", flags
        if k == 4:
            return padn(r.choice((8, 16))), flags
        if k == 5:  # Pad1 and a PadN: type 0 is two bytes to the kernel
            return b"\0\0" + padn(6), flags
        if k == 6:  # unknown TLV type, then padding
            return struct.pack("BB", r.randrange(6, 256), 4) + b"\x55" * 4 + b"\0\0", flags
        if k == 7:  # a TLV whose length runs past the header
            return struct.pack("BB", r.randrange(256), r.choice((7, 100, 255))) + b"\0" * 6, flags
        # HMAC: right, wrong, unknown key, or flagged with no TLV
        flags |= FLAG_HMAC
        kind = r.choice(("good", "good", "bad", "key", "noflag", "notlv"))
        if kind == "notlv":
            return padn(8), flags
        if kind == "noflag":
            flags &= ~FLAG_HMAC
        keyid = self.a.keyid if kind != "key" else self.a.keyid + 1
        mac = hmac.new(self.a.secret, hmac_text(self.src, last, flags, keyid, segs),
                       hashlib.sha256).digest()
        if kind == "bad":
            mac = bytes([mac[0] ^ 1]) + mac[1:]
        return struct.pack("!BBHI", TLV_HMAC, 38, 0, keyid) + mac, flags

    def packet(self, sid, fl):
        """One packet to @sid, as the client puts it on the wire."""
        r = self.r
        encap = r.random() < 0.5
        if encap and r.random() < 0.1:  # reduced encapsulation: no SRH
            return ip6(self.src, sid, IPV6, self.inner(fl), fl)
        n = r.choice((1, 2, 2, 3, 4, 8, 16)) if r.random() < 0.97 else 0
        segs = [self.pick_vip() if not encap else self.seg()] + \
            [self.seg() for _ in range(max(n - 1, 0))]
        lo = 0 if encap else 1
        sl = r.randrange(lo, n) if n > lo and r.random() < 0.7 else \
            r.choice((0, n, n + 1, 255, r.randrange(256)))
        if 0 <= sl < n and r.random() < 0.9:
            segs[sl] = sid
        if n == 0:
            segs = []
        last = n - 1 if r.random() < 0.85 else r.choice((n, n - 2, 255, r.randrange(256)))
        flags = r.randrange(256) & ~FLAG_HMAC if r.random() < 0.2 else 0
        tail, flags = self.tlvs(segs, flags, last & 0xFF)
        typ = SRH_TYPE if r.random() < 0.95 else r.choice((0, 2, 3, 5, 255))
        hdrlen = None if r.random() < 0.9 else r.choice((0, 1, 255, r.randrange(256)))
        if encap:
            nh, up = IPV6, self.inner(fl)
        else:
            nh, up = self.upper()
        srh = self.srh(nh, segs, sl, tail, last, hdrlen, typ, flags, r.randrange(1 << 16))
        return self.wrap(sid, srh + up, fl)

    def wrap(self, sid, payload, fl):
        """Extension headers before the SRH, and the IPv6 header's lengths."""
        r = self.r
        nh = ROUTING
        k = r.randrange(20)
        if k == 0:  # Hop-by-Hop the kernel keeps: PadN, unknown "skip" option
            payload = struct.pack("BB", nh, 0) + (padn(6) if r.random() < 0.5 else
                                                  b"\x1e\x02\0\0\x01\x00") + payload
            nh = HOP
        elif k == 1:  # Hop-by-Hop the kernel drops: unknown "discard" options
            payload = struct.pack("BB", nh, 0) + bytes((r.choice((0x5e, 0x9e, 0xde)), 4)) + \
                b"\0" * 4 + payload
            nh = HOP
        elif k == 2:  # Destination Options before the SRH
            payload = struct.pack("BB", nh, 0) + padn(6) + payload
            nh = DEST
        elif k == 3:  # the SRH in a fragment: first, later, atomic
            payload = struct.pack("!BBHI", nh, 0, r.choice((1, 0, 8 << 3, (8 << 3) | 1)),
                                  r.randrange(1 << 32)) + payload
            nh = FRAG
        k = r.randrange(25)
        ver = 6 if r.random() < 0.98 else r.choice((0, 4, 7))
        if k == 0:  # the packet ends early, consistently
            return ip6(self.src, sid, nh, payload[:r.randrange(len(payload) + 1)], fl, ver=ver)
        if k == 1:  # Payload Length beyond the packet
            return ip6(self.src, sid, nh, payload, fl, len(payload) + r.choice((1, 8, 1000)), ver)
        if k == 2:  # Payload Length short of it: the kernel trims
            return ip6(self.src, sid, nh, payload, fl, r.randrange(len(payload) + 1), ver)
        if k == 3:  # jumbo: Payload Length 0 and a Jumbo Payload option
            jumbo = r.choice((len(payload) + 8, 70000, 65535))
            hbh = struct.pack("!BBBBI", nh, 0, 0xC2, 4, jumbo)
            return ip6(self.src, sid, HOP, hbh + payload, fl, 0, ver)
        if k == 4:  # Payload Length 0, no Hop-by-Hop: only the IPv6 header is left
            return ip6(self.src, sid, nh, payload, fl, 0, ver)
        return ip6(self.src, sid, nh, payload, fl, ver=ver)


def gw_input(p):
    """The gateway's ip6_rcv_core(): the packet it forwards, or None."""
    if len(p) < 40 or p[0] >> 4 != 6:
        return None
    plen = struct.unpack("!H", p[4:6])[0]
    if plen or p[6] != HOP:
        if plen + 40 > len(p):
            return None
        p = p[:plen + 40]
    if p[6] == HOP:
        if len(p) < 48 or len(p) < 40 + ((p[41] + 1) << 3):
            return None
        if not hbh_ok(p):
            return None
    return p


def hbh_ok(p):
    """ip6_parse_tlv() of the options this generator writes."""
    end = 40 + ((p[41] + 1) << 3)
    off = 42
    while off < end:
        t = p[off]
        if t == 0:
            off += 1
            continue
        if off + 2 > end or off + 2 + p[off + 1] > end:
            return False
        if t == 0xC2:  # jumbo: only ever a drop at our sizes
            return False
        if t != 1 and t >> 6:
            return False
        off += 2 + p[off + 1]
    return True


def find_hdr(p, target):
    """ipv6_find_hdr(): (offset or -1, fragment flag)."""
    start, nh, frag = 40, p[6], False
    while True:
        found = nh == target
        if nh not in EXT_HDRS or nh == NONE:
            return (start, frag) if found else (-1, frag)
        if len(p) < start + 2:
            return -1, frag
        if nh == ROUTING and len(p) < start + 4:
            return -1, frag
        if nh == FRAG:
            frag = True
            if len(p) < start + 4:
                return -1, frag
            if struct.unpack("!H", p[start + 2:start + 4])[0] & ~7:
                return (start, frag) if found else (-1, frag)
            hlen = 8
        elif nh == 51:
            hlen = (p[start + 1] + 2) << 2
        else:
            hlen = (p[start + 1] + 1) << 3
        if found:
            return start, frag
        nh = p[start]
        start += hlen


def srh_ok(s):
    """seg6_validate_srh(), reduced."""
    if len(s) < 8 or s[2] != SRH_TYPE or (s[1] + 1) << 3 != len(s):
        return False
    if s[4] > s[1] // 2 - 1 or s[3] > s[4] + 1:
        return False
    off = 8 + ((s[4] + 1) << 4)
    trailing = len(s) - off
    if trailing < 0:
        return False
    while trailing:
        if trailing < 2:
            return False
        tlen = 2 + s[off + 1]
        trailing -= tlen
        if trailing < 0:
            return False
        off += tlen
    return True


def hmac_ok(p, s, require, keys):
    """seg6_hmac_validate_skb() for the ingress port's seg6_require_hmac."""
    tlv = None
    if s[1] >= (s[4] + 1) * 2 + 5 and s[5] & FLAG_HMAC:
        t = s[len(s) - 40:]
        if t[0] == TLV_HMAC and t[1] == 38:
            tlv = t
    if require > 0 and tlv is None:
        return False
    if require < 0 or tlv is None:
        return True
    keyid = struct.unpack("!I", tlv[4:8])[0]
    if keyid not in keys or 22 + (s[4] + 1) * 16 >= 256:
        return False
    segs = [s[8 + 16 * i:24 + 16 * i] for i in range(s[4] + 1)]
    mac = hmac.new(keys[keyid], hmac_text(p[8:24], s[4], s[5], keyid, segs),
                   hashlib.sha256).digest()
    return hmac.compare_digest(mac, tlv[8:40])


def parse(p, require, keys):
    """module/packet.c seg6_mig_parse(): None (invalid) or a dict."""
    off, frag = find_hdr(p, ROUTING)
    if off < 0:
        if frag:
            return None
        off, frag = find_hdr(p, IPV6)
        if off < 0 or frag:
            return None
        return parse_inner(p, off, {"sl": 0})
    if frag or len(p) < off + 8 or len(p) < off + ((p[off + 1] + 1) << 3):
        return None
    s = p[off:off + ((p[off + 1] + 1) << 3)]
    if not srh_ok(s) or not hmac_ok(p, s, require, keys):
        return None
    pkt = {"sl": s[3], "srhoff": off, "srh": s}
    if s[0] == IPV6:
        return parse_inner(p, off + len(s), pkt)
    if not s[3] or off != 40:
        return None
    pkt["vip"] = s[8:24]
    return pkt


def parse_inner(p, off, pkt):
    if len(p) < off + 40 or p[off] >> 4 != 6:
        return None
    pkt.update(vip=p[off + 24:off + 40], inner=True)
    return pkt


class Model:
    """Where each packet ends, counted as the module and the kernels count."""

    def __init__(self, a, require, keys):
        self.vip, self.fwp, self.bfw = a6(a.vip), a6(a.fwp), a6(a.bfw)
        self.dead = ipaddress.IPv6Network(DEAD + "/64")
        self.require, self.keys = require, keys
        self.c = {k: 0 for k in (
            "sent", "gw_dropped", "fwp_errors", "fwp_local", "fwp_next", "fwp_absent",
            "bfw_errors", "bfw_buffered", "bfw_buffered_vip", "s1_noroute", "gw_noroute",
            "vm_next")}
        self.vm_now = []       # flow labels the VM gets at once, in order
        self.vm_release = []   # ... once its port is on s2 (End.BFW's queue)

    def send(self, p, fl):
        self.c["sent"] += 1
        p = gw_input(p)
        if p is None:
            self.c["gw_dropped"] += 1
            return
        self.route_at_s1(p, fl)

    def route_at_s1(self, p, fl):
        da = p[24:40]
        if da == self.fwp:
            self.end_fwp(p, fl)
        elif da == self.bfw:
            self.end_bfw(p, fl)
        elif da == self.vip:
            self.c["vm_next"] += 1
            self.vm_now.append(fl)
        elif ipaddress.IPv6Address(da) in self.dead:
            self.c["s1_noroute"] += 1
        else:
            self.c["gw_noroute"] += 1

    def end_fwp(self, p, fl):
        pkt = parse(p, self.require, self.keys)
        if pkt is None:
            self.c["fwp_errors"] += 1
        elif pkt["vip"] == self.vip:
            self.c["fwp_local"] += 1
            self.vm_now.append(fl)
        elif pkt["sl"] >= (1 if pkt.get("inner") else 2):
            self.c["fwp_next"] += 1
            sl = pkt["sl"] - 1
            o, s = pkt["srhoff"], pkt["srh"]
            seg = s[8 + 16 * sl:24 + 16 * sl]
            p = p[:24] + seg + p[40:o + 3] + bytes((sl,)) + p[o + 4:]
            self.route_at_s1(p, fl)
        else:
            self.c["fwp_absent"] += 1

    def end_bfw(self, p, fl):
        pkt = parse(p, self.require, self.keys)
        if pkt is None:
            self.c["bfw_errors"] += 1
            return
        self.c["bfw_buffered"] += 1
        if pkt["vip"] == self.vip:
            self.c["bfw_buffered_vip"] += 1
            self.vm_release.append(fl)


def cmd_send(a):
    a.keyid, secret = a.key.split(":", 1)
    a.keyid, a.secret = int(a.keyid), secret.encode()
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IPV6))
    mac = bytes.fromhex(a.gw_mac.replace(":", ""))
    dest = (a.dev, ETH_P_IPV6, 0, 0, mac)
    fl = a.first_label
    for line in sys.stdin:
        seed, count, require = (int(x) for x in line.split())
        rng = random.Random(seed)
        gen = Gen(a, rng)
        model = Model(a, require, {a.keyid: a.secret})
        for i in range(count):
            sid = a6(a.fwp) if rng.random() < 0.5 else a6(a.bfw)
            p = gen.packet(sid, fl)
            model.send(p, fl)
            sock.sendto(p, dest)
            fl += 1
            if i % a.burst == a.burst - 1:
                time.sleep(0.001)  # let the path drain: no backlog drops
        print(json.dumps({**model.c, "vm_now": model.vm_now,
                          "vm_release": model.vm_release}), flush=True)


def cmd_sniff(a):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IPV6))
    sock.bind((a.dev, ETH_P_IPV6))
    # End.BFW releases its queue at once: room for all of it (root may
    # pass rmem_max), and the socket's own drop count in every answer.
    sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 1 << 26)
    sock.setblocking(False)
    print("ready", flush=True)
    got, other, drops = [], 0, 0
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ)
    sel.register(sys.stdin, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is sys.stdin:
                if not sys.stdin.readline():
                    return
                drops += struct.unpack("II", sock.getsockopt(
                    SOL_PACKET, PACKET_STATISTICS, 8))[1]
                print(json.dumps({"labels": got, "unlabelled": other,
                                  "dropped": drops}), flush=True)
                continue
            while True:
                try:
                    p, addr = sock.recvfrom(65536)
                except BlockingIOError:
                    break
                if addr[2] == socket.PACKET_OUTGOING or len(p) < 40:
                    continue
                fl = struct.unpack("!I", p[:4])[0] & 0xFFFFF
                if fl:
                    got.append(fl)
                elif not (p[6] == ICMP6 and len(p) > 40 and 130 <= p[40] <= 143) and \
                        not (p[6] == HOP and p[24] == 0xFF):
                    other += 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    for opt in ("--dev", "--gw-mac", "--src", "--vip", "--fwp", "--bfw", "--key"):
        s.add_argument(opt, required=True)
    s.add_argument("--first-label", type=int, default=1)
    s.add_argument("--burst", type=int, default=16)
    f = sub.add_parser("sniff")
    f.add_argument("--dev", required=True)
    a = ap.parse_args()
    cmd_send(a) if a.cmd == "send" else cmd_sniff(a)


if __name__ == "__main__":
    main()
