// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the gateway's FIB: the route of one VIP (a lookup, whatever the
 * size of the table), or the host routes of many (a dump, filtered by the
 * kernel on table and protocol), each with its nexthop's encap.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>

#include "gw.h"

int gw_key_cmp(const struct gw_route *a, const struct gw_route *b)
{
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	if (a->family != b->family)
		return a->family - b->family;
	return memcmp(&a->vip, &b->vip, sizeof(a->vip));
}

static int gw_route_cmp(const void *a, const void *b)
{
	return gw_key_cmp(a, b);
}

/* Give @rt its nexthop's encap and ownership. */
static void gw_join_nh(struct gw_route *rt, uint32_t id, bool own,
		       const struct gw_route *nh)
{
	if (id != rt->nhid)
		return;
	rt->own_nh = own && rt->protocol == GW_RTPROT;
	rt->nsegs = nh->nsegs;
	memcpy(rt->segs, nh->segs, sizeof(rt->segs));
	rt->mode = nh->mode;
	rt->ifindex = nh->ifindex;
}

struct gw_match {
	struct gw_route *rt;
	bool host;		/* a host route with seg6 encap or nexthop */
	bool any;		/* a route at all */
};

static int gw_lookup_cb(const struct nlmsghdr *nlh, void *data)
{
	struct gw_match *m = data;

	m->host = gw_route_parse(nlh, m->rt);
	m->any = m->rt->family != AF_UNSPEC;
	return MNL_CB_OK;
}

static int gw_nh_one_cb(const struct nlmsghdr *nlh, void *data)
{
	struct gw_route *rt = data, nh;
	uint32_t id;
	bool own;

	if (gw_nh_parse(nlh, &id, &own, &nh))
		gw_join_nh(rt, id, own, &nh);
	return MNL_CB_OK;
}

/* The nexthop of @found (which has one): its encap and ownership. */
static int gw_nh_get(struct nl *nl, struct gw_route *found)
{
	struct nlmsghdr *nlh;
	struct nhmsg *nhm;
	int err;

	found->nsegs = 0;
	found->ifindex = 0;
	nlh = nl_msg(nl, RTM_GETNEXTHOP, NLM_F_REQUEST);
	nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
	nhm->nh_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NHA_ID, found->nhid);
	err = nl_talk(nl, nlh, gw_nh_one_cb, found, NULL);
	if (err && err != -ENOENT) {
		error_msg("reading nexthop %u: %s", found->nhid, strerror(-err));
		return err;
	}
	return 0;
}

/* The VIP's route from a dump of its table. */
static int gw_fib_lookup_dump(struct nl *nl, const struct gw_route *rt,
			      struct gw_route *found)
{
	const struct gw_route *r;
	struct gw_fib fib;
	int err;

	err = gw_fib_dump(nl, rt->family, rt->table, 0, &fib);
	if (err)
		return err;
	r = gw_fib_find(&fib, rt);
	if (r)
		*found = *r;
	gw_fib_free(&fib);
	return !!r;
}

/*
 * A lookup of the VIP goes through the rules; only the main table's host
 * route is sure to be what it finds. Another table's is looked for in a
 * dump of that table (the kernel walks that table only).
 */
int gw_fib_lookup(struct nl *nl, const struct gw_route *rt,
		  struct gw_route *found)
{
	size_t len = rt->family == AF_INET ? 4 : 16;
	struct gw_match m = { .rt = found };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int err;

	memset(found, 0, sizeof(*found));
	if (rt->table != GW_MAIN_TABLE)
		return gw_fib_lookup_dump(nl, rt, found);
	nlh = nl_msg(nl, RTM_GETROUTE, NLM_F_REQUEST);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = rt->family;
	rtm->rtm_dst_len = len * 8;
	rtm->rtm_flags = RTM_F_FIB_MATCH;
	mnl_attr_put(nlh, RTA_DST, len, &rt->vip);
	err = nl_talk(nl, nlh, gw_lookup_cb, &m, NULL);
	/* No route at all to the VIP. */
	if (err == -ENETUNREACH || err == -EHOSTUNREACH || err == -ESRCH)
		return 0;
	if (err) {
		error_msg("looking up the route to the VIP: %s", strerror(-err));
		return err;
	}
	if (!m.any)
		return 0;
	/* A rule took the lookup to another table first. */
	if (found->table != rt->table) {
		memset(found, 0, sizeof(*found));
		return gw_fib_lookup_dump(nl, rt, found);
	}
	/* No host route of ours to see: a shorter prefix, or a plain route. */
	if (!m.host || found->family != rt->family || !gw_vip_eq(found, rt)) {
		memset(found, 0, sizeof(*found));
		return 0;
	}
	if (found->nhid) {
		err = gw_nh_get(nl, found);
		if (err)
			return err;
	}
	return 1;
}

/* Room in *@arr (@alloc elements of @size) for element @n. */
static int gw_grow(void **arr, size_t *alloc, size_t n, size_t size)
{
	size_t more;
	void *p;

	if (n < *alloc)
		return 0;
	more = *alloc ? 2 * *alloc : 256;
	p = realloc(*arr, more * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*alloc = more;
	return 0;
}

/* The nexthops of a dump, sorted by id, to join with the routes. */
struct gw_nh_entry {
	uint32_t id;
	bool own;
	struct gw_route enc;
};

struct gw_nh_table {
	struct gw_nh_entry *e;
	size_t n, alloc;
	int err;
};

static int gw_nh_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct gw_nh_table *t = data;
	struct gw_nh_entry *e;

	if (gw_grow((void **)&t->e, &t->alloc, t->n, sizeof(*t->e))) {
		t->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	e = &t->e[t->n];
	if (gw_nh_parse(nlh, &e->id, &e->own, &e->enc))
		t->n++;
	return MNL_CB_OK;
}

static int gw_nh_cmp(const void *a, const void *b)
{
	const struct gw_nh_entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct gw_route_dump {
	struct gw_fib *fib;
	const struct gw_nh_table *nhs;
	int err;
};

static int gw_route_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct gw_route_dump *d = data;
	struct gw_fib *fib = d->fib;
	struct gw_route *rt;

	if (gw_grow((void **)&fib->routes, &fib->alloc, fib->n,
		    sizeof(*fib->routes))) {
		d->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	rt = &fib->routes[fib->n];
	if (!gw_route_parse(nlh, rt))
		return MNL_CB_OK;
	if (rt->nhid) {
		struct gw_nh_entry key = { .id = rt->nhid }, *e;

		/* Its encap is the nexthop's (also without compat mode). */
		rt->nsegs = 0;
		rt->ifindex = 0;
		e = bsearch(&key, d->nhs->e, d->nhs->n, sizeof(key), gw_nh_cmp);
		if (e)
			gw_join_nh(rt, e->id, e->own, &e->enc);
	}
	fib->n++;
	return MNL_CB_OK;
}

/* The kernel filters dumps only on sockets that ask for strict checks. */
static void gw_strict(struct nl *nl, int on)
{
	mnl_socket_setsockopt(nl->sock, NETLINK_GET_STRICT_CHK, &on, sizeof(on));
}

int gw_fib_dump(struct nl *nl, int family, uint32_t table, uint8_t protocol,
		struct gw_fib *fib)
{
	struct gw_nh_table nhs = { 0 };
	struct gw_route_dump d = { .fib = fib, .nhs = &nhs };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int err;

	memset(fib, 0, sizeof(*fib));
	gw_strict(nl, 1);
	nlh = nl_msg(nl, RTM_GETNEXTHOP, NLM_F_REQUEST | NLM_F_DUMP);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct nhmsg));
	err = nl_talk(nl, nlh, gw_nh_dump_cb, &nhs, "dumping nexthops");
	if (!err)
		err = nhs.err;
	if (err)
		goto out;
	qsort(nhs.e, nhs.n, sizeof(*nhs.e), gw_nh_cmp);

	nlh = nl_msg(nl, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_protocol = protocol;
	if (table)
		mnl_attr_put_u32(nlh, RTA_TABLE, table);
	err = nl_talk(nl, nlh, gw_route_dump_cb, &d, NULL);
	if (!err)
		err = d.err;
	/* A table that does not exist has no routes. */
	if (err == -ENOENT && table)
		err = 0;
	if (err) {
		error_msg("dumping routes: %s", strerror(-err));
		goto out;
	}
	qsort(fib->routes, fib->n, sizeof(*fib->routes), gw_route_cmp);
out:
	gw_strict(nl, 0);
	free(nhs.e);
	if (err)
		gw_fib_free(fib);
	return err;
}

const struct gw_route *gw_fib_find(const struct gw_fib *fib,
				   const struct gw_route *key)
{
	if (!fib->n)
		return NULL;
	return bsearch(key, fib->routes, fib->n, sizeof(*key), gw_route_cmp);
}

void gw_fib_free(struct gw_fib *fib)
{
	free(fib->routes);
	memset(fib, 0, sizeof(*fib));
}
