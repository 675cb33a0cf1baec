// SPDX-License-Identifier: GPL-2.0
/*
 * seg6mig gw -batch FILE|-: many VIP changes, few netlink round trips.
 *
 * Semantics (also in seg6mig-gw(8)):
 *  1. The whole file is read and checked first: every line is "set ..." or
 *     "del ..." as on the command line (without "gw"), blank lines and
 *     "#" comments are skipped, a missing dev is resolved from the route to
 *     the FWP SID. Any bad line is reported with its number and nothing at
 *     all is applied (exit 2; exit 1 if only a route lookup failed).
 *  2. The lines are then sent in file order, many requests per sendmsg().
 *     Each line is one route replace (or delete), atomic on its own; the
 *     kernel applies the lines one by one, in order, and a line it refuses
 *     does not stop the others. Every refused line is reported with its
 *     number and the kernel's message; the exit status is then 1 and the
 *     summary says how many lines were applied. There is no rollback.
 *
 * Only the last request of each sendmsg() asks for an ack: the kernel
 * answers a request without NLM_F_ACK only when it fails, so a chunk costs
 * one ack plus one message per refused line.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "gw.h"

#define GW_BATCH_WORDS		16
#define GW_CHUNK_MSGS		1024		/* requests per sendmsg() */
#define GW_CHUNK_BYTES		(256 * 1024)
#define GW_SNDBUF		(4 << 20)
#define GW_RCVBUF		(16 << 20)	/* room for a chunk of errors */
#define GW_BAD_LINES_SHOWN	20

struct gw_line {
	struct gw_change c;
	unsigned int lineno;
	char *text;
};

struct gw_batch {
	struct gw_line *lines;
	size_t n, alloc;
	unsigned int bad;
};

/* Split @s in place into words; "#" starts a comment. */
static int gw_split(char *s, char **argv, int max)
{
	char *save, *w;
	int argc = 0;

	s[strcspn(s, "#")] = '\0';
	for (w = strtok_r(s, " \t\r\n", &save); w;
	     w = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == max)
			return -1;
		argv[argc++] = w;
	}
	return argc;
}

/* Check one line (@s is split in place); keep it if it is a change. */
static int gw_batch_add(struct gw_batch *b, char *s, unsigned int lineno)
{
	char where[32], *argv[GW_BATCH_WORDS];
	struct gw_line *l;
	char *text;
	int argc;

	s[strcspn(s, "\r\n")] = '\0';
	text = strdup(s);
	if (!text)
		return -ENOMEM;
	snprintf(where, sizeof(where), "line %u: ", lineno);
	argc = gw_split(s, argv, GW_BATCH_WORDS);
	if (argc == 0) {
		free(text);
		return 0;
	}
	if (b->n == b->alloc) {
		size_t alloc = b->alloc ? 2 * b->alloc : 1024;
		void *p = realloc(b->lines, alloc * sizeof(*b->lines));

		if (!p) {
			free(text);
			return -ENOMEM;
		}
		b->lines = p;
		b->alloc = alloc;
	}
	l = &b->lines[b->n];
	if (argc < 0) {
		error_msg("%smore than %d words", where, GW_BATCH_WORDS);
		b->bad++;
	} else if (gw_parse_change(argc, argv, where, &l->c)) {
		b->bad++;
	} else {
		l->lineno = lineno;
		l->text = text;
		b->n++;
		return 0;
	}
	free(text);
	return 0;
}

static int gw_batch_read(struct gw_batch *b, const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	unsigned int lineno = 0;
	size_t cap = 0;
	char *s = NULL;
	int err = 0;

	if (!f) {
		error_msg("gw -batch: %s: %s", file, strerror(errno));
		return -errno;
	}
	while (!err && getline(&s, &cap, f) >= 0)
		err = gw_batch_add(b, s, ++lineno);
	if (!err && ferror(f))
		err = -EIO;
	if (err)
		error_msg("gw -batch: %s: %s", file, strerror(-err));
	free(s);
	if (f != stdin)
		fclose(f);
	return err;
}

/* A missing dev: the route to the FWP SID's device, looked up once per SID. */
#define GW_DEV_CACHE	256

static int gw_batch_resolve(struct nl *nl, struct gw_batch *b)
{
	static struct {
		struct in6_addr sid;
		uint32_t ifindex;
	} cache[GW_DEV_CACHE];
	unsigned int ncache = 0, j;
	char where[32];
	size_t i;

	for (i = 0; i < b->n; i++) {
		struct gw_route *rt = &b->lines[i].c.rt;

		if (b->lines[i].c.op != GW_SET || rt->ifindex)
			continue;
		for (j = 0; j < ncache; j++)
			if (!memcmp(&cache[j].sid, &rt->segs[0], sizeof(rt->segs[0])))
				break;
		if (j < ncache) {
			rt->ifindex = cache[j].ifindex;
			continue;
		}
		snprintf(where, sizeof(where), "line %u: ", b->lines[i].lineno);
		if (gw_resolve_dev(nl, rt, where))
			return -ENETUNREACH;
		if (ncache < GW_DEV_CACHE) {
			cache[ncache].sid = rt->segs[0];
			cache[ncache++].ifindex = rt->ifindex;
		}
	}
	return 0;
}

/* Bigger socket buffers: as root beyond [rw]mem_max, else up to them. */
static void gw_batch_bufs(int fd)
{
	int snd = GW_SNDBUF, rcv = GW_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
}

static size_t gw_batch_chunk_bytes(int fd)
{
	socklen_t len = sizeof(int);
	int snd = 0;

	/* The kernel refuses a message longer than the send buffer. */
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, &len) || snd < 8192)
		snd = 8192;
	return snd / 2 < GW_CHUNK_BYTES ? snd / 2 : GW_CHUNK_BYTES;
}

/*
 * Read the replies to lines [first, last] (sequence numbers base + index)
 * until the one to @last. Returns the number of refused lines, or -errno
 * when the replies could not be read.
 */
static int gw_batch_acks(struct nl *nl, struct gw_batch *b, uint32_t base,
			 size_t first, size_t last)
{
	int refused = 0;
	bool done = false;

	while (!done) {
		struct nlmsghdr *nlh;
		int len;

		len = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (len < 0)
			return -errno;
		for (nlh = (struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			size_t idx = (uint32_t)(nlh->nlmsg_seq - base);
			const struct gw_line *l;
			const char *msg;

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    idx < first || idx > last)
				continue;
			if (idx == last)
				done = true;
			if (!e->error)
				continue;
			l = &b->lines[idx];
			msg = nl_err_extack(nlh);
			if (msg && *msg)
				error_msg("line %u: %s: %s (%s)", l->lineno,
					  l->text, msg, strerror(-e->error));
			else
				error_msg("line %u: %s: %s", l->lineno, l->text,
					  strerror(-e->error));
			refused++;
		}
	}
	return refused;
}

/* Send every line, chunk by chunk. Returns refused lines or -errno. */
static int gw_batch_apply(struct nl *nl, struct gw_batch *b)
{
	int fd = mnl_socket_get_fd(nl->sock);
	uint32_t base = nl->seq + 1;
	size_t chunk, start, k, len;
	int refused = 0, ret;
	char *buf;

	gw_batch_bufs(fd);
	chunk = gw_batch_chunk_bytes(fd);
	buf = malloc(chunk);
	if (!buf)
		return -ENOMEM;
	for (start = 0; start < b->n; start = k) {
		struct nlmsghdr *nlh = NULL;

		for (k = start, len = 0; k < b->n && k - start < GW_CHUNK_MSGS &&
		     len + GW_MSG_MAX <= chunk; k++) {
			const struct gw_change *c = &b->lines[k].c;

			nlh = gw_route_msg(buf + len, c, base + k,
					   c->op == GW_SET ?
					   NLM_F_CREATE | NLM_F_REPLACE : 0);
			len += nlh->nlmsg_len;
		}
		nlh->nlmsg_flags |= NLM_F_ACK;
		if (mnl_socket_sendto(nl->sock, buf, len) < 0) {
			ret = -errno;
			error_msg("gw -batch: sending lines %u-%u: %s",
				  b->lines[start].lineno, b->lines[k - 1].lineno,
				  strerror(-ret));
			goto out;
		}
		ret = gw_batch_acks(nl, b, base, start, k - 1);
		if (ret < 0) {
			error_msg("gw -batch: reading the replies to lines %u-%u: %s; whether those lines were applied is unknown",
				  b->lines[start].lineno, b->lines[k - 1].lineno,
				  strerror(-ret));
			goto out;
		}
		refused += ret;
	}
	ret = refused;
out:
	nl->seq = base + b->n;
	free(buf);
	return ret;
}

int gw_batch(const char *file)
{
	struct gw_batch b = { 0 };
	int ret = 0, err;
	struct nl nl;
	size_t i;

	if (gw_batch_read(&b, file)) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (b.bad) {
		error_msg("gw -batch: %u bad line(s), nothing applied", b.bad);
		ret = EXIT_USAGE;
		goto out;
	}
	if (nl_open(&nl, NETLINK_ROUTE)) {
		ret = EXIT_KERNEL;
		goto out;
	}
	if (gw_batch_resolve(&nl, &b)) {
		error_msg("gw -batch: nothing applied");
		ret = EXIT_KERNEL;
	} else {
		err = gw_batch_apply(&nl, &b);
		if (err < 0) {
			ret = EXIT_KERNEL;
		} else if (err > 0) {
			error_msg("gw -batch: %zu of %zu line(s) applied, %d refused (above)",
				  b.n - err, b.n, err);
			ret = EXIT_KERNEL;
		}
	}
	nl_close(&nl);
out:
	for (i = 0; i < b.n; i++)
		free(b.lines[i].text);
	free(b.lines);
	return ret;
}
