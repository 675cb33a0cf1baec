// SPDX-License-Identifier: GPL-2.0
/*
 * udpseq: sequence-numbered UDP sender and receiver for the seg6_mig
 * selftests and benchmarks (loss, duplicates, reordering, loss window,
 * one-way latency, destination address and routing header seen by the
 * receiver).
 *
 * Payload (network byte order), padded with zeros to the payload size:
 *   offset 0  u32 magic 0x53364d47 ("S6MG")
 *   offset 4  u64 sequence number
 *   offset 12 u64 send time, CLOCK_REALTIME ns
 * so an nft rule can match the low 32 bits of the sequence number as
 * `@th,128,32` (UDP header 64 bits + magic 32 bits + high half 32 bits).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/icmp6.h>
#include <netinet/ip6.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC		0x53364d47u
#define HDR_LEN		20		/* magic + seq + send time */
#define MAX_PAYLOAD	65000
#define MAX_SEQ		(1ull << 28)	/* receiver: larger seqs are invalid */
#define BATCH		64
#define MAX_SEGS	8		/* -S: segments besides ADDR */

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL	40
#endif

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll/sleep return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: udpseq send -d ADDR -p PORT -n COUNT [-r RATE_PPS] [-s PAYLOAD_BYTES]\n"
		"                   [-I IFNAME] [-f FIRST_SEQ] [-B] [-S SEG[,SEG...]]\n"
		"       udpseq recv -p PORT [-b BIND_ADDR] [-n EXPECTED] [-t IDLE_TIMEOUT_MS]\n"
		"                   [-w WAIT_FIRST_MS] [-j] [-o ARRIVALS_FILE] [-e EXPECT_DST]\n"
		"                   [-R RESUME_FILE]\n"
		"       udpseq ping -d ADDR -n COUNT [-r RATE_PPS] [-s PAYLOAD_BYTES] [-w LINGER_MS]\n"
		"                   [-j] [-o ARRIVALS_FILE] [-R RESUME_FILE]\n"
		"       udpseq announce -a ADDR -i IFNAME\n"
		"       udpseq pong -a ADDR\n"
		"send: COUNT datagrams with seqs FIRST_SEQ.. (default 0) at RATE_PPS\n"
		"  (default 0 = as fast as possible), payload default 64 bytes (min %d);\n"
		"  -B sends through a raw socket with a deliberately wrong UDP checksum;\n"
		"  -S sends through an SRH (IPV6_RTHDR type 4): via each SEG, then ADDR.\n"
		"recv: until EXPECTED seqs 0..EXPECTED-1 all arrived, or IDLE_TIMEOUT_MS\n"
		"  (default 2000) without a datagram after the first one, or WAIT_FIRST_MS\n"
		"  (default 10000) without any; SIGINT/SIGTERM also end it. Prints a\n"
		"  summary (one JSON line with -j). Exit 0 when it ran, 1 on errors.\n"
		"  -R: RESUME_FILE, read at the end, holds a CLOCK_REALTIME ns (the VM's\n"
		"  port up, 0: none); datagrams sent before it and received after it are\n"
		"  'held'.\n"
		"ping: COUNT ICMPv6 echo requests at RATE_PPS (default 1000) carrying the\n"
		"  same payload (default 56 bytes), then LINGER_MS (default 2000) for the\n"
		"  last replies; recv's summary, latency = round trip. SIGINT/SIGTERM: no\n"
		"  more requests (COUNT = those sent), replies awaited as after the last.\n"
		"announce: one unsolicited neighbour advertisement (override) of ADDR,\n"
		"  from ADDR to all nodes on IFNAME, as a guest announces itself after a\n"
		"  live migration.\n"
		"pong: answer ICMPv6 echo requests to ADDR from user space until\n"
		"  SIGINT/SIGTERM (with net.ipv6.icmp.echo_ignore_all=1); prints\n"
		"  'answered N errors E'.\n",
		HDR_LEN);
	exit(1);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static uint64_t arg_u64(const char *opt, const char *s, uint64_t max)
{
	uint64_t v;

	if (parse_u64(s, max, &v)) {
		fprintf(stderr, "udpseq: invalid value for %s: '%s'\n", opt, s);
		exit(1);
	}
	return v;
}

/* Numeric address (IPv6, possibly with %scope, or IPv4) or host name. */
static int resolve(const char *addr, uint16_t port, struct sockaddr_storage *ss,
		   socklen_t *len)
{
	struct addrinfo hints, *res;
	char serv[8];
	int err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%u", port);
	err = getaddrinfo(addr, serv, &hints, &res);
	if (err) {
		fprintf(stderr, "udpseq: %s: %s\n", addr, gai_strerror(err));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* ---------------------------------------------------------------- send */

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return csum_fold(sum);
}

/*
 * -B: the source address the kernel would pick (a connected UDP socket
 * tells), then the correct checksum over pseudo-header + UDP, then a
 * value that differs from it and is not 0.
 */
static int bad_checksum_setup(const struct sockaddr_storage *dst, socklen_t dlen,
			      const char *ifname, struct sockaddr_storage *src)
{
	socklen_t slen = sizeof(*src);
	int fd = socket(dst->ss_family, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;
	if (ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				 strlen(ifname) + 1) < 0)
		goto err;
	if (connect(fd, (const struct sockaddr *)dst, dlen) < 0 ||
	    getsockname(fd, (struct sockaddr *)src, &slen) < 0)
		goto err;
	close(fd);
	return 0;
err:
	fprintf(stderr, "udpseq: source address for -B: %s\n", strerror(errno));
	close(fd);
	return -1;
}

static uint16_t wrong_udp_csum(const struct sockaddr_storage *src,
			       const struct sockaddr_storage *dst,
			       const uint8_t *udp, size_t len)
{
	uint32_t sum = 0;
	uint8_t tail[4] = { 0, 0, 0, IPPROTO_UDP };
	uint16_t good, bad;

	if (dst->ss_family == AF_INET6) {
		uint32_t l = htonl((uint32_t)len);

		sum = csum_add(sum, &((const struct sockaddr_in6 *)src)->sin6_addr, 16);
		sum = csum_add(sum, &((const struct sockaddr_in6 *)dst)->sin6_addr, 16);
		sum = csum_add(sum, &l, 4);
		sum = csum_add(sum, tail, 4);
	} else {
		uint16_t l = htons((uint16_t)len);

		sum = csum_add(sum, &((const struct sockaddr_in *)src)->sin_addr, 4);
		sum = csum_add(sum, &((const struct sockaddr_in *)dst)->sin_addr, 4);
		sum = csum_add(sum, tail + 2, 2);
		sum = csum_add(sum, &l, 2);
	}
	sum = csum_add(sum, udp, len);	/* checksum field is 0 here */
	good = (uint16_t)~csum_fold(sum);
	if (!good)
		good = 0xffff;
	bad = good ^ 0x5a5a;
	if (!bad || bad == 0xffff)
		bad = 0x0001;
	return htons(bad);
}

/*
 * -S: a sticky type 4 routing header (RFC 8754) through SEGS, a comma
 * separated list in travel order. The kernel puts the socket's destination
 * into Segment List[0] and sends to Segment List[Segments Left] (the first
 * SEG) itself, so this needs no seg6 lwtunnel, only IPv6.
 */
static int srh_setup(int fd, const char *segs)
{
	struct in6_addr list[MAX_SEGS + 1];
	unsigned char buf[8 + 16 * (MAX_SEGS + 1)];
	char *copy, *tok, *save = NULL;
	int n = 0, i;

	copy = strdup(segs);
	if (!copy)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == MAX_SEGS) {
			fprintf(stderr, "udpseq: -S: more than %d segments\n", MAX_SEGS);
			free(copy);
			return -1;
		}
		if (inet_pton(AF_INET6, tok, &list[++n]) != 1) {
			fprintf(stderr, "udpseq: -S: not an IPv6 address: %s\n", tok);
			free(copy);
			return -1;
		}
	}
	free(copy);
	if (!n) {
		fprintf(stderr, "udpseq: -S: no segment\n");
		return -1;
	}
	memset(buf, 0, sizeof(buf));
	buf[1] = (unsigned char)(2 * (n + 1));	/* hdrlen: 8-octet units after the first */
	buf[2] = 4;				/* routing type: SRH */
	buf[3] = (unsigned char)n;		/* segments left */
	buf[4] = (unsigned char)n;		/* last entry */
	/* Segment List[0] is the last hop (ADDR, filled in by the kernel). */
	for (i = 1; i <= n; i++)
		memcpy(buf + 8 + 16 * i, &list[n + 1 - i], 16);
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RTHDR, buf, 8 + 16 * (n + 1)) < 0) {
		fprintf(stderr, "udpseq: -S: IPV6_RTHDR: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int do_send(int argc, char **argv)
{
	const char *addr = NULL, *ifname = NULL, *segs = NULL;
	uint64_t port = 0, count = 0, rate = 0, size = 64, first = 0;
	bool have_port = false, have_count = false, bad_csum = false;
	struct sockaddr_storage dst, src;
	socklen_t dlen;
	uint8_t *buf, *payload;
	size_t hdr = 0;
	uint64_t i, sent = 0, errors = 0, t0, next, elapsed;
	int fd, opt, last_err = 0;

	while ((opt = getopt(argc, argv, "d:p:n:r:s:I:f:BS:h")) != -1) {
		switch (opt) {
		case 'd': addr = optarg; break;
		case 'p': port = arg_u64("-p", optarg, 65535); have_port = true; break;
		case 'n': count = arg_u64("-n", optarg, UINT64_MAX / 2); have_count = true; break;
		case 'r': rate = arg_u64("-r", optarg, 1000000000); break;
		case 's': size = arg_u64("-s", optarg, MAX_PAYLOAD); break;
		case 'I': ifname = optarg; break;
		case 'f': first = arg_u64("-f", optarg, UINT64_MAX / 2); break;
		case 'B': bad_csum = true; break;
		case 'S': segs = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !addr || !have_port || !port || !have_count)
		usage();
	if (size < HDR_LEN) {
		fprintf(stderr, "udpseq: payload must be at least %d bytes\n", HDR_LEN);
		return 1;
	}
	if (ifname && strlen(ifname) >= IFNAMSIZ) {
		fprintf(stderr, "udpseq: interface name too long: %s\n", ifname);
		return 1;
	}
	if (resolve(addr, (uint16_t)port, &dst, &dlen))
		return 1;
	if (segs && (bad_csum || dst.ss_family != AF_INET6)) {
		fprintf(stderr, "udpseq: -S needs an IPv6 ADDR and no -B\n");
		return 1;
	}
	if (ifname && dst.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&dst;

		if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr) && !s6->sin6_scope_id)
			s6->sin6_scope_id = if_nametoindex(ifname);
	}

	if (bad_csum) {
		/* Raw socket: we write the UDP header, the kernel the IP one. */
		if (bad_checksum_setup(&dst, dlen, ifname, &src))
			return 1;
		hdr = 8;
		fd = socket(dst.ss_family, SOCK_RAW, IPPROTO_UDP);
		/* The raw socket must not be given the port. */
		if (dst.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&dst)->sin6_port = 0;
		else
			((struct sockaddr_in *)&dst)->sin_port = 0;
	} else {
		fd = socket(dst.ss_family, SOCK_DGRAM, 0);
	}
	if (fd < 0) {
		perror("udpseq: socket");
		return 1;
	}
	if (ifname && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
				 strlen(ifname) + 1) < 0) {
		fprintf(stderr, "udpseq: SO_BINDTODEVICE %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	if (segs && srh_setup(fd, segs))
		return 1;

	buf = calloc(1, hdr + size);
	if (!buf) {
		perror("udpseq: calloc");
		return 1;
	}
	payload = buf + hdr;
	{
		uint32_t m = htonl(MAGIC);

		memcpy(payload, &m, 4);
	}
	if (bad_csum) {
		uint16_t p = htons((uint16_t)port), l = htons((uint16_t)(8 + size));

		memcpy(buf, &p, 2);	/* source port = destination port */
		memcpy(buf + 2, &p, 2);
		memcpy(buf + 4, &l, 2);
	}

	/* Wake up on time, not up to 50 us late (the default slack). */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	catch_signals();
	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < count && !stop; i++) {
		uint64_t seq = htobe64(first + i), ts;
		ssize_t n;

		if (rate) {
			struct timespec dl;

			/* Absolute deadlines: no drift, catches up when late. */
			next = t0 + (uint64_t)((unsigned __int128)i * 1000000000u / rate);
			dl.tv_sec = (time_t)(next / 1000000000u);
			dl.tv_nsec = (long)(next % 1000000000u);
			/* Late: send at once (the vDSO clock is cheaper than a syscall). */
			while (now_ns(CLOCK_MONOTONIC) < next &&
			       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL) == EINTR)
				if (stop)
					break;
			if (stop)
				break;
		}
		ts = htobe64(now_ns(CLOCK_REALTIME));
		memcpy(payload + 4, &seq, 8);
		memcpy(payload + 12, &ts, 8);
		if (bad_csum) {
			uint16_t c;

			memset(buf + 6, 0, 2);
			c = wrong_udp_csum(&src, &dst, buf, 8 + size);
			memcpy(buf + 6, &c, 2);
		}
		n = sendto(fd, buf, hdr + size, 0, (struct sockaddr *)&dst, dlen);
		if (n < 0) {
			/* Keep pacing: the seq is spent, the receiver sees it lost. */
			errors++;
			last_err = errno;
			continue;
		}
		sent++;
	}
	elapsed = now_ns(CLOCK_MONOTONIC) - t0;
	printf("sent %" PRIu64 " in %.3f s\n", sent, (double)elapsed / 1e9);
	fflush(stdout);
	if (errors)
		fprintf(stderr, "udpseq: %" PRIu64 " send errors (last: %s)\n",
			errors, strerror(last_err));
	free(buf);
	close(fd);
	return 0;
}

/* ---------------------------------------------------------------- recv */

struct arrival {
	uint64_t seq;
	uint64_t send_ns;
	uint64_t recv_ns;
};

struct rx {
	struct arrival *a;
	size_t n, cap;
	uint64_t *send_by_seq;		/* first send time per seq, 0 = missing */
	uint64_t seq_cap;
	uint64_t unique, duplicates, reordered, invalid;
	uint64_t rthdr, dst_mismatch, expected_seen;
	uint64_t max_seq;
	bool any;
	uint32_t sock_drops;
};

static int rx_grow_seq(struct rx *rx, uint64_t seq)
{
	uint64_t cap = rx->seq_cap ? rx->seq_cap : 4096;
	uint64_t *p;

	while (cap <= seq)
		cap *= 2;
	if (cap > MAX_SEQ)
		cap = MAX_SEQ;
	p = realloc(rx->send_by_seq, cap * sizeof(*p));
	if (!p)
		return -1;
	memset(p + rx->seq_cap, 0, (cap - rx->seq_cap) * sizeof(*p));
	rx->send_by_seq = p;
	rx->seq_cap = cap;
	return 0;
}

/* v4 addresses as v4-mapped v6 so both compare in one form. */
static void to_v6(int family, const void *addr, struct in6_addr *out)
{
	if (family == AF_INET6) {
		memcpy(out, addr, 16);
	} else {
		memset(out, 0, 16);
		out->s6_addr[10] = 0xff;
		out->s6_addr[11] = 0xff;
		memcpy(&out->s6_addr[12], addr, 4);
	}
}

static int record(struct rx *rx, const uint8_t *p, size_t len, uint64_t recv_ns,
		  bool have_dst, const struct in6_addr *dst, bool rthdr,
		  const struct in6_addr *expect_dst, uint64_t expected)
{
	uint32_t magic;
	uint64_t seq, send_ns;
	struct arrival *a;

	if (len < HDR_LEN)
		goto invalid;
	memcpy(&magic, p, 4);
	memcpy(&seq, p + 4, 8);
	memcpy(&send_ns, p + 12, 8);
	seq = be64toh(seq);
	send_ns = be64toh(send_ns);
	if (ntohl(magic) != MAGIC || seq >= MAX_SEQ || !send_ns)
		goto invalid;
	if (seq >= rx->seq_cap && rx_grow_seq(rx, seq))
		goto invalid;
	if (rx->n == rx->cap) {
		size_t cap = rx->cap ? rx->cap * 2 : 65536;

		a = realloc(rx->a, cap * sizeof(*a));
		if (!a)
			goto invalid;
		rx->a = a;
		rx->cap = cap;
	}
	a = &rx->a[rx->n++];
	a->seq = seq;
	a->send_ns = send_ns;
	a->recv_ns = recv_ns;

	if (rx->any && seq < rx->max_seq)
		rx->reordered++;
	if (!rx->any || seq > rx->max_seq)
		rx->max_seq = seq;
	rx->any = true;
	if (rx->send_by_seq[seq]) {
		rx->duplicates++;
	} else {
		rx->send_by_seq[seq] = send_ns;
		rx->unique++;
		if (seq < expected)
			rx->expected_seen++;
	}
	if (rthdr)
		rx->rthdr++;
	if (expect_dst && (!have_dst || memcmp(dst, expect_dst, 16)))
		rx->dst_mismatch++;
	return 0;
invalid:
	rx->invalid++;
	return -1;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static int64_t pct(const int64_t *v, size_t n, double p)
{
	size_t k = (size_t)(p * (double)n + 0.999999999);

	if (!n)
		return 0;
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

/*
 * The summary of what arrived (recv, ping): printed as text or one JSON
 * line; -o writes the arrivals, -R the datagrams held over a resume time.
 */
static int report(struct rx *rx, uint64_t expected, bool json,
		  const char *resume_file, const char *out_file)
{
	{
		uint64_t range = expected ? expected : (rx->any ? rx->max_seq + 1 : 0);
		uint64_t lost = 0, gaps = 0, win_sum = 0, win_max = 0;
		uint64_t min_seq = UINT64_MAX, max_seen_send = 0, min_seen_send = 0;
		double interval = 0;	/* mean send interval, to estimate open gaps */
		int64_t *lat = NULL, lat_sum_us = 0;
		/* -R: datagrams sent before the resume time, received after it. */
		uint64_t resume_ns = 0, held = 0, held_lat_sum = 0, held_lat_max = 0, release = 0;
		size_t nl = rx->n;
		uint64_t s;

		if (range > rx->seq_cap && rx_grow_seq(rx, range - 1)) {
			perror("udpseq: malloc");
			return 1;
		}
		for (s = 0; s < rx->seq_cap && s <= rx->max_seq && rx->any; s++) {
			if (!rx->send_by_seq[s])
				continue;
			if (min_seq == UINT64_MAX) {
				min_seq = s;
				min_seen_send = rx->send_by_seq[s];
			}
			max_seen_send = rx->send_by_seq[s];
		}
		if (min_seq != UINT64_MAX && rx->max_seq > min_seq && max_seen_send > min_seen_send)
			interval = (double)(max_seen_send - min_seen_send) /
				   (double)(rx->max_seq - min_seq);

		/* Gaps: maximal runs of missing seqs in 0..range-1. */
		for (s = 0; s < range;) {
			uint64_t a, b, before, after, w;

			if (rx->send_by_seq[s]) {
				s++;
				continue;
			}
			a = s;
			while (s < range && !rx->send_by_seq[s])
				s++;
			b = s;		/* first seq after the gap (maybe absent) */
			lost += b - a;
			gaps++;
			if (a > 0 && b < rx->seq_cap && rx->send_by_seq[b]) {
				before = rx->send_by_seq[a - 1];
				after = rx->send_by_seq[b];
				w = after > before ? after - before : 0;
			} else if (a > 0) {
				/* Trailing gap: extrapolate at the mean rate. */
				w = (uint64_t)(interval * (double)(b - a + 1));
			} else if (b < rx->seq_cap && rx->send_by_seq[b]) {
				/* Leading gap: likewise. */
				w = (uint64_t)(interval * (double)(b - a + 1));
			} else {
				w = 0;	/* nothing received at all */
			}
			win_sum += w;
			if (w > win_max)
				win_max = w;
		}

		if (resume_file) {
			FILE *f = fopen(resume_file, "r");
			unsigned long long v = 0;

			if (!f || fscanf(f, "%llu", &v) != 1) {
				fprintf(stderr, "udpseq: -R %s: no resume time\n", resume_file);
				if (f)
					fclose(f);
				return 1;
			}
			fclose(f);
			resume_ns = v;	/* 0: the VM never resumed, nothing held */
			for (size_t i = 0; i < nl && resume_ns; i++) {
				const struct arrival *a = &rx->a[i];
				uint64_t l = a->recv_ns - a->send_ns;

				if (a->send_ns >= resume_ns || a->recv_ns < resume_ns)
					continue;
				held++;
				held_lat_sum += l;
				if (l > held_lat_max)
					held_lat_max = l;
				if (a->recv_ns - resume_ns > release)
					release = a->recv_ns - resume_ns;
			}
		}

		if (nl) {
			lat = malloc(nl * sizeof(*lat));
			if (!lat) {
				perror("udpseq: malloc");
				return 1;
			}
			for (size_t i = 0; i < nl; i++) {
				lat[i] = (int64_t)(rx->a[i].recv_ns - rx->a[i].send_ns);
				lat_sum_us += lat[i] / 1000;
			}
			qsort(lat, nl, sizeof(*lat), cmp_i64);
		}

#define MS(ns) ((double)(ns) / 1e6)
		if (json) {
			printf("{\"received\":%zu,\"unique\":%" PRIu64 ",\"lost\":%" PRIu64
			       ",\"duplicates\":%" PRIu64 ",\"reordered\":%" PRIu64
			       ",\"first_seq\":%" PRId64 ",\"last_seq\":%" PRId64
			       ",\"max_seq\":%" PRId64 ",\"expected\":%" PRIu64
			       ",\"gaps\":%" PRIu64 ",\"loss_window_ms\":%.3f"
			       ",\"loss_window_max_ms\":%.3f"
			       ",\"lat_min_ms\":%.3f,\"lat_avg_ms\":%.3f,\"lat_p50_ms\":%.3f"
			       ",\"lat_p99_ms\":%.3f,\"lat_max_ms\":%.3f"
			       ",\"rthdr\":%" PRIu64 ",\"dst_mismatch\":%" PRIu64
			       ",\"invalid\":%" PRIu64 ",\"sock_drops\":%u",
			       rx->n, rx->unique, lost, rx->duplicates, rx->reordered,
			       nl ? (int64_t)rx->a[0].seq : -1,
			       nl ? (int64_t)rx->a[nl - 1].seq : -1,
			       rx->any ? (int64_t)rx->max_seq : -1, expected,
			       gaps, MS(win_sum), MS(win_max),
			       MS(nl ? lat[0] : 0), nl ? (double)lat_sum_us / 1e3 / (double)nl : 0.0,
			       MS(pct(lat, nl, 0.50)), MS(pct(lat, nl, 0.99)),
			       MS(nl ? lat[nl - 1] : 0),
			       rx->rthdr, rx->dst_mismatch, rx->invalid, rx->sock_drops);
			if (resume_file)
				printf(",\"held\":%" PRIu64 ",\"held_lat_avg_ms\":%.3f"
				       ",\"held_lat_max_ms\":%.3f,\"release_ms\":%.3f",
				       held, held ? MS(held_lat_sum) / (double)held : 0.0,
				       MS(held_lat_max), MS(release));
			printf("}\n");
		} else {
			printf("received %zu unique %" PRIu64 " lost %" PRIu64
			       " duplicates %" PRIu64 " reordered %" PRIu64 "\n",
			       rx->n, rx->unique, lost, rx->duplicates, rx->reordered);
			printf("first_seq %" PRId64 " last_seq %" PRId64 " max_seq %" PRId64
			       " expected %" PRIu64 "\n",
			       nl ? (int64_t)rx->a[0].seq : -1,
			       nl ? (int64_t)rx->a[nl - 1].seq : -1,
			       rx->any ? (int64_t)rx->max_seq : -1, expected);
			printf("gaps %" PRIu64 " loss_window_ms %.3f loss_window_max_ms %.3f\n",
			       gaps, MS(win_sum), MS(win_max));
			printf("lat_min_ms %.3f lat_avg_ms %.3f lat_p50_ms %.3f lat_p99_ms %.3f lat_max_ms %.3f\n",
			       MS(nl ? lat[0] : 0), nl ? (double)lat_sum_us / 1e3 / (double)nl : 0.0,
			       MS(pct(lat, nl, 0.50)), MS(pct(lat, nl, 0.99)),
			       MS(nl ? lat[nl - 1] : 0));
			printf("rthdr %" PRIu64 " dst_mismatch %" PRIu64 " invalid %" PRIu64
			       " sock_drops %u\n",
			       rx->rthdr, rx->dst_mismatch, rx->invalid, rx->sock_drops);
			if (resume_file)
				printf("held %" PRIu64 " held_lat_avg_ms %.3f held_lat_max_ms %.3f"
				       " release_ms %.3f\n",
				       held, held ? MS(held_lat_sum) / (double)held : 0.0,
				       MS(held_lat_max), MS(release));
		}
		fflush(stdout);
		free(lat);
	}

	if (out_file) {
		FILE *f = fopen(out_file, "w");

		if (!f) {
			fprintf(stderr, "udpseq: %s: %s\n", out_file, strerror(errno));
			return 1;
		}
		for (size_t i = 0; i < rx->n; i++)
			fprintf(f, "%" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
				rx->a[i].seq, rx->a[i].send_ns, rx->a[i].recv_ns);
		if (fclose(f)) {
			fprintf(stderr, "udpseq: %s: %s\n", out_file, strerror(errno));
			return 1;
		}
	}
	return 0;
}

static int do_recv(int argc, char **argv)
{
	const char *bind_addr = NULL, *out_file = NULL, *expect = NULL;
	const char *resume_file = NULL;
	uint64_t port = 0, expected = 0, idle_ms = 2000, wait_ms = 10000;
	bool have_port = false, json = false;
	struct in6_addr expect_dst;
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct rx rx;
	int fd, opt, one = 1, family;
	uint64_t last_rx = 0, start;
	static uint8_t bufs[BATCH][MAX_PAYLOAD + 1];
	static uint8_t cbufs[BATCH][2560];	/* timestamp, pktinfo, rthdr up to 2048 */
	struct mmsghdr msgs[BATCH];
	struct iovec iovs[BATCH];

	while ((opt = getopt(argc, argv, "p:b:n:t:w:jo:e:R:h")) != -1) {
		switch (opt) {
		case 'p': port = arg_u64("-p", optarg, 65535); have_port = true; break;
		case 'b': bind_addr = optarg; break;
		case 'n': expected = arg_u64("-n", optarg, MAX_SEQ); break;
		case 't': idle_ms = arg_u64("-t", optarg, INT_MAX); break;
		case 'w': wait_ms = arg_u64("-w", optarg, INT_MAX); break;
		case 'j': json = true; break;
		case 'o': out_file = optarg; break;
		case 'e': expect = optarg; break;
		case 'R': resume_file = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !have_port)
		usage();
	if (expect) {
		struct in_addr v4;

		if (inet_pton(AF_INET6, expect, &expect_dst) == 1)
			;
		else if (inet_pton(AF_INET, expect, &v4) == 1)
			to_v6(AF_INET, &v4, &expect_dst);
		else {
			fprintf(stderr, "udpseq: -e needs a numeric address: %s\n", expect);
			return 1;
		}
	}

	memset(&ss, 0, sizeof(ss));
	if (bind_addr) {
		if (resolve(bind_addr, (uint16_t)port, &ss, &sslen))
			return 1;
	} else {
		/* Dual stack: :: with V6ONLY off takes IPv4 too. */
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		s6->sin6_addr = in6addr_any;
		sslen = sizeof(*s6);
	}
	family = ss.ss_family;
	fd = socket(family, SOCK_DGRAM, 0);
	if (fd < 0 && !bind_addr && errno == EAFNOSUPPORT) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		memset(&ss, 0, sizeof(ss));
		s4->sin_family = family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		sslen = sizeof(*s4);
		fd = socket(family, SOCK_DGRAM, 0);
	}
	if (fd < 0) {
		perror("udpseq: socket");
		return 1;
	}
	if (family == AF_INET6) {
		int zero = 0;

		if (!bind_addr)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVRTHDR, &one, sizeof(one))) {
			perror("udpseq: IPV6_RECVPKTINFO/IPV6_RECVRTHDR");
			return 1;
		}
	}
	/* Also on a dual-stack socket: IPv4 datagrams report IP_PKTINFO. */
	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) && family == AF_INET) {
		perror("udpseq: IP_PKTINFO");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
		perror("udpseq: SO_TIMESTAMPNS (falling back to user-space time)");
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	{
		/* Room for bursts at 100k pkt/s; FORCE needs CAP_NET_ADMIN. */
		int sz = 16 << 20;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	if (bind(fd, (struct sockaddr *)&ss, sslen) < 0) {
		perror("udpseq: bind");
		return 1;
	}

	memset(&rx, 0, sizeof(rx));
	if (rx_grow_seq(&rx, expected ? expected - 1 : 0)) {
		perror("udpseq: malloc");
		return 1;
	}
	for (int i = 0; i < BATCH; i++) {
		iovs[i].iov_base = bufs[i];
		iovs[i].iov_len = sizeof(bufs[i]);
	}

	catch_signals();
	start = now_ns(CLOCK_MONOTONIC);
	while (!stop) {
		uint64_t now = now_ns(CLOCK_MONOTONIC), deadline;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int n, r;

		if (expected && rx.expected_seen >= expected)
			break;
		deadline = rx.any ? last_rx + idle_ms * 1000000ull
				  : start + wait_ms * 1000000ull;
		if (now >= deadline)
			break;
		r = poll(&pfd, 1, (int)((deadline - now + 999999) / 1000000));
		if (r < 0 && errno != EINTR) {
			perror("udpseq: poll");
			return 1;
		}
		if (r <= 0)
			continue;

		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < BATCH; i++) {
			msgs[i].msg_hdr.msg_iov = &iovs[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_control = cbufs[i];
			msgs[i].msg_hdr.msg_controllen = sizeof(cbufs[i]);
		}
		n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			/* e.g. ICMP errors queued on the socket: not fatal. */
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH)
				continue;
			perror("udpseq: recvmmsg");
			return 1;
		}
		now = now_ns(CLOCK_REALTIME);
		for (int i = 0; i < n; i++) {
			struct msghdr *mh = &msgs[i].msg_hdr;
			uint64_t recv_ns = now;
			struct in6_addr dst;
			bool have_dst = false, rthdr = false;
			struct cmsghdr *c;

			for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
				if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
					struct timespec ts;

					memcpy(&ts, CMSG_DATA(c), sizeof(ts));
					recv_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
				} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
					memcpy(&rx.sock_drops, CMSG_DATA(c), sizeof(rx.sock_drops));
				} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
					struct in6_pktinfo pi;

					memcpy(&pi, CMSG_DATA(c), sizeof(pi));
					dst = pi.ipi6_addr;
					have_dst = true;
				} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
					struct in_pktinfo pi;

					memcpy(&pi, CMSG_DATA(c), sizeof(pi));
					to_v6(AF_INET, &pi.ipi_addr, &dst);
					have_dst = true;
				} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RTHDR) {
					rthdr = true;
				}
			}
			if (mh->msg_flags & MSG_CTRUNC)
				fprintf(stderr, "udpseq: control data truncated\n");
			if (mh->msg_flags & MSG_TRUNC) {
				rx.invalid++;
				continue;
			}
			record(&rx, bufs[i], msgs[i].msg_len, recv_ns, have_dst, &dst,
			       rthdr, expect ? &expect_dst : NULL, expected);
		}
		last_rx = now_ns(CLOCK_MONOTONIC);
	}
	close(fd);

	if (report(&rx, expected, json, resume_file, out_file))
		return 1;
	free(rx.a);
	free(rx.send_by_seq);
	return 0;
}

/* ---------------------------------------------------------------- ping */

/*
 * ICMPv6 echo requests at a fixed rate, each carrying the udpseq payload
 * (seq, send time), which the echo reply brings back: the summary is
 * recv's, with latency = round-trip time. Unlike iputils ping, the rate
 * holds while replies are missing (iputils slows down to 100 pkt/s then).
 */
static int do_ping(int argc, char **argv)
{
	const char *addr = NULL, *out_file = NULL, *resume_file = NULL;
	uint64_t count = 0, rate = 1000, size = 56, linger_ms = 2000, i = 0;
	bool have_count = false, json = false;
	struct sockaddr_storage dst;
	socklen_t dlen;
	struct icmp6_filter filt;
	struct rx rx;
	uint8_t buf[8 + MAX_PAYLOAD], rbuf[8 + MAX_PAYLOAD + 1], cbuf[256];
	uint16_t ident = (uint16_t)getpid();
	uint64_t t0, end = 0, errors = 0;
	int fd, opt, one = 1;

	while ((opt = getopt(argc, argv, "d:n:r:s:w:jo:R:h")) != -1) {
		switch (opt) {
		case 'd': addr = optarg; break;
		case 'n': count = arg_u64("-n", optarg, MAX_SEQ); have_count = true; break;
		case 'r': rate = arg_u64("-r", optarg, 1000000); break;
		case 's': size = arg_u64("-s", optarg, MAX_PAYLOAD); break;
		case 'w': linger_ms = arg_u64("-w", optarg, INT_MAX); break;
		case 'j': json = true; break;
		case 'o': out_file = optarg; break;
		case 'R': resume_file = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !addr || !have_count || !rate || size < HDR_LEN)
		usage();
	if (resolve(addr, 0, &dst, &dlen))
		return 1;
	if (dst.ss_family != AF_INET6) {
		fprintf(stderr, "udpseq: ping: IPv6 only\n");
		return 1;
	}
	fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);	/* the kernel sums it */
	if (fd < 0) {
		perror("udpseq: ping: raw ICMPv6 socket");
		return 1;
	}
	ICMP6_FILTER_SETBLOCKALL(&filt);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filt);
	setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt));
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
		perror("udpseq: SO_TIMESTAMPNS (falling back to user-space time)");
	{
		int sz = 4 << 20;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}

	memset(&rx, 0, sizeof(rx));
	if (rx_grow_seq(&rx, count ? count - 1 : 0)) {
		perror("udpseq: malloc");
		return 1;
	}
	memset(buf, 0, sizeof(buf));
	buf[0] = ICMP6_ECHO_REQUEST;
	memcpy(buf + 4, &(uint16_t){ htons(ident) }, 2);
	memcpy(buf + 8, &(uint32_t){ htonl(MAGIC) }, 4);

	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	catch_signals();
	t0 = now_ns(CLOCK_MONOTONIC);
	for (;;) {
		uint64_t now = now_ns(CLOCK_MONOTONIC), next;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (stop && i < count)
			count = i;	/* SIGINT/SIGTERM: no more requests, replies still count */
		if (i < count) {
			next = t0 + (uint64_t)((unsigned __int128)i * 1000000000u / rate);
		} else {
			if (!end)
				end = now + linger_ms * 1000000ull;
			if (rx.expected_seen >= count || now >= end)
				break;
			next = end;
		}
		if (now >= next && i < count) {
			uint64_t seq = htobe64(i), ts = htobe64(now_ns(CLOCK_REALTIME));

			memcpy(buf + 6, &(uint16_t){ htons((uint16_t)i) }, 2);
			memcpy(buf + 12, &seq, 8);
			memcpy(buf + 20, &ts, 8);
			if (sendto(fd, buf, 8 + size, 0, (struct sockaddr *)&dst, dlen) < 0)
				errors++;	/* the seq is spent: lost */
			i++;
			continue;
		}
		{
			struct timespec to = {
				.tv_sec = (time_t)((next - now) / 1000000000u),
				.tv_nsec = (long)((next - now) % 1000000000u),
			};

			if (ppoll(&pfd, 1, &to, NULL) <= 0)
				continue;
		}
		for (;;) {
			struct iovec iov = { .iov_base = rbuf, .iov_len = sizeof(rbuf) };
			struct msghdr mh = {
				.msg_iov = &iov, .msg_iovlen = 1,
				.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
			};
			uint64_t recv_ns = now_ns(CLOCK_REALTIME);
			struct cmsghdr *c;
			ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
			uint16_t id;

			if (n < 0)
				break;
			for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
				if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
					struct timespec ts;

					memcpy(&ts, CMSG_DATA(c), sizeof(ts));
					recv_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
				}
			}
			memcpy(&id, rbuf + 4, 2);
			if (n < 8 || rbuf[0] != ICMP6_ECHO_REPLY || ntohs(id) != ident)
				continue;
			record(&rx, rbuf + 8, (size_t)n - 8, recv_ns, false, NULL, false,
			       NULL, count);
		}
	}
	close(fd);
	if (errors)
		fprintf(stderr, "udpseq: ping: %" PRIu64 " send errors\n", errors);
	if (report(&rx, count, json, resume_file, out_file))
		return 1;
	free(rx.a);
	free(rx.send_by_seq);
	return 0;
}

/* ------------------------------------------------------------ pong */

/*
 * Answer ICMPv6 echo requests to ADDR from user space, in arrival order,
 * until SIGINT/SIGTERM. For the test bed's VM: the kernel's own replies
 * leave from a per-CPU ICMP socket whose send buffer (2 x 64 KiB, fixed)
 * holds every reply until the next hop's receive path frees it; when the
 * gateway's CPU stalls (TCG) or a release delivers hundreds of held
 * requests at once, the kernel drops the replies that do not fit
 * (Icmp6OutErrors, Ip6OutDiscards) and ping counts requests the network
 * delivered as lost. A raw socket with a big send buffer does not.
 * Run it with net.ipv6.icmp.echo_ignore_all=1 in the namespace.
 */
static int do_pong(int argc, char **argv)
{
	struct in6_addr addr;
	struct icmp6_filter filt;
	uint8_t buf[8 + MAX_PAYLOAD + 1], cbuf[256];
	uint64_t answered = 0, errors = 0;
	int fd, c, one = 1, sz = 16 << 20;
	const char *a = NULL;

	while ((c = getopt(argc, argv, "a:")) != -1) {
		switch (c) {
		case 'a': a = optarg; break;
		default: usage();
		}
	}
	if (!a || optind != argc || inet_pton(AF_INET6, a, &addr) != 1)
		usage();
	fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);	/* the kernel sums it */
	if (fd < 0) {
		perror("udpseq: pong: raw ICMPv6 socket");
		return 1;
	}
	ICMP6_FILTER_SETBLOCKALL(&filt);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REQUEST, &filt);
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one))) {
		perror("udpseq: pong");
		return 1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	catch_signals();
	while (!stop) {
		struct sockaddr_in6 from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct in6_pktinfo *pi = NULL, reply_pi = { .ipi6_addr = addr };
		union {
			struct cmsghdr c;
			uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		} rc;
		struct cmsghdr *cm;
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("udpseq: pong: recvmsg");
			return 1;
		}
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO)
				pi = (struct in6_pktinfo *)CMSG_DATA(cm);
		if (n < 8 || (size_t)n > 8 + MAX_PAYLOAD || buf[0] != ICMP6_ECHO_REQUEST ||
		    !pi || memcmp(&pi->ipi6_addr, &addr, sizeof(addr)))
			continue;
		/* Same identifier, sequence and data; the kernel sums it. */
		buf[0] = ICMP6_ECHO_REPLY;
		buf[1] = 0;
		buf[2] = buf[3] = 0;
		memset(&rc, 0, sizeof(rc));
		mh = (struct msghdr){
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = rc.b, .msg_controllen = sizeof(rc.b),
		};
		iov.iov_len = (size_t)n;
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(reply_pi));
		memcpy(CMSG_DATA(cm), &reply_pi, sizeof(reply_pi));
		if (sendmsg(fd, &mh, 0) < 0)
			errors++;
		else
			answered++;
	}
	printf("answered %" PRIu64 " errors %" PRIu64 "\n", answered, errors);
	close(fd);
	return errors ? 1 : 0;
}

/* ------------------------------------------------------------ announce */

static int do_announce(int argc, char **argv)
{
	struct sockaddr_in6 src = { .sin6_family = AF_INET6 };
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6 };
	const char *addr = NULL, *ifname = NULL;
	struct {
		struct nd_neighbor_advert na;
		struct nd_opt_hdr opt;
		uint8_t lladdr[6];
	} __attribute__((packed)) msg = { 0 };
	struct ifreq ifr = { 0 };
	int fd, c, hops = 255;

	while ((c = getopt(argc, argv, "a:i:")) != -1) {
		switch (c) {
		case 'a': addr = optarg; break;
		case 'i': ifname = optarg; break;
		default: usage();
		}
	}
	if (!addr || !ifname || strlen(ifname) >= IFNAMSIZ ||
	    inet_pton(AF_INET6, addr, &src.sin6_addr) != 1)
		usage();
	inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
	dst.sin6_scope_id = if_nametoindex(ifname);
	if (!dst.sin6_scope_id) {
		perror("udpseq: announce: interface");
		return 1;
	}
	fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	if (fd < 0) {
		perror("udpseq: announce: raw ICMPv6 socket");
		return 1;
	}
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) ||
	    bind(fd, (struct sockaddr *)&src, sizeof(src)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &dst.sin6_scope_id,
		       sizeof(dst.sin6_scope_id))) {
		perror("udpseq: announce");
		return 1;
	}
	/* The kernel fills in the ICMPv6 checksum of a raw ICMPv6 socket. */
	msg.na.nd_na_type = ND_NEIGHBOR_ADVERT;
	msg.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
	msg.na.nd_na_target = src.sin6_addr;
	msg.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	msg.opt.nd_opt_len = 1;
	memcpy(msg.lladdr, ifr.ifr_hwaddr.sa_data, 6);
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&dst,
		   sizeof(dst)) != sizeof(msg)) {
		perror("udpseq: announce: sendto");
		return 1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "send"))
		return do_send(argc - 1, argv + 1);
	if (!strcmp(argv[1], "recv"))
		return do_recv(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ping"))
		return do_ping(argc - 1, argv + 1);
	if (!strcmp(argv[1], "announce"))
		return do_announce(argc - 1, argv + 1);
	if (!strcmp(argv[1], "pong"))
		return do_pong(argc - 1, argv + 1);
	usage();
	return 1;
}
