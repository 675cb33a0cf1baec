/* SPDX-License-Identifier: GPL-2.0 */
/*
 * seg6mig gw: declarations shared by the gateway's files.
 *
 *   gw.c         the gw subcommand: set, del, show, argument parsing
 *   gw_route.c   routes and nexthops <-> rtnetlink messages
 *   gw_fib.c     reading the FIB: one VIP (lookups), or all (dumps)
 *   gw_apply.c   applying changes: plan, nexthops first, then one request
 *                per change; retries, report
 *   gw_batch.c   gw -batch: a file of changes
 *   gw_follow.c  gw follow: M(s1,s2) -> R(s2) on "arrived" events
 *
 * The FIB is the only state. A VIP's location is its host route (v/128,
 * or v/32 for IPv4) in the VIP's table, pointing at a nexthop object of
 * its own (`nhid`) that carries the seg6 encap: one segment is R(s), two
 * are M(s1,s2). Both the route and the nexthop have protocol seg6mig
 * (GW_RTPROT). A change of location replaces the nexthop in place
 * (RTM_NEWNEXTHOP, NLM_F_REPLACE): the kernel swaps the nexthop's
 * contents under RCU and frees the old ones after a grace period, so a
 * packet in flight meets the old location or the new one. Replacing the
 * route itself instead loses the packet that looked up the old route
 * while its last reference went (Documentation/gateway.md).
 */
#ifndef SEG6MIG_GW_H
#define SEG6MIG_GW_H

#include <netinet/in.h>
#include <stdio.h>

#include "seg6mig.h"

#define GW_MAX_SEGS	2	/* R(s): 1, M(s1,s2): 2 */
#define GW_MAIN_TABLE	254	/* RT_TABLE_MAIN */
/*
 * Protocol of the routes and nexthops seg6mig makes ("seg6mig" in
 * /etc/iproute2/rt_protos.d/seg6mig.conf). Not in the kernel's or
 * iproute2's list of assigned values.
 */
#define GW_RTPROT	83

/* What a line (or command line) asks for. */
enum gw_op {
	GW_SET,
	GW_DEL,
};

/* One VIP's location, as we write it or as the kernel holds it. */
struct gw_route {
	int family;			/* AF_INET6, or AF_INET (encap mode) */
	union {
		struct in6_addr v6;
		struct in_addr v4;
	} vip;
	int nsegs;			/* 1: R(segs[0]), 2: M(segs[0], segs[1]) */
	struct in6_addr segs[GW_MAX_SEGS];
	int mode;			/* SEG6_IPTUN_MODE_INLINE or _ENCAP */
	uint32_t ifindex;		/* 0: from the route to segs[0] */
	uint32_t table;
	/* As read from the kernel: */
	uint32_t nhid;			/* the route's nexthop object, 0: none */
	uint8_t protocol;		/* the route's */
	bool own_nh;			/* nhid is ours: protocol seg6mig, not a group */
};

/* A parsed change: the operation and its route. */
struct gw_change {
	enum gw_op op;
	struct gw_route rt;
};

/*
 * gw.c: parse "set VIP run|migrate ..." or "del VIP ..." (argv starts at
 * set/del). On error prints the cause prefixed by @where ("" or e.g. "line 3: ")
 * and returns -EINVAL. Does not resolve a missing device.
 */
int gw_parse_change(int argc, char **argv, const char *where,
		    struct gw_change *c);
/* Fill in rt->ifindex from the kernel's route to rt->segs[0] if unset. */
int gw_resolve_dev(struct nl *nl, struct gw_route *rt, const char *where);

/* gw_route.c: requests. The largest is GW_MSG_MAX bytes. */
#define GW_MSG_MAX	256
/* RTM_NEWNEXTHOP of @rt's encap; @id 0: the kernel picks one (and echoes). */
struct nlmsghdr *gw_nh_msg(void *buf, const struct gw_route *rt, uint32_t id,
			   uint32_t seq, uint16_t flags);
struct nlmsghdr *gw_nh_del_msg(void *buf, uint32_t id, uint32_t seq);
/* RTM_NEWROUTE of @rt's VIP to nexthop @nhid. */
struct nlmsghdr *gw_route_nh_msg(void *buf, const struct gw_route *rt,
				 uint32_t nhid, uint32_t seq, uint16_t flags);
/* RTM_DELROUTE of @rt's VIP in its table, whatever it points at. */
struct nlmsghdr *gw_route_del_msg(void *buf, const struct gw_route *rt,
				  uint32_t seq);

/* gw_route.c: replies. */
/*
 * A route message: fills @rt (VIP, table, protocol, nhid, and the encap
 * of a route that has one) and returns true if it is a host route with a
 * seg6 encap or a nexthop object.
 */
bool gw_route_parse(const struct nlmsghdr *nlh, struct gw_route *rt);
/* A nexthop message: its id, and its encap in @rt (nsegs 0: none). */
bool gw_nh_parse(const struct nlmsghdr *nlh, uint32_t *id, bool *own,
		 struct gw_route *rt);
bool gw_vip_eq(const struct gw_route *a, const struct gw_route *b);
/* "2001:db8::10", "10.0.0.1": the VIP as text. */
const char *gw_vip_str(const struct gw_route *rt, char *buf, size_t len);
const char *gw_mode_str(int mode);
/* The route to @addr's device index, 0 if none (with a message). */
int gw_route_get_oif(struct nl *nl, const struct in6_addr *addr,
		     const char *where, uint32_t *ifindex);

/* gw_fib.c */
/*
 * The kernel's route for @rt's VIP in @rt->table, if any: the FIB entry
 * a lookup of the VIP matches (RTM_F_FIB_MATCH), if it is the VIP's host
 * route in that table, completed with its nexthop's encap. Returns 1
 * found (in @found), 0 none, -errno when the kernel could not be asked.
 * A host route that lookups do not reach (shadowed by a rule into
 * another table) is not found.
 */
int gw_fib_lookup(struct nl *nl, const struct gw_route *rt,
		  struct gw_route *found);

/* A FIB read whole: host routes, sorted by (table, family, VIP). */
struct gw_fib {
	struct gw_route *routes;
	size_t n, alloc;
};

/*
 * Dump the host routes of @family (AF_UNSPEC: both) in @table (0: every
 * table) with protocol @protocol (0: any) that have a seg6 encap or a
 * nexthop object; each route's encap comes from its nexthop.
 */
int gw_fib_dump(struct nl *nl, int family, uint32_t table, uint8_t protocol,
		struct gw_fib *fib);
/* The route of @key's table and VIP in @fib, or NULL. */
const struct gw_route *gw_fib_find(const struct gw_fib *fib,
				   const struct gw_route *key);
void gw_fib_free(struct gw_fib *fib);
/* Order of (table, family, VIP). */
int gw_key_cmp(const struct gw_route *a, const struct gw_route *b);

/* gw_apply.c */
/* One change to apply, and what became of it. */
struct gw_line {
	struct gw_change c;
	unsigned int lineno;		/* for messages; 0: a command line */
	char *text;			/* the line, for messages */
	/* Filled in by gw_apply(). */
	int err;			/* 0 or -errno */
	char *extack;			/* the kernel's message, if it refused */
	unsigned int blocked_by;	/* not applied: that line was refused */
	bool superseded;		/* ENOMEM, but a later line set the VIP */
	/* The plan (gw_apply.c). */
	int step;			/* enum gw_step */
	bool planned;			/* not refused before its step was sent */
	uint32_t nhid;			/* the nexthop it acts on, if it exists, */
	long via;			/* ... or the one line @via created (-1) */
	uint32_t created;		/* the nexthop made for this line, 0: none */
};

/* What gw_apply() did, for the caller's summary. */
struct gw_result {
	size_t applied, refused, superseded, blocked;
};

/*
 * Apply @n changes, in order. @fib: the relevant part of the FIB as
 * read before (NULL: look each VIP up). Every refused line is reported
 * on stderr. Returns 0 if every line was applied, 1 if the kernel
 * refused one, -errno if talking to the kernel failed.
 */
int gw_apply(struct nl *nl, struct gw_line *lines, size_t n,
	     const struct gw_fib *fib, struct gw_result *res);

/* gw_batch.c, gw_follow.c */
int gw_batch(const char *file);
int gw_follow(int argc, char **argv);

#endif /* SEG6MIG_GW_H */
