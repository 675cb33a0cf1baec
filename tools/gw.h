/* SPDX-License-Identifier: GPL-2.0 */
/*
 * seg6mig gw: declarations shared by the gateway's files.
 *
 *   gw.c         the gw subcommand: set, del, show, argument parsing
 *   gw_route.c   a gateway route <-> rtnetlink (build requests, read dumps)
 *   gw_batch.c   gw -batch: many changes, few round trips
 *   gw_follow.c  gw follow: M(s1,s2) -> R(s2) on "arrived" events
 *
 * The FIB is the only state: a VIP's location is its host route
 * (v/128, or v/32 for IPv4) with a seg6 encap. One segment is R(s), two
 * are M(s1,s2); every change is one RTM_NEWROUTE with
 * NLM_F_CREATE | NLM_F_REPLACE, so a packet sees the old or the new route,
 * never none.
 */
#ifndef SEG6MIG_GW_H
#define SEG6MIG_GW_H

#include <netinet/in.h>
#include <stdio.h>

#include "seg6mig.h"

#define GW_MAX_SEGS	2	/* R(s): 1, M(s1,s2): 2 */
#define GW_MAIN_TABLE	254	/* RT_TABLE_MAIN */

/* What a line (or command line) asks for. */
enum gw_op {
	GW_SET,
	GW_DEL,
};

/* One VIP's route, as we write it or as the kernel dumped it. */
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

/* gw_route.c */
/* Append the RTM_NEWROUTE (set) or RTM_DELROUTE (del) of @c at @buf. */
struct nlmsghdr *gw_route_msg(void *buf, const struct gw_change *c,
			      uint32_t seq, uint16_t flags);
/* Size of the largest message gw_route_msg() builds. */
#define GW_MSG_MAX	256
/*
 * Dump the host routes with a seg6 encap of @family (AF_UNSPEC: both) in
 * @table (0: every table), calling @fn for each.
 */
int gw_dump(struct nl *nl, int family, uint32_t table,
	    int (*fn)(const struct gw_route *rt, void *data), void *data);
/* The route to @addr's device index, 0 if none (with a message). */
int gw_route_get_oif(struct nl *nl, const struct in6_addr *addr,
		     const char *where, uint32_t *ifindex);
bool gw_vip_eq(const struct gw_route *a, const struct gw_route *b);
/* "2001:db8::10", "10.0.0.1": the VIP as text. */
const char *gw_vip_str(const struct gw_route *rt, char *buf, size_t len);
const char *gw_mode_str(int mode);

/* gw_batch.c, gw_follow.c */
int gw_batch(const char *file);
int gw_follow(int argc, char **argv);

#endif /* SEG6MIG_GW_H */
