// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family seg6_mig (uapi/linux/seg6_mig.h documents its
 * commands and attributes): dump the End.FWP/End.BFW routes of a namespace
 * with their counters and queues, release or purge one VIP's queue, and
 * tell listeners when a VIP arrived, packets overflowed, expired or were
 * purged.
 *
 * Events are built only when the namespace has listeners, with GFP_ATOMIC:
 * they are sent from the packet path, timers and under the queue lock.
 */

#include <net/genetlink.h>
#include <net/netlink.h>

#include "seg6_mig.h"

static struct genl_family seg6_mig_family;

enum seg6_mig_mcgrp {
	SEG6_MIG_MCGRP_EVENTS,
};

static const struct genl_multicast_group seg6_mig_mcgrps[] = {
	[SEG6_MIG_MCGRP_EVENTS] = { .name = SEG6_MIG_GENL_MCGRP },
};

bool seg6_mig_events_wanted(struct net *net)
{
	return genl_has_listeners(&seg6_mig_family, net, SEG6_MIG_MCGRP_EVENTS);
}

static int seg6_mig_put_sid(struct sk_buff *skb, struct seg6_mig_inst *inst)
{
	return nla_put_in6_addr(skb, SEG6_MIG_A_SID, &inst->sid);
}

static void seg6_mig_event(struct seg6_mig_inst *inst, u8 cmd,
			   const struct in6_addr *vip, u32 pkts, u64 wait_ns)
{
	struct sk_buff *skb;
	void *hdr;

	/* Once quiet, the namespace (and its genl socket) may be gone: the
	 * flag is set under the queue lock, which expiry and purge hold here;
	 * release works are waited for before it goes (netns.c).
	 */
	if (READ_ONCE(inst->quiet) || !seg6_mig_events_wanted(inst->net))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &seg6_mig_family, 0, cmd);
	if (!hdr ||
	    seg6_mig_put_sid(skb, inst) ||
	    (vip && nla_put_in6_addr(skb, SEG6_MIG_A_VIP, vip)) ||
	    nla_put_u32(skb, SEG6_MIG_A_PKTS, pkts) ||
	    (cmd == SEG6_MIG_CMD_ARRIVED &&
	     nla_put_u32(skb, SEG6_MIG_A_WAIT_US,
			 min_t(u64, div_u64(wait_ns, NSEC_PER_USEC), U32_MAX)))) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&seg6_mig_family, inst->net, skb, 0,
				SEG6_MIG_MCGRP_EVENTS, GFP_ATOMIC);
}

void seg6_mig_event_vip(struct seg6_mig_inst *inst, u8 cmd,
			const struct in6_addr *vip, u32 pkts, u64 wait_ns)
{
	seg6_mig_event(inst, cmd, vip, pkts, wait_ns);
}

void seg6_mig_event_overflow(struct seg6_mig_inst *inst, u32 pkts)
{
	seg6_mig_event(inst, SEG6_MIG_CMD_OVERFLOW, NULL, pkts, 0);
}

/* One instance, or the rest of its VIPs from *@skip on, into a dump. */
static int seg6_mig_fill_inst(struct sk_buff *skb, struct seg6_mig_inst *inst,
			      unsigned long *skip, void *arg)
{
	struct netlink_callback *cb = arg;
	u64 cnt[__SEG6_MIG_STAT_MAX], packets, bytes;
	bool first = !*skip;
	struct nlattr *stats;
	unsigned int i;
	void *hdr;
	int err;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &seg6_mig_family, NLM_F_MULTI, SEG6_MIG_CMD_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (seg6_mig_put_sid(skb, inst))
		goto cancel;
	if (first) {
		if (nla_put_u8(skb, SEG6_MIG_A_SID_LEN, inst->sid_len) ||
		    nla_put_u32(skb, SEG6_MIG_A_ACTION, inst->action) ||
		    nla_put_u32(skb, SEG6_MIG_A_IFINDEX, inst->ifindex) ||
		    nla_put_u32(skb, SEG6_MIG_A_TABLE, inst->table) ||
		    nla_put_u32(skb, SEG6_MIG_A_PRESENCE, inst->presence))
			goto cancel;
		if (inst->action == SEG6_MIG_ACTION_END_BFW &&
		    (nla_put_u32(skb, SEG6_MIG_A_BUF_PKTS, inst->limit_pkts) ||
		     nla_put_u32(skb, SEG6_MIG_A_BUF_BYTES, inst->limit_bytes) ||
		     nla_put_u32(skb, SEG6_MIG_A_HOLD_MS, inst->hold_ms) ||
		     nla_put_u32(skb, SEG6_MIG_A_SETTLE_MS, inst->settle_ms) ||
		     nla_put_u32(skb, SEG6_MIG_A_QBYTES,
				 READ_ONCE(inst->qbytes)) ||
		     nla_put_u32(skb, SEG6_MIG_A_VIP_SHARE, inst->vip_share) ||
		     (inst->strict && nla_put_flag(skb, SEG6_MIG_A_STRICT)) ||
		     seg6_mig_fill_expected(skb, inst)))
			goto cancel;

		seg6_mig_stats_sum(inst, cnt, &packets, &bytes);
		stats = nla_nest_start(skb, SEG6_MIG_A_STATS);
		if (!stats)
			goto cancel;
		for (i = SEG6_MIG_STAT_LOCAL; i <= SEG6_MIG_STAT_MAX; i++)
			if (nla_put_u64_64bit(skb, i, cnt[i], SEG6_MIG_STAT_PAD))
				goto cancel;
		nla_nest_end(skb, stats);
	}
	if (inst->action == SEG6_MIG_ACTION_END_BFW) {
		unsigned long done = *skip;

		err = seg6_mig_fill_vips(skb, inst, skip);
		/* Some VIPs did not fit: send those that did, go on later. */
		if (err == -EMSGSIZE && *skip != done) {
			genlmsg_end(skb, hdr);
			return -EMSGSIZE;
		}
		if (err)
			goto cancel;
	}
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int seg6_mig_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	int err;

	/* args[0]: instances done; args[1]: VIPs of the next one done. */
	err = seg6_mig_net_dump(sock_net(skb->sk), skb, seg6_mig_fill_inst,
				&cb->args[0], cb);
	if (err && !skb->len)
		return err;
	return skb->len;
}

static unsigned int seg6_mig_do_purge(struct seg6_mig_inst *inst,
				      const struct in6_addr *vip)
{
	return seg6_mig_bfw_purge(inst, NULL, vip);
}

/* The SID and VIP of RELEASE, PURGE, EXPECT and UNEXPECT, both required. */
static int seg6_mig_get_sid_vip(struct genl_info *info, struct in6_addr *sid,
				struct in6_addr *vip)
{
	if (!info->attrs[SEG6_MIG_A_SID]) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, SEG6_MIG_A_SID);
		NL_SET_ERR_MSG(info->extack,
			       "Missing SEG6_MIG_A_SID: the End.BFW route's SID");
		return -EINVAL;
	}
	if (!info->attrs[SEG6_MIG_A_VIP]) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, SEG6_MIG_A_VIP);
		NL_SET_ERR_MSG(info->extack,
			       "Missing SEG6_MIG_A_VIP: the VM's address");
		return -EINVAL;
	}
	*sid = nla_get_in6_addr(info->attrs[SEG6_MIG_A_SID]);
	*vip = nla_get_in6_addr(info->attrs[SEG6_MIG_A_VIP]);
	return 0;
}

/*
 * The errors of seg6_mig_net_for_sid*() that concern the SID, for a
 * command on packets (RELEASE, PURGE) or on expected VIPs.
 */
static void seg6_mig_sid_err(struct genl_info *info, int err, bool expect)
{
	struct nlattr *attr = info->attrs[SEG6_MIG_A_SID];

	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "No End.BFW route with this SID in the namespace");
	else if (err == -EOPNOTSUPP && expect)
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "The route with this SID is End.FWP, which expects no VIPs");
	else if (err == -EOPNOTSUPP)
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "The route with this SID is End.FWP, which holds no packets");
}

/* The reply: SID, VIP and, when @pkts is not NULL, the packets acted on. */
static int seg6_mig_vip_reply(struct genl_info *info,
			      const struct in6_addr *sid,
			      const struct in6_addr *vip,
			      const unsigned int *pkts)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &seg6_mig_family, 0,
				info->genlhdr->cmd);
	if (!hdr ||
	    nla_put_in6_addr(msg, SEG6_MIG_A_SID, sid) ||
	    nla_put_in6_addr(msg, SEG6_MIG_A_VIP, vip) ||
	    (pkts && nla_put_u32(msg, SEG6_MIG_A_PKTS, *pkts))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* RELEASE and PURGE: find the End.BFW route(s) with the SID, act, reply. */
static int seg6_mig_vip_doit(struct genl_info *info,
			     unsigned int (*fn)(struct seg6_mig_inst *inst,
						const struct in6_addr *vip))
{
	struct net *net = genl_info_net(info);
	struct in6_addr sid, vip;
	unsigned int pkts = 0;
	int err;

	err = seg6_mig_get_sid_vip(info, &sid, &vip);
	if (err)
		return err;
	err = seg6_mig_net_for_sid(net, &sid, fn, &vip, &pkts);
	seg6_mig_sid_err(info, err, false);
	if (err)
		return err;
	return seg6_mig_vip_reply(info, &sid, &vip, &pkts);
}

static int seg6_mig_release_doit(struct sk_buff *skb, struct genl_info *info)
{
	return seg6_mig_vip_doit(info, seg6_mig_bfw_release);
}

static int seg6_mig_purge_doit(struct sk_buff *skb, struct genl_info *info)
{
	return seg6_mig_vip_doit(info, seg6_mig_do_purge);
}

/* EXPECT and UNEXPECT: as seg6_mig_vip_doit(), with a deadline. */
static int seg6_mig_expect_common(struct genl_info *info,
				  int (*fn)(struct seg6_mig_inst *inst,
					    const struct in6_addr *vip, u32 ms))
{
	struct nlattr *dl = info->attrs[SEG6_MIG_A_DEADLINE_MS];
	struct net *net = genl_info_net(info);
	u32 ms = SEG6_MIG_EXPECT_MS_DEFAULT;
	struct in6_addr sid, vip;
	int err;

	err = seg6_mig_get_sid_vip(info, &sid, &vip);
	if (err)
		return err;
	if (dl) {
		if (info->genlhdr->cmd != SEG6_MIG_CMD_EXPECT) {
			NL_SET_ERR_MSG_ATTR(info->extack, dl,
					    "A deadline applies to SEG6_MIG_CMD_EXPECT only");
			return -EINVAL;
		}
		ms = nla_get_u32(dl);
		if (!ms || ms > SEG6_MIG_EXPECT_MS_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack, dl,
					    "deadline: not within 1..86400000 ms");
			return -ERANGE;
		}
	}
	if (ipv6_addr_any(&vip) || ipv6_addr_is_multicast(&vip)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SEG6_MIG_A_VIP],
				    "The VIP must be a unicast address");
		return -EINVAL;
	}

	err = seg6_mig_net_for_sid_err(net, &sid, fn, &vip, ms);
	seg6_mig_sid_err(info, err, true);
	if (err == -ENOSPC)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SEG6_MIG_A_VIP],
				    "The route expects 64 VIPs already (SEG6_MIG_EXPECT_MAX)");
	else if (err == -ESRCH)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SEG6_MIG_A_VIP],
				    "This VIP is not expected at this SID");
	else if (err == -ENOMEM)
		NL_SET_ERR_MSG(info->extack, "Out of memory for an expected VIP");
	if (err)
		return err;
	return seg6_mig_vip_reply(info, &sid, &vip, NULL);
}

static int seg6_mig_expect_doit(struct sk_buff *skb, struct genl_info *info)
{
	return seg6_mig_expect_common(info, seg6_mig_bfw_expect);
}

static int seg6_mig_unexpect_doit(struct sk_buff *skb, struct genl_info *info)
{
	return seg6_mig_expect_common(info, seg6_mig_bfw_unexpect);
}

static const struct nla_policy seg6_mig_genl_policy[SEG6_MIG_A_MAX + 1] = {
	[SEG6_MIG_A_SID] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[SEG6_MIG_A_VIP] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[SEG6_MIG_A_DEADLINE_MS] = { .type = NLA_U32 },
};

static const struct genl_small_ops seg6_mig_genl_ops[] = {
	{
		.cmd = SEG6_MIG_CMD_GET,
		.dumpit = seg6_mig_get_dumpit,
	},
	{
		.cmd = SEG6_MIG_CMD_RELEASE,
		.doit = seg6_mig_release_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SEG6_MIG_CMD_PURGE,
		.doit = seg6_mig_purge_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SEG6_MIG_CMD_EXPECT,
		.doit = seg6_mig_expect_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SEG6_MIG_CMD_UNEXPECT,
		.doit = seg6_mig_unexpect_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family seg6_mig_family __ro_after_init = {
	.name = SEG6_MIG_GENL_NAME,
	.version = SEG6_MIG_GENL_VERSION,
	.maxattr = SEG6_MIG_A_MAX,
	.policy = seg6_mig_genl_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.small_ops = seg6_mig_genl_ops,
	.n_small_ops = ARRAY_SIZE(seg6_mig_genl_ops),
	/* Every command validates strictly, reserved fields included. */
	.resv_start_op = SEG6_MIG_CMD_GET,
	.mcgrps = seg6_mig_mcgrps,
	.n_mcgrps = ARRAY_SIZE(seg6_mig_mcgrps),
};

int seg6_mig_genl_init(void)
{
	return genl_register_family(&seg6_mig_family);
}

void seg6_mig_genl_exit(void)
{
	genl_unregister_family(&seg6_mig_family);
}

MODULE_ALIAS_GENL_FAMILY(SEG6_MIG_GENL_NAME);
