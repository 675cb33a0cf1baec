// SPDX-License-Identifier: GPL-2.0
/*
 * tapcsum: read frames from a tap device with virtio-net offload headers
 * and check the L4 checksum of IPv6 UDP/TCP packets the way a virtio
 * guest (or its NIC model) would see them:
 *  - VIRTIO_NET_HDR_F_NEEDS_CSUM (CHECKSUM_PARTIAL in the kernel): the
 *    checksum field holds the pseudo-header sum; csum_start must point at
 *    the L4 header and csum_offset at its checksum field; complete the
 *    checksum from csum_start to the end of the IPv6 payload, then check
 *    the result like a received packet;
 *  - otherwise: full check, pseudo-header included. The pseudo-header
 *    destination is the final one (RFC 8200 8.1): Segment List[0] when an
 *    SRH is still present, else the IPv6 destination.
 * Frames still carrying a routing header are counted.
 *
 * The tap is created (or attached to) by this program and exists, with
 * carrier, while it runs; addresses, link state and namespace are the
 * caller's business. `ready` on stdout (flushed) once the fd is open.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
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
#include <time.h>
#include <unistd.h>

#include "csum.h"

/* struct virtio_net_hdr (legacy layout, native endian on the tap by default) */
struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

#define VNET_F_NEEDS_CSUM	1
#define VNET_F_DATA_VALID	2

#define ETH_HLEN	14
#define IP6_HLEN	40

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static struct {
	uint64_t frames, ipv6, ipv6_l4, udp, tcp, csum_ok, csum_bad, partial;
	uint64_t data_valid, with_rthdr, csum_start_bad, fragments, truncated;
	uint64_t ignored, gso;
} st;

static bool verbose;
static int dport = -1;	/* -p: only this destination port counts */

static void usage(void)
{
	fprintf(stderr,
		"usage: tapcsum -i TAPNAME [-n COUNT] [-t TIMEOUT_MS] [-p DPORT] [-j] [-v]\n"
		"  Opens (creating if needed) tap TAPNAME with IFF_VNET_HDR and TUN_F_CSUM,\n"
		"  prints `ready`, and checks the L4 checksum of IPv6 UDP/TCP frames until\n"
		"  COUNT of them were seen (default 0: no limit) or TIMEOUT_MS passed\n"
		"  (default 10000, 0: none) or SIGINT/SIGTERM. -p counts only UDP/TCP to\n"
		"  that destination port (others: `ignored`). -v: one line per frame on\n"
		"  stderr. Summary on stdout, one JSON line with -j. Exit 0 when it ran.\n");
	exit(1);
}

static uint64_t arg_u64(const char *opt, const char *s, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (!*s || *s == '-' || errno || *end || v > max) {
		fprintf(stderr, "tapcsum: invalid value for %s: '%s'\n", opt, s);
		exit(1);
	}
	return v;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Returns NULL when the checksum is right, else the reason. */
static const char *check_frame(uint8_t *f, size_t len, const struct vnet_hdr *vh,
			       bool *counted)
{
	static char reason[96];
	size_t l3 = ETH_HLEN, p, end, l4len, field;
	uint16_t type, plen;
	const uint8_t *final_dst;
	uint8_t nh;
	bool rthdr = false;
	uint32_t sum;

	*counted = false;
	if (len < ETH_HLEN)
		return "";
	type = get16(f + 12);
	for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2; tags++) {
		if (len < l3 + 4)
			return "";
		type = get16(f + l3 + 2);
		l3 += 4;
	}
	if (type != 0x86dd || len < l3 + IP6_HLEN || (f[l3] >> 4) != 6)
		return "";
	st.ipv6++;
	plen = get16(f + l3 + 4);
	end = l3 + IP6_HLEN + plen;
	if (!plen || end > len) {	/* jumbogram or cut short */
		st.truncated++;
		return "";
	}
	final_dst = f + l3 + 24;

	nh = f[l3 + 6];
	p = l3 + IP6_HLEN;
	for (;;) {
		size_t hl;

		if (nh == 0 || nh == 43 || nh == 60) {
			if (p + 8 > end)
				goto trunc;
			hl = ((size_t)f[p + 1] + 1) * 8;
			if (p + hl > end)
				goto trunc;
			if (nh == 43) {
				rthdr = true;
				/* SRH: Segment List[0] is the final destination. */
				if (f[p + 2] == 4 && hl >= 8 + 16)
					final_dst = f + p + 8;
			}
		} else if (nh == 44) {
			if (p + 8 > end)
				goto trunc;
			if (get16(f + p + 2) & 0xfff9) {	/* offset or MF */
				st.fragments++;
				if (rthdr)
					st.with_rthdr++;
				return "";
			}
			hl = 8;
		} else if (nh == 51) {
			if (p + 8 > end)
				goto trunc;
			hl = ((size_t)f[p + 1] + 2) * 4;
			if (p + hl > end)
				goto trunc;
		} else {
			break;
		}
		nh = f[p];
		p += hl;
	}
	if (rthdr)
		st.with_rthdr++;
	if (nh != 17 && nh != 6)
		return "";
	l4len = end - p;
	field = nh == 17 ? 6 : 16;
	if (l4len < (nh == 17 ? 8u : 20u))
		goto trunc;
	if (dport >= 0 && get16(f + p + 2) != dport) {
		st.ignored++;
		return "";
	}
	*counted = true;
	if (nh == 17)
		st.udp++;
	else
		st.tcp++;
	st.ipv6_l4++;
	if (vh->flags & VNET_F_DATA_VALID)
		st.data_valid++;

	if (vh->flags & VNET_F_NEEDS_CSUM) {
		size_t cs = vh->csum_start, co = vh->csum_offset;

		st.partial++;
		if (cs != p || co != field) {
			st.csum_start_bad++;
			snprintf(reason, sizeof(reason),
				 "csum_start %zu/offset %zu, L4 header at %zu/field %zu",
				 cs, co, p, field);
			return reason;
		}
		/* What the device does: fold from csum_start to the end. */
		sum = sum16(0, f + cs, end - cs);
		sum = (uint16_t)~sum;
		if (nh == 17 && !sum)
			sum = 0xffff;
		f[cs + co] = (uint8_t)(sum >> 8);
		f[cs + co + 1] = (uint8_t)sum;
	} else if (nh == 17 && !get16(f + p + 6)) {
		return "UDP checksum 0 (not allowed over IPv6)";
	}

	{
		uint8_t ph[8] = { 0 };

		ph[0] = (uint8_t)(l4len >> 24);
		ph[1] = (uint8_t)(l4len >> 16);
		ph[2] = (uint8_t)(l4len >> 8);
		ph[3] = (uint8_t)l4len;
		ph[7] = nh;
		sum = sum16(0, f + l3 + 8, 16);		/* source */
		sum = sum16(sum, final_dst, 16);
		sum = sum16(sum, ph, 8);
		sum = sum16(sum, f + p, l4len);
	}
	if (sum != 0xffff) {
		snprintf(reason, sizeof(reason), "checksum 0x%04x wrong (sum 0x%04x)",
			 get16(f + p + field), sum);
		return reason;
	}
	return NULL;
trunc:
	st.truncated++;
	return "";
}

static void print_frame(const uint8_t *f, size_t len, const struct vnet_hdr *vh,
			bool counted, const char *bad)
{
	char s[INET6_ADDRSTRLEN] = "-", d[INET6_ADDRSTRLEN] = "-";
	size_t l3 = ETH_HLEN;

	if (len >= l3 + IP6_HLEN && get16(f + 12) == 0x86dd) {
		inet_ntop(AF_INET6, f + l3 + 8, s, sizeof(s));
		inet_ntop(AF_INET6, f + l3 + 24, d, sizeof(d));
	}
	fprintf(stderr, "frame %" PRIu64 " len %zu flags 0x%x csum_start %u csum_offset %u %s > %s",
		st.frames, len, vh->flags, vh->csum_start, vh->csum_offset, s, d);
	if (counted)
		fprintf(stderr, " csum %s%s%s\n", bad ? "bad" : "ok", bad ? ": " : "",
			bad ? bad : "");
	else
		fprintf(stderr, " (not checked)\n");
}

static void summary(bool json)
{
	if (json)
		printf("{\"frames\":%" PRIu64 ",\"ipv6\":%" PRIu64 ",\"ipv6_l4\":%" PRIu64
		       ",\"udp\":%" PRIu64 ",\"tcp\":%" PRIu64 ",\"csum_ok\":%" PRIu64
		       ",\"csum_bad\":%" PRIu64 ",\"partial\":%" PRIu64
		       ",\"data_valid\":%" PRIu64 ",\"with_rthdr\":%" PRIu64
		       ",\"csum_start_bad\":%" PRIu64 ",\"fragments\":%" PRIu64
		       ",\"truncated\":%" PRIu64 ",\"ignored\":%" PRIu64 ",\"gso\":%" PRIu64 "}\n",
		       st.frames, st.ipv6, st.ipv6_l4, st.udp, st.tcp, st.csum_ok,
		       st.csum_bad, st.partial, st.data_valid, st.with_rthdr,
		       st.csum_start_bad, st.fragments, st.truncated, st.ignored, st.gso);
	else
		printf("frames %" PRIu64 " ipv6 %" PRIu64 " ipv6_l4 %" PRIu64 " udp %" PRIu64
		       " tcp %" PRIu64 "\ncsum_ok %" PRIu64 " csum_bad %" PRIu64
		       " partial %" PRIu64 " data_valid %" PRIu64 " csum_start_bad %" PRIu64
		       "\nwith_rthdr %" PRIu64 " fragments %" PRIu64 " truncated %" PRIu64
		       " ignored %" PRIu64 " gso %" PRIu64 "\n",
		       st.frames, st.ipv6, st.ipv6_l4, st.udp, st.tcp, st.csum_ok,
		       st.csum_bad, st.partial, st.data_valid, st.csum_start_bad,
		       st.with_rthdr, st.fragments, st.truncated, st.ignored, st.gso);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *name = NULL;
	uint64_t count = 0, timeout = 10000, start;
	int opt, fd, vsz = sizeof(struct vnet_hdr), ret = 0;
	bool json = false;
	struct ifreq ifr;
	struct sigaction sa;
	static uint8_t buf[sizeof(struct vnet_hdr) + 65536 + 64];

	while ((opt = getopt(argc, argv, "i:n:t:p:jvh")) != -1) {
		switch (opt) {
		case 'i': name = optarg; break;
		case 'n': count = arg_u64("-n", optarg, UINT64_MAX); break;
		case 't': timeout = arg_u64("-t", optarg, UINT64_MAX / 2); break;
		case 'p': dport = (int)arg_u64("-p", optarg, 65535); break;
		case 'j': json = true; break;
		case 'v': verbose = true; break;
		default: usage();
		}
	}
	if (optind != argc || !name)
		usage();
	if (strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "tapcsum: interface name too long: %s\n", name);
		return 1;
	}

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("tapcsum: /dev/net/tun");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "tapcsum: TUNSETIFF %s: %s\n", name, strerror(errno));
		return 1;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &vsz) < 0) {
		perror("tapcsum: TUNSETVNETHDRSZ");
		return 1;
	}
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)TUN_F_CSUM) < 0) {
		perror("tapcsum: TUNSETOFFLOAD");
		return 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	printf("ready\n");
	fflush(stdout);

	start = now_ms();
	while (!stop && (!count || st.ipv6_l4 < count)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct vnet_hdr vh;
		const char *bad;
		bool counted;
		ssize_t n;
		int wait = -1, r;

		if (timeout) {
			uint64_t el = now_ms() - start;

			if (el >= timeout)
				break;
			wait = timeout - el > INT_MAX ? INT_MAX : (int)(timeout - el);
		}
		r = poll(&pfd, 1, wait);
		if (r < 0 && errno != EINTR) {
			perror("tapcsum: poll");
			ret = 1;
			break;
		}
		if (r <= 0)
			continue;
		if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) {
			fprintf(stderr, "tapcsum: tap %s went away\n", name);
			ret = 1;
			break;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			perror("tapcsum: read");
			ret = 1;
			break;
		}
		if ((size_t)n < sizeof(vh))
			continue;
		memcpy(&vh, buf, sizeof(vh));
		st.frames++;
		if (vh.gso_type)
			st.gso++;
		bad = check_frame(buf + sizeof(vh), n - sizeof(vh), &vh, &counted);
		if (counted)
			bad ? st.csum_bad++ : st.csum_ok++;
		if (verbose)
			print_frame(buf + sizeof(vh), n - sizeof(vh), &vh, counted, bad);
	}
	summary(json);
	close(fd);
	return ret;
}
