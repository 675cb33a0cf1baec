// SPDX-License-Identifier: GPL-2.0
/*
 * Applying changes to the gateway's VIPs: one command, a follow event or
 * a whole -batch file go through gw_apply().
 *
 * Each VIP has a host route of its own pointing at a nexthop object of
 * its own (protocol seg6mig, see gw.h). A change becomes one request:
 *
 *   set, the VIP has its nexthop   RTM_NEWNEXTHOP NLM_F_REPLACE    (NH_REPLACE)
 *   set, it has none yet           RTM_NEWROUTE -> a new nexthop  (ROUTE_TO_NH)
 *   del, the VIP has its nexthop   RTM_DELNEXTHOP (takes the route along)
 *   del, it has none               RTM_DELROUTE
 *
 * Only NH_REPLACE changes where traffic goes without a window: the route
 * stays and the kernel swaps the nexthop's contents under RCU. The first
 * set of a VIP (or of a VIP whose route seg6mig did not make) replaces
 * the route once; from then on every change is NH_REPLACE.
 *
 * The nexthops that ROUTE_TO_NH lines point at are made first, in a
 * round of their own (phase A), the kernel choosing their ids and
 * echoing them (NLM_F_ECHO): nothing uses them yet, so nothing on the
 * wire changes. A line whose nexthop the kernel refuses (say, a device
 * without carrier) is refused, and the VIP's other lines are planned
 * again without it. Then every remaining line is sent, in order, many
 * per sendmsg() (phase B). Nexthops made for lines that were then not
 * applied are deleted at the end.
 *
 * Lack of memory: the kernel allocates each seg6 encap's per-CPU dst
 * cache with GFP_ATOMIC; a burst of thousands in one sendmsg() empties the
 * atomic reserve before the per-CPU allocator's worker refills it, and
 * the kernel answers ENOMEM for a moment. Lines refused so are sent
 * again after a short wait, before any later line, unless (phase B) a
 * later line of their chunk set the same VIP (resending would undo it).
 * Chunks then shrink and grow back once they pass.
 *
 * Only the last request of each sendmsg() asks for an ack: the kernel
 * answers a request without NLM_F_ACK only when it fails (or, with
 * NLM_F_ECHO, with what it made).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "gw.h"

enum gw_step {
	GW_NH_REPLACE,
	GW_ROUTE_TO_NH,
	GW_NH_DEL,
	GW_ROUTE_DEL,
};

#define GW_CHUNK_MSGS		1024		/* requests per sendmsg() */
#define GW_CHUNK_MIN		16		/* ... after ENOMEM */
#define GW_CHUNK_BYTES		(256 * 1024)
#define GW_SNDBUF		(4 << 20)
#define GW_RCVBUF		(16 << 20)	/* room for a chunk of answers */
#define GW_RETRY_ROUNDS		40		/* ENOMEM: about 8 s per chunk */
#define GW_RETRY_MAX_US		200000

struct gw_ctx {
	struct nl *nl;
	struct gw_line *lines;
	size_t n;
	size_t *order;		/* lines by (table, family, VIP, line) */
	char *buf;
	size_t chunk;		/* bytes per sendmsg() */
	bool phase_b;
};

/* The id of the nexthop line @l acts on. */
static uint32_t gw_target(const struct gw_ctx *x, const struct gw_line *l)
{
	return l->via >= 0 ? x->lines[l->via].created : l->nhid;
}

static struct nlmsghdr *gw_build(struct gw_ctx *x, void *buf,
				 struct gw_line *l, uint32_t seq)
{
	const struct gw_route *rt = &l->c.rt;

	if (!x->phase_b)
		return gw_nh_msg(buf, rt, 0, seq,
				 NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO);
	switch (l->step) {
	case GW_NH_REPLACE:
		/* Without NLM_F_CREATE: if it went, say so, make none. */
		return gw_nh_msg(buf, rt, gw_target(x, l), seq, NLM_F_REPLACE);
	case GW_ROUTE_TO_NH:
		return gw_route_nh_msg(buf, rt, l->created, seq,
				       NLM_F_CREATE | NLM_F_REPLACE);
	case GW_NH_DEL:
		return gw_nh_del_msg(buf, gw_target(x, l), seq);
	default:
		return gw_route_del_msg(buf, rt, seq);
	}
}

static void gw_answer(struct gw_line *l, int err, const char *msg)
{
	l->err = err;
	free(l->extack);
	l->extack = msg && *msg ? strdup(msg) : NULL;
}

/*
 * Read the answers to the lines idx[first..last] (sequence number base +
 * position in idx) until the one to the last. Returns -errno when the
 * answers could not be read.
 */
static int gw_acks(struct gw_ctx *x, const size_t *idx, uint32_t base,
		   size_t first, size_t last)
{
	struct nl *nl = x->nl;
	bool done = false;

	while (!done) {
		struct nlmsghdr *nlh;
		int len;

		len = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (len < 0)
			return -errno;
		for (nlh = (struct nlmsghdr *)nl->buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			size_t pos = (uint32_t)(nlh->nlmsg_seq - base);
			const struct nlmsgerr *e;
			struct gw_line *l;

			if (pos < first || pos > last)
				continue;
			l = &x->lines[idx[pos]];
			if (nlh->nlmsg_type == RTM_NEWNEXTHOP && !x->phase_b) {
				struct gw_route enc;
				uint32_t id;
				bool own;

				if (gw_nh_parse(nlh, &id, &own, &enc))
					l->created = id;
				continue;
			}
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (pos == last)
				done = true;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error)
				gw_answer(l, e->error, nl_err_extack(nlh));
		}
	}
	return 0;
}

/* Send the lines idx[0..n), in order, chunk by chunk. */
static int gw_send(struct gw_ctx *x, const size_t *idx, size_t n,
		   size_t max_msgs)
{
	struct nl *nl = x->nl;
	uint32_t base = nl->seq + 1;
	size_t start, k, len;
	int ret = 0;

	for (start = 0; start < n; start = k) {
		struct nlmsghdr *nlh = NULL;

		for (k = start, len = 0; k < n && k - start < max_msgs &&
		     len + GW_MSG_MAX <= x->chunk; k++) {
			struct gw_line *l = &x->lines[idx[k]];

			/* Only a refused line gets an answer. */
			gw_answer(l, 0, NULL);
			nlh = gw_build(x, x->buf + len, l, base + k);
			len += nlh->nlmsg_len;
		}
		nlh->nlmsg_flags |= NLM_F_ACK;
		if (mnl_socket_sendto(nl->sock, x->buf, len) < 0) {
			ret = -errno;
			error_msg("sending lines %u-%u: %s",
				  x->lines[idx[start]].lineno,
				  x->lines[idx[k - 1]].lineno, strerror(-ret));
			break;
		}
		ret = gw_acks(x, idx, base, start, k - 1);
		if (ret < 0) {
			error_msg("reading the answers to lines %u-%u: %s; whether they were applied is unknown",
				  x->lines[idx[start]].lineno,
				  x->lines[idx[k - 1]].lineno, strerror(-ret));
			break;
		}
	}
	nl->seq = base + n;
	return ret;
}

static const struct gw_line *gw_cmp_lines;

/* Order of (table, family, VIP, line): a VIP's lines next to each other. */
static int gw_order_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int d = gw_key_cmp(&gw_cmp_lines[a].c.rt, &gw_cmp_lines[b].c.rt);

	return d ? d : (a > b) - (a < b);
}

static int gw_idx_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	return (a > b) - (a < b);
}

static bool gw_same_vip(const struct gw_line *a, const struct gw_line *b)
{
	return !gw_key_cmp(&a->c.rt, &b->c.rt);
}

/*
 * Of idx[0..n) (sent, in file order), the lines to send again: refused
 * with ENOMEM, and in phase B only NH_REPLACE lines not followed in the
 * chunk by a line of the same VIP that was applied or is sent again too.
 * Returns how many, in @idx, in file order.
 */
static size_t gw_retries(struct gw_ctx *x, size_t *idx, size_t n)
{
	size_t i, m = 0, k = 0;

	if (!x->phase_b) {
		for (i = 0; i < n; i++)
			if (x->lines[idx[i]].err == -ENOMEM)
				idx[m++] = idx[i];
		return m;
	}
	for (i = 0; i < n; i++)
		if (!x->lines[idx[i]].err || x->lines[idx[i]].err == -ENOMEM)
			idx[k++] = idx[i];
	gw_cmp_lines = x->lines;
	qsort(idx, k, sizeof(*idx), gw_order_cmp);
	for (i = 0; i < k; i++) {
		struct gw_line *l = &x->lines[idx[i]];

		if (l->err != -ENOMEM || l->step != GW_NH_REPLACE)
			continue;
		if (i + 1 < k && gw_same_vip(l, &x->lines[idx[i + 1]])) {
			l->superseded = true;
			continue;
		}
		idx[m++] = idx[i];
	}
	qsort(idx, m, sizeof(*idx), gw_idx_cmp);
	return m;
}

/* Send the lines todo[0..n) in order, resending those refused for memory. */
static int gw_send_all(struct gw_ctx *x, const size_t *todo, size_t n)
{
	size_t start, end, i, m, lim = GW_CHUNK_MSGS;
	unsigned int round, delay_us;
	size_t *idx;
	int ret = 0;

	idx = malloc(GW_CHUNK_MSGS * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (start = 0; !ret && start < n; start = end) {
		end = start + lim < n ? start + lim : n;
		for (i = start; i < end; i++)
			idx[i - start] = todo[i];
		ret = gw_send(x, idx, end - start, lim);
		m = ret ? 0 : gw_retries(x, idx, end - start);
		if (!m) {
			lim = 2 * lim < GW_CHUNK_MSGS ? 2 * lim : GW_CHUNK_MSGS;
			continue;
		}
		lim = lim / 4 > GW_CHUNK_MIN ? lim / 4 : GW_CHUNK_MIN;
		for (round = 0; !ret && m && round < GW_RETRY_ROUNDS; round++) {
			delay_us = round < 8 ? 1000u << round : GW_RETRY_MAX_US;
			usleep(delay_us < GW_RETRY_MAX_US ? delay_us
							  : GW_RETRY_MAX_US);
			ret = gw_send(x, idx, m, lim);
			m = ret ? 0 : gw_retries(x, idx, m);
		}
	}
	free(idx);
	return ret;
}

/* Where a VIP stands while its lines are planned. */
struct gw_state {
	bool own;		/* it has its nexthop: */
	uint32_t id;		/* this one, */
	long via;		/* or the one this line creates (-1) */
};

/*
 * Plan every line not refused yet, VIP by VIP from its state before the
 * changes (@init, one per VIP in x->order). Returns how many lines need a
 * nexthop made, in @todo (file order).
 */
static size_t gw_plan(struct gw_ctx *x, const struct gw_state *init,
		      size_t *todo)
{
	struct gw_state st = { 0 };
	size_t i, g = 0, m = 0;

	for (i = 0; i < x->n; i++) {
		size_t li = x->order[i];
		struct gw_line *l = &x->lines[li];

		if (!i || !gw_same_vip(&x->lines[x->order[i - 1]], l))
			st = init[g++];
		if (!l->planned)
			continue;
		l->via = -1;
		l->nhid = 0;
		if (l->c.op == GW_SET && st.own) {
			l->step = GW_NH_REPLACE;
			l->nhid = st.id;
			l->via = st.via;
		} else if (l->c.op == GW_SET) {
			l->step = GW_ROUTE_TO_NH;
			st = (struct gw_state){ .own = true, .via = li };
			if (!l->created)
				todo[m++] = li;
		} else {
			l->step = st.own ? GW_NH_DEL : GW_ROUTE_DEL;
			l->nhid = st.id;
			l->via = st.via;
			st = (struct gw_state){ .via = -1 };
		}
	}
	qsort(todo, m, sizeof(*todo), gw_idx_cmp);
	return m;
}

/* Each VIP's state before the changes: from @fib, or asked for. */
static int gw_initial(struct gw_ctx *x, const struct gw_fib *fib,
		      struct gw_state *init)
{
	size_t i, g = 0;

	for (i = 0; i < x->n; i++) {
		const struct gw_route *key = &x->lines[x->order[i]].c.rt;
		const struct gw_route *r;
		struct gw_route found;
		int ret;

		if (i && gw_same_vip(&x->lines[x->order[i - 1]],
				     &x->lines[x->order[i]]))
			continue;
		if (fib) {
			r = gw_fib_find(fib, key);
		} else {
			ret = gw_fib_lookup(x->nl, key, &found);
			if (ret < 0)
				return ret;
			r = ret ? &found : NULL;
		}
		init[g].own = r && r->nhid && r->own_nh;
		init[g].id = init[g].own ? r->nhid : 0;
		init[g].via = -1;
		g++;
	}
	return 0;
}

/*
 * Phase A: make the nexthops the plan needs; a line refused there leaves
 * the plan and the VIP's lines are planned again.
 */
static int gw_phase_a(struct gw_ctx *x, const struct gw_state *init,
		      size_t *todo)
{
	size_t m, i;
	int ret;

	x->phase_b = false;
	while ((m = gw_plan(x, init, todo))) {
		bool refused = false;

		ret = gw_send_all(x, todo, m);
		if (ret)
			return ret;
		for (i = 0; i < m; i++) {
			struct gw_line *l = &x->lines[todo[i]];

			if (l->err || !l->created) {
				if (!l->err)
					gw_answer(l, -EPROTO, "no nexthop id echoed");
				l->planned = false;
				refused = true;
			}
		}
		if (!refused)
			break;
	}
	return 0;
}

/*
 * After phase B: a VIP whose route could not be pointed at its new
 * nexthop keeps its old route, so its later lines, up to its next such
 * line, changed nothing the traffic uses.
 */
static void gw_mark_blocked(struct gw_ctx *x)
{
	long blocker = -1;
	size_t i;

	for (i = 0; i < x->n; i++) {
		struct gw_line *l = &x->lines[x->order[i]];

		if (!i || !gw_same_vip(&x->lines[x->order[i - 1]], l))
			blocker = -1;
		if (!l->planned)
			continue;
		if (l->step == GW_ROUTE_TO_NH)
			blocker = l->err ? (long)x->order[i] : -1;
		else if (blocker >= 0 && !l->err)
			l->blocked_by = x->lines[blocker].lineno;
	}
}

/* Delete the nexthops made for lines whose route does not use them. */
static void gw_cleanup(struct gw_ctx *x)
{
	struct nlmsghdr *nlh;
	size_t i;

	for (i = 0; i < x->n; i++) {
		struct gw_line *l = &x->lines[i];

		/* Phase B never ran: nothing uses what phase A made. */
		if (!l->created || (x->phase_b && l->planned &&
				    l->step == GW_ROUTE_TO_NH && !l->err))
			continue;
		nlh = gw_nh_del_msg(x->nl->buf, l->created, ++x->nl->seq);
		/* Gone already if a later line deleted it. */
		nl_talk(x->nl, nlh, NULL, NULL, NULL);
	}
}

static void gw_report(const struct gw_line *l)
{
	char where[32] = "";

	if (l->lineno)
		snprintf(where, sizeof(where), "line %u: ", l->lineno);
	if (l->blocked_by)
		error_msg("%s%s: not applied: line %u for this VIP was refused",
			  where, l->text, l->blocked_by);
	else if (l->extack)
		error_msg("%s%s: %s (%s)", where, l->text, l->extack,
			  strerror(-l->err));
	else
		error_msg("%s%s: %s", where, l->text, strerror(-l->err));
}

/* Bigger socket buffers: as root beyond [rw]mem_max, else up to them. */
static size_t gw_bufs(int fd)
{
	int snd = GW_SNDBUF, rcv = GW_RCVBUF;
	socklen_t len = sizeof(snd);

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	/* The kernel refuses a message longer than the send buffer. */
	snd = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, &len) || snd < 8192)
		snd = 8192;
	return snd / 2 < GW_CHUNK_BYTES ? snd / 2 : GW_CHUNK_BYTES;
}

int gw_apply(struct nl *nl, struct gw_line *lines, size_t n,
	     const struct gw_fib *fib, struct gw_result *res)
{
	struct gw_ctx x = { .nl = nl, .lines = lines, .n = n };
	struct gw_state *init = NULL;
	size_t *todo = NULL, i, m = 0;
	int ret = -ENOMEM;

	memset(res, 0, sizeof(*res));
	if (!n)
		return 0;
	x.chunk = gw_bufs(mnl_socket_get_fd(nl->sock));
	x.order = malloc(n * sizeof(*x.order));
	todo = malloc(n * sizeof(*todo));
	init = malloc(n * sizeof(*init));
	x.buf = malloc(x.chunk);
	if (!x.order || !todo || !init || !x.buf)
		goto out;
	for (i = 0; i < n; i++) {
		x.order[i] = i;
		lines[i].planned = true;
		lines[i].created = 0;
		lines[i].blocked_by = 0;
		lines[i].superseded = false;
		gw_answer(&lines[i], 0, NULL);
	}
	gw_cmp_lines = lines;
	qsort(x.order, n, sizeof(*x.order), gw_order_cmp);

	ret = gw_initial(&x, fib, init);
	if (!ret)
		ret = gw_phase_a(&x, init, todo);
	if (ret)
		goto cleanup;

	x.phase_b = true;
	for (i = 0; i < n; i++)
		if (lines[i].planned)
			todo[m++] = i;
	ret = gw_send_all(&x, todo, m);
	gw_mark_blocked(&x);
cleanup:
	gw_cleanup(&x);
	for (i = 0; ret >= 0 && i < n; i++) {
		const struct gw_line *l = &lines[i];

		if (l->superseded)
			res->superseded++;
		else if (l->err || l->blocked_by)
			gw_report(l);
		if (l->superseded)
			continue;
		if (l->err)
			res->refused++;
		else if (l->blocked_by)
			res->blocked++;
		else
			res->applied++;
	}
	if (!ret)
		ret = res->refused || res->blocked;
out:
	free(x.buf);
	free(init);
	free(todo);
	free(x.order);
	return ret;
}
