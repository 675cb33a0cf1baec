// SPDX-License-Identifier: GPL-2.0
/*
 * seg6mig gw: the gateway's routes to each VIP, R(s) and M(s1,s2).
 *
 *   gw set VIP run FWP_SID [mode inline|encap] [dev DEV] [table ID]
 *   gw set VIP migrate FWP_SID BFW_SID [mode inline|encap] [dev DEV] [table ID]
 *   gw del VIP [table ID]
 *   gw show [-j] [VIP] [table ID]
 *   gw -batch FILE|-
 *   gw follow host BFW_SID FWP_SID [host BFW_SID FWP_SID]... [table ID]
 *
 * See seg6mig-gw(8) and Documentation/gateway.md.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include <linux/seg6_iptunnel.h>

#include "gw.h"

static const char gw_usage[] =
"Usage: seg6mig [-n NETNS] [-j] gw COMMAND\n"
"  gw set VIP run FWP_SID [OPTIONS]              L(VIP) = R(s)\n"
"  gw set VIP migrate FWP_SID BFW_SID [OPTIONS]  L(VIP) = M(s1,s2)\n"
"  gw del VIP [table ID]\n"
"  gw show [-j] [VIP] [table ID]\n"
"  gw -batch FILE|-         set/del lines, checked first, then applied\n"
"  gw follow host BFW_SID FWP_SID [host ...] [table ID]\n"
"                           JSON events on stdin: arrived at BFW_SID\n"
"                           moves M(s1,BFW_SID) to R(FWP_SID)\n"
"OPTIONS: mode inline|encap (default inline; IPv4 VIPs: encap only)\n"
"         dev DEV (default: the device of the route to FWP_SID)\n"
"         table ID (default main)\n";

static int gw_parse_table(const char *s, const char *where, uint32_t *table)
{
	char what[64];

	if (!strcmp(s, "main")) {
		*table = GW_MAIN_TABLE;
		return 0;
	}
	snprintf(what, sizeof(what), "%stable", where);
	if (parse_u32(s, what, table))
		return -EINVAL;
	if (!*table) {
		error_msg("%s: 0 is not a table ID", what);
		return -EINVAL;
	}
	return 0;
}

static int gw_parse_vip(const char *s, const char *where, struct gw_route *rt)
{
	if (inet_pton(AF_INET6, s, &rt->vip.v6) == 1) {
		rt->family = AF_INET6;
		return 0;
	}
	if (inet_pton(AF_INET, s, &rt->vip.v4) == 1) {
		rt->family = AF_INET;
		return 0;
	}
	error_msg("%sVIP: \"%s\" is not an IPv6 or IPv4 address", where, s);
	return -EINVAL;
}

static int gw_parse_sid(const char *s, const char *where, const char *name,
			struct in6_addr *sid)
{
	char what[64];

	snprintf(what, sizeof(what), "%s%s", where, name);
	return parse_in6(s, what, sid);
}

/*
 * In gw_parse_change(): the next word of argv (index i), or an error
 * naming what was missing, prefixed by where.
 */
#define GW_WORD(what)							\
	({								\
		if (i >= argc) {					\
			error_msg("%smissing %s", where, what);	\
			return -EINVAL;					\
		}							\
		argv[i++];						\
	})

int gw_parse_change(int argc, char **argv, const char *where,
		    struct gw_change *c)
{
	struct gw_route *rt = &c->rt;
	bool mode_set = false;
	const char *w;
	int i = 0;

	memset(c, 0, sizeof(*c));
	rt->table = GW_MAIN_TABLE;
	w = GW_WORD("set or del");
	if (!strcmp(w, "set"))
		c->op = GW_SET;
	else if (!strcmp(w, "del"))
		c->op = GW_DEL;
	else {
		error_msg("%sunknown command \"%s\" (set or del)", where, w);
		return -EINVAL;
	}
	if (gw_parse_vip(GW_WORD("VIP"), where, rt))
		return -EINVAL;

	if (c->op == GW_SET) {
		w = GW_WORD("run or migrate");
		if (!strcmp(w, "run")) {
			rt->nsegs = 1;
		} else if (!strcmp(w, "migrate")) {
			rt->nsegs = 2;
		} else {
			error_msg("%s\"%s\": expected run or migrate", where, w);
			return -EINVAL;
		}
		if (gw_parse_sid(GW_WORD("FWP_SID"), where, "FWP_SID",
				 &rt->segs[0]))
			return -EINVAL;
		if (rt->nsegs == 2 &&
		    gw_parse_sid(GW_WORD("BFW_SID"), where, "BFW_SID",
				 &rt->segs[1]))
			return -EINVAL;
	}

	while (i < argc) {
		w = argv[i++];
		if (!strcmp(w, "table")) {
			if (gw_parse_table(GW_WORD("table ID"), where,
					   &rt->table))
				return -EINVAL;
			continue;
		}
		if (c->op == GW_SET && !strcmp(w, "mode")) {
			w = GW_WORD("mode (inline or encap)");
			if (!strcmp(w, "inline")) {
				rt->mode = SEG6_IPTUN_MODE_INLINE;
			} else if (!strcmp(w, "encap")) {
				rt->mode = SEG6_IPTUN_MODE_ENCAP;
			} else {
				error_msg("%smode \"%s\": inline or encap",
					  where, w);
				return -EINVAL;
			}
			mode_set = true;
			continue;
		}
		if (c->op == GW_SET && !strcmp(w, "dev")) {
			w = GW_WORD("dev DEV");
			rt->ifindex = if_nametoindex(w);
			if (!rt->ifindex) {
				error_msg("%sdev \"%s\": %s", where, w, strerror(errno));
				return -EINVAL;
			}
			continue;
		}
		error_msg("%sunexpected \"%s\"", where, w);
		return -EINVAL;
	}

	/*
	 * An IPv4 header has no room for an SRH: IPv4 VIPs go in an outer
	 * IPv6 header (T.Encaps), the only mode the kernel accepts for them.
	 */
	if (rt->family == AF_INET) {
		if (mode_set && rt->mode != SEG6_IPTUN_MODE_ENCAP) {
			error_msg("%san IPv4 VIP needs mode encap (no SRH can be inserted in an IPv4 packet)",
				  where);
			return -EINVAL;
		}
		rt->mode = SEG6_IPTUN_MODE_ENCAP;
	}
	return 0;
}

int gw_resolve_dev(struct nl *nl, struct gw_route *rt, const char *where)
{
	char sid[INET6_ADDRSTRLEN];

	if (rt->ifindex)
		return 0;
	if (gw_route_get_oif(nl, &rt->segs[0], where, &rt->ifindex))
		return -ENETUNREACH;
	if (!rt->ifindex) {
		inet_ntop(AF_INET6, &rt->segs[0], sid, sizeof(sid));
		error_msg("%sthe route to %s has no device: give dev DEV",
			  where, sid);
		return -ENETUNREACH;
	}
	return 0;
}

/* set / del: one change, one request (two for a VIP's first set). */
static int gw_change_one(int argc, char **argv)
{
	char text[INET6_ADDRSTRLEN + 16], vip[INET6_ADDRSTRLEN];
	struct gw_line l = { .text = text };
	struct gw_result res;
	struct nl nl;
	int ret;

	if (gw_parse_change(argc, argv, "", &l.c))
		return EXIT_USAGE;
	if (nl_open(&nl, NETLINK_ROUTE))
		return EXIT_KERNEL;
	if (l.c.op == GW_SET && gw_resolve_dev(&nl, &l.c.rt, "")) {
		nl_close(&nl);
		return EXIT_KERNEL;
	}
	snprintf(text, sizeof(text), "%s %s", l.c.op == GW_SET ? "set" : "del",
		 gw_vip_str(&l.c.rt, vip, sizeof(vip)));
	ret = gw_apply(&nl, &l, 1, NULL, &res);
	free(l.extack);
	nl_close(&nl);
	return ret ? EXIT_KERNEL : 0;
}

struct gw_show {
	bool any_vip;
	struct gw_route vip;	/* family and vip: the filter */
	unsigned int count;
};

static void gw_show_text(const struct gw_route *rt)
{
	char addr[INET6_ADDRSTRLEN], dev[IF_NAMESIZE];
	int i;

	printf("%s ", gw_vip_str(rt, addr, sizeof(addr)));
	if (rt->nsegs == 1 || rt->nsegs == 2) {
		printf("%s(", rt->nsegs == 1 ? "R" : "M");
		for (i = 0; i < rt->nsegs; i++)
			printf("%s%s", i ? "," : "",
			       inet_ntop(AF_INET6, &rt->segs[i], addr,
					 sizeof(addr)));
		putchar(')');
	} else {
		/* Not a gateway state (set by someone else): say so. */
		printf("segs %d (not R or M)", rt->nsegs);
	}
	printf(" mode %s", gw_mode_str(rt->mode));
	if (rt->ifindex)
		printf(" dev %s", if_indextoname(rt->ifindex, dev) ?: "?");
	if (rt->table == GW_MAIN_TABLE)
		printf(" table main");
	else
		printf(" table %u", rt->table);
	if (rt->nhid)
		printf(" nhid %u", rt->nhid);
	putchar('\n');
}

static void gw_show_json(const struct gw_route *rt)
{
	char addr[INET6_ADDRSTRLEN], dev[IF_NAMESIZE];
	int i;

	jw_obj_open(NULL);
	jw_str("vip", gw_vip_str(rt, addr, sizeof(addr)));
	jw_str("state", rt->nsegs == 1 ? "run" :
			rt->nsegs == 2 ? "migrate" : "other");
	if (rt->nsegs == 1 || rt->nsegs == 2)
		jw_str("fwp", inet_ntop(AF_INET6, &rt->segs[0], addr,
					sizeof(addr)));
	if (rt->nsegs == 2)
		jw_str("bfw", inet_ntop(AF_INET6, &rt->segs[1], addr,
					sizeof(addr)));
	jw_arr_open("segs");
	for (i = 0; i < rt->nsegs && i < GW_MAX_SEGS; i++)
		jw_str(NULL, inet_ntop(AF_INET6, &rt->segs[i], addr,
				       sizeof(addr)));
	jw_arr_close();
	jw_u64("nsegs", rt->nsegs);
	jw_str("mode", gw_mode_str(rt->mode));
	if (rt->ifindex)
		jw_str("dev", if_indextoname(rt->ifindex, dev) ?: "?");
	jw_u64("table", rt->table);
	jw_u64("nhid", rt->nhid);
	jw_obj_close();
}

static void gw_show_one(const struct gw_route *rt, struct gw_show *s)
{
	/* Host routes with a seg6 encap only, on the route or its nexthop. */
	if (!rt->nsegs)
		return;
	if (s->any_vip && !gw_vip_eq(rt, &s->vip))
		return;
	s->count++;
	if (opts.json)
		gw_show_json(rt);
	else
		gw_show_text(rt);
}

static int gw_show(int argc, char **argv)
{
	struct gw_show s = { 0 };
	uint32_t table = 0;
	struct gw_fib fib;
	struct nl nl;
	size_t k;
	int i, err;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-j")) {
			opts.json = true;
		} else if (!strcmp(argv[i], "table")) {
			if (++i >= argc)
				usage_error("gw show: missing table ID");
			if (gw_parse_table(argv[i], "gw show: ", &table))
				return EXIT_USAGE;
		} else if (!s.any_vip) {
			if (gw_parse_vip(argv[i], "gw show: ", &s.vip))
				return EXIT_USAGE;
			s.any_vip = true;
		} else {
			usage_error("gw show: unexpected \"%s\"", argv[i]);
		}
	}
	if (nl_open(&nl, NETLINK_ROUTE))
		return EXIT_KERNEL;
	err = gw_fib_dump(&nl, s.any_vip ? s.vip.family : AF_UNSPEC, table, 0,
			  &fib);
	if (err) {
		nl_close(&nl);
		return EXIT_KERNEL;
	}
	if (opts.json)
		jw_arr_open(NULL);
	for (k = 0; k < fib.n; k++)
		gw_show_one(&fib.routes[k], &s);
	gw_fib_free(&fib);
	if (opts.json) {
		jw_arr_close();
		jw_end();
	}
	nl_close(&nl);
	return err ? EXIT_KERNEL : 0;
}

int cmd_gw(int argc, char **argv)
{
	const char *sub;

	if (argc < 1)
		usage_error("gw: missing command (set, del, show, -batch, follow)");
	sub = argv[0];
	if (!strcmp(sub, "set") || !strcmp(sub, "del"))
		return gw_change_one(argc, argv);
	if (!strcmp(sub, "show") || !strcmp(sub, "list"))
		return gw_show(argc - 1, argv + 1);
	if (!strcmp(sub, "-batch") || !strcmp(sub, "batch")) {
		if (argc != 2)
			usage_error("gw -batch: expected one FILE (or - for stdin)");
		return gw_batch(argv[1]);
	}
	if (!strcmp(sub, "follow"))
		return gw_follow(argc - 1, argv + 1);
	if (!strcmp(sub, "help") || !strcmp(sub, "-h")) {
		fputs(gw_usage, stdout);
		return 0;
	}
	usage_error("gw: unknown command \"%s\"", sub);
}
