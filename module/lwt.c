// SPDX-License-Identifier: GPL-2.0
/*
 * The seg6local extension. Stock kernels have no way to add a seg6local
 * action, so this module puts its own lwtunnel_encap_ops in the
 * LWTUNNEL_ENCAP_SEG6_LOCAL slot of lwtun_encaps[]: it handles End.FWP and
 * End.BFW routes itself and hands every other route to the kernel's
 * seg6_local_ops, unchanged.
 *
 * Which ops built a state: struct seg6_local_lwt and struct seg6_mig_lwt
 * both start with the action number, and the kernel refuses actions it
 * does not know, so a state with one of this module's action numbers is
 * this module's.
 *
 * Locking and lifetime rules:
 * - The slot is found once, at load, through kallsyms; loading fails,
 *   changing nothing, unless it holds the kernel's seg6_local_ops.
 * - The slot is swapped with cmpxchg(), so every reader sees either ops
 *   and a stock route always has one that serves it.
 * - owner is NULL: lwtunnel takes a module reference from the ops in the
 *   slot at build time and drops one from the ops in the slot at free time;
 *   stock routes built while the module is loaded are freed by either ops,
 *   so neither may count. Each End.FWP/End.BFW route instead holds its own
 *   reference (seg6_mig_inst_new()) until its teardown: rmmod is refused
 *   while such routes exist.
 * - Callers of the slot's ops are either RCU readers (input, fill_encap,
 *   get_encap_size, cmp_encap; lwtstate_free() from RCU callbacks) or hold
 *   RTNL (build_state and error-path frees on 6.1 and 6.12). Unload swaps
 *   the kernel's ops back under RTNL, then waits for RCU readers and
 *   pending RCU callbacks.
 */

#include <linux/kprobes.h>
#include <linux/netfilter.h>
#include <linux/rtnetlink.h>
#include <linux/seg6_local.h>
#include <net/ip6_fib.h>
#include <net/lwtunnel.h>
#include <net/netlink.h>

#include "seg6_mig.h"

static const struct lwtunnel_encap_ops **seg6_mig_slot;
static const struct lwtunnel_encap_ops *seg6_mig_orig;

/* Table-driven, as in seg6_local.c: what differs between the actions. */
struct seg6_mig_action_desc {
	u32 action;
	const char *name;
	/* buffers: takes SEG6_MIG_ATTR_BUF_*, HOLD_MS, SETTLE_MS, STRICT,
	 * VIP_SHARE (both take SEG6_MIG_ATTR_PRESENCE)
	 */
	bool buffers;
	const u8 *stats;	/* SEG6_MIG_STAT_* it reports */
	unsigned int nstats;
};

static const u8 seg6_mig_fwp_stats[] = {
	SEG6_MIG_STAT_LOCAL, SEG6_MIG_STAT_NEXT, SEG6_MIG_STAT_ABSENT,
	SEG6_MIG_STAT_ERRORS,
};

static const u8 seg6_mig_bfw_stats[] = {
	SEG6_MIG_STAT_DELIVERED, SEG6_MIG_STAT_BUFFERED, SEG6_MIG_STAT_FLUSHED,
	SEG6_MIG_STAT_OVERFLOW, SEG6_MIG_STAT_EXPIRED, SEG6_MIG_STAT_PURGED,
	SEG6_MIG_STAT_ERRORS, SEG6_MIG_STAT_QLEN, SEG6_MIG_STAT_QLEN_MAX,
	SEG6_MIG_STAT_UNEXPECTED, SEG6_MIG_STAT_SHARE,
};

static const struct seg6_mig_action_desc seg6_mig_actions[] = {
	{
		.action = SEG6_MIG_ACTION_END_FWP,
		.name = "End.FWP",
		.stats = seg6_mig_fwp_stats,
		.nstats = ARRAY_SIZE(seg6_mig_fwp_stats),
	},
	{
		.action = SEG6_MIG_ACTION_END_BFW,
		.name = "End.BFW",
		.buffers = true,
		.stats = seg6_mig_bfw_stats,
		.nstats = ARRAY_SIZE(seg6_mig_bfw_stats),
	},
};

static const struct seg6_mig_action_desc *seg6_mig_desc(u32 action)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(seg6_mig_actions); i++)
		if (seg6_mig_actions[i].action == action)
			return &seg6_mig_actions[i];
	return NULL;
}

static const struct seg6_mig_action_desc *
seg6_mig_state_desc(struct lwtunnel_state *lwt)
{
	return seg6_mig_desc(seg6_mig_lwt(lwt)->action);
}

static const struct nla_policy seg6_mig_policy[SEG6_MIG_ATTR_MAX + 1] = {
	[SEG6_MIG_ATTR_BUF_PKTS]	= { .type = NLA_U32 },
	[SEG6_MIG_ATTR_BUF_BYTES]	= { .type = NLA_U32 },
	[SEG6_MIG_ATTR_HOLD_MS]		= { .type = NLA_U32 },
	[SEG6_MIG_ATTR_STATS]		= { .type = NLA_REJECT },
	[SEG6_MIG_ATTR_SETTLE_MS]	= { .type = NLA_U32 },
	[SEG6_MIG_ATTR_PRESENCE]	= { .type = NLA_U32 },
	[SEG6_MIG_ATTR_STRICT]		= { .type = NLA_FLAG },
	[SEG6_MIG_ATTR_VIP_SHARE]	= { .type = NLA_U32 },
};

struct seg6_mig_cfg {
	u32 table;
	bool count;
	u32 limit_pkts;
	u32 limit_bytes;
	u32 hold_ms;
	u32 settle_ms;
	u32 presence;
	u32 vip_share;
	bool strict;
};

static int seg6_mig_parse_params(const struct seg6_mig_action_desc *desc,
				 struct nlattr *nla, struct seg6_mig_cfg *cfg,
				 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SEG6_MIG_ATTR_MAX + 1];
	int err;

	err = nla_parse_nested(tb, SEG6_MIG_ATTR_MAX, nla, seg6_mig_policy,
			       extack);
	if (err)
		return err;

	if (tb[SEG6_MIG_ATTR_PRESENCE]) {
		cfg->presence = nla_get_u32(tb[SEG6_MIG_ATTR_PRESENCE]);
		if (cfg->presence > SEG6_MIG_PRESENCE_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SEG6_MIG_ATTR_PRESENCE],
					    "presence: not carrier (0) or announce (1)");
			return -EINVAL;
		}
	}

	if (!desc->buffers) {
		if (tb[SEG6_MIG_ATTR_BUF_PKTS] || tb[SEG6_MIG_ATTR_BUF_BYTES] ||
		    tb[SEG6_MIG_ATTR_HOLD_MS] || tb[SEG6_MIG_ATTR_SETTLE_MS] ||
		    tb[SEG6_MIG_ATTR_STRICT] || tb[SEG6_MIG_ATTR_VIP_SHARE]) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "End.FWP takes no buffer, buffer-bytes, hold, settle, strict or vip-share");
			return -EINVAL;
		}
		return 0;
	}

	if (tb[SEG6_MIG_ATTR_BUF_PKTS]) {
		cfg->limit_pkts = nla_get_u32(tb[SEG6_MIG_ATTR_BUF_PKTS]);
		if (cfg->limit_pkts > SEG6_MIG_BUF_PKTS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SEG6_MIG_ATTR_BUF_PKTS],
					    "buffer: more than 1048576 packets");
			return -ERANGE;
		}
	}
	if (tb[SEG6_MIG_ATTR_BUF_BYTES]) {
		cfg->limit_bytes = nla_get_u32(tb[SEG6_MIG_ATTR_BUF_BYTES]);
		if (cfg->limit_bytes > SEG6_MIG_BUF_BYTES_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SEG6_MIG_ATTR_BUF_BYTES],
					    "buffer-bytes: more than 1 GiB");
			return -ERANGE;
		}
	}
	if (tb[SEG6_MIG_ATTR_HOLD_MS]) {
		cfg->hold_ms = nla_get_u32(tb[SEG6_MIG_ATTR_HOLD_MS]);
		if (cfg->hold_ms < SEG6_MIG_HOLD_MS_MIN ||
		    cfg->hold_ms > SEG6_MIG_HOLD_MS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SEG6_MIG_ATTR_HOLD_MS],
					    "hold: not within 1..60000 ms");
			return -ERANGE;
		}
	}
	if (tb[SEG6_MIG_ATTR_SETTLE_MS]) {
		cfg->settle_ms = nla_get_u32(tb[SEG6_MIG_ATTR_SETTLE_MS]);
		if (cfg->settle_ms > SEG6_MIG_SETTLE_MS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SEG6_MIG_ATTR_SETTLE_MS],
					    "settle: more than 10000 ms");
			return -ERANGE;
		}
	}
	if (tb[SEG6_MIG_ATTR_VIP_SHARE]) {
		cfg->vip_share = nla_get_u32(tb[SEG6_MIG_ATTR_VIP_SHARE]);
		if (cfg->vip_share > SEG6_MIG_BUF_PKTS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[SEG6_MIG_ATTR_VIP_SHARE],
					    "vip-share: more than 1048576 packets");
			return -ERANGE;
		}
	}
	cfg->strict = nla_get_flag(tb[SEG6_MIG_ATTR_STRICT]);
	return 0;
}

/* The seg6local attributes of an End.FWP/End.BFW route. */
static int seg6_mig_parse_attrs(const struct seg6_mig_action_desc *desc,
				struct nlattr *encap, struct seg6_mig_cfg *cfg,
				struct netlink_ext_ack *extack)
{
	struct nlattr *nla;
	int rem, err;

	nla_for_each_nested(nla, encap, rem) {
		switch (nla_type(nla)) {
		case SEG6_LOCAL_ACTION:
			break;
		case SEG6_LOCAL_TABLE:
			if (nla_len(nla) != sizeof(u32)) {
				NL_SET_ERR_MSG_ATTR(extack, nla, "table: not a u32");
				return -EINVAL;
			}
			cfg->table = nla_get_u32(nla);
			if (!cfg->table) {
				NL_SET_ERR_MSG_ATTR(extack, nla, "table: 0 is not a table");
				return -EINVAL;
			}
			break;
		case SEG6_LOCAL_COUNTERS:
			cfg->count = true;
			break;
		case SEG6_LOCAL_MIG:
			err = seg6_mig_parse_params(desc, nla, cfg, extack);
			if (err)
				return err;
			break;
		default:
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "attribute not supported by End.FWP/End.BFW");
			return -EINVAL;
		}
	}
	return 0;
}

static int seg6_mig_build_state(const struct seg6_mig_action_desc *desc,
				struct net *net, struct nlattr *encap,
				unsigned int family, const void *cfg,
				struct lwtunnel_state **ts,
				struct netlink_ext_ack *extack)
{
	/* For IPv6 routes the kernel passes its fib6_config (as ila_lwt.c
	 * relies on): the route's prefix is the SID the family reports.
	 */
	const struct fib6_config *rcfg = cfg;
	struct seg6_mig_cfg mcfg = {
		.limit_pkts = SEG6_MIG_BUF_PKTS_DEFAULT,
		.limit_bytes = SEG6_MIG_BUF_BYTES_DEFAULT,
		.hold_ms = SEG6_MIG_HOLD_MS_DEFAULT,
		.settle_ms = SEG6_MIG_SETTLE_MS_DEFAULT,
	};
	struct lwtunnel_state *newts;
	struct seg6_mig_lwt *slwt;
	struct seg6_mig_inst *inst;
	bool announce;
	int err;

	if (family != AF_INET6) {
		NL_SET_ERR_MSG(extack, "End.FWP and End.BFW are IPv6 routes");
		return -EINVAL;
	}
	err = seg6_mig_parse_attrs(desc, encap, &mcfg, extack);
	if (err)
		return err;
	announce = mcfg.presence == SEG6_MIG_PRESENCE_ANNOUNCE;

	newts = lwtunnel_state_alloc(sizeof(*slwt));
	if (!newts)
		return -ENOMEM;
	/* The namespace's ports, watched for announces from now on; the
	 * instance's teardown lets go of them.
	 */
	if (announce) {
		err = seg6_mig_ports_get(net);
		if (err) {
			kfree(newts);
			NL_SET_ERR_MSG(extack,
				       "presence announce: cannot track the namespace's ports");
			return err;
		}
	}
	inst = seg6_mig_inst_new(net, desc->action, mcfg.table);
	if (!inst) {
		if (announce)
			seg6_mig_ports_put(net);
		kfree(newts);
		return -ENOMEM;
	}
	inst->presence = mcfg.presence;
	inst->limit_pkts = mcfg.limit_pkts;
	inst->limit_bytes = mcfg.limit_bytes;
	inst->hold_ms = mcfg.hold_ms;
	inst->settle_ms = mcfg.settle_ms;
	inst->vip_share = mcfg.vip_share;
	inst->strict = mcfg.strict;
	if (rcfg) {
		inst->sid = rcfg->fc_dst;
		inst->sid_len = rcfg->fc_dst_len;
		inst->ifindex = rcfg->fc_ifindex;
	}
	seg6_mig_net_add(inst);

	slwt = seg6_mig_lwt(newts);
	slwt->action = desc->action;
	slwt->table = mcfg.table;
	slwt->count = mcfg.count;
	slwt->inst = inst;

	newts->type = LWTUNNEL_ENCAP_SEG6_LOCAL;
	newts->flags = LWTUNNEL_STATE_INPUT_REDIRECT;
	*ts = newts;
	return 0;
}

/* Mirrors seg6_mig_get_encap_size() attribute for attribute. */
static int seg6_mig_fill_encap(struct sk_buff *skb, struct lwtunnel_state *lwt)
{
	const struct seg6_mig_action_desc *desc = seg6_mig_state_desc(lwt);
	struct seg6_mig_lwt *slwt = seg6_mig_lwt(lwt);
	struct seg6_mig_inst *inst = slwt->inst;
	u64 cnt[__SEG6_MIG_STAT_MAX], packets, bytes;
	struct nlattr *nest, *stats;
	unsigned int i;

	/* SEG6_LOCAL_ACTION */
	if (nla_put_u32(skb, SEG6_LOCAL_ACTION, slwt->action))
		return -EMSGSIZE;
	/* SEG6_LOCAL_TABLE, when configured */
	if (slwt->table && nla_put_u32(skb, SEG6_LOCAL_TABLE, slwt->table))
		return -EMSGSIZE;

	if (slwt->count)
		seg6_mig_stats_sum(inst, cnt, &packets, &bytes);

	/* SEG6_LOCAL_COUNTERS, as the kernel's actions report them */
	if (slwt->count) {
		nest = nla_nest_start(skb, SEG6_LOCAL_COUNTERS);
		if (!nest ||
		    nla_put_u64_64bit(skb, SEG6_LOCAL_CNT_PACKETS, packets,
				      SEG6_LOCAL_CNT_PAD) ||
		    nla_put_u64_64bit(skb, SEG6_LOCAL_CNT_BYTES, bytes,
				      SEG6_LOCAL_CNT_PAD) ||
		    nla_put_u64_64bit(skb, SEG6_LOCAL_CNT_ERRORS,
				      cnt[SEG6_MIG_STAT_ERRORS],
				      SEG6_LOCAL_CNT_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}

	/* SEG6_LOCAL_MIG: parameters, counters (when counting) */
	nest = nla_nest_start(skb, SEG6_LOCAL_MIG);
	if (!nest)
		return -EMSGSIZE;
	if (desc->buffers &&
	    (nla_put_u32(skb, SEG6_MIG_ATTR_BUF_PKTS, inst->limit_pkts) ||
	     nla_put_u32(skb, SEG6_MIG_ATTR_BUF_BYTES, inst->limit_bytes) ||
	     nla_put_u32(skb, SEG6_MIG_ATTR_HOLD_MS, inst->hold_ms) ||
	     nla_put_u32(skb, SEG6_MIG_ATTR_SETTLE_MS, inst->settle_ms) ||
	     nla_put_u32(skb, SEG6_MIG_ATTR_VIP_SHARE, inst->vip_share) ||
	     (inst->strict && nla_put_flag(skb, SEG6_MIG_ATTR_STRICT))))
		return -EMSGSIZE;
	if (nla_put_u32(skb, SEG6_MIG_ATTR_PRESENCE, inst->presence))
		return -EMSGSIZE;
	if (slwt->count) {
		stats = nla_nest_start(skb, SEG6_MIG_ATTR_STATS);
		if (!stats)
			return -EMSGSIZE;
		for (i = 0; i < desc->nstats; i++)
			if (nla_put_u64_64bit(skb, desc->stats[i],
					      cnt[desc->stats[i]],
					      SEG6_MIG_STAT_PAD))
				return -EMSGSIZE;
		nla_nest_end(skb, stats);
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int seg6_mig_get_encap_size(struct lwtunnel_state *lwt)
{
	const struct seg6_mig_action_desc *desc = seg6_mig_state_desc(lwt);
	struct seg6_mig_lwt *slwt = seg6_mig_lwt(lwt);
	int size;

	/* SEG6_LOCAL_ACTION */
	size = nla_total_size(sizeof(u32));
	/* SEG6_LOCAL_TABLE */
	if (slwt->table)
		size += nla_total_size(sizeof(u32));
	/* SEG6_LOCAL_COUNTERS: packets, bytes, errors */
	if (slwt->count)
		size += nla_total_size(0) + 3 * nla_total_size_64bit(sizeof(u64));
	/* SEG6_LOCAL_MIG */
	size += nla_total_size(0);
	/* SEG6_MIG_ATTR_BUF_PKTS, _BUF_BYTES, _HOLD_MS, _SETTLE_MS,
	 * _VIP_SHARE; _STRICT when set
	 */
	if (desc->buffers)
		size += 5 * nla_total_size(sizeof(u32));
	if (slwt->inst->strict)
		size += nla_total_size(0);
	/* SEG6_MIG_ATTR_PRESENCE */
	size += nla_total_size(sizeof(u32));
	/* SEG6_MIG_ATTR_STATS */
	if (slwt->count)
		size += nla_total_size(0) +
			desc->nstats * nla_total_size_64bit(sizeof(u64));
	return size;
}

static int seg6_mig_cmp_state(struct lwtunnel_state *a,
			      struct lwtunnel_state *b)
{
	struct seg6_mig_lwt *sa = seg6_mig_lwt(a), *sb = seg6_mig_lwt(b);

	return sa->action != sb->action || sa->table != sb->table ||
	       sa->count != sb->count ||
	       sa->inst->limit_pkts != sb->inst->limit_pkts ||
	       sa->inst->limit_bytes != sb->inst->limit_bytes ||
	       sa->inst->hold_ms != sb->inst->hold_ms ||
	       sa->inst->settle_ms != sb->inst->settle_ms ||
	       sa->inst->vip_share != sb->inst->vip_share ||
	       sa->inst->strict != sb->inst->strict ||
	       sa->inst->presence != sb->inst->presence;
}

/* The ops in the slot: this module's routes here, the rest to the kernel. */

static bool seg6_mig_owns(struct lwtunnel_state *lwt)
{
	return seg6_mig_state_desc(lwt);
}

static int seg6_mig_ops_build_state(struct net *net, struct nlattr *encap,
				    unsigned int family, const void *cfg,
				    struct lwtunnel_state **ts,
				    struct netlink_ext_ack *extack)
{
	const struct seg6_mig_action_desc *desc = NULL;
	struct nlattr *nla;

	nla = nla_find_nested(encap, SEG6_LOCAL_ACTION);
	if (nla && nla_len(nla) == sizeof(u32))
		desc = seg6_mig_desc(nla_get_u32(nla));
	if (desc)
		return seg6_mig_build_state(desc, net, encap, family, cfg, ts,
					    extack);

	nla = nla_find_nested(encap, SEG6_LOCAL_MIG);
	if (nla) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "SEG6_LOCAL_MIG applies to End.FWP and End.BFW only");
		return -EINVAL;
	}
	return seg6_mig_orig->build_state(net, encap, family, cfg, ts, extack);
}

static void seg6_mig_ops_destroy_state(struct lwtunnel_state *lwt)
{
	if (seg6_mig_owns(lwt))
		seg6_mig_inst_put(seg6_mig_lwt(lwt)->inst);
	else
		seg6_mig_orig->destroy_state(lwt);
}

static int seg6_mig_input_core(struct net *net, struct sock *sk,
			       struct sk_buff *skb)
{
	return seg6_mig_input(skb, seg6_mig_lwt(skb_dst(skb)->lwtstate));
}

static int seg6_mig_ops_input(struct sk_buff *skb)
{
	if (!seg6_mig_owns(skb_dst(skb)->lwtstate))
		return seg6_mig_orig->input(skb);

	/* As seg6_local_input(). */
	if (skb->protocol != htons(ETH_P_IPV6)) {
		kfree_skb(skb);
		return -EINVAL;
	}
	if (static_branch_unlikely(&nf_hooks_lwtunnel_enabled))
		return NF_HOOK(NFPROTO_IPV6, NF_INET_LOCAL_IN,
			       dev_net(skb->dev), NULL, skb, skb->dev, NULL,
			       seg6_mig_input_core);
	return seg6_mig_input_core(dev_net(skb->dev), NULL, skb);
}

static int seg6_mig_ops_fill_encap(struct sk_buff *skb,
				   struct lwtunnel_state *lwt)
{
	if (seg6_mig_owns(lwt))
		return seg6_mig_fill_encap(skb, lwt);
	return seg6_mig_orig->fill_encap(skb, lwt);
}

static int seg6_mig_ops_get_encap_size(struct lwtunnel_state *lwt)
{
	if (seg6_mig_owns(lwt))
		return seg6_mig_get_encap_size(lwt);
	return seg6_mig_orig->get_encap_size(lwt);
}

static int seg6_mig_ops_cmp_encap(struct lwtunnel_state *a,
				  struct lwtunnel_state *b)
{
	bool ma = seg6_mig_owns(a), mb = seg6_mig_owns(b);

	if (!ma && !mb)
		return seg6_mig_orig->cmp_encap(a, b);
	if (ma != mb)
		return 1;
	return seg6_mig_cmp_state(a, b);
}

/* The same callbacks as seg6_local_ops (checked at load), no owner. */
static const struct lwtunnel_encap_ops seg6_mig_ops = {
	.build_state	= seg6_mig_ops_build_state,
	.destroy_state	= seg6_mig_ops_destroy_state,
	.input		= seg6_mig_ops_input,
	.fill_encap	= seg6_mig_ops_fill_encap,
	.get_encap_size	= seg6_mig_ops_get_encap_size,
	.cmp_encap	= seg6_mig_ops_cmp_encap,
};

/*
 * kallsyms_lookup_name() is not exported: find it through a kprobe. On
 * kernels with IBT, the probe's address is past the function's ENDBR64,
 * which an indirect call must land on.
 */
static unsigned long seg6_mig_lookup_name(const char *name)
{
	typedef unsigned long (*lookup_t)(const char *name);
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	static const u8 endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	unsigned long addr;

	if (register_kprobe(&kp) < 0)
		return 0;
	addr = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	if (!addr)
		return 0;
	if (IS_ENABLED(CONFIG_X86_KERNEL_IBT) &&
	    !memcmp((void *)(addr - sizeof(endbr64)), endbr64, sizeof(endbr64)))
		addr -= sizeof(endbr64);
	return ((lookup_t)addr)(name);
}

int seg6_mig_lwt_init(void)
{
	const struct lwtunnel_encap_ops *orig;
	unsigned long encaps;

	encaps = seg6_mig_lookup_name("lwtun_encaps");
	orig = (const struct lwtunnel_encap_ops *)
		seg6_mig_lookup_name("seg6_local_ops");
	if (!encaps || !orig) {
		pr_err("lwtun_encaps or seg6_local_ops not found in kallsyms: this kernel is not supported\n");
		return -ENOENT;
	}
	seg6_mig_slot = (const struct lwtunnel_encap_ops **)encaps +
			LWTUNNEL_ENCAP_SEG6_LOCAL;
	if (READ_ONCE(*seg6_mig_slot) != orig) {
		pr_err("the seg6local encap slot does not hold the kernel's seg6_local_ops (another module?)\n");
		return -EBUSY;
	}
	if (!orig->build_state || !orig->destroy_state || !orig->input ||
	    !orig->fill_encap || !orig->get_encap_size || !orig->cmp_encap ||
	    orig->output || orig->xmit) {
		pr_err("seg6_local_ops has unexpected callbacks: this kernel is not supported\n");
		return -EINVAL;
	}
	seg6_mig_orig = orig;

	if (cmpxchg(seg6_mig_slot, orig, &seg6_mig_ops) != orig) {
		pr_err("the seg6local encap slot changed under us\n");
		return -EBUSY;
	}
	return 0;
}

void seg6_mig_lwt_exit(void)
{
	rtnl_lock();
	if (cmpxchg(seg6_mig_slot, &seg6_mig_ops, seg6_mig_orig) != &seg6_mig_ops)
		pr_err("the seg6local encap slot no longer holds seg6_mig's ops; left as it is\n");
	rtnl_unlock();
	synchronize_net();	/* RCU readers of the slot */
	rcu_barrier();		/* lwtstate_free() in pending RCU callbacks */
}
