// SPDX-License-Identifier: GPL-2.0
/*
 * seg6mig show, release, purge, expect, unexpect: requests to the generic netlink family
 * seg6_mig. show collects the whole dump first (an instance may span
 * several messages), then prints it as text or JSON.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <linux/seg6_mig.h>

#include "seg6mig.h"

/* A VIP queued (pkts, age_us) or expected (left_ms): SEG6_MIG_VIP_*. */
struct vip_info {
	struct in6_addr addr;
	uint32_t pkts;
	uint32_t age_us;
	uint32_t left_ms;
};

struct inst_info {
	struct in6_addr sid;
	uint8_t sid_len;
	uint32_t action;
	uint32_t ifindex;
	uint32_t table;
	uint32_t presence;	/* SEG6_MIG_PRESENCE_* */
	uint32_t buf_pkts, buf_bytes, hold_ms, settle_ms, qbytes;
	bool strict;
	uint32_t vip_share;
	uint64_t stats[SEG6_MIG_STAT_MAX + 1];
	struct vip_info *vips;
	unsigned int nvips;
	struct vip_info *expected;
	unsigned int nexpected;
};

struct dump {
	struct inst_info *insts;
	unsigned int n;
};

/* Counter names, in the order each action reports them. */
static const struct stat_name {
	int stat;
	const char *name;
} fwp_stats[] = {
	{ SEG6_MIG_STAT_LOCAL, "local" },
	{ SEG6_MIG_STAT_NEXT, "next" },
	{ SEG6_MIG_STAT_ABSENT, "absent" },
	{ SEG6_MIG_STAT_ERRORS, "errors" },
}, bfw_stats[] = {
	{ SEG6_MIG_STAT_DELIVERED, "delivered" },
	{ SEG6_MIG_STAT_BUFFERED, "buffered" },
	{ SEG6_MIG_STAT_FLUSHED, "flushed" },
	{ SEG6_MIG_STAT_OVERFLOW, "overflow" },
	{ SEG6_MIG_STAT_EXPIRED, "expired" },
	{ SEG6_MIG_STAT_PURGED, "purged" },
	{ SEG6_MIG_STAT_ERRORS, "errors" },
	{ SEG6_MIG_STAT_QLEN, "qlen" },
	{ SEG6_MIG_STAT_QLEN_MAX, "qlen_max" },
	{ SEG6_MIG_STAT_UNEXPECTED, "unexpected" },
	{ SEG6_MIG_STAT_SHARE, "share" },
};

static const char *action_name(uint32_t action)
{
	switch (action) {
	case SEG6_MIG_ACTION_END_FWP:
		return "End.FWP";
	case SEG6_MIG_ACTION_END_BFW:
		return "End.BFW";
	}
	return "unknown";
}

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p) {
		error_msg("out of memory");
		exit(EXIT_KERNEL);
	}
	return p;
}

static int attr_in6(const struct nlattr *a, struct in6_addr *out)
{
	if (mnl_attr_get_payload_len(a) != sizeof(*out))
		return -1;
	memcpy(out, mnl_attr_get_payload(a), sizeof(*out));
	return 0;
}

static uint32_t attr_u32(const struct nlattr *a)
{
	return mnl_attr_validate(a, MNL_TYPE_U32) ? 0 : mnl_attr_get_u32(a);
}

/* Append the VIP of @nest (SEG6_MIG_VIP_*) to @list, of *@n. */
static void parse_vip(const struct nlattr *nest, struct vip_info **list,
		      unsigned int *n)
{
	struct vip_info *v;
	const struct nlattr *a;

	*list = xrealloc(*list, (*n + 1) * sizeof(*v));
	v = &(*list)[(*n)++];
	memset(v, 0, sizeof(*v));
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case SEG6_MIG_VIP_ADDR:
			attr_in6(a, &v->addr);
			break;
		case SEG6_MIG_VIP_PKTS:
			v->pkts = attr_u32(a);
			break;
		case SEG6_MIG_VIP_AGE_US:
			v->age_us = attr_u32(a);
			break;
		case SEG6_MIG_VIP_LEFT_MS:
			v->left_ms = attr_u32(a);
			break;
		}
	}
}

/* Has the message attribute @type? */
static bool has_attr(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == type)
			return true;
	return false;
}

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct inst_info *inst;
	const struct nlattr *a, *n;

	/* A continuation (more VIPs of the last instance) has no action. */
	if (d->n && !has_attr(nlh, SEG6_MIG_A_ACTION)) {
		inst = &d->insts[d->n - 1];
	} else {
		d->insts = xrealloc(d->insts, (d->n + 1) * sizeof(*inst));
		inst = &d->insts[d->n++];
		memset(inst, 0, sizeof(*inst));
	}

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case SEG6_MIG_A_SID:
			attr_in6(a, &inst->sid);
			break;
		case SEG6_MIG_A_SID_LEN:
			if (!mnl_attr_validate(a, MNL_TYPE_U8))
				inst->sid_len = mnl_attr_get_u8(a);
			break;
		case SEG6_MIG_A_ACTION:
			inst->action = attr_u32(a);
			break;
		case SEG6_MIG_A_IFINDEX:
			inst->ifindex = attr_u32(a);
			break;
		case SEG6_MIG_A_TABLE:
			inst->table = attr_u32(a);
			break;
		case SEG6_MIG_A_PRESENCE:
			inst->presence = attr_u32(a);
			break;
		case SEG6_MIG_A_BUF_PKTS:
			inst->buf_pkts = attr_u32(a);
			break;
		case SEG6_MIG_A_BUF_BYTES:
			inst->buf_bytes = attr_u32(a);
			break;
		case SEG6_MIG_A_HOLD_MS:
			inst->hold_ms = attr_u32(a);
			break;
		case SEG6_MIG_A_SETTLE_MS:
			inst->settle_ms = attr_u32(a);
			break;
		case SEG6_MIG_A_QBYTES:
			inst->qbytes = attr_u32(a);
			break;
		case SEG6_MIG_A_STRICT:
			inst->strict = true;
			break;
		case SEG6_MIG_A_VIP_SHARE:
			inst->vip_share = attr_u32(a);
			break;
		case SEG6_MIG_A_EXPECTED:
			mnl_attr_for_each_nested(n, a)
				if (mnl_attr_get_type(n) == SEG6_MIG_A_VIP)
					parse_vip(n, &inst->expected,
						  &inst->nexpected);
			break;
		case SEG6_MIG_A_STATS:
			mnl_attr_for_each_nested(n, a)
				if (mnl_attr_get_type(n) <= SEG6_MIG_STAT_MAX &&
				    !mnl_attr_validate(n, MNL_TYPE_U64))
					inst->stats[mnl_attr_get_type(n)] =
						mnl_attr_get_u64(n);
			break;
		case SEG6_MIG_A_VIPS:
			mnl_attr_for_each_nested(n, a)
				if (mnl_attr_get_type(n) == SEG6_MIG_A_VIP)
					parse_vip(n, &inst->vips,
						  &inst->nvips);
			break;
		}
	}
	return MNL_CB_OK;
}

/* A genl request for the family in nl->buf. */
static struct nlmsghdr *genl_req(struct nl *nl, uint16_t family, uint8_t cmd,
				 uint16_t flags)
{
	struct nlmsghdr *nlh = nl_msg(nl, family, NLM_F_REQUEST | flags);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = SEG6_MIG_GENL_VERSION;
	return nlh;
}

static const char *addr_str(const struct in6_addr *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static const char *table_str(uint32_t table, char *buf, size_t len)
{
	if (!table || table == 254)
		return "main";
	if (table == 255)
		return "local";
	snprintf(buf, len, "%u", table);
	return buf;
}

/* The presence policy as ip route's "presence" keyword takes it. */
static const char *presence_str(uint32_t presence, char *buf, size_t len)
{
	switch (presence) {
	case SEG6_MIG_PRESENCE_CARRIER:
		return "carrier";
	case SEG6_MIG_PRESENCE_ANNOUNCE:
		return "announce";
	}
	snprintf(buf, len, "%u", presence);
	return buf;
}

static const char *dev_str(uint32_t ifindex, char *buf)
{
	if (!ifindex || !if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

/* The counters an instance's action reports. */
static const struct stat_name *stats_of(const struct inst_info *inst,
					unsigned int *n)
{
	if (inst->action == SEG6_MIG_ACTION_END_BFW) {
		*n = sizeof(bfw_stats) / sizeof(bfw_stats[0]);
		return bfw_stats;
	}
	*n = sizeof(fwp_stats) / sizeof(fwp_stats[0]);
	return fwp_stats;
}

static void print_json(const struct dump *d)
{
	char a[INET6_ADDRSTRLEN], t[16], p[16], dev[IF_NAMESIZE];
	const struct stat_name *st;
	unsigned int i, j, nst;

	jw_arr_open(NULL);
	for (i = 0; i < d->n; i++) {
		const struct inst_info *inst = &d->insts[i];
		bool bfw = inst->action == SEG6_MIG_ACTION_END_BFW;

		jw_obj_open(NULL);
		jw_str("sid", addr_str(&inst->sid, a));
		jw_u64("sid_len", inst->sid_len);
		jw_str("action", action_name(inst->action));
		jw_str("dev", dev_str(inst->ifindex, dev));
		jw_str("table", table_str(inst->table, t, sizeof(t)));
		jw_str("presence", presence_str(inst->presence, p, sizeof(p)));
		if (bfw) {
			jw_u64("buffer", inst->buf_pkts);
			jw_u64("buffer_bytes", inst->buf_bytes);
			jw_u64("hold_ms", inst->hold_ms);
			jw_u64("settle_ms", inst->settle_ms);
			jw_bool("strict", inst->strict);
			jw_u64("vip_share", inst->vip_share);
			jw_u64("qlen", inst->stats[SEG6_MIG_STAT_QLEN]);
			jw_u64("qbytes", inst->qbytes);
			jw_arr_open("vips");
			for (j = 0; j < inst->nvips; j++) {
				jw_obj_open(NULL);
				jw_str("vip", addr_str(&inst->vips[j].addr, a));
				jw_u64("packets", inst->vips[j].pkts);
				jw_u64("age_us", inst->vips[j].age_us);
				jw_obj_close();
			}
			jw_arr_close();
			jw_arr_open("expected");
			for (j = 0; j < inst->nexpected; j++) {
				jw_obj_open(NULL);
				jw_str("vip", addr_str(&inst->expected[j].addr, a));
				jw_u64("left_ms", inst->expected[j].left_ms);
				jw_obj_close();
			}
			jw_arr_close();
		}
		if (opts.stats) {
			st = stats_of(inst, &nst);
			jw_obj_open("stats");
			for (j = 0; j < nst; j++)
				jw_u64(st[j].name, inst->stats[st[j].stat]);
			jw_obj_close();
		}
		jw_obj_close();
	}
	jw_arr_close();
	jw_end();
}

static void print_text(const struct dump *d)
{
	char a[INET6_ADDRSTRLEN], t[16], p[16], dev[IF_NAMESIZE];
	const struct stat_name *st;
	unsigned int i, j, nst;

	for (i = 0; i < d->n; i++) {
		const struct inst_info *inst = &d->insts[i];
		bool bfw = inst->action == SEG6_MIG_ACTION_END_BFW;

		printf("%s %s/%u dev %s table %s presence %s",
		       action_name(inst->action), addr_str(&inst->sid, a),
		       inst->sid_len, dev_str(inst->ifindex, dev),
		       table_str(inst->table, t, sizeof(t)),
		       presence_str(inst->presence, p, sizeof(p)));
		if (bfw) {
			printf(" buffer %u buffer-bytes %u hold %u settle %u",
			       inst->buf_pkts, inst->buf_bytes, inst->hold_ms,
			       inst->settle_ms);
			if (inst->strict)
				fputs(" strict", stdout);
			if (inst->vip_share)
				printf(" vip-share %u", inst->vip_share);
			printf("\n    queue %llu packets %u bytes",
			       (unsigned long long)inst->stats[SEG6_MIG_STAT_QLEN],
			       inst->qbytes);
		}
		putchar('\n');
		for (j = 0; j < inst->nexpected; j++)
			printf("    expect %s for %u ms\n",
			       addr_str(&inst->expected[j].addr, a),
			       inst->expected[j].left_ms);
		for (j = 0; j < inst->nvips; j++)
			printf("    vip %s packets %u oldest %u.%03u ms\n",
			       addr_str(&inst->vips[j].addr, a),
			       inst->vips[j].pkts, inst->vips[j].age_us / 1000,
			       inst->vips[j].age_us % 1000);
		if (opts.stats) {
			st = stats_of(inst, &nst);
			fputs("   ", stdout);
			for (j = 0; j < nst; j++)
				printf(" %s %llu", st[j].name,
				       (unsigned long long)inst->stats[st[j].stat]);
			putchar('\n');
		}
	}
	fflush(stdout);
}

int cmd_show(int argc, char **argv)
{
	struct dump d = { 0 };
	struct nlmsghdr *nlh;
	struct nl nl;
	uint16_t family;
	int err;

	while (argc > 0) {
		const char *arg = next_arg(&argc, &argv, "option");

		if (!strcmp(arg, "-j"))
			opts.json = true;
		else if (!strcmp(arg, "-s"))
			opts.stats = true;
		else
			usage_error("show: unknown argument \"%s\"", arg);
	}

	if (nl_open(&nl, NETLINK_GENERIC))
		return EXIT_KERNEL;
	err = genl_resolve(&nl, SEG6_MIG_GENL_NAME, &family, NULL, NULL);
	if (!err) {
		nlh = genl_req(&nl, family, SEG6_MIG_CMD_GET, NLM_F_DUMP);
		err = nl_talk(&nl, nlh, show_cb, &d, "show");
	}
	nl_close(&nl);
	if (err)
		return EXIT_KERNEL;
	if (opts.json)
		print_json(&d);
	else
		print_text(&d);
	return 0;
}

static int vip_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == SEG6_MIG_A_PKTS)
			*(uint32_t *)data = attr_u32(a);
	return MNL_CB_OK;
}

/* What a VIP command did, as its text and JSON say it. */
static const char *vip_cmd_done(uint8_t cmd)
{
	switch (cmd) {
	case SEG6_MIG_CMD_RELEASE:
		return "released";
	case SEG6_MIG_CMD_PURGE:
		return "purged";
	case SEG6_MIG_CMD_EXPECT:
		return "expected";
	}
	return "unexpected";
}

/* release|purge|unexpect VIP sid SID, expect VIP sid SID [deadline MS] */
static int vip_cmd(int argc, char **argv, uint8_t cmd, const char *name)
{
	char a[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN];
	struct in6_addr vip, sid;
	struct nlmsghdr *nlh;
	bool counts = cmd == SEG6_MIG_CMD_RELEASE || cmd == SEG6_MIG_CMD_PURGE;
	bool deadline = false;
	uint32_t pkts = 0, ms = 0;
	const char *arg;
	struct nl nl;
	uint16_t family;
	int err;

	arg = next_arg(&argc, &argv, "VIP");
	if (parse_in6(arg, "VIP", &vip))
		exit(EXIT_USAGE);
	arg = next_arg(&argc, &argv, "\"sid SID\"");
	if (strcmp(arg, "sid"))
		usage_error("%s: expected \"sid\", got \"%s\"", name, arg);
	arg = next_arg(&argc, &argv, "SID");
	if (parse_in6(arg, "SID", &sid))
		exit(EXIT_USAGE);
	if (cmd == SEG6_MIG_CMD_EXPECT && argc && !strcmp(argv[0], "deadline")) {
		next_arg(&argc, &argv, "deadline");
		arg = next_arg(&argc, &argv, "deadline MS");
		if (parse_u32(arg, "deadline", &ms))
			exit(EXIT_USAGE);
		deadline = true;
	}
	if (argc)
		usage_error("%s: unexpected argument \"%s\"", name, argv[0]);

	if (nl_open(&nl, NETLINK_GENERIC))
		return EXIT_KERNEL;
	err = genl_resolve(&nl, SEG6_MIG_GENL_NAME, &family, NULL, NULL);
	if (!err) {
		nlh = genl_req(&nl, family, cmd, 0);
		mnl_attr_put(nlh, SEG6_MIG_A_SID, sizeof(sid), &sid);
		mnl_attr_put(nlh, SEG6_MIG_A_VIP, sizeof(vip), &vip);
		/* Its range is the kernel's to check (extack names it). */
		if (deadline)
			mnl_attr_put_u32(nlh, SEG6_MIG_A_DEADLINE_MS, ms);
		err = nl_talk(&nl, nlh, vip_reply_cb, &pkts, name);
	}
	nl_close(&nl);
	if (err)
		return EXIT_KERNEL;

	addr_str(&vip, a);
	addr_str(&sid, s);
	if (opts.json) {
		jw_obj_open(NULL);
		jw_str("vip", a);
		jw_str("sid", s);
		if (counts)
			jw_u64(vip_cmd_done(cmd), pkts);
		else
			jw_bool(vip_cmd_done(cmd), true);
		jw_obj_close();
		jw_end();
	} else if (counts) {
		printf("%s sid %s: %u packets %s\n", a, s, pkts,
		       vip_cmd_done(cmd));
	} else {
		printf("%s sid %s: %s\n", a, s, vip_cmd_done(cmd));
	}
	return 0;
}

int cmd_release(int argc, char **argv)
{
	return vip_cmd(argc, argv, SEG6_MIG_CMD_RELEASE, "release");
}

int cmd_purge(int argc, char **argv)
{
	return vip_cmd(argc, argv, SEG6_MIG_CMD_PURGE, "purge");
}

int cmd_expect(int argc, char **argv)
{
	return vip_cmd(argc, argv, SEG6_MIG_CMD_EXPECT, "expect");
}

int cmd_unexpect(int argc, char **argv)
{
	return vip_cmd(argc, argv, SEG6_MIG_CMD_UNEXPECT, "unexpect");
}
