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
 *     One exception: a line refused for lack of memory (ENOMEM, which the
 *     kernel's seg6 encap gives for a moment after some thousand routes
 *     in a row) is sent again after a short wait, up to about 8 s, before
 *     any later line of the file, unless a later line of its chunk for
 *     the same VIP and table was applied (it would undo that one).
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
#include <unistd.h>
#include <linux/netlink.h>

#include "gw.h"

#define GW_BATCH_WORDS		16
#define GW_CHUNK_MSGS		1024		/* requests per sendmsg() */
#define GW_CHUNK_MIN		16		/* ... after ENOMEM */
#define GW_CHUNK_BYTES		(256 * 1024)
#define GW_SNDBUF		(4 << 20)
#define GW_RCVBUF		(16 << 20)	/* room for a chunk of errors */
#define GW_RETRY_ROUNDS		40		/* ENOMEM: about 8 s per chunk */
#define GW_RETRY_MAX_US		200000

struct gw_line {
	struct gw_change c;
	unsigned int lineno;
	char *text;
	int err;		/* the kernel's answer: 0 or -errno */
	char *extack;		/* its message, if it refused */
	bool superseded;	/* ENOMEM, but a later line sets the VIP */
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
		l->err = 0;
		l->extack = NULL;
		l->superseded = false;
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
 * Read the replies to the lines idx[first..last] (sequence number base +
 * position in idx) until the one to the last. Records each line's answer;
 * returns -errno when the replies could not be read.
 */
static int gw_batch_acks(struct nl *nl, struct gw_batch *b, const size_t *idx,
			 uint32_t base, size_t first, size_t last)
{
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
			size_t pos = (uint32_t)(nlh->nlmsg_seq - base);
			struct gw_line *l;
			const char *msg;

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    pos < first || pos > last)
				continue;
			if (pos == last)
				done = true;
			l = &b->lines[idx[pos]];
			l->err = e->error;
			free(l->extack);
			l->extack = NULL;
			msg = e->error ? nl_err_extack(nlh) : NULL;
			if (msg && *msg)
				l->extack = strdup(msg);
		}
	}
	return 0;
}

/* Send the lines idx[0..n), in order, chunk by chunk. */
static int gw_batch_send(struct nl *nl, struct gw_batch *b, const size_t *idx,
			 size_t n, char *buf, size_t chunk, size_t max_msgs)
{
	uint32_t base = nl->seq + 1;
	size_t start, k, len;
	int ret = 0;

	for (start = 0; start < n; start = k) {
		struct nlmsghdr *nlh = NULL;

		for (k = start, len = 0; k < n && k - start < max_msgs &&
		     len + GW_MSG_MAX <= chunk; k++) {
			struct gw_line *l = &b->lines[idx[k]];
			const struct gw_change *c = &l->c;

			/* Only a refused line gets an answer. */
			l->err = 0;
			free(l->extack);
			l->extack = NULL;

			nlh = gw_route_msg(buf + len, c, base + k,
					   c->op == GW_SET ?
					   NLM_F_CREATE | NLM_F_REPLACE : 0);
			len += nlh->nlmsg_len;
		}
		nlh->nlmsg_flags |= NLM_F_ACK;
		if (mnl_socket_sendto(nl->sock, buf, len) < 0) {
			ret = -errno;
			error_msg("gw -batch: sending lines %u-%u: %s",
				  b->lines[idx[start]].lineno,
				  b->lines[idx[k - 1]].lineno, strerror(-ret));
			break;
		}
		ret = gw_batch_acks(nl, b, idx, base, start, k - 1);
		if (ret < 0) {
			error_msg("gw -batch: reading the replies to lines %u-%u: %s; whether they were applied is unknown",
				  b->lines[idx[start]].lineno,
				  b->lines[idx[k - 1]].lineno, strerror(-ret));
			break;
		}
	}
	nl->seq = base + n;
	return ret;
}

static int gw_idx_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	return a < b ? -1 : a > b;
}

/* Order of (table, VIP, line): a VIP's lines next to each other. */
static struct gw_batch *gw_sort_b;

static int gw_key_cmp(const void *pa, const void *pb)
{
	const struct gw_line *a = &gw_sort_b->lines[*(const size_t *)pa];
	const struct gw_line *b = &gw_sort_b->lines[*(const size_t *)pb];
	int d;

	if (a->c.rt.table != b->c.rt.table)
		return a->c.rt.table < b->c.rt.table ? -1 : 1;
	if (a->c.rt.family != b->c.rt.family)
		return a->c.rt.family - b->c.rt.family;
	d = memcmp(&a->c.rt.vip, &b->c.rt.vip, sizeof(a->c.rt.vip));
	if (d)
		return d;
	return a->lineno < b->lineno ? -1 : a->lineno > b->lineno;
}

/*
 * The lines to send again: refused with ENOMEM and not followed by a line
 * for the same VIP that the kernel applied or that is sent again too
 * (resending would then undo the later line). Returns how many, in @idx.
 */
static size_t gw_batch_retries(struct gw_batch *b, size_t lo, size_t hi,
			       size_t *idx)
{
	size_t i, n = 0, m = 0;

	for (i = lo; i < hi; i++)
		if (!b->lines[i].err || b->lines[i].err == -ENOMEM)
			idx[n++] = i;
	gw_sort_b = b;
	qsort(idx, n, sizeof(*idx), gw_key_cmp);
	for (i = 0; i < n; i++) {
		struct gw_line *l = &b->lines[idx[i]];

		if (l->err != -ENOMEM)
			continue;
		if (i + 1 < n && gw_vip_eq(&l->c.rt, &b->lines[idx[i + 1]].c.rt) &&
		    l->c.rt.table == b->lines[idx[i + 1]].c.rt.table) {
			l->superseded = true;
			continue;
		}
		idx[m++] = idx[i];
	}
	/* Back to file order. */
	gw_sort_b = NULL;
	qsort(idx, m, sizeof(*idx), gw_idx_cmp);
	return m;
}

/*
 * Send the lines in file order, chunk by chunk. A chunk's lines refused
 * for lack of memory (the kernel allocates each seg6 route's per-CPU dst
 * cache with GFP_ATOMIC; a burst of thousands of routes in one sendmsg()
 * empties the atomic reserve before the per-CPU allocator's worker can
 * refill it) are sent again, after a short wait, before any later line:
 * the file's order holds. Chunks then shrink, giving the worker room, and
 * grow back once they pass.
 */
static int gw_batch_apply(struct nl *nl, struct gw_batch *b)
{
	int fd = mnl_socket_get_fd(nl->sock);
	size_t chunk, start, end, i, n, lim = GW_CHUNK_MSGS;
	unsigned int round, delay_us;
	size_t *idx;
	char *buf;
	int ret = 0;

	gw_batch_bufs(fd);
	chunk = gw_batch_chunk_bytes(fd);
	buf = malloc(chunk);
	idx = malloc(GW_CHUNK_MSGS * sizeof(*idx));
	if (!buf || !idx) {
		free(buf);
		free(idx);
		return -ENOMEM;
	}
	for (start = 0; !ret && start < b->n; start = end) {
		end = start + lim < b->n ? start + lim : b->n;
		for (i = start; i < end; i++)
			idx[i - start] = i;
		ret = gw_batch_send(nl, b, idx, end - start, buf, chunk, lim);
		n = ret ? 0 : gw_batch_retries(b, start, end, idx);
		if (!n) {
			lim = 2 * lim < GW_CHUNK_MSGS ? 2 * lim : GW_CHUNK_MSGS;
			continue;
		}
		lim = lim / 4 > GW_CHUNK_MIN ? lim / 4 : GW_CHUNK_MIN;
		for (round = 0; !ret && n && round < GW_RETRY_ROUNDS; round++) {
			delay_us = round < 8 ? 1000u << round : GW_RETRY_MAX_US;
			usleep(delay_us < GW_RETRY_MAX_US ? delay_us
							  : GW_RETRY_MAX_US);
			ret = gw_batch_send(nl, b, idx, n, buf, chunk, lim);
			n = ret ? 0 : gw_batch_retries(b, start, end, idx);
		}
	}
	free(idx);
	free(buf);
	return ret;
}

/* Every line the kernel refused, in file order; returns how many. */
static size_t gw_batch_report(const struct gw_batch *b, size_t *superseded)
{
	size_t i, refused = 0;

	*superseded = 0;
	for (i = 0; i < b->n; i++) {
		const struct gw_line *l = &b->lines[i];

		if (!l->err)
			continue;
		if (l->superseded) {
			(*superseded)++;
			continue;
		}
		refused++;
		if (l->extack)
			error_msg("line %u: %s: %s (%s)", l->lineno, l->text,
				  l->extack, strerror(-l->err));
		else
			error_msg("line %u: %s: %s", l->lineno, l->text,
				  strerror(-l->err));
	}
	return refused;
}

int gw_batch(const char *file)
{
	size_t i, refused, superseded;
	struct gw_batch b = { 0 };
	int ret = 0;
	struct nl nl;

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
	} else if (gw_batch_apply(&nl, &b)) {
		ret = EXIT_KERNEL;
	} else {
		refused = gw_batch_report(&b, &superseded);
		if (superseded)
			error_msg("gw -batch: %zu line(s) refused for lack of memory not sent again: a later line for the same VIP was applied",
				  superseded);
		if (refused) {
			error_msg("gw -batch: %zu of %zu line(s) applied, %zu refused (above)",
				  b.n - refused - superseded, b.n, refused);
			ret = EXIT_KERNEL;
		}
	}
	nl_close(&nl);
out:
	for (i = 0; i < b.n; i++) {
		free(b.lines[i].text);
		free(b.lines[i].extack);
	}
	free(b.lines);
	return ret;
}
