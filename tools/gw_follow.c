// SPDX-License-Identifier: GPL-2.0
/*
 * seg6mig gw follow host BFW_SID FWP_SID [host ...] [table ID]
 *
 * The controller's second step, driven by the new host: reads the JSON
 * lines `seg6mig monitor -j` prints on s2, e.g.
 *
 *   {"event":"arrived","sid":"fc00:a2::b","vip":"2001:db8::10",...}
 *
 * and moves that VIP from M(s1,s2) to R(s2), but only if the gateway still
 * holds M(s1, sid) for it: a late or repeated event, or one for a VIP that
 * an operator moved elsewhere meanwhile, changes nothing. An event names
 * s2's End.BFW SID; the End.FWP SID of R(s2) comes from the `host BFW_SID
 * FWP_SID` pairs on the command line (the gateway cannot tell which SIDs
 * belong to the same host). Mode and table are kept, the device is that of
 * the route to the new FWP SID. Other events are ignored; a line that is
 * not a JSON object is reported on stderr and skipped.
 *
 * Output: one line per "arrived" event saying what was done (-j: JSON).
 * Exit at end of input: 0, or 1 if the kernel refused a change.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "gw.h"

#define FOLLOW_HOSTS	64
#define FOLLOW_FIELDS	16
#define FOLLOW_STR	64

struct follow_host {
	struct in6_addr bfw, fwp;
};

/* A flat JSON object: string values kept, others (numbers...) skipped. */
struct json_field {
	char key[FOLLOW_STR];
	char val[FOLLOW_STR];
	bool is_str;
};

static const char *json_ws(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* A JSON string without escapes (all the events use), into @out. */
static const char *json_string(const char *p, char *out, size_t len)
{
	size_t n = 0;

	if (*p++ != '"')
		return NULL;
	for (; *p && *p != '"'; p++) {
		if (*p == '\\' || n + 1 >= len)
			return NULL;
		out[n++] = *p;
	}
	out[n] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

/* Parse one line; returns the number of fields or -1 if not an object. */
static int json_flat_parse(const char *p, struct json_field *f, int max)
{
	int n = 0;

	p = json_ws(p);
	if (*p++ != '{')
		return -1;
	p = json_ws(p);
	if (*p == '}')
		return *json_ws(p + 1) ? -1 : 0;
	for (;;) {
		struct json_field tmp, *cur = n < max ? &f[n] : &tmp;

		p = json_string(json_ws(p), cur->key, sizeof(cur->key));
		if (!p)
			return -1;
		p = json_ws(p);
		if (*p++ != ':')
			return -1;
		p = json_ws(p);
		cur->is_str = *p == '"';
		if (cur->is_str) {
			p = json_string(p, cur->val, sizeof(cur->val));
			if (!p)
				return -1;
		} else {
			/* Number, true, false, null. */
			size_t len = strspn(p, "0123456789+-.eEtrufalsn");

			if (!len)
				return -1;
			snprintf(cur->val, sizeof(cur->val), "%.*s", (int)len, p);
			p += len;
		}
		if (n < max)
			n++;
		p = json_ws(p);
		if (*p == '}')
			return *json_ws(p + 1) ? -1 : n;
		if (*p++ != ',')
			return -1;
	}
}

static const char *json_get(const struct json_field *f, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (f[i].is_str && !strcmp(f[i].key, key))
			return f[i].val;
	return NULL;
}

/* "R(a)" or "M(a,b)". */
static const char *follow_loc(const struct gw_route *rt, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &rt->segs[0], a, sizeof(a));
	if (rt->nsegs == 1)
		snprintf(buf, len, "R(%s)", a);
	else if (rt->nsegs == 2)
		snprintf(buf, len, "M(%s,%s)", a,
			 inet_ntop(AF_INET6, &rt->segs[1], b, sizeof(b)));
	else
		snprintf(buf, len, "segs %d", rt->nsegs);
	return buf;
}

static void follow_report(const char *vip, const char *action,
			  const char *from, const char *to, const char *why)
{
	if (opts.json) {
		jw_obj_open(NULL);
		jw_str("vip", vip);
		jw_str("action", action);
		if (from)
			jw_str("from", from);
		if (to)
			jw_str("to", to);
		if (why)
			jw_str("reason", why);
		jw_obj_close();
		jw_end();
		return;
	}
	if (to)
		printf("%s: %s -> %s\n", vip, from, to);
	else
		printf("%s: left alone: %s\n", vip, why);
	fflush(stdout);
}

/* One "arrived" event. Returns -errno if the kernel refused the change. */
static int follow_event(struct nl *nl, const struct follow_host *hosts,
			int nhosts, uint32_t table, const char *sid_s,
			const char *vip_s, unsigned int lineno)
{
	char from[2 * INET6_ADDRSTRLEN + 8], to[INET6_ADDRSTRLEN + 8];
	char why[3 * INET6_ADDRSTRLEN + 64], what[FOLLOW_STR + sizeof(to) + 8];
	struct gw_route want = { .table = table }, found;
	struct gw_line l = { .text = what };
	struct gw_fib fib = { .routes = &found, .n = 1 };
	struct gw_result res;
	struct in6_addr sid;
	int i, ret;

	if (inet_pton(AF_INET6, sid_s, &sid) != 1) {
		error_msg("stdin line %u: sid \"%s\" is not IPv6, ignored",
			  lineno, sid_s);
		return 0;
	}
	if (inet_pton(AF_INET6, vip_s, &want.vip.v6) == 1) {
		want.family = AF_INET6;
	} else if (inet_pton(AF_INET, vip_s, &want.vip.v4) == 1) {
		want.family = AF_INET;
	} else {
		error_msg("stdin line %u: vip \"%s\" is not an address, ignored",
			  lineno, vip_s);
		return 0;
	}
	for (i = 0; i < nhosts; i++)
		if (!memcmp(&hosts[i].bfw, &sid, sizeof(sid)))
			break;
	if (i == nhosts) {
		snprintf(why, sizeof(why), "no host with BFW SID %s given", sid_s);
		follow_report(vip_s, "ignored", NULL, NULL, why);
		return 0;
	}

	ret = gw_fib_lookup(nl, &want, &found);
	if (ret < 0)
		return ret;
	if (!ret || !found.nsegs) {
		follow_report(vip_s, "ignored", NULL, NULL, "no seg6 route");
		return 0;
	}
	follow_loc(&found, from, sizeof(from));
	if (found.nsegs != 2 || memcmp(&found.segs[1], &sid, sizeof(sid))) {
		snprintf(why, sizeof(why), "holds %s, not M(*,%s)", from, sid_s);
		follow_report(vip_s, "ignored", from, NULL, why);
		return 0;
	}

	/* R(s2): same VIP, mode and table; the route found is the FIB. */
	l.c.op = GW_SET;
	l.c.rt = found;
	l.c.rt.nsegs = 1;
	l.c.rt.segs[0] = hosts[i].fwp;
	l.c.rt.ifindex = 0;
	if (gw_resolve_dev(nl, &l.c.rt, ""))
		return -ENETUNREACH;
	follow_loc(&l.c.rt, to, sizeof(to));
	snprintf(what, sizeof(what), "set %s %s", vip_s, to);
	ret = gw_apply(nl, &l, 1, &fib, &res);
	free(l.extack);
	if (ret)
		return -EIO;
	follow_report(vip_s, "moved", from, to, NULL);
	return 0;
}

int gw_follow(int argc, char **argv)
{
	struct follow_host hosts[FOLLOW_HOSTS];
	struct json_field f[FOLLOW_FIELDS];
	uint32_t table = GW_MAIN_TABLE;
	unsigned int lineno = 0;
	int nhosts = 0, n, ret = 0;
	const char *ev, *sid, *vip;
	size_t cap = 0;
	char *line = NULL;
	struct nl nl;

	while (argc > 0) {
		const char *w = next_arg(&argc, &argv, "follow argument");

		if (!strcmp(w, "host")) {
			if (nhosts == FOLLOW_HOSTS)
				usage_error("gw follow: more than %d hosts",
					    FOLLOW_HOSTS);
			if (parse_in6(next_arg(&argc, &argv, "host BFW_SID"),
				      "gw follow: host BFW_SID",
				      &hosts[nhosts].bfw) ||
			    parse_in6(next_arg(&argc, &argv, "host FWP_SID"),
				      "gw follow: host FWP_SID",
				      &hosts[nhosts].fwp))
				return EXIT_USAGE;
			nhosts++;
		} else if (!strcmp(w, "table")) {
			w = next_arg(&argc, &argv, "table ID");
			if (!strcmp(w, "main"))
				table = GW_MAIN_TABLE;
			else if (parse_u32(w, "gw follow: table", &table) ||
				 !table)
				usage_error("gw follow: bad table \"%s\"", w);
		} else if (!strcmp(w, "-j")) {
			opts.json = true;
		} else {
			usage_error("gw follow: unexpected \"%s\"", w);
		}
	}
	if (!nhosts)
		usage_error("gw follow: no host BFW_SID FWP_SID: R(s2) needs s2's End.FWP SID");
	if (nl_open(&nl, NETLINK_ROUTE))
		return EXIT_KERNEL;

	while (getline(&line, &cap, stdin) >= 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!*json_ws(line))
			continue;
		n = json_flat_parse(line, f, FOLLOW_FIELDS);
		if (n < 0) {
			error_msg("stdin line %u: not a JSON object, ignored",
				  lineno);
			continue;
		}
		ev = json_get(f, n, "event");
		if (!ev || strcmp(ev, "arrived"))
			continue;
		sid = json_get(f, n, "sid");
		vip = json_get(f, n, "vip");
		if (!sid || !vip) {
			error_msg("stdin line %u: arrived without sid or vip, ignored",
				  lineno);
			continue;
		}
		if (follow_event(&nl, hosts, nhosts, table, sid, vip, lineno))
			ret = EXIT_KERNEL;
	}
	free(line);
	nl_close(&nl);
	return ret;
}
