#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the gateway tests (gw_*.sh), sourced after lib.sh and
# topology.sh: seg6mig gw in the gateway's namespace, packet captures and
# what they show (the SRH as tcpdump prints it, udpseq's sequence numbers).

# SEG6MIG: topology.sh.

require_seg6mig() {
	[[ -x $SEG6MIG ]] || skip "$SEG6MIG is not built (make -C tools)"
	command -v tcpdump >/dev/null || skip "needs tcpdump"
	command -v python3 >/dev/null || skip "needs python3"
}

# gws ARGS...: seg6mig gw in the gateway.
gws() { "$SEG6MIG" -n "$NS_GW" gw "$@"; }

# gw_loc: the gateway's location of the VIP, as gw show prints it.
gw_loc() { gws show "$VIP" | awk '{ print $2 }'; }

# cap_start NAME NS IFACE [FILTER]: capture into $TRAFFIC_DIR/NAME.pcap;
# returns once tcpdump listens.
cap_start() {
	local name=$1 ns=$2 ifc=$3 filter=${4:-ip6[6] == 43}
	ip netns exec "$ns" tcpdump -i "$ifc" -nn -U --immediate-mode -s 256 \
		-w "$TRAFFIC_DIR/$name.pcap" "$filter" \
		2> "$TRAFFIC_DIR/$name.err" &
	echo $! > "$TRAFFIC_DIR/$name.cap.pid"
	busywait 20000 grep -q listening "$TRAFFIC_DIR/$name.err" ||
		fail "tcpdump on $ifc did not start: $(cat "$TRAFFIC_DIR/$name.err")"
}

# cap_stop NAME: end the capture (its file is then complete).
cap_stop() {
	local pidf=$TRAFFIC_DIR/$1.cap.pid
	[[ -f $pidf ]] || return 0
	kill -TERM "$(cat "$pidf")" 2>/dev/null || true
	wait "$(cat "$pidf")" 2>/dev/null || true
	rm -f "$pidf"
}

# cap_count NAME: packets captured.
cap_count() {
	tcpdump -r "$TRAFFIC_DIR/$1.pcap" -nn 2>/dev/null | grep -c . || true
}

# cap_rt6 NAME: the destination and routing header of each packet
# captured, as tcpdump -v prints them:
# "> fc00:a1::f: RT6 (len=4, type=4, segleft=1, ..., [0]..., [1]...)".
cap_rt6() {
	tcpdump -r "$TRAFFIC_DIR/$1.pcap" -nn -v 2>/dev/null |
		grep -o '> [0-9a-f:]*: RT6 ([^)]*)' || true
}

# cap_text NAME: everything tcpdump -v says about the capture.
cap_text() {
	tcpdump -r "$TRAFFIC_DIR/$1.pcap" -nn -v 2>/dev/null
}

# cap_seqs NAME: udpseq's sequence numbers of the captured datagrams, one a
# line, in capture order (SRH and IPv6-in-IPv6 walked through).
cap_seqs() {
	python3 - "$TRAFFIC_DIR/$1.pcap" <<-'EOF'
	import struct, sys
	data = open(sys.argv[1], "rb").read()
	link = struct.unpack("<I", data[20:24])[0]
	off = 24
	while off + 16 <= len(data):
	    caplen = struct.unpack("<I", data[off + 8:off + 12])[0]
	    pkt = data[off + 16:off + 16 + caplen]
	    off += 16 + caplen
	    p = 14 if link == 1 else 16        # Ethernet, or Linux cooked
	    if len(pkt) < p + 40 or pkt[p] >> 4 != 6:
	        continue
	    nh, p = pkt[p + 6], p + 40
	    while True:
	        if nh == 43 and len(pkt) >= p + 8:   # SRH
	            nh, p = pkt[p], p + 8 + pkt[p + 1] * 8
	        elif nh == 41 and len(pkt) >= p + 40:   # inner IPv6
	            nh, p = pkt[p + 6], p + 40
	        else:
	            break
	    if nh != 17 or len(pkt) < p + 20:
	        continue
	    magic, seq = struct.unpack(">IQ", pkt[p + 8:p + 20])
	    if magic == 0x53364d47:
	        print(seq)
	EOF
}
