// SPDX-License-Identifier: GPL-2.0
/*
 * httpload: a static HTTP server and a client with Poisson arrivals, for
 * the seg6_mig migration test bed and benchmarks (the paper's HTTP
 * experiment: share of requests answered in more than 1 s and in less
 * than 200 ms while the server's VM migrates).
 *
 * serve: answers every request with the same SIZE-byte body (HTTP/1.0,
 *   Connection: close), optionally DELAY_MS after the request arrived.
 * get: one new TCP connection per request, started at Poisson arrival
 *   times (exponential gaps, mean 1/RATE), non-blocking, as many in
 *   flight as needed; response time = connect() to the last body byte.
 *
 * One thread each, epoll: a migration stalls some connections for the
 * downtime (a lost SYN costs the 1 s SYN retransmission timer), and the
 * arrivals must go on at the rate meanwhile.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HDR		2048	/* request or response header */
#define MAX_EVENTS	256

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
	sa.sa_handler = on_signal;	/* no SA_RESTART: epoll_pwait2 returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
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
		"usage: httpload serve -p PORT [-b BIND_ADDR] [-s SIZE] [-D DELAY_MS] [-j]\n"
		"       httpload get -d ADDR -p PORT -r RATE [-n COUNT] [-T DURATION_MS]\n"
		"                    [-t TIMEOUT_MS] [-m MAX_INFLIGHT] [-S SEED] [-j] [-o FILE]\n"
		"serve: answer GET requests with a SIZE-byte body (default 12288, the\n"
		"  paper's 12 KB file), DELAY_MS (default 0) after the request arrived,\n"
		"  then close, until SIGINT/SIGTERM; prints its summary.\n"
		"get: requests at Poisson arrival times, RATE per second, one TCP\n"
		"  connection each, until COUNT were started or DURATION_MS passed (or\n"
		"  SIGINT/SIGTERM), then waits for those in flight; a request not\n"
		"  answered within TIMEOUT_MS (default 10000) fails. -o: one line per\n"
		"  request, 'seq start_ns end_ns result late_ns' (CLOCK_REALTIME; result\n"
		"  ok, connect, timeout, bad or busy; late: start - arrival time).\n"
		"  Summary as text, or one JSON line\n"
		"  with -j. Exit 0 when it ran, 1 on errors.\n");
	exit(1);
}

static uint64_t arg_u64(const char *opt, const char *s, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (!*s || *s == '-' || errno || *end || v > max) {
		fprintf(stderr, "httpload: invalid value for %s: '%s'\n", opt, s);
		exit(1);
	}
	return v;
}

static int resolve(const char *addr, uint16_t port, struct sockaddr_storage *ss,
		   socklen_t *len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV | AI_PASSIVE };
	struct addrinfo *res;
	char serv[8];
	int err;

	snprintf(serv, sizeof(serv), "%u", port);
	err = getaddrinfo(addr, serv, &hints, &res);
	if (err) {
		fprintf(stderr, "httpload: %s: %s\n", addr ? addr : "*", gai_strerror(err));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* Thousands of connections in flight: as many descriptors as allowed. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int epoll_wait_until(int ep, struct epoll_event *ev, uint64_t deadline)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC), d = deadline > now ? deadline - now : 0;
	struct timespec to = { .tv_sec = (time_t)(d / 1000000000u),
			       .tv_nsec = (long)(d % 1000000000u) };

	return epoll_pwait2(ep, ev, MAX_EVENTS, deadline == UINT64_MAX ? NULL : &to, NULL);
}

/* A doubly linked FIFO: connections in order of their one deadline. */
struct link {
	struct link *prev, *next;
};

static void list_init(struct link *h)
{
	h->prev = h->next = h;
}

static void list_add_tail(struct link *h, struct link *l)
{
	l->prev = h->prev;
	l->next = h;
	h->prev->next = l;
	h->prev = l;
}

static void list_del(struct link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = l;
}

#define list_first(h, type) ((h)->next == (h) ? NULL : (type *)(h)->next)

/* --------------------------------------------------------------- serve */

struct sconn {
	struct link link;	/* first: waiting for its delay to pass */
	int fd;
	bool replying;
	uint64_t due;		/* CLOCK_MONOTONIC ns the reply may start */
	size_t hlen, sent;
	char hdr[MAX_HDR];
};

struct server {
	int ep;
	const char *resp;
	size_t resp_len;
	uint64_t delay_ns;
	struct link delayed;
	uint64_t accepted, served, errors;
};

static void sconn_close(struct server *s, struct sconn *c, bool ok)
{
	if (ok)
		s->served++;
	else
		s->errors++;
	list_del(&c->link);
	close(c->fd);
	free(c);
}

/* Write what the socket takes; the rest when it is writable again. */
static void sconn_reply(struct server *s, struct sconn *c)
{
	while (c->sent < s->resp_len) {
		ssize_t n = send(c->fd, s->resp + c->sent, s->resp_len - c->sent,
				 MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN) {
				struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

				if (!c->replying)
					epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
				c->replying = true;
				return;
			}
			sconn_close(s, c, false);
			return;
		}
		c->sent += (size_t)n;
	}
	sconn_close(s, c, true);
}

/* Read the request header; a complete one is answered (after the delay). */
static void sconn_read(struct server *s, struct sconn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->hdr + c->hlen, sizeof(c->hdr) - 1 - c->hlen, 0);

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			sconn_close(s, c, false);	/* reset, or closed before asking */
			return;
		}
		c->hlen += (size_t)n;
		c->hdr[c->hlen] = 0;
		if (strstr(c->hdr, "\r\n\r\n"))
			break;
		if (c->hlen == sizeof(c->hdr) - 1) {
			sconn_close(s, c, false);
			return;
		}
	}
	if (strncmp(c->hdr, "GET ", 4)) {
		sconn_close(s, c, false);
		return;
	}
	/* Nothing more to read; errors and hangups are still reported. */
	{
		struct epoll_event ev = { .events = 0, .data.ptr = c };

		epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
	c->due = now_ns(CLOCK_MONOTONIC) + s->delay_ns;
	if (s->delay_ns) {
		list_add_tail(&s->delayed, &c->link);
		return;
	}
	sconn_reply(s, c);
}

static char *build_response(size_t size, size_t *len)
{
	char hdr[160];
	int h = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n", size);
	char *r = malloc((size_t)h + size);

	if (!r)
		return NULL;
	memcpy(r, hdr, (size_t)h);
	memset(r + h, 'x', size);
	*len = (size_t)h + size;
	return r;
}

static int do_serve(int argc, char **argv)
{
	const char *bind_addr = NULL;
	uint64_t port = 0, size = 12288, delay_ms = 0;
	bool json = false;
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct server s = { 0 };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	int lfd, opt, one = 1;

	while ((opt = getopt(argc, argv, "p:b:s:D:jh")) != -1) {
		switch (opt) {
		case 'p': port = arg_u64("-p", optarg, 65535); break;
		case 'b': bind_addr = optarg; break;
		case 's': size = arg_u64("-s", optarg, 1u << 30); break;
		case 'D': delay_ms = arg_u64("-D", optarg, 3600000); break;
		case 'j': json = true; break;
		default: usage();
		}
	}
	if (optind != argc || !port)
		usage();
	if (bind_addr) {
		if (resolve(bind_addr, (uint16_t)port, &ss, &sslen))
			return 1;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		memset(&ss, 0, sizeof(ss));
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		sslen = sizeof(*s6);
	}
	s.resp = build_response(size, &s.resp_len);
	s.delay_ns = delay_ms * 1000000u;
	list_init(&s.delayed);
	raise_nofile();
	lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	s.ep = epoll_create1(0);
	if (!s.resp || lfd < 0 || s.ep < 0) {
		perror("httpload: serve");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, sslen) || listen(lfd, 4096) ||
	    epoll_ctl(s.ep, EPOLL_CTL_ADD, lfd, &ev)) {
		perror("httpload: serve: bind/listen");
		return 1;
	}

	catch_signals();
	while (!stop) {
		struct epoll_event evs[MAX_EVENTS];
		struct sconn *c = list_first(&s.delayed, struct sconn);
		int n = epoll_wait_until(s.ep, evs, c ? c->due : UINT64_MAX);

		if (n < 0 && errno != EINTR) {
			perror("httpload: epoll");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			c = evs[i].data.ptr;
			if (!c) {
				int fd;

				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct epoll_event cev = { .events = EPOLLIN };

					c = calloc(1, sizeof(*c));
					if (!c) {
						close(fd);
						s.errors++;
						continue;
					}
					c->fd = fd;
					list_init(&c->link);
					cev.data.ptr = c;
					epoll_ctl(s.ep, EPOLL_CTL_ADD, fd, &cev);
					s.accepted++;
				}
				continue;
			}
			if (c->replying)
				sconn_reply(&s, c);
			else if (!c->due)
				sconn_read(&s, c);
			else if (evs[i].events & (EPOLLERR | EPOLLHUP))
				sconn_close(&s, c, false);
		}
		/* The delayed replies that are due. */
		while ((c = list_first(&s.delayed, struct sconn)) &&
		       c->due <= now_ns(CLOCK_MONOTONIC)) {
			list_del(&c->link);
			sconn_reply(&s, c);
		}
	}
	if (json)
		printf("{\"accepted\":%" PRIu64 ",\"served\":%" PRIu64 ",\"errors\":%" PRIu64 "}\n",
		       s.accepted, s.served, s.errors);
	else
		printf("accepted %" PRIu64 " served %" PRIu64 " errors %" PRIu64 "\n",
		       s.accepted, s.served, s.errors);
	return 0;
}

/* ----------------------------------------------------------------- get */

enum result { REQ_PENDING, REQ_OK, REQ_CONNECT, REQ_TIMEOUT, REQ_BAD, REQ_BUSY };
static const char *const result_name[] = {
	"pending", "ok", "connect", "timeout", "bad", "busy",
};

struct request {
	uint64_t start_ns, end_ns;	/* CLOCK_REALTIME */
	uint64_t late_ns;		/* start - its arrival time (a stalled client) */
	enum result result;
};

struct cconn {
	struct link link;	/* first: in flight, oldest first */
	int fd;
	uint64_t seq;
	uint64_t deadline;	/* CLOCK_MONOTONIC */
	bool connected, answered;
	size_t hlen;
	int64_t body_left;	/* -1 until the header is parsed */
	char hdr[MAX_HDR];
};

struct client {
	int ep;
	struct request *req;
	size_t nreq, cap;
	struct link inflight;
	uint64_t ninflight, max_inflight, bytes, late_max;
};

static const char request_text[] = "GET / HTTP/1.0\r\nHost: vm\r\nConnection: close\r\n\r\n";

/* The request ends (for the record) when answered or failed. */
static void request_end(struct client *cl, struct cconn *c, enum result r)
{
	struct request *q = &cl->req[c->seq];

	if (q->result == REQ_PENDING) {
		q->result = r;
		q->end_ns = now_ns(CLOCK_REALTIME);
	}
}

static void cconn_close(struct client *cl, struct cconn *c, enum result r)
{
	request_end(cl, c, r);
	list_del(&c->link);
	close(c->fd);
	cl->ninflight--;
	free(c);
}

/* Status 200 and a Content-Length: what the body must then be. */
static int64_t parse_header(const char *h)
{
	const char *p;

	if (strncmp(h, "HTTP/1.", 7) || strncmp(h + 8, " 200", 4))
		return -1;
	for (p = strstr(h, "\r\n"); p; p = strstr(p + 2, "\r\n"))
		if (!strncasecmp(p + 2, "Content-Length:", 15))
			return strtoll(p + 17, NULL, 10);
	return -1;
}

/* Read the answer; the last body byte answers it, EOF ends the connection. */
static void cconn_read(struct client *cl, struct cconn *c)
{
	char buf[65536];

	for (;;) {
		char *dst = c->body_left < 0 ? c->hdr + c->hlen : buf;
		size_t room = c->body_left < 0 ? sizeof(c->hdr) - 1 - c->hlen : sizeof(buf);
		ssize_t n = recv(c->fd, dst, room, 0);
		char *end;

		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			cconn_close(cl, c, REQ_BAD);	/* e.g. reset by the server */
			return;
		}
		if (n == 0) {
			cconn_close(cl, c, c->answered ? REQ_OK : REQ_BAD);
			return;
		}
		if (c->body_left < 0) {
			c->hlen += (size_t)n;
			c->hdr[c->hlen] = 0;
			end = strstr(c->hdr, "\r\n\r\n");
			if (!end) {
				if (c->hlen == sizeof(c->hdr) - 1) {
					cconn_close(cl, c, REQ_BAD);
					return;
				}
				continue;
			}
			c->body_left = parse_header(c->hdr);
			if (c->body_left < 0) {
				cconn_close(cl, c, REQ_BAD);
				return;
			}
			cl->bytes += (uint64_t)c->body_left;
			n = (ssize_t)(c->hdr + c->hlen - (end + 4));	/* body bytes read */
		}
		c->body_left -= n;
		if (c->body_left < 0) {
			cconn_close(cl, c, REQ_BAD);	/* longer than announced */
			return;
		}
		if (!c->body_left && !c->answered) {
			c->answered = true;
			request_end(cl, c, REQ_OK);
		}
	}
}

static void cconn_event(struct client *cl, struct cconn *c, uint32_t events)
{
	if (!c->connected) {
		int err = 0;
		socklen_t l = sizeof(err);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err || !(events & EPOLLOUT)) {
			cconn_close(cl, c, REQ_CONNECT);
			return;
		}
		c->connected = true;
		/* The request fits in any send buffer: one send. */
		if (send(c->fd, request_text, sizeof(request_text) - 1, MSG_NOSIGNAL) !=
		    sizeof(request_text) - 1) {
			cconn_close(cl, c, REQ_BAD);
			return;
		}
		epoll_ctl(cl->ep, EPOLL_CTL_MOD, c->fd, &ev);
		return;
	}
	cconn_read(cl, c);
}

static struct request *new_request(struct client *cl)
{
	if (cl->nreq == cl->cap) {
		size_t cap = cl->cap ? cl->cap * 2 : 4096;
		struct request *r = realloc(cl->req, cap * sizeof(*r));

		if (!r)
			return NULL;
		cl->req = r;
		cl->cap = cap;
	}
	memset(&cl->req[cl->nreq], 0, sizeof(*cl->req));
	return &cl->req[cl->nreq++];
}

/* Start request number nreq: a non-blocking connect, answered by epoll. */
static int request_start(struct client *cl, const struct sockaddr_storage *dst,
			 socklen_t dlen, uint64_t arrival, uint64_t limit, uint64_t timeout_ns)
{
	struct request *q = new_request(cl);
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLRDHUP };
	struct cconn *c;

	if (!q)
		return -1;
	q->start_ns = now_ns(CLOCK_REALTIME);
	q->late_ns = now_ns(CLOCK_MONOTONIC) - arrival;
	if (q->late_ns > cl->late_max)
		cl->late_max = q->late_ns;
	if (cl->ninflight >= limit) {
		q->result = REQ_BUSY;
		q->end_ns = q->start_ns;
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->seq = cl->nreq - 1;
	c->body_left = -1;
	c->deadline = now_ns(CLOCK_MONOTONIC) + timeout_ns;
	list_add_tail(&cl->inflight, &c->link);
	cl->ninflight++;
	if (cl->ninflight > cl->max_inflight)
		cl->max_inflight = cl->ninflight;
	c->fd = socket(dst->ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0) {
		c->fd = -1;
		cconn_close(cl, c, REQ_BUSY);	/* out of descriptors or memory */
		return 0;
	}
	if (connect(c->fd, (const struct sockaddr *)dst, dlen) && errno != EINPROGRESS) {
		cconn_close(cl, c, REQ_CONNECT);	/* e.g. no route */
		return 0;
	}
	ev.data.ptr = c;
	epoll_ctl(cl->ep, EPOLL_CTL_ADD, c->fd, &ev);
	return 0;
}

/* xorshift64*: reproducible arrivals for a given seed. */
static uint64_t rng_state;

static double rng_uniform(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double)((rng_state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array (as udpseq). */
static uint64_t pct(const uint64_t *v, size_t n, double p)
{
	size_t k = (size_t)(p * (double)n + 0.999999999);

	if (!n)
		return 0;
	if (k < 1)
		k = 1;
	return v[(k > n ? n : k) - 1];
}

static int report(const struct client *cl, uint64_t elapsed_ns, bool json, const char *out)
{
	uint64_t count[REQ_BUSY + 1] = { 0 }, over_1s = 0, under_200ms = 0;
	uint64_t *t = malloc((cl->nreq + 1) * sizeof(*t));
	size_t nt = 0, failed;
	double secs = (double)elapsed_ns / 1e9, n = cl->nreq ? (double)cl->nreq : 1;
	/* The rate the arrivals kept: over the span of their start times. */
	double span = cl->nreq > 1 ? (double)(cl->req[cl->nreq - 1].start_ns -
					      cl->req[0].start_ns) / 1e9 : 0;
	double rate = span > 0 ? (double)(cl->nreq - 1) / span : 0;

	if (!t) {
		perror("httpload: malloc");
		return 1;
	}
	for (size_t i = 0; i < cl->nreq; i++) {
		const struct request *q = &cl->req[i];
		uint64_t d = q->end_ns - q->start_ns;

		count[q->result]++;
		if (q->result != REQ_OK) {
			over_1s++;	/* never answered: slower than any answer */
			continue;
		}
		t[nt++] = d;
		if (d > 1000000000u)
			over_1s++;
		else if (d < 200000000u)
			under_200ms++;
	}
	qsort(t, nt, sizeof(*t), cmp_u64);
	failed = cl->nreq - count[REQ_OK];

#define MS(ns) ((double)(ns) / 1e6)
	if (json)
		printf("{\"requests\":%zu,\"ok\":%" PRIu64 ",\"failed\":%zu"
		       ",\"connect_errors\":%" PRIu64 ",\"timeouts\":%" PRIu64
		       ",\"bad\":%" PRIu64 ",\"busy\":%" PRIu64
		       ",\"over_1s\":%" PRIu64 ",\"under_200ms\":%" PRIu64
		       ",\"share_over_1s\":%.5f,\"share_under_200ms\":%.5f"
		       ",\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f"
		       ",\"bytes\":%" PRIu64 ",\"max_inflight\":%" PRIu64
		       ",\"seconds\":%.3f,\"rate\":%.1f,\"late_max_ms\":%.3f}\n",
		       cl->nreq, count[REQ_OK], failed, count[REQ_CONNECT], count[REQ_TIMEOUT],
		       count[REQ_BAD], count[REQ_BUSY], over_1s, under_200ms,
		       (double)over_1s / n, (double)under_200ms / n,
		       MS(pct(t, nt, 0.50)), MS(pct(t, nt, 0.99)), MS(nt ? t[nt - 1] : 0),
		       cl->bytes, cl->max_inflight, secs, rate, MS(cl->late_max));
	else
		printf("requests %zu ok %" PRIu64 " failed %zu (connect %" PRIu64 " timeout %"
		       PRIu64 " bad %" PRIu64 " busy %" PRIu64 ")\n"
		       "over_1s %.2f %% under_200ms %.2f %% p50 %.3f ms p99 %.3f ms max %.3f ms\n"
		       "bytes %" PRIu64 " max_inflight %" PRIu64 " in %.3f s, arrivals at %.1f/s"
		       " (up to %.3f ms late)\n",
		       cl->nreq, count[REQ_OK], failed, count[REQ_CONNECT], count[REQ_TIMEOUT],
		       count[REQ_BAD], count[REQ_BUSY],
		       100.0 * (double)over_1s / n, 100.0 * (double)under_200ms / n,
		       MS(pct(t, nt, 0.50)), MS(pct(t, nt, 0.99)), MS(nt ? t[nt - 1] : 0),
		       cl->bytes, cl->max_inflight, secs, rate, MS(cl->late_max));
	free(t);
	if (out) {
		FILE *f = fopen(out, "w");

		if (!f) {
			fprintf(stderr, "httpload: %s: %s\n", out, strerror(errno));
			return 1;
		}
		for (size_t i = 0; i < cl->nreq; i++)
			fprintf(f, "%zu %" PRIu64 " %" PRIu64 " %s %" PRIu64 "\n", i,
				cl->req[i].start_ns, cl->req[i].end_ns,
				result_name[cl->req[i].result], cl->req[i].late_ns);
		if (fclose(f)) {
			fprintf(stderr, "httpload: %s: %s\n", out, strerror(errno));
			return 1;
		}
	}
	return 0;
}

static int do_get(int argc, char **argv)
{
	const char *addr = NULL, *out = NULL;
	uint64_t port = 0, rate = 0, count = UINT64_MAX, duration_ms = 0;
	uint64_t timeout_ms = 10000, limit = 4096, seed = 0, t0, next, end;
	bool json = false;
	struct sockaddr_storage dst;
	socklen_t dlen;
	struct client cl = { 0 };
	int opt;

	while ((opt = getopt(argc, argv, "d:p:r:n:T:t:m:S:jo:h")) != -1) {
		switch (opt) {
		case 'd': addr = optarg; break;
		case 'p': port = arg_u64("-p", optarg, 65535); break;
		case 'r': rate = arg_u64("-r", optarg, 1000000); break;
		case 'n': count = arg_u64("-n", optarg, 1u << 30); break;
		case 'T': duration_ms = arg_u64("-T", optarg, 86400000); break;
		case 't': timeout_ms = arg_u64("-t", optarg, 3600000); break;
		case 'm': limit = arg_u64("-m", optarg, 1u << 20); break;
		case 'S': seed = arg_u64("-S", optarg, UINT64_MAX); break;
		case 'j': json = true; break;
		case 'o': out = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || !addr || !port || !rate ||
	    (count == UINT64_MAX && !duration_ms) || !limit)
		usage();
	if (resolve(addr, (uint16_t)port, &dst, &dlen))
		return 1;
	rng_state = seed ? seed : now_ns(CLOCK_REALTIME) ^ (uint64_t)getpid() << 32;
	if (!rng_state)
		rng_state = 1;
	raise_nofile();
	list_init(&cl.inflight);
	cl.ep = epoll_create1(0);
	if (cl.ep < 0) {
		perror("httpload: epoll_create1");
		return 1;
	}

	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	catch_signals();
	t0 = next = now_ns(CLOCK_MONOTONIC);
	end = duration_ms ? t0 + duration_ms * 1000000u : UINT64_MAX;
	for (;;) {
		struct epoll_event evs[MAX_EVENTS];
		struct cconn *c;
		uint64_t now = now_ns(CLOCK_MONOTONIC), wake;
		bool starting = !stop && cl.nreq < count && next < end;
		int n;

		/* Every arrival that is due (a late client catches up: the rate holds). */
		while (starting && next <= now) {
			if (request_start(&cl, &dst, dlen, next, limit, timeout_ms * 1000000u)) {
				perror("httpload: get");
				return 1;
			}
			next += (uint64_t)(-log(1.0 - rng_uniform()) * 1e9 / (double)rate);
			starting = cl.nreq < count && next < end;
		}
		while ((c = list_first(&cl.inflight, struct cconn)) && c->deadline <= now)
			cconn_close(&cl, c, c->answered ? REQ_OK : REQ_TIMEOUT);
		if (!starting && !cl.ninflight)
			break;
		wake = starting ? next : UINT64_MAX;
		if (c && c->deadline < wake)
			wake = c->deadline;
		n = epoll_wait_until(cl.ep, evs, wake);
		if (n < 0 && errno != EINTR) {
			perror("httpload: epoll");
			return 1;
		}
		for (int i = 0; i < n; i++)
			cconn_event(&cl, evs[i].data.ptr, evs[i].events);
	}
	if (report(&cl, now_ns(CLOCK_MONOTONIC) - t0, json, out))
		return 1;
	free(cl.req);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "serve"))
		return do_serve(argc - 1, argv + 1);
	if (!strcmp(argv[1], "get"))
		return do_get(argc - 1, argv + 1);
	usage();
	return 1;
}
