// SPDX-License-Identifier: GPL-2.0
/*
 * tapvm: the network side of a VM behind a tap, the way QEMU behaves around
 * a live migration, without QEMU.
 *
 * Why: End.BFW releases the packets it holds for a VM once the VM's port is
 * "present", which today means the port has carrier. A QEMU tap gets carrier
 * the moment QEMU opens /dev/net/tun (TUNSETIFF), long before the migrated
 * VM runs: on the destination host the port is up for the whole migration,
 * and whatever is released into it goes to a paused VM and is lost. This
 * program reproduces exactly that, so that tests can show the problem and
 * check the fixes (a tap created with IFF_NO_CARRIER and switched on at the
 * resume, or a presence policy that waits for the VM's announce):
 *
 *  - it opens tap TAPNAME and holds it (carrier up, unless -c: then
 *    IFF_NO_CARRIER, carrier off) while the "VM is paused": frames the host
 *    sends into the tap are read, counted and dropped, as a paused guest
 *    never sees them;
 *  - at the "resume" (RESUME_TRIGGER file appears, or SIGUSR1) it switches
 *    the carrier on (-c), announces the VM as QEMU (RARP, ethertype 0x8035
 *    opcode 3) or a guest with virtio announce (unsolicited NA) does, then
 *    moves frames both ways between the tap and IFNAME, an interface (veth
 *    end) leading into the namespace that plays the VM.
 *
 * QEMU itself does not read the tap while the VM is not running (it stops
 * polling it): frames wait in the tap's queue (txqueuelen frames, the rest
 * is dropped by the kernel) and reach the VM at the resume. -q does that;
 * by default tapvm reads and drops them, the worst case, which also makes
 * them countable.
 *
 * Both sides carry virtio-net headers (IFF_VNET_HDR, PACKET_VNET_HDR) as
 * QEMU's do, so checksum-offloaded frames from the VM side (veth passes
 * CHECKSUM_PARTIAL along) reach the host with their checksum state intact.
 * IFNAME should be a bare port (no addresses, IPv6 off): its own outgoing
 * frames are not forwarded.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "csum.h"

#ifndef IFF_NO_CARRIER
#define IFF_NO_CARRIER	0x0040		/* Linux 6.0 */
#endif
#ifndef TUNSETCARRIER
#define TUNSETCARRIER	_IOW('T', 226, int)
#endif

#define VNET_HLEN	10		/* struct virtio_net_hdr */
#define ETH_HL		14

static volatile sig_atomic_t stop, resume_sig;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		resume_sig = 1;
	else
		stop = 1;
}

static struct {
	uint64_t dropped, dropped_udp_echo, to_vm, from_vm, announces, errors;
	uint64_t resume_ns;
} st;

static void usage(void)
{
	fprintf(stderr,
		"usage: tapvm -t TAPNAME -i IFNAME [-m VM_MAC] [-a rarp|na|none] [-A VIP] [-c]\n"
		"             [-q] [-r RESUME_TRIGGER] [-j]\n"
		"  Holds tap TAPNAME open (carrier up; -c: IFF_NO_CARRIER, carrier off) as\n"
		"  QEMU does for a paused VM: frames from the tap are counted and dropped.\n"
		"  Prints `ready` once the tap is open. Resume when the file RESUME_TRIGGER\n"
		"  appears or on SIGUSR1: carrier on (-c), announce (-a rarp: QEMU's RARP\n"
		"  from VM_MAC, default IFNAME's MAC; -a na: unsolicited neighbour\n"
		"  advertisement for VIP -A; default none), print `resumed`, then move\n"
		"  frames between the tap and IFNAME both ways. SIGINT/SIGTERM: summary\n"
		"  on stdout (one JSON line with -j), exit 0. Exit 1 on errors. -q: as QEMU,\n"
		"  leave frames in the tap's queue until the resume instead of dropping them.\n");
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* IPv6 UDP or ICMPv6 echo request/reply: what the tests send to the VM. */
static bool is_udp_or_echo(const uint8_t *f, size_t len)
{
	size_t p = ETH_HL + 40;
	uint16_t type;
	uint8_t nh;

	if (len < ETH_HL)
		return false;
	type = get16(f + 12);
	if (type != ETH_P_IPV6 || len < p || (f[ETH_HL] >> 4) != 6)
		return false;
	nh = f[ETH_HL + 6];
	while ((nh == 0 || nh == 43 || nh == 60) && p + 8 <= len) {
		nh = f[p];
		p += ((size_t)f[p + 1] + 1) * 8;
	}
	if (nh == 17)
		return p + 8 <= len;
	return nh == 58 && p < len && (f[p] == 128 || f[p] == 129);
}

/* QEMU's announce (net/announce.c): RARP "reverse request", 60 bytes. */
static size_t build_rarp(uint8_t *f, const uint8_t mac[6])
{
	static const uint8_t arp[8] = { 0, 1, 8, 0, 6, 4, 0, 3 };

	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x80;
	f[13] = 0x35;
	memcpy(f + 14, arp, 8);		/* Ethernet, IPv4, hlen 6, plen 4, op 3 */
	memcpy(f + 22, mac, 6);		/* sender hw; sender proto 0 */
	memcpy(f + 32, mac, 6);		/* target hw; target proto 0 */
	return 60;
}

/*
 * Unsolicited neighbour advertisement (RFC 4861 4.4, 7.2.6): VIP to
 * ff02::1, hop limit 255, Override set, Solicited clear, option target
 * link-layer address = VM's MAC.
 */
static size_t build_na(uint8_t *f, const uint8_t mac[6], const struct in6_addr *vip)
{
	static const uint8_t all_nodes[16] = { 0xff, 2, [15] = 1 };
	uint8_t *ip = f + ETH_HL, *icmp = ip + 40, ph[8] = { 0, 0, 0, 32, 0, 0, 0, 58 };
	uint32_t sum;

	memset(f, 0, ETH_HL + 40 + 32);
	memcpy(f, (uint8_t[]){ 0x33, 0x33, 0, 0, 0, 1 }, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	ip[0] = 0x60;
	ip[5] = 32;			/* payload length: NA 24 + option 8 */
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, vip, 16);
	memcpy(ip + 24, all_nodes, 16);
	icmp[0] = 136;
	icmp[4] = 0x20;			/* O */
	memcpy(icmp + 8, vip, 16);
	icmp[24] = 2;			/* target link-layer address, 8 bytes */
	icmp[25] = 1;
	memcpy(icmp + 26, mac, 6);
	sum = sum16(0, ip + 8, 32);	/* pseudo-header: addresses, length, 58 */
	sum = sum16(sum, ph, 8);
	sum = (uint16_t)~sum16(sum, icmp, 32);
	icmp[2] = (uint8_t)(sum >> 8);
	icmp[3] = (uint8_t)sum;
	return ETH_HL + 40 + 32;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char c;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &c) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

/* Bound to IFNAME with protocol 0 (nothing received) until the resume. */
static int bind_packet(int ps, int ifindex, uint16_t proto)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = ifindex,
	};

	return bind(ps, (struct sockaddr *)&sll, sizeof(sll));
}

static int open_tap(const char *name, bool no_carrier)
{
	unsigned int features = 0;
	struct ifreq ifr;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tapvm: /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	/* An older kernel ignores flags it does not know: ask first. */
	if (no_carrier && (ioctl(fd, TUNGETFEATURES, &features) < 0 ||
			   !(features & IFF_NO_CARRIER))) {
		fprintf(stderr, "tapvm: -c: this kernel does not support IFF_NO_CARRIER "
			"(TUNGETFEATURES 0x%x; added in Linux 6.0)\n", features);
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (no_carrier)
		ifr.ifr_flags |= IFF_NO_CARRIER;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "tapvm: TUNSETIFF %s%s: %s\n", name,
			no_carrier ? " with IFF_NO_CARRIER" : "", strerror(errno));
		return -1;
	}
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		fprintf(stderr, "tapvm: O_NONBLOCK on the tap: %s\n", strerror(errno));
		return -1;
	}
	return fd;
}

/* Reads one frame from the tap: > 0 its length with the vnet header. */
static ssize_t read_tap(int fd, uint8_t *buf, size_t size, bool resumed)
{
	ssize_t n = read(fd, buf, size);

	if (n <= VNET_HLEN || resumed)
		return n;
	/* A paused VM: the frame is lost. */
	st.dropped++;
	if (is_udp_or_echo(buf + VNET_HLEN, n - VNET_HLEN))
		st.dropped_udp_echo++;
	return n;
}

static void send_tap(int fd, const uint8_t *frame, size_t len)
{
	uint8_t buf[VNET_HLEN + 128] = { 0 };

	memcpy(buf + VNET_HLEN, frame, len);
	if (write(fd, buf, VNET_HLEN + len) < 0) {
		fprintf(stderr, "tapvm: announce into the tap: %s\n", strerror(errno));
		st.errors++;
		return;
	}
	st.announces++;
}

static void summary(bool json)
{
	if (json)
		printf("{\"dropped\":%" PRIu64 ",\"dropped_udp_echo\":%" PRIu64
		       ",\"to_vm\":%" PRIu64 ",\"from_vm\":%" PRIu64 ",\"announces\":%" PRIu64
		       ",\"errors\":%" PRIu64 ",\"resume_ns\":%" PRIu64 "}\n",
		       st.dropped, st.dropped_udp_echo, st.to_vm, st.from_vm,
		       st.announces, st.errors, st.resume_ns);
	else
		printf("dropped before resume %" PRIu64 " (IPv6 UDP/echo %" PRIu64 ")\n"
		       "forwarded to_vm %" PRIu64 " from_vm %" PRIu64 " announces %" PRIu64
		       " errors %" PRIu64 "\nresume_ns %" PRIu64 "\n",
		       st.dropped, st.dropped_udp_echo, st.to_vm, st.from_vm,
		       st.announces, st.errors, st.resume_ns);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *tap = NULL, *ifname = NULL, *mac_s = NULL, *ann = "none";
	const char *vip_s = NULL, *trigger = NULL;
	bool json = false, no_carrier = false, resumed = false, queue = false;
	static uint8_t buf[VNET_HLEN + 65536];
	struct in6_addr vip;
	struct sigaction sa;
	struct ifreq ifr;
	uint8_t mac[6];
	int opt, fd, ps, ifindex, on = 1;

	while ((opt = getopt(argc, argv, "t:i:m:a:A:cqr:jh")) != -1) {
		switch (opt) {
		case 't': tap = optarg; break;
		case 'i': ifname = optarg; break;
		case 'm': mac_s = optarg; break;
		case 'a': ann = optarg; break;
		case 'A': vip_s = optarg; break;
		case 'c': no_carrier = true; break;
		case 'q': queue = true; break;
		case 'r': trigger = optarg; break;
		case 'j': json = true; break;
		default: usage();
		}
	}
	if (optind != argc || !tap || !ifname)
		usage();
	if (strlen(tap) >= IFNAMSIZ || strlen(ifname) >= IFNAMSIZ) {
		fprintf(stderr, "tapvm: interface name too long\n");
		return 1;
	}
	if (strcmp(ann, "rarp") && strcmp(ann, "na") && strcmp(ann, "none")) {
		fprintf(stderr, "tapvm: -a must be rarp, na or none, not '%s'\n", ann);
		return 1;
	}
	if (!strcmp(ann, "na") && (!vip_s || inet_pton(AF_INET6, vip_s, &vip) != 1)) {
		fprintf(stderr, "tapvm: -a na needs -A with an IPv6 address%s%s\n",
			vip_s ? ", not " : "", vip_s ? vip_s : "");
		return 1;
	}
	if (mac_s && parse_mac(mac_s, mac)) {
		fprintf(stderr, "tapvm: invalid MAC address for -m: '%s'\n", mac_s);
		return 1;
	}

	ps = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (ps < 0) {
		fprintf(stderr, "tapvm: packet socket: %s\n", strerror(errno));
		return 1;
	}
	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "tapvm: -i %s: no such interface in this namespace\n", ifname);
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (!mac_s) {
		if (ioctl(ps, SIOCGIFHWADDR, &ifr) < 0) {
			fprintf(stderr, "tapvm: MAC address of %s: %s\n", ifname, strerror(errno));
			return 1;
		}
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	}
	if (setsockopt(ps, SOL_PACKET, PACKET_VNET_HDR, &on, sizeof(on)) < 0 ||
	    bind_packet(ps, ifindex, 0) < 0) {
		fprintf(stderr, "tapvm: packet socket on %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	{
		/* A real NIC filters unicast to other MACs: the VM's is not its own. */
		struct packet_mreq mr = { .mr_ifindex = ifindex, .mr_type = PACKET_MR_PROMISC };

		if (setsockopt(ps, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
			fprintf(stderr, "tapvm: promiscuous mode on %s: %s\n", ifname,
				strerror(errno));
	}
	fd = open_tap(tap, no_carrier);
	if (fd < 0)
		return 1;

	memset(&sa, 0, sizeof(sa));	/* no SA_RESTART: poll returns EINTR */
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	printf("ready\n");
	fflush(stdout);

	while (!stop) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = ps, .events = POLLIN },
		};
		ssize_t n;

		if (!resumed && (resume_sig || (trigger && !access(trigger, F_OK)))) {
			uint8_t frame[128];
			int one = 1;

			st.resume_ns = now_ns();
			/* What the host sent before the resume went to the paused VM. */
			while (!queue && read_tap(fd, buf, sizeof(buf), false) > 0)
				;
			if (no_carrier && ioctl(fd, TUNSETCARRIER, &one) < 0) {
				fprintf(stderr, "tapvm: TUNSETCARRIER on: %s\n", strerror(errno));
				return 1;
			}
			if (!strcmp(ann, "rarp"))
				send_tap(fd, frame, build_rarp(frame, mac));
			else if (!strcmp(ann, "na"))
				send_tap(fd, frame, build_na(frame, mac, &vip));
			if (bind_packet(ps, ifindex, ETH_P_ALL) < 0) {
				fprintf(stderr, "tapvm: packet socket on %s: %s\n", ifname,
					strerror(errno));
				return 1;
			}
			resumed = true;
			printf("resumed\n");
			fflush(stdout);
		}
		/* Until the resume, look at the trigger file every 1 ms. */
		if (!resumed && queue)
			pfd[0].events = 0;	/* leave them queued in the tap */
		if (poll(pfd, resumed ? 2 : 1, !resumed && trigger ? 1 : -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "tapvm: poll: %s\n", strerror(errno));
			return 1;
		}
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			fprintf(stderr, "tapvm: tap %s went away\n", tap);
			return 1;
		}
		if (pfd[0].revents & POLLIN) {
			n = read_tap(fd, buf, sizeof(buf), resumed);
			if (n > VNET_HLEN && resumed) {
				if (send(ps, buf, n, 0) < 0)
					st.errors++;
				else
					st.to_vm++;
			}
		}
		if (resumed && (pfd[1].revents & POLLIN)) {
			struct sockaddr_ll from;
			socklen_t fl = sizeof(from);

			n = recvfrom(ps, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
			/* IFNAME's own transmissions are not the VM's. */
			if (n > VNET_HLEN && from.sll_pkttype != PACKET_OUTGOING) {
				if (write(fd, buf, n) < 0)
					st.errors++;
				else
					st.from_vm++;
			}
		}
	}
	summary(json);
	close(fd);
	close(ps);
	return 0;
}
